"""Planted effects among many null parameters (fixed seeds): Holm keeps false "strong" claims
at or below 5% of repetitions, and effects of a stated size are found as often as the power
analysis promises.

The samples are built directly (no Optuna storage) so that 200 repetitions run in seconds;
they go through the same ``directionality`` (tests, correction, tiers, power) as a report.
"""

from __future__ import annotations

import json
import math

import numpy as np

from generator.analysis import power as pw
from generator.analysis.directionality import directionality
from generator.analysis.params import ParamSpec
from generator.analysis.sample import ParamSample, StudySample
from generator.config import AnalysisConfig

N_TRIALS = 60
REPETITIONS = 200
N_NULL_CONTINUOUS = 8
N_NULL_BOOLEAN = 2
N_NULL_CATEGORICAL = 2
# y = x + 1.5 * b + N(0, 0.6^2), x ~ N(0, 1), b ~ Bernoulli(1/2):
#   corr(x, y) = 1 / sqrt(1 + 0.5625 + 0.36) = 0.721, so Spearman's rho is about 0.70;
#   within each b group y has sd sqrt(1.36), so Cohen's d = 1.29 and the rank-biserial
#   correlation is 2 * Phi(d / sqrt 2) - 1 = 0.64.
PLANTED_SPEARMAN = 0.70
PLANTED_RANK_BISERIAL = 0.64
CONFIG = AnalysisConfig(n_bootstrap=0)  # intervals are not under test here; keep it fast


def _spec(name: str, kind: str, choices: tuple = ()) -> ParamSpec:
    dist = {"continuous": "float", "boolean": "categorical", "categorical": "categorical"}[kind]
    low, high = (-5.0, 5.0) if kind == "continuous" else (None, None)
    return ParamSpec(
        name=name,
        kind=kind,
        dist_type=dist,
        low=low,
        high=high,
        log=False,
        step=None,
        choices=choices,
        n_distributions=1,
        n_present=N_TRIALS,
        n_structure=N_TRIALS,
        condition=None,
    )


def _sample(spec: ParamSpec, values: np.ndarray, y: np.ndarray) -> ParamSample:
    labels = np.array([json.dumps(v.item() if hasattr(v, "item") else v) for v in values])
    x = values.astype(float) if spec.kind == "continuous" else None
    order = np.lexsort((x if x is not None else labels, y))
    return ParamSample(
        spec=spec,
        y=y[order],
        x=None if x is None else x[order],
        labels=tuple(labels[order]),
        elite=np.zeros(len(y), dtype=bool),
        best=np.zeros(len(y), dtype=bool),
    )


def simulate(rng: np.random.Generator) -> StudySample:
    n = N_TRIALS
    x = rng.normal(size=n)
    b = rng.integers(0, 2, size=n).astype(bool)
    y = x + 1.5 * b + rng.normal(0.0, 0.6, size=n)
    columns: dict[str, tuple[ParamSpec, np.ndarray]] = {
        "real_x": (_spec("real_x", "continuous"), x),
        "real_flag": (_spec("real_flag", "boolean", (True, False)), b),
    }
    for i in range(N_NULL_CONTINUOUS):
        columns[f"null_x{i}"] = (_spec(f"null_x{i}", "continuous"), rng.uniform(-5, 5, size=n))
    for i in range(N_NULL_BOOLEAN):
        flags = rng.integers(0, 2, n).astype(bool)
        columns[f"null_flag{i}"] = (_spec(f"null_flag{i}", "boolean", (True, False)), flags)
    for i in range(N_NULL_CATEGORICAL):
        choices = ("a", "b", "c")
        columns[f"null_cat{i}"] = (_spec(f"null_cat{i}", "categorical", choices), rng.choice(np.array(choices), size=n))
    params = {name: _sample(spec, values, y) for name, (spec, values) in sorted(columns.items())}
    return StudySample(
        direction="maximize",
        sign=1.0,
        n=n,
        n_elites=0,
        elite_quantile=0.25,
        elite_threshold=None,
        best_number=None,
        params=params,
    )


def test_holm_bounds_false_strong_claims_and_planted_effects_are_found() -> None:
    rng = np.random.default_rng(20240601)
    any_null_strong = 0
    null_strong: dict[str, int] = {}
    found_x = found_flag = 0
    min_effects: dict[str, float] = {}
    for _ in range(REPETITIONS):
        results = {d.param: d for d in directionality(simulate(rng), CONFIG)}
        nulls = [d for p, d in results.items() if p.startswith("null_")]
        any_null_strong += any(d.tier == "strong" for d in nulls)
        for d in nulls:
            null_strong[d.param] = null_strong.get(d.param, 0) + (d.tier == "strong")
        found_x += results["real_x"].tier == "strong" and results["real_x"].effect > 0
        found_flag += results["real_flag"].tier == "strong" and results["real_flag"].effect > 0
        min_effects = {p: results[p].power.min_effect for p in ("real_x", "real_flag")}
    m = 2 + N_NULL_CONTINUOUS + N_NULL_BOOLEAN + N_NULL_CATEGORICAL
    assert math.isclose(results["real_x"].power.alpha, 0.05 / m)
    # Each null parameter is declared strong in at most 5% of repetitions (Holm: about 0.05/12).
    assert max(null_strong.values()) / REPETITIONS <= 0.05, null_strong
    # Family-wise: Holm bounds P(any null strong) by 5%, and with 12 independent nulls it sits
    # just under it (1 - (1 - 0.05/12)^12 = 4.9%), so the estimate from 200 repetitions may
    # land a little above 5% by sampling error alone: allow two standard errors, no more.
    tolerance = 2 * math.sqrt(0.05 * 0.95 / REPETITIONS)
    assert any_null_strong / REPETITIONS <= 0.05 + tolerance, any_null_strong
    # The planted effects exceed what the power analysis says is detectable at 80%...
    assert PLANTED_SPEARMAN > min_effects["real_x"] and PLANTED_RANK_BISERIAL > min_effects["real_flag"]
    assert min_effects["real_x"] == pw.min_rho(N_TRIALS, 0.05 / m)
    # ...and they are found at least that often.
    assert found_x / REPETITIONS >= 0.80, found_x
    assert found_flag / REPETITIONS >= 0.80, found_flag


def test_without_correction_nulls_are_declared_strong_far_more_often() -> None:
    """The same simulation under --correction none: the test above can fail, and Holm matters."""
    rng = np.random.default_rng(20240601)
    config = AnalysisConfig(n_bootstrap=0, correction="none")
    hits = 0
    for _ in range(40):
        results = directionality(simulate(rng), config)
        hits += any(d.tier == "strong" for d in results if d.param.startswith("null_"))
    assert hits / 40 > 0.25  # 12 nulls at alpha 0.05: about 1 - 0.95^12 = 46% expected
