"""How every result shows itself in a notebook: ``_repr_html_`` and a short ``repr``.

The HTML is parsed with the standard library's parser: well formed, made of
a few known elements only, and every piece of text escaped and CPR-masked,
even text written to break out (a cluster named ``<script>...``, a source
sentence holding a CPR number). An explanation shows its derivation with
every source sentence as a block quote. No repr runs past 300 characters.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES, SHIPPED_RULESET
from sample_results import sample_results
from strategies_payouts import anniversary_scenario, withheld_scenario

from kiaprules import (
    Explanation,
    build_ledger,
    classify_expenses,
    compute_payouts,
    load_clusters,
    load_expense_records,
    load_ruleset,
    reproduce,
    sweep,
)

RESULTS = sample_results()
#: The elements any result's HTML may use, and the one attribute (a cell's alignment).
ELEMENTS = {"table", "thead", "tbody", "tr", "th", "td", "p", "small", "ul", "li", "h4",
            "blockquote", "footer"}
ALIGNMENTS = {"text-align:left", "text-align:right"}


class Page(HTMLParser):
    """An HTML fragment, checked as it is read: known elements, closed in order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: Counter[str] = Counter()
        self.texts: list[str] = []
        self.by_element: dict[str, list[str]] = {}
        self.feed(text)
        self.close()
        assert self.open == [], f"left open: {self.open}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ELEMENTS, tag
        assert all(name == "style" and value in ALIGNMENTS for name, value in attrs), attrs
        self.open.append(tag)
        self.tags[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"a self-closing <{tag}/>")

    def handle_data(self, data: str) -> None:
        assert self.open, f"text outside any element: {data!r}"
        self.texts.append(data)
        self.by_element.setdefault(self.open[-1], []).append(data)

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"a comment: {data!r}")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError(f"a declaration: {decl!r}")

    @property
    def text(self) -> str:
        """The text of every element, one a line."""
        return "\n".join(self.texts)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_the_html_is_well_formed_and_made_of_known_elements(name: str) -> None:
    page = Page(RESULTS[name]._repr_html_())  # type: ignore[attr-defined]
    assert page.tags["table"] >= 1 or isinstance(RESULTS[name], Explanation)
    assert page.tags["th"] and page.tags["td"]


AMOUNT = re.compile(r"-?[0-9][0-9,]*\.[0-9]{2}")


@pytest.mark.parametrize("name", sorted(n for n, r in RESULTS.items() if hasattr(r, "to_table")))
def test_the_html_shows_every_amount_the_terminal_table_shows(name: str) -> None:
    result: Any = RESULTS[name]
    page = Page(result._repr_html_())
    shown = Counter(AMOUNT.findall(page.text))
    table = Counter(AMOUNT.findall(result.to_table()))
    assert table and table <= shown, table - shown


def test_the_report_html_has_a_row_a_cluster_year_and_its_warnings() -> None:
    report: Any = RESULTS["PayoutReport"]
    page = Page(report._repr_html_())
    assert page.tags["tr"] == 1 + len(list(report))
    assert page.by_element["li"] == report.all_warnings()
    assert f"ruleset dk-kiap {report.fingerprint}" in page.by_element["small"]


def test_the_summary_html_lists_assumptions_and_caps_the_warnings() -> None:
    summary: Any = attrs.evolve(RESULTS["NationalSummary"],
                                warnings=tuple(f"Klynge {i} 2019: a warning" for i in range(25)))
    page = Page(summary._repr_html_())
    assert page.tags["tr"] == 1 + len(summary.rows) + 1  # a row a year, then all years
    listed = page.by_element["li"]
    assert [str(a) for a in summary.assumptions] == listed[:len(summary.assumptions)]
    warnings = listed[len(summary.assumptions):]
    assert len(summary.warnings) > 20
    assert warnings[:20] == list(summary.warnings[:20])
    assert warnings[20:] == [f"… and {len(summary.warnings) - 20} more"]


def test_an_explanation_shows_its_derivation_with_every_source_as_a_block_quote() -> None:
    explanation: Any = RESULTS["Explanation"]
    html = explanation._repr_html_()
    page = Page(html)
    steps = explanation.steps
    # The due date's rule, the members' rule, for each line its rule and its rate, and
    # each rule that left a clinic out of it.
    left_out_rules = sum(len({o.rule for o in s.line.left_out}) for s in steps)
    assert left_out_rules
    assert page.tags["blockquote"] == 2 + 2 * len(steps) + left_out_rules
    assert page.tags["footer"] == page.tags["blockquote"]
    quotes = page.by_element["p"]
    for step in steps:
        assert step.line.rule.citation.quote in quotes
        assert step.line.citation.quote in quotes
        assert f"Arithmetic: {step.arithmetic}" in quotes
    headings = page.by_element["h4"]
    assert headings[0] == "Køgeklyngen: payout for 2019, due 2019-03-01"
    assert headings[1:] == [f"{s.number}. {s.line.kind}: {s.line.rule.title}" for s in steps]
    # A table a line (the clinics, then the total), and one of the clinics it leaves out.
    assert page.tags["table"] == len(steps) + sum(1 for s in steps if s.line.left_out)
    assert quotes[-1] == "Total (sum of the lines): 20,000.00 + 83,179.30 + 41,493.60 = " \
                         "144,672.90 kr"
    # The text rendering says the same, line by line.
    text = explanation.to_text()
    for sentence in quotes:
        if sentence.startswith(("Rate:", "Arithmetic:", "Rounding:", "Total")):
            assert sentence in text


#: The sentences of an explanation's text that its HTML says as paragraphs, word for word.
SENTENCES = ("Due date:", "Payout day", "Members counted:", "Rate:", "One-year test",
             "Pro rata (I1)", "Arithmetic:", "Rounding:", "Total (sum of the lines)",
             "Sum of the lines", "Warning:")


@pytest.mark.parametrize("policies", [{}, {"founding_year": "pro_rata"}])
@pytest.mark.parametrize("make", [anniversary_scenario, withheld_scenario])
def test_an_explanation_s_html_says_every_sentence_of_its_text(
        make: Any, policies: dict[str, str]) -> None:
    """Clawbacks with their one-year tests, pro rata founding years, withheld years."""
    report = compute_payouts(make(), years=range(2018, 2024), policies=policies)
    said = Counter()
    for cluster, year in report:
        explanation = report.explain(cluster.name, year.year)
        page = Page(explanation._repr_html_())
        paragraphs = page.by_element["p"] + page.by_element.get("li", [])
        for line in explanation.to_text().splitlines():
            line = line.strip()
            if line.startswith(SENTENCES):
                assert line in paragraphs, line
                said[line.partition(" ")[0]] += 1
            elif line.startswith("Unmet:"):
                assert line.partition(". ")[0] + "." in paragraphs, line
                said["Unmet:"] += 1
        assert page.tags["blockquote"] >= 2 + 2 * len(explanation.steps)
    assert said["One-year"] and said["Rounding:"] and said["Payout"]
    assert bool(said["Pro"]) is bool(policies)
    assert bool(said["Unmet:"] and said["Sum"]) is (make is withheld_scenario)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_the_repr_is_short_and_says_what_the_result_is(name: str) -> None:
    shown = repr(RESULTS[name])
    assert len(shown) < 300
    assert shown.startswith(f"<{type(RESULTS[name]).__name__} ") and shown.endswith(">")


def test_the_reprs_pinned() -> None:
    reprs = {name: repr(result) for name, result in RESULTS.items()}
    assert reprs["PayoutReport"] == "<PayoutReport dk-kiap clusters=1 years=2018-2025 " \
                                    "total=794533.05>"
    assert reprs["ClusterPayouts"] == "<ClusterPayouts 'Køgeklyngen' years=2018-2025 " \
                                      "total=794533.05>"
    assert reprs["Explanation"] == "<Explanation 'Køgeklyngen' 2019 lines=3 total=144672.90>"
    assert reprs["Sweep"] == "<Sweep dk-kiap years=2018-2025 variants=1 base=794533.05>"
    assert reprs["Comparison"].startswith("<Comparison rows=8 changed=")
    assert reprs["Ruleset"] == f"<Ruleset dk-kiap parameters=11 policies=9 " \
                               f"{load_ruleset().fingerprint}>"
    assert reprs["ExpenseReport"] == "<ExpenseReport dk-kiap expenses=11 allowed=3 " \
                                     "needs_review=3 incomplete=2 not_allowed=3>"
    assert reprs["Account"] == "<Account 'Køgeklyngen' years=2018-2025 closing=688683.05>"


# --- text written to break out -------------------------------------------------------

SCRIPT = '<script>alert("x")</script>'
CPR = "010180-1234"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every result, from a cluster named to break out of HTML and a ruleset whose
    title and source sentences hold markup and a CPR number."""
    folder = tmp_path_factory.mktemp("hostile")
    name = f"Køge {SCRIPT} & <b>Co</b>"
    cluster_file = folder / "cluster.toml"
    cluster_file.write_text(EXAMPLE_CLUSTER.read_text(encoding="utf-8").replace(
        'name = "Køgeklyngen"', f"name = {json.dumps(name)}"), encoding="utf-8")
    text = SHIPPED_RULESET.read_text(encoding="utf-8")
    quote = "En nystartet klynges økonomi vil bestå af et opstartshonorar"
    start = text.index(quote)
    end = text.index('"', start)
    ruleset_file = folder / "ruleset.toml"
    ruleset_file.write_text(
        text.replace(text[start:end], json.dumps(f"Citat {SCRIPT} om {CPR}")[1:-1])
        .replace('title = "KiAP cluster funding, Denmark (OK18 and OK22)"',
                 f'title = "Kopi {CPR} <i>"', 1), encoding="utf-8")
    ruleset = load_ruleset(ruleset_file)
    clusters = load_clusters(cluster_file)
    report = compute_payouts(clusters, ruleset)
    expenses_text = (EXAMPLES / "koegeklyngen-expenses.toml").read_text(encoding="utf-8")
    expenses_file = folder / "expenses.toml"
    expenses_file.write_text(expenses_text.replace(
        'payee = "Anne Jensen"', f"payee = {json.dumps('<img src=x> ' + SCRIPT)}", 1),
                             encoding="utf-8")
    _, expenses = load_expense_records(expenses_file)
    assert clusters[0].name == name
    return {
        "PayoutReport": report,
        "ClusterPayouts": report.clusters[0],
        "NationalSummary": report.summary(),
        "Comparison": report.compare(compute_payouts(clusters, ruleset,
                                                     policies={"clawback": "never"})),
        "Sweep": sweep(clusters, [{"name": SCRIPT, "overrides": ["operating_rate@2019=4"]}],
                       ruleset),
        "Reproduction": reproduce(ruleset=ruleset),
        "ExpenseReport": classify_expenses(expenses, ruleset),
        "Account": build_ledger(clusters[0], expenses, ruleset),
        "Ruleset": ruleset,
        "Explanation": report.explain(year=2019),
    }


SHOWS_THE_SCRIPT = ("PayoutReport", "ClusterPayouts", "Comparison", "Sweep", "Explanation",
                    "Account")
SHOWS_THE_CPR_NUMBER = ("Ruleset", "Explanation")


@pytest.mark.parametrize("name", sorted(set(RESULTS) - {"PayoutReport (pro rata)"}))
def test_text_that_tries_to_break_out_is_shown_escaped_and_masked(
        name: str, hostile: dict[str, Any]) -> None:
    html = hostile[name]._repr_html_()
    page = Page(html)  # no <script>, <b>, <i> or <img> element: only the known ones
    assert "<script" not in html and "<img" not in html
    for form in (CPR, CPR.replace("-", "")):
        assert form not in html and form not in page.text
    if name in SHOWS_THE_SCRIPT:
        assert SCRIPT in page.text  # shown as text, escaped in the HTML
        assert "&lt;script&gt;" in html
    if name in SHOWS_THE_CPR_NUMBER:
        assert "010180-XXXX" in page.text
    # The records of the same results hold no CPR number either.
    assert CPR not in repr(hostile[name].to_records())


def test_a_hostile_name_is_escaped_in_the_repr_too(hostile: dict[str, Any]) -> None:
    for name in ("ClusterPayouts", "Explanation", "Account"):
        shown = repr(hostile[name])
        assert len(shown) < 300 and "\n" not in shown
    assert repr(hostile["Ruleset"]).startswith("<Ruleset dk-kiap ")

