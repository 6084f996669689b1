"""The pytest plugin: published-figures files as tests, one per figure.

Each test here runs pytest on a throwaway project (pytest's own ``pytester``)
with the plugin loaded the way a user's run loads it: by its ``pytest11``
entry point, from the installed kiaprules. The project names its files with
the ini option ``kiaprules_published``; a figure that comes out as its file
expects passes, one that does not fails with its explanation, and a
malformed file is a collection error of one line. The last test runs this
repository's own configuration, which collects the shipped Guide §7.2
examples (``published/``) once each.
"""

from __future__ import annotations

import doctest
import importlib.metadata
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import pytest_kiaprules

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
EX1 = REPO / "published" / "guide-7.2-example-1.toml"
EX3 = REPO / "published" / "guide-7.2-example-3.toml"
PLUGIN = "pytest_kiaprules"
INI = '[tool.pytest.ini_options]\nkiaprules_published = ["published_*.toml"]\n'
EX3_LABELS = [
    "startup grant, founding year", "operating grant, founding year", "total, founding year",
    "operating grant, following years", "supplement 2019 and 2020", "supplement 2021",
    "total 2019 and 2020", "total 2021"]
TOTAL_1920 = 'printed = "421850"\nkind = "total"\nyears = [2019, 2020]\n'


def _project(pytester: pytest.Pytester, files: dict[str, str], ini: str | None = INI) -> None:
    if ini is not None:
        pytester.makepyprojecttoml(ini)
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _ex3(old: str = "", new: str = "") -> str:
    text = EX3.read_text(encoding="utf-8")
    assert not old or text.count(old) == 1, old
    return text.replace(old, new) if old else text


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_the_plugin_is_registered_by_its_entry_point() -> None:
    [entry] = [e for e in importlib.metadata.entry_points(group="pytest11")
               if e.value == PLUGIN]
    assert entry.name == PLUGIN  # its name is the module's: registered once, however named


def test_loading_the_plugin_imports_nothing_of_kiaprules() -> None:
    """pytest loads the plugin in every run of the environment, before pytest-cov starts:
    its hooks' module must not import the package (whose __init__ imports everything)."""
    code = ("import sys, pytest_kiaprules; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'kiaprules'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout == "[]\n"


def test_the_patterns_doctests() -> None:
    """The examples of ``matches`` (the hooks' module is outside the doctested package)."""
    result = doctest.testmod(pytest_kiaprules)
    assert (result.attempted, result.failed) == (5, 0)


def test_a_good_file_is_one_passing_test_per_figure(pytester: pytest.Pytester) -> None:
    _project(pytester, {"tests/published_ex3.toml": _ex3()})
    collected = _run(pytester, "--collect-only", "-q")
    assert collected.outlines[:8] == [f"tests/published_ex3.toml::{label}"
                                      for label in EX3_LABELS]
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*tests/published_ex3.toml::total 2021 PASSED*"])
    assert result.ret == pytest.ExitCode.OK


def test_a_json_file_is_collected_too(pytester: pytest.Pytester) -> None:
    document = tomllib.loads(_ex3())
    _project(pytester, {"tests/published_ex3.json": json.dumps(document, ensure_ascii=False)},
             ini='[tool.pytest.ini_options]\nkiaprules_published = ["published_*.json"]\n')
    _run(pytester).assert_outcomes(passed=8)


def test_a_label_is_shown_through_the_sanitizer(pytester: pytest.Pytester) -> None:
    """A figure's label names its test: a CPR number in it is masked, a control character
    escaped, in the test's name as in every output."""
    _project(pytester, {"tests/published_ex3.toml": _ex3(
        'label = "total 2021"', 'label = "total 2021 for 070761-4285\\u001b[31m"')})
    result = _run(pytester, "--collect-only", "-q")
    assert "tests/published_ex3.toml::total 2021 for 070761-XXXX\\x1b[31m" in result.outlines
    assert "4285" not in result.stdout.str() and "\x1b" not in result.stdout.str()


def test_a_figure_that_stops_reproducing_fails_with_its_explanation(
        pytester: pytest.Pytester) -> None:
    _project(pytester, {"tests/published_ex3.toml": _ex3(
        'printed = "421850"', 'printed = "421000"')})
    result = _run(pytester)
    result.assert_outcomes(passed=7, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*_ published figure total 2019 and 2020 _*",
        "guide-7.2-ex3 “total 2019 and 2020”: Expected reproduced, got not_reproduced "
        "(computed 421850.00 in 2019 and 2020).",
        "printed 421000.00 on the line: I 2019 og 2020 udbetales i alt\\t421.850 kr.",
        "Not reproduced (2019: computed 421850.00, printed − computed = -850.00; 2020: computed "
        "421850.00, printed − computed = -850.00). No single operating or supplement rate to "
        "the øre reproduces the printed amount. *",
        "FAILED tests/published_ex3.toml::total 2019 and 2020 - guide-7.2-ex3 *",
    ])
    text = result.stdout.str()
    assert "Traceback" not in text and "def runtest" not in text  # the message, not the code


def test_a_recorded_erratum_passes(pytester: pytest.Pytester) -> None:
    """The first example records its 2019–2020 total as not reproduced, computing 194,700."""
    _project(pytester, {"tests/published_ex1.toml": EX1.read_text(encoding="utf-8")})
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*published_ex1.toml::total 2019 and 2020 PASSED*"])


def test_an_erratum_that_got_fixed_fails(pytester: pytest.Pytester) -> None:
    """Recorded as an erratum computing 417,300 (what a 4.26 rate gave), the total now
    reproduces: its status changed, and the test says so."""
    _project(pytester, {"tests/published_ex3.toml": _ex3(
        TOTAL_1920, TOTAL_1920 + 'expect = "not_reproduced"\ncomputed = "417300"\n')})
    result = _run(pytester)
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines([
        "guide-7.2-ex3 “total 2019 and 2020”: Expected not_reproduced (computed 417300.00 in "
        "2019 and 2020), got reproduced.",
    ])


def test_an_erratum_whose_amount_moved_fails(pytester: pytest.Pytester) -> None:
    text = EX1.read_text(encoding="utf-8").replace('computed = "194700"', 'computed = "194800"')
    _project(pytester, {"tests/published_ex1.toml": text})
    result = _run(pytester)
    result.assert_outcomes(passed=7, failed=1)
    result.stdout.fnmatch_lines([
        "guide-7.2-ex1 “total 2019 and 2020”: Expected not_reproduced (computed 194800.00 in "
        "2019 and 2020), got not_reproduced (computed 194700.00 in 2019 and 2020).",
        "Not reproduced (2019: computed 194700.00, *",
    ])


def test_a_malformed_file_is_a_one_line_collection_error(pytester: pytest.Pytester) -> None:
    text = EX1.read_text(encoding="utf-8").replace('expect = "not_reproduced"',
                                                   'expect = "erratum"')
    _project(pytester, {"tests/published_bad.toml": text,
                        "tests/published_ex3.toml": _ex3()})
    result = _run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    message = ("tests/published_bad.toml: figure[7] (total 2019 and 2020): expect: must be one "
               "of reproduced, not_reproduced, got 'erratum'")
    lines = result.outlines
    header = next(i for i, line in enumerate(lines)
                  if "ERROR collecting tests/published_bad.toml" in line)
    assert lines[header + 1] == message
    assert lines[header + 2].startswith("=")  # nothing else: no traceback
    assert "Traceback" not in result.stdout.str()
    assert "ERROR tests/published_bad.toml" in lines  # and in the short summary


def test_a_figure_the_ruleset_does_not_cover_fails_in_one_line(
        pytester: pytest.Pytester) -> None:
    """A scenario founded in 2017, before the rules begin: the file loads, and computing it
    is refused; each figure fails with that one line."""
    text = _ex3("founding_year = 2018\nyears = [2018, 2019, 2020, 2021]",
                "founding_year = 2017\nyears = [2017, 2018, 2019, 2020, 2021]")
    text = text.replace("years = [2018]\nrate", "years = [2017]\nrate", 1)
    _project(pytester, {"tests/published_early.toml": text})
    result = _run(pytester)
    result.assert_outcomes(failed=8)
    message = ("tests/published_early.toml: scenario: startup_grant: no value of startup_grant "
               "before 2018-01-01 (asked for 2017-01-01); the ruleset does not cover that date")
    assert result.outlines.count(message) == 8
    assert "Traceback" not in result.stdout.str()


def test_only_the_files_the_ini_option_names_are_collected(pytester: pytest.Pytester) -> None:
    ex3 = _ex3()
    _project(pytester, {
        "tests/published_ex3.toml": ex3,
        "tests/other.toml": "[published]\nid = 1\n",  # not named: never read
        "tests/published_ex3.json": "{",  # another suffix than the pattern's: never read
        "tests/published_notes.txt": "x",
        "examples/ex3.toml": ex3,
        "tests/examples/ex3.toml": ex3,
    }, ini='[tool.pytest.ini_options]\nkiaprules_published = ["published_*.toml", '
           '"examples/*.toml"]\n')
    result = _run(pytester, "--collect-only", "-q", "tests", "examples")
    files = sorted({line.split("::")[0] for line in result.outlines if "::" in line})
    assert files == ["examples/ex3.toml", "tests/published_ex3.toml"]
    assert result.ret == pytest.ExitCode.OK


def test_without_the_ini_option_nothing_is_collected(pytester: pytest.Pytester) -> None:
    """Installing kiaprules changes no other project's pytest run."""
    _project(pytester, {"tests/published_ex3.toml": _ex3(), "tests/bad.toml": "{"}, ini=None)
    result = _run(pytester, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "published_ex3" not in result.stdout.str()


@pytest.mark.parametrize("how", ["-p", "conftest", "autoload-disabled"])
def test_the_plugin_is_registered_once_however_it_is_named(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Named again by -p or by a conftest's pytest_plugins, the plugin is the one the entry
    point registered: no error, and every figure collected once."""
    _project(pytester, {"tests/published_ex3.toml": _ex3()})
    args = []
    if how == "conftest":
        pytester.makeconftest(f"pytest_plugins = [{PLUGIN!r}]")
    else:
        args = ["-p", PLUGIN]
    if how == "autoload-disabled":
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = _run(pytester, *args)
    result.assert_outcomes(passed=8)


def test_each_figure_reports_its_status(pytester: pytest.Pytester) -> None:
    """The statuses go to the report (and so to --junitxml) as user properties."""
    _project(pytester, {"tests/published_ex1.toml": EX1.read_text(encoding="utf-8")})
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    calls = [r for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call"]
    properties = {r.nodeid.split("::")[1]: dict(r.user_properties) for r in calls}
    assert properties["total 2019 and 2020"] == {"status": "not_reproduced",
                                                 "expected": "not_reproduced"}
    assert properties["total 2021"] == {"status": "reproduced", "expected": "reproduced"}


def test_this_projects_run_collects_each_shipped_figure_once() -> None:
    """The repository's own configuration (pyproject.toml) runs the shipped examples through
    the plugin, once each, even when a file is also named on the command line."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v",
         "published", "published/guide-7.2-example-1.toml"],
        cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    passed = [line.split(" PASSED")[0] for line in result.stdout.splitlines()
              if " PASSED" in line]
    assert len(passed) == len(set(passed)) == 24
    assert "published/guide-7.2-example-1.toml::total 2019 and 2020" in passed
    assert "24 passed" in result.stdout
