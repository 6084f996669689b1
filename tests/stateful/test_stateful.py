"""A stateful test: cluster histories grown step by step, checked after every step.

A Hypothesis ``RuleBasedStateMachine`` plays the life of up to four clusters
from 1 January 2018: clusters are founded (2018–2025, registration completed
0–60 days later), clinics join with new provider numbers, leave, switch
between clusters (leave one and join another the same day, marked
``switched_from``), come back unmarked, have their patient counts change,
years turn, and expenses are spent (allowed, refused and incomplete ones).
The state is plain data; after every step it is turned into kiaprules
``Cluster``/``Membership``/``Clinic``/``Expense`` objects and the engine is
checked against models written from DOMAIN.md alone:

* payouts: :func:`kiaprules.compute_payouts` over every cluster for every
  year up to the current one equals, per cluster, year and kind (and due
  date), the naive reference model of ``tests/reference_model.py``
  (``reference_payouts``, a plain function reading only the objects'
  attributes), under the default policies and under ``clawback = never``;
* the yearly account: :func:`kiaprules.build_ledger` of each cluster with its
  expenses closes every year at opening + received − booked, opens every
  year at the previous year's closing, books exactly the expenses the
  spending rules allow or send to review, never a refused or incomplete one,
  and equals the naive account below figure by figure.

Only the public API is imported. Histories that once failed, or that pin a
boundary the rules care about, are replayed step by step as plain tests at
the end of the file (the state-machine form of ``@example``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from reference_model import engine_payouts, reference_payouts

from kiaprules import (
    Clinic,
    Cluster,
    Expense,
    Membership,
    PayoutReport,
    build_ledger,
    classify,
    compute_payouts,
    load_ruleset,
)

RULESET = load_ruleset("dk-kiap")

NAMES = ("Amagerklyngen", "Bornholmklyngen", "Køgeklyngen", "Roskildeklyngen")
FIRST_DAY = dt.date(2018, 1, 1)
#: DOMAIN.md gives rates to 2025 and I5 carries them into 2026: histories stop there.
LAST_YEAR = 2026
LAST_FOUNDING_YEAR = 2025
MAX_CLINICS = 12
CVR = "12345674"  # a valid CVR number (modulus 11): the clusters' and the recipients'

# --- the spending rules, from DOMAIN.md "Spending rules" -------------------------------
#
# Each template is an expense whose fate DOMAIN.md decides on its own: "booked"
# (allowed, or "ask for care": booked and reviewed), "not_allowed" or
# "incomplete" (an honorarium without its contract/time sheet, or without the
# recipient's CVR or CPR number). The ledger books the first kind and never
# the other two.

EXPENSE_TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = {
    # "meeting costs (room rental, catering, meeting equipment)"
    "room_rental": ("booked", {"category": "room_rental", "payee": "Kulturhuset",
                               "payee_role": "venue", "participants": 25,
                               "documentation": ["invoice"]}),
    "catering": ("booked", {"category": "catering", "payee": "Café Torvet",
                            "payee_role": "venue", "participants": 20,
                            "documentation": ["receipt", "attendance_list"]}),
    # "fees for speakers, facilitators and consultants"
    "speaker_fee": ("booked", {"category": "speaker_fee", "payee": "Overlæge Holm",
                               "payee_role": "speaker", "recipient_cvr": CVR,
                               "documentation": ["contract", "invoice"]}),
    # "honoraria for the coordinator ... (on a contract or time sheet with an
    # hourly rate)" with "the recipient's CVR number"; a rate above the
    # recommended one or an amount not hours × rate is reviewed, still booked.
    "coordinator_honorarium": ("booked", {"category": "honorarium", "payee": "Anne Jensen",
                                          "payee_role": "coordinator", "hours": "10",
                                          "hourly_rate": "900.00", "recipient_cvr": CVR,
                                          "documentation": ["contract", "timesheet"]}),
    # "the coordinator's and board's participation in conferences and theme days"
    "conference": ("booked", {"category": "conference", "payee": "Lægedage",
                              "payee_role": "board_member", "documentation": ["invoice"]}),
    # "taxable mileage for the coordinator or board to course activities"
    "mileage": ("booked", {"category": "mileage", "payee": "Anne Jensen",
                           "payee_role": "coordinator", "recipient_cvr": CVR,
                           "documentation": ["receipt"]}),
    # Not allowed: "refunds to members or their clinics as ... lost earnings"
    "lost_earnings": ("not_allowed", {"category": "lost_earnings", "payee": "Lægehuset",
                                      "payee_role": "clinic", "documentation": ["invoice"]}),
    # Not allowed: "members' transport to cluster meetings"
    "member_transport": ("not_allowed", {"category": "transport", "payee": "Mette Berg",
                                         "payee_role": "member",
                                         "documentation": ["receipt"]}),
    # Not allowed: "medical equipment or anything aimed at patient treatment"
    "medical_equipment": ("not_allowed", {"category": "medical_equipment",
                                          "payee": "Medicoteknik", "payee_role": "supplier",
                                          "documentation": ["invoice"]}),
    # Not allowed: "study trips abroad for members" (paid to the member)
    "study_trip_abroad": ("not_allowed", {"category": "study_trip", "payee": "Mette Berg",
                                          "payee_role": "member", "abroad": True,
                                          "documentation": ["invoice"]}),
    # Booked for review: the sentence names members only, not a travel agency's bill
    "study_trip_abroad_agency": ("booked", {"category": "study_trip", "payee": "Rejsebureau",
                                            "payee_role": "supplier", "abroad": True,
                                            "documentation": ["invoice"]}),
    # "Honorarium payouts need the contract or time sheet with an hourly rate"
    "honorarium_without_contract": ("incomplete", {"category": "honorarium",
                                                   "payee": "Peter Lund",
                                                   "payee_role": "secretary",
                                                   "hourly_rate": "500.00",
                                                   "recipient_cvr": CVR,
                                                   "documentation": ["receipt"]}),
    # "... and the recipient's CVR number (B-income) or CPR number (A-income)"
    "honorarium_without_recipient": ("incomplete", {"category": "honorarium",
                                                    "payee": "Peter Lund",
                                                    "payee_role": "treasurer",
                                                    "hours": "2", "hourly_rate": "500.00",
                                                    "documentation": ["contract",
                                                                      "timesheet"]}),
}
BOOKED_STATUSES = frozenset({"allowed", "needs_review"})


def reference_account(
    name: str, first_year: int, last_year: int, payouts: dict[tuple[str, int], dict[str, Any]],
    expenses: list[tuple[Expense, str]],
) -> list[dict[str, Any]]:
    """The naive yearly account: Håndbog 2024 §10, "unused funds carry over".

    A payout is received in the year it is due; an expense is booked in the
    year of its date if the spending rules allow it (or only ask for care);
    each year closes at opening + received − booked and the next opens there.
    """
    rows = []
    opening = Decimal("0.00")
    for year in range(first_year, last_year + 1):
        received = sum((p["total"] for (c, _), p in payouts.items()
                        if c == name and p["due"].year == year), Decimal("0.00"))
        booked_here = [e for e, fate in expenses if fate == "booked" and e.date.year == year]
        refused_here = [e for e, fate in expenses if fate != "booked" and e.date.year == year]
        booked = sum((e.amount for e in booked_here), Decimal("0.00"))
        closing = opening + received - booked
        rows.append({"year": year, "opening": opening, "received": received, "booked": booked,
                     "closing": closing, "booked_ids": sorted(e.id for e in booked_here),
                     "not_booked_ids": sorted(e.id for e in refused_here)})
        opening = closing
    return rows


# --- the state: plain data ----------------------------------------------------------


@attrs.define
class ClinicState:
    provider_number: str
    capacities: int
    counts: dict[int, int]  # group-1 patients per 1 January, every year 2018–today
    current: int  # today's count: becomes next year's count on 1 January


@attrs.define
class Stay:
    """One membership: ``joined`` up to, not including, ``left``."""

    cluster: str
    provider_number: str
    joined: dt.date
    left: dt.date | None = None
    switched_from: str | None = None
    #: C4: (from, capacities) changes recorded during the membership.
    capacity_changes: list[tuple[dt.date, int]] = attrs.Factory(list)


@attrs.define
class Head:
    name: str
    founded: dt.date
    registered: dt.date


DAYS = st.sampled_from((0, 0, 1, 2, 13, 45, 120, 300))
WHEN = st.sampled_from(("soon", "day_before_anniversary", "anniversary",
                        "day_after_anniversary"))
PICK = st.integers(0, 1000)
ORE_AMOUNTS = st.integers(1, 6_000_000).map(lambda ore: Decimal(ore).scaleb(-2))


class ClusterHistories(RuleBasedStateMachine):
    """Cluster histories, one event a step, ``today`` only ever moving forward."""

    def __init__(self) -> None:
        super().__init__()
        self.today = FIRST_DAY
        self.heads: dict[str, Head] = {}
        self.clinics: dict[str, ClinicState] = {}
        self.stays: list[Stay] = []
        self.spent: dict[str, list[tuple[Expense, str]]] = {}
        self.log: list[str] = []  # the steps taken, for a failing history's message

    # --- helpers -------------------------------------------------------------------

    def _advance(self, days: int) -> None:
        self.today = min(self.today + dt.timedelta(days=days), dt.date(self.today.year, 12, 31))

    def _current(self) -> list[Stay]:
        return [s for s in self.stays if s.left is None]

    def _away(self) -> list[str]:
        """Provider numbers that have left and are in no cluster now."""
        inside = {s.provider_number for s in self._current()}
        return sorted(pn for pn in self.clinics if pn not in inside)

    def _leave_day(self, stay: Stay, when: str, days: int) -> dt.date | None:
        """The day ``stay`` ends: soon, or around its one-year anniversary (I3's boundary),
        letting the years turn until then if the anniversary is still to come."""
        day = None
        if when != "soon":
            anniversary = stay.joined + relativedelta(months=12)
            day = anniversary + dt.timedelta(days={"day_before_anniversary": -1,
                                                   "anniversary": 0,
                                                   "day_after_anniversary": 1}[when])
            if day < self.today or day.year > LAST_YEAR:
                day = None
            else:
                while self.today.year < day.year:
                    self.turn_year()
        if day is None:
            self._advance(days)
            day = self.today
        if day <= stay.joined:
            return None  # left is the first day no longer a member: after joined
        if stay.capacity_changes and day <= stay.capacity_changes[-1][0]:
            return None  # a change of capacities falls within the membership
        self.today = day
        return day

    # --- the kiaprules objects -------------------------------------------------------

    def clusters(self) -> list[Cluster]:
        out = []
        for head in self.heads.values():
            memberships = []
            for s in self.stays:
                if s.cluster != head.name:
                    continue
                c = self.clinics[s.provider_number]
                memberships.append(Membership(
                    clinic=Clinic(provider_number=c.provider_number, capacities=c.capacities,
                                  patients=dict(c.counts),
                                  capacity_changes=list(s.capacity_changes)),
                    joined=s.joined, left=s.left, switched_from=s.switched_from))
            out.append(Cluster(name=head.name, cvr=CVR, coordinator="Anne Jensen",
                               founded=head.founded, registered=head.registered,
                               memberships=memberships))
        return out

    # --- the steps -------------------------------------------------------------------

    @initialize(
        founded=st.one_of(
            st.dates(FIRST_DAY, dt.date(LAST_FOUNDING_YEAR, 12, 31)),
            st.sampled_from((FIRST_DAY, dt.date(2018, 9, 12), dt.date(2019, 12, 31),
                             dt.date(2020, 2, 29), dt.date(2023, 3, 31)))),
        delay=st.sampled_from((0, 0, 1, 14, 21, 45, 60)),
        members=st.lists(st.tuples(st.sampled_from((0, 0, 1, 14, 21, 30, 60)),
                                   st.integers(1, 6), st.integers(0, 12_000)),
                         min_size=1, max_size=4).map(sorted),
        second=st.booleans(),
    )
    def start(self, founded: dt.date, delay: int,
              members: list[tuple[int, int, int]] | tuple[()] = (), second: bool = False) -> None:
        """The first cluster and its first clinics (founding members if they join by the
        registration day); maybe a second cluster, founded the same day."""
        self.today = founded
        self.found(days=0, delay=delay)
        if second:
            self.found(days=0, delay=0)
        for offset, capacities, patients in members:
            self.join(days=offset - (self.today - founded).days, where=0,
                      capacities=capacities, patients=patients)

    @precondition(lambda self: len(self.heads) < len(NAMES)
                  and self.today.year <= LAST_FOUNDING_YEAR)
    @rule(days=DAYS, delay=st.sampled_from((0, 0, 1, 14, 21, 45, 60)))
    def found(self, days: int, delay: int) -> None:
        """A founding general assembly today; registration completed ``delay`` days later."""
        self._advance(days)
        name = NAMES[len(self.heads)]
        self.heads[name] = Head(name=name, founded=self.today,
                                registered=self.today + dt.timedelta(days=delay))
        self.spent[name] = []
        self.log.append(f"found({days=}, {delay=})  # {name} on {self.today}, "
                        f"registered {self.heads[name].registered}")

    @precondition(lambda self: self.heads and len(self.clinics) < MAX_CLINICS)
    @rule(days=DAYS, where=PICK, capacities=st.integers(1, 6),
          patients=st.integers(0, 12_000))
    def join(self, days: int, where: int, capacities: int, patients: int) -> None:
        """A new clinic (a new provider number) joins a cluster today."""
        self._advance(days)
        name = sorted(self.heads)[where % len(self.heads)]
        pn = f"{10001 + len(self.clinics)}"
        self.clinics[pn] = ClinicState(
            provider_number=pn, capacities=capacities, current=patients,
            counts={year: patients for year in range(FIRST_DAY.year, self.today.year + 1)})
        self.stays.append(Stay(cluster=name, provider_number=pn, joined=self.today))
        self.log.append(f"join({days=}, {where=}, {capacities=}, {patients=})"
                        f"  # {pn} → {name} on {self.today}")

    @precondition(lambda self: any(s.left is None for s in self.stays))
    @rule(days=DAYS, who=PICK, when=WHEN)
    def leave(self, days: int, who: int, when: str) -> None:
        """A clinic leaves its cluster (``left`` is the first day it is no longer a member)."""
        current = self._current()
        stay = current[who % len(current)]
        day = self._leave_day(stay, when, days)
        if day is None:
            return
        stay.left = day
        self.log.append(f"leave({days=}, {who=}, {when=})"
                        f"  # {stay.provider_number} leaves {stay.cluster} on {day}")

    @precondition(lambda self: any(s.left is None for s in self.stays))
    @rule(days=DAYS, who=PICK, capacities=st.integers(1, 6))
    def change_capacities(self, days: int, who: int, capacities: int) -> None:
        """C4: a member's doctor capacities change from today, within one membership."""
        self._advance(days)
        current = self._current()
        stay = current[who % len(current)]
        last = stay.capacity_changes[-1][0] if stay.capacity_changes else stay.joined
        if self.today <= last:
            return
        stay.capacity_changes.append((self.today, capacities))
        self.log.append(f"change_capacities({days=}, {who=}, {capacities=})"
                        f"  # {stay.provider_number} in {stay.cluster} on {self.today}")

    @precondition(lambda self: len(self.heads) >= 2 and any(s.left is None for s in self.stays))
    @rule(days=DAYS, who=PICK, to=PICK, when=WHEN)
    def switch(self, days: int, who: int, to: int, when: str) -> None:
        """A cluster switch: leave one cluster and join another the same day, marked."""
        current = self._current()
        stay = current[who % len(current)]
        targets = sorted(n for n in self.heads if n != stay.cluster)
        target = targets[to % len(targets)]
        day = self._leave_day(stay, when, days)
        if day is None:
            return
        stay.left = day
        self.stays.append(Stay(cluster=target, provider_number=stay.provider_number,
                               joined=day, switched_from=stay.cluster))
        self.log.append(f"switch({days=}, {who=}, {to=}, {when=})  # {stay.provider_number} "
                        f"{stay.cluster} → {target} on {day}")

    @precondition(lambda self: bool(self._away()))
    @rule(days=DAYS, who=PICK, where=PICK)
    def come_back(self, days: int, who: int, where: int) -> None:
        """A clinic that left joins a cluster again (maybe its old one), not marked a switch."""
        self._advance(days)
        away = self._away()
        pn = away[who % len(away)]
        name = sorted(self.heads)[where % len(self.heads)]
        last_left = max(s.left for s in self.stays if s.provider_number == pn and s.left)
        if self.today < last_left:
            return
        self.stays.append(Stay(cluster=name, provider_number=pn, joined=self.today))
        self.log.append(f"come_back({days=}, {who=}, {where=})"
                        f"  # {pn} → {name} on {self.today}")

    @precondition(lambda self: bool(self.clinics))
    @rule(days=DAYS, who=PICK, patients=st.integers(0, 12_000))
    def patients_change(self, days: int, who: int, patients: int) -> None:
        """A clinic's list changes; it counts from the next 1 January (rule 6)."""
        self._advance(days)
        pn = sorted(self.clinics)[who % len(self.clinics)]
        self.clinics[pn].current = patients
        self.log.append(f"patients_change({days=}, {who=}, {patients=})  # {pn}")

    @precondition(lambda self: self.today.year < LAST_YEAR)
    @rule()
    def turn_year(self) -> None:
        """1 January: today's patient counts become the new year's counts."""
        self.today = dt.date(self.today.year + 1, 1, 1)
        for c in self.clinics.values():
            c.counts[self.today.year] = c.current
        self.log.append(f"turn_year()  # {self.today}")

    @precondition(lambda self: bool(self.heads))
    @rule(days=DAYS, where=PICK, template=st.sampled_from(sorted(EXPENSE_TEMPLATES)),
          amount=ORE_AMOUNTS)
    def spend(self, days: int, where: int, template: str, amount: Decimal) -> None:
        """A cluster spends (or tries to spend) some of its funds today."""
        self._advance(days)
        name = sorted(self.heads)[where % len(self.heads)]
        fate, fields = EXPENSE_TEMPLATES[template]
        expense = Expense(id=f"{name[:4]}-{len(self.spent[name]) + 1:03d}", date=self.today,
                          amount=amount, **fields)
        self.spent[name].append((expense, fate))
        self.log.append(f"spend({days=}, {where=}, {template=}, amount=Decimal('{amount}'))"
                        f"  # {name} on {self.today}")

    # --- the checks ------------------------------------------------------------------

    @invariant()
    def engine_agrees_with_the_reference(self) -> None:
        if not self.heads:
            return
        clusters = self.clusters()
        years = list(range(FIRST_DAY.year, self.today.year + 1))
        history = "\n".join(self.log)
        report = compute_payouts(clusters, RULESET, years=years)
        expected = reference_payouts(clusters, years)
        assert engine_payouts(report) == expected, history
        never = compute_payouts(clusters, RULESET, years=years, policies={"clawback": "never"})
        assert engine_payouts(never) == reference_payouts(clusters, years, claw_back=False), \
            history
        for cluster in clusters:
            self._check_account(cluster, expected, history, report)

    def _check_account(self, cluster: Cluster, expected: dict[tuple[str, int], Any],
                       history: str, report: PayoutReport) -> None:
        spent = self.spent[cluster.name]
        for expense, fate in spent:
            status = classify(expense, RULESET).status
            assert (status in BOOKED_STATUSES) if fate == "booked" else status == fate, \
                (expense.id, status, fate, history)
        years = list(range(cluster.founded.year, self.today.year + 1))
        # The payouts of every cluster together: a switch between two of them (C3) is
        # seen only when both are in the computation.
        account = build_ledger(cluster, [e for e, _ in spent], RULESET, years=years,
                               payouts=report)
        assert [y.year for y in account.years] == years
        for y in account.years:
            assert y.closing == y.opening + y.received_total - y.booked_total
            assert all(c.status in BOOKED_STATUSES for c in y.booked), history
            assert all(c.status not in BOOKED_STATUSES for c in y.not_booked), history
        for before, after in zip(account.years, account.years[1:], strict=False):
            assert after.opening == before.closing, history
        assert account.years[0].opening == Decimal("0.00")
        reference = reference_account(cluster.name, years[0], years[-1], expected, spent)
        got = [{"year": y.year, "opening": y.opening, "received": y.received_total,
                "booked": y.booked_total, "closing": y.closing,
                "booked_ids": sorted(c.expense.id for c in y.booked),
                "not_booked_ids": sorted(c.expense.id for c in y.not_booked)}
               for y in account.years]
        assert got == reference, history


ClusterHistories.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestClusterHistories = ClusterHistories.TestCase


# --- replayed histories (the state-machine form of @example) ------------------------------


def replay(*steps: tuple[str, dict[str, Any]]) -> ClusterHistories:
    """Play ``steps`` (rule name, arguments) on a fresh machine, checking after each."""
    machine = ClusterHistories()
    for name, arguments in steps:
        getattr(machine, name)(**arguments)
        machine.engine_agrees_with_the_reference()
    machine.teardown()
    return machine


def test_replay_switch_within_the_first_year_is_clawed_back_by_the_old_cluster() -> None:
    """A founding member switches clusters the day before its anniversary: its old cluster
    gives the startup grant back the next year; the new one pays no startup grant."""
    m = replay(
        ("start", {"founded": dt.date(2018, 1, 1), "delay": 60}),
        ("found", {"days": 0, "delay": 0}),
        ("join", {"days": 45, "where": 0, "capacities": 3, "patients": 5000}),
        ("turn_year", {}),
        ("switch", {"days": 0, "who": 0, "to": 0, "when": "day_before_anniversary"}),
        ("turn_year", {}),
        ("turn_year", {}),
    )
    report = compute_payouts(m.clusters(), RULESET, years=[2020])
    assert report.cluster("Amagerklyngen").year(2020).amount("clawback") == Decimal("-30000.00")
    assert report.cluster("Bornholmklyngen").year(2020).amount("startup") == Decimal("0.00")


def test_replay_registration_in_the_next_year_with_a_member_joining_before_it() -> None:
    """Founded on 31 December 2019, registered 60 days later; a clinic joining in January
    2020, before registration, is a founding member paid on its 2019 count."""
    m = replay(
        ("start", {"founded": dt.date(2019, 12, 31), "delay": 60}),
        ("turn_year", {}),
        ("join", {"days": 13, "where": 0, "capacities": 2, "patients": 4000}),
        ("spend", {"days": 0, "where": 0, "template": "catering",
                   "amount": Decimal("1200.50")}),
        ("turn_year", {}),
    )
    [head] = m.heads.values()
    assert (head.founded, head.registered) == (dt.date(2019, 12, 31), dt.date(2020, 2, 29))


def test_replay_leaving_on_the_anniversary_keeps_the_grant_and_a_refused_expense() -> None:
    """Leaving on the one-year anniversary is not within the first year (I3); a refused
    expense (members' lost earnings) and an incomplete honorarium are never booked."""
    replay(
        ("start", {"founded": dt.date(2018, 3, 1), "delay": 14}),
        ("join", {"days": 1, "where": 0, "capacities": 1, "patients": 900}),
        ("join", {"days": 0, "where": 0, "capacities": 2, "patients": 1500}),
        ("spend", {"days": 2, "where": 0, "template": "lost_earnings",
                   "amount": Decimal("2400.00")}),
        ("spend", {"days": 0, "where": 0, "template": "honorarium_without_recipient",
                   "amount": Decimal("1000.00")}),
        ("turn_year", {}),
        ("leave", {"days": 0, "who": 1, "when": "day_before_anniversary"}),
        ("leave", {"days": 0, "who": 0, "when": "anniversary"}),
        ("turn_year", {}),
    )


def test_replay_a_clinic_that_comes_back_unmarked_gets_no_second_grant_from_its_cluster() -> None:
    """A clinic leaves within its first year and rejoins the same cluster later: clawed
    back once, and never paid a second startup grant by that cluster."""
    replay(
        ("start", {"founded": dt.date(2018, 1, 1), "delay": 0}),
        ("join", {"days": 0, "where": 0, "capacities": 4, "patients": 7000}),
        ("leave", {"days": 120, "who": 0, "when": "soon"}),
        ("turn_year", {}),
        ("come_back", {"days": 45, "who": 0, "where": 0}),
        ("patients_change", {"days": 0, "who": 0, "patients": 100}),
        ("turn_year", {}),
        ("turn_year", {}),
    )
