"""The directionality CSV artifacts (names fixed by DESIGN.md), read from the typed findings only.

Rows in findings order (sorted by parameter name, then level), fixed columns, raw numbers:
the CSVs are the findings in table form, for spreadsheets and diffs.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from generator.model.findings import Condition, Directionality, Findings
from generator.model.shape import INTERIOR
from generator.model.vocabulary import ParamKind, TestName

CONTINUOUS_COLUMNS = [
    "param",
    "kind",
    "log",
    "condition",
    "n",
    "n_study",
    "test",
    "p_method",
    "rho",
    "effect",
    "ci_low",
    "ci_high",
    "ci_method",
    "p",
    "q",
    "tier",
    "rank",
    "min_detectable_effect",
    "n_needed",
    "trials_needed",
    "shape",
    "curvature_q",
    "peak",
    "best_low",
    "best_high",
]
BOOLEAN_COLUMNS = [
    "param",
    "kind",
    "condition",
    "level_a",
    "level_b",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "mean_diff",
    "mean_diff_ci_low",
    "mean_diff_ci_high",
    "u",
    "rank_biserial",
    "ci_low",
    "ci_high",
    "p_method",
    "p",
    "q",
    "tier",
    "rank",
    "min_detectable_effect",
]
DETAIL_COLUMNS = [
    "param",
    "kind",
    "condition",
    "level",
    "n",
    "share",
    "mean",
    "median",
    "std",
    "n_elite",
    "elite_share",
]
SUMMARY_COLUMNS = [
    "param",
    "kind",
    "condition",
    "test",
    "n",
    "n_levels",
    "best_level",
    "best_mean",
    "worst_level",
    "worst_mean",
    "delta",
    "statistic",
    "effect_measure",
    "effect",
    "ci_low",
    "ci_high",
    "p",
    "q",
    "tier",
    "rank",
]


def _level(value: Any) -> str:
    """A level as JSON text (``true``, ``null``, ``cnn``): unambiguous in a CSV cell."""
    return value if isinstance(value, str) else json.dumps(value)


def _condition(condition: Condition | None) -> str:
    if condition is None:
        return ""
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    return f"{condition.parent} in [{', '.join(_level(v) for v in values)}]"


def _power(d: Directionality, field: str) -> Any:
    return getattr(d.power, field) if d.power is not None else None


def continuous_table(findings: Findings) -> pd.DataFrame:
    rows = [
        {
            "param": d.param,
            "kind": d.kind,
            "log": d.log,
            "condition": _condition(d.condition),
            "n": d.n,
            "n_study": d.n_study,
            "test": d.test,
            "p_method": d.p_method,
            "rho": d.statistic,
            "effect": d.effect,
            "ci_low": d.ci_low,
            "ci_high": d.ci_high,
            "ci_method": d.ci_method,
            "p": d.p,
            "q": d.q,
            "tier": d.tier,
            "rank": d.rank,
            "min_detectable_effect": _power(d, "min_effect"),
            "n_needed": _power(d, "n_needed"),
            "trials_needed": _power(d, "trials_needed"),
            "shape": d.shape,
            "curvature_q": d.shape_test.q if d.shape_test is not None else None,
            "peak": d.shape_test.peak if d.shape_test is not None else None,
            "best_low": d.shape_test.best_low if d.shape == INTERIOR and d.shape_test is not None else None,
            "best_high": d.shape_test.best_high if d.shape == INTERIOR and d.shape_test is not None else None,
        }
        for d in findings.directionality
        if d.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL)
    ]
    return pd.DataFrame(rows, columns=CONTINUOUS_COLUMNS)


def boolean_table(findings: Findings) -> pd.DataFrame:
    """Boolean and two-level categorical parameters (Mann-Whitney U)."""
    rows = []
    for d in findings.directionality:
        if d.test != TestName.MANN_WHITNEY_U:
            continue
        a, b = d.levels[0], d.levels[1]
        rows.append(
            {
                "param": d.param,
                "kind": d.kind,
                "condition": _condition(d.condition),
                "level_a": _level(d.level_a),
                "level_b": _level(d.level_b),
                "n_a": a.n,
                "n_b": b.n,
                "mean_a": a.mean,
                "mean_b": b.mean,
                "mean_diff": d.mean_diff,
                "mean_diff_ci_low": d.mean_diff_ci_low,
                "mean_diff_ci_high": d.mean_diff_ci_high,
                "u": d.statistic,
                "rank_biserial": d.effect,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "p_method": d.p_method,
                "p": d.p,
                "q": d.q,
                "tier": d.tier,
                "rank": d.rank,
                "min_detectable_effect": _power(d, "min_effect"),
            }
        )
    return pd.DataFrame(rows, columns=BOOLEAN_COLUMNS)


def categorical_detail_table(findings: Findings) -> pd.DataFrame:
    """One row per level of every boolean, categorical and ordinal parameter."""
    rows = [
        {
            "param": d.param,
            "kind": d.kind,
            "condition": _condition(d.condition),
            "level": _level(lv.level),
            "n": lv.n,
            "share": lv.share,
            "mean": lv.mean,
            "median": lv.median,
            "std": lv.std,
            "n_elite": lv.n_elite,
            "elite_share": lv.elite_share,
        }
        for d in findings.directionality
        for lv in d.levels
    ]
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS)


def categorical_summary_table(findings: Findings) -> pd.DataFrame:
    """Best against worst level (by mean, in the objective's direction) with the primary test."""
    better = 1.0 if findings.study.direction == "maximize" else -1.0
    rows = []
    for d in findings.directionality:
        if not d.levels:
            continue
        best = max(d.levels, key=lambda lv: better * lv.mean)
        worst = min(d.levels, key=lambda lv: better * lv.mean)
        rows.append(
            {
                "param": d.param,
                "kind": d.kind,
                "condition": _condition(d.condition),
                "test": d.test,
                "n": d.n,
                "n_levels": len(d.levels),
                "best_level": _level(best.level),
                "best_mean": best.mean,
                "worst_level": _level(worst.level),
                "worst_mean": worst.mean,
                "delta": best.mean - worst.mean,
                "statistic": d.statistic,
                "effect_measure": d.effect_measure,
                "effect": d.effect,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "p": d.p,
                "q": d.q,
                "tier": d.tier,
                "rank": d.rank,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def directionality_tables(findings: Findings) -> dict[str, pd.DataFrame]:
    """Artifact file name -> table."""
    return {
        "directionality_continuous.csv": continuous_table(findings),
        "directionality_boolean.csv": boolean_table(findings),
        "directionality_categorical_detail.csv": categorical_detail_table(findings),
        "directionality_categorical_summary.csv": categorical_summary_table(findings),
    }
