"""Shared helpers for the benchmark scripts: timing, the machine, the data, comparisons.

Every figure is a wall-clock time (``time.perf_counter``) unless it says
otherwise (``cpu``: the user and system time of the process, which other jobs
on the machine hardly inflate); a timing repeated n times reports the median
and the fastest run.
The scripts import nothing from kiaprules' private modules except where they
time them, and each writes its figures as JSON (``--json FILE``) for
``benchmarks/run_all.py`` to put into ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DENMARK = REPO / "examples" / "denmark.json"
YEARS = tuple(range(2018, 2026))
CACHE = Path(os.environ.get("KIAPRULES_BENCH_CACHE", "/tmp/kiaprules-bench"))
#: The interpreter of the environment the benchmark runs in (kiaprules and openfisca installed).
PYTHON = sys.executable
KIAPRULES = str(Path(sys.executable).parent / "kiaprules")


def environment() -> dict[str, str]:
    """The environment for child processes: bytecode cached, as after `pip install`."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(REPO)
    return env


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for name in ("numpy", "openfisca_core", "attrs"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "?")
        except ImportError:
            versions[name] = "not installed"
    try:
        from importlib.metadata import version

        versions["openfisca_core"] = version("openfisca-core")
    except Exception:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            **versions}


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> dict[str, float]:
    """Median and fastest of ``repeat`` runs of ``fn``, in seconds of wall clock, and the
    median CPU time of this process (``cpu``: what other jobs on the machine do not add)."""
    for _ in range(warmup):
        fn()
    times = []
    cpus = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return {"median": statistics.median(times), "min": min(times), "runs": repeat,
            "cpu": statistics.median(cpus)}


def timed_process(args: Sequence[str], repeat: int, warmup: int = 1) -> dict[str, float]:
    """Process start to last byte of output: median and fastest of ``repeat`` runs."""
    env = environment()
    for _ in range(warmup):
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "runs": repeat}


def alternate(commands: dict[str, Sequence[str]], repeat: int) -> dict[str, dict[str, float]]:
    """Time several commands taking turns, so that a busy spell hits them alike."""
    env = environment()
    for args in commands.values():  # warm the bytecode caches
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            start = time.perf_counter()
            subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
            times[name].append(time.perf_counter() - start)
    return {k: {"median": statistics.median(v), "min": min(v), "runs": repeat}
            for k, v in times.items()}


def run_cpu(args: Sequence[str], env: dict[str, str] | None = None,
            stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, bytes]:
    """Run ``args`` to its exit: its CPU time (user + system, from ``os.wait4``), its wall
    time, and its output if ``stdout`` is ``subprocess.PIPE``."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=environment() if env is None else env, cwd=REPO,
                               stdout=stdout)
    output = process.stdout.read() if process.stdout is not None else b""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stdout is not None:
        process.stdout.close()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, list(args))
    return usage.ru_utime + usage.ru_stime, wall, output


def alternate_cpu(commands: Mapping[str, tuple[Sequence[str], dict[str, str] | None]],
                  repeat: int) -> dict[str, dict[str, Any]]:
    """Several commands taking turns, ``repeat`` rounds after one warm-up round (bytecode
    caches): the median and fastest CPU time of each (``cpu``, ``cpu_min``) and its median
    wall time (``median``), each command's environment its own (None: ``environment()``)."""
    for args, env in commands.values():
        run_cpu(args, env)
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    wall: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for name, (args, env) in commands.items():
            c, w = run_cpu(args, env)[:2]
            cpu[name].append(c)
            wall[name].append(w)
    return {k: {"cpu": statistics.median(cpu[k]), "cpu_min": min(cpu[k]),
                "median": statistics.median(wall[k]), "min": min(wall[k]), "runs": repeat}
            for k in commands}


def toml_files() -> list[Path]:
    """The national country as 116 single-cluster TOML files (made once, then cached)."""
    folder = CACHE / "denmark-toml"
    if not folder.is_dir():
        from kiaprules import dumps_clusters, load_clusters

        tmp = CACHE / f"denmark-toml.{os.getpid()}.tmp"
        tmp.mkdir(parents=True)
        for i, cluster in enumerate(load_clusters(DENMARK)):
            (tmp / f"{i:03d}.toml").write_text(dumps_clusters(cluster, fmt="toml"),
                                               encoding="utf-8")
        tmp.rename(folder)
    return sorted(folder.glob("*.toml"))


def country_file(scale: float, seed: int = 2024) -> Path:
    """The generated country at ``scale`` as a bulk JSON file (made once, then cached)."""
    if scale == 1 and seed == 2024:
        return DENMARK
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"country-seed{seed}-x{scale:g}.json"
    if not path.exists():
        from kiaprules import dumps_clusters
        from kiaprules.synthetic import generate_country

        tmp = path.with_suffix(".tmp")
        tmp.write_text(dumps_clusters(generate_country(seed=seed, scale=scale), fmt="json"),
                       encoding="utf-8")
        tmp.rename(path)
    return path


def ore(amount: Decimal) -> int:
    return int(amount * 100)


def compare(reference: dict[tuple[str, int], int], other: dict[tuple[str, int], int],
            *, limit: int = 20) -> dict[str, Any]:
    """Cluster-years where ``other`` differs from ``reference`` (øre; a missing one is 0)."""
    keys = sorted(set(reference) | set(other))
    diffs = [(k, reference.get(k, 0), other.get(k, 0)) for k in keys
             if reference.get(k, 0) != other.get(k, 0)]
    worst = max((abs(b - a) for _, a, b in diffs), default=0)
    return {"compared": len(keys), "disagreements": len(diffs), "largest_ore": worst,
            "examples": [{"cluster": k[0], "year": k[1], "expected_ore": a, "got_ore": b}
                         for k, a, b in diffs[:limit]]}


def kiaprules_ore(report: Any) -> dict[tuple[str, int], int]:
    return {(c.name, y.year): ore(y.total) for c, y in report}


def openfisca_ore(names: Sequence[str], per_year: dict[int, Any], *, is_ore: bool
                  ) -> dict[tuple[str, int], int]:
    """OpenFisca's per-cluster arrays as øre: exact for the int model, rounded for float."""
    out = {}
    for year, values in per_year.items():
        for name, value in zip(names, values.tolist(), strict=True):
            cents = int(value) if is_ore else round(Decimal(repr(float(value))) * 100)
            if cents:
                out[(name, year)] = cents
    return out


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    return parser.parse_args()


def write_json(path: str | None, figures: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(figures, indent=2, default=str) + "\n",
                              encoding="utf-8")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"
