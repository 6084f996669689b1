"""Receipts: what an auditor needs to reproduce a payout computation later.

A receipt (JSON) holds the inputs in canonical form, the ruleset (its id,
fingerprint and whole content), the overrides, the policies, the years, the
library version and the result. :func:`verify_receipt` checks the embedded
ruleset against its fingerprint and against the ruleset of that id shipped
now, recomputes the result, and reports ``identical`` or the first
difference.
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
from kiaprules._i18n import Message, _, localize, message, resolve_lang
from kiaprules._text import sanitize_lines, value_repr
from kiaprules._version import __version__
from kiaprules.engine.compute import compute_payouts, prepare
from kiaprules.engine.report import PayoutReport
from kiaprules.errors import InputError, KiapRulesError
from kiaprules.formats.clusterfile import cluster_from_dict
from kiaprules.model.calendar import parse_date
from kiaprules.model.canonical import cluster_to_dict, inputs_fingerprint, jsonable
from kiaprules.model.cluster import Cluster
from kiaprules.rules.loader import ruleset_from_data, shipped_ruleset
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
                             "written over its inputs", path=name, field="receipt")
    try:
        text = json.dumps(receipt, ensure_ascii=False, indent=2, sort_keys=False,
                          allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:
        raise InputError(f"is not receipt data ({exc})", field="receipt") from None
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
                             field="receipt") from None
        raise


@attrs.frozen(kw_only=True)
class Verification:
    """The outcome of :func:`verify_receipt`: identical, or the first difference."""

    __repr__ = value_repr

    identical: bool
    difference: str | None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.to_text(lang="en")

    def to_text(self, *, lang: str | None = None) -> str:
        """``identical``, or ``different:`` and the first difference, then the notes;
        ``lang="da"`` (or ``$KIAPRULES_LANG``): in Danish (the paths into the receipt and
        the values quoted from it are shown as they are)."""
        lang = resolve_lang(lang)
        head = (_("identical", lang) if self.identical else _("different: {difference}", lang)
                .format(difference=localize(self.difference or "", lang)))
        return sanitize_lines("\n".join([head, *(localize(n, lang) for n in self.notes)]))


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


def _field(receipt: Mapping[str, Any], key: str, kind: type, path: str, *,
           record: str = "receipt", name: str | None = None) -> Any:
    value = receipt.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InputError(f"must be {kind.__name__}, got {type(value).__name__}", path=path,
                         record=record, field=name or key)
    return value


def _table(receipt: Mapping[str, Any], key: str, keys: frozenset[str], path: str
           ) -> dict[str, Any]:
    """The object ``key`` of the receipt, with exactly ``keys``."""
    table: dict[str, Any] = _field(receipt, key, dict, path)
    if set(table) != keys:
        raise InputError(f"must have exactly {', '.join(sorted(keys))}; it has "
                         f"{', '.join(sorted(table)) or 'nothing'}", path=path,
                         record="receipt", field=key)
    return table


def _text(table: Mapping[str, Any], key: str, path: str, where: str) -> str:
    value: str = _field(table, key, str, path, name=f"{where}.{key}")
    return value


def _years(receipt: Mapping[str, Any], path: str) -> list[int]:
    """The receipt's years: whole numbers, as JSON integers (``2018``, not ``2018.0`` or
    ``"2018"``); whether they are years is checked with the computation's other inputs."""
    years: list[Any] = _field(receipt, "years", list, path)
    for year in years:
        if type(year) is not int:
            raise InputError(f"must be whole years (JSON integers), got {year!r}", path=path,
                             record="receipt", field="years")
    return years


def _clusters(inputs: Mapping[str, Any], path: str) -> list[Cluster]:
    raw_clusters = inputs["clusters"]
    if not isinstance(raw_clusters, list):
        raise InputError("must be a list", path=path, record="inputs", field="clusters")
    clusters = []
    for i, c in enumerate(raw_clusters, 1):
        if not isinstance(c, dict) or "cluster" not in c:
            raise InputError("must hold a cluster", path=path, record=f"inputs.clusters[{i}]")
        clusters.append(cluster_from_dict(c["cluster"], c.get("clinic", []),
                                          path=path, record=f"inputs.clusters[{i}]"))
    return clusters


def _overrides(receipt: Mapping[str, Any], path: str) -> list[Override]:
    overrides = []
    for i, o in enumerate(_field(receipt, "overrides", list, path), 1):
        record = f"overrides[{i}]"
        if not isinstance(o, dict) or set(o) != {"parameter", "value", "start", "end"}:
            raise InputError("must have parameter, value, start and end", path=path,
                             record=record)
        for key in ("parameter", "value", "start"):
            if not isinstance(o[key], str):
                raise InputError(f"must be text, got {o[key]!r}", path=path, record=record,
                                 field=key)
        try:
            start = parse_date(o["start"], field="start")
            end = None if o["end"] is None else parse_date(o["end"], field="end")
        except KiapRulesError as exc:
            raise exc.located(path=path, record=record) from None
        overrides.append(Override(parameter=o["parameter"], value=o["value"], start=start,
                                  end=end))
    return overrides


def _policies(receipt: Mapping[str, Any], path: str) -> dict[str, str]:
    policies: dict[str, Any] = _field(receipt, "policies", dict, path)
    for key, value in policies.items():
        if not isinstance(value, str):
            raise InputError(f"must be text, got {value!r}", path=path, record="receipt",
                             field=key)
    return policies


def _different(difference: str, notes: Sequence[str] = ()) -> Verification:
    return Verification(identical=False, difference=difference, notes=tuple(notes))


def verify_receipt(path: str | os.PathLike[str]) -> Verification:
    """Recompute the receipt at ``path``; raise :class:`InputError` if it is malformed.

    Every part of the receipt is held to what it claims: the embedded
    ruleset to its id and fingerprint, and to the ruleset of that id shipped
    now (looked up among the shipped rulesets by id: an id is never a
    path); the years and strict flag to the result's years and policies;
    the inputs and overrides to their canonical form; the result, value and
    JSON type, to the recomputation.
    """
    name = path_name(path, what="receipt")
    receipt = read_document(name, fmt="json")
    missing = sorted(_KEYS - set(receipt))
    unknown = sorted(set(receipt) - _KEYS)
    if missing or unknown:
        raise InputError(f"is not a kiaprules receipt (missing: {', '.join(missing) or '-'}; "
                         f"unknown: {', '.join(unknown) or '-'})", path=name)
    marker = receipt["kiaprules_receipt"]
    if type(marker) is not int or marker != FORMAT:
        raise InputError(f"receipt format {marker!r} is not {FORMAT}",
                         path=name, field="kiaprules_receipt")
    rs_info = _table(receipt, "ruleset", _RULESET_KEYS, name)
    claimed_id = _text(rs_info, "id", name, "ruleset")
    claimed_fingerprint = _text(rs_info, "fingerprint", name, "ruleset")
    library = _table(receipt, "library", _LIBRARY_KEYS, name)
    if _text(library, "name", name, "library") != "kiaprules":
        raise InputError(f"was written by {library['name']!r}, not by kiaprules", path=name,
                         record="receipt", field="library.name")
    version = _text(library, "version", name, "library")
    inputs = _table(receipt, "inputs", _INPUT_KEYS, name)
    try:
        embedded = ruleset_from_data(rs_info["content"], source=f"{name}: ruleset.content")
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
    notes = []
    # By id among the shipped rulesets only: an id from a file never names a path.
    current = shipped_ruleset(embedded.id)
    if current is None:
        notes.append(message("note: no ruleset {id} is shipped now; recomputed with the "
                             "embedded one", id=repr(embedded.id)))
    elif current.fingerprint != embedded.fingerprint:
        return _different(message(
            "ruleset {id} has changed since the receipt: it is now {fingerprint}, the receipt "
            "used {used}", id=repr(embedded.id), fingerprint=current.fingerprint,
            used=embedded.fingerprint))
    if version != __version__:
        notes.append(message("note: the receipt was made by kiaprules {version}, this is "
                             "{this}", version=version, this=__version__))
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
            return _different(message("years: receipt {years}, not years in increasing order "
                                      "each once, as a receipt lists them",
                                      years=_shown(years)), notes)
        if isinstance(stored_result, dict):
            for key, recomputed_value in (("policies", run.policies),
                                          ("years", list(run.years))):
                if key in stored_result:
                    found = _first_difference(stored_result[key], recomputed_value,
                                              f"result.{key}")
                    if found:
                        return _different(found, notes)
        report: PayoutReport = compute_payouts(clusters, embedded, years=years,
                                               overrides=overrides, policies=policies,
                                               strict=strict)
    except KiapRulesError as exc:
        raise exc.located(path=name, record="receipt") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"malformed receipt: {exc}", path=name) from None
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
    return Verification(identical=difference is None, difference=difference,
                        notes=tuple(notes))
