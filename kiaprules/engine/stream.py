"""Payouts one cluster at a time: the report's contents without the whole report in memory.

:func:`stream_payouts` checks its arguments as :func:`compute_payouts` does,
once for all clusters (the overlap check included), and returns a
:class:`PayoutStream`. Iterating it computes each cluster's payouts when it
is asked for, with every other cluster consulted for cluster switches (C3),
and forgets them once the caller moves on: what it holds at any moment
grows with the largest cluster, not with the country.

Its JSON Lines form (:meth:`PayoutStream.jsonl_lines`, ``kiaprules payouts
--format jsonl``) is the JSON contract split into lines: a head line with
the report's ``ruleset``, ``inputs``, ``policies``, ``overrides`` and
``years``, one line per cluster (an entry of the report's ``clusters``),
and a last line with its ``warnings`` (docs/json-format.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from kiaprules.engine.compute import Computation, prepare
from kiaprules.engine.pricing import price_each
from kiaprules.engine.quantities import aggregate_each, cluster_warnings, rules_in_force
from kiaprules.engine.report import ClusterPayouts, jsonl_lines, report_head
from kiaprules.model.canonical import inputs_fingerprint
from kiaprules.model.cluster import Cluster
from kiaprules.rules.overrides import Override
from kiaprules.rules.ruleset import Ruleset

__all__ = ["PayoutStream", "stream_payouts"]


@attrs.frozen(kw_only=True)
class PayoutStream:
    """What :func:`stream_payouts` returns: a computation, checked, not yet run.

    Iterating it gives, cluster by cluster in name order, each cluster's
    :class:`ClusterPayouts` and the warnings about that cluster as a whole
    (those of :attr:`PayoutReport.warnings`), each computed when it is asked
    for. Every iteration computes afresh; the stream itself holds only its
    inputs.
    """

    computation: Computation = attrs.field(repr=False)

    @property
    def ruleset_id(self) -> str:
        return self.computation.ruleset.id

    @property
    def fingerprint(self) -> str:
        """The ruleset's fingerprint, overrides included."""
        return self.computation.ruleset.fingerprint

    @property
    def policies(self) -> dict[str, str]:
        return dict(self.computation.policies)

    @property
    def overrides(self) -> tuple[str, ...]:
        return tuple(str(o) for o in self.computation.overrides)

    @property
    def years(self) -> tuple[int, ...]:
        return self.computation.years

    @property
    def inputs_fingerprint(self) -> str:
        """sha256 of the inputs in canonical form, as :attr:`PayoutReport.inputs_fingerprint`."""
        return inputs_fingerprint(self.computation.clusters)

    def __len__(self) -> int:
        """How many clusters the stream computes (the report's ``inputs.clusters``)."""
        return len(self.computation.clusters)

    def __repr__(self) -> str:
        years = self.years
        return (f"<PayoutStream {self.ruleset_id} clusters={len(self)} "
                f"years={years[0] if years else ''}-{years[-1] if years else ''}>")

    def head(self) -> dict[str, Any]:
        """The report's first keys: ``ruleset``, ``inputs``, ``policies``, ``overrides``,
        ``years``, as :meth:`PayoutReport.to_dict` gives them."""
        return report_head(ruleset_id=self.ruleset_id, fingerprint=self.fingerprint,
                           inputs_fingerprint=self.inputs_fingerprint, clusters=len(self),
                           policies=self.computation.policies, overrides=self.overrides,
                           years=self.years)

    def __iter__(self) -> Iterator[tuple[ClusterPayouts, tuple[str, ...]]]:
        run = self.computation
        if not run.years:
            return
        policies = run.policies
        warnings: list[str] = []

        def aggregated() -> Iterator[Any]:
            # Each cluster's quantities as they are made, recorded as compute_payouts
            # records them (so that each cluster's payouts equal its entry there, the
            # clinics each line leaves out included); the cluster's own warnings taken
            # from them on the way to pricing, which asks for one cluster at a time.
            for quantities in aggregate_each(
                    run.clusters, run.ruleset, policies, run.years[-1], pairs=True,
                    record=True, context=run.context):
                warnings[:] = cluster_warnings([quantities], run.years)
                yield quantities

        for payouts in price_each(aggregated(), run.ruleset, policies, run.years,
                                  rules=rules_in_force(policies), detail=True):
            yield payouts, tuple(warnings)

    def jsonl_lines(self) -> Iterator[str]:
        """The JSON Lines form, a line at a time, each made when it is asked for: the
        head, one line per cluster, the warnings last (docs/json-format.md)."""
        warnings: list[str] = []

        def clusters() -> Iterator[ClusterPayouts]:
            for payouts, own in self:
                warnings.extend(own)
                yield payouts

        return jsonl_lines(self.head(), clusters(), warnings)


def stream_payouts(
    clusters: Cluster | Iterable[Cluster],
    ruleset: Ruleset | str | os.PathLike[str] | None = None,
    *,
    years: Iterable[int] | None = None,
    overrides: Iterable[Override | str] = (),
    policies: Mapping[str, str] | None = None,
    strict: bool = False,
) -> PayoutStream:
    """:func:`compute_payouts`, one cluster at a time: a :class:`PayoutStream`.

    The arguments are those of :func:`compute_payouts` and are checked now,
    once for all clusters (names, overlaps, ruleset, overrides, policies,
    years); what a cluster's own data cannot support (a missing patient
    count, a year strict mode refuses) is raised when that cluster is
    reached. Each cluster's payouts equal its entry in
    ``compute_payouts(...)``, clinic-by-clinic shares included.
    """
    return PayoutStream(computation=prepare(clusters, ruleset, years=years, overrides=overrides,
                                            policies=policies, strict=strict))
