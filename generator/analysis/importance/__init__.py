"""Parameter importance: which parameters the objective's variance depends on.

Every method implements :class:`ImportanceEvaluator` (one ``evaluate`` over one prepared
:class:`ImportanceInput`) and passes the shared contract tests. Two methods run on every
study, side by side in the report:

- ``fanova``: variance decomposition of a functional-ANOVA surrogate over the declared search
  space, conditional parameters within their branch, with 95% bootstrap intervals, plus the
  pairwise interaction strength of the top parameters (``fanova_pairwise``).
- ``elite_mutual_info``: what matters for reaching the top ``elite_quantile`` of trials (the
  elites), as the mutual information between each parameter and "is elite" over the entropy
  of "is elite", on one binning for every kind, with bootstrap intervals.

A global share is only reported when the surrogate predicts out of sample (GCV R² above
``MIN_FIT_R2``); otherwise the method row says ``no_predictive_power`` and a warning gives the R².

``ped_anova`` (Optuna's PED-ANOVA, :class:`PedAnovaEvaluator`) remains available but is not
run: its divergences are not on one scale across parameter kinds (see ``_elite_mi``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator.analysis.importance._base import (
    ImportanceEvaluator,
    ImportanceInput,
    MethodResult,
    ParamData,
    common_skip_reason,
    prepare_input,
)
from generator.analysis.importance._elite_mi import METHOD as TOP_METHOD
from generator.analysis.importance._elite_mi import MIN_TOP_TRIALS, EliteMutualInfoEvaluator
from generator.analysis.importance._fanova import METHOD as FANOVA_METHOD
from generator.analysis.importance._fanova import (
    MIN_FIT_R2,
    NO_PREDICTIVE_POWER,
    PAIR_METHOD,
    PAIR_MIN_TRIALS,
    FanovaEvaluator,
    FanovaResult,
    MainEffects,
    fit_main_effects,
    fit_main_effects_on,
    predict_main_effects,
)
from generator.analysis.importance._linear import multiplier_bootstrap, rademacher
from generator.analysis.importance._ped_anova import PedAnovaEvaluator
from generator.config import AnalysisConfig
from generator.model.findings import Finding, Importance, ImportanceMethod, Interaction
from generator.model.vocabulary import Severity, WarningCode


@dataclass(frozen=True)
class ImportanceAnalysis:
    importance: tuple[Importance, ...]
    interactions: tuple[Interaction, ...]
    methods: tuple[ImportanceMethod, ...]
    warnings: tuple[Finding, ...]
    data: ImportanceInput | None = None
    """The prepared trials every method saw (for checks that join importance with other stages)."""


def evaluators(config: AnalysisConfig) -> tuple[ImportanceEvaluator, ...]:
    """The importance methods a report runs, configured from ``config``."""
    return (
        FanovaEvaluator(
            resamples=config.importance_resamples,
            interaction_params=config.interaction_params,
            cv_folds=config.gain_cv_folds,
        ),
        EliteMutualInfoEvaluator(quantile=config.elite_quantile, resamples=config.top_quantile_resamples),
    )


def analyse_importance(data: ImportanceInput) -> ImportanceAnalysis:
    """Every method's importances, the top pairs' interaction strengths, and a warning for
    each method that could compute nothing (never a silent empty list). ``data`` is built
    once per analysed objective (``analysis/sample.py``), with the settings it carries."""
    importance: list[Importance] = []
    interactions: tuple[Interaction, ...] = ()
    methods: list[ImportanceMethod] = []
    for evaluator in evaluators(data.config):
        result = evaluator.evaluate(data)
        importance.extend(result.importances)
        methods.append(result.summary)
        if isinstance(result, FanovaResult):
            methods.append(result.pairs.summary)
            interactions = result.interactions
    return ImportanceAnalysis(tuple(importance), interactions, tuple(methods), _warnings(data, methods), data)


def _warnings(data: ImportanceInput, methods: list[ImportanceMethod]) -> tuple[Finding, ...]:
    """One info finding per reason something was not computed (the sentences are in
    ``templates/messages.yaml``): one for the whole section when the global method could not
    run (the others then could not either), otherwise one per method that could not."""
    by_method = {m.method: m for m in methods}
    overall = by_method[FANOVA_METHOD].skipped
    if overall == NO_PREDICTIVE_POWER:
        fanova = by_method[FANOVA_METHOD]
        # The lower of the two out-of-sample R² decided it (the K-fold one is the expected gain's).
        r2 = min((r for r in (fanova.fit_r2, fanova.cv_r2) if r is not None), default=None)
        no_power = {"n": data.n, "r2": r2, "threshold_percent": 100 * MIN_FIT_R2}
        return (Finding(WarningCode(f"importance_{overall}"), Severity.WARNING, (), no_power),)
    if overall is not None:
        minimum = max(2, data.config.importance_min_trials)
        return (Finding(WarningCode(f"importance_{overall}"), Severity.INFO, (), {"n": data.n, "minimum": minimum}),)
    found = []
    pairs = by_method[PAIR_METHOD]
    if pairs.skipped is not None:
        counts = {"n": data.n, "minimum": PAIR_MIN_TRIALS, "top": data.config.interaction_params}
        found.append(Finding(WarningCode(f"interactions_{pairs.skipped}"), Severity.INFO, (), counts))
    top = by_method[TOP_METHOD]
    if top.skipped is not None and top.quantile is not None:
        values: dict[str, int | float] = {
            "n": data.n,
            "minimum": math.ceil(MIN_TOP_TRIALS / top.quantile - 1e-9),
            "top_trials": MIN_TOP_TRIALS,
            "quantile_percent": round(100 * top.quantile, 6),
        }
        found.append(Finding(WarningCode(f"top_quantile_{top.skipped}"), Severity.INFO, (), values))
    return tuple(found)


__all__ = [
    "EliteMutualInfoEvaluator",
    "FanovaEvaluator",
    "ImportanceAnalysis",
    "ImportanceEvaluator",
    "ImportanceInput",
    "MainEffects",
    "MethodResult",
    "ParamData",
    "PedAnovaEvaluator",
    "analyse_importance",
    "common_skip_reason",
    "evaluators",
    "fit_main_effects",
    "fit_main_effects_on",
    "multiplier_bootstrap",
    "predict_main_effects",
    "prepare_input",
    "rademacher",
]
