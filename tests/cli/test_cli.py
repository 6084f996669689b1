"""The command line: rulesets, ruleset show, check; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER, REPO_ROOT

from kiaprules import load_ruleset
from kiaprules.cli import main


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
