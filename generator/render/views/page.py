"""Everything findings.md's sections loop over, computed once per Findings.

Sections read the typed findings ``f`` for values and these ``views`` for rows, partitions
and lookups; the templates only loop and word. A multi-objective study's other objectives get
their own views (``objectives``), rendered by the same section templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.effects import EliteLevel
from generator.model.findings import Findings
from generator.model.multi import ObjectiveFindings
from generator.render.multi import objective_suffix, objective_view
from generator.render.views.boundary import BoundaryView, boundary_view
from generator.render.views.curves import CurvesView, curves_view
from generator.render.views.effects import (
    EffectsView,
    LevelsView,
    SignificanceView,
    effects_view,
    enriched_levels,
    levels_view,
    significance_view,
)
from generator.render.views.executive import ExecutiveItem, executive_items
from generator.render.views.glance import (
    Action,
    GlanceView,
    Previous,
    WarningsView,
    actions,
    glance_view,
    warnings_view,
)
from generator.render.views.importance import ImportanceView, importance_view
from generator.render.views.multi import HypervolumeView, hypervolume_view
from generator.render.views.next_sweep import NextSweepView, next_sweep_view
from generator.render.views.summary import SummaryView, summary_view
from generator.render.views.trial_attrs import TrialAttributesView, trial_attributes_view


@dataclass(frozen=True)
class FindingsViews:
    summary: SummaryView
    executive: tuple[ExecutiveItem, ...]
    glance: GlanceView
    actions: tuple[Action, ...]
    """What the next sweep's configs change ("What to do")."""
    enriched: tuple[EliteLevel, ...]
    """Elite levels whose enrichment is strong or suggestive."""
    warnings: WarningsView
    effects: EffectsView
    significance: SignificanceView
    levels: LevelsView
    boundary: BoundaryView
    importance: ImportanceView
    next_sweep: NextSweepView | None
    trial_attributes: TrialAttributesView | None
    hypervolume: HypervolumeView | None
    learning_curves: CurvesView | None
    objectives: tuple[ObjectiveSection, ...]
    """The analysed objectives other than the top-level one (empty for a single objective)."""


@dataclass(frozen=True)
class ObjectiveSection:
    """One further objective of a multi-objective report."""

    block: ObjectiveFindings
    findings: Findings
    """The block seen as a single-objective study, study-wide warnings kept (the sections
    explain themselves from them)."""
    views: FindingsViews
    suffix: str
    """Artifact file-name suffix of its next-sweep files."""
    own_warnings: Findings
    """The block with only its own warnings: the section's table leaves the study-wide ones to the report's."""
    own_warnings_view: WarningsView


def findings_views(findings: Findings, previous: Previous | None = None, version: str | None = None) -> FindingsViews:
    """``previous``: the study's previous report version, whose best value the top block compares;
    ``version``: this one's name (the top block's command names its config from the output folder)."""
    executive = executive_items(findings)
    return FindingsViews(
        summary=summary_view(findings),
        executive=executive,
        glance=glance_view(findings, executive, previous, version),
        actions=actions(findings),
        enriched=enriched_levels(findings),
        warnings=warnings_view(findings.warnings),
        effects=effects_view(findings),
        significance=significance_view(findings),
        levels=levels_view(findings),
        boundary=boundary_view(findings),
        importance=importance_view(findings),
        next_sweep=next_sweep_view(findings),
        trial_attributes=trial_attributes_view(findings),
        hypervolume=hypervolume_view(findings),
        learning_curves=curves_view(findings),
        objectives=objective_sections(findings),
    )


def objective_sections(findings: Findings) -> tuple[ObjectiveSection, ...]:
    if findings.multi_objective is None:
        return ()
    sections = []
    for block in findings.objectives:
        if block.index == findings.study.objective:
            continue
        view = objective_view(findings, block, study_wide_warnings=True)
        own = objective_view(findings, block)
        sections.append(
            ObjectiveSection(
                block=block,
                findings=view,
                views=findings_views(view),
                suffix=objective_suffix(findings, block.index),
                own_warnings=own,
                own_warnings_view=warnings_view(own.warnings),
            )
        )
    return tuple(sections)
