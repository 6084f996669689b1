"""The payout engine: what each cluster is paid each year, and why.

Two phases, so that the arithmetic costs no more than it needs:

1. :func:`aggregate` walks each cluster's history once and says, per year,
   which clinics are paid on how many patients, which get a startup grant
   and which startup grants are clawed back. It looks up days and policies
   but no rates.
2. :func:`price` applies the ruleset's rates to those quantities and rounds
   (I6). A scenario sweep prices one aggregation many times.

The rules, with the sentences they implement, are in :mod:`kiaprules._rules`;
the figures in the ruleset. Interpretations I1–I6 are ruleset policies.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import attrs

from kiaprules import _rules as R
from kiaprules._calendar import anniversary, parse_date, parse_year
from kiaprules._clusterfile import check_overlaps
from kiaprules._errors import InputError, NotCoveredError
from kiaprules._model import Cluster, Membership
from kiaprules._money import format_money, mul, round_ore
from kiaprules._report import ClusterPayouts, Line, LineKind, MemberShare, PayoutReport, YearPayout
from kiaprules._ruleset import MonthDay, ResolvedValue, Ruleset, load_ruleset

__all__ = ["Override", "aggregate", "compute_payouts", "price"]


# --- overrides ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Override:
    """A what-if: parameter ``name`` is ``value`` from ``start`` until ``end`` (exclusive).

    >>> print(Override.parse("operating_rate@2019=4.26"))
    operating_rate = 4.26 from 2019-01-01 to 2020-01-01
    """

    parameter: str
    value: str | int | Decimal
    start: dt.date
    end: dt.date | None = None

    @classmethod
    def parse(cls, text: str) -> Override:
        """``NAME@YEAR=VALUE``, ``NAME@YEAR-YEAR=VALUE`` or ``NAME@DATE=VALUE`` (from a date on)."""
        spec, eq, value = text.partition("=")
        name, at, when = spec.partition("@")
        if not eq or not at or not name.strip() or not value.strip():
            raise InputError(f"must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), got "
                             f"{text!r}", field="--set")
        when = when.strip()
        if len(when) == 10:
            start, end = parse_date(when, field="--set"), None
        elif "-" in when:
            a, _, b = when.partition("-")
            first, last = parse_year(a, field="--set"), parse_year(b, field="--set")
            if last < first:
                raise InputError(f"year range {when!r} ends before it starts", field="--set")
            start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
        else:
            year = parse_year(when, field="--set")
            start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        raw: str | int = value.strip()
        if isinstance(raw, str) and raw.isdigit() and name.strip().endswith("_months"):
            raw = int(raw)
        return cls(parameter=name.strip(), value=raw, start=start, end=end)

    def apply(self, ruleset: Ruleset) -> Ruleset:
        return ruleset.with_override(self.parameter, self.value, self.start, self.end,
                                     reason=f"override: {self}")

    def __str__(self) -> str:
        span = self.start.isoformat() + (f" to {self.end.isoformat()}" if self.end else " on")
        return f"{self.parameter} = {self.value} from {span}"


# --- phase 1: quantities -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ClawedBack:
    membership: Membership
    paid_year: int
    capacities: int


@attrs.frozen(kw_only=True)
class YearQuantities:
    """What a cluster is paid for in one year, before any rate is applied."""

    year: int
    due: dt.date
    first_payout: bool
    counted_on: dt.date
    patients: tuple[tuple[Membership, int], ...]
    startup: tuple[Membership, ...]
    clawbacks: tuple[ClawedBack, ...]
    fraction: Fraction | None
    warnings: tuple[str, ...]

    @property
    def total_patients(self) -> int:
        return sum(n for _, n in self.patients)

    @property
    def startup_capacities(self) -> int:
        return sum(m.clinic.capacities for m in self.startup)

    @property
    def is_empty(self) -> bool:
        return not (self.patients or self.startup or self.clawbacks)


@attrs.frozen(kw_only=True)
class ClusterQuantities:
    cluster: Cluster
    years: tuple[YearQuantities, ...]
    warnings: tuple[str, ...]


def _day(ruleset: Ruleset, name: str, year: int, policies: Mapping[str, str]) -> dt.date:
    resolved = ruleset.lookup(name, dt.date(year, 1, 1),
                              unpublished=_unpublished(policies))
    value = resolved.value
    assert isinstance(value, MonthDay)
    return value.in_year(year)


def _unpublished(policies: Mapping[str, str]) -> Any:
    return policies.get("unpublished_years", "carry_forward")


def _aggregate_cluster(
    cluster: Cluster,
    last_year: int,
    ruleset: Ruleset,
    policies: Mapping[str, str],
    others: Mapping[str, list[tuple[str, Membership]]],
) -> ClusterQuantities:
    founding_year = cluster.founded.year
    # I2: which day decides who is paid in the first payout.
    first_day = cluster.registered if policies["founding_members"] == "registration" \
        else cluster.founded
    startup_paid: dict[str, tuple[int, Membership]] = {}
    ever_paid: set[str] = set()
    years: list[YearQuantities] = []
    cluster_warnings: list[str] = []
    for year in range(founding_year, last_year + 1):
        warnings: list[str] = []
        if year == founding_year:
            # Rule 5 and I2: founding members are those in the cluster on the
            # first day; they are paid on their patients per 1 January of the
            # founding year, due when registration is completed (rule 4).
            counted_on = first_day
            due = cluster.registered
            fraction = None
            if policies["founding_year"] == "pro_rata":
                year_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                fraction = Fraction((dt.date(year + 1, 1, 1) - cluster.founded).days, year_days)
        else:
            # Rule 6: members and patients count per 1 January; the payout is
            # made on the payout day, and never before registration (rule 11).
            counted_on = _day(ruleset, "counting_day", year, policies)
            due = max(_day(ruleset, "payout_day", year, policies), cluster.registered)
            fraction = None
        members = cluster.members_on(counted_on)
        patients: list[tuple[Membership, int]] = []
        startup: list[Membership] = []
        for m in members:
            pn = str(m.provider_number)
            try:
                count = m.clinic.patients[year]
            except KeyError:
                raise InputError(
                    f"no group-1 patient count for 1 January {year}; the clinic is a member "
                    f"on {counted_on.isoformat()}, so {cluster.name} is paid for it in {year}",
                    path=m.path or cluster.source, record=m.label, field=f"patients.{year}",
                ) from None
            patients.append((m, count))
            if pn in ever_paid:
                continue
            ever_paid.add(pn)
            if m.switched_from:
                continue  # Rule 7: "Opstartsbeløbet udbetales ikke ved klyngeskift."
            if year != founding_year and policies["late_joiner_startup"] != "first_funded_year":
                continue  # I4 alternative: only the first payout carries startup grants.
            earlier = [c for c, other in others.get(pn, ()) if c != cluster.name
                       and other.joined < m.joined]
            if earlier:
                warnings.append(
                    f"clinic {pn} was earlier a member of {', '.join(sorted(set(earlier)))} but "
                    "is not marked switched_from; it is paid a startup grant as a new member "
                    "(mark switched_from if it came by a cluster switch)")
            startup.append(m)
            startup_paid[pn + "@" + m.joined.isoformat()] = (year, m)
        clawbacks: list[ClawedBack] = []
        if policies["clawback"] == "within_first_year":
            for _key, (paid_year, m) in sorted(startup_paid.items()):
                if m.left is None or m.left.year + 1 != year:
                    continue
                window = ruleset.lookup("clawback_window_months", m.joined,
                                        unpublished=_unpublished(policies)).value
                # I3: within the first year means before joined + 12 months;
                # leaving on the anniversary is not within.
                if m.left < anniversary(m.joined, int(window)):
                    clawbacks.append(ClawedBack(membership=m, paid_year=paid_year,
                                                capacities=m.clinic.capacities))
        years.append(YearQuantities(
            year=year, due=due, first_payout=year == founding_year, counted_on=counted_on,
            patients=tuple(patients), startup=tuple(startup), clawbacks=tuple(clawbacks),
            fraction=fraction, warnings=tuple(warnings)))
    if policies["clawback"] == "within_first_year":
        for _, (_, m) in sorted(startup_paid.items()):
            if m.left is not None and m.left.year + 1 > last_year:
                window = ruleset.lookup("clawback_window_months", m.joined,
                                        unpublished=_unpublished(policies)).value
                if m.left < anniversary(m.joined, int(window)):
                    cluster_warnings.append(
                        f"clinic {m.provider_number} left on {m.left.isoformat()}, within its "
                        f"first year; its startup grant is clawed back in {m.left.year + 1}, "
                        "after the years computed")
    return ClusterQuantities(cluster=cluster, years=tuple(years), warnings=tuple(cluster_warnings))


def aggregate(
    clusters: Sequence[Cluster],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    last_year: int,
) -> list[ClusterQuantities]:
    """Phase 1: every cluster's yearly quantities from its founding year to ``last_year``."""
    others: dict[str, list[tuple[str, Membership]]] = {}
    for c in clusters:
        for m in c.memberships:
            others.setdefault(str(m.provider_number), []).append((c.name, m))
    result = []
    for cluster in clusters:
        try:
            result.append(_aggregate_cluster(cluster, last_year, ruleset, policies, others))
        except NotCoveredError as exc:
            raise exc.located(path=cluster.source, record=cluster.name) from None
    return result


# --- phase 2: prices ---------------------------------------------------------------


def _round_fraction(value: Fraction) -> Decimal:
    """``value`` rounded to the øre, half up (away from zero), exactly."""
    cents = value * 100
    sign = -1 if cents < 0 else 1
    whole, rest = divmod(abs(cents.numerator), cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    return (Decimal(sign * whole) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _amount(rate: Decimal, quantities: Iterable[int], fraction: Fraction | None,
            rounding: str, sign: int = 1) -> Decimal:
    qs = list(quantities)
    parts = qs if rounding == "clinic" else [sum(qs)]
    total = Decimal("0.00")
    for q in parts:
        if fraction is None:
            total += round_ore(mul(rate, Decimal(q * sign)))
        else:
            total += _round_fraction(Fraction(rate) * q * sign * fraction)
    return total


class _Prices:
    """Rate lookups for one pricing pass, cached per parameter and year."""

    def __init__(self, ruleset: Ruleset, policies: Mapping[str, str]) -> None:
        self.ruleset = ruleset
        self.mode = _unpublished(policies)
        self.cache: dict[tuple[str, int], ResolvedValue] = {}

    def get(self, name: str, year: int) -> ResolvedValue:
        key = (name, year)
        if key not in self.cache:
            self.cache[key] = self.ruleset.lookup(name, dt.date(year, 1, 1), unpublished=self.mode)
        return self.cache[key]


def _line(kind: LineKind, rule: R.Rule, value: ResolvedValue, shares: list[MemberShare],
          fraction: Fraction | None, rounding: str) -> Line:
    sign = -1 if kind == "clawback" else 1
    return Line(
        kind=kind, quantity=sum(s.quantity for s in shares), rate=value.value,
        amount=_amount(value.value, (s.quantity for s in shares), fraction, rounding, sign),
        rule=rule, parameter=value.parameter, value_from=value.source_start,
        citation=value.citation, assumption=value.assumption, members=tuple(shares),
        fraction=fraction, rounding=rounding,
    )


def _price_year(q: YearQuantities, prices: _Prices, rounding: str) -> YearPayout:
    lines: list[Line] = []
    warnings = list(q.warnings)
    if q.startup:
        value = prices.get("startup_grant", q.year)
        shares = [MemberShare(provider_number=str(m.provider_number),
                              quantity=m.clinic.capacities) for m in q.startup]
        lines.append(_line("startup", R.STARTUP, value, shares, None, rounding))
    if q.patients:
        shares = [MemberShare(provider_number=str(m.provider_number), quantity=n)
                  for m, n in q.patients]
        per_patient: tuple[tuple[LineKind, str, R.Rule], ...] = (
            ("operating", "operating_rate", R.OPERATING),
            ("supplement", "supplement_rate", R.SUPPLEMENT))
        for kind, param, rule in per_patient:
            value = prices.get(param, q.year)
            if value.value == 0 and kind == "supplement":
                continue  # no supplement outside 2019–2021: no line
            lines.append(_line(kind, rule, value, shares, q.fraction, rounding))
    by_year: dict[int, list[ClawedBack]] = {}
    for cb in q.clawbacks:
        by_year.setdefault(cb.paid_year, []).append(cb)
    for paid_year, cbs in sorted(by_year.items()):
        value = prices.get("startup_grant", paid_year)
        shares = [MemberShare(
            provider_number=str(cb.membership.provider_number), quantity=cb.capacities,
            note=f"joined {cb.membership.joined.isoformat()}, left "
                 f"{cb.membership.left.isoformat() if cb.membership.left else ''}, "
                 f"startup grant paid {paid_year}") for cb in cbs]
        lines.append(_line("clawback", R.CLAWBACK, value, shares, None, rounding))
    for line in lines:
        if line.assumption:
            msg = line.assumption
            if msg not in warnings:
                warnings.append(msg)
    payout = YearPayout(year=q.year, due=q.due, lines=tuple(lines), warnings=tuple(warnings),
                        first_payout=q.first_payout, counted_on=q.counted_on)
    if payout.total < 0:
        payout = attrs.evolve(payout, warnings=(*payout.warnings, (
            f"the payout is negative: the cluster owes {format_money(-payout.total)} kr back "
            "to the region's quality work")))
    return payout


def price(
    quantities: Sequence[ClusterQuantities],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    years: Sequence[int],
) -> list[ClusterPayouts]:
    """Phase 2: apply the ruleset's rates to the quantities of the chosen ``years``."""
    prices = _Prices(ruleset, policies)
    wanted = set(years)
    rounding = policies["rounding"]
    out = []
    for cq in quantities:
        payouts = []
        for q in cq.years:
            if q.year not in wanted or q.is_empty:
                continue
            try:
                payouts.append(_price_year(q, prices, rounding))
            except NotCoveredError as exc:
                raise exc.located(path=cq.cluster.source,
                                  record=f"{cq.cluster.name} {q.year}") from None
        out.append(ClusterPayouts(name=cq.cluster.name,
                                  cvr=str(cq.cluster.cvr) if cq.cluster.cvr else None,
                                  source=cq.cluster.source, years=tuple(payouts)))
    return out


# --- the API -------------------------------------------------------------------------


def _as_clusters(clusters: Cluster | Iterable[Cluster]) -> tuple[Cluster, ...]:
    items = (clusters,) if isinstance(clusters, Cluster) else tuple(clusters)
    for c in items:
        if not isinstance(c, Cluster):
            raise InputError(f"must be Cluster objects, got {type(c).__name__}",
                             field="clusters")
    names = [c.name for c in items]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            raise InputError(f"the cluster name {name!r} is used by {names.count(name)} "
                             "clusters; names identify clusters in reports", field="clusters")
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
    return tuple(o if isinstance(o, Override) else Override.parse(o) for o in overrides)


def default_years(clusters: Sequence[Cluster]) -> tuple[int, ...]:
    """From the earliest founding year to the last year any clinic has a patient count."""
    if not clusters:
        return ()
    first = min(c.founded.year for c in clusters)
    last = max([first] + [y for c in clusters for m in c.memberships for y in m.clinic.patients])
    return tuple(range(first, last + 1))


def prepare(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
) -> tuple[tuple[Cluster, ...], Ruleset, dict[str, str], tuple[Override, ...]]:
    """Check and normalise the arguments every computation takes."""
    items = _as_clusters(clusters)
    base = _as_ruleset(ruleset)
    ovs = _as_overrides(overrides)
    rs = base
    for ov in ovs:
        rs = ov.apply(rs)
    chosen = rs.check_policies(dict(policies or {}))
    if strict:
        chosen["unpublished_years"] = "refuse"
    check_overlaps(items)
    return items, rs, chosen, ovs


def compute_payouts(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
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
    """
    items, rs, chosen, ovs = prepare(clusters, ruleset, overrides=overrides, policies=policies,
                                     strict=strict)
    year_list = tuple(sorted({parse_year(y, field="years") for y in years})) \
        if years is not None else default_years(items)
    warnings: list[str] = []
    if year_list:
        quantities = aggregate(items, rs, chosen, year_list[-1])
        payouts = price(quantities, rs, chosen, year_list)
        for cq in quantities:
            warnings.extend(f"{cq.cluster.name}: {w}" for w in cq.warnings)
    else:
        payouts = []
    defaults = {name: p.default for name, p in rs.policies.items()}
    return PayoutReport(ruleset_id=rs.id, fingerprint=rs.fingerprint, policies=chosen,
                        overrides=tuple(str(o) for o in ovs), years=year_list,
                        clusters=tuple(payouts), warnings=tuple(warnings),
                        policy_defaults=defaults)

