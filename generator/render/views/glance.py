"""The top of findings.md: "At a glance" (best value, top findings, next step, warnings) and
"What to do" (each change the next sweep's configs make, with its evidence).

Both blocks restate what the sections below hold, picked by rules stated here, so the first
screen never says anything the evidence sections do not.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from generator.model.findings import BestTrial, Directionality, Finding, Findings
from generator.model.next_sweep import (
    AGGRESSIVE,
    CONSERVATIVE,
    KNOB,
    SWEEP_CONFIG_ATTR,
    RefinedParam,
    SpaceEstimate,
    Step,
)
from generator.model.vocabulary import Severity, Shape, Tier
from generator.render.env import message_for
from generator.render.next_sweep import AGGRESSIVE_FILE, CONSERVATIVE_FILE
from generator.render.views.executive import ExecutiveItem
from generator.slug import study_slug

TOP_FINDINGS = 3
"""Findings the block names: the first screen holds three short lines, the executive summary the rest."""

EFFECT = "effect"
CONFIG_FILES = {AGGRESSIVE: AGGRESSIVE_FILE, CONSERVATIVE: CONSERVATIVE_FILE}
"""The top-level objective's config files (a further objective's carry a suffix and are not recommended here)."""
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
FILE_STORAGES = frozenset({"sqlite", "journal"})
"""Storage kinds the report names by file name only (provenance.storage_kind)."""


@dataclass(frozen=True)
class PreviousBest:
    """The previous report version's best value, when it measured the same objective the same way."""

    version: str
    value: float
    number: int
    change: float
    """This version's best minus the previous one's (in the objective's units)."""
    better: bool
    """The change is an improvement in the study's direction."""


@dataclass(frozen=True)
class NextStep:
    """The config the block recommends and how to run it."""

    strategy: str
    """aggressive or conservative."""
    file: str
    """The config's path relative to the version folder (``artifacts/...yaml``)."""
    estimate: SpaceEstimate | None
    """The expected-gain estimate of the chosen config; None when the section gives none."""
    other: SpaceEstimate | None
    """The other config's estimate (the rule compares the two)."""
    skipped: str | None
    """Why there is no estimate (ExpectedGain.skipped), when there is none."""
    run_from_out: bool
    """The command's config path starts at the output folder (``report/<slug>/<version>/...``), so it
    runs from where ``generate-report`` ran; otherwise it is relative to the version folder."""
    file_storage: bool
    """The storage is a file (SQLite, journal), which the report records by its name only (no
    directories reach any output), so the reader gives its path."""
    train_sweep: bool
    """The study was run by ``train-sweep`` (it records its config as a study attribute), so
    ``train-sweep --config FILE`` reruns it; otherwise the file feeds the user's own objective."""
    command: str
    """The exact command: ``train-sweep`` with its arguments quoted for a shell (train_sweep), or
    the Python line that samples the config in the user's own objective."""


@dataclass(frozen=True)
class WarningCounts:
    errors: int
    warnings: int
    infos: int
    worst: Finding | None
    """The most serious warning: the first of the highest severity present, a study-wide one
    (no parameters) before those about single parameters (it qualifies every finding)."""


@dataclass(frozen=True)
class GlanceView:
    best: BestTrial | None
    previous: PreviousBest | None
    first_version: bool
    """The study has no earlier report version."""
    top: tuple[ExecutiveItem, ...]
    """Up to three executive-summary effects that are findings (strong, suggestive or an
    interior optimum), strongest evidence first; a confounded group is credited once there."""
    next_step: NextStep | None
    warnings: WarningCounts


@dataclass(frozen=True)
class Previous:
    """The study's previous report version, read back from its findings.json by the pipeline."""

    version: str
    findings: Findings


def glance_view(
    findings: Findings, executive: tuple[ExecutiveItem, ...], previous: Previous | None, version: str | None = None
) -> GlanceView:
    return GlanceView(
        best=findings.summary.best,
        previous=previous_best(findings, previous),
        first_version=previous is None,
        top=tuple(item for item in executive if is_finding(item))[:TOP_FINDINGS],
        next_step=next_step(findings, version),
        warnings=warning_counts(findings.warnings),
    )


def is_finding(item: ExecutiveItem) -> bool:
    if item.kind != EFFECT:
        return False
    values = item.values
    return values["tier"] in (Tier.STRONG, Tier.SUGGESTIVE) or values["shape"] == Shape.INTERIOR


def previous_best(findings: Findings, previous: Previous | None) -> PreviousBest | None:
    """None when there is no previous version, either has no best, or they analysed another
    objective or direction, or one included pruned trials and the other did not (their best
    values are then not comparable)."""
    if previous is None:
        return None
    old = previous.findings
    now, before = findings.summary.best, old.summary.best
    if now is None or before is None:
        return None
    if _basis(old) != _basis(findings):
        return None
    change = float(now.value) - float(before.value)
    better = change > 0 if findings.study.direction == "maximize" else change < 0
    return PreviousBest(previous.version, float(before.value), before.number, change, better)


def _basis(findings: Findings) -> tuple[int, str, bool]:
    return findings.study.objective, findings.study.direction, findings.stats.include_pruned


def next_step(findings: Findings, version: str | None = None) -> NextStep | None:
    """The config to run next, by a rule findings.md states beside it: the aggressive config when
    the expected-gain estimate predicts it a larger mean gain than the conservative one with its
    95% interval above 0; otherwise (and whenever there is no estimate) the conservative one,
    which only removes what tests reject and widens where the evidence points.

    With the ``version`` the command names the config from the output folder
    (``report/<slug>/<version>/artifacts/...``, DESIGN.md's layout), where ``generate-report`` ran."""
    ns = findings.next_sweep
    if ns is None:
        return None
    gain = ns.expected_gain
    estimates = {e.space: e for e in gain.estimates} if gain.skipped is None else {}
    aggressive, conservative = estimates.get(AGGRESSIVE), estimates.get(CONSERVATIVE)
    pick_aggressive = (
        aggressive is not None
        and conservative is not None
        and aggressive.gain_mean is not None
        and aggressive.gain_mean_low is not None
        and conservative.gain_mean is not None
        and aggressive.gain_mean_low > 0
        and aggressive.gain_mean > conservative.gain_mean
    )
    strategy = AGGRESSIVE if pick_aggressive else CONSERVATIVE
    chosen, other = (aggressive, conservative) if pick_aggressive else (conservative, aggressive)
    file = f"artifacts/{CONFIG_FILES[strategy]}"
    provenance = findings.provenance
    storage = provenance.storage if provenance is not None else ""
    file_storage = provenance is not None and provenance.storage_kind in FILE_STORAGES
    config = file if version is None else f"report/{study_slug(findings.study.name)}/{version}/{file}"
    train_sweep = SWEEP_CONFIG_ATTR in findings.study.user_attrs
    if train_sweep:
        command = shlex.join(["train-sweep", "--config", config, "--storage", storage])
    else:
        command = f"params = load_sweep_config({json.dumps(config)}).suggest(trial)"
    return NextStep(
        strategy, file, chosen, other, gain.skipped, version is not None, file_storage, train_sweep, command
    )


def warning_counts(warnings: tuple[Finding, ...]) -> WarningCounts:
    counts = {s: sum(1 for w in warnings if w.severity == s) for s in SEVERITIES}
    worst = None
    for severity in SEVERITIES:
        present = [w for w in warnings if w.severity == severity]
        if present:
            worst = next((w for w in present if not w.params), present[0])
            break
    return WarningCounts(counts[Severity.ERROR], counts[Severity.WARNING], counts[Severity.INFO], worst)


@dataclass(frozen=True)
class WarningRow:
    """One row of the warnings table: warnings of one code whose sentences are the same word
    for word (a condition shared by several parameters) are one row naming them all."""

    severity: Severity
    code: str
    params: tuple[str, ...]
    """Empty: the warning concerns the whole study."""
    message: str


@dataclass(frozen=True)
class WarningsView:
    """The warnings table's two parts: errors and warnings in view, info-level notes folded."""

    serious: tuple[WarningRow, ...]
    notes: tuple[WarningRow, ...]
    n_notes: int
    """Info-level warnings (rows may merge several)."""


def warnings_view(warnings: tuple[Finding, ...]) -> WarningsView:
    notes = tuple(w for w in warnings if w.severity == Severity.INFO)
    return WarningsView(
        serious=warning_rows(tuple(w for w in warnings if w.severity != Severity.INFO)),
        notes=warning_rows(notes),
        n_notes=len(notes),
    )


def warning_rows(warnings: tuple[Finding, ...]) -> tuple[WarningRow, ...]:
    """The warnings in their order, those with the same severity, code and sentence merged into
    the first one's row (their parameters joined in order); study-wide ones never merge."""
    rows: list[WarningRow] = []
    where: dict[tuple[str, str, str], int] = {}
    for w in warnings:
        message = message_for(w.code, w.values)
        key = (str(w.severity), str(w.code), message)
        if w.params and key in where and rows[where[key]].params:
            first = rows[where[key]]
            joined = first.params + tuple(p for p in w.params if p not in first.params)
            rows[where[key]] = WarningRow(first.severity, first.code, joined, message)
            continue
        where.setdefault(key, len(rows))
        rows.append(WarningRow(w.severity, str(w.code), tuple(w.params), message))
    return tuple(rows)


BOTH = "both"
"""An action both configs take (``Action.configs``; otherwise the one config's name)."""
FIX = "fix"
DROP = "drop"
NARROW = "narrow"
WIDEN = "widen"
VERBS = (FIX, DROP, NARROW, WIDEN)
"""Kinds of change, in the order "What to do" lists them."""

RULE_VERBS = {
    "fix_level": FIX,
    "fix_to_bound": FIX,
    "only_level_left": FIX,
    "drop_branch_fixed": DROP,
    "drop_branch_narrowed": DROP,
    "drop_branch_parent_dropped": DROP,
    "drop_worse_level": NARROW,
    "keep_elite_levels": NARROW,
    "narrow_to_elites": NARROW,
    "narrow_to_interior": NARROW,
    "expand_bound": WIDEN,
    "add_level": WIDEN,
}
"""The refine rules (templates/next_sweep/_reasons.j2) that change a parameter's space; the
others keep it (kept, not tested, not enough evidence, ...) and are no action."""


@dataclass(frozen=True)
class Action:
    """One change a next-sweep config makes to one parameter, with the rule's numbers."""

    verb: str
    param: RefinedParam
    """The parameter's entry in the config that makes the change (its final space)."""
    step: Step
    configs: str
    """both, aggressive or conservative."""
    effect: Directionality | None
    """The parameter's primary test, for the rules whose numbers do not include one."""


def actions(findings: Findings) -> tuple[Action, ...]:
    """Every change either config makes (the Decisions table's rows with a change), a change
    both make listed once; by kind (fix, drop, narrow, widen), then parameter."""
    ns = findings.next_sweep
    if ns is None:
        return ()
    conservative = {p.name: p for p in ns.conservative.params}
    tests = {d.param: d for d in findings.directionality}
    found: list[Action] = []
    for mine in ns.aggressive.params:
        if mine.kind == KNOB:
            continue
        theirs = conservative[mine.name]
        ours = [s for s in mine.steps if s.rule in RULE_VERBS]
        others = [s for s in theirs.steps if s.rule in RULE_VERBS]
        for step in ours:
            both = _same_step(step, others)
            found.append(Action(RULE_VERBS[step.rule], mine, step, BOTH if both else AGGRESSIVE, tests.get(mine.name)))
        for step in others:
            if not _same_step(step, ours):
                found.append(Action(RULE_VERBS[step.rule], theirs, step, CONSERVATIVE, tests.get(mine.name)))
    return tuple(sorted(found, key=lambda a: (VERBS.index(a.verb), a.param.name)))


def _same_step(step: Step, steps: list[Step]) -> bool:
    return any(s.rule == step.rule and s.values == step.values for s in steps)
