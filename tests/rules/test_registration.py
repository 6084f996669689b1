"""Registration: what a cluster still lacks before funds can flow, each with its citation."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from conftest import EXAMPLE_CLUSTER

from kiaprules import (
    Clinic,
    Cluster,
    Membership,
    RegistrationProblem,
    check_registration,
    load_clusters,
    load_ruleset,
)

D = dt.date
[EXAMPLE] = load_clusters(EXAMPLE_CLUSTER)


def member(pn: str, joined: D, left: D | None = None) -> Membership:
    return Membership(clinic=Clinic(provider_number=pn, capacities=1), joined=joined, left=left)


def codes(cluster: Cluster) -> list[str]:
    return [p.code for p in check_registration(cluster)]


def assert_cited(problem: RegistrationProblem) -> None:
    assert problem.citation.quote.strip()
    assert problem.citation.document.strip()
    assert problem.citation.section.strip()
    assert problem.message.strip()


def test_the_example_cluster_is_eligible() -> None:
    assert check_registration(EXAMPLE) == []


def test_a_cluster_without_a_coordinator_is_not_eligible() -> None:
    [problem] = check_registration(attrs.evolve(EXAMPLE, coordinator=None))
    assert problem.code == "coordinator_missing"
    assert "coordinator" in problem.message
    assert (problem.citation.document, problem.citation.section) == ("Håndbog 2024", "§5")
    assert_cited(problem)


def test_a_blank_coordinator_counts_as_missing() -> None:
    assert codes(attrs.evolve(EXAMPLE, coordinator="   ")) == ["coordinator_missing"]


def test_a_cluster_without_a_cvr_number_is_not_eligible() -> None:
    [problem] = check_registration(attrs.evolve(EXAMPLE, cvr=None))
    assert problem.code == "cvr_missing"
    assert "CVR" in problem.message
    assert (problem.citation.document, problem.citation.section) == \
        ("Guide til klyngestart", "§7.1")
    assert_cited(problem)


def test_a_cluster_without_clinics_is_not_eligible() -> None:
    [problem] = check_registration(attrs.evolve(EXAMPLE, memberships=()))
    assert problem.code == "no_clinics"
    assert_cited(problem)


def test_a_new_cluster_with_nothing_lists_every_requirement_in_order() -> None:
    assert codes(Cluster(name="Ny", founded=D(2019, 3, 1))) == \
        ["coordinator_missing", "cvr_missing", "no_clinics"]


@pytest.mark.parametrize(
    ("joined", "left", "eligible"),
    [
        (D(2019, 3, 1), None, True),  # joined on the registration day
        (D(2019, 3, 2), None, False),  # joined the day after
        (D(2019, 2, 1), D(2019, 3, 1), False),  # left on the registration day
        (D(2019, 2, 1), D(2019, 3, 2), True),  # left the day after
    ],
)
def test_a_cluster_needs_a_member_on_the_registration_day(joined: D, left: D | None,
                                                          eligible: bool) -> None:
    cluster = Cluster(name="Ny", cvr="12345674", coordinator="Anne", founded=D(2019, 2, 1),
                      registered=D(2019, 3, 1), memberships=[member("011111", joined, left)])
    problems = check_registration(cluster)
    if eligible:
        assert problems == []
    else:
        [problem] = problems
        assert problem.code == "no_members_at_registration"
        assert "2019-03-01" in problem.message
        assert_cited(problem)


def test_one_provider_number_twice_at_once_in_a_cluster_is_reported() -> None:
    twice = Cluster(name="Ny", cvr="12345674", coordinator="Anne", founded=D(2019, 1, 1),
                    memberships=[member("011111", D(2019, 1, 1)),
                                 member("011111", D(2019, 6, 1))])
    [problem] = check_registration(twice)
    assert problem.code == "provider_number_twice"
    assert "011111" in problem.message
    assert problem.record
    assert (problem.citation.document, problem.citation.section) == \
        ("Guide til klyngestart", "§1")
    assert_cited(problem)


def test_one_provider_number_twice_one_after_the_other_is_fine() -> None:
    back_again = Cluster(name="Ny", cvr="12345674", coordinator="Anne", founded=D(2019, 1, 1),
                         memberships=[member("011111", D(2019, 1, 1), D(2019, 6, 1)),
                                      member("011111", D(2019, 6, 1))])
    assert check_registration(back_again) == []


def test_every_problem_is_reported_at_once() -> None:
    bare = Cluster(name="Ny", founded=D(2019, 1, 1), registered=D(2019, 2, 1),
                   memberships=[member("011111", D(2019, 3, 1)), member("011111", D(2019, 4, 1))])
    assert codes(bare) == ["coordinator_missing", "cvr_missing", "no_members_at_registration",
                           "provider_number_twice"]


def test_problems_render_as_json_ready_data() -> None:
    [problem] = check_registration(attrs.evolve(EXAMPLE, cvr=None))
    data = problem.to_dict()
    assert data["code"] == "cvr_missing"
    assert data["citation"]["quote"] == problem.citation.quote
    assert data["record"] is None


PROBLEM_CLUSTERS = {
    "coordinator_missing": attrs.evolve(EXAMPLE, coordinator=None),
    "cvr_missing": attrs.evolve(EXAMPLE, cvr=None),
    "no_clinics": attrs.evolve(EXAMPLE, memberships=()),
    "no_members_at_registration": attrs.evolve(
        EXAMPLE, memberships=[member("011111", D(2019, 1, 1))]),
    "provider_number_twice": attrs.evolve(
        EXAMPLE, memberships=[member("011111", D(2018, 9, 12)), member("011111", D(2019, 1, 1))]),
}


@pytest.mark.parametrize("code", sorted(PROBLEM_CLUSTERS))
def test_every_registration_problem_cites_a_shipped_document(code: str) -> None:
    # The quotes themselves are checked against the sources in tests/static/test_quotes.py.
    [problem] = check_registration(PROBLEM_CLUSTERS[code])
    assert problem.code == code
    assert problem.citation.document in load_ruleset().documents
