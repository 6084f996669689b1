"""Languages of the output: English (the default) and Danish, by gettext.

Layer 0, a leaf: it imports nothing from kiaprules but the errors, so every
layer can mark its messages. The machinery is the standard library's:

- the catalogue is ``kiaprules/locale/da/LC_MESSAGES/kiaprules.po``, compiled
  to the ``.mo`` beside it by ``scripts/compile_catalogue.py`` (a test checks
  that the shipped ``.mo`` is the compiled ``.po``, and that every message
  the package marks has a Danish text);
- each language's catalogue is loaded once, by
  ``gettext.translation(..., languages=[lang], fallback=False)``, and kept in
  a module dict. Nothing is installed in builtins, no locale is set: a
  library call leaves the caller's process alone;
- English is the msgids themselves, so English output is what it was before
  there was a catalogue, byte for byte.

Messages are marked by calls the catalogue test finds in the source (the
first argument always a string literal):

- ``_(msgid, lang)``: the text in ``lang``;
- ``ngettext(singular, plural, n, lang)``: the same, for a count;
- ``N_(msgid)``: marked, not translated (a template kept for later);
- ``message(msgid, **values)``: a :class:`Message`, text that *is* its English
  form (it goes into JSON as before) and can be shown in another language
  later by :func:`localize`.

Danish numbers and dates (``129.900,00``, ``1. marts 2020``) are written here
too, by pure functions: the ``locale`` module's formats are process-wide.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import os
from decimal import Decimal
from importlib.resources import files
from typing import Any, Final

from kiaprules.errors import InputError

__all__ = ["DEFAULT_LANG", "ENV_LANG", "LANGS", "N_", "Count", "Message", "_", "catalogue",
           "danish_decimal", "format_date_da", "localize", "message", "ngettext", "nmessage",
           "resolve_lang"]

#: The languages kiaprules writes, and the one it writes when none is asked for.
LANGS: Final = ("da", "en")
DEFAULT_LANG: Final = "en"
#: The environment variable read (at each call, never at import) when no language is given.
ENV_LANG: Final = "KIAPRULES_LANG"
DOMAIN: Final = "kiaprules"

_CATALOGUES: dict[str, _gettext.NullTranslations] = {}

#: Month names, lower case, as Danish writes them in a date ("1. marts 2020").
MONTHS_DA: Final = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
                    "september", "oktober", "november", "december")


def resolve_lang(lang: str | None = None) -> str:
    """The language to write: ``lang``, else ``$KIAPRULES_LANG``, else English.

    Read at each call, so a process that sets the variable later is
    honoured. An unknown language is refused in one line naming ``--lang``:

    >>> resolve_lang("da"), resolve_lang("en")
    ('da', 'en')
    >>> resolve_lang("fr")
    Traceback (most recent call last):
    ...
    kiaprules.errors.InputError: --lang: unknown language 'fr' (known: da, en)
    """
    if lang is None:
        env = os.environ.get(ENV_LANG, "").strip()
        if not env:
            return DEFAULT_LANG
        if env not in LANGS:
            raise InputError(f"unknown language {env!r} (known: {', '.join(LANGS)})",
                             field=f"--lang (from {ENV_LANG})", code="input.unknown_language")
        return env
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (known: {', '.join(LANGS)})",
                         field="--lang", code="input.unknown_language")
    return lang


def catalogue(lang: str) -> _gettext.NullTranslations:
    """The messages of ``lang``, loaded once; English is the msgids (no file)."""
    found = _CATALOGUES.get(lang)
    if found is None:
        if lang == DEFAULT_LANG:
            found = _gettext.NullTranslations()
        else:
            localedir = str(files("kiaprules") / "locale")
            found = _gettext.translation(DOMAIN, localedir, languages=[lang], fallback=False)
        _CATALOGUES[lang] = found
    return found


def _(msgid: str, lang: str) -> str:
    """``msgid`` in ``lang`` (already resolved by :func:`resolve_lang`)."""
    if lang == DEFAULT_LANG:
        return msgid
    return catalogue(lang).gettext(msgid)


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    """The singular or the plural message for ``n``, in ``lang``."""
    if lang == DEFAULT_LANG:
        return singular if n == 1 else plural
    return catalogue(lang).ngettext(singular, plural, n)


def N_(msgid: str) -> str:  # gettext's own name for a marker
    """``msgid`` unchanged: marks a message for the catalogue, translated later."""
    return msgid


class Message(str):
    """Text that is its English form, and remembers how to be written in another language.

    Equal to, hashed as and written (JSON, CSV) as the English text; a
    renderer asked for another language calls :func:`localize`. Its values
    are text, ints, dates or Decimals; dates and Decimals are written in
    each language's own way (ISO dates and a decimal point in English).

    >>> m = message("left on {date}, owes {amount} kr", date=dt.date(2020, 3, 1),
    ...             amount=Decimal("129900.00"))
    >>> m == "left on 2020-03-01, owes 129900.00 kr", type(m).__name__
    (True, 'Message')
    """

    msgid: str
    #: For a message that depends on a count: its plural form and the count.
    plural: str | None
    n: int
    values: dict[str, Any]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.plural, self.n, tuple(self.values.items())))


class Count(int):
    """A whole number a message writes grouped: ``10,000`` (in Danish ``10.000``).

    >>> localize(message("at most {n}", n=Count(10000)), "da")
    'at most 10.000'
    """

    __slots__ = ()


def _rebuild(msgid: str, plural: str | None, n: int, items: tuple[tuple[str, Any], ...]
             ) -> Message:
    if plural is None:
        return message(msgid, **dict(items))
    return nmessage(msgid, plural, n, **dict(items))


def _shown(value: Any, lang: str) -> str:
    if type(value) is str:  # the common value (a name, a provider number): as it is
        return value
    if isinstance(value, dt.date):
        return format_date_da(value) if lang == "da" else value.isoformat()
    if isinstance(value, Decimal):
        return danish_decimal(value) if lang == "da" else f"{value:f}"
    if isinstance(value, Message):
        return localize(value, lang)
    if isinstance(value, Count):
        return f"{value:,}".replace(",", ".") if lang == "da" else f"{value:,}"
    return str(value)


def message(msgid: str, /, **values: Any) -> Message:
    """A :class:`Message`: ``msgid`` with ``values`` filled in, in English."""
    return _message(msgid, None, 0, values)


def nmessage(singular: str, plural: str, n: int, /, **values: Any) -> Message:
    """A :class:`Message` whose form depends on the count ``n`` (also a value, ``{n}``)."""
    return _message(singular, plural, n, {"n": n, **values})


def _message(msgid: str, plural: str | None, n: int, values: dict[str, Any]) -> Message:
    english = msgid if plural is None or n == 1 else plural
    text = Message(english.format(**{k: _shown(v, DEFAULT_LANG) for k, v in values.items()}))
    text.msgid, text.plural, text.n, text.values = msgid, plural, n, values
    return text


def localize(text: str, lang: str) -> str:
    """``text`` in ``lang``: a :class:`Message` translated, any other text as it is."""
    if lang == DEFAULT_LANG or not isinstance(text, Message):
        return str(text)
    template = (_(text.msgid, lang) if text.plural is None
                else ngettext(text.msgid, text.plural, text.n, lang))
    return template.format(**{k: _shown(v, lang) for k, v in text.values.items()})


def danish_decimal(value: Decimal, *, grouped: bool = True) -> str:
    """A decimal as Danish writes it: ``.`` between thousands, ``,`` before the decimals.

    The digits are the value's own (no rounding): ``4.33`` is ``4,33``.

    >>> danish_decimal(Decimal("-129900.00")), danish_decimal(Decimal("4.33"))
    ('-129.900,00', '4,33')
    >>> danish_decimal(Decimal("129900.00"), grouped=False)
    '129900,00'
    """
    text = f"{value:,f}" if grouped else f"{value:f}"
    return text.translate(_SWAP)


_SWAP: Final = str.maketrans({",": ".", ".": ","})


def format_date_da(day: dt.date) -> str:
    """A date as Danish writes it, month in lower case.

    >>> format_date_da(dt.date(2020, 3, 1))
    '1. marts 2020'
    """
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"
