"""What the trials carry beside the objective value: baseline, per-class accuracy, champion, cost.

The seed report asked whether 28.6% was low against a 9-class chance level of 11.1%, which
categories were impossible, and whether the champion holds up when trained to convergence.
Studies written by ``trainer/`` (and many user objectives) already record the answers as user
attributes; this module reads them from the snapshot and states them with their n:

- the best value against the chance baseline (``baseline.py``), with the ratio;
- per-class accuracy (trial attribute ``per_class_acc``: a {class: accuracy} map, or a list in
  the order of the study attribute ``class_names``) of the best trial and over the trials and
  elites. A class is *learned* by a trial when its accuracy is above ``1 / n_classes``, the
  per-class accuracy (recall) of guessing uniformly; ``never_learned`` classes are at or
  below that in every reporting trial, ``sometimes_learned`` ones above it in some but not all;
- the champion's retraining over seeds (study attribute ``champion_validation``, written by
  ``trainer/champion.py``): mean test score, its sample std and 95% t-interval, beside the
  sweep's validation score of that trial. The trial was selected on that score, so the score is
  optimistic (winner's curse); the gap says by how much, once training length is the same;
- cost against quality: parameter count and throughput against the objective (Spearman with
  its Fisher-z interval), and the cheapest trial within ``NEAR_BEST`` of the best value;
- every numeric user attribute the complete trials share, correlated with the objective:
  Spearman, p, Fisher-z interval, corrected as its own family.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from generator.analysis.baseline import chance_baseline, performance
from generator.analysis.correction import adjust, tier
from generator.analysis.frames import best_first, direction_sign
from generator.analysis.rank_tests import kruskal_test, spearman_test, two_sample_test
from generator.analysis.sample import AnalysedSample
from generator.model.findings import Finding
from generator.model.trial_attrs import (
    AttributeCorrelation,
    BaselineComparison,
    ChampionScore,
    ClassAccuracy,
    ClassDependence,
    ClassLevel,
    CostQuality,
    PerClass,
    TrialAttributes,
)
from generator.model.vocabulary import Severity, Tier, WarningCode
from generator.snapshot.load import Snapshot

PER_CLASS_ATTR = "per_class_acc"
CLASS_NAMES_ATTR = "class_names"
CHAMPION_ATTR = "champion_validation"
COST_ATTRS = {"n_params": "lower", "train_samples_per_s": "higher", "seconds": "lower"}
"""Trial user attributes that measure cost, and which values of each are cheaper."""
NEAR_BEST = 0.02
"""A trial is near-best when its value is within this fraction of |best| of the best value."""
MIN_SHARED = 0.5
"""A numeric user attribute is correlated when at least this share of the complete trials holds it."""
MIN_CORRELATION_N = 5
"""... and at least this many trials (Fisher's z interval needs n >= 4; an exact p needs a few more)."""
BOOKKEEPING_ATTRS = frozenset({"worker_pid", "budget_slot"})
"""Numeric attributes that only identify a process or a queue slot: correlating them says nothing."""
CONFIDENCE = 0.95
MIN_LEVEL_TRIALS = 2
"""A level enters a class x parameter test when at least this many reporting trials use it."""


def trial_attributes(
    snapshot: Snapshot,
    sample: AnalysedSample,
    study_attrs: dict[str, Any],
    correction: str,
    alpha: float,
    suggestive_alpha: float,
    baseline_flag: float | None = None,
) -> TrialAttributes | None:
    """Everything above that the study records; None when it records none of it. The trials
    are the study sample's; ``snapshot`` holds their user attributes."""
    direction = sample.direction
    values = best_first(sample.values, direction)
    attrs = user_attrs_by_trial(snapshot, values["number"].tolist())
    best_number = int(values["number"].iloc[0]) if len(values) else None
    elites = sample.elites
    names = _class_names(study_attrs.get(CLASS_NAMES_ATTR))
    correlations = attribute_correlations(values, attrs, direction, correction, alpha, suggestive_alpha)
    result = TrialAttributes(
        baseline=baseline_comparison(values, study_attrs, direction, baseline_flag),
        class_names=names,
        per_class=per_class(
            values,
            attrs,
            names,
            elites,
            best_number,
            # read only when some trial records per-class accuracy (large studies rarely do)
            categorical_params(snapshot, values["number"].tolist())
            if any(PER_CLASS_ATTR in a for a in attrs.values())
            else {},
            (correction, alpha, suggestive_alpha),
        ),
        champion=champion_score(study_attrs.get(CHAMPION_ATTR), attrs, study_attrs),
        cost=cost_quality(values, attrs, direction, correlations),
        correlations=correlations,
        correction=correction,
    )
    empty = TrialAttributes(correction=correction)
    return None if result == empty else result


def user_attrs_by_trial(snapshot: Snapshot, numbers: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The user attributes of the given trials, decoded: {number: {key: value}}."""
    table = snapshot.trial_attrs
    wanted = set(numbers)
    out: dict[int, dict[str, Any]] = {int(n): {} for n in numbers}
    if table.empty:
        return out
    rows = table.loc[(table["kind"] == "user") & table["number"].isin(wanted), ["number", "key", "value_json"]]
    for number, key, value in rows.itertuples(index=False):
        out[int(number)][str(key)] = json.loads(value)
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _class_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()


def baseline_comparison(
    values: pd.DataFrame, study_attrs: dict[str, Any], direction: str, flag: float | None
) -> BaselineComparison | None:
    baseline = chance_baseline(flag, study_attrs, direction)
    if baseline is None or values.empty:
        return None
    raw = values["value"].to_numpy(dtype=float)
    best = float(raw[0])
    perf = performance(best, float(raw.min()), float(raw.max()), baseline, direction)
    if perf is None:
        return None
    better = best > baseline.value if direction == "maximize" else best < baseline.value
    return BaselineComparison(
        best, baseline.value, baseline.source, perf.ratio, perf.headroom_used, better, perf.low, len(raw)
    )


def _class_accuracies(value: Any, names: tuple[str, ...]) -> dict[str, float] | None:
    """{class: accuracy} from a map or from a list aligned with ``names`` (else numbered)."""
    if isinstance(value, dict):
        out = {str(k): _number(v) for k, v in value.items()}
    elif isinstance(value, list):
        keys = names if len(names) == len(value) else tuple(str(i) for i in range(len(value)))
        out = {k: _number(v) for k, v in zip(keys, value, strict=True)}
    else:
        return None
    clean = {k: v for k, v in out.items() if v is not None}
    return clean or None


def categorical_params(snapshot: Snapshot, numbers: Sequence[int]) -> dict[str, dict[int, str]]:
    """{param: {trial: value as JSON}} for parameters with a categorical distribution."""
    table = snapshot.params
    if table.empty:
        return {}
    rows = table.loc[(table["dist_type"] == "categorical") & table["number"].isin(set(numbers))]
    out: dict[str, dict[int, str]] = {}
    for number, name, value in rows[["number", "name", "value_json"]].itertuples(index=False):
        out.setdefault(str(name), {})[int(number)] = str(value)
    return dict(sorted(out.items()))


def class_dependence(
    by_trial: dict[int, dict[str, float]],
    order: list[str],
    chance: float,
    params: dict[str, dict[int, str]],
    policy: tuple[str, float, float],
) -> tuple[ClassDependence, ...]:
    """Per class and categorical parameter: does the class's accuracy differ between levels?"""
    correction, alpha, suggestive_alpha = policy
    found: list[dict[str, Any]] = []
    for name in order:
        for param, levels_of in params.items():
            groups: dict[str, list[float]] = {}
            for number, level in levels_of.items():
                if number in by_trial and name in by_trial[number]:
                    groups.setdefault(level, []).append(by_trial[number][name])
            kept = {k: np.array(v, dtype=float) for k, v in groups.items() if len(v) >= MIN_LEVEL_TRIALS}
            if len(kept) < 2 or np.ptp(np.concatenate(list(kept.values()))) == 0:
                continue
            keys = list(kept)
            levels = tuple(
                ClassLevel(json.loads(k), len(a), float(np.median(a)), int(np.sum(a > chance))) for k, a in kept.items()
            )
            row: dict[str, Any] = {"name": name, "param": param, "n": sum(len(a) for a in kept.values())}
            if len(keys) == 2:
                with warnings.catch_warnings():
                    # scipy's Welch interval of the mean difference (unused here) warns on near-equal data
                    warnings.simplefilter("ignore", RuntimeWarning)
                    two = two_sample_test(kept[keys[0]], kept[keys[1]])
                row.update(
                    test="mann_whitney",
                    statistic=two.u,
                    p=two.p,
                    p_method=two.p_method,
                    effect_measure="rank_biserial",
                    effect=two.rank_biserial,
                    ci_low=two.ci.low if two.ci else None,
                    ci_high=two.ci.high if two.ci else None,
                    level_a=levels[0].level,
                    level_b=levels[1].level,
                )
            else:
                k = kruskal_test(list(kept.values()), 0, np.random.default_rng(0))
                row.update(
                    test="kruskal_wallis",
                    statistic=k.h,
                    p=k.p,
                    p_method=k.p_method,
                    effect_measure="epsilon_squared",
                    effect=k.epsilon_squared,
                    ci_low=None,
                    ci_high=None,
                )
            row["levels"] = levels
            found.append(row)
    q = adjust([r["p"] for r in found], correction)
    out = []
    for r, qq in zip(found, q, strict=True):
        level = tier(float(qq), alpha, suggestive_alpha)
        if r["effect_measure"] == "rank_biserial" and level in (Tier.STRONG, Tier.SUGGESTIVE):
            if r["ci_low"] is None or r["ci_low"] <= 0 <= r["ci_high"]:
                level = Tier.NOT_ENOUGH_EVIDENCE  # q and interval must agree before a finding is tiered
        out.append(ClassDependence(q=float(qq), tier=level, **r))
    return tuple(sorted(out, key=lambda d: (d.q, d.p, order.index(d.name), d.param)))


def per_class(
    values: pd.DataFrame,
    attrs: dict[int, dict[str, Any]],
    names: tuple[str, ...],
    elites: frozenset[int],
    best_number: int | None,
    params: dict[str, dict[int, str]] | None = None,
    policy: tuple[str, float, float] = ("holm", 0.05, 0.10),
) -> PerClass | None:
    by_trial = {}
    for number in values["number"].tolist():
        accuracies = _class_accuracies(attrs[int(number)].get(PER_CLASS_ATTR), names)
        if accuracies is not None:
            by_trial[int(number)] = accuracies
    if not by_trial:
        return None
    order = list(names)
    for accuracies in by_trial.values():
        order += [k for k in accuracies if k not in order]
    chance = 1.0 / len(order)
    best = by_trial.get(best_number) if best_number is not None else None
    rows = []
    for name in order:
        seen = {n: a[name] for n, a in by_trial.items() if name in a}
        if not seen:
            continue
        all_acc = np.array(list(seen.values()), dtype=float)
        elite_acc = np.array([a for n, a in seen.items() if n in elites], dtype=float)
        above = int(np.sum(all_acc > chance))
        learned = "none" if above == 0 else "all" if above == len(all_acc) else "some"
        rows.append(
            ClassAccuracy(
                name=name,
                best=best.get(name) if best is not None else None,
                n=len(all_acc),
                min=float(all_acc.min()),
                median=float(np.median(all_acc)),
                max=float(all_acc.max()),
                n_above_chance=above,
                n_elites=len(elite_acc),
                elite_min=float(elite_acc.min()) if len(elite_acc) else None,
                elite_median=float(np.median(elite_acc)) if len(elite_acc) else None,
                elite_max=float(elite_acc.max()) if len(elite_acc) else None,
                n_elites_above_chance=int(np.sum(elite_acc > chance)),
                learned=learned,
            )
        )
    return PerClass(
        attr=PER_CLASS_ATTR,
        class_names=tuple(order),
        class_chance=chance,
        best_number=best_number if best is not None else None,
        n=len(by_trial),
        n_elites=sum(1 for n in by_trial if n in elites),
        classes=tuple(rows),
        never_learned=tuple(r.name for r in rows if r.learned == "none"),
        sometimes_learned=tuple(r.name for r in rows if r.learned == "some"),
        by_config=class_dependence(by_trial, [r.name for r in rows], chance, params or {}, policy),
    )


def _t_interval(mean: float, std: float, n: int) -> tuple[float | None, float | None]:
    if n < 2:
        return None, None
    if std == 0:
        return mean, mean
    low, high = stats.t.interval(CONFIDENCE, n - 1, loc=mean, scale=std / math.sqrt(n))
    return float(low), float(high)


def _spread(record: Any) -> tuple[float, float | None, int] | None:
    """(mean, std, n) of a {mean, std, n} record."""
    if not isinstance(record, dict):
        return None
    mean, std, n = _number(record.get("mean")), _number(record.get("std")), record.get("n")
    if mean is None or not isinstance(n, int) or isinstance(n, bool) or n < 1:
        return None
    return mean, (std if n > 1 else None), n


def champion_score(record: Any, attrs: dict[int, dict[str, Any]], study_attrs: dict[str, Any]) -> ChampionScore | None:
    """The champion's test score over seeds: recomputed from its runs when they are recorded,
    else taken from its {mean, std, n} summary."""
    if not isinstance(record, dict):
        return None
    runs = record.get("runs")
    scores = []
    if isinstance(runs, list):
        scores = [s for s in (_number(r.get("test_acc")) for r in runs if isinstance(r, dict)) if s is not None]
    if scores:
        test = np.array(scores, dtype=float)
        n, mean = len(test), float(test.mean())
        std = float(test.std(ddof=1)) if n > 1 else None
        low_high: tuple[float | None, float | None] = (float(test.min()), float(test.max()))
        source = "runs"
    else:
        spread = _spread(record.get("test_acc"))
        if spread is None:
            return None
        mean, std, n = spread
        low_high = (_number(record["test_acc"].get("min")), _number(record["test_acc"].get("max")))
        source = "summary"
    ci = _t_interval(mean, std, n) if std is not None else (None, None)
    trial = record.get("trial") if isinstance(record.get("trial"), int) else None
    trial_value = _number(record.get("trial_value"))
    epochs = record.get("epochs") if isinstance(record.get("epochs"), int) else None
    sweep_epochs = None
    if trial is not None and trial in attrs:
        run = attrs[trial].get("epochs_run")
        sweep_epochs = run if isinstance(run, int) and not isinstance(run, bool) else None
    same = None if epochs is None or sweep_epochs is None else epochs == sweep_epochs
    val = _spread(record.get("val_acc"))
    gap = mean - trial_value if trial_value is not None else None
    gap_ci = (
        (ci[0] - trial_value, ci[1] - trial_value)
        if gap is not None and ci[0] is not None and ci[1] is not None and trial_value is not None
        else (None, None)
    )
    baseline = _number(record.get("baseline"))
    if baseline is None:
        baseline = _number(study_attrs.get("baseline"))
    return ChampionScore(
        trial=trial,
        trial_value=trial_value,
        epochs=epochs,
        sweep_epochs=sweep_epochs,
        n=n,
        test_mean=mean,
        test_std=std,
        test_ci_low=ci[0],
        test_ci_high=ci[1],
        test_min=low_high[0],
        test_max=low_high[1],
        val_mean=val[0] if val else None,
        val_std=val[1] if val else None,
        val_n=val[2] if val else None,
        gap=gap,
        gap_ci_low=gap_ci[0],
        gap_ci_high=gap_ci[1],
        same_training=same,
        baseline=baseline,
        source=source,
        test_per_class=_class_accuracies(record.get("test_per_class_acc"), _class_names(record.get("class_names"))),
    )


def _numeric_attrs(values: pd.DataFrame, attrs: dict[int, dict[str, Any]]) -> dict[str, dict[int, float]]:
    """{attr: {trial: value}} for numeric scalar attributes shared by MIN_SHARED of the trials."""
    found: dict[str, dict[int, float]] = {}
    for number in values["number"].tolist():
        for key, value in attrs[int(number)].items():
            x = _number(value)
            if x is not None and key not in BOOKKEEPING_ATTRS:
                found.setdefault(key, {})[int(number)] = x
    n = len(values)
    return {
        key: seen
        for key, seen in sorted(found.items())
        if len(seen) >= max(MIN_CORRELATION_N, math.ceil(MIN_SHARED * n - 1e-9))
    }


def _is_objective(x: np.ndarray, y: np.ndarray) -> bool:
    """The attribute is the objective itself, or an exact linear function of it (a copy, the
    negated value, an error rate 1 - accuracy): its correlation would only restate the objective."""
    if np.allclose(x, y, rtol=1e-6, atol=1e-12):
        return True
    if np.ptp(x) == 0 or np.ptp(y) == 0 or len(x) < 3:
        return False
    return bool(abs(np.corrcoef(x, y)[0, 1]) > 1 - 1e-9)


def attribute_correlations(
    values: pd.DataFrame,
    attrs: dict[int, dict[str, Any]],
    direction: str,
    correction: str,
    alpha: float,
    suggestive_alpha: float,
) -> tuple[AttributeCorrelation, ...]:
    """Spearman of each shared numeric attribute against the objective; one correction family."""
    objective = dict(zip(values["number"].astype(int), values["value"].astype(float), strict=True))
    sign = direction_sign(direction)
    rows: list[dict[str, Any]] = []
    for key, seen in _numeric_attrs(values, attrs).items():
        numbers = sorted(seen)
        x = np.array([seen[n] for n in numbers], dtype=float)
        y = np.array([objective[n] for n in numbers], dtype=float)
        if _is_objective(x, y):
            continue
        row: dict[str, Any] = {"attr": key, "n": len(x), "n_missing": len(values) - len(x)}
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            row["untested_reason"] = "constant"
        else:
            test = spearman_test(x, y)
            row.update(rho=sign * test.rho, p=test.p, p_method=test.p_method)
            if test.ci is not None:
                ends = sorted((sign * test.ci.low, sign * test.ci.high))
                row.update(ci_low=ends[0], ci_high=ends[1])
        rows.append(row)
    tested = [r for r in rows if "p" in r]
    for r, q in zip(tested, adjust([r["p"] for r in tested], correction), strict=True):
        r["q"] = float(q)
    out = []
    for r in rows:
        level = tier(r.get("q"), alpha, suggestive_alpha)
        low, high = r.get("ci_low"), r.get("ci_high")
        if level not in (Tier.NOT_ENOUGH_EVIDENCE, Tier.NOT_TESTED) and (
            low is None or high is None or low <= 0 <= high
        ):
            level = Tier.NOT_ENOUGH_EVIDENCE  # q and interval must agree before a finding is tiered
        out.append(
            AttributeCorrelation(
                attr=r["attr"],
                n=r["n"],
                n_missing=r["n_missing"],
                rho=r.get("rho"),
                p=r.get("p"),
                p_method=r.get("p_method"),
                q=r.get("q"),
                ci_low=low,
                ci_high=high,
                tier=level,
                untested_reason=r.get("untested_reason"),
            )
        )
    return tuple(out)


def cost_quality(
    values: pd.DataFrame,
    attrs: dict[int, dict[str, Any]],
    direction: str,
    correlations: tuple[AttributeCorrelation, ...],
) -> tuple[CostQuality, ...]:
    """Each cost attribute against the objective, and the cheapest near-best trial."""
    if values.empty:
        return ()
    by_attr = {c.attr: c for c in correlations}
    best_number, best_value = int(values["number"].iloc[0]), float(values["value"].iloc[0])
    threshold = best_value - direction_sign(direction) * NEAR_BEST * abs(best_value)
    out = []
    for key, cheaper in COST_ATTRS.items():
        if key not in by_attr:
            continue
        # the recorded number itself (an int stays an int: 57455 parameters, not 5.746e+4)
        costs = {n: a.get(key) if _number(a.get(key)) is not None else None for n, a in attrs.items()}
        near = [
            (int(n), float(v), cost)
            for n, v in zip(values["number"], values["value"], strict=True)
            if (cost := costs[int(n)]) is not None and direction_sign(direction) * (v - threshold) >= 0
        ]
        # cheapest first, then the better value, then the earlier trial
        key_sign = 1.0 if cheaper == "lower" else -1.0
        near.sort(key=lambda t: (key_sign * t[2], -direction_sign(direction) * t[1], t[0]))
        cheapest = near[0] if near else None
        out.append(
            CostQuality(
                attr=key,
                cheaper=cheaper,
                correlation=by_attr[key],
                best_number=best_number,
                best_cost=costs.get(best_number),
                tolerance=NEAR_BEST,
                threshold=threshold,
                n_near_best=len(near),
                cheapest_number=cheapest[0] if cheapest else None,
                cheapest_value=cheapest[1] if cheapest else None,
                cheapest_cost=cheapest[2] if cheapest else None,
            )
        )
    return tuple(out)


def trial_attribute_warnings(attributes: TrialAttributes | None) -> list[Finding]:
    """``classes_never_learned`` when some class is at or below chance in every reporting trial."""
    pc = attributes.per_class if attributes is not None else None
    if pc is None or not pc.never_learned:
        return []
    values = {
        "classes": ", ".join(pc.never_learned),
        "count": len(pc.never_learned),
        "n_classes": len(pc.class_names),
        "class_chance": pc.class_chance,
        "n": pc.n,
    }
    return [Finding(WarningCode.CLASSES_NEVER_LEARNED, Severity.WARNING, (), values)]
