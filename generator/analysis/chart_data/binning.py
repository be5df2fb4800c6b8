"""Binning a parameter for the contour charts, and the binned effect size used to pick pairs
when the importance analysis has not ranked any."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from generator.analysis.chart_data.trials import LEVEL_KINDS, StudyView, level_labels, param_values
from generator.analysis.params import ParamSpec
from generator.model.charts import BinAxis
from generator.model.vocabulary import ParamKind


def effective_bins(n: int, max_bins: int) -> int:
    """Bins per numeric axis for ``n`` trials: about two trials per cell of a square grid
    (sqrt(n / 2)), at least 2, at most ``max_bins``, so a 12-trial study is not cut into
    100 cells of one trial each."""
    return min(max_bins, max(2, int(math.sqrt(n / 2))))


@dataclass(frozen=True)
class Joint:
    """The trials holding both parameters of a pair, binned on both."""

    axis_a: BinAxis
    axis_b: BinAxis
    frame: pd.DataFrame
    """``number``, ``value``, ``shown_a``/``shown_b`` (the value or level), ``bin_a``, ``bin_b``."""

    @property
    def drawable(self) -> bool:
        return self.frame["bin_a"].nunique() >= 2 and self.frame["bin_b"].nunique() >= 2


def joint_bins(view: StudyView, a: str, b: str, max_bins: int, cache: dict[str, pd.DataFrame] | None = None) -> Joint:
    """Bin a pair over the trials holding both, with ``effective_bins`` of their number: the
    one binning that both the contour chart and the pair choice use."""
    cache = {} if cache is None else cache
    for name in (a, b):
        if name not in cache:
            cache[name] = param_values(view, name)
    both = _suffixed(cache[a], "_a").merge(_suffixed(cache[b], "_b").drop(columns="value"), on="number")
    bins = effective_bins(len(both), max_bins)
    axis_a, axis_b = bin_axis(view, view.specs[a], bins), bin_axis(view, view.specs[b], bins)
    side_a, side_b = _side(both, "_a"), _side(both, "_b")
    frame = pd.DataFrame(
        {
            "number": both["number"].to_numpy(dtype=int),
            "value": both["value"].to_numpy(dtype=float),
            "shown_a": _shown(axis_a, side_a),
            "shown_b": _shown(axis_b, side_b),
            "bin_a": bin_index(axis_a, side_a),
            "bin_b": bin_index(axis_b, side_b),
        }
    )
    return Joint(axis_a, axis_b, frame)


def _suffixed(frame: pd.DataFrame, suffix: str) -> pd.DataFrame:
    return frame.rename(columns={c: f"{c}{suffix}" for c in ("x", "level") if c in frame.columns})


def _side(both: pd.DataFrame, suffix: str) -> pd.DataFrame:
    """One parameter's columns of the joined frame, named as ``param_values`` names them."""
    columns = {f"{c}{suffix}": c for c in ("x", "level") if f"{c}{suffix}" in both.columns}
    return both[list(columns)].rename(columns=columns)


def _shown(axis: BinAxis, side: pd.DataFrame) -> list[float | str]:
    if axis.kind == "levels":
        return [v if isinstance(v, str) else float(v) for v in side["level"].tolist()]
    return side["x"].to_numpy(dtype=float).tolist()


def bin_axis(view: StudyView, spec: ParamSpec, bins: int) -> BinAxis:
    """Numeric params: ``bins`` equal-width bins over the declared range on the parameter's
    scale (log10 for log params), or one bin per value for a short integer range.
    Ordinal, boolean and categorical params: one bin per level."""
    if spec.kind in LEVEL_KINDS:
        observed = view.param_rows(spec.name)["value_json"]
        return BinAxis(spec.name, "levels", False, (), tuple(level_labels(spec, observed).values()))
    low, high = _range(view, spec)
    step = spec.step or 1.0
    if spec.kind == ParamKind.INTEGER and not spec.log and (high - low) / step + 1 <= bins:
        count = int(round((high - low) / step)) + 1
        edges = low - step / 2 + step * np.arange(count + 1)
        return BinAxis(spec.name, "numeric", False, tuple(float(e) for e in edges), ())
    if low == high:
        return BinAxis(spec.name, "numeric", spec.log, (low, high), ())
    edges = _unscale(spec.log, np.linspace(_scale(spec.log, low), _scale(spec.log, high), bins + 1))
    edges[0], edges[-1] = low, high  # exactly the declared bounds, not 10**log10(bound)
    return BinAxis(spec.name, "numeric", spec.log, tuple(float(e) for e in edges), ())


def bin_index(axis: BinAxis, frame: pd.DataFrame) -> np.ndarray:
    """Bin of each row of ``param_values`` output (``x`` or ``level``): left-closed bins, the
    last one closed on both sides, as ``numpy.histogram`` does."""
    if axis.kind == "levels":
        position = {label: i for i, label in enumerate(axis.levels)}
        return frame["level"].map(position).to_numpy(dtype=int)
    if axis.edges[0] == axis.edges[-1]:
        return np.zeros(len(frame), dtype=int)
    # Bin on the scale the edges were spaced on: 10**linspace and back would move values
    # that sit exactly on an edge.
    edges = _scale(axis.log, np.asarray(axis.edges, dtype=float))
    if axis.log:
        edges = np.linspace(edges[0], edges[-1], len(edges))
    x = _scale(axis.log, frame["x"].to_numpy(dtype=float))
    return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, axis.size - 1)


def bin_center(axis: BinAxis, index: int) -> tuple[float | str, float | None, float | None]:
    """Centre (midpoint on the parameter's scale, so geometric for log) and edges of a bin."""
    if axis.kind == "levels":
        return axis.levels[index], None, None
    low, high = axis.edges[index], axis.edges[index + 1]
    mid = (_scale(axis.log, np.array([low]))[0] + _scale(axis.log, np.array([high]))[0]) / 2
    return float(_unscale(axis.log, np.array([mid]))[0]), low, high


def epsilon_squared(groups: np.ndarray, values: np.ndarray) -> float:
    """Share of the objective's variance explained by the groups, corrected for their number:
    (SS_between - (k - 1) MS_within) / SS_total, clipped at 0.

    Written out because no installed library returns it for arbitrary groups (statsmodels
    would need a formula model per pair); it is a chart heuristic, not a reported statistic.
    """
    n = len(values)
    labels, inverse = np.unique(groups, return_inverse=True)
    k = len(labels)
    if k < 2 or n <= k:
        return 0.0
    total = float(np.sum((values - values.mean()) ** 2))
    if total == 0.0:
        return 0.0
    sums = np.bincount(inverse, weights=values)
    counts = np.bincount(inverse)
    between = float(np.sum(sums**2 / counts) - values.sum() ** 2 / n)
    within = total - between
    return max(0.0, (between - (k - 1) * within / (n - k)) / total)


def _range(view: StudyView, spec: ParamSpec) -> tuple[float, float]:
    if spec.low is not None and spec.high is not None:
        return float(spec.low), float(spec.high)
    observed = view.param_rows(spec.name)["value_num"].dropna()
    return float(observed.min()), float(observed.max())


def _scale(log: bool, values: np.ndarray | float) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return np.log10(array) if log else array


def _unscale(log: bool, values: np.ndarray) -> np.ndarray:
    return 10.0**values if log else values
