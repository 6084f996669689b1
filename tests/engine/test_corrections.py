"""The corrections of December 2026 (DOMAIN.md "Corrections and additions", C1–C6).

Each correction has named examples with the arithmetic worked out by hand
in the test, and Hypothesis properties. Rates: 4.33 kr (2018, and carried
forward to 2019–2021 under I5), supplement 2.16 kr (2019, 2020), 0.47 kr
(2021); startup grant 10,000 kr per capacity.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_payouts import RULESET, cluster, member, scenarios

from kiaprules import compute_payouts

# --- C1: the clawback falls in the first year the clinic is not counted -------------


def _leaver(left: str) -> list:  # type: ignore[type-arg]
    # Founded and registered 1 March 2019; clinic 22222 (2 capacities) joins on the
    # founding day and leaves within its first year (anniversary 1 March 2020).
    return [cluster("Amagerklyngen", "2019-03-01", [
        member("11111", "2019-03-01", patients=1000),
        member("22222", "2019-03-01", capacities=2, patients=500, left=left)])]


def _clawbacks(left: str) -> dict[int, Decimal]:
    report = compute_payouts(_leaver(left), RULESET, years=range(2019, 2023))
    return {y.year: y.amount("clawback") for _, y in report if y.amount("clawback")}


def test_leaving_on_31_december_is_clawed_back_in_the_next_year() -> None:
    # left 2019-12-31: last member day 30 Dec; not counted on 1 Jan 2020 → 2020.
    # 2 capacities × 10,000 kr = 20,000 kr back.
    assert _clawbacks("2019-12-31") == {2020: Decimal("-20000.00")}


def test_leaving_on_1_january_is_clawed_back_that_year() -> None:
    # left 2020-01-01: last member day 31 Dec 2019; not counted on 1 Jan 2020 → 2020
    # (before C1 it fell in 2021). Still within the first year (1 Jan 2020 < 1 Mar 2020).
    assert _clawbacks("2020-01-01") == {2020: Decimal("-20000.00")}


def test_leaving_on_2_january_is_clawed_back_the_year_after() -> None:
    # left 2020-01-02: a member on 1 Jan 2020, counted (and paid) in 2020 → 2021.
    assert _clawbacks("2020-01-02") == {2021: Decimal("-20000.00")}


def test_the_year_before_a_clawback_still_pays_the_leaver_when_it_was_counted() -> None:
    # left 2020-01-02: counted on 1 Jan 2020, so 2020 pays its 500 patients:
    # operating (4.33 + supplement 2.16) × 1,500 = 6,495 + 3,240 = 9,735.00.
    year = compute_payouts(_leaver("2020-01-02"), RULESET, years=[2020]).clusters[0].year(2020)
    assert year.total == Decimal("9735.00")
    # left 2020-01-01: not counted in 2020: (4.33 + 2.16) × 1,000 − 20,000 = −13,510.00.
    year = compute_payouts(_leaver("2020-01-01"), RULESET, years=[2020]).clusters[0].year(2020)
    assert year.total == Decimal("-13510.00")


@settings(max_examples=80)
@given(left=st.dates(dt.date(2019, 3, 2), dt.date(2020, 2, 29)), shift=st.integers(1, 400))
@example(left=dt.date(2019, 12, 31), shift=1)
@example(left=dt.date(2019, 12, 31), shift=2)
def test_moving_left_moves_a_clawback_by_at_most_one_year_and_never_its_amount(
        left: dt.date, shift: int) -> None:
    """Moving ``left`` later within the first year (which spans one year change) moves
    the clawback by at most one year, never earlier, and never changes its amount."""
    later = min(left + dt.timedelta(days=shift), dt.date(2020, 2, 29))
    before, after = _clawbacks(left.isoformat()), _clawbacks(later.isoformat())
    assert list(before.values()) == list(after.values()) == [Decimal("-20000.00")]
    [year_before], [year_after] = before, after
    assert 0 <= year_after - year_before <= 1
    for day, year in ((left, year_before), (later, year_after)):
        assert year == (day.year if (day.month, day.day) == (1, 1) else day.year + 1)


def test_a_clawback_falls_in_a_year_that_has_no_other_line() -> None:
    # The only clinic leaves on 1 Jan 2020: 2020 has nothing but the clawback.
    clusters = [cluster("Amagerklyngen", "2019-03-01", [
        member("22222", "2019-03-01", capacities=1, patients=500, left="2020-01-01")])]
    year = compute_payouts(clusters, RULESET, years=[2020]).clusters[0].year(2020)
    assert [(ln.kind, ln.amount) for ln in year.lines] == [("clawback", Decimal("-10000.00"))]
    assert year.clinics == 0


def test_the_clawback_year_follows_the_counting_day_of_the_ruleset() -> None:
    # With the counting day moved to 1 February (an override), a clinic leaving on
    # 15 January 2020 is not counted on 1 Feb 2020: clawed back in 2020.
    report = compute_payouts(_leaver("2020-01-15"), RULESET, years=range(2019, 2023),
                             overrides=["counting_day@2019-2022=02-01"])
    clawed = {y.year for _, y in report if y.amount("clawback")}
    assert clawed == {2020}
    report = compute_payouts(_leaver("2020-01-15"), RULESET, years=range(2019, 2023))
    assert {y.year for _, y in report if y.amount("clawback")} == {2021}


def test_leaving_on_the_anniversary_is_never_clawed_back() -> None:
    assert _clawbacks("2020-03-01") == {}
    assert _clawbacks("2020-02-29") == {2021: Decimal("-20000.00")}


# --- C3: a switch is a switch ------------------------------------------------------------


def _two_clusters(left: str, joined: str) -> list:  # type: ignore[type-arg]
    # 33333 (3 capacities) leaves Roskildeklyngen on `left` and joins Køgeklyngen on
    # `joined`; neither membership is marked switched_from.
    return [cluster("Roskildeklyngen", "2018-01-01", [
                member("11111", "2018-01-01"), member("33333", "2018-01-01", capacities=3,
                                                      left=left)]),
            cluster("Køgeklyngen", "2018-01-01", [
                member("22222", "2018-01-01"), member("33333", joined, capacities=3)])]


def _startup(report: object, name: str) -> dict[int, Decimal]:
    return {y.year: y.amount("startup") for c, y in report  # type: ignore[attr-defined]
            if c.name == name and y.amount("startup")}


def test_leaving_one_cluster_and_joining_another_the_same_day_gets_no_startup_grant() -> None:
    # 33333 moves on 1 July 2019: counted in Køgeklyngen from 1 Jan 2020, but a switch:
    # Køgeklyngen's only startup grant is 22222's in 2018 (1 × 10,000 kr).
    report = compute_payouts(_two_clusters("2019-07-01", "2019-07-01"), RULESET,
                             years=range(2018, 2022))
    assert _startup(report, "Køgeklyngen") == {2018: Decimal("10000.00")}
    startup_2020 = [ln for ln in report.cluster("Køgeklyngen").year(2020).lines
                    if ln.kind == "startup"]
    assert startup_2020 == []


def test_the_switch_is_explained_with_its_quote() -> None:
    report = compute_payouts(_two_clusters("2019-07-01", "2019-07-01"), RULESET,
                             years=range(2018, 2022))
    left_out = [o for ln in report.cluster("Køgeklyngen").year(2018).lines
                if ln.kind == "startup" for o in ln.left_out]
    assert left_out == []  # in 2018 33333 is not yet a member: not in the startup line
    operating = next(ln for ln in report.cluster("Køgeklyngen").year(2020).lines
                     if ln.kind == "operating")
    assert "33333" in [m.provider_number for m in operating.members]


def test_a_one_day_gap_is_not_a_switch() -> None:
    # Left 1 July, joined 2 July: a new member, 3 × 10,000 = 30,000 kr in 2020, with a
    # warning (the gap is under a month).
    report = compute_payouts(_two_clusters("2019-07-01", "2019-07-02"), RULESET,
                             years=range(2018, 2022))
    assert _startup(report, "Køgeklyngen") == {2018: Decimal("10000.00"),
                                               2020: Decimal("30000.00")}
    assert any("33333" in w and "less than a month" in w for w in report.all_warnings())


def test_a_switch_from_a_cluster_given_as_context_is_seen() -> None:
    # Køgeklyngen computed alone, Roskildeklyngen only consulted: still a switch.
    old, new = _two_clusters("2019-07-01", "2019-07-01")
    alone = compute_payouts(new, RULESET, years=range(2018, 2022))
    assert _startup(alone, "Køgeklyngen")[2020] == Decimal("30000.00")  # not seen
    seen = compute_payouts(new, RULESET, years=range(2018, 2022), context=[old])
    assert _startup(seen, "Køgeklyngen") == {2018: Decimal("10000.00")}
    assert [c.name for c in seen.clusters] == ["Køgeklyngen"]


@settings(max_examples=60)
@given(move=st.dates(dt.date(2018, 1, 2), dt.date(2024, 12, 31)), marked=st.booleans())
def test_a_switch_never_produces_a_startup_grant(move: dt.date, marked: bool) -> None:
    """Whatever the day of the move, marked or seen in the input, the clinic that
    switched never adds a startup grant in its new cluster."""
    old, new = _two_clusters(move.isoformat(), move.isoformat())
    if marked:
        new = attrs.evolve(new, memberships=[
            attrs.evolve(m, switched_from="Roskildeklyngen") if m.provider_number == "33333"
            else m for m in new.memberships])
    report = compute_payouts([old, new], RULESET, years=range(2018, 2026))
    assert sum(_startup(report, "Køgeklyngen").values()) == Decimal("10000.00")
    assert not [m for c, year in report if c.name == "Køgeklyngen" for line in year.lines
                if line.kind == "startup" for m in line.members if m.provider_number == "33333"]


# --- C4: capacities change over time (I7) ------------------------------------------------


def _growing(capacity_changes: list[tuple[str, int]], *, left: str | None = None) -> list:  # type: ignore[type-arg]
    # Founded 1 March 2019. 12345 joins with 2 capacities; 67890 (1 capacity) joins on
    # 1 June 2020, so that 2021 has a startup line of its own.
    grower = member("12345", "2019-03-01", capacities=2, left=left)
    grower = attrs.evolve(grower, clinic=attrs.evolve(grower.clinic,
                                                      capacity_changes=capacity_changes))
    return [cluster("Amagerklyngen", "2019-03-01", [grower, member("67890", "2020-06-01")])]


def _startup_by_year(clusters: list, **kw: object) -> dict[int, Decimal]:  # type: ignore[type-arg]
    report = compute_payouts(clusters, RULESET, years=range(2019, 2024), **kw)  # type: ignore[arg-type]
    return {y.year: y.amount("startup") for _, y in report if y.amount("startup")}


def test_the_startup_grant_is_paid_on_the_capacities_at_the_start() -> None:
    # 2 capacities at the start → 2 × 10,000 = 20,000 kr in 2019; the increase to 3 on
    # 1 Jan 2021 gets nothing by default; 67890's 10,000 kr in 2021 (first counted).
    assert _startup_by_year(_growing([("2021-01-01", 3)])) == {
        2019: Decimal("20000.00"), 2021: Decimal("10000.00")}


def test_the_increase_without_a_grant_is_shown_as_left_out_of_the_startup_line() -> None:
    report = compute_payouts(_growing([("2021-01-01", 3)]), RULESET, years=[2021])
    startup = next(ln for ln in report.clusters[0].year(2021).lines if ln.kind == "startup")
    assert [(m.provider_number, m.quantity) for m in startup.members] == [("67890", 1)]
    assert [(o.provider_number, o.rule.id, o.note) for o in startup.left_out] == [
        ("12345", "capacity_increase",
         "capacities 2 → 3 from 2021-01-01: a later increase gets no startup grant")]


def test_under_grant_added_the_added_capacity_is_paid_in_the_first_payout_after() -> None:
    # The increase on 1 June 2021 is first counted on 1 Jan 2022: 1 × 10,000 in 2022.
    policies = {"capacity_increase": "grant_added"}
    assert _startup_by_year(_growing([("2021-06-01", 3)]), policies=policies) == {
        2019: Decimal("20000.00"), 2021: Decimal("10000.00"), 2022: Decimal("10000.00")}
    report = compute_payouts(_growing([("2021-06-01", 3)]), RULESET, years=[2022],
                             policies=policies)
    startup = next(ln for ln in report.clusters[0].year(2022).lines if ln.kind == "startup")
    [share] = startup.members
    assert (share.provider_number, share.quantity, share.note) == (
        "12345", 1, "capacities 2 → 3 from 2021-06-01")
    assert share.rule is not None and share.rule.policy == "capacity_increase=grant_added"


def test_a_decrease_claws_nothing_back_and_a_new_increase_pays_only_above_the_granted() -> None:
    # 2 → 1 (2020) → 3 (2022): nothing for the decrease; under grant_added, 1 capacity
    # (3 above the 2 granted) in 2022: 10,000 kr.
    changes = [("2020-01-01", 1), ("2022-01-01", 3)]
    assert _startup_by_year(_growing(changes)) == {2019: Decimal("20000.00"),
                                                   2021: Decimal("10000.00")}
    assert _startup_by_year(_growing(changes), policies={"capacity_increase": "grant_added"}) \
        == {2019: Decimal("20000.00"), 2021: Decimal("10000.00"), 2022: Decimal("10000.00")}
    report = compute_payouts(_growing(changes), RULESET, years=range(2019, 2024))
    assert not [y for _, y in report if y.amount("clawback")]


def test_a_clawback_repays_what_the_membership_received() -> None:
    # Joined 1 Mar 2019 with 2, 3 from 1 Jan 2020 (grant_added: +1 in 2020), left
    # 1 Feb 2020, within its first year: clawed back in 2021 at each year's rate:
    # 2 × 10,000 (paid 2019) + 1 × 10,000 (paid 2020) = 30,000 kr.
    clusters = _growing([("2020-01-01", 3)], left="2020-02-01")
    report = compute_payouts(clusters, RULESET, years=range(2019, 2022),
                             policies={"capacity_increase": "grant_added"})
    clawbacks = [ln for ln in report.clusters[0].year(2021).lines if ln.kind == "clawback"]
    assert [(ln.quantity, ln.amount) for ln in clawbacks] == [
        (2, Decimal("-20000.00")), (1, Decimal("-10000.00"))]
    # By default the increase was not paid: only the 20,000 goes back.
    report = compute_payouts(clusters, RULESET, years=range(2019, 2022))
    assert report.clusters[0].year(2021).amount("clawback") == Decimal("-20000.00")


def test_a_ruleset_without_i7_refuses_only_an_increase_it_cannot_decide() -> None:
    from kiaprules.errors import NotCoveredError
    from kiaprules.rules.loader import ruleset_from_data

    data = RULESET.to_data()
    del data["policies"]["capacity_increase"]
    old = ruleset_from_data(data, source="old.toml")
    assert compute_payouts(_growing([]), old, years=[2019]).total == \
        compute_payouts(_growing([]), RULESET, years=[2019]).total
    try:
        compute_payouts(_growing([("2021-01-01", 3)]), old, years=[2021])
    except NotCoveredError as exc:
        assert exc.field == "capacities.2021-01-01"
        assert "no policy capacity_increase (I7)" in str(exc)
    else:
        raise AssertionError("an increase under a ruleset without I7 was computed")


@settings(max_examples=80)
@given(start=st.integers(1, 6), steps=st.lists(
    st.tuples(st.dates(dt.date(2019, 3, 2), dt.date(2024, 12, 31)), st.integers(1, 9)),
    max_size=4, unique_by=lambda s: s[0]))
def test_a_recorded_capacity_change_never_produces_a_clawback(
        start: int, steps: list[tuple[dt.date, int]]) -> None:
    """Whatever the capacities do, a clinic that never leaves is never clawed back, and its
    start's grant (start × 10,000) is the only startup grant it gets by default."""
    changes = sorted(steps)
    grower = member("12345", "2019-03-01", capacities=start)
    grower = attrs.evolve(grower, clinic=attrs.evolve(grower.clinic, capacity_changes=changes))
    clusters = [cluster("Amagerklyngen", "2019-03-01", [grower])]
    report = compute_payouts(clusters, RULESET, years=range(2019, 2026))
    assert not [y for _, y in report if y.amount("clawback")]
    assert sum(y.amount("startup") for _, y in report) == Decimal(start * 10_000)


# --- C2: registration gates the money ----------------------------------------------------


def _unregistered(**head: object) -> list:  # type: ignore[type-arg]
    # Founded 1 March 2019 with 2 clinics (2 and 1 capacities, 1,000 patients each).
    registered = cluster("Amagerklyngen", "2019-03-01", [
        member("11111", "2019-03-01", capacities=2), member("22222", "2019-03-01")])
    return [attrs.evolve(registered, **head)]


def test_a_cluster_without_a_cvr_number_is_paid_nothing_and_its_amounts_are_withheld() -> None:
    # 2019 would pay: startup 3 × 10,000 = 30,000; operating 4.33 × 2,000 = 8,660;
    # supplement 2.16 × 2,000 = 4,320; together 42,980.00, withheld.
    report = compute_payouts(_unregistered(cvr=None), RULESET, years=[2019, 2020])
    y2019 = report.clusters[0].year(2019)
    assert [(ln.kind, ln.amount) for ln in y2019.lines] == [
        ("startup", Decimal("30000.00")), ("operating", Decimal("8660.00")),
        ("supplement", Decimal("4320.00"))]
    assert (y2019.total, y2019.withheld) == (Decimal("0.00"), Decimal("42980.00"))
    assert y2019.to_dict()["total"] == "0.00" and y2019.to_dict()["withheld"] == "42980.00"
    assert "withheld: no CVR number: funds flow only to a cluster registered with its CVR " \
        "number [Guide til klyngestart §7.1]" in y2019.warnings
    assert y2019.withheld_rule is not None and y2019.withheld_rule.citation.section == "§1.1"
    # 2020: (4.33 + 2.16) × 2,000 = 12,980.00 withheld; the report pays nothing.
    assert report.total == Decimal("0.00")
    assert report.withheld == Decimal("42980.00") + Decimal("12980.00")


def test_each_unmet_requirement_is_named_with_its_citation() -> None:
    report = compute_payouts(_unregistered(cvr=None, coordinator=None), RULESET, years=[2019])
    warnings = report.clusters[0].year(2019).warnings
    assert [w for w in warnings if w.startswith("withheld")] == [
        "withheld: no coordinator: a cluster needs an elected coordinator to be registered "
        "[Håndbog 2024 §5]",
        "withheld: no CVR number: funds flow only to a cluster registered with its CVR number "
        "[Guide til klyngestart §7.1]"]


def test_a_policy_computes_an_unregistered_cluster_as_registered_for_what_ifs() -> None:
    paid = compute_payouts(_unregistered(coordinator=None), RULESET, years=[2019],
                           policies={"unregistered": "as_registered"})
    assert paid.total == Decimal("42980.00") and paid.withheld == Decimal("0.00")
    assert any("computed as if registered" in w and "no coordinator" in w
               for w in paid.all_warnings())


def test_strict_mode_refuses_an_unregistered_cluster() -> None:
    from kiaprules import NotCoveredError

    try:
        compute_payouts(_unregistered(cvr=None), RULESET, years=[2022], strict=True)
    except NotCoveredError as exc:
        assert (exc.record, exc.field) == ("Amagerklyngen", "cvr")
        assert "strict mode refuses" in str(exc)
    else:
        raise AssertionError("strict mode computed an unregistered cluster")


def test_national_summaries_and_sweeps_leave_withheld_money_out() -> None:
    from kiaprules import national_summary, sweep

    clusters = [*_unregistered(cvr=None), cluster("Bornholmklyngen", "2019-03-01", [
        member("33333", "2019-03-01")])]
    # Bornholmklyngen 2019: 10,000 + (4.33 + 2.16) × 1,000 = 16,490.00 paid.
    summary = national_summary(clusters, years=[2019])
    [row] = summary.rows
    assert (row.clusters, row.total, row.withheld) == (1, Decimal("16490.00"),
                                                       Decimal("42980.00"))
    assert summary == compute_payouts(clusters, years=[2019]).summary()
    assert "withheld 2019: 42,980.00 kr" in summary.to_table()
    result = sweep(clusters, [{"overrides": ["operating_rate@2019=4.00"]}], years=[2019])
    assert (result.base.total, result.base.withheld) == (Decimal("16490.00"),
                                                         Decimal("42980.00"))
    # At 4.00: Bornholm 10,000 + 6.16 × 1,000 = 16,160; Amager withheld 30,000 + 12,320.
    assert (result.rows[0].total, result.rows[0].withheld) == (Decimal("16160.00"),
                                                               Decimal("42320.00"))


@settings(max_examples=40)
@given(clusters=scenarios(), which=st.integers(0, 2))
def test_withholding_pays_nothing_and_withholds_exactly_what_registration_would_pay(
        clusters: list, which: int) -> None:  # type: ignore[type-arg]
    gone = clusters[which % len(clusters)]
    changed = [attrs.evolve(c, cvr=None) if c is gone else c for c in clusters]
    before = compute_payouts(clusters, RULESET)
    after = compute_payouts(changed, RULESET)
    for (c1, y1), (c2, y2) in zip(before, after, strict=True):
        assert (c1.name, y1.year) == (c2.name, y2.year)
        if c1.name == gone.name:
            assert (y2.total, y2.withheld) == (Decimal("0.00"), sum(
                (ln.amount for ln in y1.lines), Decimal("0.00")))
            assert [ln.amount for ln in y2.lines] == [ln.amount for ln in y1.lines]
        else:
            assert y2 == y1
    assert after.total + after.withheld == before.total
