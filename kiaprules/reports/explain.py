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

from kiaprules._i18n import (
    N_,
    _,
    danish_decimal,
    format_date_da,
    localize,
    ngettext,
    resolve_lang,
)
from kiaprules._render import html_list, html_note, html_quote, html_table, html_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.engine.report import LINE_COLUMNS, Line, PayoutReport, YearPayout, line_record
from kiaprules.errors import InputError
from kiaprules.model.args import years_of
from kiaprules.model.money import (
    exact_quotient,
    format_kr,
    format_kr_da,
    format_money,
    format_rate,
)
from kiaprules.model.records import Records
from kiaprules.rules.payout import Rule
from kiaprules.rules.registration import RegistrationProblem
from kiaprules.rules.ruleset import Citation, MonthDay, ResolvedValue

__all__ = ["Explanation", "explain", "explanations"]

_CAPACITIES = (N_("capacity"), N_("capacities"))
_PATIENTS = (N_("patient"), N_("patients"))
_UNITS = {"startup": _CAPACITIES, "clawback": _CAPACITIES,
          "operating": _PATIENTS, "supplement": _PATIENTS}

_ROUNDING = {
    "line": N_("rate × quantity, rounded to the øre, half up, once for the line (I6)"),
    "clinic": N_("each clinic's share rounded to the øre, half up, then added (I6, clinic)"),
}


#: How the explanation names the day each members rule counts on.
_COUNTED = {
    ("late_joiner", None): N_("members on the counting day"),
    ("founding_members", "founding_members=founding"):
        N_("members on the day of the founding general assembly (I2, founding)"),
    ("founding_members", "founding_members=registration"):
        N_("members on the day registration was completed (I2)"),
}


@attrs.frozen
class _Words:
    """Fixed sentences, amounts, numbers and dates in one language (English: as before)."""

    lang: str

    def __call__(self, msgid: str) -> str:
        return _(msgid, self.lang)

    @property
    def da(self) -> bool:
        return self.lang == "da"

    def n(self, value: int) -> str:
        text = f"{value:,}"
        return text.replace(",", ".") if self.da else text

    def exact(self, value: Fraction) -> str:
        text = _exact(value)
        return text.translate(_SWAP) if self.da else text

    def rate(self, value: Decimal) -> str:
        return danish_decimal(value) if self.da else format_rate(value)

    def money(self, value: Decimal) -> str:
        """An amount without its unit: ``23,878.40`` (``23.878,40``)."""
        return format_kr_da(value, unit=False) if self.da else format_kr(value)

    def date(self, value: dt.date) -> str:
        return format_date_da(value) if self.da else value.isoformat()

    def day(self, value: object) -> str:
        if self.da and isinstance(value, MonthDay):
            return format_date_da(dt.date(2000, value.month, value.day))[:-5]
        return str(value)

    def rule_title(self, rule: Rule) -> str:
        return self(rule.title)


_SWAP = str.maketrans({",": ".", ".": ","})
_EN = _Words("en")


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
        return self.arithmetic_in(_EN)

    def arithmetic_in(self, w: _Words) -> str:
        ln = self.line
        sign = "−" if ln.kind == "clawback" else ""
        text = _("{rate} kr × {quantity}", w.lang).format(rate=f"{sign}{w.rate(ln.rate)}",
                                                   quantity=w.n(ln.quantity))
        if ln.fraction is not None:
            text += f" × {ln.fraction.numerator}/{ln.fraction.denominator}"
        return f"{text} = {sign}{w.exact(abs(ln.unrounded))}"

    @property
    def rate_text(self) -> str:
        return self.rate_text_in(_EN)

    def rate_text_in(self, w: _Words) -> str:
        ln = self.line
        status = (_("published", w.lang) if ln.assumption is None
                  else _("NOT PUBLISHED: {assumption}", w.lang).format(
                      assumption=localize(ln.assumption, w.lang)))
        return _("Rate: {rate} kr per {unit} ({parameter}, in force from {start}; "
                 "{status})", w.lang).format(rate=w.rate(ln.rate), unit=w(_UNITS[ln.kind][0]),
                                     parameter=ln.parameter, start=w.date(ln.value_from),
                                     status=status)

    @property
    def left_out_text(self) -> str:
        return self.left_out_text_in(_EN)

    def left_out_text_in(self, w: _Words) -> str:
        n = len(self.line.left_out)
        return ngettext("Left out ({n} clinic of the cluster)",
                        "Left out ({n} clinics of the cluster)", n, w.lang).format(n=n)

    @property
    def pro_rata_text(self) -> str | None:
        return self.pro_rata_text_in(_EN)

    def pro_rata_text_in(self, w: _Words) -> str | None:
        fraction = self.line.fraction
        if fraction is None:
            return None
        return _("Pro rata (I1): {days} of {of} days of the founding year, from the founding "
                 "general assembly", w.lang).format(days=fraction.numerator,
                                                    of=fraction.denominator)

    @property
    def rounding_text(self) -> str:
        return self.rounding_text_in(_EN)

    def rounding_text_in(self, w: _Words) -> str:
        ln = self.line
        how = w(_ROUNDING[ln.rounding]) if ln.rounding in _ROUNDING else ln.rounding
        return _("Rounding: {how}: {amount} kr", w.lang).format(
            how=how, amount=f"{'−' if ln.amount < 0 else ''}{w.money(ln.amount.copy_abs())}")

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

    def _due_value_text(self, w: _Words = _EN) -> str | None:
        v = self.due_value
        if v is None:
            return None
        status = (_("published", w.lang) if v.assumption is None
                  else _("ASSUMED: {assumption}", w.lang).format(
                      assumption=localize(v.assumption, w.lang)))
        return _("Payout day {day} ({parameter}, in force from {start}; {status})", w.lang).format(
            day=w.day(v.value), parameter=v.parameter, start=w.date(v.source_start),
            status=status)

    def _counted_text(self, w: _Words = _EN) -> str | None:
        if self.counted_on is None:
            return None
        what = w(_COUNTED.get((self.members_rule.id, self.members_rule.policy),
                              self.members_rule.title))
        return _("Members counted: {what}, {day}; patients per 1 January {year}.", w.lang).format(
            what=what, day=w.date(self.counted_on), year=self.year)

    def _total_text(self, w: _Words = _EN) -> str:
        parts = " + ".join(f"(−{w.money(s.line.amount.copy_abs())})" if s.line.amount < 0
                           else w.money(s.line.amount) for s in self.steps)
        if self.withheld is None:
            return _("Total (sum of the lines): {parts} = {total} kr", w.lang).format(
                parts=parts or w.money(Decimal("0.00")), total=w.money(self.total))
        return _("Sum of the lines: {parts} = {amount} kr, withheld; total paid {zero} kr",
                 w.lang).format(parts=parts or w.money(Decimal("0.00")),
                                amount=w.money(self.withheld), zero=w.money(Decimal("0.00")))

    def to_text(self, *, lang: str | None = None) -> str:
        """The derivation as plain text; ``lang="da"`` (or ``$KIAPRULES_LANG``) in Danish,
        with Danish amounts and dates (the sources' sentences are quoted as they are)."""
        t = _Words(resolve_lang(lang))
        out: list[str] = []
        w = out.append
        w(_("{cluster}: payout for {year}, due {due}", t.lang).format(
            cluster=self.cluster, year=self.year, due=t.date(self.due)))
        w(_("Ruleset {id} {fingerprint}", t.lang).format(id=self.ruleset_id,
                                                 fingerprint=self.fingerprint))
        w(_("Policies: {policies}", t.lang).format(
            policies=", ".join(f"{k}={v}" for k, v in sorted(self.policies.items()))))
        for o in self.overrides:
            w(_("Override: {override}", t.lang).format(override=localize(o, t.lang)))
        w("")
        w(_("Due date: {rule}.", t.lang).format(rule=t.rule_title(self.due_rule)))
        w(f"  {self.due_rule.citation}")
        due_value = self._due_value_text(t)
        if due_value is not None:
            w(f"  {due_value}")
        counted = self._counted_text(t)
        if counted is not None:
            w(counted)
            w(f"  {self.members_rule.citation}")
        for step in self.steps:
            ln = step.line
            w("")
            w(f"{step.number}. {t(ln.kind)}: {t.rule_title(ln.rule)}")
            w("   " + _("Rule: {citation}", t.lang).format(citation=ln.rule.citation))
            w(f"   {step.rate_text_in(t)}")
            w("     " + _("source: {citation}", t.lang).format(citation=ln.citation))
            w("   " + _("Quantity, clinic by clinic ({units}):", t.lang).format(
                units=t(_UNITS[ln.kind][1])))
            width = max((len(m.provider_number) for m in ln.members), default=6)
            for m in ln.members:
                note = f"  ({localize(m.note, t.lang)})" if m.note else ""
                w(f"     {m.provider_number:<{width}}  {t.n(m.quantity):>9}{note}")
            w(f"     {_('total', t.lang):<{width}}  {t.n(ln.quantity):>9}")
            for test in ln.anniversary_tests:
                w("   " + _("One-year test, {clinic}: {test}", t.lang).format(
                    clinic=test.provider_number, test=test.text_in(t.lang)))
            if ln.left_out:
                w(f"   {step.left_out_text_in(t)}:")
                width = max(len(left.provider_number) for left in ln.left_out)
                for left in ln.left_out:
                    w(f"     {left.provider_number:<{width}}  {left.rule.id}: "
                      f"{localize(left.note, t.lang)}")
                for rule in dict.fromkeys(left.rule for left in ln.left_out):
                    policy = (_(", under {policy}", t.lang).format(policy=rule.policy)
                              if rule.policy else "")
                    w(f"     {rule.id}{policy}: {rule.citation}")
            pro_rata = step.pro_rata_text_in(t)
            if pro_rata is not None:
                w(f"   {pro_rata}")
            w("   " + _("Arithmetic: {arithmetic}", t.lang).format(
                arithmetic=step.arithmetic_in(t)))
            w(f"   {step.rounding_text_in(t)}")
        w("")
        w(self._total_text(t))
        if self.withheld is not None:
            if self.withheld_rule is not None:
                w("  " + _("Withheld (C2): {citation}", t.lang).format(
                    citation=self.withheld_rule.citation))
            for p in self.withheld_because:
                w("  " + _("Unmet: {problem}. {citation}", t.lang).format(
                    problem=localize(p.message, t.lang), citation=p.citation))
        for warning in self.warnings:
            w(_("Warning: {warning}", t.lang).format(warning=localize(warning, t.lang)))
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
                         "with detail=True", field="detail", code="input.no_detail")
    if cluster is None:
        if len(report.clusters) != 1:
            raise InputError("the report has several clusters; name one (--cluster)",
                             field="cluster", code="input.ambiguous")
        chosen = report.clusters[0]
    else:
        chosen = report.cluster(cluster)
    if year is None:
        if len(chosen.years) != 1:
            raise InputError("name a year (--year)", field="year", code="input.missing")
        payout: YearPayout = chosen.years[0]
    else:
        payout = chosen.year(year)
    if payout.due_rule is None or payout.members_rule is None:
        raise InputError("this payout carries no record of the rules that decided it; "
                         "compute it with compute_payouts", field="year", code="input.no_detail")
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
                         field="years", code="input.unknown_year")
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
