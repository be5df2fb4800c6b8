"""The study sample: the trials one objective's analysis reads, built once per analysed objective
(``analysed_sample``), and the data every statistical test sees: per parameter, the trials of its
branch, canonically ordered (``StudySample``).

A parameter is analysed on the COMPLETE trials with a finite value in which it exists (for a
conditional parameter, its branch), with its own n. Rows are sorted by objective value and then
by the parameter's value, never by trial number: permuting the order in which trials were run,
or adding failed, pruned or running trials, leaves every sample (and so every statistic and
every seeded resample drawn from it) bit-for-bit the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from generator.analysis.frames import best_first, direction_sign, elites_among, finite_objective_values
from generator.analysis.importance._base import ImportanceInput, importance_input
from generator.analysis.params import ParamSpec, param_specs
from generator.analysis.pruned import analysed_view
from generator.config import AnalysisConfig
from generator.errors import UserError
from generator.model.curves import TrialCurve
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

    @cached_property
    def _label_codes(self) -> tuple[dict[str, int], np.ndarray]:
        """Each distinct label's code and each row's code: hashed once, so a level's rows are
        one array comparison instead of a Python loop over every trial per level."""
        codes, uniques = pd.factorize(self._label_array)
        return {str(u): i for i, u in enumerate(uniques)}, codes

    @cached_property
    def _label_array(self) -> np.ndarray:
        """The labels as an object array, built once: factorized, and indexed by every subset."""
        return np.asarray(self.labels, dtype=object)

    def level_mask(self, level: str) -> np.ndarray:
        """True at the rows whose label is ``level``."""
        index, codes = self._label_codes
        code = index.get(level)
        return codes == code if code is not None else np.zeros(len(codes), dtype=bool)

    def varies(self) -> bool:
        """Whether the rows hold at least two distinct labels (stops at the first that differs)."""
        first = self.labels[0] if self.labels else None
        return any(label != first for label in self.labels)

    def subset(self, keep: np.ndarray) -> ParamSample:
        """The rows where ``keep`` is true, in the same order; the label codes, when computed
        already, are carried over instead of hashed again (``analysis/influence.py`` takes
        many subsets of every parameter)."""
        out = replace(
            self,
            y=self.y[keep],
            x=None if self.x is None else self.x[keep],
            labels=tuple(self._label_array[keep].tolist()),
            elite=self.elite[keep],
            best=self.best[keep],
            numbers=None if self.numbers is None else self.numbers[keep],
        )
        if self.x is None or "_label_codes" in self.__dict__:  # levels are read only where there is no x
            index, codes = self._label_codes
            codes = codes[keep]
            seen = set(np.unique(codes).tolist())
            # cached_property stores in the instance __dict__, which a frozen dataclass allows
            out.__dict__["_label_codes"] = ({k: c for k, c in index.items() if c in seen}, codes)
        return out

    def levels(self) -> tuple[str, ...]:
        """Observed level keys: numeric order for ordinal, true before false for boolean,
        declared order for categorical (then any undeclared value, sorted)."""
        observed = set(self._label_codes[0])
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


@dataclass(frozen=True)
class AnalysedSample:
    """The trials one objective's analysis reads, built once (``analysed_sample``) and handed
    to every stage, so no stage re-selects trials, re-classifies parameters or re-ranks elites.

    A stage that deliberately reads other trials says so where it does: ``influence`` removes
    trials from ``tests`` and ``importance``; ``pareto_elites`` re-flags the elites as the
    Pareto front; trial counts, learning curves and compute read every trial of the snapshot."""

    config: AnalysisConfig
    """The settings it was built for (``objective`` set to the index)."""
    direction: str
    values: pd.DataFrame
    """The analysed trials, COMPLETE (and PRUNED with --include-pruned) with a finite value of
    the objective: ``number``, ``value``, sorted by number (``frames.finite_objective_values``)."""
    specs: dict[str, ParamSpec]
    """Every parameter of the study, sorted by name (``params.param_specs``)."""
    elites: frozenset[int]
    """Trial numbers of the elites (``frames.elite_numbers``)."""
    tests: StudySample
    """Per parameter, its branch's trials in canonical order: what every statistical test sees."""
    importance: ImportanceInput
    """The same trials as every importance method sees them (``importance.prepare_input``)."""
    curves: tuple[TrialCurve, ...] = ()
    """Every trial's learning-curve summary, any state, with this sample's elites flagged
    (``curves.trial_curves``): the learning-curve findings and ``artifacts/learning_curves.csv``."""

    @property
    def objective(self) -> int:
        return self.config.objective_index

    @property
    def n(self) -> int:
        return len(self.values)


def decode(label: str) -> Any:
    return json.loads(label)


def require_objective(snapshot: Snapshot, config: AnalysisConfig) -> None:
    """The chosen ``--objective`` exists in this study (the config cannot know the study's count)."""
    n_objectives = len(snapshot.directions)
    if config.objective is not None and not 0 <= config.objective < n_objectives:
        raise UserError(
            f"--objective {config.objective} is out of range: the study has {n_objectives} "
            f"objective(s), numbered from 0"
        )


def analysed_sample(
    snapshot: Snapshot, config: AnalysisConfig, specs: dict[str, ParamSpec] | None = None
) -> AnalysedSample:
    """The study sample of objective ``config.objective_index``, built once per analysed objective.

    ``snapshot`` is taken through ``analysed_view`` (a no-op when it already is that view), so
    with ``--include-pruned`` the sample holds the pruned trials too. ``specs``: the snapshot's
    ``param_specs`` when the caller has them (they do not depend on the objective)."""
    # Here, not at the top: curves.py imports chart_data (its even spread), whose trial view imports this module.
    from generator.analysis.curves import trial_curves

    require_objective(snapshot, config)
    config = replace(config, objective=config.objective_index)
    snapshot = analysed_view(snapshot, config)
    direction = snapshot.directions[config.objective_index]
    values = finite_objective_values(snapshot, config.objective_index)
    elites = elites_among(values, direction, config.elite_quantile)
    specs = param_specs(snapshot) if specs is None else specs
    return AnalysedSample(
        config=config,
        direction=direction,
        values=values,
        specs=specs,
        elites=elites,
        tests=_study_sample(snapshot.params, values, elites, specs, direction, config.elite_quantile),
        importance=importance_input(snapshot.params, values, specs, direction, config),
        curves=trial_curves(snapshot, direction, elites),
    )


def _study_sample(
    all_params: pd.DataFrame,
    values: pd.DataFrame,
    elites: frozenset[int],
    specs: dict[str, ParamSpec],
    direction: str,
    elite_quantile: float,
) -> StudySample:
    ordered = best_first(values, direction)
    best_number = int(ordered["number"].iloc[0]) if len(ordered) else None
    threshold = float(ordered["value"].iloc[len(elites) - 1]) if elites else None
    # Objective values looked up by trial number with one searchsorted, not a dict per row.
    value_numbers = values["number"].to_numpy(dtype=np.int64)
    by_number = np.argsort(value_numbers, kind="stable")
    sorted_numbers, sorted_values = value_numbers[by_number], values["value"].to_numpy(dtype=float)[by_number]
    params = all_params[all_params["number"].isin(value_numbers)]
    samples: dict[str, ParamSample] = {}
    for name, group in params.groupby("name", sort=True):
        spec = specs[str(name)]
        numbers = group["number"].to_numpy(dtype=int)
        y = sorted_values[np.searchsorted(sorted_numbers, numbers)]
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
