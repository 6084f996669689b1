"""Write the charts docs/analysis.md shows: the shipped country, examples/denmark.json.

    python docs/figures/make_analysis_figures.py [FOLDER]

Run from anywhere; it writes analysis-national.svg, analysis-compare.svg,
analysis-sweep.svg and analysis-cluster.svg into FOLDER (default: the folder
of this script). The computations are the page's own (the same years,
override, rates and cluster); each chart is drawn by
:func:`kiaprules.reports.plot.render`, so the same kiaprules and matplotlib
write the same bytes: running it again changes a file only when the
computation or the chart changed. It needs the extra:
``pip install '.[plot]'``.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from kiaprules import compare_reports, compute_payouts, load_clusters, national_summary, sweep
from kiaprules.reports.plot import Draw, write_svgs

HERE = Path(__file__).resolve().parent
COUNTRY = HERE.parents[1] / "examples" / "denmark.json"
#: Every year the shipped country has patient counts for.
YEARS = range(2018, 2027)
#: The rate the Guide's worked examples print for "de efterfølgende år", instead of the
#: carried 4.33 (I5).
WHAT_IF = "operating_rate@2019-2021=4.26"
#: The 2026 operating rate, which no source publishes: 3.50 to 4.00 kr.
RATES_2026 = [Decimal("3.50") + Decimal("0.05") * i for i in range(11)]
#: A cluster founded in 2019 with late joiners, a clawback and switches in.
CLUSTER = "Sjælland 11"


def charts() -> dict[str, Draw]:
    """Each figure's file name and what draws it."""
    country = load_clusters(COUNTRY)
    base = compute_payouts(country, years=YEARS, detail=False)
    variant = compute_payouts(country, years=YEARS, detail=False, overrides=[WHAT_IF])
    swept = sweep(country, [{"name": f"{rate} kr", "overrides": [f"operating_rate@2026={rate}"]}
                            for rate in RATES_2026], years=[2026])
    return {
        "analysis-national.svg": national_summary(country, years=YEARS).plot,
        "analysis-compare.svg": compare_reports(base, variant).plot,
        "analysis-sweep.svg": swept.plot,
        "analysis-cluster.svg": lambda *, ax: base.plot(cluster=CLUSTER, ax=ax),
    }


def main(folder: Path = HERE) -> list[Path]:
    """Write every figure into ``folder``; the paths written."""
    return write_svgs(charts(), folder)


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
