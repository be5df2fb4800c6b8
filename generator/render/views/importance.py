"""The importance section: the ranking (``render/importance_ranking.py``), how each method
ran, and the warnings that explain a missing method or missing interactions."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Finding, Findings, ImportanceMethod
from generator.model.vocabulary import WarningCode
from generator.render.importance_ranking import (
    GLOBAL_METHOD,
    TOP_QUANTILE_METHOD,
    ConvergedButLow,
    RankingRow,
    converged_but_low,
    importance_method,
    importance_ranking,
)

PAIRWISE_METHOD = "fanova_pairwise"


def _codes(prefix: str) -> frozenset[WarningCode]:
    return frozenset(c for c in WarningCode if c.startswith(prefix))


IMPORTANCE_NOTES = _codes("importance_") - {WarningCode.IMPORTANCE_EFFECT_DISAGREE}
"""Warnings that say why no importance was computed (the disagreement with the effects is
about a computed ranking, so it is no such reason)."""
TOP_QUANTILE_NOTES = _codes("top_quantile_")
INTERACTION_NOTES = _codes("interactions_")

UNRELIABLE_FIT_R2 = 0.1
"""Below this out-of-sample R² the surrogate explains almost nothing: the ranking is not reliable."""
RANKING_ONLY_FIT_R2 = 0.5
"""Below this the shares are read as a ranking more than as amounts."""


@dataclass(frozen=True)
class ImportanceView:
    ranking: tuple[RankingRow, ...]
    fanova: ImportanceMethod | None
    top: ImportanceMethod | None
    pairs: ImportanceMethod | None
    converged_but_low: tuple[ConvergedButLow, ...]
    importance_notes: tuple[Finding, ...]
    top_quantile_notes: tuple[Finding, ...]
    interaction_notes: tuple[Finding, ...]
    fit_unreliable: bool
    fit_ranking_only: bool
    """Reliable enough to rank, not to read the shares as amounts (between the two thresholds)."""
    with_top: bool
    """Some row has a top-quantile value: the table gets that column."""
    with_direction: bool
    """The directionality analysis ran: the table gets the direction column."""
    any_confounded: bool
    confounded: tuple[RankingRow, ...]
    """One row per confounded group: the member whose name sorts before its first partner."""
    with_branch: bool
    """Some row is measured on part of the trials (a branch, or a partial parameter)."""
    with_partial: bool


def importance_view(findings: Findings) -> ImportanceView:
    ranking = importance_ranking(findings)
    fanova = importance_method(findings, GLOBAL_METHOD)
    fit_r2 = fanova.fit_r2 if fanova is not None else None

    def notes(codes: frozenset[WarningCode]) -> tuple[Finding, ...]:
        return tuple(w for w in findings.warnings if w.code in codes)

    return ImportanceView(
        ranking=ranking,
        fanova=fanova,
        top=importance_method(findings, TOP_QUANTILE_METHOD),
        pairs=importance_method(findings, PAIRWISE_METHOD),
        converged_but_low=converged_but_low(findings),
        importance_notes=notes(IMPORTANCE_NOTES),
        top_quantile_notes=notes(TOP_QUANTILE_NOTES),
        interaction_notes=notes(INTERACTION_NOTES),
        fit_unreliable=fit_r2 is not None and fit_r2 < UNRELIABLE_FIT_R2,
        fit_ranking_only=fit_r2 is not None and UNRELIABLE_FIT_R2 <= fit_r2 < RANKING_ONLY_FIT_R2,
        with_top=any(r.top_quantile for r in ranking),
        with_direction=len(findings.directionality) > 0,
        any_confounded=any(r.importance.confounded_with for r in ranking),
        confounded=tuple(
            r for r in ranking if r.importance.confounded_with and r.param < r.importance.confounded_with[0]
        ),
        with_branch=any(r.condition is not None or r.partial for r in ranking),
        with_partial=any(r.partial for r in ranking),
    )
