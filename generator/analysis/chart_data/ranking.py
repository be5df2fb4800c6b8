"""Which parameters and which pairs the parallel-coordinates and contour charts show.

The importance analysis decides when it has spoken: pairs by its interaction strengths,
parameters by its first (global) method. Until it has (or where it returns nothing), a
documented fallback ranks by the *binned effect*: the epsilon-squared of the objective over
the same bins the contour chart draws, within the branch where the parameter exists, and for
a pair over the joint bins of both. It is a heuristic for choosing what to draw, never a
reported statistic. Both are weighted by the share of COMPLETE trials they are computed on,
so a conditional parameter that explains much of a 5-trial branch does not outrank one that
explains a little of all trials. Fallback pairs with no binned effect at all are not drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from generator.analysis.chart_data.binning import (
    bin_axis,
    bin_index,
    effective_bins,
    epsilon_squared,
    joint_bins,
)
from generator.analysis.chart_data.trials import StudyView, param_values
from generator.model.findings import Importance, Interaction

MIN_PAIR_TRIALS = 5
"""A contour needs at least this many trials in which both parameters exist."""


@dataclass(frozen=True)
class PairChoice:
    param_a: str
    param_b: str
    source: str
    score: float | None


def primary_method(importance: tuple[Importance, ...]) -> str | None:
    """The first method the importance analysis listed: its global importance."""
    return importance[0].method if importance else None


def importance_order(importance: tuple[Importance, ...], method: str | None = None) -> list[str]:
    """Parameters by one method's importance, largest first (ties by name)."""
    method = method or primary_method(importance)
    rows = [i for i in importance if i.method == method]
    return [i.param for i in sorted(rows, key=lambda i: (-i.importance, i.param))]


def rank_params(view: StudyView, importance: tuple[Importance, ...], bins: int) -> tuple[list[str], str]:
    """Every parameter, most important first, and what ranked them (``importance`` or
    ``binned_effect``). With importance, only the parameters it ranked are listed."""
    ranked = [p for p in importance_order(importance) if p in view.specs]
    if ranked:
        return ranked, "importance"
    scores = binned_effects(view, bins)
    # Parameters the binned effect cannot score (too few trials, one bin) come last, by name.
    unscored = sorted(p for p in view.specs if p not in scores)
    return sorted(scores, key=lambda p: (-scores[p], p)) + unscored, "binned_effect"


def binned_effects(view: StudyView, bins: int) -> dict[str, float]:
    """Binned epsilon-squared (``effective_bins`` of its n) of every parameter that varies
    over enough trials, times the share of COMPLETE trials in which it exists."""
    scores = {}
    for name, spec in view.specs.items():
        frame = param_values(view, name)
        if len(frame) < MIN_PAIR_TRIALS:
            continue
        groups = bin_index(bin_axis(view, spec, effective_bins(len(frame), bins)), frame)
        if len(set(groups.tolist())) >= 2:
            coverage = len(frame) / len(view.values)
            scores[name] = coverage * epsilon_squared(groups, frame["value"].to_numpy(dtype=float))
    return scores


def choose_pairs(
    view: StudyView,
    importance: tuple[Importance, ...],
    interactions: tuple[Interaction, ...],
    n_pairs: int,
    bins: int,
) -> list[PairChoice]:
    """Up to ``n_pairs`` drawable pairs (``param_a < param_b``), strongest first.

    Sources, in order, each filling what the one before left open:
    1. ``interactions`` of the first method listed, by strength;
    2. pairs of the most important parameters, by summed importance;
    3. the fallback: pairs among the parameters with the largest binned effect, by the joint
       binned effect of the pair.
    The importance analysis often assesses few pairs (it needs enough trials holding both), so
    later sources complete the set rather than leaving the reader with one contour.
    A pair is drawable when at least ``MIN_PAIR_TRIALS`` trials hold both parameters and
    each parameter falls in at least two bins among them.
    """
    if n_pairs <= 0:
        return []
    joint = _Joint(view, bins)
    chosen: list[PairChoice] = []
    if interactions:
        method = interactions[0].method
        rows = sorted(
            (i for i in interactions if i.method == method),
            key=lambda i: (-i.strength, *sorted((i.param_a, i.param_b))),
        )
        chosen = _first_drawable(joint, ((i.param_a, i.param_b, "interactions", i.strength) for i in rows), n_pairs)
    primary = primary_method(importance)
    if primary is not None and len(chosen) < n_pairs:
        weight = {i.param: i.importance for i in importance if i.method == primary and i.param in view.specs}
        candidates = [p for p in importance_order(importance) if p in weight]
        pairs = sorted(
            ((a, b, "importance", weight[a] + weight[b]) for a, b in combinations(candidates, 2)),
            key=lambda t: (-t[3], *sorted(t[:2])),
        )
        chosen = _first_drawable(joint, pairs, n_pairs, chosen)
    if len(chosen) < n_pairs:
        scores = binned_effects(view, bins)
        top = sorted(scores, key=lambda p: (-scores[p], p))[: max(4, n_pairs + 1)]
        scored = []
        for a, b in combinations(sorted(top), 2):
            both = joint.frame(a, b)
            if both is not None:
                effect = joint.effect(both) * len(both) / len(view.values)
                if effect > 0:
                    scored.append((a, b, "binned_effect", effect))
        chosen = _first_drawable(joint, sorted(scored, key=lambda t: (-t[3], t[0], t[1])), n_pairs, chosen)
    return chosen


class _Joint:
    """Binned pairs, computed once per pair (parameter values cached across pairs)."""

    def __init__(self, view: StudyView, bins: int) -> None:
        self._view = view
        self._bins = bins
        self._values: dict[str, pd.DataFrame] = {}
        self._pairs: dict[tuple[str, str], pd.DataFrame | None] = {}

    def frame(self, a: str, b: str) -> pd.DataFrame | None:
        """Joint bins of a drawable pair, or None."""
        if a == b or a not in self._view.specs or b not in self._view.specs:
            return None
        if (a, b) not in self._pairs:
            joint = joint_bins(self._view, a, b, self._bins, self._values)
            usable = len(joint.frame) >= MIN_PAIR_TRIALS and joint.drawable
            self._pairs[(a, b)] = joint.frame if usable else None
        return self._pairs[(a, b)]

    @staticmethod
    def effect(both: pd.DataFrame) -> float:
        cells = both["bin_a"].to_numpy() * 1_000_003 + both["bin_b"].to_numpy()
        return epsilon_squared(cells, both["value"].to_numpy(dtype=float))


def _first_drawable(
    joint: _Joint,
    pairs: Iterable[tuple[str, str, str, float]],
    n_pairs: int,
    already: list[PairChoice] | None = None,
) -> list[PairChoice]:
    chosen: list[PairChoice] = list(already or [])
    if len(chosen) >= n_pairs:
        return chosen
    seen: set[tuple[str, str]] = {(c.param_a, c.param_b) for c in chosen}
    for a, b, source, score in pairs:
        first, second = sorted((a, b))
        if (first, second) in seen or joint.frame(first, second) is None:
            continue
        seen.add((first, second))
        chosen.append(PairChoice(first, second, source, float(score)))
        if len(chosen) == n_pairs:
            break
    return chosen
