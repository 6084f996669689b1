"""Loading rulesets: by id (shipped, or in a ``KIAPRULES_RULESETS`` folder), from a file by
path, or from data; optionally pinned to a fingerprint (``dk-kiap@sha256:…``).

The loader refuses unknown keys, values without a citation, dates out of
order or repeated, inexact numbers (TOML floats) and values of the wrong
kind, naming the file and the key (docs/ruleset-format.md).
"""

from __future__ import annotations

import hashlib
import os
import re
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

__all__ = ["RULESETS_VARIABLE", "available_rulesets", "is_shipped", "load_ruleset",
           "ruleset_by_id", "ruleset_file", "ruleset_folders", "ruleset_from_data", "split_pin"]

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

    def fail(self, reason: str, key: str, code: str = "ruleset.malformed") -> RulesetError:
        return RulesetError(reason, path=self.path, field=key, code=code)

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
                                f"{key}.{k}" if key else k, code="ruleset.unknown_key")
        for k in required:
            if k not in table:
                raise self.fail(message("is missing"), f"{key}.{k}" if key else k,
                                code="ruleset.missing")

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
                            f"{', '.join(sorted(documents))}", f"{key}.document",
                            code="ruleset.unknown_document")
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
                    raise self.fail("is missing", f"{vkey}.value", code="ruleset.missing")
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
                    "without overlaps", f"{vkey}.from", code="ruleset.date_order")
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


#: The environment variable naming more folders of rulesets, separated by os.pathsep.
RULESETS_VARIABLE: Final = "KIAPRULES_RULESETS"


def ruleset_folders() -> list[str]:
    """The folders a ruleset id is looked up in: the shipped one, then each folder of
    ``KIAPRULES_RULESETS`` in the order given.

    The variable is read on every call, never at import: a service that
    sets it later, or a test that changes it, is heard. Empty entries are
    skipped, and a folder given twice (or the shipped one again) counts
    once; an entry that is not a folder is refused, naming it.
    """
    folders = [str(_shipped_dir())]
    seen = {os.path.realpath(folders[0])}
    for entry in os.environ.get(RULESETS_VARIABLE, "").split(os.pathsep):
        if not entry.strip():
            continue
        if not os.path.isdir(entry):
            raise InputError(f"{entry!r} is not a folder (it names folders of ruleset files, "
                             f"separated by {os.pathsep!r})", field=RULESETS_VARIABLE,
                             code="input.unreadable")
        real = os.path.realpath(entry)
        if real not in seen:
            seen.add(real)
            folders.append(entry)
    return folders


def is_shipped(ruleset: Ruleset) -> bool:
    """Whether ``ruleset`` was read from the folder of the rulesets shipped with kiaprules."""
    if ruleset.source is None:
        return False
    return os.path.dirname(os.path.realpath(ruleset.source)) == os.path.realpath(_shipped_dir())


def _ruleset_files() -> dict[str, str]:
    """Every ruleset file of :func:`ruleset_folders`, by id (its name without ``.toml``);
    an id found in two folders is refused, naming both files."""
    found: dict[str, str] = {}
    for folder in ruleset_folders():
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:  # a folder that cannot be listed: one line, naming it
            raise InputError(f"{folder!r} cannot be read ({exc.strerror})",
                             field=RULESETS_VARIABLE, code="input.unreadable") from None
        for name in names:
            if not name.endswith(".toml") or name == ".toml":
                continue
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            ruleset_id = name[:-len(".toml")]
            if ruleset_id in found:
                raise _twice(ruleset_id, found[ruleset_id], path)
            found[ruleset_id] = path
    return found


def _twice(ruleset_id: str, first: str, second: str) -> InputError:
    return InputError(f"ruleset id {ruleset_id!r} is in two places, {first} and {second}; an "
                      f"id must name one ruleset (rename one, or give a path)", field="ruleset",
                      code="input.ambiguous")


def _load_by_id(ruleset_id: str, path: str) -> Ruleset:
    """The ruleset in ``path``, found by ``ruleset_id``: the file must hold that ruleset."""
    ruleset = _read(path)
    if ruleset.id != ruleset_id:
        raise RulesetError(f"is {ruleset.id!r}, but the file is named {ruleset_id}.toml; a "
                           "ruleset found by its id must hold the ruleset of that id",
                           path=path, field="ruleset.id", code="ruleset.malformed")
    return ruleset


def available_rulesets() -> list[Ruleset]:
    """Every ruleset an id can name, sorted by id: the shipped ones, and those in the
    folders of ``KIAPRULES_RULESETS`` (read now); an id in two places is refused."""
    return [_load_by_id(i, p) for i, p in sorted(_ruleset_files().items())]


def ruleset_by_id(ruleset_id: str) -> Ruleset | None:
    """The ruleset an id names now (shipped, or in a ``KIAPRULES_RULESETS`` folder), or ``None``.

    The id is only compared with the known rulesets' own ids; it never
    becomes part of a path. So an id read from data (a receipt's) cannot
    name a file: ``"/dev/zero"`` or ``"../../etc/passwd"`` is simply no
    ruleset.
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
        raise RulesetError(f"must be a table, got {type(data).__name__}", path=source,
                           code="ruleset.malformed")
    return _Loader(source).ruleset(data)


#: What pins a ruleset to its figures: ``ID@sha256:<64 hex digits>`` or ``PATH@sha256:…``.
_PIN: Final = "@sha256:"
_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")


def split_pin(ruleset: str) -> tuple[str, str | None]:
    """``"dk-kiap@sha256:<hex>"`` as ``("dk-kiap", "sha256:<hex>")``; without a pin, ``None``.

    >>> split_pin("dk-kiap")
    ('dk-kiap', None)
    >>> split_pin("my.toml@sha256:" + "AB" * 32)[1] == "sha256:" + "ab" * 32
    True
    """
    name, pin, digits = ruleset.rpartition(_PIN)
    if not pin:
        return ruleset, None
    if not name or not _HEX.fullmatch(digits):
        raise InputError(f"a pinned ruleset is ID@sha256: or PATH@sha256: and the 64 "
                         f"hexadecimal digits of its fingerprint, got {ruleset!r}",
                         field="ruleset", code="input.syntax")
    return name, "sha256:" + digits.lower()


def _ruleset_text(ruleset: object) -> str:
    if not isinstance(ruleset, (str, os.PathLike)):
        raise InputTypeError(f"must be a ruleset id or the path of a ruleset file, got "
                             f"{type(ruleset).__name__}", field="ruleset")
    text = os.fspath(ruleset)
    return text if isinstance(text, str) else os.fsdecode(text)


def _is_path(text: str) -> bool:
    return suffix(text) == ".toml" or os.sep in text or "/" in text


def ruleset_file(ruleset: str | os.PathLike[str]) -> str:
    """The file :func:`load_ruleset` reads for ``ruleset``: a path as given, or an id's.

    A name ending in ``.toml`` or holding a path separator is a path; any
    other name is the id of a ruleset, looked up as ``ID.toml`` in the
    shipped folder and in the folders of ``KIAPRULES_RULESETS``
    (:func:`ruleset_folders`). An id found in none is refused, and so is
    one found in two (a shipped id is never shadowed). A pin
    (``@sha256:…``) is left out: it says what the file must hold.
    """
    text, _ = split_pin(_ruleset_text(ruleset))
    if _is_path(text):
        return str(Path(text))  # a caller's path, spelled as pathlib spells it
    # A ruleset's id: the file ID.toml in one of the folders.
    folders = ruleset_folders()
    found = [os.path.join(f, f"{text}.toml") for f in folders]
    found = [f for f in found if os.path.isfile(f)]
    if len(found) > 1:
        raise _twice(text, found[0], found[1])
    if not found:
        known = ", ".join(sorted(_ruleset_files()))
        if len(folders) == 1:
            raise InputError(f"no shipped ruleset {text!r}; shipped: {known} (or give a path)",
                             field="ruleset", code="input.unknown_ruleset")
        raise InputError(f"no ruleset {text!r}, shipped or in {RULESETS_VARIABLE}; known: "
                         f"{known} (or give a path)", field="ruleset", code="input.unknown_ruleset")
    return found[0]


def load_ruleset(ruleset: str | os.PathLike[str] = "dk-kiap") -> Ruleset:
    """A ruleset by id (shipped, or in a ``KIAPRULES_RULESETS`` folder) or by the path of a
    TOML file, optionally pinned to its fingerprint: ``"dk-kiap@sha256:<64 hex>"``.

    The loader refuses unknown keys, values without a citation, dates out of
    order or repeated, inexact numbers (TOML floats) and values of the wrong
    kind, naming the file and the key. A pinned ruleset whose fingerprint is
    not the pin is refused (:class:`InputError` on the field ``ruleset``,
    with both fingerprints).
    """
    text, pinned = split_pin(_ruleset_text(ruleset))
    name, by_path = ruleset_file(text), _is_path(text)
    result = _read(name) if by_path else _load_by_id(text, name)
    if pinned is not None and result.fingerprint != pinned:
        # A path names itself in the error; an id is named in the reason.
        raise InputError(f"{'' if by_path else repr(text) + ' '}has fingerprint "
                         f"{result.fingerprint}, not the pinned {pinned}",
                         path=name if by_path else None, field="ruleset",
                         code="input.fingerprint_mismatch")
    return result


def _read(name: str) -> Ruleset:
    """The ruleset file ``name``, parsed again only when its bytes changed."""
    data = read_bytes(name, what="ruleset file")
    digest = hashlib.sha256(data).digest()
    cached = _CACHE.get(name)
    if cached is not None and cached[0] == digest:
        return cached[1]
    result = _Loader(name).ruleset(parse_document(data, path=name, fmt="toml"))
    _CACHE[name] = (digest, result)
    return result
