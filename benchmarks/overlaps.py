"""The overlap check on one provider number with many memberships, beside comparing every pair.

    python benchmarks/overlaps.py [--json FILE] [--quick]

A provider number is in at most one cluster on any day (Guide til klyngestart
§1: "Husk at alle læger i en klinik skal være i samme klynge"), and
``load_clusters`` and ``compute_payouts`` refuse one that is not
(``check_overlaps``). The worst case for the check is one provider number with
many short memberships: a clinic that switches back and forth. Each
membership here lasts one day and the next starts a day later, dealt in turn
to two clusters, so nothing overlaps and everything must be looked at.

Beside it, the every-pair comparison the check used before issue #14 (timed
only up to 5,000 memberships: it grows with the square, 28 s at 20,000).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import arguments, machine, ms, timed, write_json
from kiaprules import Clinic, Cluster, Membership
from kiaprules.model.cluster import check_overlaps, memberships_by_provider

START = dt.date(2019, 1, 1)
SIZES = (1_000, 5_000, 20_000, 100_000)
PAIRWISE_UP_TO = 5_000


def switching_clinic(count: int) -> list[Cluster]:
    """``count`` one-day memberships of provider number 012345, a day apart, in A and B in turn."""
    clinic = Clinic(provider_number="012345", capacities=1)
    ms_ = [Membership(clinic=clinic, joined=START + dt.timedelta(days=2 * i),
                      left=START + dt.timedelta(days=2 * i + 1)) for i in range(count)]
    return [Cluster(name="A", founded=START, memberships=ms_[0::2]),
            Cluster(name="B", founded=START, memberships=ms_[1::2])]


def every_pair(clusters: list[Cluster]) -> int:
    """The check as it was: every membership of a provider number against every later one."""
    found = 0
    for entries in memberships_by_provider(clusters).values():
        entries.sort(key=lambda e: (e[1].joined, e[0]))
        for i, (_, a) in enumerate(entries):
            for _, b in entries[i + 1:]:
                found += a.overlaps(b)
    return found


def main() -> int:
    args = arguments(__doc__ or "")
    repeat = 3 if args.quick else 9
    figures: dict[str, Any] = {"machine": machine(), "sizes": {}}
    for size in SIZES:
        clusters = switching_clinic(size)
        row: dict[str, Any] = {"check_overlaps": timed(lambda c=clusters: check_overlaps(c),
                                                       repeat)}
        if size <= PAIRWISE_UP_TO:
            assert every_pair(clusters) == 0
            row["every_pair"] = timed(lambda c=clusters: every_pair(c), max(1, repeat // 3))
        figures["sizes"][str(size)] = row
    write_json(args.json, figures)
    print(f"machine: {figures['machine']}")
    print("one provider number, n one-day memberships in two clusters (median of runs):")
    for size, row in figures["sizes"].items():
        check = row["check_overlaps"]["median"]
        line = f"  n = {int(size):>7,}: check_overlaps {ms(check):>10} " \
               f"({check / int(size) * 1e6:.2f} µs a membership)"
        if "every_pair" in row:
            line += f"; every pair compared {ms(row['every_pair']['median'])}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
