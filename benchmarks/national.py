"""The national computation 2018–2025: input, computation alone, explanations, memory;
OpenFisca on the same data in the same run; every total checked to the øre.

    python benchmarks/national.py [--json FILE] [--quick]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import exact
from benchmarks._common import (
    DENMARK,
    YEARS,
    arguments,
    compare,
    kiaprules_ore,
    machine,
    ms,
    openfisca_ore,
    timed,
    toml_files,
    write_json,
)


def peak(fn: Any) -> tuple[Any, int]:
    """``fn()`` and the peak of memory it allocated (tracemalloc), in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, top


def main() -> int:
    args = arguments(__doc__ or "")
    n = 5 if args.quick else 25
    from kiaprules import compute_payouts, load_clusters, load_ruleset

    figures: dict[str, Any] = {"machine": machine()}
    ruleset = load_ruleset("dk-kiap")
    clusters = load_clusters(DENMARK)
    tomls = toml_files()

    # --- input ------------------------------------------------------------------------
    figures["input"] = {
        "bulk_json": timed(lambda: load_clusters(DENMARK), n),
        "toml_116_files": timed(lambda: load_clusters(tomls), max(3, n // 5)),
        "bulk_json_bytes": DENMARK.stat().st_size,
    }

    # --- computation alone ----------------------------------------------------------------
    def fast() -> Any:
        return compute_payouts(clusters, ruleset, years=YEARS, detail=False)

    def detailed() -> Any:
        return compute_payouts(clusters, ruleset, years=YEARS)

    def explained() -> list[str]:
        report = detailed()
        return [report.explain(c.name, y.year).to_text() for c, y in report]

    report = fast()
    clinic_years = sum(y.clinics for _, y in report)
    cluster_years = sum(1 for _ in report)
    figures["size"] = {"clusters": len(clusters), "cluster_years": cluster_years,
                       "clinic_years": clinic_years,
                       "memberships": sum(len(c.memberships) for c in clusters)}
    figures["kiaprules"] = {
        "computation_fast": timed(fast, n),
        "computation_detail": timed(detailed, n),
        "computation_with_every_explanation": timed(explained, max(3, n // 3)),
        "explanations": len(explained()),
        "peak_bytes_fast": peak(fast)[1],
        "peak_bytes_detail": peak(detailed)[1],
        "peak_bytes_with_every_explanation": peak(explained)[1],
    }

    # --- OpenFisca, same data, same run ---------------------------------------------------------
    start = time.perf_counter()
    from benchmarks.openfisca_kiap.data import Inputs, calculate
    from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem

    system = KiapTaxBenefitSystem()
    setup = time.perf_counter() - start
    inputs = Inputs.read(str(DENMARK), YEARS)

    def of_float() -> Any:
        return calculate(inputs.simulation(system), "payout", YEARS)

    def of_ore() -> Any:
        return calculate(inputs.simulation(system), "payout_ore", YEARS)

    def of_build() -> Any:
        return inputs.simulation(system)

    def calculation_only(variable: str) -> dict[str, float]:
        """The calculation on a fresh simulation each time (a simulation caches results)."""
        times = []
        for _ in range(n):
            simulation = inputs.simulation(system)
            begin = time.perf_counter()
            calculate(simulation, variable, YEARS)
            times.append(time.perf_counter() - begin)
        return {"median": statistics.median(times), "min": min(times), "runs": n}

    figures["openfisca"] = {
        "import_and_system": setup,
        "read_inputs": timed(lambda: Inputs.read(str(DENMARK), YEARS), max(3, n // 3)),
        "build_simulation": timed(of_build, n),
        "computation_float": timed(of_float, n),
        "computation_ore": timed(of_ore, n),
        "calculation_only_float": calculation_only("payout"),
        "peak_bytes_float": peak(of_float)[1],
    }
    k = figures["kiaprules"]
    o = figures["openfisca"]
    figures["ratios"] = {
        # OpenFisca's computation is a simulation built from the inputs, then calculated;
        # kiaprules' takes the loaded clusters. Both are given their inputs in memory.
        "computation_fast_vs_openfisca_float": k["computation_fast"]["median"]
        / o["computation_float"]["median"],
    }

    # --- to the øre -------------------------------------------------------------------------
    ours = kiaprules_ore(report)
    reference = {key: v["total"] for key, v in exact.totals(
        exact.quantities(exact.read(str(DENMARK)), YEARS)).items()}
    figures["check"] = {
        "kiaprules_vs_exact": compare(reference, ours),
        "openfisca_ore_vs_kiaprules": compare(ours, openfisca_ore(inputs.names, of_ore(),
                                                                  is_ore=True)),
        "openfisca_float_vs_kiaprules": compare(ours, openfisca_ore(inputs.names, of_float(),
                                                                    is_ore=False)),
        "national_total_ore": sum(ours.values()),
        "openfisca_float_national_total": sum(float(v.sum()) for v in of_float().values()),
    }
    write_json(args.json, figures)

    f = figures
    print(f"machine: {f['machine']}")
    print(f"country: {f['size']}")
    print(f"input: bulk JSON {ms(f['input']['bulk_json']['median'])} "
          f"(116 TOML files {ms(f['input']['toml_116_files']['median'])})")
    for key in ("computation_fast", "computation_detail", "computation_with_every_explanation"):
        print(f"kiaprules {key}: median {ms(k[key]['median'])}, min {ms(k[key]['min'])}")
    for key in ("peak_bytes_fast", "peak_bytes_detail", "peak_bytes_with_every_explanation"):
        print(f"kiaprules {key}: {k[key] / 1e6:.1f} MB")
    print(f"openfisca import+system {ms(o['import_and_system'])}, build simulation "
          f"{ms(o['build_simulation']['median'])}, computation float "
          f"{ms(o['computation_float']['median'])}, øre {ms(o['computation_ore']['median'])}")
    print(f"ratio kiaprules/openfisca computation: {f['ratios']}")
    for key, value in f["check"].items():
        print(f"{key}: {value if not isinstance(value, dict) else {x: value[x] for x in ('compared', 'disagreements', 'largest_ore')}}")  # noqa: E501
    return 0


if __name__ == "__main__":
    sys.exit(main())
