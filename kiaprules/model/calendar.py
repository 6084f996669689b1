"""Dates: parsing, year ranges and the one-year anniversary."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from dateutil.relativedelta import relativedelta

from kiaprules._i18n import message
from kiaprules.errors import InputError

__all__ = ["anniversary", "parse_date", "parse_year", "parse_years", "year_start"]

#: Years outside this range are refused as typos rather than computed.
MIN_YEAR = 1900
MAX_YEAR = 2200

_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR_RE: Final = re.compile(r"[0-9]{4}")


def parse_date(value: object, *, field: str | None = None) -> dt.date:
    """A calendar date from a ``date`` (TOML) or an ISO string ``YYYY-MM-DD`` (JSON).

    A datetime (a date with a time of day) is refused: membership and payout
    rules work on whole days.
    """
    if isinstance(value, dt.datetime):
        raise InputError(message("must be a date without a time of day, got {value}",
                                 value=repr(value.isoformat())), field=field,
                         code="input.not_a_date")
    if isinstance(value, dt.date):
        return _in_range(value, field)
    if isinstance(value, str):
        text = value.strip()
        # ASCII YYYY-MM-DD only: fromisoformat also takes week dates ("2018-W37-3").
        if _DATE_RE.fullmatch(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                pass
            else:
                return _in_range(day, field)
        raise InputError(message("must be a date YYYY-MM-DD, got {value}", value=repr(value)),
                         field=field, code="input.not_a_date")
    raise InputError(message("must be a date YYYY-MM-DD, got {type} {value}",
                             type=type(value).__name__, value=repr(value)), field=field,
                     code="input.not_a_date")


def _in_range(day: dt.date, field: str | None) -> dt.date:
    """Dates from data lie in the years the rules can speak of (9999-12-31 means no end
    inside the engine; given as data it is refused, not taken for one)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InputError(message("must be a date in the years {first}–{last}, got {value}",
                                 first=MIN_YEAR, last=MAX_YEAR, value=day.isoformat()),
                         field=field, code="input.out_of_range")
    return day


def parse_year(value: object, *, field: str | None = None) -> int:
    """A calendar year from an int or a string of four digits."""
    if type(value) is str and len(value) == 4 and value.isascii() and value.isdigit():
        year = int(value)  # the common case: a file's key "2019"
    elif isinstance(value, bool):
        raise InputError(message("must be a year, got {value}", value=repr(value)), field=field,
                         code="input.not_a_year")
    elif isinstance(value, int):
        year = value
    elif isinstance(value, str) and _YEAR_RE.fullmatch(value.strip()):
        # ASCII digits only: str.isdigit() is true of "²⁰¹⁸", which int() refuses.
        year = int(value.strip())
    else:
        raise InputError(message("must be a year (four digits), got {value}", value=repr(value)),
                         field=field, code="input.not_a_year")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InputError(message("must be a year between {first} and {last}, got {value}",
                                 first=MIN_YEAR, last=MAX_YEAR, value=repr(value)), field=field,
                         code="input.out_of_range")
    return year


def parse_years(text: str, *, field: str = "--years") -> tuple[int, ...]:
    """``"2018-2025"``, ``"2019"`` or ``"2018,2020"`` as a sorted tuple of years."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = parse_year(first, field=field), parse_year(last, field=field)
            if b < a:
                raise InputError(f"range {part!r} ends before it starts", field=field,
                                 code="input.date_order")
            years.update(range(a, b + 1))
        else:
            years.add(parse_year(part, field=field))
    return tuple(sorted(years))


def year_start(year: int) -> dt.date:
    """1 January of ``year``: the day patients and memberships are counted."""
    return dt.date(year, 1, 1)


def anniversary(joined: dt.date, months: int = 12) -> dt.date:
    """The day ``months`` after ``joined`` (29 February + 12 months is 28 February).

    Calendar months, counted by ``dateutil``'s ``relativedelta``: the same day
    of the month, or the month's last day when it is shorter.

    >>> anniversary(dt.date(2020, 2, 29))
    datetime.date(2021, 2, 28)
    >>> anniversary(dt.date(2019, 1, 31), 1)
    datetime.date(2019, 2, 28)
    """
    result: dt.date = joined + relativedelta(months=months)
    return result
