"""A sweep of 1,000 rate variants over the national data, and OpenFisca re-running a
reform per variant; every variant's total checked to the øre.

    python benchmarks/sweep.py [--json FILE] [--quick] [--openfisca-variants N]

Variant i sets the unpublished operating rate of 2019–2021 to 4.0000 + i/10000 kr
(four decimals, so that every operating line of those years is rounded to the
øre). kiaprules sweeps all 1,000 with one aggregation; OpenFisca builds a
reform and a simulation per variant, timed on N variants spread over the
range (default 40) and reported per variant. Every kiaprules total is checked
against the independent exact computation; the OpenFisca variants against
kiaprules, in øre (int model) and in float32 (OpenFisca's money).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import exact
from benchmarks._common import DENMARK, YEARS, machine, ms, ore, write_json

VARIANTS = 1_000


def rate(i: int) -> Decimal:
    return Decimal("4.0000") + Decimal(i) / 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--openfisca-variants", type=int, default=40)
    args = parser.parse_args()
    from kiaprules import load_clusters, load_ruleset, sweep

    ruleset = load_ruleset("dk-kiap")
    clusters = load_clusters(DENMARK)
    variants = [{"name": f"operating 2019-2021 = {rate(i)}",
                 "overrides": [f"operating_rate@2019-2021={rate(i)}"]} for i in range(VARIANTS)]
    figures: dict[str, Any] = {"machine": machine(), "variants": VARIANTS}

    times = []
    for _ in range(1 if args.quick else 3):
        start = time.perf_counter()
        result = sweep(clusters, variants, ruleset, years=YEARS)
        times.append(time.perf_counter() - start)
    k_total = statistics.median(times)
    figures["kiaprules"] = {"median": k_total, "min": min(times), "runs": len(times),
                            "per_variant": k_total / VARIANTS,
                            "aggregations": result.aggregations}
    start = time.perf_counter()
    table = result.to_table()
    figures["kiaprules"]["table_rendering"] = time.perf_counter() - start
    figures["kiaprules"]["table_lines"] = table.count("\n")

    # --- every variant to the øre, against the independent exact computation --------------------
    q = exact.quantities(exact.read(str(DENMARK)), YEARS)
    disagreements = []
    for i, row in enumerate(result.rows):
        e4 = int(rate(i) * 10_000)
        expected = sum(v["total"] for v in exact.totals(q, {2019: e4, 2020: e4, 2021: e4})
                       .values())
        if ore(row.total) != expected:
            disagreements.append((row.name, expected, ore(row.total)))
    figures["check_exact"] = {"compared": len(result.rows), "disagreements": len(disagreements),
                              "examples": disagreements[:10]}

    # --- OpenFisca: a reform and a simulation per variant ---------------------------------------
    from benchmarks.openfisca_kiap.data import Inputs, calculate, rate_reform
    from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem

    system = KiapTaxBenefitSystem()
    inputs = Inputs.read(str(DENMARK), YEARS)
    n = max(1, min(args.openfisca_variants, VARIANTS))
    chosen = sorted({round(j * (VARIANTS - 1) / max(1, n - 1)) for j in range(n)})
    of_times = []
    of_ore_diff = []
    of_float_diff = []
    for i in chosen:
        start = time.perf_counter()
        reform = rate_reform(system, "operating_rate", 2019, 2021, float(rate(i)))
        simulation = inputs.simulation(reform)
        floats = calculate(simulation, "payout", YEARS)
        of_times.append(time.perf_counter() - start)
        ores = calculate(simulation, "payout_ore", YEARS)
        ours = ore(result.rows[i].total)
        of_ore_total = sum(int(v.sum(dtype="int64")) for v in ores.values())
        of_float_total = round(Decimal(repr(sum(float(v.sum(dtype="float64"))
                                                for v in floats.values()))) * 100)
        if of_ore_total != ours:
            of_ore_diff.append((i, ours, of_ore_total))
        if of_float_total != ours:
            of_float_diff.append((i, ours, of_float_total))
    per_variant = statistics.median(of_times)
    figures["openfisca"] = {
        "variants_timed": len(chosen), "per_variant_median": per_variant,
        "per_variant_min": min(of_times), "estimated_1000": per_variant * VARIANTS,
        "ore_disagreements": len(of_ore_diff), "float_disagreements": len(of_float_diff),
        "float_examples": [{"variant": i, "kiaprules_ore": a, "openfisca_float_ore": b}
                           for i, a, b in of_float_diff[:10]],
    }
    figures["speedup_per_variant"] = per_variant / figures["kiaprules"]["per_variant"]
    write_json(args.json, figures)
    kfig = figures["kiaprules"]
    print(f"machine: {figures['machine']}")
    print(f"kiaprules: {VARIANTS:,} variants in {ms(kfig['median'])} (min {ms(kfig['min'])}), "
          f"{kfig['per_variant'] * 1e6:.0f} µs per variant, {kfig['aggregations']} aggregation")
    print(f"every total vs the exact computation: {figures['check_exact']['disagreements']} of "
          f"{VARIANTS} disagree")
    ofig = figures["openfisca"]
    print(f"openfisca: {ms(per_variant)} per variant (median of {len(chosen)}), about "
          f"{ofig['estimated_1000']:.0f} s for {VARIANTS:,}; øre model disagrees on "
          f"{ofig['ore_disagreements']}, float model on {ofig['float_disagreements']} of "
          f"{len(chosen)} national totals")
    print(f"kiaprules is {figures['speedup_per_variant']:.0f}× faster per variant")
    return 0


if __name__ == "__main__":
    sys.exit(main())
