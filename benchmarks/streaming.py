"""Streaming: peak memory of ``payouts --format jsonl`` beside ``--format json``, 1× to 100×.

    python benchmarks/streaming.py [--json FILE] [--quick] [--scales 1,10,100]

For each scale, on the same bulk JSON file (the generated country, cached in
/tmp/kiaprules-bench/), three commands, each in a process of its own, its
peak resident memory read from its own resource usage (``ru_maxrss`` from
``os.wait4``, so that nothing of this process is counted):

- ``kiaprules payouts FILE --years 2018-2025 --format json``: the whole report
  built, then written;
- the same with ``--format jsonl``: a line per cluster, written as computed;
- the input alone: ``load_clusters(FILE)`` and nothing else, the floor both
  commands stand on (the file is parsed whole by the standard library's
  ``json`` and every cluster is built before the first is computed).

Each output goes to a file, whose size is reported; at 10× and below the
JSON Lines are checked, put back together, to equal the JSON. No timing is
a target here: times are the wall clock of a single run on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (
    KIAPRULES,
    PYTHON,
    REPO,
    environment,
    machine,
    write_json,
)

#: The target of issue #16: jsonl at 100× the country in less than this much memory.
TARGET_BYTES = 400e6

LOAD_ONLY = "import sys\nfrom kiaprules import load_clusters\nload_clusters(sys.argv[1])\n"

#: Put the JSON Lines back together and compare with the JSON (in a child: both are big).
CHECK = """\
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    whole = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    head, *clusters, last = (json.loads(line) for line in f)
print(json.dumps({**head, "warnings": last["warnings"], "clusters": clusters} == whole))
"""


def country(scale: float) -> Path:
    """The country's bulk JSON file, made (once) by a child, so that this process stays small:
    a child forked from a big process could start with its memory counted."""
    done = subprocess.run(
        [PYTHON, "-c", "import sys; from benchmarks._common import country_file; "
         "print(country_file(float(sys.argv[1])))", str(scale)],
        env=environment(), cwd=REPO, check=True, capture_output=True, text=True)
    return Path(done.stdout.strip())


def measure(args: list[str], output: Path | None) -> dict[str, Any]:
    """Run ``args`` to its exit: its peak resident memory (bytes), wall time, output size."""
    start = time.perf_counter()
    with open(output if output is not None else os.devnull, "wb") as sink:
        process = subprocess.Popen(args, env=environment(), cwd=REPO, stdout=sink)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    return {"peak_rss_bytes": usage.ru_maxrss * 1024, "seconds": seconds,
            "cpu": usage.ru_utime + usage.ru_stime,
            "output_bytes": output.stat().st_size if output is not None else 0}


def shape(path: Path) -> dict[str, int]:
    """How many clusters the file holds, and the memberships of the largest (in a child)."""
    done = subprocess.run(
        [PYTHON, "-c", "import json, sys\nd = json.load(open(sys.argv[1], encoding='utf-8'))\n"
         "sizes = [len(c.get('clinic', [])) for c in d['clusters']]\n"
         "print(json.dumps([len(sizes), max(sizes), sum(sizes)]))", str(path)],
        env=environment(), cwd=REPO, check=True, capture_output=True, text=True)
    clusters, largest, memberships = json.loads(done.stdout)
    return {"clusters": clusters, "largest_cluster_memberships": largest,
            "memberships": memberships}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="accepted; every run is single")
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": machine(), "target_bytes": TARGET_BYTES,
                               "scales": {}}
    for scale in (float(s) for s in args.scales.split(",")):
        path = country(scale)
        row: dict[str, Any] = {"file_bytes": path.stat().st_size, **shape(path)}
        payouts = [KIAPRULES, "payouts", str(path), "--years", "2018-2025", "--format"]
        with tempfile.TemporaryDirectory(prefix="kiaprules-streaming-") as folder:
            json_out, jsonl_out = Path(folder) / "payouts.json", Path(folder) / "payouts.jsonl"
            row["load_only"] = measure([PYTHON, "-c", LOAD_ONLY, str(path)], None)
            row["jsonl"] = measure([*payouts, "jsonl"], jsonl_out)
            row["json"] = measure([*payouts, "json"], json_out)
            if scale <= 10:
                done = subprocess.run([PYTHON, "-c", CHECK, str(json_out), str(jsonl_out)],
                                      env=environment(), cwd=REPO, check=True,
                                      capture_output=True, text=True)
                row["jsonl_equals_json"] = json.loads(done.stdout)
        row["stream_own_bytes"] = (row["jsonl"]["peak_rss_bytes"]
                                   - row["load_only"]["peak_rss_bytes"])
        figures["scales"][f"{scale:g}"] = row
        print(f"{scale:g}×: {row['clusters']:,} clusters, {row['memberships']:,} memberships "
              f"(the largest cluster {row['largest_cluster_memberships']}), file "
              f"{row['file_bytes'] / 1e6:.1f} MB")
        for key in ("load_only", "json", "jsonl"):
            r = row[key]
            print(f"  {key}: peak {r['peak_rss_bytes'] / 1e6:,.1f} MB, {r['seconds']:.1f} s"
                  + (f", output {r['output_bytes'] / 1e6:,.1f} MB" if r["output_bytes"] else ""))
        print(f"  jsonl beyond the input alone: {row['stream_own_bytes'] / 1e6:+,.1f} MB"
              + (f"; jsonl put back together equals json: {row['jsonl_equals_json']}"
                 if "jsonl_equals_json" in row else ""))
    largest = list(figures["scales"].values())[-1]
    figures["target_met"] = largest["jsonl"]["peak_rss_bytes"] < TARGET_BYTES
    print(f"jsonl at the largest scale under {TARGET_BYTES / 1e6:.0f} MB: "
          f"{figures['target_met']}")
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
