"""The OpenFisca side of the end-to-end benchmark: the same job as ``kiaprules national``.

    python -m benchmarks.openfisca_kiap.run examples/denmark.json --years 2018-2025

Reads the bulk JSON file, builds the tax-benefit system and a simulation,
computes every cluster's payout for each year, and prints one row a year
(clusters paid, patients, startup, operating, supplement, clawback, total),
adding up OpenFisca's own float money as an OpenFisca user would.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks.openfisca_kiap.data import Inputs, calculate
from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem

COLUMNS = ("startup_grant_paid", "operating_grant", "supplement", "clawback", "payout")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openfisca_kiap.run")
    parser.add_argument("file")
    parser.add_argument("--years", default="2018-2025")
    args = parser.parse_args(argv)
    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    system = KiapTaxBenefitSystem()
    inputs = Inputs.read(args.file, years)
    simulation = inputs.simulation(system)
    results = {name: calculate(simulation, name, years) for name in COLUMNS}
    patients = calculate(simulation, "paid_patients", years)
    out = ["year  clusters    patients         startup       operating      supplement"
           "        clawback           total"]
    for y in years:
        paid = int(np.count_nonzero(results["payout"][y]))
        sums = [float(results[name][y].sum()) for name in COLUMNS]
        out.append(f"{y}  {paid:8d}  {int(patients[y].sum()):10,d}  "
                   + "  ".join(f"{s:14,.2f}" for s in sums))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
