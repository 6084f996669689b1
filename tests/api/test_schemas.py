"""The JSON Schemas: shipped in the package, consistent, strict, and able to fail.

Every JSON the command line writes in the test suite is validated against
its schema by ``schema_check`` (installed by ``tests/conftest.py``); this file
checks the schemas themselves: that each is a valid draft 2020-12 schema and
ships in the wheel, that the pieces they share are the same everywhere, that
their lists of values are the code's, that outputs made here (random payout
scenarios, receipts, cluster files, sweeps) match them, and that a changed
output does not.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.metadata
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import attrs
import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schema_check import assert_valid, problems
from strategies_payouts import leap_day_scenario, scenarios

from kiaprules import (
    Cluster,
    Expense,
    InputError,
    classify_expenses,
    compute_payouts,
    dumps_clusters,
    json_schema,
    load_clusters,
    load_expense_records,
    load_ruleset,
    make_receipt,
    national_summary,
    sweep,
)
from kiaprules import errors as errors_module
from kiaprules._render import json_text
from kiaprules._schemas import SCHEMAS
from kiaprules.audit.published import EXPECTATIONS, FIGURE_KINDS
from kiaprules.engine.pricing import KINDS
from kiaprules.model.expense import CATEGORIES, DOCUMENTATION, ROLES
from kiaprules.rules import ruleset as ruleset_module
from kiaprules.rules.spending import SEVERITY
from kiaprules.synthetic import generate_country

SHIPPED = resources.files("kiaprules").joinpath("schemas")


# --- shipped -------------------------------------------------------------------------------


def test_every_schema_is_a_shipped_file_and_every_file_a_schema() -> None:
    files = sorted(p.name for p in SHIPPED.iterdir() if p.name.endswith(".json"))
    assert files == sorted(f"{name}.json" for name in SCHEMAS)
    assert sorted(p.name for p in SHIPPED.iterdir() if not p.name.startswith(".")) == files
    assert list(SCHEMAS) == sorted(SCHEMAS)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_a_valid_draft_2020_12_schema_written_as_kiaprules_writes_json(
    name: str,
) -> None:
    schema = json_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["title"] and schema["description"]
    # So `kiaprules schema NAME` prints the shipped file byte for byte.
    assert SHIPPED.joinpath(f"{name}.json").read_text(encoding="utf-8") == json_text(schema)
    # Self-contained: every reference is to its own $defs, and every $def is used.
    text = json.dumps(schema)
    refs = set(_refs(schema))
    assert refs == set(schema.get("$defs", {})), name
    assert text.count('"$ref"') == text.count('"$ref": "#/$defs/')


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].removeprefix("#/$defs/")] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_installed_distribution_ships_the_schemas() -> None:
    """What `pip install .` installs (as .ci/run does) holds every schema file."""
    files = {str(f) for f in importlib.metadata.files("kiaprules") or ()}
    if "kiaprules/__init__.py" not in files:
        pytest.skip("kiaprules is installed in editable mode: the wheel is checked by .ci/run")
    assert {f"kiaprules/schemas/{name}.json" for name in SCHEMAS} <= files


def test_a_def_of_one_name_is_the_same_in_every_schema() -> None:
    """The schemas share their pieces (amount, citation, line, …) by copy: no copy may drift."""
    seen: dict[str, tuple[str, Any]] = {}
    for name in SCHEMAS:
        for key, definition in json_schema(name).get("$defs", {}).items():
            first = seen.setdefault(key, (name, definition))
            assert definition == first[1], f"$defs/{key} differs in {name}.json and {first[0]}.json"
    assert {"amount", "date", "fingerprint", "citation", "rule", "line"} <= set(seen)


def test_the_schemas_lists_of_values_are_the_code_s() -> None:
    defs = {k: v for name in SCHEMAS for k, v in json_schema(name).get("$defs", {}).items()}
    assert defs["line_kind"]["enum"] == list(KINDS)
    assert defs["status"]["enum"] == list(SEVERITY)
    classification = defs["classification"]["properties"]
    assert classification["category"]["enum"] == list(CATEGORIES)
    assert classification["payee_role"]["enum"] == list(ROLES)
    assert classification["documentation"]["items"]["enum"] == list(DOCUMENTATION)
    assert defs["figure_result"]["properties"]["kind"]["enum"] == list(FIGURE_KINDS)
    assert defs["figure_result"]["properties"]["status"]["enum"] == list(EXPECTATIONS)
    assert defs["parameter"]["properties"]["kind"]["enum"] == list(ruleset_module.KINDS)
    assert defs["dated_value"]["properties"]["status"]["enum"] == list(ruleset_module.STATUSES)
    assert set(defs["by_kind"]["required"]) == set(KINDS)
    error = json_schema("error")["properties"]["error"]["properties"]
    assert error["error"]["enum"] == [*errors_module.__all__, "InternalError"]
    heads = {getattr(errors_module, n).default_code.split(".")[0] for n in errors_module.__all__}
    assert error["code"]["pattern"] == \
        f"^({'|'.join([*sorted(heads, key=_class_order), 'internal'])})(\\.[a-z][a-z0-9_]*)?$"


def _class_order(code: str) -> int:
    return ["error", "input", "money", "conflict", "ruleset", "not_covered",
            "missing_extra"].index(code)


def test_json_schema_refuses_a_name_it_does_not_know() -> None:
    for name in ("nope", "Payouts", "payouts.json", "../payouts"):
        with pytest.raises(InputError) as info:
            json_schema(name)
        assert info.value.code == "input.unknown_schema"
        assert "payouts" in str(info.value)
    with pytest.raises(InputError):
        json_schema(["payouts"])  # type: ignore[arg-type]


def test_json_schema_gives_a_fresh_copy_each_time() -> None:
    first = json_schema("payouts")
    first["title"] = "changed"
    assert json_schema("payouts")["title"] != "changed"


# --- outputs made here match -------------------------------------------------------------


PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(clusters=scenarios(), policies=st.fixed_dictionaries({
    "founding_year": st.sampled_from(("full_year", "pro_rata")),
    "rounding": st.sampled_from(("line", "clinic")),
    "clawback": st.sampled_from(("within_first_year", "never")),
    "capacity_increase": st.sampled_from(("no_grant", "grant_added"))}))
@example(clusters=leap_day_scenario(), policies={"founding_year": "pro_rata",
                                                  "rounding": "clinic", "clawback": "never",
                                                  "capacity_increase": "grant_added"})
def test_every_report_explanation_and_summary_of_random_scenarios_matches(
    clusters: list[Cluster], policies: dict[str, str],
) -> None:
    report = compute_payouts(clusters, years=range(2018, 2027), policies=policies)
    assert_valid("payouts", report.to_dict())
    assert_valid("national", report.summary().to_dict())
    for cluster, year in report:
        assert_valid("explain", report.explain(cluster.name, year.year).to_dict())
    base = compute_payouts(clusters, years=range(2018, 2027))
    assert_valid("compare", base.compare(report).to_dict())


def test_a_withheld_year_s_explanation_matches() -> None:
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    unregistered = attrs.evolve(cluster, cvr=None)
    report = compute_payouts(unregistered, years=[2019])
    explanation = report.explain(cluster.name, 2019).to_dict()
    assert explanation["withheld"] is not None
    assert_valid("explain", explanation)
    assert_valid("payouts", report.to_dict())


def test_a_receipt_and_the_cluster_files_kiaprules_writes_match(tmp_path: Any) -> None:
    clusters = load_clusters(EXAMPLE_CLUSTER)
    receipt = make_receipt(clusters, years=[2019, 2022], overrides=["operating_rate@2019=4.26"],
                           policies={"clawback": "never"})
    assert_valid("receipt", json.loads(json.dumps(receipt)))
    assert_valid("clusters", dumps_clusters(clusters, fmt="json"))
    country = generate_country(seed=3, scale=0.05)
    assert_valid("clusters", dumps_clusters(country, fmt="json"))  # the bulk form


def test_a_sweep_matches() -> None:
    country = generate_country(seed=3, scale=0.05)
    result = sweep(country, [{"name": "4.26", "overrides": ["operating_rate@2019-2021=4.26"]},
                             {"policies": {"clawback": "never", "rounding": "clinic"}}],
                   years=range(2018, 2026))
    assert_valid("sweep", result.to_json())
    assert_valid("national", national_summary(country, years=range(2018, 2026)).to_json())


def test_hours_are_written_in_plain_notation() -> None:
    """Found by the schema: hours given as "1e1" were written "1E+1"."""
    honorarium = Expense(id="H-1", date=dt.date(2024, 11, 1), amount="10720.20",
                         category="honorarium", payee="Anne Jensen", payee_role="coordinator",
                         hours="1e1", hourly_rate="1072.02", recipient_cvr="12345674",
                         documentation=["contract", "timesheet"])
    report = classify_expenses([honorarium], load_ruleset("dk-kiap"))
    assert report.to_dict()["expenses"][0]["hours"] == "10"
    assert_valid("expenses", report.to_json())


# --- a changed output does not ----------------------------------------------------------------


def _payouts() -> dict[str, Any]:
    return compute_payouts(load_clusters(EXAMPLE_CLUSTER), years=[2019, 2022]).to_dict()


def _line(data: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = data["clusters"][0]["years"][0]["lines"][0]
    return line


MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "an amount as a number": lambda d: _line(d).update(amount=20000.0),
    "an amount with one decimal": lambda d: _line(d).update(amount="20000.0"),
    "an amount with a thousands separator": lambda d: _line(d).update(amount="20,000.00"),
    "a total as an integer": lambda d: d["clusters"][0]["years"][0].update(total=144672),
    "a rate with five decimals": lambda d: _line(d).update(rate="4.33001"),
    "a quantity as a number": lambda d: _line(d).update(quantity=2),
    "a date not in ISO form": lambda d: d["clusters"][0]["years"][0].update(due="01-03-2019"),
    "a date that does not exist": lambda d: d["clusters"][0]["years"][0].update(
        due="2019-02-30"),
    "a year as text": lambda d: d["years"].__setitem__(0, "2019"),
    "a short fingerprint": lambda d: d["ruleset"].update(fingerprint="sha256:1abb0da4"),
    "a fingerprint in capitals": lambda d: d["inputs"].update(
        fingerprint="sha256:" + "A" * 64),
    "an unknown key": lambda d: _line(d).update(colour="red"),
    "an unknown key at the top": lambda d: d.update(generated_at="2024-01-01"),
    "a missing key": lambda d: _line(d).pop("citation"),
    "an unknown line kind": lambda d: _line(d).update(kind="bonus"),
    "a provider number as a number": lambda d: _line(d)["members"][0].update(
        provider_number=56789),
    "a citation without its quote": lambda d: _line(d)["citation"].pop("quote"),
    "withheld as a boolean": lambda d: d["clusters"][0]["years"][0].update(withheld=False),
    "a CVR number of 9 digits": lambda d: d["clusters"][0].update(cvr="123456789"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_payouts_schema_refuses_a_changed_report(mutation: str) -> None:
    data = _payouts()
    assert problems("payouts", data) == []
    changed = copy.deepcopy(data)
    MUTATIONS[mutation](changed)
    assert changed != data
    assert problems("payouts", changed), mutation


def test_other_schemas_refuse_changed_outputs() -> None:
    clusters = load_clusters(EXAMPLE_CLUSTER)
    report = compute_payouts(clusters)
    explanation = report.explain("Køgeklyngen", 2022).to_dict()
    explanation["steps"][0]["exact"] = 23878.4
    assert problems("explain", explanation)
    national = report.summary().to_dict()
    national["years"][0]["patients"] = "15730"
    assert problems("national", national)
    national = report.summary().to_dict()
    del national["inputs"]
    assert problems("national", national)
    _, expenses = load_expense_records(EXAMPLES / "koegeklyngen-expenses.toml")
    classified = classify_expenses(expenses, load_ruleset("dk-kiap")).to_dict()
    assert problems("expenses", classified) == []
    classified["expenses"][1]["recipient"] = "CPR 010180-1234"  # never unmasked
    assert problems("expenses", classified)
    classified = classify_expenses(expenses, load_ruleset("dk-kiap")).to_dict()
    classified["expenses"][0]["status"] = "fine"
    assert problems("expenses", classified)
    shown = {"fingerprint": load_ruleset("dk-kiap").fingerprint,
             **load_ruleset("dk-kiap").to_data()}
    assert problems("ruleset", shown) == []
    for parameter, value in (("operating_rate", 4), ("clawback_window_months", "12")):
        changed = copy.deepcopy(shown)
        changed["parameters"][parameter]["values"][0]["value"] = value
        assert problems("ruleset", changed), (parameter, value)
    receipt = json.loads(json.dumps(make_receipt(clusters, years=[2019])))
    assert problems("receipt", receipt) == []
    for mutate in (lambda r: r.update(kiaprules_receipt=2),
                   lambda r: r["inputs"]["clusters"][0]["clinic"][0].update(capacities=0),
                   lambda r: r["result"]["clusters"][0]["years"][0].update(total="1")):
        changed = copy.deepcopy(receipt)
        mutate(changed)
        assert problems("receipt", changed)
    error = {"error": InputError("must be a number", field="x", code="input.not_a_number")
             .to_dict()}
    assert problems("error", error) == []
    for key, value in (("code", "not a code"), ("code", "bogus.thing"), ("message", "two\nlines"),
                       ("error", "ValueError"), ("date", "yesterday")):
        changed = copy.deepcopy(error)
        changed["error"][key] = value
        assert problems("error", changed), (key, value)
