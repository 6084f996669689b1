"""The cluster model: validators, immutability, membership days and overlaps."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from conftest import clinics, clusters, memberships
from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import (
    Clinic,
    Cluster,
    ConflictError,
    InputError,
    KiapRulesError,
    Membership,
    PatientCounts,
    ProviderNumber,
)
from kiaprules.model.cluster import Overlap, check_overlaps, find_overlaps

D = dt.date


def clinic(pn: str = "012345", capacities: int = 2) -> Clinic:
    return Clinic(provider_number=pn, capacities=capacities, patients={2019: 1000})


JAN_2019 = D(2019, 1, 1)


def member(pn: str = "012345", joined: D = JAN_2019, left: D | None = None,
           **kwargs: object) -> Membership:
    return Membership(clinic=clinic(pn), joined=joined, left=left, **kwargs)


# --- Clinic -----------------------------------------------------------------------


@pytest.mark.parametrize("capacities", [1, 2, 1000])
def test_whole_capacities_from_one_are_accepted(capacities: int) -> None:
    assert clinic(capacities=capacities).capacities == capacities


@pytest.mark.parametrize("capacities", [0, -1, 2.5, 2.0, "2", True, None, 1001])
def test_capacities_must_be_a_whole_number_of_at_least_one(capacities: object) -> None:
    with pytest.raises(InputError) as info:
        Clinic(provider_number="012345", capacities=capacities)
    assert info.value.field == "capacities"
    assert "capacities" in str(info.value)


def test_patients_are_counted_per_year_and_may_be_zero() -> None:
    c = Clinic(provider_number="012345", capacities=1, patients={"2019": 0, 2018: 3100})
    assert dict(c.patients) == {2018: 3100, 2019: 0}
    assert list(c.patients) == [2018, 2019]
    assert isinstance(c.provider_number, ProviderNumber)


@pytest.mark.parametrize("count", [-1, True, 1.0, "3100", None, 10_000_001])
def test_patient_counts_must_be_whole_and_not_negative(count: object) -> None:
    with pytest.raises(InputError) as info:
        Clinic(provider_number="012345", capacities=1, patients={2018: count})
    assert info.value.field == "patients.2018"


@pytest.mark.parametrize("year", ["18", "year", True, 1899, 2201, "²⁰¹⁸", "2018.0"])
def test_patient_years_must_be_four_digit_years(year: object) -> None:
    with pytest.raises(InputError):
        PatientCounts({year: 1})


def test_a_year_given_as_int_and_as_text_is_given_twice() -> None:
    with pytest.raises(InputError, match="twice"):
        PatientCounts([(2018, 1), ("2018", 2)])


def test_patients_that_are_not_a_table_are_refused() -> None:
    with pytest.raises(InputError, match="table"):
        Clinic(provider_number="012345", capacities=1, patients=[3100])


def test_patient_counts_are_immutable_hashable_and_compare_with_dicts() -> None:
    counts = PatientCounts({2019: 5, 2018: 4})
    assert counts == {2018: 4, 2019: 5}
    assert hash(counts) == hash(PatientCounts({2018: 4, 2019: 5}))
    with pytest.raises(AttributeError):
        counts._data = {}  # type: ignore[misc]
    assert repr(counts) == "PatientCounts({2018: 4, 2019: 5})"


# --- Membership ------------------------------------------------------------------


@pytest.mark.parametrize("left", [D(2019, 1, 1), D(2018, 12, 31)])
def test_left_must_be_after_joined(left: D) -> None:
    with pytest.raises(InputError, match="after joined") as info:
        member(joined=D(2019, 1, 1), left=left)
    assert info.value.field == "left"


def test_leaving_the_day_after_joining_is_a_one_day_membership() -> None:
    m = member(joined=D(2019, 1, 1), left=D(2019, 1, 2))
    assert m.is_member_on(D(2019, 1, 1))
    assert not m.is_member_on(D(2019, 1, 2))


@pytest.mark.parametrize(
    ("day", "is_member"),
    [
        (D(2019, 2, 28), False),  # the day before joined
        (D(2019, 3, 1), True),  # joined: the first day as a member
        (D(2020, 2, 29), True),  # the day before left
        (D(2020, 3, 1), False),  # left: the first day no longer a member
    ],
)
def test_a_clinic_is_a_member_from_joined_up_to_but_not_on_left(day: D, is_member: bool) -> None:
    m = member(joined=D(2019, 3, 1), left=D(2020, 3, 1))
    assert m.is_member_on(day) is is_member


@given(memberships(), st.dates(D(2017, 1, 1), D(2034, 12, 31)))
@example(member(joined=D(2019, 1, 1), left=D(2020, 1, 1)), D(2019, 12, 31))
@example(member(joined=D(2019, 1, 1), left=D(2020, 1, 1)), D(2020, 1, 1))
@example(member(joined=D(2019, 1, 1)), D(2018, 12, 31))
@example(member(joined=D(2019, 1, 1)), D(9999, 12, 31))
def test_membership_days_are_joined_up_to_left(m: Membership, day: D) -> None:
    expected = m.joined <= day and (m.left is None or day < m.left)
    assert m.is_member_on(day) is expected


def test_membership_dates_may_be_iso_text() -> None:
    m = Membership(clinic=clinic(), joined="2019-01-01", left="2020-01-01")
    assert (m.joined, m.left) == (D(2019, 1, 1), D(2020, 1, 1))


@pytest.mark.parametrize("joined", ["2019-13-01", "01-01-2019", "2019-W01-1", 20190101, None,
                                    dt.datetime(2019, 1, 1, 10, 0)])
def test_a_bad_joined_date_is_refused_naming_the_field(joined: object) -> None:
    with pytest.raises(InputError) as info:
        Membership(clinic=clinic(), joined=joined)
    assert info.value.field == "joined"


def test_a_membership_needs_a_clinic_object() -> None:
    with pytest.raises(TypeError):
        Membership(clinic={"provider_number": "012345"}, joined=D(2019, 1, 1))


def test_switched_from_is_stripped_and_must_be_text() -> None:
    assert member(switched_from="  Roskildeklyngen ").switched_from == "Roskildeklyngen"
    assert member(switched_from="   ").switched_from is None
    with pytest.raises(InputError) as info:
        member(switched_from=5)
    assert info.value.field == "switched_from"


# --- Cluster -----------------------------------------------------------------------


def test_registered_defaults_to_founded() -> None:
    c = Cluster(name="Ny", founded=D(2019, 3, 1))
    assert c.registered == D(2019, 3, 1)


def test_registered_on_the_founding_day_is_accepted() -> None:
    assert Cluster(name="Ny", founded=D(2019, 3, 1), registered=D(2019, 3, 1)).registered \
        == D(2019, 3, 1)


def test_registration_before_the_founding_general_assembly_is_refused() -> None:
    with pytest.raises(InputError, match="before the founding") as info:
        Cluster(name="Ny", founded=D(2019, 3, 1), registered=D(2019, 2, 28))
    assert info.value.field == "registered"


def test_a_clinic_joining_before_the_cluster_was_founded_is_refused() -> None:
    early = member(joined=D(2019, 2, 28), source="clinic[1] (012345)", path="k.toml")
    with pytest.raises(InputError, match="before the cluster was founded") as info:
        Cluster(name="Ny", founded=D(2019, 3, 1), memberships=[early])
    assert info.value.field == "joined"
    assert info.value.record == "clinic[1] (012345)"
    assert info.value.path == "k.toml"


def test_a_clinic_joining_on_the_founding_day_is_accepted() -> None:
    c = Cluster(name="Ny", founded=D(2019, 3, 1), memberships=[member(joined=D(2019, 3, 1))])
    assert len(c.memberships) == 1


@pytest.mark.parametrize("name", ["", "   ", None, 5])
def test_a_cluster_needs_a_name(name: object) -> None:
    with pytest.raises(InputError) as info:
        Cluster(name=name, founded=D(2019, 3, 1))
    assert info.value.field == "name"


def test_the_cluster_name_is_stripped() -> None:
    assert Cluster(name="  Køgeklyngen ", founded=D(2019, 3, 1)).name == "Køgeklyngen"


def test_cvr_is_checked_and_may_be_missing() -> None:
    assert Cluster(name="Ny", founded=D(2019, 3, 1), cvr="").cvr is None
    assert Cluster(name="Ny", founded=D(2019, 3, 1), cvr="12345674").cvr == "12345674"
    with pytest.raises(InputError) as info:
        Cluster(name="Ny", founded=D(2019, 3, 1), cvr="12345675")
    assert info.value.field == "cvr"


def test_a_coordinator_that_is_not_text_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as info:
        Cluster(name="Ny", founded=D(2019, 3, 1), coordinator=5)
    assert info.value.field == "coordinator"


@pytest.mark.parametrize("value", ["012345", {"a": 1}, [object()], [{"clinic": "x"}]])
def test_memberships_must_be_a_list_of_membership_objects(value: object) -> None:
    with pytest.raises(InputError) as info:
        Cluster(name="Ny", founded=D(2019, 3, 1), memberships=value)
    assert info.value.field == "memberships"


def test_members_on_a_day_are_the_memberships_in_force() -> None:
    a = member("011111", joined=D(2019, 1, 1), left=D(2020, 1, 1))
    b = member("022222", joined=D(2019, 6, 1))
    c = Cluster(name="Ny", founded=D(2019, 1, 1), memberships=[b, a])
    assert c.members_on(D(2019, 3, 1)) == (a,)
    assert c.members_on(D(2019, 6, 1)) == (a, b)
    assert c.members_on(D(2020, 1, 1)) == (b,)
    assert c.clinics == (a.clinic, b.clinic)


# --- frozen and keyword-only --------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "attribute"),
    [
        (clinic(), "capacities"),
        (member(), "left"),
        (Cluster(name="Ny", founded=D(2019, 1, 1)), "name"),
    ],
)
def test_model_objects_are_frozen(obj: object, attribute: str) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, attribute, None)


def test_model_objects_take_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        Clinic("012345", 2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Membership(clinic(), D(2019, 1, 1))  # type: ignore[misc]
    with pytest.raises(TypeError):
        Cluster("Ny", None, None, D(2019, 1, 1))  # type: ignore[misc]


def test_evolve_checks_the_new_value_again() -> None:
    with pytest.raises(InputError):
        attrs.evolve(clinic(), capacities=0)
    m = member(joined=D(2019, 1, 1))
    with pytest.raises(InputError):
        attrs.evolve(m, left=D(2018, 1, 1))
    c = Cluster(name="Ny", founded=D(2019, 1, 1), memberships=[m])
    with pytest.raises(InputError, match="before the cluster was founded"):
        attrs.evolve(c, founded=D(2019, 6, 1), registered=D(2019, 6, 1))


def test_source_and_path_do_not_take_part_in_equality() -> None:
    assert member(source="clinic[1]", path="a.toml") == member(source="clinic[9]", path="b.json")


# --- order independence ------------------------------------------------------------


@given(clusters(max_clinics=6), st.randoms(use_true_random=False))
def test_the_order_of_memberships_does_not_change_a_cluster(cluster: Cluster,
                                                            rnd: object) -> None:
    shuffled = list(cluster.memberships)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = attrs.evolve(cluster, memberships=shuffled)
    assert again == cluster
    assert hash(again) == hash(cluster)
    assert again.memberships == cluster.memberships


@given(clinics, clinics, st.booleans())
def test_twin_memberships_sort_the_same_whatever_their_order(a: Clinic, b: Clinic,
                                                             switch: bool) -> None:
    """Two memberships with one provider number and the same dates still have one order."""
    b = attrs.evolve(b, provider_number=a.provider_number)
    first = Membership(clinic=a, joined=D(2019, 1, 1))
    second = Membership(clinic=b, joined=D(2019, 1, 1),
                        switched_from="Roskildeklyngen" if switch else None)
    one = Cluster(name="Ny", founded=D(2019, 1, 1), memberships=[first, second])
    other = Cluster(name="Ny", founded=D(2019, 1, 1), memberships=[second, first])
    assert one == other


# --- overlaps -----------------------------------------------------------------------


def test_one_provider_number_in_two_clusters_at_once_is_an_overlap() -> None:
    a = Cluster(name="A", founded=D(2019, 1, 1), memberships=[member(joined=D(2019, 1, 1))])
    b = Cluster(name="B", founded=D(2019, 1, 1), memberships=[member(joined=D(2019, 6, 1))])
    [overlap] = find_overlaps([a, b])
    assert overlap.provider_number == "012345"
    assert "'A'" in overlap.message
    assert "'B'" in overlap.message
    assert "from 2019-06-01" in overlap.message


def test_a_switch_on_the_day_of_leaving_is_no_overlap() -> None:
    """Leaving A on 1 January and joining B on 1 January shares no day."""
    a = Cluster(name="A", founded=D(2019, 1, 1),
                memberships=[member(joined=D(2019, 1, 1), left=D(2020, 1, 1))])
    b = Cluster(name="B", founded=D(2019, 1, 1), memberships=[member(joined=D(2020, 1, 1))])
    assert find_overlaps([a, b]) == []
    c = Cluster(name="C", founded=D(2019, 1, 1), memberships=[member(joined=D(2019, 12, 31))])
    assert len(find_overlaps([a, c])) == 1


def test_one_provider_number_twice_at_once_in_one_cluster_is_an_overlap() -> None:
    c = Cluster(name="A", founded=D(2019, 1, 1),
                memberships=[member(joined=D(2019, 1, 1), left=D(2019, 6, 2)),
                             member(joined=D(2019, 6, 1))])
    [overlap] = find_overlaps([c])
    assert "twice in cluster 'A'" in overlap.message
    assert "until 2019-06-02" in overlap.message


def test_different_provider_numbers_never_overlap() -> None:
    c = Cluster(name="A", founded=D(2019, 1, 1),
                memberships=[member("011111"), member("022222"), member("033333")])
    assert find_overlaps([c]) == []


@given(st.lists(memberships(founded=D(2018, 1, 1)), min_size=2, max_size=4),
       st.sampled_from(["012345", "54321"]))
def test_find_overlaps_finds_exactly_the_pairs_sharing_a_day(ms: list[Membership],
                                                             pn: str) -> None:
    same = [attrs.evolve(m, clinic=attrs.evolve(m.clinic, provider_number=pn)) for m in ms]
    cluster = Cluster(name="A", founded=D(2018, 1, 1), memberships=same)
    found = find_overlaps([cluster])
    def last_day(m: Membership) -> D:
        return m.left - dt.timedelta(days=1) if m.left else D.max

    expected = 0
    ordered = cluster.memberships
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if max(a.joined, b.joined) <= min(last_day(a), last_day(b)):
                expected += 1
    assert len(found) == expected
    for overlap in found:
        assert overlap.provider_number == pn
        assert isinstance(overlap.message, str)


def test_model_errors_are_kiaprules_errors() -> None:
    with pytest.raises(KiapRulesError):
        Clinic(provider_number="1", capacities=1)


# --- overlaps: one provider number with many memberships, and a brute-force reference ---


def _short_memberships(count: int, layout: str) -> list[Cluster]:
    """``count`` one-day memberships of one provider number, a day apart, each its own record.

    ``layout`` "one cluster" puts them all in cluster A; "two clusters" deals
    them in turn to A and B, so the clinic switches back and forth.
    """
    clinic_ = clinic("012345")
    ms = [Membership(clinic=clinic_, joined=JAN_2019 + dt.timedelta(days=2 * i),
                     left=JAN_2019 + dt.timedelta(days=2 * i + 1), source=f"clinic[{i + 1}]")
          for i in range(count)]
    if layout == "one cluster":
        return [Cluster(name="A", founded=JAN_2019, memberships=ms)]
    return [Cluster(name="A", founded=JAN_2019, memberships=ms[0::2]),
            Cluster(name="B", founded=JAN_2019, memberships=ms[1::2])]


MANY = 20_000


@pytest.mark.parametrize("layout", ["one cluster", "two clusters"])
def test_twenty_thousand_memberships_of_one_provider_number_without_overlap(layout: str) -> None:
    """Each membership ends the day before the next starts: no day is shared, none refused.

    Issue #14: this took 28 s when every membership was compared with every other.
    """
    clusters = _short_memberships(MANY, layout)
    assert sum(len(c.memberships) for c in clusters) == MANY
    assert find_overlaps(clusters) == []
    check_overlaps(clusters)  # no ConflictError


@pytest.mark.parametrize("layout", ["one cluster", "two clusters"])
def test_twenty_thousand_memberships_with_one_overlap_at_the_end(layout: str) -> None:
    """The second-to-last membership is stretched by two days, into the last one's only day."""
    clusters = _short_memberships(MANY, layout)
    *_, last = (m for c in clusters for m in c.memberships)
    stretched_label = f"clinic[{MANY - 1}]"
    clusters = [attrs.evolve(c, memberships=[
        attrs.evolve(m, left=m.left + dt.timedelta(days=2)) if m.source == stretched_label else m
        for m in c.memberships]) for c in clusters]
    last_day = JAN_2019 + dt.timedelta(days=2 * (MANY - 1))
    assert last.joined == last_day
    [overlap] = find_overlaps(clusters)
    assert overlap.first[1].source == stretched_label
    assert overlap.second[1].source == f"clinic[{MANY}]"
    # Dealt in turn, the 19,999th membership (an odd one) is A's, the 20,000th B's.
    where = "twice in cluster 'A'" if layout == "one cluster" else "in 'A' and 'B'"
    expected = (f"provider number 012345 is a member {where} at once, from "
                f"{last_day.isoformat()} until {(last_day + dt.timedelta(days=1)).isoformat()} "
                f"(clinic[{MANY - 1}]; clinic[{MANY}]); all doctors of a clinic belong to one "
                "cluster")
    assert overlap.message == expected
    with pytest.raises(ConflictError) as info:
        check_overlaps(clusters)
    assert info.value.reason == expected
    assert info.value.record == f"clinic[{MANY}]"
    assert info.value.field == "joined"


def _shares_a_day(a: Membership, b: Membership) -> bool:
    """From the definition alone: a member on day D when joined <= D < left."""
    last_a = a.left - dt.timedelta(days=1) if a.left else D.max
    last_b = b.left - dt.timedelta(days=1) if b.left else D.max
    return max(a.joined, b.joined) <= min(last_a, last_b)


def reference_overlaps(clusters: list[Cluster]) -> list[Overlap]:
    """Every pair compared with every other, O(n²): the order the check reports in.

    By provider number; within one, the memberships by joined date, ties by
    cluster name and then in the clusters' own order; pairs (i, j) with i < j.
    """
    entries = [(c.name, m) for c in clusters for m in c.memberships]
    found = []
    for pn in sorted({m.provider_number for _, m in entries}):
        mine = sorted([e for e in entries if e[1].provider_number == pn],
                      key=lambda e: (e[1].joined, e[0]))
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if _shares_a_day(a[1], b[1]):
                    found.append(Overlap(ProviderNumber(pn), a, b))
    return found


def _overlap_key(o: Overlap) -> tuple[object, ...]:
    # Membership equality leaves out the record's label; the report names it.
    return (o.provider_number, o.first[0], o.first[1], o.first[1].label,
            o.second[0], o.second[1], o.second[1].label)


@st.composite
def crowded_clusters(draw: st.DrawFn) -> list[Cluster]:
    """Up to three clusters whose memberships share two provider numbers and one month."""
    names = draw(st.lists(st.sampled_from("ABC"), min_size=1, max_size=3, unique=True))
    out = []
    record = 0
    for name in names:
        ms = []
        for _ in range(draw(st.integers(0, 5))):
            record += 1
            joined = JAN_2019 + dt.timedelta(days=draw(st.integers(0, 30)))
            length = draw(st.none() | st.integers(1, 20))
            ms.append(Membership(
                clinic=clinic(draw(st.sampled_from(["011111", "022222"]))), joined=joined,
                left=None if length is None else joined + dt.timedelta(days=length),
                source=f"clinic[{record}]"))
        out.append(Cluster(name=name, founded=JAN_2019, memberships=ms))
    return out


def _one(name: str, *spans: tuple[int, int | None]) -> Cluster:
    """Cluster ``name`` with memberships of 012345 over day offsets [joined, left)."""
    return Cluster(name=name, founded=JAN_2019, memberships=[
        Membership(clinic=clinic(), joined=JAN_2019 + dt.timedelta(days=j),
                   left=None if left is None else JAN_2019 + dt.timedelta(days=left),
                   source=f"{name}[{i}]")
        for i, (j, left) in enumerate(spans, 1)])


@given(crowded_clusters())
# One long membership over two later short ones: both pairs, not the two short ones.
@example([_one("A", (0, 100), (1, 2), (50, 60))])
# Leaving on the day the next one joins shares no day; the next day does.
@example([_one("A", (0, 10)), _one("B", (10, None), (11, 12))])
# The same joined day in two clusters, listed B first: the tie goes by name.
@example([_one("B", (5, None)), _one("A", (5, 6))])
# Open-ended memberships, three at once.
@example([_one("C", (0, None)), _one("A", (3, None)), _one("B", (3, None))])
def test_the_overlap_check_equals_comparing_every_pair(clusters: list[Cluster]) -> None:
    """The sorted scan finds the pairs, in the order, that comparing every pair finds,
    and check_overlaps refuses with the first of them (or accepts when there is none)."""
    expected = reference_overlaps(clusters)
    found = find_overlaps(clusters)
    assert [_overlap_key(o) for o in found] == [_overlap_key(o) for o in expected]
    if not expected:
        check_overlaps(clusters)
        return
    with pytest.raises(ConflictError) as info:
        check_overlaps(clusters)
    first = expected[0]
    assert info.value.to_dict() == ConflictError(
        first.message, path=first.second[1].path, record=first.second[1].label,
        field="joined", code="conflict.overlap").to_dict()
