"""Cold start: ``import kiaprules``, and a whole command on the national data, process
start to last byte, beside OpenFisca doing the same job (taking turns, many runs).

    python benchmarks/cold_start.py [--json FILE] [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (
    DENMARK,
    KIAPRULES,
    PYTHON,
    alternate,
    arguments,
    machine,
    ms,
    write_json,
)


def main() -> int:
    args = arguments(__doc__ or "")
    n = 5 if args.quick else 21
    figures: dict[str, Any] = {"machine": machine()}
    figures["import"] = alternate({
        "python -c pass": [PYTHON, "-c", "pass"],
        "import kiaprules": [PYTHON, "-c", "import kiaprules"],
        "from kiaprules import compute_payouts": [PYTHON, "-c",
                                                  "from kiaprules import compute_payouts"],
        "import openfisca_core + numpy": [PYTHON, "-c", "import numpy, openfisca_core"],
    }, n)
    data = str(DENMARK.relative_to(DENMARK.parents[1]))
    figures["national_end_to_end"] = alternate({
        "kiaprules national": [KIAPRULES, "national", data, "--years", "2018-2025"],
        "openfisca": [PYTHON, "-m", "benchmarks.openfisca_kiap.run", data,
                      "--years", "2018-2025"],
        "kiaprules payouts (every cluster-year, table)": [KIAPRULES, "payouts", data,
                                                         "--years", "2018-2025"],
    }, n)
    e2e = figures["national_end_to_end"]
    figures["ratio_end_to_end"] = (e2e["kiaprules national"]["median"]
                                   / e2e["openfisca"]["median"])
    write_json(args.json, figures)
    print(f"machine: {figures['machine']}")
    for section in ("import", "national_end_to_end"):
        for name, t in figures[section].items():
            print(f"{name}: median {ms(t['median'])}, min {ms(t['min'])} ({t['runs']} runs)")
    print(f"kiaprules national / openfisca, end to end: {figures['ratio_end_to_end']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
