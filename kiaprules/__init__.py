"""kiaprules: the money Danish general-practice quality clusters (KiAP) receive.

The public API is what ``__all__`` lists; everything else lives in private
modules and may change. Money is ``decimal.Decimal``; every figure comes from
a dated ruleset with a citation (``load_ruleset``).

>>> from kiaprules import load_ruleset
>>> import datetime as dt
>>> rate = load_ruleset("dk-kiap").lookup("operating_rate", dt.date(2024, 1, 1))
>>> rate.value, rate.citation.document, rate.citation.section
(Decimal('3.55'), 'Håndbog 2024', '§10')

``import kiaprules`` is lean: each public name is imported from its private
module the first time it is used (PEP 562), so a command that computes
payouts never pays for the expense rules, and ``kiaprules --help`` for
neither. Type checkers see the ordinary imports below.
"""

from __future__ import annotations

import importlib

# Not ``from typing import TYPE_CHECKING``: importing typing alone costs more
# than the rest of ``import kiaprules``. Type checkers treat the name alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from kiaprules._clusterfile import dumps_clusters, load_clusters, loads_clusters
    from kiaprules._errors import (
        ConflictError,
        InputError,
        KiapRulesError,
        MoneyTypeError,
        NotCoveredError,
        RulesetError,
    )
    from kiaprules._expenses import (
        Classification,
        Expense,
        ExpenseReport,
        classify,
        classify_expenses,
        load_expense_records,
    )
    from kiaprules._explain import Explanation
    from kiaprules._identifiers import CprNumber, CvrNumber, ProviderNumber
    from kiaprules._ledger import Account, AccountYear, LedgerInput, build_ledger
    from kiaprules._model import Clinic, Cluster, Membership, PatientCounts
    from kiaprules._money import to_money
    from kiaprules._national import generate_country
    from kiaprules._payouts import Override, compute_payouts
    from kiaprules._published import PublishedExample, Reproduction, load_published, reproduce
    from kiaprules._receipt import Verification, make_receipt, verify_receipt
    from kiaprules._registration import RegistrationProblem, check_registration
    from kiaprules._report import ClusterPayouts, Line, MemberShare, PayoutReport, YearPayout
    from kiaprules._rules import Rule
    from kiaprules._ruleset import (
        Citation,
        DatedValue,
        MonthDay,
        Parameter,
        Policy,
        ResolvedValue,
        Ruleset,
        available_rulesets,
        load_ruleset,
    )
    from kiaprules._summary import NationalSummary, national_summary
    from kiaprules._sweep import Sweep, Variant, sweep
    from kiaprules._whatif import Comparison, compare_reports

__version__ = "0.1.0"

#: Public name → the private module that defines it.
_LAZY: dict[str, str] = {
    "Account": "kiaprules._ledger",
    "AccountYear": "kiaprules._ledger",
    "Citation": "kiaprules._ruleset",
    "Classification": "kiaprules._expenses",
    "Clinic": "kiaprules._model",
    "Cluster": "kiaprules._model",
    "ClusterPayouts": "kiaprules._report",
    "Comparison": "kiaprules._whatif",
    "ConflictError": "kiaprules._errors",
    "CprNumber": "kiaprules._identifiers",
    "CvrNumber": "kiaprules._identifiers",
    "DatedValue": "kiaprules._ruleset",
    "Expense": "kiaprules._expenses",
    "ExpenseReport": "kiaprules._expenses",
    "Explanation": "kiaprules._explain",
    "InputError": "kiaprules._errors",
    "KiapRulesError": "kiaprules._errors",
    "LedgerInput": "kiaprules._ledger",
    "Line": "kiaprules._report",
    "MemberShare": "kiaprules._report",
    "Membership": "kiaprules._model",
    "MoneyTypeError": "kiaprules._errors",
    "MonthDay": "kiaprules._ruleset",
    "NationalSummary": "kiaprules._summary",
    "NotCoveredError": "kiaprules._errors",
    "Override": "kiaprules._payouts",
    "Parameter": "kiaprules._ruleset",
    "PatientCounts": "kiaprules._model",
    "PayoutReport": "kiaprules._report",
    "Policy": "kiaprules._ruleset",
    "ProviderNumber": "kiaprules._identifiers",
    "PublishedExample": "kiaprules._published",
    "RegistrationProblem": "kiaprules._registration",
    "Reproduction": "kiaprules._published",
    "ResolvedValue": "kiaprules._ruleset",
    "Rule": "kiaprules._rules",
    "Ruleset": "kiaprules._ruleset",
    "RulesetError": "kiaprules._errors",
    "Sweep": "kiaprules._sweep",
    "Variant": "kiaprules._sweep",
    "Verification": "kiaprules._receipt",
    "YearPayout": "kiaprules._report",
    "available_rulesets": "kiaprules._ruleset",
    "build_ledger": "kiaprules._ledger",
    "check_registration": "kiaprules._registration",
    "classify": "kiaprules._expenses",
    "classify_expenses": "kiaprules._expenses",
    "compare_reports": "kiaprules._whatif",
    "compute_payouts": "kiaprules._payouts",
    "dumps_clusters": "kiaprules._clusterfile",
    "generate_country": "kiaprules._national",
    "load_clusters": "kiaprules._clusterfile",
    "load_expense_records": "kiaprules._expenses",
    "load_published": "kiaprules._published",
    "load_ruleset": "kiaprules._ruleset",
    "loads_clusters": "kiaprules._clusterfile",
    "make_receipt": "kiaprules._receipt",
    "national_summary": "kiaprules._summary",
    "reproduce": "kiaprules._published",
    "sweep": "kiaprules._sweep",
    "to_money": "kiaprules._money",
    "verify_receipt": "kiaprules._receipt",
}

__all__ = [
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
    "KiapRulesError",
    "LedgerInput",
    "Line",
    "MemberShare",
    "Membership",
    "MoneyTypeError",
    "MonthDay",
    "NationalSummary",
    "NotCoveredError",
    "Override",
    "Parameter",
    "PatientCounts",
    "PayoutReport",
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
    "compare_reports",
    "compute_payouts",
    "dumps_clusters",
    "generate_country",
    "load_clusters",
    "load_expense_records",
    "load_published",
    "load_ruleset",
    "loads_clusters",
    "make_receipt",
    "national_summary",
    "reproduce",
    "sweep",
    "to_money",
    "verify_receipt",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kiaprules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
