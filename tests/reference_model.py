"""The naive reference model: payouts written from DOMAIN.md alone.

Shared by ``engine/test_reference_model.py`` (the property "engine =
reference") and ``stateful/test_stateful.py`` (checked after every step of
a grown history). It imports nothing from kiaprules but the value types it
is handed, and follows the rules as DOMAIN.md words them, corrections
C1–C4 included, deliberately without the engine's structure.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

# --- the figures, from DOMAIN.md "Payout rules" ---------------------------------------

#: Rule 1: "10,000 kr per doctor capacity, paid once".
STARTUP_PER_CAPACITY = Decimal("10000")

#: Rule 2: the published operating rates per group-1 patient. 2019–2021 and
#: 2026 on are not published; I5 carries the last published rate forward.
PUBLISHED_OPERATING = {
    2018: Decimal("4.33"),  # Guide §7.1
    2022: Decimal("1.12"),  # kiap.dk Klyngeadministration
    2023: Decimal("2.32"),  # kiap.dk Klyngeadministration
    2024: Decimal("3.55"),  # kiap.dk Klyngeadministration, Håndbog 2024 §10
    2025: Decimal("3.65"),  # kiap.dk Klyngeadministration
}

#: Rule 3: "+2.16 kr per patient in 2019 and in 2020, +0.47 kr in 2021".
SUPPLEMENT = {2019: Decimal("2.16"), 2020: Decimal("2.16"), 2021: Decimal("0.47")}

KINDS = ("startup", "operating", "supplement", "clawback")


def operating_rate(year: int) -> Decimal:
    """Rule 2 with I5: the rate published for ``year``, else the last one before it."""
    published = [y for y in PUBLISHED_OPERATING if y <= year]
    return PUBLISHED_OPERATING[max(published)]


def to_ore(amount: Decimal) -> Decimal:
    """I6: rounded to the øre, half up."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_member(membership, day: dt.date) -> bool:  # type: ignore[no-untyped-def]
    """A clinic is a member from ``joined`` up to, not including, ``left``."""
    return membership.joined <= day and (membership.left is None or day < membership.left)


def first_year_not_counted(left: dt.date) -> int:
    """C1: the year of the first 1 January on or after ``left``."""
    return left.year if left == dt.date(left.year, 1, 1) else left.year + 1


def reference_payouts(clusters, years, *, claw_back: bool = True):  # type: ignore[no-untyped-def]
    """``{(cluster name, year): {"due": date, kind: amount, ..., "total": amount}}``.

    Years without anything to pay or deduct are left out.
    """
    out = {}
    for c in clusters:
        founding_year = c.founded.year
        startup_paid = []  # memberships that received this cluster's startup grant
        paid_before = set()  # provider numbers this cluster has paid at least once
        for year in range(founding_year, max(years) + 1):
            if year == founding_year:
                # I2 and rule 4: the first payout pays the members on the day
                # registration was completed, on their patients per 1 January,
                # and is due that day; rule 5 and I1: a full year is due.
                counting_day = c.registered
                due = c.registered
            else:
                # Rule 4 and rule 6: members and patients per 1 January, paid on
                # 1 March (never before the cluster is registered).
                counting_day = dt.date(year, 1, 1)
                due = max(dt.date(year, 3, 1), c.registered)
            paid = [m for m in c.memberships if is_member(m, counting_day)]
            patients = sum(m.clinic.patients[year] for m in paid)
            startup_capacities = 0
            for m in paid:
                pn = str(m.clinic.provider_number)
                if pn in paid_before:
                    continue  # rule 1: paid once
                paid_before.add(pn)
                # Rule 7 and C3: no startup grant on a switch, marked, or seen in the
                # input as leaving another cluster on the day it joined this one.
                switched = m.switched_from is not None or any(
                    o.clinic.provider_number == m.clinic.provider_number and o.left == m.joined
                    for other in clusters if other.name != c.name for o in other.memberships)
                if not switched:
                    startup_capacities += m.clinic.capacities  # rule 1 and I4
                    startup_paid.append(m)
            clawed_capacities = 0
            if claw_back:
                # I3 and C1: a clinic that left before joined + 12 months, and got
                # a startup grant here, has it deducted in the payout of the first
                # year whose 1 January is on or after its left date.
                for m in startup_paid:
                    if (m.left is not None and first_year_not_counted(m.left) == year
                            and m.left < m.joined + relativedelta(months=12)):
                        clawed_capacities += m.clinic.capacities
            if not paid and not clawed_capacities:
                continue
            if year not in years:
                continue
            amounts = {
                "startup": to_ore(STARTUP_PER_CAPACITY * startup_capacities),
                "operating": to_ore(operating_rate(year) * patients) if paid else Decimal(0),
                "supplement": to_ore(SUPPLEMENT.get(year, Decimal(0)) * patients),
                "clawback": -to_ore(STARTUP_PER_CAPACITY * clawed_capacities),
            }
            out[(c.name, year)] = {
                "due": due,
                **amounts,
                "total": sum(amounts.values(), Decimal(0)),
            }
    return out


def engine_payouts(report):  # type: ignore[no-untyped-def]
    """The engine's report in the reference model's shape."""
    out = {}
    for c, y in report:
        out[(c.name, y.year)] = {"due": y.due, **{k: y.amount(k) for k in KINDS},
                                 "total": y.total}
    return out


