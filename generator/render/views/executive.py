"""Items of the executive summary: each highlight with, for a two-level effect, its levels
ordered winner first (r re-signed to the winner with its interval), so a named winner never
shows a negative r."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.findings import Findings

RANK_BISERIAL = "rank_biserial"


@dataclass(frozen=True)
class Contest:
    winner: Any
    loser: Any
    r: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class ExecutiveItem:
    kind: str
    values: dict[str, Any]
    contest: Contest | None
    """Two levels compared by rank-biserial r, winner first."""
    driven_by_few: dict[str, Any] | None
    """The influence check's record when a few trials drive this effect."""


def contest(values: dict[str, Any]) -> Contest | None:
    # Highlight.values is each kind's payload (the keys its sentence uses): only two-level
    # effects carry an effect measure.
    if "effect_measure" not in values or values["effect_measure"] != RANK_BISERIAL:
        return None
    effect, low, high = values["effect"], values["ci_low"], values["ci_high"]
    if effect >= 0:
        return Contest(values["level_a"], values["level_b"], effect, low, high)
    return Contest(
        values["level_b"],
        values["level_a"],
        -effect,
        -high if high is not None else None,
        -low if low is not None else None,
    )


def executive_items(findings: Findings) -> tuple[ExecutiveItem, ...]:
    return tuple(
        ExecutiveItem(h.kind, h.values, contest(h.values), _driven_by_few(h.values)) for h in findings.executive_summary
    )


def _driven_by_few(values: dict[str, Any]) -> dict[str, Any] | None:
    """The influence check's record, which ``analysis/influence.py`` adds to an effect's payload
    only when a few trials drive it."""
    return values["driven_by_few_trials"] if "driven_by_few_trials" in values else None
