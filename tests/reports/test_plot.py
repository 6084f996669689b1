"""Charts (the extra kiaprules[plot]): what is drawn, read back from the Axes, never pixels.

Each chart is checked by what its Axes hold: the bars (one container a kind,
heights and bases equal to the amounts to the øre), the markers, the hatching
of years that rest on an unpublished figure, the legend, the title, the
footnote with the ruleset's fingerprint, and the tick labels in kroner. Then
what a chart must not do: import pyplot, change ``rcParams``, give different
bytes for the same inputs, or fail without a clear word when matplotlib is
missing. The ``--plot`` option of the command line is at the end.
"""

from __future__ import annotations

import builtins
import importlib.util
import io
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import matplotlib
import pytest
from conftest import EXAMPLE_CLUSTER, EXAMPLES, REPO_ROOT
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from kiaprules import (
    InputError,
    MissingExtraError,
    NationalSummary,
    PayoutReport,
    compute_payouts,
    load_clusters,
    national_summary,
    sweep,
)
from kiaprules.cli import main
from kiaprules.reports.plot import (
    ASSUMED_HATCH,
    ASSUMED_LABEL,
    COLOURS,
    kroner_label,
    render,
    swept_value,
)
from kiaprules.reports.whatif import Comparison
from kiaprules.synthetic import generate_country

KINDS = ["startup", "operating", "supplement", "clawback"]
ORE = Decimal("0.01")
YEARS = range(2018, 2026)
[KOEGE] = load_clusters(EXAMPLE_CLUSTER)


@pytest.fixture(scope="module")
def summary() -> NationalSummary:
    return national_summary(load_clusters(EXAMPLES / "denmark.json"), years=YEARS)


@pytest.fixture(scope="module")
def report() -> PayoutReport:
    return compute_payouts(KOEGE, years=YEARS)


@pytest.fixture(scope="module")
def comparison(report: PayoutReport) -> Comparison:
    variant = compute_payouts(KOEGE, years=YEARS, overrides=["operating_rate@2019-2021=4.26"],
                              policies={"clawback": "never"})
    return report.compare(variant)


@pytest.fixture(scope="module")
def small_country() -> Any:
    return generate_country(seed=1, scale=0.1)


def money(value: float) -> Decimal:
    """A drawn float read back to the øre."""
    return Decimal(value).quantize(ORE)


def bars(ax: Axes) -> dict[str, BarContainer]:
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


def line(ax: Axes, label: str) -> Line2D:
    [found] = [ln for ln in ax.get_lines() if ln.get_label() == label]
    return found


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def footnote(ax: Axes) -> str:
    [note] = [t.get_text() for t in ax.texts if t.get_text().startswith(("ruleset", "base"))]
    return note


def tick_labels(ax: Axes, axis: str = "y") -> list[str]:
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    figure.draw_without_rendering()  # the formatter writes the labels when drawn
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


# --- the national summary ----------------------------------------------------------------


def test_the_summary_is_a_bar_a_year_and_kind_each_as_high_as_its_amount(
        summary: NationalSummary) -> None:
    ax = summary.plot()
    drawn = bars(ax)
    assert list(drawn) == KINDS
    for kind, container in drawn.items():
        assert len(container) == len(summary.rows)
        for rect, row in zip(container, summary.rows, strict=True):
            assert rect.get_x() + rect.get_width() / 2 == row.year
            assert money(rect.get_height()) == getattr(row, kind), (kind, row.year)


def test_the_summary_stacks_kinds_upward_and_hangs_clawbacks_below_zero(
        summary: NationalSummary) -> None:
    ax = summary.plot()
    drawn = bars(ax)
    at = {kind: {r.get_x() + r.get_width() / 2: r for r in c} for kind, c in drawn.items()}
    row = next(r for r in summary.rows if r.year == 2019)  # all four kinds
    assert at["startup"][2019].get_y() == 0
    assert money(at["operating"][2019].get_y()) == row.startup
    assert money(at["supplement"][2019].get_y()) == row.startup + row.operating
    assert row.clawback < 0
    assert at["clawback"][2019].get_y() == 0
    assert money(at["clawback"][2019].get_height()) == row.clawback
    total = line(ax, "total")
    assert list(total.get_xdata()) == [r.year for r in summary.rows]
    assert [money(y) for y in total.get_ydata()] == [r.total for r in summary.rows]


def test_the_summary_hatches_the_years_that_rest_on_an_unpublished_figure(
        summary: NationalSummary) -> None:
    ax = summary.plot()
    assumed = {r.year for r in summary.rows if r.rests_on_assumption}
    assert assumed == {2019, 2020, 2021, 2022, 2023, 2024}  # docs/national.md's notes
    for container in bars(ax).values():
        for rect, row in zip(container, summary.rows, strict=True):
            assert (rect.get_hatch() == ASSUMED_HATCH) == (row.year in assumed), row.year
    assert legend_texts(ax) == [*KINDS, "total", ASSUMED_LABEL]
    legend = ax.get_legend()
    assert legend is not None
    assert legend.legend_handles[-1].get_hatch() == ASSUMED_HATCH  # type: ignore[union-attr]


def test_a_summary_without_assumptions_has_no_hatching_and_no_legend_entry_for_it() -> None:
    summary = national_summary(KOEGE, years=[2018, 2025])
    ax = summary.plot()
    assert not any(r.get_hatch() for c in bars(ax).values() for r in c)
    assert ASSUMED_LABEL not in legend_texts(ax)
    assert list(bars(ax)) == ["startup", "operating"]  # a kind paid in no year is left out


def test_the_summary_s_title_ticks_and_footnote(summary: NationalSummary) -> None:
    ax = summary.plot()
    assert ax.get_title(loc="left") == "Paid to all clusters per year 2018–2025, by kind"
    assert tick_labels(ax, "x") == [str(y) for y in YEARS]
    labels = tick_labels(ax)
    assert "0 kr" in labels and "40,000,000 kr" in labels
    assert all(label.endswith(" kr") for label in labels)
    assert footnote(ax) == f"ruleset dk-kiap {summary.fingerprint}"
    assert summary.fingerprint.startswith("sha256:")


def test_money_withheld_is_not_drawn_and_the_footnote_says_how_much() -> None:
    summary = national_summary([KOEGE, attrs.evolve(_other_cluster(), cvr=None)],
                               years=[2019])
    assert summary.withheld > 0
    ax = summary.plot()
    assert money(line(ax, "total").get_ydata()[0]) == summary.total
    assert "not drawn: " in footnote(ax) and "kr withheld" in footnote(ax)


def _other_cluster() -> Any:
    [other] = generate_country(seed=1, scale=0.1)[:1]
    return other


# --- one cluster's payouts ---------------------------------------------------------------


def test_a_cluster_s_payouts_per_year_by_kind_clawbacks_below_zero(
        report: PayoutReport) -> None:
    ax = report.plot()
    [cluster] = report.clusters
    drawn = bars(ax)
    assert list(drawn) == KINDS
    for kind, container in drawn.items():
        for rect, year in zip(container, cluster.years, strict=True):
            assert money(rect.get_height()) == year.amount(kind)
    clawback = {r.get_x() + r.get_width() / 2: r for r in drawn["clawback"]}[2022]
    assert (clawback.get_y(), money(clawback.get_height())) == (0, Decimal("-20000.00"))
    assert [money(y) for y in line(ax, "total").get_ydata()] == [y.total for y in cluster.years]
    assert ax.get_title(loc="left") == "Køgeklyngen: payouts per year, by kind"
    hatched = {int(r.get_x() + r.get_width() / 2) for r in drawn["operating"] if r.get_hatch()}
    assert hatched == {y.year for y in cluster.years if y.rests_on_assumption} == {2019, 2020,
                                                                                   2021}
    assert [c.get_facecolor() for c in (drawn["startup"][0],)] == \
        [matplotlib.colors.to_rgba(COLOURS["startup"])]


def test_a_report_of_several_clusters_plots_the_one_named(small_country: Any) -> None:
    report = compute_payouts(small_country, years=YEARS, detail=False)
    with pytest.raises(InputError, match="12 clusters; name the one to plot") as refused:
        report.plot()
    assert refused.value.field == "cluster"
    name = report.clusters[3].name
    ax = report.plot(name)
    assert ax.get_title(loc="left").startswith(name)
    assert [money(y) for y in line(ax, "total").get_ydata()] == \
        [y.total for y in report.cluster(name).years]
    with pytest.raises(InputError, match="no cluster named"):
        report.plot("Nowhere")


def test_a_withheld_year_has_no_bars_and_says_withheld() -> None:
    report = compute_payouts(attrs.evolve(KOEGE, cvr=None), years=[2019, 2020])
    assert all(y.withheld for _, y in report)
    ax = report.plot()
    assert bars(ax) == {}
    assert [t.get_text() for t in ax.texts if t.get_text() == "withheld"] == ["withheld"] * 2
    assert [money(y) for y in line(ax, "total").get_ydata()] == [Decimal("0.00")] * 2


def test_the_footnote_names_the_ruleset_and_the_what_if() -> None:
    report = compute_payouts(KOEGE, years=YEARS, overrides=["operating_rate@2019=4.26"],
                             policies={"clawback": "never"})
    assert footnote(report.plot()).splitlines() == [
        f"ruleset dk-kiap {report.fingerprint}",
        "overrides: operating_rate = 4.26 from 2019-01-01 to 2020-01-01",
        "policies: clawback=never",
    ]


def test_a_chart_draws_into_the_axes_it_is_given(report: PayoutReport,
                                                 summary: NationalSummary) -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert report.plot(ax=left) is left
    assert summary.plot(ax=right) is right
    assert figure.axes == [left, right]
    assert len(bars(left)["operating"]) == 8 and len(bars(right)["operating"]) == 8


def test_a_name_is_drawn_as_written_never_as_a_formula() -> None:
    report = compute_payouts(attrs.evolve(KOEGE, name=r"Klynge $\frac$"), years=[2019])
    assert report.plot().get_title(loc="left") == r"Klynge $\frac$: payouts per year, by kind"
    assert b"Klynge" in render(report.plot, "svg")  # a formula would fail to parse


# --- comparisons -------------------------------------------------------------------------


def test_a_comparison_draws_the_differences_per_year_by_kind(comparison: Comparison) -> None:
    ax = comparison.plot()
    drawn = bars(ax)
    assert list(drawn) == ["operating", "clawback"]  # only what changed
    by_year = {k: {int(r.get_x() + r.get_width() / 2): money(r.get_height()) for r in c}
               for k, c in drawn.items()}
    assert by_year["operating"][2019] == Decimal("-0.07") * 19210 == Decimal("-1344.70")
    assert by_year["clawback"][2022] == Decimal("20000.00")
    assert by_year["operating"][2018] == by_year["clawback"][2019] == 0
    net = line(ax, "net difference")
    assert dict(zip(net.get_xdata(), (money(y) for y in net.get_ydata()), strict=True)) == \
        {r.year: r.difference for r in comparison.rows}
    assert ax.get_title(loc="left") == "Difference per year, variant − base, by kind"
    assert legend_texts(ax) == ["operating", "clawback", "net difference"]


def test_a_comparison_adds_up_every_cluster_s_difference_in_a_year(small_country: Any) -> None:
    base = compute_payouts(small_country, years=YEARS, detail=False)
    variant = compute_payouts(small_country, years=YEARS, detail=False,
                              overrides=["operating_rate@2019-2021=4.26"])
    comparison = base.compare(variant)
    net = line(comparison.plot(), "net difference")
    for year, drawn in zip(net.get_xdata(), net.get_ydata(), strict=True):
        assert money(drawn) == sum(r.difference for r in comparison.rows if r.year == year)


def test_a_comparison_s_footnote_names_both_rulesets_and_what_the_variant_changes(
        comparison: Comparison) -> None:
    assert footnote(comparison.plot()).splitlines() == [
        f"base: ruleset dk-kiap {comparison.base_report['fingerprint']}",
        f"variant: ruleset dk-kiap {comparison.variant_report['fingerprint']}",
        "  overrides: operating_rate = 4.26 from 2019-01-01 to 2022-01-01",
        "  policies: clawback=never",
    ]
    by_hand = Comparison(base="the base", variant="the variant", rows=comparison.rows)
    assert footnote(by_hand.plot()) == "base: the base\nvariant: the variant"


def test_no_differences_is_said_on_the_chart(report: PayoutReport) -> None:
    ax = report.compare(report).plot()
    assert bars(ax) == {}
    assert "no differences" in [t.get_text() for t in ax.texts]


# --- sweeps ------------------------------------------------------------------------------

RATES = ("4.40", "4.00", "4.26")


def test_a_sweep_of_one_rate_is_its_total_against_the_rate(small_country: Any) -> None:
    result = sweep(small_country, [{"overrides": [f"operating_rate@2019-2021={v}"]}
                                   for v in RATES], years=YEARS)
    ax = result.plot()
    totals = line(ax, "total")
    assert list(totals.get_xdata()) == [4.0, 4.26, 4.4]  # in order of the value
    by_rate = {Decimal(v): r.total for v, r in zip(RATES, result.rows, strict=True)}
    assert [money(y) for y in totals.get_ydata()] == [by_rate[Decimal(v)]
                                                     for v in ("4.00", "4.26", "4.40")]
    base = line(ax, f"base: {result.base.total:,.2f} kr")
    assert money(base.get_ydata()[0]) == result.base.total
    assert ax.get_xlabel() == "operating_rate from 2019-01-01 to 2022-01-01"
    assert ax.get_title(loc="left") == "Total 2018–2025 against operating_rate"
    assert footnote(ax) == f"ruleset dk-kiap {result.fingerprint}"
    assumed = [r for r in result.rows if r.assumptions]
    if assumed:
        assert len(line(ax, ASSUMED_LABEL).get_xdata()) == len(assumed)


def test_one_year_is_named_once_not_as_a_span() -> None:
    result = sweep([KOEGE], [{"overrides": [f"operating_rate@2024={v}"]}
                             for v in ("3.50", "3.60")], years=[2024])
    ax = result.plot()
    assert ax.get_title(loc="left") == "Total 2024 against operating_rate"
    assert ax.get_ylabel() == "total 2024"
    assert f"{result.fingerprint}; year 2024; 2 variants" in result.to_table()
    assert national_summary(KOEGE, years=[2024]).plot().get_title(loc="left") == \
        "Paid to all clusters per year 2024, by kind"


def test_a_sweep_of_other_variants_is_a_bar_a_variant(small_country: Any) -> None:
    result = sweep(small_country, [
        {"name": "4.26 in 2019-2021", "overrides": ["operating_rate@2019-2021=4.26"]},
        {"name": "pro rata founding year", "policies": {"founding_year": "pro_rata"}},
    ], years=YEARS)
    assert swept_value(result) is None
    ax = result.plot()
    [container] = ax.containers
    rows = (result.base, *result.rows)
    assert [money(r.get_height()) for r in container] == [r.total for r in rows]
    assert tick_labels(ax, "x") == ["base", "4.26 in 2019-2021", "pro rata founding year"]
    assert [bool(r.get_hatch()) for r in container] == [bool(r.assumptions) for r in rows]
    assert ax.get_title(loc="left") == "Total 2018–2025 per variant"


@pytest.mark.parametrize(("variants", "swept"), [
    ([["operating_rate@2019=4.26"], ["operating_rate@2019=4.30"]],
     ("operating_rate", "2019-01-01 to 2020-01-01", ["4.26", "4.30"])),
    ([["operating_rate@2019=4.26"], ["operating_rate@2020=4.30"]], None),  # two spans
    ([["operating_rate@2019=4.26"], ["startup_grant@2019=9000"]], None),  # two parameters
    ([["operating_rate@2019=4.26", "operating_rate@2020=4.26"]], None),  # two overrides
    ([["payout_day@2019=04-01"]], None),  # not a number
    ([], None),  # nothing swept
])
def test_what_a_sweep_varies(small_country: Any, variants: list[list[str]],
                             swept: tuple[str, str, list[str]] | None) -> None:
    result = sweep(small_country[:2], [{"overrides": v} for v in variants], years=[2019],
                   overrides=["startup_grant@2018=10000"])
    found = swept_value(result)
    assert found == (None if swept is None
                     else (swept[0], swept[1], [Decimal(v) for v in swept[2]]))


def test_a_sweep_whose_variant_adds_text_that_is_not_an_override_varies_nothing(
        small_country: Any) -> None:
    result = sweep(small_country[:2], [{"overrides": ["operating_rate@2019=4.26"]}],
                   years=[2019])
    assert swept_value(result) is not None
    odd = attrs.evolve(result.rows[0], overrides=("operating_rate set by hand",))
    assert swept_value(attrs.evolve(result, rows=(odd,))) is None


def test_a_result_without_years_draws_empty_axes() -> None:
    summary = national_summary(KOEGE, years=[])
    ax = summary.plot()
    assert (ax.containers, ax.get_legend()) == ([], None)
    assert len(ax.get_lines()) == 1  # the zero line, and no totals
    assert ax.get_title(loc="left") == "Paid to all clusters per year, by kind"
    assert footnote(ax) == f"ruleset dk-kiap {summary.fingerprint}"


# --- the axis in kroner, and money as float only when drawn ------------------------------


@pytest.mark.parametrize(("value", "label"), [
    (0.0, "0 kr"), (-0.0, "0 kr"), (1e-9, "0 kr"), (1234567.0, "1,234,567 kr"),
    (-190000.0, "-190,000 kr"), (2.5, "2.50 kr"), (0.125, "0.13 kr"), (4e8, "400,000,000 kr"),
    (float("nan"), ""),
])
def test_a_tick_in_kroner(value: float, label: str) -> None:
    assert kroner_label(value, 0) == label


def test_every_chart_s_vertical_axis_is_in_kroner(summary: NationalSummary,
                                                  report: PayoutReport,
                                                  comparison: Comparison,
                                                  small_country: Any) -> None:
    swept = sweep(small_country, [{"overrides": ["operating_rate@2019=4.26"]}], years=YEARS)
    for ax in (summary.plot(), report.plot(), comparison.plot(), swept.plot()):
        assert ax.yaxis.get_major_formatter()(1234567.0) == "1,234,567 kr"


# --- what a chart must not do ------------------------------------------------------------


def _all_charts() -> list[Callable[..., object]]:
    summary = national_summary(KOEGE, years=YEARS)
    report = compute_payouts(KOEGE, years=YEARS)
    swept = sweep(KOEGE, [{"overrides": ["operating_rate@2019=4.26"]}], years=YEARS)
    return [summary.plot, report.plot, report.compare(report).plot, swept.plot]


@pytest.mark.parametrize("how", ["sys.modules", "__import__"])
def test_without_matplotlib_a_chart_names_the_extra_to_install(
        monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    charts = _all_charts()
    if how == "sys.modules":
        monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # type: ignore[arg-type]
    else:
        real = builtins.__import__

        def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return real(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", refuse)
    for chart in [*charts, lambda: render(charts[0], "svg")]:
        with pytest.raises(MissingExtraError) as missing:
            chart()
        assert "pip install 'kiaprules[plot]'" in str(missing.value)
        assert str(missing.value).startswith("charts need matplotlib")
        assert isinstance(missing.value, ImportError)
        assert (missing.value.extra, missing.value.name) == ("plot", "matplotlib")


def test_a_chart_is_the_same_bytes_every_time_and_leaves_rcparams_alone(
        report: PayoutReport) -> None:
    before = dict(matplotlib.rcParams)
    svg = render(report.plot, "svg")
    assert svg.startswith(b"<?xml") and b"<dc:date>" not in svg
    assert render(report.plot, "svg") == svg
    # The caller's settings (or a matplotlibrc) do not change the file.
    with matplotlib.rc_context({"font.size": 30, "svg.hashsalt": "theirs",
                                "axes.prop_cycle": matplotlib.cycler(color=["red"])}):
        assert render(report.plot, "svg") == svg
        assert matplotlib.rcParams["svg.hashsalt"] == "theirs"
    assert dict(matplotlib.rcParams) == before
    assert render(report.plot, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_render_refuses_a_format_it_does_not_write(report: PayoutReport) -> None:
    with pytest.raises(InputError, match="must be one of png, svg, got 'pdf'"):
        render(report.plot, "pdf")


def test_no_chart_imports_pyplot() -> None:
    code = ("import sys\n"
            "from kiaprules import compute_payouts, load_clusters, national_summary\n"
            "from kiaprules.reports.plot import render\n"
            "clusters = load_clusters('examples/koegeklyngen.toml')\n"
            "report = compute_payouts(clusters)\n"
            "for draw in (report.plot, report.compare(report).plot,\n"
            "             national_summary(clusters).plot):\n"
            "    draw(); render(draw, 'png'); render(draw, 'svg')\n"
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib.pyplot')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=EXAMPLES.parent).stdout
    assert out.strip() == "[]"


# --- the docs' figures -------------------------------------------------------------------

FIGURES = REPO_ROOT / "docs" / "figures"
TITLES = {"national.svg": "Paid to all clusters per year 2018–2025, by kind",
          "cluster.svg": "Hovedstaden 02: payouts per year, by kind",
          "compare.svg": "Difference per year, variant − base, by kind",
          "sweep.svg": "Total 2018–2025 against operating_rate"}


#: The charts docs/analysis.md shows, by docs/figures/make_analysis_figures.py.
ANALYSIS_TITLES = {"analysis-national.svg": "Paid to all clusters per year 2018–2026, by kind",
                   "analysis-compare.svg": "Difference per year, variant − base, by kind",
                   "analysis-sweep.svg": "Total 2026 against operating_rate",
                   "analysis-cluster.svg": "Sjælland 11: payouts per year, by kind"}


def _script(name: str) -> Any:
    """A script of docs/figures, imported from its file."""
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), FIGURES / name)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def _check_figures(script_name: str, page_name: str, titles: dict[str, str],
                   tmp_path: Path) -> None:
    """The script writes the figures the page links to, titled so, as committed."""
    written = _script(script_name).main(tmp_path)
    assert sorted(p.name for p in written) == sorted(titles)
    page = (REPO_ROOT / "docs" / page_name).read_text(encoding="utf-8")
    for path in written:
        assert f"](figures/{path.name})" in page
        drawn = path.read_bytes()
        assert f"<!-- {titles[path.name]} -->".encode() in drawn
        committed = (FIGURES / path.name).read_bytes()
        # The same matplotlib writes the same bytes; another version may lay out
        # text differently, so the committed file is compared under its own only.
        made_by = re.search(rb"Matplotlib v([^,\s]+)", committed)
        assert made_by is not None
        if made_by[1].decode() == matplotlib.__version__:
            assert drawn == committed, f"run python docs/figures/{script_name} ({path.name})"


def test_the_docs_figures_are_what_the_script_writes_and_the_page_shows(tmp_path: Path) -> None:
    _check_figures("make_figures.py", "plots.md", TITLES, tmp_path)


def test_the_analysis_figures_are_what_the_script_writes_and_the_page_shows(
        tmp_path: Path) -> None:
    _check_figures("make_analysis_figures.py", "analysis.md", ANALYSIS_TITLES, tmp_path)


def test_the_analysis_figures_draw_what_the_page_computes() -> None:
    """The script's constants are the page's: the same years, override, rates and cluster."""
    script = _script("make_analysis_figures.py")
    page = (REPO_ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    years, rates = script.YEARS, script.RATES_2026
    assert years == range(2018, 2027) and ">>> YEARS = range(2018, 2027)" in page
    assert f'overrides=["{script.WHAT_IF}"]' in page
    assert rates == [Decimal("3.50") + Decimal("0.05") * i for i in range(11)]
    assert 'rates = [Decimal("3.50") + Decimal("0.05") * i for i in range(11)]' in page
    assert f'report.plot(cluster="{script.CLUSTER}")' in page


# --- the command line: --plot FILE -------------------------------------------------------


def cli(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue(), capsys.readouterr().err


def test_national_plot_writes_the_chart_and_still_prints_the_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "national.svg"
    status, out, err = cli(["national", str(EXAMPLE_CLUSTER), "--years", "2018-2025",
                            "--plot", str(target)], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("year ")
    svg = target.read_bytes()
    assert b"Paid to all clusters per year 2018" in svg
    assert svg == render(national_summary(KOEGE, years=YEARS).plot, "svg")


def test_payouts_plot_draws_the_one_cluster(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "koege.PNG"
    status, out, err = cli(["payouts", str(EXAMPLE_CLUSTER), "--format", "json",
                            "--plot", str(target)], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("{")
    assert target.read_bytes().startswith(b"\x89PNG")


def test_payouts_compare_plot_draws_the_differences(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "compare.svg"
    status, _, err = cli(["payouts", str(EXAMPLE_CLUSTER), "--set",
                          "operating_rate@2019-2021=4.26", "--compare", "--plot",
                          str(target)], capsys)
    assert (status, err) == (0, "")
    assert b"Difference per year" in target.read_bytes()


def test_sweep_plot_draws_the_total_against_the_swept_value(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "sweep.svg"
    argv = ["sweep", str(EXAMPLE_CLUSTER), "--parameter", "operating_rate@2024",
            "--values", "3.50,3.55,3.60", "--years", "2024"]
    status, out, err = cli([*argv, "--plot", str(target)], capsys)
    assert (status, err) == (0, "")
    assert out == cli(argv, capsys)[1]  # the table is printed as without --plot
    result = sweep(KOEGE, [{"name": f"operating_rate@2024={v}",
                            "overrides": [f"operating_rate@2024={v}"]}
                           for v in ("3.50", "3.55", "3.60")], years=[2024])
    assert target.read_bytes() == render(result.plot, "svg")


def test_a_bad_sweep_plot_file_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(["sweep", str(EXAMPLE_CLUSTER), "--parameter", "operating_rate@2024",
                            "--values", "3.50", "--plot", str(tmp_path / "x.pdf")], capsys)
    assert (status, out) == (2, "")
    assert err == f"kiaprules: error: --plot: must name a .png or .svg file, got " \
                  f"'{tmp_path / 'x.pdf'}'\n"


def test_the_same_command_writes_the_same_svg(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    files = [tmp_path / "a.svg", tmp_path / "b.svg"]
    for target in files:
        assert cli(["payouts", str(EXAMPLE_CLUSTER), "--plot", str(target)], capsys)[0] == 0
    assert files[0].read_bytes() == files[1].read_bytes()


@pytest.mark.parametrize(("argv", "message"), [
    (["payouts", str(EXAMPLES / "denmark.json"), "--plot", "{dir}/x.svg"],
     "kiaprules: error: --plot: a chart of payouts shows one cluster, and the files hold 116; "
     "give one cluster, or chart the differences with --compare"),
    (["payouts", str(EXAMPLE_CLUSTER), "--plot", "{dir}/x.pdf"],
     "kiaprules: error: --plot: must name a .png or .svg file, got '{dir}/x.pdf'"),
    (["national", str(EXAMPLE_CLUSTER), "--plot", "{dir}"],
     "kiaprules: error: --plot: must name a .png or .svg file, got '{dir}'"),
    (["national", str(EXAMPLE_CLUSTER), "--plot", "{dir}/missing/x.png"],
     "kiaprules: error: {dir}/missing/x.png: --plot: cannot be written (No such file or "
     "directory)"),
    (["payouts", str(EXAMPLE_CLUSTER), "--plot", "{dir}/folder.svg"],
     "kiaprules: error: {dir}/folder.svg: --plot: cannot be written (Is a directory)"),
])
def test_a_bad_plot_file_is_one_line_naming_the_option_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
        message: str) -> None:
    (tmp_path / "folder.svg").mkdir()
    status, out, err = cli([a.format(dir=tmp_path) for a in argv], capsys)
    assert (status, out, err) == (2, "", message.format(dir=tmp_path) + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.svg"]


def test_plot_without_matplotlib_fails_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # type: ignore[arg-type]
    target = tmp_path / "x.png"
    status, out, err = cli(["national", str(EXAMPLE_CLUSTER), "--plot", str(target)], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("kiaprules: error: --plot: charts need matplotlib "
                          "(pip install 'kiaprules[plot]'): ")
    assert err.count("\n") == 1 and not target.exists()
