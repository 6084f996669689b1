"""Every cluster-year where OpenFisca's float32 money disagrees with kiaprules, as CSV.

    python benchmarks/disagreements.py [--output docs/openfisca-float32-disagreements.csv]

The national data 2018–2025; kiaprules' totals are checked against the
independent exact computation first (and OpenFisca's whole-øre model against
kiaprules), so that each row below is a disagreement of the float model alone.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import exact
from benchmarks._common import DENMARK, REPO, YEARS, compare, kiaprules_ore, openfisca_ore


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default=str(REPO / "docs" /
                                                 "openfisca-float32-disagreements.csv"))
    args = parser.parse_args()
    from benchmarks.openfisca_kiap.data import Inputs, calculate
    from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem
    from kiaprules import compute_payouts, load_clusters

    ours = kiaprules_ore(compute_payouts(load_clusters(DENMARK), years=YEARS, detail=False))
    reference = {k: v["total"] for k, v in exact.totals(
        exact.quantities(exact.read(str(DENMARK)), YEARS)).items()}
    assert compare(reference, ours)["disagreements"] == 0, "kiaprules differs from exact"
    system = KiapTaxBenefitSystem()
    inputs = Inputs.read(str(DENMARK), YEARS)
    ore_model = openfisca_ore(inputs.names, calculate(inputs.simulation(system), "payout_ore",
                                                      YEARS), is_ore=True)
    assert compare(ours, ore_model)["disagreements"] == 0, "OpenFisca's øre model differs"
    floats = openfisca_ore(inputs.names, calculate(inputs.simulation(system), "payout", YEARS),
                           is_ore=False)
    result = compare(ours, floats, limit=len(ours) + len(floats))
    with open(args.output, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["cluster", "year", "kiaprules_ore", "openfisca_float32_ore",
                         "difference_ore"])
        for e in result["examples"]:
            writer.writerow([e["cluster"], e["year"], e["expected_ore"], e["got_ore"],
                             e["got_ore"] - e["expected_ore"]])
    print(f"{result['disagreements']} of {result['compared']} cluster-years disagree "
          f"(largest {result['largest_ore']} øre); written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
