"""What changed between two versions of one study: typed, raw numbers, no words.

``analysis/changes.py`` computes it from the two versions' findings and recommended configs,
``templates/changes.md.j2`` words it and ``changes.json`` is its serialization (read back with
``model.reader.load_model(path, Changes)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model.findings import Condition
from generator.model.vocabulary import Tier

CONFIG_ARTIFACTS = ("refined_search_space_aggressive.yaml", "refined_search_space_conservative.yaml")
"""The recommended next-sweep configs (in a version's artifacts/) whose changes are reported."""

STATES = ("total", "complete", "pruned", "fail", "running", "waiting")
"""The trial counts compared, in the order changes.md lists them."""

ABSENT = "absent"
"""The tier of a test one version does not have (the parameter or its branch is new or gone)."""

TIER_RANK = {ABSENT: -1, Tier.NOT_ENOUGH_EVIDENCE: 0, Tier.SUGGESTIVE: 1, Tier.STRONG: 2}
"""Tiers by strength of evidence: a change to a higher rank is a stronger finding."""


def evidence_tier(tier: str) -> str:
    """The tier as evidence: an untested parameter has no evidence either way, so "not tested"
    counts as "not enough evidence" (a parameter that became testable is no news by itself)."""
    return Tier.NOT_ENOUGH_EVIDENCE.value if tier == Tier.NOT_TESTED else str(tier)


def condition_label(condition: Condition | None) -> str | None:
    """``parent = value`` of a conditional test (booleans and null as the user writes them):
    it tells the branches of one parameter apart, so it is part of a test's identity."""
    if condition is None:
        return None
    value = condition.value
    shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return f"{condition.parent} = {shown}"


@dataclass(frozen=True)
class TrialDelta:
    state: str
    before: int
    after: int


@dataclass(frozen=True)
class BestRef:
    number: int
    value: float


@dataclass(frozen=True)
class ParamChange:
    """A parameter of the best trial whose value differs between the two best trials."""

    param: str
    before: Any
    after: Any
    present_before: bool
    present_after: bool


@dataclass(frozen=True)
class BestChange:
    before: BestRef | None
    after: BestRef | None
    delta: float | None
    """after - before (raw); None unless both exist."""
    improved: bool | None
    """Whether the best value moved in the objective's direction; None unless both exist."""
    params: tuple[ParamChange, ...]


@dataclass(frozen=True)
class TierChange:
    """A directionality test whose significance tier differs between the versions."""

    param: str
    condition: str | None
    tier_before: str
    tier_after: str
    q_before: float | None
    q_after: float | None
    effect_before: float | None
    effect_after: float | None
    n_before: int | None
    n_after: int | None
    stronger: bool


@dataclass(frozen=True)
class RankChange:
    method: str
    param: str
    rank_before: int | None
    rank_after: int | None
    importance_before: float | None
    importance_after: float | None


@dataclass(frozen=True)
class WarningChange:
    code: str
    params: tuple[str, ...]
    severity: str
    message: str
    status: str
    """``new`` or ``resolved``."""


@dataclass(frozen=True)
class BoundaryChange:
    param: str
    side: str
    elite_share_before: float | None
    elite_share_after: float | None
    status: str
    """``new``, ``resolved`` or ``changed`` (elite share moved)."""


@dataclass(frozen=True)
class ConfigEntryChange:
    path: tuple[str, ...]
    before: Any
    after: Any
    status: str
    """``added``, ``removed`` or ``changed``."""


@dataclass(frozen=True)
class ConfigFileChange:
    file: str
    status: str
    """``added``, ``removed`` or ``changed``."""
    entries: tuple[ConfigEntryChange, ...]


@dataclass(frozen=True)
class SettingChange:
    setting: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Changes:
    study: str
    direction: str
    previous_version: str
    version: str
    trials: tuple[TrialDelta, ...]
    best: BestChange
    tiers: tuple[TierChange, ...]
    ranks: tuple[RankChange, ...]
    warnings: tuple[WarningChange, ...]
    boundary_hits: tuple[BoundaryChange, ...]
    configs: tuple[ConfigFileChange, ...]
    settings: tuple[SettingChange, ...]

    @property
    def new_trials(self) -> int:
        return next(t.after - t.before for t in self.trials if t.state == "total")

    @property
    def is_empty(self) -> bool:
        """True when nothing a reader acts on changed (settings alone can change nothing else)."""
        return not (
            self.new_trials
            or any(t.before != t.after for t in self.trials)
            or self.best.before != self.best.after
            or self.tiers
            or self.ranks
            or self.warnings
            or self.boundary_hits
            or self.configs
        )
