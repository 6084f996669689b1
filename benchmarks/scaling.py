"""Scaling: 1×, 10× and 100× the country, time per clinic-year; OpenFisca beside it.

    python benchmarks/scaling.py [--json FILE] [--quick] [--scales 1,10,100]

A clinic-year is one clinic paid on its patients in one year (the sum of
``YearPayout.clinics``). For each scale: the end-to-end command (process
start to last byte: ``kiaprules national`` and the OpenFisca runner, on the
same bulk JSON file), the computation alone (the clusters, or OpenFisca's
arrays, already in memory) and every cluster-year checked to the øre against
the independent exact computation and both OpenFisca models.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import exact
from benchmarks._common import (
    KIAPRULES,
    PYTHON,
    REPO,
    YEARS,
    compare,
    country_file,
    environment,
    kiaprules_ore,
    machine,
    ms,
    openfisca_ore,
    timed,
    write_json,
)


def peak_rss(args: list[str]) -> int:
    """The command's peak resident memory, in bytes, from a run of its own under time(1).

    Not from this process's children: a child forked from a benchmark that
    holds a country in memory starts with that memory counted.
    """
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *args], env=environment(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=REPO, check=True)
    return int(done.stderr.strip().splitlines()[-1]) * 1024


def end_to_end(args: list[str], repeat: int) -> dict[str, float]:
    """Process start to last byte (median of ``repeat``), and the peak resident memory."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, env=environment(), stdout=subprocess.DEVNULL, cwd=REPO,
                       check=True)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "runs": repeat,
            "peak_rss_bytes": peak_rss(args)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    from benchmarks.openfisca_kiap.data import Inputs, calculate
    from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem
    from kiaprules import compute_payouts, load_clusters, load_ruleset

    ruleset = load_ruleset("dk-kiap")
    system = KiapTaxBenefitSystem()
    figures: dict[str, Any] = {"machine": machine(), "scales": {}}
    for scale in scales:
        path = country_file(scale)
        big = scale >= 50
        # The same regime at every scale: one warm-up run, then the median.
        repeat = 1 if big and args.quick else (3 if args.quick or scale >= 5 else 7)
        row: dict[str, Any] = {"file_bytes": path.stat().st_size}
        row["load"] = timed(lambda p=path: load_clusters(p), 1 if big else 3, warmup=0)
        clusters = load_clusters(path)
        report = compute_payouts(clusters, ruleset, years=YEARS, detail=False)
        clinic_years = sum(y.clinics for _, y in report)
        row.update(clusters=len(clusters), cluster_years=sum(1 for _ in report),
                   clinic_years=clinic_years)
        row["kiaprules_computation"] = timed(
            lambda c=clusters: compute_payouts(c, ruleset, years=YEARS, detail=False), repeat)
        inputs = Inputs.read(str(path), YEARS)

        def of_computation(i: Inputs = inputs) -> Any:
            return calculate(i.simulation(system), "payout", YEARS)

        row["openfisca_computation"] = timed(of_computation, repeat)
        ours = kiaprules_ore(report)
        reference = {k: v["total"] for k, v in exact.totals(
            exact.quantities(exact.read(str(path)), YEARS)).items()}
        row["check"] = {
            "kiaprules_vs_exact": compare(reference, ours, limit=5),
            "openfisca_ore_vs_kiaprules": compare(ours, openfisca_ore(
                inputs.names, calculate(inputs.simulation(system), "payout_ore", YEARS),
                is_ore=True), limit=5),
            "openfisca_float_vs_kiaprules": compare(ours, openfisca_ore(
                inputs.names, of_computation(), is_ore=False), limit=5),
        }
        del clusters, report, inputs
        data = str(path)
        row["kiaprules_end_to_end"] = end_to_end(
            [KIAPRULES, "national", data, "--years", "2018-2025"], repeat)
        row["openfisca_end_to_end"] = end_to_end(
            [PYTHON, "-m", "benchmarks.openfisca_kiap.run", data, "--years", "2018-2025"],
            repeat)
        for key in ("kiaprules_computation", "openfisca_computation", "kiaprules_end_to_end",
                    "openfisca_end_to_end"):
            row[key]["per_clinic_year_us"] = row[key]["median"] / clinic_years * 1e6
            if "cpu" in row[key]:
                row[key]["cpu_per_clinic_year_us"] = row[key]["cpu"] / clinic_years * 1e6
        row["ratio_computation"] = (row["kiaprules_computation"]["median"]
                                    / row["openfisca_computation"]["median"])
        row["ratio_end_to_end"] = (row["kiaprules_end_to_end"]["median"]
                                   / row["openfisca_end_to_end"]["median"])
        figures["scales"][f"{scale:g}"] = row
        print(f"{scale:g}×: {row['clusters']:,} clusters, {clinic_years:,} clinic-years, "
              f"file {row['file_bytes'] / 1e6:.1f} MB")
        for key in ("load", "kiaprules_computation", "openfisca_computation",
                    "kiaprules_end_to_end", "openfisca_end_to_end"):
            extra = (f", {row[key]['per_clinic_year_us']:.2f} µs per clinic-year"
                     if "per_clinic_year_us" in row[key] else "")
            if "cpu_per_clinic_year_us" in row[key]:
                extra += f" (CPU {row[key]['cpu_per_clinic_year_us']:.2f} µs)"
            print(f"  {key}: median {ms(row[key]['median'])}{extra}")
        print(f"  ratios kiaprules/openfisca: computation {row['ratio_computation']:.2f}, "
              f"end to end {row['ratio_end_to_end']:.2f}")
        for key, value in row["check"].items():
            print(f"  {key}: {value['disagreements']} of {value['compared']} disagree "
                  f"(largest {value['largest_ore']} øre)")
    per = [r["kiaprules_computation"]["per_clinic_year_us"] for r in figures["scales"].values()]
    cpu = [r["kiaprules_computation"]["cpu_per_clinic_year_us"]
           for r in figures["scales"].values()]
    figures["flatness"] = max(per) / min(per)
    figures["flatness_cpu"] = max(cpu) / min(cpu)
    print(f"time per clinic-year, largest / smallest: {figures['flatness_cpu']:.2f} in CPU "
          f"time, {figures['flatness']:.2f} in wall-clock time")
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
