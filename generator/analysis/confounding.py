"""Confounded parameters: pairs whose values moved together over the analysed trials.

When two parameters take (near-)identical values in every analysed trial (``use_cosine`` and
``use_scheduler`` both True or both False), no test on these trials can tell their effects
apart: each one's test, importance and elite share is the same evidence counted twice. This
module finds such pairs; the findings then credit each group once (the executive summary
names one member, the rest are marked) and never report an interaction inside a group.

Association over the analysed trials where both parameters exist (at least
``MIN_SHARED_TRIALS``), by the kinds of the two parameters:

- both categorical or boolean: Cramér's V of their contingency table
  (``scipy.stats.contingency.association``), 1 when one determines the other;
- both numeric (continuous, integer, ordinal): |Spearman rho|, 1 when one is a monotone
  function of the other (a log-scale copy included);
- one of each: the correlation ratio eta of the numeric parameter's ranks grouped by the
  categorical's levels (sqrt of the between-level share of the ranks' variance), 1 when each
  level holds one value of the numeric parameter.

A pair is confounded at association >= ``ASSOCIATION_THRESHOLD``. This is a property of the
trials, not a hypothesis test: at any n, such a pair's effects cannot be separated by this data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats
from scipy.stats.contingency import association

from generator.analysis.importance import ImportanceInput, ParamData
from generator.model.findings import Finding, Importance, Interaction
from generator.model.next_sweep import DROP, KNOB, NextSweep, RefinedParam, RefinedSpace, Step
from generator.model.vocabulary import Severity, WarningCode

ASSOCIATION_THRESHOLD = 0.95
"""At or above this association two parameters carry (almost) the same information: with
V or |rho| = 0.95 at most a few trials disagree, too few to attribute an effect to either."""
MIN_SHARED_TRIALS = 10
"""Fewer trials with both parameters are not checked (directionality.SMALL_N): with five, two
independent booleans agree (or disagree) in every trial by chance one time in sixteen, and
such a branch is flagged as small n already."""

CRAMER_V = "cramer_v"
SPEARMAN = "abs_spearman"
ETA = "eta"


@dataclass(frozen=True)
class ConfoundedPair:
    param_a: str
    param_b: str
    """Sorted by name: param_a < param_b."""
    measure: str
    """cramer_v, abs_spearman or eta (see the module docstring)."""
    association: float
    n: int
    """Analysed trials in which both parameters exist."""


@dataclass(frozen=True)
class Confounding:
    pairs: tuple[ConfoundedPair, ...] = ()

    def groups(self) -> tuple[tuple[str, ...], ...]:
        """Connected groups of confounded parameters (each sorted), sorted by first member."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.setdefault(x, x) != x:
                x = parent[x]
            return x

        for p in self.pairs:
            a, b = root(p.param_a), root(p.param_b)
            if a != b:
                parent[max(a, b)] = min(a, b)
        members: dict[str, list[str]] = {}
        for name in sorted(parent):
            members.setdefault(root(name), []).append(name)
        return tuple(sorted(tuple(m) for m in members.values()))

    def partners(self) -> dict[str, tuple[str, ...]]:
        """Each confounded parameter -> the other members of its group (sorted)."""
        return {name: tuple(m for m in group if m != name) for group in self.groups() for name in group}

    def same_group(self, a: str, b: str) -> bool:
        return b in self.partners().get(a, ())


def confounded_pairs(data: ImportanceInput) -> Confounding:
    """Every pair of varying parameters associated at >= ASSOCIATION_THRESHOLD on the trials
    (of ``data``: COMPLETE, finite value) where both exist."""
    names = sorted(n for n, p in data.params.items() if p.varies)
    # Each categorical parameter's keys as codes in the keys' sorted order, once, not as text
    # sorted again for every pair (20,000 strings each): a pair's table and groups come out in
    # the same order, so every number is the same.
    text = {
        n: np.unique(data.params[n].keys.astype(str), return_inverse=True)[1].reshape(-1)
        for n in names
        if not data.params[n].spec.numeric
    }
    found = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            pa, pb = data.params[a], data.params[b]
            both = pa.present & pb.present
            n = int(both.sum())
            if n < MIN_SHARED_TRIALS:
                continue
            measured = pair_association(pa, pb, both, text.get(a), text.get(b))
            if measured is not None and measured[1] >= ASSOCIATION_THRESHOLD - 1e-12:
                found.append(ConfoundedPair(a, b, measured[0], measured[1], n))
    return Confounding(tuple(found))


def pair_association(
    a: ParamData,
    b: ParamData,
    rows: np.ndarray,
    a_text: np.ndarray | None = None,
    b_text: np.ndarray | None = None,
) -> tuple[str, float] | None:
    """(measure, association in [0, 1]) of two parameters on ``rows``; None when either is
    constant there (no association can be measured). ``a_text``/``b_text``: a categorical
    parameter's keys as text, or as codes in the text's sorted order, when the caller
    converted them already."""
    a_num, b_num = a.spec.numeric, b.spec.numeric
    if a_num and b_num:
        x, y = a.numeric[rows], b.numeric[rows]
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            return None
        return SPEARMAN, float(abs(stats.spearmanr(x, y).statistic))
    a_keys = None if a_num else (a.keys.astype(str) if a_text is None else a_text)[rows]
    b_keys = None if b_num else (b.keys.astype(str) if b_text is None else b_text)[rows]
    if a_keys is not None and b_keys is not None:
        table = _crosstab(a_keys, b_keys)
        if min(table.shape) < 2:
            return None
        return CRAMER_V, float(association(table, method="cramer"))
    numeric, keys = (a, b_keys) if a_num else (b, a_keys)
    assert keys is not None
    x = numeric.numeric[rows]
    if np.ptp(x) == 0 or not (keys != keys[0]).any():
        return None
    return ETA, correlation_ratio(stats.rankdata(x), keys)


def _crosstab(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Counts of each (a, b) pair of values, rows and columns in sorted order, as pd.crosstab
    gives them (a bincount: crosstab's groupby took 30 ms a pair at 20,000 trials)."""
    a_levels, a_codes = np.unique(a, return_inverse=True)
    b_levels, b_codes = np.unique(b, return_inverse=True)
    cells = a_codes.reshape(-1) * len(b_levels) + b_codes.reshape(-1)
    return np.bincount(cells, minlength=len(a_levels) * len(b_levels)).reshape(len(a_levels), len(b_levels))


def correlation_ratio(values: np.ndarray, groups: np.ndarray) -> float:
    """eta: sqrt(between-group sum of squares / total sum of squares) of ``values``."""
    total = float(((values - values.mean()) ** 2).sum())
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=values) / counts
    between = float((counts * (means - values.mean()) ** 2).sum())
    return float(np.sqrt(min(1.0, between / total))) if total > 0 else 0.0


def confounding_warnings(confounding: Confounding) -> list[Finding]:
    """One ``confounded_params`` warning per confounded pair, with its association and n."""
    return [
        Finding(
            WarningCode.CONFOUNDED_PARAMS,
            Severity.WARNING,
            (p.param_a, p.param_b),
            {"param_a": p.param_a, "param_b": p.param_b, "measure": p.measure, "association": p.association, "n": p.n},
        )
        for p in confounding.pairs
    ]


def mark_importance(importance: Iterable[Importance], confounding: Confounding) -> tuple[Importance, ...]:
    """Importance rows with ``confounded_with`` set, so a group's shares are read as one effect."""
    partners = confounding.partners()
    return tuple(replace(i, confounded_with=partners[i.param]) if i.param in partners else i for i in importance)


def separate_interactions(interactions: Iterable[Interaction], confounding: Confounding) -> tuple[Interaction, ...]:
    """Interactions without pairs inside one confounded group: the surrogate cannot separate
    two parameters that never varied apart, so their "joint effect" is an artefact."""
    return tuple(i for i in interactions if not confounding.same_group(i.param_a, i.param_b))


def annotate_next_sweep(recommended: NextSweep, confounding: Confounding) -> NextSweep:
    """Every tuned or fixed entry of a confounded parameter gets a ``confounded`` step, so its
    reason says its evidence is shared with its partners, not independent."""
    if not confounding.pairs:
        return recommended
    partners = confounding.partners()
    pairs: dict[str, list[ConfoundedPair]] = {}
    for p in confounding.pairs:
        pairs.setdefault(p.param_a, []).append(p)
        pairs.setdefault(p.param_b, []).append(p)

    def entry(param: RefinedParam) -> RefinedParam:
        if param.name not in partners or param.action == DROP or param.kind == KNOB:
            return param
        weakest = min(pairs[param.name], key=lambda p: (p.association, p.param_a, p.param_b))
        values = {
            "with": list(partners[param.name]),
            "measure": weakest.measure,
            "association": weakest.association,
            "n": weakest.n,
        }
        return replace(param, steps=(*param.steps, Step("confounded", values)))

    def space(s: RefinedSpace) -> RefinedSpace:
        return replace(s, params=tuple(entry(p) for p in s.params))

    return replace(recommended, aggressive=space(recommended.aggressive), conservative=space(recommended.conservative))
