"""Dated rulesets: every figure the rules use, with its date, source and status.

A ruleset is one TOML file (see docs/ruleset-format.md). Each parameter is a
list of dated values, each in effect from its ``from`` date until the next
one's; each value carries a citation (document, section, the Danish sentence
it rests on) and a status:

``published``
    the sources print this figure for this period;
``assumption``
    no source prints it; the file says which reading gives it, and why;
``unpublished``
    the sources publish no figure for this period. Interpretation I5 applies
    on lookup: the last value carries forward, marked as resting on an
    unpublished figure, or (policy ``unpublished_years = "refuse"``, or
    strict mode) the lookup is refused.

Before a parameter's first date every lookup is refused, never answered
with 0 (the OpenFisca weakness STYLE.md names).

Interpretations I1–I6 (docs/interpretations.md) are the ruleset's
``policies``: each has a default and its alternatives, chosen by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from kiaprules._i18n import N_, _, danish_decimal, format_date_da, message
from kiaprules._render import html_note, html_table, html_text
from kiaprules._text import result_repr, sanitize, value_repr
from kiaprules.errors import InputError, InputTypeError, NotCoveredError
from kiaprules.model.calendar import parse_date
from kiaprules.model.money import format_rate, parse_decimal, to_money, to_rate
from kiaprules.model.records import Records
from kiaprules.model.text import label_text

__all__ = [
    "Citation",
    "DatedValue",
    "MonthDay",
    "Parameter",
    "Policy",
    "ResolvedValue",
    "Ruleset",
    "convert_value",
    "format_value",
    "link_values",
    "unpublished_mode",
]

Status = Literal["published", "assumption", "unpublished", "override"]
STATUSES: Final = ("published", "assumption", "unpublished", "override")
KINDS: Final = ("amount", "rate", "integer", "month_day", "text")


@attrs.frozen(kw_only=True)
class MonthDay:
    """A day of the year, e.g. 1 March: written ``"03-01"``."""

    __repr__ = value_repr

    month: int
    day: int

    @classmethod
    def parse(cls, value: object, *, field: str | None = None) -> MonthDay:
        if isinstance(value, MonthDay):
            return value
        if isinstance(value, str) and re.fullmatch(r"[0-9]{2}-[0-9]{2}", value):
            try:
                # 2001 is not a leap year: a day of the year must exist every year.
                d = dt.date(2001, int(value[:2]), int(value[3:]))
                return cls(month=d.month, day=d.day)
            except ValueError:
                pass
        raise InputError(f"must be a day that exists in every year, written 'MM-DD', got "
                         f"{value!r}", field=field, code="input.not_a_date")

    def in_year(self, year: int) -> dt.date:
        return dt.date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@attrs.frozen(kw_only=True)
class Citation:
    """Where a figure comes from: document, section and the Danish sentence."""

    __repr__ = value_repr

    document: str
    section: str
    quote: str
    url: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return sanitize(f'{self.document} {self.section}: "{self.quote}"')

    def to_dict(self) -> dict[str, Any]:
        out = {"document": self.document, "section": self.section, "quote": self.quote,
               "url": self.url, "note": self.note}
        return {k: v for k, v in out.items() if v is not None}


@attrs.frozen(kw_only=True)
class DatedValue:
    """One value of a parameter, in effect from ``start`` until ``end`` (exclusive)."""

    __repr__ = value_repr

    start: dt.date
    end: dt.date | None
    value: Any
    status: Status
    reason: str | None
    citation: Citation
    #: For an override: the status of the value it replaces. An override of a
    #: published figure still counts as published for I5's carry-forward.
    replaces: Status | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@attrs.frozen(kw_only=True)
class ResolvedValue:
    """The answer to a lookup: the value in force, and what it rests on.

    ``assumption`` is ``None`` for a published figure, else the reason it is
    not one (an assumption of the ruleset, I5's carried-forward value, or a
    caller's override).
    """

    __repr__ = value_repr

    parameter: str
    on: dt.date
    value: Any
    status: Status
    citation: Citation
    assumption: str | None
    source_start: dt.date

    @property
    def is_assumption(self) -> bool:
        return self.assumption is not None


@attrs.frozen(kw_only=True)
class Parameter:
    __repr__ = value_repr

    name: str
    label: str
    unit: str
    kind: str
    values: tuple[DatedValue, ...]

    @property
    def first_date(self) -> dt.date:
        return self.values[0].start

    def entry_on(self, day: dt.date) -> DatedValue:
        if day < self.first_date:
            raise NotCoveredError(
                f"no value of {self.name} before {self.first_date.isoformat()} "
                f"(asked for {day.isoformat()}); the ruleset does not cover that date",
                field=self.name, date=day,
                code="not_covered.before_first_date",
            )
        for entry in reversed(self.values):
            if entry.start <= day:
                return entry
        raise AssertionError("unreachable: values are sorted and start at first_date")


@attrs.frozen(kw_only=True)
class Policy:
    """An interpretation the sources leave open (I1–I6), with its default reading."""

    __repr__ = value_repr

    name: str
    interpretation: str
    question: str
    default: str
    choices: Mapping[str, str]
    citation: Citation


Unpublished = Literal["carry_forward", "refuse"]


def unpublished_mode(policies: Mapping[str, str]) -> Unpublished:
    """I5 as the policies choose it: carry the last published value forward, or refuse."""
    return "refuse" if policies.get("unpublished_years") == "refuse" else "carry_forward"


@attrs.frozen(kw_only=True)
class Ruleset(Records):
    """A dated set of figures and policies. Load one with :func:`load_ruleset`.

    ``to_records()``: one row a dated value, parameter by parameter (docs/records.md).
    """

    RECORD_COLUMNS = ("parameter", "unit", "value_from", "value_until", "value", "status",
                      "reason", "document", "section", "quote")

    id: str
    title: str
    description: str
    documents: Mapping[str, Mapping[str, str]]
    parameters: Mapping[str, Parameter]
    policies: Mapping[str, Policy]
    source: str | None = attrs.field(default=None, eq=False, converter=label_text)
    _fingerprint_cache: str | None = attrs.field(init=False, default=None, eq=False,
                                                 repr=False)

    def __repr__(self) -> str:
        return result_repr("Ruleset", self.id, f"parameters={len(self.parameters)}",
                           f"policies={len(self.policies)}", self.fingerprint)

    @property
    def fingerprint(self) -> str:
        """``sha256:`` and the hash of the canonical content (:meth:`to_data`).

        Computed on first use and kept: a scenario sweep makes a ruleset per
        variant, and most are never asked for their fingerprint.
        """
        value = self._fingerprint_cache
        if value is None:
            value = _fingerprint(self)
            object.__setattr__(self, "_fingerprint_cache", value)
        return value

    def parameter(self, name: str) -> Parameter:
        if not isinstance(name, str):
            raise InputTypeError(f"a parameter is named by text, got {type(name).__name__}",
                                 field="name")
        try:
            return self.parameters[name]
        except KeyError:
            raise NotCoveredError(
                f"the ruleset {self.id!r} has no parameter {name!r}; it has "
                f"{', '.join(sorted(self.parameters))}", field=name,
                code="not_covered.unknown_parameter",
            ) from None

    def policy_choice(self, name: str, chosen: Mapping[str, str] | None = None) -> str:
        """The reading taken for policy ``name``: the caller's choice or the default."""
        try:
            policy = self.policies[name]
        except KeyError:
            raise NotCoveredError(f"the ruleset {self.id!r} has no policy {name!r}",
                                  field=name, code="not_covered.unknown_policy") from None
        return (chosen or {}).get(name, policy.default)

    def check_policies(self, chosen: Mapping[str, str]) -> dict[str, str]:
        """Every policy's reading, with the caller's choices checked against the ruleset."""
        if not isinstance(chosen, Mapping):
            raise InputTypeError(f"must be a table of policy → reading, got "
                                 f"{type(chosen).__name__}", field="policies")
        for name, value in chosen.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise InputTypeError(f"a policy and its reading are text, got {name!r} = "
                                     f"{type(value).__name__} {value!r}", field=str(name))
            if name not in self.policies:
                raise InputError(
                    f"unknown policy; the ruleset has {', '.join(sorted(self.policies))}",
                    field=name, code="input.unknown_policy")
            if value not in self.policies[name].choices:
                raise InputError(
                    f"must be one of {', '.join(self.policies[name].choices)}, got {value!r}",
                    field=name, code="input.not_a_choice")
        return {name: chosen.get(name, p.default) for name, p in sorted(self.policies.items())}

    def lookup(
        self,
        name: str,
        on: dt.date,
        *,
        unpublished: Unpublished | None = None,
    ) -> ResolvedValue:
        """The value of parameter ``name`` in force on ``on``, with its citation.

        Refuses (:class:`NotCoveredError`) before the parameter's first date.
        In a period the sources publish no value for, applies I5: the policy
        ``unpublished_years`` (or ``unpublished`` given here) either carries
        the last value forward, marked as an assumption, or refuses.
        ``on`` may be given as ISO text (``"2024-01-01"``).
        """
        if type(on) is not dt.date:
            on = parse_date(on, field="on")
        param = self.parameter(name)
        entry = param.entry_on(on)
        if entry.status != "unpublished":
            assumption = None if entry.status == "published" else (entry.reason or entry.status)
            return ResolvedValue(parameter=name, on=on, value=entry.value, status=entry.status,
                                 citation=entry.citation, assumption=assumption,
                                 source_start=entry.start)
        mode = unpublished or self.policy_choice("unpublished_years")
        # I5: "the last published rate carries forward" — never an assumption
        # or a caller's override of an earlier period.
        earlier = [v for v in param.values if v.start < entry.start and (
            v.status == "published" or v.replaces == "published")]
        if mode == "refuse" or not earlier:
            why = "strict mode refuses" if mode == "refuse" else "there is no earlier value"
            raise NotCoveredError(
                f"no published value of {name} for {on.isoformat()} ({entry.reason}); {why} "
                "to carry a value forward (interpretation I5)",
                field=name, date=on,
                code="not_covered.unpublished",
            )
        last = earlier[-1]
        shown = format_value(param.kind, last.value)
        reason = message(
            "unpublished: no source gives {parameter} for {year}; {value} "
            "(in force from {start}) carried forward under I5",
            parameter=name, year=on.year, start=last.start,
            value=Decimal(shown) if param.kind in ("amount", "rate") else shown)
        return ResolvedValue(parameter=name, on=on, value=last.value, status="assumption",
                             citation=last.citation, assumption=reason, source_start=last.start)

    def with_override(
        self,
        name: str,
        value: object,
        start: dt.date,
        end: dt.date | None = None,
        *,
        reason: str | None = None,
    ) -> Ruleset:
        """A new ruleset where ``name`` is ``value`` from ``start`` until ``end``.

        The override is marked as such (status ``override``), keeps the
        citation of the value it replaces, and changes the fingerprint.
        """
        param = self.parameter(name)
        if not isinstance(start, dt.date) or (end is not None and not isinstance(end, dt.date)):
            raise InputError(f"override of {name}: start and end must be dates", field=name,
                             code="input.wrong_type")
        if start < param.first_date:
            raise InputError(
                f"override of {name} from {start.isoformat()}: the ruleset has no value before "
                f"{param.first_date.isoformat()}, and an override does not extend it backwards",
                field=name, code="input.out_of_range")
        if end is not None and end <= start:
            raise InputError(f"override of {name}: end {end} must be after start {start}",
                             field=name, code="input.date_order")
        new_value = convert_value(param.kind, value, field=name)
        shown = format_value(param.kind, new_value)
        why = reason or f"override: {name} set to {shown} by the caller"
        pieces: list[DatedValue] = []
        for entry in param.values:
            # Before the override, as it was; within it, one override piece per
            # value it replaces (so each keeps its citation and status); after
            # it, as it was.
            pieces.extend(_clip(entry, None, start))
            pieces.extend(attrs.evolve(p, value=new_value, status="override", reason=why,
                                       replaces=entry.status if entry.status != "override"
                                       else entry.replaces)
                          for p in _clip(entry, start, end))
            if end is not None:
                pieces.extend(_clip(entry, end, None))
        pieces = link_values(pieces)
        parameters = dict(self.parameters)
        parameters[name] = attrs.evolve(param, values=tuple(pieces))
        return attrs.evolve(self, parameters=parameters)

    def _records(self) -> Iterator[dict[str, Any]]:
        for name, p in sorted(self.parameters.items()):
            for v in p.values:
                value = v.value if v.value is None or p.kind in ("amount", "rate", "integer") \
                    else format_value(p.kind, v.value)
                yield {"parameter": name, "unit": p.unit, "value_from": v.start,
                       "value_until": v.end, "value": value, "status": v.status,
                       "reason": v.reason, "document": v.citation.document,
                       "section": v.citation.section, "quote": v.citation.quote}

    #: The headers of :meth:`value_cells` and :meth:`policy_cells`.
    VALUE_HEADERS = (N_("parameter"), N_("from"), N_("until"), N_("value"), N_("status"),
                     N_("source"))
    POLICY_HEADERS = ("", N_("policy"), N_("default"), N_("alternatives"), N_("question"))
    #: The statuses of a dated value, marked: Danish words in a Danish table.
    STATUS_NAMES = (N_("published"), N_("assumption"), N_("unpublished"), N_("override"))

    def value_cells(self, lang: str = "en") -> list[tuple[str, ...]]:
        """Every dated value as a table shows it: dates, value, status, source sentence;
        in ``lang`` the headers' words, the status, dates and amounts (a value's reason
        is the ruleset file's own text)."""
        def day(d: dt.date) -> str:
            return format_date_da(d) if lang == "da" else d.isoformat()

        def shown(kind: str, value: Any) -> str:
            text = format_value(kind, value)
            if lang == "da" and kind in ("amount", "rate"):
                return danish_decimal(Decimal(text))
            return text

        rows: list[tuple[str, ...]] = []
        for name, param in self.parameters.items():
            for v in param.values:
                status = _(v.status, lang)
                rows.append((
                    name, day(v.start), day(v.end) if v.end else "",
                    "—" if v.value is None else shown(param.kind, v.value),
                    status if v.status == "published" else f"{status}: {v.reason}",
                    f"{v.citation.document} {v.citation.section}: “{v.citation.quote}”",
                ))
        return rows

    def policy_cells(self) -> list[tuple[str, ...]]:
        """Every policy (I1–I6 ...) as a table shows it, by interpretation."""
        return sorted((p.interpretation, name, p.default,
                       ", ".join(c for c in p.choices if c != p.default), p.question)
                      for name, p in self.policies.items())

    def _repr_html_(self) -> str:
        """Every dated value with its status and source, and the policies, for notebooks."""
        return (html_text(f"{self.id}: {self.title}", "h4") + html_note(self.fingerprint)
                + html_table(self.VALUE_HEADERS, self.value_cells())
                + html_table(self.POLICY_HEADERS, self.policy_cells()))

    def to_data(self) -> dict[str, Any]:
        """The ruleset as canonical plain data, in the layout of a ruleset file.

        This is what the fingerprint hashes, and what :func:`ruleset_from_data`
        reads back (a receipt embeds it).
        """
        def value_data(p: Parameter, v: DatedValue) -> dict[str, Any]:
            out: dict[str, Any] = {"from": v.start.isoformat()}
            if v.value is not None:
                out["value"] = v.value if p.kind == "integer" else format_value(p.kind, v.value)
            out["status"] = v.status
            if v.replaces is not None:
                out["replaces"] = v.replaces
            if v.reason is not None:
                out["reason"] = v.reason
            out["citation"] = v.citation.to_dict()
            return out

        return {
            "ruleset": {"id": self.id, "title": self.title, "description": self.description},
            "documents": {k: dict(sorted(v.items())) for k, v in sorted(self.documents.items())},
            "parameters": {
                name: {"label": p.label, "unit": p.unit, "kind": p.kind,
                       "values": [value_data(p, v) for v in p.values]}
                for name, p in sorted(self.parameters.items())
            },
            "policies": {
                name: {"interpretation": p.interpretation, "question": p.question,
                       "default": p.default, "choices": dict(p.choices),
                       "citation": p.citation.to_dict()}
                for name, p in sorted(self.policies.items())
            },
        }


def _clip(entry: DatedValue, lo: dt.date | None, hi: dt.date | None) -> list[DatedValue]:
    start = entry.start if lo is None else max(entry.start, lo)
    end = entry.end
    if hi is not None:
        end = hi if end is None else min(end, hi)
    if end is not None and end <= start:
        return []
    if start == entry.start and end == entry.end:
        return [entry]  # unchanged: the same (frozen) value, not a copy
    return [attrs.evolve(entry, start=start, end=end)]


def link_values(values: list[DatedValue]) -> list[DatedValue]:
    values.sort(key=lambda v: v.start)
    linked = []
    for i, v in enumerate(values):
        end = values[i + 1].start if i + 1 < len(values) else None
        linked.append(v if v.end == end else attrs.evolve(v, end=end))
    return linked


def format_value(kind: str, value: Any) -> str:
    """The canonical text of a parameter value."""
    if kind in ("amount", "rate"):
        return format_rate(value)
    return str(value)


def _fingerprint(ruleset: Ruleset) -> str:
    canonical = json.dumps(ruleset.to_data(), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


#: The largest whole-number parameter (a clawback window of 100 years, in months).
MAX_INTEGER: Final = 1200


def convert_value(kind: str, value: object, *, field: str) -> Any:
    if kind in ("amount", "rate") and isinstance(value, (int, str, Decimal)) \
            and not isinstance(value, bool):
        # Exact decimals only: TOML floats (4.33 unquoted) are refused by
        # parse_decimal; write "4.33" or an integer.
        parse_decimal(value, field=field, what=N_("an exact decimal"))
    if kind == "amount":
        return to_money(value, field=field, allow_negative=False)
    if kind == "rate":
        return to_rate(value, field=field)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"must be a whole number, got {value!r}", field=field,
                             code="input.not_a_whole_number")
        if not 0 <= value <= MAX_INTEGER:
            # A count of months: negative is nonsense, and beyond a century it would
            # push dates past any calendar the rules speak of.
            raise InputError(f"must be a whole number from 0 to {MAX_INTEGER:,}, got {value!r}",
                             field=field, code="input.out_of_range")
        return value
    if kind == "month_day":
        return MonthDay.parse(value, field=field)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be non-empty text, got {value!r}", field=field,
                         code="input.invalid_text")
    return value.strip()
