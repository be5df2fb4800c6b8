"""What the charts draw (generator.analysis.chart_data), checked against numpy/scipy on literal studies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import optuna
import pytest
import scipy.stats

from generator.analysis.chart_data import ChartSet, chart_set
from generator.analysis.chart_data.binning import epsilon_squared
from generator.analysis.chart_data.ranking import choose_pairs
from generator.analysis.chart_data.sampling import by_number, by_rank, even_positions
from generator.analysis.chart_data.trials import study_view
from generator.analysis.frames import elite_numbers, finite_objective_values
from generator.config import AnalysisConfig
from generator.model.findings import Condition, Importance, Interaction
from generator.snapshot import Snapshot
from tests.snapshot_compare import snapshot_of
from tests.studies import AWKWARD, BATCH, ENC, LR, X, add, sqlite_study


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Snapshot]:
    """The snapshot of an awkward study, built once per module."""
    cache: dict[str, Snapshot] = {}

    def build(name: str) -> Snapshot:
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            cache[name] = snapshot_of(sqlite_study(folder / "s.db", name, *AWKWARD[name]), name, folder)
        return cache[name]

    return build


@pytest.fixture
def charts_of(snap: Callable[[str], Snapshot]) -> Callable[..., ChartSet]:
    return lambda name, **config: chart_set(snap(name), AnalysisConfig(**config))


# --- thinning rules -------------------------------------------------------------------------


def test_even_positions_include_both_ends() -> None:
    assert even_positions(10, 4).tolist() == [0, 3, 6, 9]
    assert even_positions(3, 10).tolist() == [0, 1, 2]


def test_rank_rule_keeps_the_best_then_spreads() -> None:
    ordered = list(range(100, 120))  # best first
    keep, sampling = by_rank(ordered, 10)
    assert keep[:2] == [100, 101]  # limit / 5 best kept in full
    assert keep[-1] == 119 and len(keep) == 10 == sampling.n_shown
    assert (sampling.rule, sampling.n_total, sampling.n_best) == ("best_and_rank_spread", 20, 2)
    assert by_rank(ordered, 20)[1].rule == "all"


def test_number_rule_is_an_even_spread() -> None:
    keep, sampling = by_number([9, 3, 1, 7, 5], 3)
    assert keep == [1, 5, 9] and sampling.rule == "number_spread"


def test_epsilon_squared_matches_the_anova_f() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 4, 60)
    values = rng.normal(size=60) + 0.8 * groups
    f = scipy.stats.f_oneway(*(values[groups == g] for g in range(4))).statistic
    k, n = 4, 60
    assert epsilon_squared(groups, values) == pytest.approx((k - 1) * (f - 1) / ((k - 1) * f + n - k))
    assert epsilon_squared(np.zeros(5, dtype=int), np.arange(5.0)) == 0.0


# --- per-parameter charts ---------------------------------------------------------------------


def test_slice_covers_only_the_branch_with_declared_bounds(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("conditional")
    charts = chart_set(snapshot, AnalysisConfig())
    depth = next(s for s in charts.slices if s.param == "depth")
    assert depth.condition == Condition("encoder_type", "cnn")
    assert (depth.n, depth.n_complete, depth.low, depth.high, depth.log) == (15, 20, 2.0, 6.0, False)
    rows = snapshot.params[snapshot.params["name"] == "depth"]
    assert {p.number: p.x for p in depth.points} == dict(zip(rows["number"], rows["value_num"], strict=True))
    elites = elite_numbers(snapshot, 0, "maximize", 0.25)
    assert {p.number for p in depth.points if p.elite} == elites & set(rows["number"])


def test_log_params_keep_their_scale(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("log_params")
    lr = next(s for s in charts.slices if s.param == "lr")
    units = next(s for s in charts.slices if s.param == "units")
    assert (lr.log, lr.low, lr.high) == (True, 1e-5, 1e-1)
    assert (units.log, units.low, units.high, units.kind) == (True, 1.0, 1024.0, "integer")


def test_level_statistics_match_numpy(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("conditional")
    levels = next(lv for lv in chart_set(snapshot, AnalysisConfig()).levels if lv.param == "batch_size")
    values = finite_objective_values(snapshot, 0).set_index("number")["value"]
    rows = snapshot.params[snapshot.params["name"] == "batch_size"]
    assert [lv.label for lv in levels.levels] == ["8", "16", "32", "64"]
    for level in levels.levels:
        numbers = rows.loc[rows["value_json"] == level.label, "number"]
        sample = values.loc[numbers].to_numpy()
        q1, median, q3 = np.percentile(sample, [25, 50, 75])
        assert (level.n, level.mean, level.median, level.q1, level.q3) == (
            len(sample),
            pytest.approx(sample.mean()),
            pytest.approx(median),
            pytest.approx(q1),
            pytest.approx(q3),
        )
        inside = sample[(sample >= q1 - 1.5 * (q3 - q1)) & (sample <= q3 + 1.5 * (q3 - q1))]
        assert (level.whisker_low, level.whisker_high) == (inside.min(), inside.max())


def test_one_level_params_draw_without_a_contour(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("one_level")
    by_param = {lv.param: lv for lv in charts.levels}
    assert [(lv.label, lv.n) for lv in by_param["only"].levels] == [("only", 8)]
    assert [(lv.label, lv.n) for lv in by_param["flag"].levels] == [("true", 8), ("false", 0)]
    fixed = next(s for s in charts.slices if s.param == "fixed")
    assert (fixed.low, fixed.high) == (3.0, 3.0)
    assert charts.contours == (), "no pair varies over two bins on both axes"


def test_mixed_type_levels_are_labelled_apart(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("hostile_params")
    (mixed,) = charts.levels
    assert [lv.label for lv in mixed.levels] == ["1", '"1"', "null", '"a.b[0]"']
    assert [lv.n for lv in mixed.levels] == [3, 3, 3, 3]


# --- whole-study charts --------------------------------------------------------------------------


def test_history_flips_best_for_minimize(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("log_params")
    history = chart_set(snapshot, AnalysisConfig()).history
    values = finite_objective_values(snapshot, 0)
    running = np.minimum.accumulate(values["value"].to_numpy())
    expected = {int(n): b for n, b in zip(values["number"], running, strict=True)}
    assert all(step.best == expected[step.number] for step in history.best_by_number)
    bests = [step.best for step in history.best_by_number]
    assert bests[:-1] == sorted(set(bests), reverse=True)  # strictly improving corners, then the end
    assert history.best_by_number[-1].number == int(values["number"].iloc[-1])


def test_history_by_time_follows_completion_order(tmp_path: Path) -> None:
    def late_first(study: optuna.Study) -> None:
        add(study, {"x": 0.1}, {"x": X}, 5.0, minutes=300)  # starts first, finishes last
        add(study, {"x": 0.2}, {"x": X}, 1.0, minutes=5)
        add(study, {"x": 0.3}, {"x": X}, 3.0, minutes=5)

    url = sqlite_study(tmp_path / "t.db", "t", late_first, ["maximize"])
    history = chart_set(snapshot_of(url, "t", tmp_path), AnalysisConfig()).history
    assert [(s.number, s.best) for s in history.best_by_number] == [(0, 5.0), (2, 5.0)]
    assert [(s.number, s.best) for s in history.best_by_time] == [(1, 1.0), (2, 3.0), (0, 5.0)]
    assert history.time_unit == "h"


def test_ecdf_matches_scipy(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("conditional")
    ecdf = chart_set(snapshot, AnalysisConfig()).ecdf
    values = finite_objective_values(snapshot, 0)["value"].to_numpy()
    xs = np.array([p.value for p in ecdf.points])
    assert xs.tolist() == sorted(set(values.tolist()))
    np.testing.assert_allclose([p.fraction for p in ecdf.points], scipy.stats.ecdf(values).cdf.evaluate(xs))
    elites = elite_numbers(snapshot, 0, "maximize", 0.25)
    assert ecdf.elite_threshold == values[np.isin(finite_objective_values(snapshot, 0)["number"], list(elites))].min()


def test_all_pruned_study_has_only_curves_and_timeline(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("pruned_only")
    assert (charts.slices, charts.levels, charts.contours) == ((), (), ())
    assert (charts.history, charts.parallel, charts.ecdf, charts.importance) == (None, None, None, None)
    assert [c.state for c in charts.learning.curves] == ["PRUNED"] * 4 and charts.learning.n_pruned == 4
    assert [b.state for b in charts.timeline.bars] == ["PRUNED"] * 4


def test_running_trials_reach_the_last_event(charts_of: Callable[..., ChartSet]) -> None:
    timeline = charts_of("with_running").timeline
    running = [b for b in timeline.bars if b.state == "RUNNING"]
    assert len(running) == 1 and running[0].open_ended
    assert running[0].end == max(b.end for b in timeline.bars)


def test_minimize_parallel_puts_the_best_on_top(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("log_params")
    parallel = chart_set(snapshot, AnalysisConfig()).parallel
    best = min(parallel.lines, key=lambda line: line.value)
    assert best.positions[0] == 1.0
    assert [t.value for t in parallel.axes[0].ticks] == [max(line.value for line in parallel.lines), best.value]


def test_large_study_curves_are_thinned_with_elites_first(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("simple", chart_max_points=100)  # room for 5 curves of 12
    learning = charts.learning
    assert (learning.sampling.rule, learning.sampling.n_total, learning.sampling.n_shown) == (
        "elites_and_number_spread",
        12,
        5,
    )
    assert [c.elite for c in learning.curves[:2]] == [True, True]


# --- which pairs and parameters ------------------------------------------------------------------


def test_fallback_pairs_rank_by_binned_effect(charts_of: Callable[..., ChartSet]) -> None:
    charts = charts_of("conditional")
    assert charts.contours and {c.source for c in charts.contours} == {"binned_effect"}
    assert all(c.axis_a.param < c.axis_b.param for c in charts.contours)
    scores = [c.score for c in charts.contours]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert charts.parallel.ranking == "binned_effect"


def test_importance_picks_pairs_and_parallel_axes(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("conditional")
    importance = (
        Importance("depth", "fanova", 0.5, 0.4, 0.6),
        Importance("batch_size", "fanova", 0.3, 0.2, 0.4),
        Importance("encoder_type", "fanova", 0.1, None, None),
        Importance("ctx_dropout", "fanova", 0.05, 0.0, 0.1),
        Importance("batch_size", "ped_anova", 0.9, 0.8, 1.0),
    )
    charts = chart_set(snapshot, AnalysisConfig(contour_pairs=2), importance)
    assert [(c.axis_a.param, c.axis_b.param, c.source) for c in charts.contours] == [
        ("batch_size", "depth", "importance"),
        # depth x encoder_type is not drawable: depth exists only where encoder_type == cnn
        ("batch_size", "encoder_type", "importance"),
    ]
    assert charts.contours[0].score == pytest.approx(0.8)
    assert [a.param for a in charts.parallel.axes] == [None, "depth", "batch_size", "encoder_type", "ctx_dropout"]
    assert charts.parallel.ranking == "importance"
    panels = charts.importance.panels
    assert [p.method for p in panels] == ["fanova", "ped_anova"]
    assert charts.importance.order == ("depth", "batch_size", "encoder_type", "ctx_dropout")


def test_interactions_pick_pairs_first(snap: Callable[[str], Snapshot]) -> None:
    snapshot = snap("conditional")
    view = study_view(snapshot, 0, "maximize", 0.25)
    interactions = (
        Interaction("depth", "encoder_type", "fanova2", 0.9, None, None),  # never drawable
        Interaction("batch_size", "ctx_dropout", "fanova2", 0.2, 0.1, 0.3),
        Interaction("batch_size", "depth", "fanova2", 0.4, 0.3, 0.5),
        Interaction("batch_size", "not_a_param", "fanova2", 0.8, None, None),
        Interaction("batch_size", "depth", "other_method", 0.99, None, None),
    )
    pairs = choose_pairs(view, (), interactions, 3, 10)
    assert [(p.param_a, p.param_b, p.source, p.score) for p in pairs[:2]] == [
        ("batch_size", "depth", "interactions", 0.4),
        ("batch_size", "ctx_dropout", "interactions", 0.2),
    ]
    # Two drawable interaction pairs for three slots: the fallback fills the third.
    assert len(pairs) == 3 and pairs[2].source == "binned_effect"
    assert (pairs[2].param_a, pairs[2].param_b) not in {("batch_size", "depth"), ("batch_size", "ctx_dropout")}


# --- invariants ------------------------------------------------------------------------------------


def test_charts_ignore_failed_trials(charts_of: Callable[..., ChartSet], tmp_path: Path) -> None:
    def with_failures(study: optuna.Study) -> None:
        AWKWARD["conditional"][0](study)
        add(
            study,
            {"encoder_type": "cnn", "batch_size": 8},
            {"encoder_type": ENC, "batch_size": BATCH},
            state=optuna.trial.TrialState.FAIL,
        )

    base = charts_of("conditional")
    url = sqlite_study(tmp_path / "f.db", "f", with_failures, ["maximize"])
    failed = chart_set(snapshot_of(url, "f", tmp_path), AnalysisConfig())
    for field in ("slices", "levels", "contours", "parallel", "ecdf"):
        assert getattr(failed, field) == getattr(base, field), field
    assert failed.history.points == base.history.points


def test_study_order_of_params_does_not_matter(charts_of: Callable[..., ChartSet], tmp_path: Path) -> None:
    """Parameters declared in another order give the same chart data."""

    def reordered(study: optuna.Study) -> None:
        for i in range(12):
            x = (i * 0.37) % 1.0
            params = {"lr": 10 ** (-5 + 4 * ((i * 0.61) % 1.0)), "x": x}
            add(
                study,
                dict(reversed(params.items())),
                {"lr": LR, "x": X},
                1.0 + 2 * x + 0.01 * i,
                intermediate={0: x, 1: 2 * x},
            )

    base = charts_of("simple")
    url = sqlite_study(tmp_path / "r.db", "r", reordered, ["maximize"])
    other = chart_set(snapshot_of(url, "r", tmp_path), AnalysisConfig())
    assert (other.slices, other.contours, other.parallel) == (base.slices, base.contours, base.parallel)


def test_the_analysed_objective_is_the_one_drawn(snap: Callable[[str], Snapshot]) -> None:
    charts = chart_set(snap("multi_objective"), AnalysisConfig(objective=1))
    assert charts.direction == "maximize" == charts.history.direction
    assert [p.value for p in charts.ecdf.points] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # 6 - i
    assert charts.ecdf.best == 6.0 and charts.history.best_by_number[0].best == 6.0
