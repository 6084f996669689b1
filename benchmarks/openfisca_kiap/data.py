"""The cluster files as OpenFisca inputs, and simulations and reforms over it.

Read straight from the files with the standard library (``json`` for the bulk
file, ``tomllib`` for single-cluster TOML files, as kiaprules reads them; no
kiaprules involved: the OpenFisca side stands on its own), then turned into
numpy arrays, one entry per membership and per cluster.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from openfisca_core import periods
from openfisca_core.reforms import Reform
from openfisca_core.simulations import SimulationBuilder

NO_END = "9999-12-31"


class Inputs:
    """One country's memberships and clusters as arrays."""

    def __init__(self, document: dict[str, Any], years: Sequence[int]) -> None:
        clusters = document["clusters"]
        self.names = [c["name"] for c in clusters]
        self.years = list(years)
        cluster_of: list[int] = []
        joined: list[str] = []
        left: list[str] = []
        switched: list[bool] = []
        capacities: list[int] = []
        counts: dict[int, list[int]] = {y: [] for y in self.years}
        for i, c in enumerate(clusters):
            for m in c.get("clinic", []):
                cluster_of.append(i)
                joined.append(m["joined"])
                left.append(m.get("left") or NO_END)
                switched.append(bool(m.get("switched_from")))
                capacities.append(m["capacities"])
                p = m.get("patients", {})
                for y in self.years:
                    counts[y].append(p.get(str(y), 0))
        self.cluster_of = np.array(cluster_of, dtype=np.int64)
        self.joined = np.array(joined, dtype="datetime64[D]")
        self.left = np.array(left, dtype="datetime64[D]")
        self.switched = np.array(switched, dtype=bool)
        self.capacities = np.array(capacities, dtype=np.int32)
        self.patients = {y: np.array(v, dtype=np.int32) for y, v in counts.items()}
        self.founded = np.array([c["founded"] for c in clusters], dtype="datetime64[D]")
        self.registered = np.array([c.get("registered", c["founded"]) for c in clusters],
                                   dtype="datetime64[D]")

    @classmethod
    def read(cls, path: str, years: Sequence[int]) -> Inputs:
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle), years)

    @classmethod
    def read_toml(cls, paths: Iterable[str], years: Sequence[int]) -> Inputs:
        """Single-cluster TOML files (``[cluster]`` and ``[[clinic]]``), in the given order."""
        clusters = []
        for path in paths:
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
            cluster = _dates_as_text(document["cluster"], ("founded", "registered"))
            cluster["clinic"] = [_dates_as_text(m, ("joined", "left"))
                                 for m in document.get("clinic", [])]
            clusters.append(cluster)
        return cls({"clusters": clusters}, years)

    @property
    def memberships(self) -> int:
        return len(self.cluster_of)

    def simulation(self, system: Any) -> Any:
        """A simulation of ``system`` (a tax-benefit system or a reform) on these inputs."""
        builder = SimulationBuilder()
        builder.create_entities(system)
        builder.declare_person_entity("membership", np.arange(self.memberships))
        clusters = builder.declare_entity("cluster", np.arange(len(self.names)))
        builder.join_with_persons(clusters, self.cluster_of, ["member"] * self.memberships)
        simulation = builder.build(system)
        eternity = periods.period("eternity")
        simulation.set_input("joined", eternity, self.joined)
        simulation.set_input("left", eternity, self.left)
        simulation.set_input("switched", eternity, self.switched)
        simulation.set_input("capacities", eternity, self.capacities)
        simulation.set_input("founded", eternity, self.founded)
        simulation.set_input("registered", eternity, self.registered)
        for year, counts in self.patients.items():
            simulation.set_input("patients", periods.period(str(year)), counts)
        return simulation


def _dates_as_text(record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """``record`` with TOML's dates in ``fields`` as the ISO text the bulk JSON file holds."""
    out = dict(record)
    for name in fields:
        if isinstance(out.get(name), dt.date):
            out[name] = out[name].isoformat()
    return out


def calculate(simulation: Any, variable: str, years: Iterable[int]) -> dict[int, np.ndarray]:
    """``variable`` for every cluster, year by year."""
    return {y: simulation.calculate(variable, periods.period(str(y))) for y in years}


def rate_reform(system: Any, parameter: str, first_year: int, last_year: int,
                value: float) -> Any:
    """A reform: ``parameter`` is ``value`` from 1 January ``first_year`` through ``last_year``."""

    def modify(parameters: Any) -> Any:
        getattr(parameters, parameter).update(
            start=periods.instant(f"{first_year}-01-01"),
            stop=periods.instant(f"{last_year}-12-31"), value=value)
        return parameters

    class RateVariant(Reform):
        def apply(self) -> None:
            self.modify_parameters(modifier_function=modify)

    return RateVariant(system)
