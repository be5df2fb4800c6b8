"""The chance-level objective value, and how far the best trial got beyond it.

The seed report's "28.6% on a 9-class problem (random baseline 11.1%)" was the most useful
warning in it. The baseline comes from ``--baseline``, else the study's user attribute
``baseline``, else ``n_classes`` (chance = 1 / n_classes, for a maximized accuracy-like
objective only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

LOW_PERFORMANCE_HEADROOM = 0.5
"""For an accuracy-like objective (maximized, values within [0, 1]): warn when the best trial
covers less than this share of the way from chance to a perfect 1."""


@dataclass(frozen=True)
class Baseline:
    value: float
    source: str
    """flag, user_attr:baseline or user_attr:n_classes."""


@dataclass(frozen=True)
class Performance:
    best: float
    baseline: Baseline
    ratio: float | None
    """best / baseline (null for a zero baseline)."""
    headroom_used: float | None
    """(best - baseline) / (1 - baseline) for accuracy-like objectives, else null."""
    low: bool


def chance_baseline(flag: float | None, user_attrs: dict[str, Any], direction: str) -> Baseline | None:
    if flag is not None:
        return Baseline(float(flag), "flag")
    value = user_attrs.get("baseline")
    if isinstance(value, int | float) and _number(value):
        return Baseline(float(value), "user_attr:baseline")
    classes = user_attrs.get("n_classes")
    if direction == "maximize" and isinstance(classes, int | float) and _number(classes):
        if float(classes).is_integer() and classes >= 2:
            return Baseline(1.0 / float(classes), "user_attr:n_classes")
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def performance(
    best: float | None, values_min: float | None, values_max: float | None, baseline: Baseline | None, direction: str
) -> Performance | None:
    """How the best trial compares with chance; ``low`` when it is no better, or (for an
    accuracy-like objective) covers under LOW_PERFORMANCE_HEADROOM of the way to 1."""
    if baseline is None or best is None or values_min is None or values_max is None:
        return None
    ratio = best / baseline.value if baseline.value else None
    better = best > baseline.value if direction == "maximize" else best < baseline.value
    headroom = None
    accuracy_like = direction == "maximize" and 0 <= values_min and values_max <= 1 and 0 <= baseline.value < 1
    if accuracy_like:
        headroom = (best - baseline.value) / (1 - baseline.value)
    low = not better or (headroom is not None and headroom < LOW_PERFORMANCE_HEADROOM)
    return Performance(best, baseline, ratio, headroom, low)
