"""The study summary's marks: which of the best and worst trials are pruned ones counted at
their last reported value (``--include-pruned``)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Findings


@dataclass(frozen=True)
class SummaryView:
    best_pruned: bool
    worst_pruned: bool


def summary_view(findings: Findings) -> SummaryView:
    pruned = findings.pruned_analysis.numbers if findings.pruned_analysis is not None else ()
    best, worst = findings.summary.best, findings.summary.worst
    return SummaryView(
        best_pruned=best is not None and best.number in pruned,
        worst_pruned=worst is not None and worst.number in pruned,
    )
