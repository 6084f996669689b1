"""Text from data: names and free text, in one normal form, never holding a CPR number.

Two names that look alike are one name: text is normalised to NFC (so
``Å`` written as U+00C5 or as ``A`` + U+030A is one letter), and a name may
not hold a character that cannot be seen (a zero-width space, a
bidirectional override, a control character, a space other than the plain
one), which would make two names look alike and differ. Any CPR number in
free text is masked as it is read (:func:`kiaprules._text.mask_cpr_like`),
so no value object ever holds one outside a :class:`~kiaprules.CprNumber`.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from kiaprules._i18n import message
from kiaprules._text import mask_cpr_like
from kiaprules.errors import InputError

__all__ = ["free_text", "label_text", "name_text"]

#: Unicode categories of characters that cannot be seen: controls, format
#: characters (zero-width, bidirectional), separators, private and unassigned.
_INVISIBLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def _text(value: object, field: str, required: bool) -> str:
    if not isinstance(value, str):
        raise InputError(message("must be text, got {type}", type=type(value).__name__),
                         field=field, code="input.wrong_type")
    text = unicodedata.normalize("NFC", value.strip())
    if required and not text:
        raise InputError(message("must be non-empty text"), field=field, code="input.invalid_text")
    return mask_cpr_like(text)


def name_text(value: object, *, field: str, required: bool = True) -> str:
    """A name (of a cluster, a coordinator, a payee, an expense): NFC, visible characters only.

    >>> name_text("A\\u030aklyngen", field="name") == "\\u00c5klyngen"
    True
    >>> name_text("Åklyngen\\u200b", field="name")
    Traceback (most recent call last):
    ...
    kiaprules.errors.InputError: name: must not hold an invisible character (U+200B, character 9)
    """
    text = _text(value, field, required)
    if not text.isprintable() or not text.isascii():
        for i, ch in enumerate(text):
            if ch != " " and unicodedata.category(ch) in _INVISIBLE:
                raise InputError(message("must not hold an invisible character ({code}, "
                                         "character {n})", code=f"U+{ord(ch):04X}", n=i + 1),
                                 field=field, code="input.invalid_text")
    return text


def free_text(value: object, *, field: str, required: bool = False) -> str:
    """Free text (a description): NFC, any CPR number in it masked."""
    return _text(value, field, required)


def label_text(value: str | None) -> str | None:
    """Where a value came from (a file's path, a record's label), as kept for messages.

    Kept as given, but for a CPR number in it (in a file's name, say), which
    is masked: such labels are shown in errors and reprs.
    """
    return None if value is None else mask_cpr_like(str(value))
