"""Real-study shapes: no crash on any group shape, tier and interval agree, one sign convention.

Each shape is a literal Optuna study (issue #11): a level seen in one trial (optimizer adam 7 /
rmsprop 1), three levels of 1, 1 and n trials, groups of 2 and 2 or 3 and 4 (whose power
computation hit NaN inside brentq), ties within and across groups. Every one goes through the
directionality stage and the whole findings build and Markdown render; none may raise, and
every number must be finite or None. Intervals are recomputed here from their formulas with
scipy, independently of ``rank_tests``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from scipy import stats

from generator.analysis import power as pw
from generator.analysis.assemble import analyse
from generator.analysis.rank_tests import fisher_z_interval, kruskal_test, mann_whitney, rank_biserial_interval
from generator.cli import main
from generator.config import AnalysisConfig
from generator.paths import schema_path
from generator.render.documents import findings_document, findings_markdown
from tests.snapshot_compare import snapshot_of_study
from tests.studies import add

Z95 = float(stats.norm.ppf(0.975))
OPTIMIZER = CategoricalDistribution(["adam", "rmsprop"])
ACT = CategoricalDistribution(["relu", "tanh", "gelu"])
FLAG = CategoricalDistribution([True, False])
MODE = CategoricalDistribution(["add", "mul"])
X = FloatDistribution(0.0, 30.0)


def _study(name: str, rows: list[tuple[dict[str, Any], float]], direction: str = "maximize") -> optuna.Study:
    study = optuna.create_study(study_name=name, direction=direction)
    dists = {"optimizer": OPTIMIZER, "act": ACT, "flag": FLAG, "mode": MODE, "x": X}
    for params, value in rows:
        add(study, params, {k: dists[k] for k in params}, value)
    return study


def _columns(value: list[float], **columns: list[Any]) -> list[tuple[dict[str, Any], float]]:
    """Trials from parallel columns: trial i has every column's i-th entry as a parameter."""
    return [({k: col[i] for k, col in columns.items()}, v) for i, v in enumerate(value)]


# Degenerate shapes, each a parameter (or several) over the same trials.
SHAPES: dict[str, list[tuple[dict[str, Any], float]]] = {
    # A level seen once: optimizer adam 7 / rmsprop 1; Kruskal-Wallis with levels of 1, 1 and 6.
    "one_and_n": _columns(
        [0.61, 0.64, 0.58, 0.70, 0.66, 0.69, 0.60, 0.52],
        optimizer=["adam"] * 7 + ["rmsprop"],
        act=["relu", "relu", "relu", "tanh", "relu", "relu", "gelu", "relu"],
        x=[1.0, 3.0, 0.5, 9.0, 6.0, 8.0, 2.0, 0.0],
    ),
    # Groups of 3 and 4 (seven trials), several two-level parameters so alpha / m is small.
    "three_and_four": _columns(
        [0.81, 0.84, 0.79, 0.62, 0.66, 0.70, 0.64],
        flag=[True, True, True, False, False, False, False],
        mode=["add", "mul", "add", "mul", "add", "mul", "mul"],
        optimizer=["adam", "adam", "rmsprop", "adam", "rmsprop", "adam", "adam"],
        act=["relu", "tanh", "gelu", "relu", "tanh", "gelu", "relu"],
    ),
    "two_and_two": _columns([0.5, 0.6, 0.1, 0.2], flag=[True, True, False, False], x=[3.0, 4.0, 1.0, 2.0]),
    "one_and_one": _columns([0.5, 0.1], flag=[True, False]),
    "one_one_and_n": _columns(
        [0.3, 0.9, 0.4, 0.5, 0.45, 0.41, 0.47], act=["relu", "tanh", "gelu", "gelu", "gelu", "gelu", "gelu"]
    ),
    # Every group constant, the groups different.
    "tied_within_groups": _columns(
        [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0],
        flag=[True] * 3 + [False] * 6,
        act=["relu"] * 3 + ["tanh"] * 4 + ["gelu"] * 2,
        x=[1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0],
    ),
    # The objective constant everywhere.
    "tied_across_groups": _columns(
        [0.7] * 6, flag=[True, False] * 3, act=["relu", "tanh", "gelu"] * 2, x=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    ),
    # One level all ties, the other spread.
    "one_level_tied": _columns(
        [0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.4, 0.6],
        mode=["add"] * 4 + ["mul"] * 4,
        act=["relu"] * 4 + ["tanh", "gelu", "tanh", "gelu"],
        x=[2.0, 2.0, 2.0, 2.0, 1.0, 7.0, 3.0, 5.0],
    ),
}

# Spearman with n = 25 and rho = 0.399: the t approximation gives p = 0.048 (strong as a family
# of one), while the Fisher-z interval with the Bonett-Wright variance reaches -0.011.
SPEARMAN_RANKS = [1, 16, 9, 4, 0, 21, 13, 14, 18, 12, 7, 5, 6, 22, 2, 10, 11, 15, 19, 8, 3, 17, 24, 23, 20]
# Mann-Whitney: exact p = 0.038 (strong) while the score interval of r reaches 0; `mul` wins,
# so the effect of `add` vs `mul` is negative.
MODE_ADD = [3.0, 4.0, 3.0, 1.0]
MODE_MUL = [5.5, 3.5, 4.5, 4.5, 3.5, 3.5]
DISAGREEING = {
    "spearman_disagrees": [({"x": float(i)}, float(r)) for i, r in enumerate(SPEARMAN_RANKS)],
    "mann_whitney_disagrees": [({"mode": "add"}, v) for v in MODE_ADD] + [({"mode": "mul"}, v) for v in MODE_MUL],
}
CONFIG = AnalysisConfig(n_bootstrap=200, importance_resamples=20, top_quantile_resamples=2)


def _numbers(obj: Any, path: str = "") -> list[tuple[str, float]]:
    """Every float in a findings object (dataclasses, dicts, sequences), with where it sits."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [n for f in dataclasses.fields(obj) for n in _numbers(getattr(obj, f.name), f"{path}.{f.name}")]
    if isinstance(obj, dict):
        return [n for k, v in obj.items() for n in _numbers(v, f"{path}[{k!r}]")]
    if isinstance(obj, list | tuple):
        return [n for i, v in enumerate(obj) for n in _numbers(v, f"{path}[{i}]")]
    if isinstance(obj, float | np.floating) and not isinstance(obj, bool):
        return [(path, float(obj))]
    return []


def _findings(name: str, rows: list[tuple[dict[str, Any], float]], tmp_path: Path, direction: str = "maximize"):
    return analyse(snapshot_of_study(_study(name, rows, direction), tmp_path), CONFIG, "test")


def _interval_includes_null(d: Any) -> bool:
    if d.ci_low is None or d.ci_high is None:
        return False
    if d.effect_measure == "epsilon_squared":
        return d.ci_low <= 0
    return d.ci_low <= 0 <= d.ci_high


def check_invariants(findings: Any) -> str:
    """No strong/suggestive row with an interval containing the null; finite numbers; the
    sign words match the signs in the rendered findings.md, which is returned."""
    bad = [(p, v) for p, v in _numbers(findings) if not math.isfinite(v)]
    assert not bad, f"non-finite numbers in findings: {bad[:5]}"
    for d in findings.directionality:
        if d.tier in ("strong", "suggestive"):
            assert not _interval_includes_null(d), (d.param, d.tier, d.ci_low, d.ci_high)
        if d.interval_disagrees:
            assert d.tier == "not enough evidence" and d.q_tier in ("strong", "suggestive")
            assert _interval_includes_null(d)
        if d.p is not None:
            assert d.q_tier is not None
            assert d.tier == d.q_tier or d.interval_disagrees
        if d.test == "spearman" and d.n > 3:
            # Fisher z with the Bonett-Wright variance, from scipy's normal quantile.
            half = Z95 * math.sqrt((1 + d.effect**2 / 2) / (d.n - 3))
            z = math.atanh(d.effect) if abs(d.effect) < 1 else math.copysign(math.inf, d.effect)
            assert (d.ci_low, d.ci_high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)), abs=1e-12)
            assert d.ci_method == "fisher_z"
    text = findings_markdown(findings, "0001-x")
    check_sign_words(text)
    return text


def check_sign_words(text: str) -> int:
    """ "larger" only with rho > 0, "smaller" only with rho < 0, a named winner only with r > 0.

    Returns how many sentences it checked."""
    rhos = re.findall(r"(larger|smaller) values are better \(Spearman rho ([-+]?[\d.e-]+)", text)
    for words, number in rhos:
        assert (float(number) > 0) == (words == "larger"), (words, number)
    wins = re.findall(r"`([^`]+)` beats `[^`]+` \(rank-biserial r ([-+]?[\d.e-]+) for `([^`]+)`", text)
    for winner, number, named in wins:
        assert float(number) > 0 and winner == named, (winner, number, named)
    return len(rhos) + len(wins)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_group_shape_survives_directionality_and_the_report(shape: str, tmp_path: Path) -> None:
    findings = _findings(shape, SHAPES[shape], tmp_path)
    text = check_invariants(findings)
    assert "## Parameter effects" in text
    by_param = {d.param: d for d in findings.directionality}
    if shape == "one_and_n":
        opt, act = by_param["optimizer"], by_param["act"]
        assert (opt.test, [lv.n for lv in opt.levels]) == ("mann-whitney-u", [7, 1])
        assert (act.test, sorted(lv.n for lv in act.levels)) == ("kruskal-wallis", [1, 1, 6])
        assert opt.p_method == act.p_method == "exact permutation"
        assert opt.power is not None and act.power is not None
    if shape == "three_and_four":
        assert all(d.power is not None for d in findings.directionality if d.p is not None)
    if shape == "one_and_one":
        assert by_param["flag"].untested_reason == "too_few_trials"
    if shape == "tied_across_groups":
        assert {d.untested_reason for d in findings.directionality} == {"constant_objective"}
    if shape == "tied_within_groups":
        flag = by_param["flag"]
        assert flag.effect == pytest.approx(-1.0) and flag.ci_high is not None and flag.ci_low == -1.0


def test_the_whole_pipeline_survives_a_level_seen_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(study_name="one_and_n", storage=url, direction="maximize")
    dists = {"optimizer": OPTIMIZER, "act": ACT, "x": X}
    for params, value in SHAPES["one_and_n"]:
        add(study, params, {k: dists[k] for k in params}, value)
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "one_and_n", "--out", str(out), "--quiet", "--n-bootstrap", "100"]) == 0
    (path,) = (out / "report").rglob("findings.json")
    document = json.loads(path.read_text())
    jsonschema.validate(document, json.loads(schema_path().read_text()))
    assert {d["param"]: d["test"] for d in document["directionality"]} == {
        "act": "kruskal-wallis",
        "optimizer": "mann-whitney-u",
        "x": "spearman",
    }
    assert (path.parent / "findings.md").exists() and (out / "site" / "index.html").exists()


def test_a_strong_q_whose_rho_interval_includes_zero_is_not_strong(tmp_path: Path) -> None:
    findings = _findings("spearman_disagrees", DISAGREEING["spearman_disagrees"], tmp_path)
    (d,) = findings.directionality
    x, y = np.arange(25.0), np.array(SPEARMAN_RANKS, dtype=float)
    rho = stats.spearmanr(x, y)
    assert (d.effect, d.p, d.q) == pytest.approx((rho.statistic, rho.pvalue, rho.pvalue), rel=1e-12)
    assert d.q < 0.05
    assert (d.q_tier, d.tier, d.interval_disagrees) == ("strong", "not enough evidence", True)
    assert d.ci_low < 0 < d.ci_high
    assert findings.significance.n_interval_disagrees == 1 and findings.significance.n_strong == 0
    jsonschema.validate(findings_document(findings), json.loads(schema_path().read_text()))
    text = check_invariants(findings)
    assert check_sign_words(text) == 1
    assert "the test alone says strong, but its 95% CI includes 0: treat as not established" in text
    assert "(q alone: strong, but its 95% CI includes 0)" in text
    assert "by q alone 1 would be strong or suggestive, but its 95% interval includes no effect" in text


def test_a_named_winner_carries_a_positive_r_and_a_disagreeing_interval_says_so(tmp_path: Path) -> None:
    findings = _findings("mann_whitney_disagrees", DISAGREEING["mann_whitney_disagrees"], tmp_path)
    (d,) = findings.directionality
    a, b = np.array(MODE_ADD), np.array(MODE_MUL)
    u = stats.mannwhitneyu(a, b, method=stats.PermutationMethod(n_resamples=np.inf))
    assert (d.level_a, d.level_b) == ("add", "mul")
    assert d.p == pytest.approx(u.pvalue, rel=1e-12) and d.p < 0.05
    assert d.effect == pytest.approx(2 * u.statistic / 24 - 1) and d.effect < 0
    assert (d.q_tier, d.tier, d.interval_disagrees) == ("strong", "not enough evidence", True)
    text = check_invariants(findings)
    assert check_sign_words(text) == 1
    # `mul` wins, so it is named first and r (and its CI) are re-signed to it.
    low, high = -d.ci_high, -d.ci_low
    expected = (
        f"`mul` beats `add` (rank-biserial r +{-d.effect:.3g} for `mul` over `add`, 95% CI [{low:.3g}, {high:.3g}]"
    )
    assert expected in text
    assert "-0.75" not in text.split("## Executive summary")[1].split("##")[0]
    # The same effect stays `add` vs `mul` (negative) in the tables, where the pair is named a vs b.
    assert "rank-biserial r -0.75" in text and "`add` vs `mul`" in text


def test_the_same_study_minimized_flips_every_sign_word(tmp_path: Path) -> None:
    rows = SHAPES["one_level_tied"]
    up = {d.param: d for d in _findings("up", rows, tmp_path).directionality}
    down_findings = _findings("down", rows, tmp_path, "minimize")
    check_invariants(down_findings)
    for d in down_findings.directionality:
        if d.effect is not None and d.effect_measure != "epsilon_squared":
            assert d.effect == pytest.approx(-up[d.param].effect)
            assert (d.ci_low, d.ci_high) == pytest.approx((-up[d.param].ci_high, -up[d.param].ci_low))


@pytest.mark.parametrize(("rho", "n"), [(0.3992, 25), (-0.403, 30), (0.0, 4), (0.95, 12), (-1.0, 6), (1.0, 5)])
def test_fisher_z_interval_equals_bonett_wright_from_scipy_norm(rho: float, n: int) -> None:
    ci = fisher_z_interval(rho, n)
    assert ci is not None and ci.method == "fisher_z"
    half = stats.norm.ppf(0.975) * np.sqrt((1 + rho**2 / 2) / (n - 3))
    with np.errstate(divide="ignore"):
        z = np.arctanh(rho)
    assert (ci.low, ci.high) == pytest.approx((np.tanh(z - half), np.tanh(z + half)), abs=1e-12)
    assert fisher_z_interval(rho, 3) is None


@pytest.mark.parametrize("rho", [1.0, -1.0])
def test_a_perfect_order_of_six_is_not_certain_with_perfect_as_next(rho: float) -> None:
    """crypto_xgb's learning-curve table printed "6 | 1 [1, 1]": six trials in perfect order. The
    inner end is the interval of the nearest attainable rho (one adjacent swap: 1 - 12/210)."""
    ci = fisher_z_interval(rho, 6, perfect_as_next=True)
    half = stats.norm.ppf(0.975) * np.sqrt(1.5 / 3)
    inner = float(np.tanh(np.arctanh(1 - 12 / 210) - half))
    assert ci is not None
    assert (ci.low, ci.high) == pytest.approx((inner, 1.0) if rho > 0 else (-1.0, -inner))
    assert 0.3 < inner < 0.4


def _hanley_mcneil(r0: float, n_a: int, n_b: int) -> float:
    auc = (1 + r0) / 2
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    return 4 * (auc * (1 - auc) + (n_a - 1) * (q1 - auc**2) + (n_b - 1) * (q2 - auc**2)) / (n_a * n_b)


def _two_samples() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(11)
    cases = [(np.array(MODE_ADD), np.array(MODE_MUL)), (np.array([3.0, 4, 5]), np.array([0.0, 1, 2, 2.5]))]
    for n_a, n_b, shift, tied in [(12, 9, 0.5, False), (27, 2, 1.0, False), (6, 7, 0.8, True), (1, 7, 0.0, False)]:
        a, b = rng.normal(shift, 1, n_a), rng.normal(0, 1, n_b)
        if tied:
            a, b = np.round(a), np.round(b)
        cases.append((a, b))
    return cases


@pytest.mark.parametrize("case", range(6))
def test_rank_biserial_interval_inverts_the_asymptotic_mann_whitney_test(case: int) -> None:
    a, b = _two_samples()[case]
    ci = rank_biserial_interval(a, b)
    assert ci is not None and ci.method == "mann_whitney_score"
    n_a, n_b = len(a), len(b)
    u = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False)
    r = 2 * u.statistic / (n_a * n_b) - 1
    assert -1 <= ci.low <= r <= ci.high <= 1
    # Each end solves (r - r0)^2 = z^2 var(r0): Hanley-McNeil times scipy's tie correction.
    ties = stats.tiecorrect(stats.rankdata(np.concatenate([a, b])))
    for end in (ci.low, ci.high):
        if abs(end) < 1 and end != r:
            assert (r - end) ** 2 == pytest.approx(Z95**2 * _hanley_mcneil(end, n_a, n_b) * ties, rel=1e-6)
    # At r0 = 0 the variance is U's tie-corrected null variance: 0 is outside exactly when the
    # asymptotic two-sided test without continuity correction rejects at 5%.
    assert (ci.low > 0 or ci.high < 0) == (u.pvalue < 0.05)


def _exact_p(groups: list[np.ndarray], statistic, two_sided: bool) -> float:
    """Permutation p over every assignment of the pooled values to groups of these sizes."""
    pooled = np.concatenate(groups)
    sizes = [len(g) for g in groups]
    observed = statistic(*groups)
    values = []
    for order in itertools.permutations(range(len(pooled))):
        cut = np.cumsum([0, *sizes])
        values.append(statistic(*(pooled[list(order[cut[i] : cut[i + 1]])] for i in range(len(sizes)))))
    values = np.array(values)
    if two_sided:
        return min(1.0, 2 * min(np.mean(values <= observed + 1e-9), np.mean(values >= observed - 1e-9)))
    return float(np.mean(values >= observed - 1e-9))


def test_a_level_seen_once_gets_an_exact_permutation_p() -> None:
    a, b = np.array([0.52]), np.array([0.61, 0.64, 0.58, 0.70, 0.66, 0.69, 0.61])
    u, p, method = mann_whitney(a, b)
    assert method == "exact permutation"
    assert u == stats.mannwhitneyu(a, b).statistic
    expected = _exact_p([a, b], lambda x, y: stats.mannwhitneyu(x, y).statistic, two_sided=True)
    assert p == pytest.approx(expected, rel=1e-12)
    groups = [np.array([0.9]), np.array([0.3]), np.array([0.4, 0.5, 0.45, 0.41, 0.47])]
    k = kruskal_test(groups, 100, np.random.default_rng(0))
    assert k.p_method == "exact permutation"
    assert k.p == pytest.approx(_exact_p(groups, lambda *g: stats.kruskal(*g).statistic, False), rel=1e-12)
    assert k.ci is not None and 0 <= k.ci.low <= k.ci.high


@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.0167, 0.0125, 0.00714, 0.00625, 0.005, 0.05 / 12])
def test_power_never_raises_and_is_finite_or_none(alpha: float) -> None:
    # Groups of 3 and 4 stopped brentq on "The function value at x=5.63 is NaN".
    for n_a, n_b in [(3, 4), (4, 3), (2, 2), (2, 3), (1, 6), (6, 1), (1, 1), (2, 5), (7, 1)]:
        for value in (
            pw.min_rank_biserial(n_a, n_b, alpha),
            pw.n_for_rank_biserial(0.9, n_a, n_b, alpha),
            pw.min_epsilon_squared(n_a + n_b, 3, alpha),
            pw.n_for_epsilon_squared(0.5, 3, alpha),
        ):
            assert value is None or math.isfinite(value)
    d = pw.min_rank_biserial(3, 4, alpha)
    assert d is not None
    # At the returned effect, statsmodels' power (where finite) is at least about 80%.
    effect = math.sqrt(2) * stats.norm.ppf((d + 1) / 2)
    from statsmodels.stats.power import TTestIndPower

    achieved = TTestIndPower().power(effect, 3 * pw.RANK_ARE, alpha, ratio=4 / 3)
    assert not math.isfinite(achieved) or achieved >= pw.POWER - 1e-6
