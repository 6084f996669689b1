"""The cluster model: clinics, their memberships of a cluster, and clusters.

Frozen, keyword-only attrs value objects. Each field is checked when the
object is made; change one by ``attrs.evolve``, which checks again.

A membership runs from ``joined`` (the first day as a member) up to, but not
including, ``left`` (the first day no longer a member): a clinic is a member
on day D when ``joined <= D < left``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

import attrs

from kiaprules.errors import ConflictError, InputError
from kiaprules.model.calendar import MAX_YEAR, MIN_YEAR, parse_date, parse_year
from kiaprules.model.identifiers import CvrNumber, ProviderNumber

__all__ = [
    "Clinic",
    "Cluster",
    "Membership",
    "Overlap",
    "PatientCounts",
    "check_overlaps",
    "find_overlaps",
    "membership_from_plain",
    "memberships_by_provider",
]

#: Guards against typos, not rules: no clinic has a thousand doctors or
#: ten million listed patients. Larger numbers are refused as implausible.
MAX_CAPACITIES: Final = 1_000
MAX_PATIENTS: Final = 10_000_000
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _whole(value: object, *, field: str, minimum: int, maximum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"must be a whole number ≥ {minimum}{what}, got {value!r}", field=field)
    if value < minimum:
        raise InputError(f"must be a whole number ≥ {minimum}{what}, got {value!r}", field=field)
    if value > maximum:
        raise InputError(
            f"must be at most {maximum:,} (larger is implausible for one clinic), got {value!r}",
            field=field,
        )
    return value


class PatientCounts(Mapping[int, int]):
    """Group-1 patients per 1 January, year → count (≥ 0); immutable and hashable.

    Keys may be handed in as ints or as four-digit strings (TOML and JSON keys
    are strings); they are kept as ints, in order.
    """

    __slots__ = ("_data", "_hash")
    _data: dict[int, int]
    _hash: int | None

    def __init__(self, counts: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = ()) -> None:
        fast = _well_formed(counts) if type(counts) is dict else None
        if fast is not None:
            object.__setattr__(self, "_data", fast)
            object.__setattr__(self, "_hash", None)
            return
        items = counts.items() if isinstance(counts, Mapping) else counts
        data: dict[int, int] = {}
        for key, value in items:
            # The common case, checked inline (a file's key "2019", an int count in
            # range); anything else goes through parse_year and _whole, which
            # accept or refuse it with their messages.
            if type(key) is str and len(key) == 4 and key.isdigit() and key.isascii() \
                    and MIN_YEAR <= (year := int(key)) <= MAX_YEAR:
                pass
            else:
                year = parse_year(key, field=f"patients.{key}")
            if year in data:
                raise InputError(f"year {year} is given twice", field="patients")
            if type(value) is int and 0 <= value <= MAX_PATIENTS:
                data[year] = value
            else:
                data[year] = _whole(
                    value, field=f"patients.{year}", minimum=0, maximum=MAX_PATIENTS, what=""
                )
        object.__setattr__(self, "_data", dict(sorted(data.items())))
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PatientCounts is immutable")

    def __getitem__(self, year: int) -> int:
        return self._data[year]

    def __iter__(self) -> Iterator[int]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(self._data.items())))
        assert self._hash is not None
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PatientCounts):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"PatientCounts({self._data!r})"


#: Key tuples of patient tables already checked → their years, in order. A
#: country's clinics share a few dozen of them (the years each membership runs).
_CHECKED_KEYS: dict[tuple[Any, ...], tuple[tuple[int, ...], bool]] = {}


def _well_formed(counts: dict[Any, Any]) -> dict[int, int] | None:
    """``counts`` as year → count when every key is four ASCII digits of a year in range
    and every count a whole number in range; else None.

    A country's file has thousands of these tables; this accepts exactly what
    the key-by-key checks of :class:`PatientCounts` accept, and leaves every
    other table, and every error message, to those checks. The keys are
    checked once per distinct set of keys.
    """
    keys = tuple(counts)
    known = _CHECKED_KEYS.get(keys)
    if known is None:
        years = []
        for key in keys:
            if type(key) is not str or len(key) != 4 or not key.isdigit() \
                    or not key.isascii() or not MIN_YEAR <= int(key) <= MAX_YEAR:
                return None
            years.append(int(key))
        known = (tuple(years), years == sorted(years))
        if len(_CHECKED_KEYS) < 4096:
            _CHECKED_KEYS[keys] = known
    for value in counts.values():
        if type(value) is not int or not 0 <= value <= MAX_PATIENTS:
            return None
    years_of, ordered = known
    data = dict(zip(years_of, counts.values(), strict=True))
    return data if ordered else dict(sorted(data.items()))


def membership_from_plain(raw: dict[str, Any], *, source: str, path: str | None
                          ) -> Membership | None:
    """The :class:`Membership` of a file's clinic record, when every value is already in
    its plain, canonical form; else None, for the ordinary constructors to check.

    The bulk loader's fast path. It accepts only what the constructors accept
    and turn into the same values unchanged: a provider number of 5–6 ASCII
    digits, capacities a whole number in range, ``YYYY-MM-DD`` dates with
    ``left`` after ``joined``, ``switched_from`` absent or trimmed text, and a
    well-formed patient table. Anything else, including every error, goes the
    ordinary way, so messages are the ordinary ones.
    """
    pn = raw.get("provider_number")
    capacities = raw.get("capacities")
    joined = raw.get("joined")
    left = raw.get("left")
    switched = raw.get("switched_from")
    patients = raw.get("patients", {})
    if not (type(pn) is str and 5 <= len(pn) <= 6 and pn.isdigit() and pn.isascii()
            and type(capacities) is int and 1 <= capacities <= MAX_CAPACITIES
            and type(joined) is str and _ISO_DATE.fullmatch(joined)
            and (left is None or (type(left) is str and _ISO_DATE.fullmatch(left)))
            and (switched is None or (type(switched) is str and switched
                                      and switched.strip() == switched))
            and type(patients) is dict):
        return None
    counts = _well_formed(patients)
    if counts is None:
        return None
    try:
        joined_day = dt.date.fromisoformat(joined)
        left_day = None if left is None else dt.date.fromisoformat(left)
    except ValueError:
        return None
    if left_day is not None and left_day <= joined_day:
        return None
    table = object.__new__(PatientCounts)
    object.__setattr__(table, "_data", counts)
    object.__setattr__(table, "_hash", None)
    # Set as attrs' own __init__ sets the fields of a frozen class.
    fields: tuple[tuple[str, object], ...] = (
        ("provider_number", str.__new__(ProviderNumber, pn)), ("capacities", capacities),
        ("patients", table))
    clinic = object.__new__(Clinic)
    for name, value in fields:
        object.__setattr__(clinic, name, value)
    membership = object.__new__(Membership)
    fields = (("clinic", clinic), ("joined", joined_day), ("left", left_day),
              ("switched_from", switched), ("source", source), ("path", path))
    for name, value in fields:
        object.__setattr__(membership, name, value)
    return membership


def _to_patient_counts(value: object) -> PatientCounts:
    if isinstance(value, PatientCounts):
        return value
    if type(value) is dict or isinstance(value, Mapping):
        return PatientCounts(value)
    raise InputError(
        f"must be a table of year = count, got {type(value).__name__}", field="patients"
    )


def _check_capacities(_: Any, __: attrs.Attribute[int], value: object) -> None:
    _whole(value, field="capacities", minimum=1, maximum=MAX_CAPACITIES, what="")


@attrs.frozen(kw_only=True)
class Clinic:
    """A clinic: its provider number, doctor capacities and patients per 1 January."""

    provider_number: ProviderNumber = attrs.field(converter=ProviderNumber)
    capacities: int = attrs.field(validator=_check_capacities)
    patients: PatientCounts = attrs.field(converter=_to_patient_counts, factory=PatientCounts)


def _to_joined(value: object) -> dt.date:
    return parse_date(value, field="joined")


def _to_left(value: object) -> dt.date | None:
    return None if value is None else parse_date(value, field="left")


def _to_founded(value: object) -> dt.date:
    return parse_date(value, field="founded")


def _to_registered(value: object) -> dt.date:
    return parse_date(value, field="registered")


def _to_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be non-empty text, got {value!r}", field="name")
    return value.strip()


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"must be text, got {type(value).__name__} {value!r}", field=field)
    text = value.strip()
    return text or None


def _to_switched_from(value: object) -> str | None:
    return _optional_text(value, "switched_from")


def _to_coordinator(value: object) -> str | None:
    return _optional_text(value, "coordinator")


@attrs.frozen(kw_only=True)
class Membership:
    """A clinic's membership of a cluster: member on day D when ``joined <= D < left``.

    ``switched_from`` names the cluster the clinic came from; a clinic that
    came by a cluster switch gets no startup grant (Guide til klyngestart
    §7.1: "Opstartsbeløbet udbetales ikke ved klyngeskift.").

    ``source`` names the record it came from (``clinic[2] (012345)``) and
    ``path`` its file, for error messages; neither takes part in equality.
    """

    clinic: Clinic = attrs.field(validator=attrs.validators.instance_of(Clinic))
    joined: dt.date = attrs.field(converter=_to_joined)
    left: dt.date | None = attrs.field(default=None, converter=_to_left)
    switched_from: str | None = attrs.field(default=None, converter=_to_switched_from)
    source: str | None = attrs.field(default=None, eq=False, repr=False)
    path: str | None = attrs.field(default=None, eq=False, repr=False)

    @left.validator
    def _left_after_joined(self, _: Any, value: dt.date | None) -> None:
        if value is not None and value <= self.joined:
            raise InputError(
                f"{value.isoformat()} must be after joined ({self.joined.isoformat()}): "
                "left is the first day no longer a member",
                field="left",
            )

    @property
    def provider_number(self) -> ProviderNumber:
        return self.clinic.provider_number

    @property
    def label(self) -> str:
        """How error messages name this record."""
        return self.source or f"clinic {self.provider_number}"

    @property
    def where(self) -> str:
        """The record with its file, where known."""
        return f"{self.path}: {self.label}" if self.path else self.label

    def is_member_on(self, day: dt.date) -> bool:
        return self.joined <= day and (self.left is None or day < self.left)

    def overlaps(self, other: Membership) -> bool:
        """Whether the two memberships share at least one day."""
        end_a = self.left or dt.date.max
        end_b = other.left or dt.date.max
        return self.joined < end_b and other.joined < end_a


def _sort_memberships(value: object) -> tuple[Membership, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError("must be a list of memberships", field="memberships")
    items = tuple(value)
    for item in items:
        if not isinstance(item, Membership):
            raise InputError(
                f"must contain Membership objects, got {type(item).__name__}",
                field="memberships",
            )
    # Canonical order, so that equal clusters compare, dump and compute alike
    # whatever order their clinics were listed in. The key covers every field
    # that takes part in equality, so that two memberships with the same
    # provider number and dates still come out in one order.
    return tuple(sorted(items, key=lambda m: (
        m.clinic.provider_number, m.joined, m.left or dt.date.max, m.switched_from or "",
        m.clinic.capacities, tuple(m.clinic.patients._data.items()))))


def _optional_cvr(value: object) -> CvrNumber | None:
    return None if value is None or value == "" else CvrNumber(value)


@attrs.frozen(kw_only=True)
class Cluster:
    """A cluster (klynge): a registered network of clinics.

    ``founded`` is the date of the founding general assembly, from which funds
    are due (Guide til klyngestart §4.2: "Tidspunktet for den stiftende
    generalforsamling er skæringsdato i forhold til, fra hvornår klyngen får
    udbetalt midler fra regionen."). ``registered`` is the day registration
    was completed on kiap.dk (the "færdig" button); it defaults to ``founded``
    and may not come before it.

    ``cvr`` and ``coordinator`` may be missing in the model (a cluster
    awaiting its CVR number); :func:`kiaprules.check_registration` lists them
    as unmet requirements.
    """

    name: str = attrs.field(converter=_to_name)
    cvr: CvrNumber | None = attrs.field(default=None, converter=_optional_cvr)
    coordinator: str | None = attrs.field(default=None, converter=_to_coordinator)
    founded: dt.date = attrs.field(converter=_to_founded)
    registered: dt.date = attrs.field(
        default=attrs.Factory(lambda self: self.founded, takes_self=True),
        converter=_to_registered,
    )
    memberships: tuple[Membership, ...] = attrs.field(default=(), converter=_sort_memberships)
    source: str | None = attrs.field(default=None, eq=False, repr=False)

    @registered.validator
    def _registered_not_before_founding(self, _: Any, value: dt.date) -> None:
        if value < self.founded:
            raise InputError(
                f"{value.isoformat()} is before the founding general assembly "
                f"({self.founded.isoformat()})",
                field="registered",
            )

    @memberships.validator
    def _joined_not_before_founding(self, _: Any, value: tuple[Membership, ...]) -> None:
        for membership in value:
            if membership.joined < self.founded:
                raise InputError(
                    f"{membership.joined.isoformat()} is before the cluster was founded "
                    f"({self.founded.isoformat()})",
                    path=membership.path,
                    record=membership.label,
                    field="joined",
                )

    @property
    def clinics(self) -> tuple[Clinic, ...]:
        return tuple(m.clinic for m in self.memberships)

    def members_on(self, day: dt.date) -> tuple[Membership, ...]:
        """The memberships in force on ``day``."""
        return tuple(m for m in self.memberships if m.is_member_on(day))


@attrs.frozen
class Overlap:
    """One provider number in two memberships at once (same or different clusters)."""

    provider_number: ProviderNumber
    first: tuple[str, Membership]
    second: tuple[str, Membership]

    @property
    def message(self) -> str:
        (c1, m1), (c2, m2) = self.first, self.second
        start = max(m1.joined, m2.joined)
        ends = [d for d in (m1.left, m2.left) if d is not None]
        until = f" until {min(ends).isoformat()}" if ends else ""
        where = "twice in cluster " + repr(c1) if c1 == c2 else f"in {c1!r} and {c2!r}"
        return (
            f"provider number {self.provider_number} is a member {where} at once, "
            f"from {start.isoformat()}{until} ({m1.where}; {m2.where}); all doctors of a "
            "clinic belong to one cluster"
        )


def memberships_by_provider(clusters: Iterable[Cluster]
                            ) -> dict[ProviderNumber, list[tuple[str, Membership]]]:
    """Each provider number with more than one membership: (cluster name, membership) pairs.

    Only such a number can overlap or have come from another cluster; a
    country has hundreds of them among hundreds of thousands of clinics, so
    they are counted first and only they are collected.
    """
    clusters = list(clusters)
    counts = Counter(m.clinic.provider_number for c in clusters for m in c.memberships)
    several = {p for p, n in counts.items() if n > 1}
    by_provider: dict[ProviderNumber, list[tuple[str, Membership]]] = {}
    if several:
        for cluster in clusters:
            for membership in cluster.memberships:
                pn = membership.clinic.provider_number
                if pn in several:
                    by_provider.setdefault(pn, []).append((cluster.name, membership))
    return by_provider


def find_overlaps(clusters: Iterable[Cluster]) -> list[Overlap]:
    """Every pair of memberships of one provider number that share a day.

    Guide til klyngestart §1: "Husk at alle læger i en klinik skal være i
    samme klynge" — so a provider number is in at most one cluster on any
    day, and in a cluster at most once at a time.
    """
    clusters = list(clusters)
    by_provider = memberships_by_provider(clusters)
    overlaps: list[Overlap] = []
    for provider, entries in sorted(by_provider.items()):
        entries.sort(key=lambda e: (e[1].joined, e[0]))
        for i, (name_a, a) in enumerate(entries):
            for name_b, b in entries[i + 1 :]:
                if a.overlaps(b):
                    overlaps.append(Overlap(provider, (name_a, a), (name_b, b)))
    return overlaps


def check_overlaps(clusters: Iterable[Cluster]) -> None:
    """Raise a :class:`ConflictError` for the first provider number in two places at once."""
    overlaps = find_overlaps(clusters)
    if overlaps:
        first = overlaps[0]
        raise ConflictError(first.message, path=first.second[1].path,
                            record=first.second[1].label, field="joined")
