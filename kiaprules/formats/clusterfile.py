"""The cluster input format, TOML and JSON alike (see docs/input-format.md).

A file holds one cluster::

    [cluster]
    name = "Køgeklyngen"
    cvr = "12345674"
    coordinator = "Anne Jensen"
    founded = 2018-09-12
    registered = 2018-10-03

    [[clinic]]
    provider_number = "012345"
    capacities = 2
    joined = 2018-09-12
    [clinic.patients]
    2018 = 3100

or many, the bulk form: ``[[clusters]]`` tables (JSON: ``{"clusters": [...]}``)
each with the cluster's own keys and its ``clinic`` list.

Errors name the file, the record and the field; records count from 1, as a
person reading the file counts them: ``clinic[2]`` is the second clinic.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import tomli_w

from kiaprules._files import check_keys, parse_document, read_document
from kiaprules._i18n import message
from kiaprules.errors import ConflictError, InputError, InputTypeError, KiapRulesError
from kiaprules.model.args import items_of
from kiaprules.model.calendar import parse_date
from kiaprules.model.canonical import cluster_to_dict, jsonable
from kiaprules.model.cluster import CapacityChange, Clinic, Cluster, Membership, check_overlaps

__all__ = [
    "cluster_from_dict",
    "clusters_from_data",
    "dumps_clusters",
    "load_cluster_documents",
    "load_clusters",
    "loads_clusters",
]

CLUSTER_KEYS: Final = frozenset({"name", "cvr", "coordinator", "founded", "registered"})
CLINIC_KEYS: Final = frozenset(
    {"provider_number", "capacities", "joined", "left", "switched_from", "patients"}
)
CLINIC_REQUIRED: Final = frozenset({"provider_number", "capacities", "joined"})


def _located(exc: KiapRulesError, path: str | None, record: str | None) -> KiapRulesError:
    return exc.located(path=path, record=record)


def _membership(raw: object, *, path: str | None, record: str) -> Membership:
    if not isinstance(raw, Mapping):
        raise InputError(f"must be a table, got {type(raw).__name__}", path=path, record=record,
                         code="input.wrong_type")
    pn = raw.get("provider_number")
    if isinstance(pn, str):
        record = f"{record} ({pn.strip()})"
    check_keys(raw, allowed=CLINIC_KEYS, required=CLINIC_REQUIRED, path=path, record=record)
    try:
        capacities, changes = _capacities(raw["capacities"], raw["joined"])
        clinic = Clinic(
            provider_number=raw["provider_number"],
            capacities=capacities,
            patients=raw.get("patients", {}),
            capacity_changes=changes,
        )
        return Membership(
            clinic=clinic,
            joined=raw["joined"],
            left=raw.get("left"),
            switched_from=raw.get("switched_from"),
            source=record,
            path=path,
        )
    except KiapRulesError as exc:
        raise _located(exc, path, record) from None


def _capacities(value: object, joined: object) -> tuple[Any, list[CapacityChange]]:
    """``capacities`` as the file gives it: a whole number, or a table of dated values
    whose first date is the day the clinic joined (C4):
    ``capacities = { "2019-03-01" = 2, "2021-01-01" = 3 }``."""
    if not isinstance(value, Mapping):
        return value, []
    items = list(value.items())
    if not items:
        raise InputError("must be a whole number or a table of dated values, got an empty "
                         "table", field="capacities", code="input.wrong_type")
    first, start = items[0]
    if parse_date(first, field=f"capacities.{first}") != parse_date(joined, field="joined"):
        raise InputError(f"the first date must be joined ({joined!s}): the capacities the "
                         f"membership starts with, got {first!s}", field="capacities",
                         code="input.date_order")
    changes = []
    for day, count in items[1:]:
        try:
            changes.append(CapacityChange(on=day, capacities=count))
        except KiapRulesError as exc:
            raise exc.located(field=f"capacities.{day}") from None
    return start, changes


def cluster_from_dict(
    data: Mapping[str, Any],
    clinics: Sequence[Any] | None = None,
    *,
    path: str | None = None,
    record: str = "cluster",
) -> Cluster:
    """A :class:`Cluster` from the plain data of a file (dates as dates or ISO text).

    ``data`` holds the cluster's keys; ``clinics`` its ``clinic`` records (by
    default ``data["clinic"]``, the bulk form).
    """
    if not isinstance(data, Mapping):
        raise InputError(f"must be a table, got {type(data).__name__}", path=path, record=record,
                         code="input.wrong_type")
    own = dict(data)
    if clinics is None:
        clinics = own.pop("clinic", [])
    check_keys(own, allowed=CLUSTER_KEYS, required={"name", "founded"}, path=path, record=record)
    name = own.get("name")
    label = f"{record} ({name.strip()})" if isinstance(name, str) and name.strip() else record
    if not isinstance(clinics, list):
        raise InputError("must be a list of [[clinic]] tables", path=path, record=label,
                         field="clinic", code="input.wrong_type")
    # In the bulk form a clinic's record names its cluster too: clusters[2] (...): clinic[1].
    prefix = f"{label}: " if record != "cluster" else ""
    memberships = [
        _membership(raw, path=path, record=f"{prefix}clinic[{i}]")
        for i, raw in enumerate(clinics, 1)
    ]
    kwargs = {k: own[k] for k in ("cvr", "coordinator", "registered") if k in own}
    try:
        return Cluster(name=own["name"], founded=own["founded"], memberships=memberships,
                       source=path, **kwargs)
    except KiapRulesError as exc:
        # A membership-level problem already names its record (clinic[i]).
        raise _located(exc, path, None if exc.record else label) from None


def _clusters_from_document(document: Mapping[str, Any], path: str | None, *,
                            consume: bool = False) -> tuple[Cluster, ...]:
    """The clusters of a parsed document. ``consume``: the document is ours alone, and each
    cluster's entry is let go once it is a :class:`Cluster`, so that a country's parsed
    text and its clusters are not all in memory at once."""
    if "clusters" in document:
        check_keys(document, allowed={"clusters"}, path=path)
        entries = document["clusters"]
        if not isinstance(entries, list) or not entries:
            raise InputError("must be a non-empty list of clusters", path=path, field="clusters",
                             code="input.wrong_type")
        clusters = []
        for i, entry in enumerate(entries):
            clusters.append(cluster_from_dict(entry, path=path, record=f"clusters[{i + 1}]"))
            if consume:
                entries[i] = None
        return tuple(clusters)
    check_keys(document, allowed={"cluster", "clinic"}, required={"cluster"}, path=path)
    clinics = document.get("clinic", [])
    return (cluster_from_dict(document["cluster"], clinics, path=path),)


def loads_clusters(text: str | bytes, *, fmt: str, path: str = "<string>") -> tuple[Cluster, ...]:
    """The clusters in ``text``, a TOML or JSON document (``fmt``).

    For a document already parsed (a mapping), :func:`clusters_from_data`.
    """
    if not isinstance(text, (str, bytes)):
        hint = " (for a mapping, clusters_from_data)" if isinstance(text, Mapping) else ""
        raise InputTypeError(f"must be the text of a TOML or JSON document{hint}, got "
                             f"{type(text).__name__}", field="text")
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
    except UnicodeEncodeError as exc:
        raise InputError(f"is not UTF-8 text (character {exc.start} is a lone surrogate)",
                         path=path, code="input.not_utf8") from None
    return _clusters_from_document(parse_document(data, path=path, fmt=fmt), path, consume=True)


def clusters_from_data(data: Mapping[str, Any], *, source: str = "<data>"
                       ) -> tuple[Cluster, ...]:
    """The clusters in ``data``: a cluster file's content as plain data (what a TOML or JSON
    parser gives, or what :func:`dumps_clusters` writes), one cluster or the bulk form.

    Dates may be :class:`datetime.date` objects or ISO text. Errors name
    ``source`` as the file, and the record and field as for a file.

    >>> [c.name for c in clusters_from_data({"cluster": {"name": "Nord", "founded": "2019-03-01"},
    ...                                      "clinic": []})]
    ['Nord']
    """
    if not isinstance(data, Mapping):
        raise InputTypeError(f"must be a cluster file's data (a mapping), got "
                             f"{type(data).__name__}", field="data")
    if not isinstance(source, str):
        raise InputTypeError(f"must be text, got {type(source).__name__}", field="source")
    return _clusters_from_document(data, source)


def load_clusters(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> tuple[Cluster, ...]:
    """Every cluster in the files at ``paths`` (one path or many).

    Across all the files, a provider number may be a member of only one
    cluster on any day; overlaps are refused with a :class:`ConflictError`
    naming both records. Clusters come back sorted by name.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    elif isinstance(paths, bytes) or not isinstance(paths, Iterable):
        raise InputTypeError(f"must be a path or a list of paths, got {type(paths).__name__}",
                             field="paths")
    def documents() -> Iterator[tuple[str, Mapping[str, Any]]]:
        for p in paths:
            document = read_document(p)  # first: it refuses what is not a path
            yield os.fspath(p), document

    return load_cluster_documents(documents())


def load_cluster_documents(documents: Iterable[tuple[str, Mapping[str, Any]]]
                           ) -> tuple[Cluster, ...]:
    """Every cluster in ``documents``, each a parsed file and the name it goes by
    (``"<stdin>"`` for standard input), checked as :func:`load_clusters` checks files.

    ``documents`` may be a generator: each document is made into clusters and
    let go before the next is read. The documents are consumed: a bulk
    document's entries are let go one by one as they become clusters (at 100×
    the country that keeps some 40 MB of parsed text and built clusters from
    being in memory at once).
    """
    clusters: list[Cluster] = []
    seen: dict[str, str] = {}
    for name, document in documents:
        bulk = "clusters" in document
        for i, cluster in enumerate(_clusters_from_document(document, name, consume=True), 1):
            record = f"clusters[{i}] ({cluster.name})" if bulk else f"cluster ({cluster.name})"
            if cluster.name in seen:
                raise ConflictError(
                    message("is also the name of {other}: names identify clusters",
                            other=seen[cluster.name]),
                    path=cluster.source, record=record, field="name",
                    code="conflict.duplicate_name")
            seen[cluster.name] = message("{record} in {path}", record=record, path=cluster.source)
            clusters.append(cluster)
        del document
    check_overlaps(clusters)
    return tuple(sorted(clusters, key=lambda c: c.name))


def _without_none(value: Any) -> Any:
    """``value`` without the keys whose value is ``None`` (TOML has no null)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def dumps_clusters(clusters: Cluster | Sequence[Cluster], *, fmt: str = "toml") -> str:
    """Clusters as a TOML or JSON document that :func:`loads_clusters` reads back equal.

    One cluster is written in the single form, several in the bulk form.
    """
    items = [clusters] if isinstance(clusters, Cluster) else \
        list(items_of(clusters, field="clusters", what="Cluster objects"))
    for c in items:
        if not isinstance(c, Cluster):
            raise InputTypeError(f"must be Cluster objects, got {type(c).__name__}",
                                 field="clusters")
    if len(items) == 1:
        document: dict[str, Any] = cluster_to_dict(items[0])
    else:
        document = {"clusters": [{**(d := cluster_to_dict(c))["cluster"], "clinic": d["clinic"]}
                                 for c in sorted(items, key=lambda c: c.name)]}
    if fmt == "toml":
        return tomli_w.dumps(_without_none(document))
    if fmt == "json":
        return json.dumps(jsonable(document), ensure_ascii=False, indent=2) + "\n"
    raise InputError(f"format must be toml or json, got {fmt!r}", field="format",
                     code="input.unknown_format")
