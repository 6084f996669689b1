"""Cluster files, TOML and JSON: loading, round trips, and errors that name file, record, field."""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import EXAMPLE_CLUSTER, cluster_lists, clusters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiaprules import (
    Cluster,
    ConflictError,
    InputError,
    KiapRulesError,
    dumps_clusters,
    load_clusters,
    loads_clusters,
)
from kiaprules.model.canonical import cluster_to_dict

D = dt.date


def _iso(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def toml_to_json(text: str) -> str:
    """The same document as JSON, converted with the standard library only."""
    return json.dumps(tomllib.loads(text), default=_iso, ensure_ascii=False, indent=1)


BASE_TOML = """\
[cluster]
name = "Testklyngen"
cvr = "12345674"
coordinator = "Anne Jensen"
founded = 2019-03-01

[[clinic]]
provider_number = "011111"
capacities = 1
joined = 2019-03-01

[[clinic]]
provider_number = "022222"
capacities = 2
joined = 2019-03-01
[clinic.patients]
2019 = 3000
"""


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# --- the example ------------------------------------------------------------------


def test_the_example_cluster_loads_with_every_record() -> None:
    [cluster] = load_clusters(EXAMPLE_CLUSTER)
    assert cluster.name == "Køgeklyngen"
    assert cluster.cvr == "12345674"
    assert cluster.coordinator == "Anne Jensen"
    assert cluster.founded == D(2018, 9, 12)
    assert cluster.registered == D(2018, 10, 3)
    assert cluster.source == str(EXAMPLE_CLUSTER)
    by_pn = {m.provider_number: m for m in cluster.memberships}
    assert sorted(by_pn) == ["012345", "023456", "034567", "045678", "056789", "067890",
                             "078901"]
    assert by_pn["012345"].clinic.capacities == 2
    assert by_pn["012345"].clinic.patients[2018] == 3100
    assert by_pn["067890"].switched_from == "Roskildeklyngen"
    assert by_pn["078901"].left == D(2021, 9, 1)
    assert by_pn["056789"].joined == D(2018, 11, 15)
    assert 2018 not in by_pn["056789"].clinic.patients
    assert by_pn["023456"].source == "clinic[2] (023456)"


def test_the_example_as_json_loads_equal_to_the_toml(tmp_path: Path) -> None:
    json_path = write(tmp_path, "koegeklyngen.json", toml_to_json(EXAMPLE_CLUSTER.read_text()))
    assert load_clusters(json_path) == load_clusters(EXAMPLE_CLUSTER)


def test_load_clusters_takes_one_path_or_many_and_sorts_by_name(tmp_path: Path) -> None:
    other = write(tmp_path, "a.toml", BASE_TOML.replace("Testklyngen", "Aaklyngen"))
    assert len(load_clusters(str(EXAMPLE_CLUSTER))) == 1
    both = load_clusters([EXAMPLE_CLUSTER, other])
    assert [c.name for c in both] == ["Aaklyngen", "Køgeklyngen"]


def test_the_bulk_form_holds_several_clusters() -> None:
    document = {"clusters": [
        {**tomllib.loads(BASE_TOML)["cluster"], "clinic": tomllib.loads(BASE_TOML)["clinic"]},
        {"name": "Anden", "founded": "2020-01-01", "clinic": []},
    ]}
    loaded = loads_clusters(json.dumps(document, default=_iso), fmt="json")
    assert [c.name for c in loaded] == ["Testklyngen", "Anden"]
    assert len(loaded[0].memberships) == 2
    assert loaded[1].memberships == ()


def test_a_byte_order_mark_is_allowed() -> None:
    [cluster] = loads_clusters(b"\xef\xbb\xbf" + BASE_TOML.encode(), fmt="toml")
    assert cluster.name == "Testklyngen"


# --- round trips --------------------------------------------------------------------


@given(clusters())
def test_one_cluster_round_trips_through_toml(cluster: Cluster) -> None:
    text = dumps_clusters(cluster, fmt="toml")
    assert loads_clusters(text, fmt="toml") == (cluster,)
    assert dumps_clusters(list(loads_clusters(text, fmt="toml"))) == text


@given(clusters())
def test_one_cluster_round_trips_through_json(cluster: Cluster) -> None:
    text = dumps_clusters(cluster, fmt="json")
    assert loads_clusters(text, fmt="json") == (cluster,)
    assert dumps_clusters(loads_clusters(text, fmt="json"), fmt="json") == text


@given(cluster_lists(), st.sampled_from(["toml", "json"]))
def test_many_clusters_round_trip_in_the_bulk_form(many: list[Cluster], fmt: str) -> None:
    text = dumps_clusters(many, fmt=fmt)
    assert "clusters" in text
    loaded = loads_clusters(text, fmt=fmt)
    assert sorted(loaded, key=lambda c: c.name) == sorted(many, key=lambda c: c.name)


def test_the_example_round_trips_through_both_formats() -> None:
    clusters_ = load_clusters(EXAMPLE_CLUSTER)
    for fmt in ("toml", "json"):
        assert loads_clusters(dumps_clusters(clusters_, fmt=fmt), fmt=fmt) == clusters_


def test_toml_output_is_what_tomllib_reads_back() -> None:
    text = dumps_clusters(load_clusters(EXAMPLE_CLUSTER))
    data = tomllib.loads(text)
    assert data["cluster"]["founded"] == D(2018, 9, 12)
    assert data["clinic"][0]["patients"]["2018"] == 3100


def test_dumps_refuses_an_unknown_format() -> None:
    with pytest.raises(InputError, match="toml or json"):
        dumps_clusters(load_clusters(EXAMPLE_CLUSTER), fmt="yaml")


# --- errors name the file, the record and the field ------------------------------------


def test_a_fractional_capacity_is_named_by_file_record_provider_number_and_field(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "klynge.toml",
                 BASE_TOML.replace("capacities = 2\n", "capacities = 2.5\n"))
    with pytest.raises(InputError) as info:
        load_clusters(path)
    message = str(info.value)
    for part in ("klynge.toml", "clinic[2]", "022222", "capacities", "2.5"):
        assert part in message
    assert info.value.path == str(path)
    assert info.value.record == "clinic[2] (022222)"
    assert info.value.field == "capacities"


def test_the_same_error_in_json_names_the_same_record(tmp_path: Path) -> None:
    document = json.loads(toml_to_json(BASE_TOML))
    document["clinic"][1]["capacities"] = 2.5
    path = write(tmp_path, "klynge.json", json.dumps(document))
    with pytest.raises(InputError) as info:
        load_clusters(path)
    assert (info.value.path, info.value.record, info.value.field) == (
        str(path), "clinic[2] (022222)", "capacities")


def _broken(old: str, new: str) -> str:
    assert old in BASE_TOML
    return BASE_TOML.replace(old, new, 1)


# (name of the case, file name, content, error class, parts the message must contain)
BROKEN_FILES: list[tuple[str, str, str | bytes, type[KiapRulesError], tuple[str, ...]]] = [
    ("unknown cluster key", "k.toml", _broken('coordinator', 'colour = "blå"\ncoordinator'),
     InputError, ("k.toml", "cluster", "colour", "unknown key")),
    ("unknown clinic key", "k.toml", _broken("capacities = 1", "capacities = 1\ndoctors = 1"),
     InputError, ("k.toml", "clinic[1] (011111)", "doctors", "unknown key")),
    ("unknown top-level key", "k.toml", "version = 1\n" + BASE_TOML,
     InputError, ("k.toml", "version", "unknown key")),
    ("missing cluster name", "k.toml", _broken('name = "Testklyngen"\n', ""),
     InputError, ("k.toml", "cluster", "name", "missing")),
    ("missing founded", "k.toml", _broken("founded = 2019-03-01\n", ""),
     InputError, ("k.toml", "founded", "missing")),
    ("missing capacities", "k.toml", _broken("capacities = 1\n", ""),
     InputError, ("k.toml", "clinic[1] (011111)", "capacities", "missing")),
    ("missing cluster table", "k.toml", "[[clinic]]" + BASE_TOML.split("[[clinic]]", 1)[1],
     InputError, ("k.toml", "cluster", "missing")),
    ("impossible date in TOML", "k.toml", _broken("founded = 2019-03-01", "founded = 2019-02-30"),
     InputError, ("k.toml", "not valid TOML")),
    ("date as wrong text", "k.toml", _broken("founded = 2019-03-01", 'founded = "01-03-2019"'),
     InputError, ("k.toml", "founded", "YYYY-MM-DD")),
    ("ISO week date", "k.toml", _broken("founded = 2019-03-01", 'founded = "2019-W09-5"'),
     InputError, ("k.toml", "founded", "YYYY-MM-DD")),
    ("date as a number", "k.toml", _broken("founded = 2019-03-01", "founded = 20190301"),
     InputError, ("k.toml", "founded")),
    ("datetime instead of date", "k.toml",
     _broken("joined = 2019-03-01", "joined = 2019-03-01T10:00:00"),
     InputError, ("k.toml", "clinic[1] (011111)", "joined", "time of day")),
    ("offset datetime instead of date", "k.toml",
     _broken("founded = 2019-03-01", "founded = 2019-03-01T10:00:00+01:00"),
     InputError, ("k.toml", "founded", "time of day")),
    ("time instead of date", "k.toml", _broken("founded = 2019-03-01", "founded = 10:00:00"),
     InputError, ("k.toml", "founded")),
    ("left before joined", "k.toml", _broken("joined = 2019-03-01\n",
                                             "joined = 2019-03-01\nleft = 2019-03-01\n"),
     InputError, ("k.toml", "clinic[1] (011111)", "left", "after joined")),
    ("joined before founding", "k.toml", _broken("joined = 2019-03-01", "joined = 2019-02-28"),
     InputError, ("k.toml", "clinic[1] (011111)", "joined", "before the cluster was founded")),
    ("registered before founding", "k.toml",
     _broken("founded = 2019-03-01", "founded = 2019-03-01\nregistered = 2019-01-01"),
     InputError, ("k.toml", "cluster (Testklyngen)", "registered")),
    ("provider number as int", "k.toml", _broken('"011111"', "11111"),
     InputError, ("k.toml", "clinic[1]", "provider_number", "leading zeros")),
    ("bad CVR", "k.toml", _broken('"12345674"', '"12345675"'),
     InputError, ("k.toml", "cluster (Testklyngen)", "cvr", "modulus-11")),
    ("coordinator not text", "k.toml", _broken('"Anne Jensen"', "7"),
     InputError, ("k.toml", "cluster (Testklyngen)", "coordinator")),
    ("negative patients", "k.toml", _broken("2019 = 3000", "2019 = -1"),
     InputError, ("k.toml", "clinic[2] (022222)", "patients.2019")),
    ("patients year not a year", "k.toml", _broken("2019 = 3000", "19 = 3000"),
     InputError, ("k.toml", "clinic[2] (022222)", "patients")),
    ("clinic as a table", "k.toml", BASE_TOML.split("[[clinic]]")[0] + "[clinic]\nx = 1\n",
     InputError, ("k.toml", "clinic", "list")),
    ("non-UTF-8 bytes", "k.toml", BASE_TOML.replace("Testklyngen", "Køge").encode("latin-1"),
     InputError, ("k.toml", "not UTF-8")),
    ("invalid TOML", "k.toml", BASE_TOML + "\n[cluster\n", InputError, ("k.toml", "TOML")),
    ("TOML integer over 4300 digits", "k.toml", _broken("capacities = 1", "capacities = "
                                                       + "1" * 5000),
     InputError, ("k.toml", "TOML")),
    ("TOML arrays nested too deep", "k.toml", "x = " + "[" * 3000 + "]" * 3000 + "\n",
     InputError, ("k.toml", "TOML")),
    ("invalid JSON", "k.json", '{"cluster": {"name": "X",}}', InputError,
     ("k.json", "not valid JSON", "line 1")),
    ("duplicate JSON keys", "k.json",
     '{"cluster": {"name": "X", "name": "Y", "founded": "2019-03-01"}}',
     InputError, ("k.json", "twice")),
    ("JSON NaN", "k.json", '{"cluster": {"name": "X", "founded": "2019-03-01"}, '
     '"clinic": [{"provider_number": "011111", "capacities": NaN, "joined": "2019-03-01"}]}',
     InputError, ("k.json", "NaN")),
    ("JSON Infinity", "k.json", '{"cluster": {"name": "X", "founded": "2019-03-01"}, '
     '"clinic": [{"provider_number": "011111", "capacities": Infinity, "joined": "2019-03-01"}]}',
     InputError, ("k.json", "Infinity")),
    ("JSON datetime instead of date", "k.json",
     '{"cluster": {"name": "X", "founded": "2019-03-01T00:00:00"}}',
     InputError, ("k.json", "founded", "YYYY-MM-DD")),
    ("JSON array at the top", "k.json", "[1, 2]", InputError, ("k.json", "table")),
    ("JSON null name", "k.json", '{"cluster": {"name": null, "founded": "2019-03-01"}}',
     InputError, ("k.json", "name")),
    ("JSON empty bulk list", "k.json", '{"clusters": []}', InputError, ("k.json", "clusters")),
    ("JSON bulk entry not a table", "k.json", '{"clusters": [1]}', InputError,
     ("k.json", "clusters[1]", "table")),
    ("JSON clinic not a table", "k.json",
     '{"cluster": {"name": "X", "founded": "2019-03-01"}, "clinic": ["011111"]}',
     InputError, ("k.json", "clinic[1]", "table")),
    ("JSON nested too deep", "k.json", "[" * 100_000 + "]" * 100_000, InputError,
     ("k.json", "JSON")),
    ("unknown suffix", "k.yaml", BASE_TOML, InputError, ("k.yaml", ".toml or .json")),
]


@pytest.mark.parametrize(("case", "name", "content", "error", "parts"), BROKEN_FILES,
                         ids=[c[0] for c in BROKEN_FILES])
def test_a_broken_file_raises_a_kiaprules_error_naming_where(
    tmp_path: Path, case: str, name: str, content: str | bytes,
    error: type[KiapRulesError], parts: tuple[str, ...],
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(KiapRulesError) as info:
        load_clusters(path)
    assert isinstance(info.value, error)
    message = str(info.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, (case, message)


def test_a_missing_file_and_a_directory_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_clusters(tmp_path / "absent.toml")
    with pytest.raises(InputError, match="directory"):
        load_clusters(tmp_path)


def test_a_string_with_a_lone_surrogate_is_an_input_error() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        loads_clusters(BASE_TOML.replace("Testklyngen", "Test\ud800"), fmt="toml")


# --- conflicts across files ------------------------------------------------------------


def _one_clinic(name: str, joined: str, left: str | None = None) -> str:
    leave = f"left = {left}\n" if left else ""
    return (f'[cluster]\nname = "{name}"\nfounded = 2019-01-01\n\n[[clinic]]\n'
            f'provider_number = "012345"\ncapacities = 1\njoined = {joined}\n{leave}')


def test_one_provider_number_in_two_clusters_over_overlapping_dates_is_a_conflict(
    tmp_path: Path,
) -> None:
    a = write(tmp_path, "alpha.toml", _one_clinic("Alfaklyngen", "2019-01-01", "2020-01-01"))
    b = write(tmp_path, "beta.json", toml_to_json(_one_clinic("Betaklyngen", "2019-06-01")))
    with pytest.raises(ConflictError) as info:
        load_clusters([a, b])
    message = str(info.value)
    for part in ("alpha.toml", "beta.json", "Alfaklyngen", "Betaklyngen", "012345",
                 "clinic[1]", "2019-06-01", "2020-01-01"):
        assert part in message
    assert isinstance(info.value, InputError)


def test_a_cluster_switch_on_the_day_of_leaving_is_no_conflict(tmp_path: Path) -> None:
    a = write(tmp_path, "alpha.toml", _one_clinic("Alfaklyngen", "2019-01-01", "2020-01-01"))
    b = write(tmp_path, "beta.toml", _one_clinic("Betaklyngen", "2020-01-01"))
    assert [c.name for c in load_clusters([b, a])] == ["Alfaklyngen", "Betaklyngen"]


def test_one_cluster_name_in_two_files_is_a_conflict(tmp_path: Path) -> None:
    a = write(tmp_path, "one.toml", BASE_TOML)
    b = write(tmp_path, "two.toml",
              BASE_TOML.replace("011111", "033333").replace("022222", "044444"))
    with pytest.raises(ConflictError) as info:
        load_clusters([a, b])
    assert "one.toml" in str(info.value)
    assert "two.toml" in str(info.value)


def test_a_provider_number_twice_at_once_in_one_file_is_a_conflict(tmp_path: Path) -> None:
    path = write(tmp_path, "k.toml", BASE_TOML.replace('"022222"', '"011111"'))
    with pytest.raises(ConflictError, match="twice"):
        load_clusters(path)


# --- garbled documents: a KiapRulesError or a load, never another exception ------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


_SCALARS = st.one_of(
    st.booleans(),
    st.integers(-10, 10**20),
    st.text(max_size=12),
    st.dates(D(1800, 1, 1), D(2300, 12, 31)),
)


def _junk(fmt: str) -> st.SearchStrategy[Any]:
    scalars = _SCALARS if fmt == "toml" else st.one_of(_SCALARS, st.none(), st.floats())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@st.composite
def garbled_documents(draw: st.DrawFn, fmt: str) -> str:
    base = draw(st.sampled_from(["example", "generated"]))
    if base == "example":
        document = tomllib.loads(EXAMPLE_CLUSTER.read_text())
    else:
        many = draw(st.lists(clusters(max_clinics=3), min_size=1, max_size=2,
                             unique_by=lambda c: c.name))
        if len(many) == 1:
            document = cluster_to_dict(many[0])
        else:
            document = {"clusters": [{**(d := cluster_to_dict(c))["cluster"],
                                      "clinic": d["clinic"]} for c in many]}
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        operation = draw(st.sampled_from(["delete", "retype", "duplicate", "rename"]))
        if operation == "delete":
            del parent[path[-1]]
        elif operation == "retype":
            parent[path[-1]] = draw(_junk(fmt))
        elif operation == "duplicate":
            if isinstance(parent, list):
                parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
            elif isinstance(parent[path[-1]], list) and parent[path[-1]]:
                parent[path[-1]].append(copy.deepcopy(parent[path[-1]][0]))
        elif isinstance(parent, dict):  # rename a key
            new_key = draw(st.text(max_size=8))
            parent[new_key] = parent.pop(path[-1])
    if fmt == "json":
        return json.dumps(document, default=_iso, ensure_ascii=draw(st.booleans()))
    return tomli_w.dumps(_without_none(document))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _load_or_refuse(text: str | bytes, fmt: str) -> None:
    try:
        loaded = loads_clusters(text, fmt=fmt, path=f"garbled.{fmt}")
    except KiapRulesError as exc:
        assert str(exc).strip()
    else:
        assert all(isinstance(c, Cluster) for c in loaded)
        assert loaded


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["toml", "json"]).flatmap(
    lambda fmt: st.tuples(st.just(fmt), garbled_documents(fmt))))
def test_a_garbled_document_loads_or_raises_a_kiaprules_error(case: tuple[str, str]) -> None:
    fmt, text = case
    _load_or_refuse(text, fmt)


@given(st.sampled_from(["toml", "json"]), st.data())
def test_a_document_garbled_as_text_loads_or_raises_a_kiaprules_error(fmt: str,
                                                                      data: st.DataObject) -> None:
    text = dumps_clusters(load_clusters(EXAMPLE_CLUSTER), fmt=fmt)
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        operation = data.draw(st.sampled_from(["delete", "duplicate", "truncate", "insert"]))
        if operation == "delete" and len(lines) > 1:
            del lines[i]
        elif operation == "duplicate":
            lines.insert(i, lines[i])
        elif operation == "truncate":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        else:
            at = data.draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + data.draw(st.text(max_size=3)) + lines[i][at:]
    _load_or_refuse("".join(lines).encode("utf-8", "surrogatepass"), fmt)


@given(st.binary(max_size=200), st.sampled_from(["toml", "json"]))
def test_arbitrary_bytes_load_or_raise_a_kiaprules_error(data: bytes, fmt: str) -> None:
    _load_or_refuse(data, fmt)
