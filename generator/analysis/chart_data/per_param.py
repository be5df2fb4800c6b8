"""Slice plots (numeric params) and per-level box/strip plots (categorical, ordinal, boolean)."""

from __future__ import annotations

import numpy as np

from generator.analysis.chart_data.sampling import by_rank
from generator.analysis.chart_data.trials import StudyView, level_labels, param_values
from generator.analysis.params import ParamSpec, log2_axis
from generator.model.charts import (
    LevelPoint,
    LevelsData,
    LevelSummary,
    SliceData,
    SlicePoint,
)
from generator.model.vocabulary import ParamKind


def slice_data(view: StudyView, spec: ParamSpec, limit: int) -> SliceData | None:
    """Objective against the parameter over the trials where it exists (its branch), or None
    when no COMPLETE trial with a finite value has it."""
    frame = param_values(view, spec.name)
    if frame.empty:
        return None
    keep, sampling = by_rank(view.best_first(frame["number"]), limit)
    shown = frame[frame["number"].isin(keep)]
    low: float | None
    high: float | None
    if spec.kind == ParamKind.ORDINAL:
        numbers = [float(c) for c in spec.choices]
        low, high = min(numbers), max(numbers)
    else:
        low, high = spec.low, spec.high
    return SliceData(
        param=spec.name,
        kind=spec.kind,
        log=spec.log,
        low=low,
        high=high,
        condition=spec.condition,
        n=len(frame),
        n_complete=len(view.values),
        direction=view.direction,
        points=tuple(
            SlicePoint(int(n), float(x), float(v), int(n) in view.elites)
            for n, x, v in zip(shown["number"], shown["x"], shown["value"], strict=True)
        ),
        sampling=sampling,
        log2_ticks=log2_axis(spec),
    )


def levels_data(view: StudyView, spec: ParamSpec, limit: int) -> LevelsData | None:
    """Per-level box statistics over every trial of the branch (exact at any size), and the
    trials themselves as a strip (thinned by rank beyond ``limit``)."""
    frame = param_values(view, spec.name)
    if frame.empty:
        return None
    labels = level_labels(spec, view.param_rows(spec.name)["value_json"])
    elite = frame["number"].isin(view.elites).to_numpy()
    summaries = []
    for label in labels.values():
        mask = (frame["level"] == label).to_numpy()
        summaries.append(_summary(label, frame["value"].to_numpy(dtype=float)[mask], int(elite[mask].sum())))
    keep, sampling = by_rank(view.best_first(frame["number"]), limit)
    shown = frame[frame["number"].isin(keep)]
    return LevelsData(
        param=spec.name,
        kind=spec.kind,
        condition=spec.condition,
        n=len(frame),
        n_complete=len(view.values),
        direction=view.direction,
        levels=tuple(summaries),
        points=tuple(
            LevelPoint(int(n), str(level), float(v), int(n) in view.elites)
            for n, level, v in zip(shown["number"], shown["level"], shown["value"], strict=True)
        ),
        sampling=sampling,
    )


def _summary(label: str, values: np.ndarray, n_elite: int) -> LevelSummary:
    if len(values) == 0:
        return LevelSummary(label, 0, 0, None, None, None, None, None, None)
    q1, median, q3 = (float(q) for q in np.percentile(values, [25, 50, 75]))
    reach = 1.5 * (q3 - q1)
    inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
    return LevelSummary(
        label=label,
        n=len(values),
        n_elite=n_elite,
        mean=float(np.mean(values)),
        median=median,
        q1=q1,
        q3=q3,
        whisker_low=float(inside.min()),
        whisker_high=float(inside.max()),
    )
