"""Next-sweep rules on literal studies: each rule, its threshold flag, and the evidence policy.

Each test builds a study from literal trials (tests/studies.py), runs the whole findings build,
and checks the refined spaces against the statistics they must rest on (the same q, n and
elite shares as the directionality and elite analyses) and against numbers computed here by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from generator.analysis.assemble import analyse
from generator.config import AnalysisConfig
from generator.model.findings import Findings
from generator.model.next_sweep import DROP, FIX, TUNE, RefinedParam, RefinedSpace
from tests.snapshot_compare import snapshot_of_study
from tests.studies import add, conditional, mixed_minimize, monotone, seed_shaped, with_sweep_config

NOT_ENOUGH = "not enough evidence"


def findings_for(
    builder: Callable[[optuna.Study], None], tmp_path: Path, direction: str = "maximize", **config: Any
) -> Findings:
    study = optuna.create_study(study_name="s", direction=direction)  # type: ignore[arg-type]
    builder(study)
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = AnalysisConfig(n_bootstrap=200, importance_resamples=50, top_quantile_resamples=4, **config)
    return analyse(snapshot_of_study(study, tmp_path), settings, "test")


def entries(space: RefinedSpace) -> dict[str, RefinedParam]:
    return {p.name: p for p in space.params}


def rules(p: RefinedParam) -> list[str]:
    return [s.rule for s in p.steps]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Findings:
    return findings_for(seed_shaped, tmp_path_factory.mktemp("seed"))


def test_seed_shaped_aggressive_raises_depth_keeps_conditions_and_fixes_no_weak_param(seed: Findings) -> None:
    assert seed.next_sweep is not None
    aggressive, conservative = entries(seed.next_sweep.aggressive), entries(seed.next_sweep.conservative)
    tests = {d.param: d for d in seed.directionality}
    depth = aggressive["depth"]
    assert depth.action == TUNE and depth.dist == "int" and depth.high is not None and depth.high > 6
    assert (depth.low, depth.high) == (3, 8)  # elites 3..6, padded 0.4 inside [2, 6]; then the boundary's 8
    assert depth.condition is not None and (depth.condition.parent, depth.condition.value) == ("encoder_type", "cnn")
    expand = next(s for s in depth.steps if s.rule == "expand_bound")
    hit = next(h for h in seed.boundary_hits if h.param == "depth")
    assert (expand.values["side"], expand.values["elite_share"], expand.values["p"]) == (
        "high",
        hit.elite_share,
        hit.p_enrichment,
    )
    # encoder_type is "not enough evidence" here, so it is not fixed and the context branch stays,
    # its parameters still conditional.
    assert tests["encoder_type"].tier == NOT_ENOUGH and aggressive["encoder_type"].action == TUNE
    for name in ("ctx_n_head", "ctx_dropout", "ctx_d_model"):
        assert aggressive[name].action == TUNE
        assert aggressive[name].condition == tests[name].condition
    for space in (aggressive, conservative):
        for name, d in tests.items():
            if d.tier in (NOT_ENOUGH, "not tested"):
                assert space[name].action != FIX, name
                first = space[name].steps[0]
                assert first.rule == "not_enough_evidence" and first.values["q"] == d.q and first.values["n"] == d.n


def test_fix_to_bound_when_a_strong_trend_meets_an_immovable_bound(seed: Findings) -> None:
    assert seed.next_sweep is not None
    smoothing = entries(seed.next_sweep.aggressive)["label_smoothing"]
    d = next(d for d in seed.directionality if d.param == "label_smoothing")
    assert d.tier == "strong" and d.effect is not None and d.effect < 0
    assert (smoothing.action, smoothing.value) == (FIX, 0.0)
    (step,) = smoothing.steps
    assert step.rule == "fix_to_bound" and step.values["side"] == "low" and step.values["q"] == d.q
    # The conservative config keeps exploring it.
    kept = entries(seed.next_sweep.conservative)["label_smoothing"]
    assert (kept.action, kept.low, kept.high) == (TUNE, 0.0, 0.2)


def test_ordinal_dominant_level_at_a_crowded_bound_keeps_the_level_beyond(seed: Findings, tmp_path: Path) -> None:
    assert seed.next_sweep is not None
    level = next(lv for lv in seed.elites.levels if lv.param == "batch_size" and lv.level == 8)  # type: ignore[union-attr]
    assert level.elite_share == 0.8 and level.tier == "strong"
    batch = entries(seed.next_sweep.aggressive)["batch_size"]
    assert batch.choices == (4, 8) and rules(batch) == ["dominant_level_open", "add_level"]
    assert batch.steps[0].values["q"] == level.q and batch.steps[0].values["elite_share"] == 0.8
    # Conservative: every level stays, plus one beyond the best (smaller batches are better).
    assert entries(seed.next_sweep.conservative)["batch_size"].choices == (4, 8, 16, 32, 64)
    # The threshold is a flag: at 0.9, 4 of 5 elites no longer dominate, so 8 is not singled out.
    strict = findings_for(seed_shaped, tmp_path, refine_fix_share=0.9).next_sweep
    assert strict is not None
    assert "dominant_level_open" not in rules(entries(strict.aggressive)["batch_size"])
    assert entries(strict.aggressive)["batch_size"].choices == (4, 8, 16)  # the elites' levels, then the one beyond


def test_narrowing_pads_the_elite_range_on_the_log_scale(seed: Findings) -> None:
    assert seed.next_sweep is not None and seed.elites is not None
    wd = entries(seed.next_sweep.aggressive)["weight_decay"]
    r = next(r for r in seed.elites.ranges if r.param == "weight_decay")
    assert r.elite_min is not None and r.elite_max is not None
    pad = 0.1 * (math.log10(0.05) - math.log10(1e-7))
    low = max(1e-7, 10 ** (math.log10(r.elite_min) - pad))
    high = min(0.05, 10 ** (math.log10(r.elite_max) + pad))
    assert wd.low == pytest.approx(low, rel=1e-2) and wd.low <= low  # type: ignore[operator]
    assert wd.high == pytest.approx(high, rel=1e-2) and wd.high >= high  # type: ignore[operator]
    assert wd.high == float(f"{wd.high:.3g}") and wd.log  # three significant digits, rounded outward
    assert entries(seed.next_sweep.conservative)["weight_decay"].high == 0.05  # never narrowed


def test_conservative_never_narrows_and_every_decision_has_a_reason(seed: Findings) -> None:
    assert seed.next_sweep is not None
    declared = {e.param: e for e in seed.next_sweep.empirical_ranges}
    for p in seed.next_sweep.conservative.params:
        assert p.steps, p.name
        e = declared[p.name]
        if p.dist in ("float", "int"):
            assert p.low <= e.declared_low and p.high >= e.declared_high  # type: ignore[operator]
        elif p.dist == "categorical":
            assert set(e.declared_choices) <= set(p.choices)
    for p in seed.next_sweep.aggressive.params:
        assert p.steps, p.name


def test_a_fixed_parent_drops_its_other_branch(tmp_path: Path) -> None:
    f = findings_for(conditional, tmp_path)
    assert f.next_sweep is not None
    encoder = next(d for d in f.directionality if d.param == "encoder_type")
    assert encoder.tier == "strong"
    for space in (f.next_sweep.aggressive, f.next_sweep.conservative):
        e = entries(space)
        assert (e["encoder_type"].action, e["encoder_type"].value) == (FIX, "cnn")
        assert e["ctx_dropout"].action == DROP
        (step,) = e["ctx_dropout"].steps
        assert step.rule == "drop_branch_fixed"
        assert step.values == {"parent": "encoder_type", "branch": ["context"], "parent_value": "cnn"}
        assert e["depth"].action == TUNE and e["depth"].condition is not None
        assert e["depth"].condition.value == "cnn"
    fix = entries(f.next_sweep.aggressive)["encoder_type"].steps[0]
    assert fix.rule == "fix_level" and fix.values["elite_share"] == 1.0 and fix.values["n_elites"] == 5
    # Aggressive fixes on dominance backed by a test; conservative because context is significantly worse.
    worse = entries(f.next_sweep.conservative)["encoder_type"].steps[0]
    assert (worse.rule, worse.values["level"], worse.values["q"]) == ("drop_worse_level", "context", encoder.q)
    # Budget: 20 trials over 4 tuned parameters -> 2 still tuned (depth, batch_size) -> 10.
    assert f.next_sweep.aggressive.n_trials_step.values == {
        "base": 20,
        "tuned_before": 4,
        "tuned_after": 2,
        "minimum": 10,
        "n_trials": 10,
    }
    assert f.next_sweep.aggressive.n_trials == 10
    stricter = findings_for(conditional, tmp_path / "min", refine_min_trials=15).next_sweep
    assert stricter is not None and stricter.aggressive.n_trials == 15


def test_conservative_drops_only_significantly_worse_levels(tmp_path: Path) -> None:
    f = findings_for(mixed_minimize, tmp_path, direction="minimize")
    assert f.next_sweep is not None
    d = next(d for d in f.directionality if d.param == "optimizer")
    assert d.test == "kruskal-wallis" and d.tier == "strong"
    significant = {(p.level_a, p.level_b) for p in d.posthoc if p.q < 0.05}
    optimizer = entries(f.next_sweep.conservative)["optimizer"]
    dropped = {s.values["level"]: s for s in optimizer.steps if s.rule == "drop_worse_level"}
    assert set(dropped) == {"sgd", "rmsprop"}
    for level, step in dropped.items():
        pair = next(p for p in d.posthoc if {p.level_a, p.level_b} == {"adam", level})
        assert (pair.level_a, pair.level_b) in significant and step.values["q"] == pair.q
        assert step.values["effect"] > 0  # positive: adam (lower loss) is the better level
    assert (optimizer.action, optimizer.value) == (FIX, "adam")
    assert entries(f.next_sweep.conservative)["momentum"].action == DROP  # only existed for sgd


@pytest.mark.parametrize(
    ("dist", "side", "aggressive", "conservative"),
    [
        # A float bound that can move is widened by half the declared width, not fixed.
        (FloatDistribution(0.0, 10.0), "high", ("tune", "high", 15.0), ("tune", "high", 15.0)),
        # Integers stay integers: [1, 8] widens by ceil(7 / 2) = 4.
        (IntDistribution(1, 8), "high", ("tune", "high", 12), ("tune", "high", 12)),
        # A log bound moves on the log scale: half of three decades is 1.5, capped at one decade.
        (FloatDistribution(1e-4, 1e-1, log=True), "high", ("tune", "high", 1.0), ("tune", "high", 1.0)),
        # A positive low bound is never widened to 0 or below: halved instead (2 - 4 < 0 -> 1).
        (FloatDistribution(2.0, 10.0), "low", ("tune", "low", 1.0), ("tune", "low", 1.0)),
        # A floor of 0 cannot move: the strong trend fixes it there (aggressive) or keeps it (conservative).
        (FloatDistribution(0.0, 5.0), "low", ("fix", None, 0.0), ("tune", "low", 0.0)),
        # So does a fraction's ceiling of 1.
        (FloatDistribution(0.0, 1.0), "high", ("fix", None, 1.0), ("tune", "high", 1.0)),
    ],
)
def test_bounds_the_elites_crowd(dist: Any, side: str, aggressive: tuple, conservative: tuple, tmp_path: Path) -> None:
    f = findings_for(monotone(dist, side), tmp_path)
    assert f.next_sweep is not None
    (hit,) = [h for h in f.boundary_hits if h.param == "x"]
    assert hit.side == side and hit.crowded
    for space, (action, bound_side, value) in (
        (f.next_sweep.aggressive, aggressive),
        (f.next_sweep.conservative, conservative),
    ):
        x = entries(space)["x"]
        assert x.action == action
        if action == FIX:
            assert x.value == value and rules(x) == ["fix_to_bound"]
            continue
        bound = x.high if bound_side == "high" else x.low
        assert bound == value and type(bound) is type(value)
        other = x.low if bound_side == "high" else x.high
        declared_other = dist.low if bound_side == "high" else dist.high
        if space is f.next_sweep.conservative:
            assert other == declared_other  # widen, never narrow
        changed = [s for s in x.steps if s.rule in ("expand_bound", "bound_kept")]
        assert changed and changed[-1].values["side"] == side
    if dist.log:
        expand = next(s for s in entries(f.next_sweep.aggressive)["x"].steps if s.rule == "expand_bound")
        assert expand.values["capped"] is True


def test_carried_knobs_come_from_the_recorded_sweep_config(tmp_path: Path) -> None:
    recorded = {
        "fixed": {
            "epochs": 3,
            "train_size": 512,
            "x": 0.5,
            "gated": {"value": 1, "condition": {"param": "x"}},
            "note": {"value": "plain"},
            "bad": [1, 2],
        }
    }
    f = findings_for(with_sweep_config(monotone(FloatDistribution(0.0, 10.0), "high"), recorded), tmp_path)
    assert f.next_sweep is not None
    knobs = {p.name: p.value for p in f.next_sweep.aggressive.params if p.kind == "knob"}
    # The study's own parameter x is not a knob; conditional and non-scalar entries are not carried.
    assert knobs == {"epochs": 3, "note": "plain", "train_size": 512}
    assert {p.name for p in f.next_sweep.conservative.params if p.kind == "knob"} == set(knobs)


def three_optimizers(study: optuna.Study) -> None:
    """18 trials (maximize): adam and sgd share the elites, rmsprop never gets there; the
    differences are too small for 18 trials to call significant."""
    dist = CategoricalDistribution(["adam", "sgd", "rmsprop"])
    base = {"adam": 0.50, "sgd": 0.49, "rmsprop": 0.45}
    for i in range(18):
        opt = ["adam", "sgd", "rmsprop"][i % 3]
        add(study, {"opt": opt}, {"opt": dist}, base[opt] + 0.02 * ((i * 7) % 5))


def test_aggressive_keeps_the_categories_the_elites_use(tmp_path: Path) -> None:
    f = findings_for(three_optimizers, tmp_path)
    assert f.next_sweep is not None and f.elites is not None
    d = next(d for d in f.directionality if d.param == "opt")
    elite_levels = {lv.level for lv in f.elites.levels if lv.param == "opt" and lv.n_elite}
    assert d.tier == NOT_ENOUGH and elite_levels == {"adam", "sgd"}
    opt = entries(f.next_sweep.aggressive)["opt"]
    assert opt.action == TUNE and opt.choices == ("adam", "sgd")
    step = opt.steps[-1]
    assert step.rule == "keep_elite_levels" and step.values["removed"] == ["rmsprop"]
    assert step.values["n_elites"] == 5 and step.values["n"] == 18
    assert entries(f.next_sweep.conservative)["opt"].choices == ("adam", "sgd", "rmsprop")


def test_no_narrowing_below_the_minimum_number_of_elites(tmp_path: Path) -> None:
    f = findings_for(seed_shaped, tmp_path, refine_min_elites=6)
    assert f.next_sweep is not None
    wd = entries(f.next_sweep.aggressive)["weight_decay"]
    assert (wd.low, wd.high) == (1e-7, 0.05)
    assert wd.steps[-1].rule == "too_few_elites" and wd.steps[-1].values == {"n_elites": 5, "minimum": 6}
    # Widening does not depend on it: depth still gets its higher bound, from the declared low.
    depth = entries(f.next_sweep.aggressive)["depth"]
    assert (depth.low, depth.high) == (2, 8)


def test_best_trial_widening_does_not_call_an_untested_sign_a_trend(tmp_path: Path) -> None:
    """Conservative widens the bound the best trial sits at when only the sign of rho points
    there; the reason must not say "the trend points beyond it" for a test that is not enough
    evidence (the boundary section lists no such trend), and it names the tier."""
    from generator.render.documents import findings_markdown

    wide = FloatDistribution(0.0, 2.0)

    def build(study: optuna.Study) -> None:
        for i in range(20):
            value = 2.0 if i == 19 else 0.0 if i == 18 else ((i * 7) % 20) / 20
            add(study, {"x": 2 * i / 19}, {"x": wide}, value=value)

    f = findings_for(build, tmp_path)
    (d,) = [d for d in f.directionality if d.param == "x"]
    assert d.effect is not None and d.effect > 0 and d.tier == NOT_ENOUGH
    assert f.next_sweep is not None
    x = entries(f.next_sweep.conservative)["x"]
    (step,) = [s for s in x.steps if s.rule == "expand_bound"]
    assert step.values["why"] == "best_trial" and step.values["tier"] == NOT_ENOUGH and x.high == 3.0
    markdown = findings_markdown(f, "v")
    (line,) = [line for line in markdown.splitlines() if line.startswith("- `x`: aggressive")]
    assert "the trend points beyond it" not in line
    assert f"the sign of its rho points beyond it ({d.effect:.4g}, signed by the objective" in line
    assert "q = 0.1052: not enough evidence, so a direction worth exploring, not an established trend" in line


def test_an_untested_conditional_parameter_is_not_said_to_be_ranked_by_its_q(tmp_path: Path) -> None:
    """``y`` exists in 2 of 12 trials: not tested, so it has no q and no rank; the warning must not
    say it "is ranked by its own q" (the example's ctx_* parameters said so, tier: not tested)."""
    from generator.render.env import message_for

    x, enc = FloatDistribution(0.0, 1.0), CategoricalDistribution(["a", "b"])

    def build(study: optuna.Study) -> None:
        for i in range(12):
            params: dict[str, Any] = {"x": i / 11, "enc": "b" if i in (3, 8) else "a"}
            dists: dict[str, Any] = {"x": x, "enc": enc}
            if params["enc"] == "b":
                params["y"], dists["y"] = 0.1 * i, x
            add(study, params, dists, value=float(i % 5) + i / 11)

    f = findings_for(build, tmp_path)
    (w,) = [w for w in f.warnings if w.code == "conditional_small_n"]
    (y,) = [d for d in f.directionality if d.param == "y"]
    assert w.params == ("y",) and y.p is None and y.q is None and w.values["reason"] == "untested"
    message = message_for(w.code, w.values)
    assert "ranked by its own q" not in message and "it has no q and no rank" in message
    tested = {**w.values, "reason": "tested", "tier": NOT_ENOUGH}
    assert "is ranked by its own q (tier: not enough evidence)" in message_for(w.code, tested)


def layers_study(study: optuna.Study) -> None:
    """pytorch_simple / fashion_mnist_torch's shape (maximize): the six elites all use n_layers = 2
    of [1, 3] and optimizer adam; the other trials spread over both, sgd a little better among
    them, and rmsprop is declared but never used by a complete trial."""
    layers = IntDistribution(1, 3)
    opt = CategoricalDistribution(["adam", "rmsprop", "sgd"])
    for i in range(24):
        elite = i < 6
        n_layers = 2 if elite else 1 + i % 3
        optimizer = "adam" if elite or i % 2 else "sgd"
        value = (0.9 + 0.01 * i) if elite else 0.5 + 0.01 * ((i * 7) % 11) + (0.05 if optimizer == "sgd" else 0.0)
        add(study, {"n_layers": n_layers, "optimizer": optimizer}, {"n_layers": layers, "optimizer": opt}, value)


def test_reasons_say_what_the_numbers_say(tmp_path: Path) -> None:
    """Reasons once read "the new choices of n_layers ([]) exclude that branch" for a range,
    "the 6 elites span the declared range ([2, 2])" for elites at one value, "no test backs it
    enough to fix" beside a strong enrichment test, and removed a never-used level silently."""
    from generator.render.next_sweep import reason_text

    f = findings_for(layers_study, tmp_path)
    assert f.next_sweep is not None and f.elites is not None
    aggressive = entries(f.next_sweep.aggressive)
    layers = aggressive["n_layers"]
    span = next(s for s in layers.steps if s.rule == "elites_span_range")
    assert span.values["elite_min"] == span.values["elite_max"] == 2 and (layers.low, layers.high) == (1, 3)
    assert "already reaches both declared bounds [1, 3]" in reason_text(layers)
    assert "span the declared range" not in reason_text(layers)
    adam = next(lv for lv in f.elites.levels if lv.param == "optimizer" and lv.level == "adam")
    d = next(d for d in f.directionality if d.param == "optimizer")
    opt = aggressive["optimizer"]
    step = next(s for s in opt.steps if s.rule == "keep_elite_levels")
    text = reason_text(opt)
    assert step.values["untried"] == ["rmsprop"] and "No complete trial used [rmsprop]" in text
    assert d.tier == NOT_ENOUGH and adam.tier == "suggestive" and adam.n_elite == 6
    assert (
        "whose enrichment is suggestive (Fisher q = " in text and "is not enough evidence, too weak to fix it" in text
    )
    assert "no test backs" not in text and "the best other level by mean, sgd, stays" in text


def test_a_branch_dropped_by_a_narrowed_range_names_the_range(tmp_path: Path) -> None:
    def build(study: optuna.Study) -> None:
        # The six best trials use 1 or 2 layers, the rest 1 to 3: the aggressive range [1, 2]
        # (the elites', padded, on the grid) excludes the branch of layer 3.
        layers, units = IntDistribution(1, 3), IntDistribution(4, 128)
        for i in range(24):
            n_layers = [2, 2, 1, 3, 2, 1][i % 6] if i >= 6 else 1 + i % 2
            params: dict[str, Any] = {"n_layers": n_layers}
            dists: dict[str, Any] = {"n_layers": layers}
            if n_layers == 3:
                params["units_3"], dists["units_3"] = 4 + (i * 13) % 120, units
            add(study, params, dists, 0.9 - 0.01 * ((i * 7) % 11) + (0.2 if i < 6 else 0.0))

    from generator.render.next_sweep import reason_text

    f = findings_for(build, tmp_path)
    assert f.next_sweep is not None
    aggressive = entries(f.next_sweep.aggressive)
    layers, units = aggressive["n_layers"], aggressive["units_3"]
    assert layers.action == TUNE and (layers.low, layers.high) == (1, 2)
    assert units.action == DROP and units.steps[0].rule == "drop_branch_narrowed"
    assert units.steps[0].values["parent_value"] == [layers.low, layers.high]
    assert f"the new range of n_layers ([{layers.low}, {layers.high}]) excludes that branch" in reason_text(units)
