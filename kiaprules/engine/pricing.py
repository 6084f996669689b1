"""Pricing: what each cluster-year is paid for, and the one function that prices it.

Phase 1 (:mod:`kiaprules.engine.quantities`) says, per cluster and year,
which clinics are paid on how many patients, which get a startup grant and
which grants are clawed back: the quantity types here. Phase 2 prices them.

Every path that prices (a detailed report, a report without clinic-by-clinic
shares, the national summary, a scenario sweep, a published example's rate
search) takes the lines of a cluster-year from :func:`line_specs` and prices
each with :func:`price_ore`, the one place where rate × quantity is computed
and rounded (I6). The paths differ in what they keep (clinic shares, lines,
or only sums), not in how they compute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, NamedTuple

import attrs

from kiaprules._i18n import message
from kiaprules._text import value_repr
from kiaprules.engine.report import (
    KINDS,
    AnniversaryTest,
    ClusterPayouts,
    LeftOut,
    Line,
    LineKind,
    MemberShare,
    YearPayout,
)
from kiaprules.errors import NotCoveredError
from kiaprules.model.cluster import CapacityChange, Cluster, Membership
from kiaprules.model.money import format_money, from_ore, ore_half_up
from kiaprules.model.money import total as money_total
from kiaprules.rules.payout import Rule
from kiaprules.rules.registration import RegistrationProblem
from kiaprules.rules.ruleset import ResolvedValue, Ruleset, unpublished_mode

__all__ = ["KINDS", "ClawedBack", "ClusterQuantities", "Grant", "LineSpec", "Prices",
           "YearQuantities", "line_specs", "makes_a_line", "negative_payout_warning", "price",
           "price_each", "price_ore", "withheld_warning"]


# --- the quantities -----------------------------------------------------------------


class Grant(NamedTuple):
    """A startup grant paid to a membership: on its capacities at the start, or, under
    ``capacity_increase=grant_added`` (I7), per capacity added by ``increase``."""

    membership: Membership
    capacities: int
    increase: CapacityChange | None = None
    #: The capacities before the increase (for its note).
    before: int = 0


@attrs.frozen(kw_only=True)
class ClawedBack:
    """A startup grant going back: the membership, the year it was paid, its capacities,
    and the one-year test that decided it (``anniversary``)."""

    __repr__ = value_repr

    membership: Membership
    paid_year: int
    capacities: int
    anniversary: dt.date


class YearQuantities(NamedTuple):
    """What a cluster is paid for in one year, before any rate is applied.

    ``patients`` pairs each paid membership with its count; ``clinics``,
    ``total_patients`` and ``startup_capacities`` are added up once here, so
    that pricing (and a sweep pricing the same quantities many times) never
    adds them again. An aggregation for totals only leaves ``patients``
    empty and keeps the sums, and records no left-out clinics. A named
    tuple, not an attrs class: a country has thousands of these, made in
    the hot loop.
    """

    year: int
    due: dt.date
    first_payout: bool
    counted_on: dt.date
    patients: tuple[tuple[Membership, int], ...]
    startup: tuple[Grant, ...]
    clawbacks: tuple[ClawedBack, ...]
    fraction: Fraction | None
    warnings: tuple[str, ...]
    clinics: int
    total_patients: int
    startup_capacities: int
    #: The rules that made the payout due and chose the clinics counted.
    due_rule: Rule
    members_rule: Rule
    #: Clinics left out of the per-patient lines, the startup line and the
    #: clawback line, each with its rule (only when recorded).
    left_out_patients: tuple[LeftOut, ...] = ()
    left_out_startup: tuple[LeftOut, ...] = ()
    left_out_clawback: tuple[LeftOut, ...] = ()
    #: The dated payout day a yearly payout is due on (None for the first payout).
    due_value: ResolvedValue | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.clinics or self.startup or self.clawbacks)


@attrs.frozen(kw_only=True)
class ClusterQuantities:
    __repr__ = value_repr

    cluster: Cluster
    years: tuple[YearQuantities, ...]
    warnings: tuple[str, ...]
    #: The unmet registration requirements its money is withheld for (C2); empty
    #: when it is paid.
    withheld: tuple[RegistrationProblem, ...] = ()


# --- the one pricing function -------------------------------------------------------


def price_ore(rate: Decimal, quantities: Iterable[int], sign: int = 1,
              fraction: Fraction | None = None) -> int:
    """Øre of rate × quantity (× fraction) for each of ``quantities``, each rounded (I6).

    Each quantity is one line (line rounding) or one clinic's share (clinic
    rounding); each is rounded to the øre, half up, and the øre are added:
    "each line is rate × quantity, rounded to øre (0.01 kr), half up; totals
    are sums of rounded lines" (DOMAIN.md, I6). Exact integer arithmetic:
    no decimal context can change the result. Where rate × any whole
    quantity (× fraction) is a whole number of øre (every rate with two
    decimals, outside pro rata), nothing is rounded, and the quantities are
    added first.

    >>> price_ore(Decimal("4.33"), [30_000]), price_ore(Decimal("0.0025"), [2, 2])
    (12990000, 2)
    >>> price_ore(Decimal("10000"), [2], sign=-1)
    -2000000
    """
    numerator, denominator = rate.as_integer_ratio()
    numerator *= 100 * sign
    if fraction is not None:
        numerator *= fraction.numerator
        denominator *= fraction.denominator
    if numerator % denominator == 0:
        return numerator // denominator * sum(quantities)
    return sum(ore_half_up(numerator * q, denominator) for q in quantities)


class LineSpec(NamedTuple):
    """A line of a cluster-year before pricing: what prices it, and its quantities."""

    kind: LineKind
    #: The parameter whose rate prices it, and the year whose rate applies
    #: (a clawback repays at the rate of the year the grant was paid).
    parameter: str
    rate_year: int
    sign: int
    fraction: Fraction | None
    #: One quantity per clinic under clinic rounding, else the line's total.
    quantities: tuple[int, ...]
    total: int


_PER_PATIENT: Final[tuple[tuple[LineKind, str], ...]] = (("operating", "operating_rate"),
                                                         ("supplement", "supplement_rate"))


def line_specs(q: YearQuantities, per_clinic: bool) -> list[LineSpec]:
    """The lines of one cluster-year, in the fixed order startup, operating, supplement,
    clawback (a clawback line for each year in which the grants it repays were paid)."""
    out: list[LineSpec] = []
    if q.startup:
        caps = tuple(g.capacities for g in q.startup) if per_clinic \
            else (q.startup_capacities,)
        out.append(LineSpec("startup", "startup_grant", q.year, 1, None, caps,
                            q.startup_capacities))
    if q.clinics:
        counts = tuple(n for _, n in q.patients) if per_clinic else (q.total_patients,)
        for kind, parameter in _PER_PATIENT:
            out.append(LineSpec(kind, parameter, q.year, 1, q.fraction, counts,
                                q.total_patients))
    for paid_year, clawed in _clawbacks_by_year(q):
        caps = tuple(cb.capacities for cb in clawed)
        out.append(LineSpec("clawback", "startup_grant", paid_year, -1, None,
                            caps if per_clinic else (sum(caps),), sum(caps)))
    return out


def _clawbacks_by_year(q: YearQuantities) -> list[tuple[int, list[ClawedBack]]]:
    by_year: dict[int, list[ClawedBack]] = {}
    for cb in q.clawbacks:
        by_year.setdefault(cb.paid_year, []).append(cb)
    return sorted(by_year.items())


class Prices:
    """The rates of one pricing pass: each parameter looked up once a year."""

    def __init__(self, ruleset: Ruleset, policies: Mapping[str, str]) -> None:
        self.ruleset = ruleset
        self.mode = unpublished_mode(policies)
        self.cache: dict[tuple[str, int], ResolvedValue] = {}

    def get(self, parameter: str, year: int) -> ResolvedValue:
        key = (parameter, year)
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = self.ruleset.lookup(parameter, dt.date(year, 1, 1),
                                                          unpublished=self.mode)
        return value


def makes_a_line(kind: str, value: ResolvedValue) -> bool:
    """A supplement of 0 (outside 2019–2021) makes no line; every other kind does."""
    return not (kind == "supplement" and value.value == 0)


# --- phase 2: lines -------------------------------------------------------------------

_NO_SHARES: Final[tuple[MemberShare, ...]] = ()


def _shares(q: YearQuantities, spec: LineSpec, line_rule: Rule, clawed: Sequence[ClawedBack],
            increase_rule: Rule | None = None) -> tuple[MemberShare, ...]:
    """Each clinic's part of a line, with the rule that counted it."""
    if spec.kind == "startup":
        return tuple(MemberShare(provider_number=str(g.membership.provider_number),
                                 quantity=g.capacities, rule=line_rule)
                     if g.increase is None else
                     MemberShare(provider_number=str(g.membership.provider_number),
                                 quantity=g.capacities, rule=increase_rule,
                                 note=message("capacities {before} → {now} from {on}",
                                              before=g.before, now=g.increase.capacities,
                                              on=g.increase.on))
                     for g in q.startup)
    if spec.kind == "clawback":
        return tuple(MemberShare(
            provider_number=str(cb.membership.provider_number), quantity=cb.capacities,
            note=message("joined {joined}, left {left}, before the end of its first year {end}; "
                         "startup grant paid {year}", joined=cb.membership.joined,
                         left=cb.membership.left or "", end=cb.anniversary, year=cb.paid_year),
            rule=line_rule) for cb in clawed)
    return tuple(MemberShare(provider_number=str(m.provider_number), quantity=n,
                             rule=q.members_rule) for m, n in q.patients)


def _anniversary_test(cb: ClawedBack, year: int) -> AnniversaryTest:
    assert cb.membership.left is not None
    return AnniversaryTest(provider_number=str(cb.membership.provider_number),
                           joined=cb.membership.joined, anniversary=cb.anniversary,
                           left=cb.membership.left, grant_paid=cb.paid_year,
                           clawed_back_in=year)


def withheld_warning(problem: RegistrationProblem) -> str:
    """What a withheld year says of each unmet requirement, with its citation (C2)."""
    return message("withheld: {problem} [{source}]", problem=problem.message,
                   source=f"{problem.citation.document} {problem.citation.section}")


def _year_payout(q: YearQuantities, prices: Prices, rules: Mapping[str, Rule],
                 rounding: str, detail: bool, withheld: tuple[RegistrationProblem, ...]
                 ) -> YearPayout:
    per_clinic = rounding == "clinic"
    clawed = dict(_clawbacks_by_year(q))
    lines: list[Line] = []
    patient_shares: tuple[MemberShare, ...] | None = None
    for spec in line_specs(q, per_clinic):
        tests: tuple[AnniversaryTest, ...] = ()
        value = prices.get(spec.parameter, spec.rate_year)
        if not makes_a_line(spec.kind, value):
            continue
        rule = rules[spec.kind]
        shares = _NO_SHARES
        left_out: tuple[LeftOut, ...] = ()
        if detail:
            if spec.kind in ("operating", "supplement"):
                # Both count the same patients: one tuple of shares for the two lines.
                if patient_shares is None:
                    patient_shares = _shares(q, spec, rule, ())
                shares, left_out = patient_shares, q.left_out_patients
            elif spec.kind == "startup":
                shares = _shares(q, spec, rule, (), rules.get("increase"))
                left_out = q.left_out_startup
            else:
                shares = _shares(q, spec, rule, clawed[spec.rate_year])
                left_out = q.left_out_clawback
                tests = tuple(_anniversary_test(cb, q.year) for cb in clawed[spec.rate_year])
        lines.append(Line(
            kind=spec.kind, quantity=spec.total, rate=value.value,
            amount=from_ore(price_ore(value.value, spec.quantities, spec.sign, spec.fraction)),
            rule=rule, parameter=value.parameter, value_from=value.source_start,
            citation=value.citation, assumption=value.assumption, members=shares,
            fraction=spec.fraction, rounding=rounding, left_out=left_out,
            anniversary_tests=tests))
    warnings = q.warnings
    total = money_total(line.amount for line in lines)
    for line in lines:
        if line.assumption and line.assumption not in warnings:
            warnings = (*warnings, line.assumption)
    if withheld:
        warnings = (*warnings, *(withheld_warning(p) for p in withheld))
    elif total < 0:
        warnings = (*warnings, negative_payout_warning(total))
    return YearPayout(year=q.year, due=q.due, lines=tuple(lines), warnings=warnings,
                      first_payout=q.first_payout, counted_on=q.counted_on, clinics=q.clinics,
                      due_rule=q.due_rule, members_rule=q.members_rule, due_value=q.due_value,
                      withheld=total if withheld else None, withheld_because=withheld,
                      withheld_rule=rules["withheld"] if withheld else None)


def negative_payout_warning(total: Decimal) -> str:
    """What a year with a negative total says: the cluster owes money back."""
    return message("the payout is negative: the cluster owes {amount} kr back to the "
                   "region's quality work", amount=Decimal(format_money(-total)))


def price(
    quantities: Sequence[ClusterQuantities],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    years: Iterable[int],
    *,
    rules: Callable[[str], Rule],
    detail: bool = True,
) -> list[ClusterPayouts]:
    """Phase 2: apply the ruleset's rates to the quantities of the chosen ``years``.

    ``rules`` gives the rule in force for a rule id. ``detail=False`` leaves
    out each line's clinic-by-clinic breakdown and left-out clinics; every
    amount is the same.
    """
    return list(price_each(quantities, ruleset, policies, years, rules=rules, detail=detail))


def price_each(
    quantities: Iterable[ClusterQuantities],
    ruleset: Ruleset,
    policies: Mapping[str, str],
    years: Iterable[int],
    *,
    rules: Callable[[str], Rule],
    detail: bool = True,
) -> Iterator[ClusterPayouts]:
    """:func:`price`, one cluster at a time: each cluster's payouts as soon as its
    quantities come (``quantities`` may be a generator, :func:`aggregate_each`), the
    rates looked up once for all of them."""
    prices = Prices(ruleset, policies)
    line_rules: dict[str, Rule] = {
        "startup": rules("startup_grant"), "operating": rules("operating_grant"),
        "supplement": rules("supplement"), "increase": rules("capacity_increase"),
        # Under clawback=never no clawback line is ever made; its rule says why.
        "clawback": rules("clawback" if policies["clawback"] == "within_first_year"
                          else "no_clawback")}
    if policies.get("unregistered", "withhold") == "withhold":
        line_rules["withheld"] = rules("withheld")
    wanted = set(years)
    for cq in quantities:
        payouts = []
        for q in cq.years:
            if q.year not in wanted or q.is_empty:
                continue
            try:
                payouts.append(_year_payout(q, prices, line_rules, policies["rounding"],
                                            detail, cq.withheld))
            except NotCoveredError as exc:
                raise exc.located(path=cq.cluster.source,
                                  record=f"{cq.cluster.name} {q.year}") from None
        cluster = cq.cluster
        yield ClusterPayouts(name=cluster.name, cvr=str(cluster.cvr) if cluster.cvr else None,
                             source=cluster.source, years=tuple(payouts))
