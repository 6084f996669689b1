"""Every data-driven failure of the public API is a KiapRulesError (issue #14).

A wrong argument type is a ``TypeError`` too (:class:`InputTypeError`), so a
caller catching either catches it; nothing the data does escapes as a bare
``ValueError``, ``TypeError``, ``AttributeError``, ``OverflowError`` or
``decimal.InvalidOperation``. Hypothesis hands every public entry point
arbitrary values where data belongs; the named cases are the ones the
attack on the library found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kiaprules
from kiaprules import (
    Cluster,
    CprNumber,
    CvrNumber,
    Expense,
    InputTypeError,
    KiapRulesError,
    LedgerInput,
    Override,
    PatientCounts,
    ProviderNumber,
    build_ledger,
    classify,
    compute_payouts,
    load_clusters,
    load_ruleset,
    national_summary,
    sweep,
    to_money,
)
from kiaprules.cli import main

REPO = Path(__file__).resolve().parents[2]
KOEGE = REPO / "examples" / "koegeklyngen.toml"
RULESET = load_ruleset()
CLUSTERS = load_clusters(KOEGE)
DAY = dt.date(2024, 5, 1)

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.decimals() | st.dates() | st.binary(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=5)

ENTRY_POINTS: dict[str, Callable[[Any], object]] = {
    "load_clusters": load_clusters,
    "load_ruleset": load_ruleset,
    "compute_payouts(clusters)": lambda x: compute_payouts(x, RULESET),
    "compute_payouts(years)": lambda x: compute_payouts(CLUSTERS, RULESET, years=x),
    "compute_payouts(overrides)": lambda x: compute_payouts(CLUSTERS, RULESET, overrides=x),
    "compute_payouts(policies)": lambda x: compute_payouts(CLUSTERS, RULESET, policies=x),
    "national_summary(years)": lambda x: national_summary(CLUSTERS, RULESET, years=x),
    "sweep(variants)": lambda x: sweep(CLUSTERS, x, RULESET),
    "classify": lambda x: classify(x, RULESET),
    "Ruleset.lookup(on)": lambda x: RULESET.lookup("operating_rate", x),
    "Ruleset.lookup(name)": lambda x: RULESET.lookup(x, DAY),
    "Override.parse": Override.parse,
    "to_money": to_money,
    "CvrNumber": CvrNumber,
    "ProviderNumber": ProviderNumber,
    "CprNumber": CprNumber,
    "PatientCounts": PatientCounts,
    "Cluster(name)": lambda x: Cluster(name=x, founded=DAY),
    "Cluster(founded)": lambda x: Cluster(name="K", founded=x),
    "Expense(amount)": lambda x: Expense(date=DAY, amount=x, category="catering",
                                         payee="Kro", payee_role="venue"),
    "Expense(hourly_rate)": lambda x: Expense(date=DAY, amount="100.00",
                                              category="honorarium", payee="A",
                                              payee_role="coordinator", hours="1",
                                              hourly_rate=x),
    "LedgerInput(opening_balance)": lambda x: LedgerInput(opening_balance=x),
    "LedgerInput(budgets)": lambda x: LedgerInput(budgets=x),
    "build_ledger(years)": lambda x: build_ledger(CLUSTERS[0], [], RULESET, years=x),
    "explain(year)": lambda x: compute_payouts(CLUSTERS, RULESET).explain(
        CLUSTERS[0].name, x),
    "explain(cluster)": lambda x: compute_payouts(CLUSTERS, RULESET).explain(x, 2020),
    "loads_clusters": lambda x: kiaprules.loads_clusters(x, fmt="toml"),
    "dumps_clusters": lambda x: kiaprules.dumps_clusters(x),
    "load_expense_records": kiaprules.load_expense_records,
    "load_published": kiaprules.load_published,
    "reproduce(files)": lambda x: kiaprules.reproduce(x),
    "verify_receipt": kiaprules.verify_receipt,
    "check_registration": kiaprules.check_registration,
    "compare_reports": lambda x: kiaprules.compare_reports(
        compute_payouts(CLUSTERS, RULESET), x),
    "Clinic(capacities)": lambda x: kiaprules.Clinic(provider_number="012345", capacities=x),
    "Clinic(patients)": lambda x: kiaprules.Clinic(provider_number="012345", capacities=1,
                                                   patients=x),
    "Membership(joined)": lambda x: kiaprules.Membership(
        clinic=CLUSTERS[0].memberships[0].clinic, joined=x),
    "Membership(left)": lambda x: kiaprules.Membership(
        clinic=CLUSTERS[0].memberships[0].clinic, joined=DAY, left=x),
    "Cluster(memberships)": lambda x: Cluster(name="K", founded=DAY, memberships=x),
    "Expense(date)": lambda x: Expense(date=x, amount="1.00", category="catering",
                                       payee="Kro", payee_role="venue"),
    "Expense(participants)": lambda x: Expense(date=DAY, amount="1.00", category="catering",
                                               payee="Kro", payee_role="venue",
                                               participants=x),
    "Expense(documentation)": lambda x: Expense(date=DAY, amount="1.00", category="catering",
                                                payee="Kro", payee_role="venue",
                                                documentation=x),
    "Expense(category)": lambda x: Expense(date=DAY, amount="1.00", category=x,
                                           payee="Kro", payee_role="venue"),
    "Ruleset.with_override(value)": lambda x: RULESET.with_override(
        "operating_rate", x, dt.date(2020, 1, 1)),
    "Ruleset.with_override(start)": lambda x: RULESET.with_override("operating_rate", "4.00", x),
    "Override(value)": lambda x: compute_payouts(CLUSTERS, RULESET, overrides=[
        Override(parameter="clawback_window_months", value=x, start=dt.date(2018, 1, 1))]),
    "sweep(variant overrides)": lambda x: sweep(CLUSTERS, [{"name": "v", "overrides": x}],
                                                RULESET),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@given(value=anything)
def test_any_value_where_data_belongs_is_taken_or_refused_as_a_kiaprules_error(
        entry: str, value: Any) -> None:
    # Taken, or refused as a KiapRulesError; any other exception fails the test.
    with contextlib.suppress(KiapRulesError):
        ENTRY_POINTS[entry](value)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: load_clusters("a\x00.toml"), "NUL"),
    (lambda: load_clusters(5), "must be a path"),
    (lambda: compute_payouts(CLUSTERS, RULESET, overrides=[5]), "must be an Override"),
    (lambda: compute_payouts(CLUSTERS, RULESET, policies={"rounding": ["line"]}), "are text"),
    (lambda: compute_payouts(CLUSTERS, RULESET, policies=["rounding"]), "must be a table"),
    (lambda: classify(None, RULESET), "must be an Expense"),  # type: ignore[arg-type]
    (lambda: LedgerInput(opening_balance=1.5), "float"),
    (lambda: LedgerInput(budgets=[2024]), "must be a table"),
])
def test_a_wrong_type_is_a_type_error_and_a_kiaprules_error(
        call: Callable[[], object], words: str) -> None:
    with pytest.raises(KiapRulesError, match=words) as info:
        call()
    assert isinstance(info.value, TypeError | ValueError)


@pytest.mark.parametrize(("call", "field", "words"), [
    (lambda: compute_payouts(CLUSTERS, RULESET, overrides=["operating_rate@2020=" + "9" * 32]),
     "operating_rate", "too large"),
    (lambda: compute_payouts(CLUSTERS, RULESET,
                             overrides=["clawback_window_months@2018=1000000000000000000"]),
     "clawback_window_months", "from 0 to 1,200"),
    (lambda: compute_payouts(CLUSTERS, RULESET, overrides=["clawback_window_months@2018=-5"]),
     "clawback_window_months", "from 0 to 1,200"),
    (lambda: Cluster(name="K", founded=DAY, registered=dt.date(9999, 12, 31)),
     "registered", "1900–2200"),
    (lambda: Expense(date=DAY, amount="100.00", category="honorarium", payee="A",
                     payee_role="coordinator", hours="10", hourly_rate="1" + "0" * 30),
     "hourly_rate", "too large"),
])
def test_out_of_range_values_are_refused_naming_the_field(
        call: Callable[[], object], field: str, words: str) -> None:
    with pytest.raises(KiapRulesError, match=words) as info:
        call()
    assert info.value.field == field


def test_a_lookup_takes_iso_text_for_its_day() -> None:
    assert RULESET.lookup("operating_rate", "2024-01-01") == \
        RULESET.lookup("operating_rate", dt.date(2024, 1, 1))


@pytest.mark.parametrize("value", ["9" * 32, "1e30"])
def test_the_command_line_refuses_a_huge_rate_with_exit_2(
        value: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["payouts", str(KOEGE), "--set", f"operating_rate@2020={value}"],
                  out=io.StringIO())
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("kiaprules: error: operating_rate: ") and err.count("\n") == 1


def test_a_huge_value_is_quoted_by_a_short_prefix_only(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "9" * 10_000_000
    status = main(["payouts", str(KOEGE), "--set", f"operating_rate@2020=x{huge}"],
                  out=io.StringIO())
    err = capsys.readouterr().err
    assert status == 2
    assert len(err) < 1000


def test_the_public_errors_are_one_hierarchy() -> None:
    assert issubclass(kiaprules.InputTypeError, kiaprules.InputError)
    assert issubclass(kiaprules.InputTypeError, TypeError)
    assert issubclass(kiaprules.MoneyTypeError, kiaprules.InputTypeError)
    assert isinstance(InputTypeError("x"), KiapRulesError)
