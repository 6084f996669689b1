"""Tests written to kill the mutants that survived the rest of the suite (docs/quality.md).

Each pins a behaviour a mutation of the rule-bearing modules changed without
any other test noticing: the exact documented renderings (JSON keys, CSV
columns, the table), the exact wording of an error and where it points, and
the edges of the rules (a boundary day, an amount on a threshold). They are
named after the rule or the format they pin, not after the mutant.
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import json
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from conftest import REPO_ROOT
from strategies_payouts import cluster, member

from kiaprules import (
    Expense,
    KiapRulesError,
    Override,
    build_ledger,
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
)
from kiaprules.engine.pricing import price_ore
from kiaprules.formats.expensefile import ledger_input_from_document
from kiaprules.model.identifiers import CprNumber
from kiaprules.model.money import per_unit_ore, product_ore

RULESET = load_ruleset("dk-kiap")
EXAMPLE_CLUSTER = REPO_ROOT / "examples" / "koegeklyngen.toml"
EXAMPLE_EXPENSES = REPO_ROOT / "examples" / "koegeklyngen-expenses.toml"


def example_expenses() -> tuple[dict[str, Any], list[Expense]]:
    return load_expense_records(EXAMPLE_EXPENSES)


# --- expenses: the documented renderings (docs/json-format.md, docs/expenses.md) -------------

HB11_MEETINGS = {"document": "Håndbog 2024", "section": "§11",
                 "quote": "Udgifter til mødeafholdelse, dvs. lokaleleje og forplejning"}
PLO_RATE_CITATION = {
    "document": "kiap.dk Klyngeadministration",
    "section": "Klyngens økonomi og udbetaling af midler",
    "quote": "Taksten pr. 1. oktober 2024 er forhandlet til 2144,03 kr. for 2 timer - svarende "
             "til en timepris på 1.072,02 kr. for en konsulenttime.",
}
HB11_CARE = {
    "document": "Håndbog 2024", "section": "§11",
    "quote": "Generelt set henstiller PLO til, at klyngerne udviser omtanke i brugen af "
             "klyngemidler og undgår arrangementer på dyre restauranter og konferencesteder.",
}


def test_an_expense_as_json_has_every_documented_field() -> None:
    report = classify_expenses(example_expenses()[1], RULESET).to_dict()
    assert report["ruleset"] == {"id": "dk-kiap", "fingerprint": RULESET.fingerprint}
    assert report["summary"] == {"allowed": 3, "needs_review": 3, "incomplete": 2,
                                 "not_allowed": 3}
    assert report["expenses"][0] == {
        "id": "2018-01", "date": "2018-11-20", "amount": "3850.00", "category": "catering",
        "payee": "Hotel Niels Juel", "payee_role": "venue",
        "description": "Forplejning, første klyngemøde", "participants": 14, "abroad": False,
        "documentation": ["attendance_list", "invoice"], "hours": None, "hourly_rate": None,
        "recipient": None, "status": "allowed", "income_type": None,
        "reasons": [{"rule": "meeting_costs_allowed", "status": "allowed",
                     "text": "meeting costs are allowed", "citation": HB11_MEETINGS}],
    }
    honorarium = report["expenses"][1]
    assert {k: honorarium[k] for k in ("hours", "hourly_rate", "recipient", "income_type")} == {
        "hours": "30", "hourly_rate": "800.00", "recipient": "CVR 12345674", "income_type": "B"}


def test_a_threshold_is_reported_with_its_figure_kind_note_and_citation() -> None:
    """A review names the figure it compared with: published (PLO's hourly rate) or a local
    policy setting (the catering limit), each with its source."""
    items = classify_expenses(example_expenses()[1], RULESET).to_dict()["expenses"]
    by_id = {e["id"]: e for e in items}
    assert by_id["2024-02"]["reasons"][1] == {
        "rule": "hourly_rate_above_recommended", "status": "needs_review",
        "text": "the hourly rate 1200.00 is above PLO's recommended 1072.02 (published figure)",
        "citation": PLO_RATE_CITATION,
        "threshold": {"parameter": "consultant_hourly_rate", "value": "1072.02",
                      "kind": "published", "note": None, "citation": PLO_RATE_CITATION},
    }
    assert by_id["2024-01"]["reasons"][1] == {
        "rule": "expensive_catering", "status": "needs_review",
        "text": "700.00 kr per participant is above 500.00 (local policy setting)",
        "citation": HB11_CARE,
        "threshold": {"parameter": "catering_review_per_participant", "value": "500.00",
                      "kind": "local_policy",
                      "note": "local policy setting: no source gives a figure; PLO asks "
                              "clusters to avoid expensive restaurants",
                      "citation": HB11_CARE},
    }


#: (amount, participants or None, hours, hourly rate, status, the reasons after the purpose
#: rule). Each figure lies exactly half an øre between two: half up and half even differ.
HALF_AN_ORE = [
    # catering: 7,000.07 / 14 = 500.005 → 500.01 (half even: 500.00), above 500.00
    ("catering", "7000.07", 14, None, None, "needs_review",
     ["500.01 kr per participant is above 500.00 (local policy setting)"]),
    # 7,000.06 / 14 = 500.004285… → 500.00: at the figure, not above it
    ("catering", "7000.06", 14, None, None, "allowed", []),
    # room rental: 14,000.07 / 14 = 1,000.005 → 1,000.01 (half even: 1,000.00), above 1,000.00
    ("room_rental", "14000.07", 14, None, None, "needs_review",
     ["1000.01 kr per participant is above 1000.00 (local policy setting)"]),
    # hours × rate: 2.5 × 900.01 = 2,250.025 → 2,250.03 (half even: 2,250.02)
    ("honorarium", "2250.03", None, "2.5", "900.01", "allowed", []),
    ("honorarium", "2250.02", None, "2.5", "900.01", "needs_review",
     ["the amount 2250.02 is not hours × rate (2.5 × 900.01 = 2250.03)"]),
]


def _half_an_ore_expense(category: str, amount: str, participants: int | None,
                         hours: str | None, rate: str | None) -> Expense:
    if category == "honorarium":
        return Expense(date=dt.date(2024, 11, 1), amount=amount, category="honorarium",
                       payee="Anne Jensen", payee_role="coordinator",
                       documentation=["contract"], hours=hours, hourly_rate=rate,
                       recipient_cvr="12345674")
    return Expense(date=dt.date(2024, 11, 1), amount=amount, category=category,
                   payee="Køge Kulturhus", payee_role="venue", participants=participants,
                   documentation=["invoice"])


@pytest.mark.parametrize(("prec", "rounding"), [
    (28, decimal.ROUND_HALF_EVEN),   # Python's default context
    (3, decimal.ROUND_HALF_EVEN),    # too few digits for 500.005
    (2, decimal.ROUND_DOWN),
    (6, decimal.ROUND_CEILING),
    (50, decimal.ROUND_05UP),
], ids=["default", "prec3-half_even", "prec2-down", "prec6-ceiling", "prec50-05up"])
def test_cost_per_participant_and_hours_times_rate_round_half_up_whatever_the_context(
        prec: int, rounding: str) -> None:
    """I6 for the expenses: the cost per participant and hours × rate are rounded half up to
    the øre, exactly; the caller's decimal context (precision, rounding) does not reach them."""
    expenses = [_half_an_ore_expense(*case[:5]) for case in HALF_AN_ORE]
    with decimal.localcontext() as context:
        context.prec = prec
        context.rounding = rounding
        results = [classify_expenses([e], RULESET).items[0] for e in expenses]
        assert per_unit_ore(Decimal("7000.07"), 14) == Decimal("500.01")
        assert per_unit_ore(Decimal("7000.06"), 14) == Decimal("500.00")
        assert product_ore(Decimal("2.5"), Decimal("900.01")) == Decimal("2250.03")
        assert product_ore(Decimal("7.5"), Decimal("1072.03")) == Decimal("8040.23")
    for case, result in zip(HALF_AN_ORE, results, strict=True):
        status, texts = case[5], case[6]
        assert (result.status, [r.text for r in result.reasons[1:]]) == (status, texts), case


EXAMPLE_EXPENSES_CSV = """\
id,date,amount,category,payee_role,recipient,income_type,status,rules,sources
2018-01,2018-11-20,3850.00,catering,venue,,,allowed,meeting_costs_allowed,Håndbog 2024 §11
2018-02,2018-12-15,24000.00,honorarium,coordinator,CVR 12345674,B,allowed,honorarium_allowed;consultant_rate_unpublished,Håndbog 2024 §11;kiap.dk Klyngeadministration Klyngens økonomi og udbetaling af midler
2019-01,2019-04-02,2400.00,lost_earnings,clinic,,,not_allowed,no_lost_earnings,Håndbog 2024 §11
2019-02,2019-05-14,7500.00,speaker_fee,speaker,,,incomplete,fee_allowed;recipient_identity,Håndbog 2024 §11;Guide til klyngestart §6
2022-01,2022-10-05,18900.00,medical_equipment,supplier,,,not_allowed,no_patient_or_clinic_costs,Håndbog 2024 §11
2023-01,2023-03-30,1200.00,room_rental,venue,,,needs_review,meeting_costs_allowed;receipts_recommended,Håndbog 2024 §11;Guide til klyngestart §7.3 Regler for budget og klyngeregnskab
2023-02,2023-04-18,1200.00,room_rental,venue,,,incomplete,meeting_costs_allowed;receipts_required,Håndbog 2024 §11;Håndbog 2024 §12
2024-01,2024-03-07,16800.00,catering,venue,,,needs_review,meeting_costs_allowed;expensive_catering,Håndbog 2024 §11;Håndbog 2024 §11
2024-02,2024-11-12,15000.00,honorarium,secretary,CPR 010180-XXXX,A,needs_review,honorarium_allowed;hourly_rate_above_recommended,Håndbog 2024 §11;kiap.dk Klyngeadministration Klyngens økonomi og udbetaling af midler
2024-03,2024-11-20,45000.00,honorarium,coordinator,CVR 12345674,B,allowed,honorarium_allowed,Håndbog 2024 §11
2024-04,2024-12-01,640.00,transport,member,,,not_allowed,no_member_transport,Håndbog 2024 §11
"""  # noqa: E501


def test_the_example_expenses_as_csv_one_decision_per_row() -> None:
    """Each of Køgeklyngen's expenses with its status, its rules and their sources."""
    assert classify_expenses(example_expenses()[1], RULESET).to_csv() == EXAMPLE_EXPENSES_CSV


def test_the_expense_table_gives_the_reasons_of_the_status_and_a_summary() -> None:
    table = classify_expenses(example_expenses()[1], RULESET).to_table()
    lines = table.splitlines()
    assert lines[0].split() == ["id", "date", "amount", "category", "role", "status", "why"]
    assert lines[-1] == "11 expenses: 3 allowed, 3 needs_review, 2 incomplete, 3 not_allowed"
    assert lines[-2] == ""
    row = next(line for line in lines if line.startswith("2024-04"))
    assert row.split()[:6] == ["2024-04", "2024-12-01", "640.00", "transport", "member",
                               "not_allowed"]
    assert row.endswith("members' transport to cluster meetings is not paid "
                        "[Håndbog 2024 §11]")
    # Only the reasons that decide the status are shown: not "meeting costs are allowed"
    # beside the review of an expensive dinner.
    dinner = next(line for line in lines if line.startswith("2024-01"))
    assert "meeting costs are allowed" not in dinner
    assert "16,800.00" in dinner


# --- the ledger: the account file's own tables ---------------------------------------------

LEDGER_ERRORS = [
    ({"account": []}, "f.toml: account: must be a table", "account", None),
    ({"account": {"cluster": ""}}, "f.toml: account: cluster: must be the cluster's name, "
     "got ''", "account", "cluster"),
    ({"account": {"cluster": "  "}}, "f.toml: account: cluster: must be the cluster's name, "
     "got '  '", "account", "cluster"),
    ({"account": {"cluster": 5}}, "f.toml: account: cluster: must be the cluster's name, got 5",
     "account", "cluster"),
    ({"account": {"opening_balance": "1.234"}}, "f.toml: account: opening_balance: must be "
     "kroner to the øre (at most two decimals), got '1.234'", "account", "opening_balance"),
    ({"account": {"colour": "red"}}, None, "account", None),
    ({"general_assembly": {"date": "2020-01-01"}}, "f.toml: general_assembly: must be a list "
     "of [[general_assembly]] tables", None, "general_assembly"),
    ({"general_assembly": [1]}, "f.toml: general_assembly: must be a list of "
     "[[general_assembly]] tables", None, "general_assembly"),
    ({"general_assembly": [{"date": "2020-01-01"}, {"date": "2020-13-01"}]},
     "f.toml: general_assembly[2]: date: must be a date YYYY-MM-DD, got '2020-13-01'",
     "general_assembly[2]", "date"),
    ({"general_assembly": [{"day": "2020-01-01"}]}, None, "general_assembly[1]", None),
    ({"budget": [{"year": 2020, "amount": "-1"}]},
     "f.toml: budget[1]: amount: must not be negative, got '-1'", "budget[1]", "amount"),
    ({"budget": [{"year": 2020, "amount": "1"}, {"year": 2020, "amount": "2"}]},
     "f.toml: budget[2]: year: a budget for 2020 is given twice", "budget[2]", "year"),
    ({"budget": [{"year": "x", "amount": "1"}]},
     "f.toml: budget[1]: year: must be a year (four digits), got 'x'", "budget[1]", "year"),
    ({"budget": [{"year": 2020}]}, None, "budget[1]", None),
    ({"budget": [{"amount": "1"}]}, None, "budget[1]", None),
    ({"budget": [{"year": 2020, "amount": "1", "note": "x"}]}, None, "budget[1]", None),
]


@pytest.mark.parametrize(("document", "message", "record", "field"), LEDGER_ERRORS)
def test_an_account_table_error_names_file_record_and_field(
        document: dict[str, Any], message: str | None, record: str | None,
        field: str | None) -> None:
    with pytest.raises(KiapRulesError) as info:
        ledger_input_from_document(document, "f.toml")
    if message is not None:
        assert str(info.value) == message
    assert info.value.path == "f.toml"
    assert info.value.record == record
    if message is not None or field is not None:
        assert info.value.field == field


def test_the_account_tables_are_read_with_defaults_and_in_order() -> None:
    empty = ledger_input_from_document({}, "f.toml")
    assert (empty.cluster, empty.opening_balance, empty.general_assemblies, empty.budgets) == (
        None, Decimal("0.00"), (), {})
    read = ledger_input_from_document(
        {"account": {"cluster": " Køgeklyngen ", "opening_balance": "12.5"},
         "general_assembly": [{"date": "2021-05-01"}, {"date": "2020-04-01"}],
         "budget": [{"year": 2020, "amount": "100"}, {"year": 2021, "amount": "0"}]}, "f.toml")
    assert read.cluster == "Køgeklyngen"
    assert read.opening_balance == Decimal("12.50")
    assert str(read.opening_balance) == "12.50"
    assert read.general_assemblies == (dt.date(2020, 4, 1), dt.date(2021, 5, 1))
    assert read.budgets == {2020: Decimal("100.00"), 2021: Decimal("0.00")}


# --- the ledger: the renderings --------------------------------------------------------------

EXAMPLE_ACCOUNT_CSV = """\
cluster,year,opening,received,booked,not_booked,closing,warnings
Køgeklyngen,2018,0.00,168110.90,27850.00,0.00,140260.90,
Køgeklyngen,2019,140260.90,144672.90,0.00,9900.00,284933.80,
Køgeklyngen,2020,284933.80,136646.95,0.00,0.00,421580.75,
Køgeklyngen,2021,421580.75,135584.00,0.00,0.00,557164.75,
Køgeklyngen,2022,557164.75,3878.40,0.00,18900.00,561043.15,
Køgeklyngen,2023,561043.15,49752.40,1200.00,1200.00,609595.55,
Køgeklyngen,2024,609595.55,76591.25,76800.00,640.00,609386.80,the general assembly on 2024-03-07 is not after 2024-03-15: PLO cannot send the year's accounts before 1 March (Håndbog 2024 §12) | spending 76800.00 kr is above the approved budget of 60000.00 kr
Køgeklyngen,2025,609386.80,79296.25,0.00,0.00,688683.05,
"""  # noqa: E501

EXAMPLE_ACCOUNT_TABLE_TAIL = """\
not booked 2019: 2019-01 2,400.00 kr (not_allowed: lost earnings of members or their clinics are never refunded from cluster funds)
not booked 2019: 2019-02 7,500.00 kr (incomplete: the recipient's CVR number (B-income) or CPR number (A-income) is missing)
not booked 2022: 2022-01 18,900.00 kr (not_allowed: funds cannot pay for medical equipment, patient treatment or running a clinic)
not booked 2023: 2023-02 1,200.00 kr (incomplete: no receipt or invoice: since 1 April 2023 every voucher goes to PLO)
not booked 2024: 2024-04 640.00 kr (not_allowed: members' transport to cluster meetings is not paid)
warning 2024: the general assembly on 2024-03-07 is not after 2024-03-15: PLO cannot send the year's accounts before 1 March (Håndbog 2024 §12)
warning 2024: spending 76800.00 kr is above the approved budget of 60000.00 kr
"""  # noqa: E501


def example_account() -> Any:
    document, expenses = example_expenses()
    cluster = load_clusters([EXAMPLE_CLUSTER])[0]
    return build_ledger(cluster, expenses, RULESET,
                        account=ledger_input_from_document(document, str(EXAMPLE_EXPENSES)))


def test_the_example_account_as_csv_carries_each_closing_to_the_next_opening() -> None:
    """Håndbog 2024 §10: unused funds carry over; one row a year, warnings joined by ' | '."""
    assert example_account().to_csv() == EXAMPLE_ACCOUNT_CSV


def test_the_account_table_lists_what_was_not_booked_and_the_warnings() -> None:
    table = example_account().to_table()
    lines = table.splitlines()
    assert lines[:2] == ["Køgeklyngen: yearly account", ""]
    assert lines[2].split() == ["year", "opening", "received", "booked", "not", "booked",
                                "closing"]
    assert lines[4].split() == ["2018", "0.00", "168,110.90", "27,850.00", "0.00",
                                "140,260.90"]
    assert lines[4].startswith("  2018")  # numbers right-aligned
    assert table.endswith(EXAMPLE_ACCOUNT_TABLE_TAIL)


def test_an_account_year_as_json() -> None:
    data = json.loads(example_account().to_json())
    first = data["years"][0]
    assert {k: v for k, v in first.items() if k != "booked"} == {
        "year": 2018, "opening": "0.00",
        "received": [{"year": 2018, "due": "2018-10-03", "amount": "168110.90"}],
        "received_total": "168110.90", "booked_total": "27850.00", "not_booked": [],
        "not_booked_total": "0.00", "closing": "140260.90", "warnings": []}
    assert [e["id"] for e in first["booked"]] == ["2018-01", "2018-02"]
    assert first["booked"][0]["status"] == "allowed"
    assert data["years"][1]["not_booked_total"] == "9900.00"
    assert [e["id"] for e in data["years"][1]["not_booked"]] == ["2019-01", "2019-02"]


def test_an_account_has_no_year_outside_its_span() -> None:
    account = example_account()
    assert account.year(2020).opening == Decimal("284933.80")
    with pytest.raises(KiapRulesError) as info:
        account.year(2017)
    assert str(info.value) == "Køgeklyngen: year: no account for 2017"


# --- payouts: what-if overrides (NAME@YEAR=VALUE) -----------------------------------------

OVERRIDES = [
    ("operating_rate@2019=4.26", "operating_rate", "4.26", dt.date(2019, 1, 1),
     dt.date(2020, 1, 1), "operating_rate = 4.26 from 2019-01-01 to 2020-01-01"),
    ("operating_rate@2019-03-01=4.26", "operating_rate", "4.26", dt.date(2019, 3, 1), None,
     "operating_rate = 4.26 from 2019-03-01 on"),
    ("operating_rate@2019-2019=4.26", "operating_rate", "4.26", dt.date(2019, 1, 1),
     dt.date(2020, 1, 1), "operating_rate = 4.26 from 2019-01-01 to 2020-01-01"),
    ("operating_rate@2019-2021=4.26", "operating_rate", "4.26", dt.date(2019, 1, 1),
     dt.date(2022, 1, 1), "operating_rate = 4.26 from 2019-01-01 to 2022-01-01"),
    # A whole number is a number of months only for a *_months parameter; a rate stays text.
    ("operating_rate@2019=4", "operating_rate", "4", dt.date(2019, 1, 1), dt.date(2020, 1, 1),
     "operating_rate = 4 from 2019-01-01 to 2020-01-01"),
    ("clawback_window_months@2020=6", "clawback_window_months", 6, dt.date(2020, 1, 1),
     dt.date(2021, 1, 1), "clawback_window_months = 6 from 2020-01-01 to 2021-01-01"),
    # The value is everything after the first '=' (the ruleset then judges it).
    ("operating_rate@2019=4.26=1", "operating_rate", "4.26=1", dt.date(2019, 1, 1),
     dt.date(2020, 1, 1), "operating_rate = 4.26=1 from 2019-01-01 to 2020-01-01"),
]


@pytest.mark.parametrize(("text", "name", "value", "start", "end", "shown"), OVERRIDES)
def test_an_override_reads_a_year_a_year_range_or_a_date(
        text: str, name: str, value: object, start: dt.date, end: dt.date | None,
        shown: str) -> None:
    override = Override.parse(text)
    assert (override.parameter, override.value, override.start, override.end) == (
        name, value, start, end)
    assert type(override.value) is type(value)
    assert str(override) == shown


BAD_OVERRIDES = [
    ("=1", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), got '=1'"),
    ("operating_rate@2019=", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), "
     "got 'operating_rate@2019='"),
    ("operating_rate@2019=  ", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), "
     "got 'operating_rate@2019=  '"),
    ("@2019=1", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), got '@2019=1'"),
    ("operating_rate2019=1", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), "
     "got 'operating_rate2019=1'"),
    ("operating_rate@2019", "--set: must be NAME@YEAR=VALUE (e.g. operating_rate@2019=4.26), "
     "got 'operating_rate@2019'"),
    ("a@b@2019=1", "--set: must be a year (four digits), got 'b@2019'"),
    ("operating_rate@2019-2020-2021=1", "--set: must be a year (four digits), got '2020-2021'"),
    ("operating_rate@2021-2019=1", "--set: year range '2021-2019' ends before it starts"),
    ("operating_rate@x=1", "--set: must be a year (four digits), got 'x'"),
    ("operating_rate@2019-x=1", "--set: must be a year (four digits), got 'x'"),
    ("operating_rate@x-2019=1", "--set: must be a year (four digits), got 'x'"),
    ("operating_rate@2019-13-01=1", "--set: must be a date YYYY-MM-DD, got '2019-13-01'"),
    ("clawback_window_months@2020=six", None),
]


@pytest.mark.parametrize(("text", "message"), BAD_OVERRIDES)
def test_a_malformed_override_is_refused_naming_the_set_option(text: str,
                                                                message: str | None) -> None:
    if message is None:  # read, and left to the ruleset to refuse
        assert Override.parse(text).value == "six"
        return
    with pytest.raises(KiapRulesError) as info:
        Override.parse(text)
    assert str(info.value) == message
    assert info.value.field == "--set"


def _leaver(left: str) -> Any:
    return cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01", capacities=2, left=left),
        member("22222", "2018-01-01", capacities=1, patients=500)])


@pytest.mark.parametrize(("window", "left", "clawed_back"), [
    (None, "2018-09-01", True),   # 8 months: within the shipped 12
    ("6", "2018-09-01", False),   # ... but not within 6
    ("6", "2018-06-30", True),    # the day before the 6-month anniversary
    ("6", "2018-07-01", False),   # on it: not within (I3)
    ("6", "2018-05-01", True),
])
def test_the_clawback_window_is_the_rulesets_number_of_months(
        window: str | None, left: str, clawed_back: bool) -> None:
    """I3 with the window as a parameter: an override of clawback_window_months moves the
    anniversary that decides whether a leaver's startup grant is clawed back."""
    overrides = [] if window is None else [f"clawback_window_months@2018-2030={window}"]
    report = compute_payouts([_leaver(left)], RULESET, years=[2019], overrides=overrides)
    kinds = {ln.kind: ln.amount for ln in report.clusters[0].year(2019).lines}
    assert ("clawback" in kinds) is clawed_back
    if clawed_back:
        assert kinds["clawback"] == Decimal("-20000.00")


def test_a_pro_rata_amount_of_exactly_half_an_ore_rounds_up() -> None:
    """I6 (half up) holds for the exact fractions of a pro-rata founding year too."""
    # 0.01 kr × 1 × (a fraction): exactly half an øre, and just below it.
    assert price_ore(Decimal("0.01"), [1], fraction=Fraction(1, 2)) == 1
    assert price_ore(Decimal("0.01"), [1], fraction=Fraction(1, 2) - Fraction(1, 10**9)) == 0
    assert price_ore(Decimal("0.01"), [3], fraction=Fraction(1, 2)) == 2
    assert price_ore(Decimal("0.01"), [1], sign=-1, fraction=Fraction(1, 2)) == -1
    assert price_ore(Decimal("0.01"), [0], fraction=Fraction(1, 2)) == 0


def test_a_missing_patient_count_names_the_clusters_file_when_the_clinic_has_none() -> None:
    """Rule 6 needs the count per 1 January of every year a clinic is paid for; the error
    points to the clinic's own file, or else to its cluster's."""
    import attrs

    built = cluster("Amagerklyngen", "2018-01-01", [member("11111", "2018-01-01",
                                                           patients={2018: 10})])
    located = attrs.evolve(built, source="clusters.toml")
    with pytest.raises(KiapRulesError) as info:
        compute_payouts([located], RULESET, years=[2019])
    assert info.value.path == "clusters.toml"
    assert info.value.field == "patients.2019"
    assert str(info.value) == (
        "clusters.toml: clinic 11111: patients.2019: no group-1 patient count for 1 January "
        "2019; the clinic is a member on 2019-01-01, so Amagerklyngen is paid for it in 2019")


def test_the_rate_of_a_year_is_the_one_in_force_on_1_january() -> None:
    """Rule 2/4: a year's operating rate is looked up on 1 January; a rate that takes effect
    on 2 January first applies the next year."""
    report = compute_payouts([_leaver("2030-01-01")], RULESET, years=[2019, 2020],
                             overrides=["operating_rate@2019-01-02=9.99"])
    rates = {y.year: [ln.rate for ln in y.lines if ln.kind == "operating"]
             for y in report.clusters[0].years}
    assert rates == {2019: [Decimal("4.33")], 2020: [Decimal("9.99")]}
    on_the_day = compute_payouts([_leaver("2030-01-01")], RULESET, years=[2019],
                                 overrides=["operating_rate@2019-01-01=9.99"])
    assert [ln.rate for ln in on_the_day.clusters[0].year(2019).lines
            if ln.kind == "operating"] == [Decimal("9.99")]


def test_a_clawback_share_says_when_the_clinic_joined_and_left_and_when_it_was_paid() -> None:
    report = compute_payouts([_leaver("2018-09-01")], RULESET, years=[2019])
    [clawback] = [ln for ln in report.clusters[0].year(2019).lines if ln.kind == "clawback"]
    assert [(m.provider_number, m.quantity, m.note) for m in clawback.members] == [
        ("11111", 2, "joined 2018-01-01, left 2018-09-01, before the end of its first year "
                     "2019-01-01; startup grant paid 2018")]


def test_a_clusters_payouts_keep_the_file_it_was_read_from() -> None:
    [koege] = load_clusters([EXAMPLE_CLUSTER])
    report = compute_payouts([koege], RULESET, years=[2019])
    assert report.clusters[0].source == koege.source == str(EXAMPLE_CLUSTER)


def test_a_cluster_without_a_cvr_number_is_reported_without_one() -> None:
    """Rule 11: a cluster needs a CVR number before funds flow; until it has one, the report
    shows none (null), not the text 'None'."""
    import attrs

    unregistered = attrs.evolve(_leaver("2030-01-01"), cvr=None)
    report = compute_payouts([unregistered], RULESET, years=[2019])
    assert report.clusters[0].cvr is None
    assert report.to_dict()["clusters"][0]["cvr"] is None
    assert compute_payouts([_leaver("2030-01-01")], RULESET,
                           years=[2019]).clusters[0].cvr == "12345674"


def test_each_leaver_gets_the_clawback_window_in_force_on_the_day_it_joined() -> None:
    """I3 with a dated window: 12 months for a clinic that joined in 2018, 6 months (an
    override from 2020) for one that joined in 2020. Both leave after 8 months."""
    two = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01", capacities=2, left="2018-09-01"),
        member("33333", "2020-01-01", capacities=3, left="2020-09-01"),
        member("22222", "2018-01-01", capacities=1, patients=500)])
    report = compute_payouts([two], RULESET, years=[2019, 2021],
                             overrides=["clawback_window_months@2020-2030=6"])
    clawed = {y.year: [m.provider_number for ln in y.lines if ln.kind == "clawback"
                       for m in ln.members] for y in report.clusters[0].years}
    assert clawed == {2019: ["11111"], 2021: []}


# --- expenses: the table, the JSON text and the CSV reader ----------------------------------

#: Three expenses, and two whose reasons wrap differently at 69 or 71 characters than at 70:
#: 2022-01's first line is exactly 70 characters, and 2024-02's second would take 71.
WRAPPED_IDS = ("2018-01", "2018-02", "2019-01", "2022-01", "2024-02")
WRAPPED_TABLE = """\
id       date           amount  category           role         status        why
-------  ----------  ---------  -----------------  -----------  ------------  ----------------------------------------------------------------------
2018-01  2018-11-20   3,850.00  catering           venue        allowed       meeting costs are allowed [Håndbog 2024 §11]
2018-02  2018-12-15  24,000.00  honorarium         coordinator  allowed       pay for work for the cluster is allowed [Håndbog 2024 §11]; PLO's
                                                                              recommended hourly rate is published only from 2024-10-01; the hourly
                                                                              rate 800.00 was not compared [kiap.dk Klyngeadministration Klyngens
                                                                              økonomi og udbetaling af midler]
2019-01  2019-04-02   2,400.00  lost_earnings      clinic       not_allowed   lost earnings of members or their clinics are never refunded from
                                                                              cluster funds [Håndbog 2024 §11]
2022-01  2022-10-05  18,900.00  medical_equipment  supplier     not_allowed   funds cannot pay for medical equipment, patient treatment or running a
                                                                              clinic [Håndbog 2024 §11]
2024-02  2024-11-12  15,000.00  honorarium         secretary    needs_review  the hourly rate 1200.00 is above PLO's recommended 1072.02 (published
                                                                              figure) [kiap.dk Klyngeadministration Klyngens økonomi og udbetaling
                                                                              af midler]

5 expenses: 2 allowed, 1 needs_review, 0 incomplete, 2 not_allowed
"""  # noqa: E501


def test_the_expense_table_layout_wraps_the_reasons_at_70_characters() -> None:
    report = classify_expenses([e for e in example_expenses()[1] if e.id in WRAPPED_IDS],
                               RULESET)
    assert report.to_table() == WRAPPED_TABLE


def test_the_expense_report_json_is_indented_utf8_text_ending_in_a_newline() -> None:
    report = classify_expenses(example_expenses()[1][:1], RULESET)
    text = report.to_json()
    assert text.startswith('{\n  "ruleset": {\n    "id": "dk-kiap",\n')
    assert '"quote": "Udgifter til mødeafholdelse, dvs. lokaleleje og forplejning"' in text
    assert text.endswith("\n}\n")
    assert json.loads(text) == report.to_dict()


CSV_HEAD = ("id,date,amount,category,payee,payee_role,description,participants,abroad,"
            "documentation,hours,hourly_rate,recipient_cvr,recipient_cpr\n")


@pytest.mark.parametrize(("written", "abroad"), [
    ("true", True), ("TRUE", True), ("yes", True), ("Yes", True), ("1", True), ("ja", True),
    ("false", False), ("FALSE", False), ("no", False), ("NO", False), ("0", False),
    ("nej", False), ("Nej", False), ("", False),
])
def test_a_csv_expense_reads_abroad_as_yes_or_no_in_english_danish_or_digits(
        tmp_path: Any, written: str, abroad: bool) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text(CSV_HEAD + f"K-1,2024-05-01,1000.00,conference,Anne Jensen,coordinator,"
                    f"Temadag,,{written},invoice;receipt,,,,\n", encoding="utf-8")
    _, [expense] = load_expense_records(path)
    assert expense.abroad is abroad
    assert expense.documentation == ("invoice", "receipt")


def test_a_csv_expense_with_another_word_for_abroad_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "expenses.csv"
    path.write_text(CSV_HEAD + "K-1,2024-05-01,1000.00,conference,Anne Jensen,coordinator,"
                    "Temadag,,maybe,invoice,,,,\n", encoding="utf-8")
    with pytest.raises(KiapRulesError) as info:
        load_expense_records(path)
    assert info.value.field == "abroad"
    assert info.value.record == "row[2] (K-1)"


# --- identifiers: the CPR number --------------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    (123, "must be a CPR number written as a string DDMMYY-SSSS, got int"),
    ("12-34", "must be a CPR number DDMMYY-SSSS (10 digits)"),
    ("320103-1234", "is not a valid CPR number: 320103 is not a date"),
])
@pytest.mark.parametrize("field", [None, "recipient_cpr"])
def test_a_bad_cpr_number_is_refused_naming_its_field_without_echoing_it(
        value: object, message: str, field: str | None) -> None:
    with pytest.raises(KiapRulesError) as info:
        CprNumber(value) if field is None else CprNumber(value, field=field)
    assert info.value.field == (field or "cpr")
    assert str(info.value) == f"{field or 'cpr'}: {message}"


def test_a_cpr_number_copied_keeps_its_birth_date_and_formats_masked() -> None:
    cpr = CprNumber("010203-1234")
    copy = CprNumber(cpr)
    assert copy == cpr
    assert copy.birth_date == dt.date(1903, 2, 1)
    assert f"{cpr:>15}|{cpr:<12}|" == "    010203-XXXX|010203-XXXX |"


def test_the_account_json_is_indented_utf8_text_ending_in_a_newline() -> None:
    text = example_account().to_json()
    assert text.startswith('{\n  "cluster": "Køgeklyngen",\n  "ruleset": {\n')
    assert text.endswith("\n}\n")


@pytest.mark.parametrize(("override", "due"), [
    ([], ["2019-03-01", "2020-03-01", "2021-03-01"]),
    (["payout_day@2020=04-01"], ["2019-03-01", "2020-04-01", "2021-03-01"]),
    # The payout day in force on 1 January decides the year's: from 2 January is next year's.
    (["payout_day@2019-01-02=04-01"], ["2019-03-01", "2020-04-01", "2021-04-01"]),
    (["payout_day@2019-01-01=04-01"], ["2019-04-01", "2020-04-01", "2021-04-01"]),
])
def test_each_years_payout_is_due_on_that_years_payout_day(override: list[str],
                                                          due: list[str]) -> None:
    """Rule 4: the yearly payout is made on the payout day (1 March) of its own year."""
    clinic = cluster("Amagerklyngen", "2018-01-01", [member("22222", "2018-01-01")])
    report = compute_payouts([clinic], RULESET, years=[2019, 2020, 2021], overrides=override)
    assert [y.due.isoformat() for y in report.clusters[0].years] == due


def test_a_clinic_from_another_cluster_after_a_short_gap_is_warned_about() -> None:
    """C3: a gap of a day or more is not a switch, so the clinic is paid as new; a gap
    under a month is warned about, naming the cluster it left and how to mark a switch."""
    old = cluster("Aklynge", "2018-01-01", [member("11111", "2018-01-01", left="2018-11-15"),
                                             member("22222", "2018-01-01")])
    between = cluster("Cklynge", "2018-01-01", [member("11111", "2018-12-01", left="2019-05-01"),
                                                 member("44444", "2018-01-01")])
    new = cluster("Bklynge", "2019-05-10", [member("11111", "2019-05-10"),
                                             member("33333", "2019-05-10")])
    report = compute_payouts([old, between, new], RULESET, years=[2019])
    assert ("clinic 11111 left Cklynge less than a month before it joined here; a gap of a "
            "day or more is not a cluster switch, so it is paid a startup grant as a new "
            "member (mark switched_from if it came by a switch)"
            ) in report.cluster("Bklynge").year(2019).warnings
    # Cklynge counted it on 1 Jan 2019, 16 days after it left Aklynge: warned there too.
    assert any("left Aklynge less than a month" in w
               for w in report.cluster("Cklynge").year(2019).warnings)
    assert not any("less than a month" in w
                   for w in report.cluster("Aklynge").year(2019).warnings)


def test_a_clawback_due_after_the_last_year_computed_is_announced() -> None:
    """I3: a leaver within its first year is clawed back the next year; if that year is not
    computed, the report says so rather than staying silent."""
    leaver = cluster("Cklynge", "2018-01-01", [member("11111", "2018-01-01", left="2018-06-01"),
                                               member("22222", "2018-01-01")])
    report = compute_payouts([leaver], RULESET, years=[2018])
    assert report.warnings == (
        "Cklynge: clinic 11111 left on 2018-06-01, within its first year; its startup grant is "
        "clawed back in 2019, after the years computed",)


def test_under_founding_only_a_late_joiner_gets_no_startup_grant_but_all_are_counted() -> None:
    """I4's alternative (founding_only): a clinic that joins after registration gets no startup
    grant, and every member's patients still count: both late joiners'."""
    members = [member("11111", "2018-01-01"), member("44444", "2018-06-01", patients=700),
               member("55555", "2018-07-01", patients=300)]
    ekl = cluster("Eklynge", "2018-01-01", members)
    default = compute_payouts([ekl], RULESET, years=[2019]).clusters[0].year(2019)
    only = compute_payouts([ekl], RULESET, years=[2019],
                           policies={"late_joiner_startup": "founding_only"}).clusters[0]
    assert [(ln.kind, ln.quantity) for ln in default.lines] == [
        ("startup", 2), ("operating", 2000), ("supplement", 2000)]
    assert [(ln.kind, ln.quantity) for ln in only.year(2019).lines] == [
        ("operating", 2000), ("supplement", 2000)]


def test_compute_payouts_refuses_what_is_not_a_cluster_naming_the_argument() -> None:
    with pytest.raises(KiapRulesError) as info:
        compute_payouts(["Køgeklyngen"], RULESET, years=[2019])  # type: ignore[list-item]
    assert str(info.value) == "clusters: must be Cluster objects, got str"
    assert info.value.field == "clusters"


def test_a_single_override_may_be_given_on_its_own_not_in_a_list() -> None:
    """One what-if as a string or an Override, not wrapped in a list, is that one override
    (a string is not read as a list of one-letter overrides)."""
    clinic = cluster("Amagerklyngen", "2018-01-01", [member("22222", "2018-01-01")])
    for one in ("operating_rate@2019=9.99", Override.parse("operating_rate@2019=9.99")):
        report = compute_payouts([clinic], RULESET, years=[2019], overrides=one)
        assert [ln.rate for ln in report.clusters[0].year(2019).lines
                if ln.kind == "operating"] == [Decimal("9.99")]


# --- expenses: every reason's words and source, over the decision table and the named cases ---


def _test_expenses() -> Any:
    """tests/expenses/test_expenses.py (its MATRIX and CASES), also when this folder runs on
    its own, without tests/expenses on the import path."""
    if "test_expenses" not in sys.modules:
        path = REPO_ROOT / "tests" / "expenses" / "test_expenses.py"
        spec = importlib.util.spec_from_file_location("test_expenses", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["test_expenses"] = module
        spec.loader.exec_module(module)
    return sys.modules["test_expenses"]


# Generated from the code and read through (last for #13: the two review rules for payees the
# sources do not name, the kiap.dk section, the Guide's §7.3 titles, role_mismatch's words):
# each rule's text as the user sees it, with the document, section and the first 40
# characters of the quote it cites.
REASON_TEXTS = {
    ('amount_not_hours_times_rate', 'the amount 9500.00 is not hours × rate (10 × 900.00 = 9000.00)', 'Håndbog 2024', '§12', 'Ved indsendelse af hver anmodning om hon'),  # noqa: E501
    ('conference_abroad_review', 'a conference abroad is allowed for the coordinator and board, but asks for care', 'Håndbog 2024', '§11', 'Generelt set henstiller PLO til, at klyn'),  # noqa: E501
    ('conference_allowed', "the coordinator's and board's conferences and theme days are allowed", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a clinic is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a consultant is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a facilitator is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a member is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a secretary is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a speaker is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a supplier is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a treasurer is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('conference_others_review', 'conferences are allowed for the coordinator and board; a venue is not named', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('consultant_rate_unpublished', "PLO's recommended hourly rate is published only from 2024-10-01; the hourly rate 900.00 was not compared", 'kiap.dk Klyngeadministration', 'Klyngens økonomi og udbetaling af midler', 'Taksten pr. 1. oktober 2024 er forhandle'),  # noqa: E501
    ('expensive_catering', '700.00 kr per participant is above 500.00 (local policy setting)', 'Håndbog 2024', '§11', 'Generelt set henstiller PLO til, at klyn'),  # noqa: E501
    ('expensive_venue', '1000.01 kr per participant is above 1000.00 (local policy setting)', 'Håndbog 2024', '§11', 'Generelt set henstiller PLO til, at klyn'),  # noqa: E501
    ('fee_allowed', 'pay for work for the cluster is allowed', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('honorarium_allowed', 'pay for work for the cluster is allowed', 'Håndbog 2024', '§11', 'Honorar til klyngekoordinator og bestyre'),  # noqa: E501
    ('honorarium_contract', 'a contract or time sheet is missing', 'Guide til klyngestart', '§6', 'Tilknytning af klyngekoordinator, kasser'),  # noqa: E501
    ('honorarium_contract', 'a contract or time sheet is missing', 'Håndbog 2024', '§12', 'Ved indsendelse af hver anmodning om hon'),  # noqa: E501
    ('honorarium_hourly_rate', 'the hourly rate (timesats) is missing', 'Håndbog 2024', '§12', 'Ved indsendelse af hver anmodning om hon'),  # noqa: E501
    ('hourly_rate_above_recommended', "the hourly rate 1200.00 is above PLO's recommended 1072.02 (published figure)", 'kiap.dk Klyngeadministration', 'Klyngens økonomi og udbetaling af midler', 'Taksten pr. 1. oktober 2024 er forhandle'),  # noqa: E501
    ('hourly_rate_above_recommended', "the hourly rate 1500.00 is above PLO's recommended 1072.02 (published figure)", 'kiap.dk Klyngeadministration', 'Klyngens økonomi og udbetaling af midler', 'Taksten pr. 1. oktober 2024 er forhandle'),  # noqa: E501
    ('hourly_rate_above_recommended', "the hourly rate 2000.00 is above PLO's recommended 1072.02 (published figure)", 'kiap.dk Klyngeadministration', 'Klyngens økonomi og udbetaling af midler', 'Taksten pr. 1. oktober 2024 er forhandle'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a board member: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a consultant: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a coordinator: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a facilitator: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a secretary: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a speaker: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a supplier: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a treasurer: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('lost_earnings_review', 'lost earnings of a venue: the sources forbid refunding them to members and their clinics only', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('meeting_cost_to_member', 'a meeting cost paid to a member or a member clinic must not hand funds back to them', 'Guide til klyngestart', '§7.3 Brug af klyngemidler', 'Klyngemidlerne kan således ikke "tilbage'),  # noqa: E501
    ('meeting_costs_allowed', 'meeting costs are allowed', 'Guide til klyngestart', '§7.3 Brug af klyngemidler', 'Evt. udgifter til konsulentbistand, særl'),  # noqa: E501
    ('meeting_costs_allowed', 'meeting costs are allowed', 'Guide til klyngestart', '§7.3 Brug af klyngemidler', 'Udgifter til mødeafholdelse dvs. lokalel'),  # noqa: E501
    ('meeting_costs_allowed', 'meeting costs are allowed', 'Håndbog 2024', '§11', 'Udgifter til mødeafholdelse, dvs. lokale'),  # noqa: E501
    ('member_special_work', 'a member may be paid only for special work agreed with the cluster, never a meeting fee', 'Håndbog 2024', '§11', 'Klyngen kan dog aftale, at enkelte medle'),  # noqa: E501
    ('mileage_allowed', 'taxable mileage for the coordinator or board to course activities is allowed', 'Håndbog 2024', '§13', 'Ved kørsel i egen bil til kursusaktivite'),  # noqa: E501
    ('mileage_in_honorarium', 'other speakers etc. get mileage as part of their honorarium, not as a separate payment', 'Håndbog 2024', '§13', 'Øvrige oplægsholdere mv. kan få udbetalt'),  # noqa: E501
    ('no_funds_to_clinics', 'funds cannot be handed to the member clinics', 'Guide til klyngestart', '§7.3 Brug af klyngemidler', 'Klyngemidlerne kan således ikke "tilbage'),  # noqa: E501
    ('no_lost_earnings', 'lost earnings of members or their clinics are never refunded from cluster funds', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke gives som refusi'),  # noqa: E501
    ('no_member_transport', "members' transport to cluster meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('no_patient_or_clinic_costs', 'funds cannot pay for medical equipment, patient treatment or running a clinic', 'Håndbog 2024', '§11', 'Klyngemidlerne kan ikke finansiere indkø'),  # noqa: E501
    ('no_study_trips_abroad', "funds cannot pay for study trips abroad for the cluster's members", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('other_review', "the category 'other' is not one the sources decide", 'Håndbog 2024', '§11', 'Klyngens midler kan i henhold til overen'),  # noqa: E501
    ('participants_missing', 'without the number of participants the cost per participant cannot be checked', 'Håndbog 2024', '§11', 'Generelt set henstiller PLO til, at klyn'),  # noqa: E501
    ('receipts_recommended', 'no receipt or invoice: the Guide asks clusters to keep them', 'Guide til klyngestart', '§7.3 Regler for budget og klyngeregnskab', 'Det anbefales også, at man gemmer faktur'),  # noqa: E501
    ('receipts_required', 'no receipt or invoice: since 1 April 2023 every voucher goes to PLO', 'Håndbog 2024', '§12', 'Alle klyngens bonner og bilag fra mødeak'),  # noqa: E501
    ('recipient_ambiguous', 'both a CVR and a CPR number are given; the recipient names one', 'Håndbog 2024', '§12', 'I forbindelse med udbetaling af honorare'),  # noqa: E501
    ('recipient_identity', "taxable mileage needs the recipient's CVR or CPR number", 'Håndbog 2024', '§13', 'Ved kørsel i egen bil til kursusaktivite'),  # noqa: E501
    ('recipient_identity', "the recipient's CVR number (B-income) or CPR number (A-income) is missing", 'Guide til klyngestart', '§6', 'Honoraret skal indberettes til SKAT af k'),  # noqa: E501
    ('recipient_identity', "the recipient's CVR number (B-income) or CPR number (A-income) is missing", 'Håndbog 2024', '§12', 'I forbindelse med udbetaling af honorare'),  # noqa: E501
    ('role_mismatch', 'consultant fee paid to a supplier: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('role_mismatch', 'consultant fee paid to a venue: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('role_mismatch', 'facilitator fee paid to a supplier: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('role_mismatch', 'facilitator fee paid to a venue: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('role_mismatch', 'honorarium paid to a supplier: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til klyngekoordinator og bestyre'),  # noqa: E501
    ('role_mismatch', 'honorarium paid to a venue: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til klyngekoordinator og bestyre'),  # noqa: E501
    ('role_mismatch', 'speaker fee paid to a supplier: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('role_mismatch', 'speaker fee paid to a venue: not a combination the sources decide', 'Håndbog 2024', '§11', 'Honorar til oplægsholder, facilitatorer '),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a board member: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a consultant: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a coordinator: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a facilitator: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a secretary: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a speaker: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a supplier: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a treasurer: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_abroad_review', "a study trip abroad for a venue: the sources forbid it for the cluster's members only", 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('study_trip_review', 'a study trip in Denmark is neither allowed nor forbidden by the sources', 'Håndbog 2024', '§11', 'Klyngemidler kan finansiere klyngekoordi'),  # noqa: E501
    ('transport_review', "transport for a board member is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a consultant is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a coordinator is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a facilitator is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a secretary is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a speaker is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a supplier is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a treasurer is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
    ('transport_review', "transport for a venue is not decided by the sources; members' transport to meetings is not paid", 'Håndbog 2024', '§11', 'Der udbetales heller ikke for medlemmern'),  # noqa: E501
}


def test_every_reason_has_its_words_and_its_source() -> None:
    """The reasons an expense is given, for every category × role and every named case of the
    decision table (docs/expenses.md): the exact sentence and the source it cites."""
    cases = _test_expenses()
    CASES, MATRIX, documented, run_classify = (
        cases.CASES, cases.MATRIX, cases.documented, cases.run_classify)

    seen = set()
    results = [run_classify(p.values[0]) for p in CASES]
    results += [run_classify(documented(c, r, abroad=a)) for (c, a, r) in MATRIX]
    for result in results:
        for reason in result.reasons:
            seen.add((reason.rule, reason.text, reason.citation.document,
                      reason.citation.section, reason.citation.quote[:40]))
    assert seen == REASON_TEXTS
