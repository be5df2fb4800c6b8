"""What changed between two versions of one study, computed from their findings.json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Changes:
    previous_version: str
    version: str
    trials_before: dict[str, int]
    trials_after: dict[str, int]
    best_before: dict[str, Any] | None
    best_after: dict[str, Any] | None
    warnings_added: tuple[str, ...]
    warnings_resolved: tuple[str, ...]


_STATES = ("total", "complete", "pruned", "fail", "running", "waiting")


def compute_changes(previous_version: str, previous: dict[str, Any], version: str, current: dict[str, Any]) -> Changes:
    def warning_keys(doc: dict[str, Any]) -> set[str]:
        return {f"{w['code']}:{','.join(w['params'])}" for w in doc["warnings"]}

    def best(doc: dict[str, Any]) -> dict[str, Any] | None:
        b = doc["summary"]["best"]
        return None if b is None else {"number": b["number"], "value": b["value"]}

    return Changes(
        previous_version=previous_version,
        version=version,
        trials_before={s: previous["study"]["n_trials"][s] for s in _STATES},
        trials_after={s: current["study"]["n_trials"][s] for s in _STATES},
        best_before=best(previous),
        best_after=best(current),
        warnings_added=tuple(sorted(warning_keys(current) - warning_keys(previous))),
        warnings_resolved=tuple(sorted(warning_keys(previous) - warning_keys(current))),
    )
