"""Boundary zones on the parameter's own scale, suggested bounds, power, and the chance baseline."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import FTestAnovaPower, TTestIndPower

from generator.analysis import power as pw
from generator.analysis.baseline import chance_baseline, performance
from generator.analysis.boundary import boundary_hits, suggest_bound
from generator.analysis.params import ParamSpec
from generator.analysis.sample import ParamSample, StudySample


def spec(
    kind: str = "continuous",
    low: float | None = 0.0,
    high: float | None = 1.0,
    log: bool = False,
    choices: tuple = (),
    step: float | None = None,
) -> ParamSpec:
    dist = {"continuous": "float", "integer": "int", "ordinal": "categorical"}[kind]
    return ParamSpec(
        name="p",
        kind=kind,
        dist_type=dist,
        low=low,
        high=high,
        log=log,
        step=step,
        choices=choices,
        n_distributions=1,
        n_present=10,
        n_structure=10,
        condition=None,
    )


def one_param(s: ParamSpec, x: list[float], elite: list[bool], best: int) -> StudySample:
    y = np.arange(len(x), dtype=float)
    ps = ParamSample(
        spec=s,
        y=y,
        x=np.array(x, dtype=float),
        labels=tuple(str(v) for v in x),
        elite=np.array(elite),
        best=np.arange(len(x)) == best,
    )
    return StudySample(
        direction="maximize",
        sign=1.0,
        n=len(x),
        n_elites=sum(elite),
        elite_quantile=0.25,
        elite_threshold=None,
        best_number=None,
        params={"p": ps},
    )


def test_log_params_use_the_log_scale_for_the_outer_tenth() -> None:
    # lr in [1e-5, 1e-1]: the outer tenth on the log scale is [1e-5, 10**-4.6 = 2.5e-5].
    s = spec(low=1e-5, high=1e-1, log=True)
    x = [2e-5, 2.2e-5, 5e-5, 1e-3, 1e-2, 3e-2, 5e-2, 2e-3, 4e-4, 6e-4]
    elite = [True, True, True, False, False, False, False, False, False, False]
    (hit,) = boundary_hits(one_param(s, x, elite, best=0))
    assert (hit.side, hit.n_elites_in_zone, hit.n_elites, hit.crowded) == ("low", 2, 3, True)
    assert hit.zone_edge == pytest.approx(10**-4.6)
    assert hit.suggested_bound == pytest.approx(1e-5 / 10)  # half the four decades, capped at one decade
    _, p = stats.fisher_exact([[2, 1], [0, 7]], alternative="greater")
    assert hit.p_enrichment == pytest.approx(p)
    # On a linear scale the same values would all sit in the outer tenth [1e-5, 0.01]: no contrast.
    linear = boundary_hits(one_param(spec(low=1e-5, high=1e-1), x, elite, best=0))
    assert [(h.side, h.n_elites_in_zone) for h in linear] == [("low", 3)]


def test_best_trial_alone_is_reported_but_not_crowded() -> None:
    x = [0.95, 0.5, 0.4, 0.3, 0.2, 0.6, 0.1, 0.45, 0.55, 0.35]
    elite = [True, True, True] + [False] * 7
    (hit,) = boundary_hits(one_param(spec(), x, elite, best=0))
    assert (hit.side, hit.best_in_zone, hit.crowded, hit.elite_share) == ("high", True, False, pytest.approx(1 / 3))
    assert hit.suggested_bound is None  # a [0, 1] float range ending at 1 is a fraction
    assert boundary_hits(one_param(spec(), x, elite, best=1)) == ()


def test_one_elite_of_two_in_the_zone_does_not_crowd_it() -> None:
    """fashion_mnist_torch's dropout_1: 1 of 2 elites at the low bound was marked crowded and
    warned "widen that bound", while the rule (and the configs, which kept it) say at least two."""
    x = [0.12, 0.3, 0.25, 0.2, 0.35, 0.4, 0.22, 0.33]
    elite = [True, True] + [False] * 6
    assert boundary_hits(one_param(spec(low=0.1, high=0.5), x, elite, best=1)) == ()
    (hit,) = boundary_hits(one_param(spec(low=0.1, high=0.5), x, elite, best=0))
    assert (hit.n_elites_in_zone, hit.crowded, hit.best_in_zone) == (1, False, True)


def test_a_bound_every_trial_sits_at_is_no_hit() -> None:
    """3D_UNet_Optimization's filters: both complete trials took 32 of (32, 64), so the best
    trial "sat at the low bound" because nothing else was tried: no hit, no warning."""
    s = spec("ordinal", None, None, choices=(32, 64))
    assert boundary_hits(one_param(s, [32.0, 32.0], [True, False], best=0)) == ()
    (hit,) = boundary_hits(one_param(s, [32.0, 64.0, 64.0, 64.0], [True, False, False, False], best=0))
    assert (hit.side, hit.best_in_zone) == ("low", True)


@pytest.mark.parametrize(
    ("s", "side", "expected"),
    [
        (spec("integer", 2, 6, step=1.0), "high", 8.0),
        (spec("integer", 2, 6, step=1.0), "low", 1.0),  # 2 - 2 = 0 would leave the positive counts
        (spec("continuous", 0.0, 0.3), "low", None),  # a floor of 0 stays
        (spec("continuous", 0.0, 0.3), "high", pytest.approx(0.45)),
        (spec("continuous", 0.5, 3.0), "low", 0.25),  # 0.5 - 1.25 < 0: halve instead
        (spec("continuous", -1.0, 1.0), "low", -2.0),
        (spec("ordinal", None, None, choices=(8, 16, 32, 64)), "low", 4.0),
        (spec("ordinal", None, None, choices=(8, 16, 32, 64)), "high", 128.0),
        (spec("ordinal", None, None, choices=(0.1, 0.2, 0.3)), "high", pytest.approx(0.4)),
        (spec("ordinal", None, None, choices=(1, 2, 3)), "low", None),
        # not geometric, and a step of 8 would reach 0: halve the lowest choice, as a range's low bound
        (spec("ordinal", None, None, choices=(8, 16, 128, 256)), "low", 4.0),
        (spec("ordinal", None, None, choices=(10000, 50000, 100000)), "low", 5000.0),
        (spec("ordinal", None, None, choices=(1, 10)), "low", None),  # 0.1 is no integer choice
        # a 0/1 switch written as numbers: nothing lies beyond either end
        (spec("ordinal", None, None, choices=(1, 0)), "high", None),
        (spec("ordinal", None, None, choices=(1, 0)), "low", None),
        (spec("ordinal", None, None, choices=(0, 1, 2)), "high", 3.0),
        # fractions (a discount factor) never go past 1: 0.99 + 0.04 would be 1.03
        (spec("ordinal", None, None, choices=(0.9, 0.95, 0.99)), "high", None),
        (spec("integer", 16, 256, log=True), "high", 1024.0),
        # half of five decades would be 2.5 decades (0.1 -> 31.6): capped at one decade
        (spec("continuous", 1e-6, 0.1, log=True), "high", pytest.approx(1.0)),
        (spec("continuous", 1e-6, 0.1, log=True), "low", pytest.approx(1e-7)),
    ],
)
def test_suggested_bounds(s: ParamSpec, side: str, expected) -> None:
    low = min(float(c) for c in s.choices) if s.kind == "ordinal" else s.low
    high = max(float(c) for c in s.choices) if s.kind == "ordinal" else s.high
    assert suggest_bound(s, side, low, high) == expected


def test_an_ordinal_zone_is_its_extreme_choice() -> None:
    """10/100/1000: a linear tenth (up to 109) would hold 100 and report a best trial at 100 as
    sitting "at the low bound 10"."""
    s = spec("ordinal", None, None, choices=(10, 100, 1000))
    x = [100, 10, 1000, 100, 10, 1000, 100, 10, 1000, 100, 10, 1000]
    elite = [True, True, True] + [False] * 9
    hits = boundary_hits(one_param(s, x, elite, best=0))
    assert [h for h in hits if h.best_in_zone] == []
    assert all(h.zone_edge == (10.0 if h.side == "low" else 1000.0) for h in hits)


def test_an_ordinal_choice_holding_half_the_elites_by_sampling_is_not_crowded() -> None:
    """Two choices: one always holds at least half the elites. max_grad_norm 1/10 with 72 of 119
    elites at 10 where 0.615 of all trials are (Fisher p 0.65) was told to "widen that bound to
    100"; the choice is crowded only when the elites are enriched there."""
    s = spec("ordinal", None, None, choices=(1, 10))
    x = [10, 10, 10, 1, 1] + [10] * 9 + [1] * 6
    elite = [True] * 5 + [False] * 15
    assert [h.side for h in boundary_hits(one_param(s, x, elite, best=3))] == ["low"]  # the best trial, at 1
    hits = boundary_hits(one_param(s, x, elite, best=0))  # the best trial at 10: reported, not crowded
    high = next(h for h in hits if h.side == "high")
    assert (high.n_elites_in_zone, high.elite_share) == (3, pytest.approx(0.6))
    _, p = stats.fisher_exact([[3, 2], [9, 6]], alternative="greater")
    assert high.p_enrichment == pytest.approx(p) and p > 0.05
    assert not high.crowded
    # Enriched: all 5 elites at 10, 4 of the 15 others there.
    enriched = boundary_hits(one_param(s, [10] * 5 + [10] * 4 + [1] * 11, elite, best=0))
    assert [(h.side, h.crowded) for h in enriched] == [("high", True)]


def test_min_rho_is_fisher_z_with_the_spearman_variance_and_inverts_n_for_rho() -> None:
    z = stats.norm.ppf(1 - 0.01 / 2) + stats.norm.ppf(0.8)
    assert pw.min_rho(30, 0.01) == pytest.approx(math.tanh(z * math.sqrt(1.06 / 27)))
    for n in (10, 25, 80):
        r = pw.min_rho(n, 0.01)
        assert pw.n_for_rho(r, 0.01) in (n, n + 1)
    assert pw.min_rho(3, 0.05) is None


def test_min_rho_has_80_percent_power_by_simulation() -> None:
    """A bivariate normal with Spearman rho equal to min_rho(n) is detected about 80% of the time."""
    n, alpha = 30, 0.05
    target = pw.min_rho(n, alpha)
    pearson = 2 * math.sin(math.pi * target / 6)  # Spearman -> Pearson for a bivariate normal
    rng = np.random.default_rng(5)
    cov = [[1, pearson], [pearson, 1]]
    hits = sum(stats.spearmanr(*rng.multivariate_normal([0, 0], cov, size=n).T).pvalue < alpha for _ in range(600))
    assert 0.74 <= hits / 600 <= 0.86


def test_rank_test_power_uses_statsmodels_at_the_rank_tests_efficiency() -> None:
    r = pw.min_rank_biserial(12, 18, 0.01)
    d = math.sqrt(2) * stats.norm.ppf((r + 1) / 2)
    assert TTestIndPower().power(d, 12 * 3 / math.pi, 0.01, ratio=18 / 12) == pytest.approx(0.8, abs=1e-6)
    e2 = pw.min_epsilon_squared(40, 3, 0.01)
    f = math.sqrt(e2 / (1 - e2))
    assert FTestAnovaPower().power(f, 40 * 3 / math.pi, 0.01, k_groups=3) == pytest.approx(0.8, abs=1e-6)
    n = pw.n_for_rank_biserial(r, 12, 18, 0.01)
    assert n in range(29, 32)  # round trip to the same total (30) within rounding
    assert pw.min_rank_biserial(1, 1, 0.05) is None
    assert pw.per_test_alpha(0.05, "holm", 10) == 0.005 and pw.per_test_alpha(0.05, "none", 10) == 0.05


def test_chance_baseline_sources_and_low_performance() -> None:
    assert chance_baseline(0.2, {"n_classes": 9}, "maximize").source == "flag"
    assert chance_baseline(None, {"baseline": 0.3, "n_classes": 9}, "maximize").value == 0.3
    assert chance_baseline(None, {"n_classes": 9}, "maximize").value == pytest.approx(1 / 9)
    assert chance_baseline(None, {"n_classes": 9}, "minimize") is None  # 1/n is an accuracy's chance level
    assert chance_baseline(None, {"n_classes": "nine"}, "maximize") is None
    seed = performance(0.286, 0.2, 0.286, chance_baseline(None, {"n_classes": 9}, "maximize"), "maximize")
    assert seed.low and seed.ratio == pytest.approx(0.286 * 9)
    assert seed.headroom_used == pytest.approx((0.286 - 1 / 9) / (8 / 9))
    good = performance(0.95, 0.5, 0.95, chance_baseline(None, {"n_classes": 9}, "maximize"), "maximize")
    assert not good.low
    loss = performance(2.0, 1.0, 3.0, chance_baseline(2.3, {}, "minimize"), "minimize")
    assert not loss.low and loss.headroom_used is None
    assert performance(2.4, 1.0, 3.0, chance_baseline(2.3, {}, "minimize"), "minimize").low


def test_a_short_integer_range_end_is_one_value_and_needs_enrichment() -> None:
    """nn_hidden_layers in [0, 2]: the outer tenth is the value 2 alone; 5 of 10 elites there
    where a quarter of the trials are (Fisher p 0.059) was told to widen to 3."""
    s = spec("integer", 0, 2, step=1.0)
    x = [2] * 5 + [0, 1, 0, 1, 0] + [2] * 9 + [0, 1] * 18
    elite = [True] * 10 + [False] * 45
    (hit,) = [h for h in boundary_hits(one_param(s, x, elite, best=0)) if h.side == "high"]
    _, p = stats.fisher_exact([[5, 5], [9, 36]], alternative="greater")
    assert (hit.n_elites_in_zone, hit.p_enrichment) == (5, pytest.approx(p))
    assert p > 0.05 and hit.crowded is False
    # A range of ten steps or more keeps the share rule: its outer tenth is not one value.
    wide = spec("integer", 0, 20, step=1.0)
    (wide_hit,) = [h for h in boundary_hits(one_param(wide, [v * 10 for v in x], elite, best=0)) if h.side == "high"]
    assert wide_hit.crowded


def test_a_crowded_bound_that_cannot_move_is_no_summary_item(tmp_path) -> None:
    """DQN_24_02_06's shape: the elites all use index 0 of an int [0, 2] (enriched: Fisher p
    small) while the rank test of the index is not strong. The boundary table keeps the floor 0
    (nothing lies beyond it), so the executive summary must not list it as a bound to act on."""
    from optuna.distributions import IntDistribution

    from generator.analysis.assemble import analyse
    from generator.config import AnalysisConfig
    from generator.snapshot import load_snapshot, write_snapshot
    from generator.storage import locate, read_study
    from tests.studies import add, sqlite_study

    index = IntDistribution(0, 2)

    def build(study) -> None:
        for i in range(40):  # index 0: values spread from worst to best
            add(study, {"idx": 0}, {"idx": index}, i / 40)
        for i in range(20):  # indices 1 and 2: a middle band, never elite
            add(study, {"idx": 1 + i % 2}, {"idx": index}, 0.3 + 0.01 * i)

    url = sqlite_study(tmp_path / "s.db", "s", build, ["maximize"])
    write_snapshot(read_study(locate(url), "s"), tmp_path / "snap", {"input_hash": "x", "config": "{}"})
    findings = analyse(load_snapshot(tmp_path / "snap"), AnalysisConfig(), "generate-report")
    (hit,) = [h for h in findings.boundary_hits if h.param == "idx"]
    assert hit.side == "low" and hit.crowded and hit.suggested_bound is None
    assert hit.p_enrichment is not None and hit.p_enrichment < 0.05
    (d,) = [d for d in findings.directionality if d.param == "idx"]
    assert d.tier != "strong"
    assert not [h for h in findings.executive_summary if h.kind == "boundary_hit" and "idx" in h.params]
