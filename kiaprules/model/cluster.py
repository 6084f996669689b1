"""The cluster model: clinics, their memberships of a cluster, and clusters.

Frozen, keyword-only attrs value objects. Each field is checked when the
object is made; change one by ``attrs.evolve``, which checks again.

A membership runs from ``joined`` (the first day as a member) up to, but not
including, ``left`` (the first day no longer a member): a clinic is a member
on day D when ``joined <= D < left``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import ItemsView, Iterable, Iterator, Mapping
from typing import Any, Final

import attrs

from kiaprules._i18n import Count, message
from kiaprules._text import value_repr
from kiaprules.errors import ConflictError, InputError, InputTypeError
from kiaprules.model.calendar import parse_date, parse_year
from kiaprules.model.identifiers import CvrNumber, ProviderNumber
from kiaprules.model.text import label_text, name_text

__all__ = [
    "CapacityChange",
    "Clinic",
    "Cluster",
    "Membership",
    "Overlap",
    "PatientCounts",
    "check_overlaps",
    "find_overlaps",
    "memberships_by_provider",
]

#: Guards against typos, not rules: no clinic has a thousand doctors or
#: ten million listed patients. Larger numbers are refused as implausible.
MAX_CAPACITIES: Final = 1_000
MAX_PATIENTS: Final = 10_000_000


def _whole(value: object, *, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(message("must be a whole number ≥ {minimum}, got {value}",
                                 minimum=minimum, value=repr(value)), field=field,
                         code="input.not_a_whole_number")
    if value < minimum:
        raise InputError(message("must be a whole number ≥ {minimum}, got {value}",
                                 minimum=minimum, value=repr(value)), field=field,
                         code="input.out_of_range")
    if value > maximum:
        raise InputError(message("must be at most {maximum} (larger is implausible for one "
                                 "clinic), got {value}", maximum=Count(maximum),
                                 value=repr(value)), field=field, code="input.out_of_range")
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
        if isinstance(counts, Mapping):
            items: Iterable[Any] = counts.items()
        elif isinstance(counts, (str, bytes)) or not isinstance(counts, Iterable):
            raise InputTypeError(f"must be a table of year → count, got {type(counts).__name__}",
                                 field="patients")
        else:
            items = counts
        data: dict[int, int] = {}
        for pair in items:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise InputTypeError(f"must be a table of year → count, got an item {pair!r}",
                                     field="patients")
            key, value = pair
            try:
                year = parse_year(key)
            except InputError as exc:
                raise exc.located(field=f"patients.{key}") from None
            if year in data:
                raise InputError(f"year {year} is given twice", field="patients",
                                 code="input.duplicate")
            if type(value) is not int or not 0 <= value <= MAX_PATIENTS:
                value = _whole(value, field=f"patients.{year}", minimum=0,
                               maximum=MAX_PATIENTS)
            data[year] = value
        # Its own constructor sets its own slots; afterwards nothing can.
        object.__setattr__(self, "_data", dict(sorted(data.items())))
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PatientCounts is immutable")

    def __getitem__(self, year: int) -> int:
        return self._data[year]

    def items(self) -> ItemsView[int, int]:
        return self._data.items()

    def of_year(self, year: int) -> int | None:
        """The count for ``year``, or None: a direct lookup (the engine asks often)."""
        return self._data.get(year)

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its plain data, rebuilt (and checked) by the constructor."""
        return (PatientCounts, (self._data,))


def _to_patient_counts(value: object) -> PatientCounts:
    if isinstance(value, PatientCounts):
        return value
    if type(value) is dict or isinstance(value, Mapping):
        return PatientCounts(value)
    raise InputError(
        f"must be a table of year = count, got {type(value).__name__}", field="patients",
        code="input.wrong_type",
    )


def _check_capacities(_: Any, __: attrs.Attribute[int], value: object) -> None:
    _whole(value, field="capacities", minimum=1, maximum=MAX_CAPACITIES)


def _to_change_date(value: object) -> dt.date:
    return parse_date(value, field="capacities")


@attrs.frozen(kw_only=True)
class CapacityChange:
    """From ``on``, the clinic has ``capacities`` doctor capacities (C4, interpretation I7)."""

    __repr__ = value_repr

    on: dt.date = attrs.field(converter=_to_change_date)
    capacities: int = attrs.field(validator=_check_capacities)


def _to_capacity_changes(value: object) -> tuple[CapacityChange, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError("must be a list of capacity changes", field="capacities",
                         code="input.wrong_type")
    changes = []
    for item in value:
        if isinstance(item, CapacityChange):
            changes.append(item)
        elif isinstance(item, tuple) and len(item) == 2:
            changes.append(CapacityChange(on=item[0], capacities=item[1]))
        else:
            raise InputError(f"must be (date, capacities) pairs, got {type(item).__name__}",
                             field="capacities", code="input.wrong_type")
    for before, after in itertools.pairwise(changes):
        if after.on <= before.on:
            raise InputError(f"{after.on.isoformat()} must come after "
                             f"{before.on.isoformat()}: the dates are in increasing order",
                             field=f"capacities.{after.on.isoformat()}", code="input.date_order")
    return tuple(changes)


@attrs.frozen(kw_only=True)
class Clinic:
    """A clinic: its provider number, doctor capacities and patients per 1 January.

    ``capacities`` are the doctor capacities at the start of the membership;
    ``capacity_changes`` the later changes, each from its date (C4): a
    clinic going from 2 to 3 capacities stays one membership.
    """

    __repr__ = value_repr

    provider_number: ProviderNumber = attrs.field(converter=ProviderNumber)
    capacities: int = attrs.field(validator=_check_capacities)
    patients: PatientCounts = attrs.field(converter=_to_patient_counts, factory=PatientCounts)
    capacity_changes: tuple[CapacityChange, ...] = attrs.field(
        default=(), converter=_to_capacity_changes)

    def capacities_on(self, day: dt.date) -> int:
        """The doctor capacities in force on ``day`` (the start's before the first change)."""
        current = self.capacities
        for change in self.capacity_changes:
            if change.on > day:
                break
            current = change.capacities
        return current


def _to_joined(value: object) -> dt.date:
    return parse_date(value, field="joined")


def _to_left(value: object) -> dt.date | None:
    return None if value is None else parse_date(value, field="left")


def _to_founded(value: object) -> dt.date:
    return parse_date(value, field="founded")


def _to_registered(value: object) -> dt.date:
    return parse_date(value, field="registered")


def _to_name(value: object) -> str:
    return name_text(value, field="name")


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    return name_text(value, field=field, required=False) or None


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

    __repr__ = value_repr

    clinic: Clinic = attrs.field(validator=attrs.validators.instance_of(Clinic))
    joined: dt.date = attrs.field(converter=_to_joined)
    left: dt.date | None = attrs.field(default=None, converter=_to_left)
    switched_from: str | None = attrs.field(default=None, converter=_to_switched_from)
    source: str | None = attrs.field(default=None, eq=False, repr=False,
                                     converter=label_text)
    path: str | None = attrs.field(default=None, eq=False, repr=False,
                                   converter=label_text)

    @clinic.validator
    def _changes_within(self, _: Any, value: Clinic) -> None:
        # C4: a capacity change falls within the membership, after it starts.
        for change in value.capacity_changes:
            if change.on <= self.joined or (self.left is not None and change.on >= self.left):
                until = (message(" and before left ({left})", left=self.left) if self.left
                         else "")
                raise InputError(
                    message("{on} is outside the membership: a change of capacities comes "
                            "after joined ({joined}){until}", on=change.on, joined=self.joined,
                            until=until),
                    field=f"capacities.{change.on.isoformat()}", code="input.date_order")

    @left.validator
    def _left_after_joined(self, _: Any, value: dt.date | None) -> None:
        if value is not None and value <= self.joined:
            raise InputError(
                message("{left} must be after joined ({joined}): left is the first day no "
                        "longer a member", left=value, joined=self.joined),
                field="left",
                code="input.date_order",
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
        raise InputError("must be a list of memberships", field="memberships",
                         code="input.wrong_type")
    items = tuple(value)
    for item in items:
        if not isinstance(item, Membership):
            raise InputError(
                f"must contain Membership objects, got {type(item).__name__}",
                field="memberships",
                code="input.wrong_type",
            )
    # Canonical order, so that equal clusters compare, dump and compute alike
    # whatever order their clinics were listed in. The key covers every field
    # that takes part in equality, so that two memberships with the same
    # provider number and dates still come out in one order.
    return tuple(sorted(items, key=lambda m: (
        m.clinic.provider_number, m.joined, m.left or dt.date.max, m.switched_from or "",
        m.clinic.capacities, tuple(m.clinic.patients.items()),
        tuple((c.on, c.capacities) for c in m.clinic.capacity_changes))))


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

    __repr__ = value_repr

    name: str = attrs.field(converter=_to_name)
    cvr: CvrNumber | None = attrs.field(default=None, converter=_optional_cvr)
    coordinator: str | None = attrs.field(default=None, converter=_to_coordinator)
    founded: dt.date = attrs.field(converter=_to_founded)
    registered: dt.date = attrs.field(
        default=attrs.Factory(lambda self: self.founded, takes_self=True),
        converter=_to_registered,
    )
    memberships: tuple[Membership, ...] = attrs.field(default=(), converter=_sort_memberships)
    source: str | None = attrs.field(default=None, eq=False, repr=False,
                                     converter=label_text)

    @registered.validator
    def _registered_not_before_founding(self, _: Any, value: dt.date) -> None:
        if value < self.founded:
            raise InputError(
                message("{registered} is before the founding general assembly ({founded})",
                        registered=value, founded=self.founded),
                field="registered",
                code="input.date_order",
            )

    @memberships.validator
    def _joined_not_before_founding(self, _: Any, value: tuple[Membership, ...]) -> None:
        for membership in value:
            if membership.joined < self.founded:
                raise InputError(
                    message("{joined} is before the cluster was founded ({founded})",
                            joined=membership.joined, founded=self.founded),
                    path=membership.path,
                    record=membership.label,
                    field="joined",
                    code="input.date_order",
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

    __repr__ = value_repr

    provider_number: ProviderNumber
    first: tuple[str, Membership]
    second: tuple[str, Membership]

    @property
    def message(self) -> str:
        (c1, m1), (c2, m2) = self.first, self.second
        start = max(m1.joined, m2.joined)
        ends = [d for d in (m1.left, m2.left) if d is not None]
        until = message(" until {end}", end=min(ends)) if ends else ""
        where = (message("twice in cluster {cluster}", cluster=repr(c1)) if c1 == c2
                 else message("in {first} and {second}", first=repr(c1), second=repr(c2)))
        return message(
            "provider number {number} is a member {where} at once, from {start}{until} "
            "({first}; {second}); all doctors of a clinic belong to one cluster",
            number=str(self.provider_number), where=where, start=start, until=until,
            first=m1.where, second=m2.where)


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


def _overlaps_in_order(clusters: Iterable[Cluster]) -> Iterator[Overlap]:
    """The overlaps, provider number by provider number, each found as it is reached.

    Each provider number's memberships are sorted once by joined date (ties by
    cluster name, then in the clusters' own order). A later membership ``b``
    starts no earlier than ``a``, so ``a`` ends after ``b`` starts is all it
    takes for the two to share a day (``b`` always ends after ``a`` starts).
    Those ``b`` are a run right after ``a``: once one starts on or after
    ``a``'s end, every later one does. So each membership is compared with the
    ones it overlaps and with the one after them, and no more: linear after
    sorting when nothing overlaps, and the first overlap is met without
    looking at the rest.
    """
    for provider, entries in sorted(memberships_by_provider(clusters).items()):
        entries.sort(key=lambda e: (e[1].joined, e[0]))
        starts = [m.joined for _, m in entries]
        for i, (name_a, a) in enumerate(entries):
            end = a.left or dt.date.max
            j = i + 1
            while j < len(entries) and starts[j] < end:
                yield Overlap(provider, (name_a, a), entries[j])
                j += 1


def find_overlaps(clusters: Iterable[Cluster]) -> list[Overlap]:
    """Every pair of memberships of one provider number that share a day.

    Guide til klyngestart §1: "Husk at alle læger i en klinik skal være i
    samme klynge" — so a provider number is in at most one cluster on any
    day, and in a cluster at most once at a time.

    In order: by provider number, then by the first membership's joined date,
    then by the second's. Sorting aside, the time is linear in the memberships
    and the pairs found.
    """
    return list(_overlaps_in_order(clusters))


def check_overlaps(clusters: Iterable[Cluster]) -> None:
    """Raise a :class:`ConflictError` for the first provider number in two places at once.

    The first of :func:`find_overlaps`, found without looking past it.
    """
    first = next(_overlaps_in_order(clusters), None)
    if first is not None:
        raise ConflictError(first.message, path=first.second[1].path,
                            record=first.second[1].label, field="joined", code="conflict.overlap")
