"""What changed between two versions of one study (the ``Changes`` of ``model/changes.py``).

Computed from the two versions' findings (the previous one read back from its findings.json)
and their recommended-config YAML artifacts only, never the storage or the snapshots, so it
can be recomputed from report/ alone. Tiers and thresholds are the ones each version's
findings record; nothing is re-derived here.

Ordering is fixed everywhere (by parameter, method, code, ...) so that a small change in the
study gives a small change in changes.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.model.changes import (
    ABSENT,
    CONFIG_ARTIFACTS,
    STATES,
    TIER_RANK,
    BestChange,
    BestRef,
    BoundaryChange,
    Changes,
    ConfigEntryChange,
    ConfigFileChange,
    ParamChange,
    RankChange,
    SettingChange,
    TierChange,
    TrialDelta,
    WarningChange,
    condition_label,
    evidence_tier,
)
from generator.model.findings import BoundaryHit, Directionality, Finding, Findings, Importance

ANNOTATION_KEYS = frozenset({"reason", "reasons", "evidence", "note", "notes", "comment", "comments"})
"""Keys that explain a config decision rather than make it: their text changes with every
p-value, so reporting them would bury the real changes to ranges and fixed values."""

Describe = Callable[[Finding], str]
"""A warning's sentence (rendering owns the words; ``WarningChange`` records them)."""


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
    previous: Findings,
    version: str,
    current: Findings,
    describe: Describe,
    previous_configs: Mapping[str, Any] | None = None,
    current_configs: Mapping[str, Any] | None = None,
) -> Changes:
    """Compare two versions' findings (and optionally their recommended configs)."""
    direction = current.study.direction
    return Changes(
        study=current.study.name,
        direction=direction,
        previous_version=previous_version,
        version=version,
        trials=tuple(
            TrialDelta(s, getattr(previous.study.n_trials, s), getattr(current.study.n_trials, s)) for s in STATES
        ),
        best=_best_change(previous, current, direction),
        tiers=_tier_changes(previous.directionality, current.directionality),
        ranks=_rank_changes(previous.importance, current.importance),
        warnings=_warning_changes(previous.warnings, current.warnings, describe),
        boundary_hits=_boundary_changes(previous.boundary_hits, current.boundary_hits),
        configs=_config_changes(previous_configs or {}, current_configs or {}),
        settings=_setting_changes(previous, current),
    )


def _best_change(previous: Findings, current: Findings, direction: str) -> BestChange:
    old_best, new_best = previous.summary.best, current.summary.best
    before = None if old_best is None else BestRef(old_best.number, float(old_best.value))
    after = None if new_best is None else BestRef(new_best.number, float(new_best.value))
    delta = improved = None
    if before is not None and after is not None:
        delta = after.value - before.value
        improved = delta > 0 if direction == "maximize" else delta < 0
    params: list[ParamChange] = []
    if old_best is not None and new_best is not None and before != after:
        old, new = old_best.params, new_best.params
        for name in sorted(set(old) | set(new)):
            if name not in old or name not in new or old[name] != new[name]:
                params.append(ParamChange(name, old.get(name), new.get(name), name in old, name in new))
    return BestChange(before, after, delta, improved, tuple(params))


def _tests_by_key(tests: tuple[Directionality, ...]) -> dict[tuple[str, str], Directionality]:
    return {(d.param, condition_label(d.condition) or ""): d for d in tests}


def _tier_changes(previous: tuple[Directionality, ...], current: tuple[Directionality, ...]) -> tuple[TierChange, ...]:
    old, new = _tests_by_key(previous), _tests_by_key(current)
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        tier_before = ABSENT if before is None else evidence_tier(before.tier)
        tier_after = ABSENT if after is None else evidence_tier(after.tier)
        if tier_before == tier_after:
            continue
        changes.append(
            TierChange(
                param=key[0],
                condition=key[1] or None,
                tier_before=tier_before,
                tier_after=tier_after,
                q_before=None if before is None else before.q,
                q_after=None if after is None else after.q,
                effect_before=None if before is None else before.effect,
                effect_after=None if after is None else after.effect,
                n_before=None if before is None else before.n,
                n_after=None if after is None else after.n,
                stronger=TIER_RANK[tier_after] > TIER_RANK[tier_before],
            )
        )
    return tuple(changes)


def importance_ranks(entries: tuple[Importance, ...]) -> dict[str, dict[str, tuple[int, float]]]:
    """Per method: param -> (1-based rank, importance), most important first, ties by name."""
    by_method: dict[str, list[tuple[float, str]]] = {}
    for e in entries:
        by_method.setdefault(e.method, []).append((float(e.importance), e.param))
    return {
        method: {
            param: (rank, value) for rank, (value, param) in enumerate(sorted(rows, key=lambda r: (-r[0], r[1])), 1)
        }
        for method, rows in by_method.items()
    }


def _rank_changes(previous: tuple[Importance, ...], current: tuple[Importance, ...]) -> tuple[RankChange, ...]:
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


def _warning_changes(
    previous: tuple[Finding, ...], current: tuple[Finding, ...], describe: Describe
) -> tuple[WarningChange, ...]:
    # A warning is the same warning when its code and parameters match; its numbers may move
    # ("3 of 10 failed" -> "4 of 12") without that being news.
    def keyed(items: tuple[Finding, ...]) -> dict[tuple[str, tuple[str, ...]], Finding]:
        return {(str(w.code), tuple(w.params)): w for w in items}

    old, new = keyed(previous), keyed(current)
    return tuple(
        [WarningChange(k[0], k[1], str(new[k].severity), describe(new[k]), "new") for k in sorted(set(new) - set(old))]
        + [
            WarningChange(k[0], k[1], str(old[k].severity), describe(old[k]), "resolved")
            for k in sorted(set(old) - set(new))
        ]
    )


def _boundary_changes(
    previous: tuple[BoundaryHit, ...], current: tuple[BoundaryHit, ...]
) -> tuple[BoundaryChange, ...]:
    old = {(b.param, str(b.side)): float(b.elite_share) for b in previous}
    new = {(b.param, str(b.side)): float(b.elite_share) for b in current}
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


_SETTINGS: tuple[tuple[str, Callable[[Findings], Any]], ...] = (
    ("objective", lambda f: f.study.objective),
    ("alpha", lambda f: f.stats.alpha),
    ("suggestive_alpha", lambda f: f.stats.suggestive_alpha),
    ("correction", lambda f: f.stats.correction),
    ("elite_quantile", lambda f: f.stats.elite_quantile),
    ("hpo-report", lambda f: None if f.provenance is None else f.provenance.generator_version),
    ("optuna", lambda f: None if f.provenance is None else f.provenance.optuna_version),
)


def _setting_changes(previous: Findings, current: Findings) -> tuple[SettingChange, ...]:
    """Settings or tools that differ: a tier can move because alpha moved, not the data."""
    return tuple(
        SettingChange(name, get(previous), get(current)) for name, get in _SETTINGS if get(previous) != get(current)
    )
