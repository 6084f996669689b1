"""The OpenFisca side of the end-to-end benchmarks: the same jobs as ``kiaprules national``
and ``kiaprules payouts --format json``.

    python -m benchmarks.openfisca_kiap.run examples/denmark.json --years 2018-2025
    python -m benchmarks.openfisca_kiap.run CLUSTER.toml... --years 2018-2025 --format json

Reads the bulk JSON file, or single-cluster TOML files (with ``tomllib``, as
kiaprules reads them), builds the tax-benefit system and a simulation, and
computes every cluster's payout for each year. The table (the default) has one
row a year (clusters paid, patients, startup, operating, supplement, clawback,
total), adding up OpenFisca's own float money as an OpenFisca user would;
``--format json`` writes every cluster with its years from its founding year
on, and each year's startup, operating, supplement, clawback and total amounts
(indented, like ``kiaprules payouts --format json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from benchmarks.openfisca_kiap.data import Inputs, calculate
from benchmarks.openfisca_kiap.model import KiapTaxBenefitSystem

COLUMNS = ("startup_grant_paid", "operating_grant", "supplement", "clawback", "payout")
#: The JSON output's name of each column.
JSON_NAMES = ("startup", "operating", "supplement", "clawback", "total")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openfisca_kiap.run")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="one bulk JSON file, or single-cluster TOML files")
    parser.add_argument("--years", default="2018-2025")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    system = KiapTaxBenefitSystem()
    if all(f.endswith(".toml") for f in args.files):
        inputs = Inputs.read_toml(args.files, years)
    elif len(args.files) == 1:
        inputs = Inputs.read(args.files[0], years)
    else:
        parser.error("give one bulk JSON file or any number of TOML files")
    simulation = inputs.simulation(system)
    results = {name: calculate(simulation, name, years) for name in COLUMNS}
    if args.format == "json":
        sys.stdout.write(as_json(inputs, results, years))
        return 0
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


def as_json(inputs: Inputs, results: dict[str, dict[int, np.ndarray]], years: range) -> str:
    """Every cluster and its years from its founding year on, amounts as text to the øre."""
    founded = inputs.founded.astype("datetime64[Y]").astype(int) + 1970
    columns = {y: [results[name][y].tolist() for name in COLUMNS] for y in years}
    clusters: list[dict[str, Any]] = []
    for i, name in enumerate(inputs.names):
        rows = []
        for y in years:
            if y < founded[i]:
                continue
            row: dict[str, Any] = {"year": y}
            for key, values in zip(JSON_NAMES, columns[y], strict=True):
                row[key] = f"{values[i] or 0.0:.2f}"  # not "-0.00"
            rows.append(row)
        clusters.append({"name": name, "years": rows})
    return json.dumps({"years": list(years), "clusters": clusters}, ensure_ascii=False,
                      indent=2) + "\n"


if __name__ == "__main__":
    sys.exit(main())
