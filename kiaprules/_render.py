"""How results are written out: JSON, CSV, terminal tables and HTML, one way each.

Layer 0, so that every result, whichever layer computes it, renders through
the same few functions:

- :func:`json_text`: indented JSON, byte for byte what
  ``json.dumps(data, ensure_ascii=False, indent=2)`` writes, plus a final
  newline, for printable text without CPR numbers; written without the
  standard library's pure-Python indenting encoder, whose generator per
  value costs more than computing a country;
- :func:`json_line`: the same data as one compact line of JSON Lines;
- :func:`csv_text`: rows for spreadsheets;
- :func:`table_text`: a terminal table, laid out by tabulate;
- :func:`html_table`: an escaped HTML table, for notebooks, and the pieces
  around it (:func:`html_text`, :func:`html_note`, :func:`html_list`,
  :func:`html_quote`).

Every piece of text goes through the output sanitizer (:mod:`kiaprules._text`):
CPR numbers are masked everywhere; characters that are not printable are
escaped, in JSON as JSON escapes (``\\u202e``), which keep the value.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Sequence
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from kiaprules._text import mask_cpr_like, sanitize

__all__ = ["csv_text", "html_list", "html_note", "html_quote", "html_table", "html_text",
           "json_line", "json_string", "json_text", "table_text"]

_INDENT = "  "


def json_text(data: Any) -> str:
    """``data`` as indented JSON text, ending in a newline.

    Equal, byte for byte, to ``json.dumps(data, ensure_ascii=False, indent=2) + "\\n"``
    for the data results hold: dicts with string keys, lists and tuples,
    strings, ints, bools and ``None`` (anything else is refused, as it would
    not be JSON); every text is sanitized on the way (:func:`json_string`).

    >>> print(json_text({"year": 2019, "lines": [], "kinds": ["operating", None]}), end="")
    {
      "year": 2019,
      "lines": [],
      "kinds": [
        "operating",
        null
      ]
    }
    """
    out: list[str] = []
    _write(data, "\n", out)
    out.append("\n")
    return "".join(out)


def json_line(data: Any) -> str:
    """``data`` as one line of compact JSON (JSON Lines), ending in a newline.

    Equal, byte for byte, to ``json.dumps(data, ensure_ascii=False,
    separators=(",", ":")) + "\\n"`` for the data :func:`json_text` takes, and
    sanitized the same way (:func:`json_string`). No string can break the
    line: a line break, and every other character that is not printable
    (U+2028 and U+0085 too, which some readers split lines on), is written
    as a JSON escape.

    >>> print(json_line({"year": 2019, "lines": [], "kinds": ["operating\u2028", None]}), end="")
    {"year":2019,"lines":[],"kinds":["operating\\u2028",null]}
    """
    out: list[str] = []
    _write_compact(data, out)
    out.append("\n")
    return "".join(out)


@lru_cache(maxsize=1 << 16)  # a report repeats its quotes, kinds, dates and numbers
def json_string(text: str) -> str:
    r"""``text`` as a JSON string: CPR numbers masked, every unprintable character escaped.

    >>> print(json_string("Klynge 010180 1234\u202e\n"))
    "Klynge 010180-XXXX\u202e\n"
    """
    if len(text) >= 10:  # the shortest CPR number has ten digits
        text = mask_cpr_like(text)
    encoded = encode_basestring(text)
    if encoded.isprintable():
        return encoded
    return "".join(ch if ch.isprintable() or ch == " " else _json_escape(ord(ch))
                   for ch in encoded)


def _json_escape(code: int) -> str:
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"
    return f"\\u{code:04x}"


def _write(value: Any, newline: str, out: list[str]) -> None:
    """Append ``value``; ``newline`` is a line break and the indentation of its level.

    Text, the commonest value, is written in place by the loops over a
    container's items; only containers and other scalars recurse.
    """
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + _INDENT
        separator = "{" + inner
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"JSON object keys must be text, got {type(key).__name__}")
            if type(item) is str:
                out.append(f"{separator}{json_string(key)}: {json_string(item)}")
            else:
                out.append(f"{separator}{json_string(key)}: ")
                _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + _INDENT
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                out.append(separator + json_string(item))
            else:
                out.append(separator)
                _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    """A JSON value that is not a container, as text (both writers' one home for it)."""
    kind = type(value)
    if kind is str:
        return json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, str):  # a Message (kiaprules._i18n): its English text
        return json_string(str(value))
    raise TypeError(f"cannot write {kind.__name__} as JSON")


def _write_compact(value: Any, out: list[str]) -> None:
    """Append ``value`` as compact JSON: :func:`_write` without line breaks or spaces."""
    kind = type(value)
    if kind is dict:
        separator = "{"
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"JSON object keys must be text, got {type(key).__name__}")
            if type(item) is str:
                out.append(f"{separator}{json_string(key)}:{json_string(item)}")
            else:
                out.append(f"{separator}{json_string(key)}:")
                _write_compact(item, out)
            separator = ","
        out.append("}" if value else "{}")
    elif kind is list or kind is tuple:
        separator = "["
        for item in value:
            if type(item) is str:
                out.append(separator + json_string(item))
            else:
                out.append(separator)
                _write_compact(item, out)
            separator = ","
        out.append("]" if value else "[]")
    else:
        out.append(_scalar(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *,
             lang: str = "en") -> str:
    """A header and rows as CSV text (``\\n`` line ends, quoted where a cell needs it).

    Text cells are sanitized: one record is one line. In Danish (``lang="da"``)
    the dialect Danish Excel opens: ``;`` between cells and a byte order mark
    first (the caller writes amounts with a decimal comma).

    >>> print(csv_text(["name"], [["Klynge\\n010180-1234"]]), end="")
    name
    Klynge\\n010180-XXXX
    >>> csv_text(["navn", "beløb"], [["Køge", "4,33"]], lang="da")
    '\\ufeffnavn;beløb\\nKøge;4,33\\n'
    """
    buffer = io.StringIO()
    danish = lang == "da"
    if danish:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if danish else ",")
    writer.writerow([sanitize(h) for h in header])
    writer.writerows([sanitize(str(c)) if isinstance(c, str) else c for c in row]
                     for row in rows)
    return buffer.getvalue()


def table_text(rows: Sequence[Sequence[str]], headers: Sequence[str],
               align: Sequence[str] | None = None, *,
               widths: Sequence[int | None] | None = None) -> str:
    """A terminal table of text cells in tabulate's ``simple`` layout (no final newline).

    ``align`` is ``"left"`` or ``"right"`` per column (default: left);
    ``widths`` wraps a column's cells at that many characters. Cells are
    shown as given, sanitized: no number in a cell is reformatted, a CPR
    number is masked, a line break or a control character is escaped.
    """
    from tabulate import tabulate  # deferred: it costs more to import than a national run

    rows = [[sanitize(str(c)) if isinstance(c, str) else c for c in row] for row in rows]
    return tabulate(rows, headers=[sanitize(h) for h in headers], disable_numparse=True,
                    colalign=tuple(align) if align is not None else None,
                    maxcolwidths=list(widths) if widths is not None else None)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]],
               align: Sequence[str] | None = None) -> str:
    """An HTML table with every header and cell escaped.

    >>> html_table(["cluster"], [["Køge & Co"]]).partition("<tbody>")[2]
    '<tr><td>Køge &amp; Co</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{_escaped(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            style = f" style='text-align:{align[i]}'" if align is not None else ""
            cells.append(f"<td{style}>{_escaped(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _escaped(text: str) -> str:
    """Text as HTML: sanitized (CPR numbers masked, the unprintable escaped), then escaped."""
    return html.escape(sanitize(text))


#: The elements :func:`html_text` makes: text in a block, or a heading.
_TEXT_TAGS = frozenset({"p", "h3", "h4", "pre"})


def html_text(text: str, tag: str = "p") -> str:
    """One element of text, sanitized and escaped: a paragraph, a heading.

    >>> html_text("Køge <b>&</b> 010180-1234", "h4")
    '<h4>Køge &lt;b&gt;&amp;&lt;/b&gt; 010180-XXXX</h4>'
    """
    if tag not in _TEXT_TAGS:
        raise ValueError(f"not a text element: {tag!r}")
    return f"<{tag}>{_escaped(text)}</{tag}>"


def html_note(text: str) -> str:
    """A note beneath a table, in small print (the ruleset, an assumption)."""
    return f"<p><small>{_escaped(text)}</small></p>"


def html_list(items: Iterable[str], *, most: int | None = None) -> str:
    """A bulleted list (nothing for no items); beyond ``most`` items, how many more.

    >>> html_list(["a<", "b", "c"], most=2)
    '<ul><li>a&lt;</li><li>b</li><li>… and 1 more</li></ul>'
    """
    listed = list(items)
    shown = listed if most is None else listed[:most]
    entries = [f"<li>{_escaped(item)}</li>" for item in shown]
    if len(listed) > len(shown):
        entries.append(f"<li>… and {len(listed) - len(shown)} more</li>")
    return f"<ul>{''.join(entries)}</ul>" if entries else ""


def html_quote(quote: str, source: str) -> str:
    """A source's sentence as a block quote, the document and section beneath it.

    >>> html_quote("Ubrugte midler overføres", "Håndbog 2024 §10")
    '<blockquote><p>Ubrugte midler overføres</p><footer>Håndbog 2024 §10</footer></blockquote>'
    """
    return (f"<blockquote><p>{_escaped(quote)}</p>"
            f"<footer>{_escaped(source)}</footer></blockquote>")
