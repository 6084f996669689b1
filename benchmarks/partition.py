"""How the work partitions beyond one process: by cluster, the cross-cluster checks first.

    python benchmarks/partition.py [--json FILE] [--scale 100] [--workers 2]

Payouts are computed cluster by cluster: no amount of one cluster depends on
another. Two things do look across clusters, and run first, over the whole
country, before anything is split:

1. a provider number is in at most one cluster on any day (Guide §1, "alle
   læger i en klinik skal være i samme klynge"): the overlap check;
2. a clinic that was earlier in another cluster and is not marked
   ``switched_from`` gets a startup grant with a warning: which provider
   numbers have memberships in more than one cluster.

Both need only provider numbers and dates, read from the plain JSON, not
the model. Then the clusters are dealt into shards (files, one per worker),
each worker loads its shard and computes it with ``compute_payouts`` (the
``others`` map of its shard is complete for every provider number that the
check found in a single cluster), and the per-year rows are added up. The
merged totals are compared to the single-process ones, to the øre.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import CACHE, YEARS, country_file, machine, write_json


def cross_cluster_checks(document: dict[str, Any]) -> dict[str, Any]:
    """Overlaps and multi-cluster provider numbers, over the whole country, in plain data."""
    by_provider: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for cluster in document["clusters"]:
        for clinic in cluster.get("clinic", []):
            by_provider[clinic["provider_number"]].append(
                (clinic["joined"], clinic.get("left") or "9999-12-31", cluster["name"]))
    overlaps = []
    multi = 0
    for provider, spans in by_provider.items():
        if len(spans) < 2:
            continue
        if len({name for _, _, name in spans}) > 1:
            multi += 1
        spans.sort()
        for (_, end_a, name_a), (start_b, _, name_b) in pairwise(spans):
            if start_b < end_a:  # ISO dates compare as text
                overlaps.append((provider, name_a, name_b))
    return {"provider_numbers": len(by_provider), "in_several_clusters": multi,
            "overlaps": overlaps}


def shard(document: dict[str, Any], workers: int, folder: Path) -> list[Path]:
    """Deal the clusters into ``workers`` files of about equal clinic counts."""
    loads = [0] * workers
    parts: list[list[Any]] = [[] for _ in range(workers)]
    for cluster in sorted(document["clusters"], key=lambda c: -len(c.get("clinic", []))):
        i = loads.index(min(loads))
        parts[i].append(cluster)
        loads[i] += len(cluster.get("clinic", []))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, part in enumerate(parts):
        path = folder / f"shard-{i}.json"
        path.write_text(json.dumps({"clusters": part}, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def work(path: str) -> tuple[dict[int, list[int]], float, float]:
    """One shard: load, compute, add up per year (øre, clinics, clusters); and its own
    wall-clock and CPU seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    from kiaprules import compute_payouts, load_clusters

    report = compute_payouts(load_clusters(path), years=YEARS, detail=False)
    rows: dict[int, list[int]] = {}
    for _, year in report:
        row = rows.setdefault(year.year, [0, 0, 0])
        row[0] += int(year.total * 100)
        row[1] += year.clinics
        row[2] += 1
    return rows, time.perf_counter() - start, time.process_time() - cpu


def merge(results: list[tuple[dict[int, list[int]], float, float]]) -> dict[int, list[int]]:
    merged: dict[int, list[int]] = {}
    for rows, _, _ in results:
        for year, row in rows.items():
            target = merged.setdefault(year, [0, 0, 0])
            for i, value in enumerate(row):
                target[i] += value
    return dict(sorted(merged.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--scale", type=float, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = country_file(args.scale)
    figures: dict[str, Any] = {"machine": machine(), "scale": args.scale,
                               "workers": args.workers}
    start = time.perf_counter()
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    checks = cross_cluster_checks(document)
    figures["cross_cluster_checks"] = {
        "seconds": time.perf_counter() - start,
        **{k: v for k, v in checks.items() if k != "overlaps"},
        "overlaps": len(checks["overlaps"])}
    if checks["overlaps"]:
        print(f"refused: {len(checks['overlaps'])} overlaps, e.g. {checks['overlaps'][0]}")
        return 2
    start = time.perf_counter()
    shards = shard(document, args.workers, CACHE / f"shards-x{args.scale:g}-{args.workers}")
    figures["sharding_seconds"] = time.perf_counter() - start
    del document

    single, parallel, workers, cpus = [], [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        one, _, _ = work(str(path))
        single.append(time.perf_counter() - start)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            results = list(pool.map(work, [str(p) for p in shards]))
        merged = merge(results)
        parallel.append(time.perf_counter() - start)
        workers.append(max(seconds for _, seconds, _ in results))
        cpus.append(sum(cpu for _, _, cpu in results))
    figures["single_process"] = {"median": statistics.median(single), "min": min(single)}
    figures["process_pool"] = {"median": statistics.median(parallel), "min": min(parallel)}
    figures["slowest_worker"] = {"median": statistics.median(workers), "min": min(workers)}
    figures["workers_cpu_total"] = statistics.median(cpus)
    figures["speedup"] = figures["single_process"]["median"] / figures["process_pool"]["median"]
    figures["identical_to_the_ore"] = merged == one
    figures["load_average_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    figures["years"] = {str(y): {"total_ore": r[0], "clinics": r[1], "clusters": r[2]}
                        for y, r in merged.items()}
    write_json(args.json, figures)
    c = figures["cross_cluster_checks"]
    print(f"{args.scale:g}× the country; cross-cluster checks {c['seconds']:.2f} s "
          f"({c['provider_numbers']:,} provider numbers, {c['in_several_clusters']:,} in several "
          f"clusters, {c['overlaps']} overlaps)")
    print(f"one process (load + compute): median {figures['single_process']['median']:.2f} s; "
          f"{args.workers} workers: median {figures['process_pool']['median']:.2f} s; speedup "
          f"{figures['speedup']:.2f}× (slowest worker {figures['slowest_worker']['median']:.2f} s"
          f", workers' CPU {figures['workers_cpu_total']:.2f} s); merged totals identical to "
          f"the øre: {figures['identical_to_the_ore']}; load average "
          f"{figures['load_average_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
