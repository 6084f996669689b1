"""Every result's records and frames: the columns pinned, one vocabulary, money exact.

Each result object has ``to_records()`` (flat dicts, one a row) and
``to_frame()`` (a pandas DataFrame of the same rows); docs/records.md says
what a row is and what each column means. Here: the columns of each result,
pinned; every value of the type the vocabulary (``kiaprules.model.records.COLUMNS``)
gives it; the frames under each money mode equal to the records; and the
results without a payout report behind them (expenses, accounts, rulesets,
the published examples) adding up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from conftest import EXAMPLES
from sample_results import sample_results

import kiaprules
from kiaprules import load_expense_records, load_ruleset
from kiaprules.model.records import COLUMNS, Records

RESULTS = sample_results()
REPORT = RESULTS["PayoutReport"]
RULESET = load_ruleset()
_, EXPENSES = load_expense_records(EXAMPLES / "koegeklyngen-expenses.toml")

LINE = ("cluster", "year", "due", "kind", "quantity", "rate", "fraction", "amount", "paid",
        "withheld", "parameter", "value_from", "assumption", "rule", "document", "section")
KIND_COLUMNS = ("startup", "operating", "supplement", "clawback")
#: The columns of each result, in order: a change here is a change of a public contract.
PINNED = {
    "PayoutReport": LINE,
    "ClusterPayouts": ("cluster", "year", "due", "clinics", *KIND_COLUMNS, "amount", "paid",
                       "withheld", "rests_on_assumption"),
    "NationalSummary": ("year", "clusters", "clinics", "patients", *KIND_COLUMNS, "amount",
                        "withheld", "rests_on_assumption"),
    "Comparison": ("cluster", "year", "base_amount", "variant_amount", "difference",
                   "startup_difference", "operating_difference", "supplement_difference",
                   "clawback_difference"),
    "Sweep": ("variant_number", "variant", "year", "amount", "difference"),
    "Reproduction": ("example", "document", "section", "label", "kind", "year", "printed",
                     "computed", "difference", "status", "explanation"),
    "ExpenseReport": ("id", "date", "year", "amount", "category", "payee", "payee_role",
                      "description", "recipient", "income_type", "status", "rules"),
    "Account": ("cluster", "year", "opening", "received", "booked", "not_booked", "closing",
                "warnings"),
    "Ruleset": ("parameter", "unit", "value_from", "value_until", "value", "status", "reason",
                "document", "section", "quote"),
    "Explanation": LINE,
}


def result_names() -> list[str]:
    return sorted(RESULTS)


@pytest.fixture
def pandas() -> None:
    """The frame tests need pandas (the extra kiaprules[pandas], in the test extra too)."""
    pytest.importorskip("pandas")


def test_every_result_with_records_is_pinned_here() -> None:
    pinned = {name.partition(" (")[0] for name in RESULTS}
    assert pinned == set(PINNED)
    public = {name for name in kiaprules.__all__
              if isinstance(getattr(kiaprules, name), type)
              and issubclass(getattr(kiaprules, name), Records)}
    assert public == set(PINNED)


@pytest.mark.parametrize("name", result_names())
def test_the_records_have_the_pinned_columns_in_order(name: str) -> None:
    result = RESULTS[name]
    columns = PINNED[name.partition(" (")[0]]
    assert columns == type(result).RECORD_COLUMNS
    records = result.to_records()
    assert records, name
    assert all(list(row) == list(columns) for row in records)


@pytest.mark.parametrize("name", result_names())
def test_every_value_is_of_the_type_the_vocabulary_gives_its_column(name: str) -> None:
    for row in RESULTS[name].to_records():
        for column, value in row.items():
            assert COLUMNS[column].accepts(value), (column, value)
            if COLUMNS[column].kind == "money":
                assert value.as_tuple().exponent == -2, (column, value)  # to the øre


def test_a_column_means_one_thing_across_results() -> None:
    """The same name never stands for two kinds of value (a text here, money there)."""
    kinds: dict[str, set[type]] = {}
    for result in RESULTS.values():
        for row in result.to_records():
            for column, value in row.items():
                if value is not None:
                    kinds.setdefault(column, set()).add(type(value))
    mixed = {c: t for c, t in kinds.items() if len(t) > 1 and c != "value"}
    assert mixed == {}, mixed
    assert kinds["value"] == {Decimal, int, str}  # the ruleset's own kinds of value
    assert kinds["fraction"] == {Fraction}  # the pro-rata founding year (I1)
    assert kinds["due"] == kinds["date"] == kinds["value_from"] == {dt.date}


@pytest.mark.parametrize("name", result_names())
def test_the_frame_holds_the_records_exactly(name: str, pandas: None) -> None:
    result = RESULTS[name]
    records = result.to_records()
    frame = result.to_frame()
    assert list(frame.columns) == list(result.RECORD_COLUMNS)
    assert len(frame) == len(records)
    back = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert back == records
    for column in frame.columns:
        if COLUMNS[column].kind == "money":
            assert frame[column].dtype == object
            assert all(type(v) is Decimal for v in frame[column])


@pytest.mark.parametrize("name", result_names())
def test_ore_columns_are_whole_numbers_named_for_it(name: str, pandas: None) -> None:
    result = RESULTS[name]
    records = result.to_records()
    frame = result.to_frame(money="ore")
    money = [c for c in result.RECORD_COLUMNS if COLUMNS[c].kind == "money"]
    assert list(frame.columns) == [f"{c}_ore" if c in money else c
                                   for c in result.RECORD_COLUMNS]
    for column in money:
        assert str(frame[f"{column}_ore"].dtype) == "int64"
        assert [Decimal(v) / 100 for v in frame[f"{column}_ore"]] == [r[column] for r in records]


@pytest.mark.parametrize("name", result_names())
def test_floats_only_when_asked_for_by_name(name: str, pandas: None) -> None:
    result = RESULTS[name]
    money = [c for c in result.RECORD_COLUMNS if COLUMNS[c].kind == "money"]
    exact = result.to_frame()
    floats = result.to_frame(money="float")
    assert list(floats.columns) == list(result.RECORD_COLUMNS)
    for column in result.RECORD_COLUMNS:
        if column in money:
            assert str(floats[column].dtype) == "float64"
            assert list(floats[column]) == [float(v) for v in exact[column]]
        else:
            assert floats[column].dtype == exact[column].dtype
    # Nothing else is ever a float: rates stay Decimal, even under "float".
    for column, dtype in exact.dtypes.items():
        assert str(dtype) != "float64", column


def test_totals_sum_to_the_ore_in_the_frame_too(pandas: None) -> None:
    assert REPORT.to_frame()["amount"].sum() == REPORT.total
    assert REPORT.to_frame(money="ore")["amount_ore"].sum() == REPORT.total * 100
    summary = RESULTS["NationalSummary"]
    assert summary.to_frame()["amount"].sum() == summary.total  # type: ignore[attr-defined]
    by_year = REPORT.to_frame().groupby("year")["amount"].sum()
    assert {y: by_year[y] for y in by_year.index} == {y.year: y.total
                                                      for y in REPORT.clusters[0].years}


@pytest.mark.parametrize("money", ["Decimal", "", "int", "øre", None, 2])
def test_an_unknown_money_mode_is_refused_by_name(money: Any, pandas: None) -> None:
    from kiaprules import InputError

    with pytest.raises(InputError, match="money: must be 'decimal', 'ore' or 'float'") as caught:
        REPORT.to_frame(money=money)
    assert isinstance(caught.value, TypeError) is (not isinstance(money, str))


# --- the results without a payout report behind them ------------------------------------


def test_expense_rows_are_the_expenses_with_their_one_status() -> None:
    report = RESULTS["ExpenseReport"]
    rows = report.to_records()
    assert sum((r["amount"] for r in rows), Decimal(0)) == sum(e.amount for e in EXPENSES)
    assert [(r["id"], r["status"]) for r in rows] == [
        (c.expense.id, c.status) for c in report.items]  # type: ignore[attr-defined]
    assert all(r["year"] == r["date"].year for r in rows)
    person = next(r for r in rows if r["recipient"] and r["recipient"].startswith("CPR"))
    assert person["recipient"].endswith("-XXXX")


def test_account_rows_close_as_they_open_and_carry_over() -> None:
    rows = RESULTS["Account"].to_records()
    for row in rows:
        assert row["closing"] == row["opening"] + row["received"] - row["booked"]
    for before, after in itertools.pairwise(rows):
        assert after["opening"] == before["closing"]
    received = sum((r["received"] for r in rows), Decimal(0))
    assert received == REPORT.total


def test_ruleset_rows_are_every_dated_value_and_join_the_lines() -> None:
    rows = RULESET.to_records()
    assert len(rows) == sum(len(p.values) for p in RULESET.parameters.values())
    operating = [(r["value_from"], r["value"]) for r in rows if r["parameter"] == "operating_rate"]
    assert (dt.date(2024, 1, 1), Decimal("3.55")) in operating
    assert next(r["value"] for r in rows if r["parameter"] == "payout_day") == "03-01"
    # A line's parameter and value_from name the ruleset row its rate comes from.
    dated = {(r["parameter"], r["value_from"]): r for r in rows}
    for line in REPORT.to_records():
        row = dated[(line["parameter"], line["value_from"])]
        assert row["value"] == line["rate"]
        assert (row["document"], row["section"]) == (line["document"], line["section"])


def test_reproduction_rows_are_a_figure_for_each_year_it_stands_for() -> None:
    result = RESULTS["Reproduction"]
    rows = result.to_records()
    assert len(rows) == sum(len(r.figure.years) for r in result.results)  # type: ignore[attr-defined]
    for row in rows:
        assert row["difference"] == row["computed"] - row["printed"]
        assert (row["status"] == "reproduced") == (row["difference"] == 0)
    assert {r["status"] for r in rows} == {"reproduced", "not_reproduced"}
