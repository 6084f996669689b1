"""Expenses classified: each gets the reasons of the spending rules that speak on it.

Every expense gets exactly one status, the most serious its reasons imply:

``not_allowed``   a source forbids it;
``incomplete``    documentation or the recipient's identity is missing;
``needs_review``  a source asks for care rather than forbidding (expensive
                  restaurants and venues, an hourly rate above PLO's
                  recommended rate, a combination the sources do not decide);
``allowed``       a source allows it and nothing is missing.

The rules are data, in :data:`kiaprules.rules.spending.SPENDING_RULES`; the
classifier walks that registry: the first purpose rule that matches, then
every documentation and care rule whose condition holds, each giving a
:class:`Reason` with its rule id, status, words and citation. Rules tied to
who administers the funds apply by the expense's date (the ruleset's
``funds_account``: PLO from 1 April 2023); thresholds come from the
ruleset, with their status: a published figure, or a local policy setting.
See docs/expenses.md for the decision table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs

from kiaprules._i18n import (
    N_,
    _,
    danish_decimal,
    format_date_da,
    localize,
    ngettext,
    resolve_lang,
)
from kiaprules._render import csv_text, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.errors import InputError, InputTypeError, NotCoveredError
from kiaprules.model.expense import CATEGORIES, Expense
from kiaprules.model.money import format_kr, format_kr_da, format_money
from kiaprules.model.records import Records
from kiaprules.rules.ruleset import Citation, Ruleset
from kiaprules.rules.spending import (
    PAID_FOR_WORK,
    SEVERITY,
    SPENDING_RULES,
    Facts,
    SpendingRule,
    Status,
    Threshold,
    When,
)

__all__ = [
    "Classification",
    "ExpenseReport",
    "Reason",
    "classify",
    "classify_expenses",
    "classify_with_rules",
]


@attrs.frozen(kw_only=True)
class Reason:
    """Why an expense has its status: the rule, in words, with its citation."""

    __repr__ = value_repr

    rule: str
    status: Status
    text: str
    citation: Citation
    threshold: Threshold | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "status": self.status, "text": self.text,
                               "citation": self.citation.to_dict()}
        if self.threshold is not None:
            out["threshold"] = self.threshold.to_dict()
        return out


def _reason(rule: SpendingRule, expense: Expense, facts: Facts) -> Reason:
    return Reason(rule=rule.id, status=rule.status, text=rule.reason_text(expense, facts),
                  citation=rule.citation,
                  threshold=None if rule.threshold is None else facts.threshold(rule.threshold))


@attrs.frozen(kw_only=True)
class Classification:
    """An expense, its one status, every reason, and the income type of an honorarium."""

    __repr__ = value_repr

    expense: Expense
    status: Status
    reasons: tuple[Reason, ...]
    income_type: Literal["A", "B"] | None

    @property
    def booked(self) -> bool:
        """Whether the ledger books it: allowed and needs-review expenses are booked."""
        return self.status in ("allowed", "needs_review")

    def to_dict(self) -> dict[str, Any]:
        return {**self.expense.to_dict(), "status": self.status,
                "income_type": self.income_type,
                "reasons": [r.to_dict() for r in self.reasons]}


def _income_type(e: Expense, plo: bool) -> Literal["A", "B"] | None:
    if e.category not in PAID_FOR_WORK and e.category != "mileage":
        return None
    if e.recipient_cvr is not None:
        return "B"
    if e.recipient_cpr is not None:
        # Since 1 April 2023 PLO pays a CPR-identified honorarium as A-income
        # (Håndbog 2024 §12); before, the cluster reported honoraria as
        # B-income (Guide til klyngestart §6).
        return "A" if plo else "B"
    return None


@attrs.frozen
class _Walk:
    """A registry laid out for walking: only the rules that can speak on an expense.

    Per category, the purpose rules that could match it (a :class:`When`
    names its categories; any other condition could match anything); per
    funds period, the documentation and care rules that apply in it. Each
    list keeps the registry's order, so the first purpose rule that matches
    is the registry's first, and the reasons come in registry order.
    """

    __repr__ = value_repr

    purpose: Mapping[str, tuple[SpendingRule, ...]]
    others: Mapping[bool, tuple[SpendingRule, ...]]

    @classmethod
    def of(cls, rules: Sequence[SpendingRule]) -> _Walk:
        purpose = [r for r in rules if r.stage == "purpose"]
        others = [r for r in rules if r.stage != "purpose"]
        return cls(
            purpose={c: tuple(r for r in purpose if not isinstance(r.condition, When)
                              or c in r.condition.categories) for c in CATEGORIES},
            others={plo: tuple(r for r in others if r.in_force(plo_account=plo))
                    for plo in (False, True)})


_REGISTRY = _Walk.of(SPENDING_RULES)


def classify(expense: Expense, ruleset: Ruleset, *,
             policies: Mapping[str, str] | None = None) -> Classification:
    """The one status of ``expense``, with every reason and its citation.

    ``policies`` choose readings of the ruleset's policies by name; of the
    spending rules, a local-policy rule can be switched off
    (``participants_missing = "ignore"``).
    """
    return _classify(expense, ruleset, _REGISTRY, policies)


def classify_with_rules(expense: Expense, ruleset: Ruleset,
                        rules: Sequence[SpendingRule], *,
                        policies: Mapping[str, str] | None = None) -> Classification:
    """:func:`classify` by ``rules`` instead of the registry (e.g. without local policy)."""
    return _classify(expense, ruleset, _Walk.of(rules), policies)


def _classify(expense: Expense, ruleset: Ruleset, walk: _Walk,
              policies: Mapping[str, str] | None) -> Classification:
    if not isinstance(expense, Expense):
        raise InputTypeError(f"must be an Expense, got {type(expense).__name__}", field="expense")
    if not isinstance(ruleset, Ruleset):
        raise InputTypeError(f"must be a Ruleset (load_ruleset()), got {type(ruleset).__name__}",
                             field="ruleset")
    # Every policy gets its reading: the caller's choice or the ruleset's default.
    chosen = ruleset.check_policies(dict(policies or {}))
    try:
        facts = Facts.of(expense, ruleset, chosen)
    except NotCoveredError:
        first = ruleset.parameter("funds_account").first_date
        raise InputError(
            f"{expense.date.isoformat()} is before the ruleset {ruleset.id!r} begins "
            f"({first.isoformat()}); no spending rule covers it", path=expense.path,
            record=expense.label, field="date", date=expense.date,
            code="input.before_first_date") from None
    # What the money is for: the first purpose rule that matches decides.
    for rule in walk.purpose[expense.category]:
        if rule.applies(expense, facts):
            reasons = [_reason(rule, expense, facts)]
            break
    else:
        raise NotCoveredError(f"no spending rule decides what a {expense.category} paid to a "
                              f"{expense.payee_role} is for", path=expense.path,
                              record=expense.label, field="category",
                              code="not_covered.no_spending_rule")
    # Documentation and care: every rule whose condition holds adds its reason.
    reasons += [_reason(r, expense, facts) for r in walk.others[facts.plo_account]
                if r.switched_on(facts) and r.condition(expense, facts)]
    status = max((r.status for r in reasons), key=SEVERITY.index)
    return Classification(expense=expense, status=status, reasons=tuple(reasons),
                          income_type=_income_type(expense, facts.plo_account))


# --- reports --------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ExpenseReport(Records):
    """Classified expenses, sorted by date and id.

    ``to_records()``: one row an expense (docs/records.md).
    """

    RECORD_COLUMNS = ("id", "date", "year", "amount", "category", "payee", "payee_role",
                      "description", "recipient", "income_type", "status", "rules")

    ruleset_id: str
    fingerprint: str
    items: tuple[Classification, ...]

    def __repr__(self) -> str:
        return result_repr("ExpenseReport", self.ruleset_id, f"expenses={len(self.items)}",
                           *(f"{s}={self.count(s)}" for s in SEVERITY))

    def count(self, status: Status) -> int:
        return sum(1 for c in self.items if c.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
                "summary": {s: self.count(s) for s in SEVERITY},
                "expenses": [c.to_dict() for c in self.items]}

    def _records(self) -> Iterator[dict[str, Any]]:
        for c in self.items:
            e = c.expense
            yield {"id": e.id, "date": e.date, "year": e.date.year, "amount": e.amount,
                   "category": e.category, "payee": e.payee, "payee_role": e.payee_role,
                   "description": e.description, "recipient": e.recipient,
                   "income_type": c.income_type, "status": c.status,
                   "rules": "; ".join(r.rule for r in c.reasons)}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row an expense, for spreadsheets; ``lang="da"`` (or ``$KIAPRULES_LANG``):
        Danish headers and statuses, ``;``, a decimal comma and a byte order mark for
        Danish Excel. Categories, roles and rule ids are identifiers in both languages."""
        lang = resolve_lang(lang)
        danish = lang == "da"
        return csv_text([_(h, lang) for h in _CSV_HEADERS],
                        ([c.expense.id, c.expense.date.isoformat(),
                          danish_decimal(c.expense.amount, grouped=False) if danish
                          else format_money(c.expense.amount), c.expense.category,
                          c.expense.payee_role, c.expense.recipient or "", c.income_type or "",
                          _(c.status, lang), ";".join(r.rule for r in c.reasons),
                          ";".join(f"{r.citation.document} {r.citation.section}"
                                   for r in c.reasons)] for c in self.items), lang=lang)

    def _cells(self, lang: str = "en") -> list[list[str]]:
        rows = []
        for c in self.items:
            e = c.expense
            why = "; ".join(f"{localize(r.text, lang)} [{r.citation.document} "
                            f"{r.citation.section}]" for r in c.reasons if r.status == c.status)
            amount = format_kr_da(e.amount, unit=False) if lang == "da" else format_kr(e.amount)
            day = format_date_da(e.date) if lang == "da" else e.date.isoformat()
            rows.append([e.id, day, amount, e.category, e.payee_role,
                         _(c.status, lang), why])
        return rows

    def _count_text(self, lang: str = "en") -> str:
        summary = ", ".join(_("{count} {status}", lang).format(count=self.count(s),
                                                                status=_(s, lang))
                            for s in SEVERITY)
        n = len(self.items)
        return ngettext("{n} expense: {summary}", "{n} expenses: {summary}", n, lang).format(
            n=n, summary=summary)

    def to_table(self, *, lang: str | None = None) -> str:
        """Every expense with its status and why (the reasons of that status, each with its
        source); ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish, with Danish amounts and
        dates. Categories and roles are identifiers (what the expenses file takes)."""
        lang = resolve_lang(lang)
        table = table_text(self._cells(lang), [_(h, lang) for h in _HEADERS], _ALIGN,
                           widths=[None, None, None, None, None, None, 70])
        return sanitize_lines(f"{table}\n\n{self._count_text(lang)}\n")

    def _repr_html_(self) -> str:
        """Every expense with its status and why, for notebooks (escaped, CPR-masked)."""
        return (html_table(_HEADERS, self._cells(), _ALIGN) + html_note(self._count_text())
                + html_note(f"ruleset {self.ruleset_id} {self.fingerprint}"))


_HEADERS = (N_("id"), N_("date"), N_("amount"), N_("category"), N_("role"), N_("status"),
            N_("why"))
_CSV_HEADERS = (N_("id"), N_("date"), N_("amount"), N_("category"), N_("payee_role"),
                N_("recipient"), N_("income_type"), N_("status"), N_("rules"), N_("sources"))
#: The statuses, marked: in Danish they are words (the JSON keeps the identifiers).
_STATUS_NAMES = (N_("allowed"), N_("needs_review"), N_("incomplete"), N_("not_allowed"))
_ALIGN = ("left", "left", "right", "left", "left", "left", "left")


def classify_expenses(expenses: Sequence[Expense], ruleset: Ruleset, *,
                      policies: Mapping[str, str] | None = None) -> ExpenseReport:
    """Classify every expense; the report is sorted by date, then id."""
    items = sorted((classify(e, ruleset, policies=policies) for e in expenses),
                   key=lambda c: (c.expense.date, c.expense.id, c.expense.amount,
                                  c.expense.category, c.expense.payee))
    return ExpenseReport(ruleset_id=ruleset.id, fingerprint=ruleset.fingerprint,
                         items=tuple(items))
