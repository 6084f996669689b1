"""Objects behave like values (issue #14): pickled, copied, sent to a process pool.

Every public class of ``kiaprules.__all__`` and every error of
:mod:`kiaprules.errors` is built here from the shipped examples (or, for an
error, from the bad input that raises it), and round-tripped: pickled at
every protocol, ``copy.deepcopy``, ``copy.copy``, and through the workers of
a ``ProcessPoolExecutor``. What comes back is of the same type, equal (``==``),
hashes alike where the original hashes, renders the same (``str``, ``repr``,
``to_dict``, ``to_json``, ``to_csv``, ``to_table``, ``to_text``, HTML), and is
still immutable. A CPR number stays masked in everything but
:meth:`CprNumber.unmasked`.

Each value is rebuilt by its own constructor (attrs' generated ``__init__``
and its validators, or the class's ``__reduce__``), never by bypassing it.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import multiprocessing
import pickle
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES, REPO_ROOT, clusters, unmasked_forms
from hypothesis import given, settings
from strategies_payouts import scenarios

import kiaprules
from kiaprules import (
    Cluster,
    ConflictError,
    CprNumber,
    InputError,
    KiapRulesError,
    Membership,
    MissingExtraError,
    MoneyTypeError,
    NotCoveredError,
    Override,
    RulesetError,
    Variant,
    build_ledger,
    check_registration,
    classify,
    classify_expenses,
    compare_reports,
    compute_payouts,
    dumps_clusters,
    load_clusters,
    load_expense_records,
    load_published,
    load_ruleset,
    make_receipt,
    national_summary,
    reproduce,
    sweep,
    to_money,
    verify_receipt,
)
from kiaprules import errors as errors_module
from kiaprules.audit.receipt import write_receipt
from kiaprules.formats.expensefile import ledger_input_from_document

DENMARK = EXAMPLES / "denmark.json"
EXPENSES = EXAMPLES / "koegeklyngen-expenses.toml"
CORPUS = REPO_ROOT / "tests" / "bad_input" / "corpus"
PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)
#: The example expense paid to a person names them by CPR number.
EXAMPLE_CPR = "010180-1234"


def _pickled(protocol: int) -> Callable[[Any], Any]:
    def round_trip(value: Any) -> Any:
        return pickle.loads(pickle.dumps(value, protocol=protocol))
    round_trip.__name__ = f"pickle protocol {protocol}"
    return round_trip


ROUND_TRIPS: dict[str, Callable[[Any], Any]] = {
    **{f"pickle-{p}": _pickled(p) for p in PROTOCOLS},
    "deepcopy": copy.deepcopy,
    "copy": copy.copy,
}


# --- the values, built from the shipped examples ---------------------------------------


def build_values(folder: Path) -> dict[str, Any]:
    """One value (or more) of every public class, from examples/ and the shipped data."""
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    country = load_clusters(DENMARK)
    ruleset = load_ruleset()
    report = compute_payouts(cluster)
    cluster_payouts = report.clusters[0]
    year = next(y for y in cluster_payouts.years if y.lines)
    line = next(ln for ln in year.lines if ln.members)
    membership = cluster.memberships[0]
    override = Override.parse("operating_rate@2019=4.26")
    variant_report = compute_payouts(cluster, overrides=[override])
    _, expenses = load_expense_records(EXPENSES)
    paid_to_a_person = next(e for e in expenses if e.recipient_cpr is not None)
    account_input = ledger_input_from_document(tomllib.loads(EXPENSES.read_text("utf-8")),
                                               str(EXPENSES))
    account = build_ledger(cluster, expenses, ruleset, account=account_input)
    receipt = folder / "receipt.json"
    write_receipt(receipt, make_receipt([cluster], ruleset))
    operating = ruleset.parameter("operating_rate")
    resolved = ruleset.lookup("operating_rate", dt.date(2024, 1, 1))
    month_day = next(v.value for p in ruleset.parameters.values() if p.kind == "month_day"
                     for v in p.values)
    variant = Variant(name="higher rate", overrides=[override])
    return {
        "Cluster": cluster,
        "Cluster (the country's first)": country[0],
        "Membership": membership,
        "Clinic": membership.clinic,
        "PatientCounts": membership.clinic.patients,
        "CvrNumber": cluster.cvr,
        "ProviderNumber": membership.provider_number,
        "CprNumber": paid_to_a_person.recipient_cpr,
        "PayoutReport": report,
        "PayoutReport (detail=False, the country)": compute_payouts(country, years=[2024],
                                                                    detail=False),
        "ClusterPayouts": cluster_payouts,
        "YearPayout": year,
        "Line": line,
        "MemberShare": line.members[0],
        "Rule": line.rule,
        "Citation": line.citation,
        "Ruleset": ruleset,
        "Ruleset (with an override)": override.apply(ruleset),
        "Parameter": operating,
        "DatedValue": operating.values[0],
        "ResolvedValue": resolved,
        "Policy": next(iter(ruleset.policies.values())),
        "MonthDay": month_day,
        "Override": override,
        "Expense": expenses[0],
        "Expense (paid to a person)": paid_to_a_person,
        "Classification": classify(paid_to_a_person, ruleset),
        "ExpenseReport": classify_expenses(expenses, ruleset),
        "LedgerInput": account_input,
        "Account": account,
        "AccountYear": account.years[0],
        "NationalSummary": national_summary(country, years=[2023, 2024]),
        "Variant": variant,
        "Sweep": sweep(country, [variant], years=[2024]),
        "Explanation": report.explain(year=year.year),
        "Comparison": compare_reports(report, variant_report),
        "RegistrationProblem": check_registration(
            Cluster(name="Ny", founded=dt.date(2019, 3, 1)))[0],
        "PublishedExample": load_published(REPO_ROOT / "published" / "guide-7.2-example-1.toml"),
        "Reproduction": reproduce(),
        "Verification": verify_receipt(receipt),
    }


NAMES = [
    "Cluster", "Cluster (the country's first)", "Membership", "Clinic", "PatientCounts",
    "CvrNumber", "ProviderNumber", "CprNumber", "PayoutReport",
    "PayoutReport (detail=False, the country)", "ClusterPayouts", "YearPayout", "Line",
    "MemberShare", "Rule", "Citation", "Ruleset", "Ruleset (with an override)", "Parameter",
    "DatedValue", "ResolvedValue", "Policy", "MonthDay", "Override", "Expense",
    "Expense (paid to a person)", "Classification", "ExpenseReport", "LedgerInput", "Account",
    "AccountYear", "NationalSummary", "Variant", "Sweep", "Explanation", "Comparison",
    "RegistrationProblem", "PublishedExample", "Reproduction", "Verification",
]


def _raised(call: Callable[[], object]) -> KiapRulesError:
    try:
        call()
    except KiapRulesError as exc:
        return exc
    raise AssertionError(f"{call} raised nothing")


def _overlapping() -> list[Cluster]:
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    first = cluster.memberships[0]
    twin = attrs.evolve(first, source="clinic[9]", path="other.toml")
    return [cluster, Cluster(name="Andetklyngen", founded=first.joined, memberships=[twin])]


def _without_matplotlib(call: Callable[[], object]) -> KiapRulesError:
    """The error ``call`` raises where matplotlib cannot be imported."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "matplotlib.figure", None)  # type: ignore[arg-type]
        return _raised(call)


def _without_pandas(call: Callable[[], object]) -> KiapRulesError:
    """The error ``call`` raises where pandas, an optional extra, is not installed."""
    with mock.patch.dict(sys.modules, {"pandas": None}):  # None: "import pandas" fails
        error = _raised(call)
    assert type(error) is MissingExtraError
    return error


def build_errors() -> dict[str, KiapRulesError]:
    """Every error class, as raised by the library on bad input where one raises it."""
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    _, expenses = load_expense_records(EXPENSES)
    early = attrs.evolve(expenses[0], date=cluster.founded - dt.timedelta(days=1))
    return {
        "InputError (a file's record and field)":
            _raised(lambda: load_clusters(CORPUS / "clusters" / "capacities-zero.toml")),
        "InputError (with a date)":
            _raised(lambda: build_ledger(cluster, [early], load_ruleset())),
        "InputError (a CPR number in the reason)":
            _raised(lambda: kiaprules.CvrNumber(EXAMPLE_CPR)),
        "InputError (located twice)": InputError(
            "must be a whole number", field="capacities").located(
            path="a.toml", record="clinic[2] (012345)"),
        "MoneyTypeError": _raised(lambda: to_money(1.5, field="amount")),
        "InputTypeError": _raised(lambda: load_clusters(5)),  # type: ignore[arg-type]
        "MissingExtraError": _without_pandas(lambda: compute_payouts(cluster).to_frame()),
        "ConflictError": _raised(lambda: compute_payouts(_overlapping())),
        "RulesetError":
            _raised(lambda: load_ruleset(CORPUS / "rulesets" / "citation-missing.toml")),
        "NotCoveredError":
            _raised(lambda: load_ruleset().lookup("operating_rate", dt.date(1990, 1, 1))),
        "MissingExtraError (charts)": _without_matplotlib(
            lambda: compute_payouts([cluster], years=[2019]).plot()),
        "KiapRulesError": KiapRulesError("the root", path="p.toml", record="r", field="f",
                                         date=dt.date(2024, 2, 29)),
    }


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_values(tmp_path_factory.mktemp("values"))


@pytest.fixture(scope="module")
def errors() -> dict[str, KiapRulesError]:
    return build_errors()


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    # Spawned workers share nothing with this process: everything they get and
    # give back crosses as pickled bytes.
    with ProcessPoolExecutor(max_workers=2,
                             mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


# --- what "the same value" means ---------------------------------------------------------

RENDERINGS = ("to_dict", "to_data", "to_json", "to_csv", "to_table", "to_text", "_repr_html_",
              "to_records")


def renderings(value: Any) -> dict[str, Any]:
    """Everything the value shows of itself: str, repr and each rendering it has."""
    shown: dict[str, Any] = {"str": str(value), "repr": repr(value)}
    for name in RENDERINGS:
        method = getattr(value, name, None)
        if callable(method):
            shown[name] = method()
    if isinstance(value, Mapping):
        shown["items"] = list(value.items())
    return shown


def assert_same_value(back: Any, original: Any) -> None:
    assert type(back) is type(original)
    assert back == original
    assert not back != original  # noqa: SIM202 (__ne__ is its own method)
    try:
        expected_hash = hash(original)
    except TypeError:
        pass  # an unhashable value (a mapping field) stays unhashable
    else:
        assert hash(back) == expected_hash
    assert renderings(back) == renderings(original)


def assert_still_immutable(value: Any) -> None:
    name = attrs.fields(type(value))[0].name if attrs.has(type(value)) else "anything"
    with pytest.raises(AttributeError):
        setattr(value, name, None)


def assert_same_error(back: KiapRulesError, original: KiapRulesError) -> None:
    assert type(back) is type(original)
    assert str(back) == str(original)
    assert back.args == original.args
    assert back.to_dict() == original.to_dict()
    for field in ("reason", "path", "record", "field", "date"):
        assert getattr(back, field) == getattr(original, field), field


# --- the tests ---------------------------------------------------------------------------


def test_every_public_class_has_a_value_here(values: dict[str, Any],
                                             errors: dict[str, KiapRulesError]) -> None:
    """A public class added to __all__ without a value here fails this test."""
    assert sorted(values) == sorted(NAMES)
    public = {getattr(kiaprules, n) for n in kiaprules.__all__}
    classes = {c for c in public if isinstance(c, type)}
    error_classes = {getattr(errors_module, n) for n in errors_module.__all__}
    assert {type(v) for v in values.values()} >= classes - error_classes
    assert {type(e) for e in errors.values()} >= error_classes


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
@pytest.mark.parametrize("name", NAMES)
def test_a_public_value_round_trips(values: dict[str, Any], name: str, how: str) -> None:
    original = values[name]
    back = ROUND_TRIPS[how](original)
    assert_same_value(back, original)
    assert_still_immutable(back)


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_an_error_round_trips_with_its_message_and_location(
        errors: dict[str, KiapRulesError], how: str) -> None:
    for name, original in errors.items():
        back = ROUND_TRIPS[how](original)
        assert_same_error(back, original)
        assert back.located(path="later.toml").to_dict() == \
            original.located(path="later.toml").to_dict(), name


def test_the_errors_built_here_carry_what_they_should(errors: dict[str, KiapRulesError]) -> None:
    """So the round trip has something to lose: a path, a record, a field, a date."""
    corpus_error = errors["InputError (a file's record and field)"]
    assert corpus_error.path and corpus_error.record and corpus_error.field
    assert errors["InputError (with a date)"].date is not None
    conflict = errors["ConflictError"]
    assert conflict.record == "clinic[1] (012345)"
    assert "other.toml: clinic[9]" in conflict.reason
    assert type(errors["MoneyTypeError"]) is MoneyTypeError
    assert isinstance(errors["MoneyTypeError"], TypeError)
    assert type(errors["NotCoveredError"]) is NotCoveredError
    assert isinstance(errors["NotCoveredError"], LookupError)
    assert type(errors["RulesetError"]) is RulesetError
    assert isinstance(errors["RulesetError"], ValueError)
    assert type(errors["MissingExtraError"]) is MissingExtraError
    assert isinstance(errors["MissingExtraError"], ImportError)


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_a_missing_extra_keeps_the_extra_and_the_module_it_names(
        errors: dict[str, KiapRulesError], how: str) -> None:
    for key, named in (("MissingExtraError (charts)", ("plot", "matplotlib")),
                       ("MissingExtraError", ("pandas", "pandas"))):
        original = errors[key]
        assert isinstance(original, MissingExtraError)
        for back in (ROUND_TRIPS[how](original), original.located(path="later.toml")):
            assert (back.extra, back.name) == named


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_a_cpr_number_stays_masked_after_a_round_trip(values: dict[str, Any], how: str) -> None:
    for name in ("CprNumber", "Expense (paid to a person)", "Classification", "ExpenseReport",
                 "Account"):
        back = ROUND_TRIPS[how](values[name])
        shown = renderings(back)
        for form in unmasked_forms(EXAMPLE_CPR):
            assert form not in repr(shown), name
    cpr = ROUND_TRIPS[how](values["CprNumber"])
    assert repr(cpr) == "CprNumber('010180-XXXX')"
    assert cpr.unmasked() == EXAMPLE_CPR
    assert cpr.birth_date == dt.date(1980, 1, 1)


def test_an_unpickled_cpr_number_is_checked_again() -> None:
    """The pickle holds the constructor's argument: a tampered one is refused, not trusted."""
    data = pickle.dumps(CprNumber(EXAMPLE_CPR), protocol=0)
    tampered = data.replace(b"010180-1234", b"320180-1234")
    assert tampered != data
    with pytest.raises(InputError, match="not a date"):
        pickle.loads(tampered)


def test_an_unpickled_cluster_computes_the_same_payouts(values: dict[str, Any]) -> None:
    cluster = values["Cluster"]
    back = pickle.loads(pickle.dumps(cluster))
    assert compute_payouts(back).to_json() == compute_payouts(cluster).to_json()


def test_every_value_crosses_a_process_pool_and_back(values: dict[str, Any],
                                                     pool: ProcessPoolExecutor) -> None:
    """Pickled here, unpickled in a worker, copied there, pickled back."""
    backs = list(pool.map(copy.copy, [values[n] for n in NAMES]))
    for name, back in zip(NAMES, backs, strict=True):
        assert_same_value(back, values[name])
        assert back is not values[name], name


def test_payouts_computed_in_workers_equal_those_computed_here(
        pool: ProcessPoolExecutor) -> None:
    """The country's clusters in four parts, computed in two workers, each part with the
    rest of the country as context: the same reports, and together the whole's total."""
    country = load_clusters(DENMARK)
    parts = [country[i::4] for i in range(4)]
    calls = [functools.partial(compute_payouts, part, years=[2019, 2024],
                               context=[c for c in country if c not in part])
             for part in parts]
    in_workers = [f.result() for f in [pool.submit(call) for call in calls]]
    here = [call() for call in calls]
    assert in_workers == here
    assert [r.to_json() for r in in_workers] == [r.to_json() for r in here]
    whole = compute_payouts(country, years=[2019, 2024])
    assert sum((r.total for r in in_workers), start=Decimal("0.00")) == whole.total


def test_an_error_raised_in_a_worker_arrives_whole(errors: dict[str, KiapRulesError],
                                                   pool: ProcessPoolExecutor) -> None:
    bad = CORPUS / "clusters" / "capacities-zero.toml"
    with pytest.raises(InputError) as from_worker:
        pool.submit(load_clusters, bad).result()
    assert_same_error(from_worker.value, errors["InputError (a file's record and field)"])
    with pytest.raises(ConflictError) as conflict:
        pool.submit(compute_payouts, _overlapping()).result()
    assert_same_error(conflict.value, errors["ConflictError"])
    backs = list(pool.map(copy.copy, list(errors.values())))
    for back, original in zip(backs, errors.values(), strict=True):
        assert_same_error(back, original)


# --- properties ------------------------------------------------------------------------------


@given(clusters())
def test_any_cluster_round_trips(cluster: Cluster) -> None:
    for how, round_trip in ROUND_TRIPS.items():
        back = round_trip(cluster)
        assert_same_value(back, cluster)
        assert dumps_clusters(back) == dumps_clusters(cluster), how
        for m_back, m in zip(back.memberships, cluster.memberships, strict=True):
            assert isinstance(m_back, Membership)
            assert m_back.clinic.patients == m.clinic.patients


@settings(max_examples=25)
@given(scenarios())
def test_any_payout_report_round_trips(country: list[Cluster]) -> None:
    report = compute_payouts(country, years=range(2018, 2027))
    for round_trip in ROUND_TRIPS.values():
        assert_same_value(round_trip(report), report)

