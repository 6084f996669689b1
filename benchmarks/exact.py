"""An independent exact computation of the payouts, for the benchmarks' øre-by-øre check.

Written from DOMAIN.md's payout rules under the shipped ruleset's default
readings, and nothing else: it imports nothing from kiaprules, reads the
bulk JSON file as plain data, and counts money in whole øre (Python ints),
rates in ten-thousandths of a krone. It is deliberately plain: each cluster,
year by year, clinic by clinic.

Its quantities (who is paid on how many patients, whose startup grant is paid
or clawed back) do not depend on the rates, so :func:`quantities` is worked
out once and :func:`totals` prices it for any set of rates; a sweep of 1,000
rate variants is checked in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

# Rates in ten-thousandths of a krone, from DOMAIN.md "Payout rules".
#: Rule 1: "10,000 kr per doctor capacity, paid once".
STARTUP_E4 = 10_000 * 10_000
#: Rule 2: the published operating rates; I5 carries the last one forward.
OPERATING_E4 = {2018: 43_300, 2022: 11_200, 2023: 23_200, 2024: 35_500, 2025: 36_500}
#: Rule 3: "+2.16 kr per patient in 2019 and in 2020, +0.47 kr in 2021".
SUPPLEMENT_E4 = {2019: 21_600, 2020: 21_600, 2021: 4_700}
KINDS = ("startup", "operating", "supplement", "clawback")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def operating_e4(year: int) -> int:
    return OPERATING_E4[max(y for y in OPERATING_E4 if y <= year)]


def _plus_twelve_months(day: dt.date) -> dt.date:
    """I3: the anniversary; 29 February + 12 months is 28 February."""
    year = day.year + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = 29 if day.month == 2 and leap else _MONTH_DAYS[day.month - 1]
    return dt.date(year, day.month, min(day.day, last))


def _ore(rate_e4: int, quantity: int) -> int:
    """I6: rate × quantity, to the øre, half up (quantity ≥ 0)."""
    return (rate_e4 * quantity + 50) // 100


#: (cluster, year) → (patients, startup capacities, {year paid: capacities clawed back})
Quantities = dict[tuple[str, int], tuple[int, int, dict[int, int]]]


def quantities(document: Mapping[str, Any], years: Iterable[int]) -> Quantities:
    """Who is paid for what, cluster by cluster and year by year (rules 1–8, I1–I4)."""
    wanted = sorted(set(years))
    out: Quantities = {}
    for cluster in document["clusters"]:
        name = cluster["name"]
        founded = dt.date.fromisoformat(cluster["founded"])
        registered = dt.date.fromisoformat(cluster.get("registered", cluster["founded"]))
        clinics = []
        for c in cluster.get("clinic", []):
            clinics.append((c["provider_number"], c["capacities"],
                            dt.date.fromisoformat(c["joined"]),
                            dt.date.fromisoformat(c["left"]) if c.get("left") else None,
                            bool(c.get("switched_from")), c.get("patients", {})))
        # A clinic's memberships in provider-number, then joining order.
        clinics.sort(key=lambda c: (c[0], c[2]))
        paid_once: set[str] = set()
        startup_paid: list[tuple[int, tuple[Any, ...]]] = []
        for year in range(founded.year, wanted[-1] + 1):
            # Rule 5, I2: the founding year counts the members on the day
            # registration is completed; later years those on 1 January.
            day = registered if year == founded.year else dt.date(year, 1, 1)
            patients = capacities = 0
            for c in clinics:
                pn, caps, joined, left, switched, counts = c
                if not (joined <= day and (left is None or day < left)):
                    continue
                patients += counts[str(year)]
                if pn in paid_once:
                    continue
                paid_once.add(pn)
                if not switched:  # rule 7: no startup grant on a cluster switch
                    capacities += caps  # rule 1, I4: in the first funded year
                    startup_paid.append((year, c))
            clawed: dict[int, int] = {}
            for paid_year, c in startup_paid:
                _, caps, joined, left, _, _ = c
                # Rule 8, I3: left within 12 months of joining; deducted (C1) in the
                # payout of the first year whose counting day is on or after the day
                # it left: the year after, or the same year for a 1 January leaver.
                if left is None:
                    continue
                counting = registered if left.year == founded.year else dt.date(left.year, 1, 1)
                first_not_counted = left.year if counting >= left else left.year + 1
                if first_not_counted == year and left < _plus_twelve_months(joined):
                    clawed[paid_year] = clawed.get(paid_year, 0) + caps
            if year in wanted and (patients or capacities or clawed):
                out[(name, year)] = (patients, capacities, clawed)
    return out


def totals(q: Quantities, operating: Mapping[int, int] | None = None
           ) -> dict[tuple[str, int], dict[str, int]]:
    """Øre per cluster and year, by kind and in total; ``operating`` overrides rates by year."""
    rates = dict(operating or {})
    out = {}
    for (name, year), (patients, capacities, clawed) in q.items():
        rate = rates.get(year, operating_e4(year))
        amounts = {
            "startup": _ore(STARTUP_E4, capacities),
            "operating": _ore(rate, patients),
            "supplement": _ore(SUPPLEMENT_E4.get(year, 0), patients),
            "clawback": -sum(_ore(STARTUP_E4, caps) for caps in clawed.values()),
        }
        amounts["total"] = sum(amounts.values())
        out[(name, year)] = amounts
    return out


def read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result
