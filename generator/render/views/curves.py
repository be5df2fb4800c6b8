"""Rows of the learning-curves section: the elite curves, the rank-correlation steps shown,
the step from which a trial's fate is known, and whether a longer retraining contradicts flat
curves."""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator.model.curves import StepCorrelation, TrialCurve
from generator.model.findings import Findings

SHOWN_STEPS = 12
"""About this many rank-correlation steps are shown (every k-th, plus the first, the last and
the fate step); all are in findings.json."""


@dataclass(frozen=True)
class CurvesView:
    elites: tuple[TrialCurve, ...]
    """The elite curves findings.json keeps (the first by trial number)."""
    n_elites: int
    """Elites with a curve: more than ``elites`` when findings.json keeps only the first."""
    every: int
    """One step in every ``every`` is shown."""
    shown: tuple[StepCorrelation, ...]
    fate: StepCorrelation | None
    """The correlation at ``fate_known_step``."""
    fate_at_first: bool
    """The fate is known from the first reported step on."""
    n_above: int
    """Steps whose rho interval lies above ``fate_rho`` (when no fate step is found, they are not all after it)."""
    longer_champion_better: bool
    """The champion, retrained longer than the sweep trained, scored better than its sweep value
    (the gap's interval on the better side): flat curves must not read as "longer will not help"."""


def _longer_champion_better(findings: Findings) -> bool:
    ta = findings.trial_attributes
    ch = ta.champion if ta is not None else None
    if ch is None or ch.same_training is not False or ch.epochs is None or ch.sweep_epochs is None:
        return False
    if ch.epochs <= ch.sweep_epochs or ch.gap_ci_low is None or ch.gap_ci_high is None:
        return False
    direction = findings.study.direction
    return (direction == "maximize" and ch.gap_ci_low > 0) or (direction == "minimize" and ch.gap_ci_high < 0)


def curves_view(findings: Findings) -> CurvesView | None:
    lc = findings.learning_curves
    if lc is None:
        return None
    rows = lc.rank_correlation
    every = math.ceil(len(rows) / SHOWN_STEPS)
    last = len(rows) - 1
    fate = next((c for c in rows if c.step == lc.fate_known_step), None)
    return CurvesView(
        elites=lc.elite_curves,
        n_elites=lc.elites_with_curves,
        every=every,
        shown=tuple(c for i, c in enumerate(rows) if i in (0, last) or c.step == lc.fate_known_step or i % every == 0),
        fate=fate,
        fate_at_first=fate is not None and fate.step == rows[0].step,
        n_above=sum(c.ci_low is not None and c.ci_low > lc.fate_rho for c in rows),
        longer_champion_better=not lc.under_trained and _longer_champion_better(findings),
    )
