"""The next-sweep section's rows: each parameter's entry in both configs beside what was
declared, with the boundary hits behind it; the counts per config; the carried knobs."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import BoundaryHit, Findings, ImportanceMethod
from generator.model.next_sweep import DROP, FIX, KNOB, TUNE, EmpiricalRange, NextSweep, RefinedParam, RefinedSpace
from generator.model.vocabulary import ParamKind
from generator.render.importance_ranking import GLOBAL_METHOD, importance_method

NUMERIC_KINDS = frozenset({ParamKind.CONTINUOUS, ParamKind.INTEGER})
"""Kinds declared as a range (the others as a list of choices)."""


@dataclass(frozen=True)
class Setting:
    """One parameter's entry in one config, with how the table writes it."""

    param: RefinedParam
    fixed: bool
    dropped: bool
    choices: bool
    """Tuned over a list of choices (a categorical sweep-config entry), not a range."""
    float_step: bool
    int_step: bool
    """An integer range with a step other than 1 (a step of 1 goes unsaid)."""


def setting(p: RefinedParam) -> Setting:
    return Setting(
        param=p,
        fixed=p.action == FIX,
        dropped=p.action == DROP,
        choices=p.dist == "categorical",
        float_step=bool(p.step) and p.dist == "float",
        int_step=bool(p.step) and p.dist == "int" and p.step != 1,
    )


@dataclass(frozen=True)
class Decision:
    name: str
    aggressive: Setting
    conservative: Setting
    declared: EmpiricalRange
    declared_range: bool
    """Declared as a range (continuous, integer); otherwise as choices."""
    hits: tuple[BoundaryHit, ...]


@dataclass(frozen=True)
class SpaceCounts:
    tuned: int
    fixed: int
    """Parameters fixed by the evidence (knobs carried from the sweep config are not counted)."""
    dropped: int


def space_counts(space: RefinedSpace) -> SpaceCounts:
    return SpaceCounts(
        tuned=sum(p.action == TUNE for p in space.params),
        fixed=sum(p.action == FIX and p.kind != KNOB for p in space.params),
        dropped=sum(p.action == DROP for p in space.params),
    )


@dataclass(frozen=True)
class NextSweepView:
    aggressive: SpaceCounts
    conservative: SpaceCounts
    knobs: tuple[RefinedParam, ...]
    decisions: tuple[Decision, ...]
    fanova: ImportanceMethod | None
    """The importance section's surrogate, whose leave-one-out R² the gain note compares."""
    fanova_passes: bool
    """That surrogate ran and its leave-one-out R² reaches the gain's required R²."""


def next_sweep_view(findings: Findings) -> NextSweepView | None:
    ns: NextSweep | None = findings.next_sweep
    if ns is None:
        return None
    declared = {e.param: e for e in ns.empirical_ranges}
    conservative = {p.name: p for p in ns.conservative.params}
    hits: dict[str, tuple[BoundaryHit, ...]] = {}
    for h in findings.boundary_hits:
        hits[h.param] = hits.get(h.param, ()) + (h,)
    fanova = importance_method(findings, GLOBAL_METHOD)
    return NextSweepView(
        aggressive=space_counts(ns.aggressive),
        conservative=space_counts(ns.conservative),
        knobs=tuple(p for p in ns.aggressive.params if p.kind == KNOB),
        decisions=tuple(
            Decision(
                name=p.name,
                aggressive=setting(p),
                conservative=setting(conservative[p.name]),
                declared=declared[p.name],
                declared_range=declared[p.name].kind in NUMERIC_KINDS,
                hits=hits.get(p.name, ()),
            )
            for p in ns.aggressive.params
            if p.kind != KNOB
        ),
        fanova=fanova,
        fanova_passes=fanova is not None
        and fanova.skipped is None
        and fanova.fit_r2 is not None
        and fanova.fit_r2 >= ns.expected_gain.min_r2,
    )
