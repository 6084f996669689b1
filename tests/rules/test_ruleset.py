"""The dated ruleset dk-kiap: figures, citations, coverage, I5, overrides and malformed files."""

from __future__ import annotations

import builtins
import datetime as dt
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from conftest import SHIPPED_RULESET
from hypothesis import example, given, settings
from hypothesis import strategies as st

import kiaprules.rules.loader
from kiaprules import (
    Citation,
    InputError,
    KiapRulesError,
    MoneyTypeError,
    MonthDay,
    NotCoveredError,
    Ruleset,
    RulesetError,
    available_rulesets,
    load_ruleset,
)
from kiaprules.rules.loader import ruleset_by_id, ruleset_from_data

D = dt.date
RULESET = load_ruleset("dk-kiap")
PARAMETERS = sorted(RULESET.parameters)
SPAN_START, SPAN_END = D(2018, 1, 1), D(2026, 12, 31)


def days(start: D, end: D) -> list[D]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# --- loading and the fingerprint ------------------------------------------------------


def test_the_shipped_ruleset_loads_by_id_and_by_path() -> None:
    assert RULESET.id == "dk-kiap"
    assert RULESET.title
    assert load_ruleset() == RULESET
    assert load_ruleset(SHIPPED_RULESET) == RULESET
    assert load_ruleset(str(SHIPPED_RULESET)) == RULESET
    assert [r.id for r in available_rulesets()] == ["dk-kiap"]


def test_the_fingerprint_is_a_sha256_and_stable_across_loads(tmp_path: Path) -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", RULESET.fingerprint)
    copy = tmp_path / "copy.toml"
    shutil.copy(SHIPPED_RULESET, copy)
    assert load_ruleset(copy).fingerprint == RULESET.fingerprint
    assert load_ruleset(copy).source == str(copy)
    assert load_ruleset("dk-kiap").fingerprint == RULESET.fingerprint


def _tweak(literal: str) -> str:
    """Another valid TOML value of the same kind."""
    if literal.isdigit():
        return str(int(literal) + 1)
    text = literal.strip('"')
    if re.fullmatch(r"[0-9]+\.[0-9]{2}", text):
        return f'"{Decimal(text) + Decimal("0.01")}"'
    if re.fullmatch(r"[0-9]{2}-[0-9]{2}", text):
        return f'"{text[:3]}{int(text[3:]) % 28 + 1:02d}"'
    return f'"{text}_x"'


_VALUE_LINES = [m for m in re.finditer(r"^value = (.+)$", SHIPPED_RULESET.read_text(),
                                       flags=re.MULTILINE)]


def test_the_fingerprint_changes_when_any_value_changes(tmp_path: Path) -> None:
    text = SHIPPED_RULESET.read_text()
    assert len(_VALUE_LINES) >= 15
    seen = {RULESET.fingerprint}
    for i, match in enumerate(_VALUE_LINES):
        changed = text[:match.start(1)] + _tweak(match.group(1)) + text[match.end(1):]
        path = tmp_path / f"changed-{i}.toml"
        path.write_text(changed, encoding="utf-8")
        ruleset = load_ruleset(path)
        assert ruleset.fingerprint not in seen, match.group(0)
        assert ruleset != RULESET
        seen.add(ruleset.fingerprint)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("reguleres med honorarudviklingen).", "reguleres med honorarudviklingen)"),
        ('default = "full_year"', 'default = "pro_rata"'),
        ('status = "assumption"', 'status = "published"'),
        ("Operating grant per group-1 patient", "Operating grant per patient"),
        ('section = "§10"', 'section = "§11"'),
    ],
)
def test_the_fingerprint_changes_when_a_citation_policy_or_label_changes(
    tmp_path: Path, old: str, new: str
) -> None:
    text = SHIPPED_RULESET.read_text()
    assert old in text
    path = tmp_path / "changed.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert load_ruleset(path).fingerprint != RULESET.fingerprint


# --- lookups ----------------------------------------------------------------------------


def test_a_lookup_gives_the_value_its_citation_and_its_status() -> None:
    resolved = RULESET.lookup("operating_rate", D(2024, 6, 1))
    assert resolved.value == Decimal("3.55")
    assert resolved.status == "published"
    assert resolved.assumption is None
    assert not resolved.is_assumption
    assert resolved.citation.document == "Håndbog 2024"
    assert resolved.citation.section == "§10"
    assert "3,55 kr." in resolved.citation.quote
    assert resolved.source_start == D(2024, 1, 1)
    assert resolved.parameter == "operating_rate"
    assert resolved.on == D(2024, 6, 1)


@pytest.mark.parametrize("name", PARAMETERS)
def test_every_parameter_refuses_the_day_before_its_first_date(name: str) -> None:
    first = RULESET.parameters[name].first_date
    with pytest.raises(NotCoveredError) as info:
        RULESET.lookup(name, first - dt.timedelta(days=1))
    assert isinstance(info.value, LookupError)
    assert name in str(info.value)
    assert info.value.date == first - dt.timedelta(days=1)
    assert RULESET.lookup(name, first).value is not None


@given(st.sampled_from(PARAMETERS), st.dates(D(1900, 1, 1), D(2017, 12, 31)))
@example("operating_rate", D(2017, 12, 31))
@example("consultant_hourly_rate", D(2024, 9, 30))
def test_no_lookup_before_2018_is_ever_answered(name: str, day: D) -> None:
    """Before the ruleset's first date a lookup is refused, never answered with 0."""
    with pytest.raises(NotCoveredError):
        RULESET.lookup(name, day)


def test_an_unknown_parameter_is_not_covered() -> None:
    with pytest.raises(NotCoveredError, match="operating_rate"):
        RULESET.lookup("operating_rte", D(2020, 1, 1))


# Every published figure, for the period its source speaks of (C5), with the document
# it comes from. (parameter, day, value, cited document)
PUBLISHED = [
    ("startup_grant", D(2018, 1, 1), Decimal("10000.00"), "Guide til klyngestart"),
    ("startup_grant", D(2021, 12, 31), Decimal("10000.00"), "Guide til klyngestart"),
    ("operating_rate", D(2018, 1, 1), Decimal("4.33"), "Guide til klyngestart"),
    ("operating_rate", D(2018, 12, 31), Decimal("4.33"), "Guide til klyngestart"),
    ("operating_rate", D(2022, 1, 1), Decimal("1.12"), "kiap.dk Klyngeadministration"),
    ("operating_rate", D(2022, 12, 31), Decimal("1.12"), "kiap.dk Klyngeadministration"),
    ("operating_rate", D(2023, 3, 1), Decimal("2.32"), "kiap.dk Klyngeadministration"),
    ("operating_rate", D(2024, 3, 1), Decimal("3.55"), "Håndbog 2024"),
    ("operating_rate", D(2025, 3, 1), Decimal("3.65"), "kiap.dk Klyngeadministration"),
    ("operating_rate", D(2025, 12, 31), Decimal("3.65"), "kiap.dk Klyngeadministration"),
    ("supplement_rate", D(2018, 12, 31), Decimal("0.00"), "Guide til klyngestart"),
    ("supplement_rate", D(2019, 1, 1), Decimal("2.16"), "Guide til klyngestart"),
    ("supplement_rate", D(2020, 12, 31), Decimal("2.16"), "Guide til klyngestart"),
    ("supplement_rate", D(2021, 1, 1), Decimal("0.47"), "Guide til klyngestart"),
    ("supplement_rate", D(2021, 12, 31), Decimal("0.47"), "Guide til klyngestart"),
    ("supplement_rate", D(2022, 1, 1), Decimal("0.00"), "Guide til klyngestart"),
    ("supplement_rate", D(2026, 6, 1), Decimal("0.00"), "Guide til klyngestart"),
    ("payout_day", D(2024, 1, 1), MonthDay(month=3, day=1), "Håndbog 2024"),
    ("payout_day", D(2026, 1, 1), MonthDay(month=3, day=1), "Håndbog 2024"),
    ("counting_day", D(2018, 1, 1), MonthDay(month=1, day=1), "Guide til klyngestart"),
    ("counting_day", D(2026, 1, 1), MonthDay(month=1, day=1), "Guide til klyngestart"),
    ("funds_account", D(2023, 3, 31), "nemkonto", "Guide til klyngestart"),
    ("funds_account", D(2023, 4, 1), "plo_account", "kiap.dk Klyngeadministration"),
    ("consultant_hourly_rate", D(2024, 10, 1), Decimal("1072.02"),
     "kiap.dk Klyngeadministration"),
    ("clawback_window_months", D(2018, 1, 1), 12, "Guide til klyngestart"),
]


# C5: a value is published only for the years its source speaks of; outside them it is
# carried forward (I5) or assumed, and says so. (parameter, day, value, status)
NOT_PUBLISHED = [
    ("startup_grant", D(2022, 1, 1), Decimal("10000.00"), "assumption"),  # I5, carried
    ("startup_grant", D(2026, 12, 31), Decimal("10000.00"), "assumption"),
    ("payout_day", D(2018, 1, 1), MonthDay(month=3, day=1), "assumption"),
    ("payout_day", D(2023, 12, 31), MonthDay(month=3, day=1), "assumption"),
]


@pytest.mark.parametrize(("name", "day", "value", "status"), NOT_PUBLISHED,
                         ids=[f"{p[0]}-{p[1]}" for p in NOT_PUBLISHED])
def test_a_value_outside_the_years_its_source_speaks_of_is_marked(
        name: str, day: D, value: object, status: str) -> None:
    resolved = RULESET.lookup(name, day)
    assert (resolved.value, resolved.status) == (value, status)
    assert resolved.assumption


def test_strict_mode_refuses_a_startup_grant_after_2021() -> None:
    with pytest.raises(NotCoveredError, match="startup_grant"):
        RULESET.lookup("startup_grant", D(2022, 1, 1), unpublished="refuse")


@pytest.mark.parametrize(("name", "day", "value", "document"), PUBLISHED,
                         ids=[f"{p[0]}-{p[1]}" for p in PUBLISHED])
def test_every_published_figure_is_in_the_ruleset(name: str, day: D, value: object,
                                                  document: str) -> None:
    resolved = RULESET.lookup(name, day)
    assert resolved.value == value
    assert type(resolved.value) is type(value)
    assert resolved.status == "published"
    assert resolved.citation.document == document
    assert resolved.citation.quote


def test_amounts_and_rates_keep_two_decimals() -> None:
    assert str(RULESET.lookup("startup_grant", D(2019, 1, 1)).value) == "10000.00"
    assert str(RULESET.lookup("operating_rate", D(2018, 1, 1)).value) == "4.33"
    assert str(RULESET.lookup("supplement_rate", D(2022, 1, 1)).value) == "0.00"
    assert str(RULESET.lookup("payout_day", D(2022, 1, 1)).value) == "03-01"
    assert RULESET.lookup("payout_day", D(2022, 1, 1)).value.in_year(2022) == D(2022, 3, 1)


def test_the_consultant_rate_is_not_covered_before_1_october_2024() -> None:
    with pytest.raises(NotCoveredError, match="2024-10-01"):
        RULESET.lookup("consultant_hourly_rate", D(2024, 9, 30))


# --- I5: years without a published operating rate -------------------------------------


@pytest.mark.parametrize(
    ("day", "carried", "from_day"),
    [
        (D(2019, 1, 1), Decimal("4.33"), D(2018, 1, 1)),
        (D(2020, 2, 29), Decimal("4.33"), D(2018, 1, 1)),
        (D(2021, 12, 31), Decimal("4.33"), D(2018, 1, 1)),
        (D(2026, 1, 1), Decimal("3.65"), D(2025, 1, 1)),
        (D(2026, 3, 1), Decimal("3.65"), D(2025, 1, 1)),
        (D(2031, 3, 1), Decimal("3.65"), D(2025, 1, 1)),
    ],
)
def test_unpublished_years_carry_the_last_rate_forward_as_an_assumption(
    day: D, carried: Decimal, from_day: D
) -> None:
    resolved = RULESET.lookup("operating_rate", day)
    assert resolved.value == carried
    assert resolved.status == "assumption"
    assert resolved.is_assumption
    assert resolved.assumption is not None
    assert str(day.year) in resolved.assumption
    assert "I5" in resolved.assumption
    assert "unpublished" in resolved.assumption
    assert resolved.source_start == from_day


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2026])
def test_unpublished_years_are_refused_in_strict_mode(year: int) -> None:
    with pytest.raises(NotCoveredError) as info:
        RULESET.lookup("operating_rate", D(year, 3, 1), unpublished="refuse")
    assert "I5" in str(info.value)
    assert f"{year}-03-01" in str(info.value)
    assert info.value.date == D(year, 3, 1)


@pytest.mark.parametrize("year", [2018, 2022, 2023, 2024, 2025])
def test_published_years_are_answered_in_strict_mode_too(year: int) -> None:
    assert RULESET.lookup("operating_rate", D(year, 3, 1),
                          unpublished="refuse").status == "published"


def test_the_default_i5_reading_is_carry_forward() -> None:
    assert RULESET.policy_choice("unpublished_years") == "carry_forward"
    assert RULESET.policy_choice("unpublished_years", {"unpublished_years": "refuse"}) \
        == "refuse"


# --- temporal coverage --------------------------------------------------------------------


def test_every_day_of_the_span_has_exactly_one_value_of_every_parameter() -> None:
    """Walks 2018-01-01 … 2026-12-31; the only refusals are before a parameter's first date."""
    refused: dict[str, list[D]] = {}
    for name in PARAMETERS:
        parameter = RULESET.parameters[name]
        for day in days(SPAN_START, SPAN_END):
            covering = [v for v in parameter.values if v.covers(day)]
            try:
                resolved = RULESET.lookup(name, day)
            except NotCoveredError:
                assert covering == [], (name, day)
                refused.setdefault(name, []).append(day)
                continue
            assert len(covering) == 1, (name, day)
            assert resolved.value is not None, (name, day)
            assert resolved.on == day
    assert set(refused) == {"consultant_hourly_rate", "general_assembly_earliest"}
    assert refused["consultant_hourly_rate"] == days(SPAN_START, D(2024, 9, 30))
    # C5: the general-assembly advice applies from 1 April 2023 (PLO's accounts).
    assert refused["general_assembly_earliest"] == days(SPAN_START, D(2023, 3, 31))


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_dated_values_tile_without_gaps_or_overlaps(name: str) -> None:
    values = RULESET.parameters[name].values
    assert values, name
    for earlier, later in itertools.pairwise(values):
        assert earlier.end == later.start
        assert earlier.start < earlier.end
    assert values[-1].end is None
    assert values[0].status != "unpublished"


# --- citations -------------------------------------------------------------------------


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _all_citations(ruleset: Ruleset) -> list[tuple[str, Citation]]:
    found = [(f"{name}@{v.start}", v.citation)
             for name, p in sorted(ruleset.parameters.items()) for v in p.values]
    found += [(f"policy:{name}", p.citation) for name, p in sorted(ruleset.policies.items())]
    return found


CITATIONS = _all_citations(RULESET)


@pytest.mark.parametrize(("where", "citation"), CITATIONS, ids=[c[0] for c in CITATIONS])
def test_every_citation_names_a_document_of_the_ruleset(where: str, citation: Citation) -> None:
    # The quotes themselves are checked against the sources in tests/static/test_quotes.py.
    assert citation.document in RULESET.documents, where
    assert citation.quote.strip() and citation.section.strip(), where


def test_every_document_with_a_file_names_a_source_that_exists(sources_dir: Path) -> None:
    files = [d["file"] for d in RULESET.documents.values() if "file" in d]
    assert files
    for name in files:
        assert (sources_dir / name).is_file(), name


# --- malformed rulesets ----------------------------------------------------------------

MINI = """\
[ruleset]
id = "mini"
title = "A small ruleset for tests"

[documents."Guide til klyngestart"]
title = "Guide til klyngestart"
file = "guide-til-klyngestart.txt"

[parameters.operating_rate]
label = "Operating grant"
unit = "DKK per patient"
kind = "rate"

[[parameters.operating_rate.values]]
from = 2018-01-01
value = "4.33"
status = "published"
citation = { document = "Guide til klyngestart", section = "§7.1", quote = "4,33 kr." }

[[parameters.operating_rate.values]]
from = 2019-01-01
status = "unpublished"
reason = "no source gives it"
citation = { document = "Guide til klyngestart", section = "§7.2", quote = "reguleres" }

[[parameters.operating_rate.values]]
from = 2022-01-01
value = "1.12"
status = "assumption"
reason = "a test figure"
citation = { document = "Guide til klyngestart", section = "§7.1", quote = "driftstilskud" }

[policies.unpublished_years]
interpretation = "I5"
question = "Which rate in an unpublished year?"
default = "carry_forward"
citation = { document = "Guide til klyngestart", section = "§7.1", quote = "reguleres" }

[policies.unpublished_years.choices]
carry_forward = "The last rate carries forward."
refuse = "Refuse."
"""

VALUES = "parameters.operating_rate.values"

# (name of the case, text replaced, replacement, the key the error must name, its words)
MALFORMED = [
    ("unknown key", 'unit = "DKK per patient"', 'unit = "DKK per patient"\ncolour = "blå"',
     "parameters.operating_rate.colour",
     "unknown key; expected one of kind, label, unit, values"),
    ("unknown value key", 'reason = "a test figure"', 'reason = "a test figure"\nnote = "x"',
     f"{VALUES}[3].note",
     "unknown key; expected one of citation, from, reason, replaces, status, value"),
    ("unknown document key", 'file = "guide-til-klyngestart.txt"',
     'file = "guide-til-klyngestart.txt"\nyear = 2018', "documents.Guide til klyngestart.year",
     "unknown key; expected one of edition, file, title, url"),
    ("unknown top-level key", "[ruleset]", "version = 2\n[ruleset]", "version",
     "unknown key; expected one of documents, parameters, policies, ruleset"),
    ("missing citation",
     'status = "published"\ncitation = { document = "Guide til klyngestart", section = "§7.1", '
     'quote = "4,33 kr." }', 'status = "published"', f"{VALUES}[1].citation",
     "is missing"),
    ("missing citation quote", 'section = "§7.2", quote = "reguleres" }', 'section = "§7.2" }',
     f"{VALUES}[2].citation.quote",
     "is missing"),
    ("empty citation quote", 'quote = "driftstilskud"', 'quote = "  "',
     f"{VALUES}[3].citation.quote",
     "must be non-empty text, got '  '"),
    ("unsorted dates", "from = 2022-01-01", "from = 2018-06-01", f"{VALUES}[3].from",
     "date 2018-06-01 comes before the previous value's (2019-01-01); values must be "
     "in date order without overlaps"),
    ("repeated date", "from = 2022-01-01", "from = 2019-01-01", f"{VALUES}[3].from",
     "date 2019-01-01 repeats the previous value's (2019-01-01); values must be in "
     "date order without overlaps"),
    ("date that is not a date", "from = 2022-01-01", 'from = "2022-13-01"', f"{VALUES}[3].from",
     "must be a date YYYY-MM-DD, got '2022-13-01'"),
    ("TOML float value", 'value = "4.33"', "value = 4.33", f"{VALUES}[1].value",
     "must be a rate in kroner given exactly (a string like '4.33', an int or a "
     "Decimal), got the float 4.33; floats cannot hold øre exactly"),
    ("rate with five decimals", 'value = "1.12"', 'value = "1.12345"', f"{VALUES}[3].value",
     "must have at most 4 decimals, got '1.12345'"),
    ("negative rate", 'value = "1.12"', 'value = "-1.12"', f"{VALUES}[3].value",
     "must not be negative, got '-1.12'"),
    ("rate that is not a number", 'value = "1.12"', 'value = "1,12"', f"{VALUES}[3].value",
     "must be an exact decimal, got '1,12'"),
    ("missing value", 'value = "1.12"\n', "", f"{VALUES}[3].value",
     "is missing"),
    ("unpublished with a value", 'status = "unpublished"',
     'status = "unpublished"\nvalue = "4.40"', f"{VALUES}[2].value",
     "an unpublished period has no value (I5 supplies one)"),
    ("unknown status", 'status = "published"', 'status = "pubished"', f"{VALUES}[1].status",
     "must be one of published, assumption, unpublished, override, got 'pubished'"),
    ("assumption without reason", 'reason = "a test figure"\n', "", f"{VALUES}[3].reason",
     "a value with status 'assumption' must say why in 'reason'"),
    ("unpublished without reason", 'reason = "no source gives it"\n', "",
     f"{VALUES}[2].reason",
     "a value with status 'unpublished' must say why in 'reason'"),
    ("first value unpublished", 'value = "4.33"\nstatus = "published"',
     'status = "unpublished"\nreason = "r"', f"{VALUES}[1].status",
     "the first value cannot be unpublished: nothing to carry forward"),
    ("citation of an undeclared document",
     '{ document = "Guide til klyngestart", section = "§7.2"',
     '{ document = "Håndbog 2024", section = "§7.2"', f"{VALUES}[2].citation.document",
     "cites 'Håndbog 2024', which is not among [documents]: Guide til klyngestart"),
    ("unknown kind", 'kind = "rate"', 'kind = "float"', "parameters.operating_rate.kind",
     "must be one of amount, rate, integer, month_day, text, got 'float'"),
    ("policy default not among choices", 'default = "carry_forward"', 'default = "carry"',
     "policies.unpublished_years.default",
     "must be one of the choices (carry_forward, refuse), got 'carry'"),
    ("policy with one choice only", 'refuse = "Refuse."\n', "",
     "policies.unpublished_years.choices",
     "must name the default reading and at least one alternative"),
    ("policy without citation",
     'citation = { document = "Guide til klyngestart", section = "§7.1", quote = "reguleres" }\n',
     "", "policies.unpublished_years.citation",
     "is missing"),
    ("missing ruleset id", 'id = "mini"\n', "", "ruleset.id",
     "is missing"),
]


@pytest.fixture
def write_ruleset(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "mini.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_the_small_test_ruleset_is_valid(write_ruleset: Callable[..., Path]) -> None:
    ruleset = load_ruleset(write_ruleset(MINI))
    assert ruleset.lookup("operating_rate", D(2020, 1, 1)).value == Decimal("4.33")
    assert ruleset.lookup("operating_rate", D(2022, 1, 1)).assumption == "a test figure"


@pytest.mark.parametrize(("case", "old", "new", "key", "words"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])
def test_a_malformed_ruleset_is_refused_naming_the_file_and_the_key(
    write_ruleset: Callable[..., Path], case: str, old: str, new: str, key: str, words: str
) -> None:
    assert old in MINI, case
    path = write_ruleset(MINI.replace(old, new, 1), name=f"{case.replace(' ', '-')}.toml")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert (info.value.path, info.value.field) == (str(path), key)
    assert str(info.value) == f"{path}: {key}: {words}"
    assert isinstance(info.value, ValueError)


def test_a_ruleset_that_is_not_toml_is_refused_naming_the_file(
    write_ruleset: Callable[..., Path],
) -> None:
    path = write_ruleset(MINI + "\n[policies\n")
    with pytest.raises(KiapRulesError) as info:
        load_ruleset(path)
    assert str(path) in str(info.value)


def test_an_unknown_ruleset_id_or_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="dk-kiap"):
        load_ruleset("dk-kiap-2030")
    with pytest.raises(InputError, match="no such ruleset file"):
        load_ruleset(tmp_path / "absent.toml")


# --- overrides ----------------------------------------------------------------------------


def test_an_override_replaces_a_range_and_is_marked_as_such() -> None:
    changed = RULESET.with_override("operating_rate", "4.26", D(2019, 1, 1), D(2020, 1, 1))
    resolved = changed.lookup("operating_rate", D(2019, 6, 1))
    assert resolved.value == Decimal("4.26")
    assert resolved.status == "override"
    assert resolved.is_assumption
    assert "4.26" in (resolved.assumption or "")
    assert changed.lookup("operating_rate", D(2019, 12, 31)).value == Decimal("4.26")
    assert changed.lookup("operating_rate", D(2018, 12, 31)).value == Decimal("4.33")
    assert changed.lookup("operating_rate", D(2022, 1, 1)).value == Decimal("1.12")
    # 2020 is still unpublished, so I5 applies there, and it carries the last
    # *published* figure: the override replaced an unpublished year (2019), and
    # a caller's figure for such a year does not leak into the next one.
    after = changed.lookup("operating_rate", D(2020, 1, 1))
    assert after.status == "assumption"
    assert "2020" in (after.assumption or "")
    assert after.value == Decimal("4.33")
    assert changed.fingerprint != RULESET.fingerprint
    assert changed != RULESET
    # The original is untouched.
    assert RULESET.lookup("operating_rate", D(2019, 6, 1)).status == "assumption"


def test_an_open_ended_override_covers_every_later_year() -> None:
    changed = RULESET.with_override("operating_rate", "3.80", D(2026, 1, 1),
                                    reason="the 2026 rate, from the region's letter")
    for day in (D(2026, 1, 1), D(2030, 3, 1)):
        resolved = changed.lookup("operating_rate", day)
        assert (resolved.value, resolved.status) == (Decimal("3.80"), "override")
        assert resolved.assumption == "the 2026 rate, from the region's letter"
    assert changed.lookup("operating_rate", D(2025, 12, 31)).value == Decimal("3.65")


@pytest.mark.parametrize(
    ("value", "error"),
    [(4.26, MoneyTypeError), ("4.26x", InputError), ("-1", InputError)],
)
def test_an_override_value_is_checked_like_a_file_value(value: object,
                                                        error: type[Exception]) -> None:
    with pytest.raises(error):
        RULESET.with_override("operating_rate", value, D(2019, 1, 1))


def test_an_override_must_end_after_it_starts() -> None:
    with pytest.raises(InputError, match="after start"):
        RULESET.with_override("operating_rate", "4.26", D(2019, 1, 1), D(2019, 1, 1))


def test_an_override_of_an_unknown_parameter_is_refused() -> None:
    with pytest.raises(NotCoveredError):
        RULESET.with_override("operating_rte", "4.26", D(2019, 1, 1))


def _check_tiling(ruleset: Ruleset) -> None:
    for parameter in ruleset.parameters.values():
        values = parameter.values
        for earlier, later in itertools.pairwise(values):
            assert earlier.end == later.start
            assert earlier.start < later.start
        assert values[-1].end is None


_GRID = days(D(2018, 1, 1), D(2027, 12, 31))[::11]


@given(
    st.sampled_from(PARAMETERS),
    st.dates(SPAN_START, SPAN_END),
    st.none() | st.integers(1, 1200),
)
@example("operating_rate", D(2019, 1, 1), 365)
@example("operating_rate", D(2021, 12, 31), 1)
@example("funds_account", D(2023, 3, 31), 2)
@example("payout_day", D(2018, 1, 1), None)
def test_overriding_with_the_same_value_keeps_every_lookup_equal(
    name: str, start: D, length: int | None
) -> None:
    """An override with the value already in force, within one dated entry, changes nothing."""
    parameter = RULESET.parameters[name]
    first = parameter.first_date
    start = max(start, first)
    end = None if length is None else start + dt.timedelta(days=length)
    entry_end = parameter.entry_on(start).end
    if entry_end is not None:
        end = entry_end if end is None else min(end, entry_end)
    same = RULESET.lookup(name, start).value
    changed = RULESET.with_override(name, same, start, end)
    _check_tiling(changed)
    assert changed.fingerprint != RULESET.fingerprint
    boundaries = [start - dt.timedelta(days=1), start]
    if end is not None:
        boundaries += [end - dt.timedelta(days=1), end]
    for day in [*boundaries, *_GRID]:
        if day < first:
            with pytest.raises(NotCoveredError):
                changed.lookup(name, day)
            continue
        assert changed.lookup(name, day).value == RULESET.lookup(name, day).value, day
    assert changed.lookup(name, start).status == "override"


def test_an_override_keeps_the_citation_of_the_value_it_replaces() -> None:
    changed = RULESET.with_override("supplement_rate", "2.20", D(2019, 1, 1), D(2020, 1, 1))
    assert changed.lookup("supplement_rate", D(2019, 5, 1)).citation == \
        RULESET.lookup("supplement_rate", D(2019, 5, 1)).citation
    assert changed.lookup("supplement_rate", D(2020, 5, 1)).value == Decimal("2.16")
    assert changed.lookup("supplement_rate", D(2020, 5, 1)).status == "published"


# --- policies I1–I6 -------------------------------------------------------------------------


EXPECTED_POLICIES = {
    "I1": ("founding_year", "full_year", "pro_rata"),
    "I2": ("founding_members", "registration", None),
    "I3": ("clawback", "within_first_year", "never"),
    "I4": ("late_joiner_startup", "first_funded_year", None),
    "I5": ("unpublished_years", "carry_forward", "refuse"),
    "I6": ("rounding", "line", None),
}


@pytest.mark.parametrize("interpretation", sorted(EXPECTED_POLICIES))
def test_every_interpretation_is_a_policy_with_a_default_and_an_alternative(
    interpretation: str,
) -> None:
    name, default, alternative = EXPECTED_POLICIES[interpretation]
    policy = RULESET.policies[name]
    assert policy.interpretation == interpretation
    assert policy.default == default
    assert default in policy.choices
    assert len(policy.choices) >= 2
    if alternative is not None:
        assert alternative in policy.choices
    assert all(text.strip() for text in policy.choices.values())
    assert policy.question.strip()
    assert policy.citation.quote.strip()


def test_the_policies_are_i1_to_i7_and_the_c2_registration_gate() -> None:
    assert sorted(p.interpretation for p in RULESET.policies.values()) == \
        ["C2", "I1", "I2", "I3", "I4", "I5", "I6", "I7", "local policy"]


def test_check_policies_fills_in_the_defaults_and_keeps_valid_choices() -> None:
    chosen = RULESET.check_policies({"clawback": "never"})
    assert chosen["clawback"] == "never"
    assert chosen["founding_year"] == "full_year"
    assert set(chosen) == set(RULESET.policies)
    assert RULESET.check_policies({}) == {n: p.default for n, p in RULESET.policies.items()}


def test_check_policies_refuses_an_unknown_policy_name() -> None:
    with pytest.raises(InputError, match="unknown policy") as info:
        RULESET.check_policies({"claw_back": "never"})
    assert info.value.field == "claw_back"


def test_check_policies_refuses_an_unknown_reading() -> None:
    with pytest.raises(InputError, match="within_first_year") as info:
        RULESET.check_policies({"clawback": "sometimes"})
    assert info.value.field == "clawback"
    assert "sometimes" in str(info.value)


def test_an_unknown_policy_has_no_choice() -> None:
    with pytest.raises(NotCoveredError):
        RULESET.policy_choice("nonsense")


def test_rulesets_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RULESET.id = "other"  # type: ignore[misc]


# --- the loader on plain data: every shape it refuses, with its key and its words ---------

_DELETE = object()
_V = ["parameters", "operating_rate", "values"]
_P = ["policies", "unpublished_years"]

# (name, where in MINI's data, the new value or _DELETE, the key named, the words)
SHAPES: list[tuple[str, list[Any], object, str, str]] = [
    ("ruleset not a table", ["ruleset"], "mini", "ruleset", "must be a table, got str"),
    ("ruleset without title", ["ruleset", "title"], _DELETE, "ruleset.title", "is missing"),
    ("empty id", ["ruleset", "id"], " ", "ruleset.id", "must be non-empty text, got ' '"),
    ("title not text", ["ruleset", "title"], 5, "ruleset.title",
     "must be non-empty text, got 5"),
    ("description not text", ["ruleset", "description"], 5, "ruleset.description",
     "must be text"),
    ("documents not a table", ["documents"], ["x"], "documents", "must be a table, got list"),
    ("document not a table", ["documents", "Guide til klyngestart"], "x",
     "documents.Guide til klyngestart", "must be a table, got str"),
    ("document title empty", ["documents", "Guide til klyngestart", "title"], "",
     "documents.Guide til klyngestart.title", "must be non-empty text, got ''"),
    ("parameters not a table", ["parameters"], 1, "parameters", "must be a table, got int"),
    ("policies not a table", ["policies"], [], "policies", "must be a table, got list"),
    ("policies missing", ["policies"], _DELETE, "policies", "is missing"),
    ("parameter not a table", ["parameters", "operating_rate"], 1,
     "parameters.operating_rate", "must be a table, got int"),
    ("empty kind", ["parameters", "operating_rate", "kind"], "",
     "parameters.operating_rate.kind", "must be non-empty text, got ''"),
    ("empty label", ["parameters", "operating_rate", "label"], "",
     "parameters.operating_rate.label", "must be non-empty text, got ''"),
    ("empty unit", ["parameters", "operating_rate", "unit"], " ",
     "parameters.operating_rate.unit", "must be non-empty text, got ' '"),
    ("no values", _V, [], "parameters.operating_rate.values",
     "must be a non-empty list of [[...values]] tables"),
    ("value not a table", [*_V, 0], "4.33", f"{VALUES}[1]", "must be a table, got str"),
    ("reason not text", [*_V, 0, "reason"], 5, f"{VALUES}[1].reason", "must be text, got 5"),
    ("replaces on a published value", [*_V, 0, "replaces"], "published",
     f"{VALUES}[1].replaces",
     "only an override says which status it replaces (published, assumption or unpublished)"),
    ("override replacing no status", [*_V, 2], {
        "from": "2022-01-01", "value": "1.12", "status": "override", "reason": "r",
        "replaces": "rumour", "citation": {"document": "Guide til klyngestart",
                                           "section": "§7.1", "quote": "q"}},
     f"{VALUES}[3].replaces",
     "only an override says which status it replaces (published, assumption or unpublished)"),
    ("override replacing an override", [*_V, 2], {
        "from": "2022-01-01", "value": "1.12", "status": "override", "reason": "r",
        "replaces": "override", "citation": {"document": "Guide til klyngestart",
                                             "section": "§7.1", "quote": "q"}},
     f"{VALUES}[3].replaces",
     "only an override says which status it replaces (published, assumption or unpublished)"),
    ("citation not a table", [*_V, 0, "citation"], "Guide", f"{VALUES}[1].citation",
     "must be a table, got str"),
    ("citation document empty", [*_V, 0, "citation", "document"], "",
     f"{VALUES}[1].citation.document", "must be non-empty text, got ''"),
    ("citation section empty", [*_V, 0, "citation", "section"], "",
     f"{VALUES}[1].citation.section", "must be non-empty text, got ''"),
    ("citation url empty", [*_V, 0, "citation", "url"], "", f"{VALUES}[1].citation.url",
     "must be non-empty text, got ''"),
    ("citation note not text", [*_V, 0, "citation", "note"], 1, f"{VALUES}[1].citation.note",
     "must be non-empty text, got 1"),
    ("policy not a table", _P, 1, "policies.unpublished_years", "must be a table, got int"),
    ("choices not a table", [*_P, "choices"], "x", "policies.unpublished_years.choices",
     "must be a table, got str"),
    ("choice not text", [*_P, "choices", "refuse"], 5,
     "policies.unpublished_years.choices.refuse", "must describe the reading"),
    ("choice empty", [*_P, "choices", "refuse"], " ",
     "policies.unpublished_years.choices.refuse", "must describe the reading"),
    ("default empty", [*_P, "default"], "", "policies.unpublished_years.default",
     "must be non-empty text, got ''"),
    ("interpretation empty", [*_P, "interpretation"], "",
     "policies.unpublished_years.interpretation", "must be non-empty text, got ''"),
    ("question empty", [*_P, "question"], "", "policies.unpublished_years.question",
     "must be non-empty text, got ''"),
    ("policy citation not a table", [*_P, "citation"], 1, "policies.unpublished_years.citation",
     "must be a table, got int"),
]


def _mini_data() -> dict[str, Any]:
    import tomllib

    data: dict[str, Any] = tomllib.loads(MINI)
    for entry in data["parameters"]["operating_rate"]["values"]:
        entry["from"] = entry["from"].isoformat()
    return data


def _edited(where: list[Any], new: object) -> dict[str, Any]:
    data = _mini_data()
    *parents, last = where
    node: Any = data
    for step in parents:
        node = node[step]
    if new is _DELETE:
        del node[last]
    else:
        node[last] = new
    return data


@pytest.mark.parametrize(("case", "where", "new", "key", "words"), SHAPES,
                         ids=[c[0] for c in SHAPES])
def test_a_ruleset_of_the_wrong_shape_is_refused_naming_the_key(
        case: str, where: list[Any], new: object, key: str, words: str) -> None:
    with pytest.raises(RulesetError) as info:
        ruleset_from_data(_edited(where, new), source="mini.toml")
    assert (info.value.path, info.value.field) == ("mini.toml", key)
    assert str(info.value) == f"mini.toml: {key}: {words}"


def test_the_small_test_ruleset_loads_from_data_with_its_names_and_optional_fields() -> None:
    data = _edited([*_V, 0, "citation", "url"], "https://example.org/guide")
    ruleset = ruleset_from_data(data, source="mini.toml")
    assert ruleset.source == "mini.toml"
    assert ruleset.description == ""  # none given
    assert ruleset.parameters["operating_rate"].name == "operating_rate"
    assert ruleset.policies["unpublished_years"].name == "unpublished_years"
    cited = ruleset.lookup("operating_rate", D(2018, 1, 1)).citation
    assert (cited.url, cited.note) == ("https://example.org/guide", None)


def test_data_that_is_not_a_table_is_refused_naming_its_source() -> None:
    with pytest.raises(RulesetError) as info:
        ruleset_from_data(["ruleset"])  # type: ignore[arg-type]
    assert (info.value.path, str(info.value)) == ("<data>", "<data>: must be a table, got list")


def test_an_overridden_ruleset_reads_back_from_its_data_with_what_each_piece_replaces() -> None:
    once = RULESET.with_override("operating_rate", "4.40", D(2021, 1, 1), D(2023, 1, 1))
    twice = once.with_override("operating_rate", "4.50", D(2022, 6, 1), D(2022, 9, 1))
    replaced = {v.start: (v.value, v.status, v.replaces)
                for v in twice.parameters["operating_rate"].values}
    assert replaced[D(2021, 1, 1)] == (Decimal("4.40"), "override", "unpublished")
    assert replaced[D(2022, 1, 1)] == (Decimal("4.40"), "override", "published")
    # An override of an override still replaces what the sources say.
    assert replaced[D(2022, 6, 1)] == (Decimal("4.50"), "override", "published")
    assert replaced[D(2022, 9, 1)] == (Decimal("4.40"), "override", "published")
    assert replaced[D(2023, 1, 1)] == (Decimal("2.32"), "published", None)
    back = ruleset_from_data(twice.to_data(), source="receipt")
    assert back.to_data() == twice.to_data()
    assert back.fingerprint == twice.fingerprint != RULESET.fingerprint
    assert back.parameters["operating_rate"].values == twice.parameters["operating_rate"].values


def test_a_month_and_day_that_is_not_text_is_refused_naming_the_field() -> None:
    for value in (315, "3-15", "02-29", None):
        with pytest.raises(InputError) as info:
            MonthDay.parse(value, field="counting_day")
        assert info.value.field == "counting_day"
        assert str(info.value) == ("counting_day: must be a day that exists in every year, "
                                   f"written 'MM-DD', got {value!r}")


def test_a_policy_the_ruleset_lacks_is_named_in_the_refusal() -> None:
    with pytest.raises(NotCoveredError) as info:
        RULESET.policy_choice("nonsense")
    assert info.value.field == "nonsense"
    assert str(info.value) == "nonsense: the ruleset 'dk-kiap' has no policy 'nonsense'"


@pytest.mark.parametrize(("start", "end", "words"), [
    ("2022-01-01", None, "override of operating_rate: start and end must be dates"),
    (D(2022, 1, 1), "2023-01-01", "override of operating_rate: start and end must be dates"),
    (D(2017, 12, 31), None, "override of operating_rate from 2017-12-31: the ruleset has no "
     "value before 2018-01-01, and an override does not extend it backwards"),
    (D(2022, 1, 1), D(2022, 1, 1),
     "override of operating_rate: end 2022-01-01 must be after start 2022-01-01"),
])
def test_an_override_out_of_range_is_refused_naming_the_parameter(
        start: object, end: object, words: str) -> None:
    with pytest.raises(InputError) as info:
        RULESET.with_override("operating_rate", "4.40", start, end)  # type: ignore[arg-type]
    assert info.value.field == "operating_rate"
    assert str(info.value) == f"operating_rate: {words}"


def test_an_override_value_of_the_wrong_kind_is_refused_naming_the_parameter() -> None:
    with pytest.raises(InputError) as info:
        RULESET.with_override("operating_rate", "4,40", D(2022, 1, 1))
    assert info.value.field == "operating_rate"
    assert str(info.value) == "operating_rate: must be an exact decimal, got '4,40'"


def test_a_citation_with_a_url_keeps_it_through_the_ruleset_data() -> None:
    data = _edited([*_V, 0, "citation", "url"], "https://example.org/guide")
    ruleset = ruleset_from_data(data, source="mini.toml")
    first = ruleset.to_data()["parameters"]["operating_rate"]["values"][0]["citation"]
    assert first["url"] == "https://example.org/guide"
    again = ruleset_from_data(ruleset.to_data())
    assert again.lookup("operating_rate", D(2018, 1, 1)).citation.url == "https://example.org/guide"
    assert again.fingerprint == ruleset.fingerprint


def test_a_citation_of_an_undeclared_document_lists_the_declared_ones() -> None:
    data = RULESET.to_data()
    data["parameters"]["startup_grant"]["values"][0]["citation"]["document"] = "Overenskomst"
    with pytest.raises(RulesetError) as info:
        ruleset_from_data(data, source="r.toml")
    key = "parameters.startup_grant.values[1].citation.document"
    assert str(info.value) == (
        f"r.toml: {key}: cites 'Overenskomst', which is not among [documents]: "
        "Guide til klyngestart, Håndbog 2024, kiap.dk Klyngeadministration")


def test_an_unknown_parameter_is_refused_naming_it_and_listing_the_known_ones() -> None:
    with pytest.raises(NotCoveredError) as info:
        RULESET.parameter("operating_rte")
    assert info.value.field == "operating_rte"
    assert str(info.value) == (
        "operating_rte: the ruleset 'dk-kiap' has no parameter 'operating_rte'; it has "
        f"{', '.join(sorted(RULESET.parameters))}")


def test_check_policies_refusals_list_the_policies_and_the_readings() -> None:
    with pytest.raises(InputError) as info:
        RULESET.check_policies({"rounding_mode": "line"})
    assert str(info.value) == ("rounding_mode: unknown policy; the ruleset has "
                               f"{', '.join(sorted(RULESET.policies))}")
    with pytest.raises(InputError) as info:
        RULESET.check_policies({"clawback": "sometimes"})
    assert str(info.value) == ("clawback: must be one of "
                               f"{', '.join(RULESET.policies['clawback'].choices)}, "
                               "got 'sometimes'")


def test_i5_refusals_say_why_and_name_the_parameter_and_the_day() -> None:
    with pytest.raises(NotCoveredError) as info:
        RULESET.lookup("operating_rate", D(2020, 6, 1), unpublished="refuse")
    reason = RULESET.parameter("operating_rate").entry_on(D(2020, 6, 1)).reason
    assert (info.value.field, info.value.date) == ("operating_rate", D(2020, 6, 1))
    assert str(info.value) == (
        f"operating_rate: no published value of operating_rate for 2020-06-01 ({reason}); "
        "strict mode refuses to carry a value forward (interpretation I5)")
    # Carrying forward needs a published value before: an assumption is not one.
    only_assumed = _edited([*_V, 0, "status"], "assumption")
    only_assumed["parameters"]["operating_rate"]["values"][0]["reason"] = "a guess"
    ruleset = ruleset_from_data(only_assumed)
    with pytest.raises(NotCoveredError) as info:
        ruleset.lookup("operating_rate", D(2020, 6, 1))
    assert str(info.value) == (
        "operating_rate: no published value of operating_rate for 2020-06-01 (no source gives "
        "it); there is no earlier value to carry a value forward (interpretation I5)")


@pytest.mark.parametrize(("name", "value", "words"), [
    ("startup_grant", "10,000", "must be an exact decimal, got '10,000'"),
    ("startup_grant", "-1", "must not be negative, got '-1'"),
    ("startup_grant", "1.005", "must be kroner to the øre (at most two decimals), got '1.005'"),
    ("operating_rate", "-4.33", "must not be negative, got '-4.33'"),
    ("clawback_window_months", "12", "must be a whole number, got '12'"),
    ("counting_day", "13-01", "must be a day that exists in every year, written 'MM-DD', "
     "got '13-01'"),
    ("funds_account", " ", "must be non-empty text, got ' '"),
    ("funds_account", 5, "must be non-empty text, got 5"),
])
def test_an_override_of_any_kind_is_checked_and_refused_naming_the_parameter(
        name: str, value: object, words: str) -> None:
    with pytest.raises(InputError) as info:
        RULESET.with_override(name, value, D(2024, 1, 1))
    assert info.value.field == name
    assert str(info.value) == f"{name}: {words}"


def test_an_unknown_ruleset_id_is_refused_listing_the_shipped_ones() -> None:
    with pytest.raises(InputError) as info:
        load_ruleset("dk-kiap-2030")
    assert info.value.field == "ruleset"
    shipped = ", ".join(sorted(r.id for r in available_rulesets()))
    assert str(info.value) == (f"ruleset: no shipped ruleset 'dk-kiap-2030'; shipped: {shipped} "
                               "(or give a path)")


def test_a_missing_ruleset_file_is_refused_naming_it(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    with pytest.raises(InputError) as info:
        load_ruleset(absent)
    assert info.value.path == str(absent)
    assert str(info.value) == f"{absent}: no such ruleset file"


def test_a_ruleset_file_is_read_as_toml_whatever_its_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mini.rules").write_text(MINI, encoding="utf-8")
    assert load_ruleset(tmp_path / "mini.rules").id == "mini"
    # A bare file name ending in .toml is a path in the working directory, not an id.
    (tmp_path / "here.toml").write_text(MINI, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_ruleset("here.toml").source == "here.toml"


# --- the cache is keyed by content; shipped rulesets are found by id, never by path ----------


def _rewrite_keeping_the_stat(path: Path, text: str) -> None:
    """Write ``text`` over ``path`` and put its modification time back, as `cp -p` or a
    restore from backup does: the size and the times are what they were."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_rewritten_ruleset_with_its_mtime_restored_gives_the_new_figures(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    assert load_ruleset(path).lookup("operating_rate", D(2018, 6, 1)).value == Decimal("4.33")
    _rewrite_keeping_the_stat(path, MINI.replace('value = "4.33"', 'value = "4.34"', 1))
    assert load_ruleset(path).lookup("operating_rate", D(2018, 6, 1)).value == Decimal("4.34")
    # And back again: the first content is parsed afresh, not served stale either way.
    _rewrite_keeping_the_stat(path, MINI)
    assert load_ruleset(path).lookup("operating_rate", D(2018, 6, 1)).value == Decimal("4.33")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 99), min_size=1, max_size=6))
def test_every_load_gives_the_figures_the_file_holds_then(rates: list[int]) -> None:
    """Any sequence of same-sized rewrites, each with the stat put back."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mini.toml"
        path.write_text(MINI, encoding="utf-8")
        for cents in rates:
            rate = f"4.{cents:02d}"
            _rewrite_keeping_the_stat(path, MINI.replace('"4.33"', f'"{rate}"', 1))
            ruleset = load_ruleset(path)
            assert ruleset.lookup("operating_rate", D(2018, 6, 1)).value == Decimal(rate)
            assert ruleset.fingerprint == ruleset_from_data(ruleset.to_data()).fingerprint


def test_an_unchanged_ruleset_file_is_parsed_once_and_the_cache_keeps_one_per_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    first = load_ruleset(path)
    assert load_ruleset(path) is first
    for cents in range(10, 20):
        path.write_text(MINI.replace('"4.33"', f'"4.{cents}"', 1), encoding="utf-8")
        load_ruleset(path)
    assert [key for key in kiaprules.rules.loader._CACHE if key == str(path)] == [str(path)]
    assert load_ruleset(path).lookup("operating_rate", D(2018, 6, 1)).value == Decimal("4.19")


def test_the_same_content_at_two_paths_keeps_each_its_own_source(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(MINI, encoding="utf-8")
    b.write_text(MINI, encoding="utf-8")
    assert (load_ruleset(a).source, load_ruleset(b).source) == (str(a), str(b))
    assert load_ruleset(a) == load_ruleset(b)


def test_a_ruleset_path_with_a_nul_is_refused_as_input() -> None:
    with pytest.raises(InputError) as info:
        load_ruleset("a\x00.toml")
    assert "NUL" in info.value.reason


class _Opened:
    """Stands in for `open`: records every path asked for, and opens only ``allowed`` ones
    (a refused path raises, so a regression fails fast instead of reading /dev/zero)."""

    def __init__(self, *allowed: str | os.PathLike[str]) -> None:
        self.paths: list[str] = []
        self.allowed = {os.path.realpath(p) for p in allowed}
        self._open = builtins.open

    def __call__(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | bytes | os.PathLike):
            path = os.path.realpath(os.fsdecode(file))
            self.paths.append(path)
            if path not in self.allowed:
                raise AssertionError(f"opened {path}")
        return self._open(file, *args, **kwargs)


HOSTILE_IDS = ["/dev/zero", "../../etc/passwd", "/etc/passwd", "dk-kiap.toml",
               "rulesets/dk-kiap", str(SHIPPED_RULESET), "./dk-kiap", "..", "", "dk-kiap\x00",
               "DK-KIAP", " dk-kiap"]


def test_a_shipped_ruleset_is_found_by_its_id() -> None:
    assert ruleset_by_id("dk-kiap") == RULESET
    assert ruleset_by_id("dk-kiap").source == str(SHIPPED_RULESET)  # type: ignore[union-attr]


@given(st.sampled_from(HOSTILE_IDS) | st.text(max_size=30))
def test_an_id_that_is_not_a_shipped_ones_is_none_and_opens_nothing_but_the_shipped_files(
    ruleset_id: str,
) -> None:
    spy = _Opened(*SHIPPED_RULESET.parent.glob("*.toml"))
    real_os_open = os.open

    def os_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        spy(file, "rb").close()  # records and checks the path as open() would
        return real_os_open(file, *args, **kwargs)

    with mock.patch("builtins.open", spy), mock.patch("os.open", os_open):
        found = ruleset_by_id(ruleset_id)
    assert spy.paths, "the shipped rulesets were read through neither open() nor os.open()"
    assert (found is None) == (ruleset_id != "dk-kiap")
    assert set(spy.paths) <= spy.allowed
