"""Payouts one cluster at a time (issue #16, item 5): ``stream_payouts`` and JSON Lines.

The stream is the report, split: its head line, its cluster lines and its
warnings line put back together are the report's JSON, key for key and in
order; each cluster it yields equals the report's entry, clinic shares and
the clinics each line leaves out included; and it is computed one cluster at
a time (a cluster's quantities are made only when its line is asked for).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies_payouts import (
    RULESET,
    YEARS,
    anniversary_scenario,
    cluster,
    leap_day_scenario,
    member,
    new_year_scenario,
    scenarios,
)

import kiaprules.engine.quantities as quantities_module
import kiaprules.engine.stream as stream_module
from kiaprules import (
    Cluster,
    ConflictError,
    InputError,
    PayoutStream,
    compute_payouts,
    load_clusters,
    stream_payouts,
)

DENMARK = EXAMPLES / "denmark.json"


def reassembled(text: str) -> dict[str, Any]:
    """The JSON Lines of a payout report put back together as its JSON (docs/json-format.md)."""
    lines = text.splitlines()
    head, *clusters, last = (json.loads(line) for line in lines)
    assert "name" not in head and list(last) == ["warnings"]
    return {**head, "warnings": last["warnings"], "clusters": clusters}


def years_of(draw_years: list[int]) -> list[int]:
    return sorted(set(draw_years))


POLICIES = st.fixed_dictionaries({}, optional={
    "founding_year": st.sampled_from(("full_year", "pro_rata")),
    "rounding": st.sampled_from(("line", "clinic")),
    "clawback": st.sampled_from(("within_first_year", "never")),
    "founding_members": st.sampled_from(("registration", "founding")),
    "late_joiner_startup": st.sampled_from(("first_funded_year", "founding_only")),
    "capacity_increase": st.sampled_from(("no_grant", "grant_added")),
})


@settings(max_examples=60, deadline=None)
@given(clusters=scenarios(), years=st.lists(st.sampled_from(YEARS), min_size=1, max_size=5),
       policies=POLICIES)
@example(clusters=leap_day_scenario(), years=[2020], policies={})
@example(clusters=new_year_scenario(), years=[2019, 2022], policies={"rounding": "clinic"})
@example(clusters=anniversary_scenario(), years=[2018, 2021],
         policies={"founding_year": "pro_rata"})
def test_the_stream_is_the_report_split_into_lines(
        clusters: list[Cluster], years: list[int], policies: dict[str, str]) -> None:
    """JSON Lines put back together equal the JSON, in content and key order; the text is
    the report's own ``to_jsonl``; each cluster equals the report's entry; the clusters'
    warnings, one after the other, are the report's."""
    chosen = years_of(years)
    report = compute_payouts(clusters, RULESET, years=chosen, policies=policies)
    stream = stream_payouts(clusters, RULESET, years=chosen, policies=policies)
    text = "".join(stream.jsonl_lines())
    expected = json.loads(report.to_json())
    back = reassembled(text)
    assert back == expected
    assert list(back) == list(expected)
    assert text == report.to_jsonl()
    pairs = list(stream)
    assert [payouts for payouts, _ in pairs] == list(report.clusters)
    assert [w for _, own in pairs for w in own] == list(report.warnings)
    assert len(text.splitlines()) == len(report.clusters) + 2 == len(stream) + 2


def test_the_country_as_json_lines_equals_its_json() -> None:
    country = load_clusters(DENMARK)
    report = compute_payouts(country, years=[2019, 2024])
    text = "".join(stream_payouts(country, years=[2019, 2024]).jsonl_lines())
    assert reassembled(text) == json.loads(report.to_json())
    assert text == report.to_jsonl()


def test_a_report_level_warning_is_in_the_last_line() -> None:
    """Køgeklyngen in 2021 alone: the 2022 clawback falls after the years computed."""
    koege = load_clusters(EXAMPLE_CLUSTER)
    lines = "".join(stream_payouts(koege, years=[2021]).jsonl_lines()).splitlines()
    assert json.loads(lines[-1]) == {"warnings": [
        "Køgeklyngen: clinic 078901 left on 2021-09-01, within its first year; its startup "
        "grant is clawed back in 2022, after the years computed"]}
    assert list(json.loads(lines[0])) == ["ruleset", "inputs", "policies", "overrides", "years"]


def test_each_line_is_compact_json_on_one_line() -> None:
    text = compute_payouts(load_clusters(EXAMPLE_CLUSTER)).to_jsonl()
    assert text.endswith("\n") and "\n\n" not in text
    for line in text.splitlines():
        assert json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")) == line


def test_text_is_escaped_and_masked_as_in_the_json() -> None:
    """Quotes, a backslash, a CPR number and characters beyond the BMP in a name: escaped
    and masked in the line as in the JSON (and a line break cannot be in a name at all)."""
    name = 'Klynge "Øst" \\ 010180-1234 😀'
    odd = cluster(name, "2019-02-01", [member("12345", "2019-02-01")])
    report = compute_payouts([odd], years=[2019])
    text = "".join(stream_payouts([odd], years=[2019]).jsonl_lines())
    assert len(text.splitlines()) == 3
    assert "010180-1234" not in text and '"Klynge \\"Øst\\" \\\\ 010180-XXXX 😀"' in text
    assert reassembled(text) == json.loads(report.to_json())


def test_the_same_inputs_in_any_order_give_the_same_bytes() -> None:
    a, b = new_year_scenario()
    first = "".join(stream_payouts([a, b], years=YEARS).jsonl_lines())
    assert "".join(stream_payouts([b, a], years=YEARS).jsonl_lines()) == first


def test_a_stream_computes_afresh_each_time_it_is_read() -> None:
    stream = stream_payouts(new_year_scenario(), years=YEARS)
    assert list(stream) == list(stream)
    assert list(stream.jsonl_lines()) == list(stream.jsonl_lines())
    assert repr(stream) == "<PayoutStream dk-kiap clusters=2 years=2018-2026>"


def test_each_cluster_is_computed_only_when_its_line_is_asked_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A line is made from one cluster's quantities, asked for then: nothing of the next
    cluster is computed before the line of the one before is taken."""
    made: list[str] = []
    real = quantities_module.aggregate_each

    def watched(*args: Any, **kwargs: Any) -> Any:
        for quantities in real(*args, **kwargs):
            made.append(quantities.cluster.name)
            yield quantities

    monkeypatch.setattr(stream_module, "aggregate_each", watched)
    lines = stream_payouts(new_year_scenario(), years=YEARS).jsonl_lines()
    assert made == []
    next(lines)  # the head
    assert made == []
    assert json.loads(next(lines))["name"] == "Bornholmklyngen"
    assert made == ["Bornholmklyngen"]
    assert json.loads(next(lines))["name"] == "Køgeklyngen"
    assert made == ["Bornholmklyngen", "Køgeklyngen"]


def test_a_switch_from_another_cluster_is_seen_cluster_by_cluster() -> None:
    """C3: the clinic that left Bornholmklyngen the day it joined Køgeklyngen, unmarked,
    came by a switch: its startup grant is not paid, as in the whole report."""
    bornholm, _ = new_year_scenario()
    unmarked = cluster("Køgeklyngen", "2018-01-01", [
        member("77777", "2018-01-01", capacities=4, left="2018-12-31"),
        member("44444", "2021-01-01", capacities=2)])
    stream = dict((p.name, p) for p, _ in stream_payouts([bornholm, unmarked], years=YEARS))
    report = compute_payouts([bornholm, unmarked], years=YEARS)
    assert stream["Køgeklyngen"] == report.cluster("Køgeklyngen")
    assert [ln.kind for ln in stream["Køgeklyngen"].year(2021).lines] == ["operating",
                                                                         "supplement"]


def test_what_the_inputs_cannot_support_is_refused_before_a_line_or_at_its_cluster() -> None:
    """Overlaps and bad arguments are refused when the stream is made; a cluster's missing
    patient count when that cluster is reached, after the lines before it."""
    a = cluster("Aklyngen", "2019-01-01", [member("11111", "2019-01-01")])
    twin = cluster("Bklyngen", "2019-01-01", [member("11111", "2019-06-01")])
    with pytest.raises(ConflictError):
        stream_payouts([a, twin])
    with pytest.raises(InputError, match="rounding"):
        stream_payouts([a], policies={"rounding": "somehow"})
    missing = cluster("Bklyngen", "2019-01-01", [member("22222", "2019-01-01",
                                                        patients={2019: 10})])
    lines = stream_payouts([a, missing], years=[2019, 2020]).jsonl_lines()
    assert json.loads(next(lines))["inputs"]["clusters"] == 2
    assert json.loads(next(lines))["name"] == "Aklyngen"
    with pytest.raises(InputError, match="no group-1 patient count") as info:
        next(lines)
    assert info.value.field == "patients.2020"


def test_a_stream_is_made_of_its_checked_arguments() -> None:
    stream = stream_payouts(load_clusters(EXAMPLE_CLUSTER), overrides=["operating_rate@2019=4.26"],
                            policies={"rounding": "clinic"}, strict=False,
                            years=[dt.date(2019, 1, 1).year])
    assert isinstance(stream, PayoutStream)
    assert stream.years == (2019,)
    assert stream.overrides == ("operating_rate = 4.26 from 2019-01-01 to 2020-01-01",)
    assert stream.policies["rounding"] == "clinic"
    assert stream.head() == {k: v for k, v in json.loads(compute_payouts(
        load_clusters(EXAMPLE_CLUSTER), overrides=["operating_rate@2019=4.26"],
        policies={"rounding": "clinic"}, years=[2019]).to_json()).items()
        if k not in ("warnings", "clusters")}
