"""Payout reports: lines, years, clusters, and their renderings.

A :class:`PayoutReport` is plain, frozen data: what the engine computed, each
line with the rule that decided it. It renders as a terminal table, JSON
(the public contract, docs/json-format.md), CSV and HTML for notebooks, all
through :mod:`kiaprules._render`. Every rendering is deterministic: clusters
by name, years in order, lines in the fixed order startup, operating,
supplement, clawback, members by provider number.

What is computed *from* a report (its explanation, a comparison with
another, the national summary) lives in the layer above,
:mod:`kiaprules.reports`, which gives :class:`PayoutReport` the methods
``explain``, ``compare``, ``summary`` and ``plot`` when it is imported (``import
kiaprules`` imports it): the engine never imports what consumes its results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from kiaprules._i18n import N_, _, format_date_da, localize, message, resolve_lang
from kiaprules._render import (
    csv_text,
    html_list,
    html_note,
    html_table,
    html_text,
    json_line,
    json_text,
    table_text,
)
from kiaprules._text import result_repr, sanitize_lines, value_repr, years_text
from kiaprules.errors import InputError
from kiaprules.model.calendar import parse_year
from kiaprules.model.canonical import inputs_fingerprint
from kiaprules.model.money import (
    ZERO,
    format_kr,
    format_kr_da,
    format_money,
    format_rate,
    total,
)
from kiaprules.model.records import Records
from kiaprules.rules.payout import Rule
from kiaprules.rules.registration import RegistrationProblem
from kiaprules.rules.ruleset import Citation, ResolvedValue

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    # Type-only: the reports layer attaches the methods that return these.
    from kiaprules.reports.explain import Explanation
    from kiaprules.reports.summary import NationalSummary
    from kiaprules.reports.whatif import Comparison

__all__ = ["KINDS", "LINE_COLUMNS", "AnniversaryTest", "ClusterPayouts", "LeftOut", "Line",
           "LineKind", "MemberShare", "PayoutReport", "YearPayout", "jsonl_lines", "line_record",
           "report_head"]

LineKind = Literal["startup", "operating", "supplement", "clawback"]
KINDS: Final[tuple[LineKind, ...]] = ("startup", "operating", "supplement", "clawback")
# The kinds' names are marked for the catalogue: in Danish the sources' own words
# (opstartshonorar, driftstilskud, tillæg, tilbagebetaling).
_KIND_NAMES: Final = (N_("startup"), N_("operating"), N_("supplement"), N_("clawback"))
_HEADERS: Final = (N_("cluster"), N_("year"), N_("due"), *_KIND_NAMES, N_("total"))
_CSV_HEADERS: Final = (N_("cluster"), N_("year"), N_("due"), N_("kind"), N_("quantity"),
                       N_("rate"), N_("fraction"), N_("amount"), N_("assumption"), N_("rule"),
                       N_("parameter"), N_("value_from"), N_("source"), N_("withheld"))
_ALIGN: Final = ("left", "right", "left", "right", "right", "right", "right", "right")
#: The records of a payout report and of an explanation: one row a line.
LINE_COLUMNS: Final = ("cluster", "year", "due", "kind", "quantity", "rate", "fraction",
                       "amount", "paid", "withheld", "parameter", "value_from", "assumption",
                       "rule", "document", "section")


@attrs.frozen(kw_only=True)
class MemberShare:
    """One clinic's part of a line's quantity, and the rule that counted it."""

    __repr__ = value_repr

    provider_number: str
    quantity: int
    note: str | None = None
    #: The rule that put the clinic in the line (``None`` only for shares made by hand).
    rule: Rule | None = attrs.field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"provider_number": self.provider_number,
                               "quantity": str(self.quantity)}
        if self.note:
            out["note"] = self.note
        return out


@attrs.frozen(kw_only=True)
class LeftOut:
    """A clinic of the cluster that a line does not count, and the rule that left it out."""

    __repr__ = value_repr

    provider_number: str
    rule: Rule
    note: str


@attrs.frozen(kw_only=True)
class AnniversaryTest:
    """The one-year test of a clawback (I3) with its dates, and the year it falls in (C1)."""

    __repr__ = value_repr

    provider_number: str
    joined: dt.date
    anniversary: dt.date
    left: dt.date
    grant_paid: int
    clawed_back_in: int

    @property
    def text(self) -> str:
        return self.text_in("en")

    def text_in(self, lang: str) -> str:
        """The test in words, in ``lang``."""
        return localize(message(
            "joined {joined}, first year ends {anniversary}, left {left}: within its first "
            "year (I3); grant paid {paid}, clawed back in {clawed_back_in}, the first year it "
            "is not counted (C1)", joined=self.joined, anniversary=self.anniversary,
            left=self.left, paid=self.grant_paid, clawed_back_in=self.clawed_back_in), lang)

    def to_dict(self) -> dict[str, Any]:
        return {"provider_number": self.provider_number, "joined": self.joined.isoformat(),
                "anniversary": self.anniversary.isoformat(), "left": self.left.isoformat(),
                "within_first_year": self.left < self.anniversary,
                "grant_paid": self.grant_paid, "clawed_back_in": self.clawed_back_in}


@attrs.frozen(kw_only=True)
class Line:
    """One line of a payout: ``amount`` = ``rate`` × ``quantity`` (× ``fraction``), rounded.

    ``parameter``, ``value_from`` and ``citation`` say which dated value of
    the ruleset gave the rate; ``assumption`` is ``None`` when that value is
    published, else why it is not; ``rule`` is the rule the line applies.
    """

    __repr__ = value_repr

    kind: LineKind
    quantity: int
    rate: Decimal
    amount: Decimal
    rule: Rule
    parameter: str
    value_from: dt.date
    citation: Citation
    assumption: str | None
    members: tuple[MemberShare, ...]
    fraction: Fraction | None = None
    rounding: str = "line"
    #: The clinics of the cluster that this line does not count, each with the
    #: rule that left it out (recorded with ``detail=True``).
    left_out: tuple[LeftOut, ...] = ()
    #: For a clawback line, the one-year test of each clinic it claws back.
    anniversary_tests: tuple[AnniversaryTest, ...] = ()

    @property
    def unrounded(self) -> Fraction:
        sign = -1 if self.kind == "clawback" else 1
        exact = Fraction(self.rate) * self.quantity * sign
        return exact * self.fraction if self.fraction is not None else exact

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "quantity": str(self.quantity),
            "rate": format_rate(self.rate),
            "amount": format_money(self.amount),
            "assumption": self.assumption,
            "parameter": self.parameter,
            "value_from": self.value_from.isoformat(),
            "citation": self.citation.to_dict(),
            "rule": self.rule.to_dict(),
            "members": [m.to_dict() for m in self.members],
        }
        if self.fraction is not None:
            out["fraction"] = f"{self.fraction.numerator}/{self.fraction.denominator}"
        return out


@attrs.frozen(kw_only=True)
class YearPayout:
    """A cluster's payout for one year: due date, lines, total and warnings."""

    __repr__ = value_repr

    year: int
    due: dt.date
    lines: tuple[Line, ...]
    warnings: tuple[str, ...]
    first_payout: bool = False
    counted_on: dt.date | None = None
    #: How many clinics are paid on their patients this year (members on the
    #: counting day). Not part of the JSON: the shares of the lines list them.
    clinics: int = 0
    #: The rule that made the payout due on ``due`` (first or yearly payout), and
    #: for a yearly payout the dated payout day it used (C5: its status shows).
    due_rule: Rule | None = attrs.field(default=None, repr=False)
    due_value: ResolvedValue | None = attrs.field(default=None, repr=False)
    #: The rule that decided which clinics are counted on ``counted_on``.
    members_rule: Rule | None = attrs.field(default=None, repr=False)
    #: What would have been paid, when the cluster's money is withheld (C2): then
    #: ``total`` is 0.00. ``None`` when the year is paid.
    withheld: Decimal | None = None
    #: The unmet registration requirements it is withheld for, and the rule.
    withheld_because: tuple[RegistrationProblem, ...] = attrs.field(default=(), repr=False)
    withheld_rule: Rule | None = attrs.field(default=None, repr=False)

    @property
    def total(self) -> Decimal:
        """What is paid: the sum of the lines (each already rounded to the øre), or 0.00
        when the cluster's money is withheld (C2)."""
        if self.withheld is not None:
            return Decimal("0.00")
        return total(line.amount for line in self.lines)

    def amount(self, kind: LineKind) -> Decimal:
        """The sum of the lines of ``kind``, as computed (withheld or not)."""
        return total(ln.amount for ln in self.lines if ln.kind == kind)

    def paid(self, kind: LineKind) -> Decimal:
        """What is paid on the lines of ``kind``: 0.00 when the year is withheld."""
        return Decimal("0.00") if self.withheld is not None else self.amount(kind)

    @property
    def rests_on_assumption(self) -> bool:
        return any(line.assumption for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "due": self.due.isoformat(),
            "total": format_money(self.total),
            "withheld": format_money(self.withheld) if self.withheld is not None else None,
            "first_payout": self.first_payout,
            "counted_on": self.counted_on.isoformat() if self.counted_on else None,
            "warnings": list(self.warnings),
            "lines": [line.to_dict() for line in self.lines],
        }


def _year_cells(year: YearPayout) -> list[str]:
    """A year as a table shows it: year, due, each kind, total (* an assumption, † withheld)."""
    mark = " *" if year.rests_on_assumption else ""
    mark += " †" if year.withheld is not None else ""
    return [str(year.year), year.due.isoformat(), *(format_kr(year.amount(k)) for k in KINDS),
            format_kr(year.total) + mark]


def line_record(cluster: str, year: int, due: dt.date, line: Line, *, withheld: bool
                ) -> dict[str, Any]:
    """One line as a record (:data:`LINE_COLUMNS`): ``amount`` is what it pays, 0.00 when
    the year is ``withheld`` (C2), and then ``withheld`` is the line's amount."""
    return {"cluster": cluster, "year": year, "due": due, "kind": line.kind,
            "quantity": line.quantity, "rate": line.rate, "fraction": line.fraction,
            "amount": ZERO if withheld else line.amount, "paid": not withheld,
            "withheld": line.amount if withheld else ZERO,
            "parameter": line.parameter, "value_from": line.value_from,
            "assumption": line.assumption, "rule": line.rule.id,
            "document": line.citation.document, "section": line.citation.section}


@attrs.frozen(kw_only=True)
class ClusterPayouts(Records):
    """One cluster's payouts, year by year. ``to_records()``: one row a year (docs/records.md)."""

    RECORD_COLUMNS = ("cluster", "year", "due", "clinics", *KINDS, "amount", "paid",
                      "withheld", "rests_on_assumption")

    name: str
    cvr: str | None
    source: str | None
    years: tuple[YearPayout, ...]

    def __repr__(self) -> str:
        withheld = [y.withheld for y in self.years if y.withheld is not None]
        return result_repr(
            "ClusterPayouts", repr(self.name), f"years={years_text(y.year for y in self.years)}",
            f"total={format_money(total(y.total for y in self.years))}",
            *([f"withheld={format_money(total(withheld))}"] if withheld else []))

    def _repr_html_(self) -> str:
        """The cluster's years as a table, with their warnings, for notebooks."""
        return (html_text(self.name, "h4") + html_table(_HEADERS[1:], [
                    _year_cells(y) for y in self.years], _ALIGN[1:])
                + html_list(f"{y.year}: {w}" for y in self.years for w in y.warnings))

    def year(self, year: int) -> YearPayout:
        year = parse_year(year, field="year")
        for y in self.years:
            if y.year == year:
                return y
        raise InputError(f"no payout for {year} (years with a payout: "
                         f"{', '.join(str(y.year) for y in self.years) or 'none'})",
                         record=self.name, field="year", code="input.unknown_year")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "cvr": self.cvr,
                "years": [y.to_dict() for y in self.years]}

    def _records(self) -> Iterator[dict[str, Any]]:
        for y in self.years:
            yield {"cluster": self.name, "year": y.year, "due": y.due, "clinics": y.clinics,
                   **{k: y.paid(k) for k in KINDS}, "amount": y.total,
                   "paid": y.withheld is None,
                   "withheld": ZERO if y.withheld is None else y.withheld,
                   "rests_on_assumption": y.rests_on_assumption}


def report_head(*, ruleset_id: str, fingerprint: str, inputs_fingerprint: str, clusters: int,
                policies: Mapping[str, str], overrides: Sequence[str], years: Sequence[int]
                ) -> dict[str, Any]:
    """The first keys of a payout report's JSON, in their order: what it rests on."""
    return {
        "ruleset": {"id": ruleset_id, "fingerprint": fingerprint},
        "inputs": {"fingerprint": inputs_fingerprint, "clusters": clusters},
        "policies": dict(sorted(policies.items())),
        "overrides": list(overrides),
        "years": list(years),
    }


def jsonl_lines(head: Mapping[str, Any], clusters: Iterable[ClusterPayouts],
                warnings: Sequence[str]) -> Iterator[str]:
    """A payout report as JSON Lines (docs/json-format.md), a line at a time: ``head``
    (:func:`report_head`), one line per cluster, then ``{"warnings": [...]}``.

    ``warnings`` is read after the last cluster, so that a caller computing the
    clusters as they are asked for can fill it on the way.
    """
    yield json_line(head)
    for cluster in clusters:
        yield json_line(cluster.to_dict())
    yield json_line({"warnings": list(warnings)})


@attrs.frozen(kw_only=True)
class PayoutReport(Records):
    """What :func:`kiaprules.compute_payouts` returns.

    ``to_records()``: one row a line, of every cluster and year (docs/records.md).
    """

    RECORD_COLUMNS = LINE_COLUMNS

    ruleset_id: str
    fingerprint: str
    policies: Mapping[str, str]
    overrides: tuple[str, ...]
    years: tuple[int, ...]
    clusters: tuple[ClusterPayouts, ...]
    warnings: tuple[str, ...] = ()
    policy_defaults: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    #: False when computed with ``detail=False``: lines without clinic-by-clinic shares.
    detail: bool = attrs.field(default=True, eq=False, repr=False)
    #: The clusters computed, for the inputs' fingerprint (hashed only when rendered).
    inputs: tuple[Any, ...] = attrs.field(default=(), eq=False, repr=False)

    @property
    def inputs_fingerprint(self) -> str:
        """sha256 of the inputs in canonical form: with the ruleset's, what the result rests on."""
        return inputs_fingerprint(self.inputs)

    if TYPE_CHECKING:
        # Attached by kiaprules.reports (see the module's docstring).

        def explain(self, cluster: str | None = None, year: int | None = None
                    ) -> Explanation:
            """The derivation of one cluster's payout for one year."""

        def explanations(self, years: Iterable[int] | int | str | None = None, *,
                         cluster: str | None = None) -> tuple[Explanation, ...]:
            """The derivations of the payouts in ``years``, cluster by cluster, year by
            year; a cluster with nothing in a year is skipped (unless it is ``cluster``)."""

        def compare(self, other: PayoutReport) -> Comparison:
            """The differences from this report (the base) to ``other`` (the variant)."""

        def summary(self) -> NationalSummary:
            """One row a year for all clusters together, with the warnings summarised."""

        def plot(self, cluster: str | None = None, *, ax: Axes | None = None) -> Axes:
            """One cluster's payouts per year by kind, clawbacks below zero (kiaprules[plot])."""

    def cluster(self, name: str) -> ClusterPayouts:
        for c in self.clusters:
            if c.name == name:
                return c
        raise InputError(f"no cluster named {name!r} (clusters: "
                         f"{', '.join(c.name for c in self.clusters)})", field="cluster",
                         code="input.unknown_cluster")

    def __iter__(self) -> Iterator[tuple[ClusterPayouts, YearPayout]]:
        for c in self.clusters:
            for y in c.years:
                yield c, y

    @property
    def total(self) -> Decimal:
        """What is paid, all clusters and years together (withheld money left out)."""
        return total(y.total for _, y in self)

    @property
    def withheld(self) -> Decimal:
        """What would have been paid to clusters whose money is withheld (C2)."""
        return total(y.withheld for _, y in self if y.withheld is not None)

    # --- renderings -----------------------------------------------------------

    def _records(self) -> Iterator[dict[str, Any]]:
        for cluster, year in self:
            for line in year.lines:
                yield line_record(cluster.name, year.year, year.due, line,
                                  withheld=year.withheld is not None)

    def _head(self) -> dict[str, Any]:
        return report_head(ruleset_id=self.ruleset_id, fingerprint=self.fingerprint,
                           inputs_fingerprint=self.inputs_fingerprint, clusters=len(self.inputs),
                           policies=self.policies, overrides=self.overrides, years=self.years)

    def to_dict(self) -> dict[str, Any]:
        return {**self._head(), "warnings": list(self.warnings),
                "clusters": [c.to_dict() for c in self.clusters]}

    def to_json(self) -> str:
        """The public JSON contract (docs/json-format.md); byte-identical for equal reports."""
        return json_text(self.to_dict())

    def to_jsonl(self) -> str:
        """The same contents as JSON Lines (docs/json-format.md): a head line, one line per
        cluster, the warnings last; what :func:`kiaprules.stream_payouts` writes a line
        at a time."""
        return "".join(jsonl_lines(self._head(), self.clusters, self.warnings))

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row a line, for spreadsheets.

        ``lang="da"`` (or ``$KIAPRULES_LANG``): Danish headers and kinds, ``;``
        between cells, a decimal comma and a byte order mark, for Danish Excel.
        """
        lang = resolve_lang(lang)
        if lang != "en":
            return self._csv_da(lang)
        rows = []
        for cluster, year in self:
            for ln in year.lines:
                fraction = "" if ln.fraction is None else \
                    f"{ln.fraction.numerator}/{ln.fraction.denominator}"
                rows.append([cluster.name, year.year, year.due.isoformat(), ln.kind,
                             ln.quantity, format_rate(ln.rate), fraction,
                             format_money(ln.amount), ln.assumption or "", ln.rule.id,
                             ln.parameter, ln.value_from.isoformat(),
                             f"{ln.citation.document} {ln.citation.section}",
                             "yes" if year.withheld is not None else "no"])
        return csv_text(_CSV_HEADERS, rows)

    def _csv_da(self, lang: str) -> str:
        yes, no = _("yes", lang), _("no", lang)
        rows = []
        for cluster, year in self:
            for ln in year.lines:
                fraction = "" if ln.fraction is None else \
                    f"{ln.fraction.numerator}/{ln.fraction.denominator}"
                rows.append([cluster.name, year.year, year.due.isoformat(), _(ln.kind, lang),
                             ln.quantity, format_rate(ln.rate).replace(".", ","), fraction,
                             format_money(ln.amount).replace(".", ","),
                             localize(ln.assumption or "", lang), ln.rule.id,
                             ln.parameter, ln.value_from.isoformat(),
                             f"{ln.citation.document} {ln.citation.section}",
                             yes if year.withheld is not None else no])
        return csv_text([_(h, lang) for h in _CSV_HEADERS], rows, lang=lang)

    def _rows(self, lang: str = "en") -> list[list[str]]:
        if lang != "da":
            return [[cluster.name, *_year_cells(year)] for cluster, year in self]
        rows = []
        for cluster, year in self:
            mark = " *" if year.rests_on_assumption else ""
            mark += " †" if year.withheld is not None else ""
            rows.append([cluster.name, str(year.year), format_date_da(year.due),
                         *(format_kr_da(year.amount(k), unit=False) for k in KINDS),
                         format_kr_da(year.total, unit=False) + mark])
        return rows

    def to_table(self, *, lang: str | None = None) -> str:
        """A table for the terminal, with the warnings beneath it.

        ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish, with Danish amounts
        (``129.900,00``) and dates (``1. marts 2020``).
        """
        lang = resolve_lang(lang)
        text = table_text(self._rows(lang), [_(h, lang) for h in _HEADERS], _ALIGN)
        warnings = [_("warning: {warning}", lang).format(warning=w)
                    for w in self.all_warnings(lang=lang)]
        return sanitize_lines("\n".join([text, "", *self._notes(lang), *warnings]) + "\n")

    def _notes(self, lang: str = "en") -> list[str]:
        """What is said beneath the table: the ruleset, overrides, policies, the marks."""
        notes = [_("ruleset {id} {fingerprint}", lang).format(id=self.ruleset_id,
                                                             fingerprint=self.fingerprint)]
        if self.overrides:
            notes.append(_("overrides: {overrides}", lang).format(
                overrides="; ".join(localize(o, lang) for o in self.overrides)))
        non_default = self.non_default_policies
        if non_default:
            notes.append(_("policies: {policies}", lang).format(
                policies=", ".join(f"{k}={v}" for k, v in non_default.items())))
        if any(y.rests_on_assumption for _c, y in self):
            notes.append(_("* the total rests on a figure no source publishes (see warnings)",
                           lang))
        if any(y.withheld is not None for _c, y in self):
            amount = (format_kr_da(self.withheld) if lang == "da"
                      else f"{format_kr(self.withheld)} kr")
            notes.append(_("† withheld: {amount} would be paid to clusters that do not meet "
                           "the registration requirements (see warnings); their totals are "
                           "0.00", lang).format(amount=amount))
        return notes

    @property
    def non_default_policies(self) -> dict[str, str]:
        return {k: v for k, v in sorted(self.policies.items())
                if v != self.policy_defaults.get(k, v)}

    def all_warnings(self, *, lang: str = "en") -> list[str]:
        """Every warning of the report, each cluster's and year's named; in ``lang``."""
        out = [localize(w, lang) for w in self.warnings]
        for cluster, year in self:
            out.extend(f"{cluster.name} {year.year}: {localize(w, lang)}" for w in year.warnings)
        return out

    def _repr_html_(self) -> str:
        """The table, the ruleset and the warnings, for notebooks (escaped, CPR-masked)."""
        return (html_table(_HEADERS, self._rows(), _ALIGN)
                + "".join(html_note(n) for n in self._notes()) + html_list(self.all_warnings()))

    def __repr__(self) -> str:
        return result_repr("PayoutReport", self.ruleset_id, f"clusters={len(self.clusters)}",
                           f"years={years_text(self.years)}",
                           f"total={format_money(self.total)}")
