"""The account's own data: what an expenses file says besides its expenses.

``[account]`` (the cluster, the opening balance), ``[[general_assembly]]``
and ``[[budget]]`` (docs/expenses.md, "The expense file"); the ledger
(:mod:`kiaprules.expenses.ledger`) books the expenses against the payouts
with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import attrs

from kiaprules._text import value_repr

__all__ = ["LedgerInput"]


@attrs.frozen(kw_only=True)
class LedgerInput:
    """The account's own data: opening balance, general assemblies, approved budgets."""

    __repr__ = value_repr

    cluster: str | None = None
    opening_balance: Decimal = Decimal("0.00")
    general_assemblies: tuple[dt.date, ...] = ()
    budgets: Mapping[int, Decimal] = attrs.field(factory=dict)
