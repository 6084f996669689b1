"""The yearly account: opening + received − booked = closing, carried to the next year.

Håndbog 2024 §10: "Ubrugte klyngemidler overføres til det efterfølgende år."
Expenses that are not allowed or incomplete are listed, never counted. The
warnings: a negative balance (with its day), a general assembly not after
15 March (Håndbog 2024 §12: "bør afholdes efter 15. marts"; from 1 April 2023
only, when PLO began sending the year's accounts: DOMAIN.md C5) and spending
above the approved budget.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_expenses import expense_fields, honorarium, meeting, plain

from kiaprules import (
    Account,
    Clinic,
    Cluster,
    Expense,
    InputError,
    KiapRulesError,
    LedgerInput,
    Membership,
    NotCoveredError,
    build_ledger,
    classify,
    compute_payouts,
    dumps_clusters,
    load_clusters,
    load_expense_records,
    load_ruleset,
)
from kiaprules.cli import main
from kiaprules.formats.expensefile import ledger_input_from_document

RULESET = load_ruleset("dk-kiap")
EXAMPLE_CLUSTER = REPO_ROOT / "examples" / "koegeklyngen.toml"
EXAMPLE_EXPENSES = REPO_ROOT / "examples" / "koegeklyngen-expenses.toml"
CLUSTER = load_clusters([EXAMPLE_CLUSTER])[0]
PAYOUTS = compute_payouts([CLUSTER], RULESET)
ZERO = Decimal("0.00")


def example_account(**kw: Any) -> Account:
    document, expenses = load_expense_records(EXAMPLE_EXPENSES)
    account = ledger_input_from_document(document, str(EXAMPLE_EXPENSES))
    return build_ledger(CLUSTER, expenses, RULESET, account=account, **kw)


def ledger(expenses: list[Expense], **kw: Any) -> Account:
    return build_ledger(CLUSTER, expenses, RULESET, payouts=PAYOUTS, **kw)


def catering(day: dt.date, amount: str = "2000.00", **kw: Any) -> Expense:
    """An allowed expense: catering for 20 on an invoice (100 kr each for 2,000 kr)."""
    return Expense(**meeting("catering", date=day, amount=amount,
                             participants=kw.pop("participants", 20), **kw))


def refused(day: dt.date, amount: str = "2000.00") -> Expense:
    return Expense(**plain("lost_earnings", "clinic", date=day, amount=amount))


# --- the Køgeklyngen example ---------------------------------------------------------------

#           year  opening       received      booked      not booked  closing
EXAMPLE_YEARS = [
    (2018, "0.00", "168110.90", "27850.00", "0.00", "140260.90"),
    (2019, "140260.90", "144672.90", "0.00", "9900.00", "284933.80"),
    (2020, "284933.80", "136646.95", "0.00", "0.00", "421580.75"),
    (2021, "421580.75", "135584.00", "0.00", "0.00", "557164.75"),
    (2022, "557164.75", "3878.40", "0.00", "18900.00", "561043.15"),
    (2023, "561043.15", "49752.40", "1200.00", "1200.00", "609595.55"),
    (2024, "609595.55", "76591.25", "76800.00", "640.00", "609386.80"),
    (2025, "609386.80", "79296.25", "0.00", "0.00", "688683.05"),
]


def test_the_example_account_year_by_year() -> None:
    account = example_account()
    assert account.cluster == "Køgeklyngen"
    rows = [(y.year, str(y.opening), str(y.received_total), str(y.booked_total),
             str(y.not_booked_total), str(y.closing)) for y in account.years]
    assert rows == EXAMPLE_YEARS


def test_the_example_account_books_and_lists_the_right_expenses() -> None:
    account = example_account()
    booked = {y.year: [c.expense.id for c in y.booked] for y in account.years}
    not_booked = {y.year: [(c.expense.id, c.status) for c in y.not_booked]
                  for y in account.years}
    assert booked == {2018: ["2018-01", "2018-02"], 2019: [], 2020: [], 2021: [], 2022: [],
                      2023: ["2023-01"], 2024: ["2024-01", "2024-02", "2024-03"], 2025: []}
    assert not_booked == {
        2018: [], 2019: [("2019-01", "not_allowed"), ("2019-02", "incomplete")], 2020: [],
        2021: [], 2022: [("2022-01", "not_allowed")], 2023: [("2023-02", "incomplete")],
        2024: [("2024-04", "not_allowed")], 2025: []}
    # Payouts count on their due dates; the first on the day registration was completed.
    assert [(r.year, r.due) for y in account.years for r in y.received] == [
        (2018, dt.date(2018, 10, 3)), *[(y, dt.date(y, 3, 1)) for y in range(2019, 2026)]]


def test_the_example_warnings() -> None:
    account = example_account()
    warnings = {y.year: list(y.warnings) for y in account.years if y.warnings}
    assert warnings == {2024: [
        "the general assembly on 2024-03-07 is not after 2024-03-15: PLO cannot send the "
        "year's accounts before 1 March (Håndbog 2024 §12)",
        "spending 76800.00 kr is above the approved budget of 60000.00 kr",
    ]}


def test_the_example_account_input() -> None:
    document, _ = load_expense_records(EXAMPLE_EXPENSES)
    account = ledger_input_from_document(document, str(EXAMPLE_EXPENSES))
    assert account == LedgerInput(cluster="Køgeklyngen", opening_balance=ZERO,
                                  general_assemblies=(dt.date(2019, 3, 20), dt.date(2024, 3, 7)),
                                  budgets={2024: Decimal("60000.00")})


def test_a_span_of_years_opens_with_everything_before_it() -> None:
    full = {y.year: y for y in example_account().years}
    part = example_account(years=[2022, 2023, 2024])
    assert [y.year for y in part.years] == [2022, 2023, 2024]
    for y in part.years:
        assert (y.opening, y.closing) == (full[y.year].opening, full[y.year].closing)


def test_an_opening_balance_carries_through() -> None:
    base = ledger([])
    richer = ledger([], account=LedgerInput(opening_balance=Decimal("1000.00")))
    assert richer.years[0].opening == Decimal("1000.00")
    for a, b in zip(base.years, richer.years, strict=True):
        assert b.closing - a.closing == Decimal("1000.00")


# --- properties -----------------------------------------------------------------------------

#: From the example cluster's founding day: the ledger refuses an expense before it.
FOUNDED = dt.date(2018, 9, 12)
expense_lists = st.lists(expense_fields(first=FOUNDED).map(lambda f: Expense(**f)), max_size=8)
openings = st.decimals(min_value=Decimal("-50000"), max_value=Decimal("500000"), places=2)


@settings(max_examples=100, deadline=None)
@given(expense_lists, openings)
def test_every_year_closes_at_opening_plus_received_minus_booked(
    expenses: list[Expense], opening: Decimal,
) -> None:
    account = ledger(expenses, account=LedgerInput(opening_balance=opening))
    years = account.years
    assert [y.year for y in years] == list(range(2018, 2026))
    assert years[0].opening == opening
    for y in years:
        assert y.closing == y.opening + y.received_total - y.booked_total
        assert all(c.status in ("allowed", "needs_review") for c in y.booked)
        assert all(c.status in ("not_allowed", "incomplete") for c in y.not_booked)
        assert all(c.expense.date.year == y.year for c in (*y.booked, *y.not_booked))
    for this, following in itertools.pairwise(years):
        assert following.opening == this.closing
    # Nothing is lost: every expense is in exactly one year, booked or not.
    listed = [c.expense for y in years for c in (*y.booked, *y.not_booked)]
    assert sorted(map(repr, listed)) == sorted(map(repr, expenses))
    received = sum((y.received_total for y in years), ZERO)
    assert received == sum((p.total for p in PAYOUTS.cluster(CLUSTER.name).years), ZERO)
    spent = sum((e.amount for e in expenses if classify(e, RULESET).booked), ZERO)
    assert years[-1].closing == opening + received - spent


@settings(max_examples=100, deadline=None)
@given(expense_lists, expense_fields(first=FOUNDED))
def test_refused_and_incomplete_expenses_never_change_a_balance(
    expenses: list[Expense], fields: dict[str, Any],
) -> None:
    extra = Expense(**fields)
    before = ledger(expenses)
    after = ledger([*expenses, extra])
    if classify(extra, RULESET).booked:
        total = sum((y.closing for y in after.years), ZERO)
        assert total < sum((y.closing for y in before.years), ZERO)
        return
    assert [(y.year, y.opening, y.closing, y.booked_total, y.warnings) for y in after.years] == \
        [(y.year, y.opening, y.closing, y.booked_total, y.warnings) for y in before.years]
    year = after.year(extra.date.year)
    assert year.not_booked_total == before.year(extra.date.year).not_booked_total + extra.amount


@settings(max_examples=50, deadline=None)
@given(expense_lists, st.sampled_from([(2018, 2019), (2020, 2022), (2023, 2025), (2025, 2025)]))
def test_any_span_of_years_agrees_with_the_whole(expenses: list[Expense],
                                                 span: tuple[int, int]) -> None:
    whole = {y.year: y for y in ledger(expenses).years}
    part = ledger(expenses, years=list(range(span[0], span[1] + 1)))
    for y in part.years:
        assert (y.opening, y.received_total, y.booked_total, y.closing) == (
            whole[y.year].opening, whole[y.year].received_total, whole[y.year].booked_total,
            whole[y.year].closing)


# --- warnings ---------------------------------------------------------------------------------


def test_a_negative_balance_is_warned_with_its_day() -> None:
    # 5,000 kr spent on 20 September 2018; the first payout comes on 3 October.
    account = ledger([catering(dt.date(2018, 9, 20), "5000.00")])
    assert account.years[0].warnings == (
        "the balance is negative (-5000.00 kr) on 2018-09-20",)
    assert account.years[0].closing == Decimal("163110.90")


def test_a_payout_on_the_same_day_comes_before_the_expense() -> None:
    account = ledger([catering(dt.date(2018, 10, 3), "168110.90", participants=400)])
    assert account.years[0].closing == ZERO
    assert account.years[0].warnings == ()
    account = ledger([catering(dt.date(2018, 10, 3), "168110.91", participants=400)])
    assert account.years[0].warnings == (
        "the balance is negative (-0.01 kr) on 2018-10-03",)


def test_expenses_on_one_day_are_booked_in_the_order_of_their_ids() -> None:
    # 168,110.90 kr arrives on 3 October 2018; three expenses on 4 October.
    day = dt.date(2018, 10, 4)
    spend = [catering(day, "168100.90", id="a", participants=2000),
             catering(day, "40.00", id="c"), catering(day, "20.00", id="b")]
    account = ledger(spend)
    # a, then b: 10.00 − 20.00 = −10.00 is the first negative balance (not −30.00,
    # which a, then c, would give).
    assert account.years[0].warnings == (
        "the balance is negative (-10.00 kr) on 2018-10-04",)
    assert [c.expense.id for c in account.years[0].booked] == ["a", "b", "c"]


def test_a_year_that_opens_negative_is_warned() -> None:
    account = ledger([catering(dt.date(2018, 12, 1), "400000.00", participants=400)])
    warned = {y.year: y.warnings for y in account.years if y.warnings}
    assert warned[2018] == ("the balance is negative (-231889.10 kr) on 2018-12-01",)
    assert warned[2019] == ("the year opens with a negative balance (-231889.10 kr)",)
    assert 2021 not in warned  # 2020 closes at +49,430.75


def test_a_refused_expense_never_makes_the_balance_negative() -> None:
    account = ledger([refused(dt.date(2018, 9, 20), "500000.00")])
    assert all(not y.warnings for y in account.years)


@pytest.mark.parametrize(("day", "warned"), [
    pytest.param(dt.date(2024, 3, 1), True, id="2024-03-01-warned"),
    pytest.param(dt.date(2024, 3, 14), True, id="2024-03-14-warned"),
    # "efter 15. marts": after that day, so 15 March itself is early (C5).
    pytest.param(dt.date(2024, 3, 15), True, id="2024-03-15-warned"),
    pytest.param(dt.date(2024, 3, 16), False, id="2024-03-16-not-warned"),
    pytest.param(dt.date(2024, 9, 1), False, id="2024-09-01-not-warned"),
    pytest.param(dt.date(2025, 3, 15), True, id="2025-03-15-warned"),
    pytest.param(dt.date(2025, 1, 10), True, id="2025-01-10-warned"),
    # Before 1 April 2023 PLO did not send the accounts: the advice does not apply (C5).
    pytest.param(dt.date(2023, 3, 1), False, id="2023-03-01-before-2023-04-01-no-warning"),
    pytest.param(dt.date(2023, 3, 15), False, id="2023-03-15-before-2023-04-01-no-warning"),
    pytest.param(dt.date(2019, 3, 14), False, id="2019-03-14-before-2023-04-01-no-warning"),
    pytest.param(dt.date(2019, 1, 2), False, id="2019-01-02-before-2023-04-01-no-warning"),
])
def test_a_general_assembly_not_after_15_march_is_warned_from_1_april_2023(
        day: dt.date, warned: bool) -> None:
    account = ledger([], account=LedgerInput(general_assemblies=(day,)))
    warnings = account.year(day.year).warnings
    if warned:
        assert warnings == (
            f"the general assembly on {day.isoformat()} is not after {day.year}-03-15: PLO "
            "cannot send the year's accounts before 1 March (Håndbog 2024 §12)",)
    else:
        assert warnings == ()
    assert all(not y.warnings for y in account.years if y.year != day.year)


def test_the_general_assembly_rule_is_the_rulesets_parameter_from_1_april_2023() -> None:
    """The ledger asks the ruleset for ``general_assembly_earliest``, which has a value from
    1 April 2023 only: the day before, there is nothing to compare with."""
    parameter = RULESET.parameter("general_assembly_earliest")
    assert parameter.first_date == dt.date(2023, 4, 1)
    assert [str(RULESET.lookup("general_assembly_earliest", d).value)
            for d in (dt.date(2023, 4, 1), dt.date(2024, 3, 15))] == ["03-15", "03-15"]
    with pytest.raises(NotCoveredError):
        RULESET.lookup("general_assembly_earliest", dt.date(2023, 3, 31))


def test_only_the_assemblies_from_1_april_2023_on_are_judged() -> None:
    assemblies = (dt.date(2019, 3, 1), dt.date(2022, 3, 15), dt.date(2023, 3, 14),
                  dt.date(2023, 5, 2), dt.date(2024, 3, 15), dt.date(2025, 3, 16))
    account = ledger([], account=LedgerInput(general_assemblies=assemblies))
    warned = {y.year: y.warnings for y in account.years if y.warnings}
    assert warned == {2024: (
        "the general assembly on 2024-03-15 is not after 2024-03-15: PLO cannot send the "
        "year's accounts before 1 March (Håndbog 2024 §12)",)}


@pytest.mark.parametrize(("budget", "warning"), [
    pytest.param("4999.99", "spending 5000.00 kr is above the approved budget of 4999.99 kr",
                 id="above"),
    pytest.param("5000.00", None, id="exactly-equal"),
    pytest.param("5000.01", None, id="below"),
])
def test_spending_above_the_approved_budget_is_warned(budget: str, warning: str | None) -> None:
    expenses = [catering(dt.date(2024, 4, 1), "2000.00"), catering(dt.date(2024, 5, 1), "3000.00"),
                refused(dt.date(2024, 6, 1), "10000.00")]  # refused: not spending
    account = ledger(expenses, account=LedgerInput(budgets={2024: Decimal(budget)}))
    assert account.year(2024).warnings == (() if warning is None else (warning,))
    assert all(not y.warnings for y in account.years if y.year != 2024)


def test_a_budget_counts_needs_review_spending() -> None:
    reviewed = Expense(**meeting("catering", date=dt.date(2024, 4, 1), amount="16800.00",
                                 participants=24))
    assert classify(reviewed, RULESET).status == "needs_review"
    account = ledger([reviewed], account=LedgerInput(budgets={2024: Decimal("10000.00")}))
    assert account.year(2024).warnings == (
        "spending 16800.00 kr is above the approved budget of 10000.00 kr",)


# --- renderings -----------------------------------------------------------------------------


def test_account_to_json_and_csv() -> None:
    account = example_account()
    data = json.loads(account.to_json())
    assert data["cluster"] == "Køgeklyngen"
    assert data["ruleset"] == {"id": "dk-kiap", "fingerprint": RULESET.fingerprint}
    assert [(y["year"], y["opening"], y["received_total"], y["booked_total"],
             y["not_booked_total"], y["closing"]) for y in data["years"]] == EXAMPLE_YEARS
    y2024 = data["years"][6]
    assert [e["id"] for e in y2024["booked"]] == ["2024-01", "2024-02", "2024-03"]
    assert y2024["booked"][1]["recipient"] == "CPR 010180-XXXX"
    assert "010180-1234" not in account.to_json()
    lines = account.to_csv().splitlines()
    assert lines[0] == "cluster,year,opening,received,booked,not_booked,closing,warnings"
    assert lines[1] == "Køgeklyngen,2018,0.00,168110.90,27850.00,0.00,140260.90,"
    assert lines[7].startswith("Køgeklyngen,2024,609595.55,76591.25,76800.00,640.00,"
                               "609386.80,the general assembly on 2024-03-07")
    assert " | spending 76800.00 kr is above" in lines[7]
    assert len(lines) == 9


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, out=out)
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


LEDGER_ARGS = ["ledger", str(EXAMPLE_CLUSTER), "--expenses", str(EXAMPLE_EXPENSES)]


def test_cli_ledger_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(LEDGER_ARGS, capsys)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Køgeklyngen: yearly account"
    assert lines[2].split() == ["year", "opening", "received", "booked", "not", "booked",
                                "closing"]
    assert lines[10].split() == ["2024", "609,595.55", "76,591.25", "76,800.00", "640.00",
                                 "609,386.80"]
    assert ("not booked 2019: 2019-01 2,400.00 kr (not_allowed: lost earnings of members or "
            "their clinics are never refunded from cluster funds)") in lines
    assert ("not booked 2023: 2023-02 1,200.00 kr (incomplete: no receipt or invoice: since "
            "1 April 2023 every voucher goes to PLO)") in lines
    assert lines[-1] == "warning 2024: spending 76800.00 kr is above the approved budget of " \
        "60000.00 kr"


def test_cli_ledger_json_csv_and_years(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([*LEDGER_ARGS, "--format", "json"], capsys)
    assert status == 0
    assert json.loads(out) == json.loads(example_account().to_json())
    status, out, _ = run([*LEDGER_ARGS, "--format", "csv", "--years", "2023-2024"], capsys)
    assert status == 0
    assert [line.split(",")[:7] for line in out.splitlines()[1:]] == [
        ["Køgeklyngen", str(y), *rest[:-1], rest[-1]]
        for y, *rest in EXAMPLE_YEARS if y in (2023, 2024)]


def test_cli_ledger_set_changes_the_booking(capsys: pytest.CaptureFixture[str]) -> None:
    # Lowering the venue threshold does not refuse anything: review is still booked.
    status, out, _ = run([*LEDGER_ARGS, "--format", "csv", "--set",
                          "venue_review_per_participant@2023=1"], capsys)
    assert status == 0
    assert out.splitlines()[6].startswith("Køgeklyngen,2023,561043.15,49752.40,1200.00,1200.00,")


ONE_EXPENSE = """
[[expense]]
id = "x"
date = 2024-04-01
amount = "100.00"
category = "meeting_material"
payee = "Tryk"
payee_role = "supplier"
documentation = ["invoice"]
"""


def _expenses_file(tmp_path: Path, head: str) -> Path:
    """An expenses file: ``head`` (account tables), then one allowed expense."""
    path = tmp_path / "expenses.toml"
    path.write_text(head + ONE_EXPENSE, encoding="utf-8")
    return path


def test_cli_ledger_unknown_cluster_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = _expenses_file(tmp_path, '[account]\ncluster = "Roskildeklyngen"\n')
    status, out, err = run(["ledger", str(EXAMPLE_CLUSTER), "--expenses", str(path)], capsys)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err == (f"kiaprules: error: {path}: account: cluster: names cluster "
                   f"'Roskildeklyngen', which is not in {EXAMPLE_CLUSTER}\n")


def test_cli_ledger_needs_a_name_when_the_file_has_several_clusters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    other = Cluster(name="Stevnsklyngen", founded=dt.date(2019, 1, 10), memberships=[
        Membership(clinic=Clinic(provider_number="099999", capacities=1,
                                 patients={2019: 1000, 2020: 1000}),
                   joined=dt.date(2019, 1, 10))])
    clusters = tmp_path / "clusters.toml"
    clusters.write_text(dumps_clusters([CLUSTER, other]), encoding="utf-8")
    unnamed = _expenses_file(tmp_path, "")
    status, out, err = run(["ledger", str(clusters), "--expenses", str(unnamed)], capsys)
    assert (status, out) == (2, "")
    assert err == (f"kiaprules: error: {unnamed}: account: cluster: the cluster file holds "
                   "several clusters; name one in [account] cluster = ...\n")
    named = _expenses_file(tmp_path, '[account]\ncluster = "Stevnsklyngen"\n')
    status, out, err = run(["ledger", str(clusters), "--expenses", str(named),
                            "--format", "csv"], capsys)
    assert (status, err) == (0, "")
    assert [line.split(",")[:2] for line in out.splitlines()[1:]] == [
        ["Stevnsklyngen", "2019"], ["Stevnsklyngen", "2020"], ["Stevnsklyngen", "2021"],
        ["Stevnsklyngen", "2022"], ["Stevnsklyngen", "2023"], ["Stevnsklyngen", "2024"]]


NO_PARTICIPANTS = """
[[expense]]
id = "L1"
date = 2024-05-02
amount = "1800.00"
category = "catering"
payee = "Kro"
payee_role = "venue"
documentation = ["invoice"]
"""


def test_build_ledger_classifies_the_expenses_under_its_policies() -> None:
    lunch = Expense(**meeting("catering", date=dt.date(2024, 5, 2), amount="1800.00",
                              participants=None, id="L1"))
    default = ledger([lunch]).year(2024)
    ignored = ledger([lunch], policies={"participants_missing": "ignore"}).year(2024)
    assert [(c.status, [r.rule for r in c.reasons]) for c in default.booked] == [
        ("needs_review", ["meeting_costs_allowed", "participants_missing"])]
    assert [(c.status, [r.rule for r in c.reasons]) for c in ignored.booked] == [
        ("allowed", ["meeting_costs_allowed"])]
    # Booked either way (needs_review is booked): the balances do not move.
    assert (ignored.booked_total, ignored.closing) == (default.booked_total, default.closing)


def test_cli_ledger_policy_reaches_the_classification_of_the_expenses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Fixed in 8667a48: ``kiaprules ledger --policy`` went to the payouts only."""
    path = tmp_path / "expenses.toml"
    path.write_text(NO_PARTICIPANTS, encoding="utf-8")
    args = ["ledger", str(EXAMPLE_CLUSTER), "--expenses", str(path), "--format", "json"]

    def booked_2024(*extra: str) -> list[tuple[str, str, list[str]]]:
        status, out, err = run([*args, *extra], capsys)
        assert (status, err) == (0, "")
        [year] = [y for y in json.loads(out)["years"] if y["year"] == 2024]
        return [(e["id"], e["status"], [r["rule"] for r in e["reasons"]])
                for e in year["booked"]]

    assert booked_2024() == [
        ("L1", "needs_review", ["meeting_costs_allowed", "participants_missing"])]
    assert booked_2024("--policy", "participants_missing=ignore") == [
        ("L1", "allowed", ["meeting_costs_allowed"])]
    # The payouts' policies still reach the payouts alongside it.
    both = ["--policy", "participants_missing=ignore", "--policy", "founding_year=pro_rata"]
    status, out, _ = run([*args, *both], capsys)
    assert status == 0
    expected = compute_payouts([CLUSTER], RULESET, policies={"founding_year": "pro_rata"})
    assert json.loads(out)["years"][0]["received_total"] == str(
        expected.cluster(CLUSTER.name).years[0].total)
    status, out, err = run([*args, "--policy", "participants_missing=maybe"], capsys)
    assert (status, out) == (2, "")
    # Under --format json the one line on stderr is the error as JSON.
    error = json.loads(err)["error"]
    assert (error["code"], error["field"]) == ("input.not_a_choice", "participants_missing")
    assert error["message"] == ("participants_missing: must be one of review, ignore, "
                                "got 'maybe'")


@pytest.mark.parametrize(("text", "record", "field"), [
    pytest.param('[account]\nopening_balance = 12.5\n', "account", "opening_balance",
                 id="float-opening"),
    pytest.param('[account]\nbank = "x"\n', "account", "bank", id="unknown-account-key"),
    pytest.param('[account]\ncluster = ""\n', "account", "cluster", id="empty-cluster"),
    pytest.param('[[general_assembly]]\ndate = "2024-02-30"\n', "general_assembly[1]", "date",
                 id="bad-assembly-date"),
    pytest.param('[[budget]]\nyear = 2024\namount = "-1.00"\n', "budget[1]", "amount",
                 id="negative-budget"),
    pytest.param('[[budget]]\nyear = 2024\namount = "1.00"\n[[budget]]\nyear = 2024\n'
                 'amount = "2.00"\n', "budget[2]", "year", id="budget-twice"),
    pytest.param('[[budget]]\nyear = "24"\namount = "1.00"\n', "budget[1]", "year",
                 id="bad-budget-year"),
    pytest.param('[[general_assembly]]\n', "general_assembly[1]", "date", id="assembly-no-date"),
    pytest.param('budget = "all of it"\n', None, "budget", id="budget-not-tables"),
])
def test_bad_account_data_names_file_record_and_field(tmp_path: Path, text: str, record: str,
                                                      field: str) -> None:
    path = _expenses_file(tmp_path, text)
    document, _ = load_expense_records(path)
    with pytest.raises(InputError) as info:
        ledger_input_from_document(document, str(path))
    error = info.value
    assert isinstance(error, KiapRulesError)
    assert (error.path, error.record, error.field) == (str(path), record, field)


def test_without_payouts_the_ledger_computes_them_under_its_ruleset_and_policies() -> None:
    assert build_ledger(CLUSTER, [], RULESET).years[0].received_total == Decimal("168110.90")
    cheaper = RULESET.with_override("startup_grant", "5000", dt.date(2018, 1, 1),
                                    dt.date(2019, 1, 1))
    startup_2018 = sum(line.amount for line in PAYOUTS.cluster(CLUSTER.name).years[0].lines
                       if line.kind == "startup")
    assert (build_ledger(CLUSTER, [], cheaper).years[0].received_total
            == Decimal("168110.90") - startup_2018 / 2)
    policies = {"founding_year": "pro_rata"}
    expected = compute_payouts([CLUSTER], RULESET, policies=policies)
    assert expected.cluster(CLUSTER.name).years[0].total != Decimal("168110.90")
    assert (build_ledger(CLUSTER, [], RULESET, policies=policies).years[0].received_total
            == expected.cluster(CLUSTER.name).years[0].total)


def test_no_years_to_account_for_is_refused() -> None:
    with pytest.raises(InputError) as info:
        ledger([], years=[])
    assert info.value.field == "years"
    assert str(info.value) == "years: no years to account for"


def test_an_expense_before_the_founding_is_refused_with_its_date() -> None:
    early = catering(dt.date(2017, 12, 31), id="early")
    with pytest.raises(InputError) as info:
        ledger([early])
    assert (info.value.record, info.value.field, info.value.date) == (
        "expense early", "date", dt.date(2017, 12, 31))


def test_the_table_lists_every_reason_an_expense_is_not_booked() -> None:
    missing = Expense(**honorarium("coordinator", documentation=(), id="h1"))
    text = ledger([missing]).to_table()
    [line] = [t for t in text.splitlines() if t.startswith("not booked")]
    reasons = [r.text for r in classify(missing, RULESET).reasons if r.status == "incomplete"]
    assert len(reasons) == 2
    assert line == f"not booked 2024: h1 9,000.00 kr (incomplete: {'; '.join(reasons)})"


def test_account_year_lookup() -> None:
    account = example_account()
    assert account.year(2021).closing == Decimal("557164.75")
    with pytest.raises(InputError):
        account.year(2017)
