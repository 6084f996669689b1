"""End to end in CPU time: two whole commands beside OpenFisca doing the same jobs, and the
same commands of an older kiaprules ("before"), all taking turns in one run.

    python benchmarks/end_to_end.py [--json FILE] [--quick] [--before-venv DIR]

The commands (each timed from process start to exit; the figure is its user
and system CPU time, from ``os.wait4``, which other jobs on a shared machine
hardly inflate; medians of n runs taking turns):

- ``kiaprules national examples/denmark.json --years 2018-2025`` against
  ``python -m benchmarks.openfisca_kiap.run examples/denmark.json --years 2018-2025``;
- ``kiaprules payouts <the 116 clusters as one TOML file each> --years 2018-2025
  --format json`` against the OpenFisca runner reading the same TOML files
  (``tomllib``) and writing each cluster's payout per year as JSON
  (``--format json``).

OpenFisca imports numpy, whose OpenBLAS starts a thread per core; those
threads' CPU time is OpenFisca's too (its CPU time exceeds its wall time on
this machine). The same OpenFisca commands with ``OPENBLAS_NUM_THREADS=1`` are
timed in the same rounds (``openfisca_1thread``) and reported beside, not as
the target's reference.

Targets (issue #12, requirement 9): national at or below 0.5× OpenFisca's CPU
time, payouts as JSON at or below 0.7×. With ``--before-venv`` (a virtual
environment with the older kiaprules installed, e.g. commit 51c1177, the last
before the restructure into layers), its ``kiaprules`` runs the same commands
in the same rounds; its outputs are checked byte for byte against today's.

Where the time of ``kiaprules payouts ... --format json`` goes is measured
too, in a child process of its own calling the public API in the order the
command does (CPU time of each step): interpreter start-up, importing the
command's module, reading the TOML files (and, for comparison, the standard
library's TOML parser alone on them), loading the ruleset, computing,
building the report's data (``to_dict``), rendering it as JSON (``to_json``),
writing it, and the exit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (
    DENMARK,
    KIAPRULES,
    PYTHON,
    REPO,
    alternate_cpu,
    compare,
    environment,
    machine,
    ms,
    run_cpu,
    toml_files,
    write_json,
)

YEARS = "2018-2025"
TARGETS = {"national": 0.5, "payouts_json": 0.7}
TITLES = {
    "national": "`kiaprules national` on the national data, 2018–2025",
    "payouts_json": "`kiaprules payouts` over 116 TOML files, `--format json`",
}

#: The child that times the steps of `kiaprules payouts FILES --years 2018-2025 --format json`
#: with the public API, in CPU time, in the order the command takes them; then, apart,
#: the standard library's TOML parser alone on the same files and `to_dict` alone.
PHASES = """\
import time
steps = [("start-up", time.process_time())]
import kiaprules.cli
steps.append(("imports", time.process_time()))
import hashlib, json, os, sys, tomllib
from kiaprules import compute_payouts, load_clusters, load_ruleset
files = sys.argv[1:]
clusters = load_clusters(files)
steps.append(("reading the TOML files", time.process_time()))
ruleset = load_ruleset("dk-kiap")
steps.append(("loading the ruleset", time.process_time()))
report = compute_payouts(clusters, ruleset, years=range(2018, 2026))
steps.append(("computing", time.process_time()))
text = report.to_json()
steps.append(("rendering the JSON (to_json)", time.process_time()))
with open(os.devnull, "w", encoding="utf-8") as out:
    out.write(text)
    out.flush()
steps.append(("writing", time.process_time()))
end = time.process_time()
for f in files:
    with open(f, "rb") as handle:
        tomllib.load(handle)
parsing = time.process_time()
report.to_dict()
data = time.process_time()
report.inputs_fingerprint
fingerprint = time.process_time()
durations = {name: t - before for (name, t), (_, before) in zip(steps[1:], steps)}
print(json.dumps({"start-up": steps[0][1], **durations, "ended_at": end,
                  "apart": fingerprint - end,
                  "of reading: tomllib alone": parsing - end,
                  "of rendering: to_dict alone": data - parsing,
                  "of to_dict: the inputs' fingerprint alone": fingerprint - data,
                  "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}))
"""


def before_environment() -> dict[str, str]:
    """The environment for the older kiaprules: without this repository on PYTHONPATH,
    which would otherwise shadow the package installed in its own environment."""
    env = environment()
    env.pop("PYTHONPATH", None)
    return env


def describe_before(venv: Path) -> dict[str, Any]:
    """Where the older kiaprules is, and its commit if it is a git checkout."""
    python = str(venv / "bin" / "python")
    done = subprocess.run([python, "-I", "-c", "import kiaprules; print(kiaprules.__file__)"],
                          env=before_environment(), cwd=REPO, check=True,
                          capture_output=True, text=True)
    package = Path(done.stdout.strip()).parent
    if package.parent == REPO:
        raise SystemExit(f"{venv} runs this repository's kiaprules, not an older one")
    commit = subprocess.run(["git", "-C", str(package), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True)
    return {"venv": str(venv), "package": str(package),
            "commit": commit.stdout.strip() if commit.returncode == 0 else "unknown"}


def totals_ore(document: dict[str, Any]) -> dict[tuple[str, int], int]:
    """Each cluster-year's total in øre, from a payouts JSON document (amounts as text)."""
    return {(c["name"], y["year"]): int(Decimal(y["total"]) * 100)
            for c in document["clusters"] for y in c["years"]}


def phases(tomls: list[str], repeat: int) -> dict[str, Any]:
    """Median CPU time of each step of the payouts command (see ``PHASES``); ``exit`` is
    what the process used after the last step (the measurements apart left out)."""
    runs = []
    for _ in range(repeat + 1):  # the first warms the caches
        total, _, out = run_cpu([PYTHON, "-c", PHASES, *tomls], stdout=subprocess.PIPE)
        steps = json.loads(out)
        steps["exit"] = total - steps.pop("ended_at") - steps.pop("apart")
        steps["total"] = total - sum(v for k, v in steps.items() if k.startswith("of "))
        runs.append(steps)
    runs = runs[1:]
    names = [k for k in runs[0] if k != "sha256"]
    return {"steps": {k: statistics.median(r[k] for r in runs) for k in names},
            "runs": repeat, "sha256": runs[0]["sha256"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--before-venv", metavar="DIR", type=Path,
                        help="a virtual environment with an older kiaprules to time beside")
    parser.add_argument("--repeat", type=int, help="rounds (default 21, 5 with --quick)")
    args = parser.parse_args()
    n = args.repeat or (5 if args.quick else 21)
    tomls = [str(p) for p in toml_files()]
    data = str(DENMARK.relative_to(REPO))
    jobs = {
        "national": ["national", data, "--years", YEARS],
        "payouts_json": ["payouts", *tomls, "--years", YEARS, "--format", "json"],
    }
    openfisca = {
        "national": [PYTHON, "-m", "benchmarks.openfisca_kiap.run", data, "--years", YEARS],
        "payouts_json": [PYTHON, "-m", "benchmarks.openfisca_kiap.run", *tomls,
                         "--years", YEARS, "--format", "json"],
    }
    sides: dict[str, tuple[str, dict[str, str] | None]] = {"after": (KIAPRULES, None)}
    figures: dict[str, Any] = {"machine": machine(), "rounds": n,
                               "input": {"toml_files": len(tomls),
                                         "toml_bytes": sum(Path(p).stat().st_size
                                                           for p in tomls)}}
    if args.before_venv:
        figures["before"] = describe_before(args.before_venv)
        sides["before"] = (str(args.before_venv / "bin" / "kiaprules"), before_environment())

    one_thread = {**environment(), "OPENBLAS_NUM_THREADS": "1"}
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = {}
    for job, argv in jobs.items():
        for side, (program, env) in sides.items():
            commands[f"{job}/{side}"] = ([program, *argv], env)
        commands[f"{job}/openfisca"] = (openfisca[job], None)
        commands[f"{job}/openfisca_1thread"] = (openfisca[job], one_thread)

    # --- the outputs, once: the same job on every side --------------------------------
    outputs = {name: run_cpu(argv, env, stdout=subprocess.PIPE)[2]
               for name, (argv, env) in commands.items()}
    kiap = json.loads(outputs["payouts_json/after"])
    checks: dict[str, Any] = {
        "openfisca_float_vs_kiaprules": compare(
            totals_ore(kiap), totals_ore(json.loads(outputs["payouts_json/openfisca"])),
            limit=3),
        "cluster_years": len(totals_ore(kiap)),
        "output_bytes": len(outputs["payouts_json/after"]),
    }
    if "before" in sides:
        for job in jobs:
            checks[f"{job}_before_identical"] = (outputs[f"{job}/before"]
                                                 == outputs[f"{job}/after"])
    del outputs, kiap

    # --- the timing: every command in turn, n rounds ------------------------------------
    timed = alternate_cpu(commands, n)
    figures["commands"] = {job: {side: timed[f"{job}/{side}"]
                                 for side in [*sides, "openfisca", "openfisca_1thread"]}
                           for job in jobs}
    figures["ratios"] = {}
    for job, row in figures["commands"].items():
        ratios = {f"{side}/openfisca": row[side]["cpu"] / row["openfisca"]["cpu"]
                  for side in sides}
        ratios["after/openfisca_1thread"] = row["after"]["cpu"] / row["openfisca_1thread"]["cpu"]
        if "before" in sides:
            ratios["after/before"] = row["after"]["cpu"] / row["before"]["cpu"]
        figures["ratios"][job] = ratios
    figures["targets"] = {job: {"at_most": limit,
                                "ratio": figures["ratios"][job]["after/openfisca"],
                                "met": figures["ratios"][job]["after/openfisca"] <= limit}
                          for job, limit in TARGETS.items()}

    # --- where the time of the payouts command goes ---------------------------------------
    figures["payouts_json_steps"] = phases(tomls, max(3, n // 3))
    checks["steps_output_identical"] = (figures["payouts_json_steps"].pop("sha256")
                                        == hashlib.sha256(
                                            run_cpu(commands["payouts_json/after"][0],
                                                    stdout=subprocess.PIPE)[2]).hexdigest())
    figures["check"] = checks
    write_json(args.json, figures)
    report(figures)
    return 0


def report(figures: dict[str, Any]) -> None:
    print(f"machine: {figures['machine']}")
    if "before" in figures:
        b = figures["before"]
        print(f"before: kiaprules {b['commit']} from {b['package']}")
    print(f"CPU time (user+sys), medians of {figures['rounds']} rounds taking turns:")
    for job, row in figures["commands"].items():
        print(f"  {TITLES[job]}")
        for side, t in row.items():
            print(f"    {side:17}  CPU {ms(t['cpu'])} (fastest {ms(t['cpu_min'])}), "
                  f"wall {ms(t['median'])}")
        print("    " + ", ".join(f"{k} {v:.2f}" for k, v in figures["ratios"][job].items()))
    for job, t in figures["targets"].items():
        print(f"target {job}: ≤ {t['at_most']} × OpenFisca: {t['ratio']:.2f} "
              f"({'met' if t['met'] else 'MISSED'})")
    steps = figures["payouts_json_steps"]
    print(f"kiaprules payouts --format json, step by step (CPU, medians of {steps['runs']}):")
    for name, seconds in steps["steps"].items():
        print(f"  {name}: {ms(seconds)}")
    print(f"checks: {json.dumps(figures['check'])}")


if __name__ == "__main__":
    sys.exit(main())
