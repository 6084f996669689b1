"""Explanations: a payout derived line by line, for an auditor to follow.

For one cluster and year: which rule each line applies (with its source
sentence, and the policy reading in force), which dated value gave the rate
(with its own source, and whether a source publishes it), the quantity
clinic by clinic, every clinic of the cluster the line leaves out and the
rule that left it out (C6), the one-year test of a clawback with its dates,
the arithmetic, the rounding, the total as the sum of the lines, and whether
the money is withheld (C2). The same as plain text
(:meth:`Explanation.to_text`) and as data (:meth:`Explanation.to_dict`).
Everything shown is what the engine recorded: nothing is worked out again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from kiaprules._render import html_list, html_note, html_quote, html_table, html_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.engine.report import LINE_COLUMNS, Line, PayoutReport, YearPayout, line_record
from kiaprules.errors import InputError
from kiaprules.model.args import years_of
from kiaprules.model.money import exact_quotient, format_kr, format_money, format_rate
from kiaprules.model.records import Records
from kiaprules.rules.payout import Rule
from kiaprules.rules.registration import RegistrationProblem
from kiaprules.rules.ruleset import Citation, ResolvedValue

__all__ = ["Explanation", "explain", "explanations"]

_UNITS = {"startup": ("capacity", "capacities"), "clawback": ("capacity", "capacities"),
          "operating": ("patient", "patients"), "supplement": ("patient", "patients")}

_ROUNDING = {
    "line": "rate × quantity, rounded to the øre, half up, once for the line (I6)",
    "clinic": "each clinic's share rounded to the øre, half up, then added (I6, clinic)",
}


#: How the explanation names the day each members rule counts on.
_COUNTED = {
    ("late_joiner", None): "members on the counting day",
    ("founding_members", "founding_members=founding"):
        "members on the day of the founding general assembly (I2, founding)",
    ("founding_members", "founding_members=registration"):
        "members on the day registration was completed (I2)",
}


def _quote(citation: Citation) -> str:
    """A source sentence as a block quote, its document and section beneath."""
    return html_quote(citation.quote, f"{citation.document} {citation.section}")


def _value_dict(value: ResolvedValue) -> dict[str, Any]:
    return {"parameter": value.parameter, "value": str(value.value),
            "in_force_from": value.source_start.isoformat(),
            "published": value.assumption is None, "assumption": value.assumption,
            "citation": value.citation.to_dict()}


def _n(value: int) -> str:
    return f"{value:,}"


def _exact(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}"
    # Enough decimals to show where the øre rounding bites.
    scaled = exact_quotient(Decimal(value.numerator), value.denominator, 6)
    return f"{scaled:,.6f}".rstrip("0").rstrip(".")


@attrs.frozen(kw_only=True)
class Step:
    """How one line is derived."""

    __repr__ = value_repr

    line: Line
    number: int

    @property
    def arithmetic(self) -> str:
        ln = self.line
        sign = "−" if ln.kind == "clawback" else ""
        text = f"{sign}{format_rate(ln.rate)} kr × {_n(ln.quantity)}"
        if ln.fraction is not None:
            text += f" × {ln.fraction.numerator}/{ln.fraction.denominator}"
        return f"{text} = {sign}{_exact(abs(ln.unrounded))}"

    @property
    def rate_text(self) -> str:
        ln = self.line
        status = "published" if ln.assumption is None else f"NOT PUBLISHED: {ln.assumption}"
        return (f"Rate: {format_rate(ln.rate)} kr per {_UNITS[ln.kind][0]} ({ln.parameter}, "
                f"in force from {ln.value_from.isoformat()}; {status})")

    @property
    def left_out_text(self) -> str:
        n = len(self.line.left_out)
        return f"Left out ({n} clinic{'' if n == 1 else 's'} of the cluster)"

    @property
    def pro_rata_text(self) -> str | None:
        fraction = self.line.fraction
        if fraction is None:
            return None
        return (f"Pro rata (I1): {fraction.numerator} of {fraction.denominator} days of the "
                "founding year, from the founding general assembly")

    @property
    def rounding_text(self) -> str:
        ln = self.line
        return (f"Rounding: {_ROUNDING.get(ln.rounding, ln.rounding)}: "
                f"{'−' if ln.amount < 0 else ''}{format_kr(ln.amount.copy_abs())} kr")

    def html(self) -> str:
        """The step as HTML: its rule and rate with their source sentences, the clinics,
        the arithmetic and the rounding."""
        ln = self.line
        out = [html_text(f"{self.number}. {ln.kind}: {ln.rule.title}", "h4"),
               _quote(ln.rule.citation), html_text(self.rate_text), _quote(ln.citation),
               html_table(("clinic", _UNITS[ln.kind][1], "note"),
                          [*([m.provider_number, _n(m.quantity), m.note or ""]
                             for m in ln.members), ["total", _n(ln.quantity), ""]],
                          ("left", "right", "left")),
               *(html_text(f"One-year test, {t.provider_number}: {t.text}")
                 for t in ln.anniversary_tests)]
        if ln.left_out:
            out += [html_text(self.left_out_text + ":"),
                    html_table(("clinic", "rule", "note"),
                               [[o.provider_number, o.rule.id, o.note] for o in ln.left_out])]
            for rule in dict.fromkeys(o.rule for o in ln.left_out):
                policy = f", under {rule.policy}" if rule.policy else ""
                out += [html_text(f"{rule.id}{policy}:"), _quote(rule.citation)]
        if self.pro_rata_text is not None:
            out.append(html_text(self.pro_rata_text))
        out += [html_text(f"Arithmetic: {self.arithmetic}"), html_text(self.rounding_text)]
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        ln = self.line
        return {
            "number": self.number,
            "kind": ln.kind,
            "rule": ln.rule.to_dict(),
            "left_out": [{"provider_number": o.provider_number, "rule": o.rule.to_dict(),
                          "note": o.note} for o in ln.left_out],
            "anniversary_tests": [t.to_dict() for t in ln.anniversary_tests],
            "value": {"parameter": ln.parameter, "rate": format_rate(ln.rate),
                      "in_force_from": ln.value_from.isoformat(),
                      "published": ln.assumption is None, "assumption": ln.assumption,
                      "citation": ln.citation.to_dict()},
            "members": [m.to_dict() for m in ln.members],
            "quantity": str(ln.quantity),
            "fraction": (f"{ln.fraction.numerator}/{ln.fraction.denominator}"
                         if ln.fraction is not None else None),
            "arithmetic": self.arithmetic,
            "exact": str(ln.unrounded),
            "rounding": _ROUNDING.get(ln.rounding, ln.rounding),
            "amount": format_money(ln.amount),
        }


@attrs.frozen(kw_only=True)
class Explanation(Records):
    """The derivation of one cluster's payout for one year.

    ``to_records()``: one row a line, as the payout report has them (docs/records.md).
    """

    RECORD_COLUMNS = LINE_COLUMNS

    cluster: str
    year: int
    due: dt.date
    counted_on: dt.date | None
    first_payout: bool
    due_rule: Rule
    members_rule: Rule
    ruleset_id: str
    fingerprint: str
    policies: dict[str, str]
    overrides: tuple[str, ...]
    steps: tuple[Step, ...]
    total: Decimal
    warnings: tuple[str, ...]
    due_value: ResolvedValue | None = None
    withheld: Decimal | None = None
    withheld_because: tuple[RegistrationProblem, ...] = ()
    withheld_rule: Rule | None = None

    def __repr__(self) -> str:
        withheld = [] if self.withheld is None else [f"withheld={format_money(self.withheld)}"]
        return result_repr("Explanation", repr(self.cluster), self.year,
                           f"lines={len(self.steps)}", f"total={format_money(self.total)}",
                           *withheld)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "year": self.year,
            "due": self.due.isoformat(),
            "counted_on": self.counted_on.isoformat() if self.counted_on else None,
            "first_payout": self.first_payout,
            "due_rule": self.due_rule.to_dict(),
            "due_value": None if self.due_value is None else _value_dict(self.due_value),
            "members_rule": self.members_rule.to_dict(),
            "ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
            "policies": self.policies,
            "overrides": list(self.overrides),
            "steps": [s.to_dict() for s in self.steps],
            "total": format_money(self.total),
            "total_rule": "the total is the sum of the rounded lines (I6)",
            "withheld": None if self.withheld is None else {
                "amount": format_money(self.withheld),
                "rule": self.withheld_rule.to_dict() if self.withheld_rule else None,
                "because": [p.to_dict() for p in self.withheld_because]},
            "warnings": list(self.warnings),
        }

    def _records(self) -> Iterator[dict[str, Any]]:
        for step in self.steps:
            yield line_record(self.cluster, self.year, self.due, step.line,
                              withheld=self.withheld is not None)

    # --- the words both renderings use --------------------------------------------

    def _due_value_text(self) -> str | None:
        v = self.due_value
        if v is None:
            return None
        status = "published" if v.assumption is None else f"ASSUMED: {v.assumption}"
        return (f"Payout day {v.value} ({v.parameter}, in force from "
                f"{v.source_start.isoformat()}; {status})")

    def _counted_text(self) -> str | None:
        if self.counted_on is None:
            return None
        what = _COUNTED.get((self.members_rule.id, self.members_rule.policy),
                            self.members_rule.title)
        return (f"Members counted: {what}, {self.counted_on.isoformat()}; "
                f"patients per 1 January {self.year}.")

    def _total_text(self) -> str:
        parts = " + ".join(f"(−{format_kr(s.line.amount.copy_abs())})" if s.line.amount < 0
                           else format_kr(s.line.amount) for s in self.steps)
        if self.withheld is None:
            return f"Total (sum of the lines): {parts or '0.00'} = {format_kr(self.total)} kr"
        return (f"Sum of the lines: {parts or '0.00'} = {format_kr(self.withheld)} kr, "
                "withheld; total paid 0.00 kr")

    def to_text(self) -> str:
        out: list[str] = []
        w = out.append
        w(f"{self.cluster}: payout for {self.year}, due {self.due.isoformat()}")
        w(f"Ruleset {self.ruleset_id} {self.fingerprint}")
        w("Policies: " + ", ".join(f"{k}={v}" for k, v in sorted(self.policies.items())))
        for o in self.overrides:
            w(f"Override: {o}")
        w("")
        w(f"Due date: {self.due_rule.title}.")
        w(f"  {self.due_rule.citation}")
        due_value = self._due_value_text()
        if due_value is not None:
            w(f"  {due_value}")
        counted = self._counted_text()
        if counted is not None:
            w(counted)
            w(f"  {self.members_rule.citation}")
        for step in self.steps:
            ln = step.line
            w("")
            w(f"{step.number}. {ln.kind}: {ln.rule.title}")
            w(f"   Rule: {ln.rule.citation}")
            w(f"   {step.rate_text}")
            w(f"     source: {ln.citation}")
            w(f"   Quantity, clinic by clinic ({_UNITS[ln.kind][1]}):")
            width = max((len(m.provider_number) for m in ln.members), default=6)
            for m in ln.members:
                note = f"  ({m.note})" if m.note else ""
                w(f"     {m.provider_number:<{width}}  {_n(m.quantity):>9}{note}")
            w(f"     {'total':<{width}}  {_n(ln.quantity):>9}")
            for test in ln.anniversary_tests:
                w(f"   One-year test, {test.provider_number}: {test.text}")
            if ln.left_out:
                w(f"   {step.left_out_text}:")
                width = max(len(left.provider_number) for left in ln.left_out)
                for left in ln.left_out:
                    w(f"     {left.provider_number:<{width}}  {left.rule.id}: {left.note}")
                for rule in dict.fromkeys(left.rule for left in ln.left_out):
                    policy = f", under {rule.policy}" if rule.policy else ""
                    w(f"     {rule.id}{policy}: {rule.citation}")
            if step.pro_rata_text is not None:
                w(f"   {step.pro_rata_text}")
            w(f"   Arithmetic: {step.arithmetic}")
            w(f"   {step.rounding_text}")
        w("")
        w(self._total_text())
        if self.withheld is not None:
            if self.withheld_rule is not None:
                w(f"  Withheld (C2): {self.withheld_rule.citation}")
            for p in self.withheld_because:
                w(f"  Unmet: {p.message}. {p.citation}")
        for warning in self.warnings:
            w(f"Warning: {warning}")
        return sanitize_lines("\n".join(out) + "\n")

    def _repr_html_(self) -> str:
        """The derivation as HTML, every source sentence a block quote (escaped, CPR-masked)."""
        out = [html_text(f"{self.cluster}: payout for {self.year}, due {self.due.isoformat()}",
                         "h4"),
               html_note(f"Ruleset {self.ruleset_id} {self.fingerprint}"),
               html_note("Policies: " + ", ".join(f"{k}={v}"
                                                   for k, v in sorted(self.policies.items()))),
               *(html_note(f"Override: {o}") for o in self.overrides),
               html_text(f"Due date: {self.due_rule.title}."), _quote(self.due_rule.citation)]
        due_value = self._due_value_text()
        if due_value is not None:
            out.append(html_text(due_value))
        counted = self._counted_text()
        if counted is not None:
            out += [html_text(counted), _quote(self.members_rule.citation)]
        for step in self.steps:
            out.append(step.html())
        out.append(html_text(self._total_text()))
        if self.withheld is not None:
            if self.withheld_rule is not None:
                out += [html_text("Withheld (C2):"), _quote(self.withheld_rule.citation)]
            for p in self.withheld_because:
                out += [html_text(f"Unmet: {p.message}."), _quote(p.citation)]
        out.append(html_list(f"Warning: {w}" for w in self.warnings))
        return "".join(out)

    def __str__(self) -> str:
        return self.to_text()


def explain(report: PayoutReport, cluster: str | None = None, year: int | None = None
            ) -> Explanation:
    """The derivation of ``cluster``'s payout for ``year`` in ``report`` (``report.explain``).

    ``cluster`` may be left out when the report has one cluster, ``year``
    when that cluster has one year with a payout.
    """
    if not report.detail:
        raise InputError("this report was computed with detail=False, without the "
                         "clinic-by-clinic shares an explanation lists; compute it again "
                         "with detail=True", field="detail")
    if cluster is None:
        if len(report.clusters) != 1:
            raise InputError("the report has several clusters; name one (--cluster)",
                             field="cluster")
        chosen = report.clusters[0]
    else:
        chosen = report.cluster(cluster)
    if year is None:
        if len(chosen.years) != 1:
            raise InputError("name a year (--year)", field="year")
        payout: YearPayout = chosen.years[0]
    else:
        payout = chosen.year(year)
    if payout.due_rule is None or payout.members_rule is None:
        raise InputError("this payout carries no record of the rules that decided it; "
                         "compute it with compute_payouts", field="year")
    return Explanation(
        cluster=chosen.name, year=payout.year, due=payout.due, counted_on=payout.counted_on,
        first_payout=payout.first_payout,
        due_rule=payout.due_rule, members_rule=payout.members_rule,
        ruleset_id=report.ruleset_id, fingerprint=report.fingerprint,
        policies=dict(sorted(report.policies.items())), overrides=report.overrides,
        steps=tuple(Step(line=ln, number=i) for i, ln in enumerate(payout.lines, 1)),
        total=payout.total, warnings=payout.warnings, due_value=payout.due_value,
        withheld=payout.withheld, withheld_because=payout.withheld_because,
        withheld_rule=payout.withheld_rule,
    )


def explanations(report: PayoutReport, years: Iterable[int] | int | str | None = None, *,
                 cluster: str | None = None) -> tuple[Explanation, ...]:
    """The derivations of ``report``'s payouts in ``years`` (``report.explanations``):
    cluster by cluster (by name), year by year.

    ``years`` may be a range (``range(2019, 2022)``), a list, one year, or
    text such as ``"2019-2021"``; by default, every year of the report. A
    cluster with nothing in a year (not yet founded, say) is skipped for that
    year. With ``cluster``, only that cluster, and a year in which it has
    nothing is refused, as :func:`explain` refuses it.
    """
    chosen = report.years if years is None else years_of(years, field="years")
    outside = [str(y) for y in chosen if y not in report.years]
    if outside:
        raise InputError(f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not "
                         f"among the report's years ({_years_text(report.years)})",
                         field="years")
    if cluster is not None:
        return tuple(explain(report, cluster, year) for year in chosen)
    return tuple(explain(report, c.name, y.year) for c in report.clusters for y in c.years
                 if y.year in chosen)


def _years_text(years: tuple[int, ...]) -> str:
    """``2018-2025``, or the years one by one when they are not a run."""
    if not years:
        return "none"
    if len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(str(y) for y in years)
