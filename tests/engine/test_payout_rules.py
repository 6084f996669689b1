"""Named examples of the payout rules (DOMAIN.md rules 1–8, interpretations I1–I6).

Each test is one case with a one-sentence name, worked out by hand from
DOMAIN.md; the figures in comments show the arithmetic. Rates: 4.33 (2018,
Guide §7.1), 1.12 (2022), 2.32 (2023), 3.65 (2025; kiap.dk), 3.55 (2024,
Håndbog 2024 §10); supplement 2.16 (2019, 2020) and 0.47 (2021, Guide §7.1);
startup grant 10,000 kr per capacity (Guide §7.1).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from strategies_payouts import RULESET, YEARS, cluster, d, member

from kiaprules import (
    ConflictError,
    InputError,
    NotCoveredError,
    Override,
    Ruleset,
    compute_payouts,
    load_clusters,
)
from kiaprules.rules.loader import ruleset_from_data

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "koegeklyngen.toml"


def pay(clusters, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("years", YEARS)
    return compute_payouts(clusters, RULESET, **kwargs)


def year_of(report, year: int, name: str | None = None):  # type: ignore[no-untyped-def]
    chosen = report.clusters[0] if name is None else report.cluster(name)
    return chosen.year(year)


def line(payout, kind: str):  # type: ignore[no-untyped-def]
    found = [ln for ln in payout.lines if ln.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


def shares(payout, kind: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ln = line(payout, kind)
    return {} if ln is None else {m.provider_number: m.quantity for m in ln.members}


def kinds(payout) -> list[str]:  # type: ignore[no-untyped-def]
    return [ln.kind for ln in payout.lines]


def years_paid(report, name: str | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    chosen = report.clusters[0] if name is None else report.cluster(name)
    return [y.year for y in chosen.years]


def koege():  # type: ignore[no-untyped-def]
    """Founded 12 September 2018, registration completed 3 October 2018."""
    return cluster("Køgeklyngen", "2018-09-12", [
        member("012345", "2018-09-12", capacities=2, patients=3100),
        member("023456", "2018-09-12", capacities=3, patients=4650),
        member("034567", "2018-10-01", capacities=1, patients=1580),  # before registration
        member("045678", "2018-10-03", capacities=4, patients=6400),  # on registration day
        member("056789", "2018-11-15", capacities=2, patients=3300),  # after registration
    ], registered="2018-10-03")


# --- the founding year: rules 1, 4, 5 and I1, I2 --------------------------------------


def test_founding_year_pays_a_full_year_and_the_startup_grants_on_registration_day() -> None:
    """In the founding year the members on registration day get a full year and their startup."""
    first = year_of(pay([koege()]), 2018)
    assert first.first_payout is True
    assert first.due == d("2018-10-03")
    assert first.counted_on == d("2018-10-03")
    assert kinds(first) == ["startup", "operating"]  # no supplement in 2018
    assert line(first, "startup").amount == Decimal("100000.00")  # (2+3+1+4) × 10,000
    assert line(first, "operating").quantity == 15730  # 3100+4650+1580+6400
    assert line(first, "operating").amount == Decimal("68110.90")  # 4.33 × 15,730
    assert first.total == Decimal("168110.90")
    assert first.warnings == ()


def test_founding_member_joined_between_founding_and_registration_is_in_the_first_payout() -> None:
    """A clinic that joined after the founding assembly but before registration is a founder."""
    first = year_of(pay([koege()]), 2018)
    assert shares(first, "startup")["034567"] == 1
    assert shares(first, "operating")["034567"] == 1580


def test_clinic_joined_on_the_registration_day_is_in_the_first_payout() -> None:
    """A clinic that joined on the day registration was completed is a founding member."""
    first = year_of(pay([koege()]), 2018)
    assert shares(first, "startup")["045678"] == 4


def test_registration_day_defaults_to_the_founding_day() -> None:
    """Without a registration date, the first payout is due on, and counts members on, the
    founding day."""
    c = cluster("Amagerklyngen", "2018-05-01", [
        member("11111", "2018-05-01", capacities=1),
        member("22222", "2018-05-02", capacities=1),
    ])
    first = year_of(pay([c]), 2018)
    assert first.due == d("2018-05-01")
    assert shares(first, "startup") == {"11111": 1}


def test_late_joiner_is_paid_from_the_next_1_january_and_gets_its_startup_grant_then() -> None:
    """A clinic joined after registration is not in the first payout; it is paid, with its
    startup grant, from 1 January of the next year."""
    report = pay([koege()])
    assert "056789" not in shares(year_of(report, 2018), "operating")
    assert "056789" not in shares(year_of(report, 2018), "startup")
    second = year_of(report, 2019)
    assert shares(second, "startup") == {"056789": 2}
    assert line(second, "startup").amount == Decimal("20000.00")
    assert shares(second, "operating")["056789"] == 3300
    assert second.first_payout is False


def test_founding_members_get_no_second_startup_grant_the_next_year() -> None:
    """The startup grant is paid once: in the second year only the late joiner gets one."""
    report = pay([koege()])
    startups = [year_of(report, y).amount("startup") for y in range(2018, 2027)]
    assert startups == [Decimal("100000.00"), Decimal("20000.00")] + [Decimal("0.00")] * 7


def test_joiner_on_1_january_is_paid_that_year() -> None:
    """A clinic that joins on 1 January is counted that day and paid, with its startup grant."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2020-01-01", capacities=3, patients=2000),
    ])
    y2020 = year_of(pay([c]), 2020)
    assert shares(y2020, "operating") == {"11111": 1000, "22222": 2000}
    assert shares(y2020, "startup") == {"22222": 3}


def test_joiner_on_2_january_waits_for_the_next_year() -> None:
    """A clinic that joins on 2 January missed the counting day and is paid the year after."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2020-01-02", capacities=3, patients=2000),
    ])
    report = pay([c])
    assert shares(year_of(report, 2020), "operating") == {"11111": 1000}
    assert shares(year_of(report, 2021), "startup") == {"22222": 3}


def test_yearly_payout_is_due_on_1_march_and_counts_on_1_january() -> None:
    """After the founding year each payout is due on 1 March and counts members on 1 January."""
    report = pay([koege()])
    for y in range(2019, 2027):
        payout = year_of(report, y)
        assert payout.due == dt.date(y, 3, 1)
        assert payout.counted_on == dt.date(y, 1, 1)
        assert payout.first_payout is False


def test_registration_in_the_year_after_founding_sets_the_first_due_date() -> None:
    """A cluster founded in December and registered in January is first paid on registration
    day (for the founding year), then on 1 March."""
    c = cluster("Bornholmklyngen", "2019-12-10", [
        member("11111", "2019-12-10", capacities=2, patients={2019: 900, 2020: 950, 2021: 990}),
    ], registered="2020-01-15")
    report = pay([c], years=range(2019, 2022))
    first = year_of(report, 2019)
    assert (first.due, first.counted_on) == (d("2020-01-15"), d("2020-01-15"))
    assert line(first, "operating").quantity == 900  # patients per 1 January of 2019
    assert line(first, "startup").amount == Decimal("20000.00")
    assert year_of(report, 2020).due == d("2020-03-01")
    assert line(year_of(report, 2020), "operating").quantity == 950


def test_registration_after_1_march_of_the_next_year_delays_that_years_payout() -> None:
    """No payout is due before registration: registered 2 April 2020, the 2020 payout is due
    then."""
    c = cluster("Bornholmklyngen", "2019-12-10", [member("11111", "2019-12-10")],
                registered="2020-04-02")
    report = pay([c], years=range(2019, 2022))
    assert year_of(report, 2019).due == d("2020-04-02")
    assert year_of(report, 2020).due == d("2020-04-02")
    assert year_of(report, 2021).due == d("2021-03-01")


def test_clinic_that_left_before_registration_is_never_paid() -> None:
    """A founding member that left before registration was completed gets nothing."""
    c = cluster("Amagerklyngen", "2018-09-12", [
        member("11111", "2018-09-12"),
        member("22222", "2018-09-12", capacities=5, left="2018-09-20"),
    ], registered="2018-10-03")
    report = pay([c])
    assert all("22222" not in shares(y, k) for _, y in report for k in ("startup", "operating",
                                                                         "clawback"))


def test_nothing_is_paid_before_the_founding_year() -> None:
    """A cluster founded in 2021 has no payout for 2018–2020, whatever years are asked for."""
    c = cluster("Amagerklyngen", "2021-06-01", [member("11111", "2021-06-01")])
    assert years_paid(pay([c])) == list(range(2021, 2027))


def test_years_without_lines_are_left_out() -> None:
    """Once the last clinic has left (after its first year), no further years are reported."""
    c = cluster("Amagerklyngen", "2018-01-01", [member("11111", "2018-01-01", left="2020-01-01")])
    report = pay([c])
    assert years_paid(report) == [2018, 2019]
    with pytest.raises(InputError):
        report.clusters[0].year(2020)


# --- cluster switches: rule 7 -----------------------------------------------------------


def _switch(left: str, *, marked: bool = True):  # type: ignore[no-untyped-def]
    old = cluster("Roskildeklyngen", "2019-01-01", [
        member("61111", "2019-01-01", capacities=2, left=left),
        member("62222", "2019-01-01", capacities=1, patients=100),
    ])
    new = cluster("Køgeklyngen", "2018-01-01", [
        member("71111", "2018-01-01", capacities=1),
        member("61111", left, capacities=2,
               switched_from="Roskildeklyngen" if marked else None),
    ])
    return old, new


def test_switch_gets_no_startup_grant_in_the_new_cluster() -> None:
    """A clinic that came by a cluster switch is paid its patients but no startup grant."""
    report = pay(_switch("2020-06-01"))
    y2021 = year_of(report, 2021, "Køgeklyngen")
    assert shares(y2021, "operating")["61111"] == 1000
    assert line(y2021, "startup") is None
    assert all(y.amount("startup") == 0 for y in report.cluster("Køgeklyngen").years[1:])
    assert report.all_warnings() == [w for w in report.all_warnings() if "earlier" not in w]


def test_switch_within_the_first_year_is_clawed_back_by_the_old_cluster() -> None:
    """A clinic that switches within its first year costs the old cluster its startup grant the
    next year, and gets none from the new one."""
    report = pay(_switch("2019-10-01"))
    old_2020 = year_of(report, 2020, "Roskildeklyngen")
    assert shares(old_2020, "clawback") == {"61111": 2}
    assert line(old_2020, "clawback").amount == Decimal("-20000.00")
    new_2020 = year_of(report, 2020, "Køgeklyngen")
    assert shares(new_2020, "operating")["61111"] == 1000
    assert line(new_2020, "startup") is None


def test_switch_after_the_first_year_is_not_clawed_back() -> None:
    """A clinic that switches after its anniversary leaves its startup grant with the old
    cluster."""
    report = pay(_switch("2020-06-01"))
    assert all(y.amount("clawback") == 0 for y in report.cluster("Roskildeklyngen").years)


def test_a_same_day_move_between_clusters_is_a_switch_even_unmarked() -> None:
    """C3: leaving Roskildeklyngen on 1 June 2020 and joining Køgeklyngen that day is a
    cluster switch: no startup grant in Køgeklyngen, and the record says why."""
    report = pay(_switch("2020-06-01", marked=False))
    y2021 = year_of(report, 2021, "Køgeklyngen")
    assert shares(y2021, "operating")["61111"] == 1000
    assert line(y2021, "startup") is None
    assert all(y.amount("startup") == 0 for y in report.cluster("Køgeklyngen").years[1:])
    assert not [w for w in report.all_warnings() if "61111" in w and "switch" in w]


def _move(left: str, joined: str):  # type: ignore[no-untyped-def]
    old, new = _switch(left, marked=False)
    moved = [m if m.provider_number != "61111" else attrs.evolve(m, joined=joined)
             for m in new.memberships]
    return old, attrs.evolve(new, memberships=moved)


def test_a_move_after_a_gap_of_days_gets_a_startup_grant_and_a_warning() -> None:
    """C3: a gap of one day or more is not a switch; under a month, a warning says so.
    61111 left Roskildeklyngen on 1 June 2020 and joined Køgeklyngen on 15 June: 2
    capacities × 10,000 kr = 20,000 kr in 2021, its first paid year there."""
    report = pay(_move("2020-06-01", "2020-06-15"))
    y2021 = year_of(report, 2021, "Køgeklyngen")
    assert shares(y2021, "startup") == {"61111": 2}
    assert line(y2021, "startup").amount == Decimal("20000.00")
    assert any("61111" in w and "Roskildeklyngen" in w and "less than a month" in w
               for w in y2021.warnings)


def test_a_move_after_a_month_or_more_gets_a_startup_grant_without_a_warning() -> None:
    report = pay(_move("2020-06-01", "2020-07-01"))
    y2021 = year_of(report, 2021, "Køgeklyngen")
    assert shares(y2021, "startup") == {"61111": 2}
    assert not [w for w in report.all_warnings() if "61111" in w]


# --- clawback: rule 8 and I3 ----------------------------------------------------------


def _leaver(left: str, joined: str = "2018-01-01", capacities: int = 2):  # type: ignore[no-untyped-def]
    return cluster("Amagerklyngen", joined, [
        member("11111", joined, capacities=capacities, left=left),
        member("22222", joined, capacities=1, patients=500),
    ])


def test_leaver_before_the_anniversary_is_clawed_back_the_year_after_it_left() -> None:
    """A clinic that leaves half a year after joining has its startup grant deducted the next
    year."""
    report = pay([_leaver("2018-06-30")])
    assert line(year_of(report, 2018), "clawback") is None
    y2019 = year_of(report, 2019)
    assert shares(y2019, "clawback") == {"11111": 2}
    assert line(y2019, "clawback").amount == Decimal("-20000.00")
    assert line(y2019, "clawback").rate == Decimal("10000.00")
    assert line(year_of(report, 2020), "clawback") is None


def test_leaver_on_the_day_before_the_anniversary_is_clawed_back() -> None:
    """Joined 1 January 2018, left 31 December 2018 (the day before the anniversary): clawed
    back."""
    y2019 = year_of(pay([_leaver("2018-12-31")]), 2019)
    assert line(y2019, "clawback").amount == Decimal("-20000.00")


def test_leaver_on_the_anniversary_is_not_clawed_back() -> None:
    """Joined 1 January 2018, left 1 January 2019 (the anniversary): the grant stays."""
    report = pay([_leaver("2019-01-01")])
    assert all(y.amount("clawback") == 0 for y in report.clusters[0].years)
    assert "11111" not in shares(year_of(report, 2019), "operating")  # not paid for 2019 either


def test_leaver_after_the_anniversary_is_not_clawed_back() -> None:
    """Left on 2 January 2019, after the anniversary: paid for 2019, nothing clawed back."""
    report = pay([_leaver("2019-01-02")])
    assert shares(year_of(report, 2019), "operating")["11111"] == 1000
    assert all(y.amount("clawback") == 0 for y in report.clusters[0].years)


@pytest.mark.parametrize(("left", "clawed_back"), [
    ("2021-02-27", True),   # the day before the anniversary
    ("2021-02-28", False),  # 2020-02-29 + 12 months = 2021-02-28: the anniversary
    ("2021-03-01", False),
], ids=["day-before-anniversary", "anniversary-28-feb", "1-march"])
def test_leap_day_joiner_has_its_anniversary_on_28_february(left: str, clawed_back: bool) -> None:
    """A clinic that joined on 29 February 2020 has its anniversary on 28 February 2021."""
    report = pay([_leaver(left, joined="2020-02-29", capacities=3)])
    clawback = year_of(report, 2022).amount("clawback")
    assert clawback == (Decimal("-30000.00") if clawed_back else Decimal("0.00"))


def test_late_joiner_leaving_within_its_first_year_is_clawed_back() -> None:
    """A late joiner paid its startup grant in its first funded year, that leaves before its
    anniversary, has it deducted the year after it left."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2019-06-01", capacities=3, left="2020-05-31"),
    ])
    report = pay([c])
    assert shares(year_of(report, 2020), "startup") == {"22222": 3}
    assert shares(year_of(report, 2021), "clawback") == {"22222": 3}


def test_leaving_on_1_january_is_not_paid_that_year() -> None:
    """A clinic whose first day outside the cluster is 1 January is not counted that day."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", patients=700, left="2021-01-01"),
    ])
    report = pay([c])
    assert shares(year_of(report, 2020), "operating")["22222"] == 700
    assert "22222" not in shares(year_of(report, 2021), "operating")


def test_leaving_on_2_january_is_paid_that_year() -> None:
    """A clinic still a member on 1 January is paid for the year, even if it leaves the next
    day (rule 6)."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", patients=700, left="2021-01-02"),
    ])
    report = pay([c])
    assert shares(year_of(report, 2021), "operating")["22222"] == 700
    assert "22222" not in shares(year_of(report, 2022), "operating")


def test_year_with_only_a_clawback_is_reported() -> None:
    """When every clinic has gone, the year after still shows the clawback, as a negative
    payout."""
    c = cluster("Amagerklyngen", "2018-01-01", [member("11111", "2018-01-01", left="2018-06-01")])
    report = pay([c])
    assert years_paid(report) == [2018, 2019]
    assert kinds(year_of(report, 2019)) == ["clawback"]


def test_negative_year_carries_a_negative_warning() -> None:
    """A clawback larger than the rest of the year's payout makes a negative total, with a
    warning."""
    c = cluster("Amagerklyngen", "2022-01-01", [
        member("11111", "2022-01-01", capacities=5, left="2022-06-01"),
        member("22222", "2022-01-01", capacities=1, patients=1000),
    ])
    y2023 = year_of(pay([c]), 2023)
    assert y2023.total == Decimal("-47680.00")  # 2.32 × 1,000 − 5 × 10,000
    negative = [w for w in y2023.warnings if "negative" in w]
    assert len(negative) == 1
    assert "47680.00" in negative[0]
    assert not [w for w in year_of(pay([c]), 2022).warnings if "negative" in w]


def test_clawback_after_the_last_year_computed_is_warned_about() -> None:
    """A clawback that falls after the computed years is not lost silently."""
    c = _leaver("2018-06-30")
    report = pay([c], years=[2018])
    assert years_paid(report) == [2018]
    assert any("11111" in w and "2019" in w for w in report.warnings)


# --- rejoining ------------------------------------------------------------------------


def test_rejoin_after_leaving_gets_no_second_startup_grant() -> None:
    """A clinic that leaves and later rejoins the same cluster is paid its patients again but
    no second startup grant."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", capacities=2, left="2020-06-01"),
        member("22222", "2021-03-01", capacities=2),
    ])
    report = pay([c])
    assert shares(year_of(report, 2022), "operating")["22222"] == 1000
    startups = [shares(y, "startup").get("22222", 0) for _, y in report]
    assert startups == [2] + [0] * 8


def test_rejoin_after_a_clawback_gets_no_new_startup_grant() -> None:
    """A clinic clawed back after leaving within its first year gets no new grant on
    rejoining."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", capacities=2, left="2018-06-01"),
        member("22222", "2018-09-01", capacities=2),
    ])
    report = pay([c])
    y2019 = year_of(report, 2019)
    assert shares(y2019, "operating")["22222"] == 1000
    assert line(y2019, "startup") is None
    assert shares(y2019, "clawback") == {"22222": 2}


# --- rates: rules 2, 3 and I5 -------------------------------------------------------------


def _steady(founded: str = "2018-01-01"):  # type: ignore[no-untyped-def]
    return cluster("Amagerklyngen", founded, [member("11111", founded, patients=12345)])


@pytest.mark.parametrize(("year", "rate", "amount"), [
    (2019, "2.16", "26665.20"),  # 2.16 × 12,345
    (2020, "2.16", "26665.20"),
    (2021, "0.47", "5802.15"),   # 0.47 × 12,345
])
def test_supplement_is_paid_per_patient_in_2019_2020_and_2021(year: int, rate: str,
                                                              amount: str) -> None:
    """The supplement from Fonden for Almen Praksis is 2.16 kr in 2019 and 2020, 0.47 in
    2021."""
    supplement = line(year_of(pay([_steady()]), year), "supplement")
    assert supplement.rate == Decimal(rate)
    assert supplement.quantity == 12345
    assert supplement.amount == Decimal(amount)
    assert supplement.assumption is None
    assert supplement.citation.section == "§7.1"
    assert rate.replace(".", ",") in supplement.citation.quote


@pytest.mark.parametrize("year", [2018, 2022, 2023, 2024, 2025, 2026])
def test_no_supplement_line_outside_2019_to_2021(year: int) -> None:
    """Outside 2019–2021 there is no supplement, and no supplement line."""
    assert "supplement" not in kinds(year_of(pay([_steady()]), year))


KIAP, ECONOMY = "kiap.dk Klyngeadministration", "Klyngens økonomi og udbetaling af midler"


@pytest.mark.parametrize(("year", "rate", "amount", "document", "section"), [
    (2018, "4.33", "53453.85", "Guide til klyngestart", "§7.1"),
    (2022, "1.12", "13826.40", KIAP, ECONOMY),
    (2023, "2.32", "28640.40", KIAP, ECONOMY),
    (2024, "3.55", "43824.75", "Håndbog 2024", "§10"),
    (2025, "3.65", "45059.25", KIAP, ECONOMY),
])
def test_published_operating_rate_is_applied_without_assumption(
        year: int, rate: str, amount: str, document: str, section: str) -> None:
    """In a year with a published rate, the operating grant is that rate × patients, cited."""
    payout = year_of(pay([_steady()]), year)
    operating = line(payout, "operating")
    assert operating.rate == Decimal(rate)
    assert operating.amount == Decimal(amount)
    assert operating.assumption is None
    assert (operating.citation.document, operating.citation.section) == (document, section)
    assert payout.warnings == ()
    assert not payout.rests_on_assumption


@pytest.mark.parametrize(("year", "carried", "since"), [
    (2019, "4.33", "2018-01-01"),
    (2020, "4.33", "2018-01-01"),
    (2021, "4.33", "2018-01-01"),
    (2026, "3.65", "2025-01-01"),
])
def test_unpublished_year_carries_the_last_published_rate_forward_with_a_warning(
        year: int, carried: str, since: str) -> None:
    """In a year no source publishes a rate for, the last published rate is used, marked as an
    assumption, with a warning naming the year."""
    report = pay([_steady()])
    payout = year_of(report, year)
    operating = line(payout, "operating")
    assert operating.rate == Decimal(carried)
    assert operating.amount == Decimal(carried) * 12345
    assert operating.value_from == d(since)
    assert operating.assumption is not None
    assert str(year) in operating.assumption
    assert any(str(year) in w and "unpublished" in w for w in payout.warnings)
    assert payout.rests_on_assumption
    assert any(w.startswith(f"Amagerklyngen {year}:") for w in report.all_warnings())


def test_strict_mode_refuses_an_unpublished_year() -> None:
    """With strict=True a year without a published operating rate is refused, naming it."""
    with pytest.raises(NotCoveredError) as info:
        pay([_steady()], strict=True)
    assert "2019" in str(info.value)
    assert isinstance(info.value, LookupError)


def test_strict_mode_refuses_2026() -> None:
    """With strict=True the year 2026, for which no rate is published, is refused."""
    with pytest.raises(NotCoveredError, match="2026"):
        pay([_steady("2022-01-01")], years=[2026], strict=True)


def test_strict_mode_computes_published_years_as_usual() -> None:
    """With strict=True the published years of an older cluster come out as without it."""
    years = range(2022, 2026)
    strict = pay([_steady()], years=years, strict=True)
    assert strict.clusters == pay([_steady()], years=years).clusters
    assert strict.policies["unpublished_years"] == "refuse"


def test_refuse_policy_is_strict_mode() -> None:
    """The policy unpublished_years=refuse refuses the unpublished years, as strict does."""
    with pytest.raises(NotCoveredError, match="2019"):
        pay([_steady()], policies={"unpublished_years": "refuse"})


def _with_unpublished(name: str, start: str) -> Ruleset:
    """The shipped ruleset with ``name`` unpublished from ``start`` on (a made-up gap)."""
    data = RULESET.to_data()
    values = [v for v in data["parameters"][name]["values"] if v["from"] < start]
    values.append({"from": start, "status": "unpublished", "reason": "a gap for the test",
                   "citation": values[-1]["citation"]})
    data["parameters"][name]["values"] = values
    return ruleset_from_data(data, source=f"{name}-gap")


@pytest.mark.parametrize("name", ["payout_day", "counting_day"])
def test_strict_mode_refuses_a_year_whose_payout_or_counting_day_is_unpublished(
        name: str) -> None:
    """I5 governs every dated figure: in strict mode an unpublished day is refused too.
    (From 2025 on: the 1 March payout day is published from 2024, an assumption before.)"""
    gap = _with_unpublished(name, "2025-01-01")
    steady = [_steady("2024-01-01")]
    example = load_clusters(EXAMPLE)
    with pytest.raises(NotCoveredError) as info:
        compute_payouts(example, gap, years=[2025], strict=True)
    # Named where it arose: the file and the cluster whose days were looked up.
    assert (info.value.path, info.value.record) == (str(EXAMPLE), "Køgeklyngen")
    carried = compute_payouts(steady, gap, years=[2025])
    shipped = compute_payouts(steady, RULESET, years=[2025])
    assert [(y.due, y.lines) for _, y in carried] == [(y.due, y.lines) for _, y in shipped]
    # A payout day carried forward says so (I5).
    [(_, year)] = list(carried)
    assert year.due_value is not None
    assert year.due_value.status == ("assumption" if name == "payout_day" else "published")
    for strict in ({"strict": True}, {"policies": {"unpublished_years": "refuse"}}):
        with pytest.raises(NotCoveredError) as info:
            compute_payouts(steady, gap, years=[2025], **strict)  # type: ignore[arg-type]
        assert (info.value.field, info.value.date) == (name, dt.date(2025, 1, 1))


def test_strict_mode_refuses_a_clawback_window_that_is_unpublished() -> None:
    """A clinic that joined when the clawback window is unpublished: strict mode refuses."""
    gap = _with_unpublished("clawback_window_months", "2023-01-01")
    leaver = [cluster("Gapklyngen", "2022-06-01",
                      [member("012345", "2022-06-01"),
                       member("023456", "2023-01-01", left="2023-06-01")])]
    carried = compute_payouts(leaver, gap, years=[2023, 2024])
    assert line(carried.clusters[0].year(2024), "clawback") is not None
    with pytest.raises(NotCoveredError) as info:
        compute_payouts(leaver, gap, years=[2023, 2024], strict=True)
    assert (info.value.field, info.value.date) == ("clawback_window_months",
                                                   dt.date(2023, 1, 1))


@pytest.mark.parametrize(("capacities", "said"), [(1, "1 capacity"), (3, "3 capacities")])
def test_a_clawback_between_the_years_asked_for_is_warned_in_words(
        capacities: int, said: str) -> None:
    leaver = [cluster("Gapklyngen", "2022-06-01",
                      [member("012345", "2022-06-01"),
                       member("023456", "2023-01-01", left="2023-06-01",
                              capacities=capacities)])]
    report = compute_payouts(leaver, RULESET, years=[2023, 2025])
    assert report.warnings == (
        f"Gapklyngen: a clawback of the startup grant for {said} falls in 2024, which is "
        "not among the years computed",)


def test_override_supplies_an_unpublished_rate() -> None:
    """A caller can supply the real 2019 rate; the line says it rests on an override."""
    report = pay([_steady()], overrides=[Override(parameter="operating_rate", value="4.26",
                                                  start=d("2019-01-01"), end=d("2020-01-01"))])
    operating = line(year_of(report, 2019), "operating")
    assert operating.rate == Decimal("4.26")
    assert operating.amount == Decimal("52589.70")  # 4.26 × 12,345
    assert "override" in operating.assumption
    assert report == pay([_steady()], overrides=["operating_rate@2019=4.26"])


def test_override_of_one_unpublished_year_does_not_change_the_next() -> None:
    """Overriding operating_rate for 2019 leaves 2020 and 2021 at the last published rate,
    4.33 (I5 carries the last *published* rate, not a caller's override)."""
    report = pay([_steady()], overrides=["operating_rate@2019=4.26"])
    assert line(year_of(report, 2019), "operating").rate == Decimal("4.26")
    assert line(year_of(report, 2020), "operating").rate == Decimal("4.33")
    assert line(year_of(report, 2021), "operating").rate == Decimal("4.33")


# --- bad input ----------------------------------------------------------------------------


def test_missing_patient_count_names_the_record_and_the_year() -> None:
    """A paid clinic with no patient count for a year is an InputError naming the field."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", patients={2018: 100, 2019: 100}),
    ])
    with pytest.raises(InputError) as info:
        pay([c], years=range(2018, 2021))
    assert info.value.field == "patients.2020"
    assert "22222" in (info.value.record or "")
    assert "patients.2020" in str(info.value)


def test_missing_patient_count_of_a_clinic_no_longer_paid_is_no_error() -> None:
    """A clinic that left needs no count for the years after it left."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2018-01-01", patients={2018: 100, 2019: 100}, left="2019-06-01"),
    ])
    assert years_paid(pay([c], years=range(2018, 2021))) == [2018, 2019, 2020]


def test_provider_number_in_two_clusters_at_once_is_a_conflict_naming_both() -> None:
    """One provider number in two clusters on the same day is a ConflictError naming both."""
    a = cluster("Amagerklyngen", "2019-01-01", [member("99999", "2019-01-01")])
    b = cluster("Bornholmklyngen", "2019-01-01", [member("99999", "2019-06-01")])
    with pytest.raises(ConflictError) as info:
        pay([a, b])
    message = str(info.value)
    assert "Amagerklyngen" in message and "Bornholmklyngen" in message
    assert "99999" in message
    assert isinstance(info.value, ValueError)


def test_provider_number_twice_at_once_in_one_cluster_is_a_conflict() -> None:
    """Two overlapping memberships of one provider number in one cluster are a conflict."""
    c = cluster("Amagerklyngen", "2019-01-01", [
        member("99999", "2019-01-01", left="2020-01-01"),
        member("99999", "2019-12-01"),
    ])
    with pytest.raises(ConflictError, match="twice in cluster"):
        pay([c])


def test_leaving_one_cluster_and_joining_another_the_same_day_is_no_conflict() -> None:
    """``left`` is the first day outside, so joining elsewhere that day does not overlap."""
    a = cluster("Amagerklyngen", "2019-01-01", [member("99999", "2019-01-01",
                                                       left="2020-06-01")])
    b = cluster("Bornholmklyngen", "2019-01-01", [
        member("88888", "2019-01-01"),
        member("99999", "2020-06-01", switched_from="Amagerklyngen")])
    report = pay([a, b])
    assert shares(year_of(report, 2021, "Bornholmklyngen"), "operating")["99999"] == 1000


# --- policies: each alternative reading of I1–I6 ------------------------------------------


def test_pro_rata_founding_year_pays_operating_and_supplement_by_days() -> None:
    """Under founding_year=pro_rata, founded 1 July 2019 pays 184/365 of the year's operating
    grant and supplement; the startup grant and later years are unchanged."""
    c = cluster("Amagerklyngen", "2019-07-01", [member("11111", "2019-07-01", patients=10000)])
    default, pro_rata = pay([c]), pay([c], policies={"founding_year": "pro_rata"})
    first = year_of(pro_rata, 2019)
    assert line(first, "operating").fraction == Fraction(184, 365)
    assert line(first, "operating").amount == Decimal("21827.95")  # 43,300 × 184/365 = 21827.945…
    assert line(first, "supplement").amount == Decimal("10888.77")  # 21,600 × 184/365
    assert line(first, "startup").amount == Decimal("10000.00")
    assert line(year_of(default, 2019), "operating").amount == Decimal("43300.00")
    assert pro_rata.clusters[0].years[1:] == default.clusters[0].years[1:]


def test_pro_rata_in_a_leap_year_counts_366_days() -> None:
    """Founded on 29 February 2020, the pro rata share is 307 of 366 days."""
    c = cluster("Amagerklyngen", "2020-02-29", [member("11111", "2020-02-29", patients=366)])
    first = year_of(pay([c], policies={"founding_year": "pro_rata"}), 2020)
    assert line(first, "operating").fraction == Fraction(307, 366)
    assert line(first, "operating").amount == Decimal("1329.31")  # 4.33 × 307
    assert line(first, "supplement").amount == Decimal("663.12")  # 2.16 × 307


def test_pro_rata_founded_on_1_january_is_a_full_year() -> None:
    """A cluster founded on 1 January gets the full year under pro rata too."""
    c = _steady()
    assert (year_of(pay([c], policies={"founding_year": "pro_rata"}), 2018).total
            == year_of(pay([c]), 2018).total)


def test_founding_policy_pays_only_members_on_the_founding_day_in_the_first_payout() -> None:
    """Under founding_members=founding, clinics that joined after the founding assembly wait
    for 1 January, and get their startup grant then."""
    report = pay([koege()], policies={"founding_members": "founding"})
    first = year_of(report, 2018)
    assert set(shares(first, "operating")) == {"012345", "023456"}
    assert shares(first, "startup") == {"012345": 2, "023456": 3}
    assert first.due == d("2018-10-03")  # still due when registration is completed
    assert first.counted_on == d("2018-09-12")
    assert shares(year_of(report, 2019), "startup") == {"034567": 1, "045678": 4, "056789": 2}


def test_never_clawback_policy_keeps_the_leavers_startup_grant() -> None:
    """Under clawback=never a clinic leaving within its first year costs nothing."""
    c = _leaver("2018-06-30")
    default, never = pay([c]), pay([c], policies={"clawback": "never"})
    assert line(year_of(never, 2019), "clawback") is None
    assert year_of(never, 2019).total - year_of(default, 2019).total == Decimal("20000.00")
    assert never.policies["clawback"] == "never"


def test_founding_only_startup_policy_gives_late_joiners_no_startup_grant() -> None:
    """Under late_joiner_startup=founding_only only the first payout carries startup grants."""
    report = pay([koege()], policies={"late_joiner_startup": "founding_only"})
    assert line(year_of(report, 2018), "startup").amount == Decimal("100000.00")
    assert all(line(y, "startup") is None for y in report.clusters[0].years[1:])
    assert shares(year_of(report, 2019), "operating")["056789"] == 3300


def test_founding_only_startup_policy_has_nothing_to_claw_back_from_a_late_joiner() -> None:
    """A late joiner that got no startup grant has none clawed back when it leaves early."""
    c = cluster("Amagerklyngen", "2018-01-01", [
        member("11111", "2018-01-01"),
        member("22222", "2019-01-01", capacities=3, left="2019-06-01"),
    ])
    report = pay([c], policies={"late_joiner_startup": "founding_only"})
    assert all(y.amount("clawback") == 0 for y in report.clusters[0].years)
    assert year_of(pay([c]), 2020).amount("clawback") == Decimal("-30000.00")


def test_clinic_rounding_rounds_each_share_before_adding() -> None:
    """Under rounding=clinic each clinic's share is rounded first: three shares of 1.125 kr
    make 3.39, not 3.38."""
    c = cluster("Amagerklyngen", "2022-01-01", [
        member(pn, "2022-01-01", patients=1) for pn in ("11111", "22222", "33333")])
    rate = ["operating_rate@2022=1.125"]
    by_line = line(year_of(pay([c], overrides=rate), 2022), "operating")
    by_clinic = line(year_of(pay([c], overrides=rate, policies={"rounding": "clinic"}), 2022),
                     "operating")
    assert by_line.amount == Decimal("3.38")  # 3.375 rounded half up
    assert by_clinic.amount == Decimal("3.39")  # 1.13 × 3
    assert by_clinic.rounding == "clinic"


def test_clinic_rounding_with_pro_rata_rounds_each_share() -> None:
    """Pro rata with clinic rounding rounds each clinic's share of the founding year."""
    c = cluster("Amagerklyngen", "2019-07-01", [
        member("11111", "2019-07-01", patients=1), member("22222", "2019-07-01", patients=1)])
    policies = {"founding_year": "pro_rata"}
    by_line = line(year_of(pay([c], policies=policies), 2019), "operating")
    by_clinic = line(year_of(pay([c], policies={**policies, "rounding": "clinic"}), 2019),
                     "operating")
    assert by_line.amount == Decimal("4.37")  # 8.66 × 184/365 = 4.3655…
    assert by_clinic.amount == Decimal("4.36")  # 2 × (4.33 × 184/365 = 2.1827…) = 2 × 2.18


def test_unknown_policy_or_choice_is_refused() -> None:
    """A policy the ruleset does not have, or a choice it does not offer, is an InputError."""
    with pytest.raises(InputError):
        pay([_steady()], policies={"clawbak": "never"})
    with pytest.raises(InputError, match="never"):
        pay([_steady()], policies={"clawback": "sometimes"})


def _changed(base, variant) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return {(row.year, kind) for row in base.compare(variant).rows
            for kind, diff in row.by_kind if diff}


@pytest.mark.parametrize(("policy", "choice", "expected"), [
    # Founded 12 Sep 2018: 111/365 of 2018's operating grant (no supplement in 2018).
    ("founding_year", "pro_rata", {(2018, "operating")}),
    # 034567 joined 1 Oct 2018, between founding and registration: out of 2018, startup 2019.
    ("founding_members", "founding", {(2018, "startup"), (2018, "operating"),
                                      (2019, "startup")}),
    # 078901 left 1 Sep 2021, within its first year: its clawback in 2022 goes.
    ("clawback", "never", {(2022, "clawback")}),
    # The late joiners of 2019 and 2021 get no startup grant, so 078901 has none to return.
    ("late_joiner_startup", "founding_only", {(2019, "startup"), (2021, "startup"),
                                              (2022, "clawback")}),
    # Rates with two decimals × whole patients need no rounding: nothing changes.
    ("rounding", "clinic", set()),
], ids=["I1-pro_rata", "I2-founding", "I3-never", "I4-founding_only", "I6-clinic"])
def test_each_policy_alternative_changes_exactly_what_it_should(
        policy: str, choice: str, expected: set[tuple[int, str]]) -> None:
    """On the example cluster, each alternative reading changes exactly the expected years and
    kinds."""
    clusters = load_clusters(EXAMPLE)
    base = compute_payouts(clusters, RULESET)
    variant = compute_payouts(clusters, RULESET, policies={policy: choice})
    assert _changed(base, variant) == expected
    assert variant.policies[policy] == choice
    assert variant.non_default_policies == {policy: choice}


def test_refuse_alternative_of_i5_refuses_the_example_cluster() -> None:
    """The I5 alternative refuses the example cluster, whose history runs through 2019–2021."""
    with pytest.raises(NotCoveredError, match="2019"):
        compute_payouts(load_clusters(EXAMPLE), RULESET,
                        policies={"unpublished_years": "refuse"})
