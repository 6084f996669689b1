"""Totals without lines: an aggregation's quantities grouped by what prices them.

What a sweep (:mod:`kiaprules.reports.sweep`) and the national summary
(:func:`kiaprules.reports.summary.national_summary`) need is sums, not a line
per cluster and year. :class:`Groups` puts every line of every cluster-year
(:func:`~kiaprules.engine.pricing.line_specs`, the lines a report has) into a
group keyed by what prices it: the parameter, the year whose rate applies,
the kind of line, its sign, the pro-rata fraction and the year paid. A group
is priced with :func:`~kiaprules.engine.pricing.price_ore`, the one pricing
function, over the quantities of all its lines: each line rounded as I6
says, the øre added. So the totals are those of ``compute_payouts``, to the
øre, with the same lookups (and so the same refusals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

from kiaprules.engine.pricing import (
    ClusterQuantities,
    LineSpec,
    line_specs,
    makes_a_line,
    price_ore,
)
from kiaprules.errors import NotCoveredError
from kiaprules.model.cluster import Cluster
from kiaprules.rules.ruleset import ResolvedValue, Ruleset

__all__ = ["GroupKey", "Groups", "group_key"]

#: (parameter, year whose rate applies, kind, sign, fraction or None, year paid,
#: withheld: whether the cluster's money is withheld, C2)
GroupKey: TypeAlias = "tuple[str, int, str, int, Fraction | None, int, bool]"


def group_key(spec: LineSpec, year: int, withheld: bool) -> GroupKey:
    """The group of a line of ``year``: what prices it, and whether it is paid."""
    return (spec.parameter, spec.rate_year, spec.kind, spec.sign, spec.fraction, year,
            withheld)


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
        #: The first cluster-year with a line in each group, where a refused
        #: lookup is located, as ``compute_payouts`` locates it.
        self.first: dict[GroupKey, tuple[Cluster, int]] = {}
        wanted = set(years)
        for cq in quantities:
            name = cq.cluster.name
            withheld = bool(cq.withheld)
            for q in cq.years:
                if q.year not in wanted or q.is_empty:
                    continue
                for spec in line_specs(q, per_clinic):
                    key = group_key(spec, q.year, withheld)
                    self.groups.setdefault(key, []).extend(spec.quantities)
                    self.names.setdefault(key, set()).add(name)
                    self.first.setdefault(key, (cq.cluster, q.year))

    def price(self, ruleset: Ruleset, mode: Any,
              shared: dict[tuple[str, int], ResolvedValue] | None = None,
              overridden: frozenset[str] = frozenset(),
              ) -> tuple[dict[tuple[int, str], int], list[tuple[GroupKey, ResolvedValue]]]:
        """Øre by (year paid, kind), and each group that makes lines with its value.

        The lines of clusters whose money is withheld (C2) are not paid: their øre
        are under (year, ``"withheld"``), not under their kind.

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
            param, rate_year, kind, sign, fraction, year, withheld = key
            cache = own if param in overridden else shared
            value = cache.get((param, rate_year))
            if value is None:
                try:
                    value = ruleset.lookup(param, dt.date(rate_year, 1, 1), unpublished=mode)
                except NotCoveredError as exc:
                    cluster, first_year = self.first[key]
                    raise exc.located(path=cluster.source,
                                      record=f"{cluster.name} {first_year}") from None
                cache[(param, rate_year)] = value
            if not makes_a_line(kind, value):
                continue
            used.append((key, value))
            rate: Decimal = value.value
            amount = amounts.get((key, rate))
            if amount is None:
                amount = amounts[(key, rate)] = price_ore(rate, qs, sign, fraction)
            paid_as = "withheld" if withheld else kind
            ore[(year, paid_as)] = ore.get((year, paid_as), 0) + amount
        return ore, used
