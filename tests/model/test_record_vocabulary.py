"""The records' vocabulary, the frames' money modes, and pandas as an optional extra.

What every result's rows look like is tested in ``api/test_result_records.py``; here
the pieces they share: the one vocabulary (``COLUMNS``) and its page,
:func:`records_frame`, :func:`to_ore`, and what happens without pandas.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import EXAMPLE_CLUSTER, REPO_ROOT
from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import (
    InputError,
    KiapRulesError,
    MissingExtraError,
    compute_payouts,
    load_clusters,
)
from kiaprules.model.money import from_ore, to_ore
from kiaprules.model.records import COLUMNS, Column, records_frame

RECORDS_PAGE = REPO_ROOT / "docs" / "records.md"


def test_the_page_lists_every_column_with_its_kind_and_meaning() -> None:
    """docs/records.md's table of columns is COLUMNS, row for row."""
    text = RECORDS_PAGE.read_text(encoding="utf-8")
    table = text.split("| column | kind | meaning |")[1].split("\n\n")[0]
    rows = [line.strip("| ").split(" | ") for line in table.strip().splitlines()[1:]]
    listed = {name.strip("`"): (kind, meaning.replace("\\|", "|")) for name, kind, meaning in rows}
    expected = {c.name: (c.kind + (", or none" if c.optional else ""), c.meaning)
                for c in COLUMNS.values()}
    assert listed == expected


def test_the_page_lists_each_result_with_its_columns() -> None:
    import kiaprules
    from kiaprules.model.records import Records

    text = RECORDS_PAGE.read_text(encoding="utf-8")
    for name in kiaprules.__all__:
        cls = getattr(kiaprules, name)
        if isinstance(cls, type) and issubclass(cls, Records):
            [row] = [line for line in text.splitlines() if line.startswith(f"| `{name}` ")]
            columns = re.findall(r"`([a-z_]+)`", row.split(" | ")[2])
            assert columns in (list(cls.RECORD_COLUMNS), []), name  # [] for "the report's"


@pytest.mark.parametrize(("column", "value", "accepted"), [
    ("amount", Decimal("1.00"), True),
    ("amount", 1.0, False),  # never a float
    ("amount", 100, False),
    ("amount", None, False),
    ("year", 2019, True),
    ("year", True, False),  # a bool is no year
    ("paid", True, True),
    ("fraction", Fraction(1, 3), True),
    ("fraction", None, True),
    ("due", dt.date(2019, 3, 1), True),
    ("due", "2019-03-01", False),
    ("value", Decimal("4.33"), True),
    ("value", "03-01", True),
    ("value", 12, True),
    ("value", None, True),
])
def test_a_column_accepts_only_its_kind_of_value(column: str, value: object,
                                                 accepted: bool) -> None:
    assert COLUMNS[column].accepts(value) is accepted


def test_the_vocabulary_names_each_column_once_by_its_own_name() -> None:
    assert all(name == column.name for name, column in COLUMNS.items())
    assert all(isinstance(c, Column) and c.meaning for c in COLUMNS.values())


@given(st.integers(-10**15, 10**15))
@example(0)
@example(-1)
def test_ore_and_kroner_convert_both_ways_exactly(ore: int) -> None:
    assert to_ore(from_ore(ore)) == ore


def test_a_fraction_of_an_ore_is_not_whole_ore() -> None:
    with pytest.raises(InputError, match="to the øre"):
        to_ore(Decimal("0.005"))


# --- frames -------------------------------------------------------------------------------


def test_a_frame_without_rows_still_has_its_columns() -> None:
    pytest.importorskip("pandas")
    columns = ("cluster", "year", "amount")
    assert list(records_frame([], columns).columns) == list(columns)
    assert list(records_frame([], columns, money="ore").columns) == ["cluster", "year",
                                                                       "amount_ore"]


def test_without_pandas_to_frame_says_which_extra_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    report = compute_payouts(load_clusters(EXAMPLE_CLUSTER))
    monkeypatch.setitem(sys.modules, "pandas", None)  # None: "import pandas" fails
    with pytest.raises(MissingExtraError) as caught:
        report.to_frame()
    error = caught.value
    assert str(error) == "to_frame() needs pandas, an optional extra: " \
                         "pip install 'kiaprules[pandas]'"
    assert isinstance(error, ImportError) and isinstance(error, KiapRulesError)
    assert not isinstance(error, ValueError)  # not a data error: nothing handed in is wrong
    assert error.name == "pandas"
    assert error.__cause__ is None and error.__suppress_context__
    # The records need nothing but kiaprules.
    assert sum(r["amount"] for r in report.to_records()) == report.total


def test_an_unknown_money_mode_is_refused_before_pandas_is_needed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(InputError, match=r"^money: must be 'decimal', 'ore' or 'float', got "
                                         r"'floats'$"):
        records_frame([], ("amount",), money="floats")  # type: ignore[arg-type]


def test_import_kiaprules_does_not_import_pandas() -> None:
    code = ("import sys, kiaprules; kiaprules.compute_payouts("
            "kiaprules.load_clusters(sys.argv[1])).to_records(); "
            "print('pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(EXAMPLE_CLUSTER)],
                            capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"


def test_pandas_is_an_extra_and_the_test_extra_brings_it() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    core = project["project"]["dependencies"]
    extras = project["project"]["optional-dependencies"]
    assert not any(d.startswith("pandas") for d in core)
    assert any(d.startswith("pandas") for d in extras["pandas"])
    assert any(d.startswith("pandas") for d in extras["test"])  # CI runs the frame tests


def test_the_records_module_imports_pandas_only_inside_a_function() -> None:
    source = Path(sys.modules[records_frame.__module__].__file__ or "").read_text("utf-8")
    module_level = [line for line in source.splitlines()
                    if re.match(r"(import|from) pandas", line)]
    assert module_level == []
