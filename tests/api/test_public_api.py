"""The public namespace: an explicit, sorted ``__all__``, every name importable, ``py.typed``.

Adding or removing a public name is a decision: update PUBLIC below with it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import kiaprules

PUBLIC = {
    "Account",
    "AccountYear",
    "Citation",
    "Classification",
    "Clinic",
    "Cluster",
    "ClusterPayouts",
    "Comparison",
    "ConflictError",
    "CprNumber",
    "CvrNumber",
    "DatedValue",
    "Expense",
    "ExpenseReport",
    "Explanation",
    "InputError",
    "InputTypeError",
    "KiapRulesError",
    "LedgerInput",
    "Line",
    "MemberShare",
    "Membership",
    "MissingExtraError",
    "MoneyTypeError",
    "MonthDay",
    "NationalSummary",
    "NotCoveredError",
    "Override",
    "Parameter",
    "PatientCounts",
    "PayoutReport",
    "PayoutStream",
    "Policy",
    "ProviderNumber",
    "PublishedExample",
    "RegistrationProblem",
    "Reproduction",
    "ResolvedValue",
    "Rule",
    "Ruleset",
    "RulesetError",
    "Sweep",
    "Variant",
    "Verification",
    "YearPayout",
    "__version__",
    "available_rulesets",
    "build_ledger",
    "check_registration",
    "classify",
    "classify_expenses",
    "clusters_from_data",
    "compare_reports",
    "compute_payouts",
    "dumps_clusters",
    "json_schema",
    "ledger_input_from_data",
    "load_clusters",
    "load_expense_records",
    "load_ledger_input",
    "load_published",
    "load_ruleset",
    "loads_clusters",
    "make_receipt",
    "national_summary",
    "payout_rules",
    "reproduce",
    "spending_rules",
    "stream_payouts",
    "sweep",
    "to_money",
    "verify_receipt",
    "write_receipt",
}


def test_all_is_sorted_without_duplicates() -> None:
    assert kiaprules.__all__ == sorted(kiaprules.__all__)
    assert len(set(kiaprules.__all__)) == len(kiaprules.__all__)


def test_all_is_exactly_the_pinned_public_api() -> None:
    assert set(kiaprules.__all__) == PUBLIC


def test_every_public_name_is_importable() -> None:
    module = importlib.import_module("kiaprules")
    for name in kiaprules.__all__:
        assert getattr(module, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from kiaprules import *", namespace)
    assert set(namespace) - {"__builtins__"} == PUBLIC


LAYERED = ("kiaprules.errors", "kiaprules._schemas", "kiaprules.model.", "kiaprules.rules.",
           "kiaprules.engine.", "kiaprules.reports.", "kiaprules.expenses.", "kiaprules.formats.",
           "kiaprules.audit.", "kiaprules.synthetic.")


def test_public_objects_live_in_the_layered_package() -> None:
    for name in PUBLIC - {"__version__"}:
        module = getattr(getattr(kiaprules, name), "__module__", "")
        assert module.startswith(LAYERED), (name, module)


def test_errors_share_one_root() -> None:
    for name in ("ConflictError", "InputError", "InputTypeError", "MissingExtraError",
                 "MoneyTypeError",
                 "NotCoveredError", "RulesetError"):
        assert issubclass(getattr(kiaprules, name), kiaprules.KiapRulesError)


def test_the_package_is_typed() -> None:
    assert (Path(kiaprules.__file__).parent / "py.typed").is_file()


def test_the_version_is_a_string() -> None:
    assert isinstance(kiaprules.__version__, str)
    assert kiaprules.__version__.count(".") == 2
