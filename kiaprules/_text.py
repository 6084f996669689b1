"""The one output sanitizer: what any text kiaprules shows goes through.

Layer 0, a leaf: it imports nothing from kiaprules, so every layer can use
it. Two promises live here and nowhere else:

- a CPR number never appears unmasked (:func:`mask_cpr_like`), however it
  was written: with or without one separator of any kind between its date
  and its serial number (a hyphen, a space, a non-breaking space, a Unicode
  dash, a line break ...), in any script's digits;
- text from a file cannot break a one-line message or drive the terminal:
  control, format (bidirectional, zero-width) and separator characters are
  escaped (:func:`printable`).

:func:`sanitize` applies both, in that order (a line break between the two
parts of a CPR number is a separator, masked before it is escaped). Every
renderer calls it on every piece of text that came from data: the JSON, CSV,
table and HTML writers of :mod:`kiaprules._render`, the text explanations,
the errors, the command line's messages, the reprs of value objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

__all__ = ["mask_cpr_like", "printable", "result_repr", "sanitize", "sanitize_lines",
           "value_repr", "year_span", "years_text"]


def printable(text: str) -> str:
    r"""``text`` with every character that is not printable escaped.

    Control characters (``\n``, ``\x1b``, NUL), format characters (the
    bidirectional overrides such as U+202E, zero-width spaces), line and
    paragraph separators (U+2028, U+2029), non-breaking and other unusual
    spaces, and lone surrogates are written as Python escapes; the ASCII
    space stays.

    >>> printable("a\x1b[31mred\u202e\nb c")
    'a\\x1b[31mred\\u202e\\nb c'
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


# A day, a month and a year of two digits each, then four digits, with at most
# one separator between: any one character that is not a digit, or such a
# character escaped as a repr or JSON writes it (\xa0, \u2013, \n). Not part
# of a longer run of digits (the hex digits of an escape just before do not
# count), nor the integer part of a decimal number (an amount such as
# 2012345678.00). A sha256 fingerprint (64 hex digits after "sha256:") is
# kiaprules' own output and is matched first, to be left alone: its hex digits
# can hold ten decimal ones in a row.
_CPR_LIKE: Final = re.compile(
    r"(?P<fingerprint>sha256:[0-9a-f]{64}(?![0-9a-f]))"
    r"|(?:(?<!\d)|(?<=\\x[0-9a-fA-F]{2})|(?<=\\u[0-9a-fA-F]{4}))"
    r"(?P<day>\d\d)(?P<month>\d\d)(?P<year>\d\d)"
    r"(?:\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[ntr])|\D)?\d{4}(?!\d|\.\d)"
)
_SIX_DIGITS: Final = re.compile(r"\d{6}")
_DAYS: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_date(day: int, month: int, year: int) -> bool:
    """Whether DDMMYY is a date in some century (29 February in a year divisible by 4)."""
    if not (1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]):
        return False
    return not (month == 2 and day == 29 and year % 4)


def _mask(match: re.Match[str]) -> str:
    if match.group("fingerprint"):
        return match.group(0)
    day, month, year = match.group("day", "month", "year")
    if _is_date(int(day), int(month), int(year)):
        return f"{day}{month}{year}-XXXX"
    return match.group(0)


def mask_cpr_like(text: str) -> str:
    """``text`` with anything that could be a CPR number masked as ``DDMMYY-XXXX``.

    A safety net for free text (names, descriptions, payees, file names) and
    error messages: a CPR number typed into the wrong field is still never
    shown. Only digit runs whose first six digits form a date are masked (29
    February 2001 and 31 April are none).

    >>> mask_cpr_like("Honorar til 010180-1234 og 0101801234, ikke 1234567890")
    'Honorar til 010180-XXXX og 010180-XXXX, ikke 1234567890'
    >>> mask_cpr_like("290200 1234 · 290201\u20131234 · 300480\\n1234 · 310480 1234")
    '290200-XXXX · 290201\u20131234 · 300480-XXXX · 310480 1234'
    """
    if _SIX_DIGITS.search(text) is None:
        return text
    return _CPR_LIKE.sub(_mask, text)


@lru_cache(maxsize=4096)
def sanitize(text: str) -> str:
    r"""``text`` as it may be shown on one line: CPR numbers masked, then escaped.

    >>> sanitize("Klynge 070761\n4285\u202e")
    'Klynge 070761-XXXX\\u202e'
    """
    if len(text) < 6:
        return text if text.isprintable() else printable(text)
    return printable(mask_cpr_like(text))


def sanitize_lines(text: str) -> str:
    """Text of several lines (an explanation): each line :func:`sanitize`\\ d.

    CPR numbers are masked across the whole text first, so that one broken
    over a line break is masked too; the line breaks are kept.

    >>> print(sanitize_lines("a\\nb 010180\\n1234\\x1b"))
    a
    b 010180-XXXX\\x1b
    """
    return "\n".join(printable(line) for line in mask_cpr_like(text).split("\n"))


#: The most characters a repr shows of one field's value, and in all.
_REPR_FIELD: Final = 80
_REPR_TOTAL: Final = 600


def value_repr(obj: object) -> str:
    """A short, safe ``repr`` for a value object: ``Name(field=value, ...)``.

    The fields are those attrs shows (``repr=True``); a long value is cut
    short, a collection of more than three items is shown by its size, and
    the whole goes through :func:`sanitize`, so no repr ever shows a CPR
    number or a control character, nor runs to thousands of characters.
    Classes use it as ``__repr__ = value_repr``.

    >>> import attrs
    >>> @attrs.frozen
    ... class Note:
    ...     text: str
    ...     items: tuple[int, ...] = ()
    ...     __repr__ = value_repr
    >>> Note("Ring 010180-1234\\x1b", tuple(range(10)))
    Note(text='Ring 010180-XXXX\\x1b', items=<10 items>)
    """
    import attrs  # a leaf module: attrs only when a repr is asked for

    cls = type(obj)
    parts = []
    for field in attrs.fields(cls):  # type: ignore[arg-type]  # any attrs class
        if not field.repr:
            continue
        value = getattr(obj, field.name)
        if isinstance(value, (tuple, list, dict, set, frozenset)) and len(value) > 3:
            shown = f"<{len(value)} items>"
        else:
            shown = repr(value)
            if len(shown) > _REPR_FIELD:
                shown = shown[:_REPR_FIELD - 1] + "…"
        parts.append(f"{field.name}={shown}")
    text = f"{cls.__name__}({', '.join(parts)})"
    if len(text) > _REPR_TOTAL:
        text = text[:_REPR_TOTAL - 2] + "…)"
    return sanitize(text)


#: The most characters a result's repr shows.
_RESULT_REPR: Final = 300


def result_repr(name: str, *parts: object) -> str:
    """A result's short, safe ``repr``: ``<Name part part ...>``, at most 300 characters.

    For results that hold a whole computation (a report, a summary, a
    ruleset): what it is and what it comes to, never its contents, which
    its renderings show. Sanitized like every repr.

    >>> result_repr("Sweep", "dk-kiap", "years=2018-2025", "variants=2")
    '<Sweep dk-kiap years=2018-2025 variants=2>'
    >>> result_repr("ClusterPayouts", repr("Klynge 010180-1234"), "x" * 400)[:48]
    "<ClusterPayouts 'Klynge 010180-XXXX' xxxxxxxxxxx"
    """
    text = "<" + " ".join([name, *map(str, parts)]) + ">"
    if len(text) > _RESULT_REPR:
        text = text[:_RESULT_REPR - 2] + "…>"
    return sanitize(text)


def years_text(years: Iterable[int]) -> str:
    """A span of years as a repr shows it: ``2018-2025``, one year, or ``none``.

    >>> years_text([2018, 2019, 2025]), years_text([2019]), years_text([])
    ('2018-2025', '2019', 'none')
    """
    items = sorted(years)
    if not items:
        return "none"
    return str(items[0]) if len(items) == 1 else f"{items[0]}-{items[-1]}"


def year_span(years: Iterable[int], *, none: str = "no years") -> str:
    """A span of years as tables and charts write it: ``2018–2025`` (an en dash), one year
    alone, or ``none``.

    >>> year_span([2018, 2019, 2025]), year_span([2026]), year_span([])
    ('2018–2025', '2026', 'no years')
    """
    items = sorted(years)
    if not items:
        return none
    return str(items[0]) if items[0] == items[-1] else f"{items[0]}–{items[-1]}"
