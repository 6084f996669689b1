"""Properties of the payout engine (STYLE.md convention 10: properties are the
specification).

Each property runs on generated clusters (``strategies_payouts.scenarios``:
joins, leaves, rejoins and switches, boundary dates favoured) and on the
pinned boundary scenarios: a leap-day founding, joins and leaves on
1 January with registration in the next year, and leavers on the day before,
on and after their anniversary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import attrs
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_payouts import (
    RULESET,
    YEARS,
    anniversary_scenario,
    leap_day_scenario,
    new_year_scenario,
    scenarios,
)

from kiaprules import Cluster, Membership, Override, compute_payouts

PROPERTY = settings(max_examples=100, deadline=None)
MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")


def pay(clusters, **kwargs):  # type: ignore[no-untyped-def]
    return compute_payouts(clusters, RULESET, years=YEARS, **kwargs)


def pinned(test):  # type: ignore[no-untyped-def]
    """The boundary scenarios, as @example, beside every property."""
    for make in (leap_day_scenario, new_year_scenario, anniversary_scenario):
        test = example(clusters=make())(test)
    return test


def counting_day(c: Cluster, year: int) -> dt.date:
    return c.registered if year == c.founded.year else dt.date(year, 1, 1)


def members_on(c: Cluster, day: dt.date) -> list[Membership]:
    return [m for m in c.memberships if m.joined <= day and (m.left is None or day < m.left)]


def by_cluster(clusters: list[Cluster]) -> dict[str, Cluster]:
    return {c.name: c for c in clusters}


# --- determinism and order --------------------------------------------------------------


@PROPERTY
@given(clusters=scenarios(), rnd=st.randoms(use_true_random=False))
@example(clusters=leap_day_scenario(), rnd=random.Random(1))
@example(clusters=new_year_scenario(), rnd=random.Random(2))
@example(clusters=anniversary_scenario(), rnd=random.Random(3))
def test_same_input_in_any_order_gives_byte_identical_json(clusters, rnd) -> None:  # type: ignore[no-untyped-def]
    """Clusters and memberships shuffled give the same JSON, byte for byte."""
    shuffled = []
    for c in clusters:
        ms = list(c.memberships)
        rnd.shuffle(ms)
        shuffled.append(attrs.evolve(c, memberships=ms))
    rnd.shuffle(shuffled)
    assert pay(shuffled).to_json() == pay(clusters).to_json()
    assert pay(tuple(reversed(shuffled))).to_csv() == pay(clusters).to_csv()


# --- arithmetic --------------------------------------------------------------------


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_lines_add_up_to_totals(clusters) -> None:  # type: ignore[no-untyped-def]
    """Each year's total is the sum of its lines; the report's total the sum of the years;
    each line's quantity the sum of its clinics' shares."""
    report = pay(clusters)
    for _, y in report:
        assert y.lines, "a year without lines is left out"
        assert y.total == sum((ln.amount for ln in y.lines), Decimal(0))
        for ln in y.lines:
            assert ln.quantity == sum(m.quantity for m in ln.members)
    assert report.total == sum((y.total for _, y in report), Decimal(0))
    data = json.loads(report.to_json())
    for c in data["clusters"]:
        for y in c["years"]:
            assert Decimal(y["total"]) == sum(Decimal(ln["amount"]) for ln in y["lines"])


@PROPERTY
@given(clusters=scenarios(), policies=st.fixed_dictionaries({
    "founding_year": st.sampled_from(("full_year", "pro_rata")),
    "rounding": st.sampled_from(("line", "clinic"))}))
@example(clusters=leap_day_scenario(), policies={"founding_year": "pro_rata",
                                                  "rounding": "clinic"})
def test_every_amount_has_exactly_two_decimals(clusters, policies) -> None:  # type: ignore[no-untyped-def]
    """Every amount, as a Decimal and as text in the JSON and CSV, is to the øre."""
    report = pay(clusters, policies=policies)
    for _, y in report:
        assert y.total.as_tuple().exponent == -2
        for ln in y.lines:
            assert ln.amount.as_tuple().exponent == -2
    texts: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("amount", "total"):
                    assert isinstance(value, str)
                    texts.append(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(json.loads(report.to_json()))
    assert len(texts) == sum(1 + len(y.lines) for _, y in report)
    assert all(MONEY.fullmatch(t) for t in texts)
    for row in csv.DictReader(io.StringIO(report.to_csv())):
        assert MONEY.fullmatch(row["amount"])


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_operating_amount_is_the_rate_times_the_patients_of_the_members_counted(clusters) -> None:  # type: ignore[no-untyped-def]
    """The operating line is round(rate × Σ patients of the members on the counting day), the
    rate being the ruleset's for that year."""
    report = pay(clusters)
    model = by_cluster(clusters)
    for cp, y in report:
        c = model[cp.name]
        members = members_on(c, counting_day(c, y.year))
        operating = [ln for ln in y.lines if ln.kind == "operating"]
        if not members:
            assert operating == []
            continue
        (ln,) = operating
        patients = sum(m.clinic.patients[y.year] for m in members)
        assert ln.quantity == patients
        assert ln.rate == RULESET.lookup("operating_rate", dt.date(y.year, 1, 1)).value
        expected = (ln.rate * patients).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert ln.amount == expected
        assert {m.provider_number: m.quantity for m in ln.members} == {
            str(m.provider_number): m.clinic.patients[y.year] for m in members}


# --- startup grants and clawbacks ---------------------------------------------------


def _shares(report, kind: str) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(cluster, provider number) → quantity, over every year, for lines of ``kind``."""
    out: Counter[tuple[str, str]] = Counter()
    for cp, y in report:
        for ln in y.lines:
            if ln.kind == kind:
                for m in ln.members:
                    out[(cp.name, m.provider_number)] += m.quantity
    return out


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_startup_grant_is_paid_at_most_once_per_cluster_and_never_on_a_switch(clusters) -> None:  # type: ignore[no-untyped-def]
    """A provider number gets a cluster's startup grant at most once, for its capacities, and
    never for a membership that came by a cluster switch."""
    report = pay(clusters)
    model = by_cluster(clusters)
    times: Counter[tuple[str, str]] = Counter()
    for cp, y in report:
        c = model[cp.name]
        for ln in y.lines:
            if ln.kind != "startup":
                continue
            assert ln.rate == Decimal("10000.00")
            counted = members_on(c, counting_day(c, y.year))
            for share in ln.members:
                times[(cp.name, share.provider_number)] += 1
                (m,) = [m for m in counted if str(m.provider_number) == share.provider_number]
                assert m.switched_from is None
                assert share.quantity == m.clinic.capacities
    assert all(n == 1 for n in times.values())
    for c in clusters:
        for pn in {str(m.provider_number) for m in c.memberships}:
            own = [m for m in c.memberships if str(m.provider_number) == pn]
            if all(m.switched_from for m in own):
                assert (c.name, pn) not in times


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_clawback_never_exceeds_the_startup_grant_paid_to_that_clinic(clusters) -> None:  # type: ignore[no-untyped-def]
    """What a cluster claws back from a clinic is at most the startup grant it paid it, and
    comes after it."""
    report = pay(clusters)
    startup, clawback = _shares(report, "startup"), _shares(report, "clawback")
    for key, capacities in clawback.items():
        assert capacities <= startup[key]
    paid_year = {(cp.name, m.provider_number): y.year for cp, y in report
                 for ln in y.lines if ln.kind == "startup" for m in ln.members}
    for cp, y in report:
        for ln in y.lines:
            if ln.kind == "clawback":
                assert ln.amount < 0
                assert -ln.amount <= ln.rate * ln.quantity
                for m in ln.members:
                    assert paid_year[(cp.name, m.provider_number)] < y.year


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_nothing_is_paid_before_founding_or_due_before_registration(clusters) -> None:  # type: ignore[no-untyped-def]
    """No year before the founding year has a payout, and no payout is due before
    registration."""
    report = pay(clusters)
    model = by_cluster(clusters)
    for cp, y in report:
        c = model[cp.name]
        assert y.year >= c.founded.year
        assert y.due >= c.registered
        assert y.first_payout == (y.year == c.founded.year)


# --- what-if ----------------------------------------------------------------------


#: Parameters whose value is the same from the given year on (an open-ended
#: override of its own value is then a no-op); others get a one-year override.
_CONSTANT_FROM = {"startup_grant": 2018, "clawback_window_months": 2018, "counting_day": 2018,
                  "payout_day": 2018, "operating_rate": 2025, "supplement_rate": 2022}


@st.composite
def own_value_overrides(draw: st.DrawFn) -> Override:
    """An override of a parameter with the value it already has over the override's span."""
    name = draw(st.sampled_from(sorted(_CONSTANT_FROM)))
    year = draw(st.integers(2018, 2026))
    start = draw(st.sampled_from((dt.date(year, 1, 1), dt.date(year, 3, 1),
                                  dt.date(year, 12, 31))))
    open_ended = year >= _CONSTANT_FROM[name] and draw(st.booleans())
    end = None if open_ended else dt.date(year + 1, 1, 1)
    value = RULESET.lookup(name, dt.date(year, 1, 1)).value
    shown = value if isinstance(value, (int, Decimal)) else str(value)
    return Override(parameter=name, value=shown, start=start, end=end)


def _amounts(report):  # type: ignore[no-untyped-def]
    return {(cp.name, y.year): (y.due, [(ln.kind, ln.quantity, ln.rate, ln.amount)
                                        for ln in y.lines]) for cp, y in report}


@PROPERTY
@given(clusters=scenarios(), override=own_value_overrides())
@example(clusters=anniversary_scenario(),
         override=Override(parameter="operating_rate", value="4.33",
                           start=dt.date(2019, 1, 1), end=dt.date(2020, 1, 1)))
@example(clusters=leap_day_scenario(),
         override=Override(parameter="clawback_window_months", value=12,
                           start=dt.date(2020, 2, 29)))
def test_overriding_a_parameter_with_its_own_value_changes_no_amount(clusters, override) -> None:  # type: ignore[no-untyped-def]
    """An override that sets a parameter to the value it has changes no due date, quantity,
    rate or amount."""
    base, variant = pay(clusters), pay(clusters, overrides=[override])
    assert _amounts(variant) == _amounts(base)
    assert not base.compare(variant).changed
    assert variant.overrides == (str(override),)


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_doubling_every_patient_count_doubles_operating_and_supplement_only(clusters) -> None:  # type: ignore[no-untyped-def]
    """Twice the patients give exactly twice the operating and supplement lines (two-decimal
    rates need no rounding); startup grants and clawbacks stay."""
    def doubled(c: Cluster) -> Cluster:
        return attrs.evolve(c, memberships=[
            attrs.evolve(m, clinic=attrs.evolve(m.clinic, patients={
                y: 2 * n for y, n in m.clinic.patients.items()})) for m in c.memberships])

    base, double = pay(clusters), pay([doubled(c) for c in clusters])
    assert [(cp.name, y.year) for cp, y in base] == [(cp.name, y.year) for cp, y in double]
    for (_, a), (_, b) in zip(base, double, strict=True):
        assert [ln.kind for ln in a.lines] == [ln.kind for ln in b.lines]
        for la, lb in zip(a.lines, b.lines, strict=True):
            if la.kind in ("operating", "supplement"):
                assert lb.amount == 2 * la.amount
                assert lb.quantity == 2 * la.quantity
            else:
                assert lb.amount == la.amount


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_compare_of_a_report_with_itself_has_no_changed_rows(clusters) -> None:  # type: ignore[no-untyped-def]
    """A report compared with itself has a row for every cluster-year and no change."""
    report = pay(clusters)
    comparison = report.compare(report)
    assert comparison.changed == ()
    assert comparison.difference == 0
    assert len(comparison.rows) == sum(1 for _ in report)


# --- the alternative readings move money one way ------------------------------------


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_pro_rata_never_pays_more_than_a_full_founding_year(clusters) -> None:  # type: ignore[no-untyped-def]
    """I1: pro rata pays at most the full year's operating grant and supplement in the founding
    year, and the same in every other year."""
    full, pro_rata = pay(clusters), pay(clusters, policies={"founding_year": "pro_rata"})
    for (_, a), (_, b) in zip(full, pro_rata, strict=True):
        for kind in ("operating", "supplement"):
            if a.first_payout:
                assert b.amount(kind) <= a.amount(kind)
            else:
                assert b.amount(kind) == a.amount(kind)
        assert b.amount("startup") == a.amount("startup")


@PROPERTY
@given(clusters=scenarios())
@pinned
def test_never_clawing_back_only_removes_the_clawback_lines(clusters) -> None:  # type: ignore[no-untyped-def]
    """I3: under clawback=never every year equals the default without its clawback line."""
    default, never = pay(clusters), pay(clusters, policies={"clawback": "never"})
    expected = {(cp.name, y.year): [(ln.kind, ln.amount) for ln in y.lines
                                    if ln.kind != "clawback"] for cp, y in default}
    got = {(cp.name, y.year): [(ln.kind, ln.amount) for ln in y.lines] for cp, y in never}
    assert got == {k: v for k, v in expected.items() if v}
