"""kiaprules: the money Danish general-practice quality clusters (KiAP) receive.

The public API is what ``__all__`` lists, and the module
:mod:`kiaprules.errors`; everything else is implementation and may change.
:mod:`kiaprules.synthetic`, a generator of synthetic countries for demos and
benchmarks, is public too but outside the core: ``import kiaprules`` does not
import it. Money is ``decimal.Decimal``; every figure
comes from a dated ruleset with a citation (``load_ruleset``).

>>> from kiaprules import load_ruleset
>>> import datetime as dt
>>> rate = load_ruleset("dk-kiap").lookup("operating_rate", dt.date(2024, 1, 1))
>>> rate.value, rate.citation.document, rate.citation.section
(Decimal('3.55'), 'Håndbog 2024', '§10')

The package is layered, and imports go one way only (docs/architecture.md):

=====  ====================================================  ===================
layer  packages                                              holds
=====  ====================================================  ===================
0      ``errors``, ``_text``, ``_files``, ``_render``,       errors, the output
       ``_schemas``                                          sanitizer, the
                                                             bounded reader, the
                                                             JSON Schemas
1      ``model``                                             value objects
2      ``rules``                                             dated rules, data
3      ``engine``                                            payouts computed
4      ``reports``, ``expenses``, ``formats``, ``audit``     what uses results
5      ``cli``                                               the command line
=====  ====================================================  ===================
"""

from kiaprules._schemas import json_schema
from kiaprules._version import __version__
from kiaprules.audit.published import PublishedExample, Reproduction, load_published, reproduce
from kiaprules.audit.receipt import Verification, make_receipt, verify_receipt, write_receipt
from kiaprules.engine.compute import compute_payouts
from kiaprules.engine.report import ClusterPayouts, Line, MemberShare, PayoutReport, YearPayout
from kiaprules.engine.stream import PayoutStream, stream_payouts
from kiaprules.errors import (
    ConflictError,
    InputError,
    InputTypeError,
    KiapRulesError,
    MissingExtraError,
    MoneyTypeError,
    NotCoveredError,
    RulesetError,
)
from kiaprules.expenses.classify import (
    Classification,
    ExpenseReport,
    classify,
    classify_expenses,
)
from kiaprules.expenses.ledger import Account, AccountYear, build_ledger
from kiaprules.formats.clusterfile import (
    clusters_from_data,
    dumps_clusters,
    load_clusters,
    loads_clusters,
)
from kiaprules.formats.expensefile import (
    ledger_input_from_data,
    load_expense_records,
    load_ledger_input,
)
from kiaprules.model.account import LedgerInput
from kiaprules.model.cluster import Clinic, Cluster, Membership, PatientCounts
from kiaprules.model.expense import Expense
from kiaprules.model.identifiers import CprNumber, CvrNumber, ProviderNumber
from kiaprules.model.money import to_money
from kiaprules.reports.explain import Explanation
from kiaprules.reports.summary import NationalSummary, national_summary
from kiaprules.reports.sweep import Sweep, Variant, sweep
from kiaprules.reports.whatif import Comparison, compare_reports
from kiaprules.rules.loader import available_rulesets, load_ruleset
from kiaprules.rules.overrides import Override
from kiaprules.rules.payout import Rule, payout_rules
from kiaprules.rules.registration import RegistrationProblem, check_registration
from kiaprules.rules.ruleset import (
    Citation,
    DatedValue,
    MonthDay,
    Parameter,
    Policy,
    ResolvedValue,
    Ruleset,
)
from kiaprules.rules.spending import spending_rules

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
]
