"""Each parameter's main-effect basis, and the declared measure importance is taken under.

The measure is the search space as declared (fANOVA's choice, not where the sampler happened
to look): every parameter uniform over its merged declared range on its own scale (log10 for
log parameters, matching how Optuna samples them), categories equally likely, and a
conditional parameter present only in its branch, whose probability follows from its
parent's measure (``depth`` under ``encoder_type == cnn`` with two encoders: one half).
Parameters that are missing from some trials without a detected parent (a search space
changed between sweep stages) are present with the share of trials that have them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from generator.analysis.importance._base import ImportanceInput, ParamData, choice_key
from generator.analysis.params import ParamSpec, scale
from generator.model.vocabulary import ParamKind

MAX_KNOTS = 16
"""Knots of a continuous main effect: piecewise-linear on 15 intervals keeps 99.9% of the
variance of sin(2x) over [-pi, pi] (Ishigami's x2); more only adds noise at HPO sample sizes."""
MIN_KNOTS = 3
PAIR_KNOTS = 6
"""Knots per axis of a pairwise (tensor) term: 25 cells are enough to rank pairs."""


def knots_for(n_trials: int, n_params: int) -> int:
    """Fewer knots when trials are few per parameter, so each coefficient sees some trials."""
    return int(np.clip(n_trials // max(1, 2 * n_params), MIN_KNOTS, MAX_KNOTS))


@dataclass(frozen=True)
class Basis:
    """A parameter's basis functions and their moments under the declared measure.

    ``mean`` is E[b] and ``cov`` is E[b bᵀ] - E[b] E[b]ᵀ over the parameter's own measure, so a
    component ``h = cᵀ(b - mean)`` has mean zero and variance ``cᵀ cov c``.
    """

    name: str
    mean: np.ndarray
    cov: np.ndarray
    knots: np.ndarray | None = None
    """Knots on the parameter's own scale (piecewise-linear "hat" basis)."""
    levels: tuple[str, ...] | None = None
    """Value keys of an indicator-per-value basis (categories, or the values of a short integer range)."""
    integer_grid: np.ndarray | None = None
    """For an integer parameter with an indicator basis: its values, in level order."""

    @property
    def size(self) -> int:
        return len(self.mean)

    def entries(self, param: ParamData) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sparse (row, column, value) entries of the uncentered basis, and the rows it covers."""
        if self.knots is not None:
            x = scale(param.spec, param.numeric)
            active = param.present & np.isfinite(x)
            rows = np.flatnonzero(active)
            z = np.clip(x[rows], self.knots[0], self.knots[-1])
            j = np.clip(np.searchsorted(self.knots, z, side="right") - 1, 0, len(self.knots) - 2)
            t = (z - self.knots[j]) / (self.knots[j + 1] - self.knots[j])
            return (
                np.repeat(rows, 2),
                np.stack([j, j + 1], axis=1).ravel(),
                np.stack([1 - t, t], axis=1).ravel(),
                active,
            )
        assert self.levels is not None
        if self.integer_grid is not None:
            grid = self.integer_grid
            step = grid[1] - grid[0]
            with np.errstate(invalid="ignore"):
                raw = np.rint((param.numeric - grid[0]) / step)
            ok = param.present & np.isfinite(raw) & (raw >= 0) & (raw < len(grid))
            codes = np.where(ok, np.nan_to_num(raw), -1).astype(np.int64)
            ok &= np.isclose(grid[np.clip(codes, 0, None)], param.numeric)
            codes[~ok] = -1
        else:
            lookup = {k: i for i, k in enumerate(self.levels)}
            codes = np.full(len(param.keys), -1, dtype=np.int64)
            present = np.flatnonzero(param.present)
            distinct, inverse = np.unique(param.keys[present].astype(str), return_inverse=True)
            codes[present] = np.array([lookup.get(k, -1) for k in distinct], dtype=np.int64)[inverse]
        active = codes >= 0
        rows = np.flatnonzero(active)
        return rows, codes[rows], np.ones(len(rows)), active


def main_basis(param: ParamData, n_knots: int) -> Basis | None:
    """The basis for ``param``'s main effect, or None when it cannot vary (one value)."""
    spec = param.spec
    if spec.kind in (ParamKind.CATEGORICAL, ParamKind.ORDINAL, ParamKind.BOOLEAN):
        keys = tuple(dict.fromkeys(choice_key(c) for c in spec.choices))
        if len(keys) < 2:
            return None
        weights = np.full(len(keys), 1 / len(keys))
        return Basis(spec.name, weights, np.diag(weights) - np.outer(weights, weights), levels=keys)
    if spec.low is None or spec.high is None or not spec.high > spec.low:
        return None
    if spec.kind == ParamKind.INTEGER:
        step = spec.step or 1.0
        count = int(round((spec.high - spec.low) / step)) + 1
        if count <= n_knots:
            grid = spec.low + step * np.arange(count)
            weights = np.array([integer_weight(spec, v) for v in grid])
            weights = weights / weights.sum()
            keys = tuple(json.dumps(int(v)) for v in grid)
            return Basis(
                spec.name, weights, np.diag(weights) - np.outer(weights, weights), levels=keys, integer_grid=grid
            )
    low, high = scale(spec, np.array([spec.low, spec.high]))
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        return None
    knots = np.linspace(low, high, n_knots)
    mean, cov = hat_moments(knots)
    return Basis(spec.name, mean, cov, knots=knots)


def coarse_basis(basis: Basis) -> Basis:
    """The basis of one axis of a pairwise term: fewer knots, the same levels."""
    if basis.knots is None or len(basis.knots) <= PAIR_KNOTS:
        return basis
    knots = np.linspace(basis.knots[0], basis.knots[-1], PAIR_KNOTS)
    mean, cov = hat_moments(knots)
    return Basis(basis.name, mean, cov, knots=knots)


def hat_moments(knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of piecewise-linear hat functions under the uniform measure on the
    knots' span (exact: each hat is linear on each interval)."""
    h = np.diff(knots)
    span = knots[-1] - knots[0]
    mean = np.zeros(len(knots))
    mean[:-1] += h / 2
    mean[1:] += h / 2
    second = np.zeros((len(knots), len(knots)))
    i = np.arange(len(h))
    second[i, i] += h / 3
    second[i + 1, i + 1] += h / 3
    second[i, i + 1] += h / 6
    second[i + 1, i] += h / 6
    mean /= span
    second /= span
    return mean, second - np.outer(mean, mean)


def integer_weight(spec: ParamSpec, value: float) -> float:
    """Declared probability mass of one integer value (up to a constant): equal on a linear
    range; on a log range the log-width of the value's cell [v - step/2, v + step/2], as
    Optuna samples log integers (log-uniform over the widened range, then rounded)."""
    if not spec.log:
        return 1.0
    half = (spec.step or 1.0) / 2
    return math.log(value + half) - math.log(max(value - half, 1e-12))


class Branches:
    """Which branch each parameter lives in, and how likely a set of parameters is present
    together under the declared measure."""

    def __init__(self, data: ImportanceInput) -> None:
        self._params = data.params

    def parent_of(self, name: str) -> str | None:
        condition = self._params[name].spec.condition
        return condition.parent if condition is not None and condition.parent in self._params else None

    def ancestors(self, name: str) -> set[str]:
        found: set[str] = set()
        parent = self.parent_of(name)
        while parent is not None and parent not in found:
            found.add(parent)
            parent = self.parent_of(parent)
        return found

    def probability(self, names: list[str]) -> float:
        """P(all ``names`` present): parents' declared shares times, for parameters missing
        without a detected parent, the share of analysed trials that have them all."""
        allowed: dict[str, set[str]] = {}
        unexplained: set[str] = set()
        stack = list(names)
        seen: set[str] = set()
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            parent = self.parent_of(name)
            if parent is not None:
                condition = self._params[name].spec.condition
                assert condition is not None
                values = condition.value if isinstance(condition.value, list) else [condition.value]
                keys = {choice_key(v) for v in values}
                allowed[parent] = allowed[parent] & keys if parent in allowed else keys
                stack.append(parent)
            elif not self._params[name].present.all():
                unexplained.add(name)
        probability = 1.0
        for parent, keys in allowed.items():
            probability *= self._share(parent, keys)
        if unexplained:
            together = np.logical_and.reduce([self._params[n].present for n in sorted(unexplained)])
            probability *= float(together.mean())
        return probability

    def _share(self, parent: str, keys: set[str]) -> float:
        spec = self._params[parent].spec
        if spec.kind in (ParamKind.CATEGORICAL, ParamKind.ORDINAL, ParamKind.BOOLEAN):
            choices = list(dict.fromkeys(choice_key(c) for c in spec.choices))
            return sum(1 for c in choices if c in keys) / len(choices) if choices else 0.0
        if spec.kind == ParamKind.INTEGER and spec.low is not None and spec.high is not None:
            step = spec.step or 1.0
            count = int(round((spec.high - spec.low) / step)) + 1
            values = [json.loads(k) for k in keys]
            inside = [v for v in values if isinstance(v, int | float) and spec.low <= v <= spec.high]
            if spec.log:
                total = math.log(spec.high + step / 2) - math.log(max(spec.low - step / 2, 1e-12))
                return sum(integer_weight(spec, v) for v in inside) / total
            return len(inside) / count
        # A float parent cannot be detected (see params.detect_conditions); be explicit anyway.
        return float(np.mean([k in keys for k in self._params[parent].keys if k is not None]))
