"""Findings a few trials drive, and confounded parameters, on literal studies.

Every number is recomputed here from Optuna's own view of the study (``study.trials``) with
scipy, never read back from the generator's intermediate objects.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from scipy import stats
from scipy.stats.contingency import association

from generator.analysis.assemble import analyse
from generator.analysis.confounding import ASSOCIATION_THRESHOLD, CRAMER_V, ETA, MIN_SHARED_TRIALS, SPEARMAN
from generator.analysis.influence import MIN_TRIALS, removal_count
from generator.config import AnalysisConfig
from generator.model.findings import Findings
from generator.render.env import message_for
from generator.render.headlines import headline
from tests.conftest import REPO
from tests.snapshot_compare import snapshot_of, snapshot_of_study
from tests.studies import FLAG, add

EXAMPLE = REPO / "examples" / "visual_classifier_cpu_sweep.db"
EXAMPLE_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
CONFIG = AnalysisConfig(n_bootstrap=200, charts=False)

X = FloatDistribution(0.0, 1.0)
W = FloatDistribution(1.0, 1e6, log=True)


def _findings(study: optuna.Study, tmp_path: Path) -> Findings:
    return analyse(snapshot_of_study(study, tmp_path), CONFIG, "test")


def _warnings(findings: Findings, code: str) -> list:
    return [w for w in findings.warnings if w.code == code]


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE and math.isfinite(t.value)]


def outlier_study(n: int = 100, with_outliers: bool = True) -> tuple[optuna.Study, list[int]]:
    """``x`` drives the objective; ``w`` is noise on [1, 100], except (with_outliers) three
    trials with huge ``w`` (>= 5e4) that are also the three worst of the study."""
    rng = np.random.default_rng(11)
    study = optuna.create_study(study_name="outliers", direction="maximize")
    extreme = {17, 48, 83} if with_outliers else set()
    numbers = []
    for i in range(n):
        x = float(rng.uniform(0, 1))
        if i in extreme:
            w = float(10 ** rng.uniform(4.7, 6))
            value = -20.0 - float(rng.uniform(0, 1))
            numbers.append(len(study.trials))
        else:
            w = float(10 ** rng.uniform(0, 2))
            value = x + float(rng.normal(0, 0.2))
        add(study, {"x": x, "w": w}, {"x": X, "w": W}, value)
    return study, numbers


def test_three_extreme_trials_driving_importance_are_named(tmp_path: Path) -> None:
    study, extreme = outlier_study()
    assert len(extreme) == 3 and removal_count(len(_complete(study))) == 3
    # The three trials really are the three worst and the three largest w.
    complete = _complete(study)
    worst = sorted(complete, key=lambda t: t.value)[:3]
    largest = sorted(complete, key=lambda t: -t.params["w"])[:3]
    assert {t.number for t in worst} == {t.number for t in largest} == set(extreme)
    findings = _findings(study, tmp_path)
    (warning,) = _warnings(findings, "driven_by_few_trials")
    assert warning.params == ("w",) and warning.severity == "warning"
    (inf,) = findings.influence
    assert inf.param == "w" and inf.trials == tuple(sorted(extreme))
    assert "importance_rank" in inf.changes
    fanova = {i.param: i for i in findings.importance if i.method == "fanova"}
    assert inf.importance == fanova["w"].importance
    assert inf.importance_without < fanova["w"].ci_low  # below its own interval
    assert inf.importance_without < inf.importance
    assert inf.importance_rank == 1 and inf.importance_rank_without == 2
    assert warning.values["trials"] == ", ".join(map(str, sorted(extreme)))
    text = message_for(warning.code, warning.values)
    assert all(str(t) in text for t in extreme) and "None" not in text
    # The estimate without them is the study rebuilt without those trials (fANOVA's point).
    rebuilt = optuna.create_study(study_name="without", direction="maximize")
    for t in study.trials:
        if t.number not in extreme:
            add(rebuilt, t.params, t.distributions, t.value)
    alone = {i.param: i for i in _findings(rebuilt, tmp_path).importance if i.method == "fanova"}
    assert inf.importance_without == pytest.approx(alone["w"].importance, abs=0.02)
    # x is not flagged: without the outliers its share grows (it was masked, not driven).
    assert all(i.param != "x" for i in findings.influence)


def test_a_clean_study_has_no_trials_driving_a_finding(tmp_path: Path) -> None:
    study, _ = outlier_study(with_outliers=False)
    findings = _findings(study, tmp_path)
    assert not _warnings(findings, "driven_by_few_trials") and findings.influence == ()
    assert all(h.values.get("driven_by_few_trials") is None for h in findings.executive_summary)


def test_small_studies_are_not_checked(tmp_path: Path) -> None:
    study, _ = outlier_study(n=MIN_TRIALS - 1)
    assert _findings(study, tmp_path).influence == ()


def test_the_executive_summary_marks_a_finding_few_trials_drive(tmp_path: Path) -> None:
    """The tier check: a strong trend in w that only its three largest values make (the
    three best trials); without them w is noise. Seeded so that Holm's q is 0.040 with them."""
    rng = np.random.default_rng(87)
    w = np.r_[10 ** rng.uniform(0, 2, 37), [2e5, 4e5, 8e5]]
    x = rng.uniform(0, 1, 37)
    y = np.r_[rng.normal(0, 1, 37), [10.0, 10.5, 11.0]]
    x = np.r_[x, rng.uniform(0, 1, 3)]
    study = optuna.create_study(study_name="tier", direction="maximize")
    for wi, xi, yi in zip(w, x, y, strict=True):
        add(study, {"x": float(xi), "w": float(wi)}, {"x": X, "w": W}, float(yi))
    findings = _findings(study, tmp_path)
    rows = {d.param: d for d in findings.directionality}
    assert rows["w"].tier == "strong"
    (inf,) = [i for i in findings.influence if i.param == "w"]
    assert "tier" in inf.changes and inf.tier == "strong" and inf.tier_without == "not enough evidence"
    # The three added trials, or the shortest prefix of them (most extreme first) that still
    # overturns the finding (with the leave-one-out surrogate, the two largest already do).
    assert inf.trials in ((37, 38, 39), (38, 39))
    # Without them, Spearman on the remaining trials, as scipy computes it.
    kept = [t for t in _complete(study) if t.number not in inf.trials]
    rho = stats.spearmanr([t.params["w"] for t in kept], [t.value for t in kept]).statistic
    assert inf.effect_without == pytest.approx(rho, abs=1e-12)
    notes = [h.values["driven_by_few_trials"] for h in findings.executive_summary if h.params == ("w",)]
    assert notes and notes[0]["trials"] == list(inf.trials) and notes[0]["tier_without"] == "not enough evidence"


def confounded_study() -> optuna.Study:
    """Two booleans always equal, a numeric near-copy pair (v = 3u + tiny jitter), and an
    independent boolean; the objective follows a and u."""
    rng = np.random.default_rng(3)
    study = optuna.create_study(study_name="confounded", direction="maximize")
    dists = {"a": FLAG, "b": FLAG, "c": FLAG, "u": X, "v": FloatDistribution(0.0, 3.0)}
    for _ in range(40):
        a = bool(rng.integers(0, 2))
        u = float(rng.uniform(0, 1))
        v = min(3.0, max(0.0, 3 * u + float(rng.normal(0, 0.02))))
        c = bool(rng.integers(0, 2))
        value = 2.0 * a + 3.0 * u + float(rng.normal(0, 0.3))
        add(study, {"a": a, "b": a, "c": c, "u": u, "v": v}, dists, value)
    return study


def test_confounded_pairs_are_one_finding(tmp_path: Path) -> None:
    study = confounded_study()
    findings = _findings(study, tmp_path)
    found = {w.params: w for w in _warnings(findings, "confounded_params")}
    assert set(found) == {("a", "b"), ("u", "v")}
    trials = _complete(study)
    table = pd.crosstab([t.params["a"] for t in trials], [t.params["b"] for t in trials]).to_numpy()
    assert found[("a", "b")].values["measure"] == CRAMER_V
    assert found[("a", "b")].values["association"] == pytest.approx(association(table, method="cramer"), abs=1e-12)
    assert found[("a", "b")].values["n"] == len(trials) == 40
    rho = stats.spearmanr([t.params["u"] for t in trials], [t.params["v"] for t in trials]).statistic
    assert found[("u", "v")].values["measure"] == SPEARMAN
    assert found[("u", "v")].values["association"] == pytest.approx(abs(rho), abs=1e-12)
    assert ASSOCIATION_THRESHOLD <= abs(rho) < 1.0  # a near copy, not an exact one
    assert all(w.severity == "warning" for w in found.values())
    # One of each group credited in the executive summary, with its partner named.
    credited = [p for h in findings.executive_summary for p in h.params]
    assert len({"a", "b"} & set(credited)) == 1 and len({"u", "v"} & set(credited)) == 1
    for h in findings.executive_summary:
        if h.kind == "effect" and h.params[0] in "abuv":
            assert h.values["confounded_with"] == {"a": ("b",), "b": ("a",), "u": ("v",), "v": ("u",)}[h.params[0]]
    # Rows marked; no interaction inside a group; next-sweep reasons say so.
    rows = {d.param: d.confounded_with for d in findings.directionality}
    assert rows == {"a": ("b",), "b": ("a",), "c": (), "u": ("v",), "v": ("u",)}
    assert {i.param: i.confounded_with for i in findings.importance if i.method == "fanova"} == rows
    pairs = {frozenset((i.param_a, i.param_b)) for i in findings.interactions}
    assert frozenset("ab") not in pairs and frozenset("uv") not in pairs
    # The site's headline names one member of a group too.
    top = [e.param for e in headline("v1", findings).top_effects]
    assert len({"a", "b"} & set(top)) == 1 and len({"u", "v"} & set(top)) == 1
    assert findings.next_sweep is not None
    for space in (findings.next_sweep.aggressive, findings.next_sweep.conservative):
        steps = {p.name: [s.rule for s in p.steps] for p in space.params}
        assert all("confounded" in steps[name] for name in "abuv" if name in steps)
        assert "confounded" not in steps["c"]


def test_a_mixed_pair_is_measured_by_the_correlation_ratio(tmp_path: Path) -> None:
    """A boolean that decides a number's value exactly (eta = 1), and one that does not."""
    rng = np.random.default_rng(8)
    study = optuna.create_study(study_name="mixed", direction="minimize")
    dists = {"flag": FLAG, "size": FloatDistribution(0.0, 10.0), "other": FLAG}
    for _ in range(30):
        flag = bool(rng.integers(0, 2))
        size = 7.5 if flag else 2.5
        add(study, {"flag": flag, "size": size, "other": bool(rng.integers(0, 2))}, dists, float(rng.normal()))
    (w,) = _warnings(_findings(study, tmp_path), "confounded_params")
    assert w.params == ("flag", "size") and w.values["measure"] == ETA
    assert w.values["association"] == pytest.approx(1.0)


def test_pairs_on_fewer_than_ten_shared_trials_are_not_checked(tmp_path: Path) -> None:
    """Two booleans equal in every trial of a 9-trial branch: too few to say anything."""
    rng = np.random.default_rng(2)
    study = optuna.create_study(study_name="branch", direction="maximize")
    enc = CategoricalDistribution(["x", "y"])
    for i in range(30):
        if i < MIN_SHARED_TRIALS - 1:
            flag = i % 2 == 0
            add(study, {"enc": "x", "p": flag, "q": flag}, {"enc": enc, "p": FLAG, "q": FLAG}, float(rng.normal()))
        else:
            add(study, {"enc": "y"}, {"enc": enc}, float(rng.normal()))
    findings = _findings(study, tmp_path)
    assert not _warnings(findings, "confounded_params")
    assert all(d.confounded_with == () for d in findings.directionality)


def test_the_example_study_confounds_use_cosine_and_use_scheduler(tmp_path: Path) -> None:
    findings = analyse(snapshot_of(f"sqlite:///{EXAMPLE}", EXAMPLE_STUDY, tmp_path), CONFIG, "test")
    warnings = {w.params: w for w in _warnings(findings, "confounded_params")}
    assert ("use_cosine", "use_scheduler") in warnings
    study = optuna.load_study(study_name=EXAMPLE_STUDY, storage=f"sqlite:///{EXAMPLE}")
    trials = [t for t in _complete(study) if "use_cosine" in t.params and "use_scheduler" in t.params]
    assert all(t.params["use_cosine"] == t.params["use_scheduler"] for t in trials)
    table = pd.crosstab(
        [json.dumps(t.params["use_cosine"]) for t in trials], [json.dumps(t.params["use_scheduler"]) for t in trials]
    ).to_numpy()
    values = warnings[("use_cosine", "use_scheduler")].values
    assert values["n"] == len(trials) == 20
    assert values["association"] == pytest.approx(association(table, method="cramer"), abs=1e-12) == 1.0
    credited = [p for h in findings.executive_summary for p in h.params]
    assert not {"use_cosine", "use_scheduler"} <= set(credited)
    pairs = {frozenset((i.param_a, i.param_b)) for i in findings.interactions}
    assert frozenset(("use_cosine", "use_scheduler")) not in pairs
    rows = {d.param: d.confounded_with for d in findings.directionality}
    assert rows["use_cosine"] == ("use_scheduler",) and rows["use_scheduler"] == ("use_cosine",)
    assert findings.influence == ()  # 20 trials: below MIN_TRIALS, not checked
