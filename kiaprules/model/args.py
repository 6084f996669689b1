"""The arguments of public calls: the one place their shapes are checked.

A caller who hands a number where a list belongs, or text where a table
does, gets an :class:`~kiaprules.errors.InputTypeError` (a ``TypeError`` and
a :class:`~kiaprules.errors.KiapRulesError`) naming the argument, never a
bare ``TypeError`` from deep inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kiaprules.errors import InputTypeError
from kiaprules.model.calendar import parse_year, parse_years

__all__ = ["items_of", "table_of", "years_of"]


def items_of(value: object, *, field: str, what: str) -> tuple[Any, ...]:
    """``value`` as a tuple of items: a list or other iterable, never text or a table."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputTypeError(f"must be a list of {what}, got {type(value).__name__}",
                             field=field)
    return tuple(value)


def table_of(value: object, *, field: str, what: str) -> Mapping[Any, Any]:
    """``value`` as a table (a mapping)."""
    if not isinstance(value, Mapping):
        raise InputTypeError(f"must be a table of {what}, got {type(value).__name__}",
                             field=field)
    return value


def years_of(value: object, *, field: str = "years") -> tuple[int, ...]:
    """Years given as a list of years (ints or four-digit text), one year, or text
    such as ``"2018-2025"``: sorted, each once.

    >>> years_of([2020, "2019", 2020]), years_of("2018-2020"), years_of(2024)
    ((2019, 2020), (2018, 2019, 2020), (2024,))
    """
    if isinstance(value, str):
        return parse_years(value, field=field)
    if isinstance(value, int) and not isinstance(value, bool):
        return (parse_year(value, field=field),)
    return tuple(sorted({parse_year(y, field=field)
                         for y in items_of(value, field=field, what="years")}))
