"""The study summary the seed report tried to give, with no holes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.analysis.frames import best_first, objective_values
from generator.analysis.sample import AnalysedSample
from generator.model.findings import BestTrial, Summary, TrialCounts, WorstTrial
from generator.snapshot.load import Snapshot


@dataclass(frozen=True)
class _Span:
    first_start: str | None
    last_complete: str | None
    wall_clock_s: float | None


def trial_counts(snapshot: Snapshot) -> TrialCounts:
    counts = snapshot.trials["state"].value_counts().to_dict()
    return TrialCounts(
        complete=int(counts.get("COMPLETE", 0)),
        pruned=int(counts.get("PRUNED", 0)),
        fail=int(counts.get("FAIL", 0)),
        running=int(counts.get("RUNNING", 0)),
        waiting=int(counts.get("WAITING", 0)),
        total=int(len(snapshot.trials)),
    )


def summarize(snapshot: Snapshot, sample: AnalysedSample) -> Summary:
    """The summary of the sample's trials; ``snapshot`` (as analysed) counts the infinite values
    beside them and holds the trials' times."""
    direction = sample.direction
    all_values = objective_values(snapshot, sample.objective)
    values = sample.values
    ordered = best_first(values, direction)
    raw = values["value"].to_numpy(dtype=float)
    n = len(raw)
    best = worst = None
    if n:
        top = ordered.iloc[0]
        bottom = ordered.iloc[-1]
        best = BestTrial(
            number=int(top["number"]),
            value=float(top["value"]),
            params=_params_of(snapshot, int(top["number"])),
            datetime_complete=_iso(
                snapshot.trials.loc[snapshot.trials["number"] == int(top["number"]), "datetime_complete"].iloc[0]
            ),
        )
        worst = WorstTrial(number=int(bottom["number"]), value=float(bottom["value"]))
    q1, median, q3 = (float(x) for x in np.percentile(raw, [25, 50, 75])) if n else (None, None, None)
    span = _span(snapshot.trials)
    durations = snapshot.trials["duration_s"].dropna().to_numpy(dtype=float)
    intermediate_counts = snapshot.intermediate.groupby("number").size()
    return Summary(
        n=n,
        n_infinite=int(len(all_values) - n),
        best=best,
        worst=worst,
        mean=float(np.mean(raw)) if n else None,
        std=float(np.std(raw, ddof=1)) if n > 1 else None,
        median=median,
        q1=q1,
        q3=q3,
        iqr=(q3 - q1) if q1 is not None and q3 is not None else None,
        first_start=span.first_start,
        last_complete=span.last_complete,
        wall_clock_s=span.wall_clock_s,
        total_trial_time_s=float(durations.sum()) if len(durations) else None,
        median_trial_time_s=float(np.median(durations)) if len(durations) else None,
        n_with_intermediate=int(len(intermediate_counts)),
        intermediate_steps=int(intermediate_counts.sum()) if len(intermediate_counts) else 0,
    )


def _params_of(snapshot: Snapshot, number: int) -> dict[str, object]:
    rows = snapshot.params.loc[snapshot.params["number"] == number]
    return {str(name): json.loads(value) for name, value in zip(rows["name"], rows["value_json"], strict=True)}


def _span(trials: pd.DataFrame) -> _Span:
    starts = trials["datetime_start"].dropna()
    ends = pd.concat([trials["datetime_complete"].dropna(), starts])
    if starts.empty:
        return _Span(None, None, None)
    first, last = starts.min(), ends.max()
    return _Span(_iso(first), _iso(last), float((last - first).total_seconds()))


def _iso(moment: object) -> str | None:
    if moment is None or pd.isna(moment):
        return None
    return pd.Timestamp(moment).isoformat()
