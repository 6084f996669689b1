"""What changed between two rulesets (kiaprules.rules.changes), as verify reports it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from kiaprules import Ruleset, load_ruleset
from kiaprules.rules.changes import period_text, ruleset_changes
from kiaprules.rules.loader import ruleset_from_data

RULESET = load_ruleset("dk-kiap")


def _edited(parameter: str, start: str, value: str) -> Ruleset:
    data = RULESET.to_data()
    for entry in data["parameters"][parameter]["values"]:
        if str(entry["from"]) == start:
            entry["value"] = value
    return ruleset_from_data(data)


def test_a_ruleset_has_no_changes_from_itself() -> None:
    assert ruleset_changes(RULESET, RULESET) == ()
    assert ruleset_changes(RULESET, ruleset_from_data(RULESET.to_data())) == ()


def test_the_issues_example() -> None:
    old = _edited("operating_rate", "2022-01-01", "1.12")
    new = _edited("operating_rate", "2022-01-01", "1.10")
    assert ruleset_changes(old, new) == ("operating_rate 2022 1.12 → 1.10",)


def test_a_value_published_for_unpublished_years_and_a_policy_default() -> None:
    data = RULESET.to_data()
    values = data["parameters"]["operating_rate"]["values"]
    [unpublished] = [v for v in values if str(v["from"]) == "2019-01-01"]
    unpublished.update(value="4.26", status="published")
    del unpublished["reason"]
    data["policies"]["clawback"]["default"] = "never"
    new = ruleset_from_data(data)
    assert ruleset_changes(RULESET, new) == (
        "operating_rate 2019-2021 unpublished → 4.26",
        "policy clawback default within_first_year → never")
    assert ruleset_changes(new, RULESET) == (
        "operating_rate 2019-2021 4.26 → unpublished",
        "policy clawback default never → within_first_year")


def test_a_parameter_or_policy_added_or_removed() -> None:
    data = RULESET.to_data()
    del data["policies"]["clawback"]
    data["parameters"]["spare_rate"] = data["parameters"]["operating_rate"]
    new = ruleset_from_data(data)
    changes = ruleset_changes(RULESET, new)
    assert "policy clawback removed" in changes
    assert "spare_rate from 2018 none → 4.33" not in changes  # periods, not one span
    assert "spare_rate 2018 none → 4.33" in changes
    assert "policy clawback added" in ruleset_changes(new, RULESET)


@given(parameter=st.sampled_from(["operating_rate", "supplement_rate", "startup_grant"]),
       year=st.integers(2018, 2030), cents=st.integers(0, 2_000_000),
       years=st.integers(1, 4))
@example(parameter="operating_rate", year=2022, cents=110, years=1)
def test_an_override_is_listed_exactly_where_it_changes_a_value(
    parameter: str, year: int, cents: int, years: int,
) -> None:
    value = Decimal(cents) / 100
    start, end = dt.date(year, 1, 1), dt.date(year + years, 1, 1)
    first = RULESET.parameters[parameter].first_date
    if start < first:
        return
    new = RULESET.with_override(parameter, value, start, end)
    changes = ruleset_changes(RULESET, new)
    # Every change is of that parameter, inside the override's years, to the new value.
    assert changes, "an override always changes the status, so it is always listed"
    for change in changes:
        name, period, _before, arrow, *after = change.split(" ")
        assert (name, arrow) == (parameter, "→")
        assert after[-1] == "(override)"
        first_year = int(period.split("-")[0])
        assert year <= first_year < year + years
    # And back: the same periods, the arrows the other way.
    back = ruleset_changes(new, RULESET)
    assert len(back) == len(changes)


def test_periods() -> None:
    assert period_text(dt.date(2019, 1, 1), dt.date(2020, 1, 1)) == "2019"
    assert period_text(dt.date(2019, 3, 1), dt.date(2020, 1, 1)) == "2019-03-01 to 2019-12-31"
    assert period_text(dt.date(2020, 1, 1), dt.date(2020, 3, 1)) == "2020-01-01 to 2020-02-29"
