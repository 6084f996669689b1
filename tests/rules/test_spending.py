"""The spending rules as a registry: its shape; docs/expenses.md's rule tables checked on it.

``kiaprules.rules.spending.SPENDING_RULES`` holds every rule in decision
order. Here: the stages come in order, every category × role × abroad has a
purpose rule and every purpose rule decides somewhere, the forms of one rule
agree, the local policy rules are the ones no source states, and each rule
of the three tables of docs/expenses.md ("The spending rules and their
sources") has the registry's status, source and Danish sentence, with no
exception. Whether a quote stands in its source is checked in
tests/static/test_quotes.py only. The behaviour of the rules on expenses is
tested in tests/expenses/test_expenses.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

import attrs
import pytest
from conftest import REPO_ROOT

from kiaprules import Expense, NotCoveredError, load_ruleset
from kiaprules.expenses.classify import classify_with_rules
from kiaprules.model.expense import CATEGORIES, ROLES
from kiaprules.rules.spending import (
    SPENDING_RULES,
    STAGES,
    Facts,
    SpendingRule,
    When,
)

RULESET = load_ruleset("dk-kiap")
DOCS = REPO_ROOT / "docs" / "expenses.md"
DAY = dt.date(2024, 11, 1)

PURPOSE = tuple(r for r in SPENDING_RULES if r.stage == "purpose")


def _expense(category: str, role: str, abroad: bool, day: dt.date = DAY) -> Expense:
    return Expense(date=day, amount="100.00", category=category, payee="Nogen",
                   payee_role=role, abroad=abroad)


def _deciding(expense: Expense) -> SpendingRule:
    facts = Facts.of(expense, RULESET)
    return next(r for r in PURPOSE if r.applies(expense, facts))


COMBINATIONS = [(c, r, a) for c in CATEGORIES for r in ROLES for a in (False, True)]


# --- the registry's shape -----------------------------------------------------------------


def test_the_registry_holds_the_stages_in_decision_order() -> None:
    stages = [STAGES.index(r.stage) for r in SPENDING_RULES]
    assert stages == sorted(stages)
    assert {r.stage for r in SPENDING_RULES} == set(STAGES)


def test_every_form_of_a_rule_agrees_on_its_stage_status_and_basis() -> None:
    forms: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for rule in SPENDING_RULES:
        forms[rule.id].add((rule.stage, rule.status, rule.basis))
    assert {rule: len(kinds) for rule, kinds in forms.items() if len(kinds) > 1} == {}


@pytest.mark.parametrize("day", [dt.date(2023, 3, 31), dt.date(2023, 4, 1)],
                         ids=["nemkonto", "plo_account"])
def test_every_category_role_and_abroad_has_a_purpose_rule(day: dt.date) -> None:
    """No gap in the decision table, on either side of 1 April 2023."""
    for category, role, abroad in COMBINATIONS:
        expense = _expense(category, role, abroad, day)
        facts = Facts.of(expense, RULESET)
        assert any(r.applies(expense, facts) for r in PURPOSE), (category, role, abroad)


def test_every_purpose_rule_decides_somewhere() -> None:
    """No purpose rule is hidden behind earlier ones in every case."""
    deciding = {id(_deciding(_expense(c, r, a))) for c, r, a in COMBINATIONS}
    assert [r.id for r in PURPOSE if id(r) not in deciding] == []


def test_the_purpose_rules_depend_only_on_category_role_and_abroad() -> None:
    """So the decision table of docs/expenses.md (category × role) is the whole story."""
    for rule in PURPOSE:
        assert isinstance(rule.condition, When), rule.id
        assert rule.funds is None and rule.threshold is None, rule.id


def test_the_local_policy_rules_are_those_no_source_states() -> None:
    local = {r.id for r in SPENDING_RULES if r.basis == "local_policy"}
    assert local == {"participants_missing", "expensive_catering", "expensive_venue"}


@pytest.mark.parametrize("rule", [r for r in SPENDING_RULES if r.threshold],
                         ids=lambda r: r.id)
def test_a_rule_that_compares_with_a_figure_is_local_policy_as_the_figure_is(
        rule: SpendingRule) -> None:
    assert rule.threshold is not None
    values = RULESET.parameter(rule.threshold).values
    published = all(v.status == "published" for v in values)
    assert (rule.basis == "source") == published, (rule.id, [v.status for v in values])


def test_the_hourly_rate_rules_cite_what_the_ruleset_cites_for_the_rate() -> None:
    """The rules quote the page the figure comes from; the two cannot drift apart."""
    [figure] = RULESET.parameter("consultant_hourly_rate").values
    for rule in SPENDING_RULES:
        if rule.threshold == "consultant_hourly_rate":
            assert rule.citation == figure.citation, rule.id


@pytest.mark.parametrize(("day", "plo_account"), [
    pytest.param(dt.date(2023, 3, 31), False, id="2023-03-31-nemkonto"),
    pytest.param(dt.date(2023, 4, 1), True, id="2023-04-01-plo_account"),
])
def test_the_funds_period_is_the_rulesets_funds_account(day: dt.date, plo_account: bool) -> None:
    facts = Facts.of(_expense("catering", "venue", False, day), RULESET)
    assert facts.plo_account is plo_account
    in_force = {r.id for r in SPENDING_RULES if r.in_force(plo_account=plo_account)}
    assert ("receipts_required" in in_force) is plo_account
    assert ("receipts_recommended" in in_force) is not plo_account


# --- a rule is refused when it is malformed ---------------------------------------------------

_GOOD: dict[str, Any] = {"id": "some_rule", "stage": "care", "status": "needs_review",
                         "condition": lambda e, f: True, "text": "why",
                         "citation": PURPOSE[0].citation}


@pytest.mark.parametrize(("field", "value", "words"), [
    ("id", "Some rule", "'id' must be lower-case words joined by '_'"),
    ("stage", "cost", "'stage' must be in"),
    ("status", "forbidden", "'status' must be in"),
    ("basis", "habit", "'basis' must be in"),
    ("funds", "nemkonto", "'funds' must be in"),
    ("condition", "always", "'condition' must be callable"),
    ("citation", "Håndbog 2024 §11", "'citation' must be"),
])
def test_a_malformed_rule_is_refused_naming_its_field(field: str, value: object,
                                                      words: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        SpendingRule(**{**_GOOD, field: value})
    assert words in str(info.value)


@pytest.mark.parametrize(("fields", "words"), [
    ({"categories": {"beer"}}, "'categories' must be some of honorarium"),
    ({"categories": ()}, "'categories' must be some of"),
    ({"categories": {"catering"}, "roles": {"friend"}}, "'roles' must be some of coordinator"),
    ({"categories": {"catering"}, "roles": ()}, "'roles' must be some of"),
])
def test_a_malformed_condition_is_refused_naming_its_field(fields: dict[str, Any],
                                                           words: str) -> None:
    with pytest.raises(ValueError) as info:
        When(**fields)
    assert words in str(info.value)


def test_an_expense_no_purpose_rule_decides_is_refused_not_allowed_by_default() -> None:
    """Refuse what the rules do not cover (STYLE.md): a registry with a gap says where."""
    rules = [r for r in SPENDING_RULES if r.id != "other_review"]
    expense = attrs.evolve(_expense("other", "supplier", False), id="X1")
    with pytest.raises(NotCoveredError) as info:
        classify_with_rules(expense, RULESET, rules)
    assert (info.value.record, info.value.field) == ("expense X1", "category")
    assert info.value.reason == "no spending rule decides what a other paid to a supplier is for"


# --- docs/expenses.md's rule tables are the registry's --------------------------------------

_PERIODS = {"from 1 April 2023": "plo_account", "before": "own_account"}


@attrs.frozen
class Row:
    rule: str
    status: str
    sources: tuple[tuple[str, str, str | None], ...]  # document, section, funds period
    sentence: str


def _norm(text: str) -> str:
    return " ".join(text.split())


def _short(quote: str) -> str:
    return quote if len(quote) <= 60 else _norm(quote)[:60].rsplit(" ", 1)[0] + "…"


def _sources(cited: set[tuple[str, str]]) -> str:
    return ", ".join(f"{document} {section}" for document, section in sorted(cited))


def _docs_rows(text: str | None = None) -> tuple[list[Row], str]:
    """The rows of the three rule tables, and the text of their section (of docs/expenses.md,
    or of ``text``)."""
    if text is None:
        text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## The spending rules and their sources"):
                   text.index("## The decision table")]
    rows = []
    for line in section.splitlines():
        match = re.fullmatch(r"\| `([a-z_]+)` \| ([a-z_]+) \| [^|]+ \| ([^|]+) \| (.+) \|", line)
        if not match:
            continue
        rule, status, sources, sentence = match.groups()
        cited = []
        for source in sources.split(";"):
            period, _, where = source.strip().rpartition(": ")
            found = re.fullmatch(r"(Håndbog 2024|Guide til klyngestart|kiap\.dk "
                                 r"Klyngeadministration),? (.+)", where)
            assert found, (rule, source)
            cited.append((found.group(1), found.group(2), _PERIODS[period] if period else None))
        rows.append(Row(rule=rule, status=status, sources=tuple(cited), sentence=sentence))
    return rows, section


def _sentences(cell: str) -> list[str] | None:
    """The Danish sentences a cell quotes; ``None`` for a reference to one above."""
    if "sentence above" in cell:
        return None
    out = []
    for part in cell.split('" / "'):
        part = part.strip().removeprefix('"')
        quoted = re.fullmatch(r'(.*)"(?: \(.*\))?', part)
        out.append(_norm(quoted.group(1) if quoted else part))
    return out


def _shows(sentence: str, quote: str) -> bool:
    """Whether the docs' ``sentence`` is ``quote``, or its end after an ellipsis."""
    quote = _norm(quote)
    return sentence == quote or (sentence.startswith("… ") and quote.endswith(sentence[2:]))


def _mismatches(text: str | None = None) -> dict[str, list[str]]:
    rows, section = _docs_rows(text)
    by_rule: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_rule[row.rule].append(row)
    forms: dict[str, list[SpendingRule]] = defaultdict(list)
    for rule in SPENDING_RULES:
        forms[rule.id].append(rule)
    found: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(forms) - set(by_rule)):
        found[name].append("in the registry, not in the docs' rule tables")
    for name in sorted(set(by_rule) - set(forms)):
        found[name].append("in the docs' rule tables, not in the registry")
    for name in sorted(set(forms) & set(by_rule)):
        mine, theirs = forms[name], by_rule[name]
        for row in theirs:
            if row.status != mine[0].status:
                found[name].append(f"the docs give status {row.status}, the registry "
                                   f"{mine[0].status}")
        docs_cite = {(d, s) for row in theirs for d, s, _ in row.sources}
        code_cite = {(r.citation.document, r.citation.section) for r in mine}
        if docs_cite != code_cite:
            found[name].append(f"the docs cite {_sources(docs_cite)}, the registry "
                               f"{_sources(code_cite)}")
        for row in theirs:
            for document, where, period in row.sources:
                funds = {r.funds for r in mine
                         if (r.citation.document, r.citation.section) == (document, where)}
                if period is not None and funds and funds != {period}:
                    found[name].append(f"the docs say {document} {where} applies for "
                                       f"{period}, the registry for {sorted(map(str, funds))}")
        shown = [s for row in theirs for s in _sentences(row.sentence) or []]
        refers = any(_sentences(row.sentence) is None for row in theirs)
        for rule in mine:
            quote = rule.citation.quote
            if not any(_shows(s, quote) for s in shown) and not (
                    refers and _norm(f'"{quote}"') in _norm(section)):
                found[name].append(f"the registry quotes {rule.citation.document} "
                                   f"{rule.citation.section} '{_short(quote)}', the docs do not")
        for sentence in shown:
            if not any(_shows(sentence, r.citation.quote) for r in mine):
                found[name].append(f"the docs quote '{_short(sentence)}', which no form of the "
                                   "rule cites")
    return dict(found)


def test_the_docs_rule_tables_parse() -> None:
    """Every rule id has a row; a row names two sources where the source changed on
    1 April 2023 ("from 1 April 2023: …; before: …")."""
    rows, _ = _docs_rows()
    assert len(rows) == 36
    assert {r.rule for r in rows} == {r.id for r in SPENDING_RULES}
    two = {r.rule: [period for _, _, period in r.sources] for r in rows if len(r.sources) > 1}
    assert two == {"honorarium_contract": ["plo_account", "own_account"],
                   "recipient_identity": ["plo_account", "own_account"]}


def test_the_docs_rule_tables_are_the_registry() -> None:
    """Status, source and Danish sentence of every rule, as docs/expenses.md shows them:
    no exception is listed, so any difference fails."""
    found = _mismatches()
    report = [f"{rule}: {problem}" for rule, problems in found.items() for problem in problems]
    assert not report, "docs/expenses.md and the registry differ:\n" + "\n".join(report)


def test_the_docs_cite_the_kiap_dk_sentence_and_the_guides_sections_by_title() -> None:
    """The rows #13 corrected: the hourly-rate rules cite the stored kiap.dk section, hours ×
    rate cites Håndbog 2024 §12, and the Guide's two §7.3 sections are named by title."""
    rows, _ = _docs_rows()
    cited = defaultdict(set)
    for row in rows:
        cited[row.rule] |= {(document, section) for document, section, _ in row.sources}
    kiap = ("kiap.dk Klyngeadministration", "Klyngens økonomi og udbetaling af midler")
    assert cited["hourly_rate_above_recommended"] == {kiap}
    assert cited["consultant_rate_unpublished"] == {kiap}
    assert cited["amount_not_hours_times_rate"] == {("Håndbog 2024", "§12")}
    guide = {section for sources in cited.values() for document, section in sources
             if document == "Guide til klyngestart"}
    assert guide == {"§6", "§7.3 Brug af klyngemidler", "§7.3 Regler for budget og klyngeregnskab"}


def test_the_mismatch_check_reports_a_wrong_status_source_and_sentence() -> None:
    """The check above is empty because the docs agree, not because it cannot see: a row
    changed in a copy of the docs is reported."""
    text = DOCS.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines()
               if line.startswith("| `lost_earnings_review` |"))
    changed = row.replace("| needs_review |", "| not_allowed |").replace(
        "Håndbog 2024 §11", "Håndbog 2024 §12")
    wrong_quote = next(line for line in text.splitlines()
                       if line.startswith("| `no_member_transport` |"))
    changed_quote = wrong_quote.replace("transportudgifter", "rejseudgifter")
    found = _mismatches(text.replace(row, changed).replace(wrong_quote, changed_quote))
    assert found["lost_earnings_review"] == [
        "the docs give status not_allowed, the registry needs_review",
        "the docs cite Håndbog 2024 §12, the registry Håndbog 2024 §11"]
    assert found["no_member_transport"] == [
        "the registry quotes Håndbog 2024 §11 'Der udbetales heller ikke for medlemmernes…', "
        "the docs do not",
        "the docs quote 'Der udbetales heller ikke for medlemmernes rejseudgifter…', which no "
        "form of the rule cites"]
