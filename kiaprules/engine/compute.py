"""The payout engine: what each cluster is paid each year, and why.

Two phases, so that the arithmetic costs no more than it needs:

1. :func:`aggregate` walks each cluster's history once and says, per year,
   which clinics are paid on how many patients, which get a startup grant
   and which startup grants are clawed back. It looks up days and policies
   but no rates.
2. :func:`price` applies the ruleset's rates to those quantities and rounds
   (I6). A scenario sweep prices one aggregation many times.

``detail=False`` prices without clinic-by-clinic shares, for whole
countries; :mod:`kiaprules.engine.totals` prices without lines at all, for sweeps
and the national summary.

The rules, with the sentences they implement, are in :mod:`kiaprules.rules.payout`;
the figures in the ruleset. Interpretations I1–I6 are ruleset policies.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Final, NamedTuple, cast

import attrs

from kiaprules.engine.report import (
    ClusterPayouts,
    Line,
    LineKind,
    MemberShare,
    PayoutReport,
    YearPayout,
)
from kiaprules.errors import InputError, NotCoveredError
from kiaprules.model.calendar import anniversary, parse_year
from kiaprules.model.cluster import Cluster, Membership, check_overlaps, memberships_by_provider
from kiaprules.model.money import format_money, mul, round_ore, times_rounded
from kiaprules.rules import payout as R
from kiaprules.rules.loader import load_ruleset
from kiaprules.rules.overrides import Override
from kiaprules.rules.ruleset import MonthDay, ResolvedValue, Ruleset

__all__ = ["aggregate", "compute_payouts", "price"]


# --- phase 1: quantities -------------------------------------------------------------

#: The end of a membership that has not ended.
_NO_END: Final = dt.date.max


@attrs.frozen(kw_only=True)
class ClawedBack:
    membership: Membership
    paid_year: int
    capacities: int


class YearQuantities(NamedTuple):
    """What a cluster is paid for in one year, before any rate is applied.

    ``patients`` pairs each paid membership with its count; ``clinics``,
    ``total_patients`` and ``startup_capacities`` are added up once here, so
    that pricing (and a sweep pricing the same quantities many times) never
    adds them again. An aggregation for totals only (``pairs=False``)
    leaves ``patients`` empty and keeps the sums. A named tuple, not an attrs
    class: a country has thousands of these, and they are made in the hot loop.
    """

    year: int
    due: dt.date
    first_payout: bool
    counted_on: dt.date
    patients: tuple[tuple[Membership, int], ...]
    startup: tuple[Membership, ...]
    clawbacks: tuple[ClawedBack, ...]
    fraction: Fraction | None
    warnings: tuple[str, ...]
    clinics: int
    total_patients: int
    startup_capacities: int

    @property
    def is_empty(self) -> bool:
        return not (self.clinics or self.startup or self.clawbacks)


@attrs.frozen(kw_only=True)
class ClusterQuantities:
    cluster: Cluster
    years: tuple[YearQuantities, ...]
    warnings: tuple[str, ...]


def _unpublished(policies: Mapping[str, str]) -> Any:
    return policies.get("unpublished_years", "carry_forward")


class _Days:
    """The ruleset's days and windows, looked up once per aggregation, not once per cluster."""

    def __init__(self, ruleset: Ruleset, policies: Mapping[str, str]) -> None:
        self.ruleset = ruleset
        self.mode = _unpublished(policies)
        self.years: dict[int, tuple[dt.date, dt.date]] = {}
        self.windows: dict[dt.date, int] = {}

    def _day(self, name: str, year: int) -> dt.date:
        value = self.ruleset.lookup(name, dt.date(year, 1, 1), unpublished=self.mode).value
        assert isinstance(value, MonthDay)
        return value.in_year(year)

    def counting_and_payout(self, year: int) -> tuple[dt.date, dt.date]:
        """The counting day and the payout day of ``year``."""
        days = self.years.get(year)
        if days is None:
            days = self.years[year] = (self._day("counting_day", year),
                                       self._day("payout_day", year))
        return days

    def within_window(self, m: Membership) -> bool:
        """I3: whether ``m`` left before ``joined`` + the clawback window (not on the day)."""
        window = self.windows.get(m.joined)
        if window is None:
            value = self.ruleset.lookup("clawback_window_months", m.joined,
                                        unpublished=self.mode).value
            window = self.windows[m.joined] = int(value)
        assert m.left is not None
        return m.left < anniversary(m.joined, window)


def _missing(cluster: Cluster, m: Membership, year: int, counted_on: dt.date) -> InputError:
    return InputError(
        f"no group-1 patient count for 1 January {year}; the clinic is a member "
        f"on {counted_on.isoformat()}, so {cluster.name} is paid for it in {year}",
        path=m.path or cluster.source, record=m.label, field=f"patients.{year}")


def _aggregate_cluster(
    cluster: Cluster,
    last_year: int,
    days: _Days,
    policies: Mapping[str, str],
    others: Mapping[str, list[tuple[str, Membership]]],
    pairs: bool,
) -> ClusterQuantities:
    """The rules as they read: year by year, clinic by clinic.

    The ruleset's days come from ``days`` (looked up once a year for all
    clusters); the memberships are read once into plain rows, so that the
    yearly loop only compares dates and looks up counts.
    """
    founding_year = cluster.founded.year
    # I2: which day decides who is paid in the first payout.
    first_day = cluster.registered if policies["founding_members"] == "registration" \
        else cluster.founded
    pro_rata = policies["founding_year"] == "pro_rata"
    later_startup = policies["late_joiner_startup"] == "first_funded_year"
    claw = policies["clawback"] == "within_first_year"
    # The memberships as plain rows, read once: the yearly loop below only
    # compares dates and looks up counts (the counts' own dict, not the
    # Mapping's Python-level __getitem__).
    rows = [(m, str(m.provider_number), m.joined, m.left or _NO_END,
             m.clinic.patients._data) for m in cluster.memberships]
    startup_paid: dict[str, tuple[int, Membership]] = {}
    leaving: dict[int, list[str]] = {}  # year after leaving → keys into startup_paid
    ever_paid: set[str] = set()
    years: list[YearQuantities] = []
    cluster_warnings: list[str] = []
    no_warnings: tuple[str, ...] = ()
    for year in range(founding_year, last_year + 1):
        warnings: list[str] = []
        if year == founding_year:
            # Rule 5 and I2: founding members are those in the cluster on the
            # first day; they are paid on their patients per 1 January of the
            # founding year, due when registration is completed (rule 4).
            counted_on = first_day
            due = cluster.registered
            fraction = None
            if pro_rata:
                year_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                fraction = Fraction((dt.date(year + 1, 1, 1) - cluster.founded).days, year_days)
        else:
            # Rule 6: members and patients count per 1 January; the payout is
            # made on the payout day, and never before registration (rule 11).
            counted_on, payout_day = days.counting_and_payout(year)
            due = max(payout_day, cluster.registered)
            fraction = None
        paid: list[tuple[Membership, int]] = []
        startup: list[Membership] = []
        total = clinics = capacities = 0
        for m, pn, joined, left, counts in rows:
            if not joined <= counted_on < left:
                continue
            count = counts.get(year)
            if count is None:
                raise _missing(cluster, m, year, counted_on)
            clinics += 1
            total += count
            if pairs:
                paid.append((m, count))
            if pn in ever_paid:
                continue
            ever_paid.add(pn)
            if m.switched_from:
                continue  # Rule 7: "Opstartsbeløbet udbetales ikke ved klyngeskift."
            if year != founding_year and not later_startup:
                continue  # I4 alternative: only the first payout carries startup grants.
            earlier = [c for c, other in others.get(pn, ()) if c != cluster.name
                       and other.joined < joined]
            if earlier:
                warnings.append(
                    f"clinic {pn} was earlier a member of {', '.join(sorted(set(earlier)))} but "
                    "is not marked switched_from; it is paid a startup grant as a new member "
                    "(mark switched_from if it came by a cluster switch)")
            startup.append(m)
            capacities += m.clinic.capacities
            if m.left is not None:
                # Only a leaver's grant can be clawed back. A startup grant is
                # paid no later than the year the clinic leaves, so its
                # clawback year is always still to come.
                key = pn + "@" + joined.isoformat()
                startup_paid[key] = (year, m)
                leaving.setdefault(m.left.year + 1, []).append(key)
        clawbacks: list[ClawedBack] = []
        if claw and year in leaving:
            for key in sorted(leaving[year]):
                paid_year, m = startup_paid[key]
                # I3: within the first year means before joined + 12 months;
                # leaving on the anniversary is not within.
                if days.within_window(m):
                    clawbacks.append(ClawedBack(membership=m, paid_year=paid_year,
                                                capacities=m.clinic.capacities))
        years.append(YearQuantities(
            year, due, year == founding_year, counted_on, tuple(paid), tuple(startup),
            tuple(clawbacks), fraction, tuple(warnings) if warnings else no_warnings,
            clinics, total, capacities))
    if claw:
        for _, (_, m) in sorted(startup_paid.items()):
            if m.left is not None and m.left.year + 1 > last_year and days.within_window(m):
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
    *,
    pairs: bool = True,
) -> list[ClusterQuantities]:
    """Phase 1: every cluster's yearly quantities from its founding year to ``last_year``.

    ``pairs=False`` keeps only the sums (no membership–count pairs): enough
    to price under line rounding without clinic-by-clinic shares.
    """
    # Who was in another cluster too: only provider numbers with more than one
    # membership can be (a provider number is a str, and keys as its text).
    others = cast("dict[str, list[tuple[str, Membership]]]",
                  memberships_by_provider(clusters))
    days = _Days(ruleset, policies)
    result = []
    for cluster in clusters:
        try:
            result.append(_aggregate_cluster(cluster, last_year, days, policies, others,
                                             pairs))
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


_ZERO: Final = Decimal("0.00")


def _amount(rate: Decimal, quantities: Sequence[int], total: int, fraction: Fraction | None,
            rounding: str, sign: int = 1) -> Decimal:
    """rate × quantity (× fraction), rounded to the øre (I6): once for ``total``, or per clinic."""
    parts = quantities if rounding == "clinic" else (total,)
    amount = _ZERO
    for q in parts:
        if fraction is None:
            amount += round_ore(mul(rate, Decimal(q * sign)))
        else:
            amount += _round_fraction(Fraction(rate) * q * sign * fraction)
    return amount


class _Prices:
    """Rate lookups for one pricing pass, cached per parameter and year."""

    def __init__(self, ruleset: Ruleset, policies: Mapping[str, str]) -> None:
        self.ruleset = ruleset
        self.mode = _unpublished(policies)
        self.cache: dict[tuple[str, int], ResolvedValue] = {}

    def get(self, name: str, year: int) -> ResolvedValue:
        key = (name, year)
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = self.ruleset.lookup(name, dt.date(year, 1, 1),
                                                          unpublished=self.mode)
        return value


_NO_MEMBERS: Final[tuple[MemberShare, ...]] = ()


def _line(kind: LineKind, rule: R.Rule, value: ResolvedValue, quantities: Sequence[int],
          total: int, shares: tuple[MemberShare, ...], fraction: Fraction | None,
          rounding: str) -> Line:
    sign = -1 if kind == "clawback" else 1
    rate = value.value
    if fraction is None and rounding == "line":
        amount = _ZERO + times_rounded(rate, total * sign)  # _amount's commonest case
    else:
        amount = _amount(rate, quantities, total, fraction, rounding, sign)
    return Line(
        kind=kind, quantity=total, rate=rate, amount=amount,
        rule=rule, parameter=value.parameter, value_from=value.source_start,
        citation=value.citation, assumption=value.assumption, members=shares,
        fraction=fraction, rounding=rounding,
    )


_PER_PATIENT: Final[tuple[tuple[LineKind, str, R.Rule], ...]] = (
    ("operating", "operating_rate", R.OPERATING),
    ("supplement", "supplement_rate", R.SUPPLEMENT))


def _price_year(q: YearQuantities, prices: _Prices, rounding: str, detail: bool) -> YearPayout:
    lines: list[Line] = []
    per_clinic = rounding == "clinic"
    if q.startup:
        value = prices.get("startup_grant", q.year)
        caps = [m.clinic.capacities for m in q.startup] if per_clinic else ()
        shares = tuple(MemberShare(provider_number=str(m.provider_number),
                                   quantity=m.clinic.capacities)
                       for m in q.startup) if detail else _NO_MEMBERS
        lines.append(_line("startup", R.STARTUP, value, caps, q.startup_capacities, shares,
                           None, rounding))
    if q.clinics:
        counts = [n for _, n in q.patients] if per_clinic else ()
        # One tuple of shares for both per-patient lines: they count the same patients.
        shares = tuple(MemberShare(provider_number=str(m.provider_number), quantity=n)
                       for m, n in q.patients) if detail else _NO_MEMBERS
        for kind, param, rule in _PER_PATIENT:
            value = prices.get(param, q.year)
            if value.value == 0 and kind == "supplement":
                continue  # no supplement outside 2019–2021: no line
            lines.append(_line(kind, rule, value, counts, q.total_patients, shares, q.fraction,
                               rounding))
    if q.clawbacks:
        by_year: dict[int, list[ClawedBack]] = {}
        for cb in q.clawbacks:
            by_year.setdefault(cb.paid_year, []).append(cb)
        for paid_year, cbs in sorted(by_year.items()):
            value = prices.get("startup_grant", paid_year)
            shares = tuple(MemberShare(
                provider_number=str(cb.membership.provider_number), quantity=cb.capacities,
                note=f"joined {cb.membership.joined.isoformat()}, left "
                     f"{cb.membership.left.isoformat() if cb.membership.left else ''}, "
                     f"startup grant paid {paid_year}") for cb in cbs) if detail else _NO_MEMBERS
            caps = [cb.capacities for cb in cbs]
            lines.append(_line("clawback", R.CLAWBACK, value, caps, sum(caps), shares, None,
                               rounding))
    return _year_payout(q, lines)


def _year_payout(q: YearQuantities, lines: list[Line]) -> YearPayout:
    """The year's payout from its lines: each assumption once as a warning, and a
    plain warning when the total is negative (the cluster owes money back)."""
    warnings = q.warnings
    total = _ZERO
    for line in lines:
        total += line.amount
        msg = line.assumption
        if msg and msg not in warnings:
            warnings = (*warnings, msg)
    if total < 0:
        warnings = (*warnings, (
            f"the payout is negative: the cluster owes {format_money(-total)} kr back "
            "to the region's quality work"))
    return YearPayout(year=q.year, due=q.due, lines=tuple(lines), warnings=warnings,
                      first_payout=q.first_payout, counted_on=q.counted_on, clinics=q.clinics)


def _lean_line(kind: LineKind, rule: R.Rule, value: ResolvedValue, quantity: int,
               sign: int = 1) -> Line:
    return Line(
        kind=kind, quantity=quantity, rate=value.value,
        amount=_ZERO + times_rounded(value.value, quantity * sign), rule=rule,
        parameter=value.parameter, value_from=value.source_start, citation=value.citation,
        assumption=value.assumption, members=_NO_MEMBERS, fraction=None, rounding="line")


def _price_year_lean(q: YearQuantities, get: Callable[[str, int], ResolvedValue]
                     ) -> YearPayout:
    """:func:`_price_year` for ``detail=False`` under line rounding and no pro-rata
    fraction, the national case: the same lines and warnings, in fewer steps."""
    year = q.year
    lines: list[Line] = []
    if q.startup:
        lines.append(_lean_line("startup", R.STARTUP, get("startup_grant", year),
                                q.startup_capacities))
    if q.clinics:
        lines.append(_lean_line("operating", R.OPERATING, get("operating_rate", year),
                                q.total_patients))
        value = get("supplement_rate", year)
        if value.value != 0:  # no supplement outside 2019–2021: no line
            lines.append(_lean_line("supplement", R.SUPPLEMENT, value, q.total_patients))
    if q.clawbacks:
        by_year: dict[int, int] = {}
        for cb in q.clawbacks:
            by_year[cb.paid_year] = by_year.get(cb.paid_year, 0) + cb.capacities
        for paid_year, capacities in sorted(by_year.items()):
            lines.append(_lean_line("clawback", R.CLAWBACK, get("startup_grant", paid_year),
                                    capacities, -1))
    return _year_payout(q, lines)


def cluster_warnings(quantities: Sequence[ClusterQuantities],
                     years: Sequence[int]) -> list[str]:
    """The warnings of each cluster as a whole, for every path that prices quantities:
    its own (an unmarked switch, a clawback after the years computed), and a
    clawback in a year between those asked for, which is not silently left out."""
    wanted = set(years)
    out: list[str] = []
    for cq in quantities:
        out.extend(f"{cq.cluster.name}: {w}" for w in cq.warnings)
        for q in cq.years:
            if q.clawbacks and q.year not in wanted and years[0] < q.year:
                capacities = sum(cb.capacities for cb in q.clawbacks)
                out.append(
                    f"{cq.cluster.name}: a clawback of the startup grant for {capacities} "
                    f"capacit{'y' if capacities == 1 else 'ies'} falls in {q.year}, which is "
                    "not among the years computed")
    return out


def price(
    quantities: Sequence[ClusterQuantities],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    years: Iterable[int],
    *,
    detail: bool = True,
) -> list[ClusterPayouts]:
    """Phase 2: apply the ruleset's rates to the quantities of the chosen ``years``.

    ``detail=False`` leaves out each line's clinic-by-clinic breakdown
    (``Line.members`` is empty); every amount is the same. Clinic-by-clinic
    shares need the quantities aggregated with ``pairs=True``.
    """
    prices = _Prices(ruleset, policies)
    wanted = set(years)
    rounding = policies["rounding"]
    lean = not detail and rounding == "line"
    out = []
    for cq in quantities:
        payouts = []
        for q in cq.years:
            if q.year not in wanted or not (q.clinics or q.startup or q.clawbacks):
                continue
            try:
                if lean and q.fraction is None:
                    payouts.append(_price_year_lean(q, prices.get))
                else:
                    payouts.append(_price_year(q, prices, rounding, detail))
            except NotCoveredError as exc:
                raise exc.located(path=cq.cluster.source,
                                  record=f"{cq.cluster.name} {q.year}") from None
        cluster = cq.cluster
        out.append(ClusterPayouts(name=cluster.name,
                                  cvr=str(cluster.cvr) if cluster.cvr else None,
                                  source=cluster.source, years=tuple(payouts)))
    return out


# --- the API -------------------------------------------------------------------------


def _as_clusters(clusters: Cluster | Iterable[Cluster]) -> tuple[Cluster, ...]:
    items = (clusters,) if isinstance(clusters, Cluster) else tuple(clusters)
    for c in items:
        if not isinstance(c, Cluster):
            raise InputError(f"must be Cluster objects, got {type(c).__name__}",
                             field="clusters")
    counts = Counter(c.name for c in items)
    for name, n in sorted(counts.items()):
        if n > 1:
            raise InputError(f"the cluster name {name!r} is used by {n} "
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
    R.check_payout_ruleset(base)
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
    detail: bool = True,
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

    ``detail=False`` is the fast mode for whole countries: every amount,
    total and warning is the same, but lines carry no clinic-by-clinic
    breakdown (``Line.members`` is empty), so the report cannot be explained
    (:meth:`PayoutReport.explain` asks for ``detail=True``).
    """
    items, rs, chosen, ovs = prepare(clusters, ruleset, overrides=overrides, policies=policies,
                                     strict=strict)
    year_list = tuple(sorted({parse_year(y, field="years") for y in years})) \
        if years is not None else default_years(items)
    warnings: list[str] = []
    if year_list:
        # Clinic-by-clinic pairs are needed for the shares (detail) and for
        # clinic rounding (I6 alternative); totals alone need only the sums.
        quantities = aggregate(items, rs, chosen, year_list[-1],
                               pairs=detail or chosen["rounding"] == "clinic")
        payouts = price(quantities, rs, chosen, year_list, detail=detail)
        warnings.extend(cluster_warnings(quantities, year_list))
    else:
        payouts = []
    defaults = {name: p.default for name, p in rs.policies.items()}
    return PayoutReport(ruleset_id=rs.id, fingerprint=rs.fingerprint, policies=chosen,
                        overrides=tuple(str(o) for o in ovs), years=year_list,
                        clusters=tuple(payouts), warnings=tuple(warnings),
                        policy_defaults=defaults, detail=detail, inputs=items)

