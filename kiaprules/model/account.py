"""The account's own data: what an expenses file says besides its expenses.

``[account]`` (the cluster, the opening balance), ``[[general_assembly]]``
and ``[[budget]]`` (docs/expenses.md, "The expense file"); the ledger
(:mod:`kiaprules.expenses.ledger`) books the expenses against the payouts
with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from kiaprules._text import value_repr
from kiaprules.errors import InputTypeError
from kiaprules.model.calendar import parse_date, parse_year
from kiaprules.model.money import to_money
from kiaprules.model.text import name_text

__all__ = ["LedgerInput"]


def _to_cluster(value: object) -> str | None:
    return None if value is None else name_text(value, field="cluster")


def _to_opening(value: object) -> Decimal:
    return to_money(value, field="opening_balance")


def _to_assemblies(value: object) -> tuple[dt.date, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputTypeError(f"must be a list of dates, got {type(value).__name__}",
                             field="general_assembly")
    return tuple(parse_date(d, field="general_assembly.date") for d in value)


def _to_budgets(value: object) -> dict[int, Decimal]:
    if not isinstance(value, Mapping):
        raise InputTypeError(f"must be a table of year → amount, got {type(value).__name__}",
                             field="budget")
    return {parse_year(y, field="budget.year"): to_money(a, field=f"budget.{y}",
                                                         allow_negative=False)
            for y, a in value.items()}


@attrs.frozen(kw_only=True)
class LedgerInput:
    """The account's own data: opening balance, general assemblies, approved budgets."""

    __repr__ = value_repr

    cluster: str | None = attrs.field(default=None, converter=_to_cluster)
    opening_balance: Decimal = attrs.field(default=Decimal("0.00"), converter=_to_opening)
    general_assemblies: tuple[dt.date, ...] = attrs.field(default=(), converter=_to_assemblies)
    budgets: Mapping[int, Decimal] = attrs.field(factory=dict, converter=_to_budgets)
