"""Warning detectors: small functions, one concern each, thresholds as named constants.

Each returns ``Finding`` objects with a stable code; the sentence for each code lives in
``templates/messages.yaml``. Severity order (for sorting) is error < warning < info.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings.model import Finding, Summary, TrialCounts

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

MANY_UNFINISHED_SHARE = 0.5
"""Pruned + failed above this share of finished trials is worth a warning."""


def study_warnings(counts: TrialCounts, summary: Summary, n_objectives: int) -> list[Finding]:
    found: list[Finding] = []
    if counts.complete == 0:
        found.append(Finding("no_complete_trials", "error", (), {"total": counts.total}))
    elif summary.n == 0:
        found.append(Finding("no_finite_values", "error", (), {"complete": counts.complete}))
    if summary.n_infinite:
        found.append(Finding("infinite_values", "warning", (), {"n_infinite": summary.n_infinite}))
    finished = counts.complete + counts.pruned + counts.fail
    if finished and counts.fail / finished > MANY_UNFINISHED_SHARE:
        found.append(Finding("many_failed", "warning", (), {"fail": counts.fail, "finished": finished}))
    if finished and counts.pruned / finished > MANY_UNFINISHED_SHARE:
        found.append(Finding("many_pruned", "info", (), {"pruned": counts.pruned, "finished": finished}))
    if counts.running or counts.waiting:
        found.append(
            Finding("unfinished_trials", "info", (), {"running": counts.running, "waiting": counts.waiting})
        )
    if n_objectives > 1:
        found.append(Finding("multi_objective", "info", (), {"n_objectives": n_objectives}))
    return found


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Severity first, then code, then the params concerned: a stable, reviewable order."""
    return tuple(sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.params)))
