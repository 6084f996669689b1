"""Receipts: ``payouts --receipt`` writes one, ``verify`` recomputes it.

A receipt must verify as identical right after it is written, and must stop
verifying the moment any one thing in it is changed: an input, the stored
result, an override, a policy or the embedded ruleset. Malformed receipts are
one error (exit 2, one line on stderr), never a traceback.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import datetime as dt
import errno
import io
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import SHIPPED_RULESET
from hypothesis import example, given, settings
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
    # The embedded ruleset edited with its fingerprint made to match: the result, computed
    # under the ruleset it names, does not recompute under the one embedded now.
    "ruleset-rate-refingerprinted": (lambda r: (_bump_rate(r), _refingerprint(r)),
                                     f'result.ruleset.fingerprint: receipt "{RULESET.fingerprint}'
                                     '", recomputed "sha256:'),
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
    assert out == f"{verification}\n"
    assert out.startswith(f"different: {verification.difference}\n")


def test_a_changed_ruleset_is_reported_with_both_fingerprints(tmp_path: Path,
                                                              example_receipt: Receipt) -> None:
    """An edited embedded ruleset with its fingerprint made to match is a different receipt
    (its result does not recompute under it), and the shipped ruleset is said apart."""
    changed = copy.deepcopy(example_receipt)
    _bump_rate(changed)
    _refingerprint(changed)
    new = changed["ruleset"]["fingerprint"]
    assert new != RULESET.fingerprint
    verification = verify_receipt(_save(tmp_path / "r.json", changed))
    assert not verification.identical
    assert verification.notes == (
        f"note: the receipt's ruleset is {new}; the shipped dk-kiap is now "
        f"{RULESET.fingerprint}",)
    assert verification.ruleset_changed == "the shipped dk-kiap has changed"
    assert verification.ruleset_changes == ("operating_rate 2018 4.34 → 4.33",)
    assert str(verification).splitlines()[1:] == [
        verification.notes[0],
        "note: the shipped dk-kiap has changed: operating_rate 2018 4.34 → 4.33"]


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
    # Either way: on, it may make the recomputation impossible (a year no source
    # publishes a rate for), which is a difference all the same, not bad input.
    out["strict"] = lambda r: r.update(strict=not r["strict"])
    # A year range changed: shorter, longer (into years without patient counts, so
    # the recomputation would refuse), shifted.
    out["years-shorter"] = lambda r: r.update(years=r["years"][:-1])
    out["years-longer"] = lambda r: r.update(years=[*r["years"], 2026, 2027, 2028])
    out["years-earlier"] = lambda r: r.update(years=[r["years"][0] - 1, *r["years"]])
    # An equal value of another JSON type.
    out["result-year-as-float"] = lambda r: r["result"]["years"].__setitem__(
        0, float(r["result"]["years"][0]))
    out["result-first-payout-as-int"] = lambda r: r["result"]["clusters"][0]["years"][0].update(
        first_payout=int(r["result"]["clusters"][0]["years"][0]["first_payout"]))
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
            assert json.dumps(changed) != json.dumps(receipt), name
            write_receipt(path, changed)
            status, out, err = _verify_cli(path)
            if name == "ruleset-rate-refingerprinted" and status == 0:
                # The embedded ruleset is what the receipt rests on: edited consistently
                # (content and fingerprint), it is a receipt of another ruleset, identical
                # when the edited 2018 rate is overridden in it. The shipped one differs,
                # and verify says so, with the value.
                assert out.startswith("identical under the ruleset it was made with; the "
                                      "shipped dk-kiap has changed: operating_rate 2018 "), out
                assert any(o["parameter"] == "operating_rate" and o["start"] == "2018-01-01"
                           for o in changed["overrides"]), out
                continue
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


# --- verify compares JSON types as well as values ----------------------------------------------


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*path, i))]
    return [path]


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _put(node: Any, path: tuple[Any, ...], value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _same_value_other_types(value: Any) -> list[Any]:
    """Values Python finds equal to ``value`` that JSON writes as another type."""
    if isinstance(value, bool):
        return [int(value), float(value)]
    if isinstance(value, int):
        return [float(value), *([bool(value)] if value in (0, 1) else [])]
    if isinstance(value, float) and value.is_integer():
        return [int(value)]
    return []


SMALL_RECEIPT = make_receipt(load_clusters(EXAMPLE), years=[2018, 2019],
                             overrides=["operating_rate@2019=4.26"])
RETYPABLE = [(path, other) for path in _leaves(SMALL_RECEIPT)
             for other in _same_value_other_types(_get(SMALL_RECEIPT, path))]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(RETYPABLE))
@example((("result", "years", 0), 2018.0))
@example((("result", "clusters", 0, "years", 0, "first_payout"), 1))
@example((("result", "inputs", "clusters"), 1.0))
@example((("years", 0), 2018.0))
@example((("strict",), 0))
@example((("inputs", "clusters", 0, "clinic", 0, "capacities"), 2.0))
def test_an_equal_value_of_another_json_type_is_never_identical(
    case: tuple[tuple[Any, ...], Any],
) -> None:
    path, other = case
    changed = copy.deepcopy(SMALL_RECEIPT)
    _put(changed, path, other)
    with tempfile.TemporaryDirectory() as folder:
        saved = _save(Path(folder) / "r.json", changed)
        try:
            verification = verify_receipt(saved)
        except KiapRulesError as exc:  # refused as bad input: the type is not the field's
            assert str(exc).startswith(str(saved))
            assert _verify_cli(saved)[0] == 2
        else:
            assert verification.identical is False
            assert _verify_cli(saved)[0] == 1


@pytest.mark.parametrize(("path", "other", "difference"), [
    (("result", "years", 0), 2018.0,
     "result.years[0]: receipt 2018.0 (a number with a fraction), recomputed 2018 "
     "(an integer)"),
    (("result", "clusters", 0, "years", 0, "first_payout"), 1,
     "result.clusters[0].years[0].first_payout: receipt 1 (an integer), recomputed true "
     "(a boolean)"),
    (("result", "inputs", "clusters"), 1.0,
     "result.inputs.clusters: receipt 1.0 (a number with a fraction), recomputed 1 "
     "(an integer)"),
    (("result", "clusters", 0, "years", 0, "withheld"), "null",
     'result.clusters[0].years[0].withheld: receipt "null" (text), recomputed null (null)'),
])
def test_the_issues_retyped_values_are_named_with_both_types(
    tmp_path: Path, path: tuple[Any, ...], other: Any, difference: str,
) -> None:
    changed = copy.deepcopy(SMALL_RECEIPT)
    _put(changed, path, other)
    verification = verify_receipt(_save(tmp_path / "r.json", changed))
    assert (verification.identical, verification.difference) == (False, difference)


@pytest.mark.parametrize(("years", "words"), [
    (["2018", "2019"], "must be whole years (JSON integers), got '2018'"),
    ([2018.0, 2019], "must be whole years (JSON integers), got 2018.0"),
    ([True], "must be whole years (JSON integers), got True"),
])
def test_years_that_are_not_json_integers_are_refused_naming_the_field(
    tmp_path: Path, years: list[Any], words: str,
) -> None:
    changed = copy.deepcopy(SMALL_RECEIPT)
    changed["years"] = years
    path = _save(tmp_path / "r.json", changed)
    with pytest.raises(InputError) as info:
        verify_receipt(path)
    assert (info.value.record, info.value.field, info.value.reason) == ("receipt", "years", words)
    assert _verify_cli(path) == (2, "", f"kiaprules: error: {info.value}\n")


# --- a changed year range or strict flag is a difference, not bad input ------------------------


@pytest.mark.parametrize(("change", "difference"), [
    pytest.param(lambda r: r.update(strict=True),
                 'result.policies.unpublished_years: receipt "carry_forward", recomputed '
                 '"refuse"', id="strict-on"),
    pytest.param(lambda r: r.update(years=list(range(2018, 2031))),
                 "result.years: the receipt has 8 entries, the recomputation 13",
                 id="years-past-the-patient-counts"),
    pytest.param(lambda r: r.update(years=list(range(2010, 2026))),
                 "result.years[0]: receipt 2018, recomputed 2010", id="years-earlier"),
    pytest.param(lambda r: r.update(years=[*r["years"], 2025]),
                 "years: receipt [2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2025], not "
                 "years in increasing order each once, as a receipt lists them",
                 id="a-year-twice"),
    pytest.param(lambda r: r.update(years=r["years"][::-1]),
                 "years: receipt [2025, 2024, 2023, 2022, 2021, 2020, 2019, 2018], not years "
                 "in increasing order each once, as a receipt lists them", id="years-reversed"),
])
def test_a_changed_year_range_or_strict_flag_is_a_difference(
    tmp_path: Path, example_receipt: Receipt, change: Callable[[Receipt], None],
    difference: str,
) -> None:
    changed = copy.deepcopy(example_receipt)
    change(changed)
    path = _save(tmp_path / "r.json", changed)
    verification = verify_receipt(path)
    assert (verification.identical, verification.difference) == (False, difference)
    assert _verify_cli(path) == (1, f"different: {difference}\n", "")


def test_strict_turned_off_is_a_difference(tmp_path: Path) -> None:
    receipt = make_receipt(load_clusters(EXAMPLE), years=[2018], strict=True)
    assert verify_receipt(_save(tmp_path / "r.json", receipt)).identical
    receipt["strict"] = False
    verification = verify_receipt(_save(tmp_path / "r.json", receipt))
    assert verification.difference == ('result.policies.unpublished_years: receipt "refuse", '
                                       'recomputed "carry_forward"')


# --- the ruleset's id is looked up among the shipped rulesets, never opened as a path ----------


class _Opened:
    """Stands in for `open`: records every path asked for, and opens only ``allowed`` ones
    (a refused path raises, so a regression fails fast instead of reading /dev/zero)."""

    def __init__(self, *allowed: str | os.PathLike[str]) -> None:
        self.paths: list[str] = []
        self.allowed = {os.path.realpath(p) for p in allowed}
        self._open = builtins.open

        self._os_open = os.open

    def _check(self, file: Any) -> None:
        if isinstance(file, str | bytes | os.PathLike):
            path = os.path.realpath(os.fsdecode(file))
            self.paths.append(path)
            if path not in self.allowed:
                raise AssertionError(f"opened {path}")

    def __call__(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        self._check(file)
        return self._open(file, *args, **kwargs)

    def os_open(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        """Stands in for ``os.open``, which the bounded reader opens files with."""
        self._check(file)
        return self._os_open(file, *args, **kwargs)

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        with mock.patch("builtins.open", self), mock.patch("os.open", self.os_open):
            yield


def _ruleset_named(ruleset_id: str) -> Any:
    data = RULESET.to_data()
    data["ruleset"]["id"] = ruleset_id
    return ruleset_from_data(data)


@pytest.mark.parametrize("ruleset_id", ["/dev/zero", "../../etc/passwd", "/etc/passwd",
                                        "rulesets/dk-kiap.toml", "dk-kiap.toml"])
def test_a_ruleset_id_in_a_receipt_is_never_a_path(tmp_path: Path, ruleset_id: str) -> None:
    receipt = make_receipt(load_clusters(EXAMPLE), _ruleset_named(ruleset_id), years=[2018])
    path = _save(tmp_path / "r.json", receipt)
    spy = _Opened(path, SHIPPED_RULESET)
    with spy.watching():
        verification = verify_receipt(path)
    assert verification.identical
    assert verification.notes == (f"note: no ruleset {ruleset_id!r} is shipped now; recomputed "
                                  "with the embedded one",)
    assert set(spy.paths) == {os.path.realpath(path), os.path.realpath(SHIPPED_RULESET)}


def test_a_ruleset_id_naming_a_real_ruleset_file_does_not_consult_it(tmp_path: Path) -> None:
    """A file at the id's path holding another ruleset of that id: not read, not compared."""
    other = tmp_path / "other.toml"
    other.write_text(SHIPPED_RULESET.read_text(encoding="utf-8").replace(
        'id = "dk-kiap"', f'id = "{other}"', 1).replace('value = "4.33"', 'value = "9.99"', 1),
        encoding="utf-8")
    receipt = make_receipt(load_clusters(EXAMPLE), _ruleset_named(str(other)), years=[2018])
    path = _save(tmp_path / "r.json", receipt)
    with _Opened(path, SHIPPED_RULESET).watching():
        verification = verify_receipt(path)
    assert verification.identical and verification.notes[0].startswith(
        f"note: no ruleset '{other}' is shipped now")


def test_a_ruleset_id_the_content_does_not_bear_is_a_difference(
    tmp_path: Path, example_receipt: Receipt,
) -> None:
    changed = copy.deepcopy(example_receipt)
    changed["ruleset"]["id"] = "/dev/zero"
    path = _save(tmp_path / "r.json", changed)
    spy = _Opened(path, SHIPPED_RULESET)
    with spy.watching():
        verification = verify_receipt(path)
    assert verification.difference == ("ruleset.id: the receipt names ruleset '/dev/zero', but "
                                       "its content is ruleset 'dk-kiap'")
    assert "/dev/zero" not in spy.paths


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t and t != "dk-kiap"))
def test_any_ruleset_id_opens_only_the_receipt_and_the_shipped_rulesets(ruleset_id: str) -> None:
    data = copy.deepcopy(SMALL_RECEIPT)
    data["ruleset"]["content"]["ruleset"]["id"] = ruleset_id
    data["ruleset"]["id"] = ruleset_id
    _refingerprint(data)
    with tempfile.TemporaryDirectory() as folder:
        path = _save(Path(folder) / "r.json", data)
        spy = _Opened(path, SHIPPED_RULESET)
        with spy.watching():
            try:
                verification = verify_receipt(path)
            except KiapRulesError:
                verification = None
        assert set(spy.paths) <= spy.allowed
        if verification is not None:
            assert not verification.identical  # the result still names dk-kiap


# --- the inputs, overrides and parts of the receipt hold exactly what a receipt writes ----------


@pytest.mark.parametrize(("change", "difference"), [
    pytest.param(lambda r: r["inputs"]["clusters"][0]["cluster"].update(name=" Køgeklyngen"),
                 'inputs.clusters[0].cluster.name: receipt " Køgeklyngen", read as '
                 '"Køgeklyngen"', id="name-with-a-space"),
    pytest.param(lambda r: r["inputs"]["clusters"][0].update(note="x"),
                 "inputs.clusters[0].note: in the receipt, not read", id="unknown-key"),
])
def test_an_input_edit_the_reader_normalises_away_is_a_difference(
    tmp_path: Path, change: Callable[[Receipt], None], difference: str,
) -> None:
    changed = copy.deepcopy(SMALL_RECEIPT)
    change(changed)
    verification = verify_receipt(_save(tmp_path / "r.json", changed))
    assert (verification.identical, verification.difference) == (False, difference)


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda r: r["ruleset"].update(note="x"), "ruleset",
     "must have exactly content, fingerprint, id; it has content, fingerprint, id, note"),
    (lambda r: r["ruleset"].update(id=5), "ruleset.id", "must be str, got int"),
    (lambda r: r["library"].update(version=1.0), "library.version", "must be str, got float"),
    (lambda r: r["library"].update(name="other"), "library.name",
     "was written by 'other', not by kiaprules"),
    (lambda r: r["inputs"].update(extra=[]), "inputs",
     "must have exactly clusters, fingerprint; it has clusters, extra, fingerprint"),
    (lambda r: r["policies"].update(clawback=True), "clawback", "must be text, got True"),
])
def test_a_part_of_the_wrong_shape_is_refused_naming_it(
    tmp_path: Path, change: Callable[[Receipt], None], field: str, words: str,
) -> None:
    changed = copy.deepcopy(SMALL_RECEIPT)
    change(changed)
    path = _save(tmp_path / "r.json", changed)
    with pytest.raises(InputError) as info:
        verify_receipt(path)
    assert (info.value.path, info.value.record, info.value.field, info.value.reason) == (
        str(path), "receipt", field, words)
    assert _verify_cli(path)[0] == 2
