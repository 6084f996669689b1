"""Receipts: what an auditor needs to reproduce a payout computation later.

A receipt (JSON) holds the inputs in canonical form, the ruleset (its id,
fingerprint and whole content), the overrides, the policies, the years, the
library version and the result. :func:`verify_receipt` checks the embedded
ruleset against its fingerprint, recomputes the result under it, and reports
``identical`` or the first difference; apart from that verdict, it says how
the ruleset of that id shipped now differs from the embedded one, and, given
the input files, whether they are exactly the receipt's inputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from kiaprules._files import path_name, read_document
from kiaprules._i18n import Message, _, localize, message, nmessage, resolve_lang
from kiaprules._text import sanitize_lines, value_repr
from kiaprules._version import __version__
from kiaprules.engine.compute import compute_payouts, prepare
from kiaprules.engine.report import PayoutReport
from kiaprules.errors import InputError, InputTypeError, KiapRulesError
from kiaprules.formats.clusterfile import cluster_from_dict, load_clusters
from kiaprules.model.calendar import parse_date
from kiaprules.model.canonical import cluster_to_dict, inputs_fingerprint, jsonable
from kiaprules.model.cluster import Cluster
from kiaprules.rules.changes import ruleset_changes
from kiaprules.rules.loader import is_shipped, ruleset_by_id, ruleset_from_data
from kiaprules.rules.overrides import Override
from kiaprules.rules.ruleset import Ruleset

__all__ = ["Verification", "make_receipt", "verify_receipt", "write_receipt"]

FORMAT: Final = 1
_KEYS: Final = frozenset({"kiaprules_receipt", "library", "ruleset", "overrides", "policies",
                          "strict", "years", "inputs", "result"})
_RULESET_KEYS: Final = frozenset({"id", "fingerprint", "content"})
_LIBRARY_KEYS: Final = frozenset({"name", "version"})
_INPUT_KEYS: Final = frozenset({"fingerprint", "clusters"})


def _override_data(o: Override) -> dict[str, Any]:
    return {"parameter": o.parameter, "value": str(o.value), "start": o.start.isoformat(),
            "end": o.end.isoformat() if o.end else None}


def make_receipt(
    clusters: Sequence[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Sequence[int] | None = None,
    overrides: Sequence[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Compute the payouts and return the receipt as plain data."""
    run = prepare(clusters, ruleset, overrides=overrides, policies=policies, strict=strict)
    items, ovs, base = run.clusters, run.overrides, run.base
    report = compute_payouts(items, base, years=years, overrides=ovs, policies=policies,
                             strict=strict)
    return {
        "kiaprules_receipt": FORMAT,
        "library": {"name": "kiaprules", "version": __version__},
        "ruleset": {"id": base.id, "fingerprint": base.fingerprint, "content": base.to_data()},
        "overrides": [_override_data(o) for o in ovs],
        "policies": dict(sorted((policies or {}).items())),
        "strict": strict,
        "years": list(report.years),
        "inputs": {"fingerprint": inputs_fingerprint(items),
                   "clusters": [jsonable(cluster_to_dict(c)) for c in items]},
        "result": report.to_dict(),
    }


def _same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one file: by their resolved paths, or by device and
    inode (a hard link, a bind mount, a case-insensitive file system)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # either is absent (then it is no input), or unnamable
        return False


def _temporary_beside(name: str) -> tuple[str, int]:
    """A new file in the folder of ``name``, open for writing: its path and descriptor.

    Created exclusively, with the mode any new file gets (``0o666`` less the
    umask), so the receipt that replaces ``name`` is as readable as a file
    written in place would be.
    """
    folder, base = os.path.split(os.path.abspath(name))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base[:100]}.{secrets.token_hex(8)}.tmp")
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue


def write_receipt(
    path: str | os.PathLike[str],
    receipt: Mapping[str, Any],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write ``receipt`` (from :func:`make_receipt`) to ``path`` as JSON, atomically.

    The text goes to a new file in the same folder, which then replaces
    ``path`` in one step (:func:`os.replace`): whoever reads ``path`` sees the
    old file or the whole receipt, never part of one, and a failure leaves
    ``path`` as it was. (A symbolic link at ``path`` is replaced, not
    followed.)

    ``inputs`` are the files the computation read (cluster files, the
    ruleset file): a receipt written over one would destroy what it is a
    receipt of, so that is refused (:class:`InputError` naming ``path``)
    and nothing is written.
    """
    name = os.fspath(path)
    for given in inputs:
        other = os.fspath(given)
        if _same_file(name, other):
            same = "is" if os.path.abspath(name) == os.path.abspath(other) else \
                f"is the same file as {other}:"
            raise InputError(f"{same} one of the computation's inputs; a receipt is never "
                             "written over its inputs", path=name, field="receipt",
                             code="input.unwritable")
    try:
        text = json.dumps(receipt, ensure_ascii=False, indent=2, sort_keys=False,
                          allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise InputError(f"is not receipt data ({exc})", field="receipt",
                         code="input.not_a_receipt") from None
    temporary = None
    try:
        temporary, descriptor = _temporary_beside(name)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, name)
    except BaseException as exc:  # nothing left behind, whatever stopped the writing
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(exc, OSError):
            raise InputError(f"cannot be written ({exc.strerror})", path=name,
                             field="receipt", code="input.unwritable") from None
        raise


@attrs.frozen(kw_only=True)
class Verification:
    """The outcome of :func:`verify_receipt`: identical, or the first difference.

    ``identical`` is the verdict: the receipt recomputes to what it holds
    under the ruleset it was made with and, when input files were given,
    they are exactly its inputs. Apart from the verdict:
    ``ruleset_changed`` says when the ruleset of the receipt's id known now
    (shipped, or in a ``KIAPRULES_RULESETS`` folder) is no longer the one the
    receipt was made with, and ``ruleset_changes`` lists how
    (``operating_rate 2022 1.12 → 1.10``); ``inputs`` lists each cluster in
    which the files given differ from the receipt's inputs.
    """

    __repr__ = value_repr

    identical: bool
    difference: str | None
    notes: tuple[str, ...] = ()
    #: "the shipped dk-kiap has changed" (or the folder it is in now), when it has.
    ruleset_changed: str | None = None
    #: Each changed dated value, parameter or policy reading (empty when only text changed).
    ruleset_changes: tuple[str, ...] = ()
    #: Whether input files were compared with the receipt's inputs.
    inputs_checked: bool = False
    #: Each cluster missing from the files, extra in them, or changed, naming file and cluster.
    inputs: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.to_text(lang="en")

    def to_text(self, *, lang: str | None = None) -> str:
        """``identical``, or ``different:`` and the first difference, then the notes, how
        the ruleset changed and the inputs' differences; ``lang="da"`` (or
        ``$KIAPRULES_LANG``): in Danish (the paths into the receipt, the values quoted
        from it and the ruleset's changed values are shown as they are)."""
        lang = resolve_lang(lang)
        changed = None
        if self.ruleset_changed is not None:
            changed = _("{ruleset}: {changes}", lang).format(
                ruleset=localize(self.ruleset_changed, lang),
                changes=", ".join(self.ruleset_changes)
                or _("its text, not its figures or readings", lang))
        if self.identical:
            head = _("identical", lang) if changed is None else \
                _("identical under the ruleset it was made with; {changed}", lang).format(
                    changed=changed)
        else:
            head = _("different: {difference}", lang).format(
                difference=localize(self.difference or "", lang))
        lines = [head, *(localize(n, lang) for n in self.notes)]
        if changed is not None and not self.identical:
            lines.append(_("note: {changed}", lang).format(changed=changed))
        if self.inputs_checked and not self.inputs:
            lines.append(_("inputs: the files hold exactly the receipt's inputs", lang))
        elif self.inputs:
            if self.difference is not None and not self.difference.startswith("inputs:"):
                lines.append(_("inputs: the files are not the receipt's inputs either:", lang))
            lines.extend(f"  {localize(line, lang)}" for line in self.inputs)
        return sanitize_lines("\n".join(lines))


def _kind(value: Any) -> Message:
    """The JSON type of ``value``, as a difference names it."""
    if value is None:
        return message("null")
    if isinstance(value, bool):
        return message("a boolean")
    if isinstance(value, int):
        return message("an integer")
    if isinstance(value, float):
        return message("a number with a fraction")
    if isinstance(value, str):
        return message("text")
    return message("a list") if isinstance(value, list) else message("an object")


def _other(other: str) -> tuple[Message, Message, Message]:
    """What the receipt is compared with, as a difference names it: how it is named
    before a value, after "not", and as a whole."""
    if other == "recomputed":
        return message("recomputed"), message("recomputed"), message("the recomputation")
    if other == "file":
        return message("file"), message("file"), message("file")
    return message("read as"), message("read"), message("read as")


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def _as_json(value: Any) -> Any:
    """``value`` as JSON would read it back: lists, not tuples; text keys."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _first_difference(a: Any, b: Any, path: str = "result", *,
                      other: str = "recomputed") -> str | None:
    """The first place where ``a`` (the receipt's) and ``b`` differ, or ``None``.

    Types count as well as values: 2018 and 2018.0, true and 1 are equal in
    Python but are different JSON, and a receipt holds exactly what was
    written, so an edit to an equal value of another type is a difference.
    """
    named, not_named, whole = _other(other)
    if type(a) is not type(b):
        return message("{path}: receipt {value} ({kind}), {other} {theirs} ({their_kind})",
                       path=path, value=_shown(a), kind=_kind(a), other=named,
                       theirs=_shown(b), their_kind=_kind(b))
    if isinstance(a, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a:
                return message("{path}: not in the receipt, {other} {theirs}",
                               path=f"{path}.{key}", other=named, theirs=_shown(b[key]))
            if key not in b:
                return message("{path}: in the receipt, not {other}", path=f"{path}.{key}",
                               other=not_named)
            found = _first_difference(a[key], b[key], f"{path}.{key}", other=other)
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{path}[{i}]", other=other)
            if found:
                return found
        if len(a) != len(b):
            return message("{path}: the receipt has {n} entries, {other} {theirs}", path=path,
                           n=len(a), other=whole, theirs=len(b))
        return None
    if a != b:
        return message("{path}: receipt {value}, {other} {theirs}", path=path, value=_shown(a),
                       other=named, theirs=_shown(b))
    return None


def _field(receipt: Mapping[str, Any], key: str, kind: type, path: str | None, *,
           record: str = "receipt", name: str | None = None) -> Any:
    value = receipt.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InputError(f"must be {kind.__name__}, got {type(value).__name__}", path=path,
                         record=record, field=name or key, code="input.wrong_type")
    return value


def _table(receipt: Mapping[str, Any], key: str, keys: frozenset[str], path: str | None
           ) -> dict[str, Any]:
    """The object ``key`` of the receipt, with exactly ``keys``."""
    table: dict[str, Any] = _field(receipt, key, dict, path)
    if set(table) != keys:
        raise InputError(f"must have exactly {', '.join(sorted(keys))}; it has "
                         f"{', '.join(sorted(table)) or 'nothing'}", path=path,
                         record="receipt", field=key, code="input.not_a_receipt")
    return table


def _text(table: Mapping[str, Any], key: str, path: str | None, where: str) -> str:
    value: str = _field(table, key, str, path, name=f"{where}.{key}")
    return value


def _years(receipt: Mapping[str, Any], path: str | None) -> list[int]:
    """The receipt's years: whole numbers, as JSON integers (``2018``, not ``2018.0`` or
    ``"2018"``); whether they are years is checked with the computation's other inputs."""
    years: list[Any] = _field(receipt, "years", list, path)
    for year in years:
        if type(year) is not int:
            raise InputError(f"must be whole years (JSON integers), got {year!r}", path=path,
                             record="receipt", field="years", code="input.not_a_year")
    return years


def _clusters(inputs: Mapping[str, Any], path: str | None) -> list[Cluster]:
    raw_clusters = inputs["clusters"]
    if not isinstance(raw_clusters, list):
        raise InputError("must be a list", path=path, record="inputs", field="clusters",
                         code="input.wrong_type")
    clusters = []
    for i, c in enumerate(raw_clusters, 1):
        if not isinstance(c, dict) or "cluster" not in c:
            raise InputError("must hold a cluster", path=path, record=f"inputs.clusters[{i}]",
                             code="input.wrong_type")
        clusters.append(cluster_from_dict(c["cluster"], c.get("clinic", []),
                                          path=path, record=f"inputs.clusters[{i}]"))
    return clusters


def _overrides(receipt: Mapping[str, Any], path: str | None) -> list[Override]:
    overrides = []
    for i, o in enumerate(_field(receipt, "overrides", list, path), 1):
        record = f"overrides[{i}]"
        if not isinstance(o, dict) or set(o) != {"parameter", "value", "start", "end"}:
            raise InputError("must have parameter, value, start and end", path=path,
                             record=record, code="input.missing")
        for key in ("parameter", "value", "start"):
            if not isinstance(o[key], str):
                raise InputError(f"must be text, got {o[key]!r}", path=path, record=record,
                                 field=key, code="input.wrong_type")
        try:
            start = parse_date(o["start"], field="start")
            end = None if o["end"] is None else parse_date(o["end"], field="end")
        except KiapRulesError as exc:
            raise exc.located(path=path, record=record) from None
        overrides.append(Override(parameter=o["parameter"], value=o["value"], start=start,
                                  end=end))
    return overrides


def _policies(receipt: Mapping[str, Any], path: str | None) -> dict[str, str]:
    policies: dict[str, Any] = _field(receipt, "policies", dict, path)
    for key, value in policies.items():
        if not isinstance(value, str):
            raise InputError(f"must be text, got {value!r}", path=path, record="receipt",
                             field=key, code="input.wrong_type")
    return policies


def _different(difference: str, notes: Sequence[str] = ()) -> Verification:
    return Verification(identical=False, difference=difference, notes=tuple(notes))


#: What verify_receipt accepts as the receipt: its file, or its data.
ReceiptSource = str | os.PathLike[str] | Mapping[str, Any]
#: What verify_receipt accepts as inputs: cluster files, or clusters (named by their source).
InputSource = str | os.PathLike[str] | Cluster


def _receipt_data(receipt: object) -> tuple[str | None, dict[str, Any]]:
    """The receipt's path (``None`` for data) and its data, as JSON reads it back."""
    if isinstance(receipt, Mapping):
        try:
            return None, _as_json(receipt)
        except (TypeError, ValueError) as exc:
            raise InputError(f"is not receipt data ({exc})", field="receipt",
                             code="input.not_a_receipt") from None
    if not isinstance(receipt, (str, os.PathLike)):
        raise InputTypeError(f"must be the path of a receipt or its data (a mapping), got "
                             f"{type(receipt).__name__}", field="receipt")
    name = path_name(receipt, what="receipt")
    return name, read_document(name, fmt="json")


def _input_clusters(inputs: object) -> tuple[Cluster, ...]:
    """The clusters of ``inputs``: cluster files read together (so two files cannot both hold
    one cluster), and clusters given as objects."""
    if isinstance(inputs, (str, os.PathLike, Cluster)):
        inputs = [inputs]
    if isinstance(inputs, (bytes, Mapping)) or not isinstance(inputs, Iterable):
        raise InputTypeError(f"must be cluster files or clusters, got {type(inputs).__name__}",
                             field="inputs")
    given = list(inputs)
    for item in given:
        if not isinstance(item, (str, os.PathLike, Cluster)):
            raise InputTypeError(f"must be cluster files or clusters, got "
                                 f"{type(item).__name__}", field="inputs")
    if not given:
        raise InputError("name at least one cluster file", field="inputs", code="input.missing")
    clusters = list(load_clusters([i for i in given if not isinstance(i, Cluster)]))
    clusters.extend(i for i in given if isinstance(i, Cluster))
    return tuple(clusters)


def _clinic_key(clinic: Mapping[str, Any]) -> str:
    return message("clinic {number} (joined {joined})", number=clinic.get("provider_number"),
                   joined=clinic.get("joined"))


def _lstrip_dot(found: str) -> str:
    """``found`` without the dots that start it (a path from ``""``), still a message."""
    if isinstance(found, Message) and str(found.values.get("path", "")).startswith("."):
        return message(found.msgid, **{**found.values,
                                       "path": str(found.values["path"]).lstrip(".")})
    return found.lstrip(".")


def _cluster_difference(receipt: Any, given: Any) -> str:
    """The first difference between a cluster in the receipt and one read from a file, both
    in canonical form as JSON; clinics are named by provider number and joining day."""
    found = _first_difference(receipt["cluster"], given["cluster"], "cluster", other="file")
    if found:
        return found
    ours = {_clinic_key(c): c for c in receipt["clinic"]}
    theirs = {_clinic_key(c): c for c in given["clinic"]}
    for key in sorted(set(ours) | set(theirs)):
        if key not in theirs:
            return message("{key}: in the receipt, not in the file", key=key)
        if key not in ours:
            return message("{key}: in the file, not in the receipt", key=key)
        found = _first_difference(ours[key], theirs[key], "", other="file")
        if found:
            return message("{key}: {difference}", key=key, difference=_lstrip_dot(found))
    return message("its canonical form differs")  # pragma: no cover - always named


def _input_differences(receipt_clusters: Sequence[Cluster], given: Sequence[Cluster]
                       ) -> tuple[str, ...]:
    """Each cluster missing from ``given``, extra in it, or changed, naming file and cluster."""
    ours = {c.name: c for c in receipt_clusters}
    theirs = {c.name: c for c in given}
    found = []
    for name in sorted(set(ours) | set(theirs)):
        if name not in theirs:
            found.append(message("cluster {name}: in the receipt, in none of the files "
                                 "(missing)", name=repr(name)))
            continue
        where = theirs[name].source or "<data>"
        if name not in ours:
            found.append(message("{where}: cluster {name}: not in the receipt (extra)",
                                 where=where, name=repr(name)))
        elif inputs_fingerprint([ours[name]]) != inputs_fingerprint([theirs[name]]):
            detail = _cluster_difference(_as_json(jsonable(cluster_to_dict(ours[name]))),
                                         _as_json(jsonable(cluster_to_dict(theirs[name]))))
            found.append(message("{where}: cluster {name}: changed: {detail}", where=where,
                                 name=repr(name), detail=detail))
    return tuple(found)


def _ruleset_change(embedded: Ruleset, notes: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """Whether the ruleset of the embedded one's id known now differs from it, and how.

    Found by id among the known rulesets only: an id from a file never names a path.
    """
    current = ruleset_by_id(embedded.id)
    if current is None:
        notes.append(message("note: no ruleset {id} is shipped now; recomputed with the "
                             "embedded one", id=repr(embedded.id)))
        return None, ()
    if current.fingerprint == embedded.fingerprint:
        return None, ()
    where = (message("the shipped {id}", id=current.id) if is_shipped(current)
             else message("{id} (now {source})", id=current.id, source=str(current.source)))
    notes.append(message("note: the receipt's ruleset is {fingerprint}; {where} is now {now}",
                         fingerprint=embedded.fingerprint, where=where,
                         now=current.fingerprint))
    return message("{where} has changed", where=where), ruleset_changes(embedded, current)


def verify_receipt(
    receipt: ReceiptSource,
    *,
    inputs: Iterable[InputSource] | InputSource | None = None,
) -> Verification:
    """Recompute a receipt, given as the path of its file or as its data (a mapping, as
    :func:`make_receipt` gives it); raise :class:`InputError` if it is malformed.

    Every part of the receipt is held to what it claims: the embedded
    ruleset to its id and fingerprint; the years and strict flag to the
    result's years and policies; the inputs and overrides to their canonical
    form; the result, value and JSON type, to the recomputation under the
    embedded ruleset. When the ruleset of that id known now (shipped, or in
    a ``KIAPRULES_RULESETS`` folder, looked up by id: an id is never a path)
    differs from the embedded one, that is said apart from the verdict,
    with each changed value (:attr:`Verification.ruleset_changes`).

    ``inputs`` (cluster files, or :class:`Cluster` objects) are checked to
    be exactly the receipt's inputs, by the canonical fingerprint the
    receipt stores; each cluster missing from them, extra in them, or
    changed is named with its file (:attr:`Verification.inputs`).
    """
    name, receipt = _receipt_data(receipt)
    given = None if inputs is None else _input_clusters(inputs)
    verification = _verify(name, receipt)
    if given is None:
        return verification
    stored = receipt["inputs"]["fingerprint"]
    if inputs_fingerprint(given) == stored:
        return attrs.evolve(verification, inputs_checked=True)
    try:
        ours = _clusters(receipt["inputs"], name)
    except KiapRulesError as exc:
        raise exc.located(path=name, record="receipt") from None
    differences = _input_differences(ours, given) or (
        message("the files' clusters hash to another fingerprint than the receipt's"),)
    difference = verification.difference
    if verification.identical:
        count = len(differences)
        difference = nmessage("inputs: the files are not the receipt's inputs ({n} cluster "
                              "differs)", "inputs: the files are not the receipt's inputs ({n} "
                              "clusters differ)", count)
    return attrs.evolve(verification, identical=False, difference=difference,
                        inputs_checked=True, inputs=differences)


def _verify(name: str | None, receipt: dict[str, Any]) -> Verification:
    """:func:`verify_receipt` of the receipt's data, read from ``name`` (``None``: given as
    data)."""
    missing = sorted(_KEYS - set(receipt))
    unknown = sorted(set(receipt) - _KEYS)
    if missing or unknown:
        raise InputError(f"is not a kiaprules receipt (missing: {', '.join(missing) or '-'}; "
                         f"unknown: {', '.join(unknown) or '-'})", path=name,
                         field=None if name else "receipt", code="input.not_a_receipt")
    marker = receipt["kiaprules_receipt"]
    if type(marker) is not int or marker != FORMAT:
        raise InputError(f"receipt format {marker!r} is not {FORMAT}",
                         path=name, field="kiaprules_receipt", code="input.not_a_receipt")
    rs_info = _table(receipt, "ruleset", _RULESET_KEYS, name)
    claimed_id = _text(rs_info, "id", name, "ruleset")
    claimed_fingerprint = _text(rs_info, "fingerprint", name, "ruleset")
    library = _table(receipt, "library", _LIBRARY_KEYS, name)
    if _text(library, "name", name, "library") != "kiaprules":
        raise InputError(f"was written by {library['name']!r}, not by kiaprules", path=name,
                         record="receipt", field="library.name", code="input.not_a_receipt")
    version = _text(library, "version", name, "library")
    inputs = _table(receipt, "inputs", _INPUT_KEYS, name)
    try:
        embedded = ruleset_from_data(rs_info["content"],
                                     source=f"{name}: ruleset.content" if name
                                     else "ruleset.content")
    except KiapRulesError as exc:
        return _different(message("the embedded ruleset is not valid: {error}",
                                  error=str(exc)))
    if embedded.fingerprint != claimed_fingerprint:
        return _different(message(
            "ruleset.content has fingerprint {fingerprint}, but the receipt claims {claimed}: "
            "the embedded ruleset was changed", fingerprint=embedded.fingerprint,
            claimed=claimed_fingerprint))
    if embedded.id != claimed_id:
        return _different(message("ruleset.id: the receipt names ruleset {claimed}, but its "
                                  "content is ruleset {id}", claimed=repr(claimed_id),
                                  id=repr(embedded.id)))
    notes: list[str] = []
    changed, changes = _ruleset_change(embedded, notes)
    if version != __version__:
        notes.append(message("note: the receipt was made by kiaprules {version}, this is "
                             "{this}", version=version, this=__version__))
    found = _recompute(name, receipt, inputs, embedded)
    return Verification(identical=found is None, difference=found, notes=tuple(notes),
                        ruleset_changed=changed, ruleset_changes=changes)


def _recompute(name: str | None, receipt: dict[str, Any], inputs: Mapping[str, Any],
               embedded: Ruleset) -> str | None:
    """The first difference between the receipt and its recomputation under ``embedded``."""
    stored_result = receipt["result"]
    try:
        clusters = _clusters(inputs, name)
        overrides = _overrides(receipt, name)
        years, policies = _years(receipt, name), _policies(receipt, name)
        strict = _field(receipt, "strict", bool, name)
        run = prepare(clusters, embedded, years=years, overrides=overrides, policies=policies,
                      strict=strict)
        # What the receipt says it computed, against what its result says was computed,
        # before recomputing (which a changed year range or strict flag may make
        # impossible: a year without patient counts, a rate no source publishes).
        if years != list(run.years):
            return message("years: receipt {years}, not years in increasing order each "
                           "once, as a receipt lists them", years=_shown(years))
        if isinstance(stored_result, dict):
            for key, recomputed_value in (("policies", run.policies),
                                          ("years", list(run.years))):
                if key in stored_result:
                    found = _first_difference(stored_result[key], recomputed_value,
                                              f"result.{key}")
                    if found:
                        return found
        report: PayoutReport = compute_payouts(clusters, embedded, years=years,
                                               overrides=overrides, policies=policies,
                                               strict=strict)
    except KiapRulesError as exc:
        raise exc.located(path=name, record="receipt") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"malformed receipt: {exc}", path=name,
                         code="input.not_a_receipt") from None
    recomputed_result = _as_json(report.to_dict())
    # The amounts first (the most telling difference), then the result's
    # fingerprint of its inputs. Receipts from before reports carried that
    # fingerprint have none: the receipt's own inputs.fingerprint covers them.
    recomputed_inputs = recomputed_result.pop("inputs")
    stored_inputs = stored_result.pop("inputs", None) if isinstance(stored_result, dict) \
        else None
    difference = _first_difference(stored_result, recomputed_result)
    if difference is None and stored_inputs is not None:
        difference = _first_difference(stored_inputs, recomputed_inputs, "result.inputs")
    stored = inputs["fingerprint"]
    recomputed = inputs_fingerprint(clusters)
    if difference is None and stored != recomputed:
        difference = message("inputs.fingerprint: receipt {stored}, the inputs it holds hash "
                             "to {recomputed}: the inputs were changed", stored=stored,
                             recomputed=recomputed)
    # The inputs and overrides exactly as a receipt writes them: an edit the readers
    # normalise away (a name with a space added, a date written another way) is still
    # an edit.
    if difference is None:
        difference = _first_difference(
            inputs["clusters"], _as_json([jsonable(cluster_to_dict(c)) for c in clusters]),
            "inputs.clusters", other="read as")
    if difference is None:
        difference = _first_difference(receipt["overrides"],
                                       [_override_data(o) for o in overrides], "overrides",
                                       other="read as")
    return difference
