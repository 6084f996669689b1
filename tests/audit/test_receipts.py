"""Receipts: ``payouts --receipt`` writes one, ``verify`` recomputes it.

A receipt must verify as identical right after it is written, and must stop
verifying the moment any one thing in it is changed: an input, the stored
result, an override, a policy or the embedded ruleset. Malformed receipts are
one error (exit 2, one line on stderr), never a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import errno
import io
import json
import os
import stat
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kiaprules
from kiaprules import (
    Clinic,
    Cluster,
    InputError,
    KiapRulesError,
    Membership,
    Override,
    compute_payouts,
    load_clusters,
    load_ruleset,
    make_receipt,
    verify_receipt,
)
from kiaprules.audit.receipt import write_receipt
from kiaprules.cli import main
from kiaprules.formats.clusterfile import cluster_from_dict
from kiaprules.rules.loader import ruleset_from_data

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "koegeklyngen.toml"
RULESET = load_ruleset("dk-kiap")
POLICY_NAMES = ("clawback", "founding_members", "founding_year", "late_joiner_startup",
                "rounding")

Receipt = dict[str, Any]


def _verify_cli(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["verify", str(path)], out=out)
    return status, out.getvalue(), err.getvalue()


def _save(path: Path, receipt: Receipt) -> Path:
    path.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_receipt() -> Receipt:
    return make_receipt(load_clusters(EXAMPLE))


# --- the example: write → verify ----------------------------------------------------------


def test_example_round_trip(tmp_path: Path, example_receipt: Receipt) -> None:
    path = tmp_path / "receipt.json"
    write_receipt(path, example_receipt)
    assert json.loads(path.read_text(encoding="utf-8")) == example_receipt
    verification = verify_receipt(path)
    assert verification.identical is True
    assert verification.difference is None and verification.notes == ()
    assert str(verification) == "identical"
    assert _verify_cli(path) == (0, "identical\n", "")


def test_example_receipt_contents(example_receipt: Receipt) -> None:
    r = example_receipt
    assert list(r) == ["kiaprules_receipt", "library", "ruleset", "overrides", "policies",
                       "strict", "years", "inputs", "result"]
    assert r["kiaprules_receipt"] == 1
    assert r["library"] == {"name": "kiaprules", "version": kiaprules.__version__}
    assert r["ruleset"]["id"] == "dk-kiap"
    assert r["ruleset"]["fingerprint"] == RULESET.fingerprint
    # The embedded content is the whole ruleset: it rebuilds to the same fingerprint.
    assert ruleset_from_data(r["ruleset"]["content"]).fingerprint == RULESET.fingerprint
    assert (r["overrides"], r["policies"], r["strict"]) == ([], {}, False)
    assert r["years"] == list(range(2018, 2026))
    clusters = load_clusters(EXAMPLE)
    rebuilt = [cluster_from_dict(c["cluster"], c["clinic"]) for c in r["inputs"]["clusters"]]
    assert rebuilt == list(clusters)
    expected = json.loads(compute_payouts(clusters).to_json())
    assert json.loads(json.dumps(r["result"])) == expected
    assert r["result"]["clusters"][0]["years"][0]["total"] == "168110.90"


def test_cli_payouts_receipt_with_overrides_and_policies(tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    out = io.StringIO()
    status = main(["payouts", str(EXAMPLE), "--set", "operating_rate@2019=4.26",
                   "--policy", "clawback=never", "--years", "2018-2022", "--receipt",
                   str(path)], out=out)
    assert status == 0 and "Køgeklyngen" in out.getvalue()
    receipt = json.loads(path.read_text(encoding="utf-8"))
    assert receipt["overrides"] == [{"parameter": "operating_rate", "value": "4.26",
                                     "start": "2019-01-01", "end": "2020-01-01"}]
    assert receipt["policies"] == {"clawback": "never"}
    assert receipt["years"] == [2018, 2019, 2020, 2021, 2022]
    # The content is the ruleset as shipped; the override is kept apart.
    assert receipt["ruleset"]["fingerprint"] == RULESET.fingerprint
    assert receipt["result"]["ruleset"]["fingerprint"] != RULESET.fingerprint
    y2019 = receipt["result"]["clusters"][0]["years"][1]
    [operating] = [line for line in y2019["lines"] if line["kind"] == "operating"]
    assert operating["rate"] == "4.26"
    assert not [line for y in receipt["result"]["clusters"][0]["years"]
                for line in y["lines"] if line["kind"] == "clawback"]
    assert _verify_cli(path) == (0, "identical\n", "")
    # The same receipt as the library makes.
    again = make_receipt(load_clusters(EXAMPLE), years=range(2018, 2023),
                         overrides=["operating_rate@2019=4.26"], policies={"clawback": "never"})
    assert json.loads(json.dumps(again, ensure_ascii=False)) == receipt


# --- changing any one thing is noticed ----------------------------------------------------


def _first_clinic(receipt: Receipt, provider: str) -> dict[str, Any]:
    [clinic] = [c for c in receipt["inputs"]["clusters"][0]["clinic"]
                if c["provider_number"] == provider]
    return clinic


def _plus(text: str, step: str) -> str:
    return str(Decimal(text) + Decimal(step))


def _refingerprint(receipt: Receipt) -> None:
    receipt["ruleset"]["fingerprint"] = ruleset_from_data(
        receipt["ruleset"]["content"]).fingerprint


def _rate_value(receipt: Receipt) -> dict[str, Any]:
    values = receipt["ruleset"]["content"]["parameters"]["operating_rate"]["values"]
    [first] = [v for v in values if v["from"] == "2018-01-01"]
    return first  # type: ignore[no-any-return]


def _bump_rate(receipt: Receipt) -> None:
    entry = _rate_value(receipt)
    entry["value"] = _plus(entry["value"], "0.01")


def _other_policy(receipt: Receipt, name: str) -> None:
    current = receipt["result"]["policies"][name]
    choices = sorted(RULESET.policies[name].choices)
    receipt["policies"][name] = next(c for c in choices if c != current)


#: name → (mutation, what the difference message starts with)
EXAMPLE_MUTATIONS: dict[str, tuple[Callable[[Receipt], None], str]] = {
    "patient-count": (lambda r: _first_clinic(r, "012345")["patients"].update({"2019": 3151}),
                      "result.clusters[0].years[1]"),
    "capacity": (lambda r: _first_clinic(r, "012345").update(capacities=3),
                 "result.clusters[0].years[0]"),
    "result-total": (lambda r: r["result"]["clusters"][0]["years"][0].update(total="168110.91"),
                     'result.clusters[0].years[0].total: receipt "168110.91", recomputed '
                     '"168110.90"'),
    "override-added": (lambda r: r["overrides"].append(
        {"parameter": "operating_rate", "value": "4.26", "start": "2019-01-01",
         "end": "2020-01-01"}), "result.ruleset.fingerprint"),
    "policy": (lambda r: _other_policy(r, "clawback"),
               'result.policies.clawback: receipt "within_first_year", recomputed "never"'),
    "years": (lambda r: r["years"].pop(), "result.years: the receipt has 8 entries"),
    "ruleset-rate": (_bump_rate, "ruleset.content has fingerprint "),
    "ruleset-rate-refingerprinted": (lambda r: (_bump_rate(r), _refingerprint(r)),
                                     "ruleset 'dk-kiap' has changed since the receipt: it is "
                                     f"now {RULESET.fingerprint}"),
}


@pytest.mark.parametrize("name", list(EXAMPLE_MUTATIONS))
def test_example_changed_is_not_identical(tmp_path: Path, example_receipt: Receipt,
                                          name: str) -> None:
    mutate, starts = EXAMPLE_MUTATIONS[name]
    changed = copy.deepcopy(example_receipt)
    mutate(changed)
    assert changed != example_receipt
    path = _save(tmp_path / f"{name}.json", changed)
    verification = verify_receipt(path)
    assert verification.identical is False
    assert verification.difference and verification.difference.startswith(starts)
    status, out, err = _verify_cli(path)
    assert (status, err) == (1, "")
    assert out == f"different: {verification.difference}\n"


def test_a_changed_ruleset_is_reported_with_both_fingerprints(tmp_path: Path,
                                                              example_receipt: Receipt) -> None:
    changed = copy.deepcopy(example_receipt)
    _bump_rate(changed)
    _refingerprint(changed)
    new = changed["ruleset"]["fingerprint"]
    assert new != RULESET.fingerprint
    verification = verify_receipt(_save(tmp_path / "r.json", changed))
    assert verification.difference == (
        f"ruleset 'dk-kiap' has changed since the receipt: it is now {RULESET.fingerprint}, "
        f"the receipt used {new}")


def test_an_unshipped_ruleset_is_recomputed_from_the_receipt(tmp_path: Path) -> None:
    data = RULESET.to_data()
    data["ruleset"]["id"] = "test-not-shipped"
    custom = ruleset_from_data(data)
    receipt = make_receipt(load_clusters(EXAMPLE), custom, years=[2018, 2019])
    assert receipt["ruleset"]["id"] == "test-not-shipped"
    verification = verify_receipt(_save(tmp_path / "r.json", receipt))
    assert verification.identical
    assert verification.notes == ("note: no ruleset 'test-not-shipped' is shipped now; "
                                  "recomputed with the embedded one",)
    # ... and is still bound to its own content.
    _bump_rate(receipt)
    verification = verify_receipt(_save(tmp_path / "r2.json", receipt))
    assert not verification.identical
    assert "the embedded ruleset was changed" in (verification.difference or "")


def test_a_changed_input_that_moves_no_figure_is_noticed(tmp_path: Path) -> None:
    receipt = make_receipt(load_clusters(EXAMPLE), years=[2018, 2019])
    _first_clinic(receipt, "012345")["patients"]["2024"] += 1
    verification = verify_receipt(_save(tmp_path / "r.json", receipt))
    assert not verification.identical


def test_another_library_version_is_a_note(tmp_path: Path, example_receipt: Receipt) -> None:
    changed = copy.deepcopy(example_receipt)
    changed["library"]["version"] = "0.0.1"
    path = _save(tmp_path / "r.json", changed)
    status, out, _ = _verify_cli(path)
    assert status == 0
    assert out == (f"identical\nnote: the receipt was made by kiaprules 0.0.1, this is "
                   f"{kiaprules.__version__}\n")


def test_an_invalid_embedded_ruleset_is_a_difference(tmp_path: Path,
                                                     example_receipt: Receipt) -> None:
    changed = copy.deepcopy(example_receipt)
    del changed["ruleset"]["content"]["parameters"]["operating_rate"]["values"][0]["citation"]
    status, out, _ = _verify_cli(_save(tmp_path / "r.json", changed))
    assert status == 1
    assert out.startswith("different: the embedded ruleset is not valid: ")


# --- the property: any generated computation ----------------------------------------------

_FIRST = "10001"


@st.composite
def computations(draw: st.DrawFn) -> dict[str, Any]:
    """A small cluster, years, overrides, policies: what make_receipt takes."""
    year = draw(st.integers(2018, 2023), label="founding year")
    founded = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    registered = founded + dt.timedelta(days=draw(st.integers(0, 40)))

    def counts() -> dict[int, int]:
        return {y: draw(st.integers(0, 60_000)) for y in range(2018, 2027)}

    # The first clinic is a founding member that stays: its founding-year count
    # and its capacities are always paid for in the first payout.
    members = [Membership(clinic=Clinic(provider_number=_FIRST,
                                        capacities=draw(st.integers(1, 20)),
                                        patients=counts()), joined=founded)]
    for i in range(draw(st.integers(0, 2))):
        joined = founded + dt.timedelta(days=draw(st.integers(0, 730)))
        left = draw(st.none() | st.integers(1, 800).map(lambda n, j=joined: j +
                                                         dt.timedelta(days=n)))
        members.append(Membership(
            clinic=Clinic(provider_number=f"2000{i}", capacities=draw(st.integers(1, 20)),
                          patients=counts()),
            joined=joined, left=left,
            switched_from=draw(st.sampled_from([None, "Nabo-klyngen"]))))
    cluster = Cluster(name="Genereret klynge", cvr="12345674", coordinator="Anne Jensen",
                      founded=founded, registered=registered,
                      memberships=members)
    last = min(year + draw(st.integers(0, 2)), 2025)
    years = list(range(year, last + 1))
    strict = False
    # Strict mode computes only what is published: the 2018 rates (C5: the startup
    # grant is published for 2018–2021 only, the operating rate not for 2019–2021).
    if all(y == 2018 for y in years):
        strict = draw(st.booleans(), label="strict")
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        parameter = draw(st.sampled_from(["operating_rate", "supplement_rate",
                                          "startup_grant"]))
        top = 2_000_000 if parameter == "startup_grant" else 1_500
        value = Decimal(draw(st.integers(0, top))) / 100
        start = draw(st.integers(2018, 2025))
        overrides.append(Override(parameter=parameter, value=value,
                                  start=dt.date(start, 1, 1), end=dt.date(start + 1, 1, 1)))
    policies = {name: draw(st.sampled_from(sorted(RULESET.policies[name].choices)))
                for name in POLICY_NAMES if draw(st.booleans())}
    return {"clusters": [cluster], "years": years, "overrides": overrides,
            "policies": policies, "strict": strict}


def _mutations(receipt: Receipt) -> dict[str, Callable[[Receipt], None]]:
    founding_year = str(receipt["years"][0])
    first = _first_clinic(receipt, _FIRST)
    out: dict[str, Callable[[Receipt], None]] = {
        "patient-count": lambda r: _first_clinic(r, _FIRST)["patients"].update(
            {founding_year: first["patients"][founding_year] + 1}),
        "capacity": lambda r: _first_clinic(r, _FIRST).update(
            capacities=first["capacities"] + 1),
        "result-total": lambda r: r["result"]["clusters"][0]["years"][0].update(
            total=_plus(r["result"]["clusters"][0]["years"][0]["total"], "0.01")),
        "ruleset-rate": _bump_rate,
        "ruleset-rate-refingerprinted": lambda r: (_bump_rate(r), _refingerprint(r)),
    }
    for name in POLICY_NAMES:
        out[f"policy-{name}"] = lambda r, n=name: _other_policy(r, n)
    for i, _ in enumerate(receipt["overrides"]):
        out[f"override-{i}"] = lambda r, i=i: r["overrides"][i].update(
            value=_plus(r["overrides"][i]["value"], "0.01"))
    if receipt["strict"]:
        out["strict"] = lambda r: r.update(strict=False)
    return out


@settings(max_examples=40, deadline=None)
@given(computation=computations())
def test_receipt_property(computation: dict[str, Any]) -> None:
    receipt = make_receipt(**computation)
    assert [cluster_from_dict(c["cluster"], c["clinic"])
            for c in receipt["inputs"]["clusters"]] == computation["clusters"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "receipt.json"
        write_receipt(path, receipt)
        verification = verify_receipt(path)
        assert (verification.identical, verification.difference) == (True, None)
        assert _verify_cli(path) == (0, "identical\n", "")
        for name, mutate in _mutations(receipt).items():
            changed = copy.deepcopy(receipt)
            mutate(changed)
            assert changed != receipt, name
            write_receipt(path, changed)
            status, out, err = _verify_cli(path)
            assert (status, err) == (1, ""), (name, out, err)
            assert out.startswith("different: ") and len(out) > len("different: \n"), name


# --- malformed receipts -------------------------------------------------------------------


def _set(key: str, value: Any) -> Callable[[Receipt], None]:
    return lambda r: r.update({key: value})


_OVERRIDE = {"parameter": "operating_rate", "value": "4.26", "start": "2019-01-01",
             "end": "2020-01-01"}

MALFORMED: list[Any] = [
    pytest.param("{not json", id="not-json"),
    pytest.param("[1, 2]", id="top-level-list"),
    pytest.param("", id="empty-file"),
    pytest.param(lambda r: r.pop("result"), id="missing-result"),
    pytest.param(lambda r: r.pop("inputs"), id="missing-inputs"),
    pytest.param(_set("comment", "x"), id="unknown-key"),
    pytest.param(_set("kiaprules_receipt", 2), id="format-2"),
    pytest.param(_set("kiaprules_receipt", "1"), id="format-text"),
    pytest.param(_set("ruleset", []), id="ruleset-list"),
    pytest.param(_set("library", "kiaprules"), id="library-text"),
    pytest.param(_set("years", "2018-2025"), id="years-text"),
    pytest.param(_set("years", ["abc"]), id="years-not-years"),
    pytest.param(_set("inputs", []), id="inputs-list"),
    pytest.param(lambda r: r["inputs"].update(clusters={}), id="clusters-table"),
    pytest.param(lambda r: r["inputs"].update(clusters=["x"]), id="cluster-text"),
    pytest.param(lambda r: r["inputs"]["clusters"][0]["clinic"][0].update(capacities="2"),
                 id="capacities-text"),
    pytest.param(lambda r: r["inputs"]["clusters"][0]["cluster"].update(name=5),
                 id="name-number"),
    pytest.param(_set("policies", []), id="policies-list"),
    pytest.param(_set("policies", {"clawback": "sometimes"}), id="policy-value"),
    pytest.param(_set("policies", {"nope": "x"}), id="policy-unknown"),
    pytest.param(_set("strict", "no"), id="strict-text"),
    pytest.param(_set("overrides", {}), id="overrides-table"),
    pytest.param(_set("overrides", [{"parameter": "operating_rate"}]), id="override-keys"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "start": 2019}]), id="override-start-int"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "start": "2019-13-01"}]),
                 id="override-start-bad"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "value": [1]}]), id="override-value-list"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "value": 4.26}]), id="override-value-float"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "parameter": "nope"}]),
                 id="override-parameter-unknown"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "parameter": 5}]),
                 id="override-parameter-number"),
]


def _malformed(tmp_path: Path, receipt: Receipt, how: Any) -> Path:
    path = tmp_path / "receipt.json"
    if isinstance(how, str):
        path.write_text(how, encoding="utf-8")
    else:
        changed = copy.deepcopy(receipt)
        how(changed)
        _save(path, changed)
    return path


@pytest.mark.parametrize("how", MALFORMED)
def test_malformed_receipt_is_one_error(tmp_path: Path, example_receipt: Receipt,
                                        how: Any) -> None:
    path = _malformed(tmp_path, example_receipt, how)
    with pytest.raises(KiapRulesError):
        verify_receipt(path)
    status, out, err = _verify_cli(path)
    assert (status, out) == (2, "")
    assert err.startswith("kiaprules: error: ")
    assert err.endswith("\n") and err.count("\n") == 1


@pytest.mark.parametrize("how", [
    pytest.param("{not json", id="not-json"),
    pytest.param(lambda r: r.pop("result"), id="missing-result"),
    pytest.param(_set("years", "2018-2025"), id="years-text"),
    pytest.param(_set("strict", "no"), id="strict-text"),
    pytest.param(lambda r: r["inputs"]["clusters"][0]["clinic"][0].update(capacities="2"),
                 id="capacities-text"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "start": 2019}]), id="override-start-int"),
    pytest.param(_set("years", ["abc"]), id="years-not-years"),
    pytest.param(_set("policies", {"clawback": "sometimes"}), id="policy-value"),
    pytest.param(_set("policies", {"nope": "x"}), id="policy-unknown"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "value": [1]}]), id="override-value-list"),
    pytest.param(_set("overrides", [{**_OVERRIDE, "parameter": "nope"}]),
                 id="override-parameter-unknown"),
])
def test_malformed_receipt_error_names_the_file(tmp_path: Path, example_receipt: Receipt,
                                                how: Any) -> None:
    path = _malformed(tmp_path, example_receipt, how)
    with pytest.raises(KiapRulesError) as info:
        verify_receipt(path)
    assert info.value.path is not None and str(path) in info.value.path
    assert str(info.value).startswith(str(path))


def test_a_boolean_format_marker_is_refused(tmp_path: Path, example_receipt: Receipt) -> None:
    path = _malformed(tmp_path, example_receipt, _set("kiaprules_receipt", True))
    with pytest.raises(KiapRulesError, match="kiaprules_receipt"):
        verify_receipt(path)


def test_a_receipt_needs_a_path_that_exists(tmp_path: Path) -> None:
    status, out, err = _verify_cli(tmp_path / "missing.json")
    assert (status, out) == (2, "")
    assert err == f"kiaprules: error: {tmp_path / 'missing.json'}: no such file\n"


# --- writing: atomically, and never over an input -------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_write_receipt_writes_a_new_file_beside_the_target_then_renames_it(
    tmp_path: Path, example_receipt: Receipt, monkeypatch: pytest.MonkeyPatch,
) -> None:
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        renamed.append((src, dst))
        assert json.loads(Path(src).read_text(encoding="utf-8")) == example_receipt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    path = tmp_path / "receipt.json"
    path.write_text("old\n", encoding="utf-8")
    write_receipt(path, example_receipt)
    [(src, dst)] = renamed
    assert os.path.dirname(src) == str(tmp_path) and dst == str(path)
    assert list(_files(tmp_path)) == ["receipt.json"]
    assert json.loads(path.read_text(encoding="utf-8")) == example_receipt
    # As readable as a file written in place: the mode a new file gets here.
    plain = tmp_path / "plain"
    plain.write_text("", encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


#: Where writing a receipt can be stopped: the call that fails, and what it raises.
FAILURES = {
    "open": ("open", OSError(errno.EACCES, "Permission denied")),
    "write (disk full)": ("fsync", OSError(errno.ENOSPC, "No space left on device")),
    "rename": ("replace", OSError(errno.EXDEV, "Invalid cross-device link")),
    "interrupted": ("fsync", KeyboardInterrupt()),
}


@settings(max_examples=20, deadline=None)
@given(failure=st.sampled_from(sorted(FAILURES)), existed=st.booleans())
def test_a_receipt_whose_writing_fails_leaves_the_old_file_and_nothing_else(
    failure: str, existed: bool,
) -> None:
    receipt = {"kiaprules_receipt": 1, "note": "small stand-in"}
    where, error = FAILURES[failure]

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "receipt.json"
        if existed:
            path.write_text("the old receipt\n", encoding="utf-8")
        before = _files(Path(folder))
        with mock.patch.object(os, where, fail), pytest.raises(
                KeyboardInterrupt if isinstance(error, KeyboardInterrupt) else InputError
        ) as info:
            write_receipt(path, receipt)
        if isinstance(info.value, InputError):
            assert info.value.path == str(path) and info.value.field == "receipt"
            assert info.value.reason.startswith("cannot be written (")
        assert _files(Path(folder)) == before
        write_receipt(path, receipt)  # and once the trouble is gone, it is written whole
        assert json.loads(path.read_text(encoding="utf-8")) == receipt
        assert list(_files(Path(folder))) == ["receipt.json"]


def test_a_receipt_that_is_not_json_data_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "receipt.json"
    for bad in ({"total": Decimal("1.00")}, {"x": float("nan")}):
        with pytest.raises(InputError, match="is not receipt data"):
            write_receipt(path, bad)
    assert list(tmp_path.iterdir()) == []


def test_write_receipt_refuses_to_write_over_one_of_its_inputs(
    tmp_path: Path, example_receipt: Receipt,
) -> None:
    cluster = tmp_path / "k.toml"
    cluster.write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "hard.json").hardlink_to(cluster)
    (tmp_path / "soft.json").symlink_to(cluster)
    for target, words in [(cluster, "is one of the computation's inputs"),
                          (tmp_path / "hard.json", f"is the same file as {cluster}"),
                          (tmp_path / "soft.json", f"is the same file as {cluster}")]:
        with pytest.raises(InputError) as info:
            write_receipt(target, example_receipt, inputs=[str(tmp_path / "x.toml"), cluster])
        assert (info.value.path, info.value.field) == (str(target), "receipt")
        assert info.value.reason.startswith(words)
        assert cluster.read_bytes() == EXAMPLE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.json", "k.toml", "soft.json"]
    write_receipt(tmp_path / "r.json", example_receipt, inputs=[cluster])
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == example_receipt

