"""The one output sanitizer: what any text kiaprules shows goes through.

Layer 0, a leaf: it imports nothing from kiaprules, so every layer can use
it. Two promises live here and nowhere else:

- a CPR number never appears unmasked (:func:`mask_cpr_like`);
- text from a file cannot break a one-line message or drive the terminal
  (:func:`printable`).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_cpr_like", "printable"]


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates escaped (``\\n``, ``\\x1b``)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
    return "".join(out)


_CPR_LIKE: Final = re.compile(r"(?<![0-9])([0-3][0-9])([01][0-9])([0-9]{2})(-?)([0-9]{4})(?![0-9])")


def mask_cpr_like(text: str) -> str:
    """``text`` with anything that could be a CPR number masked as ``DDMMYY-XXXX``.

    A safety net for free text (descriptions, payees) and error messages: a
    CPR number typed into the wrong field is still never shown. Only digit
    runs whose first six digits form a day and month are masked.

    >>> mask_cpr_like("Honorar til 010180-1234 og 0101801234, ikke 1234567890")
    'Honorar til 010180-XXXX og 010180-XXXX, ikke 1234567890'
    """
    def mask(match: re.Match[str]) -> str:
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            return f"{match.group(1)}{match.group(2)}{match.group(3)}-XXXX"
        return match.group(0)

    return _CPR_LIKE.sub(mask, text)
