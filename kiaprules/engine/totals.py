"""Totals without lines: an aggregation's quantities grouped by the rate that prices them.

What a sweep (:mod:`kiaprules.reports.sweep`) and the national summary
(:func:`kiaprules.reports.summary.national_summary`) need is sums, not a line per
cluster and year. :class:`Groups` puts every line :func:`kiaprules.engine.compute.price`
would make into a group keyed by what prices it (the parameter, the year whose
rate applies, the kind of line, its sign, the pro-rata fraction and the year
paid), and prices a group in whole øre: each line rate × quantity
(× fraction), rounded half up as I6 says. Where a rate times any whole
quantity is a whole number of øre (every rate with two decimals), no line
needs rounding and the group's amount is its summed quantity times the rate.

The same lines, the same rounding, the same lookups (so the same refusals):
the totals are those of ``compute_payouts``, to the øre; ``tests/test_national.py``
checks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from kiaprules.engine.compute import ClusterQuantities, YearQuantities
from kiaprules.rules.ruleset import ResolvedValue, Ruleset

if TYPE_CHECKING:
    from fractions import Fraction

__all__ = ["GroupKey", "Groups", "line_ore"]

#: (parameter, year whose rate applies, kind, sign, fraction or None, year paid)
GroupKey: TypeAlias = "tuple[str, int, str, int, Fraction | None, int]"


def line_ore(rate: Decimal, sign: int, fraction: Fraction | None,
             quantities: Iterable[int]) -> int:
    """Øre of the lines ``quantities`` (one each): rate × quantity (× fraction), rounded (I6)."""
    num, den = rate.as_integer_ratio()
    num *= 100 * sign  # øre
    if fraction is not None:
        num *= fraction.numerator
        den *= fraction.denominator
    if num % den == 0:
        # Whole øre for any whole quantity: nothing to round, sum first.
        return num // den * sum(quantities)
    # Each line rounded half up, away from zero: floor((2|x| + den) / 2den).
    twice, den2 = 2 * abs(num), 2 * den
    ore = sum((twice * q + den) // den2 for q in quantities)
    return -ore if num < 0 else ore


def lines_of(q: YearQuantities, per_clinic: bool
             ) -> list[tuple[GroupKey, list[int]]]:
    """The lines of one cluster-year as (group, quantities): one quantity a line, or a
    clinic under clinic rounding."""
    out: list[tuple[GroupKey, list[int]]] = []
    if q.startup:
        out.append((("startup_grant", q.year, "startup", 1, None, q.year),
                    [m.clinic.capacities for m in q.startup] if per_clinic
                    else [q.startup_capacities]))
    if q.clinics:
        counts = [n for _, n in q.patients] if per_clinic else [q.total_patients]
        out.append((("operating_rate", q.year, "operating", 1, q.fraction, q.year), counts))
        out.append((("supplement_rate", q.year, "supplement", 1, q.fraction, q.year), counts))
    if q.clawbacks:
        by_year: dict[int, list[int]] = {}
        for cb in q.clawbacks:
            by_year.setdefault(cb.paid_year, []).append(cb.capacities)
        for paid_year, caps in sorted(by_year.items()):
            out.append((("startup_grant", paid_year, "clawback", -1, None, q.year),
                        caps if per_clinic else [sum(caps)]))
    return out


class Groups:
    """One aggregation's quantities, grouped by what prices them."""

    def __init__(self, quantities: list[ClusterQuantities], years: Sequence[int],
                 per_clinic: bool) -> None:
        self.quantities = quantities
        self.per_clinic = per_clinic
        self.groups: dict[GroupKey, list[int]] = {}
        #: The clusters with a line in each group.
        self.names: dict[GroupKey, set[str]] = {}
        #: (group, rate) → øre: a rate a sweep's variant leaves alone is priced once.
        self.amounts: dict[tuple[GroupKey, Decimal], int] = {}
        wanted = set(years)
        for cq in quantities:
            name = cq.cluster.name
            for q in cq.years:
                if q.year not in wanted or q.is_empty:
                    continue
                for key, qs in lines_of(q, per_clinic):
                    self.groups.setdefault(key, []).extend(qs)
                    self.names.setdefault(key, set()).add(name)

    def price(self, ruleset: Ruleset, mode: Any,
              shared: dict[tuple[str, int], ResolvedValue] | None = None,
              overridden: frozenset[str] = frozenset(),
              ) -> tuple[dict[tuple[int, str], int], list[tuple[GroupKey, ResolvedValue]]]:
        """Øre by (year paid, kind), and each group that makes lines with its value.

        ``shared`` caches the lookups of parameters not in ``overridden`` across
        calls (a sweep's variants share the base's); the others are looked up
        in ``ruleset`` each time. A supplement of 0 makes no line, as in
        ``compute_payouts``.
        """
        shared = {} if shared is None else shared
        own: dict[tuple[str, int], ResolvedValue] = {}
        ore: dict[tuple[int, str], int] = {}
        used: list[tuple[GroupKey, ResolvedValue]] = []
        amounts = self.amounts
        for key, qs in self.groups.items():
            param, rate_year, kind, sign, fraction, year = key
            cache = own if param in overridden else shared
            value = cache.get((param, rate_year))
            if value is None:
                value = cache[(param, rate_year)] = ruleset.lookup(
                    param, dt.date(rate_year, 1, 1), unpublished=mode)
            rate: Decimal = value.value
            if kind == "supplement" and rate == 0:
                continue
            used.append((key, value))
            amount = amounts.get((key, rate))
            if amount is None:
                amount = amounts[(key, rate)] = line_ore(rate, sign, fraction, qs)
            ore[(year, kind)] = ore.get((year, kind), 0) + amount
        return ore, used
