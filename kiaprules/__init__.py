"""kiaprules: the money Danish general-practice quality clusters (KiAP) receive.

The public API is what ``__all__`` lists; everything else lives in private
modules and may change. Money is ``decimal.Decimal``; every figure comes from
a dated ruleset with a citation (``load_ruleset``).

>>> from kiaprules import load_ruleset
>>> import datetime as dt
>>> rate = load_ruleset("dk-kiap").lookup("operating_rate", dt.date(2024, 1, 1))
>>> rate.value, rate.citation.document, rate.citation.section
(Decimal('3.55'), 'Håndbog 2024', '§10')
"""

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
from kiaprules._whatif import Comparison, compare_reports

__version__ = "0.1.0"

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
    "load_clusters",
    "load_expense_records",
    "load_published",
    "load_ruleset",
    "loads_clusters",
    "make_receipt",
    "reproduce",
    "to_money",
    "verify_receipt",
]
