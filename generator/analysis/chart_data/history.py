"""Optimization history (value and best-so-far, by trial number and by wall-clock) and the
empirical CDF of the objective."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.analysis.chart_data.sampling import by_rank, even_positions
from generator.analysis.chart_data.timing import elapsed, study_clock
from generator.analysis.chart_data.trials import StudyView
from generator.analysis.frames import direction_sign
from generator.model.charts import (
    BestStep,
    EcdfData,
    EcdfPoint,
    HistoryData,
    HistoryPoint,
    Sampling,
)
from generator.snapshot.load import Snapshot


def history_data(snapshot: Snapshot, view: StudyView, limit: int) -> HistoryData | None:
    """Best-so-far is computed over every COMPLETE trial with a finite value (exact at any
    size: only its corners are kept); the individual values are thinned by rank."""
    if view.values.empty:
        return None
    zero, _, unit = study_clock(snapshot.trials)
    times = snapshot.trials[["number", "datetime_complete"]]
    frame = view.values.merge(times, on="number", how="left")
    frame["elapsed"] = elapsed(frame["datetime_complete"], zero, unit) if zero is not None else np.nan
    sign = direction_sign(view.direction)
    by_number = _best_steps(frame.sort_values("number", kind="stable"), sign)
    timed = frame[frame["elapsed"].notna()].sort_values(["elapsed", "number"], kind="stable")
    by_time = _best_steps(timed, sign) if len(timed) else ()
    keep, sampling = by_rank(view.best_first(), limit)
    shown = frame[frame["number"].isin(keep)]
    return HistoryData(
        direction=view.direction,
        time_unit=unit,
        points=tuple(
            HistoryPoint(int(n), _maybe(t), float(v), int(n) in view.elites)
            for n, t, v in zip(shown["number"], shown["elapsed"], shown["value"], strict=True)
        ),
        best_by_number=by_number,
        best_by_time=by_time,
        n_complete=len(view.values),
        sampling=sampling,
    )


def _best_steps(ordered: pd.DataFrame, sign: float) -> tuple[BestStep, ...]:
    """The corners of the best-so-far step function, plus its end (the last trial)."""
    values = ordered["value"].to_numpy(dtype=float)
    running = sign * np.maximum.accumulate(sign * values)
    improved = np.r_[True, sign * running[1:] > sign * running[:-1]]
    improved[-1] = True
    rows = ordered.assign(best=running)[improved]
    return tuple(
        BestStep(int(n), _maybe(t), float(b))
        for n, t, b in zip(rows["number"], rows["elapsed"], rows["best"], strict=True)
    )


def ecdf_data(view: StudyView, limit: int) -> EcdfData | None:
    """The exact ECDF's steps, or (beyond ``limit`` trials) its steps at evenly spaced ranks,
    first and last included, so the curve keeps its shape and the spec stays small."""
    if view.values.empty:
        return None
    raw = view.values["value"].to_numpy(dtype=float)
    numbers = view.values["number"].to_numpy(dtype=int)
    order = np.lexsort((numbers, raw))  # by value, ties by trial number
    values, numbers = raw[order], numbers[order]
    n = len(values)
    positions = even_positions(n, limit)
    # Each distinct value once, at the ECDF's value there (the top of its step): ties collapse.
    shown = np.unique(values[positions])
    fractions = np.searchsorted(values, shown, side="right") / n
    trials = numbers[np.searchsorted(values, shown, side="left")]
    sampling = Sampling("all" if len(positions) == n else "quantiles", n, len(positions), limit)
    elites = view.values[view.values["number"].isin(view.elites)]["value"].to_numpy(dtype=float)
    sign = direction_sign(view.direction)
    return EcdfData(
        direction=view.direction,
        n=n,
        points=tuple(EcdfPoint(float(v), float(f), int(t)) for v, f, t in zip(shown, fractions, trials, strict=True)),
        best=float(values[-1] if sign > 0 else values[0]),
        median=float(np.median(values)),
        elite_threshold=float(elites.min() if sign > 0 else elites.max()),
        sampling=sampling,
    )


def _maybe(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
