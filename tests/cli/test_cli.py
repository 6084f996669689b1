"""The command line: rulesets, ruleset show, check; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER, REPO_ROOT, SHIPPED_RULESET
from hypothesis import given, settings
from hypothesis import strategies as st
from schema_check import assert_valid

from kiaprules import json_schema, load_ruleset
from kiaprules._render import json_line
from kiaprules._schemas import SCHEMAS
from kiaprules.cli import commands, main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process: (exit status, stdout, stderr)."""
    out = io.StringIO()
    try:
        status = main(argv, out=out)
    except SystemExit as exit_:  # argparse's way out, for usage errors
        status = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


BROKEN_CLUSTER = """\
[cluster]
name = "Testklyngen"
founded = 2019-03-01

[[clinic]]
provider_number = "011111"
capacities = 1
joined = 2019-03-01

[[clinic]]
provider_number = "022222"
capacities = 2.5
joined = 2019-03-01
"""


# --- rulesets and ruleset show ------------------------------------------------------


def test_rulesets_lists_the_shipped_ruleset_with_its_fingerprint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(["rulesets"], capsys)
    assert status == 0
    assert err == ""
    assert "dk-kiap" in out
    assert load_ruleset("dk-kiap").fingerprint in out


def test_rulesets_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["rulesets", "--format", "json"], capsys)
    assert status == 0
    [entry] = [e for e in json.loads(out) if e["id"] == "dk-kiap"]
    assert entry["fingerprint"] == load_ruleset("dk-kiap").fingerprint


# Every figure DOMAIN.md gives, as `ruleset show` prints it, and the document it cites.
FIGURES = [
    ("startup_grant", "10000.00", "Guide til klyngestart"),
    ("operating_rate", "4.33", "Guide til klyngestart"),
    ("operating_rate", "1.12", "kiap.dk Klyngeadministration"),
    ("operating_rate", "2.32", "kiap.dk Klyngeadministration"),
    ("operating_rate", "3.55", "Håndbog 2024"),
    ("operating_rate", "3.65", "kiap.dk Klyngeadministration"),
    ("supplement_rate", "2.16", "Guide til klyngestart"),
    ("supplement_rate", "0.47", "Guide til klyngestart"),
    ("supplement_rate", "0.00", "Guide til klyngestart"),
    ("payout_day", "03-01", "Håndbog 2024"),
    ("counting_day", "01-01", "Guide til klyngestart"),
    ("funds_account", "nemkonto", "Guide til klyngestart"),
    ("funds_account", "plo_account", "kiap.dk Klyngeadministration"),
    ("consultant_hourly_rate", "1072.02", "kiap.dk Klyngeadministration"),
]


def test_ruleset_show_lists_every_figure_with_its_citation_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(["ruleset", "show", "dk-kiap"], capsys)
    assert status == 0
    assert err == ""
    assert load_ruleset("dk-kiap").fingerprint in out
    rows = out.splitlines()
    for name, value, document in FIGURES:
        matching = [row for row in rows
                    if row.startswith(name + " ") and f" {value} " in f"{row} "]
        assert matching, (name, value)
        assert any(document in row for row in matching), (name, value, document)
    for interpretation in ("I1", "I2", "I3", "I4", "I5", "I6"):
        assert interpretation in out
    assert "unpublished" in out


def test_ruleset_show_as_json_gives_every_value_its_citation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(["ruleset", "show", "dk-kiap", "--format", "json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["fingerprint"] == load_ruleset("dk-kiap").fingerprint
    shown = {(name, v.get("value"), v["citation"]["document"])
             for name, p in data["parameters"].items() for v in p["values"]}
    for figure in FIGURES:
        assert figure in shown
    for parameter in data["parameters"].values():
        for value in parameter["values"]:
            assert value["citation"]["quote"].strip()


def test_ruleset_show_takes_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["ruleset", "show", str(REPO_ROOT / "rulesets" / "dk-kiap.toml")],
                         capsys)
    assert status == 0
    assert "operating_rate" in out


def test_ruleset_show_of_an_unknown_ruleset_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _out, err = run(["ruleset", "show", "no-such-ruleset"], capsys)
    assert status == 2
    assert len(err.splitlines()) == 1
    assert "no-such-ruleset" in err


# --- check -------------------------------------------------------------------------


def test_check_passes_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["check", str(EXAMPLE_CLUSTER)], capsys)
    assert status == 0
    assert err == ""
    assert "Køgeklyngen" in out
    assert "ok" in out


def test_check_as_json_reports_the_example_eligible(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["check", str(EXAMPLE_CLUSTER), "--format", "json"], capsys)
    assert status == 0
    [entry] = json.loads(out)
    assert entry["cluster"] == "Køgeklyngen"
    assert entry["eligible"] is True
    assert entry["problems"] == []


def test_check_reports_unmet_requirements_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "ny.toml"
    path.write_text('[cluster]\nname = "Ny"\nfounded = 2019-03-01\n', encoding="utf-8")
    status, out, err = run(["check", str(path)], capsys)
    assert status == 1
    assert err == ""
    assert "coordinator" in out
    assert "CVR" in out
    assert "Håndbog 2024 §5" in out


def _conflict(tmp_path: Path) -> list[str]:
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    for path, name in ((a, "A"), (b, "B")):
        path.write_text(f'[cluster]\nname = "{name}"\nfounded = 2019-01-01\n\n[[clinic]]\n'
                        'provider_number = "012345"\ncapacities = 1\njoined = 2019-01-01\n',
                        encoding="utf-8")
    return [str(a), str(b)]


BROKEN: dict[str, str | bytes] = {
    "capacities 2.5": BROKEN_CLUSTER,
    "invalid TOML": BROKEN_CLUSTER + "[cluster\n",
    "non-UTF-8": BROKEN_CLUSTER.replace("Testklyngen", "Køge").encode("latin-1"),
    "unknown key": BROKEN_CLUSTER.replace("founded", "colour = 1\nfounded"),
    "datetime": BROKEN_CLUSTER.replace("founded = 2019-03-01", "founded = 2019-03-01T12:00:00"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_on_a_broken_file_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
) -> None:
    path = tmp_path / "broken.toml"
    content = BROKEN[case]
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    status, out, err = run(["check", str(path)], capsys)
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("kiaprules: error: ")
    assert str(path) in err
    assert "Traceback" not in err + out


def test_check_names_the_record_and_field_of_a_broken_clinic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN_CLUSTER, encoding="utf-8")
    _, _, err = run(["check", str(path)], capsys)
    assert "clinic[2] (022222)" in err
    assert "capacities" in err


def test_check_on_a_missing_file_is_exit_2(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["check", str(tmp_path / "absent.toml")], capsys)
    assert status == 2
    assert len(err.splitlines()) == 1
    assert "no such file" in err


def test_check_on_two_files_with_one_clinic_in_both_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(["check", *_conflict(tmp_path)], capsys)
    assert status == 2
    assert len(err.splitlines()) == 1
    assert "a.toml" in err
    assert "b.toml" in err


# --- usage errors --------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["frobnicate"], [], ["check"], ["ruleset"],
                                  ["rulesets", "--format", "yaml"]])
def test_a_usage_error_is_one_line_and_exit_2(argv: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(argv, capsys)
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert "error" in err
    assert "Traceback" not in err


# --- the installed entry point, once for real -----------------------------------------


def _subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIAPRULES_DEBUG"}
    return subprocess.run([sys.executable, "-m", "kiaprules", *argv], capture_output=True,
                          text=True, cwd=REPO_ROOT, env=env, timeout=60, check=False)


def test_python_dash_m_kiaprules_checks_the_example() -> None:
    result = _subprocess("check", "examples/koegeklyngen.toml")
    assert result.returncode == 0, result.stderr
    assert "Køgeklyngen" in result.stdout
    assert result.stderr == ""


def test_python_dash_m_kiaprules_refuses_a_broken_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN_CLUSTER, encoding="utf-8")
    result = _subprocess("check", str(path))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "capacities" in result.stderr


def test_python_dash_m_kiaprules_refuses_an_unknown_command_in_one_line() -> None:
    result = _subprocess("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "frobnicate" in result.stderr


# --- payouts --receipt: written last, atomically, never over an input ------------------------

#: A command that fails after its own computation: the variant (with the 2019 rate set)
#: computes in strict mode, the base it is compared with does not (2019 is unpublished).
FAILS_AFTER_COMPUTING = ["--strict", "--years", "2019", "--set", "operating_rate@2019=4.26",
                         "--compare"]


def _folder(path: Path) -> dict[str, bytes]:
    """Every file of the folder (a link: its target's bytes) by name."""
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def test_a_failing_payouts_command_writes_no_receipt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    receipt = tmp_path / "receipt.json"
    status, out, err = run(["payouts", str(EXAMPLE_CLUSTER), *FAILS_AFTER_COMPUTING,
                            "--receipt", str(receipt)], capsys)
    assert (status, out) == (2, "")
    assert "strict mode refuses" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    # Nor does it replace a receipt already there.
    receipt.write_text("the receipt of an earlier run\n", encoding="utf-8")
    status, _, _ = run(["payouts", str(EXAMPLE_CLUSTER), *FAILS_AFTER_COMPUTING,
                        "--receipt", str(receipt)], capsys)
    assert status == 2
    assert _folder(tmp_path) == {"receipt.json": b"the receipt of an earlier run\n"}


def test_a_succeeding_payouts_command_writes_its_receipt_and_its_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    receipt = tmp_path / "receipt.json"
    receipt.write_text("the receipt of an earlier run\n", encoding="utf-8")
    argv = ["payouts", str(EXAMPLE_CLUSTER), "--years", "2019", "--set",
            "operating_rate@2019=4.26", "--compare"]
    status, out, err = run([*argv, "--receipt", str(receipt)], capsys)
    assert (status, err) == (0, "")
    assert out == run(argv, capsys)[1]  # the output is what it is without a receipt
    assert [p.name for p in tmp_path.iterdir()] == ["receipt.json"]  # no temporary file left
    written = json.loads(receipt.read_text(encoding="utf-8"))
    assert written["years"] == [2019] and written["overrides"][0]["value"] == "4.26"
    assert run(["verify", str(receipt)], capsys) == (0, "identical\n", "")


def _ruleset_copy(folder: Path) -> Path:
    copy = folder / "rules.toml"
    copy.write_bytes(SHIPPED_RULESET.read_bytes())
    return copy


# (name, how the receipt's path is made from the folder, the cluster file and the ruleset copy)
OVER_AN_INPUT = {
    "the cluster file": lambda d, k, r: k,
    "the second cluster file": lambda d, k, r: d / "other.toml",
    "the --ruleset file": lambda d, k, r: r,
    "a symbolic link to the cluster file": lambda d, k, r: _link(d / "link.json", k),
    "a hard link to the cluster file": lambda d, k, r: _hard_link(d / "hard.json", k),
    "the cluster file by another spelling": lambda d, k, r: d / "sub" / ".." / k.name,
}


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target)
    return link


def _hard_link(link: Path, target: Path) -> Path:
    os.link(target, link)
    return link


@pytest.mark.parametrize("case", sorted(OVER_AN_INPUT))
def test_a_receipt_is_never_written_over_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
) -> None:
    cluster = tmp_path / "k.toml"
    cluster.write_bytes(EXAMPLE_CLUSTER.read_bytes())
    other = tmp_path / "other.toml"
    other.write_text(EXAMPLE_CLUSTER.read_text(encoding="utf-8").replace(
        "Køgeklyngen", "Andenklyngen").replace('provider_number = "0', 'provider_number = "9'),
        encoding="utf-8")
    (tmp_path / "sub").mkdir()
    ruleset = _ruleset_copy(tmp_path)
    receipt = OVER_AN_INPUT[case](tmp_path, cluster, ruleset)
    before = _folder(tmp_path)
    status, out, err = run(["payouts", str(cluster), str(other), "--ruleset", str(ruleset),
                            "--receipt", str(receipt)], capsys)
    assert (status, out) == (2, "")
    assert err.startswith(f"kiaprules: error: {receipt}: receipt: ") and err.count("\n") == 1
    assert "one of the computation's inputs; a receipt is never written over its inputs" in err
    assert _folder(tmp_path) == before  # nothing written, nothing left behind


def test_a_receipt_beside_the_inputs_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster = tmp_path / "k.toml"
    cluster.write_bytes(EXAMPLE_CLUSTER.read_bytes())
    monkeypatch.chdir(tmp_path)
    status, _, err = run(["payouts", "k.toml", "--years", "2018", "--receipt", "k.json"],
                         capsys)
    assert (status, err) == (0, "")
    assert cluster.read_bytes() == EXAMPLE_CLUSTER.read_bytes()
    assert json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))["years"] == [2018]
    # The same file named relatively is still the input.
    status, _, err = run(["payouts", "k.toml", "--receipt", "./k.toml"], capsys)
    assert status == 2 and err.startswith("kiaprules: error: ./k.toml: receipt: ")
    assert cluster.read_bytes() == EXAMPLE_CLUSTER.read_bytes()


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error() -> None:
    """``kiaprules explain ... | head -1``: the reader goes away; no error, exit 0."""
    child = subprocess.Popen(
        [sys.executable, "-m", "kiaprules", "explain", "examples/denmark.json", "--year", "2020"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_ROOT)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.readline()
    child.stdout.close()
    err = child.stderr.read().decode("utf-8")
    assert child.wait(timeout=120) == 0
    assert err == ""


# --- schema ----------------------------------------------------------------------------------


def test_schema_without_a_name_lists_every_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["schema"], capsys)
    assert status == 0 and err == ""
    listed = [line.split()[0] for line in out.splitlines()[2:]]
    assert listed == sorted(SCHEMAS)
    assert {"payouts", "explain", "compare", "national", "sweep", "reproduce", "expenses",
            "ledger", "receipt", "check", "rulesets", "ruleset", "error"} <= set(listed)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_name_prints_the_shipped_schema(name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["schema", name], capsys)
    assert status == 0 and err == ""
    assert out == (REPO_ROOT / "kiaprules" / "schemas" / f"{name}.json").read_text(
        encoding="utf-8")
    assert json.loads(out) == json_schema(name)


def test_schema_of_an_unknown_name_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(["schema", "payout"], capsys)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("kiaprules: error: schema: no schema 'payout'; the schemas are check,")


# --- errors as JSON under --format json --------------------------------------------------------


JSON_FAILURES = [
    (["check", "absent.toml", "--format", "json"], "input.no_such_file"),
    (["payouts", "absent.toml", "--format", "json"], "input.no_such_file"),
    (["payouts", str(EXAMPLE_CLUSTER), "--format=json", "--policy", "clawback"], "input.syntax"),
    (["payouts", str(EXAMPLE_CLUSTER), "--format", "json", "--policy", "clawback=sometimes"],
     "input.not_a_choice"),
    (["payouts", str(EXAMPLE_CLUSTER), "--format", "json", "--strict", "--years", "2020"],
     "not_covered.unpublished"),
    (["national", str(EXAMPLE_CLUSTER), "--format", "json", "--set", "operating_rate=4"],
     "input.syntax"),
    (["explain", str(EXAMPLE_CLUSTER), "--year", "2019", "--cluster", "Nowhere",
      "--format", "json"], "input.unknown_cluster"),
    (["ruleset", "show", "no-such-ruleset", "--format", "json"], "input.unknown_ruleset"),
    (["reproduce", "absent.toml", "--format", "json"], "input.no_such_file"),
    (["payouts", "--format", "json"], "input.usage"),
    (["payouts", str(EXAMPLE_CLUSTER), "--format", "json", "--frobnicate"], "input.usage"),
    (["verify", "receipt.json", "--format", "json"], "input.usage"),
]


@pytest.mark.parametrize("argv, code", JSON_FAILURES, ids=[" ".join(a[:2]) + " " + c
                                                            for a, c in JSON_FAILURES])
def test_a_failure_under_format_json_is_one_line_of_json_on_stderr(
    argv: list[str], code: str, capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    error = json.loads(err)["error"]
    assert error["code"] == code
    assert list(error) == ["error", "code", "message", "reason", "path", "record", "field",
                           "date"]
    assert error["error"] == "InputError" or code.startswith("not_covered")
    assert_valid("error", json.loads(err))
    if argv[0] == "verify":  # its --format json is the usage error
        return
    # The same failure without --format json: the one line of text, as before.
    words = [w for w in argv if w not in ("--format", "json", "--format=json")]
    status_text, _, err_text = run(words, capsys)
    assert status_text == 2 and len(err_text.splitlines()) == 1
    assert not err_text.startswith("{")
    assert error["message"].split(": ")[-1] in err_text


def test_the_json_error_is_the_same_in_every_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """JSON is for programs: under --lang da the error line is the same JSON (the text is
    Danish only without --format json)."""
    english = run(["check", "absent.toml", "--format", "json"], capsys)
    danish = run(["--lang", "da", "check", "absent.toml", "--format", "json"], capsys)
    assert danish == english
    assert json.loads(danish[2])["error"]["message"] == "absent.toml: no such file"
    status, _, text = run(["--lang", "da", "check", "absent.toml"], capsys)
    assert status == 2 and not text.startswith("{") and "absent.toml" in text


def test_the_json_error_names_file_record_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN_CLUSTER, encoding="utf-8")
    status, _, err = run(["check", str(path), "--format", "json"], capsys)
    assert status == 2
    assert json.loads(err)["error"] == {
        "error": "InputError", "code": "input.not_a_whole_number",
        "message": f"{path}: clinic[2] (022222): capacities: must be a whole number ≥ 1, got 2.5",
        "reason": "must be a whole number ≥ 1, got 2.5", "path": str(path),
        "record": "clinic[2] (022222)", "field": "capacities", "date": None}


def test_a_bug_under_format_json_is_one_line_of_json_with_code_internal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(args: object, out: object) -> int:
        raise RuntimeError("boom for 010180-1234\non two lines")

    monkeypatch.setattr(commands, "_cmd_rulesets", broken)
    monkeypatch.delenv("KIAPRULES_DEBUG", raising=False)
    status, out, err = run(["rulesets", "--format", "json"], capsys)
    assert status == 3 and out == ""
    assert len(err.splitlines()) == 1
    error = json.loads(err)["error"]
    assert (error["error"], error["code"]) == ("InternalError", "internal")
    assert error["reason"] == "RuntimeError: boom for 010180-XXXX\\non two lines"
    assert "KIAPRULES_DEBUG" in error["message"]
    assert_valid("error", json.loads(err))
    status, _, err = run(["rulesets"], capsys)
    assert status == 3
    assert err.startswith("kiaprules: internal error: RuntimeError: boom for 010180-XXXX")
    assert len(err.splitlines()) == 1
    monkeypatch.setenv("KIAPRULES_DEBUG", "1")  # then the traceback, for whoever debugs it
    with pytest.raises(RuntimeError, match="boom"):
        main(["rulesets", "--format", "json"], out=io.StringIO())


_TEXT = st.text(st.characters(exclude_categories=("Nd", "Cs")), max_size=12)  # no CPR digits
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(_TEXT, inner, max_size=4), max_leaves=25)


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (k, *_texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [value] if isinstance(value, str) else []


@settings(max_examples=200, deadline=None)
@given(value=_JSON)
def test_the_error_line_is_json_on_one_line(value: object) -> None:
    """json_line: what json.dumps writes (compact), every text sanitized, never a second line."""
    line = json_line(value)
    assert line.endswith("\n") and "\n" not in line[:-1] and "\r" not in line
    assert json.loads(line) == value
    if all(t.isprintable() for t in _texts(value)):
        assert line == json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_the_error_line_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError):
        json_line({1: "a"})
    with pytest.raises(TypeError):
        json_line({"amount": 1.5})
