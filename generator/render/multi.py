"""Rendering helpers for multi-objective reports: each objective's block seen as a
single-objective ``Findings``, so the single-objective section templates render it unchanged."""

from __future__ import annotations

import re
from dataclasses import replace

from generator.model.findings import Findings
from generator.model.multi import ObjectiveFindings

_HEADING = re.compile(r"^(#{1,5}) ", flags=re.MULTILINE)


def objective_view(findings: Findings, block: ObjectiveFindings, study_wide_warnings: bool = False) -> Findings:
    """``findings`` with the top-level keys replaced by ``block``'s (study, stats and provenance kept).

    ``study_wide_warnings``: keep the block's warnings that the report's own Warnings section
    already lists. The sections read their explanations from the warnings (importance needs 5
    trials, interactions 20), so without them an objective's section says "none computed" with
    no reason where the top-level objective's same section gives one."""
    return replace(
        findings,
        study=replace(findings.study, objective=block.index, direction=block.direction),
        summary=block.summary,
        directionality=block.directionality,
        importance=block.importance,
        interactions=block.interactions,
        importance_methods=block.importance_methods,
        boundary_hits=block.boundary_hits,
        elites=block.elites,
        significance=block.significance,
        executive_summary=block.executive_summary,
        # Study-wide warnings are listed once, in the report's own Warnings section.
        warnings=tuple(w for w in block.warnings if study_wide_warnings or w not in findings.warnings),
        next_sweep=block.next_sweep,
        influence=block.influence,
        objectives=(),
    )


def objective_suffix(findings: Findings, index: int) -> str:
    """Artifact file-name suffix of objective ``index``: none for the top-level objective (its
    files keep the names DESIGN.md fixes), ``_objective<index>`` for the others."""
    return "" if index == findings.study.objective else f"_objective{index}"


def demote(markdown: str) -> str:
    """Every Markdown heading one level deeper (a section nested under an objective's heading)."""
    return _HEADING.sub(lambda m: "#" + m.group(1) + " ", markdown)
