"""Phase 1 of the engine: each cluster's history, year by year, as quantities.

:func:`aggregate` walks each cluster's memberships once and says, per year,
which clinics are paid on how many patients, which get a startup grant and
which grants are clawed back; it looks up days and windows but no rates
(phase 2, :mod:`kiaprules.engine.pricing`). With ``record=True`` it also
keeps, for every clinic of the cluster that a line leaves out, the rule that
left it out, so that an explanation can show it.

The rules and the sentences they implement are in
:mod:`kiaprules.rules.payout`; the figures in the ruleset; the readings of
I1–I6 are the ruleset's policies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Final, cast

from dateutil.relativedelta import relativedelta

from kiaprules._i18n import message, nmessage
from kiaprules.engine.pricing import ClawedBack, ClusterQuantities, Grant, YearQuantities
from kiaprules.engine.report import LeftOut
from kiaprules.errors import InputError, NotCoveredError
from kiaprules.model.calendar import anniversary
from kiaprules.model.cluster import Cluster, Membership, memberships_by_provider
from kiaprules.rules.payout import Rule, rule
from kiaprules.rules.registration import RegistrationProblem, unpaid_because
from kiaprules.rules.ruleset import MonthDay, ResolvedValue, Ruleset, unpublished_mode

__all__ = ["Days", "aggregate", "aggregate_each", "cluster_warnings", "rules_in_force"]

#: The end of a membership that has not ended.
_NO_END: Final = dt.date.max


def rules_in_force(policies: Mapping[str, str]) -> Callable[[str], Rule]:
    """The rule of each id under ``policies``, looked up once each."""
    found: dict[str, Rule] = {}

    def get(id: str) -> Rule:
        value = found.get(id)
        if value is None:
            value = found[id] = rule(id, policies)
        return value

    return get


class Days:
    """The ruleset's days and windows, looked up once per aggregation, not once per cluster."""

    def __init__(self, ruleset: Ruleset, policies: Mapping[str, str]) -> None:
        self.ruleset = ruleset
        self.mode = unpublished_mode(policies)
        self.years: dict[int, tuple[dt.date, dt.date]] = {}
        self.payout_values: dict[int, ResolvedValue] = {}
        self.windows: dict[dt.date, dt.date] = {}

    def _day(self, name: str, year: int) -> tuple[dt.date, ResolvedValue]:
        resolved = self.ruleset.lookup(name, dt.date(year, 1, 1), unpublished=self.mode)
        assert isinstance(resolved.value, MonthDay)
        return resolved.value.in_year(year), resolved

    def counting_and_payout(self, year: int) -> tuple[dt.date, dt.date]:
        """The counting day and the payout day of ``year``."""
        days = self.years.get(year)
        if days is None:
            counting, _ = self._day("counting_day", year)
            payout, self.payout_values[year] = self._day("payout_day", year)
            days = self.years[year] = (counting, payout)
        return days

    def payout_value(self, year: int) -> ResolvedValue:
        """The dated value that gave ``year``'s payout day (its status and citation)."""
        self.counting_and_payout(year)
        return self.payout_values[year]

    def first_year_not_counted(self, left: dt.date) -> int:
        """The first year whose counting day is on or after ``left``: the first year the
        clinic is no longer counted, in whose payout a clawback falls (C1)."""
        counting_day, _ = self.counting_and_payout(left.year)
        return left.year if left <= counting_day else left.year + 1

    def anniversary(self, joined: dt.date) -> dt.date:
        """The end of the first year of a membership that began on ``joined`` (I3)."""
        end = self.windows.get(joined)
        if end is None:
            months = self.ruleset.lookup("clawback_window_months", joined,
                                         unpublished=self.mode).value
            end = self.windows[joined] = anniversary(joined, int(months))
        return end


#: A gap between leaving one cluster and joining another shorter than this is
#: worth a warning (C3): it may be a switch entered with the wrong date.
_SHORT_GAP: Final = relativedelta(months=1)


def _switched_from(cluster: Cluster, elsewhere: Sequence[tuple[str, Membership]],
                   joined: dt.date) -> str | None:
    """The cluster of the input that the clinic left on the day it joined ``cluster``.

    C3: "When the input shows a clinic leaving one cluster on the same day it
    joins another, that joining is a cluster switch"; Guide til klyngestart
    §7.1: "Opstartsbeløbet udbetales ikke ved klyngeskift."
    """
    for name, other in elsewhere:
        if name != cluster.name and other.left == joined:
            return name
    return None


def _leaver_order(entry: tuple[str, Membership]) -> str:
    """The order leavers are taken in: by provider number and joining day, as text."""
    pn, m = entry
    return f"{pn}@{m.joined.isoformat()}"


def _missing(cluster: Cluster, m: Membership, year: int, counted_on: dt.date) -> InputError:
    return InputError(
        message("no group-1 patient count for 1 January {year}; the clinic is a member on "
                "{counted_on}, so {cluster} is paid for it in {year}", year=year,
                counted_on=counted_on, cluster=cluster.name),
        path=m.path or cluster.source, record=m.label, field=f"patients.{year}",
        code="input.missing")


def _aggregate_cluster(
    cluster: Cluster,
    last_year: int,
    days: Days,
    policies: Mapping[str, str],
    rules: Callable[[str], Rule],
    others: Mapping[str, list[tuple[str, Membership]]],
    pairs: bool,
    record: bool,
) -> ClusterQuantities:
    """The rules as they read: year by year, clinic by clinic.

    The ruleset's days come from ``days`` (looked up once a year for all
    clusters); the memberships are read once into plain rows, so that the
    yearly loop only compares dates and looks up counts.
    """
    founding_year = cluster.founded.year
    # founding_members (I2): the day whose members the first payout counts.
    first_day = cluster.registered if policies["founding_members"] == "registration" \
        else cluster.founded
    pro_rata = policies["founding_year"] == "pro_rata"
    later_startup = policies["late_joiner_startup"] == "first_funded_year"
    claw = policies["clawback"] == "within_first_year"
    # capacity_increase (I7); a ruleset without it cannot decide an increase (refused below).
    increases = policies.get("capacity_increase")
    grant_added = increases == "grant_added"
    rows = [(m, str(m.provider_number), m.joined, m.left or _NO_END, m.clinic.patients)
            for m in cluster.memberships]
    paid_in: dict[str, int] = {}  # provider number → the year its startup grant was paid
    # Each membership that got a startup grant: its grants (year paid, capacities), and
    # the most capacities granted so far (I7: only an increase beyond them is new).
    granted: dict[tuple[str, dt.date], list[tuple[int, int]]] = {}
    high_water: dict[tuple[str, dt.date], int] = {}
    leavers: dict[int, list[tuple[str, Membership]]] = {}  # year of the clawback → leavers
    years: list[YearQuantities] = []
    cluster_warnings: list[str] = []
    no_warnings: tuple[str, ...] = ()
    for year in range(founding_year, last_year + 1):
        warnings: list[str] = []
        fraction = None
        due_value = None
        if year == founding_year:
            # first_payout: due when registration is completed; founding_members:
            # the clinics of the first day, paid on their patients per 1 January.
            counted_on, due = first_day, cluster.registered
            due_rule, members_rule = rules("first_payout"), rules("founding_members")
            if pro_rata:  # founding_year (I1): from the founding general assembly
                year_days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
                fraction = Fraction((dt.date(year + 1, 1, 1) - cluster.founded).days, year_days)
        else:
            # late_joiner, yearly_payout: members and patients count per 1 January;
            # the payout is made on the payout day, never before registration.
            counted_on, payout_day = days.counting_and_payout(year)
            due_value = days.payout_value(year)
            due = max(payout_day, cluster.registered)
            due_rule, members_rule = rules("yearly_payout"), rules("late_joiner")
        paid: list[tuple[Membership, int]] = []
        startup: list[Grant] = []
        left_patients: list[LeftOut] = []
        left_startup: list[LeftOut] = []
        total = clinics = 0

        def increase(m: Membership, pn: str, key: tuple[str, dt.date], counted_on: dt.date,
                     year: int, startup: list[Grant], left_startup: list[LeftOut]) -> bool:
            """I7 (C4): capacities above those granted, from a change on or before the
            counting day: a grant per added capacity, or (the default) none. Whether
            there was such an increase."""
            now = m.clinic.capacities_on(counted_on)
            before = high_water[key]
            if now <= before:
                return False
            high_water[key] = now
            change = [c for c in m.clinic.capacity_changes if c.on <= counted_on][-1]
            if increases is None:
                raise NotCoveredError(
                    f"capacities grow from {before} to {now} on {change.on.isoformat()}, and "
                    "the ruleset has no policy capacity_increase (I7) to decide whether that "
                    "pays a startup grant", path=m.path or cluster.source, record=m.label,
                    field=f"capacities.{change.on.isoformat()}", code="not_covered.unknown_policy")
            if grant_added:
                startup.append(Grant(m, now - before, change, before))
                granted[key].append((year, now - before))
            elif record:
                left_startup.append(LeftOut(
                    provider_number=pn, rule=rules("capacity_increase"),
                    note=message("capacities {before} → {now} from {on}: a later increase gets no "
                                 "startup grant", before=before, now=now, on=change.on)))
            return True
        for m, pn, joined, left, counts in rows:
            if not joined <= counted_on < left:
                if record:
                    left_patients.append(
                        LeftOut(provider_number=pn, rule=rules("late_joiner"),
                                note=message("joined {joined}, after {counted_on}", joined=joined,
                                             counted_on=counted_on))
                        if counted_on < joined else
                        LeftOut(provider_number=pn, rule=rules("left_cluster"),
                                note=message("left {left}, on or before {counted_on}", left=left,
                                             counted_on=counted_on)))
                continue
            count = counts.of_year(year)
            if count is None:
                raise _missing(cluster, m, year, counted_on)
            clinics += 1
            total += count
            if pairs:
                paid.append((m, count))
            key = (pn, joined)
            if pn in paid_in:
                # Only a clinic with dated capacities can have grown (C4).
                increased = (bool(m.clinic.capacity_changes) and key in granted
                             and increase(m, pn, key, counted_on, year, startup, left_startup))
                if record and not increased:
                    left_startup.append(LeftOut(
                        provider_number=pn, rule=rules("startup_once"),
                        note=message("its startup grant was paid in {year}", year=paid_in[pn])
                        if paid_in[pn] != -1 else message("it got no startup grant when it came")))
                continue
            paid_in[pn] = -1  # seen: never a startup grant later (startup_once)
            came_from = m.switched_from or _switched_from(cluster, others.get(pn, ()), joined)
            if came_from:
                if record:
                    left_startup.append(LeftOut(
                        provider_number=pn, rule=rules("cluster_switch"),
                        note=message("came by a cluster switch from {cluster}", cluster=came_from)
                        if m.switched_from else
                        message("came by a cluster switch from {cluster} (it left it on {left}, "
                                "the day it joined here)", cluster=came_from, left=joined)))
                continue
            if year != founding_year and not later_startup:
                if record:
                    left_startup.append(LeftOut(
                        provider_number=pn, rule=rules("startup_founding_only"),
                        note=message("first paid in {year}, after the first payout", year=year)))
                continue
            shortly = sorted({c for c, other in others.get(pn, ()) if c != cluster.name
                              and other.left is not None and other.left < joined
                              < other.left + _SHORT_GAP})
            if shortly:
                warnings.append(message(
                    "clinic {clinic} left {clusters} less than a month before it joined "
                    "here; a gap of a day or more is not a cluster switch, so it is paid a "
                    "startup grant as a new member (mark switched_from if it came by a "
                    "switch)", clinic=pn, clusters=", ".join(shortly)))
            paid_in[pn] = year
            # startup_grant: on the capacities at the start of the membership (C4).
            startup.append(Grant(m, m.clinic.capacities))
            granted[key] = [(year, m.clinic.capacities)]
            high_water[key] = m.clinic.capacities
            if m.clinic.capacity_changes:
                increase(m, pn, key, counted_on, year, startup, left_startup)
            if m.left is not None:
                # Only a leaver's grant can be clawed back, in the payout of the
                # first year the clinic is no longer counted ("med virkning fra
                # 1. januar året efter", Guide §7.1): always after this year,
                # which counted it.
                leavers.setdefault(days.first_year_not_counted(m.left), []).append((pn, m))
        clawbacks: list[ClawedBack] = []
        left_clawback: list[LeftOut] = []
        for pn, m in sorted(leavers.get(year, ()), key=_leaver_order):
            assert m.left is not None
            end = days.anniversary(m.joined) if claw else None
            if end is not None and m.left < end:
                # clawback (I3): left before joined + 12 months; on the anniversary is
                # not within. It repays what the membership received (C4).
                clawbacks.extend(ClawedBack(membership=m, paid_year=paid_year,
                                            capacities=caps, anniversary=end)
                                 for paid_year, caps in granted[(pn, m.joined)])
            elif record:
                left_clawback.append(
                    LeftOut(provider_number=pn, rule=rules("clawback_window"),
                            note=message("joined {joined}, left {left}, on or after the end of its "
                                         "first year, {end}", joined=m.joined, left=m.left,
                                         end=end))
                    if end is not None else
                    LeftOut(provider_number=pn, rule=rules("no_clawback"),
                            note=message("left {left}; nothing is clawed back", left=m.left)))
        years.append(YearQuantities(
            year, due, year == founding_year, counted_on, tuple(paid), tuple(startup),
            tuple(clawbacks), fraction, tuple(warnings) if warnings else no_warnings,
            clinics, total, sum(g.capacities for g in startup), due_rule, members_rule,
            tuple(left_patients), tuple(left_startup), tuple(left_clawback), due_value))
    if claw:
        for _, m in sorted((e for entries in leavers.values() for e in entries),
                           key=_leaver_order):
            assert m.left is not None
            clawed_in = days.first_year_not_counted(m.left)
            if clawed_in > last_year and m.left < days.anniversary(m.joined):
                cluster_warnings.append(message(
                    "clinic {clinic} left on {left}, within its first year; its startup "
                    "grant is clawed back in {year}, after the years computed",
                    clinic=str(m.provider_number), left=m.left, year=clawed_in))
    withheld = _withheld(cluster, policies.get("unregistered", "withhold"), cluster_warnings)
    return ClusterQuantities(cluster=cluster, years=tuple(years),
                             warnings=tuple(cluster_warnings), withheld=withheld)


def _withheld(cluster: Cluster, reading: str, warnings: list[str]
              ) -> tuple[RegistrationProblem, ...]:
    """C2: the unmet requirements that withhold ``cluster``'s money, under the policy
    ``unregistered`` (withhold, compute as if registered, or refuse: strict mode)."""
    problems = tuple(unpaid_because(cluster))
    if not problems:
        return ()
    if reading == "refuse":
        raise NotCoveredError(
            f"{'; '.join(p.message for p in problems)}: its money would be withheld, and "
            "strict mode refuses to compute it (C2)", path=cluster.source,
            record=cluster.name, field="cvr" if problems[0].code == "cvr_missing"
            else "coordinator", code="not_covered.unregistered")
    if reading == "as_registered":
        warnings.extend(message("computed as if registered (unregistered=as_registered): "
                                "{problem}", problem=p.message) for p in problems)
        return ()
    return problems


def aggregate(
    clusters: Sequence[Cluster],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    last_year: int,
    *,
    pairs: bool = True,
    record: bool = False,
    context: Sequence[Cluster] = (),
) -> list[ClusterQuantities]:
    """Phase 1: every cluster's yearly quantities from its founding year to ``last_year``.

    ``pairs=False`` keeps only the sums (no membership–count pairs): enough
    to price under line rounding without clinic-by-clinic shares.
    ``record=True`` also keeps every clinic each line leaves out, with the
    rule that left it out. ``context``: other clusters of the input, not
    aggregated, whose memberships show cluster switches (C3).
    """
    return list(aggregate_each(clusters, ruleset, policies, last_year, pairs=pairs,
                               record=record, context=context))


def aggregate_each(
    clusters: Sequence[Cluster],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    last_year: int,
    *,
    pairs: bool = True,
    record: bool = False,
    context: Sequence[Cluster] = (),
) -> Iterator[ClusterQuantities]:
    """:func:`aggregate`, one cluster at a time, each as it is asked for.

    The cross-cluster map of memberships (for C3's switches) is built once,
    when the first cluster is asked for; each cluster's quantities are made
    only then, so that a caller that prices and writes each before asking
    for the next never holds more than one cluster's.
    """
    # Who was in another cluster too: only provider numbers with more than one
    # membership can be (a provider number is a str, and keys as its text).
    others = cast("Mapping[str, list[tuple[str, Membership]]]",
                  memberships_by_provider([*clusters, *context]))
    days = Days(ruleset, policies)
    rules = rules_in_force(policies)
    for cluster in clusters:
        try:
            quantities = _aggregate_cluster(cluster, last_year, days, policies, rules, others,
                                            pairs, record)
        except NotCoveredError as exc:
            raise exc.located(path=cluster.source, record=cluster.name) from None
        yield quantities


def cluster_warnings(quantities: Iterable[ClusterQuantities],
                     years: Sequence[int]) -> list[str]:
    """The warnings of each cluster as a whole, for every path that prices quantities:
    its own (an unmarked switch, a clawback after the years computed), and a
    clawback in a year between those asked for, which is not silently left out."""
    wanted = set(years)
    out: list[str] = []
    for cq in quantities:
        out.extend(message("{cluster}: {warning}", cluster=cq.cluster.name, warning=w)
                   for w in cq.warnings)
        for q in cq.years:
            if q.clawbacks and q.year not in wanted and years[0] < q.year:
                capacities = sum(cb.capacities for cb in q.clawbacks)
                out.append(nmessage(
                    "{cluster}: a clawback of the startup grant for {n} capacity falls in "
                    "{year}, which is not among the years computed",
                    "{cluster}: a clawback of the startup grant for {n} capacities falls in "
                    "{year}, which is not among the years computed",
                    capacities, cluster=cq.cluster.name, year=q.year))
    return out
