"""What changed between two versions of one study.

Computed from the two versions' findings.json documents and their recommended-config YAML
artifacts only (never the storage or the snapshots), so it can be recomputed from report/
alone. The result is typed and carries raw numbers; ``templates/changes.md.j2`` words it
and ``changes.json`` is its serialization.

Ordering is fixed everywhere (by parameter, method, code, ...) so that a small change in the
study gives a small change in changes.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

STATES = ("total", "complete", "pruned", "fail", "running", "waiting")

CONFIG_ARTIFACTS = ("refined_search_space_aggressive.yaml", "refined_search_space_conservative.yaml")
"""The recommended next-sweep configs whose changes are reported (in artifacts/)."""

ANNOTATION_KEYS = frozenset({"reason", "reasons", "evidence", "note", "notes", "comment", "comments"})
"""Keys that explain a config decision rather than make it: their text changes with every
p-value, so reporting them would bury the real changes to ranges and fixed values."""

STRONG = "strong"
SUGGESTIVE = "suggestive"
NOT_ENOUGH_EVIDENCE = "not enough evidence"
ABSENT = "absent"
TIER_RANK = {ABSENT: -1, NOT_ENOUGH_EVIDENCE: 0, SUGGESTIVE: 1, STRONG: 2}


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


def load_configs(artifacts_dir: Path) -> dict[str, Any]:
    """The recommended configs in a version's artifacts/ (absent files are left out)."""
    configs: dict[str, Any] = {}
    for name in CONFIG_ARTIFACTS:
        path = artifacts_dir / name
        if path.is_file():
            configs[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return configs


def compute_changes(
    previous_version: str,
    previous: Mapping[str, Any],
    version: str,
    current: Mapping[str, Any],
    previous_configs: Mapping[str, Any] | None = None,
    current_configs: Mapping[str, Any] | None = None,
) -> Changes:
    """Compare two findings documents (and optionally their recommended configs)."""
    direction = str(current["study"]["direction"])
    return Changes(
        study=str(current["study"]["name"]),
        direction=direction,
        previous_version=previous_version,
        version=version,
        trials=tuple(
            TrialDelta(s, int(previous["study"]["n_trials"].get(s, 0)), int(current["study"]["n_trials"].get(s, 0)))
            for s in STATES
        ),
        best=_best_change(previous, current, direction),
        tiers=_tier_changes(previous, current),
        ranks=_rank_changes(previous.get("importance") or [], current.get("importance") or []),
        warnings=_warning_changes(previous.get("warnings") or [], current.get("warnings") or []),
        boundary_hits=_boundary_changes(previous.get("boundary_hits") or [], current.get("boundary_hits") or []),
        configs=_config_changes(previous_configs or {}, current_configs or {}),
        settings=_setting_changes(previous, current),
    )


def _best_change(previous: Mapping[str, Any], current: Mapping[str, Any], direction: str) -> BestChange:
    before_doc = previous["summary"].get("best")
    after_doc = current["summary"].get("best")
    before = None if before_doc is None else BestRef(int(before_doc["number"]), float(before_doc["value"]))
    after = None if after_doc is None else BestRef(int(after_doc["number"]), float(after_doc["value"]))
    delta = improved = None
    if before is not None and after is not None:
        delta = after.value - before.value
        improved = delta > 0 if direction == "maximize" else delta < 0
    params: list[ParamChange] = []
    if before_doc is not None and after_doc is not None and before != after:
        old, new = before_doc.get("params") or {}, after_doc.get("params") or {}
        for name in sorted(set(old) | set(new)):
            if name not in old or name not in new or old[name] != new[name]:
                params.append(ParamChange(name, old.get(name), new.get(name), name in old, name in new))
    return BestChange(before, after, delta, improved, tuple(params))


def tier_of(entry: Mapping[str, Any], stats: Mapping[str, Any]) -> str:
    """The entry's significance tier: its own ``tier`` when the statistics stage set one,
    otherwise derived from q with the version's own alpha levels (DESIGN.md's policy)."""
    tier = entry.get("tier")
    if isinstance(tier, str) and tier:
        normalized = tier.replace("_", " ").strip().lower()
        return normalized if normalized in TIER_RANK else NOT_ENOUGH_EVIDENCE
    q = entry.get("q")
    if q is None or (isinstance(q, float) and math.isnan(q)):
        return NOT_ENOUGH_EVIDENCE
    if q < float(stats.get("alpha", 0.05)):
        return STRONG
    if q < float(stats.get("suggestive_alpha", 0.10)):
        return SUGGESTIVE
    return NOT_ENOUGH_EVIDENCE


def condition_label(condition: Any) -> str | None:
    if not condition:
        return None
    value = condition.get("value")
    shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return f"{condition['parent']} = {shown}"


def _tests_by_key(doc: Mapping[str, Any]) -> dict[tuple[str, str], tuple[str, Mapping[str, Any]]]:
    stats = doc.get("stats") or {}
    return {
        (str(e["param"]), condition_label(e.get("condition")) or ""): (tier_of(e, stats), e)
        for e in doc.get("directionality") or []
    }


def _tier_changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[TierChange, ...]:
    old, new = _tests_by_key(previous), _tests_by_key(current)
    changes = []
    for key in sorted(set(old) | set(new)):
        tier_before, before = old.get(key, (ABSENT, {}))
        tier_after, after = new.get(key, (ABSENT, {}))
        if tier_before == tier_after:
            continue
        changes.append(
            TierChange(
                param=key[0],
                condition=key[1] or None,
                tier_before=tier_before,
                tier_after=tier_after,
                q_before=before.get("q"),
                q_after=after.get("q"),
                effect_before=before.get("effect"),
                effect_after=after.get("effect"),
                n_before=before.get("n"),
                n_after=after.get("n"),
                stronger=TIER_RANK[tier_after] > TIER_RANK[tier_before],
            )
        )
    return tuple(changes)


def importance_ranks(entries: list[Mapping[str, Any]]) -> dict[str, dict[str, tuple[int, float]]]:
    """Per method: param -> (1-based rank, importance), most important first, ties by name."""
    by_method: dict[str, list[tuple[float, str]]] = {}
    for e in entries:
        by_method.setdefault(str(e["method"]), []).append((float(e["importance"]), str(e["param"])))
    return {
        method: {
            param: (rank, value) for rank, (value, param) in enumerate(sorted(rows, key=lambda r: (-r[0], r[1])), 1)
        }
        for method, rows in by_method.items()
    }


def _rank_changes(previous: list[Mapping[str, Any]], current: list[Mapping[str, Any]]) -> tuple[RankChange, ...]:
    old, new = importance_ranks(previous), importance_ranks(current)
    changes = []
    for method in sorted(set(old) | set(new)):
        before, after = old.get(method, {}), new.get(method, {})
        for param in sorted(set(before) | set(after)):
            rank_before = before[param][0] if param in before else None
            rank_after = after[param][0] if param in after else None
            if rank_before != rank_after:
                changes.append(
                    RankChange(
                        method,
                        param,
                        rank_before,
                        rank_after,
                        before[param][1] if param in before else None,
                        after[param][1] if param in after else None,
                    )
                )
    # Largest moves first inside each method, so the top of the list is what a reviewer needs.
    return tuple(sorted(changes, key=lambda c: (c.method, -_rank_move(c), c.rank_after or 10**9, c.param)))


def _rank_move(change: RankChange) -> int:
    if change.rank_before is None or change.rank_after is None:
        return 10**6
    return abs(change.rank_before - change.rank_after)


def _warning_changes(previous: list[Mapping[str, Any]], current: list[Mapping[str, Any]]) -> tuple[WarningChange, ...]:
    # A warning is the same warning when its code and parameters match; its numbers may move
    # ("3 of 10 failed" -> "4 of 12") without that being news.
    def keyed(items: list[Mapping[str, Any]]) -> dict[tuple[str, tuple[str, ...]], Mapping[str, Any]]:
        return {(str(w["code"]), tuple(w.get("params") or ())): w for w in items}

    old, new = keyed(previous), keyed(current)
    changes = [
        WarningChange(k[0], k[1], str(new[k]["severity"]), str(new[k].get("message", "")), "new")
        for k in sorted(set(new) - set(old))
    ] + [
        WarningChange(k[0], k[1], str(old[k]["severity"]), str(old[k].get("message", "")), "resolved")
        for k in sorted(set(old) - set(new))
    ]
    return tuple(changes)


def _boundary_changes(
    previous: list[Mapping[str, Any]], current: list[Mapping[str, Any]]
) -> tuple[BoundaryChange, ...]:
    old = {(str(b["param"]), str(b["side"])): float(b["elite_share"]) for b in previous}
    new = {(str(b["param"]), str(b["side"])): float(b["elite_share"]) for b in current}
    changes = []
    for key in sorted(set(old) | set(new)):
        if key in old and key in new:
            if old[key] == new[key]:
                continue
            status = "changed"
        else:
            status = "new" if key in new else "resolved"
        changes.append(BoundaryChange(key[0], key[1], old.get(key), new.get(key), status))
    return tuple(changes)


def flatten_config(doc: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Leaves of a config by key path; lists (choices) are single leaves, annotations dropped."""
    if isinstance(doc, Mapping):
        flat: dict[tuple[str, ...], Any] = {}
        for key, value in doc.items():
            if str(key) in ANNOTATION_KEYS:
                continue
            flat.update(flatten_config(value, (*prefix, str(key))))
        return flat
    return {prefix: doc}


def _config_changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[ConfigFileChange, ...]:
    changes = []
    for name in sorted(set(previous) | set(current)):
        old = flatten_config(previous[name]) if name in previous else {}
        new = flatten_config(current[name]) if name in current else {}
        entries = []
        for path in sorted(set(old) | set(new)):
            if path in old and path in new:
                if old[path] == new[path]:
                    continue
                status = "changed"
            else:
                status = "added" if path in new else "removed"
            entries.append(ConfigEntryChange(path, old.get(path), new.get(path), status))
        if name not in previous:
            changes.append(ConfigFileChange(name, "added", tuple(entries)))
        elif name not in current:
            changes.append(ConfigFileChange(name, "removed", tuple(entries)))
        elif entries:
            changes.append(ConfigFileChange(name, "changed", tuple(entries)))
    return tuple(changes)


_SETTINGS = (
    ("objective", ("study", "objective")),
    ("alpha", ("stats", "alpha")),
    ("suggestive_alpha", ("stats", "suggestive_alpha")),
    ("correction", ("stats", "correction")),
    ("elite_quantile", ("stats", "elite_quantile")),
    ("hpo-report", ("provenance", "generator_version")),
    ("optuna", ("provenance", "optuna_version")),
)


def _setting_changes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[SettingChange, ...]:
    """Settings or tools that differ: a tier can move because alpha moved, not the data."""

    def get(doc: Mapping[str, Any], path: tuple[str, str]) -> Any:
        section = doc.get(path[0]) or {}
        return section.get(path[1])

    return tuple(
        SettingChange(name, get(previous, path), get(current, path))
        for name, path in _SETTINGS
        if get(previous, path) != get(current, path)
    )
