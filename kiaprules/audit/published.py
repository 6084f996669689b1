"""Published figures: reproduce the printed worked examples, or explain why not.

A published-figures file (docs/published-examples.md) holds a scenario (a
cluster, or the shorthand the documents use: capacities, patients, founding
year) and the figures printed about it, each quoted exactly from its line.
:func:`reproduce` computes every figure under a ruleset and, for each that
does not reproduce, explains it with the library's own arithmetic: the
difference, and the single rate that would reproduce the printed amount,
found by recomputing. Nothing is tuned: the ruleset and the scenario stay as
they are.

Three further checks are computed from the printed text itself: a line whose
own rate × quantity disagrees with its own amount; a year on a line that the
scheme cannot mean (before the ruleset's first date: a misprint); and, across
all files, the rates the figures imply for the same parameter and year when
they disagree with each other.

A figure may record what is expected of it (``expect``, and for a known
erratum of the source, the amount kiaprules ``computed`` for it); every result
says whether it came out as expected, so published examples can gate a test
run (``kiaprules reproduce`` exits 1, the pytest plugin fails the figure).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs

from kiaprules._files import check_keys, path_name, read_document, shipped_dir
from kiaprules._i18n import (
    N_,
    _,
    danish_decimal,
    format_date_da,
    ngettext,
    resolve_lang,
)
from kiaprules._render import html_list, html_note, html_table, json_text, table_text
from kiaprules._text import result_repr, sanitize_lines, value_repr
from kiaprules.engine.compute import prepare
from kiaprules.engine.pricing import KINDS, line_specs, makes_a_line, price_ore
from kiaprules.engine.quantities import aggregate
from kiaprules.errors import InputError, KiapRulesError, RulesetError
from kiaprules.formats.clusterfile import cluster_from_dict
from kiaprules.model.args import items_of
from kiaprules.model.calendar import parse_year
from kiaprules.model.cluster import Clinic, Cluster, Membership
from kiaprules.model.money import (
    difference,
    exact_quotient,
    format_kr,
    format_kr_da,
    format_money,
    format_rate,
    from_ore,
    product_ore,
    to_money,
    to_rate,
)
from kiaprules.model.records import Records
from kiaprules.rules.ruleset import ResolvedValue, Ruleset

__all__ = ["EXPECTATIONS", "Figure", "FigureResult", "PublishedExample", "Reproduction",
           "load_published", "reproduce", "solve_rate"]

FIGURE_KINDS: Final = (*KINDS, "total")
#: What a figure may be expected to give: the statuses :class:`FigureResult` has.
EXPECTATIONS: Final = ("reproduced", "not_reproduced")
_FIGURE_HEADERS: Final = (N_("example"), N_("figure"), N_("printed"), N_("computed"),
                          N_("expected"), N_("status"), N_("explanation"))
#: The statuses and the text checks' flags, marked: words in Danish, identifiers in JSON.
_WORDS: Final = (N_("reproduced"), N_("not_reproduced"), N_("line_arithmetic"),
                 N_("misprinted_year"))
_FIGURE_ALIGN: Final = ("left", "left", "right", "right", "left", "left", "left")
_SOLVABLE: Final = {"operating": ("operating_rate",), "supplement": ("supplement_rate",),
                    "total": ("operating_rate", "supplement_rate")}
_YEAR_RE: Final = re.compile(r"(?<![0-9.,])((?:19|20)[0-9]{2})(?![0-9.,])")


@attrs.frozen(kw_only=True)
class Figure:
    """One printed amount: the line it is printed on, and what it stands for."""

    __repr__ = value_repr

    label: str
    line: str
    printed: Decimal
    kind: str
    years: tuple[int, ...]
    rate: Decimal | None = None
    quantity: int | None = None
    #: The status the figure is expected to have (one of :data:`EXPECTATIONS`).
    expect: str = "reproduced"
    #: For ``expect == "not_reproduced"``: (year, amount) kiaprules is known to
    #: compute in each of ``years``, in year order; empty otherwise.
    expected_computed: tuple[tuple[int, Decimal], ...] = ()


@attrs.frozen(kw_only=True)
class PublishedExample:
    """A scenario and the figures printed about it."""

    __repr__ = value_repr

    id: str
    document: str
    section: str
    example: str
    intro: str
    cluster: Cluster
    assumptions: tuple[str, ...]
    figures: tuple[Figure, ...]
    source: str | None = None


# --- loading -------------------------------------------------------------------

_TOP: Final = frozenset({"published", "scenario", "cluster", "clinic", "figure"})
_PUBLISHED: Final = frozenset({"id", "document", "section", "example", "intro"})
_SCENARIO: Final = frozenset({"name", "capacities", "patients", "founding_year", "years",
                              "provider_number", "assumptions"})
_FIGURE: Final = frozenset({"label", "line", "printed", "kind", "years", "rate", "quantity",
                            "expect", "computed"})


def _text(table: Mapping[str, Any], key: str, *, path: str, record: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be non-empty text, got {value!r}", path=path, record=record,
                         field=key, code="input.invalid_text")
    return value


def _shorthand(raw: Mapping[str, Any], path: str) -> tuple[Cluster, tuple[str, ...]]:
    """The documents' shorthand as a cluster: one clinic holding every capacity and patient."""
    record = "scenario"
    check_keys(raw, allowed=_SCENARIO, required={"name", "capacities", "patients",
                                                 "founding_year", "years"},
               path=path, record=record)
    years = _years_list(raw["years"], path=path, record=record)
    founding = raw["founding_year"]
    if isinstance(founding, bool) or not isinstance(founding, int) or founding != min(years):
        raise InputError(f"must be a year, the first of 'years' ({min(years)}), got "
                         f"{founding!r}", path=path, record=record, field="founding_year",
                         code="input.inconsistent")
    assumptions = raw.get("assumptions", [])
    if not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
        raise InputError("must be a list of sentences", path=path, record=record,
                         field="assumptions", code="input.wrong_type")
    try:
        clinic = Clinic(provider_number=raw.get("provider_number", "00001"),
                        capacities=raw["capacities"],
                        patients={y: raw["patients"] for y in years})
        founded = dt.date(founding, 1, 1)
        cluster = Cluster(name=_text(raw, "name", path=path, record=record), founded=founded,
                          memberships=[Membership(clinic=clinic, joined=founded, source=record,
                                                  path=path)], source=path)
    except KiapRulesError as exc:
        raise exc.located(path=path, record=record) from None
    shorthand = (
        f"the shorthand is modelled as one clinic with {clinic.capacities} capacities and "
        f"{raw['patients']:,} group-1 patients in every year {min(years)}–{max(years)}, "
        f"founded and registered on {founded.isoformat()}")
    return cluster, (shorthand, *assumptions)


def _years_list(value: object, *, path: str, record: str) -> list[int]:
    if not isinstance(value, list) or not value:
        raise InputError("must be a non-empty list of years", path=path, record=record,
                         field="years", code="input.wrong_type")
    for y in value:
        if isinstance(y, bool) or not isinstance(y, int):
            raise InputError(f"must be a list of years (whole numbers), got {y!r}", path=path,
                             record=record, field="years", code="input.not_a_year")
    try:
        years = [parse_year(y, field="years") for y in value]
    except KiapRulesError as exc:
        raise exc.located(path=path, record=record) from None
    if len(set(years)) != len(years):
        raise InputError("names a year twice", path=path, record=record, field="years",
                         code="input.duplicate")
    return years


def _figure(raw: object, index: int, path: str) -> Figure:
    record = f"figure[{index}]"
    if not isinstance(raw, Mapping):
        raise InputError("must be a table", path=path, record=record, code="input.wrong_type")
    label = raw.get("label")
    if isinstance(label, str):
        record = f"{record} ({label})"
    check_keys(raw, allowed=_FIGURE, required={"label", "line", "printed", "kind", "years"},
               path=path, record=record)
    kind = raw["kind"]
    if kind not in FIGURE_KINDS:
        raise InputError(f"must be one of {', '.join(FIGURE_KINDS)}, got {kind!r}", path=path,
                         record=record, field="kind", code="input.not_a_choice")
    years = _years_list(raw["years"], path=path, record=record)
    quantity = raw.get("quantity")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
        raise InputError(f"must be a whole number ≥ 0, got {quantity!r}", path=path,
                         record=record, field="quantity", code="input.not_a_whole_number")
    if quantity is not None and quantity < 0:
        raise InputError(f"must be a whole number ≥ 0, got {quantity!r}", path=path,
                         record=record, field="quantity", code="input.out_of_range")
    try:
        printed = to_money(raw["printed"], field="printed")
        rate = to_rate(raw["rate"], field="rate") if "rate" in raw else None
        expect, expected = _expectation(raw, sorted(years), printed)
    except KiapRulesError as exc:
        raise exc.located(path=path, record=record) from None
    return Figure(label=_text(raw, "label", path=path, record=record),
                  line=_text(raw, "line", path=path, record=record), printed=printed,
                  kind=kind, years=tuple(sorted(years)), rate=rate, quantity=quantity,
                  expect=expect, expected_computed=expected)


def _expectation(raw: Mapping[str, Any], years: list[int], printed: Decimal
                 ) -> tuple[str, tuple[tuple[int, Decimal], ...]]:
    """A figure's ``expect`` (default ``reproduced``) and, for ``not_reproduced``, the
    amount ``computed`` in each year: one amount for every year, or a table by year."""
    expect = raw.get("expect", "reproduced")
    if not isinstance(expect, str) or expect not in EXPECTATIONS:
        raise InputError(f"must be one of {', '.join(EXPECTATIONS)}, got {expect!r}",
                         field="expect", code="input.not_a_choice")
    if "computed" not in raw:
        if expect == "not_reproduced":
            raise InputError('is missing: a figure with expect = "not_reproduced" records the '
                             "amount kiaprules computes for it", field="computed",
                             code="input.missing")
        return expect, ()
    if expect != "not_reproduced":
        raise InputError('is given only with expect = "not_reproduced" (a figure that '
                         "reproduces computes its printed amount)", field="computed",
                         code="input.inconsistent")
    value = raw["computed"]
    if isinstance(value, Mapping):
        by_year: dict[int, Decimal] = {}
        for key, amount in value.items():
            year = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else None
            if year not in years:
                raise InputError(f"is not one of the figure's years ({_years(years)})",
                                 field=f"computed.{key}", code="input.out_of_range")
            by_year[year] = to_money(amount, field=f"computed.{key}")
        missing = [y for y in years if y not in by_year]
        if missing:
            raise InputError(f"gives no amount for {_years(missing)}: name every year of the "
                             "figure, or give one amount for all", field="computed",
                             code="input.missing")
    else:
        amount = to_money(value, field="computed")
        by_year = dict.fromkeys(years, amount)
    if all(a == printed for a in by_year.values()):
        raise InputError('is the printed amount in every year: that figure reproduces (leave '
                         'out expect and computed, or write expect = "reproduced")',
                         field="computed", code="input.inconsistent")
    return expect, tuple(sorted(by_year.items()))


def load_published(path: str | os.PathLike[str]) -> PublishedExample:
    """A published-figures file (TOML or JSON)."""
    name = path_name(path)
    document = read_document(name)
    check_keys(document, allowed=_TOP, required={"published", "figure"}, path=name)
    head = document["published"]
    if not isinstance(head, Mapping):
        raise InputError("must be a table", path=name, record="published", code="input.wrong_type")
    check_keys(head, allowed=_PUBLISHED, required=_PUBLISHED, path=name, record="published")
    if ("scenario" in document) == ("cluster" in document):
        raise InputError("give either [scenario] (the shorthand) or [cluster] with [[clinic]]",
                         path=name, code="input.ambiguous")
    if "scenario" in document:
        if not isinstance(document["scenario"], Mapping):
            raise InputError("must be a table", path=name, record="scenario",
                             code="input.wrong_type")
        cluster, assumptions = _shorthand(document["scenario"], name)
    else:
        cluster = cluster_from_dict(document["cluster"], document.get("clinic", []), path=name)
        assumptions = ()
    figures = document["figure"]
    if not isinstance(figures, list) or not figures:
        raise InputError("must be a non-empty list of [[figure]] tables", path=name,
                         field="figure", code="input.wrong_type")
    parsed = tuple(_figure(f, i, name) for i, f in enumerate(figures, 1))
    covered = {y for m in cluster.memberships for y in m.clinic.patients}
    seen: set[str] = set()
    for i, fig in enumerate(parsed, 1):
        record = f"figure[{i}] ({fig.label})"
        if fig.label in seen:
            raise InputError("is the label of an earlier figure: each figure is named once",
                             path=name, record=record, field="label", code="input.duplicate")
        seen.add(fig.label)
        outside = [y for y in fig.years if y not in covered]
        if outside:
            raise InputError(f"{', '.join(map(str, outside))} is outside the scenario's years "
                             f"({', '.join(map(str, sorted(covered)))})", path=name,
                             record=record, field="years", code="input.out_of_range")
    return PublishedExample(
        id=_text(head, "id", path=name, record="published"),
        document=_text(head, "document", path=name, record="published"),
        section=_text(head, "section", path=name, record="published"),
        example=_text(head, "example", path=name, record="published"),
        intro=_text(head, "intro", path=name, record="published"),
        cluster=cluster, assumptions=assumptions,
        figures=parsed, source=name)


def shipped_published() -> list[Path]:
    """The shipped published-figures files (the Guide til klyngestart §7.2 examples)."""
    return sorted(Path(shipped_dir("published")).glob("*.toml"))


# --- computing ------------------------------------------------------------------


class _Scenario:
    """One example's cluster, aggregated once, priced under any ruleset variant."""

    def __init__(self, cluster: Cluster, ruleset: Ruleset | str | os.PathLike[str] | None,
                 policies: Mapping[str, str] | None) -> None:
        run = prepare([cluster], ruleset, policies=policies)
        self.ruleset = run.ruleset
        self.policies = run.policies
        self.last_year = max((y for m in cluster.memberships for y in m.clinic.patients),
                             default=cluster.founded.year)
        [quantities] = aggregate(run.clusters, run.ruleset, run.policies, self.last_year)
        self.years = {q.year: q for q in quantities.years if not q.is_empty}

    def amount(self, kind: str, year: int, ruleset: Ruleset | None = None) -> Decimal:
        """The figure of ``kind`` (a line kind, or ``total``) in ``year``, priced as the
        engine prices it, under ``ruleset`` (default: the example's)."""
        q = self.years.get(year)
        ore = 0
        if q is not None:
            rs = ruleset or self.ruleset
            for spec in line_specs(q, self.policies["rounding"] == "clinic"):
                value = rs.lookup(spec.parameter, dt.date(spec.rate_year, 1, 1),
                                  unpublished=self.mode)
                if makes_a_line(spec.kind, value) and kind in ("total", spec.kind):
                    ore += price_ore(value.value, spec.quantities, spec.sign, spec.fraction)
        return from_ore(ore)

    @property
    def mode(self) -> Any:
        return self.policies["unpublished_years"]

    def lookup(self, parameter: str, year: int) -> ResolvedValue:
        return self.ruleset.lookup(parameter, dt.date(year, 1, 1), unpublished=self.mode)

    def rate_used(self, parameter: str, year: int) -> Decimal:
        value = self.lookup(parameter, year).value
        assert isinstance(value, Decimal)
        return value


@attrs.frozen(kw_only=True)
class Solution:
    __repr__ = value_repr

    parameter: str
    year: int
    rate: Decimal
    instead_of: Decimal

    def __str__(self) -> str:
        return _option(self.parameter, self.rate, [self.year], self.instead_of, "en")


_MAX_RATE_ORE: Final = 10**9  # 10 million kr per unit: beyond any rate worth reporting


def solve_rate(scenario: _Scenario, parameter: str, year: int, kind: str,
               target: Decimal) -> Solution | None:
    """The rate to the øre for ``parameter`` in ``year`` that makes the figure ``target``.

    The figure grows with the rate, so a binary search over whole øre finds
    the smallest rate reaching the target; it is a solution only if the
    recomputed figure equals the target exactly. ``None`` when no rate to the
    øre reproduces it, or when the figure does not depend on the rate.
    """
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)

    def figure(ore: int) -> Decimal:
        variant = scenario.ruleset.with_override(parameter, Decimal(ore) / 100, start, end)
        return scenario.amount(kind, year, variant)

    base = figure(0)
    if base > target or figure(_MAX_RATE_ORE) == base:
        return None  # out of reach, or the figure does not depend on this rate
    lo, hi = 0, 1
    while figure(hi) < target:
        lo, hi = hi, hi * 2
        if hi > _MAX_RATE_ORE:
            return None
    while lo < hi:
        mid = (lo + hi) // 2
        if figure(mid) < target:
            lo = mid + 1
        else:
            hi = mid
    if figure(lo) != target:
        return None
    return Solution(parameter=parameter, year=year, rate=(Decimal(lo) / 100).quantize(
        Decimal("0.01")), instead_of=scenario.rate_used(parameter, year))


@attrs.frozen(kw_only=True)
class FigureResult:
    """A figure, what the library computes for it, and the explanation."""

    __repr__ = value_repr

    example: PublishedExample
    figure: Figure
    computed: tuple[tuple[int, Decimal], ...]
    solutions: tuple[Solution, ...]
    assumptions: tuple[str, ...]
    line_check: str | None
    misprinted_years: tuple[int, ...]
    #: The rates carried forward (I5) the assumptions name: parameter, value, in force
    #: from, the years; to write them in another language.
    carried: tuple[tuple[str, Decimal, dt.date, tuple[int, ...]], ...] = attrs.field(
        default=(), eq=False, repr=False)

    @property
    def reproduced(self) -> bool:
        return all(amount == self.figure.printed for _year, amount in self.computed)

    @property
    def status(self) -> str:
        return "reproduced" if self.reproduced else "not_reproduced"

    @property
    def as_expected(self) -> bool:
        """Whether the status is the one the figure expects, and, for a figure expected not
        to reproduce, every year computes the amount recorded for it."""
        fig = self.figure
        if self.status != fig.expect:
            return False
        return fig.expect == "reproduced" or self.computed == fig.expected_computed

    @property
    def mismatch(self) -> str | None:
        """How the result differs from what the figure expects; ``None`` when as expected."""
        return self.mismatch_in("en")

    def mismatch_in(self, lang: str) -> str | None:
        """:attr:`mismatch` in ``lang``."""
        if self.as_expected:
            return None
        expected = _described(self.figure.expect, self.figure.expected_computed, "sentence",
                              lang)
        actual = _described(self.status, () if self.reproduced else self.computed, "sentence",
                            lang)
        return _("Expected {expected}, got {actual}.", lang).format(expected=expected,
                                                                     actual=actual)

    @property
    def computed_amount(self) -> Decimal:
        """The computed amount; when the years disagree, the first that differs from print."""
        for _year, amount in self.computed:
            if amount != self.figure.printed:
                return amount
        return self.computed[0][1]

    @property
    def explanation(self) -> str:
        return self.explanation_in("en")

    def explanation_in(self, lang: str) -> str:
        """Why the figure is (not) reproduced, and what the checks found, in ``lang``."""
        parts: list[str] = []
        fig = self.figure
        if not self.reproduced:
            diffs = "; ".join(
                _("{year}: computed {computed}, printed − computed = {difference}", lang).format(
                    year=y, computed=_money(a, lang), difference=_money(fig.printed - a, lang))
                for y, a in self.computed if a != fig.printed)
            parts.append(_("Not reproduced ({differences}).", lang).format(differences=diffs))
            if self.solutions:
                grouped: dict[tuple[str, Decimal, Decimal], list[int]] = {}
                for sol in self.solutions:
                    grouped.setdefault((sol.parameter, sol.rate, sol.instead_of), []).append(
                        sol.year)
                options = [_option(p, r, ys, i, lang) for (p, r, i), ys in grouped.items()]
                parts.append(_("A single rate would reproduce the printed amount: {options}.",
                               lang).format(options=_(" or ", lang).join(options)))
            else:
                parts.append(_("No single operating or supplement rate to the øre reproduces "
                               "the printed amount.", lang))
        line_check = self.line_check if lang == "en" else _line_check(fig, lang)
        if line_check:
            parts.append(line_check)
        if self.misprinted_years:
            bad = _years(self.misprinted_years, lang)
            missing = [y for y in fig.years if str(y) not in fig.line]
            reading = (_(" (read as {years})", lang).format(years=_years(missing, lang))
                       if len(missing) == len(self.misprinted_years) else "")
            parts.append(_("Misprinted year: the line names {years}, before the scheme "
                           "began{reading}.", lang).format(years=bad, reading=reading))
        if self.assumptions:
            assumptions = (self.assumptions if lang == "en"
                           else [_carried(*c, lang) for c in self.carried])
            parts.append(_("Computed on a rate no source publishes: {assumptions}.",
                           lang).format(assumptions="; ".join(assumptions)))
        return " ".join(parts)

    @property
    def checks(self) -> list[str]:
        flags = []
        if self.line_check:
            flags.append("line_arithmetic")
        if self.misprinted_years:
            flags.append("misprinted_year")
        return flags

    def to_dict(self) -> dict[str, Any]:
        ex, fig = self.example, self.figure
        return {
            "id": ex.id,
            "document": ex.document,
            "section": ex.section,
            "example": ex.example,
            "label": fig.label,
            "line": fig.line,
            "kind": fig.kind,
            "years": list(fig.years),
            "printed": format_money(fig.printed),
            "computed": format_money(self.computed_amount),
            "computed_by_year": {str(y): format_money(a) for y, a in self.computed},
            "status": self.status,
            "checks": self.checks,
            "solutions": [{"parameter": s.parameter, "year": s.year,
                           "rate": format_rate(s.rate), "instead_of": format_rate(s.instead_of)}
                          for s in self.solutions],
            "explanation": self.explanation,
            "expected": {"status": fig.expect,
                         "computed_by_year": {str(y): format_money(a)
                                              for y, a in fig.expected_computed} or None},
            "as_expected": self.as_expected,
            "mismatch": self.mismatch,
        }


def _years(years: Sequence[int], lang: str = "en") -> str:
    items = [str(y) for y in years]
    return items[0] if len(items) == 1 else _("{years} and {last}", lang).format(
        years=", ".join(items[:-1]), last=items[-1])


def _money(amount: Decimal, lang: str) -> str:
    """An amount in a sentence: ``126900.00`` (Danish ``126.900,00``)."""
    text = format_money(amount)
    return danish_decimal(Decimal(text)) if lang == "da" else text


def _rate(rate: Decimal, lang: str) -> str:
    text = format_rate(rate)
    return danish_decimal(Decimal(text)) if lang == "da" else text


def _count(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "da" else text


def _option(parameter: str, rate: Decimal, years: Sequence[int], instead_of: Decimal,
            lang: str) -> str:
    return _("{parameter} {rate} for {years} (instead of {instead_of})", lang).format(
        parameter=parameter, rate=_rate(rate, lang), years=_years(years, lang),
        instead_of=_rate(instead_of, lang))


def _carried(parameter: str, value: Decimal, start: dt.date, years: Sequence[int],
             lang: str) -> str:
    return _("{parameter} for {years}, {value} (in force from {start}) carried forward under "
             "I5", lang).format(parameter=parameter, years=_years(years, lang),
                                value=_rate(value, lang),
                                start=format_date_da(start) if lang == "da"
                                else start.isoformat())


def _described(status: str, by_year: Sequence[tuple[int, Decimal]], style: str,
               lang: str = "en") -> str:
    """``not_reproduced (computed 194700.00 in 2019 and 2020)``; a status alone without
    amounts. Years that compute the same amount are named together. ``style`` is
    ``"sentence"`` (amounts as ``194700.00``) or ``"table"`` (``194,700.00``)."""
    if style == "table":
        def fmt(a: Decimal) -> str:
            return format_kr_da(a, unit=False) if lang == "da" else format_kr(a)
    else:
        def fmt(a: Decimal) -> str:
            return _money(a, lang)
    word = _(status, lang)
    if not by_year:
        return word
    grouped: dict[Decimal, list[int]] = {}
    for year, amount in by_year:
        grouped.setdefault(amount, []).append(year)
    amounts = ", ".join(_("{amount} in {years}", lang).format(amount=fmt(a),
                                                              years=_years(ys, lang))
                        for a, ys in grouped.items())
    return _("{status} (computed {amounts})", lang).format(status=word, amounts=amounts)


def _line_check(fig: Figure, lang: str = "en") -> str | None:
    """Whether the line's own rate × quantity equals its own printed amount."""
    if fig.rate is None or fig.quantity is None:
        return None
    own = product_ore(fig.rate, Decimal(fig.quantity))
    if own == fig.printed:
        return None
    implied = ""
    if fig.quantity:
        numerator, denominator = fig.printed.as_integer_ratio()
        exact = exact_quotient(fig.printed, fig.quantity, 4)
        implied = (_("; the printed amount is {rate} × {quantity}", lang).format(
                       rate=_rate(exact, lang), quantity=_count(fig.quantity, lang))
                   if numerator * 10_000 % (denominator * fig.quantity) == 0 else "")
    return _("The line's own arithmetic disagrees: {rate} × {quantity} = {own}, but it prints "
             "{printed}{implied}.", lang).format(
        rate=_rate(fig.rate, lang), quantity=_count(fig.quantity, lang),
        own=_money(own, lang), printed=_money(fig.printed, lang), implied=implied)


def _misprinted(fig: Figure, first_year: int) -> tuple[int, ...]:
    return tuple(int(y) for y in _YEAR_RE.findall(fig.line) if int(y) < first_year)


def _evaluate(example: PublishedExample, scenario: _Scenario) -> list[FigureResult]:
    first_year = min(p.first_date.year for p in scenario.ruleset.parameters.values())
    results = []
    for fig in example.figures:
        computed = tuple((y, scenario.amount(fig.kind, y)) for y in fig.years)
        solutions: list[Solution] = []
        for year, amount in computed:
            if amount == fig.printed:
                continue
            for parameter in _SOLVABLE.get(fig.kind, ()):
                found = solve_rate(scenario, parameter, year, fig.kind, fig.printed)
                if found:
                    solutions.append(found)
        carried: dict[tuple[str, Decimal, dt.date], list[int]] = {}
        for year in fig.years:
            for parameter in _SOLVABLE.get(fig.kind, ()):
                value = scenario.lookup(parameter, year)
                if value.assumption:
                    carried.setdefault((parameter, value.value, value.source_start),
                                       []).append(year)
        assumptions = [_carried(p, v, start, ys, "en") for (p, v, start), ys in carried.items()]
        results.append(FigureResult(
            example=example, figure=fig, computed=computed, solutions=tuple(solutions),
            assumptions=tuple(assumptions), line_check=_line_check(fig),
            misprinted_years=_misprinted(fig, first_year),
            carried=tuple((p, v, start, tuple(ys)) for (p, v, start), ys in carried.items())))
    return results


@attrs.frozen(kw_only=True)
class Inconsistency:
    """The printed figures imply different values of one rate for one year."""

    __repr__ = value_repr

    parameter: str
    year: int
    implied: tuple[tuple[Decimal, tuple[str, ...]], ...]

    def __str__(self) -> str:
        return self.text_in("en")

    def text_in(self, lang: str) -> str:
        """The disagreement in words, in ``lang`` (the figures' labels are the files')."""
        def named(who: str) -> str:
            if lang != "en" and who.endswith(" (printed rate)"):
                return who.removesuffix(" (printed rate)") + " " + _("(printed rate)", lang)
            return who

        parts = "; ".join(_("{rate} by {figures}", lang).format(
            rate=_rate(rate, lang), figures=", ".join(named(w) for w in who))
            for rate, who in self.implied)
        return _("{parameter} for {year}: the printed figures imply {rates}", lang).format(
            parameter=self.parameter, year=self.year, rates=parts)

    def to_dict(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "year": self.year,
                "implied": [{"rate": format_rate(r), "figures": list(w)}
                            for r, w in self.implied]}


def _implied_rates(results: Sequence[FigureResult],
                   scenarios: Mapping[str, _Scenario]) -> list[Inconsistency]:
    """Every rate each figure implies, per parameter and year, where they disagree."""
    seen: dict[tuple[str, int], dict[Decimal, list[str]]] = {}

    def note(parameter: str, year: int, rate: Decimal, who: str) -> None:
        seen.setdefault((parameter, year), {}).setdefault(rate, []).append(who)

    for r in results:
        who = f"{r.example.id} “{r.figure.label}”"
        fig = r.figure
        params = _SOLVABLE.get(fig.kind, ())
        for year, amount in r.computed:
            if fig.rate is not None and len(params) == 1:
                note(params[0], year, fig.rate, f"{who} (printed rate)")
            if amount == fig.printed:
                for parameter in params:
                    used = scenarios[r.example.id].rate_used(parameter, year)
                    note(parameter, year, used, who)
            else:
                for s in r.solutions:
                    if s.year == year and (len(params) == 1 or s.parameter == "operating_rate"):
                        note(s.parameter, year, s.rate, who)
    out = []
    for (parameter, year), rates in sorted(seen.items()):
        if len(rates) > 1:
            out.append(Inconsistency(parameter=parameter, year=year, implied=tuple(
                (rate, tuple(who)) for rate, who in sorted(rates.items(), reverse=True))))
    return out


@attrs.frozen(kw_only=True)
class Reproduction(Records):
    """Every figure of the given examples, with status, plus the cross-example check.

    ``to_records()``: one row a figure and year it stands for, so that a figure printed
    for 2019–2021 is three rows (docs/records.md).
    """

    RECORD_COLUMNS = ("example", "document", "section", "label", "kind", "year", "printed",
                      "computed", "difference", "status", "explanation")

    ruleset_id: str
    fingerprint: str
    results: tuple[FigureResult, ...]
    inconsistencies: tuple[Inconsistency, ...]

    def __repr__(self) -> str:
        bad = len(self.not_reproduced)
        return result_repr("Reproduction", self.ruleset_id, f"figures={len(self.results)}",
                           f"reproduced={len(self.results) - bad}", f"not_reproduced={bad}",
                           f"inconsistencies={len(self.inconsistencies)}")

    @property
    def not_reproduced(self) -> tuple[FigureResult, ...]:
        return tuple(r for r in self.results if not r.reproduced)

    @property
    def not_as_expected(self) -> tuple[FigureResult, ...]:
        """The figures whose status (or known computed amount) is not the one they expect."""
        return tuple(r for r in self.results if not r.as_expected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": {"id": self.ruleset_id, "fingerprint": self.fingerprint},
            "summary": {"figures": len(self.results),
                        "reproduced": len(self.results) - len(self.not_reproduced),
                        "not_reproduced": len(self.not_reproduced),
                        "flagged": sum(1 for r in self.results if r.checks),
                        "as_expected": len(self.results) - len(self.not_as_expected),
                        "not_as_expected": len(self.not_as_expected)},
            "figures": [r.to_dict() for r in self.results],
            "inconsistencies": [i.to_dict() for i in self.inconsistencies],
        }

    def _records(self) -> Iterator[dict[str, Any]]:
        for r in self.results:
            ex, fig = r.example, r.figure
            for year, computed in r.computed:
                yield {"example": ex.id, "document": ex.document, "section": ex.section,
                       "label": fig.label, "kind": fig.kind, "year": year,
                       "printed": fig.printed, "computed": computed,
                       "difference": difference(computed, fig.printed),
                       "status": "reproduced" if computed == fig.printed else "not_reproduced",
                       "explanation": r.explanation}

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def _cells(self, lang: str = "en") -> list[list[str]]:
        def kr(a: Decimal) -> str:
            return format_kr_da(a, unit=False) if lang == "da" else format_kr(a)

        rows = []
        for r in self.results:
            mark = "" if not r.checks else " (" + ", ".join(_(c, lang) for c in r.checks) + ")"
            expected = _described(r.figure.expect, r.figure.expected_computed, "table", lang)
            explanation = " ".join(t for t in (r.mismatch_in(lang), r.explanation_in(lang))
                                   if t)
            rows.append([r.example.id, r.figure.label, kr(r.figure.printed),
                         kr(r.computed_amount), expected, _(r.status, lang) + mark,
                         explanation])
        return rows

    def _count_text(self, lang: str = "en") -> str:
        n = len(self.results)
        bad = len(self.not_reproduced)
        return ngettext("{n} figure: {reproduced} reproduced, {not_reproduced} not reproduced, "
                        "{flagged} flagged by the text checks.",
                        "{n} figures: {reproduced} reproduced, {not_reproduced} not reproduced, "
                        "{flagged} flagged by the text checks.", n, lang).format(
            n=n, reproduced=n - bad, not_reproduced=bad,
            flagged=sum(1 for r in self.results if r.checks))

    def _expectations(self, lang: str = "en") -> tuple[str, list[str]]:
        """Whether every figure gave what its file expects, and each that did not."""
        surprises = self.not_as_expected
        if not surprises:
            return _("All {n} as expected.", lang).format(n=len(self.results)), []
        return (_("{n} not as expected:", lang).format(n=len(surprises)),
                [f"{r.example.id} “{r.figure.label}”: {r.mismatch_in(lang)}"
                 for r in surprises])

    def _repr_html_(self) -> str:
        """Every figure with its status and explanation, and where the examples disagree."""
        head, surprises = self._expectations()
        disagree = [html_note("The examples disagree with each other:"),
                    html_list(str(i) for i in self.inconsistencies)] \
            if self.inconsistencies else []
        return "".join([html_note(f"ruleset {self.ruleset_id} {self.fingerprint}"),
                        html_table(_FIGURE_HEADERS, self._cells(), _FIGURE_ALIGN),
                        html_note(self._count_text()), html_note(head), html_list(surprises),
                        *disagree])

    def to_table(self, *, lang: str | None = None) -> str:
        """Every figure with its status and explanation, the count, what was not as
        expected, and where the examples disagree; ``lang="da"`` (or ``$KIAPRULES_LANG``):
        in Danish, with Danish amounts (the figures' labels are the files' own)."""
        lang = resolve_lang(lang)
        table = table_text(self._cells(lang), [_(h, lang) for h in _FIGURE_HEADERS],
                           _FIGURE_ALIGN, widths=[None, 30, None, None, 24, 24, 70])
        lines = [_("ruleset {id} {fingerprint}", lang).format(id=self.ruleset_id,
                                                              fingerprint=self.fingerprint),
                 "", table, ""]
        lines.append(self._count_text(lang))
        head, surprises = self._expectations(lang)
        lines.append(head)
        lines.extend(f"- {s}" for s in surprises)
        if self.inconsistencies:
            lines.append("")
            lines.append(_("The examples disagree with each other:", lang))
            lines.extend(f"- {i.text_in(lang)}" for i in self.inconsistencies)
        return sanitize_lines("\n".join(lines) + "\n")


def reproduce(
    examples: Iterable[PublishedExample | str | os.PathLike[str]] | None = None,
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    policies: Mapping[str, str] | None = None,
) -> Reproduction:
    """Compute every printed figure of ``examples`` (default: the shipped ones)."""
    given = examples if examples is not None else shipped_published()
    if isinstance(given, (str, os.PathLike, PublishedExample)):
        given = [given]
    items = [e if isinstance(e, PublishedExample) else load_published(e)
             for e in items_of(given, field="examples", what="published examples")]
    first_file: dict[str, str | None] = {}
    for e in items:
        if e.id in first_file:
            raise InputError(f"example id {e.id!r} is also used by {first_file[e.id]}",
                             path=e.source, record="published", field="id", code="input.duplicate")
        first_file[e.id] = e.source
    results: list[FigureResult] = []
    scenarios: dict[str, _Scenario] = {}
    rs: Ruleset | None = None
    for example in items:
        try:
            scenario = _Scenario(example.cluster, ruleset, policies)
            scenarios[example.id] = scenario
            rs = scenario.ruleset
            results.extend(_evaluate(example, scenario))
        except KiapRulesError as exc:
            if isinstance(exc, RulesetError):
                raise
            raise exc.located(path=example.source, record="scenario") from None
    if rs is None:
        rs = prepare([], ruleset).ruleset
    return Reproduction(ruleset_id=rs.id, fingerprint=rs.fingerprint, results=tuple(results),
                        inconsistencies=tuple(_implied_rates(results, scenarios)))
