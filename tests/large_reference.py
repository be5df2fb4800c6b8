"""The findings of the 2,000-trial large study (``tests/large_study.py``), compacted, and the rule
they are compared by: the reference that speed work on issue 16 is checked against.

``compact(findings)`` flattens what a reader acts on into ``{key: value}``: tiers, q, effects and
their intervals per parameter, importance per method, elite and boundary tests, next-sweep
decisions, warnings, the summary and compute numbers. ``monte_carlo(findings)`` names the keys
whose value comes from a random procedure (a bootstrap, a random forest, sampled configurations)
together with the width of the interval that carries its uncertainty.

The comparison (``differences``):

* every key of the reference exists in the new findings and no key is new;
* strings, booleans and nulls (tiers, tests, actions, warning codes, which parameter is fixed)
  are equal;
* numbers that are deterministic (counts, p and q values, rank correlations and their Fisher-z
  intervals, epsilon squared, next-sweep bounds) agree to 1e-9 relative: findings.json rounds to
  12 significant digits, so only an actual change of result breaks this;
* a Monte Carlo number (a bootstrap interval's endpoints, a forest's importance and its interval,
  the expected gain) lies within a quarter of its reference interval's width, or within the
  key's absolute floor when that is larger. A 95 % interval spans about 3.92 standard errors of
  its estimate, so a quarter of it is about one standard error, which is the size of the change
  a different random stream or a different but equivalent resampling scheme makes; a percentile
  endpoint's own Monte Carlo standard error is about 0.68 x width / sqrt(B), 0.05 x width at the
  smallest B used here (200), so the rule is five of them. The floors (1e-3 on importance
  shares, 1e-4 on effect sizes and objective values) keep intervals of width ~0 from demanding
  bit-equality;
* a fit quality of a random forest (``cv_r2``, ``fit_r2``) lies within 0.02.

Run ``python tests/large_reference.py`` from the repository root to rewrite
``tests/data/large_2000_reference.json`` from the current code (only when a change of findings
is intended, and say so in the commit).
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "data" / "large_2000_reference.json"
N_TRIALS = 2000

# Interval methods computed by formula (no resampling): their endpoints are compared exactly.
ANALYTIC_CI = {"fisher_z", "mann_whitney_score"}
QUARTER = 0.25
R2_TOLERANCE = 0.02
IMPORTANCE_FLOOR = 1e-3
VALUE_FLOOR = 1e-4
RELATIVE = 1e-9


def _put(flat: dict[str, Any], prefix: str, record: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        flat[f"{prefix}/{key}"] = record.get(key)


def _steps(flat: dict[str, Any], prefix: str, steps: list[dict[str, Any]]) -> None:
    for i, step in enumerate(steps):
        flat[f"{prefix}/steps/{i}/rule"] = step["rule"]
        for key, value in sorted(step.get("values", {}).items()):
            flat[f"{prefix}/steps/{i}/{key}"] = value if not isinstance(value, list) else json.dumps(value)


def compact(f: dict[str, Any]) -> dict[str, Any]:
    """What a reader of the report acts on, flattened to ``{path: scalar}``."""
    flat: dict[str, Any] = {}
    for key, value in sorted(f["study"]["n_trials"].items()):
        flat[f"n_trials/{key}"] = value
    summary = f["summary"]
    _put(flat, "summary", summary, ("n", "mean", "median", "std", "q1", "q3", "iqr", "n_with_intermediate"))
    _put(flat, "summary", summary, ("median_trial_time_s", "total_trial_time_s", "wall_clock_s"))
    flat["summary/best/number"] = summary["best"]["number"]
    flat["summary/best/value"] = summary["best"]["value"]
    flat["summary/worst/value"] = summary["worst"]["value"]
    for key, value in sorted(f["significance"].items()):
        flat[f"significance/{key}"] = value
    for d in f["directionality"]:
        p = f"directionality/{d['param']}"
        _put(flat, p, d, ("kind", "test", "n", "p", "q", "tier", "q_tier", "effect", "effect_measure", "statistic"))
        _put(flat, p, d, ("ci_low", "ci_high", "interval_disagrees", "shape", "mean_diff"))
        if d["ci_method"] in ANALYTIC_CI or d["ci_low"] is None:
            flat[f"{p}/ci_method"] = d["ci_method"]
        if d.get("shape_test"):
            _put(flat, f"{p}/shape_test", d["shape_test"], ("p", "q", "peak", "best_low", "best_high"))
        for post in d.get("posthoc") or []:
            _put(flat, f"{p}/posthoc/{post['level_a']}|{post['level_b']}", post, ("p", "q", "effect"))
    elites = f["elites"]
    _put(flat, "elites", elites, ("n_complete", "n_elites", "threshold"))
    for level in elites["levels"]:
        _put(flat, f"elites/{level['param']}={level['level']}", level, ("n_elite", "p", "q", "tier", "odds_ratio"))
    for r in elites["ranges"]:
        _put(flat, f"elites/range/{r['param']}", r, ("elite_min", "elite_max"))
    for hit in f["boundary_hits"]:
        p = f"boundary/{hit['param']}/{hit['side']}"
        _put(flat, p, hit, ("crowded", "best_in_zone", "n_elites_in_zone", "p_enrichment", "zone_edge"))
        _put(flat, p, hit, ("suggested_bound",))
    flat["boundary/params"] = ",".join(f"{h['param']}/{h['side']}" for h in f["boundary_hits"])
    for i in f["importance"]:
        _put(flat, f"importance/{i['method']}/{i['param']}", i, ("importance", "ci_low", "ci_high", "n"))
    for i in f["interactions"]:
        _put(flat, f"interactions/{i['method']}/{i['param_a']}|{i['param_b']}", i, ("strength", "ci_low", "ci_high"))
    for m in f["importance_methods"]:
        _put(flat, f"importance_methods/{m['method']}", m, ("n", "interval", "resamples", "cv_r2", "fit_r2", "skipped"))
    flat["warnings"] = json.dumps([[w["code"], w["severity"], w["params"]] for w in f["warnings"]])
    flat["executive_summary"] = json.dumps([[h["kind"], h["params"]] for h in f["executive_summary"]])
    flat["influence"] = json.dumps([[i.get("param"), i.get("kind")] for i in f["influence"]])
    sweep = f["next_sweep"]
    for name in ("aggressive", "conservative"):
        config = sweep[name]
        flat[f"next_sweep/{name}/n_trials"] = config["n_trials"]
        for param in config["params"]:
            p = f"next_sweep/{name}/{param['name']}"
            _put(flat, p, param, ("action", "tier", "dist", "low", "high", "log", "step", "value"))
            flat[f"{p}/choices"] = json.dumps(param["choices"])
            _steps(flat, p, param["steps"])
    gain = sweep["expected_gain"]
    _put(flat, "expected_gain", gain, ("trustworthy", "n", "cv_r2", "skipped"))
    for estimate in gain["estimates"]:
        p = f"expected_gain/{estimate['space']}"
        _put(flat, p, estimate, ("mean", "mean_low", "mean_high", "top", "top_low", "top_high", "share_clipped"))
        _put(flat, p, estimate, ("gain_mean", "gain_mean_low", "gain_mean_high", "gain_top", "gain_top_low"))
        _put(flat, p, estimate, ("gain_top_high",))
    curves = f["learning_curves"]
    _put(flat, "learning_curves", curves, ("recommended_steps", "recommended_open", "under_trained", "saved_share"))
    _put(flat, "learning_curves", curves, ("steps_saved_by_pruning", "median_step_95_elites", "trials_with_curves"))
    _put(flat, "learning_curves/elites_still_improving", curves["elites_still_improving"], ("count", "of"))
    for key, value in sorted(f["compute"].items()):
        if not isinstance(value, list | dict):
            flat[f"compute/{key}"] = value
    return flat


def monte_carlo(f: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The Monte Carlo keys of ``compact(f)`` and their tolerance: ``{"width": w, "floor": a}``
    (within max(QUARTER * w, a)) or ``{"abs": a}``."""
    tolerant: dict[str, dict[str, float]] = {}

    def interval(keys: list[str], low: Any, high: Any, floor: float) -> None:
        if low is None or high is None:
            return
        for key in keys:
            tolerant[key] = {"width": float(high) - float(low), "floor": floor}

    for d in f["directionality"]:
        if d["ci_low"] is not None and d["ci_method"] not in ANALYTIC_CI:
            p = f"directionality/{d['param']}"
            interval([f"{p}/ci_low", f"{p}/ci_high"], d["ci_low"], d["ci_high"], VALUE_FLOOR)
    for i in f["importance"]:
        p = f"importance/{i['method']}/{i['param']}"
        interval([f"{p}/{k}" for k in ("importance", "ci_low", "ci_high")], i["ci_low"], i["ci_high"], IMPORTANCE_FLOOR)
    for i in f["interactions"]:
        p = f"interactions/{i['method']}/{i['param_a']}|{i['param_b']}"
        interval([f"{p}/{k}" for k in ("strength", "ci_low", "ci_high")], i["ci_low"], i["ci_high"], IMPORTANCE_FLOOR)
    for m in f["importance_methods"]:
        for key in ("cv_r2", "fit_r2"):
            if m.get(key) is not None:
                tolerant[f"importance_methods/{m['method']}/{key}"] = {"abs": R2_TOLERANCE}
    gain = f["next_sweep"]["expected_gain"]
    if gain.get("cv_r2") is not None:
        tolerant["expected_gain/cv_r2"] = {"abs": R2_TOLERANCE}
    for estimate in gain["estimates"]:
        p = f"expected_gain/{estimate['space']}"
        for name in ("mean", "top", "gain_mean", "gain_top"):
            keys = [f"{p}/{name}", f"{p}/{name}_low", f"{p}/{name}_high"]
            interval(keys, estimate.get(f"{name}_low"), estimate.get(f"{name}_high"), VALUE_FLOOR)
        # a share of sampled configurations: binomial Monte Carlo error of 2,000 draws
        tolerant[f"{p}/share_clipped"] = {"abs": 0.05}
    return tolerant


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def differences(reference: dict[str, Any], findings: dict[str, Any]) -> list[str]:
    """Every way ``findings`` departs from ``reference`` (empty when it keeps to the rule above)."""
    expected, tolerant = reference["values"], reference["monte_carlo"]
    actual = compact(findings)
    found = [f"missing: {k}" for k in sorted(expected.keys() - actual.keys())]
    found += [f"new: {k} = {actual[k]!r}" for k in sorted(actual.keys() - expected.keys())]
    for key in sorted(expected.keys() & actual.keys()):
        want, got = expected[key], actual[key]
        if not (_number(want) and _number(got)):
            if want != got:
                found.append(f"{key}: {got!r}, reference {want!r}")
            continue
        rule = tolerant.get(key)
        if rule is None:
            allowed = RELATIVE * max(abs(want), abs(got), 1e-3)
        elif "abs" in rule:
            allowed = rule["abs"]
        else:
            allowed = max(QUARTER * rule["width"], rule["floor"])
        if not math.isclose(want, got, rel_tol=0, abs_tol=allowed):
            found.append(f"{key}: {got!r}, reference {want!r} (allowed +-{allowed:.3g})")
    return found


def report_findings(storage: Path, out: Path) -> dict[str, Any]:
    """generate-report from end to end on ``storage``; the findings.json it wrote."""
    from generator.cli import main

    assert main(["--storage", str(storage), "--out", str(out), "--quiet"]) == 0
    (path,) = (out / "report").glob("*/*/findings.json")
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    from tests.large_study import build_bulk

    with tempfile.TemporaryDirectory(prefix="hpo-large-reference-") as scratch:
        storage = Path(scratch) / "large.db"
        build_bulk(storage, N_TRIALS)
        findings = report_findings(storage, Path(scratch) / "out")
    reference = {
        "about": "tests/large_reference.py: compacted findings of the 2,000-trial large study (tests/large_study.py)",
        "n_trials": N_TRIALS,
        "values": compact(findings),
        "monte_carlo": monte_carlo(findings),
    }
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(Path.cwd())}: {len(reference['values'])} values")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
