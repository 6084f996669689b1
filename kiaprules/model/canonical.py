"""The canonical form of clusters: plain data in the file layout, and its fingerprint.

Equal clusters have equal canonical forms however they were written (TOML
or JSON, any order of clinics or clusters). The form is what a receipt
embeds and what :func:`inputs_fingerprint` hashes; the file formats
(:mod:`kiaprules.formats.clusterfile`) write it and read it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from kiaprules.model.cluster import Cluster, Membership

__all__ = ["cluster_to_dict", "inputs_fingerprint", "jsonable"]


def _clinic_to_dict(m: Membership) -> dict[str, Any]:
    out: dict[str, Any] = {
        "provider_number": str(m.provider_number),
        "capacities": m.clinic.capacities if not m.clinic.capacity_changes else {
            m.joined.isoformat(): m.clinic.capacities,
            **{c.on.isoformat(): c.capacities for c in m.clinic.capacity_changes}},
        "joined": m.joined,
        "left": m.left,
        "switched_from": m.switched_from,
        "patients": {str(year): count for year, count in m.clinic.patients.items()},
    }
    return {k: v for k, v in out.items() if v is not None}


def cluster_to_dict(cluster: Cluster) -> dict[str, Any]:
    """The cluster as plain data in the file layout (``cluster`` and ``clinic``)."""
    head: dict[str, Any] = {
        "name": cluster.name,
        "cvr": str(cluster.cvr) if cluster.cvr else None,
        "coordinator": cluster.coordinator,
        "founded": cluster.founded,
        "registered": cluster.registered,
    }
    return {
        "cluster": {k: v for k, v in head.items() if v is not None},
        "clinic": [_clinic_to_dict(m) for m in cluster.memberships],
    }


def jsonable(value: Any) -> Any:
    """``value`` with every date written as ISO text, as JSON holds it."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _isoformat(value: Any) -> str:
    """A date as :func:`jsonable` writes it (the JSON encoder asks for nothing else)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} in a canonical form")


def inputs_fingerprint(clusters: Sequence[Cluster]) -> str:
    """sha256 of the clusters in canonical form: sorted by name, the file layout as JSON.

    Equal for equal inputs however they were written (TOML or JSON, any
    order of clinics or clusters); any change to any input changes it.

    The text hashed is the JSON array of the clusters' canonical forms, keys
    sorted, without spaces; it is hashed a cluster at a time, so that a
    country's fingerprint never holds the country's text in memory:

    >>> from kiaprules import load_clusters
    >>> koege = load_clusters("examples/koegeklyngen.toml")
    >>> whole = json.dumps([cluster_to_dict(c) for c in koege], sort_keys=True,
    ...                    ensure_ascii=False, separators=(",", ":"), default=_isoformat)
    >>> inputs_fingerprint(koege)[7:] == hashlib.sha256(whole.encode()).hexdigest()
    True
    """
    digest = hashlib.sha256()
    separator = b"["
    for cluster in sorted(clusters, key=lambda c: c.name):
        text = json.dumps(cluster_to_dict(cluster), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"), default=_isoformat)
        digest.update(separator + text.encode("utf-8"))
        separator = b","
    digest.update(b"]" if separator == b"," else b"[]")
    return "sha256:" + digest.hexdigest()
