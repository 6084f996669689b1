"""The engine records the rule that decided each thing.

Every line carries its rule; every clinic counted in a line, the rule that
counted it; every clinic of the cluster a line leaves out, the rule that
left it out; every year, the rules that made it due and chose its members.
The rule is the one in force under the policies (issue #12, requirement 3).
"""

from __future__ import annotations

from hypothesis import given, settings
from strategies_payouts import RULESET, cluster, member, scenarios

from kiaprules import Cluster, compute_payouts
from kiaprules.rules.payout import RULES, rule

POLICY_CHOICES = [{}, {"founding_members": "founding"}, {"clawback": "never"},
                  {"late_joiner_startup": "founding_only"}]


def koege() -> Cluster:
    # Founded 12 Sep 2018, registered 3 Oct 2018; 034567 joins 1 Oct 2018 (between
    # the two days), 056789 joins 1 Nov 2018 (after registration), 067890 comes by
    # a switch in 2019, 045678 leaves on 1 Jun 2019 (within its first year).
    return cluster("Køgeklyngen", "2018-09-12", [
        member("012345", "2018-09-12", capacities=2),
        member("034567", "2018-10-01"),
        member("045678", "2018-09-12", capacities=2, left="2019-06-01"),
        member("056789", "2018-11-01"),
        member("067890", "2019-03-01", switched_from="Roskildeklyngen"),
    ], registered="2018-10-03")


def test_the_first_payout_counts_the_members_of_the_registration_day() -> None:
    year = compute_payouts(koege(), RULESET, years=[2018]).clusters[0].year(2018)
    assert year.due_rule is not None and year.due_rule.id == "first_payout"
    assert year.members_rule == rule("founding_members", {"founding_members": "registration"})
    operating = next(ln for ln in year.lines if ln.kind == "operating")
    assert [(m.provider_number, m.rule.id if m.rule else None) for m in operating.members] == [
        ("012345", "founding_members"), ("034567", "founding_members"),
        ("045678", "founding_members")]
    assert [(o.provider_number, o.rule.id) for o in operating.left_out] == [
        ("056789", "late_joiner"), ("067890", "late_joiner")]
    assert operating.left_out[0].note == "joined 2018-11-01, after 2018-10-03"


def test_under_founding_members_founding_the_founding_day_rule_decides() -> None:
    policies = {"founding_members": "founding"}
    year = compute_payouts(koege(), RULESET, years=[2018], policies=policies) \
        .clusters[0].year(2018)
    assert year.members_rule is not None
    assert year.members_rule.policy == "founding_members=founding"
    assert year.members_rule.citation.quote == (
        "Regionen udbetaler midlerne fra den dato, hvor klyngen afholdte den stiftende "
        "generalforsamling.")
    operating = next(ln for ln in year.lines if ln.kind == "operating")
    # 034567 joined on 1 October, after the founding day: left out of the first payout.
    assert [o.provider_number for o in operating.left_out] == ["034567", "056789", "067890"]


def test_a_switch_and_a_grant_already_paid_are_left_out_of_the_startup_line() -> None:
    year = compute_payouts(koege(), RULESET, years=[2019]).clusters[0].year(2019)
    startup = next(ln for ln in year.lines if ln.kind == "startup")
    assert [m.provider_number for m in startup.members] == ["056789"]
    assert {(o.provider_number, o.rule.id) for o in startup.left_out} == {
        ("012345", "startup_once"), ("034567", "startup_once"), ("045678", "startup_once")}
    year = compute_payouts(koege(), RULESET, years=[2020]).clusters[0].year(2020)
    operating = next(ln for ln in year.lines if ln.kind == "operating")
    assert ("045678", "left_cluster") in {(o.provider_number, o.rule.id)
                                          for o in operating.left_out}


def test_the_switch_is_recorded_with_its_rule() -> None:
    switched = cluster("Køgeklyngen", "2018-09-12", [
        member("012345", "2018-09-12"),
        member("067890", "2018-09-12", switched_from="Roskildeklyngen")])
    year = compute_payouts(switched, RULESET, years=[2018]).clusters[0].year(2018)
    startup = next(ln for ln in year.lines if ln.kind == "startup")
    assert [(o.provider_number, o.rule.id, o.note) for o in startup.left_out] == [
        ("067890", "cluster_switch", "came by a cluster switch from Roskildeklyngen")]


def test_the_clawback_line_carries_the_clawback_rule() -> None:
    # 045678 left on 1 June 2019, before its anniversary (12 Sep 2019): clawed back in 2020.
    year = compute_payouts(koege(), RULESET, years=[2020]).clusters[0].year(2020)
    clawback = next(ln for ln in year.lines if ln.kind == "clawback")
    assert clawback.rule == rule("clawback")
    assert [(m.provider_number, m.rule) for m in clawback.members] == [("045678",
                                                                        rule("clawback"))]


def test_every_recorded_rule_is_in_the_registry() -> None:
    for policies in POLICY_CHOICES:
        report = compute_payouts(koege(), RULESET, policies=policies, years=range(2018, 2022))
        for _, year in report:
            assert year.due_rule in RULES and year.members_rule in RULES
            for line in year.lines:
                assert line.rule in RULES
                assert all(m.rule in RULES for m in line.members)
                assert all(o.rule in RULES for o in line.left_out)


@settings(max_examples=60)
@given(scenarios())
def test_every_clinic_is_counted_or_left_out_of_each_per_patient_line(
        clusters: list[Cluster]) -> None:
    """Each per-patient line accounts for every membership of its cluster: counted, with
    the year's members rule, or left out, with the rule that left it out."""
    report = compute_payouts(clusters, RULESET)
    by_name = {c.name: c for c in clusters}
    for paid, year in report:
        memberships = sorted(str(m.provider_number) for m in by_name[paid.name].memberships)
        for line in year.lines:
            if line.kind not in ("operating", "supplement"):
                continue
            accounted = sorted([m.provider_number for m in line.members]
                               + [o.provider_number for o in line.left_out])
            assert accounted == memberships
            assert all(m.rule == year.members_rule for m in line.members)
            assert {o.rule.id for o in line.left_out} <= {"late_joiner", "left_cluster"}


@settings(max_examples=60)
@given(scenarios())
def test_without_detail_nothing_is_recorded_but_every_amount_is_the_same(
        clusters: list[Cluster]) -> None:
    full = compute_payouts(clusters, RULESET)
    lean = compute_payouts(clusters, RULESET, detail=False)
    assert [(c.name, y.year, [(ln.kind, ln.amount, ln.rule) for ln in y.lines])
            for c, y in full] == [(c.name, y.year, [(ln.kind, ln.amount, ln.rule)
                                                     for ln in y.lines]) for c, y in lean]
    assert all(not ln.members and not ln.left_out for _, y in lean for ln in y.lines)
