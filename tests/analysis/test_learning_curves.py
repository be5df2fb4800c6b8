"""Learning curves, the pruner audit, --include-pruned and compute accounting, on literal studies
whose curves are known by construction (and on the example study's real curves)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from generator.analysis.assemble import analyse
from generator.analysis.curves import FATE_KNOWN_RHO, SHOWN_ELITE_CURVES, TAIL_STEPS, learning_curves, trial_curves
from generator.analysis.frames import elite_numbers
from generator.cli import main
from generator.config import AnalysisConfig
from generator.paths import schema_path
from generator.render.documents import findings_document, findings_markdown
from generator.render.env import message_for
from tests.conftest import REPO
from tests.invariants import report_violations
from tests.snapshot_compare import snapshot_of
from tests.studies import add, sqlite_study

X = FloatDistribution(0.0, 1.0)
STEPS = range(10)
CONFIG = AnalysisConfig(n_bootstrap=0, charts=False, importance_resamples=20, top_quantile_resamples=2)
EXAMPLE = REPO / "examples" / "visual_classifier_cpu_sweep.db"
EXAMPLE_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"


def rising(study: optuna.Study) -> None:
    """12 complete trials over steps 0-9. The 3 best (x >= 0.8) still rise linearly at step 9
    with a small wobble; the others plateau from step 3 at a lower value."""
    for i in range(12):
        x = i / 11
        if x >= 0.8:
            curve = {s: 0.5 + 0.04 * s + 0.002 * (-1) ** s for s in STEPS}
        else:
            curve = {s: x * 0.4 * min(1.0, (s + 1) / 4) for s in STEPS}
        add(study, {"x": x}, {"x": X}, value=curve[9], intermediate=curve)


def plateau(study: optuna.Study) -> None:
    """12 complete trials, every curve final * min(1, (s + 1) / 4): flat from step 3 on."""
    for i in range(12):
        final = 0.2 + 0.05 * i
        curve = {s: final * min(1.0, (s + 1) / 4) for s in STEPS}
        add(study, {"x": i / 11}, {"x": X}, value=final, intermediate=curve)


def on_track(study: optuna.Study) -> None:
    """Minimize. 8 complete trials whose ranks never change (value = final + 1/(s + 1)); trial 8
    pruned at step 2 ahead of every elite there, trial 9 pruned at step 2 far behind, trial 10 a
    failure."""
    for i in range(8):
        final = 0.1 * (i + 1)
        curve = {s: final + 1 / (s + 1) for s in STEPS}
        add(study, {"x": i / 7}, {"x": X}, value=final, intermediate=curve, minutes=10)
    add(study, {"x": 0.05}, {"x": X}, state=TrialState.PRUNED, intermediate={0: 1.05, 1: 0.55, 2: 0.38}, minutes=3)
    add(study, {"x": 0.95}, {"x": X}, state=TrialState.PRUNED, intermediate={0: 3.0, 1: 2.9, 2: 2.8}, minutes=3)
    add(study, {"x": 0.5}, {"x": X}, state=TrialState.FAIL, minutes=1)


def _snapshot(tmp_path: Path, name: str, builder, direction: str = "maximize"):
    return snapshot_of(sqlite_study(tmp_path / f"{name}.db", name, builder, [direction]), name, tmp_path)


def _trials(snapshot, direction: str = "maximize"):
    """Every trial's curve summary, the elites flagged (what ``artifacts/learning_curves.csv`` holds)."""
    return trial_curves(snapshot, direction, elite_numbers(snapshot, 0, direction, 0.25))


def _curves(snapshot, direction: str = "maximize"):
    return learning_curves(snapshot, 0, direction, _trials(snapshot, direction))


def test_curves_still_rising_at_the_last_step_warn_under_trained(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "rising", rising)
    curves, warnings = _curves(snapshot)
    assert curves is not None
    assert curves.trials_with_curves == 12 and curves.max_step == 9 and curves.tail_steps == TAIL_STEPS
    by_number = {t.number: t for t in _trials(snapshot)}
    top = by_number[11]
    values = np.array([0.5 + 0.04 * s + 0.002 * (-1) ** s for s in STEPS])
    fit = stats.linregress(np.arange(5, 10), values[5:])
    half = stats.t.ppf(0.975, 3) * fit.stderr
    assert (top.first_step, top.last_step, top.best_step) == (0, 9, 9)
    assert top.slope == pytest.approx(fit.slope) and top.slope > 0
    assert (top.slope_ci_low, top.slope_ci_high) == pytest.approx((fit.slope - half, fit.slope + half))
    assert top.still_improving is True and top.elite
    # 95% of its gain (0.5 -> 0.858 at step 9 ... first value 0.502): first step reaching it.
    gain = values.max() - values[0]
    assert top.step_95 == int(np.flatnonzero(values - values[0] >= 0.95 * gain)[0]) == 9
    flat = by_number[5]
    assert (flat.best_step, flat.step_95, flat.last_step) == (3, 3, 9)
    assert flat.slope == pytest.approx(0.0, abs=1e-12) and flat.still_improving is False
    e = curves.elites_still_improving
    low, high = proportion_confint(3, 3, alpha=0.05, method="wilson")
    assert (e.count, e.of, e.share) == (3, 3, 1.0)
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high))
    assert curves.under_trained and curves.recommended_open and curves.recommended_steps == 9
    [warning] = warnings
    assert warning.code == "under_trained" and warning.severity == "warning"
    assert warning.values["count"] == 3 and warning.values["of"] == 3 and warning.values["max_step"] == 9
    assert warning.values["ci_low_pct"] == round(100 * low)
    # 3 of 3 has a Wilson interval from 44% (below half): "may have been", never "likely".
    assert low < 0.5 and not curves.under_trained_likely and warning.values["reason"] == "possible"
    message = message_for("under_trained", warning.values)
    assert "3 of 3 elites" in message and "may have been too short" in message and "likely" not in message
    markdown = findings_markdown(analyse(snapshot, CONFIG, "cmd"), "v")
    assert "**Training may have been too short**" in markdown and "likely too short" not in markdown


def test_most_elites_still_rising_is_likely_under_trained(tmp_path: Path) -> None:
    """24 trials, the 6 best (the elites) rise to the last step: 6 of 6 has a Wilson interval
    from 61%, so the words may say "likely", and the next-sweep section says its configs keep
    the budget the curves ask to raise."""

    def build(study: optuna.Study) -> None:
        for i in range(24):
            if i >= 18:
                curve = {s: 0.5 + 0.01 * i + 0.04 * s + 0.002 * (-1) ** s for s in STEPS}
            else:
                curve = {s: i / 60 * min(1.0, (s + 1) / 4) for s in STEPS}
            add(study, {"x": i / 23}, {"x": X}, value=curve[9], intermediate=curve)

    snapshot = _snapshot(tmp_path, "rising6", build)
    curves, [warning] = _curves(snapshot)
    e = curves.elites_still_improving
    low, _ = proportion_confint(6, 6, alpha=0.05, method="wilson")
    assert (e.count, e.of) == (6, 6) and e.ci_low == pytest.approx(low) and low >= 0.5
    assert curves.under_trained and curves.under_trained_likely and warning.values["reason"] == "likely"
    assert "training was likely too short" in message_for("under_trained", warning.values)
    findings = analyse(snapshot, CONFIG, "cmd")
    markdown = findings_markdown(findings, "v")
    assert "**Training was likely too short**" in markdown
    assert "keep the training budget as this study ran it" in markdown
    assert "raise the budget beyond step 9 by hand" in markdown


def test_a_rise_that_falls_back_at_the_end_is_not_still_improving(tmp_path: Path) -> None:
    """The example study's pattern: the tail's slope interval is above 0, but the last value fell
    below the curve's best a step earlier, so the trial peaked before it stopped."""

    def build(study: optuna.Study) -> None:
        for i in range(12):
            x = i / 11
            if x >= 0.8:
                curve = {s: 0.5 + 0.04 * min(s, 8) - (0.01 if s == 9 else 0.0) for s in STEPS}
            else:
                curve = {s: x * 0.4 * min(1.0, (s + 1) / 4) for s in STEPS}
            add(study, {"x": x}, {"x": X}, value=curve[9] + 0.001 * i, intermediate=curve)

    snapshot = _snapshot(tmp_path, "fell_back", build)
    curves, warnings = _curves(snapshot)
    top = {t.number: t for t in _trials(snapshot)}[11]
    values = np.array([0.5 + 0.04 * min(s, 8) - (0.01 if s == 9 else 0.0) for s in STEPS])
    fit = stats.linregress(np.arange(5, 10), values[5:])
    # The slope alone would have called it still improving ...
    assert fit.slope - stats.t.ppf(0.975, 3) * fit.stderr > 0 and top.slope_ci_low > 0
    # ... but its best is at step 8 and its last value (step 9) is lower.
    assert (top.best_step, top.last_step) == (8, 9) and top.still_improving is False
    assert curves.elites_still_improving.count == 0 and warnings == [] and not curves.under_trained


def test_curves_that_plateau_early_recommend_the_plateau_step(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "plateau", plateau)
    curves, warnings = _curves(snapshot)
    assert warnings == [] and not curves.under_trained
    assert all(t.best_step == 3 and t.step_95 == 3 and t.still_improving is False for t in _trials(snapshot))
    e = curves.elites_still_improving
    assert (e.count, e.of, e.share) == (0, 3, 0.0)
    low, high = proportion_confint(0, 3, alpha=0.05, method="wilson")
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high))
    assert e.ci_low == 0.0  # exactly: statsmodels' float noise printed as "5.55e-15%"
    # Combined elite gain final * (min(1, (s+1)/4) - 1/4) reaches 90% of 0.75 * final at s = 3, in every resample.
    assert (curves.recommended_steps, curves.recommended_open) == (3, False)
    assert (curves.recommended_ci_low, curves.recommended_ci_high) == (3, 3)
    assert curves.median_step_95_elites == 3
    # Ranks at step s equal the final ranks at every step: rho 1. From step 3 on every value is
    # the final value, which says nothing about when ranks settle: left out.
    assert [c.step for c in curves.rank_correlation] == [0, 1, 2]
    assert all(c.rho == pytest.approx(1.0) and c.n == 12 for c in curves.rank_correlation)
    # Not a certain [1, 1] from 12 trials: the inner end is the nearest attainable rho's
    # (one adjacent pair swapped, 1 - 12 / (12 * 143)), with the variance at rho 1.
    nearest = 1 - 12 / (12 * 143)
    inner = math.tanh(math.atanh(nearest) - stats.norm.ppf(0.975) * math.sqrt(1.5 / 9))
    assert all((c.ci_low, c.ci_high) == pytest.approx((inner, 1.0)) for c in curves.rank_correlation)
    assert 0.7 < inner < 0.99
    assert curves.fate_known_step == 0
    assert curves.pruned_with_curves == 0 and curves.steps_saved_by_pruning == 0


def test_rank_correlation_matches_scipy_and_the_fisher_z_interval(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "rising", rising)
    curves, _ = _curves(snapshot)
    trials = _trials(snapshot)
    finals = {t.number: t.last_value for t in trials}
    for c in curves.rank_correlation:
        at = {t.number: v for t in trials for s, v in _curve_of(snapshot, t.number) if s == c.step}
        x = [at[n] for n in sorted(at)]
        y = [finals[n] for n in sorted(at)]
        assert c.n == len(x) == 12
        if np.ptp(x) == 0:
            assert c.rho is None and c.ci_low is None
            continue
        rho = stats.spearmanr(x, y).statistic
        assert c.rho == pytest.approx(rho)
        if abs(rho) < 1:
            half = stats.norm.ppf(0.975) * math.sqrt((1 + rho**2 / 2) / (c.n - 3))
            assert (c.ci_low, c.ci_high) == pytest.approx(
                (math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half))
            )
    # The first step from which every step's interval lies above the threshold.
    above = [c.ci_low is not None and c.ci_low > FATE_KNOWN_RHO for c in curves.rank_correlation]
    stable = [c.step for i, c in enumerate(curves.rank_correlation) if all(above[i:])]
    assert curves.fate_known_step == (stable[0] if stable else None)


def settles_late(study: optuna.Study) -> None:
    """mnist-tf's shape: step 1's ranks equal the final ones, step 2's are shuffled (its interval
    falls below 0.7), steps 3 and 4 agree again. "From step 1 the ranks agree" was printed."""
    shuffled = [5, 0, 9, 2, 11, 7, 1, 10, 3, 8, 4, 6]
    for i in range(12):
        final = 0.2 + 0.05 * i
        curve = {0: 0.1 * shuffled[(i + 3) % 12], 1: final - 0.1, 2: 0.01 * shuffled[i], 3: final - 0.01, 4: final}
        add(study, {"x": i / 11}, {"x": X}, value=final, intermediate=curve)


def test_the_fate_is_known_only_from_a_step_every_later_step_confirms(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "settles_late", settles_late)
    curves, _ = _curves(snapshot)
    by_step = {c.step: c for c in curves.rank_correlation}
    assert by_step[1].ci_low is not None and by_step[1].ci_low > FATE_KNOWN_RHO
    assert by_step[2].ci_low is not None and by_step[2].ci_low < FATE_KNOWN_RHO
    assert curves.fate_known_step == 3
    markdown = findings_markdown(analyse(snapshot, CONFIG, "test"), "v")
    assert "From **step 3** on, at every step with a correlation" in markdown
    assert "From **step 1**" not in markdown


def _curve_of(snapshot, number: int) -> list[tuple[int, float]]:
    rows = snapshot.intermediate[snapshot.intermediate["number"] == number]
    return list(zip(rows["step"].astype(int), rows["value"].astype(float), strict=True))


def test_pruner_audit_names_the_trial_pruned_while_on_track(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "on_track", on_track, "minimize")
    curves, _ = _curves(snapshot, "minimize")
    # Elites: the best quarter of 8 complete trials = trials 0 and 1 (finals 0.1, 0.2).
    trials = _trials(snapshot, "minimize")
    assert {t.number for t in trials if t.elite} == {0, 1}
    assert curves.elite_curves == tuple(t for t in trials if t.elite)
    assert curves.median_complete_steps == 10
    assert curves.pruned_with_curves == 2 and curves.steps_saved_by_pruning == 7 + 7
    assert curves.steps_run == 8 * 10 + 3 + 3
    assert curves.saved_share == pytest.approx(14 / (14 + 86))
    # At step 2 the elites stood at 0.1 + 1/3 and 0.2 + 1/3; trial 8 at 0.38 beats the weaker one.
    assert curves.pruned_possibly_wrongly == (8,)
    [check] = curves.pruned_checks
    assert (check.step, check.value, check.n_elites_at_step) == (2, 0.38, 2)
    assert check.weakest_elite_value == pytest.approx(0.2 + 1 / 3)
    # minimize: a falling curve improves; the complete curves still fall at step 9.
    assert all(t.slope > 0 for t in trials if t.state == "COMPLETE")
    assert all(c.rho == pytest.approx(1.0) and c.n == 8 for c in curves.rank_correlation)


def test_compute_accounting_and_the_report_sections(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "on_track", on_track, "minimize")
    findings = analyse(snapshot, CONFIG, "cmd")
    cp = findings.compute
    assert cp.total_trial_s == pytest.approx(60 * (8 * 10 + 2 * 3 + 1))
    assert cp.pruned_s == 360 and cp.failed_s == 60
    assert cp.pruned_share_time == pytest.approx(6 / 87) and cp.failed_share_time == pytest.approx(1 / 87)
    assert (cp.steps, cp.pruned_steps, cp.failed_steps) == (86, 6, 0)
    assert cp.pruned_share_steps == pytest.approx(6 / 86)
    assert cp.devices == () and cp.n_params is None
    document = findings_document(findings)
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    lc = document["learning_curves"]
    assert lc["pruned_possibly_wrongly"] == [8] and lc["steps_saved_by_pruning"] == 14
    assert set(lc["elites_still_improving"]) >= {"count", "of", "share"}
    assert set(lc["rank_correlation"][0]) >= {"step", "rho", "ci_low", "ci_high", "n"}
    markdown = findings_markdown(findings, "v")
    assert "## Learning curves" in markdown and "| #8 | 2 | 0.38 |" in markdown
    assert "Time on pruned trials | 6 min 00 s (6.9% of trial time)" in markdown


def test_device_and_parameter_count_come_from_trainer_attrs(tmp_path: Path) -> None:
    def build(study: optuna.Study) -> None:
        for i in range(6):
            attrs = {"device": "cuda" if i % 2 else "cpu", "n_params": 1000 * (i + 1)}
            add(study, {"x": i / 5}, {"x": X}, value=float(i), user_attrs=attrs, minutes=i + 1)

    snapshot = _snapshot(tmp_path, "attrs", build)
    findings = analyse(snapshot, CONFIG, "cmd")
    cp = findings.compute
    assert [(d.device, d.trials, d.time_s) for d in cp.devices] == [("cpu", 3, 60 * 9), ("cuda", 3, 60 * 12)]
    assert (cp.n_params.n, cp.n_params.min, cp.n_params.median, cp.n_params.max) == (6, 1000, 3500, 6000)
    assert cp.steps == 0 and cp.pruned_share_steps is None
    from generator.analysis.tables import compute_table
    from generator.render.tables import to_csv

    lines = to_csv(compute_table(snapshot)).splitlines()
    assert lines[0] == "number,state,duration_s,steps,last_step,device,n_params"
    assert lines[2] == "1,COMPLETE,120,0,,cuda,2000"


def test_a_study_without_intermediate_values_has_no_section(tmp_path: Path) -> None:
    def build(study: optuna.Study) -> None:
        for i in range(8):
            add(study, {"x": i / 7}, {"x": X}, value=float(i % 5))
        add(study, {"x": 0.5}, {"x": X}, state=TrialState.PRUNED)

    findings = analyse(_snapshot(tmp_path, "no_curves", build), CONFIG, "cmd")
    assert findings.learning_curves is None
    assert not [w for w in findings.warnings if w.code == "under_trained"]
    assert "## Learning curves" not in findings_markdown(findings, "v")
    assert findings_document(findings)["learning_curves"] is None


def test_include_pruned_analyses_pruned_trials_at_their_last_value(tmp_path: Path) -> None:
    snapshot = _snapshot(tmp_path, "on_track", on_track, "minimize")
    off = analyse(snapshot, CONFIG, "cmd")
    on = analyse(snapshot, AnalysisConfig(**{**CONFIG.__dict__, "include_pruned": True}), "cmd")
    assert off.summary.n == 8 and off.pruned_analysis is None and not off.stats.include_pruned
    assert on.summary.n == 10 and on.stats.include_pruned
    pa = on.pruned_analysis
    assert (pa.included, pa.n_complete, pa.n_pruned, pa.numbers) == (True, 8, 2, (8, 9))
    [x] = [d for d in on.directionality if d.param == "x"]
    assert x.n == 10
    # Trial 9's last value (2.8) is the worst of all; the counts and the curves keep real states.
    assert on.summary.worst.number == 9 and on.summary.worst.value == 2.8
    assert on.study.n_trials.pruned == 2 and on.learning_curves.pruned_possibly_wrongly == (8,)
    markdown = findings_markdown(on, "v")
    assert "8 complete + 2 pruned trials, the pruned ones at their last reported value" in markdown
    assert "#9: 2.8 (pruned; its last reported value)" in markdown
    jsonschema.validate(findings_document(on), json.loads(schema_path().read_text()))


def test_example_study_reports_its_learning_curves(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["--storage", str(EXAMPLE), "--study", EXAMPLE_STUDY, "--out", str(out), "--quiet", "--no-charts"]
    assert main([*args, "--n-bootstrap", "0"]) == 0
    [version] = list((out / "report").glob("*/*/findings.json"))
    document = json.loads(version.read_text())
    lc = document["learning_curves"]
    assert lc["trials_with_curves"] == 40 and lc["steps_run"] == 188
    assert lc["elites_still_improving"]["of"] == 5
    assert all(c["n"] == 20 for c in lc["rank_correlation"])
    assert document["compute"]["devices"][0]["trials"] == 40 and document["compute"]["n_params"]["n"] == 40
    # importance_effect_disagree on depth (q 0.069) is flagged on main too, before this section existed.
    assert [v for v in report_violations(version.parent) if "importance_effect_disagree" not in v] == []
    markdown = (version.parent / "findings.md").read_text()
    assert "### Was training long enough?" in markdown and "### When is a trial's fate known?" in markdown
    # Trials 13, 26 and 33 rose over their tail but peaked at step 4, a step before they stopped:
    # none was still improving, and the report must not call training likely too short.
    assert lc["elites_still_improving"]["count"] == 0 and not lc["under_trained"]
    assert "likely too short" not in markdown.lower()
    # Flat curves within 6 epochs beside a champion that gained at 30: the section says both.
    champion = document["trial_attributes"]["champion"]
    assert champion["epochs"] == 30 and champion["sweep_epochs"] == 6 and champion["gap_ci_low"] > 0
    assert "But the champion (trial #13) retrained for 30 epochs against the sweep's 6 scored +0.08" in markdown
    assert "do not show that a longer budget would not help" in markdown


def many_elites(study: optuna.Study) -> None:
    """60 complete trials over steps 0-9 (15 elites, more than the report's table shows) and 4
    pruned at step 3; the better a trial's final value, the steeper its still-rising tail."""
    for i in range(60):
        curve = {s: 0.01 * i * s + 0.001 * (-1) ** s for s in STEPS}
        add(study, {"x": i / 59}, {"x": X}, value=curve[9], intermediate=curve)
    for i in range(4):
        add(study, {"x": i / 3}, {"x": X}, state=TrialState.PRUNED, intermediate={s: 0.1 * s for s in range(4)})


def test_findings_keep_the_shown_elites_and_the_csv_every_trial(tmp_path: Path) -> None:
    import csv
    import dataclasses

    from generator.model.curves import TrialCurve
    from generator.model.reader import findings_from_dict

    url = sqlite_study(tmp_path / "many.db", "many", many_elites, ["maximize"])
    out = tmp_path / "out"
    assert (
        main(["--storage", url, "--study", "many", "--out", str(out), "--quiet", "--no-charts", "--n-bootstrap", "0"])
        == 0
    )
    [folder] = [p.parent for p in (out / "report").glob("*/*/findings.json")]
    document = json.loads((folder / "findings.json").read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    lc = document["learning_curves"]
    assert "trials" not in lc and lc["trials_with_curves"] == 64 and lc["elites_with_curves"] == 15
    # The first elites by trial number: the 15 elites are trials 45-59.
    assert [t["number"] for t in lc["elite_curves"]] == list(range(45, 45 + SHOWN_ELITE_CURVES))
    with (folder / "artifacts" / "learning_curves.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [f.name for f in dataclasses.fields(TrialCurve)]
    assert [int(r["number"]) for r in rows] == list(range(64))
    assert [int(r["number"]) for r in rows if r["elite"] == "True"] == list(range(45, 60))
    assert {r["state"] for r in rows[60:]} == {"PRUNED"} and {r["n_steps"] for r in rows[60:]} == {"4"}
    # A row of the CSV is the summary findings.json keeps for that elite.
    shown = {t["number"]: t for t in lc["elite_curves"]}
    for row in rows[45:57]:
        kept = shown[int(row["number"])]
        assert int(row["best_step"]) == kept["best_step"] and float(row["slope"]) == pytest.approx(kept["slope"])
        assert row["still_improving"] == str(kept["still_improving"])
    # Reading findings.json back gives the same model (the elite rows included).
    assert findings_from_dict(document).learning_curves.elite_curves[0].number == 45
    markdown = (folder / "findings.md").read_text()
    assert "The first 12 of 15 elites by trial number; `artifacts/learning_curves.csv` holds every trial's" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("| #") and "| complete |" in line]
    assert [line.split()[1] for line in table] == [f"#{n}" for n in range(45, 57)]
    assert report_violations(folder) == []


def test_an_older_findings_json_with_every_trial_still_reads(tmp_path: Path) -> None:
    """Versions written before the CSV held ``learning_curves.trials``: a report folder keeps
    them, and the site and the changes read them back."""
    from generator.model.reader import findings_from_dict

    snapshot = _snapshot(tmp_path, "rising", rising)
    document = findings_document(analyse(snapshot, CONFIG, "cmd"))
    old = json.loads(json.dumps(document))
    old["learning_curves"]["trials"] = old["learning_curves"].pop("elite_curves")
    assert findings_from_dict(old).learning_curves.elite_curves == ()
    assert findings_from_dict(document).learning_curves.elite_curves != ()


def test_include_pruned_labels_the_charts(tmp_path: Path) -> None:
    from generator.analysis.chart_data import chart_set
    from generator.render.charts import chart_files

    snapshot = _snapshot(tmp_path, "on_track", on_track, "minimize")
    config = AnalysisConfig(**{**CONFIG.__dict__, "include_pruned": True, "charts": True})
    charts = chart_set(snapshot, config)
    assert (charts.n_analysed, charts.pruned_analysed) == (10, 2)
    files = {f.kind: f.chart.to_dict() for f in chart_files(charts)}
    assert (
        "n = 10 trials: 8 complete, 2 pruned at their last reported value (--include-pruned)"
        in (files["history"]["title"]["subtitle"])
    )
    assert not any("pruned" in line for line in files["timeline"]["title"]["subtitle"])
    plain = {f.kind: f.chart.to_dict() for f in chart_files(chart_set(snapshot, CONFIG))}
    assert "n = 8 complete trials" in plain["history"]["title"]["subtitle"]


def test_one_value_per_trial_is_no_curve(tmp_path: Path) -> None:
    def build(study: optuna.Study) -> None:
        for i in range(8):
            add(study, {"x": i / 7}, {"x": X}, value=float(i), intermediate={0: float(i)})

    snapshot = _snapshot(tmp_path, "single_step", build)
    assert _curves(snapshot) == (None, [])


def test_compute_csv_has_one_row_per_trial(tmp_path: Path) -> None:
    from generator.analysis.tables import compute_table
    from generator.render.tables import to_csv

    snapshot = _snapshot(tmp_path, "on_track", on_track, "minimize")
    lines = to_csv(compute_table(snapshot)).splitlines()
    assert lines[0] == "number,state,duration_s,steps,last_step"
    assert lines[1] == "0,COMPLETE,600,10,9" and lines[9] == "8,PRUNED,180,3,2" and lines[11] == "10,FAIL,60,0,"
    assert len(lines) == 1 + 11


def test_pytorch_simple_pruner_audit_matches_optuna(tmp_path: Path, shared_copy) -> None:
    """optuna-dashboard's sample (25 complete, 75 pruned): the audit recomputed from Optuna's own trials."""
    from tests.conftest import SHARED_STUDIES, require_shared

    require_shared()
    url = f"sqlite:///{shared_copy(SHARED_STUDIES / 'optuna_dashboard_sample.sqlite3')}"
    snapshot = snapshot_of(url, "pytorch_simple", tmp_path)
    curves, _ = _curves(snapshot)
    trials = optuna.load_study(study_name="pytorch_simple", storage=url).trials
    complete = sorted((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: (-t.value, t.number))
    elites = complete[: math.ceil(0.25 * len(complete))]
    pruned = [t for t in trials if t.state == TrialState.PRUNED and t.intermediate_values]
    median = float(np.median([len(t.intermediate_values) for t in complete]))
    assert curves.steps_saved_by_pruning == round(sum(max(0.0, median - len(t.intermediate_values)) for t in pruned))
    wrongly = []
    for t in pruned:
        step = max(t.intermediate_values)
        at = [e.intermediate_values[max(s for s in e.intermediate_values if s <= step)] for e in elites]
        if t.intermediate_values[step] >= min(at):
            wrongly.append(t.number)
    assert list(curves.pruned_possibly_wrongly) == wrongly and wrongly
    improving = curves.elites_still_improving
    assert improving.of == len(elites) and curves.elites_with_curves == len(elites)
