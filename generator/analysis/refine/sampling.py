"""Random configurations from a next-sweep space, as the surrogate reads them.

Values are drawn the way Optuna's independent samplers draw them (uniform on the parameter's
own scale, log-uniform for log parameters, integers on their grid, categories equally
likely), conditions respected parents first. Then each value is mapped into the *old*
declared space for prediction: the surrogate was fitted there and cannot extrapolate, so a
number beyond an old bound is predicted as at that bound and a new ordinal level as the
nearest old one. The share of configurations that needed such a mapping is reported beside
the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from generator.analysis.importance import ParamData
from generator.analysis.params import ParamSpec
from generator.analysis.refine.entries import condition_values, level_key, parents_first
from generator.model.next_sweep import DROP, FIX, KNOB, RefinedParam
from generator.model.vocabulary import ParamKind


@dataclass(frozen=True)
class Sampled:
    params: dict[str, ParamData]
    """Every declared parameter over the sampled configurations, mapped into the old space."""
    clipped: np.ndarray
    """True where some value of the configuration lay outside the old declared space."""


def sample_space(
    entries: tuple[RefinedParam, ...],
    specs: Mapping[str, ParamSpec],
    n: int,
    rng: np.random.Generator,
    presence: Mapping[str, float] | None = None,
) -> Sampled:
    """``n`` configurations of the space ``entries``. ``presence`` gives, for parameters that
    came and went without a detected parent (a space changed mid-study), the probability that
    they exist: how the old space is sampled faithfully."""
    by_name = {e.name: e for e in entries if e.kind != KNOB and e.name in specs}
    drawn: dict[str, tuple[np.ndarray, list[object]]] = {}
    for name in parents_first(by_name):
        entry = by_name[name]
        values = _draw(entry, n, rng)  # drawn for every row, so the stream never depends on presence
        present = np.full(n, entry.action != DROP)
        if entry.condition is not None and entry.condition.parent in by_name:
            parent_present, parent_values = drawn.get(entry.condition.parent, (np.zeros(n, dtype=bool), [None] * n))
            allowed = {level_key(v) for v in condition_values(entry.condition)}
            present &= parent_present & np.array([level_key(v) in allowed for v in parent_values], dtype=bool)
        share = (presence or {}).get(name)
        if share is not None:
            present &= rng.random(n) < share
        drawn[name] = (present, values)
    clipped = np.zeros(n, dtype=bool)
    params: dict[str, ParamData] = {}
    for name, spec in sorted(specs.items()):
        present, values = drawn.get(name, (np.zeros(n, dtype=bool), [None] * n))
        data, outside = _into_old_space(spec, present, values)
        params[name] = data
        clipped |= outside
    return Sampled(params, clipped)


def _draw(entry: RefinedParam, n: int, rng: np.random.Generator) -> list[object]:
    if entry.action == FIX:
        return [entry.value] * n
    if entry.action == DROP or entry.dist is None:
        return [None] * n
    if entry.dist == "categorical":
        picks = rng.integers(0, len(entry.choices), size=n)
        return [entry.choices[i] for i in picks]
    assert entry.low is not None and entry.high is not None
    low, high = entry.low, entry.high
    if entry.dist == "int":
        step = int(entry.step or 1)
        if entry.log:
            # Optuna: log-uniform over [low - 0.5, high + 0.5], then rounded to the grid.
            u = rng.uniform(math.log(low - 0.5), math.log(high + 0.5), size=n)
            return [int(v) for v in np.clip(np.round(np.exp(u)), low, high)]
        return [int(low + step * k) for k in rng.integers(0, (int(high) - int(low)) // step + 1, size=n)]
    if entry.log:
        return [float(v) for v in 10 ** rng.uniform(math.log10(low), math.log10(high), size=n)]
    if entry.step:
        count = int(round((high - low) / entry.step)) + 1
        return [float(low + entry.step * k) for k in rng.integers(0, count, size=n)]
    return [float(v) for v in rng.uniform(low, high, size=n)]


def _into_old_space(spec: ParamSpec, present: np.ndarray, values: list[object]) -> tuple[ParamData, np.ndarray]:
    n = len(values)
    numeric = np.full(n, np.nan)
    keys = np.full(n, None, dtype=object)
    outside = np.zeros(n, dtype=bool)
    rows = np.flatnonzero(present)
    if spec.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER):
        # The surrogate's basis reads numbers only: no keys needed.
        assert spec.low is not None and spec.high is not None
        raw = np.array([float(values[i]) for i in rows])  # type: ignore[arg-type]
        mapped = np.clip(raw, spec.low, spec.high)
        if spec.kind == ParamKind.INTEGER:
            step = spec.step or 1.0
            mapped = np.clip(spec.low + step * np.round((mapped - spec.low) / step), spec.low, spec.high)
        numeric[rows] = mapped
        outside[rows] = ~np.isclose(mapped, raw, rtol=1e-12, atol=0.0)
    elif spec.kind == ParamKind.ORDINAL:
        old = list(spec.choices)
        numbers = np.array([float(c) for c in old])
        raw = np.array([float(values[i]) for i in rows])  # type: ignore[arg-type]
        nearest = np.argmin(np.abs(raw[:, None] - numbers[None, :]), axis=1) if len(rows) else np.zeros(0, dtype=int)
        numeric[rows] = numbers[nearest]
        old_keys = np.array([level_key(c) for c in old], dtype=object)
        keys[rows] = old_keys[nearest]
        outside[rows] = numbers[nearest] != raw
    else:
        declared = {level_key(c) for c in spec.choices}
        cache: dict[tuple[type, object], str] = {}
        for i in rows:
            value = values[i]
            try:
                k = cache[(type(value), value)]
            except KeyError:
                k = cache[(type(value), value)] = level_key(value)
            except TypeError:  # a list-valued choice of an old study: not hashable
                k = level_key(value)
            if k in declared:
                keys[i] = k
            else:
                outside[i] = True
        present = present & np.array([k is not None for k in keys], dtype=bool)
    return ParamData(
        spec=spec, present=present.copy(), numeric=numeric, keys=keys, distributions=np.full(n, None, dtype=object)
    ), outside
