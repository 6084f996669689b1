"""The static checks CI runs, as tests: ruff's lint and mypy's strict types.

They run with the rest of the suite, so the README's one test command (and
so CI) fails on a lint error or a type error too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return found


def test_ruff_finds_nothing_in_the_package_the_tests_and_the_benchmarks() -> None:
    result = subprocess.run([_tool("ruff"), "check", "kiaprules", "pytest_kiaprules.py",
                             "tests", "benchmarks", "docs/figures"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing_in_the_package() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


CLIENT = '''
from kiaprules import compute_payouts, load_clusters

report = compute_payouts(load_clusters("examples/koegeklyngen.toml"), years=[2019])
text: str = report.explain("Køgeklyngen", 2019).to_text()
total: str = report.summary().to_table()
difference = report.compare(report).difference
title: str = report.plot("Køgeklyngen").get_title()
'''


def _mypy_on(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    client = tmp_path / "client.py"
    client.write_text(source, encoding="utf-8")
    return subprocess.run([_tool("mypy"), "--strict", "--no-incremental", str(client)],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def test_a_typed_client_of_the_public_api_checks_clean(tmp_path: Path) -> None:
    result = _mypy_on(tmp_path, CLIENT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_catches_a_misspelled_public_name(tmp_path: Path) -> None:
    result = _mypy_on(tmp_path, CLIENT.replace("compute_payouts", "compute_payout"))
    assert result.returncode == 1
    assert 'Module "kiaprules" has no attribute "compute_payout"' in result.stdout
    result = _mypy_on(tmp_path, CLIENT.replace(".explain(", ".explian("))
    assert result.returncode == 1
    assert '"PayoutReport" has no attribute "explian"' in result.stdout
