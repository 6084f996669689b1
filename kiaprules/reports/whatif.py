"""What-if: compare two payout reports, cluster by cluster and year by year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from kiaprules._render import csv_text, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.engine.report import KINDS, PayoutReport
from kiaprules.errors import InputTypeError
from kiaprules.model.money import difference, format_kr, format_money, total
from kiaprules.model.money import difference as money_difference
from kiaprules.model.records import Records
from kiaprules.reports.plot import plot_comparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Comparison", "ComparisonRow", "compare_reports"]

_ZERO = Decimal("0.00")
_HEADERS: Final = ("cluster", "year", "base", "variant", "difference")
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

    def to_csv(self) -> str:
        def row(r: ComparisonRow) -> list[Any]:
            kinds = dict(r.by_kind)
            return [r.cluster, r.year, format_money(r.base), format_money(r.variant),
                    format_money(r.difference), *(format_money(kinds[k]) for k in KINDS)]

        return csv_text(["cluster", "year", "base", "variant", "difference",
                         *(f"{k}_difference" for k in KINDS)], (row(r) for r in self.rows))

    def _cells(self, rows: tuple[ComparisonRow, ...]) -> list[list[str]]:
        return [[r.cluster, str(r.year), format_kr(r.base), format_kr(r.variant),
                 format_kr(r.difference, signed=True)] for r in rows]

    def to_table(self, *, only_changed: bool = True) -> str:
        rows = self.changed if only_changed else self.rows
        table = table_text(self._cells(rows), _HEADERS, _ALIGN)
        head = f"base:    {self.base}\nvariant: {self.variant}\n"
        if not rows:
            return sanitize_lines(head + "no differences\n")
        return sanitize_lines(f"{head}\n{table}\n\ntotal difference: "
                              f"{format_kr(self.difference, signed=True)} kr\n")

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


def _describe(report: PayoutReport) -> str:
    parts = [f"{report.ruleset_id} {report.fingerprint[:19]}…"]
    if report.overrides:
        parts.append("; ".join(report.overrides))
    changed = report.non_default_policies
    if changed:
        parts.append(", ".join(f"{k}={v}" for k, v in changed.items()))
    return " | ".join(parts)


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

    return Comparison(base=_describe(base), variant=_describe(variant), rows=tuple(rows),
                      base_report=identity(base), variant_report=identity(variant))
