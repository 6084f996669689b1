"""Run every command of the command line on the shipped examples; write what each prints.

    python scripts/cli_outputs.py OUTDIR
    diff -r BEFORE AFTER

One file per run, named after the command, holding the exit status, standard
output and standard error, byte for byte. Run it before and after a change
that must not change any output (a restructuring) and diff the two folders:
no difference means every output is byte-identical. The runs use
``python -m kiaprules`` from the repository root with a fixed terminal width,
so help texts are comparable; receipts are written into OUTDIR and their
contents compared too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
K = "examples/koegeklyngen.toml"
KE = "examples/koegeklyngen-expenses.toml"
DK = "examples/denmark.json"
SETS = ["--set", "operating_rate@2019-2021=4.26", "--set", "supplement_rate@2020=2.50"]

RUNS: dict[str, list[str]] = {
    "help": ["--help"],
    "version": ["--version"],
    "rulesets": ["rulesets"],
    "rulesets-json": ["rulesets", "--format", "json"],
    "ruleset-show": ["ruleset", "show"],
    "ruleset-show-json": ["ruleset", "show", "--format", "json"],
    "ruleset-show-path": ["ruleset", "show", "rulesets/dk-kiap.toml"],
    "check": ["check", K],
    "check-json": ["check", K, "--format", "json"],
    "check-denmark": ["check", DK],
    "payouts": ["payouts", K],
    "payouts-json": ["payouts", K, "--format", "json"],
    "payouts-csv": ["payouts", K, "--format", "csv"],
    "payouts-jsonl": ["payouts", K, "--format", "jsonl"],
    "payouts-jsonl-years": ["payouts", K, "--years", "2021", "--format", "jsonl"],
    "payouts-years": ["payouts", K, "--years", "2019,2021-2023"],
    "payouts-sets": ["payouts", K, *SETS, "--years", "2018-2025"],
    "payouts-compare": ["payouts", K, *SETS, "--years", "2018-2025", "--compare"],
    "payouts-compare-json": ["payouts", K, *SETS, "--compare", "--format", "json"],
    "payouts-compare-csv": ["payouts", K, *SETS, "--compare", "--format", "csv"],
    "payouts-policies": ["payouts", K, "--policy", "founding_year=pro_rata", "--policy",
                         "rounding=clinic", "--policy", "clawback=never",
                         "--policy", "founding_members=founding", "--format", "json"],
    "payouts-late-founding-only": ["payouts", K, "--policy",
                                   "late_joiner_startup=founding_only"],
    "payouts-strict": ["payouts", K, "--strict"],
    "payouts-strict-2022": ["payouts", K, "--strict", "--years", "2022-2025"],
    "payouts-denmark": ["payouts", DK, "--years", "2018-2025"],
    "payouts-denmark-json": ["payouts", DK, "--years", "2018-2025", "--format", "json"],
    "payouts-denmark-csv": ["payouts", DK, "--years", "2018-2025", "--format", "csv"],
    "payouts-receipt": ["payouts", K, *SETS, "--receipt", "{out}/receipt.json"],
    "verify": ["verify", "{out}/receipt.json"],
    "national": ["national", DK, "--years", "2018-2025"],
    "national-json": ["national", DK, "--years", "2018-2025", "--format", "json"],
    "national-csv": ["national", DK, "--years", "2018-2025", "--format", "csv"],
    "national-sets": ["national", DK, *SETS, "--years", "2018-2025"],
    "national-policies": ["national", DK, "--policy", "rounding=clinic", "--policy",
                          "founding_year=pro_rata", "--years", "2018-2025"],
    "national-strict": ["national", DK, "--strict", "--years", "2018-2025"],
    "national-koege": ["national", K],
    "reproduce": ["reproduce"],
    "reproduce-json": ["reproduce", "--format", "json"],
    "reproduce-one": ["reproduce", "published/guide-7.2-example-2.toml"],
    "expenses": ["expenses", KE],
    "expenses-json": ["expenses", KE, "--format", "json"],
    "expenses-csv": ["expenses", KE, "--format", "csv"],
    "expenses-set": ["expenses", KE, "--set", "catering_review_per_participant@2018-2024=200"],
    "ledger": ["ledger", K, "--expenses", KE],
    "ledger-json": ["ledger", K, "--expenses", KE, "--format", "json"],
    "ledger-csv": ["ledger", K, "--expenses", KE, "--format", "csv"],
    "ledger-years": ["ledger", K, "--expenses", KE, "--years", "2020-2022"],
    "generate-small": ["generate", "--scale", "0.1", "--seed", "3"],
    "generate-toml": ["generate", "--scale", "0.05", "--output", "{out}/generated.toml"],
    "error-no-file": ["payouts", "no-such-file.toml"],
    "error-year": ["payouts", K, "--years", "1800"],
    "error-set": ["payouts", K, "--set", "operating_rate=4"],
    "error-policy": ["payouts", K, "--policy", "clawback=sometimes"],
    "error-ruleset": ["payouts", K, "--ruleset", "no-such-ruleset"],
    "error-command": ["frobnicate"],
    "error-explain-year": ["explain", K, "--year", "2031"],
}
for year in range(2018, 2027):
    RUNS[f"explain-{year}"] = ["explain", K, "--year", str(year)]
    RUNS[f"explain-{year}-json"] = ["explain", K, "--year", str(year), "--format", "json"]
RUNS["explain-policies"] = ["explain", K, "--year", "2018", "--policy", "founding_year=pro_rata",
                            "--policy", "rounding=clinic", "--policy", "founding_members=founding"]
RUNS["explain-denmark"] = ["explain", DK, "--year", "2019", "--cluster", "Hovedstaden 01"]
for name in ("payouts", "explain", "national", "expenses", "ledger", "reproduce", "check",
             "verify", "generate", "rulesets"):
    RUNS[f"help-{name}"] = [name, "--help"]


def main() -> int:
    out = Path(sys.argv[1]).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = dict(os.environ, COLUMNS="100", LC_ALL="C.UTF-8", PYTHONHASHSEED="0")
    env.pop("KIAPRULES_DEBUG", None)
    for name, args in RUNS.items():
        argv = [a.replace("{out}", str(out)) for a in args]
        done = subprocess.run([sys.executable, "-m", "kiaprules", *argv], cwd=ROOT, env=env,
                              capture_output=True, check=False)
        stderr = done.stderr.replace(str(out).encode(), b"{out}")
        (out / f"{name}.txt").write_bytes(
            b"exit %d\n--- stdout\n" % done.returncode + done.stdout
            + b"--- stderr\n" + stderr)
    print(f"{len(RUNS)} runs written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
