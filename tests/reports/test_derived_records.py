"""What is computed from reports has records that add up, to the øre.

The national summary's rows are the cluster-years added up by year; a
comparison's differences sum to its total difference; a sweep's rows sum, per
variant, to the variant's total and difference; an explanation's rows are the
report's rows of its cluster and year (docs/records.md).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_payouts import (
    RECORD_SCENARIOS,
    RULESET,
    YEARS,
    scenarios_some_withheld,
)

from kiaprules import Cluster, compute_payouts, national_summary, sweep
from kiaprules.engine.report import KINDS

PROPERTY = settings(max_examples=40, deadline=None)
ZERO = Decimal("0.00")
RATES = st.decimals(min_value=0, max_value=9, places=2)


def pinned(**others: object):  # type: ignore[no-untyped-def]
    """The boundary scenarios as @example, with ``others`` for the other arguments."""
    def decorate(test):  # type: ignore[no-untyped-def]
        for make in RECORD_SCENARIOS:
            test = example(clusters=make(), **others)(test)
        return test
    return decorate


def total(rows: list[dict[str, Any]], column: str) -> Decimal:
    return sum((r[column] for r in rows), ZERO)


@PROPERTY
@pinned()
@given(clusters=scenarios_some_withheld())
def test_the_summary_rows_are_the_cluster_years_added_up_by_year(
        clusters: list[Cluster]) -> None:
    report = compute_payouts(clusters, RULESET, years=YEARS)
    by_year: dict[int, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(
        (*KINDS, "amount", "withheld"), ZERO) | {"clusters": 0, "clinics": 0})
    for cluster in report.clusters:
        for row in cluster.to_records():
            sums = by_year[row["year"]]
            for column in (*KINDS, "amount", "withheld"):
                sums[column] += row[column]
            if row["paid"]:
                sums["clusters"] += 1
                sums["clinics"] += row["clinics"]
    patients = defaultdict(int)
    for row in report.to_records():
        if row["kind"] == "operating" and row["paid"]:
            patients[row["year"]] += row["quantity"]
    summary = report.summary()
    rows = summary.to_records()
    assert rows == national_summary(clusters, RULESET, years=YEARS).to_records()
    assert total(rows, "amount") == summary.total == report.total
    assert total(rows, "withheld") == summary.withheld == report.withheld
    for row in rows:
        assert {k: row[k] for k in by_year[row["year"]]} == by_year[row["year"]]
        assert row["patients"] == patients[row["year"]]


@PROPERTY
@pinned(rate=Decimal("4.26"))
@given(clusters=scenarios_some_withheld(), rate=RATES)
def test_a_comparison_s_differences_add_up_to_its_total_difference(
        clusters: list[Cluster], rate: Decimal) -> None:
    base = compute_payouts(clusters, RULESET, years=YEARS)
    variant = compute_payouts(clusters, RULESET, years=YEARS,
                              overrides=[f"operating_rate@2019-2024={rate}"],
                              policies={"clawback": "never"})
    comparison = base.compare(variant)
    rows = comparison.to_records()
    assert total(rows, "difference") == comparison.difference == variant.total - base.total
    assert total(rows, "base_amount") == base.total
    assert total(rows, "variant_amount") == variant.total
    for row in rows:
        assert row["variant_amount"] - row["base_amount"] == row["difference"] \
            == sum(row[f"{k}_difference"] for k in KINDS)


@PROPERTY
@pinned(rates=[Decimal("4.26"), Decimal("0.00")])
@given(clusters=scenarios_some_withheld(), rates=st.lists(RATES, min_size=1, max_size=3))
def test_a_sweep_s_rows_add_up_per_variant_to_its_total_and_difference(
        clusters: list[Cluster], rates: list[Decimal]) -> None:
    variants = [{"overrides": [f"operating_rate@2022={r}"]} for r in rates]
    result = sweep(clusters, [*variants, {"name": "base"}], RULESET, years=YEARS)
    rows = result.to_records()
    for number, variant in enumerate((result.base, *result.rows)):
        mine = [r for r in rows if r["variant_number"] == number]
        assert [r["year"] for r in mine] == list(YEARS)
        assert {r["variant"] for r in mine} == {variant.name}
        assert total(mine, "amount") == variant.total
        assert total(mine, "difference") == variant.difference
    # A variant named like the base is still told apart by its number.
    assert next(r["variant"] for r in rows if r["variant_number"] == len(rates) + 1) == "base"


@settings(max_examples=20, deadline=None)
@pinned()
@given(clusters=scenarios_some_withheld())
def test_an_explanation_s_rows_are_the_report_s_rows_of_its_cluster_and_year(
        clusters: list[Cluster]) -> None:
    report = compute_payouts(clusters, RULESET, years=YEARS)
    rows = report.to_records()
    for cluster, year in report:
        explanation = report.explain(cluster.name, year.year)
        mine = [r for r in rows if (r["cluster"], r["year"]) == (cluster.name, year.year)]
        assert explanation.to_records() == mine
        assert total(mine, "amount") == explanation.total
