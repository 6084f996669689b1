"""A payout report's records add up: to the øre, line by line, year by year.

``report.to_records()`` is one row a line; ``cluster.to_records()`` one row a
cluster-year (docs/records.md). On generated clusters (some of them without a
CVR number, so that their money is withheld, C2) and on the pinned boundary
scenarios: the ``amount`` column sums to the report's total and ``withheld``
to what is withheld, exactly; each cluster-year row is the sum of its lines;
every row says what the line says.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_payouts import (
    RECORD_SCENARIOS,
    RULESET,
    YEARS,
    scenarios_some_withheld,
    withheld_scenario,
)

from kiaprules import Cluster, PayoutReport, compute_payouts
from kiaprules.engine.report import KINDS, LINE_COLUMNS

PROPERTY = settings(max_examples=60, deadline=None)
ZERO = Decimal("0.00")


def reports() -> st.SearchStrategy[PayoutReport]:
    """Payouts of generated clusters; a cluster may lack its CVR number (withheld, C2)."""
    return scenarios_some_withheld().map(pay)


def pay(clusters: list[Cluster]) -> PayoutReport:
    return compute_payouts(clusters, RULESET, years=YEARS)


def pinned(test):  # type: ignore[no-untyped-def]
    """The boundary scenarios as @example, and one of them withheld."""
    for make in RECORD_SCENARIOS:
        test = example(report=pay(make()))(test)
    return test


def exact(value: Decimal) -> bool:
    """Kroner to the øre, as a Decimal with two places: never a float, never rounded away."""
    return type(value) is Decimal and value.as_tuple().exponent == -2


@PROPERTY
@pinned
@given(report=reports())
def test_the_amounts_of_the_lines_add_up_to_the_report_total_to_the_ore(
        report: PayoutReport) -> None:
    records = report.to_records()
    assert sum((r["amount"] for r in records), ZERO) == report.total
    assert sum((r["withheld"] for r in records), ZERO) == report.withheld
    assert all(exact(r["amount"]) and exact(r["withheld"]) for r in records)
    assert len(records) == sum(len(y.lines) for _, y in report)


@PROPERTY
@pinned
@given(report=reports())
def test_each_row_is_its_line(report: PayoutReport) -> None:
    """In the report's order: clusters by name, years, lines startup to clawback."""
    records = iter(report.to_records())
    for cluster, year in report:
        for line in year.lines:
            row = next(records)
            assert list(row) == list(LINE_COLUMNS)
            assert (row["cluster"], row["year"], row["due"], row["kind"]) == (
                cluster.name, year.year, year.due, line.kind)
            assert (row["quantity"], row["rate"], row["fraction"]) == (
                line.quantity, line.rate, line.fraction)
            paid = year.withheld is None
            assert row["paid"] is paid
            assert (row["amount"], row["withheld"]) == (
                (line.amount, ZERO) if paid else (ZERO, line.amount))
            assert (row["parameter"], row["value_from"], row["assumption"], row["rule"]) == (
                line.parameter, line.value_from, line.assumption, line.rule.id)
            assert (row["document"], row["section"]) == (
                line.citation.document, line.citation.section)
    assert next(records, None) is None


@PROPERTY
@pinned
@given(report=reports())
def test_a_cluster_year_row_is_the_sum_of_its_lines(report: PayoutReport) -> None:
    lines: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys((*KINDS, "amount", "withheld"), ZERO))
    for row in report.to_records():
        sums = lines[(row["cluster"], row["year"])]
        sums[row["kind"]] += row["amount"]
        sums["amount"] += row["amount"]
        sums["withheld"] += row["withheld"]
    for cluster in report.clusters:
        rows = cluster.to_records()
        assert [r["year"] for r in rows] == [y.year for y in cluster.years]
        assert sum((r["amount"] for r in rows), ZERO) == sum((y.total for y in cluster.years),
                                                             ZERO)
        for row, year in zip(rows, cluster.years, strict=True):
            sums = lines[(cluster.name, year.year)]
            assert {k: row[k] for k in sums} == sums
            assert row["startup"] + row["operating"] + row["supplement"] + row["clawback"] \
                == row["amount"]
            assert (row["cluster"], row["due"], row["clinics"]) == (
                cluster.name, year.due, year.clinics)
            assert row["rests_on_assumption"] is year.rests_on_assumption
            assert row["paid"] is (year.withheld is None)


def test_a_withheld_year_pays_nothing_and_says_what_it_would_have_paid() -> None:
    report = pay(withheld_scenario())
    [row] = [r for r in report.clusters[0].to_records() if r["year"] == 2018]
    assert row["amount"] == ZERO and row["startup"] == ZERO
    assert row["withheld"] == report.clusters[0].year(2018).withheld > 0
    assert {r["amount"] for r in report.to_records()} == {ZERO}
