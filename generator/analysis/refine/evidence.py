"""Everything the statistics found about one parameter, gathered where the rules can read it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.analysis.params import ParamSpec
from generator.analysis.sample import ParamSample
from generator.model.effects import EliteAnalysis, EliteLevel, EliteRange
from generator.model.findings import BoundaryHit, Directionality
from generator.model.vocabulary import ParamKind, Side, Tier

RANGED = (ParamKind.CONTINUOUS, ParamKind.INTEGER)
"""Kinds tuned over a range (low, high)."""
NUMERIC = (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL)
DISCRETE = (ParamKind.ORDINAL, ParamKind.BOOLEAN, ParamKind.CATEGORICAL)
"""Kinds tuned over choices (an ordinal's choices are numbers)."""


@dataclass(frozen=True)
class ParamEvidence:
    """One parameter: its declared space, its primary test, its elites, its boundary hits."""

    spec: ParamSpec
    sign: float
    """+1 when larger objective values are better, -1 otherwise."""
    test: Directionality | None
    """None when no complete trial with a finite value has the parameter."""
    sample: ParamSample | None
    levels: tuple[EliteLevel, ...] = ()
    """Elite enrichment test per level (discrete parameters), in level order."""
    elite_range: EliteRange | None = None
    hits: dict[Side, BoundaryHit] = field(default_factory=dict)
    """Boundary hits by side (low, high)."""

    @property
    def tier(self) -> Tier:
        return self.test.tier if self.test is not None else Tier.NOT_TESTED

    @property
    def n_branch_elites(self) -> int:
        return int(self.sample.elite.sum()) if self.sample is not None else 0

    @property
    def testable(self) -> bool:
        """A primary test ran and its tier can justify something (never not enough evidence)."""
        return self.tier not in (Tier.NOT_ENOUGH_EVIDENCE, Tier.NOT_TESTED)


def at_least(tier: Tier, weakest: str) -> bool:
    """Whether ``tier`` is at least ``weakest`` (strong, or suggestive)."""
    return tier == Tier.STRONG or (weakest == Tier.SUGGESTIVE and tier == Tier.SUGGESTIVE)


def gather(
    specs: dict[str, ParamSpec],
    samples: dict[str, ParamSample],
    sign: float,
    directionality: Iterable[Directionality],
    elites: EliteAnalysis | None,
    hits: Iterable[BoundaryHit],
) -> dict[str, ParamEvidence]:
    """One ParamEvidence per declared parameter, sorted by name."""
    tests = {d.param: d for d in directionality}
    levels: dict[str, list[EliteLevel]] = {}
    ranges: dict[str, EliteRange] = {}
    if elites is not None:
        for level in elites.levels:
            levels.setdefault(level.param, []).append(level)
        ranges = {r.param: r for r in elites.ranges}
    sides: dict[str, dict[Side, BoundaryHit]] = {}
    for hit in hits:
        sides.setdefault(hit.param, {})[hit.side] = hit
    return {
        name: ParamEvidence(
            spec=spec,
            sign=sign,
            test=tests.get(name),
            sample=samples.get(name),
            levels=tuple(levels.get(name, ())),
            elite_range=ranges.get(name),
            hits=sides.get(name, {}),
        )
        for name, spec in sorted(specs.items())
    }


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps 1 apart from True (and 1 from "1"), as parameter values must."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def key(value: Any) -> str:
    """A parameter value as the snapshot stores it (``value_json``): exact, hashable."""
    return json.dumps(value)
