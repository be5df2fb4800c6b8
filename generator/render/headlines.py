"""A version's headline: the few numbers the home and study pages show, typed.

Read from a version's findings (``model.reader.load_findings``: the site is built from
report/ alone), with the tiers the findings record.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.changes import TIER_RANK, condition_label, evidence_tier
from generator.model.findings import Findings, Importance
from generator.model.vocabulary import Severity, Tier
from generator.render.importance_ranking import GLOBAL_METHOD

TOP_EFFECTS = 3
"""Effects named in a headline: enough to say what matters, few enough for a table cell."""


@dataclass(frozen=True)
class TopEffect:
    param: str
    condition: str | None
    tier: str
    q: float | None
    effect: float | None
    n: int


@dataclass(frozen=True)
class TopImportance:
    method: str
    param: str
    importance: float


@dataclass(frozen=True)
class Headline:
    study: str
    version: str
    direction: str
    best_value: float | None
    best_number: int | None
    n_total: int
    n_complete: int
    latest_trial: str | None
    """ISO time of the latest trial's end (or start, when none has ended)."""
    top_effects: tuple[TopEffect, ...]
    n_effects_tested: int
    top_importance: TopImportance | None
    n_errors: int
    n_warnings: int


def headline(version: str, findings: Findings) -> Headline:
    study, summary, tests = findings.study, findings.summary, findings.directionality
    best = summary.best
    effects = sorted(
        (
            TopEffect(
                param=e.param,
                condition=condition_label(e.condition),
                tier=evidence_tier(e.tier),
                q=e.q,
                effect=e.effect,
                n=e.n,
            )
            for e in tests
        ),
        key=lambda t: (-TIER_RANK[t.tier], t.q if t.q is not None else 2.0, t.param, t.condition or ""),
    )
    # A confounded group is one finding: name only its first member (by evidence).
    partners = {e.param: set(e.confounded_with) for e in tests}
    credited: list[TopEffect] = []
    for e in effects:
        if not any(e.param in partners.get(c.param, set()) for c in credited):
            credited.append(e)
    warnings = findings.warnings
    return Headline(
        study=study.name,
        version=version,
        direction=study.direction,
        best_value=None if best is None else float(best.value),
        best_number=None if best is None else best.number,
        n_total=study.n_trials.total,
        n_complete=study.n_trials.complete,
        latest_trial=summary.last_complete or summary.first_start,
        top_effects=tuple(e for e in credited if e.tier in (Tier.STRONG, Tier.SUGGESTIVE))[:TOP_EFFECTS],
        n_effects_tested=len(tests),
        top_importance=_top_importance(findings.importance),
        n_errors=sum(1 for w in warnings if w.severity == Severity.ERROR),
        n_warnings=sum(1 for w in warnings if w.severity == Severity.WARNING),
    )


def _top_importance(entries: tuple[Importance, ...]) -> TopImportance | None:
    """The most important parameter by the global method (fanova), ties by name; none when it
    reported no shares (e.g. its surrogate had no predictive power): the top-quantile measure
    answers another question and is not headlined in its place."""
    ranked = sorted((e for e in entries if e.method == GLOBAL_METHOD), key=lambda e: (-float(e.importance), e.param))
    if not ranked:
        return None
    return TopImportance(GLOBAL_METHOD, ranked[0].param, float(ranked[0].importance))
