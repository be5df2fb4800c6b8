"""Elapsed wall-clock time in a unit that keeps the numbers on a time axis small."""

from __future__ import annotations

import pandas as pd

UNIT_SECONDS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def time_unit(span_s: float) -> str:
    if span_s < 120:
        return "s"
    if span_s < 2 * 3600:
        return "min"
    if span_s < 2 * 86400:
        return "h"
    return "d"


def study_clock(trials: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None, str]:
    """The first trial start (time zero), the last recorded event, and the unit for the span."""
    starts = trials["datetime_start"].dropna()
    if starts.empty:
        return None, None, "s"
    first = starts.min()
    last = max(
        starts.max(), trials["datetime_complete"].dropna().max() if trials["datetime_complete"].notna().any() else first
    )
    return first, last, time_unit((last - first).total_seconds())


def elapsed(moments: pd.Series, zero: pd.Timestamp, unit: str) -> pd.Series:
    """Time since ``zero`` in ``unit``; NaN where the moment is missing."""
    return (moments - zero).dt.total_seconds() / UNIT_SECONDS[unit]
