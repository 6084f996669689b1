"""What-if comparisons: every rendering says the same differences."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from kiaprules import compute_payouts, load_clusters

CLUSTERS = load_clusters("examples/koegeklyngen.toml")
BASE = compute_payouts(CLUSTERS, years=range(2018, 2026))
VARIANT = compute_payouts(CLUSTERS, years=range(2018, 2026),
                          overrides=["operating_rate@2019-2021=4.26"],
                          policies={"clawback": "never"})
COMPARISON = BASE.compare(VARIANT)


def test_the_differences_are_the_variant_minus_the_base_year_by_year() -> None:
    """4.26 instead of 4.33 for 2019–2021, and no clawback in 2022 (+20,000)."""
    changed = {(r.cluster, r.year): r.difference for r in COMPARISON.changed}
    assert set(changed) == {("Køgeklyngen", y) for y in (2019, 2020, 2021, 2022)}
    assert changed[("Køgeklyngen", 2022)] == Decimal("20000.00")
    assert changed[("Køgeklyngen", 2019)] == Decimal("-0.07") * 19210
    assert COMPARISON.difference == sum(changed.values())


def test_csv_has_one_row_per_cluster_year_with_the_differences_by_kind() -> None:
    rows = list(csv.DictReader(io.StringIO(COMPARISON.to_csv())))
    assert len(rows) == len(COMPARISON.rows) == 8
    by_year = {int(r["year"]): r for r in rows}
    assert by_year[2022]["clawback_difference"] == "20000.00"
    assert by_year[2022]["operating_difference"] == "0.00"
    assert by_year[2018]["difference"] == "0.00"
    for r in rows:
        assert Decimal(r["variant"]) - Decimal(r["base"]) == Decimal(r["difference"])


def test_the_table_shows_changed_rows_or_all_and_says_when_nothing_changed() -> None:
    changed_only = COMPARISON.to_table()
    everything = COMPARISON.to_table(only_changed=False)
    assert "2018" not in changed_only.split("\n\n")[1] and "2018" in everything
    assert "total difference: +" in changed_only
    same = BASE.compare(BASE)
    assert same.changed == () and same.to_table().endswith("no differences\n")


def test_html_and_json_carry_the_same_rows() -> None:
    html = COMPARISON._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 1 + len(COMPARISON.changed)
    data = json.loads(COMPARISON.to_json())
    assert data["difference"] == f"{COMPARISON.difference:.2f}"
    assert data["variant_ruleset"]["policies"]["clawback"] == "never"
    assert data["base_ruleset"]["fingerprint"] == BASE.fingerprint
    assert data["variant_ruleset"]["overrides"] == list(VARIANT.overrides)
