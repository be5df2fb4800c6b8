"""Rows of "What the trials record beside the value": per-class accuracy with the champion's
test accuracy joined by class, the class-by-configuration tests shown, the champion's ratio
to chance."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Findings
from generator.model.trial_attrs import AttributeCorrelation, ClassAccuracy, ClassDependence, TrialAttributes
from generator.model.vocabulary import Tier

SHOWN_DEPENDENCES = 5
"""Class-by-parameter tests the table shows at least (all strong or suggestive ones if more)."""
TWO_LEVEL_TEST = "mann_whitney"
SOME_TRIALS = "some"
"""``ClassAccuracy.learned`` of a class learned by some trials only."""


@dataclass(frozen=True)
class ClassRow:
    accuracy: ClassAccuracy
    champion_test: float | None
    """The retrained champion's test accuracy on this class, when recorded."""


@dataclass(frozen=True)
class DependenceRow:
    test: ClassDependence
    two_levels: bool
    """Mann-Whitney U (two levels), else Kruskal-Wallis."""


@dataclass(frozen=True)
class TrialAttributesView:
    with_champion_classes: bool
    """The champion record has per-class test accuracies: the class table gets their column."""
    classes: tuple[ClassRow, ...]
    learned_by_some: tuple[ClassAccuracy, ...]
    n_firm: int
    """Class-by-parameter tests that are strong or suggestive."""
    dependences: tuple[DependenceRow, ...]
    """The tests shown: every firm one when they outnumber the default few, else the first few by q."""
    n_tested_correlations: int
    """Numeric attributes whose correlation was tested (have a p): the family size."""
    firm_correlations: tuple[AttributeCorrelation, ...]
    """Attributes whose correlation with the objective is strong or suggestive."""
    champion_vs_chance: float | None
    """The champion's test mean over a positive chance baseline."""


def trial_attributes_view(findings: Findings) -> TrialAttributesView | None:
    t: TrialAttributes | None = findings.trial_attributes
    if t is None:
        return None
    per_class = t.champion.test_per_class if t.champion is not None and t.champion.test_per_class else None
    pc = t.per_class
    by_config = pc.by_config if pc is not None else ()
    shown = by_config[:SHOWN_DEPENDENCES]
    firm = tuple(d for d in by_config if d.tier in (Tier.STRONG, Tier.SUGGESTIVE))
    ch = t.champion
    return TrialAttributesView(
        with_champion_classes=per_class is not None,
        classes=tuple(
            ClassRow(c, per_class.get(c.name) if per_class is not None else None)
            for c in (pc.classes if pc is not None else ())
        ),
        learned_by_some=tuple(c for c in (pc.classes if pc is not None else ()) if c.learned == SOME_TRIALS),
        n_firm=len(firm),
        dependences=tuple(
            DependenceRow(d, d.test == TWO_LEVEL_TEST) for d in (firm if len(firm) > len(shown) else shown)
        ),
        n_tested_correlations=sum(c.p is not None for c in t.correlations),
        firm_correlations=tuple(c for c in t.correlations if c.tier in (Tier.STRONG, Tier.SUGGESTIVE)),
        champion_vs_chance=ch.test_mean / ch.baseline
        if ch is not None and ch.baseline is not None and ch.baseline > 0
        else None,
    )
