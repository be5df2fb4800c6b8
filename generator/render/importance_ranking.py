"""The report's parameter ranking: importance joined with directionality evidence.

This is the one place the importance analysis (issue 4) meets the directionality tests
(issue 3): one row per parameter, ordered by global importance, carrying the same
parameter's top-quantile importance and, when directionality was computed, its test.
Nothing is recomputed; ``templates/findings/_importance_ranking.md.j2`` renders the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import (
    Condition,
    Directionality,
    Findings,
    Importance,
    ImportanceMethod,
)

GLOBAL_METHOD = "fanova"
TOP_QUANTILE_METHOD = "elite_mutual_info"


@dataclass(frozen=True)
class RankingRow:
    rank: int
    param: str
    condition: Condition | None
    n: int | None
    importance: Importance
    top_quantile: Importance | None
    direction: Directionality | None
    n_study: int | None = None
    """Trials the global method analysed: a parameter with fewer (``n``) and no detected parent
    exists in only some trials, and the "Exists when" column says so rather than "always"."""

    @property
    def partial(self) -> bool:
        """Present in only some trials without a detected parent (a search space that changed)."""
        return self.condition is None and self.n is not None and self.n_study is not None and self.n < self.n_study


def importance_ranking(findings: Findings) -> tuple[RankingRow, ...]:
    """Parameters by global importance (ties by name), joined by name with the top-quantile
    importance and the directionality result (either may be absent)."""
    top = {i.param: i for i in findings.importance if i.method == TOP_QUANTILE_METHOD}
    direction = {d.param: d for d in findings.directionality}
    ordered = sorted(
        (i for i in findings.importance if i.method == GLOBAL_METHOD), key=lambda i: (-i.importance, i.param)
    )
    method = importance_method(findings, GLOBAL_METHOD)
    n_study = method.n if method is not None else None
    return tuple(
        RankingRow(rank, i.param, i.condition, i.n, i, top.get(i.param), direction.get(i.param), n_study)
        for rank, i in enumerate(ordered, start=1)
    )


def importance_method(findings: Findings, method: str) -> ImportanceMethod | None:
    """How ``method`` ran (or why it did not), for the section's method notes."""
    return next((m for m in findings.importance_methods if m.method == method), None)


LOW_TOP_QUANTILE = 0.1
"""A top-quantile value whose upper bound is below this reads as "does not matter for the elites"."""


@dataclass(frozen=True)
class ConvergedButLow:
    """A level the elites converged on (``findings.elites``) whose parameter the top-quantile
    measure scores low: stated in the report, with the numbers that explain it."""

    param: str
    level: object
    elite_share: float
    share: float
    top_quantile: Importance


def converged_but_low(findings: Findings) -> tuple[ConvergedButLow, ...]:
    """Converged levels whose parameter's top-quantile interval stays below ``LOW_TOP_QUANTILE``.

    Mutual information with "is elite" cannot be small when a level is both common among the
    elites and rare among the others; it can when most trials use the level anyway (a sampler
    that converged early), which is what the report then says, with both shares."""
    if findings.elites is None:
        return ()
    top = {i.param: i for i in findings.importance if i.method == TOP_QUANTILE_METHOD}
    found = []
    for level in findings.elites.levels:
        value = top.get(level.param)
        if not level.converged or value is None or value.ci_high is None or value.ci_high >= LOW_TOP_QUANTILE:
            continue
        found.append(ConvergedButLow(level.param, level.level, level.elite_share, level.share, value))
    return tuple(found)
