"""What the analysis detectors read: the statistics of one objective, gathered once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.model.findings import BoundaryHit, Directionality

if TYPE_CHECKING:  # analysis imports the findings model; only the types flow back here
    from generator.analysis.baseline import Performance
    from generator.analysis.params import ParamSpec
    from generator.model.effects import EliteAnalysis, Significance


@dataclass(frozen=True)
class AnalysisEvidence:
    effects: tuple[Directionality, ...]
    elites: EliteAnalysis | None
    hits: tuple[BoundaryHit, ...]
    perf: Performance | None
    significance: Significance | None
    specs: tuple[ParamSpec, ...]

    @property
    def tested(self) -> tuple[Directionality, ...]:
        """Parameters whose primary test ran (they have a p)."""
        return tuple(d for d in self.effects if d.p is not None)
