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
import json
import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from kiaprules._files import read_document, shipped_dir, suffix
from kiaprules.errors import InputError, KiapRulesError, NotCoveredError, RulesetError
from kiaprules.model.calendar import parse_date
from kiaprules.model.money import format_rate, parse_decimal, to_money, to_rate

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "Citation",
    "DatedValue",
    "MonthDay",
    "Parameter",
    "Policy",
    "ResolvedValue",
    "Ruleset",
    "available_rulesets",
    "load_ruleset",
    "ruleset_from_data",
]

Status = Literal["published", "assumption", "unpublished", "override"]
STATUSES: Final = ("published", "assumption", "unpublished", "override")
KINDS: Final = ("amount", "rate", "integer", "month_day", "text")


@attrs.frozen(kw_only=True)
class MonthDay:
    """A day of the year, e.g. 1 March: written ``"03-01"``."""

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
                         f"{value!r}", field=field)

    def in_year(self, year: int) -> dt.date:
        return dt.date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@attrs.frozen(kw_only=True)
class Citation:
    """Where a figure comes from: document, section and the Danish sentence."""

    document: str
    section: str
    quote: str
    url: str | None = None
    note: str | None = None

    def __str__(self) -> str:
        return f'{self.document} {self.section}: "{self.quote}"'

    def to_dict(self) -> dict[str, Any]:
        out = {"document": self.document, "section": self.section, "quote": self.quote,
               "url": self.url, "note": self.note}
        return {k: v for k, v in out.items() if v is not None}


@attrs.frozen(kw_only=True)
class DatedValue:
    """One value of a parameter, in effect from ``start`` until ``end`` (exclusive)."""

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
            )
        for entry in reversed(self.values):
            if entry.start <= day:
                return entry
        raise AssertionError("unreachable: values are sorted and start at first_date")


@attrs.frozen(kw_only=True)
class Policy:
    """An interpretation the sources leave open (I1–I6), with its default reading."""

    name: str
    interpretation: str
    question: str
    default: str
    choices: Mapping[str, str]
    citation: Citation


Unpublished = Literal["carry_forward", "refuse"]


@attrs.frozen(kw_only=True)
class Ruleset:
    """A dated set of figures and policies. Load one with :func:`load_ruleset`."""

    id: str
    title: str
    description: str
    documents: Mapping[str, Mapping[str, str]]
    parameters: Mapping[str, Parameter]
    policies: Mapping[str, Policy]
    source: str | None = attrs.field(default=None, eq=False)
    _fingerprint_cache: str | None = attrs.field(init=False, default=None, eq=False,
                                                 repr=False)

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
        try:
            return self.parameters[name]
        except KeyError:
            raise NotCoveredError(
                f"the ruleset {self.id!r} has no parameter {name!r}; it has "
                f"{', '.join(sorted(self.parameters))}", field=name
            ) from None

    def policy_choice(self, name: str, chosen: Mapping[str, str] | None = None) -> str:
        """The reading taken for policy ``name``: the caller's choice or the default."""
        try:
            policy = self.policies[name]
        except KeyError:
            raise NotCoveredError(f"the ruleset {self.id!r} has no policy {name!r}",
                                  field=name) from None
        return (chosen or {}).get(name, policy.default)

    def check_policies(self, chosen: Mapping[str, str]) -> dict[str, str]:
        """Every policy's reading, with the caller's choices checked against the ruleset."""
        for name, value in chosen.items():
            if name not in self.policies:
                raise InputError(
                    f"unknown policy; the ruleset has {', '.join(sorted(self.policies))}",
                    field=name)
            if value not in self.policies[name].choices:
                raise InputError(
                    f"must be one of {', '.join(self.policies[name].choices)}, got {value!r}",
                    field=name)
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
        """
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
            )
        last = earlier[-1]
        shown = format_value(param.kind, last.value)
        reason = (
            f"unpublished: no source gives {name} for {on.year}; {shown} "
            f"(in force from {last.start.isoformat()}) carried forward under I5"
        )
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
            raise InputError(f"override of {name}: start and end must be dates", field=name)
        if start < param.first_date:
            raise InputError(
                f"override of {name} from {start.isoformat()}: the ruleset has no value before "
                f"{param.first_date.isoformat()}, and an override does not extend it backwards",
                field=name)
        if end is not None and end <= start:
            raise InputError(f"override of {name}: end {end} must be after start {start}",
                             field=name)
        new_value = _convert_value(param.kind, value, field=name)
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
        pieces = _link(pieces)
        parameters = dict(self.parameters)
        parameters[name] = attrs.evolve(param, values=tuple(pieces))
        return attrs.evolve(self, parameters=parameters)

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


def _link(values: list[DatedValue]) -> list[DatedValue]:
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
    return "sha256:" + _sha256_hex(canonical.encode("utf-8"))


def _sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data``, by the interpreter's built-in module where it has one.

    The same digest as ``hashlib.sha256``; importing hashlib starts OpenSSL,
    which costs a command more than reading and checking the ruleset.
    """
    import importlib

    module: Any
    for name in ("_sha2", "_sha256"):  # Python 3.12 on, 3.11
        try:
            module = importlib.import_module(name)
            break
        except ImportError:
            continue
    else:
        import hashlib as module
    return str(module.sha256(data).hexdigest())


# --- loading ----------------------------------------------------------------

_TOP_KEYS: Final = frozenset({"ruleset", "documents", "parameters", "policies"})
_RULESET_KEYS: Final = frozenset({"id", "title", "description"})
_DOCUMENT_KEYS: Final = frozenset({"title", "file", "url", "edition"})
_PARAM_KEYS: Final = frozenset({"label", "unit", "kind", "values"})
_VALUE_KEYS: Final = frozenset({"from", "value", "status", "reason", "citation", "replaces"})
_CITATION_KEYS: Final = frozenset({"document", "section", "quote", "url", "note"})
_POLICY_KEYS: Final = frozenset({"interpretation", "question", "default", "choices", "citation"})


class _Loader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, reason: str, key: str) -> RulesetError:
        return RulesetError(reason, path=self.path, field=key)

    def table(self, value: object, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"must be a table, got {type(value).__name__}", key)
        return value

    def keys(self, table: Mapping[str, Any], key: str, allowed: frozenset[str],
             required: Iterable[str]) -> None:
        for k in table:
            if k not in allowed:
                raise self.fail(f"unknown key; expected one of {', '.join(sorted(allowed))}",
                                f"{key}.{k}" if key else k)
        for k in required:
            if k not in table:
                raise self.fail("is missing", f"{key}.{k}" if key else k)

    def text(self, table: Mapping[str, Any], key: str, name: str) -> str:
        value = table.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"must be non-empty text, got {value!r}", f"{key}.{name}")
        return value.strip()

    def citation(self, value: object, key: str, documents: Mapping[str, Any]) -> Citation:
        table = self.table(value, key)
        self.keys(table, key, _CITATION_KEYS, ("document", "section", "quote"))
        document = self.text(table, key, "document")
        if document not in documents:
            raise self.fail(f"cites {document!r}, which is not among [documents]: "
                            f"{', '.join(sorted(documents))}", f"{key}.document")
        optional = {k: self.text(table, key, k) for k in ("url", "note") if k in table}
        return Citation(document=document, section=self.text(table, key, "section"),
                        quote=" ".join(self.text(table, key, "quote").split()), **optional)

    def parameter(self, name: str, raw: object, documents: Mapping[str, Any]) -> Parameter:
        key = f"parameters.{name}"
        table = self.table(raw, key)
        self.keys(table, key, _PARAM_KEYS, ("label", "unit", "kind", "values"))
        kind = self.text(table, key, "kind")
        if kind not in KINDS:
            raise self.fail(f"must be one of {', '.join(KINDS)}, got {kind!r}", f"{key}.kind")
        raw_values = table["values"]
        if not isinstance(raw_values, list) or not raw_values:
            raise self.fail("must be a non-empty list of [[...values]] tables", f"{key}.values")
        entries: list[DatedValue] = []
        for i, raw_value in enumerate(raw_values, 1):
            vkey = f"{key}.values[{i}]"
            vt = self.table(raw_value, vkey)
            self.keys(vt, vkey, _VALUE_KEYS, ("from", "status", "citation"))
            try:
                start = parse_date(vt["from"], field="from")
            except KiapRulesError as exc:
                raise self.fail(exc.reason, f"{vkey}.from") from None
            status = vt["status"]
            if status not in STATUSES:
                raise self.fail(f"must be one of {', '.join(STATUSES)}, got {status!r}",
                                f"{vkey}.status")
            reason = vt.get("reason")
            if status != "published" and (not isinstance(reason, str) or not reason.strip()):
                raise self.fail(f"a value with status {status!r} must say why in 'reason'",
                                f"{vkey}.reason")
            if reason is not None and not isinstance(reason, str):
                raise self.fail(f"must be text, got {reason!r}", f"{vkey}.reason")
            if status == "unpublished":
                if "value" in vt:
                    raise self.fail("an unpublished period has no value (I5 supplies one)",
                                    f"{vkey}.value")
                value = None
            else:
                if "value" not in vt:
                    raise self.fail("is missing", f"{vkey}.value")
                try:
                    value = _convert_value(kind, vt["value"], field="value")
                except KiapRulesError as exc:
                    raise self.fail(exc.reason, f"{vkey}.value") from None
            citation = self.citation(vt["citation"], f"{vkey}.citation", documents)
            replaces = vt.get("replaces")
            if replaces is not None and (status != "override" or replaces not in STATUSES
                                         or replaces == "override"):
                raise self.fail("only an override says which status it replaces "
                                "(published, assumption or unpublished)", f"{vkey}.replaces")
            if entries and start <= entries[-1].start:
                what = "repeats" if start == entries[-1].start else "comes before"
                raise self.fail(
                    f"date {start.isoformat()} {what} the previous value's "
                    f"({entries[-1].start.isoformat()}); values must be in date order "
                    "without overlaps", f"{vkey}.from")
            entries.append(DatedValue(start=start, end=None, value=value, status=status,
                                      reason=reason.strip() if reason else None,
                                      citation=citation, replaces=replaces))
        if entries[0].status == "unpublished":
            raise self.fail("the first value cannot be unpublished: nothing to carry forward",
                            f"{key}.values[1].status")
        return Parameter(name=name, label=self.text(table, key, "label"),
                         unit=self.text(table, key, "unit"), kind=kind,
                         values=tuple(_link(entries)))

    def policy(self, name: str, raw: object, documents: Mapping[str, Any]) -> Policy:
        key = f"policies.{name}"
        table = self.table(raw, key)
        self.keys(table, key, _POLICY_KEYS, _POLICY_KEYS)
        choices = self.table(table["choices"], f"{key}.choices")
        if len(choices) < 2:
            raise self.fail("must name the default reading and at least one alternative",
                            f"{key}.choices")
        for choice, text in choices.items():
            if not isinstance(text, str) or not text.strip():
                raise self.fail("must describe the reading", f"{key}.choices.{choice}")
        default = self.text(table, key, "default")
        if default not in choices:
            raise self.fail(f"must be one of the choices ({', '.join(choices)}), got {default!r}",
                            f"{key}.default")
        return Policy(name=name, interpretation=self.text(table, key, "interpretation"),
                      question=" ".join(self.text(table, key, "question").split()),
                      default=default,
                      choices={k: " ".join(v.split()) for k, v in choices.items()},
                      citation=self.citation(table["citation"], f"{key}.citation", documents))

    def ruleset(self, document: Mapping[str, Any]) -> Ruleset:
        self.keys(document, "", _TOP_KEYS, ("ruleset", "documents", "parameters", "policies"))
        head = self.table(document["ruleset"], "ruleset")
        self.keys(head, "ruleset", _RULESET_KEYS, ("id", "title"))
        documents_raw = self.table(document["documents"], "documents")
        documents: dict[str, dict[str, str]] = {}
        for cite_as, raw in documents_raw.items():
            table = self.table(raw, f"documents.{cite_as}")
            self.keys(table, f"documents.{cite_as}", _DOCUMENT_KEYS, ("title",))
            documents[cite_as] = {k: self.text(table, f"documents.{cite_as}", k) for k in table}
        params = self.table(document["parameters"], "parameters")
        policies = self.table(document["policies"], "policies")
        description = head.get("description", "")
        if not isinstance(description, str):
            raise self.fail("must be text", "ruleset.description")
        return Ruleset(
            id=self.text(head, "ruleset", "id"),
            title=self.text(head, "ruleset", "title"),
            description=" ".join(description.split()),
            documents=documents,
            parameters={n: self.parameter(n, raw, documents) for n, raw in sorted(params.items())},
            policies={n: self.policy(n, raw, documents) for n, raw in sorted(policies.items())},
            source=self.path,
        )


def _convert_value(kind: str, value: object, *, field: str) -> Any:
    if kind in ("amount", "rate") and isinstance(value, (int, str, Decimal)) \
            and not isinstance(value, bool):
        # Exact decimals only: TOML floats (4.33 unquoted) are refused by
        # parse_decimal; write "4.33" or an integer.
        parse_decimal(value, field=field, what="an exact decimal")
    if kind == "amount":
        return to_money(value, field=field, allow_negative=False)
    if kind == "rate":
        return to_rate(value, field=field)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"must be a whole number, got {value!r}", field=field)
        return value
    if kind == "month_day":
        return MonthDay.parse(value, field=field)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"must be non-empty text, got {value!r}", field=field)
    return value.strip()


def _shipped_dir() -> Path:
    from pathlib import Path

    return Path(shipped_dir("rulesets"))


def available_rulesets() -> list[Ruleset]:
    """Every ruleset shipped with kiaprules, by id."""
    return sorted((load_ruleset(p) for p in _shipped_dir().glob("*.toml")), key=lambda r: r.id)


_CACHE: dict[tuple[str, int, int], Ruleset] = {}


def ruleset_from_data(data: Mapping[str, Any], *, source: str = "<data>") -> Ruleset:
    """A ruleset from plain data in the file layout (what :meth:`Ruleset.to_data` gives)."""
    if not isinstance(data, Mapping):
        raise RulesetError(f"must be a table, got {type(data).__name__}", path=source)
    return _Loader(source).ruleset(data)


def load_ruleset(ruleset: str | os.PathLike[str] = "dk-kiap") -> Ruleset:
    """A ruleset by id (one shipped with kiaprules) or by the path of a TOML file.

    The loader refuses unknown keys, values without a citation, dates out of
    order or repeated, inexact numbers (TOML floats) and values of the wrong
    kind, naming the file and the key.
    """
    text = os.fspath(ruleset)
    if suffix(text) == ".toml" or os.sep in text or "/" in text:
        from pathlib import Path  # a caller's path, spelled as pathlib spells it

        name = str(Path(text))
    else:
        # A shipped ruleset's id: plain os.path, so that a command using the
        # shipped ruleset never imports pathlib.
        name = os.path.join(shipped_dir("rulesets"), f"{text}.toml")
        if not os.path.isfile(name):
            known = ", ".join(sorted(p.stem for p in _shipped_dir().glob("*.toml")))
            raise InputError(f"no shipped ruleset {text!r}; shipped: {known} (or give a path)",
                             field="ruleset")
    try:
        stat = os.stat(name)
    except OSError:
        raise InputError("no such ruleset file", path=name) from None
    cache_key = (os.path.realpath(name), stat.st_mtime_ns, stat.st_size)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    document = read_document(name, fmt="toml")
    result = _Loader(name).ruleset(document)
    _CACHE[cache_key] = result
    return result
