"""The KiAP payout rules as an OpenFisca model, for the side-by-side benchmark.

The same rules as kiaprules under its default readings (I1 full founding
year, I2 founding members are those in on the day registration is completed,
I3 claw back within the first year, I4 late joiners get the startup grant in
their first funded year, I5 the last published rate carries forward, I6 each
line rounded to the øre, half up), written the way an OpenFisca country
package writes them: two entities, variables with formulas per year, and the
rates as dated YAML parameters (``parameters/``) with the same values and
dates as ``rulesets/dk-kiap.toml``.

Money comes twice:

* the idiomatic OpenFisca way, ``value_type = float`` (stored as numpy
  float32): ``operating_grant``, ``supplement``, ``startup_grant_paid``,
  ``clawback`` and ``payout``;
* exactly, in whole øre (``value_type = int``, int32; each cluster-year fits):
  the same names with ``_ore``. Rates are turned into ten-thousandths of a
  krone (every rate has at most four decimals) and multiplied in int64.

What the model leaves out, because OpenFisca has no place for it or because
the benchmark data never needs it: the refusals (a member without a patient
count silently counts 0, a year without a published rate silently takes the
last one), the warnings and explanations, the other policy readings, the
startup grant of a clinic that rejoins the same cluster (kiaprules pays it
once per provider number and cluster; the synthetic country has no such
rejoin), and the days and windows as parameters (1 January counting is in
the formulas; the window is the parameter of the year computed, constant 12).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from openfisca_core import periods
from openfisca_core.entities import build_entity
from openfisca_core.model_api import ETERNITY, YEAR, Variable, where
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

FIRST_YEAR = 2018  # the ruleset's first date: no payout before it

Membership = build_entity(
    key="membership", plural="memberships", is_person=True,
    label="A clinic's membership of a cluster (from joined up to, not including, left)")
Cluster = build_entity(
    key="cluster", plural="clusters", label="A quality cluster (klynge)",
    roles=[{"key": "member", "plural": "members", "label": "Member clinic"}])


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def _anniversary(days: np.ndarray, months: int) -> np.ndarray:
    """``days`` + ``months`` calendar months, clipped to the month's end (29 Feb → 28 Feb)."""
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")) \
        .astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1)


def _e4(rate: float) -> int:
    """A rate in ten-thousandths of a krone (rates have at most four decimals)."""
    return round(float(rate) * 10_000)


def _half_up_float(kroner: np.ndarray) -> np.ndarray:
    """To the øre, half up, in floating point (what a float model can do)."""
    return np.floor(kroner * 100 + 0.5) / 100


def _half_up_ore(e4_times_quantity: np.ndarray) -> np.ndarray:
    """Ten-thousandths of a krone to whole øre, half up (non-negative input)."""
    return (e4_times_quantity + 50) // 100


# --- inputs ------------------------------------------------------------------------------


class joined(Variable):
    value_type = date
    entity = Membership
    definition_period = ETERNITY
    label = "First day as a member"


class left(Variable):
    value_type = date
    entity = Membership
    definition_period = ETERNITY
    default_value = date(9999, 12, 31)
    label = "First day no longer a member (9999-12-31: still a member)"


class switched(Variable):
    value_type = bool
    entity = Membership
    definition_period = ETERNITY
    label = "Came by a cluster switch (switched_from is set)"


class capacities(Variable):
    value_type = int
    entity = Membership
    definition_period = ETERNITY
    label = "Doctor capacities of the clinic"


class patients(Variable):
    value_type = int
    entity = Membership
    definition_period = YEAR
    label = "Group-1 patients per 1 January"


class founded(Variable):
    value_type = date
    entity = Cluster
    definition_period = ETERNITY
    label = "Day of the founding general assembly"


class registered(Variable):
    value_type = date
    entity = Cluster
    definition_period = ETERNITY
    label = "Day registration was completed on kiap.dk"


# --- who is paid for what --------------------------------------------------------------------


class counted_on(Variable):
    value_type = date
    entity = Membership
    definition_period = YEAR
    label = "The day membership counts: registration in the founding year (I2), else 1 January"

    def formula(membership, period):
        year = period.start.year
        cluster_founded = membership.cluster("founded", period)
        return where(_year(cluster_founded) == year, membership.cluster("registered", period),
                     np.datetime64(f"{year:04d}-01-01"))


class is_paid_member(Variable):
    value_type = bool
    entity = Membership
    definition_period = YEAR
    label = "A member on the counting day of a year from the founding year on"

    def formula(membership, period):
        day = membership("counted_on", period)
        return ((_year(membership.cluster("founded", period)) <= period.start.year)
                & (membership("joined", period) <= day) & (day < membership("left", period)))


class paid_before(Variable):
    value_type = bool
    entity = Membership
    definition_period = YEAR
    label = "Paid in some earlier year"

    def formula(membership, period):
        if period.start.year <= FIRST_YEAR:
            return np.zeros(membership.count, dtype=bool)
        last = period.last_year
        return membership("is_paid_member", last) | membership("paid_before", last)


class startup_capacities(Variable):
    value_type = int
    entity = Membership
    definition_period = YEAR
    label = "Capacities paid the startup grant: first funded year, not on a switch (rules 1, 7; I4)"

    def formula(membership, period):
        first = membership("is_paid_member", period) & ~membership("paid_before", period)
        return membership("capacities", period) * (first & ~membership("switched", period))


class clawback_due(Variable):
    value_type = bool
    entity = Membership
    definition_period = YEAR
    label = "Left within its first year; due in the first year it is not counted (I3, C1)"

    def formula(membership, period, parameters):
        leaving = membership("left", period)
        window = int(parameters(period).clawback_window_months)
        # C1: counted last year, not this year: this year's counting day is the
        # first on or after the day it left.
        return ((leaving <= membership("counted_on", period))
                & (leaving > membership("counted_on", period.last_year))
                & (leaving < _anniversary(membership("joined", period), window)))


class paid_patients(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR
    label = "Group-1 patients of the members paid this year"

    def formula(cluster, period):
        return cluster.sum(cluster.members("patients", period)
                           * cluster.members("is_paid_member", period))


class startup_capacities_total(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period):
        return cluster.sum(cluster.members("startup_capacities", period))


def _clawed_back(cluster, period, parameters, amount):  # type: ignore[no-untyped-def]
    """Σ over the years P the grants were paid: amount(rate of P, capacities paid in P)."""
    due = cluster.members("clawback_due", period)
    total = 0
    for paid in range(FIRST_YEAR, period.start.year):
        year = periods.period(str(paid))
        caps = cluster.sum(cluster.members("startup_capacities", year) * due)
        total = total + amount(parameters(year.start).startup_grant, caps)
    return total


# --- money, the OpenFisca way: float (numpy float32) ---------------------------------------------


class operating_grant(Variable):
    value_type = float
    entity = Cluster
    definition_period = YEAR
    label = "Operating grant, rate × patients, to the øre (rules 2, 4)"

    def formula(cluster, period, parameters):
        rate = parameters(period).operating_rate
        return _half_up_float(rate * cluster("paid_patients", period))


class supplement(Variable):
    value_type = float
    entity = Cluster
    definition_period = YEAR
    label = "Supplement 2019-2021 (rule 3)"

    def formula(cluster, period, parameters):
        rate = parameters(period).supplement_rate
        return _half_up_float(rate * cluster("paid_patients", period))


class startup_grant_paid(Variable):
    value_type = float
    entity = Cluster
    definition_period = YEAR
    label = "Startup grants (rule 1)"

    def formula(cluster, period, parameters):
        grant = parameters(period).startup_grant
        return _half_up_float(grant * cluster("startup_capacities_total", period))


class clawback(Variable):
    value_type = float
    entity = Cluster
    definition_period = YEAR
    label = "Startup grants clawed back (I3), negative"

    def formula(cluster, period, parameters):
        return -_clawed_back(cluster, period, parameters,
                             lambda grant, caps: _half_up_float(grant * caps))


class payout(Variable):
    value_type = float
    entity = Cluster
    definition_period = YEAR
    label = "The year's payout: the sum of the lines"

    def formula(cluster, period):
        return (cluster("startup_grant_paid", period) + cluster("operating_grant", period)
                + cluster("supplement", period) + cluster("clawback", period))


# --- money, exactly: whole øre (int) --------------------------------------------------------------


class operating_grant_ore(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period, parameters):
        rate = _e4(parameters(period).operating_rate)
        return _half_up_ore(rate * cluster("paid_patients", period).astype(np.int64))


class supplement_ore(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period, parameters):
        rate = _e4(parameters(period).supplement_rate)
        return _half_up_ore(rate * cluster("paid_patients", period).astype(np.int64))


class startup_grant_paid_ore(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period, parameters):
        grant = _e4(parameters(period).startup_grant)
        return _half_up_ore(grant * cluster("startup_capacities_total", period)
                            .astype(np.int64))


class clawback_ore(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period, parameters):
        return -_clawed_back(cluster, period, parameters, lambda grant, caps: _half_up_ore(
            _e4(grant) * np.asarray(caps, dtype=np.int64)))


class payout_ore(Variable):
    value_type = int
    entity = Cluster
    definition_period = YEAR

    def formula(cluster, period):
        return (cluster("startup_grant_paid_ore", period) + cluster("operating_grant_ore", period)
                + cluster("supplement_ore", period) + cluster("clawback_ore", period))


VARIABLES = (joined, left, switched, capacities, patients, founded, registered, counted_on,
             is_paid_member, paid_before, startup_capacities, clawback_due, paid_patients,
             startup_capacities_total, operating_grant, supplement, startup_grant_paid,
             clawback, payout, operating_grant_ore, supplement_ore, startup_grant_paid_ore,
             clawback_ore, payout_ore)


class KiapTaxBenefitSystem(TaxBenefitSystem):
    """Entities, variables and the dated rates of ``parameters/``."""

    def __init__(self) -> None:
        super().__init__([Membership, Cluster])
        self.add_variables(*VARIABLES)
        self.load_parameters(str(Path(__file__).parent / "parameters"))
