"""The data every statistical test sees: per parameter, the trials of its branch, canonically ordered.

A parameter is analysed on the COMPLETE trials with a finite value in which it exists (for a
conditional parameter, its branch), with its own n. Rows are sorted by objective value and then
by the parameter's value, never by trial number: permuting the order in which trials were run,
or adding failed, pruned or running trials, leaves every sample (and so every statistic and
every seeded resample drawn from it) bit-for-bit the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from generator.analysis.frames import (
    best_first,
    direction_sign,
    elite_numbers,
    finite_objective_values,
)
from generator.analysis.params import ParamSpec, param_specs
from generator.model.vocabulary import ParamKind
from generator.snapshot.load import Snapshot


@dataclass(frozen=True)
class ParamSample:
    spec: ParamSpec
    y: np.ndarray
    """Objective values (float)."""
    x: np.ndarray | None
    """The parameter's numeric values (continuous, integer, ordinal); None for boolean/categorical."""
    labels: tuple[str, ...]
    """Each trial's value as JSON text: the level key of discrete parameters."""
    elite: np.ndarray
    """True where the trial is an elite of the study."""
    best: np.ndarray
    """True at the study's best trial (when it belongs to this branch)."""
    numbers: np.ndarray | None = None
    """Each row's trial number (to re-run a test without some trials: ``analysis/influence.py``)."""

    @property
    def n(self) -> int:
        return len(self.y)

    def levels(self) -> tuple[str, ...]:
        """Observed level keys: numeric order for ordinal, true before false for boolean,
        declared order for categorical (then any undeclared value, sorted)."""
        observed = set(self.labels)
        if self.spec.kind == ParamKind.ORDINAL:
            return tuple(sorted(observed, key=lambda k: float(json.loads(k))))
        if self.spec.kind == ParamKind.BOOLEAN:
            return tuple(k for k in ("true", "false") if k in observed)
        declared = [json.dumps(c) for c in self.spec.choices]
        ordered = [k for k in declared if k in observed]
        return tuple(ordered + sorted(observed - set(ordered)))


@dataclass(frozen=True)
class StudySample:
    direction: str
    sign: float
    """+1 when larger objective values are better, -1 otherwise."""
    n: int
    """COMPLETE trials with a finite value."""
    n_elites: int
    elite_quantile: float
    elite_threshold: float | None
    """Objective value of the weakest elite."""
    best_number: int | None
    params: dict[str, ParamSample]
    """Sorted by name."""


def decode(label: str) -> Any:
    return json.loads(label)


def study_sample(snapshot: Snapshot, objective: int, direction: str, elite_quantile: float) -> StudySample:
    values = finite_objective_values(snapshot, objective)
    elites = elite_numbers(snapshot, objective, direction, elite_quantile)
    ordered = best_first(values, direction)
    best_number = int(ordered["number"].iloc[0]) if len(ordered) else None
    threshold = float(ordered["value"].iloc[len(elites) - 1]) if elites else None
    value_of = dict(zip(values["number"].tolist(), values["value"].tolist(), strict=True))
    params = snapshot.params[snapshot.params["number"].isin(value_of.keys())]
    specs = param_specs(snapshot)
    samples: dict[str, ParamSample] = {}
    for name, group in params.groupby("name", sort=True):
        spec = specs[str(name)]
        numbers = group["number"].to_numpy(dtype=int)
        y = np.array([value_of[int(n)] for n in numbers], dtype=float)
        labels = group["value_json"].astype(str).to_numpy()
        x = group["value_num"].to_numpy(dtype=float) if spec.numeric else None
        # Canonical order: objective value, then the parameter's value (numeric, else its JSON).
        tiebreak = x if x is not None else labels
        order = np.lexsort((tiebreak, y))
        samples[str(name)] = ParamSample(
            spec=spec,
            y=y[order],
            x=None if x is None else x[order],
            labels=tuple(labels[order].tolist()),
            elite=np.isin(numbers[order], list(elites)),
            best=numbers[order] == best_number,
            numbers=numbers[order],
        )
    return StudySample(
        direction=direction,
        sign=direction_sign(direction),
        n=len(values),
        n_elites=len(elites),
        elite_quantile=elite_quantile,
        elite_threshold=threshold,
        best_number=best_number,
        params=samples,
    )
