"""The trials every chart starts from: COMPLETE trials with a finite value, their elites,
and each parameter's values over the trials where it exists."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from generator.analysis.frames import best_first, elites_among, finite_objective_values
from generator.analysis.params import ParamSpec, param_specs
from generator.analysis.sample import AnalysedSample
from generator.model.vocabulary import ParamKind
from generator.snapshot.load import Snapshot

LEVEL_KINDS = (ParamKind.ORDINAL, ParamKind.BOOLEAN, ParamKind.CATEGORICAL)
"""Kinds drawn per level (box/strip); ordinal params also get a slice plot."""
SLICE_KINDS = (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL)


@dataclass(frozen=True)
class StudyView:
    direction: str
    values: pd.DataFrame
    """COMPLETE trials with a finite value: ``number``, ``value``, sorted by number."""
    elites: frozenset[int]
    specs: dict[str, ParamSpec]
    params: pd.DataFrame
    """Long form, restricted to ``values``' trials: ``number``, ``name``, ``value_json``, ``value_num``."""
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Per-parameter rows and ``param_values`` frames, made once: every chart of a parameter
    (slice, levels, parallel axis, each contour pair) starts from them, and filtering the long
    ``params`` frame by name each time cost seconds at 20,000 trials."""

    def param_rows(self, name: str) -> pd.DataFrame:
        """The rows of ``params`` for one parameter (in ``params``' order, index kept)."""
        if "rows" not in self._memo:
            self._memo["rows"] = {str(k): g for k, g in self.params.groupby("name", sort=False)}
        rows: dict[str, pd.DataFrame] = self._memo["rows"]
        return rows[name] if name in rows else self.params.iloc[:0]

    def best_first(self, numbers: pd.Series | None = None) -> list[int]:
        """Trial numbers (all, or those given) best first; ties by trial number."""
        values = self.values if numbers is None else self.values[self.values["number"].isin(numbers)]
        return [int(n) for n in best_first(values, self.direction)["number"]]


def study_view(snapshot: Snapshot, objective: int, direction: str, elite_quantile: float) -> StudyView:
    values = finite_objective_values(snapshot, objective)
    return _view(snapshot, direction, values, elites_among(values, direction, elite_quantile), param_specs(snapshot))


def sample_view(snapshot: Snapshot, sample: AnalysedSample) -> StudyView:
    """The view of the trials the findings were computed on (``snapshot`` as analysed)."""
    return _view(snapshot, sample.direction, sample.values, sample.elites, sample.specs)


def _view(
    snapshot: Snapshot, direction: str, values: pd.DataFrame, elites: frozenset[int], specs: dict[str, ParamSpec]
) -> StudyView:
    params = snapshot.params.loc[
        snapshot.params["number"].isin(values["number"]), ["number", "name", "value_json", "value_num"]
    ]
    return StudyView(
        direction=direction,
        values=values,
        elites=elites,
        specs=specs,
        params=params.reset_index(drop=True),
    )


def param_values(view: StudyView, name: str) -> pd.DataFrame:
    """``number``, ``value`` (objective), ``x`` over the trials where ``name`` exists.

    ``x`` is a float for continuous, integer and ordinal params, and the level label for
    ordinal, boolean and categorical ones in ``level`` (so ordinal rows carry both).
    A categorical ``None`` choice is a level ("null"), not an absent parameter.
    Made once per view and parameter; each caller gets its own copy.
    """
    made: dict[str, pd.DataFrame] = view._memo.setdefault("values", {})
    if name not in made:
        made[name] = _param_values(view, name)
    return made[name].copy()


def _param_values(view: StudyView, name: str) -> pd.DataFrame:
    spec = view.specs[name]
    rows = view.param_rows(name)[["number", "value_json", "value_num"]]
    out = rows.merge(view.values, on="number", how="inner").sort_values("number", kind="stable")
    frame = pd.DataFrame({"number": out["number"].to_numpy(dtype=int), "value": out["value"].to_numpy(dtype=float)})
    if spec.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL):
        frame["x"] = out["value_num"].to_numpy(dtype=float)
    if spec.kind in LEVEL_KINDS:
        labels = level_labels(spec, out["value_json"])
        frame["level"] = out["value_json"].map(labels).to_numpy(dtype=object)
    return frame.reset_index(drop=True)


def level_order(spec: ParamSpec, observed_json: pd.Series) -> list[str]:
    """JSON of each level, in display order: declared choices (numeric order for ordinal
    params), then any observed value that was not declared."""
    declared = [json.dumps(c) for c in spec.choices]
    if spec.kind == ParamKind.ORDINAL:
        declared = sorted(declared, key=lambda j: float(json.loads(j)))
    extra = sorted(set(observed_json.dropna().unique()) - set(declared))
    return declared + extra


def level_labels(spec: ParamSpec, observed_json: pd.Series) -> dict[str, str]:
    """Label of each level by its JSON: strings bare, everything else as JSON (true, null, 16).

    When that would make two levels look alike (the string "1" and the number 1), every
    level is labelled by its JSON instead.
    """
    order = level_order(spec, observed_json)
    labels = {j: _bare(json.loads(j)) for j in order}
    if len(set(labels.values())) < len(labels):
        labels = {j: j for j in order}
    return labels


def _bare(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]
