"""The shape of each numeric parameter's relation, the sentences and the next-sweep configs that follow it.

Literal studies (Optuna's API, tests/studies.py ``add``) with a planted shape: an interior
learning-rate optimum at 1e-3, a monotone trend in a minimized loss, pure noise, and the
seed-shaped depth case whose strong trend runs into the bound 6 while the elites do not crowd
it. The interior test's numbers are recomputed here with statsmodels and scipy from Optuna's
own view of the trials.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
import statsmodels.api as sm
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from scipy import stats
from statsmodels.stats.multitest import multipletests

from generator.analysis.shape import SIDE_P
from generator.cli import main
from generator.model.serialize import round_float
from generator.render.env import fmt_p
from tests.studies import add, sqlite_study

LR = FloatDistribution(1e-5, 1e-1, log=True)
X = FloatDistribution(0.0, 1.0)
DEPTH = IntDistribution(2, 6)
PEAK = 1e-3


def interior_lr(study: optuna.Study) -> None:
    """48 trials, lr spread over [1e-5, 1e-1] (log), accuracy peaking at lr = 1e-3 with both
    ends worse; ``dropout`` is a nuisance with no effect."""
    rng = np.random.default_rng(11)
    for i in range(48):
        exponent = -5 + 4 * ((i * 0.6180339887) % 1.0)
        lr = float(10**exponent)
        dropout = float(rng.uniform(0.0, 1.0))
        value = 0.9 - 0.05 * (exponent - math.log10(PEAK)) ** 2 + float(rng.normal(0.0, 0.03))
        add(study, {"lr": lr, "dropout": dropout}, {"lr": LR, "dropout": X}, value)


def monotone_loss(study: optuna.Study) -> None:
    """30 trials of a minimized loss that falls as ``x`` grows: larger values are better."""
    rng = np.random.default_rng(5)
    for i in range(30):
        x = (i * 0.37) % 1.0
        add(study, {"x": x}, {"x": X}, 1.0 - 0.5 * x + float(rng.normal(0.0, 0.05)))


def noise(study: optuna.Study) -> None:
    """30 trials of noise: the objective does not depend on ``x``."""
    rng = np.random.default_rng(3)
    for i in range(30):
        add(study, {"x": (i * 0.37) % 1.0}, {"x": X}, float(rng.normal(0.0, 1.0)))


DEPTHS = [2] * 6 + [3] * 6 + [4] * 5 + [5] * 5 + [6] * 2


def depth_trend(study: optuna.Study) -> None:
    """24 trials, depth in [2, 6]: accuracy grows with depth (rho about +0.9), the best trial
    sits at depth 6, but only two trials (two of the six elites) ran there, so the elites do
    not crowd the bound; ``width`` is a nuisance."""
    rng = np.random.default_rng(2)
    for depth in DEPTHS:
        width = float(rng.uniform(0.0, 1.0))
        value = 0.2 + 0.02 * depth + float(rng.normal(0.0, 0.004))
        add(study, {"depth": depth, "width": width}, {"depth": DEPTH, "width": X}, value)


def report(tmp_path: Path, builder: Any, direction: str) -> tuple[dict[str, Any], str, Path, optuna.Study]:
    url = sqlite_study(tmp_path / "s.db", "s", builder, [direction])
    assert main(["--storage", url, "--study", "s", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = [p for p in (tmp_path / "out" / "report" / "s").iterdir() if p.is_dir()]
    document = json.loads((version / "findings.json").read_text())
    return document, (version / "findings.md").read_text(), version, optuna.load_study(study_name="s", storage=url)


def row(document: dict[str, Any], param: str) -> dict[str, Any]:
    return next(d for d in document["directionality"] if d["param"] == param)


def config_entry(version: Path, strategy: str, param: str) -> dict[str, Any]:
    config = yaml.safe_load((version / "artifacts" / f"refined_search_space_{strategy}.yaml").read_text())
    return config["param_ranges"][param]


def section(markdown: str, heading: str) -> str:
    return markdown.split(heading, 1)[1].split("\n## ", 1)[0]


def lines_about(text: str, param: str) -> list[str]:
    return [line for line in text.splitlines() if f"`{param}`" in line]


@pytest.fixture(scope="module")
def interior(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path, optuna.Study]:
    return report(tmp_path_factory.mktemp("interior"), interior_lr, "maximize")


def test_interior_optimum_is_found_with_its_best_range(interior) -> None:
    document, _, _, _ = interior
    lr = row(document, "lr")
    t = lr["shape_test"]
    assert lr["shape"] == "interior" and t["method"] == "rank_quadratic" and t["n"] == 48
    assert t["best_low"] < PEAK < t["best_high"]
    assert t["observed_low"] < t["best_low"] and t["best_high"] < t["observed_high"]
    assert 10**-3.5 < t["peak"] < 10**-2.5
    assert t["rho_below"] > 0 and t["rho_above"] < 0 and max(t["p_below"], t["p_above"]) < SIDE_P
    assert row(document, "dropout")["shape"] == "none"


def test_the_best_range_states_its_base_rate(interior) -> None:
    """The best range is the elites' own, so "7 of 7 elites in that range" holds by construction;
    pytorch_simple's 13 of its 25 trials sat there too. The report gives all trials in the range."""
    document, markdown, _, study = interior
    t = row(document, "lr")["shape_test"]
    values = [tr.params["lr"] for tr in study.trials if tr.state == optuna.trial.TrialState.COMPLETE]
    inside = sum(t["best_low"] <= round_float(v) <= t["best_high"] for v in values)  # JSON keeps 12 digits
    assert t["n_in_best"] == inside and t["n_best"] <= inside < t["n"]
    assert f"elites in that range, against {inside} of all {t['n']} trials" in markdown


def test_interior_test_equals_statsmodels_and_scipy(interior) -> None:
    document, _, _, study = interior
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    tests = {}
    for param in ("dropout", "lr"):
        x = np.array([t.params[param] for t in trials])
        y = np.array([t.value for t in trials])  # maximize: larger is better as it is
        rx = stats.rankdata(x)
        u = (rx - rx.mean()) / rx.std()
        fit = sm.OLS(stats.rankdata(y), np.column_stack([np.ones_like(u), u, u**2])).fit()
        b1, b2 = fit.params[1], fit.params[2]
        p = fit.pvalues[2] / 2 if b2 < 0 else 1 - fit.pvalues[2] / 2
        tests[param] = (x, y, u, b1, b2, p)
        got = row(document, param)["shape_test"]
        assert got["curvature"] == pytest.approx(b2, rel=1e-9) and got["p"] == pytest.approx(p, rel=1e-9)
    # Holm over the two curvature tests (sorted by name), like the primary tests.
    q = multipletests([tests["dropout"][5], tests["lr"][5]], method="holm")[1]
    assert row(document, "dropout")["shape_test"]["q"] == pytest.approx(q[0], rel=1e-9)
    assert row(document, "lr")["shape_test"]["q"] == pytest.approx(q[1], rel=1e-9)
    # The peak: the vertex of the rank fit, interpolated on log10(lr); each side's one-sided Spearman.
    x, y, u, b1, b2, _ = tests["lr"]
    order = np.argsort(x)
    peak = 10 ** np.interp(-b1 / (2 * b2), u[order], np.log10(x[order]))
    t = row(document, "lr")["shape_test"]
    assert t["peak"] == pytest.approx(peak, rel=1e-9)
    below, above = x <= peak, x >= peak
    assert (t["n_below"], t["n_above"]) == (below.sum(), above.sum())
    rho, p_below = stats.spearmanr(x[below], y[below], alternative="greater")
    assert t["rho_below"] == pytest.approx(rho, rel=1e-9) and t["p_below"] == pytest.approx(p_below, rel=1e-9)
    rho, p_above = stats.spearmanr(x[above], y[above], alternative="less")
    assert t["rho_above"] == pytest.approx(rho, rel=1e-9) and t["p_above"] == pytest.approx(p_above, rel=1e-9)
    # The best range: the 12 elites (top quarter), one dropped at each end.
    elites = np.sort(x[np.argsort(-y)[:12]])
    assert (t["best_low"], t["best_high"]) == (round_float(elites[1]), round_float(elites[-2]))  # 12 digits in JSON
    assert (t["n_best"], t["n_elites"]) == (10, 12)


def test_interior_sentences_never_say_larger_or_smaller_is_better(interior) -> None:
    document, markdown, _, _ = interior
    lines = lines_about(section(markdown, "## Executive summary"), "lr")
    lines += lines_about(section(markdown, "## Parameter effects"), "lr")
    assert lines and any("both ends worse" in line for line in lines)
    for line in lines:
        assert "larger values are better" not in line and "smaller values are better" not in line
    summary = next(
        line for line in lines_about(section(markdown, "## Executive summary"), "lr") if "best between" in line
    )
    t = row(document, "lr")["shape_test"]
    assert f"q = {fmt_p(t['q'])}" in summary and f"one-sided p = {fmt_p(t['p_below'])}" in summary
    # The importance ranking's evidence column names the shape too, so it does not read as "no
    # evidence" beside an executive summary that leads with the interior optimum.
    (ranking,) = [
        line for line in lines_about(section(markdown, "## Parameter importance"), "lr") if "| `lr` | always (" in line
    ]
    assert f"but interior (curvature q {fmt_p(t['q'])})" in ranking


def test_aggressive_config_narrows_around_the_peak(interior) -> None:
    document, _, version, _ = interior
    t = row(document, "lr")["shape_test"]
    aggressive = config_entry(version, "aggressive", "lr")
    assert aggressive["log"] is True and 1e-5 < aggressive["low"] < PEAK < aggressive["high"] < 1e-1
    # Padded by a tenth of the declared width (4 decades) on the log scale, rounded outward.
    assert (
        aggressive["low"] <= t["best_low"] * 10**-0.4 * 1.01 and aggressive["high"] >= t["best_high"] * 10**0.4 * 0.99
    )
    assert "interior optimum" in aggressive["reason"] and "both ends worse" in aggressive["reason"]
    conservative = config_entry(version, "conservative", "lr")
    assert (conservative["low"], conservative["high"]) == (1e-5, 1e-1)


def test_monotone_trend_in_a_minimized_loss_is_increasing(tmp_path: Path) -> None:
    document, markdown, _, _ = report(tmp_path, monotone_loss, "minimize")
    x = row(document, "x")
    assert x["tier"] == "strong" and x["effect"] > 0 and x["statistic"] < 0  # loss falls: rho < 0, effect > 0
    assert x["shape"] == "increasing" and x["shape_test"]["p"] > 0.05
    (line,) = [line for line in lines_about(section(markdown, "## Executive summary"), "x")]
    assert "**`x`**: larger values are better" in line


def test_noise_has_no_shape(tmp_path: Path) -> None:
    document, markdown, _, _ = report(tmp_path, noise, "maximize")
    x = row(document, "x")
    assert x["tier"] == "not enough evidence" and x["shape"] == "none"
    for line in lines_about(section(markdown, "## Executive summary"), "x"):
        assert re.search(r"(?<!the estimate says )(larger|smaller) values are better", line) is None


def test_trend_at_the_bound_extends_it_in_the_aggressive_config(tmp_path: Path) -> None:
    document, markdown, version, _ = report(tmp_path, depth_trend, "maximize")
    depth = row(document, "depth")
    assert depth["tier"] == "strong" and depth["effect"] > 0.85 and depth["shape"] == "increasing"
    (hit,) = [h for h in document["boundary_hits"] if h["param"] == "depth"]
    # The best trial sits at 6, but only 2 of the 6 elites: not crowded, which alone widened nothing.
    assert (hit["side"], hit["best_in_zone"], hit["crowded"], hit["n_elites_in_zone"]) == ("high", True, False, 2)
    assert hit["suggested_bound"] == 8.0
    aggressive = config_entry(version, "aggressive", "depth")
    assert aggressive["high"] == 8 and aggressive["low"] >= 2
    reason = aggressive["reason"]
    assert "High bound moved from 6 to 8: the trend points beyond it (increasing" in reason
    assert f"n = {depth['n']}" in reason and "q = " in reason and f"{depth['effect']:.4f}"[:5] in reason
    conservative = config_entry(version, "conservative", "depth")
    assert (conservative["low"], conservative["high"]) == (2, 8)
    (line,) = [line for line in lines_about(section(markdown, "## Executive summary"), "depth")]
    assert "**`depth`**: larger values are better" in line and "widen it to 8" in line
    (table_row,) = [r for r in section(markdown, "## Boundary hits").splitlines() if r.startswith("| `depth`")]
    assert table_row.rstrip(" |").endswith("8")


BATCH = CategoricalDistribution([8, 16, 32, 64, 128, 256])


def interior_batch(study: optuna.Study) -> None:
    """48 trials, batch size (ordinal) with accuracy peaking at 32, both extremes worse."""
    rng = np.random.default_rng(4)
    choices = [8, 16, 32, 64, 128, 256]
    for i in range(48):
        batch = choices[i % 6]
        value = 0.8 - 0.04 * (math.log2(batch) - 5) ** 2 + float(rng.normal(0.0, 0.02))
        add(study, {"batch_size": batch}, {"batch_size": BATCH}, value)


def test_ordinal_interior_keeps_the_levels_of_its_best_range(tmp_path: Path) -> None:
    document, markdown, version, _ = report(tmp_path, interior_batch, "maximize")
    batch = row(document, "batch_size")
    t = batch["shape_test"]
    assert batch["kind"] == "ordinal" and batch["shape"] == "interior" and t["best_low"] <= 32 <= t["best_high"]
    aggressive = config_entry(version, "aggressive", "batch_size")
    assert 32 in aggressive["choices"] and 8 not in aggressive["choices"] and 256 not in aggressive["choices"]
    assert "interior optimum" in aggressive["reason"]
    # Elites at 16 and 32 sit in a linear tenth of 8..256 (up to 32.8), but an ordinal's zone is
    # its extreme choice 8: they are not "at the bound 8", and neither config adds the level 4.
    assert [h for h in document["boundary_hits"] if h["param"] == "batch_size" and h["crowded"]] == []
    conservative = config_entry(version, "conservative", "batch_size")
    assert conservative["choices"] == [8, 16, 32, 64, 128, 256]
    assert "widen it to 4" not in section(markdown, "## Executive summary")
    for line in lines_about(section(markdown, "## Executive summary"), "batch_size"):
        assert "larger values are better" not in line and "smaller values are better" not in line
