"""Trial timeline: when each trial ran, how long, and how it ended."""

from __future__ import annotations

import pandas as pd

from generator.analysis.chart_data.sampling import by_number
from generator.analysis.chart_data.timing import UNIT_SECONDS, elapsed, study_clock
from generator.model.charts import TimelineBar, TimelineData
from generator.snapshot.load import Snapshot


def timeline_data(snapshot: Snapshot, limit: int) -> TimelineData | None:
    """Every started trial from start to end (RUNNING ones up to the study's last event),
    thinned to an even spread over trial numbers beyond ``limit``; None without timestamps."""
    trials = snapshot.trials
    zero, last, unit = study_clock(trials)
    if zero is None or last is None:
        return None
    started = trials[trials["datetime_start"].notna()]
    keep, sampling = by_number(started["number"].tolist(), limit)
    shown = started[started["number"].isin(keep)]
    start = elapsed(shown["datetime_start"], zero, unit)
    end = elapsed(shown["datetime_complete"], zero, unit)
    last_event = (last - zero).total_seconds() / UNIT_SECONDS[unit]
    bars = []
    for number, state, s, e, duration in zip(
        shown["number"], shown["state"], start, end, shown["duration_s"], strict=True
    ):
        unfinished = bool(pd.isna(e))
        open_ended = unfinished and state == "RUNNING"
        bars.append(
            TimelineBar(
                number=int(number),
                state=str(state),
                start=float(s),
                end=float(last_event if open_ended else (s if unfinished else e)),
                duration_s=None if pd.isna(duration) else float(duration),
                open_ended=open_ended,
            )
        )
    return TimelineData(
        time_unit=unit,
        bars=tuple(bars),
        n_trials=len(trials),
        n_not_started=int(len(trials) - len(started)),
        sampling=sampling,
    )
