"""Every command with ``--format json`` on the shipped examples, validated against its schema.

``schema_check`` (installed by ``tests/conftest.py``) validates every JSON any
test makes the command line write; this file makes sure every command and
every schema is among them, on the examples shipped in ``examples/`` and
``published/``, and that the check itself fails on an output that does not
match.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import schema_check
from conftest import EXAMPLE_CLUSTER, EXAMPLES, REPO_ROOT
from jsonschema import Draft202012Validator
from schema_check import assert_valid, schema_of

import kiaprules.cli
from kiaprules import PayoutReport, compute_payouts, load_clusters
from kiaprules._schemas import SCHEMAS
from kiaprules.cli import commands, main

KOEGE = str(EXAMPLE_CLUSTER)
DENMARK = str(EXAMPLES / "denmark.json")
EXPENSES = str(EXAMPLES / "koegeklyngen-expenses.toml")
PUBLISHED = [str(p) for p in sorted((REPO_ROOT / "published").glob("*.toml"))]
JSON = ["--format", "json"]

#: (command line, exit status): every command that writes JSON, on the shipped examples.
RUNS: list[tuple[list[str], int]] = [
    (["payouts", KOEGE, *JSON], 0),
    (["payouts", KOEGE, "--years", "2019", *JSON], 0),
    (["payouts", KOEGE, "--policy", "founding_year=pro_rata", "--policy", "rounding=clinic",
      "--policy", "capacity_increase=grant_added", *JSON], 0),
    (["payouts", KOEGE, "--set", "operating_rate@2019-2021=4.26", "--strict", *JSON], 0),
    (["payouts", DENMARK, "--years", "2024", *JSON], 0),
    (["payouts", KOEGE, "--set", "operating_rate@2019-2021=4.26", "--compare", *JSON], 0),
    (["payouts", KOEGE, "--policy", "clawback=never", "--compare", *JSON], 0),
    *[(["explain", KOEGE, "--year", str(year), *JSON], 0) for year in range(2018, 2026)],
    (["explain", KOEGE, "--year", "2022", "--cluster", "Køgeklyngen", *JSON], 0),
    (["explain", KOEGE, "--year", "2018", "--policy", "founding_year=pro_rata", *JSON], 0),
    (["national", KOEGE, *JSON], 0),
    (["national", DENMARK, "--years", "2018-2025", *JSON], 0),
    (["national", DENMARK, "--years", "2018-2025", "--set", "operating_rate@2019-2021=4.26",
      "--policy", "clawback=never", *JSON], 0),
    (["reproduce", *JSON], 0),
    *[(["reproduce", path, *JSON], 0) for path in PUBLISHED],
    (["expenses", EXPENSES, *JSON], 0),
    (["expenses", EXPENSES, "--policy", "participants_missing=ignore", *JSON], 0),
    (["ledger", KOEGE, "--expenses", EXPENSES, *JSON], 0),
    (["ledger", KOEGE, "--expenses", EXPENSES, "--years", "2019-2021", *JSON], 0),
    (["check", KOEGE, *JSON], 0),
    (["check", DENMARK, *JSON], 0),
    (["rulesets", *JSON], 0),
    (["ruleset", "show", *JSON], 0),
    (["ruleset", "show", str(REPO_ROOT / "rulesets" / "dk-kiap.toml"), *JSON], 0),
    (["sweep", KOEGE, "--parameter", "operating_rate@2019-2021", "--values", "4.00:4.50:0.25",
      *JSON], 0),
    (["sweep", DENMARK, "--readings", "clawback", "--years", "2018-2025", *JSON], 0),
    (["--lang", "da", "payouts", KOEGE, *JSON], 0),
    (["--lang", "da", "national", KOEGE, *JSON], 0),
    (["generate", "--scale", "0.05", "--seed", "9"], 0),
    *[(["schema", name], 0) for name in SCHEMAS],
]


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    status = main(argv, out=out)
    return status, out.getvalue()


@pytest.mark.parametrize("argv, expected", RUNS, ids=[" ".join(a).replace(str(REPO_ROOT), ".")
                                                      for a, _ in RUNS])
def test_every_command_s_json_on_the_examples_matches_its_schema(
    argv: list[str], expected: int,
) -> None:
    status, out = _run(argv)
    assert status == expected
    name = schema_of(argv)
    assert name is not None, argv
    if name == "<json schema>":
        Draft202012Validator.check_schema(json.loads(out))
    else:
        assert_valid(name, out, what=" ".join(argv))


def test_a_receipt_written_by_payouts_matches_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "receipt.json"
    status, _ = _run(["payouts", KOEGE, "--set", "operating_rate@2019=4.26", "--receipt",
                      str(path)])
    assert status == 0
    assert_valid("receipt", path.read_text(encoding="utf-8"))


def test_the_runs_cover_every_schema() -> None:
    """Every schema is exercised here, but receipt (above) and error (tests/cli/test_cli.py)."""
    covered = {schema_of(argv) for argv, _ in RUNS} - {"<json schema>"}
    assert covered == set(SCHEMAS) - {"receipt", "error"}


# --- the check itself fails on what does not match ---------------------------------------------


def test_the_command_line_is_checked_for_the_whole_session() -> None:
    assert getattr(kiaprules.cli.main, "__wrapped_by_schema_check__", False)
    assert kiaprules.cli.main is commands.main is main


def test_the_check_fails_a_command_whose_json_does_not_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def a_short_fingerprint(args: Any, out: Any) -> int:
        out.write(json.dumps([{"id": "dk-kiap", "title": "t", "fingerprint": "sha256:abc",
                               "source": "shipped"}]))
        return 0

    monkeypatch.setattr(commands, "_cmd_rulesets", a_short_fingerprint)
    with pytest.raises(AssertionError, match="schema 'rulesets' at 0/fingerprint"):
        main(["rulesets", "--format", "json"], out=io.StringIO())
    main(["rulesets"], out=io.StringIO())  # not JSON: not checked


def test_the_check_fails_json_that_no_schema_describes() -> None:
    with pytest.raises(AssertionError, match="no shipped schema describes"):
        schema_check.check_run(["frobnicate", "--format", "json"], 0, "{}", "")


def test_the_check_fails_an_error_that_is_not_one_line_of_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(commands, "_report", lambda error, message, as_json, err:
                        err.write(message + "\n"))
    with pytest.raises(AssertionError, match="schema 'error'"):
        main(["check", "absent.toml", "--format", "json"], out=io.StringIO())


def test_the_check_fails_a_to_json_that_does_not_match(monkeypatch: pytest.MonkeyPatch) -> None:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER), years=[2019])
    original = PayoutReport.to_dict

    def with_a_year_as_text(self: PayoutReport) -> dict[str, Any]:
        data = original(self)
        data["years"] = ["2019"]
        return data

    monkeypatch.setattr(PayoutReport, "to_dict", with_a_year_as_text)
    with pytest.raises(AssertionError, match=r"PayoutReport\.to_json"):
        report.to_json()


def test_the_check_passes_the_output_on_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rulesets", "--format", "json"]) == 0  # to the standard output
    printed = capsys.readouterr().out
    status, out = _run(["rulesets", "--format", "json"])
    assert status == 0
    assert printed == out and json.loads(out)[0]["id"] == "dk-kiap"
    assert schema_check.CHECKED["rulesets"] >= 2
