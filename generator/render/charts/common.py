"""Pieces every chart builder shares: data frames, colours by group, titles and notes."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import attrgetter
from types import NoneType
from typing import Any, TypeAlias

import altair as alt
import numpy as np
import pandas as pd

from generator.model.charts import Sampling
from generator.model.findings import Condition
from generator.render.charts.theme import ELITE, OTHER
from generator.render.charts.wording import say
from generator.render.env import fmt_num, fmt_value

TopChart: TypeAlias = (
    alt.Chart
    | alt.LayerChart
    | alt.FacetChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.ConcatChart
    | alt.RepeatChart
)
"""A chart a builder returns: whichever top-level kind it is, it is a schema object with a
``title`` and ``copy``, which Altair's shared base ``TopLevelMixin`` does not declare."""

SIGNIFICANT_DIGITS = 6
"""Chart data is for the eye: 6 significant digits keep specs small and exact enough."""


def sig(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if value != 0.0 else value
    return value


_POWERS_OF_TEN = np.array([float(10**i) for i in range(23)])
"""10**0 .. 10**22: the powers of ten a double holds exactly."""


def sig_floats(values: list[float]) -> list[float | None]:
    """``[sig(v) for v in values]`` for a list of floats, without formatting each one: a chart's
    points are tens of thousands of values.

    ``sig`` is the double nearest the value rounded (half to even) to 6 significant digits,
    m * 10**-k with m an integer of 6 digits. Here m is the rounded product v * 10**k and the
    result m / 10**k (or m * 10**-k): with 10**k exact (|k| <= 22) both operations round once,
    to the nearest double, as parsing the formatted digits does, so the result is the same
    double. The product is off the exact one by at most half its last place (about 1e-10 for
    a 6-digit number), so it rounds to the same m unless it lies within 1e-9 of a half; such a
    value, one whose product falls outside [100000.5, 999999.4] (a power of ten nearby, where
    the decimal exponent may be off by one), zero, a non-finite value and one with |k| > 22 go
    through ``sig`` itself."""
    if len(values) < 64:
        return [sig(v) for v in values]
    array = np.array(values, dtype=np.float64)
    magnitude = np.abs(array)
    regular = np.isfinite(array) & (magnitude > 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = (SIGNIFICANT_DIGITS - 1) - np.floor(np.log10(np.where(regular, magnitude, 1.0))).astype(np.int64)
        regular &= np.abs(k) <= 22
        power = _POWERS_OF_TEN[np.where(regular, np.abs(k), 0)]
        up = k >= 0
        scaled = np.where(up, array * power, array / power)
        size = np.abs(scaled)
        distance = np.abs(size - np.floor(size) - 0.5)
        regular &= (size >= 100000.5) & (size <= 999999.4) & (distance > 1e-9)
        digits = np.rint(scaled)
        rounded = np.where(up, digits / power, digits * power)
    result: list[float | None] = rounded.tolist()
    for index in np.flatnonzero(~regular).tolist():
        result[index] = sig(values[index])
    return result


def frame(items: Iterable[Any], **extra: Sequence[Any]) -> pd.DataFrame:
    """Rows of dataclasses as a frame (floats rounded for display), plus extra columns."""
    rows = list(items)
    table = _scalar_columns(rows)
    if table is None:
        table = pd.DataFrame.from_records([{k: sig(v) for k, v in _fields(item).items()} for item in rows])
    for name, column in extra.items():
        table[name] = list(column)
    return table


def _scalar_columns(rows: list[Any]) -> pd.DataFrame | None:
    """The frame of ``rows`` built a column at a time, when they are dataclasses of one class
    holding scalars only (a chart's points: thousands of rows); None otherwise. pandas infers
    each column's type from the same values as from the records, so the frame is the same."""
    if not rows or not dataclasses.is_dataclass(kind := type(rows[0])) or any(type(r) is not kind for r in rows):
        return None
    if not _field_names(kind):
        return None  # no columns: records keep the row count, a dict of columns would not
    columns: dict[str, list[Any]] = {}
    for name in _field_names(kind):
        values = list(map(attrgetter(name), rows))
        # The types, not each value: ``isinstance(v, T)`` is ``issubclass(type(v), T)``.
        if not all(t is NoneType or issubclass(t, str | int | float) for t in set(map(type, values))):
            return None
        columns[name] = sig_column(values)
    return pd.DataFrame(columns)


def sig_column(values: list[Any]) -> list[Any]:
    """``[sig(v) for v in values]``: a column of floats at once (``sig_floats``)."""
    types = set(map(type, values))
    if types == {float}:
        return sig_floats(values)
    if any(issubclass(t, float) for t in types):
        return [sig(v) for v in values]
    return values


def _fields(item: Any) -> dict[str, Any]:
    """``dataclasses.asdict(item)`` for a row of scalars without its deep copy (a chart's points
    are thousands of such rows); a row holding containers or dataclasses goes through asdict."""
    values = {name: getattr(item, name) for name in _field_names(type(item))}
    if all(v is None or isinstance(v, str | int | float) for v in values.values()):
        return values
    return dataclasses.asdict(item)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return _FIELD_NAMES[kind]


def trial_points(items: Sequence[Any], quantile: float) -> pd.DataFrame:
    """Trials as rows with their group label, elites last (so they are drawn on top); the
    boolean ``elite`` column is dropped once it has served, to keep specs small."""
    table = frame(items, group=group_column((item.elite for item in items), quantile))
    if table.empty:
        return table
    table = table.sort_values(["elite", "number"], kind="stable").reset_index(drop=True)
    return table.drop(columns="elite")


def share(quantile: float) -> str:
    return f"{fmt_num(100 * quantile, 3)}%"


def group_labels(quantile: float) -> tuple[str, str]:
    return say("groups.elite", share=share(quantile)), say("groups.other")


def group_column(elite: Iterable[bool], quantile: float) -> list[str]:
    elite_label, other_label = group_labels(quantile)
    return [elite_label if e else other_label for e in elite]


def group_color(quantile: float, other: str = OTHER, symbol_opacity: float | None = None) -> alt.Color:
    """``symbol_opacity``: the legend symbols' opacity, for a chart whose opacity encoding would
    otherwise set it (parallel coordinates' brushed strengths)."""
    elite_label, other_label = group_labels(quantile)
    legend = alt.Legend(title=None) if symbol_opacity is None else alt.Legend(title=None, symbolOpacity=symbol_opacity)
    return alt.Color(
        field="group",
        type="nominal",
        scale=alt.Scale(domain=[elite_label, other_label], range=[ELITE, other]),
        legend=legend,
    )


def objective_title(direction: str) -> str:
    return say(f"objective.{direction}")


def n_line(n: int, n_complete: int, condition: Condition | None) -> str:
    if condition is not None:
        value = condition.value
        shown = ", ".join(fmt_value(v) for v in value) if isinstance(value, list) else fmt_value(value)
        return say("n_branch", n=n, n_complete=n_complete, parent=condition.parent, value=shown)
    if n < n_complete:
        return say("n_subset", n=n, n_complete=n_complete)
    return say("n_trials", n=n)


def sampling_lines(sampling: Sampling) -> list[str]:
    if sampling.rule == "all":
        return []
    return [say(f"sampling.{sampling.rule}", shown=sampling.n_shown, total=sampling.n_total, best=sampling.n_best)]


def title(text: str, subtitle: Sequence[str]) -> alt.Title:
    return alt.Title(text=text, subtitle=[line for line in subtitle if line])


def panel_title(text: str) -> alt.Title:
    """Title of one panel of a side-by-side chart: smaller than the chart's own."""
    return alt.Title(text=text, fontSize=13, fontWeight="normal")


@lru_cache(maxsize=256)
def jitter(count: int) -> tuple[float, ...]:
    """Deterministic spread in [-0.8, 0.8] for strip plots: the golden-ratio sequence fills
    the interval evenly without randomness, so the same trials land in the same place.
    Cached: the same counts come back chart after chart (one per level, or the points shown)."""
    return tuple(round(((i * 0.6180339887498949) % 1.0 - 0.5) * 1.6, 4) for i in range(count))


@lru_cache(maxsize=256)
def jitter_2d(count: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Two independent spreads in [-0.8, 0.8] (Roberts' R2 sequence), for points jittered on
    both axes of a cell: one 1-D sequence reused for both would put the points on a line."""
    g = 1.324717957244746  # the plastic number: R2's generalised golden ratio
    xs = tuple(round(((0.5 + i / g) % 1.0 - 0.5) * 1.6, 4) for i in range(count))
    ys = tuple(round(((0.5 + i / g**2) % 1.0 - 0.5) * 1.6, 4) for i in range(count))
    return xs, ys


def tooltip_number() -> alt.Tooltip:
    return alt.Tooltip(field="number", type="quantitative", title=say("tooltip.number"))


def tooltip_value() -> alt.Tooltip:
    return alt.Tooltip(field="value", type="quantitative", title=say("tooltip.value"), format=".6g")
