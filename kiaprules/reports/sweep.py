"""Scenario sweeps: many variants of rates or policies over the same clusters.

A sweep computes, for each variant, the total every cluster is paid over the
chosen years, and compares it with the base (the ruleset's own figures and
the chosen policies). It costs what the arithmetic needs:

1. The clusters are aggregated once (:func:`kiaprules.engine.compute.aggregate`):
   who is paid on how many patients, which startup grants are paid and which
   are clawed back. A variant that changes only rates reuses that; one that
   changes a policy, or a day or window the aggregation looks up
   (``counting_day``, ``payout_day``, ``clawback_window_months``), gets its
   own aggregation, shared by every variant that needs the same one.
2. The quantities are grouped by what prices them: a parameter, the year
   whose rate applies, the sign (clawbacks are deducted) and the pro-rata
   fraction. Each variant looks up one rate per group and multiplies, in
   whole øre (integers), rounding each line half up as I6 says. Where a rate
   times any whole quantity is a whole number of øre (every rate with two
   decimals), no line needs rounding and the group's amount is its summed
   quantity times the rate.

The totals are exactly those of :func:`kiaprules.compute_payouts` run once
per variant (``tests/test_national.py`` checks it): same lines, same
rounding, same lookups, so the same refusals.

>>> from kiaprules import sweep
>>> from kiaprules.synthetic import generate_country
>>> country = generate_country(seed=1, scale=0.1)
>>> result = sweep(country, [{"name": "4.26 in 2019-2021",
...                           "overrides": ["operating_rate@2019-2021=4.26"]}],
...                years=range(2018, 2026))
>>> row = result.rows[0]
>>> row.name, row.difference < 0
('4.26 in 2019-2021', True)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from kiaprules._i18n import N_, _, danish_decimal, ngettext, resolve_lang
from kiaprules._render import csv_text, html_list, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr, year_span, years_text
from kiaprules.engine.compute import policy_readings, prepare
from kiaprules.engine.pricing import KINDS
from kiaprules.engine.quantities import aggregate
from kiaprules.engine.totals import Groups
from kiaprules.errors import InputError
from kiaprules.model.args import items_of
from kiaprules.model.cluster import Cluster
from kiaprules.model.money import difference as money_difference
from kiaprules.model.money import format_kr, format_kr_da, format_money, from_ore
from kiaprules.model.records import Records
from kiaprules.reports.plot import plot_sweep
from kiaprules.rules.overrides import Override
from kiaprules.rules.ruleset import ResolvedValue, Ruleset

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Sweep", "SweepRow", "Variant", "sweep"]

_KINDS: Final = KINDS
_HEADERS: Final = (N_("variant"), N_("startup"), N_("operating"), N_("supplement"),
                   N_("clawback"), N_("total"), N_("difference"))
_BASE: Final = N_("base")
_ALIGN: Final = ("left", *("right",) * 6)
#: The parameters :func:`aggregate` looks up; a variant overriding one is aggregated anew.
AGGREGATION_PARAMETERS: Final = frozenset({"counting_day", "payout_day",
                                           "clawback_window_months"})
#: The one policy that only pricing reads; every other one can change the quantities.
PRICING_POLICIES: Final = frozenset({"rounding"})


def _to_overrides(value: object) -> tuple[Override | str, ...]:
    if isinstance(value, (str, Override)):
        return (value,)
    if isinstance(value, Iterable):
        items = tuple(value)
        for item in items:
            if not isinstance(item, (str, Override)):
                raise InputError(f"must be NAME@YEAR=VALUE texts or Override objects, got "
                                 f"{type(item).__name__}", field="overrides",
                                 code="input.wrong_type")
        return items
    raise InputError(f"must be a list of overrides, got {type(value).__name__}",
                     field="overrides", code="input.wrong_type")


def _to_policies(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InputError(f"must be a table of NAME = VALUE, got {type(value).__name__}",
                         field="policies", code="input.wrong_type")
    return {str(k): str(v) for k, v in value.items()}


@attrs.frozen(kw_only=True)
class Variant:
    """One scenario: overrides and policy choices on top of the sweep's base.

    >>> print(Variant(overrides=["operating_rate@2019=4.26"]).label)
    operating_rate = 4.26 from 2019-01-01 to 2020-01-01
    """

    __repr__ = value_repr

    name: str | None = None
    overrides: tuple[Override | str, ...] = attrs.field(default=(), converter=_to_overrides)
    policies: Mapping[str, str] = attrs.field(factory=dict, converter=_to_policies)

    @classmethod
    def of(cls, value: Variant | Mapping[str, Any]) -> Variant:
        """A variant from itself, or from a table of name, overrides and policies."""
        if isinstance(value, Variant):
            return value
        if not isinstance(value, Mapping):
            raise InputError(f"must be a Variant or a table with name, overrides and "
                             f"policies, got {type(value).__name__}", field="variants",
                             code="input.wrong_type")
        unknown = set(value) - {"name", "overrides", "policies"}
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r}; a variant has name, "
                             "overrides and policies", field="variants", code="input.unknown_key")
        return cls(name=value.get("name"), overrides=value.get("overrides", ()),
                   policies=value.get("policies", {}))

    @property
    def label(self) -> str:
        """Its name, or else what it changes."""
        if self.name:
            return self.name
        parts = [str(o if isinstance(o, Override) else Override.parse(o))
                 for o in self.overrides]
        parts += [f"{k}={v}" for k, v in sorted(self.policies.items())]
        return "; ".join(parts) or "base"


@attrs.frozen(kw_only=True)
class SweepRow:
    """One variant's totals over the sweep's years, and its difference from the base."""

    __repr__ = value_repr

    name: str
    overrides: tuple[str, ...]
    policies: dict[str, str]
    total: Decimal
    difference: Decimal
    by_kind: tuple[tuple[str, Decimal], ...]
    by_year: tuple[tuple[int, Decimal], ...]
    assumptions: tuple[str, ...]
    #: What would have been paid to clusters whose money is withheld (C2), not in ``total``.
    withheld: Decimal = Decimal("0.00")

    def amount(self, kind: str) -> Decimal:
        return dict(self.by_kind)[kind]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "overrides": list(self.overrides), "policies": self.policies,
                "total": format_money(self.total), "difference": format_money(self.difference),
                "by_kind": {k: format_money(v) for k, v in self.by_kind},
                "by_year": {str(y): format_money(v) for y, v in self.by_year},
                "withheld": format_money(self.withheld),
                "assumptions": list(self.assumptions)}


@attrs.frozen(kw_only=True)
class Sweep(Records):
    """What :func:`sweep` returns: the base and one row a variant, in the order given.

    ``to_records()``: one row a variant and year, the base's first (docs/records.md).
    """

    RECORD_COLUMNS = ("variant_number", "variant", "year", "amount", "difference")

    ruleset_id: str
    fingerprint: str
    years: tuple[int, ...]
    base: SweepRow
    rows: tuple[SweepRow, ...]
    aggregations: int

    def __repr__(self) -> str:
        return result_repr("Sweep", self.ruleset_id, f"years={years_text(self.years)}",
                           f"variants={len(self.rows)}",
                           f"base={format_money(self.base.total)}")

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
                "years": list(self.years), "base": self.base.to_dict(),
                "variants": [r.to_dict() for r in self.rows]}

    def _records(self) -> Iterator[dict[str, Any]]:
        base = dict(self.base.by_year)
        for number, row in enumerate((self.base, *self.rows)):
            for year, amount in row.by_year:
                yield {"variant_number": number, "variant": row.name, "year": year,
                       "amount": amount, "difference": money_difference(amount, base[year])}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def to_csv(self, *, lang: str | None = None) -> str:
        """One row a variant, the base first; ``lang="da"`` (or ``$KIAPRULES_LANG``): Danish
        headers, ``;``, a decimal comma and a byte order mark (Danish Excel). The variants'
        names are what --set and --policy take."""
        lang = resolve_lang(lang)

        def money(value: Decimal) -> str:
            text = format_money(value)
            return danish_decimal(Decimal(text), grouped=False) if lang == "da" else text

        return csv_text([_(h, lang) for h in _HEADERS],
                        ([self._name(r, lang), *(money(v) for _, v in r.by_kind),
                          money(r.total), money(r.difference)]
                         for r in (self.base, *self.rows)), lang=lang)

    def _name(self, row: SweepRow, lang: str) -> str:
        return _(_BASE, lang) if row is self.base and row.name == _BASE else row.name

    def _cells(self, lang: str = "en") -> list[list[str]]:
        """The comparison table's rows: one a variant, the base first."""
        def kr(value: Decimal, *, signed: bool = False) -> str:
            return (format_kr_da(value, signed=signed, unit=False) if lang == "da"
                    else format_kr(value, signed=signed))

        def row(r: SweepRow) -> list[str]:
            mark = " *" if r.assumptions else ""
            return [self._name(r, lang), *(kr(v) for _, v in r.by_kind), kr(r.total) + mark,
                    kr(r.difference, signed=True)]

        return [row(self.base), *(row(r) for r in self.rows)]

    def _notes(self, lang: str = "en") -> list[str]:
        years = year_span(self.years, none=_("no years", lang))
        n, m = len(self.rows), self.aggregations
        variants = ngettext("{n} variant", "{n} variants", n, lang).format(n=n)
        aggregations = ngettext("{n} aggregation", "{n} aggregations", m, lang).format(n=m)
        if len(self.years) > 1:
            head = _("ruleset {id} {fingerprint}; years {years}; {variants}, {aggregations}",
                     lang)
        else:
            head = _("ruleset {id} {fingerprint}; year {years}; {variants}, {aggregations}",
                     lang)
        notes = [head.format(id=self.ruleset_id, fingerprint=self.fingerprint, years=years,
                             variants=variants, aggregations=aggregations)]
        if any(r.assumptions for r in (self.base, *self.rows)):
            notes.append(_("* the total rests on a figure no source publishes", lang))
        notes.extend(_("withheld under {variant}: {amount} would be paid to clusters that do "
                       "not meet the registration requirements; not in the totals",
                       lang).format(variant=self._name(r, lang),
                                    amount=format_kr_da(r.withheld) if lang == "da"
                                    else f"{format_kr(r.withheld)} kr")
                     for r in (self.base, *self.rows) if r.withheld)
        return notes

    def to_table(self, *, lang: str | None = None) -> str:
        """The comparison table: one row a variant, the base first; ``lang="da"`` (or
        ``$KIAPRULES_LANG``): in Danish, with Danish amounts."""
        lang = resolve_lang(lang)
        text = table_text(self._cells(lang), [_(h, lang) for h in _HEADERS], _ALIGN)
        return sanitize_lines("\n".join([text, "", *self._notes(lang)]) + "\n")

    def _repr_html_(self) -> str:
        """The comparison table and its notes, with the figures no source publishes."""
        assumed = sorted({a for r in (self.base, *self.rows) for a in r.assumptions})
        return (html_table(_HEADERS, self._cells(), _ALIGN)
                + "".join(html_note(n) for n in self._notes()) + html_list(assumed))

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The total over the years against the swept value (or a bar a variant).

        Returns the matplotlib ``Axes``, drawn into ``ax`` if given. Needs the
        extra ``kiaprules[plot]`` (:mod:`kiaprules.reports.plot`).
        """
        return plot_sweep(self, ax=ax)


# --- the API -------------------------------------------------------------------------


def sweep(
    clusters: Cluster | Iterable[Cluster],
    variants: Iterable[Variant | Mapping[str, Any]],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
) -> Sweep:
    """Each variant's total over ``years`` and its difference from the base.

    ``variants`` are :class:`Variant` objects or tables
    ``{"name": ..., "overrides": [...], "policies": {...}}``; each applies on
    top of the base, which is ``ruleset`` with ``overrides``, ``policies``
    and ``strict`` as in :func:`kiaprules.compute_payouts`. A variant's total
    is what ``compute_payouts`` gives for it, to the øre.
    """
    start = prepare(clusters, ruleset, years=years, overrides=overrides, policies=policies,
                    strict=strict)
    items, base_rs, base_ovs, year_list = start.clusters, start.ruleset, start.overrides, \
        start.years
    chosen_variants = [Variant.of(v) for v in items_of(variants, field="variants",
                                                        what="variants")]
    given = dict(policies or {})
    cache: dict[tuple[Any, ...], Groups] = {}
    # Lookups in the base ruleset, per I5 mode: every variant shares those of the
    # parameters it does not override.
    shared: dict[Any, dict[tuple[str, int], ResolvedValue]] = {}
    defaults = {name: p.default for name, p in base_rs.policies.items()}

    def run(variant: Variant) -> SweepRow:
        ovs = tuple(o if isinstance(o, Override) else Override.parse(o)
                    for o in variant.overrides)
        chosen = policy_readings(base_rs, {**given, **variant.policies}, strict=strict)
        rs = base_rs
        for ov in ovs:
            rs = ov.apply(rs)
        per_clinic = chosen["rounding"] == "clinic"
        agg_ovs = tuple(o for o in ovs if o.parameter in AGGREGATION_PARAMETERS)
        key = (tuple(sorted((k, v) for k, v in chosen.items() if k not in PRICING_POLICIES)),
               tuple(str(o) for o in agg_ovs), per_clinic)
        groups = cache.get(key)
        if groups is None:
            agg_rs = base_rs
            for ov in agg_ovs:
                agg_rs = ov.apply(agg_rs)
            quantities = aggregate(items, agg_rs, chosen, year_list[-1], pairs=per_clinic) \
                if year_list else []
            groups = cache[key] = Groups(quantities, year_list, per_clinic)
        mode = chosen["unpublished_years"]
        ore, used = groups.price(rs, mode, shared.setdefault(mode, {}),
                                 frozenset(o.parameter for o in ovs))
        by_kind: dict[str, int] = dict.fromkeys((*_KINDS, "withheld"), 0)
        by_year: dict[int, int] = {}
        for (year, kind), amount in ore.items():
            by_kind[kind] += amount
            if kind != "withheld":  # C2: what is withheld is not paid
                by_year[year] = by_year.get(year, 0) + amount
        assumptions = {value.assumption for key, value in used
                       if value.assumption and not key[6]}
        total = sum(by_kind[k] for k in _KINDS)
        return SweepRow(
            name=variant.label, overrides=tuple(str(o) for o in (*base_ovs, *ovs)),
            policies={k: v for k, v in sorted(chosen.items()) if v != defaults.get(k, v)},
            total=from_ore(total), difference=from_ore(0),
            by_kind=tuple((k, from_ore(by_kind[k])) for k in _KINDS),
            by_year=tuple((y, from_ore(by_year.get(y, 0))) for y in year_list),
            assumptions=tuple(sorted(assumptions)), withheld=from_ore(by_kind["withheld"]))

    base = run(Variant(name="base"))
    rows = tuple(attrs.evolve(r, difference=money_difference(r.total, base.total))
                 for r in (run(v) for v in chosen_variants))
    return Sweep(ruleset_id=base_rs.id, fingerprint=base_rs.fingerprint, years=year_list,
                 base=base, rows=rows, aggregations=len(cache))
