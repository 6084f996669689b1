"""A synthetic country: every cluster, deterministic from a seed, for demos and benchmarks.

The figures it matches are those of Håndbog 2024 §1: "Der er etableret 116
klynger, der omfatter omkring 3.300 læger og ca. 5,5 mio. patienter. [...]
Den gennemsnitlige klynge består af 29 læger med 48.000 patienter. De fleste
klynger består af 20-40 læger med en spredning i størrelse fra 11- 71 læger
og fra 17.117-110.140 patienter." Those are taken as the state on the
counting day 1 January 2024 (the handbook's year): the clinics that are
members that day, their doctor capacities and their group-1 patients.

Per country (one block of 116 clusters), exactly:

- 116 clusters; 3,364 capacities (29 a cluster on average; "omkring
  3.300"), 5,568,000 patients (48,000 a cluster; "ca. 5,5 mio.");
- the smallest cluster has 11 capacities and 17,117 patients, the largest
  71 and 110,140; every other lies between, most with 20–40 capacities;
- 114 clusters founded by November 2019 ("114 klynger" then, per kiap.dk,
  DOMAIN.md), most in 2018, two in 2020–2021; registration completed 2–5
  weeks after the founding general assembly.

Around that snapshot: patients drift from year to year (each clinic its
own trend, −1.5 % to +2.5 % a year, with noise), some clinics join late,
some leave within their first year and some after it, some move from one
cluster to another (``switched_from`` set, the old membership ending the day
the new one starts, so no provider number is ever in two clusters at once),
and a few leave in 2024–2025. Patient counts run 2018–2026 for every year a
clinic is a member of its cluster on 1 January. A year added later is drawn
after the years before it, so it changes none of their counts.

``scale`` multiplies the country: ``scale=10`` is ten blocks of 116
clusters, each matching the figures above; a fraction takes the first part
of a block. Everything comes from one ``random.Random(seed)`` and integer
arithmetic, so a seed and a scale give the same country on every machine
and Python version.

>>> country = generate_country(seed=7)
>>> len(country)
116
>>> stats = snapshot_statistics(country)
>>> stats.capacities, stats.patients, stats.min_capacities, stats.max_patients
(3364, 5568000, 11, 110140)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Final

import attrs

from kiaprules._text import value_repr
from kiaprules.errors import InputError
from kiaprules.model.cluster import Clinic, Cluster, Membership
from kiaprules.model.identifiers import cvr_check_digit_ok

__all__ = ["CountryStatistics", "generate_country", "snapshot_statistics"]

# Håndbog 2024 §1 (quoted in the module docstring).
CLUSTERS: Final = 116
MEAN_CAPACITIES: Final = 29
MEAN_PATIENTS: Final = 48_000
MIN_CAPACITIES, MAX_CAPACITIES = 11, 71
MIN_PATIENTS, MAX_PATIENTS = 17_117, 110_140
#: The day the §1 figures describe.
SNAPSHOT: Final = dt.date(2024, 1, 1)
#: The years of patient counts (per 1 January).
FIRST_YEAR, LAST_YEAR = 2018, 2026
#: Provider numbers are drawn without repeats from 100000–999999.
_PROVIDER_SPACE: Final = 900_000
MAX_SCALE: Final = 250

#: The five regions, and how many of a country's 116 clusters each has.
REGIONS: Final = (("Hovedstaden", 35), ("Midtjylland", 27), ("Syddanmark", 25),
                  ("Sjælland", 17), ("Nordjylland", 12))
_FIRST_NAMES: Final = ("Anne", "Mette", "Hanne", "Lene", "Karen", "Susanne", "Jens", "Peter",
                       "Lars", "Henrik", "Søren", "Niels", "Mads", "Ida", "Sofie", "Rasmus")
_LAST_NAMES: Final = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen",
                      "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Madsen", "Kristensen")
#: Doctor capacities of a clinic: 1–6, solo and two-doctor practices the commonest.
_CLINIC_SIZES: Final = (1,) * 30 + (2,) * 30 + (3,) * 20 + (4,) * 12 + (5,) * 6 + (6,) * 2


@attrs.frozen(kw_only=True)
class CountryStatistics:
    """The Håndbog 2024 §1 figures of a set of clusters, on ``day``."""

    __repr__ = value_repr

    day: dt.date
    clusters: int
    clinics: int
    capacities: int
    patients: int
    min_capacities: int
    max_capacities: int
    min_patients: int
    max_patients: int
    founded_by_year: tuple[tuple[int, int], ...]


def snapshot_statistics(clusters: Sequence[Cluster], day: dt.date = SNAPSHOT
                        ) -> CountryStatistics:
    """Clusters, clinics, capacities and patients of the members on ``day``."""
    caps: list[int] = []
    pats: list[int] = []
    clinics = 0
    for c in clusters:
        members = c.members_on(day)
        clinics += len(members)
        caps.append(sum(m.clinic.capacities for m in members))
        pats.append(sum(m.clinic.patients.get(day.year, 0) for m in members))
    founded: dict[int, int] = {}
    for c in clusters:
        founded[c.founded.year] = founded.get(c.founded.year, 0) + 1
    return CountryStatistics(
        day=day, clusters=len(clusters), clinics=clinics, capacities=sum(caps),
        patients=sum(pats), min_capacities=min(caps, default=0),
        max_capacities=max(caps, default=0), min_patients=min(pats, default=0),
        max_patients=max(pats, default=0), founded_by_year=tuple(sorted(founded.items())))


# --- drawing ---------------------------------------------------------------------------


def _adjust(values: list[int], target: int, lo: int, hi: int, fixed: int,
            rng: random.Random, step: int) -> None:
    """Nudge ``values[fixed:]`` by at most ``step`` at a time, within [lo, hi], to sum to target."""
    diff = target - sum(values)
    while diff:
        i = rng.randrange(fixed, len(values))
        delta = max(-step, min(step, diff))
        new = values[i] + delta
        if lo <= new <= hi:
            values[i] = new
            diff -= delta


def _capacities(rng: random.Random) -> list[int]:
    """Capacities of 116 clusters: one of 11, one of 71, the rest mostly 20–40, mean 29."""
    values = [MIN_CAPACITIES, MAX_CAPACITIES]
    for _ in range(CLUSTERS - 2):
        roll = rng.randrange(100)
        if roll < 12:
            values.append(rng.randint(MIN_CAPACITIES + 1, 19))
        elif roll < 88:
            values.append(rng.randint(20, 40))
        else:
            values.append(rng.randint(41, MAX_CAPACITIES - 1))
    _adjust(values, MEAN_CAPACITIES * CLUSTERS, MIN_CAPACITIES + 1, MAX_CAPACITIES - 1, 2,
            rng, 1)
    return values


def _patients(rng: random.Random, capacities: list[int]) -> list[int]:
    """Patients of the same clusters: about 1,650 a capacity, 17,117–110,140, mean 48,000."""
    values = [MIN_PATIENTS, MAX_PATIENTS]
    for cap in capacities[2:]:
        values.append(min(MAX_PATIENTS - 1, max(MIN_PATIENTS + 1,
                                                 cap * rng.randint(1_450, 1_850))))
    _adjust(values, MEAN_PATIENTS * CLUSTERS, MIN_PATIENTS + 1, MAX_PATIENTS - 1, 2, rng, 97)
    return values


def _founding_days(rng: random.Random) -> list[dt.date]:
    """70 clusters founded in 2018 (from April, OK18), 44 in 2019 by October, 2 in 2020–2021."""
    def between(a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=rng.randint(0, (b - a).days))

    days = [between(dt.date(2018, 4, 16), dt.date(2018, 12, 14)) for _ in range(70)]
    days += [between(dt.date(2019, 1, 7), dt.date(2019, 10, 31)) for _ in range(44)]
    days += [between(dt.date(2020, 2, 3), dt.date(2021, 11, 30)) for _ in range(2)]
    return days


def _split(total: int, rng: random.Random) -> list[int]:
    """``total`` capacities as clinic sizes (1–6), summing exactly."""
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(left, rng.choice(_CLINIC_SIZES))
        sizes.append(size)
        left -= size
    return sizes


def _share(total: int, weights: list[int]) -> list[int]:
    """``total`` in integer shares proportional to ``weights``; the remainder to the first."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    shares[0] += total - sum(shares)
    return shares


def _series(count_2024: int, first: int, last: int, rng: random.Random) -> dict[str, int]:
    """Patients per 1 January of ``first``..``last``: a per-mille trend with noise around 2024."""
    trend = rng.randint(-15, 25)  # per mille a year
    counts = {2024: count_2024}

    def forward(year: int) -> None:
        prev = counts[year - 1]
        counts[year] = max(0, prev + (prev * trend + 500) // 1000
                           + rng.randint(-(prev // 400), prev // 400))

    # The draws run in the order the years were added, so that adding a year
    # changes no earlier year's count: 2025, then 2023 back to 2018 (the
    # first country, 2018-2025), then each later year.
    forward(2025)
    for year in range(2023, FIRST_YEAR - 1, -1):
        nxt = counts[year + 1]
        counts[year] = max(0, (nxt * 1000 + (1000 + trend) // 2) // (1000 + trend)
                           + rng.randint(-(nxt // 400), nxt // 400))
    for year in range(2026, LAST_YEAR + 1):
        forward(year)
    return {str(y): counts[y] for y in range(max(first, FIRST_YEAR), min(last, LAST_YEAR) + 1)}


def _cvr(rng: random.Random, used: set[str]) -> str:
    while True:
        digits = str(rng.randint(1_000_000, 9_999_999))
        for check in "0123456789":
            if cvr_check_digit_ok(digits + check):
                cvr = digits + check
                if cvr not in used:
                    used.add(cvr)
                    return cvr
                break


@attrs.define
class _Draft:
    """A membership before it becomes a :class:`Membership`."""

    __repr__ = value_repr

    provider: int
    capacities: int
    count_2024: int
    joined: dt.date
    left: dt.date | None = None
    switched_from: str | None = None


@attrs.define
class _ClusterDraft:
    __repr__ = value_repr

    name: str
    founded: dt.date
    registered: dt.date
    cvr: str
    coordinator: str
    members: list[_Draft]


def _last_year(m: _Draft) -> int:
    return LAST_YEAR if m.left is None else (m.left - dt.timedelta(days=1)).year


def _block(rng: random.Random, names: list[str], next_provider: list[int],
           used_cvr: set[str]) -> list[_ClusterDraft]:
    """One country of 116 clusters, named ``names`` (in the order drawn)."""
    capacities = _capacities(rng)
    patients = _patients(rng, capacities)
    founded = _founding_days(rng)
    order = list(range(CLUSTERS))
    rng.shuffle(order)
    drafts: list[_ClusterDraft] = []

    def provider() -> int:
        next_provider[0] += 1
        return next_provider[0]

    for k, i in enumerate(order):
        day = founded[k]
        registered = day + dt.timedelta(days=rng.randint(14, 35))
        sizes = _split(capacities[i], rng)
        counts = _share(patients[i], [s * rng.randint(850, 1_150) for s in sizes])
        members: list[_Draft] = []
        for size, count in zip(sizes, counts, strict=True):
            roll = rng.randrange(100)
            if roll < 80:
                joined = day  # a founding member, at the founding general assembly
            elif roll < 88:
                joined = day + dt.timedelta(days=rng.randint(1, (registered - day).days))
            else:  # a late joiner, funded from the next 1 January (Guide §7.1)
                joined = min(SNAPSHOT, registered + dt.timedelta(days=rng.randint(20, 900)))
            m = _Draft(provider=provider(), capacities=size, count_2024=count, joined=joined)
            if rng.randrange(100) < 3:  # leaves in 2024 or 2025, after the snapshot
                m.left = SNAPSHOT + dt.timedelta(days=rng.randint(1, 700))
            members.append(m)
        # Clinics that left before the snapshot: within their first year, and after it.
        extra = []
        if rng.randrange(100) < 40:
            extra.append((day, day + dt.timedelta(days=rng.randint(45, 330))))
        for _ in range(rng.randint(0, 2)):
            start = day + dt.timedelta(days=400)
            if start < SNAPSHOT:
                extra.append((day, start + dt.timedelta(days=rng.randint(0, (SNAPSHOT - start)
                                                                         .days - 1))))
        for joined, left in extra:
            size = rng.choice(_CLINIC_SIZES[:80])
            members.append(_Draft(provider=provider(), capacities=size,
                                  count_2024=size * rng.randint(1_400, 1_900), joined=joined,
                                  left=left))
        region_name = names[k]
        drafts.append(_ClusterDraft(
            name=region_name, founded=day, registered=registered, cvr=_cvr(rng, used_cvr),
            coordinator=f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
            members=members))
    # Cluster switches: about one clinic in fifty came from another cluster of
    # the block. Its old membership starts at that cluster's founding and
    # ends the day the new one starts (so the two never overlap); a switch
    # within the first year makes the old cluster's startup grant go back.
    for target in drafts:
        for m in target.members:
            if m.left is not None or m.joined != target.founded or rng.randrange(100) >= 2:
                continue
            source = drafts[rng.randrange(len(drafts))]
            if source is target:
                continue
            start = max(source.founded, target.founded)
            moved = min(dt.date(2023, 12, 31), start + dt.timedelta(days=rng.randint(60, 900)))
            if moved <= source.founded:
                continue
            source.members.append(_Draft(provider=m.provider, capacities=m.capacities,
                                         count_2024=m.count_2024, joined=source.founded,
                                         left=moved))
            m.joined = moved
            m.switched_from = source.name
    return drafts


def _names(scale_clusters: int) -> list[list[str]]:
    """Cluster names per block: region and a number counting on across blocks."""
    blocks = -(-scale_clusters // CLUSTERS)
    width = len(str(max(n for _, n in REGIONS) * blocks))
    counters = {region: 0 for region, _ in REGIONS}
    out = []
    for _ in range(blocks):
        names = []
        for region, n in REGIONS:
            for _ in range(n):
                counters[region] += 1
                names.append(f"{region} {counters[region]:0{width}d}")
        out.append(names)
    return out


def _scale_clusters(scale: object) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise InputError(f"must be a number, got {scale!r}", field="scale",
                         code="input.not_a_number")
    if not 0 < scale <= MAX_SCALE:
        raise InputError(f"must be above 0 and at most {MAX_SCALE}, got {scale!r}",
                         field="scale", code="input.out_of_range")
    return max(1, round(CLUSTERS * scale))


def generate_country(*, seed: int = 2024, scale: float = 1.0) -> tuple[Cluster, ...]:
    """A synthetic country of clusters matching Håndbog 2024 §1, sorted by name.

    The same ``seed`` and ``scale`` give the same clusters, to the byte of
    their files, on any machine. ``scale=1`` is 116 clusters; ``scale=10``
    ten times as many, each block of 116 matching §1 on its own.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"must be a whole number, got {seed!r}", field="seed",
                         code="input.not_a_whole_number")
    wanted = _scale_clusters(scale)
    rng = random.Random(seed)
    # Provider numbers: an affine permutation of 100000–999999, so that they
    # look scattered but never repeat. 900000 = 2^5 · 3^2 · 5^5.
    mult = rng.choice([a for a in range(100_001, 100_100) if a % 2 and a % 3 and a % 5])
    offset = rng.randrange(_PROVIDER_SPACE)
    drafts: list[_ClusterDraft] = []
    next_provider = [0]
    used_cvr: set[str] = set()
    for names in _names(wanted):
        drafts.extend(_block(rng, names, next_provider, used_cvr))
    drafts = drafts[:wanted]
    if next_provider[0] > _PROVIDER_SPACE:
        raise InputError(f"needs {next_provider[0]:,} provider numbers; there are "
                         f"{_PROVIDER_SPACE:,}", field="scale", code="input.out_of_range")
    clusters = []
    for d in drafts:
        memberships = []
        for m in d.members:
            number = f"{100_000 + (m.provider * mult + offset) % _PROVIDER_SPACE:06d}"
            # The same series for each membership of a clinic: one trend, cut
            # to the years each membership needs.
            # A founding member is paid on its count per 1 January of the
            # founding year, even when it joins after New Year, before the
            # registration is completed (a December founding).
            first = min(m.joined.year, d.founded.year) if m.joined <= d.registered \
                else m.joined.year
            series = _series(m.count_2024, first, _last_year(m),
                             random.Random(m.provider * 7_919 + seed))
            memberships.append(Membership(
                clinic=Clinic(provider_number=number, capacities=m.capacities,
                              patients=series),
                joined=m.joined, left=m.left, switched_from=m.switched_from))
        clusters.append(Cluster(name=d.name, cvr=d.cvr, coordinator=d.coordinator,
                                founded=d.founded, registered=d.registered,
                                memberships=memberships))
    return tuple(sorted(clusters, key=lambda c: c.name))
