"""The published figures: the Guide til klyngestart §7.2 worked examples.

Every printed figure of the three shipped examples is a named case below,
with what the library must say about it. The full expectations live here, in
``EXPECTED``: a change to the engine, the ruleset or the published files that
moves any figure (its computed amount, its status, the rates that would
reproduce it, the text checks) fails a named test. The data files record the
status each figure is expected to have (``expect``, and ``computed`` for the
two known errata); a test checks that they agree with ``EXPECTED``, and the
pytest plugin runs them (``published/`` is among the test paths).

Figures known NOT to reproduce are asserted as ``not_reproduced``, with the
amount computed, the difference and the single rates that would reproduce
them; they are not ``xfail``: a change in either direction is noticed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiaprules import (
    Cluster,
    InputError,
    KiapRulesError,
    MoneyTypeError,
    Override,
    compute_payouts,
    load_published,
    load_ruleset,
    reproduce,
)
from kiaprules.audit.published import (
    PublishedExample,
    Reproduction,
    _Scenario,
    _shorthand,
    solve_rate,
)
from kiaprules.cli import main

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "published"
SOURCES = Path(__file__).resolve().parents[3] / "shared" / "sources"
GUIDE = SOURCES / "guide-til-klyngestart.txt"

EX1 = PUBLISHED / "guide-7.2-example-1.toml"
EX2 = PUBLISHED / "guide-7.2-example-2.toml"
EX3 = PUBLISHED / "guide-7.2-example-3.toml"
SHIPPED = (EX1, EX2, EX3)
IDS = {"ex1": "guide-7.2-ex1", "ex2": "guide-7.2-ex2", "ex3": "guide-7.2-ex3"}

D = Decimal


# --- the expectations -------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What the library must say about one printed figure."""

    example: str  # "ex1", "ex2", "ex3"
    label: str
    printed: str
    computed: dict[int, str]  # year → computed amount
    checks: tuple[str, ...] = ()
    #: (parameter, year, rate, instead_of) of every single rate that reproduces it
    solutions: frozenset[tuple[str, int, str, str]] = frozenset()
    #: the years whose operating rate is carried forward under I5 (no source publishes it)
    carried: tuple[int, ...] = ()
    misprinted: tuple[int, ...] = ()
    explanation_has: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        same = all(D(v) == D(self.printed) for v in self.computed.values())
        return "reproduced" if same else "not_reproduced"

    @property
    def case_id(self) -> str:
        return f"{self.example}-" + re.sub(r"[^a-z0-9]+", "-", self.label.lower()).strip("-")


def _same(year_from: int, year_to: int, amount: str) -> dict[int, str]:
    return {y: amount for y in range(year_from, year_to + 1)}


#: ex1 and ex2 print the 2019 and 2020 totals as if the operating rate were
#: 4.26 (or the supplement 2.09), while their own lines above add up at 4.33.
_TOTAL_1920_SOLUTIONS = frozenset({
    ("operating_rate", 2019, "4.26", "4.33"), ("operating_rate", 2020, "4.26", "4.33"),
    ("supplement_rate", 2019, "2.09", "2.16"), ("supplement_rate", 2020, "2.09", "2.16"),
})

EXPECTED: tuple[Expected, ...] = (
    # --- example 1: 20 doctors, 30,000 patients ---
    Expected("ex1", "startup grant, founding year", "200000", {2018: "200000"}),
    Expected("ex1", "operating grant, founding year", "129900", {2018: "129900"}),
    Expected("ex1", "total, founding year", "329900", {2018: "329900"}),
    Expected("ex1", "operating grant, following years", "129900", _same(2019, 2021, "129900"),
             checks=("line_arithmetic",), carried=(2019, 2020, 2021),
             explanation_has=("4.23 × 30,000 = 126900.00", "prints 129900.00",
                              "the printed amount is 4.33 × 30,000")),
    Expected("ex1", "supplement 2019 and 2020", "64800", _same(2019, 2020, "64800")),
    Expected("ex1", "supplement 2021", "14100", {2021: "14100"}),
    Expected("ex1", "total 2019 and 2020", "192600", _same(2019, 2020, "194700"),
             solutions=_TOTAL_1920_SOLUTIONS, carried=(2019, 2020),
             explanation_has=("2019: computed 194700.00, printed − computed = -2100.00",
                              "2020: computed 194700.00, printed − computed = -2100.00",
                              "operating_rate 4.26 for 2019 and 2020 (instead of 4.33)",
                              "supplement_rate 2.09 for 2019 and 2020 (instead of 2.16)")),
    Expected("ex1", "total 2021", "144000", {2021: "144000"}, carried=(2021,)),
    # --- example 2: 14 doctors, 22,000 patients ---
    Expected("ex2", "startup grant, founding year", "140000", {2018: "140000"}),
    Expected("ex2", "operating grant, founding year", "95260", {2018: "95260"}),
    Expected("ex2", "total, founding year", "235260", {2018: "235260"}),
    Expected("ex2", "operating grant, following years", "95260", _same(2019, 2021, "95260"),
             checks=("line_arithmetic",), carried=(2019, 2020, 2021),
             explanation_has=("4.26 × 22,000 = 93720.00", "prints 95260.00",
                              "the printed amount is 4.33 × 22,000")),
    Expected("ex2", "supplement 2019 and 2020", "47520", _same(2019, 2020, "47520"),
             checks=("misprinted_year",), misprinted=(2010,),
             explanation_has=("names 2010", "(read as 2020)")),
    Expected("ex2", "supplement 2021", "10340", {2021: "10340"},
             checks=("misprinted_year",), misprinted=(2010,), explanation_has=("names 2010",)),
    Expected("ex2", "total 2019 and 2020", "141240", _same(2019, 2020, "142780"),
             solutions=_TOTAL_1920_SOLUTIONS, carried=(2019, 2020),
             explanation_has=("2019: computed 142780.00, printed − computed = -1540.00",
                              "2020: computed 142780.00, printed − computed = -1540.00",
                              "operating_rate 4.26 for 2019 and 2020 (instead of 4.33)",
                              "supplement_rate 2.09 for 2019 and 2020 (instead of 2.16)")),
    Expected("ex2", "total 2021", "105600", {2021: "105600"}, carried=(2021,)),
    # --- example 3: 42 doctors, 65,000 patients ---
    Expected("ex3", "startup grant, founding year", "420000", {2018: "420000"}),
    Expected("ex3", "operating grant, founding year", "281450", {2018: "281450"}),
    Expected("ex3", "total, founding year", "701450", {2018: "701450"}),
    Expected("ex3", "operating grant, following years", "281450", _same(2019, 2021, "281450"),
             carried=(2019, 2020, 2021)),
    Expected("ex3", "supplement 2019 and 2020", "140400", _same(2019, 2020, "140400")),
    Expected("ex3", "supplement 2021", "30550", {2021: "30550"}),
    Expected("ex3", "total 2019 and 2020", "421850", _same(2019, 2020, "421850"),
             carried=(2019, 2020)),
    Expected("ex3", "total 2021", "312000", {2021: "312000"}, carried=(2021,)),
)


@pytest.fixture(scope="module")
def reproduction() -> Reproduction:
    return reproduce()


def _result(reproduction: Reproduction, exp: Expected):  # type: ignore[no-untyped-def]
    found = [r for r in reproduction.results
             if r.example.id == IDS[exp.example] and r.figure.label == exp.label]
    assert len(found) == 1, f"{exp.case_id}: {len(found)} figures with this label"
    return found[0]


# --- every printed figure, by name -----------------------------------------------------


def test_the_table_names_every_shipped_figure_once(reproduction: Reproduction) -> None:
    shipped = [(r.example.id, r.figure.label) for r in reproduction.results]
    expected = [(IDS[e.example], e.label) for e in EXPECTED]
    assert shipped == expected  # same figures, same order (the files' order)
    assert len({e.case_id for e in EXPECTED}) == len(EXPECTED) == 24


@pytest.mark.parametrize("exp", EXPECTED, ids=[e.case_id for e in EXPECTED])
def test_published_figure(reproduction: Reproduction, exp: Expected) -> None:
    r = _result(reproduction, exp)
    assert r.figure.printed == D(exp.printed)
    assert r.status == exp.status
    assert r.reproduced is (exp.status == "reproduced")
    assert dict(r.computed) == {y: D(v) for y, v in exp.computed.items()}
    first_off = next((D(v) for v in exp.computed.values() if D(v) != D(exp.printed)),
                     D(exp.printed))
    assert r.computed_amount == first_off
    assert tuple(r.checks) == exp.checks
    assert r.misprinted_years == exp.misprinted
    assert (r.line_check is not None) is ("line_arithmetic" in exp.checks)
    got = {(s.parameter, s.year, f"{s.rate}", f"{s.instead_of}") for s in r.solutions}
    assert got == set(exp.solutions)
    assert len(r.solutions) == len(exp.solutions)
    # Every year whose operating rate no source publishes is said so, with I5.
    if exp.carried:
        [assumption] = r.assumptions
        years = " and ".join([", ".join(str(y) for y in exp.carried[:-1]),
                              str(exp.carried[-1])]) if len(exp.carried) > 1 \
            else str(exp.carried[0])
        assert assumption == (f"operating_rate for {years}, 4.33 (in force from 2018-01-01) "
                              "carried forward under I5")
        assert "Computed on a rate no source publishes" in r.explanation
    else:
        assert r.assumptions == ()
    for text in exp.explanation_has:
        assert text in r.explanation
    if exp.status == "reproduced" and not exp.checks and not exp.carried:
        assert r.explanation == ""
    if exp.status == "not_reproduced":
        assert r.explanation.startswith("Not reproduced (")
    else:
        assert "Not reproduced" not in r.explanation
    data = r.to_dict()
    assert data["status"] == exp.status
    assert data["printed"] == f"{D(exp.printed):.2f}"
    assert data["computed"] == f"{first_off:.2f}"
    assert data["computed_by_year"] == {str(y): f"{D(v):.2f}" for y, v in exp.computed.items()}
    assert data["checks"] == list(exp.checks)
    assert {(s["parameter"], s["year"], s["rate"], s["instead_of"])
            for s in data["solutions"]} == set(exp.solutions)


def test_summary(reproduction: Reproduction) -> None:
    summary = reproduction.to_dict()["summary"]
    assert summary == {"figures": 24, "reproduced": 22, "not_reproduced": 2, "flagged": 4,
                       "as_expected": 24, "not_as_expected": 0}
    assert reproduction.not_as_expected == ()
    assert [(r.example.id, r.figure.label) for r in reproduction.not_reproduced] == [
        ("guide-7.2-ex1", "total 2019 and 2020"), ("guide-7.2-ex2", "total 2019 and 2020")]
    shipped = load_ruleset("dk-kiap")
    assert (reproduction.ruleset_id, reproduction.fingerprint) == ("dk-kiap", shipped.fingerprint)


@pytest.mark.parametrize(("path", "patients"), [(EX1, 30000), (EX2, 22000)],
                         ids=["ex1", "ex2"])
def test_the_printed_2019_2020_total_is_its_lines_at_4_26(
        reproduction: Reproduction, path: Path, patients: int) -> None:
    """The explanation checked by hand from the printed figures of the file."""
    example = load_published(path)
    printed = {f.label: f.printed for f in example.figures}
    operating = printed["operating grant, following years"]
    supplement = printed["supplement 2019 and 2020"]
    total = printed["total 2019 and 2020"]
    assert operating == D("4.33") * patients  # the line's amount is at 4.33 ...
    [r] = [r for r in reproduction.results
           if r.example.id == example.id and r.figure.label == "total 2019 and 2020"]
    assert r.computed_amount == operating + supplement  # ... and so is the computed total
    assert (total - supplement) / patients == D("4.26")  # the printed total is at 4.26
    assert (total - operating) / patients == D("2.09")  # or at a 2.09 supplement


def test_examples_disagree_on_the_operating_rate_after_2018(reproduction: Reproduction) -> None:
    incs = reproduction.inconsistencies
    assert [(i.parameter, i.year) for i in incs] == [
        ("operating_rate", 2019), ("operating_rate", 2020), ("operating_rate", 2021)]
    for inc in incs:
        rates = [rate for rate, _ in inc.implied]
        assert rates == [D("4.33"), D("4.26"), D("4.23")]  # highest first
        by_rate = {f"{rate}": who for rate, who in inc.implied}
        assert 'guide-7.2-ex1 “operating grant, following years” (printed rate)' in by_rate["4.23"]
        assert 'guide-7.2-ex2 “operating grant, following years” (printed rate)' in by_rate["4.26"]
        assert 'guide-7.2-ex3 “operating grant, following years”' in by_rate["4.33"]
        assert len(by_rate["4.23"]) == 1
    by_year = {i.year: {f"{r}": w for r, w in i.implied} for i in incs}
    for year in (2019, 2020):
        assert 'guide-7.2-ex1 “total 2019 and 2020”' in by_year[year]["4.26"]
        assert 'guide-7.2-ex2 “total 2019 and 2020”' in by_year[year]["4.26"]
        assert 'guide-7.2-ex3 “total 2019 and 2020”' in by_year[year]["4.33"]
    # 2021: every total reproduces at 4.33; only ex2's printed rate says 4.26.
    assert by_year[2021]["4.26"] == ('guide-7.2-ex2 “operating grant, following years” '
                                     "(printed rate)",)
    # The supplement is consistent: 2.16 and 0.47 everywhere.
    assert not [i for i in incs if i.parameter == "supplement_rate"]
    text = str(incs[0])
    assert text.startswith("operating_rate for 2019: the printed figures imply 4.33 by ")
    assert reproduction.to_dict()["inconsistencies"][0]["implied"][2] == {
        "rate": "4.23",
        "figures": ['guide-7.2-ex1 “operating grant, following years” (printed rate)']}


def test_no_single_operating_rate_reproduces_every_example() -> None:
    """Tuning 2019–2020 to 4.26 fixes ex1 and ex2's totals and breaks ex3's."""
    shipped = load_ruleset("dk-kiap")
    tuned = shipped.with_override("operating_rate", "4.26", dt.date(2019, 1, 1),
                                  dt.date(2021, 1, 1))
    result = reproduce(ruleset=tuned)
    bad = {(r.example.id, r.figure.label): r for r in result.not_reproduced}
    assert ("guide-7.2-ex1", "total 2019 and 2020") not in bad
    assert ("guide-7.2-ex2", "total 2019 and 2020") not in bad
    ex3 = bad[("guide-7.2-ex3", "total 2019 and 2020")]
    assert dict(ex3.computed) == {2019: D("417300.00"), 2020: D("417300.00")}
    assert ("operating_rate", 2019, D("4.33"), D("4.26")) in {
        (s.parameter, s.year, s.rate, s.instead_of) for s in ex3.solutions}
    for n in (1, 2, 3):  # each "following years" line prints 4.33 × patients
        r = bad[(f"guide-7.2-ex{n}", "operating grant, following years")]
        assert {2019, 2020} <= {y for y, a in r.computed if a != r.figure.printed}
    assert result.fingerprint != shipped.fingerprint


def test_reproduce_accepts_a_json_published_file(tmp_path: Path,
                                                 reproduction: Reproduction) -> None:
    data = tomllib.loads(EX1.read_text(encoding="utf-8"))
    path = tmp_path / "ex1.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from_json = reproduce([path])
    from_toml = [r for r in reproduction.results if r.example.id == "guide-7.2-ex1"]
    assert [r.to_dict() for r in from_json.results] == [r.to_dict() for r in from_toml]


def test_reproduce_refuses_two_files_with_one_id() -> None:
    with pytest.raises(InputError, match=r"example id 'guide-7\.2-ex1' is also used by ") as info:
        reproduce([EX1, EX1])
    assert info.value.path is not None and info.value.field == "id"


def test_reproduce_takes_loaded_examples_and_no_examples() -> None:
    example = load_published(EX3)
    assert isinstance(example, PublishedExample)
    result = reproduce([example])
    assert len(result.results) == 8 and not result.not_reproduced
    assert result.inconsistencies == ()
    empty = reproduce([])
    assert empty.results == () and empty.ruleset_id == "dk-kiap"


def test_a_figure_that_depends_on_no_rate_has_no_solutions(tmp_path: Path) -> None:
    """A startup figure off by 10,000 kr: explained as not reproducible by a rate."""
    text = EX1.read_text(encoding="utf-8").replace('printed = "200000"', 'printed = "190000"')
    path = tmp_path / "ex1.toml"
    path.write_text(text, encoding="utf-8")
    [r] = [r for r in reproduce([path]).results if r.figure.label.startswith("startup")]
    assert r.status == "not_reproduced" and r.solutions == ()
    assert "No single operating or supplement rate to the øre reproduces" in r.explanation
    assert "printed − computed = -10000.00" in r.explanation


# --- what each figure is expected to give ----------------------------------------------


def _without_expectations(text: str) -> str:
    """A published file as it was before it could record expectations."""
    return "\n".join(line for line in text.split("\n")
                     if not line.startswith(("expect = ", "computed = ")))


@pytest.mark.parametrize("exp", EXPECTED, ids=[e.case_id for e in EXPECTED])
def test_the_shipped_files_record_what_expected_says(exp: Expected) -> None:
    """The files' own expect/computed agree with this module's EXPECTED, figure by figure."""
    example = load_published({"ex1": EX1, "ex2": EX2, "ex3": EX3}[exp.example])
    [fig] = [f for f in example.figures if f.label == exp.label]
    assert fig.expect == exp.status
    if exp.status == "reproduced":
        assert fig.expected_computed == ()
    else:
        assert fig.expected_computed == tuple((y, D(v)) for y, v in exp.computed.items())


def test_a_figure_without_expect_is_expected_to_reproduce(tmp_path: Path) -> None:
    """An old file (no expect, no computed) still loads; a figure that does not reproduce
    is then not as expected, and says so beside its explanation."""
    path = _write(tmp_path, _without_expectations(EX1.read_text(encoding="utf-8")))
    example = load_published(path)
    assert {(f.expect, f.expected_computed) for f in example.figures} == {("reproduced", ())}
    result = reproduce([example])
    [r] = result.not_as_expected
    assert r.figure.label == "total 2019 and 2020" and r.status == "not_reproduced"
    assert r.mismatch == ("Expected reproduced, got not_reproduced (computed 194700.00 in 2019 "
                          "and 2020).")
    assert r.explanation.startswith("Not reproduced (2019: computed 194700.00")
    assert all(x.as_expected and x.mismatch is None for x in result.results if x is not r)


def test_a_recorded_erratum_is_as_expected(reproduction: Reproduction) -> None:
    errata = [r for r in reproduction.results if r.figure.expect == "not_reproduced"]
    assert [(r.example.id, r.figure.label) for r in errata] == [
        ("guide-7.2-ex1", "total 2019 and 2020"), ("guide-7.2-ex2", "total 2019 and 2020")]
    for r in errata:
        assert r.status == "not_reproduced" and r.as_expected and r.mismatch is None
        assert r.to_dict()["as_expected"] is True


def test_an_erratum_whose_computed_amount_moves_is_not_as_expected(tmp_path: Path) -> None:
    path = _write(tmp_path, EX1.read_text(encoding="utf-8").replace(
        'computed = "194700"', 'computed = "194800"'))
    [r] = reproduce([path]).not_as_expected
    assert r.status == r.figure.expect == "not_reproduced"
    assert r.mismatch == ("Expected not_reproduced (computed 194800.00 in 2019 and 2020), got "
                          "not_reproduced (computed 194700.00 in 2019 and 2020).")


def test_an_erratum_that_got_fixed_is_not_as_expected() -> None:
    """A ruleset under which the two errata reproduce: their status changed, so they fail,
    and so do the figures the new rate breaks."""
    tuned = load_ruleset("dk-kiap").with_override("operating_rate", "4.26",
                                                  dt.date(2019, 1, 1), dt.date(2021, 1, 1))
    result = reproduce(ruleset=tuned)
    surprises = {(r.example.id, r.figure.label): r.mismatch for r in result.not_as_expected}
    assert surprises[("guide-7.2-ex1", "total 2019 and 2020")] == (
        "Expected not_reproduced (computed 194700.00 in 2019 and 2020), got reproduced.")
    assert surprises[("guide-7.2-ex2", "total 2019 and 2020")] == (
        "Expected not_reproduced (computed 142780.00 in 2019 and 2020), got reproduced.")
    assert surprises[("guide-7.2-ex3", "total 2019 and 2020")] == (
        "Expected reproduced, got not_reproduced (computed 417300.00 in 2019 and 2020).")
    assert set(surprises) == {(r.example.id, r.figure.label) for r in result.not_reproduced} \
        | {("guide-7.2-ex1", "total 2019 and 2020"), ("guide-7.2-ex2", "total 2019 and 2020")}
    assert result.to_dict()["summary"]["not_as_expected"] == len(surprises)


def test_computed_by_year_names_each_year(tmp_path: Path) -> None:
    """The 2019–2020 total read over 2019–2021: 2021 computes another amount, recorded
    year by year; years that compute the same amount are named together."""
    text = EX1.read_text(encoding="utf-8").replace(
        'years = [2019, 2020]\n# A known', 'years = [2019, 2020, 2021]\n# A known').replace(
        'computed = "194700"',
        'computed = { 2019 = "194700", 2020 = "194700", 2021 = "144000" }')
    path = _write(tmp_path, text)
    [fig] = [f for f in load_published(path).figures if f.label == "total 2019 and 2020"]
    assert fig.expected_computed == ((2019, D("194700")), (2020, D("194700")),
                                     (2021, D("144000")))
    [r] = [r for r in reproduce([path]).results if r.figure.label == fig.label]
    assert r.as_expected
    one_amount = _write(tmp_path, text.replace(
        '{ 2019 = "194700", 2020 = "194700", 2021 = "144000" }', '"194700"'), "one.toml")
    [r] = reproduce([one_amount]).not_as_expected
    assert r.mismatch == ("Expected not_reproduced (computed 194700.00 in 2019, 2020 and 2021), "
                          "got not_reproduced (computed 194700.00 in 2019 and 2020, 144000.00 in "
                          "2021).")
    table = reproduce([one_amount]).to_table()
    assert "1 not as expected:\n- guide-7.2-ex1 “total 2019 and 2020”: Expected not_reproduced " \
           "(computed 194700.00 in 2019, 2020 and 2021), got not_reproduced" in table


def test_one_amount_and_a_table_by_year_are_the_same_expectation(tmp_path: Path) -> None:
    text = EX1.read_text(encoding="utf-8")
    by_year = _write(tmp_path, text.replace(
        'computed = "194700"', 'computed = { 2020 = "194700.00", 2019 = 194700 }'))
    assert load_published(by_year).figures == load_published(EX1).figures


def test_the_docs_show_the_example_of_ones_own_file_as_it_is() -> None:
    """docs/published-examples.md shows examples/published_guide_7_1.toml, which its doctests
    run through reproduce and the pytest plugin; the file adds only its header comment."""
    doc = (REPO / "docs" / "published-examples.md").read_text(encoding="utf-8")
    block = doc.split("### Adding your own example")[1].split("```toml\n")[1].split("```")[0]
    own = REPO / "examples" / "published_guide_7_1.toml"
    text = own.read_text(encoding="utf-8")
    assert text.endswith("\n" + block) and text[:-len(block)].strip().startswith("#")
    assert all(line.startswith("#") for line in text[:-len(block)].strip().splitlines())
    assert not reproduce([own]).not_as_expected


@st.composite
def reprinted(draw: st.DrawFn) -> dict[str, Any]:
    """The first shipped example with some printed amounts changed (and nothing recorded)."""
    document = tomllib.loads(_without_expectations(EX1.read_text(encoding="utf-8")))
    for fig in document["figure"]:
        if draw(st.booleans(), label=f"reprint {fig['label']}"):
            ore = draw(st.integers(0, 100_000_000), label="printed in øre")
            fig["printed"] = f"{Decimal(ore) / 100:.2f}"
    return document


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=reprinted())
def test_recording_what_is_computed_makes_every_figure_as_expected(
        tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]) -> None:
    """Without records, as expected is reproduced; once each figure records the status and
    amounts reproduce gives it, every figure is as expected, and the mismatch is None."""
    folder = tmp_path_factory.mktemp("reprinted")
    path = folder / "ex.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    first = reproduce([path])
    for r in first.results:
        assert r.as_expected is r.reproduced
        assert (r.mismatch is None) is r.as_expected
    for fig, r in zip(document["figure"], first.results, strict=True):
        if not r.reproduced:
            fig["expect"] = "not_reproduced"
            fig["computed"] = {str(y): f"{a}" for y, a in r.computed}
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    again = reproduce([path])
    assert again.not_as_expected == ()
    assert [r.status for r in again.results] == [r.status for r in first.results]
    assert again.to_dict()["summary"]["as_expected"] == len(again.results)


# --- data integrity: the published files quote the source ------------------------------


@pytest.fixture(scope="module")
def guide() -> str:
    if not GUIDE.is_file():
        pytest.skip(f"the source text is not available at {GUIDE}")
    return GUIDE.read_text(encoding="utf-8")


def _section_7_2(guide: str) -> str:
    start = guide.index("7.2 Eksempler på klyngeøkonomi")
    end = guide.index("7.3 Brug af klyngemidler")
    return guide[start:end]


def _dk(value: Decimal | int, *, comma: bool = True) -> str:
    """192600 → '192.600'; 4.33 → '4,33' (or '4.33' with comma=False)."""
    value = D(value)
    whole = int(value)
    text = f"{whole:,}".replace(",", ".")
    if value != whole:
        frac = f"{value:.2f}".split(".")[1]
        text += ("," if comma else ".") + frac
    return text


def _on_line(token: str, line: str) -> bool:
    return re.search(r"(?<![\d.,])" + re.escape(token) + r"(?![\d]|[.,]\d)", line) is not None


FIGURES = [(path, i, fig) for path in SHIPPED for i, fig in enumerate(load_published(path).figures)]
FIGURE_IDS = [
    f"{path.stem.replace('guide-7.2-example-', 'ex')}-"
    + re.sub(r"[^a-z0-9]+", "-", fig.label.lower()).strip("-") for path, _, fig in FIGURES]


@pytest.mark.parametrize(("path", "index", "fig"), FIGURES, ids=FIGURE_IDS)
def test_figure_quotes_its_line_verbatim(guide: str, path: Path, index: int, fig) -> None:  # type: ignore[no-untyped-def]
    assert fig.line in guide.splitlines(), f"{path.name} figure[{index + 1}]: line not in source"
    assert f"{_dk(fig.printed)} kr." in fig.line
    assert _on_line(_dk(fig.printed), fig.line)
    if fig.rate is not None:
        assert _on_line(_dk(fig.rate), fig.line) or _on_line(_dk(fig.rate, comma=False),
                                                             fig.line)
    if fig.quantity is not None:
        assert _on_line(_dk(fig.quantity), fig.line)


@pytest.mark.parametrize("path", SHIPPED, ids=["ex1", "ex2", "ex3"])
def test_intro_is_quoted_verbatim(guide: str, path: Path) -> None:
    example = load_published(path)
    assert example.intro in guide
    assert example.intro in _section_7_2(guide)
    assert (example.document, example.section) == ("Guide til klyngestart", "§7.2")


def test_each_examples_lines_come_from_its_own_part_of_7_2(guide: str) -> None:
    section = _section_7_2(guide)
    examples = [load_published(p) for p in SHIPPED]
    starts = [section.index(e.intro) for e in examples] + [len(section)]
    for n, example in enumerate(examples):
        part = section[starts[n]:starts[n + 1]]
        for fig in example.figures:
            assert fig.line in part.splitlines(), (example.id, fig.label)


def test_every_amount_printed_in_7_2_is_a_figure(guide: str) -> None:
    """No printed amount of the section is left out of the published files."""
    section = _section_7_2(guide)
    examples = [load_published(p) for p in SHIPPED]
    starts = [section.index(e.intro) for e in examples] + [len(section)]
    amount = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})*(?:,\d+)?) kr\.")
    for n, example in enumerate(examples):
        part = section[starts[n]:starts[n + 1]]
        for line in part.splitlines():
            if "\t" not in line:
                continue
            figs = [f for f in example.figures if f.line == line]
            assert figs, f"{example.id}: no figure quotes {line!r}"
            known = {_dk(f.printed) for f in figs} | {_dk(f.rate) for f in figs if f.rate}
            for printed in amount.findall(line):
                assert printed in known, f"{example.id}: {printed} kr. on {line!r}"
            # The amount after the tab is always one figure's printed amount.
            assert line.split("\t")[1].removesuffix(" kr.") in {_dk(f.printed) for f in figs}


@pytest.mark.parametrize("path", SHIPPED, ids=["ex1", "ex2", "ex3"])
def test_file_shape(path: Path) -> None:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    scenario = raw["scenario"]
    assert scenario["years"] == [2018, 2019, 2020, 2021]
    assert scenario["founding_year"] == 2018
    for fig in raw["figure"]:
        assert isinstance(fig["printed"], str)  # amounts are text, never floats
        assert set(fig["years"]) <= set(scenario["years"])
    example = load_published(path)
    [membership] = example.cluster.memberships
    assert membership.clinic.capacities == scenario["capacities"]
    assert dict(membership.clinic.patients) == {y: scenario["patients"]
                                                for y in scenario["years"]}
    assert example.cluster.founded == dt.date(2018, 1, 1) == membership.joined
    assert example.assumptions[0].startswith("the shorthand is modelled as one clinic with "
                                             f"{scenario['capacities']} capacities")
    assert list(example.assumptions[1:]) == scenario["assumptions"]


# --- loader errors ----------------------------------------------------------------------

_OP = 'label = "operating grant, founding year"'
_REC = "figure[2] (operating grant, founding year)"
_TOTAL = "figure[7] (total 2019 and 2020)"


def _edit(old: str, new: str, count: int = 1):  # type: ignore[no-untyped-def]
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)
    return apply


def _drop_scenario(text: str) -> str:
    return text[:text.index("[scenario]")] + text[text.index("[[figure]]"):]


LOADER_ERRORS = [
    pytest.param(_edit('rate = "4.33"', 'rate = "4.33"\nnote = "x"'), InputError, _REC, "note",
                 "unknown key", id="figure-unknown-key"),
    pytest.param(_edit('intro = "', 'preface = "'), InputError, "published", "preface",
                 "unknown key", id="published-unknown-key"),
    pytest.param(_edit("capacities = 20", "capacities = 20\ndoctors = 20"), InputError,
                 "scenario", "doctors", "unknown key", id="scenario-unknown-key"),
    pytest.param(_edit('printed = "129900"\n', ""), InputError, _REC, "printed", "is missing",
                 id="missing-printed"),
    pytest.param(_edit('printed = "129900"', "printed = 129900.5"), MoneyTypeError, _REC,
                 "printed", "float", id="float-printed"),
    pytest.param(_edit('rate = "4.33"', "rate = 4.33"), MoneyTypeError, _REC, "rate", "float",
                 id="float-rate"),
    pytest.param(_edit('printed = "129900"', 'printed = "129.900 kr."'), InputError, _REC,
                 "printed", "must be an amount in kroner", id="danish-printed"),
    pytest.param(_edit('printed = "129900"', 'printed = "129900.001"'), InputError, _REC,
                 "printed", "at most two decimals", id="printed-beyond-ore"),
    pytest.param(_edit('kind = "operating"', 'kind = "bonus"'), InputError, _REC, "kind",
                 "must be one of startup, operating, supplement, clawback, total",
                 id="kind-not-allowed"),
    pytest.param(_edit('years = [2018]\nrate = "4.33"', 'years = 2018\nrate = "4.33"'),
                 InputError, _REC, "years", "must be a non-empty list of years",
                 id="figure-years-not-a-list"),
    pytest.param(_edit('years = [2018]\nrate = "4.33"', 'years = []\nrate = "4.33"'),
                 InputError, _REC, "years", "must be a non-empty list", id="figure-years-empty"),
    pytest.param(_edit('years = [2018]\nrate = "4.33"', 'years = [true]\nrate = "4.33"'),
                 InputError, _REC, "years", "must be a list of years", id="figure-years-bool"),
    pytest.param(_edit("years = [2018, 2019, 2020, 2021]", 'years = "2018-2021"'), InputError,
                 "scenario", "years", "must be a non-empty list of years",
                 id="scenario-years-not-a-list"),
    pytest.param(_edit("founding_year = 2018", "founding_year = 2019"), InputError, "scenario",
                 "founding_year", "the first of 'years' (2018), got 2019",
                 id="founding-year-not-first"),
    pytest.param(_edit("quantity = 30000", "quantity = -1"), InputError, _REC, "quantity",
                 "whole number ≥ 0", id="negative-quantity"),
    pytest.param(_edit("capacities = 20", "capacities = 0"), InputError, "scenario",
                 "capacities", "≥ 1", id="zero-capacities"),
    pytest.param(_edit(_OP, "label = 5"), InputError, "figure[2]", "label", "non-empty text",
                 id="label-not-text"),
    # What a figure is expected to give (expect, and computed for a known erratum).
    pytest.param(_edit('expect = "not_reproduced"', 'expect = "erratum"'), InputError, _TOTAL,
                 "expect", "must be one of reproduced, not_reproduced, got 'erratum'",
                 id="expect-unknown-status"),
    pytest.param(_edit('expect = "not_reproduced"', "expect = false"), InputError, _TOTAL,
                 "expect", "must be one of reproduced, not_reproduced, got False",
                 id="expect-not-text"),
    pytest.param(_edit('computed = "194700"\n', ""), InputError, _TOTAL, "computed",
                 'is missing: a figure with expect = "not_reproduced" records the amount',
                 id="erratum-without-computed"),
    pytest.param(_edit('expect = "not_reproduced"', 'expect = "reproduced"'), InputError, _TOTAL,
                 "computed", 'is given only with expect = "not_reproduced"',
                 id="computed-with-reproduced"),
    pytest.param(_edit('quantity = 30000\n', 'quantity = 30000\ncomputed = "129900"\n', 1),
                 InputError, _REC, "computed",
                 'is given only with expect = "not_reproduced"', id="computed-without-expect"),
    pytest.param(_edit('computed = "194700"', "computed = 194700.5"), MoneyTypeError, _TOTAL,
                 "computed", "float", id="computed-float"),
    pytest.param(_edit('computed = "194700"', 'computed = "194700.001"'), InputError, _TOTAL,
                 "computed", "at most two decimals", id="computed-beyond-ore"),
    pytest.param(_edit('computed = "194700"', 'computed = "192600"'), InputError, _TOTAL,
                 "computed", "is the printed amount in every year: that figure reproduces",
                 id="computed-is-printed"),
    pytest.param(_edit('computed = "194700"', 'computed = { 2019 = "194700" }'), InputError,
                 _TOTAL, "computed", "gives no amount for 2020", id="computed-year-missing"),
    pytest.param(_edit('computed = "194700"', 'computed = { 2019 = "194700", 2020 = "194700", '
                       '2021 = "1" }'), InputError, _TOTAL, "computed.2021",
                 "is not one of the figure's years (2019 and 2020)", id="computed-year-outside"),
    pytest.param(_edit('computed = "194700"', 'computed = { next = "194700" }'), InputError,
                 _TOTAL, "computed.next", "is not one of the figure's years",
                 id="computed-year-not-a-year"),
    pytest.param(_edit('computed = "194700"', 'computed = { 2019 = "194700", 2020 = 1.5 }'),
                 MoneyTypeError, _TOTAL, "computed.2020", "float", id="computed-by-year-float"),
    pytest.param(_edit('computed = "194700"', "computed = [194700]"), InputError, _TOTAL,
                 "computed", "must be an amount in kroner", id="computed-a-list"),
]


def _write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "error", "record", "field", "reason"), LOADER_ERRORS)
def test_loader_error_names_file_record_and_field(tmp_path: Path, edit, error, record,  # type: ignore[no-untyped-def]
                                                  field, reason) -> None:
    path = _write(tmp_path, edit(EX1.read_text(encoding="utf-8")))
    with pytest.raises(error) as info:
        load_published(path)
    exc = info.value
    assert isinstance(exc, KiapRulesError)
    assert (exc.path, exc.record, exc.field) == (str(path), record, field)
    assert reason in exc.reason
    assert str(exc).startswith(f"{path}: {record}: {field}: ")


@pytest.mark.parametrize("edit", [
    pytest.param(lambda t: t + '\n[cluster]\nname = "x"\nfounded = "2018-01-01"\n',
                 id="both-scenario-and-cluster"),
    pytest.param(_drop_scenario, id="neither-scenario-nor-cluster"),
])
def test_scenario_xor_cluster(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, edit(EX1.read_text(encoding="utf-8")))
    with pytest.raises(InputError) as info:
        load_published(path)
    assert info.value.path == str(path)
    assert str(info.value) == (f"{path}: give either [scenario] (the shorthand) or [cluster] "
                               "with [[clinic]]")


def test_no_figures_and_bad_files(tmp_path: Path) -> None:
    text = EX1.read_text(encoding="utf-8")
    path = _write(tmp_path, text[:text.index("[[figure]]")])
    with pytest.raises(InputError, match=r"broken\.toml: figure: is missing"):
        load_published(path)
    path = _write(tmp_path, "this is = = not toml", "bad.toml")
    with pytest.raises(InputError, match=r"bad\.toml: is not valid TOML"):
        load_published(path)
    with pytest.raises(InputError, match="no such file"):
        load_published(tmp_path / "missing.toml")


def test_a_published_file_may_give_a_full_cluster(tmp_path: Path) -> None:
    """[cluster] with [[clinic]] instead of the shorthand: same figures as ex1."""
    text = _drop_scenario(EX1.read_text(encoding="utf-8"))
    cluster = ('[cluster]\nname = "Eksempel 1"\nfounded = "2018-01-01"\n\n[[clinic]]\n'
               'provider_number = "00001"\ncapacities = 20\njoined = "2018-01-01"\n'
               'patients = { 2018 = 30000, 2019 = 30000, 2020 = 30000, 2021 = 30000 }\n\n')
    text = text.replace("[[figure]]", cluster + "[[figure]]", 1)
    path = _write(tmp_path, text, "full.toml")
    result = reproduce([path])
    assert [r.status for r in result.results] == [
        "not_reproduced" if e.status == "not_reproduced" else "reproduced"
        for e in EXPECTED if e.example == "ex1"]
    assert load_published(path).assumptions == ()


# --- the rate solver ----------------------------------------------------------------------

RULESET = load_ruleset("dk-kiap")
PAIRS = [("operating_rate", "operating"), ("supplement_rate", "supplement"),
         ("operating_rate", "total"), ("supplement_rate", "total")]


@dataclass(frozen=True)
class Case:
    scenario: _Scenario
    cluster: Cluster
    parameter: str
    kind: str
    year: int
    patients: int
    fraction: Fraction | None  # the pro-rata share of the founding year, if any
    policies: dict[str, str] | None

    def figure(self, ore: int) -> Decimal:
        variant = self.scenario.ruleset.with_override(
            self.parameter, D(ore) / 100, dt.date(self.year, 1, 1), dt.date(self.year + 1, 1, 1))
        return self.scenario.amount(self.kind, self.year, variant)

    def recomputed(self, rate: Decimal) -> Decimal:
        """The figure under ``rate``, computed independently by compute_payouts."""
        override = Override(parameter=self.parameter, value=rate,
                            start=dt.date(self.year, 1, 1), end=dt.date(self.year + 1, 1, 1))
        # The shorthand cluster has no CVR number: the examples are of a registered one.
        policies = {"unregistered": "as_registered", **(self.policies or {})}
        report = compute_payouts([self.cluster], RULESET, years=[self.year],
                                 overrides=[override], policies=policies)
        [cluster] = report.clusters
        [year] = [y for y in cluster.years if y.year == self.year]
        return year.total if self.kind == "total" else year.amount(self.kind)  # type: ignore[arg-type]


@st.composite
def cases(draw: st.DrawFn, *, pro_rata: bool = True) -> Case:
    capacities = draw(st.integers(1, 80))
    patients = draw(st.integers(1, 200_000))
    founding = draw(st.integers(2018, 2024))
    years = list(range(founding, founding + 4))
    raw = {"name": "Genereret", "capacities": capacities, "patients": patients,
           "founding_year": founding, "years": years}
    cluster, _ = _shorthand(raw, "<generated>")
    policies: dict[str, str] | None = None
    fraction: Fraction | None = None
    if pro_rata and draw(st.booleans()):
        # I1's alternative: the founding year pro rata from the founding date.
        day = draw(st.dates(dt.date(founding, 1, 1), dt.date(founding, 12, 31)))
        [m] = cluster.memberships
        cluster = attrs.evolve(cluster, founded=day, registered=day,
                               memberships=[attrs.evolve(m, joined=day)])
        policies = {"founding_year": "pro_rata"}
        days = (dt.date(founding + 1, 1, 1) - dt.date(founding, 1, 1)).days
        fraction = Fraction((dt.date(founding + 1, 1, 1) - day).days, days)
    parameter, kind = draw(st.sampled_from(PAIRS))
    year = draw(st.sampled_from(years))
    return Case(scenario=_Scenario(cluster, RULESET, policies), cluster=cluster,
                parameter=parameter, kind=kind, year=year, patients=patients,
                fraction=fraction if year == founding else None, policies=policies)


SOLVER = settings(max_examples=50, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])


@SOLVER
@given(case=cases(), data=st.data())
def test_a_solution_recomputes_to_the_target(case: Case, data: st.DataObject) -> None:
    ore = data.draw(st.integers(0, 200_000), label="rate in øre")
    nudge = data.draw(st.sampled_from([0, 0, 1, -1, 7, 100]), label="nudge in øre")
    target = case.figure(ore) + D(nudge) / 100
    found = solve_rate(case.scenario, case.parameter, case.year, case.kind, target)
    if found is None:
        return
    assert (found.parameter, found.year) == (case.parameter, case.year)
    assert found.rate == found.rate.quantize(D("0.01"))
    assert found.instead_of == case.scenario.rate_used(case.parameter, case.year)
    assert case.recomputed(found.rate) == target


@SOLVER
@given(case=cases(), data=st.data())
def test_a_target_made_by_some_rate_is_always_solved_by_the_smallest(
        case: Case, data: st.DataObject) -> None:
    ore = data.draw(st.integers(0, 200_000), label="rate in øre")
    target = case.figure(ore)
    found = solve_rate(case.scenario, case.parameter, case.year, case.kind, target)
    assert found is not None, f"no solution for a target made by {ore} øre"
    smallest = int(found.rate * 100)
    assert smallest <= ore
    assert case.recomputed(found.rate) == target
    if smallest > 0:
        assert case.figure(smallest - 1) < target
    if case.fraction is None:
        assert smallest == ore  # without pro rata the figure is rest + rate × patients exactly


@SOLVER
@given(case=cases(pro_rata=False), data=st.data())
def test_an_unreachable_target_has_no_solution(case: Case, data: st.DataObject) -> None:
    rest = case.figure(0)  # every other line of the figure
    q = case.patients
    # rest + (k·q + d)/100 with 0 < d < q: no whole øre rate gives d/q øre left over.
    if q >= 2:
        k = data.draw(st.integers(0, 10**6), label="k")
        d = data.draw(st.integers(1, q - 1), label="d")
        target = rest + D(k * q + d) / 100
        assert (target - rest) * 100 % q != 0
        assert solve_rate(case.scenario, case.parameter, case.year, case.kind, target) is None
    if rest > 0:  # below what a zero rate gives
        below = rest - D(data.draw(st.integers(1, int(rest * 100)), label="below")) / 100
        assert solve_rate(case.scenario, case.parameter, case.year, case.kind, below) is None


def test_solver_examples() -> None:
    ex1 = load_published(EX1)
    scenario = _Scenario(ex1.cluster, RULESET, None)
    found = solve_rate(scenario, "operating_rate", 2019, "total", D("192600"))
    assert found is not None and (found.rate, found.instead_of) == (D("4.26"), D("4.33"))
    assert str(found) == "operating_rate 4.26 for 2019 (instead of 4.33)"
    found = solve_rate(scenario, "supplement_rate", 2020, "total", D("192600"))
    assert found is not None and found.rate == D("2.09")
    # 192,600.01 needs 0.01/30,000 øre more: no rate to the øre.
    assert solve_rate(scenario, "operating_rate", 2019, "total", D("192600.01")) is None
    # A startup figure does not depend on the operating rate.
    assert solve_rate(scenario, "operating_rate", 2018, "startup", D("200000")) is None
    # Zero is a rate: the 2019 supplement of ex1 at 0.00.
    found = solve_rate(scenario, "supplement_rate", 2019, "supplement", D("0.00"))
    assert found is not None and found.rate == D("0.00")


def test_solver_finds_a_rate_below_one_krone_resolution() -> None:
    day = dt.date(2019, 12, 31)
    cluster, _ = _shorthand({"name": "En patient", "capacities": 1, "patients": 1,
                             "founding_year": 2019, "years": [2019, 2020]}, "<test>")
    [m] = cluster.memberships
    cluster = attrs.evolve(cluster, founded=day, registered=day,
                           memberships=[attrs.evolve(m, joined=day)])
    scenario = _Scenario(cluster, RULESET, {"founding_year": "pro_rata"})
    variant = RULESET.with_override("operating_rate", "1.83", dt.date(2019, 1, 1),
                                    dt.date(2020, 1, 1))
    assert scenario.amount("operating", 2019, variant) == D("0.01")  # reachable
    found = solve_rate(scenario, "operating_rate", 2019, "operating", D("0.01"))
    assert found is not None and found.rate == D("1.83")


def test_a_scenario_prices_under_clinic_rounding_clinic_by_clinic() -> None:
    """Rounding each clinic's pro-rata share (I6's alternative) gives 4,033.43 here, where
    rounding the line gives 4,033.42: the scenario the solver prices must round as asked."""
    day = dt.date(2018, 7, 15)
    cluster, _ = _shorthand({"name": "Brøkklyngen", "capacities": 1, "patients": 1001,
                             "founding_year": 2018, "years": [2018]}, "<test>")
    [m] = cluster.memberships
    other = attrs.evolve(m, clinic=attrs.evolve(m.clinic, provider_number="023456",
                                                patients={2018: 999}))
    cluster = attrs.evolve(cluster, founded=day, registered=day,
                           memberships=[attrs.evolve(m, joined=day),
                                        attrs.evolve(other, joined=day)])
    by_clinic = {"founding_year": "pro_rata", "rounding": "clinic"}
    assert _Scenario(cluster, RULESET, by_clinic).amount("operating", 2018) == D("4033.43")
    assert _Scenario(cluster, RULESET, {"founding_year": "pro_rata"}).amount(
        "operating", 2018) == D("4033.42")


# --- the command line ------------------------------------------------------------------------


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    status = main(argv, out=out)
    return status, out.getvalue()


def _table_rows(text: str) -> list[dict[str, str]]:
    """The figure table, with wrapped cells joined back into one row each."""
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("example"))
    dashes = lines[head + 1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    names = [lines[head][a:b].strip() or lines[head][a:].split()[0] for a, b in spans]
    rows: list[dict[str, list[str]]] = []
    for line in lines[head + 2:]:
        if not line.strip():
            break
        cells = [line[a:b if k < len(spans) - 1 else None].strip()
                 for k, (a, b) in enumerate(spans)]
        if cells[0]:
            rows.append({n: [c] for n, c in zip(names, cells, strict=True)})
        else:
            for n, c in zip(names, cells, strict=True):
                if c:
                    rows[-1][n].append(c)
    return [{n: " ".join(v) for n, v in row.items()} for row in rows]


def test_cli_reproduce_table() -> None:
    status, text = _run(["reproduce"])
    assert status == 0
    shipped = load_ruleset("dk-kiap")
    assert text.startswith(f"ruleset dk-kiap {shipped.fingerprint}\n")
    rows = _table_rows(text)
    assert [(r["example"], r["figure"]) for r in rows] == [
        (IDS[e.example], e.label) for e in EXPECTED]
    assert [r["status"].split()[0] for r in rows] == [e.status for e in EXPECTED]
    # Expected against actual: the two errata are expected not to reproduce, with the
    # amount computed; every other figure is expected to reproduce.
    assert [r["expected"] for r in rows] == [
        e.status if e.status == "reproduced" else
        f"not_reproduced (computed {D(e.computed[2019]):,.2f} in 2019 and 2020)"
        for e in EXPECTED]
    assert text.count("not_reproduced") == 4
    for row, exp in zip(rows, EXPECTED, strict=True):
        assert row["printed"] == f"{D(exp.printed):,.2f}"
        for check in exp.checks:
            assert check in row["status"]
    assert "24 figures: 22 reproduced, 2 not reproduced, 4 flagged by the text checks.\n" \
           "All 24 as expected.\n" in text
    assert "not as expected" not in text and "Expected" not in text
    assert "The examples disagree with each other:" in text
    assert text.count("- operating_rate for 20") == 3


def test_cli_reproduce_json() -> None:
    status, text = _run(["reproduce", "--format", "json"])
    assert status == 0
    data = json.loads(text)
    assert data["summary"] == {"figures": 24, "reproduced": 22, "not_reproduced": 2,
                               "flagged": 4, "as_expected": 24, "not_as_expected": 0}
    figures = data["figures"]
    assert len(figures) == 24
    for fig, exp in zip(figures, EXPECTED, strict=True):
        assert {"document", "section", "example", "label", "printed", "computed", "status",
                "explanation"} <= set(fig)
        assert (fig["id"], fig["label"]) == (IDS[exp.example], exp.label)
        assert fig["status"] in {"reproduced", "not_reproduced"}
        assert fig["status"] == exp.status
        assert fig["expected"] == {
            "status": exp.status,
            "computed_by_year": None if exp.status == "reproduced" else {
                str(y): f"{D(v):.2f}" for y, v in exp.computed.items()}}
        assert (fig["as_expected"], fig["mismatch"]) == (True, None)
        assert (fig["document"], fig["section"]) == ("Guide til klyngestart", "§7.2")
        assert fig["printed"] == f"{D(exp.printed):.2f}"
    bad = [f for f in figures if f["status"] == "not_reproduced"]
    assert [(f["id"], f["label"]) for f in bad] == [
        ("guide-7.2-ex1", "total 2019 and 2020"), ("guide-7.2-ex2", "total 2019 and 2020")]
    for f, diff in zip(bad, ("-2100.00", "-1540.00"), strict=True):
        assert f"printed − computed = {diff}" in f["explanation"]
        assert "operating_rate 4.26" in f["explanation"]
        assert "supplement_rate 2.09" in f["explanation"]
        assert {s["rate"] for s in f["solutions"]} == {"4.26", "2.09"}
    assert [(i["parameter"], i["year"]) for i in data["inconsistencies"]] == [
        ("operating_rate", 2019), ("operating_rate", 2020), ("operating_rate", 2021)]
    for inc in data["inconsistencies"]:
        assert {x["rate"] for x in inc["implied"]} == {"4.33", "4.26", "4.23"}


def test_cli_reproduce_one_file() -> None:
    status, text = _run(["reproduce", str(EX3), "--format", "json"])
    assert status == 0
    data = json.loads(text)
    assert {f["id"] for f in data["figures"]} == {"guide-7.2-ex3"}
    assert data["summary"]["not_reproduced"] == 0 and data["inconsistencies"] == []


def test_cli_reproduce_exits_1_on_a_figure_not_as_expected(tmp_path: Path) -> None:
    """The first example as it was before it recorded its erratum: the run fails, and the
    table and the JSON show the expected status against the actual one."""
    path = _write(tmp_path, _without_expectations(EX1.read_text(encoding="utf-8")))
    status, text = _run(["reproduce", str(path)])
    assert status == 1
    [row] = [r for r in _table_rows(text) if r["figure"] == "total 2019 and 2020"]
    assert (row["expected"], row["status"]) == ("reproduced", "not_reproduced")
    assert row["explanation"].startswith(
        "Expected reproduced, got not_reproduced (computed 194700.00 in 2019 and 2020). "
        "Not reproduced (2019:")
    assert "All 8 as expected" not in text
    assert ("1 not as expected:\n- guide-7.2-ex1 “total 2019 and 2020”: Expected reproduced, "
            "got not_reproduced (computed 194700.00 in 2019 and 2020).\n") in text
    status, text = _run(["reproduce", str(path), "--format", "json"])
    assert status == 1
    data = json.loads(text)
    assert data["summary"]["as_expected"] == 7 and data["summary"]["not_as_expected"] == 1
    [bad] = [f for f in data["figures"] if not f["as_expected"]]
    assert bad["label"] == "total 2019 and 2020"
    assert (bad["expected"], bad["status"]) == (
        {"status": "reproduced", "computed_by_year": None}, "not_reproduced")
    assert bad["mismatch"] == ("Expected reproduced, got not_reproduced (computed 194700.00 in "
                               "2019 and 2020).")
    # With the erratum recorded, as shipped: exit 0.
    assert _run(["reproduce", str(EX1)])[0] == 0


def test_cli_reproduce_bad_expectation(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, EX1.read_text(encoding="utf-8").replace(
        'expect = "not_reproduced"', 'expect = "erratum"'))
    status, text = _run(["reproduce", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and text == ""
    assert err == (f"kiaprules: error: {path}: {_TOTAL}: expect: must be one of reproduced, "
                   "not_reproduced, got 'erratum'\n")


def test_cli_reproduce_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, EX1.read_text(encoding="utf-8").replace(
        'kind = "operating"', 'kind = "bonus"', 1))
    status, text = _run(["reproduce", str(path)])
    err = capsys.readouterr().err
    assert status == 2 and text == ""
    assert err.count("\n") == 1
    assert err.startswith(f"kiaprules: error: {path}: {_REC}: kind: must be one of")
