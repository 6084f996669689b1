"""The national summary: all clusters together, one row a year.

A whole country's :class:`~kiaprules.PayoutReport` has a row per cluster and
year, and repeats each warning that rests on an unpublished figure for every
cluster paid with it. The summary adds the rows up per year (clusters,
clinics, patients, and each kind of line) and says each assumption once per
year and parameter, with the number of clusters it touches. Warnings about
single clusters (a clinic not marked as a switch, a negative payout) are
kept, each on its own line.

The sums are sums of the report's rounded lines (I6), so a summary's total is
the report's total to the øre.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from kiaprules._i18n import N_, _, localize, message, ngettext, resolve_lang
from kiaprules._render import csv_text, html_list, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr, years_text
from kiaprules.engine.compute import prepare
from kiaprules.engine.pricing import (
    KINDS,
    line_specs,
    makes_a_line,
    negative_payout_warning,
    price_ore,
    withheld_warning,
)
from kiaprules.engine.quantities import aggregate, cluster_warnings
from kiaprules.engine.report import PayoutReport
from kiaprules.engine.totals import Groups
from kiaprules.model.canonical import inputs_fingerprint
from kiaprules.model.cluster import Cluster
from kiaprules.model.money import format_kr, format_kr_da, format_money, from_ore, plus, total
from kiaprules.model.records import Records
from kiaprules.reports.plot import plot_summary
from kiaprules.rules.overrides import Override
from kiaprules.rules.ruleset import ResolvedValue, Ruleset

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "AssumptionNote",
    "NationalSummary",
    "SummaryRow",
    "national_summary",
    "summarise",
]

_ZERO: Final = Decimal("0.00")
_KINDS: Final = KINDS
_HEADERS: Final = (N_("year"), N_("clusters"), N_("clinics"), N_("patients"), N_("startup"),
                   N_("operating"), N_("supplement"), N_("clawback"), N_("total"))
_CSV_HEADERS: Final = (*_HEADERS, N_("withheld"), N_("rests_on_assumption"))
#: At most this many single-cluster warnings are printed under the table.
MAX_LISTED_WARNINGS: Final = 20
_ALIGN: Final = ("left", *("right",) * 8)


@attrs.frozen(kw_only=True)
class SummaryRow:
    """One year, all clusters: how many are paid, on what, and how much.

    Clusters whose money is withheld (C2) are not counted or paid: what they would
    have been paid is ``withheld``.
    """

    __repr__ = value_repr

    year: int
    clusters: int
    clinics: int
    patients: int
    startup: Decimal
    operating: Decimal
    supplement: Decimal
    clawback: Decimal
    total: Decimal
    rests_on_assumption: bool
    withheld: Decimal = _ZERO

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "clusters": self.clusters, "clinics": self.clinics,
                "patients": self.patients,
                **{k: format_money(getattr(self, k)) for k in (*_KINDS, "total")},
                "withheld": format_money(self.withheld),
                "rests_on_assumption": self.rests_on_assumption}


@attrs.frozen(kw_only=True)
class AssumptionNote:
    """One figure no source publishes, used in ``year`` for ``clusters`` clusters."""

    __repr__ = value_repr

    year: int
    parameter: str
    clusters: int
    message: str

    def __str__(self) -> str:
        return self.text()

    def text(self, lang: str = "en") -> str:
        """The note in ``lang``."""
        return ngettext("{year} {parameter} ({n} cluster): {message}",
                        "{year} {parameter} ({n} clusters): {message}", self.clusters,
                        lang).format(year=self.year, parameter=self.parameter, n=self.clusters,
                                     message=localize(self.message, lang))

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "parameter": self.parameter, "clusters": self.clusters,
                "message": self.message}


@attrs.frozen(kw_only=True)
class NationalSummary(Records):
    """What :meth:`PayoutReport.summary` returns: a row a year and the warnings, summarised.

    ``to_records()``: one row a year (docs/records.md).
    """

    RECORD_COLUMNS = ("year", "clusters", "clinics", "patients", *_KINDS, "amount", "withheld",
                      "rests_on_assumption")

    ruleset_id: str
    fingerprint: str
    policies: dict[str, str]
    overrides: tuple[str, ...]
    rows: tuple[SummaryRow, ...]
    assumptions: tuple[AssumptionNote, ...]
    warnings: tuple[str, ...]
    #: The clusters summed, for the inputs' fingerprint (hashed only when rendered).
    inputs: tuple[Cluster, ...] = attrs.field(default=(), eq=False, repr=False)

    @property
    def inputs_fingerprint(self) -> str:
        """sha256 of the inputs in canonical form, as in the payout report's JSON."""
        return inputs_fingerprint(self.inputs)

    def __repr__(self) -> str:
        return result_repr("NationalSummary", self.ruleset_id,
                           f"years={years_text(r.year for r in self.rows)}",
                           f"total={format_money(self.total)}",
                           f"assumptions={len(self.assumptions)}",
                           f"warnings={len(self.warnings)}")

    @property
    def total(self) -> Decimal:
        return total(r.total for r in self.rows)

    def amount(self, kind: str) -> Decimal:
        return total(getattr(r, kind) for r in self.rows)

    @property
    def withheld(self) -> Decimal:
        """What would have been paid to clusters whose money is withheld (C2)."""
        return total(r.withheld for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
            "inputs": {"fingerprint": self.inputs_fingerprint, "clusters": len(self.inputs)},
            "policies": self.policies,
            "overrides": list(self.overrides),
            "years": [r.to_dict() for r in self.rows],
            "total": {**{k: format_money(self.amount(k)) for k in _KINDS},
                      "total": format_money(self.total),
                      "withheld": format_money(self.withheld)},
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
        }

    def _records(self) -> Iterator[dict[str, Any]]:
        for r in self.rows:
            yield {"year": r.year, "clusters": r.clusters, "clinics": r.clinics,
                   "patients": r.patients, **{k: getattr(r, k) for k in _KINDS},
                   "amount": r.total, "withheld": r.withheld,
                   "rests_on_assumption": r.rests_on_assumption}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row a year; ``lang="da"``: Danish headers, ``;``, decimal comma, a BOM."""
        lang = resolve_lang(lang)
        yes, no = _("yes", lang), _("no", lang)

        def amount(value: Decimal) -> str:
            text = format_money(value)
            return text.replace(".", ",") if lang == "da" else text

        return csv_text([_(h, lang) for h in _CSV_HEADERS],
                        ([r.year, r.clusters, r.clinics, r.patients,
                          *(amount(getattr(r, k)) for k in (*_KINDS, "total", "withheld")),
                          yes if r.rests_on_assumption else no] for r in self.rows), lang=lang)

    def _cells(self, lang: str = "en") -> list[list[str]]:
        """The table's rows: a year each, then all years together."""
        danish = lang == "da"

        def kr(value: Decimal) -> str:
            return format_kr_da(value, unit=False) if danish else format_kr(value)

        def count(n: int) -> str:
            return f"{n:,}".replace(",", ".") if danish else f"{n:,}"

        rows = [[str(r.year), count(r.clusters), count(r.clinics), count(r.patients),
                 *(kr(getattr(r, k)) for k in _KINDS),
                 kr(r.total) + (" *" if r.rests_on_assumption else "")] for r in self.rows]
        any_assumed = any(r.rests_on_assumption for r in self.rows)
        rows.append([_("all", lang), "", "", "", *(kr(self.amount(k)) for k in _KINDS),
                     kr(self.total) + (" *" if any_assumed else "")])
        return rows

    def _notes(self, lang: str = "en") -> tuple[list[str], list[str]]:
        """What is said beneath the table: the ruleset, overrides and policies; what is withheld."""
        head = [_("ruleset {id} {fingerprint}", lang).format(id=self.ruleset_id,
                                                            fingerprint=self.fingerprint)]
        if self.overrides:
            head.append(_("overrides: {overrides}", lang).format(
                overrides="; ".join(localize(o, lang) for o in self.overrides)))
        if self.policies:
            head.append(_("policies: {policies}", lang).format(
                policies=", ".join(f"{k}={v}" for k, v in self.policies.items())))
        withheld = [_("withheld {year}: {amount} would be paid to clusters that do not meet "
                      "the registration requirements; not in the table (see warnings)",
                      lang).format(year=r.year, amount=format_kr_da(r.withheld) if lang == "da"
                                   else f"{format_kr(r.withheld)} kr")
                    for r in self.rows if r.withheld]
        return head, withheld

    def _repr_html_(self) -> str:
        """The table, the notes, the assumptions and the warnings, for notebooks."""
        head, withheld = self._notes()
        assumed = [html_note("* the total rests on a figure no source publishes:")
                   + html_list(str(a) for a in self.assumptions)] if self.assumptions else []
        return "".join([html_table(_HEADERS, self._cells(), _ALIGN),
                        *(html_note(n) for n in head), *assumed,
                        *(html_note(n) for n in withheld),
                        html_list(self.warnings, most=MAX_LISTED_WARNINGS)])

    def to_table(self, *, lang: str | None = None) -> str:
        """The table for the terminal, the notes and the summarised warnings beneath it.

        ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish, with Danish numbers.
        """
        lang = resolve_lang(lang)
        text = table_text(self._cells(lang), [_(h, lang) for h in _HEADERS], _ALIGN)
        notes, withheld = self._notes(lang)
        if self.assumptions:
            notes.append(_("* the total rests on a figure no source publishes:", lang))
            notes.extend(f"  {a.text(lang)}" for a in self.assumptions)
        notes.extend(withheld)
        listed = self.warnings[:MAX_LISTED_WARNINGS]
        notes.extend(_("warning: {warning}", lang).format(warning=localize(w, lang))
                     for w in listed)
        if len(self.warnings) > len(listed):
            more = len(self.warnings) - len(listed)
            # The English says "warnings" for one too, as it always has; Danish has two forms.
            notes.append(ngettext("... and {n} more warnings (kiaprules payouts lists every "
                                  "one)", "... and {n} more warnings (kiaprules payouts lists "
                                  "every one)", more, lang).format(n=more))
        return sanitize_lines("\n".join([text, "", *notes]) + "\n")

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """A bar chart a year, stacked by kind; a year resting on an unpublished figure hatched.

        Returns the matplotlib ``Axes``, drawn into ``ax`` if given. Needs the
        extra ``kiaprules[plot]`` (:mod:`kiaprules.reports.plot`).
        """
        return plot_summary(self, ax=ax)


def _named(cluster: str, year: int, warning: str) -> str:
    """A warning of one cluster and year, saying which (its English text is the same)."""
    return message("{cluster} {year}: {warning}", cluster=cluster, year=year, warning=warning)


def summarise(report: PayoutReport) -> NationalSummary:
    """The report added up per year, each assumption said once per year and parameter."""
    acc: dict[int, list[Any]] = {}
    notes: dict[tuple[int, str, str], set[str]] = {}
    single: list[str] = list(report.warnings)
    for cluster, year in report:
        row = acc.get(year.year)
        if row is None:
            row = acc[year.year] = [0, 0, 0, _ZERO, _ZERO, _ZERO, _ZERO, False, _ZERO]
        if year.withheld is not None:
            row[8] = plus(row[8], year.withheld)
            single.extend(_named(cluster.name, year.year, w) for w in year.warnings
                          if not any(w == ln.assumption for ln in year.lines))
            continue
        row[0] += 1
        row[1] += year.clinics
        assumed: set[str] = set()
        for line in year.lines:
            if line.kind == "operating":
                row[2] += line.quantity
            at = 3 + _KINDS.index(line.kind)
            row[at] = plus(row[at], line.amount)
            if line.assumption:
                row[7] = True
                assumed.add(line.assumption)
                notes.setdefault((year.year, line.parameter, line.assumption),
                                 set()).add(cluster.name)
        single.extend(_named(cluster.name, year.year, w) for w in year.warnings
                      if w not in assumed)
    rows = tuple(
        SummaryRow(year=y, clusters=r[0], clinics=r[1], patients=r[2], startup=r[3],
                   operating=r[4], supplement=r[5], clawback=r[6],
                   total=r[3] + r[4] + r[5] + r[6], rests_on_assumption=r[7], withheld=r[8])
        for y, r in sorted(acc.items()))
    assumptions = tuple(AssumptionNote(year=y, parameter=p, clusters=len(names), message=m)
                        for (y, p, m), names in sorted(notes.items()))
    return NationalSummary(ruleset_id=report.ruleset_id, fingerprint=report.fingerprint,
                           policies=report.non_default_policies, overrides=report.overrides,
                           rows=rows, assumptions=assumptions, warnings=tuple(single),
                           inputs=tuple(report.inputs))


def national_summary(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
) -> NationalSummary:
    """``compute_payouts(...).summary()``, straight from the aggregation.

    The same summary, equal field by field (``tests/test_national.py``), but
    without making a line object per cluster and year: the quantities are
    priced in groups (:mod:`kiaprules.engine.totals`), and only the cluster-years
    with a clawback, the only ones that can come out negative, are added up
    one by one. This is what ``kiaprules national`` runs.
    """
    run = prepare(clusters, ruleset, years=years, overrides=overrides, policies=policies,
                  strict=strict)
    rs, chosen, year_list = run.ruleset, run.policies, run.years
    per_clinic = chosen["rounding"] == "clinic"
    quantities = aggregate(run.clusters, rs, chosen, year_list[-1], pairs=per_clinic) \
        if year_list else []
    groups = Groups(quantities, year_list, per_clinic)
    lookups: dict[tuple[str, int], ResolvedValue] = {}
    ore, used = groups.price(rs, chosen["unpublished_years"], lookups)
    paid = [(key, value) for key, value in used if not key[6]]  # key[6]: withheld (C2)
    assumed_years = {key[5] for key, value in paid if value.assumption}
    names: dict[tuple[int, str, str], set[str]] = {}
    for key, value in paid:
        if value.assumption:
            names.setdefault((key[5], key[0], value.assumption), set()).update(groups.names[key])
    counts: dict[int, list[int]] = {}
    single = cluster_warnings(quantities, year_list) if year_list else []
    wanted = set(year_list)
    for cq in quantities:
        for q in cq.years:
            if q.year not in wanted or q.is_empty:
                continue
            row = counts.setdefault(q.year, [0, 0, 0])
            lines = [(spec, lookups[(spec.parameter, spec.rate_year)])
                     for spec in line_specs(q, per_clinic)]
            lines = [(spec, value) for spec, value in lines if makes_a_line(spec.kind, value)]
            assumed = {value.assumption for _, value in lines if value.assumption}
            single.extend(_named(cq.cluster.name, q.year, w) for w in q.warnings
                          if w not in assumed)
            if cq.withheld:  # C2: not counted, not paid; what is withheld is said
                single.extend(_named(cq.cluster.name, q.year, withheld_warning(p))
                              for p in cq.withheld)
                continue
            row[0] += 1
            row[1] += q.clinics
            row[2] += q.total_patients if q.clinics else 0
            if q.clawbacks:  # only a clawback makes a year negative
                year_ore = sum(price_ore(value.value, spec.quantities, spec.sign, spec.fraction)
                               for spec, value in lines)
                if year_ore < 0:
                    single.append(_named(cq.cluster.name, q.year,
                                         negative_payout_warning(from_ore(year_ore))))
    rows = []
    for year, (n_clusters, clinics, patients) in sorted(counts.items()):
        amounts = [from_ore(ore.get((year, kind), 0)) for kind in _KINDS]
        rows.append(SummaryRow(year=year, clusters=n_clusters, clinics=clinics, patients=patients,
                               startup=amounts[0], operating=amounts[1], supplement=amounts[2],
                               clawback=amounts[3], total=total(amounts),
                               rests_on_assumption=year in assumed_years,
                               withheld=from_ore(ore.get((year, "withheld"), 0))))
    return NationalSummary(
        ruleset_id=rs.id, fingerprint=rs.fingerprint, policies=run.non_default_policies,
        overrides=tuple(str(o) for o in run.overrides), rows=tuple(rows),
        assumptions=tuple(AssumptionNote(year=y, parameter=p, clusters=len(n), message=m)
                          for (y, p, m), n in sorted(names.items())),
        warnings=tuple(single), inputs=tuple(run.clusters))
