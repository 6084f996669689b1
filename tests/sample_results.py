"""One of each result object, computed from the shipped examples (a plain module).

Imported by the tests of what every result shows of itself: its records and
frames (``api/test_result_records.py``), its HTML and repr
(``api/test_result_views.py``). Each is the thing a notebook user would get.
"""

from __future__ import annotations

from functools import cache

from conftest import EXAMPLE_CLUSTER, EXAMPLES

from kiaprules import (
    build_ledger,
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
    national_summary,
    reproduce,
    sweep,
)
from kiaprules.model.records import Records


@cache
def sample_results() -> dict[str, Records]:
    """Every result class with records, by name; a second payout report, pro rata (I1)."""
    clusters = load_clusters(EXAMPLE_CLUSTER)
    ruleset = load_ruleset()
    report = compute_payouts(clusters)
    variant = compute_payouts(clusters, overrides=["operating_rate@2019-2021=4.26"],
                              policies={"founding_year": "pro_rata"})
    _, expenses = load_expense_records(EXAMPLES / "koegeklyngen-expenses.toml")
    return {
        "PayoutReport": report,
        "PayoutReport (pro rata)": variant,
        "ClusterPayouts": report.clusters[0],
        "NationalSummary": national_summary(load_clusters(EXAMPLES / "denmark.json"),
                                            years=range(2018, 2026)),
        "Comparison": report.compare(variant),
        "Sweep": sweep(clusters, [{"name": "4.26",
                                   "overrides": ["operating_rate@2019=4.26"]}]),
        "Reproduction": reproduce(),
        "ExpenseReport": classify_expenses(expenses, ruleset),
        "Account": build_ledger(clusters[0], expenses, ruleset),
        "Ruleset": ruleset,
        "Explanation": report.explain(year=2019),
    }
