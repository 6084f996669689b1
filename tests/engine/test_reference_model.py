"""An independent, deliberately naive reference model of the payout rules.

Written from DOMAIN.md alone (rules 1–8, interpretations I1–I6 under their
default readings, and I3's alternative "never claw back"), not from the
engine: it imports nothing from kiaprules' internals, only reads the
attributes of the clusters it is handed, and uses nothing but
``dateutil.relativedelta`` and ``decimal``. It is slow and plain on purpose;
a property compares it with :func:`kiaprules.compute_payouts` on generated
clusters.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from reference_model import engine_payouts, reference_payouts
from strategies_payouts import (
    RULESET,
    YEARS,
    anniversary_scenario,
    leap_day_scenario,
    new_year_scenario,
    scenarios,
)

from kiaprules import compute_payouts

# --- the reference model on its own: hand-checked figures ----------------------------


def test_reference_model_reproduces_hand_computed_leap_day_payouts() -> None:
    """The reference model itself gives the figures worked out by hand for the leap-day case."""
    ref = reference_payouts(leap_day_scenario(), YEARS)
    # 2020 (founding year, full year): 3 clinics, 2 500 patients at 4.33 + 2.16,
    # startup 6 capacities.
    assert ref[("Amagerklyngen", 2020)]["startup"] == Decimal("60000.00")
    assert ref[("Amagerklyngen", 2020)]["operating"] == Decimal("10825.00")
    assert ref[("Amagerklyngen", 2020)]["supplement"] == Decimal("5400.00")
    # 2022: clinic 22222 left the day before its anniversary in 2021: 3 capacities back.
    assert ref[("Amagerklyngen", 2022)]["clawback"] == Decimal("-30000.00")
    assert ref[("Amagerklyngen", 2022)]["operating"] == Decimal("560.00")  # 500 × 1.12


# --- the property --------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(clusters=scenarios())
@example(clusters=leap_day_scenario())
@example(clusters=new_year_scenario())
@example(clusters=anniversary_scenario())
def test_engine_agrees_with_reference_model_under_default_policies(clusters) -> None:  # type: ignore[no-untyped-def]
    """Per cluster and year, the engine's due date and totals by kind equal the reference's."""
    report = compute_payouts(clusters, RULESET, years=YEARS)
    assert engine_payouts(report) == reference_payouts(clusters, YEARS)


@settings(max_examples=60, deadline=None)
@given(clusters=scenarios())
@example(clusters=leap_day_scenario())
@example(clusters=anniversary_scenario())
def test_engine_agrees_with_reference_model_when_nothing_is_clawed_back(clusters) -> None:  # type: ignore[no-untyped-def]
    """Under clawback=never the engine equals the reference model without clawbacks."""
    report = compute_payouts(clusters, RULESET, years=YEARS, policies={"clawback": "never"})
    assert engine_payouts(report) == reference_payouts(clusters, YEARS, claw_back=False)
