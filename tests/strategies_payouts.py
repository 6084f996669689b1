"""Builders and Hypothesis strategies for the payout-engine tests.

A plain module (not conftest.py), imported by ``test_payouts_*.py`` and
``test_reference_model.py``.

The strategy :func:`scenarios` draws 1–3 clusters founded 2018–2024 with
1–6 clinics each, whose clinics join, leave, rejoin and switch between the
clusters without ever being in two places at once (so no ConflictError), and
whose patient counts cover every year 2018–2026 (so no missing count). Dates
lean on the boundaries the rules care about: the founding and registration
days, 1 January, the day before the one-year anniversary and the
anniversary itself, and 29 February.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from kiaprules import Clinic, Cluster, Membership, load_ruleset

#: The shipped ruleset, loaded once: every test prices with it.
RULESET = load_ruleset("dk-kiap")

#: The years the generated scenarios are computed for.
YEARS = tuple(range(2018, 2027))
FIRST_DAY = dt.date(2018, 1, 1)
LAST_DAY = dt.date(2026, 12, 31)

NAMES = ("Amagerklyngen", "Bornholmklyngen", "Køgeklyngen", "Roskildeklyngen")


# --- plain builders for the example tests ----------------------------------------


def d(text: str) -> dt.date:
    """``d("2018-09-12")``: a date, briefly."""
    return dt.date.fromisoformat(text)


def every_year(count: int, first: int = 2018, last: int = 2026) -> dict[int, int]:
    """The same patient count for every year ``first``–``last``."""
    return {year: count for year in range(first, last + 1)}


def member(
    provider_number: str,
    joined: str | dt.date,
    *,
    capacities: int = 1,
    patients: int | Mapping[int, int] = 1000,
    left: str | dt.date | None = None,
    switched_from: str | None = None,
) -> Membership:
    """A membership; ``patients`` an int means that count in every year 2018–2026."""
    counts = every_year(patients) if isinstance(patients, int) else dict(patients)
    return Membership(
        clinic=Clinic(provider_number=provider_number, capacities=capacities, patients=counts),
        joined=joined,
        left=left,
        switched_from=switched_from,
    )


def cluster(
    name: str,
    founded: str | dt.date,
    members: Iterable[Membership],
    *,
    registered: str | dt.date | None = None,
) -> Cluster:
    extra = {} if registered is None else {"registered": registered}
    return Cluster(name=name, cvr="12345674", coordinator="Anne Jensen", founded=founded,
                   memberships=list(members), **extra)


# --- the scenario strategy ---------------------------------------------------------


def _clamp(day: dt.date) -> dt.date:
    return min(max(day, FIRST_DAY), LAST_DAY)


@st.composite
def _join_date(draw: st.DrawFn, founded: dt.date, registered: dt.date) -> dt.date | None:
    """A join date on or after ``founded``, leaning on the days that matter."""
    kind = draw(st.sampled_from(("founded", "registered", "after_registration",
                                 "1_january", "leap_day", "any")))
    if kind == "founded":
        day = founded
    elif kind == "registered":
        day = registered
    elif kind == "after_registration":
        day = registered + dt.timedelta(days=1)
    elif kind == "1_january":
        day = dt.date(draw(st.integers(founded.year + 1, 2026)), 1, 1)
    elif kind == "leap_day":
        day = dt.date(draw(st.sampled_from((2020, 2024))), 2, 29)
    else:
        day = draw(st.dates(founded, LAST_DAY))
    if day < founded or day > LAST_DAY:
        return None
    return day


@st.composite
def _left_date(draw: st.DrawFn, joined: dt.date) -> dt.date | None:
    """``None`` (still a member) or a day after ``joined``, leaning on the anniversary."""
    kind = draw(st.sampled_from(("stays", "before_anniversary", "anniversary",
                                 "after_anniversary", "1_january", "any")))
    anniversary = joined + relativedelta(months=12)
    if kind == "stays":
        return None
    if kind == "before_anniversary":
        day = anniversary - dt.timedelta(days=draw(st.sampled_from((1, 1, 2, 40, 200))))
    elif kind == "anniversary":
        day = anniversary
    elif kind == "after_anniversary":
        day = anniversary + dt.timedelta(days=draw(st.sampled_from((1, 100))))
    elif kind == "1_january":
        day = dt.date(draw(st.integers(joined.year + 1, 2027)), 1, 1)
    else:
        day = draw(st.dates(joined + dt.timedelta(days=1), dt.date(2027, 12, 31)))
    return day if day > joined else joined + dt.timedelta(days=1)


@st.composite
def scenarios(draw: st.DrawFn, *, max_clusters: int = 3, max_clinics: int = 6) -> list[Cluster]:
    """1–``max_clusters`` clusters with 1–``max_clinics`` clinics each (see module doc)."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=max_clusters,
                          unique=True))
    heads: dict[str, tuple[dt.date, dt.date]] = {}
    for name in names:
        founded = draw(st.one_of(
            st.dates(dt.date(2018, 1, 1), dt.date(2024, 12, 31)),
            st.sampled_from((d("2018-01-01"), d("2018-09-12"), d("2019-12-20"),
                             d("2020-02-29"), d("2021-07-01"), d("2024-12-31")))))
        delay = draw(st.sampled_from((0, 0, 1, 21, 45, 80)))
        heads[name] = (founded, founded + dt.timedelta(days=delay))
    per_cluster: dict[str, list[Membership]] = {name: [] for name in names}
    provider_numbers = draw(st.lists(
        st.from_regex(r"[0-9]{5,6}", fullmatch=True), min_size=len(names),
        max_size=len(names) * max_clinics, unique=True))
    counts = {name: 0 for name in names}
    for i, pn in enumerate(provider_numbers):
        home = names[i % len(names)]  # every cluster gets at least one clinic
        if counts[home] >= max_clinics:
            continue
        capacities = draw(st.integers(1, 5))
        patients = {year: draw(st.integers(0, 20_000)) for year in YEARS}
        clinic = Clinic(provider_number=pn, capacities=capacities, patients=patients)
        founded, registered = heads[home]
        joined = draw(_join_date(founded, registered)) or founded
        switched_from = draw(st.sampled_from((None, None, None, "Udenbysklyngen")))
        where = home
        # A clinic's history: up to three consecutive memberships, possibly in
        # other clusters (a switch, usually marked) or back in the same (a rejoin).
        for _step in range(draw(st.integers(1, 3))):
            if counts[where] >= max_clinics:
                break
            left = draw(_left_date(joined))
            # C4: now and then the capacities change during the membership.
            end = min(left or LAST_DAY, LAST_DAY)
            if draw(st.integers(0, 3)) == 0 and end - joined > dt.timedelta(days=2):
                on = draw(st.dates(joined + dt.timedelta(days=1), end - dt.timedelta(days=1)))
                clinic_here = attrs.evolve(clinic, capacity_changes=[
                    (on, draw(st.integers(1, 6)))])
            else:
                clinic_here = attrs.evolve(clinic, capacity_changes=())
            per_cluster[where].append(Membership(clinic=clinic_here, joined=joined, left=left,
                                                 switched_from=switched_from))
            counts[where] += 1
            if left is None or left > LAST_DAY:
                break
            target = draw(st.sampled_from(names))
            target_founded = heads[target][0]
            gap = draw(st.sampled_from((0, 0, 1, 30, 200)))
            joined = max(left + dt.timedelta(days=gap), target_founded)
            if joined > LAST_DAY:
                break
            switched_from = (where if target != where and draw(st.integers(0, 4))
                             else None)
            where = target
    return [Cluster(name=name, cvr="12345674", coordinator="Anne Jensen",
                    founded=heads[name][0], registered=heads[name][1],
                    memberships=per_cluster[name]) for name in names]


@st.composite
def scenarios_some_withheld(draw: st.DrawFn) -> list[Cluster]:
    """:func:`scenarios` where any of the clusters may lack its CVR number, so that its
    money is withheld (C2): what it would have been paid is said, and nothing is paid."""
    clusters = draw(scenarios())
    unregistered = draw(st.sets(st.sampled_from([c.name for c in clusters])))
    return [attrs.evolve(c, cvr=None) if c.name in unregistered else c for c in clusters]


# --- pinned boundary scenarios (used with @example) ---------------------------------


def leap_day_scenario() -> list[Cluster]:
    """Founded on 29 February 2020; one founding member leaves on 28 February 2021
    (the anniversary: kept), one on 27 February 2021 (the day before: clawed back)."""
    return [cluster("Amagerklyngen", "2020-02-29", [
        member("11111", "2020-02-29", capacities=2, left="2021-02-28"),
        member("22222", "2020-02-29", capacities=3, left="2021-02-27"),
        member("33333", "2020-02-29", capacities=1, patients=500),
    ])]


def new_year_scenario() -> list[Cluster]:
    """Joins and leaves on 1 January, registration in the year after founding (after
    1 March), and a switch on the day the clinic left its old cluster."""
    return [
        cluster("Bornholmklyngen", "2019-12-20", [
            member("44444", "2019-12-20", capacities=2, left="2021-01-01"),
            member("55555", "2020-01-01", capacities=1, left="2020-12-31"),
            member("66666", "2020-01-10", capacities=1),
        ], registered="2020-03-10"),
        cluster("Køgeklyngen", "2018-01-01", [
            member("77777", "2018-01-01", capacities=4, left="2018-12-31"),
            member("44444", "2021-01-01", capacities=2, switched_from="Bornholmklyngen"),
        ]),
    ]


def anniversary_scenario() -> list[Cluster]:
    """Late joiners leaving on the day before, on, and the day after their anniversary,
    and a rejoin of a clawed-back clinic."""
    return [cluster("Roskildeklyngen", "2018-09-12", [
        member("80001", "2018-09-12", capacities=2),
        member("80002", "2019-01-01", capacities=1, left="2019-12-31"),
        member("80003", "2019-01-01", capacities=2, left="2020-01-01"),
        member("80004", "2019-01-01", capacities=3, left="2020-01-02"),
        member("80005", "2018-10-01", capacities=1, left="2019-09-30"),
        member("80005", "2020-01-01", capacities=1),
    ], registered="2018-10-03")]


def withheld_scenario() -> list[Cluster]:
    """:func:`anniversary_scenario` without a CVR number: every year withheld (C2)."""
    return [attrs.evolve(c, cvr=None) for c in anniversary_scenario()]


BOUNDARY_SCENARIOS = (leap_day_scenario, new_year_scenario, anniversary_scenario)
#: The boundary scenarios and one whose money is withheld: every path a record can take.
RECORD_SCENARIOS = (*BOUNDARY_SCENARIOS, withheld_scenario)
