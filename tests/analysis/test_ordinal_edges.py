"""Parameters with a few numeric choices at the edges of their range, shaped like the DQN studies
of ploita_dissertacao.db, where the report said what its own numbers contradicted:

- ``max_grad_norm`` 1/10: 72 of 119 elites at 10, where 0.615 of all trials were (Fisher p 0.65),
  got "the optimum may lie beyond it, so widen that bound to 100" (two choices: one of them always
  holds half the elites);
- ``n_gradient_steps`` 1/4/16: "presses against its high bound 16 ... (Fisher p = 0.0095,
  uncorrected)" in the executive summary while the elite table gave the same test q = 0.27, not
  enough evidence;
- ``batch_size``: the elites converged on 64 (Fisher q = 0.039, strong) and the aggressive config
  said "all elites share one level, which no test backs enough to fix".

Literal studies (tests/studies.py ``add``); Fisher p recomputed with scipy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution
from scipy import stats

from generator.cli import main
from generator.render.documents import findings_markdown
from tests.analysis.test_importance_trust import findings_of, memory
from tests.studies import add, sqlite_study

BATCH = CategoricalDistribution((16, 32, 64, 128))
STEPS = CategoricalDistribution((1, 4, 16))
NORM = CategoricalDistribution((1, 10))
X = FloatDistribution(0.0, 1.0)


def converged_batch(study: optuna.Study) -> None:
    """48 trials: every elite at batch 64, the other levels on both sides worse, so the ordinal
    Spearman test sees no monotone trend; ``norm`` 1/10 is noise with two thirds of trials at 10."""
    rng = np.random.default_rng(7)
    for i in range(48):
        batch = (16, 32, 64, 64, 64, 128, 128, 128)[i % 8]
        steps = (1, 4, 16, 16)[(i // 6) % 4]
        norm = (1, 10, 10)[i % 3]
        value = 10.0 * (batch == 64) + 4.0 * (steps == 16) + float(rng.normal(0, 3.0))
        add(
            study, {"batch": batch, "steps": steps, "norm": norm}, {"batch": BATCH, "steps": STEPS, "norm": NORM}, value
        )


def edge_with_weak_q(study: optuna.Study) -> None:
    """40 trials, 10 elites: 8 of them at steps = 16 where half of all trials are (Fisher p 0.032
    uncorrected; Holm over the three levels gives q 0.097), plus four noise parameters."""
    rng = np.random.default_rng(3)
    steps = [16] * 20 + [4] * 10 + [1] * 10
    elite = [True] * 8 + [False] * 12 + [True] + [False] * 9 + [True] + [False] * 9
    for i, (s, e) in enumerate(zip(steps, elite, strict=True)):
        value = 10.0 + i * 0.01 if e else float(rng.uniform(0.0, 9.0))
        params = {"steps": s, **{f"x{k}": float(rng.uniform()) for k in range(4)}}
        add(study, params, {"steps": STEPS, **{f"x{k}": X for k in range(4)}}, value)


def test_a_two_choice_parameter_holding_half_the_elites_by_sampling_gets_no_widen_warning(tmp_path: Path) -> None:
    study = memory("converged_batch")
    converged_batch(study)
    findings = findings_of(study, tmp_path)
    (norm,) = [h for h in findings.boundary_hits if h.param == "norm"]
    assert (norm.side, norm.n_elites_in_zone, norm.n_elites) == ("high", 9, 12)
    in_zone = sum(t.params["norm"] == 10 for t in study.trials)
    _, p = stats.fisher_exact([[9, 3], [in_zone - 9, 48 - 12 - (in_zone - 9)]], alternative="greater")
    assert norm.p_enrichment == p and p > 0.05
    assert not norm.crowded
    assert [w for w in findings.warnings if w.code == "boundary_hit" and "norm" in w.params] == []
    (aggressive,) = [e for e in findings.next_sweep.aggressive.params if e.name == "norm"]
    assert aggressive.choices == (1, 10)  # no level 100 for a crowding that sampling explains
    # Conservative keeps exploring past the bound the best trial sits at, on the sign of rho
    # alone; its reason carries that rho's tier instead of calling it a trend.
    (conservative,) = [e for e in findings.next_sweep.conservative.params if e.name == "norm"]
    (step,) = [s for s in conservative.steps if s.rule == "add_level"]
    assert step.values["why"] == "best_trial" and step.values["tier"] == "not enough evidence"


def test_a_converged_level_not_fixed_says_which_test_backs_it(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", converged_batch, ["maximize"])
    assert main(["--storage", url, "--study", "s", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = [p for p in (tmp_path / "out" / "report" / "s").iterdir() if p.is_dir()]
    document: dict[str, Any] = json.loads((version / "findings.json").read_text())
    (level,) = [lv for lv in document["elites"]["levels"] if lv["param"] == "batch" and lv["level"] == 64]
    assert level["tier"] == "strong" and level["converged"]
    (batch,) = [d for d in document["directionality"] if d["param"] == "batch"]
    assert batch["tier"] == "not enough evidence"
    config = yaml.safe_load((version / "artifacts" / "refined_search_space_aggressive.yaml").read_text())
    reason = config["param_ranges"]["batch"]["reason"]
    assert "which no test backs enough to fix" not in reason
    assert "whose enrichment is strong (Fisher q = " in reason
    assert "whose primary test (spearman) is not enough evidence, too weak to fix it" in reason
    conservative = yaml.safe_load((version / "artifacts" / "refined_search_space_conservative.yaml").read_text())
    norm = conservative["param_ranges"]["norm"]["reason"]
    assert "the trend points beyond it" not in norm
    assert "the sign of its rho points beyond it (" in norm and "signed by the objective" in norm
    assert "not enough evidence, so a direction worth exploring, not an established trend" in norm


def test_a_summary_boundary_item_needs_the_elite_tables_q(tmp_path: Path) -> None:
    study = memory("edge_q")
    edge_with_weak_q(study)
    findings = findings_of(study, tmp_path)
    (hit,) = [h for h in findings.boundary_hits if h.param == "steps" and h.side == "high"]
    _, p = stats.fisher_exact([[8, 2], [12, 18]], alternative="greater")
    assert hit.p_enrichment == p and p < 0.05  # the boundary table's uncorrected p
    (level,) = [lv for lv in findings.elites.levels if lv.param == "steps" and lv.level == 16]
    assert level.p == p and level.q >= 0.05  # the same test, corrected in the elite table
    # So the bound is not called crowded: no warning, no widening, no summary item.
    assert not hit.crowded
    assert [w for w in findings.warnings if w.code == "boundary_hit"] == []
    (entry,) = [e for e in findings.next_sweep.aggressive.params if e.name == "steps"]
    assert entry.choices == (1, 4, 16)
    assert [h for h in findings.executive_summary if h.kind == "boundary_hit"] == []
    for h in findings.executive_summary:
        if h.kind == "effect" and h.params == ("steps",):
            assert h.values["boundary"] is None


def turning_fraction(study: optuna.Study) -> None:
    """60 trials of a fraction in [0, 1] whose objective peaks at 0.75 (seed 1): Spearman says
    strongly "larger is better", the rank-quadratic fit turns inside the range, and the few trials
    above its peak trend back down, not significantly (crypto_xgb ``subsample``: peak 0.916, rho
    -0.18 above it, and the aggressive config fixed it to 1, a value no trial tried)."""
    rng = np.random.default_rng(1)
    for i in range(60):
        x = (i * 0.6180339887) % 1.0
        add(study, {"subsample": x}, {"subsample": X}, -((x - 0.75) ** 2) + float(rng.normal(0, 0.03)))


def test_a_trend_that_turns_inside_the_range_is_not_fixed_to_its_bound(tmp_path: Path) -> None:
    study = memory("turn")
    turning_fraction(study)
    findings = findings_of(study, tmp_path)
    (d,) = findings.directionality
    t = d.shape_test
    assert (d.shape, d.tier) == ("increasing", "strong") and d.effect > 0
    assert t.q < 0.05 and t.peak is not None and t.rho_above < 0 and t.p_above > 0.10
    (entry,) = [e for e in findings.next_sweep.aggressive.params if e.name == "subsample"]
    assert entry.action == "tune" and entry.value is None
    (step,) = [s for s in entry.steps if s.rule == "bound_not_fixed_turns"]
    assert (step.values["peak"], step.values["rho_side"], step.values["n_side"]) == (t.peak, t.rho_above, t.n_above)
    markdown = findings_markdown(findings, "v")
    peak = f"{t.peak:.4g}"
    assert f"increasing: larger values are better up to about {peak}, not shown beyond it" in markdown
    assert "Not fixed to its high bound `1` although over the whole range larger values are better" in markdown
