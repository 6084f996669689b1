"""What-if: compare two payout reports, cluster by cluster and year by year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from kiaprules._i18n import N_, _, danish_decimal, localize, resolve_lang
from kiaprules._render import csv_text, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.engine.report import KINDS, PayoutReport
from kiaprules.errors import InputTypeError
from kiaprules.model.money import difference, format_kr, format_kr_da, format_money, total
from kiaprules.model.money import difference as money_difference
from kiaprules.model.records import Records
from kiaprules.reports.plot import plot_comparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Comparison", "ComparisonRow", "compare_reports"]

_ZERO = Decimal("0.00")
_HEADERS: Final = (N_("cluster"), N_("year"), N_("base"), N_("variant"), N_("difference"))
_CSV_HEADERS: Final = (*_HEADERS, N_("startup_difference"), N_("operating_difference"),
                       N_("supplement_difference"), N_("clawback_difference"))
#: What a report was computed with, in parts (each part's items are joined by "; ").
Parts = tuple[tuple[str, ...], ...]
_ALIGN: Final = ("left", "right", "right", "right", "right")


@attrs.frozen(kw_only=True)
class ComparisonRow:
    __repr__ = value_repr

    cluster: str
    year: int
    base: Decimal
    variant: Decimal
    by_kind: tuple[tuple[str, Decimal], ...]

    @property
    def difference(self) -> Decimal:
        return money_difference(self.variant, self.base)

    def to_dict(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "year": self.year, "base": format_money(self.base),
                "variant": format_money(self.variant),
                "difference": format_money(self.difference),
                "by_kind": {k: format_money(v) for k, v in self.by_kind}}


@attrs.frozen(kw_only=True)
class Comparison(Records):
    """The differences from a base report to a variant.

    ``to_records()``: one row a cluster and year of either report (docs/records.md).
    """

    RECORD_COLUMNS = ("cluster", "year", "base_amount", "variant_amount", "difference",
                      *(f"{k}_difference" for k in KINDS))

    base: str
    variant: str
    rows: tuple[ComparisonRow, ...]
    base_report: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    variant_report: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    #: ``base`` and ``variant`` in parts (the overrides are messages), for other languages.
    base_parts: Parts = attrs.field(default=(), eq=False, repr=False)
    variant_parts: Parts = attrs.field(default=(), eq=False, repr=False)

    def __repr__(self) -> str:
        return result_repr("Comparison", f"rows={len(self.rows)}",
                           f"changed={len(self.changed)}",
                           f"difference={format_money(self.difference)}")

    @property
    def changed(self) -> tuple[ComparisonRow, ...]:
        return tuple(r for r in self.rows if r.difference or any(v for _, v in r.by_kind))

    @property
    def difference(self) -> Decimal:
        return total(r.difference for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "variant": self.variant,
                "base_ruleset": self.base_report, "variant_ruleset": self.variant_report,
                "difference": format_money(self.difference),
                "rows": [r.to_dict() for r in self.rows]}

    def _records(self) -> Iterator[dict[str, Any]]:
        for r in self.rows:
            yield {"cluster": r.cluster, "year": r.year, "base_amount": r.base,
                   "variant_amount": r.variant, "difference": r.difference,
                   **{f"{k}_difference": v for k, v in r.by_kind}}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row a cluster and year, for spreadsheets; ``lang="da"`` (or
        ``$KIAPRULES_LANG``): Danish headers, ``;``, a decimal comma and a byte order mark."""
        lang = resolve_lang(lang)

        def money(value: Decimal) -> str:
            text = format_money(value)
            return danish_decimal(Decimal(text), grouped=False) if lang == "da" else text

        def row(r: ComparisonRow) -> list[Any]:
            kinds = dict(r.by_kind)
            return [r.cluster, r.year, money(r.base), money(r.variant), money(r.difference),
                    *(money(kinds[k]) for k in KINDS)]

        return csv_text([_(h, lang) for h in _CSV_HEADERS], (row(r) for r in self.rows),
                        lang=lang)

    def _cells(self, rows: tuple[ComparisonRow, ...], lang: str = "en") -> list[list[str]]:
        if lang == "da":
            return [[r.cluster, str(r.year), format_kr_da(r.base, unit=False),
                     format_kr_da(r.variant, unit=False),
                     format_kr_da(r.difference, signed=True, unit=False)] for r in rows]
        return [[r.cluster, str(r.year), format_kr(r.base), format_kr(r.variant),
                 format_kr(r.difference, signed=True)] for r in rows]

    def _described(self, which: str, lang: str) -> str:
        parts = self.base_parts if which == "base" else self.variant_parts
        if lang == "en" or not parts:
            return self.base if which == "base" else self.variant
        return _joined(parts, lang)

    def to_table(self, *, only_changed: bool = True, lang: str | None = None) -> str:
        """The clusters and years whose totals differ (every one with
        ``only_changed=False``), what was compared, and the total difference;
        ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish, with Danish amounts."""
        lang = resolve_lang(lang)
        rows = self.changed if only_changed else self.rows
        table = table_text(self._cells(rows, lang), [_(h, lang) for h in _HEADERS], _ALIGN)
        head = (_("base:    {base}", lang).format(base=self._described("base", lang)) + "\n"
                + _("variant: {variant}", lang).format(
                    variant=self._described("variant", lang)) + "\n")
        if not rows:
            return sanitize_lines(head + _("no differences", lang) + "\n")
        amount = (format_kr_da(self.difference, signed=True) if lang == "da"
                  else f"{format_kr(self.difference, signed=True)} kr")
        return sanitize_lines(f"{head}\n{table}\n\n"
                              + _("total difference: {amount}", lang).format(amount=amount)
                              + "\n")

    def _repr_html_(self) -> str:
        """The changed rows, then what was compared and the total difference, for notebooks."""
        return (html_table(_HEADERS, self._cells(self.changed), _ALIGN)
                + html_note(f"base: {self.base}") + html_note(f"variant: {self.variant}")
                + html_note(f"total difference: {format_kr(self.difference, signed=True)} kr"))

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The differences per year (every cluster's added up), variant − base, by kind.

        Returns the matplotlib ``Axes``, drawn into ``ax`` if given. Needs the
        extra ``kiaprules[plot]`` (:mod:`kiaprules.reports.plot`).
        """
        return plot_comparison(self, ax=ax)


def _describe(report: PayoutReport) -> Parts:
    """What a report was computed with, in parts: the ruleset, the overrides (messages),
    the policies not at their defaults."""
    parts: list[tuple[str, ...]] = [(f"{report.ruleset_id} {report.fingerprint[:19]}…",)]
    if report.overrides:
        parts.append(tuple(report.overrides))
    changed = report.non_default_policies
    if changed:
        parts.append((", ".join(f"{k}={v}" for k, v in changed.items()),))
    return tuple(parts)


def _joined(parts: Parts, lang: str) -> str:
    return " | ".join("; ".join(localize(item, lang) for item in part) for part in parts)


def compare_reports(base: PayoutReport, variant: PayoutReport) -> Comparison:
    """Every cluster and year of either report, with base and variant totals.

    A year present in one report only counts as 0 in the other.
    """
    for name, report in (("base", base), ("variant", variant)):
        if not isinstance(report, PayoutReport):
            raise InputTypeError(f"must be a PayoutReport, got {type(report).__name__}",
                                 field=name)
    def index(report: PayoutReport) -> dict[tuple[str, int], dict[str, Decimal]]:
        out: dict[tuple[str, int], dict[str, Decimal]] = {}
        for c, y in report:
            out[(c.name, y.year)] = {"total": y.total, **{k: y.paid(k) for k in KINDS}}
        return out

    a, b = index(base), index(variant)
    empty: dict[str, Decimal] = {"total": _ZERO, **{k: _ZERO for k in KINDS}}
    rows = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, empty), b.get(key, empty)
        rows.append(ComparisonRow(cluster=key[0], year=key[1], base=x["total"],
                                  variant=y["total"],
                                  by_kind=tuple((k, difference(y[k], x[k])) for k in KINDS)))
    def identity(report: PayoutReport) -> dict[str, Any]:
        return {"id": report.ruleset_id, "fingerprint": report.fingerprint,
                "overrides": list(report.overrides), "policies": dict(sorted(
                    report.policies.items()))}

    base_parts, variant_parts = _describe(base), _describe(variant)
    return Comparison(base=_joined(base_parts, "en"), variant=_joined(variant_parts, "en"),
                      rows=tuple(rows), base_report=identity(base),
                      variant_report=identity(variant), base_parts=base_parts,
                      variant_parts=variant_parts)
