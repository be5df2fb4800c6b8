"""Parallel coordinates over the objective and the top parameters."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from generator.analysis.chart_data.ranking import rank_params
from generator.analysis.chart_data.sampling import by_rank
from generator.analysis.chart_data.trials import LEVEL_KINDS, StudyView, level_labels, param_values
from generator.analysis.frames import direction_sign
from generator.analysis.params import ParamSpec, power_of_two_levels
from generator.model.charts import (
    PARALLEL_ABSENT,
    ParallelAxis,
    ParallelData,
    ParallelLine,
    ParallelTick,
)
from generator.model.findings import Importance
from generator.model.vocabulary import ParamKind


def parallel_data(
    view: StudyView, importance: tuple[Importance, ...], top: int, bins: int, limit: int
) -> ParallelData | None:
    """Every axis runs 0..1: numeric params over their declared range (log scale for log
    params), levels evenly spaced (a power-of-two ordinal's on a base-2 log scale), the objective
    from worst (0) to best (1) in either
    direction. A trial without a conditional parameter crosses its axis at "absent", below 0."""
    if view.values.empty or not view.specs:
        return None
    ranked, ranking = rank_params(view, importance, bins)
    names = ranked[:top]
    if not names:
        return None
    numbers = view.values["number"].to_numpy(dtype=int)
    values = view.values["value"].to_numpy(dtype=float)
    columns = [_objective_positions(values, view.direction)]
    axes = [_objective_axis(values, view.direction)]
    for i, name in enumerate(names, start=1):
        spec = view.specs[name]
        positions, ticks = _param_axis(view, spec, numbers)
        columns.append(positions)
        axes.append(ParallelAxis(f"p{i}", name, spec.kind, spec.log and spec.kind not in LEVEL_KINDS, ticks))
    keep, sampling = by_rank(view.best_first(), limit)
    kept = set(keep)
    matrix = np.column_stack(columns)
    lines = tuple(
        ParallelLine(int(n), float(v), int(n) in view.elites, tuple(float(p) for p in row))
        for n, v, row in zip(numbers, values, matrix, strict=True)
        if int(n) in kept
    )
    return ParallelData(
        direction=view.direction,
        axes=tuple(axes),
        lines=lines,
        ranking=ranking,
        n_params=len(view.specs),
        sampling=sampling,
    )


def _objective_positions(values: np.ndarray, direction: str) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.full(len(values), 0.5)
    position = (values - low) / (high - low)
    return position if direction_sign(direction) > 0 else 1.0 - position


def _objective_axis(values: np.ndarray, direction: str) -> ParallelAxis:
    low, high = float(values.min()), float(values.max())
    worst, best = (low, high) if direction_sign(direction) > 0 else (high, low)
    ticks = (ParallelTick(0.5, best),) if low == high else (ParallelTick(0.0, worst), ParallelTick(1.0, best))
    return ParallelAxis("p0", None, "objective", False, ticks)


def _param_axis(view: StudyView, spec: ParamSpec, numbers: np.ndarray) -> tuple[np.ndarray, tuple[ParallelTick, ...]]:
    frame = param_values(view, spec.name).set_index("number")
    present = pd.Index(numbers).isin(frame.index)
    positions = np.full(len(numbers), PARALLEL_ABSENT)
    ticks: list[ParallelTick] = []
    if spec.kind in LEVEL_KINDS:
        slot = _level_slots(spec, view.param_rows(spec.name)["value_json"])
        labels = list(slot)
        positions[present] = frame.loc[numbers[present], "level"].map(slot).to_numpy(dtype=float)
        ticks = [ParallelTick(slot[label], label) for label in labels]
    else:
        x = frame.loc[numbers[present], "x"].to_numpy(dtype=float)
        low = spec.low if spec.low is not None else float(np.min(x))
        high = spec.high if spec.high is not None else float(np.max(x))
        if spec.log:
            x, lo, hi = np.log10(x), np.log10(low), np.log10(high)
        else:
            lo, hi = low, high
        positions[present] = np.clip((x - lo) / (hi - lo), 0.0, 1.0) if hi > lo else 0.5
        ticks = [ParallelTick(0.5, low)] if hi <= lo else [ParallelTick(0.0, low), ParallelTick(1.0, high)]
    if not present.all():
        ticks.append(ParallelTick(PARALLEL_ABSENT, None))
    return positions, tuple(ticks)


def _level_slots(spec: ParamSpec, observed_json: pd.Series) -> dict[str, float]:
    """Each level's place on its axis (0..1), in display order: evenly spaced, except that an
    ordinal parameter whose levels are all powers of two sits on a base-2 log scale (16, 32,
    128: the gap to 128 is two doublings), as its slice chart's axis does."""
    by_json = level_labels(spec, observed_json)
    labels = list(by_json.values())
    numbers = [json.loads(j) for j in by_json] if spec.kind == ParamKind.ORDINAL else []
    if power_of_two_levels(numbers):
        exponents = np.log2(np.asarray(numbers, dtype=float))
        low, span = float(exponents.min()), float(np.ptp(exponents))
        return {label: float((e - low) / span) for label, e in zip(labels, exponents, strict=True)}
    return {label: (i / (len(labels) - 1) if len(labels) > 1 else 0.5) for i, label in enumerate(labels)}
