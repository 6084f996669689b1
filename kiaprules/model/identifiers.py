"""Identifiers: provider number (ydernummer), CVR number and CPR number.

A CPR number is sensitive personal data. :class:`CprNumber` keeps its digits
in a private slot and every rendering (``str``, ``repr``, ``format``, and the
``to_dict`` of every result that holds one) shows only the masked form
``DDMMYY-XXXX``.
Error messages about a CPR number never echo what was handed in.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from kiaprules._i18n import N_, message
from kiaprules.errors import InputError

__all__ = ["CprNumber", "CvrNumber", "ProviderNumber", "cvr_check_digit_ok"]

_PROVIDER_RE: Final = re.compile(r"[0-9]{5,6}")
_CVR_RE: Final = re.compile(r"[0-9]{8}")
_CPR_RE: Final = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9])([0-9]{3})")

# CVR: "8 digits and passes modulus 11 with weights 2,7,6,5,4,3,2,1"
# (DOMAIN.md, Identifiers; Erhvervsstyrelsen's published check).
_CVR_WEIGHTS: Final = (2, 7, 6, 5, 4, 3, 2, 1)


def _text(value: object, field: str, what: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        raise InputError(
            message("must be {what} written as a string (a number loses leading zeros), got "
                    "{value}", what=message(what), value=repr(value)),
            field=field,
            code="input.wrong_type",
        )
    raise InputError(message("must be {what} as a string, got {type}", what=message(what),
                             type=type(value).__name__), field=field, code="input.wrong_type")


class ProviderNumber(str):
    """A clinic's provider number (ydernummer): 5 or 6 digits, kept as text.

    No check digit is published for provider numbers, so none is checked.

    >>> ProviderNumber("012345")
    ProviderNumber('012345')
    """

    __slots__ = ()

    def __new__(cls, value: object) -> ProviderNumber:
        if isinstance(value, ProviderNumber):
            return value
        text = _text(value, "provider_number", N_("a provider number of 5–6 digits"))
        if not _PROVIDER_RE.fullmatch(text):
            raise InputError(message("must be 5–6 digits, got {value}", value=repr(text)),
                             field="provider_number", code="input.invalid_provider_number")
        return super().__new__(cls, text)

    def __repr__(self) -> str:
        return f"ProviderNumber({str(self)!r})"


def cvr_check_digit_ok(digits: str) -> bool:
    """Whether ``digits`` is eight digits passing the CVR modulus-11 check.

    >>> cvr_check_digit_ok("12345674"), cvr_check_digit_ok("12345675")
    (True, False)
    >>> cvr_check_digit_ok("1234567")
    False
    """
    if not _CVR_RE.fullmatch(digits):
        return False
    return sum(int(d) * w for d, w in zip(digits, _CVR_WEIGHTS, strict=True)) % 11 == 0


class CvrNumber(str):
    """A CVR number: 8 digits passing modulus 11 with weights 2,7,6,5,4,3,2,1.

    >>> CvrNumber("12345674")
    CvrNumber('12345674')
    >>> CvrNumber("12345675")
    Traceback (most recent call last):
    ...
    kiaprules.errors.InputError: cvr: fails the CVR modulus-11 check, got '12345675'
    """

    __slots__ = ()

    def __new__(cls, value: object, *, field: str = "cvr") -> CvrNumber:
        if isinstance(value, CvrNumber):
            return value
        text = _text(value, field, N_("a CVR number of 8 digits"))
        if not _CVR_RE.fullmatch(text):
            raise InputError(message("must be 8 digits, got {value}", value=repr(text)),
                             field=field, code="input.invalid_cvr")
        if not cvr_check_digit_ok(text):
            raise InputError(message("fails the CVR modulus-11 check, got {value}",
                                     value=repr(text)), field=field, code="input.invalid_cvr")
        return super().__new__(cls, text)

    def __repr__(self) -> str:
        return f"CvrNumber({str(self)!r})"


def _cpr_century(year2: int, seventh: int) -> int:
    """The century of a CPR number's birth year from its 7th digit.

    The CPR office's table (CPR-kontoret, "Personnummeret i CPR-systemet"):
    7th digit 0–3: 1900s; 4 and 9: 2000s if the year is 00–36, else 1900s;
    5–8: 2000s if the year is 00–57, else 1800s.
    """
    if seventh <= 3:
        return 1900
    if seventh in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


class CprNumber:
    """A CPR number, ``DDMMYY-SSSS``, checked for a valid birth date only.

    Since 1 October 2007 valid CPR numbers need not pass modulus 11, so it
    is never checked. The digits are never shown: ``str``, ``repr`` and
    ``format`` give ``DDMMYY-XXXX``. :meth:`unmasked` is the one, explicitly
    named, way to the full number (for the payroll report it exists for).

    >>> cpr = CprNumber("010203-1234")
    >>> cpr
    CprNumber('010203-XXXX')
    >>> print(cpr, cpr.birth_date)
    010203-XXXX 1903-02-01
    """

    __slots__ = ("_digits", "birth_date")
    _digits: str
    birth_date: dt.date

    def __init__(self, value: object, *, field: str = "cpr") -> None:
        if isinstance(value, CprNumber):
            object.__setattr__(self, "_digits", value._digits)
            object.__setattr__(self, "birth_date", value.birth_date)
            return
        if not isinstance(value, str):
            raise InputError(
                f"must be a CPR number written as a string DDMMYY-SSSS, got {type(value).__name__}",
                field=field,
                code="input.wrong_type",
            )
        match = _CPR_RE.fullmatch(value.strip())
        if not match:
            # Never echo the input: it may be a real CPR number with a typo.
            raise InputError("must be a CPR number DDMMYY-SSSS (10 digits)", field=field,
                             code="input.invalid_cpr")
        day, month, year2, seventh, _ = match.groups()
        year = _cpr_century(int(year2), int(seventh)) + int(year2)
        try:
            birth = dt.date(year, int(month), int(day))
        except ValueError:
            raise InputError(
                f"is not a valid CPR number: {day}{month}{year2} is not a date",
                field=field,
                code="input.invalid_cpr",
            ) from None
        object.__setattr__(self, "_digits", "".join(match.groups()))
        object.__setattr__(self, "birth_date", birth)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("CprNumber is immutable")

    @property
    def masked(self) -> str:
        """The form shown everywhere: ``DDMMYY-XXXX``."""
        return f"{self._digits[:6]}-XXXX"

    def unmasked(self) -> str:
        """The full number, ``DDMMYY-SSSS``. Never put it in output or logs."""
        return f"{self._digits[:6]}-{self._digits[6:]}"

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"CprNumber({self.masked!r})"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CprNumber):
            return NotImplemented
        return self._digits == other._digits

    def __hash__(self) -> int:
        return hash(("CprNumber", self._digits))

    def __reduce__(self) -> tuple[Any, ...]:
        return (CprNumber, (self.unmasked(),))
