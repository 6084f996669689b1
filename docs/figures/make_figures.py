"""Write the charts docs/plots.md shows: the shipped country, examples/denmark.json.

    python docs/figures/make_figures.py [FOLDER]

Run from anywhere; it writes national.svg, cluster.svg, sweep.svg and
compare.svg into FOLDER (default: the folder of this script). Each is
drawn by :func:`kiaprules.reports.plot.render`, so the same kiaprules and
matplotlib write the same bytes: running it again changes a file only when
the computation or the chart changed. It needs the extra:
``pip install '.[plot]'``.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from kiaprules import compute_payouts, load_clusters, national_summary, sweep
from kiaprules.reports.plot import Draw, write_svgs

HERE = Path(__file__).resolve().parent
COUNTRY = HERE.parents[1] / "examples" / "denmark.json"
YEARS = range(2018, 2026)
#: A cluster with startup grants in later years and a clawback in 2019.
CLUSTER = "Hovedstaden 02"
#: What 2019-2021 would have paid at other rates than the carried 4.33 (I5).
WHAT_IF = "operating_rate@2019-2021=4.26"
RATES = [Decimal("4.00") + Decimal("0.05") * i for i in range(13)]  # 4.00 to 4.60


def charts() -> dict[str, Draw]:
    """Each figure's file name and what draws it."""
    country = load_clusters(COUNTRY)
    base = compute_payouts(country, years=YEARS, detail=False)
    variant = compute_payouts(country, years=YEARS, detail=False, overrides=[WHAT_IF])
    swept = sweep(country, [{"overrides": [f"operating_rate@2019-2021={rate}"]}
                            for rate in RATES], years=YEARS)
    return {
        "national.svg": national_summary(country, years=YEARS).plot,
        "cluster.svg": lambda *, ax: base.plot(CLUSTER, ax=ax),
        "sweep.svg": swept.plot,
        "compare.svg": base.compare(variant).plot,
    }


def main(folder: Path = HERE) -> list[Path]:
    """Write every figure into ``folder``; the paths written."""
    return write_svgs(charts(), folder)


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
