"""The payout engine's entry point: what each cluster is paid each year, and why.

:func:`compute_payouts` checks its arguments (:func:`prepare`), aggregates
every cluster's history into yearly quantities
(:mod:`kiaprules.engine.quantities`) and prices them
(:mod:`kiaprules.engine.pricing`). ``detail=False`` prices without
clinic-by-clinic shares, for whole countries: the same amounts, computed the
same way.

The rules, with the sentences they implement, are in
:mod:`kiaprules.rules.payout`; the figures in the ruleset. Interpretations
I1–I6 are ruleset policies.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import attrs

from kiaprules._text import value_repr
from kiaprules.engine.pricing import price
from kiaprules.engine.quantities import aggregate, cluster_warnings, rules_in_force
from kiaprules.engine.report import ClusterPayouts, PayoutReport
from kiaprules.errors import InputError
from kiaprules.model.args import items_of, table_of, years_of
from kiaprules.model.cluster import Cluster, check_overlaps
from kiaprules.rules.loader import load_ruleset
from kiaprules.rules.overrides import Override
from kiaprules.rules.payout import check_payout_ruleset
from kiaprules.rules.ruleset import Ruleset

__all__ = ["Computation", "compute_payouts", "default_years", "policy_readings", "prepare"]




def _as_clusters(clusters: Cluster | Iterable[Cluster]) -> tuple[Cluster, ...]:
    items = (clusters,) if isinstance(clusters, Cluster) else \
        items_of(clusters, field="clusters", what="Cluster objects")
    for c in items:
        if not isinstance(c, Cluster):
            raise InputError(f"must be Cluster objects, got {type(c).__name__}",
                             field="clusters", code="input.wrong_type")
    counts = Counter(c.name for c in items)
    for name, n in sorted(counts.items()):
        if n > 1:
            raise InputError(f"the cluster name {name!r} is used by {n} "
                             "clusters; names identify clusters in reports", field="clusters",
                             code="input.duplicate")
    return tuple(sorted(items, key=lambda c: c.name))


def _as_ruleset(ruleset: Ruleset | str | os.PathLike[str] | None) -> Ruleset:
    if ruleset is None:
        return load_ruleset("dk-kiap")
    if isinstance(ruleset, Ruleset):
        return ruleset
    return load_ruleset(ruleset)


def _as_overrides(overrides: Iterable[Override | str]) -> tuple[Override, ...]:
    if isinstance(overrides, (str, Override)):
        overrides = [overrides]
    return tuple(o if isinstance(o, Override) else Override.parse(o)
                 for o in items_of(overrides, field="overrides", what="overrides"))


def default_years(clusters: Sequence[Cluster]) -> tuple[int, ...]:
    """From the earliest founding year to the last year any clinic has a patient count."""
    if not clusters:
        return ()
    first = min(c.founded.year for c in clusters)
    last = max([first] + [y for c in clusters for m in c.memberships for y in m.clinic.patients])
    return tuple(range(first, last + 1))


@attrs.frozen(kw_only=True)
class Computation:
    """What every computation starts from, checked: the arguments of
    :func:`compute_payouts` (and of the summary, sweep and receipts) in one form."""

    __repr__ = value_repr

    clusters: tuple[Cluster, ...]
    #: The ruleset as given, and with the overrides applied.
    base: Ruleset
    ruleset: Ruleset
    #: Every policy's reading: the caller's choices, the defaults, strict mode.
    policies: dict[str, str]
    overrides: tuple[Override, ...]
    years: tuple[int, ...]
    #: Other clusters of the input, not computed but consulted: a clinic that left
    #: one of them on the day it joined a computed cluster came by a switch (C3).
    context: tuple[Cluster, ...] = ()

    @property
    def non_default_policies(self) -> dict[str, str]:
        defaults = {name: p.default for name, p in self.ruleset.policies.items()}
        return {k: v for k, v in sorted(self.policies.items()) if v != defaults.get(k, v)}


def policy_readings(ruleset: Ruleset, policies: Mapping[str, str] | None, *,
                    strict: bool) -> dict[str, str]:
    """Every policy's reading: the caller's choices (checked), the defaults, and strict
    mode, which refuses what no source publishes (I5) and a cluster whose money would be
    withheld (C2)."""
    chosen = ruleset.check_policies(
        {} if policies is None else dict(table_of(policies, field="policies",
                                                  what="policy → reading")))
    if strict:
        chosen["unpublished_years"] = "refuse"
        if "unregistered" in chosen:
            chosen["unregistered"] = "refuse"
    return chosen


def prepare(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
    context: Iterable[Cluster] = (),
) -> Computation:
    """Check and normalise the arguments every computation takes.

    ``years`` defaults to the earliest founding year through the last year
    with patient counts (of the clusters computed, not of the ``context``).
    """
    items = _as_clusters(clusters)
    others = tuple(c for c in _as_clusters(context) if c not in items)
    base = _as_ruleset(ruleset)
    check_payout_ruleset(base)
    ovs = _as_overrides(overrides)
    rs = base
    for ov in ovs:
        rs = ov.apply(rs)
    chosen = policy_readings(rs, policies, strict=strict)
    check_overlaps((*items, *others))
    year_list = years_of(years) if years is not None else default_years(items)
    return Computation(clusters=items, base=base, ruleset=rs, policies=chosen, overrides=ovs,
                       years=year_list, context=others)


def compute_payouts(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
    detail: bool = True,
    context: Iterable[Cluster] = (),
) -> PayoutReport:
    """Every cluster's payout for each of ``years``: lines, totals, warnings.

    ``ruleset`` is a :class:`Ruleset`, a shipped ruleset's id or a path
    (default ``dk-kiap``). ``overrides`` change parameters for date ranges
    (:class:`Override` or ``"NAME@YEAR=VALUE"``); ``policies`` choose
    readings of I1–I6 by name; ``strict`` refuses any year whose rate no
    source publishes (I5). ``years`` defaults to the earliest founding year
    through the last year with patient counts.

    A provider number in two clusters (or twice in one) over overlapping
    dates is a :class:`ConflictError` naming both records.

    ``context`` holds other clusters of the input that are not computed but
    consulted: a clinic that left one of them on the day it joined a
    computed cluster came by a cluster switch (C3), and no provider number
    may be in two places at once across both.

    ``detail=False`` is the fast mode for whole countries: every amount,
    total and warning is the same, but lines carry no clinic-by-clinic
    breakdown (``Line.members`` is empty), so the report cannot be explained
    (:meth:`PayoutReport.explain` asks for ``detail=True``).
    """
    run = prepare(clusters, ruleset, years=years, overrides=overrides, policies=policies,
                  strict=strict, context=context)
    rs, chosen, year_list = run.ruleset, run.policies, run.years
    warnings: list[str] = []
    payouts: list[ClusterPayouts] = []
    if year_list:
        # Clinic-by-clinic pairs are needed for the shares (detail) and for
        # clinic rounding (I6 alternative); totals alone need only the sums.
        quantities = aggregate(run.clusters, rs, chosen, year_list[-1],
                               pairs=detail or chosen["rounding"] == "clinic", record=detail,
                               context=run.context)
        payouts = price(quantities, rs, chosen, year_list, rules=rules_in_force(chosen),
                        detail=detail)
        warnings.extend(cluster_warnings(quantities, year_list))
    defaults = {name: p.default for name, p in rs.policies.items()}
    return PayoutReport(ruleset_id=rs.id, fingerprint=rs.fingerprint, policies=chosen,
                        overrides=tuple(str(o) for o in run.overrides), years=year_list,
                        clusters=tuple(payouts), warnings=tuple(warnings),
                        policy_defaults=defaults, detail=detail, inputs=run.clusters)

