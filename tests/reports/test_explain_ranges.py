"""Explanations over a range of years (issue #16): ``explain --year 2019-2021`` and
``report.explanations(years)``.

Without ``--cluster``, a cluster with nothing in a year (not yet founded) is
skipped for that year, and the output says which were skipped; with
``--cluster``, a year in which that cluster has nothing is refused as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER
from conftest import run_cli_words as _cli
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_payouts import scenarios

from kiaprules import Cluster, InputError, compute_payouts, load_clusters

NORD = """\
[cluster]
name = "Nordklyngen"
founded = 2020-03-01
registered = 2020-03-20

[[clinic]]
provider_number = "099999"
capacities = 2
joined = 2020-03-01
[clinic.patients]
2020 = 2000
2021 = 2010
"""


@pytest.fixture
def nord(tmp_path: Path) -> Path:
    path = tmp_path / "nord.toml"
    path.write_text(NORD, encoding="utf-8")
    return path


def _heads(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": payout for " in line]


@pytest.mark.parametrize("option", ["--year", "--years"])
def test_a_range_explains_each_cluster_year_and_names_the_skipped(nord: Path,
                                                                  option: str) -> None:
    status, out, err = _cli("explain", EXAMPLE_CLUSTER, nord, option, "2019-2021")
    assert (status, err) == (0, "")
    assert _heads(out) == [
        "Køgeklyngen: payout for 2019, due 2019-03-01",
        "Køgeklyngen: payout for 2020, due 2020-03-01",
        "Køgeklyngen: payout for 2021, due 2021-03-01",
        "Nordklyngen: payout for 2020, due 2020-03-20",
        "Nordklyngen: payout for 2021, due 2021-03-01"]
    assert out.endswith("\nSkipped, nothing in that year: 2019: Nordklyngen\n")


def test_one_year_without_skips_is_as_before() -> None:
    status, out, _ = _cli("explain", EXAMPLE_CLUSTER, "--year", "2022")
    assert status == 0 and "Skipped" not in out
    assert _heads(out) == ["Køgeklyngen: payout for 2022, due 2022-03-01"]


def test_a_range_as_json_is_a_list_and_the_skipped_are_a_note(nord: Path) -> None:
    status, out, err = _cli("explain", EXAMPLE_CLUSTER, nord, "--years", "2019-2020",
                            "--format", "json")
    assert status == 0
    assert [(e["cluster"], e["year"]) for e in json.loads(out)] == [
        ("Køgeklyngen", 2019), ("Køgeklyngen", 2020), ("Nordklyngen", 2020)]
    assert err == "kiaprules: note: skipped, nothing in that year: 2019: Nordklyngen\n"


def test_a_named_cluster_over_a_range_is_a_list_one_year_an_object(nord: Path) -> None:
    status, out, _ = _cli("explain", EXAMPLE_CLUSTER, nord, "--years", "2020-2021",
                          "--cluster", "Nordklyngen", "--format", "json")
    assert status == 0
    assert [e["year"] for e in json.loads(out)] == [2020, 2021]
    status, out, _ = _cli("explain", EXAMPLE_CLUSTER, nord, "--year", "2021",
                          "--cluster", "Nordklyngen", "--format", "json")
    assert status == 0 and json.loads(out)["year"] == 2021


def test_a_named_cluster_with_nothing_in_a_year_is_refused(nord: Path) -> None:
    status, out, err = _cli("explain", EXAMPLE_CLUSTER, nord, "--years", "2019-2020",
                            "--cluster", "Nordklyngen")
    assert (status, out) == (2, "")
    # The years computed are the years asked for: 2019 and 2020.
    assert err == ("kiaprules: error: Nordklyngen: year: no payout for 2019 (years with a "
                   "payout: 2020)\n")


def test_nothing_at_all_to_explain_is_refused(nord: Path) -> None:
    status, out, err = _cli("explain", nord, "--year", "2019")
    assert (status, out) == (2, "")
    assert err == ("kiaprules: error: --year: no cluster has anything to explain in 2019 "
                   "(skipped 2019: Nordklyngen)\n")


@pytest.mark.parametrize("years", ["2021-2019", "20x9", "2019-"])
def test_a_malformed_range_is_refused_naming_the_option(years: str) -> None:
    status, _, err = _cli("explain", EXAMPLE_CLUSTER, "--year", years)
    assert status == 2 and err.startswith("kiaprules: error: --year: ")


# --- report.explanations ---------------------------------------------------------------------


def test_explanations_in_python(nord: Path) -> None:
    report = compute_payouts(load_clusters([EXAMPLE_CLUSTER, nord]), years=range(2019, 2022))
    found = report.explanations(range(2019, 2021))
    assert [(e.cluster, e.year) for e in found] == [
        ("Køgeklyngen", 2019), ("Køgeklyngen", 2020), ("Nordklyngen", 2020)]
    assert found[0] == report.explain("Køgeklyngen", 2019)
    assert len(report.explanations()) == 5
    assert report.explanations("2021", cluster="Nordklyngen") == (
        report.explain("Nordklyngen", 2021),)
    with pytest.raises(InputError) as info:
        report.explanations([2019, 2030])
    assert str(info.value) == "years: 2030 is not among the report's years (2019-2021)"
    with pytest.raises(InputError, match="no payout for 2019"):
        report.explanations(cluster="Nordklyngen")


@settings(max_examples=30, deadline=None)
@given(clusters=scenarios(), data=st.data())
def test_explanations_are_every_cluster_year_there_is(clusters: list[Cluster],
                                                      data: st.DataObject) -> None:
    report = compute_payouts(clusters)
    years = data.draw(st.sets(st.sampled_from(report.years)) if report.years else st.just(set()))
    found = report.explanations(sorted(years))
    expected = [(c.name, y.year) for c in report.clusters for y in c.years if y.year in years]
    assert [(e.cluster, e.year) for e in found] == expected
    for explanation in found:
        assert explanation.total == report.cluster(explanation.cluster).year(
            explanation.year).total
