"""Loading rulesets: from the shipped files by id, from a file by path, or from data.

The loader refuses unknown keys, values without a citation, dates out of
order or repeated, inexact numbers (TOML floats) and values of the wrong
kind, naming the file and the key (docs/ruleset-format.md).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from kiaprules._files import parse_document, read_bytes, shipped_dir, suffix
from kiaprules._i18n import message
from kiaprules.errors import InputError, InputTypeError, KiapRulesError, RulesetError
from kiaprules.model.calendar import parse_date
from kiaprules.rules.ruleset import (
    KINDS,
    STATUSES,
    Citation,
    DatedValue,
    Parameter,
    Policy,
    Ruleset,
    convert_value,
    link_values,
)

__all__ = ["available_rulesets", "load_ruleset", "ruleset_file", "ruleset_from_data",
           "shipped_ruleset"]

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
            raise self.fail(message("must be a table, got {type}", type=type(value).__name__),
                            key)
        return value

    def keys(self, table: Mapping[str, Any], key: str, allowed: frozenset[str],
             required: Iterable[str]) -> None:
        for k in table:
            if k not in allowed:
                raise self.fail(message("unknown key; expected one of {keys}",
                                        keys=", ".join(sorted(allowed))),
                                f"{key}.{k}" if key else k)
        for k in required:
            if k not in table:
                raise self.fail(message("is missing"), f"{key}.{k}" if key else k)

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
                    value = convert_value(kind, vt["value"], field="value")
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
                         values=tuple(link_values(entries)))

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


def _shipped_dir() -> Path:
    return Path(shipped_dir("rulesets"))


def available_rulesets() -> list[Ruleset]:
    """Every ruleset shipped with kiaprules, by id."""
    return sorted((load_ruleset(p) for p in _shipped_dir().glob("*.toml")), key=lambda r: r.id)


def shipped_ruleset(ruleset_id: str) -> Ruleset | None:
    """The ruleset shipped with kiaprules whose id is ``ruleset_id``, or ``None``.

    The id is only compared with the shipped rulesets' own ids; it never
    becomes part of a path. So an id read from data (a receipt's) cannot
    name a file: ``"/dev/zero"`` or ``"../../etc/passwd"`` is simply no
    shipped ruleset.
    """
    for ruleset in available_rulesets():
        if ruleset.id == ruleset_id:
            return ruleset
    return None


#: The last ruleset read from each path, keyed by the path as given and the
#: sha256 of the bytes read: a file rewritten in place is parsed again
#: whatever its modification time and size say, and the cache holds one
#: ruleset a path. The bytes are read on every call anyway; only parsing and
#: checking them is saved.
_CACHE: dict[str, tuple[bytes, Ruleset]] = {}


def ruleset_from_data(data: Mapping[str, Any], *, source: str = "<data>") -> Ruleset:
    """A ruleset from plain data in the file layout (what :meth:`Ruleset.to_data` gives)."""
    if not isinstance(data, Mapping):
        raise RulesetError(f"must be a table, got {type(data).__name__}", path=source)
    return _Loader(source).ruleset(data)


def ruleset_file(ruleset: str | os.PathLike[str]) -> str:
    """The file :func:`load_ruleset` reads for ``ruleset``: a path as given, or a shipped id's.

    A name ending in ``.toml`` or holding a path separator is a path; any
    other name is the id of a shipped ruleset, refused if none has it.
    """
    if not isinstance(ruleset, (str, os.PathLike)):
        raise InputTypeError(f"must be a ruleset id or the path of a ruleset file, got "
                             f"{type(ruleset).__name__}", field="ruleset")
    text = os.fspath(ruleset)
    if suffix(text) == ".toml" or os.sep in text or "/" in text:
        return str(Path(text))  # a caller's path, spelled as pathlib spells it
    # A shipped ruleset's id.
    name = os.path.join(shipped_dir("rulesets"), f"{text}.toml")
    if not os.path.isfile(name):
        known = ", ".join(sorted(p.stem for p in _shipped_dir().glob("*.toml")))
        raise InputError(f"no shipped ruleset {text!r}; shipped: {known} (or give a path)",
                         field="ruleset")
    return name


def load_ruleset(ruleset: str | os.PathLike[str] = "dk-kiap") -> Ruleset:
    """A ruleset by id (one shipped with kiaprules) or by the path of a TOML file.

    The loader refuses unknown keys, values without a citation, dates out of
    order or repeated, inexact numbers (TOML floats) and values of the wrong
    kind, naming the file and the key.
    """
    name = ruleset_file(ruleset)
    data = read_bytes(name, what="ruleset file")
    digest = hashlib.sha256(data).digest()
    cached = _CACHE.get(name)
    if cached is not None and cached[0] == digest:
        return cached[1]
    result = _Loader(name).ruleset(parse_document(data, path=name, fmt="toml"))
    _CACHE[name] = (digest, result)
    return result
