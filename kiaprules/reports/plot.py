"""Charts of results (layer 4), drawn by matplotlib from the optional extra ``kiaprules[plot]``.

Four charts, each a method of the result it shows, each returning the
matplotlib ``Axes`` it drew into (a new figure's, or the ``ax`` handed in):

- ``summary.plot()`` (:class:`~kiaprules.reports.summary.NationalSummary`):
  what the whole country is paid each year, stacked by kind; a year whose
  total rests on a figure no source publishes is hatched, with a legend
  entry saying so;
- ``report.plot(cluster)`` (:class:`~kiaprules.engine.report.PayoutReport`):
  one cluster's payouts per year by kind, clawbacks below zero;
- ``sweep.plot()`` (:class:`~kiaprules.reports.sweep.Sweep`): the total
  against the swept value (or, when the variants are not one parameter set
  to several numbers, one bar a variant);
- ``comparison.plot()`` (:class:`~kiaprules.reports.whatif.Comparison`):
  the differences per year, variant − base, by kind.

Amounts on the vertical axis read in kroner with thousands separated by
commas, as :func:`~kiaprules.model.money.format_kr` writes them; the
ruleset's id and fingerprint (with any overrides and policies) stand in a
footnote beneath the axes; the title names what is shown.

**Money becomes float here, and only here.** Every amount is a ``Decimal``
to the øre until :func:`_float` hands it to matplotlib, which draws floats.
The stacking (where each bar starts) is added up in ``Decimal`` first, so a
bar's height and base are each the nearest float to an exact amount. A
chart is a picture of the numbers; the numbers themselves are the result's
``to_json()``, ``to_csv()`` and attributes.

matplotlib is imported when a chart is first drawn, never at module level:
``import kiaprules`` does not import it, and without it a chart raises
:class:`~kiaprules.errors.MissingExtraError` naming the extra. Only the
object API is used (``matplotlib.figure.Figure`` and its ``Axes``): no
pyplot, no GUI backend, and nothing of the caller's process (pyplot's
current figure, the global ``rcParams``) is touched. :func:`render` draws a
chart into PNG or SVG bytes under matplotlib's default style, whatever the
caller's settings, and the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from kiaprules._i18n import N_
from kiaprules._text import sanitize, year_span
from kiaprules.engine.report import KINDS, PayoutReport
from kiaprules.errors import InputError, MissingExtraError
from kiaprules.model.money import (
    ZERO,
    format_kr,
    parse_decimal,
    plus,
    round_ore,
    to_float,
    total,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from kiaprules.reports.summary import NationalSummary
    from kiaprules.reports.sweep import Sweep
    from kiaprules.reports.whatif import Comparison

__all__ = ["ASSUMED_HATCH", "ASSUMED_LABEL", "COLOURS", "EXTRA", "FORMATS", "Draw",
           "kroner_label", "plot_comparison", "plot_report", "plot_summary", "plot_sweep",
           "render", "require_matplotlib", "swept_value", "write_svgs"]

#: The optional extra that installs matplotlib.
EXTRA: Final = "plot"
_INSTALL: Final = f"pip install 'kiaprules[{EXTRA}]'"
#: The file formats :func:`render` writes.
FORMATS: Final = ("png", "svg")
#: One colour a kind of line, the same on every chart (Okabe and Ito's palette,
#: which readers with any common colour-vision deficiency can tell apart).
COLOURS: Final[Mapping[str, str]] = {"startup": "#0072B2", "operating": "#E69F00",
                                     "supplement": "#009E73", "clawback": "#D55E00"}
#: The hatching of a bar that rests on a figure no source publishes, and its legend entry.
ASSUMED_HATCH: Final = "//"
ASSUMED_LABEL: Final = "rests on a figure no source publishes"
_EDGE: Final = "0.25"
_TOTAL_COLOUR: Final = "black"
_FIGSIZE: Final = (9.0, 4.8)
#: Fixed so that the SVG's ids (hashes) are the same on every run.
_SVG_HASHSALT: Final = "kiaprules"


# --- matplotlib, from the extra --------------------------------------------------------


def _figure_class() -> type[Figure]:
    try:
        # deferred: matplotlib is the optional extra kiaprules[plot], and slow to import
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtraError(f"charts need matplotlib ({_INSTALL}): {exc}", extra=EXTRA,
                                module="matplotlib") from None
    return Figure


def require_matplotlib() -> None:
    """Raise :class:`~kiaprules.errors.MissingExtraError` unless matplotlib can be imported.

    The command line asks before it computes anything, so that ``--plot``
    without the extra fails at once.
    """
    _figure_class()


def _new_figure() -> Figure:
    return _figure_class()(figsize=_FIGSIZE, layout="constrained")


def _new_axes() -> Axes:
    return _new_figure().add_subplot()


def kroner_label(value: float, position: object = None) -> str:
    """A tick on an axis of kroner, as ``format_kr`` writes amounts, without ``.00``.

    matplotlib calls it with the tick's value (a float) and position.

    >>> kroner_label(1234567.0), kroner_label(-190000.0), kroner_label(0.5), kroner_label(-0.0)
    ('1,234,567 kr', '-190,000 kr', '0.50 kr', '0 kr')
    """
    if not math.isfinite(value):
        return ""
    return format_kr(round_ore(Decimal(value))).removesuffix(".00") + " kr"


def _kroner_axis(ax: Axes, label: str, *, zero_line: bool = True) -> None:
    # deferred: matplotlib is the optional extra kiaprules[plot]
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(kroner_label))
    ax.set_ylabel(label)
    if zero_line:  # the line bars stand on and clawbacks hang from
        ax.axhline(0, color=_EDGE, linewidth=0.8)


def _title(ax: Axes, text: str) -> None:
    # Names and labels come from data: sanitized, and never read as mathtext
    # (a "$" in a cluster's name is a dollar sign, not a formula).
    ax.set_title(sanitize(text), loc="left", parse_math=False)


#: A footnote's lines are wrapped at this many characters (a fingerprint is 71).
_FOOTNOTE_WIDTH: Final = 100


def _footnote(ax: Axes, lines: Iterable[str]) -> None:
    """Small text under the axes (below the tick labels): what the chart was computed from."""
    def under_the_x_axis(renderer: Any) -> Any:
        return ax.xaxis.get_tightbbox(renderer) or ax.bbox

    wrapped = [part for line in lines
               for part in textwrap.wrap(sanitize(line), _FOOTNOTE_WIDTH, subsequent_indent="  ",
                                         break_long_words=False, break_on_hyphens=False)]
    ax.annotate("\n".join(wrapped), xy=(0, 0),
                xycoords=under_the_x_axis, xytext=(0, -4), textcoords="offset points",
                ha="left", va="top", fontsize=7, color="0.3", parse_math=False,
                annotation_clip=False)


def _ruleset_lines(ruleset_id: str, fingerprint: str, overrides: Sequence[str] = (),
                   policies: Mapping[str, str] | None = None, *, side: str = "") -> list[str]:
    """What a result rests on, a line each: the ruleset, then any overrides and policies."""
    lines = [f"{side}ruleset {ruleset_id} {fingerprint}"]
    indent = "  " if side else ""
    if overrides:
        lines.append(f"{indent}overrides: " + "; ".join(overrides))
    if policies:
        lines.append(f"{indent}policies: "
                     + ", ".join(f"{k}={v}" for k, v in sorted(policies.items())))
    return lines


def _legend(ax: Axes, handles: Sequence[Any]) -> None:
    """The legend beside the axes, its entries in the order given."""
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False, fontsize="small")


def _assumed_handle() -> Any:
    # deferred: matplotlib is the optional extra kiaprules[plot]
    from matplotlib.patches import Patch

    return Patch(facecolor="white", edgecolor=_EDGE, hatch=ASSUMED_HATCH, label=ASSUMED_LABEL)


# --- bars by kind, a year each ---------------------------------------------------------


def _by_year(ax: Axes, years: Sequence[int], amounts: Mapping[str, Sequence[Decimal]],
             totals: Sequence[Decimal], assumed: Sequence[bool] = (),
             total_label: str = "total") -> None:
    """One bar a year and kind, stacked: amounts above zero upward, below zero downward.

    A kind that is zero in every year is left out (no bars, no legend entry).
    ``totals`` are marked on each year; a year flagged in ``assumed`` is hatched.
    """
    up = [ZERO] * len(years)
    down = [ZERO] * len(years)
    handles: list[Any] = []
    for kind in KINDS:
        values = amounts[kind]
        if not any(values):
            continue
        bottoms = []
        for i, value in enumerate(values):
            if not value:  # nothing to stack: a bar of no height at zero
                bottoms.append(ZERO)
                continue
            stack = up if value > 0 else down
            bottoms.append(stack[i])
            stack[i] = plus(stack[i], value)
        bars = ax.bar(years, [to_float(v) for v in values], bottom=[to_float(b) for b in bottoms],
                      width=0.7, color=COLOURS[kind], edgecolor=_EDGE, linewidth=0.4,
                      label=kind)
        for bar, hatched in zip(bars, assumed, strict=False):
            if hatched:
                bar.set_hatch(ASSUMED_HATCH)
        handles.append(bars)
    if years:
        handles += ax.plot(years, [to_float(t) for t in totals], linestyle="none", marker="D",
                           markersize=4, color=_TOTAL_COLOUR, label=total_label)
    if any(assumed):
        handles.append(_assumed_handle())
    ax.set_xticks(list(years), labels=[str(y) for y in years])
    _legend(ax, handles)


# --- the four charts -------------------------------------------------------------------


def plot_summary(summary: NationalSummary, *, ax: Axes | None = None) -> Axes:
    """``summary.plot()``: what all clusters are paid each year, stacked by kind.

    Clawbacks stand below zero, the year's total is marked with a diamond, and
    a year whose total rests on a figure no source publishes (the ``*`` of
    the table, ``SummaryRow.rests_on_assumption``) is hatched, with a legend
    entry saying so. Money withheld from clusters that do not meet the
    registration requirements is not paid, so not drawn; the footnote says
    how much.
    """
    ax = _new_axes() if ax is None else ax
    rows = summary.rows
    years = [r.year for r in rows]
    _by_year(ax, years, {k: [getattr(r, k) for r in rows] for k in KINDS},
             [r.total for r in rows], [r.rests_on_assumption for r in rows])
    span = f" {year_span(years)}" if years else ""
    _title(ax, f"Paid to all clusters per year{span}, by kind")
    _kroner_axis(ax, "paid in the year")
    notes = _ruleset_lines(summary.ruleset_id, summary.fingerprint, summary.overrides,
                           summary.policies)
    if summary.withheld:
        notes.append(f"not drawn: {format_kr(summary.withheld)} kr withheld from clusters "
                     "that do not meet the registration requirements")
    _footnote(ax, notes)
    return ax


def plot_report(report: PayoutReport, cluster: str | None = None, *,
                ax: Axes | None = None) -> Axes:
    """``report.plot(cluster)``: one cluster's payouts per year by kind, clawbacks below zero.

    ``cluster`` may be left out when the report has one cluster. What is
    paid is drawn (``YearPayout.paid``): a year withheld (C2) has no bars and
    says "withheld". A year resting on a figure no source publishes is
    hatched, as in :func:`plot_summary`.
    """
    if cluster is None:
        if len(report.clusters) != 1:
            raise InputError(f"the report has {len(report.clusters)} clusters; name the one "
                             "to plot", field="cluster", code="input.ambiguous")
        chosen = report.clusters[0]
    else:
        chosen = report.cluster(cluster)
    ax = _new_axes() if ax is None else ax
    years = chosen.years
    _by_year(ax, [y.year for y in years], {k: [y.paid(k) for y in years] for k in KINDS},
             [y.total for y in years],
             [y.rests_on_assumption and y.withheld is None for y in years])
    for y in years:
        if y.withheld is not None:
            ax.text(y.year, 0, "withheld", ha="center", va="bottom", rotation=90,
                    fontsize="small", color="0.3")
    _title(ax, f"{chosen.name}: payouts per year, by kind")
    _kroner_axis(ax, "paid for the year")
    _footnote(ax, _ruleset_lines(report.ruleset_id, report.fingerprint, report.overrides,
                                 report.non_default_policies))
    return ax


def plot_comparison(comparison: Comparison, *, ax: Axes | None = None) -> Axes:
    """``comparison.plot()``: the difference each year, variant − base, stacked by kind.

    Every cluster's differences are added up per year; the net difference
    is marked with a diamond. Without any difference, the chart says so.
    """
    ax = _new_axes() if ax is None else ax
    years = sorted({r.year for r in comparison.rows})
    kinds: dict[str, dict[int, list[Decimal]]] = {k: {y: [] for y in years} for k in KINDS}
    for row in comparison.rows:
        for kind, amount in row.by_kind:
            kinds[kind][row.year].append(amount)
    amounts: dict[str, list[Decimal]] = {k: [total(kinds[k][y]) for y in years] for k in KINDS}
    net = [total(amounts[k][i] for k in KINDS) for i in range(len(years))]
    if any(net) or any(any(v) for v in amounts.values()):
        _by_year(ax, years, amounts, net, total_label="net difference")
    else:
        ax.text(0.5, 0.5, "no differences", transform=ax.transAxes, ha="center",
                va="center", color="0.3")
        ax.set_xticks(years, labels=[str(y) for y in years])
    _title(ax, "Difference per year, variant − base, by kind")
    _kroner_axis(ax, "variant − base")
    _footnote(ax, _comparison_notes(comparison))
    return ax


def _comparison_notes(comparison: Comparison) -> list[str]:
    base, variant = comparison.base_report, comparison.variant_report
    if not base or not variant:  # made by hand, without the reports' identities
        return [f"base: {comparison.base}", f"variant: {comparison.variant}"]
    base_policies = base.get("policies", {})
    changed = {k: v for k, v in variant.get("policies", {}).items()
               if base_policies.get(k) != v}
    return [*_ruleset_lines(base["id"], base["fingerprint"], base["overrides"], side="base: "),
            *_ruleset_lines(variant["id"], variant["fingerprint"], variant["overrides"],
                            changed, side="variant: ")]


#: ``str(Override)``: "operating_rate = 4.26 from 2019-01-01 to 2020-01-01".
_OVERRIDE_TEXT: Final = re.compile(r"(?P<parameter>\S+) = (?P<value>.+) from (?P<span>.+)")


def swept_value(sweep: Sweep) -> tuple[str, str, list[Decimal]] | None:
    """(parameter, span, the value of each variant) when the sweep varies one number.

    That is when every variant adds exactly one override to the base's, all
    of the same parameter over the same dates, each a number, and no variant
    chooses other policies. Otherwise ``None``.
    """
    own = len(sweep.base.overrides)
    found = []
    for row in sweep.rows:
        added = row.overrides[own:]
        if len(added) != 1 or row.policies != sweep.base.policies:
            return None
        match = _OVERRIDE_TEXT.fullmatch(added[0])
        if match is None:
            return None
        try:
            value = parse_decimal(match["value"], what=N_("a number"))
        except InputError:
            return None
        found.append((match["parameter"], match["span"], value))
    if not found or len({(p, s) for p, s, _ in found}) != 1:
        return None
    return found[0][0], found[0][1], [v for _, _, v in found]


def plot_sweep(sweep: Sweep, *, ax: Axes | None = None) -> Axes:
    """``sweep.plot()``: the total over the sweep's years against the swept value.

    When every variant sets one parameter to a number (:func:`swept_value`),
    the totals are a line over those numbers, the base's total a dashed
    line across; otherwise each variant is a bar, the base first. A total
    resting on a figure no source publishes is a hollow marker (or a hatched
    bar), with a legend entry saying so.
    """
    ax = _new_axes() if ax is None else ax
    years = year_span(sweep.years)
    swept = swept_value(sweep)
    assumed_entry: list[Any] = []
    if swept is not None:
        parameter, span, values = swept
        points = sorted(zip(values, sweep.rows, strict=True), key=lambda p: p[0])
        xs = [to_float(v) for v, _ in points]
        ax.plot(xs, [to_float(r.total) for _, r in points], marker="o", markersize=4,
                color=COLOURS["operating"], label="total")
        hollow = [(x, r) for x, (_, r) in zip(xs, points, strict=True) if r.assumptions]
        if hollow:
            ax.plot([x for x, _ in hollow], [to_float(r.total) for _, r in hollow],
                    linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                    markeredgecolor=COLOURS["operating"], label=ASSUMED_LABEL)
        ax.axhline(to_float(sweep.base.total), color="0.4", linestyle="--", linewidth=1,
                   label=f"base: {format_kr(sweep.base.total)} kr")
        ax.set_xlabel(sanitize(f"{parameter} from {span}"), parse_math=False)
        ax.xaxis.get_major_formatter().set_useOffset(False)  # type: ignore[attr-defined]
        _title(ax, f"Total {years} against {parameter}")
    else:
        rows = (sweep.base, *sweep.rows)
        bars = ax.bar(range(len(rows)), [to_float(r.total) for r in rows], width=0.7,
                      color=["0.6", *(COLOURS["operating"],) * len(sweep.rows)],
                      edgecolor=_EDGE, linewidth=0.4)
        for bar, row in zip(bars, rows, strict=True):
            if row.assumptions:
                bar.set_hatch(ASSUMED_HATCH)
        if any(r.assumptions for r in rows):
            assumed_entry.append(_assumed_handle())
        ax.set_xticks(range(len(rows)), labels=[sanitize(r.name) for r in rows],
                      rotation=30, ha="right", parse_math=False)
        _title(ax, f"Total {years} per variant")
    _kroner_axis(ax, f"total {years}", zero_line=swept is None)
    _legend(ax, [*ax.get_legend_handles_labels()[0], *assumed_entry])
    _footnote(ax, _ruleset_lines(sweep.ruleset_id, sweep.fingerprint, sweep.base.overrides,
                                 sweep.base.policies))
    return ax


# --- files -----------------------------------------------------------------------------


class Draw(Protocol):
    """What :func:`render` calls to draw a chart: any result's ``plot`` method."""

    def __call__(self, *, ax: Axes) -> object: ...


def render(draw: Draw, fmt: str) -> bytes:
    """A chart as PNG or SVG bytes: ``draw(ax=...)`` draws into the axes of a new figure.

    Drawn under matplotlib's default style (a ``matplotlibrc`` of the user's
    does not change it) and, for SVG, without a date and with fixed ids, so
    that the same inputs give the same bytes. The settings hold only inside
    this call (``rc_context``): the caller's ``rcParams`` are as they were.

    >>> from kiaprules import compute_payouts, load_clusters
    >>> report = compute_payouts(load_clusters("examples/koegeklyngen.toml"))
    >>> svg = render(report.plot, "svg")
    >>> svg.startswith(b"<?xml") and svg == render(report.plot, "svg")
    True
    """
    if fmt not in FORMATS:
        raise InputError(f"must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format",
                         code="input.unknown_format")
    require_matplotlib()
    # deferred: matplotlib is the optional extra kiaprules[plot] (binds ``matplotlib`` too)
    import matplotlib.style

    buffer = io.BytesIO()
    with matplotlib.style.context("default"), \
            matplotlib.rc_context({"svg.hashsalt": _SVG_HASHSALT}):
        figure = _new_figure()
        draw(ax=figure.add_subplot())
        metadata = {"Date": None} if fmt == "svg" else None
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


def write_svgs(charts: Mapping[str, Draw], folder: Path) -> list[Path]:
    """Write each chart as ``folder / name`` in SVG (:func:`render`); the paths written.

    The figure scripts of the docs (docs/figures/) write their charts with it.
    """
    written = []
    for name, draw in charts.items():
        path = folder / name
        path.write_bytes(render(draw, "svg"))
        written.append(path)
    return written
