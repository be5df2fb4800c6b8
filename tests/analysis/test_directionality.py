"""Every statistic in findings.json equals scipy/statsmodels on the same trials.

findings.json states floats at 12 significant digits, so "equal" here is within 1e-11.

Expected values are recomputed here from Optuna's own view of each literal study
(``study.trials``), not from the generator's samples: the branch of each parameter, the
canonical order (objective value, then the parameter's value), the seed each bootstrap draws
from (``sample_rng``), then scipy.stats / statsmodels directly.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from generator.analysis.rank_tests import (
    EXACT_PERMUTATIONS,
    epsilon_squared,
    rank_biserial,
    spearman_rho,
)
from generator.analysis.resampling import sample_rng
from generator.cli import main
from generator.model.serialize import round_float
from tests.studies import AWKWARD, sqlite_study

STUDIES = ["conditional", "seed_shaped", "mixed_minimize", "none_categoricals", "simple"]
CI_RESAMPLES = 400  # enough to compare intervals exactly, fast enough for a unit test


def report(tmp_path: Path, name: str, *flags: str) -> tuple[dict[str, Any], optuna.Study]:
    builder, directions = AWKWARD[name]
    url = sqlite_study(tmp_path / "s.db", name, builder, directions)
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", name, "--out", str(out), "--quiet", *flags]) == 0
    (path,) = (out / "report").rglob("findings.json")
    return json.loads(path.read_text()), optuna.load_study(study_name=name, storage=url)


def branch(study: optuna.Study, param: str) -> tuple[list[Any], np.ndarray]:
    """The parameter's values and the objective on its branch, in the canonical order."""
    rows = [
        (t.params[param], t.value)
        for t in study.trials
        if t.state == optuna.trial.TrialState.COMPLETE and param in t.params and math.isfinite(t.value)
    ]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v, _ in rows)
    key = (lambda r: (r[1], float(r[0]))) if numeric else (lambda r: (r[1], json.dumps(r[0])))
    rows.sort(key=key)
    return [v for v, _ in rows], np.array([y for _, y in rows], dtype=float)


@pytest.fixture(autouse=True)
def _quiet_degenerate_bootstrap():
    # Replicating a BCa interval that falls back to percentile replays scipy's warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def bootstrap_ci(
    data: tuple[np.ndarray, ...], statistic, paired: bool, purpose: str, method: str
) -> tuple[float, float]:
    rng = sample_rng(0, purpose, data)
    res = stats.bootstrap(
        data,
        statistic,
        paired=paired,
        vectorized=True,
        n_resamples=CI_RESAMPLES,
        confidence_level=0.95,
        method="BCa",
        rng=rng,
    )
    if method == "percentile":
        res = stats.bootstrap(
            data,
            statistic,
            paired=paired,
            vectorized=True,
            n_resamples=0,
            confidence_level=0.95,
            method="percentile",
            bootstrap_result=res,
            rng=rng,
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def expected_mwu_p(a: np.ndarray, b: np.ndarray) -> float:
    if math.comb(len(a) + len(b), len(a)) <= EXACT_PERMUTATIONS:
        method: Any = stats.PermutationMethod(n_resamples=np.inf)
    else:
        method = "auto"
    return float(stats.mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


def check_entry(d: dict[str, Any], study: optuna.Study, sign: float) -> None:
    values, y = branch(study, d["param"])
    assert d["n"] == len(y)
    if d["test"] == "spearman":
        x = np.array(values, dtype=float)
        rho = stats.spearmanr(x, y)
        assert d["statistic"] == pytest.approx(rho.statistic, rel=1e-11, abs=1e-11)
        assert d["effect"] == pytest.approx(sign * rho.statistic, rel=1e-11, abs=1e-11)
        if math.factorial(len(x)) <= EXACT_PERMUTATIONS:
            assert d["p_method"] == "exact permutation"
            # Exact: all n! pairings through scipy's permutation test (spearman_rho == spearmanr
            # is checked in test_vectorized_statistics_equal_scipy).
            exact = stats.permutation_test(
                (y,),
                lambda yy, axis=-1: spearman_rho(x, yy, axis),
                permutation_type="pairings",
                n_resamples=np.inf,
                vectorized=True,
            )
            assert d["p"] == pytest.approx(exact.pvalue, rel=1e-9)
        else:
            assert d["p"] == pytest.approx(rho.pvalue, rel=1e-11)
        # Fisher z of the signed rho with the Bonett-Wright variance (1 + rho^2 / 2) / (n - 3).
        e, n = d["effect"], len(x)
        half = stats.norm.ppf(0.975) * math.sqrt((1 + e * e / 2) / (n - 3))
        assert d["ci_method"] == "fisher_z"
        assert (d["ci_low"], d["ci_high"]) == pytest.approx(
            (math.tanh(math.atanh(e) - half), math.tanh(math.atanh(e) + half)), abs=1e-11
        )
    elif d["test"] == "mann-whitney-u":
        level_a = d["levels"][0]["level"]
        a = y[[json.dumps(v) == json.dumps(level_a) for v in values]]
        b = y[[json.dumps(v) != json.dumps(level_a) for v in values]]
        assert d["level_a"] == level_a
        if d["kind"] == "boolean":
            assert level_a is True
        u = stats.mannwhitneyu(a, b, alternative="two-sided")
        assert d["statistic"] == pytest.approx(u.statistic)
        assert d["p"] == pytest.approx(expected_mwu_p(a, b), rel=1e-11)
        assert d["effect"] == pytest.approx(sign * (2 * u.statistic / (len(a) * len(b)) - 1), rel=1e-11, abs=1e-11)
        assert d["mean_diff"] == pytest.approx(a.mean() - b.mean(), rel=1e-11, abs=1e-11)
        welch = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
        assert (d["mean_diff_ci_low"], d["mean_diff_ci_high"]) == pytest.approx((welch.low, welch.high), abs=1e-11)
        # The score interval inverting the asymptotic test: it excludes 0 exactly when that test
        # (tie-corrected, no continuity correction) rejects at 5% (see test_tier_interval.py).
        assert d["ci_method"] == "mann_whitney_score"
        asymptotic = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False).pvalue
        assert d["ci_low"] <= d["effect"] <= d["ci_high"]
        assert (d["ci_low"] > 0 or d["ci_high"] < 0) == (asymptotic < 0.05)
    elif d["test"] == "kruskal-wallis":
        levels = [lv["level"] for lv in d["levels"]]
        groups = [y[[json.dumps(v) == json.dumps(level) for v in values]] for level in levels]
        h = stats.kruskal(*groups)
        assert d["statistic"] == pytest.approx(h.statistic, rel=1e-11)
        assert d["effect"] == pytest.approx(h.statistic / (len(y) - 1), rel=1e-11)
        if d["p_method"] == "exact permutation":
            exact = stats.permutation_test(
                groups,
                lambda *g, axis=-1: stats.kruskal(*g, axis=axis).statistic,
                alternative="greater",
                permutation_type="independent",
                n_resamples=np.inf,
                vectorized=True,
            )
            assert d["p"] == pytest.approx(exact.pvalue, rel=1e-9)
        else:
            assert d["p"] == pytest.approx(h.pvalue, rel=1e-11)
        low, high = bootstrap_ci(tuple(groups), epsilon_squared, False, f"kruskal-wallis:{d['param']}", d["ci_method"])
        assert (d["ci_low"], d["ci_high"]) == pytest.approx((low, high), rel=1e-11, abs=1e-11)
        pairs = list(itertools.combinations(range(len(groups)), 2))
        ps = [expected_mwu_p(groups[i], groups[j]) for i, j in pairs]
        qs = multipletests(ps, method="holm")[1]
        for t, (i, j), p, q in zip(d["posthoc"], pairs, ps, qs, strict=True):
            u = stats.mannwhitneyu(groups[i], groups[j]).statistic
            assert (t["level_a"], t["level_b"]) == (levels[i], levels[j])
            assert (t["statistic"], t["p"], t["q"]) == pytest.approx((u, p, q), rel=1e-11)
            assert t["effect"] == pytest.approx(sign * (2 * u / (len(groups[i]) * len(groups[j])) - 1))
    else:
        assert d["p"] is None and d["q"] is None and d["tier"] == "not tested"
    for lv in d["levels"]:
        at = y[[json.dumps(v) == json.dumps(lv["level"]) for v in values]]
        assert (lv["n"], lv["mean"], lv["median"]) == (len(at), pytest.approx(at.mean()), pytest.approx(np.median(at)))
        assert lv["std"] == (pytest.approx(at.std(ddof=1)) if len(at) > 1 else None)


@pytest.mark.parametrize("name", STUDIES)
def test_every_statistic_equals_scipy(name: str, tmp_path: Path) -> None:
    document, study = report(tmp_path, name, "--n-bootstrap", str(CI_RESAMPLES))
    sign = 1.0 if document["study"]["direction"] == "maximize" else -1.0
    entries = document["directionality"]
    assert [d["param"] for d in entries] == sorted({p for t in study.trials for p in t.params})
    for d in entries:
        check_entry(d, study, sign)
    tested = [d for d in entries if d["p"] is not None]
    qs = multipletests([d["p"] for d in tested], method="holm")[1]
    assert [d["q"] for d in tested] == pytest.approx(list(qs), rel=1e-11)
    for d in tested:
        q_tier = "strong" if d["q"] < 0.05 else "suggestive" if d["q"] < 0.10 else "not enough evidence"
        assert d["q_tier"] == q_tier
        null_inside = d["ci_low"] is not None and (
            d["ci_low"] <= 0 if d["effect_measure"] == "epsilon_squared" else d["ci_low"] <= 0 <= d["ci_high"]
        )
        disagrees = q_tier != "not enough evidence" and null_inside
        assert d["interval_disagrees"] == disagrees
        assert d["tier"] == ("not enough evidence" if disagrees else q_tier)


@pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni", "none"])
def test_corrections_equal_statsmodels(method: str, tmp_path: Path) -> None:
    document, _ = report(tmp_path, "seed_shaped", "--correction", method, "--n-bootstrap", "0")
    tested = [d for d in document["directionality"] if d["p"] is not None]
    p = [d["p"] for d in tested]
    expected = p if method == "none" else list(multipletests(p, method=method)[1])
    assert [d["q"] for d in tested] == pytest.approx(expected, rel=1e-11)
    assert document["stats"]["correction"] == method
    # --n-bootstrap 0 drops the bootstrap intervals (epsilon-squared); rho and r keep their analytic ones.
    assert all((d["ci_low"] is None) == (d["test"] == "kruskal-wallis") for d in tested)
    levels = document["elites"]["levels"]
    ep = [lv["p"] for lv in levels]
    expected = ep if method == "none" else list(multipletests(ep, method=method)[1])
    assert [lv["q"] for lv in levels] == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("name", ["seed_shaped", "mixed_minimize"])
def test_elite_enrichment_equals_fisher_exact(name: str, tmp_path: Path) -> None:
    document, study = report(tmp_path, name, "--n-bootstrap", "0")
    sign = 1.0 if document["study"]["direction"] == "maximize" else -1.0
    complete = sorted(
        (t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE),
        key=lambda t: (-sign * t.value, t.number),
    )
    n_elites = math.ceil(0.25 * len(complete))
    elites = {t.number for t in complete[:n_elites]}
    assert document["elites"]["n_elites"] == n_elites
    assert document["elites"]["threshold"] == round_float(complete[n_elites - 1].value)
    assert document["elites"]["levels"], "discrete parameters get enrichment tests"
    for lv in document["elites"]["levels"]:
        trials = [t for t in complete if lv["param"] in t.params]
        at = [json.dumps(t.params[lv["param"]]) == json.dumps(lv["level"]) for t in trials]
        elite = [t.number in elites for t in trials]
        a = sum(x and e for x, e in zip(at, elite, strict=True))
        b = sum(e for e in elite) - a
        c = sum(at) - a
        d = len(trials) - a - b - c
        odds, p = stats.fisher_exact([[a, b], [c, d]], alternative="greater")
        assert (lv["n_elite"], lv["n"], lv["n_branch"]) == (a, a + c, len(trials))
        assert lv["p"] == pytest.approx(p, rel=1e-11)
        assert lv["odds_ratio"] == (pytest.approx(odds) if math.isfinite(odds) else None)
        assert lv["elite_share"] == pytest.approx(a / (a + b))
    for r in document["elites"]["ranges"]:
        trials = [t for t in complete if r["param"] in t.params]
        xs = [round_float(float(t.params[r["param"]])) for t in trials]
        exs = [round_float(float(t.params[r["param"]])) for t in trials if t.number in elites]
        assert (r["explored_min"], r["explored_max"]) == (min(xs), max(xs))
        assert (r["elite_min"], r["elite_max"]) == ((min(exs), max(exs)) if exs else (None, None))


def test_vectorized_statistics_equal_scipy() -> None:
    """The batch statistics behind bootstraps and exact tests equal scipy's one-at-a-time ones."""
    rng = np.random.default_rng(3)
    for n in (4, 7, 30):
        x = rng.integers(0, 3, size=(5, n)).astype(float)  # ties on purpose
        y = np.round(rng.normal(size=(5, n)), 1)
        a, b = y[:, : n // 2], y[:, n // 2 :]
        groups = (y[:, :2], y[:, 2:3], y[:, 3:])
        for row in range(5):
            assert spearman_rho(x[row], y[row]) == pytest.approx(stats.spearmanr(x[row], y[row]).statistic)
            u = stats.mannwhitneyu(a[row], b[row]).statistic
            assert rank_biserial(a[row], b[row]) == pytest.approx(2 * u / (a.shape[1] * b.shape[1]) - 1)
            h = stats.kruskal(*(g[row] for g in groups)).statistic
            assert epsilon_squared(*(g[row] for g in groups)) == pytest.approx(h / (n - 1))
        batch = spearman_rho(x, y, axis=-1)
        assert batch == pytest.approx([stats.spearmanr(x[r], y[r]).statistic for r in range(5)])
    # A constant resample has no rank association: it counts as 0 instead of NaN.
    assert spearman_rho(np.ones(5), np.arange(5.0)) == 0.0
