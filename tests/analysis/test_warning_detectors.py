"""One detector per warning code (generator/analysis/warnings/): each raises only its own code,
every code a detector raises is registered, and the depletion test is the hypergeometric
probability computed by hand."""

from __future__ import annotations

from math import comb
from pathlib import Path

import pytest

from generator.analysis.assemble import analyse
from generator.analysis.params import param_specs
from generator.analysis.warnings import (
    ANALYSIS_DETECTORS,
    STUDY_DETECTORS,
    analysis_warnings,
    depletion_p,
    never_elite_warnings,
    study_warnings,
)
from generator.analysis.warnings.evidence import AnalysisEvidence
from generator.analysis.warnings.study import StudyEvidence
from generator.config import AnalysisConfig
from generator.model.effects import EliteLevel
from generator.model.vocabulary import WarningCode
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, sqlite_study


def level(n: int, n_elite: int, n_branch: int, n_branch_elites: int, name: str = "a") -> EliteLevel:
    return EliteLevel(
        "opt", name, n, n_elite, n_branch, n_branch_elites, n / n_branch, n_elite / n_branch_elites,
        None, 1.0, 1.0, "not enough evidence", False,
    )  # fmt: skip


def test_depletion_p_is_the_hypergeometric_lower_tail_by_hand() -> None:
    # 20 trials, 5 elites, a level on 8 trials: P(no elite there) = C(12, 5) / C(20, 5).
    assert depletion_p(level(8, 0, 20, 5)) == pytest.approx(comb(12, 5) / comb(20, 5))
    # At most one elite: add the one-elite term C(8, 1) C(12, 4) / C(20, 5).
    by_hand = (comb(12, 5) + 8 * comb(12, 4)) / comb(20, 5)
    assert depletion_p(level(8, 1, 20, 5)) == pytest.approx(by_hand)


def test_never_elite_warns_only_on_an_empty_level_that_chance_cannot_explain() -> None:
    levels = [level(30, 0, 40, 10, "never"), level(10, 10, 40, 10, "all")]
    (found,) = never_elite_warnings(levels, "holm", 0.05)
    assert found.code == WarningCode.LEVEL_NEVER_ELITE and found.values["level"] == "never"
    assert found.values["m"] == 2  # the family is every level checked, not only the empty ones
    assert never_elite_warnings([level(2, 0, 40, 10)], "holm", 0.05) == []  # expects under one elite


STUDIES = ["simple", "conditional", "dynamic_ranges", "inf_values", "with_running", "one_level", "multi_objective"]


@pytest.mark.parametrize("name", STUDIES)
def test_each_detector_raises_only_its_own_code(name: str, tmp_path: Path) -> None:
    builder, directions = AWKWARD[name]
    snapshot = snapshot_of(sqlite_study(tmp_path / "s.db", name, builder, directions), name, tmp_path)
    findings = analyse(snapshot, AnalysisConfig(n_bootstrap=0), "cmd")
    study = StudyEvidence(findings.study.n_trials, findings.summary, len(findings.study.directions))
    for code, detect in STUDY_DETECTORS.items():
        assert {w.code for w in detect(study)} <= {code}, code
    assert sorted(w.code for w in study_warnings(study.counts, study.summary, study.n_objectives)) == sorted(
        w.code for detect in STUDY_DETECTORS.values() for w in detect(study)
    )
    evidence = AnalysisEvidence(
        findings.directionality,
        findings.elites,
        findings.boundary_hits,
        None,  # no chance baseline in these studies: low_performance cannot be raised
        findings.significance,
        tuple(param_specs(snapshot).values()),
    )
    for code, detect in ANALYSIS_DETECTORS.items():
        assert {w.code for w in detect(evidence)} <= {code}, code
    # The registry run over the findings' own statistics raises what the report lists.
    from_registry = {w.code for w in analysis_warnings(*vars(evidence).values())}
    assert from_registry == {w.code for w in findings.warnings if w.code in ANALYSIS_DETECTORS}
