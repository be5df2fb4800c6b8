"""A version's headline: the few numbers the home and study pages show, typed.

Read from a version's findings.json document (the site is built from report/ alone), so
pages never reach into loosely shaped dicts from templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.render.changes import (
    STRONG,
    SUGGESTIVE,
    TIER_RANK,
    condition_label,
    importance_ranks,
    tier_of,
)
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


def headline(version: str, document: Mapping[str, Any]) -> Headline:
    study, summary = document["study"], document["summary"]
    best = summary.get("best")
    stats = document.get("stats") or {}
    tests = document.get("directionality") or []
    effects = sorted(
        (
            TopEffect(
                param=str(e["param"]),
                condition=condition_label(e.get("condition")),
                tier=tier_of(e, stats),
                q=e.get("q"),
                effect=e.get("effect"),
                n=int(e.get("n") or 0),
            )
            for e in tests
        ),
        key=lambda t: (-TIER_RANK[t.tier], t.q if t.q is not None else 2.0, t.param, t.condition or ""),
    )
    # A confounded group is one finding: name only its first member (by evidence).
    partners = {str(e["param"]): set(e.get("confounded_with") or ()) for e in tests}
    credited: list[TopEffect] = []
    for e in effects:
        if not any(e.param in partners.get(c.param, set()) for c in credited):
            credited.append(e)
    warnings = document.get("warnings") or []
    return Headline(
        study=str(study["name"]),
        version=version,
        direction=str(study["direction"]),
        best_value=None if best is None else float(best["value"]),
        best_number=None if best is None else int(best["number"]),
        n_total=int(study["n_trials"]["total"]),
        n_complete=int(study["n_trials"]["complete"]),
        latest_trial=summary.get("last_complete") or summary.get("first_start"),
        top_effects=tuple(e for e in credited if e.tier in (STRONG, SUGGESTIVE))[:TOP_EFFECTS],
        n_effects_tested=len(tests),
        top_importance=_top_importance(document.get("importance") or []),
        n_errors=sum(1 for w in warnings if w.get("severity") == "error"),
        n_warnings=sum(1 for w in warnings if w.get("severity") == "warning"),
    )


def _top_importance(entries: list[Mapping[str, Any]]) -> TopImportance | None:
    """The most important parameter by the global method (fanova); none when it reported no
    shares (e.g. its surrogate had no predictive power): the top-quantile measure answers
    another question and is not headlined in its place."""
    entries = [e for e in entries if e["method"] == GLOBAL_METHOD]
    if not entries:
        return None
    method = GLOBAL_METHOD
    ranks = importance_ranks(entries)[method]
    param = min(ranks, key=lambda p: ranks[p][0])
    return TopImportance(method, param, ranks[param][1])
