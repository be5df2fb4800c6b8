"""Parameter importance against the issue's targets (issue 4), with Optuna's evaluators beside.

    .venv/bin/python benchmarks/importance.py            # everything (~4 min; Optuna's fANOVA is most of it)
    .venv/bin/python benchmarks/importance.py --quick    # skips Optuna's fANOVA and the 20,000-trial study

Prints, for each target, the numbers and PASS / FAIL:
1. Ishigami (a=7, b=0.1), 1,000 random trials + two dummy parameters: normalized first-order
   importances within 0.05 of (0.415, 0.585, 0), dummies below 0.02; the same on 200 random
   studies, and how often the 95% intervals cover the truth.
2. Sobol G (a = 0, 1, 4.5, 9, 99 x4): the first four ranked in order; interval coverage.
3. Speed at 2,000 trials x 17 parameters against Optuna's FanovaImportanceEvaluator on the
   same study in the same run (target: 30x faster, intervals included), and 20,000 trials
   under 20 s.
4. A conditional ``depth`` (exists only when encoder_type == cnn): clearly non-zero, branch stated.
5. crypto_xgb.db (ranges change mid-study, parameters absent in most trials), when present.

Timings are wall-clock on whatever machine runs this; on a shared machine they include the
other users' load (the load average is printed first).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import optuna  # noqa: E402
from optuna.importance import FanovaImportanceEvaluator, get_param_importances  # noqa: E402

from generator.analysis.importance import (  # noqa: E402
    FanovaEvaluator,
    PedAnovaEvaluator,
    analyse_importance,
    prepare_input,
)
from generator.config import AnalysisConfig  # noqa: E402
from tests.snapshot_compare import snapshot_of, snapshot_of_study  # noqa: E402
from tests.synthetic import (  # noqa: E402
    conditional_depth_study,
    conditional_depth_truth,
    float_input,
    float_study,
    g_first_order,
    ishigami,
    ishigami_truth,
    seed_space_trials,
    sobol_g,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore")
TMP = Path(tempfile.mkdtemp(prefix="hpo-importance-bench-"))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def timed(fn, repeat: int = 1):
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def optuna_fanova(study: optuna.Study) -> tuple[float, dict[str, float]]:
    return timed(lambda: get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0)))


def ishigami_section(full: bool) -> None:
    print("\n== 1. Ishigami (a=7, b=0.1, x_i ~ U[-pi, pi]), 1,000 random trials + 2 dummies ==")
    x, y = ishigami(1000, np.random.default_rng(0))
    study = float_study(x, y, -math.pi, math.pi)
    data = prepare_input(snapshot_of_study(study, TMP), AnalysisConfig())
    seconds, result = timed(lambda: FanovaEvaluator().evaluate(data))
    truth = ishigami_truth()
    names = ["x1", "x2", "x3", "dummy1", "dummy2"]
    print(f"{'param':8s} {'ours':>7s} {'95% CI':>17s} {'truth':>7s} {'|err|':>7s}")
    errors = []
    for name, i, t in zip(names, result.importances, truth, strict=True):
        errors.append(abs(i.importance - t))
        print(f"{name:8s} {i.importance:7.3f} [{i.ci_low:6.3f}, {i.ci_high:6.3f}] {t:7.3f} {errors[-1]:7.3f}")
    dummies = [i.importance for i in result.importances[3:]]
    print(f"ours: {seconds:.2f} s with 400 bootstrap replicates; surrogate GCV R2 {result.summary.fit_r2:.3f}")
    print(
        f"target |err| <= 0.05 on x1..x3: max {max(errors[:3]):.3f} {verdict(max(errors[:3]) <= 0.05)}; "
        f"dummies < 0.02: max {max(dummies):.4f} {verdict(max(dummies) < 0.02)}"
    )
    strongest = result.interactions[0]
    label = dict(zip([f"x{k}" for k in range(5)], names, strict=True))
    print(
        f"strongest pair: {label[strongest.param_a]} x {label[strongest.param_b]} = {strongest.strength:.3f} "
        f"[{strongest.ci_low:.3f}, {strongest.ci_high:.3f}] (truth: x1 x x3, S13 = 0.244); next "
        f"{max(i.strength for i in result.interactions[1:]):.3f}"
    )
    if full:
        seconds, theirs = optuna_fanova(study)
        values = np.array([theirs.get(f"x{k}", 0.0) for k in range(5)])
        print(
            f"Optuna FanovaImportanceEvaluator: {np.round(values, 3).tolist()} max |err| "
            f"{np.abs(values - truth).max():.3f}, {seconds:.1f} s"
        )
    repeated("Ishigami", ishigami, truth, -math.pi, math.pi, names)


def repeated(
    label: str, make, truth: np.ndarray, low: float, high: float, names: list[str], studies: int = 200
) -> None:
    evaluator = FanovaEvaluator(interaction_params=0)
    errors, covered, zero_reached = [], [], []
    for seed in range(studies):
        x, y = make(1000, np.random.default_rng(10_000 + seed))
        result = evaluator.evaluate(float_input(x, y, low, high, seed=seed))
        estimate = np.array([i.importance for i in result.importances])
        errors.append(np.abs(estimate - truth)[truth > 0.001].max())
        covered.append([i.ci_low <= t <= i.ci_high for i, t in zip(result.importances, truth, strict=True)])
        zero_reached.extend(i.ci_low == 0.0 for i, t in zip(result.importances, truth, strict=True) if t <= 0.001)
    errors_arr, cover = np.array(errors), np.array(covered)
    print(
        f"{label} on {studies} more random studies of 1,000 trials: max |err| over non-zero truths "
        f"mean {errors_arr.mean():.3f}, 90th pct {np.quantile(errors_arr, 0.9):.3f}, max {errors_arr.max():.3f} "
        f"({(errors_arr > 0.05).sum()} of {studies} above 0.05)"
    )
    shown = [f"{n} {c:.2f}" for n, c, t in zip(names, cover.mean(axis=0), truth, strict=True) if t > 0.001]
    print(
        f"95% interval coverage of non-zero truths: {', '.join(shown)} (all: {cover[:, truth > 0.001].mean():.3f}); "
        f"intervals of zero truths reaching 0: {np.mean(zero_reached):.3f}"
    )


def g_section() -> None:
    print("\n== 2. Sobol G (a = 0, 1, 4.5, 9, 99, 99, 99, 99), 1,000 random trials ==")
    truth = g_first_order()
    normalized = truth / truth.sum()
    x, y = sobol_g(1000, np.random.default_rng(0))
    data = prepare_input(snapshot_of_study(float_study(x, y, 0.0, 1.0), TMP), AnalysisConfig())
    result = FanovaEvaluator().evaluate(data)
    print(f"{'param':5s} {'ours':>7s} {'95% CI':>17s} {'truth S':>8s} {'normalized':>10s}")
    for k, (i, t) in enumerate(zip(result.importances, truth, strict=True)):
        print(f"x{k + 1:<4d} {i.importance:7.4f} [{i.ci_low:6.4f}, {i.ci_high:6.4f}] {t:8.4f} {normalized[k]:10.4f}")
    order = np.argsort([-i.importance for i in result.importances], kind="stable")[:4]
    print(f"ranking of the first four: {[f'x{k + 1}' for k in order]} {verdict(order.tolist() == [0, 1, 2, 3])}")
    repeated("G", sobol_g, normalized, 0.0, 1.0, [f"x{k + 1}" for k in range(8)])


def speed_section(n: int, full: bool, repeat: int) -> None:
    print(
        f"\n== 3. Speed: {n:,} random trials x 17 parameters (continuous, log, integer, ordinal, categorical, boolean) =="
    )
    study = optuna.create_study(direction="maximize", study_name=f"speed{n}")
    study.add_trials(seed_space_trials(n, np.random.default_rng(0)))
    snapshot = snapshot_of_study(study, TMP)
    config = AnalysisConfig()
    prep, data = timed(lambda: prepare_input(snapshot, config), repeat)
    ours, result = timed(lambda: FanovaEvaluator().evaluate(data), repeat)
    ped, _ = timed(
        lambda: PedAnovaEvaluator(quantile=config.elite_quantile, resamples=config.top_quantile_resamples).evaluate(
            data
        )
    )
    total, _ = timed(lambda: analyse_importance(prepare_input(snapshot, config)))
    print(f"prepare_input (finite values + param_specs + encoding): {prep:.2f} s")
    print(f"fanova, 400 bootstrap replicates + pairwise interactions: {ours:.2f} s (best of {repeat})")
    print(f"ped_anova, top 25% (Optuna's evaluator, 1 full + 30 subsample runs): {ped:.2f} s")
    print(f"analyse_importance, everything the report runs: {total:.2f} s")
    top = sorted(result.importances, key=lambda i: -i.importance)[:5]
    print("top 5: " + ", ".join(f"{i.param} {i.importance:.3f} [{i.ci_low:.3f}, {i.ci_high:.3f}]" for i in top))
    if n >= 20_000:
        spent = prep + ours
        print(
            f"target < 20 s at 20,000 trials: fanova incl. intervals + prepare {spent:.2f} s {verdict(spent < 20)}; "
            f"everything incl. PED-ANOVA {total:.2f} s {verdict(total < 20)}"
        )
    elif full:
        theirs, _ = optuna_fanova(study)
        print(f"Optuna FanovaImportanceEvaluator (64 trees, no intervals): {theirs:.1f} s")
        print(
            f"speed-up, fanova with intervals: {theirs / ours:.0f}x; with prepare_input too: {theirs / (ours + prep):.0f}x "
            f"(target 30x) {verdict(theirs / (ours + prep) >= 30)}"
        )


def conditional_section(full: bool) -> None:
    print("\n== 4. Conditional: depth exists only when encoder_type == cnn (400 random trials) ==")
    study = conditional_depth_study(400, np.random.default_rng(5))
    data = prepare_input(snapshot_of_study(study, TMP), AnalysisConfig())
    ours = FanovaEvaluator().evaluate(data)
    top = PedAnovaEvaluator(quantile=0.25).evaluate(data)
    truth = conditional_depth_truth()
    tops = {i.param: i for i in top.importances}
    print(
        f"{'param':13s} {'branch':24s} {'n':>4s} {'ours':>7s} {'95% CI':>17s} {'truth':>6s} {'top 25% (PED-ANOVA)':>22s}"
    )
    for i in sorted(ours.importances, key=lambda i: -i.importance):
        branch = f"{i.condition.parent} == {i.condition.value}" if i.condition else "always"
        t = tops[i.param]
        print(
            f"{i.param:13s} {branch:24s} {i.n:4d} {i.importance:7.3f} [{i.ci_low:6.3f}, {i.ci_high:6.3f}] {truth[i.param]:6.3f} "
            f"{t.importance:7.3f} [{t.ci_low:.3f}, {t.ci_high:.3f}]"
        )
    depth = next(i for i in ours.importances if i.param == "depth")
    print(
        f"depth clearly non-zero with its branch stated: {verdict(depth.ci_low > 0.1 and depth.condition is not None)}"
    )
    if full:
        seconds, theirs = optuna_fanova(study)
        shown = ", ".join(f"{k} {float(v):.3f}" for k, v in theirs.items())
        print(
            f"Optuna FanovaImportanceEvaluator: {shown} ({seconds:.1f} s): depth "
            f"{'missing' if 'depth' not in theirs else 'present'}"
        )


def crypto_section() -> None:
    path = REPO.parent / "shared" / "studies" / "crypto_xgb.db"
    if not path.is_file():
        print("\n== 5. crypto_xgb.db: absent, skipped ==")
        return
    print("\n== 5. crypto_xgb.db: ranges change mid-study; each trial has 2 of the 6 parameters ==")
    snapshot = snapshot_of(str(path), "xgboost", TMP)
    seconds, analysis = timed(lambda: analyse_importance(prepare_input(snapshot, AnalysisConfig())))
    for method in ("fanova", "ped_anova"):
        rows = sorted((i for i in analysis.importance if i.method == method), key=lambda i: -i.importance)
        print(
            f"{method}: "
            + ", ".join(f"{i.param} {i.importance:.3f} [{i.ci_low:.3f}, {i.ci_high:.3f}] (n={i.n})" for i in rows)
        )
    print(f"({seconds:.2f} s). Optuna's evaluators use only parameters present in every trial: here none.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip Optuna's fANOVA runs and the 20,000-trial study")
    args = parser.parse_args()
    full = not args.quick
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min); "
        f"Optuna {optuna.__version__}"
    )
    ishigami_section(full)
    g_section()
    speed_section(2_000, full, repeat=3)
    if full:
        speed_section(20_000, full, repeat=1)
    conditional_section(full)
    crypto_section()
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
