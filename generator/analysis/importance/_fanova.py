"""Variance-decomposition importance: a functional-ANOVA surrogate fitted directly.

The surrogate is ``f(x) = c + Σ_i h_i(x_i)``: one main-effect function per parameter
(piecewise-linear on its own scale for numbers, one value per level for categories and
short integer ranges), fitted by ridge regression with generalized cross-validation. Each
``h_i`` is centered under the declared measure (see ``_design``), so the importance of a
parameter is the variance of its main effect, ``Var(h_i)``: the numerator of its first-order
Sobol index, and values are normalized to sum to 1 over parameters (fANOVA's convention).

Why not a random forest, as Optuna's fANOVA uses? Measured on Ishigami (1,000 trials): a
200-tree scikit-learn forest's normalized main effects are off by 0.06 (it flattens
``7 sin²(x2)``), Optuna's fANOVA by 0.06-0.07, while fitting the main effects directly is off
by 0.018 on average over 200 random studies, with no bias; and a forest cannot be
bootstrapped cheaply, whereas a linear smoother's bootstrap is one matrix product
(``_linear.multiplier_bootstrap``). Interactions do not leak into the main
effects: with the components centered they are orthogonal to them, and they are measured
separately for the top parameters (:func:`pair_strengths`).

Conditional parameters: a parameter that exists only in a branch (``depth`` when
``encoder_type == cnn``) gets a main effect *within its branch*, centered there, and its
importance is ``P(branch) * Var(h | branch)``, the share of the objective's variance its
branch-local effect carries. The alternative, encoding "absent" as one more value, would
make the child's effect repeat the parent's (absent ⇔ context) and split the parent's
variance between them; per-branch effects weighted by branch probability add up exactly
(law of total variance) and leave the branch's mean shift to the parent. Dynamic ranges use
the union of every declared range (``param_specs``).

Intervals: the multiplier bootstrap replicates the coefficients; each replicate gives shares,
and the point and 95% interval are the bootstrap bias-corrected share and the basic
interval (``_intervals.normalized_shares``). The variance of a noisy main effect is biased
upward by its noise; the correction removes that bias, which is what lets the interval of a
parameter with no effect reach zero (``benchmarks/importance.py`` measures coverage).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from generator.analysis.importance._base import (
    NO_SIGNAL,
    NO_VARYING_PARAMETERS,
    ImportanceEvaluator,
    ImportanceInput,
    MethodResult,
    ParamData,
    common_skip_reason,
)
from generator.analysis.importance._design import (
    Basis,
    Branches,
    coarse_basis,
    knots_for,
    main_basis,
)
from generator.analysis.importance._intervals import normalized_shares
from generator.analysis.importance._linear import (
    Component,
    Design,
    RidgeFit,
    multiplier_bootstrap,
    rademacher,
    ridge_gcv,
)
from generator.model.findings import Importance, ImportanceMethod, Interaction

METHOD = "fanova"
PAIR_METHOD = "fanova_pairwise"
PAIR_MIN_TRIALS = 20
"""Fewer trials with both parameters present leave a 25-cell pairwise term about one trial
per cell: such a pair is not assessed."""
NO_PAIRS = "no_pairs"
NO_PREDICTIVE_POWER = "no_predictive_power"
MIN_FIT_R2 = 0.02
"""Out-of-sample (leave-one-out) R² the main-effect surrogate must exceed before its shares are reported:
at or below it the surrogate predicts the objective no better than its mean (pure noise gives
about 0, give or take 0.01), and shares of its variance would rank noise."""
CV_FOLDS = 0
"""Folds of the K-fold R² the shares also need; the report passes ``--gain-cv-folds`` (the
expected gain's). 0 skips it: the influence check re-fits on subsets many times and compares
shares of one surrogate, not whether to print them."""
PAIR_RESAMPLES = 200
"""Replicates behind pair intervals: pairs only choose which contours to draw."""


@dataclass(frozen=True)
class MainEffects:
    """The fitted main-effect surrogate: what the pairwise stage builds on."""

    names: tuple[str, ...]
    bases: dict[str, Basis | None]
    design: Design
    fit: RidgeFit
    indicators: tuple[str, ...] = ()
    """Parameters whose presence pattern is a column of the design (see ``_branch_indicators``)."""
    intercept: float = 0.0
    """Mean objective of the fitted trials: the surrogate's constant."""


@dataclass(frozen=True)
class FanovaResult(MethodResult):
    pairs: MethodResult
    interactions: tuple[Interaction, ...]


class FanovaEvaluator(ImportanceEvaluator):
    method = METHOD
    scale = "normalized"

    def __init__(self, resamples: int = 400, interaction_params: int = 5, cv_folds: int = CV_FOLDS) -> None:
        self.resamples = resamples
        self.interaction_params = interaction_params
        self.cv_folds = cv_folds

    def evaluate(self, data: ImportanceInput) -> FanovaResult:
        # The matrices are a few hundred columns wide: BLAS threads only add hand-offs, and on
        # a busy machine (CI, shared hosts) their spin-waiting made this 10x slower (measured).
        with threadpool_limits(limits=1, user_api="blas"):
            return self._evaluate(data)

    def _evaluate(self, data: ImportanceInput) -> FanovaResult:
        reason = common_skip_reason(data)
        if reason is not None:
            return self._nothing(data, reason)
        main = fit_main_effects(data)
        components = main.design.components
        estimate = np.array([c.variance(main.fit.coef) for c in components])
        if not components or not estimate.sum() > 0:
            return self._nothing(data, NO_VARYING_PARAMETERS if not components else NO_SIGNAL)
        # GCV picks the ridge penalty on all trials, which flatters small studies (43 trials:
        # GCV R² 0.216 where the same surrogate refitted per fold scored -0.018, the number the
        # expected-gain section prints): the shares also need the K-fold R² above the floor.
        folds = min(self.cv_folds, data.n)
        cv_r2 = cross_validated_r2(data, folds) if folds >= 2 else None
        if not main.fit.r2 > MIN_FIT_R2 or (cv_r2 is not None and not cv_r2 > MIN_FIT_R2):
            # Shares of a surrogate that predicts nothing out of sample are shares of noise:
            # report the R² and no share at all (nor any interaction built on it).
            return self._nothing(data, NO_PREDICTIVE_POWER, fit_r2=main.fit.r2, cv_r2=cv_r2)
        signs = rademacher(data.rng(METHOD), data.n, self.resamples)
        replicates = multiplier_bootstrap(main.design, main.fit, signs)
        replicated = np.array([c.variance(replicates) for c in components])
        point, low, high = normalized_shares(estimate, replicated, bias_correct=True)
        position = {c.name: i for i, c in enumerate(components)}
        importances = []
        for name in sorted(data.params):
            param = data.params[name]
            i = position.get(name)
            value = (float(point[i]), float(low[i]), float(high[i])) if i is not None else (0.0, 0.0, 0.0)
            importances.append(Importance(name, METHOD, *value, condition=param.spec.condition, n=param.n_present))
        summary = ImportanceMethod(
            method=METHOD,
            scale=self.scale,
            n=data.n,
            quantile=None,
            resamples=self.resamples,
            interval="multiplier_bootstrap",
            skipped=None,
            fit_r2=main.fit.r2,
            cv_r2=cv_r2,
        )
        pairs, interactions = pair_strengths(
            data,
            main,
            (estimate, replicated[:, :PAIR_RESAMPLES]),
            tuple(importances),
            self.interaction_params,
            signs[:, :PAIR_RESAMPLES],
        )
        return FanovaResult(summary, tuple(importances), pairs, interactions)

    def _nothing(
        self, data: ImportanceInput, reason: str, fit_r2: float | None = None, cv_r2: float | None = None
    ) -> FanovaResult:
        summary = replace(self.skipped(data, reason).summary, fit_r2=fit_r2, cv_r2=cv_r2)
        pairs = MethodResult(ImportanceMethod(PAIR_METHOD, "variance_fraction", data.n, None, 0, None, reason), ())
        return FanovaResult(summary, (), pairs, ())


def cross_validated_r2(data: ImportanceInput, folds: int) -> float:
    """R^2 of out-of-fold predictions, the surrogate refitted from scratch on every fold (the
    folds seeded from the data, so the importance gate and the expected gain see one number,
    computed once: ``data.memo``)."""
    key = ("cross_validated_r2", folds)
    if key not in data.memo:
        data.memo[key] = _cross_validated_r2(data, folds)
    result: float = data.memo[key]
    return result


def _cross_validated_r2(data: ImportanceInput, folds: int) -> float:
    seed = int(data.rng("expected_gain:folds").integers(0, 2**31 - 1))
    layout = _layout(data)
    predicted = np.empty(data.n)
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(data.values):
        main = _fit_main_effects(_subset(data, train), layout, train)
        if _fits_layout(main, layout):
            coef = main.fit.coef
            centered = layout.basis[test] @ coef - layout.presence[test] @ (layout.means @ coef)
            predicted[test] = main.intercept + centered - main.design.column_means @ coef
        else:
            params = {k: _rows(p, test) for k, p in data.params.items()}
            predicted[test] = predict_main_effects(main, params, len(test))
    return float(r2_score(data.values, predicted))


def fit_main_effects_on(data: ImportanceInput, rows: np.ndarray, subset: ImportanceInput) -> MainEffects:
    """The surrogate fitted to ``subset``, which is trials ``rows`` of ``data`` (ascending
    indices): the same numbers as ``fit_main_effects(subset)``, with the design's rows taken
    from ``data``'s design instead of rebuilt (the influence check refits on many subsets). Kept
    in ``subset``'s memo, so every method evaluating ``subset`` reads this fit."""
    if "main_effects" not in subset.memo:
        with threadpool_limits(limits=1, user_api="blas"):  # as in ``FanovaEvaluator.evaluate``
            subset.memo["main_effects"] = _fit_main_effects(subset, _layout(data), rows)
    main: MainEffects = subset.memo["main_effects"]
    return main


def _subset(data: ImportanceInput, rows: np.ndarray) -> ImportanceInput:
    return replace(
        data,
        numbers=data.numbers[rows],
        values=data.values[rows],
        params={k: _rows(p, rows) for k, p in data.params.items()},
    )


def _rows(param: ParamData, rows: np.ndarray) -> ParamData:
    return ParamData(param.spec, param.present[rows], param.numeric[rows], param.keys[rows], param.distributions[rows])


def fit_main_effects(data: ImportanceInput) -> MainEffects:
    """Build the centered main-effect design and fit it (ridge, penalty by GCV); once per input
    (``data.memo``: the importance section and the expected gain read the same fit)."""
    if "main_effects" not in data.memo:
        data.memo["main_effects"] = _fit_main_effects(data)
    main: MainEffects = data.memo["main_effects"]
    return main


@dataclass(frozen=True)
class _Layout:
    """The uncentered design of every trial of an input: a subset's design is its rows, as long
    as the subset has the same knots, the same varying parameters and the same branch indicators
    (a basis depends only on the declared space and the knot count, an entry only on its trial)."""

    n_knots: int
    bases: dict[str, Basis | None]
    indicators: tuple[str, ...]
    basis: sp.csr_matrix
    presence: sp.csr_matrix
    means: np.ndarray
    blocks: list[tuple[str, slice, Basis]]


def _layout(data: ImportanceInput) -> _Layout:
    fit_main_effects(data)
    layout: _Layout = data.memo["main_layout"]
    return layout


def _fits_layout(main: MainEffects, layout: _Layout) -> bool:
    return _same_layout(layout, knots_for(main.design.n, len(main.names)), main.bases, main.indicators)


def _same_layout(layout: _Layout, n_knots: int, bases: dict[str, Basis | None], indicators: tuple[str, ...]) -> bool:
    return (
        layout.n_knots == n_knots
        and layout.indicators == indicators
        and all((bases[name] is None) == (layout.bases[name] is None) for name in bases)
    )


def _fit_main_effects(
    data: ImportanceInput, parent: _Layout | None = None, rows: np.ndarray | None = None
) -> MainEffects:
    """``parent`` and ``rows``: ``data`` is those rows of the input ``parent`` was built from,
    whose design rows are reused when the subset's layout is the same (see ``_Layout``)."""
    names = tuple(sorted(data.params))
    n_knots = knots_for(data.n, len(names))
    # A parameter with one observed value has no estimable effect: no columns, importance 0.
    bases = {name: main_basis(data.params[name], n_knots) if data.params[name].varies else None for name in names}
    branches = Branches(data)
    indicators = _branch_indicators(data, bases, branches)
    if parent is not None and rows is not None and _same_layout(parent, n_knots, bases, indicators):
        basis_matrix, presence = parent.basis[rows], parent.presence[rows]
        mean_matrix, blocks = parent.means, parent.blocks
    else:
        basis_matrix, presence, mean_matrix, blocks = _main_matrices(data.params, data.n, names, bases, indicators)
        if parent is None:
            data.memo["main_layout"] = _Layout(n_knots, bases, indicators, basis_matrix, presence, mean_matrix, blocks)
    components = tuple(
        Component(name, columns, basis.cov, branches.probability([name]), basis.mean) for name, columns, basis in blocks
    )
    design = Design(basis_matrix, presence, mean_matrix, components)
    return MainEffects(names, bases, design, ridge_gcv(design, data.values), indicators, float(data.values.mean()))


def predict_main_effects(
    main: MainEffects, params: Mapping[str, ParamData], n: int, coef: np.ndarray | None = None
) -> np.ndarray:
    """The fitted surrogate at ``n`` new points (``params`` as in :class:`ImportanceInput`; a
    name missing from it is absent everywhere). With ``coef`` of shape (width, R), one column
    of predictions per coefficient replicate.

    The surrogate cannot extrapolate: a number outside the declared range is predicted as at
    the nearest bound, and a value with no basis column (a category or an integer that was
    never declared) counts as absent, so callers should map such values into the declared space.
    """
    basis_matrix, presence, mean_matrix, _ = _main_matrices(params, n, main.names, main.bases, main.indicators)
    coef = main.fit.coef if coef is None else coef
    centered = basis_matrix @ coef - presence @ (mean_matrix @ coef)
    return main.intercept + centered - main.design.column_means @ coef


def _main_matrices(
    params: Mapping[str, ParamData],
    n: int,
    names: tuple[str, ...],
    bases: dict[str, Basis | None],
    indicators: tuple[str, ...],
) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, list[tuple[str, slice, Basis]]]:
    """Uncentered basis, per-component presence and declared means of ``n`` points: the
    pieces of :class:`Design` (the fit's rows, or new points to predict)."""
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    active_columns: list[np.ndarray] = []
    means: list[tuple[slice, np.ndarray]] = []
    blocks: list[tuple[str, slice, Basis]] = []
    width = 0
    for name in names:
        basis = bases[name]
        if basis is None:
            continue
        param = params.get(name)
        if param is None:
            r, c, v, active = (
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
                np.zeros(0),
                np.zeros(n, dtype=bool),
            )
        else:
            r, c, v, active = basis.entries(param)
        columns = slice(width, width + basis.size)
        entries.append((r, c + width, v))
        active_columns.append(active)
        means.append((columns, basis.mean))
        blocks.append((name, columns, basis))
        width += basis.size
    for name in indicators:
        param = params.get(name)
        mask = param.present if param is not None else np.zeros(n, dtype=bool)
        entries.append((np.flatnonzero(mask), np.full(int(mask.sum()), width), np.ones(int(mask.sum()))))
        width += 1
    rows, cols, vals = (np.concatenate([e[k] for e in entries]) if entries else np.zeros(0) for k in range(3))
    basis_matrix = sp.csr_matrix((vals, (rows.astype(np.int64), cols.astype(np.int64))), shape=(n, width))
    presence = sp.csr_matrix(np.column_stack(active_columns).astype(float) if active_columns else np.zeros((n, 0)))
    mean_matrix = np.zeros((len(means), width))
    for i, (columns, mean) in enumerate(means):
        mean_matrix[i, columns] = mean
    return basis_matrix, presence, mean_matrix, blocks


def _branch_indicators(data: ImportanceInput, bases: dict[str, Basis | None], branches: Branches) -> tuple[str, ...]:
    """Parameters whose presence is a column of its own: branches no parent's levels can express.

    A conditional effect is centered within its branch, so the branch's mean shift must be
    fitted by something else: a categorical parent's indicator columns do it (depth's branch
    is encoder_type == cnn). A parameter missing without such a parent (a search space that
    changed between sweep stages) gets its presence pattern as one unreported column, shared
    by parameters that come and go together (the first of them by name stands for the
    pattern), or the shift would be forced into its effect.
    """
    patterns: dict[bytes, str] = {}
    for name, param in sorted(data.params.items()):
        if param.present.all():
            continue
        parent = branches.parent_of(name)
        parent_basis = bases.get(parent) if parent is not None else None
        if parent_basis is None or parent_basis.levels is None:
            patterns.setdefault(param.present.tobytes(), name)
    return tuple(patterns.values())


def pair_strengths(
    data: ImportanceInput,
    main: MainEffects,
    main_variances: tuple[np.ndarray, np.ndarray],
    importances: tuple[Importance, ...],
    top: int,
    signs: np.ndarray,
) -> tuple[MethodResult, tuple[Interaction, ...]]:
    """Second-order (interaction) strength for each pair of the ``top`` most important parameters.

    Each pair gets a tensor-product term of its two (coarser) centered bases, fitted to the
    main-effect model's residuals; being centered within both axes it is orthogonal to both
    main effects, so its variance is the pair's second-order ANOVA component. Strength is that
    variance over the surrogate's total (main effects plus every assessed pair), a
    second-order Sobol index; bias-corrected and with a basic bootstrap interval like the
    main effects, both taken on the share scale: ``main_variances`` is the main effects'
    estimate and their replicates under the same ``signs`` (one joint bootstrap), so each
    replicate's pair share is its own pair variance over its own total, in [0, 1]. (A ratio of
    separately corrected variances was not: a nearly flat surrogate divided noise by almost
    nothing and printed strengths of 83.) Pairs that are never present together, or where one parameter is the
    other's parent (the child's effect is already within the parent's branch), or that share
    fewer than ``PAIR_MIN_TRIALS`` trials, are skipped.
    """

    def summary(skipped: str | None) -> ImportanceMethod:
        return ImportanceMethod(
            PAIR_METHOD,
            "variance_fraction",
            data.n,
            None,
            0 if skipped else signs.shape[1],
            None if skipped else "multiplier_bootstrap",
            skipped,
        )

    if data.n < PAIR_MIN_TRIALS:
        return MethodResult(summary("too_few_trials"), ()), ()
    # Zero-importance parameters stay candidates: a parameter that acts only through an
    # interaction (Ishigami's x3) has no main effect, and is exactly what this stage is for.
    ranked = sorted(
        (i for i in importances if main.bases.get(i.param) is not None), key=lambda i: (-i.importance, i.param)
    )
    chosen = sorted(i.param for i in ranked[:top])
    branches = Branches(data)
    terms: list[tuple[str, str, float, np.ndarray]] = []
    for k, a in enumerate(chosen):
        for b in chosen[k + 1 :]:
            if a in branches.ancestors(b) or b in branches.ancestors(a):
                continue
            weight = branches.probability([a, b])
            together = int((data.params[a].present & data.params[b].present).sum())
            if weight <= 0 or together < PAIR_MIN_TRIALS:
                continue
            design, component = _pair_design(data, a, b, main.bases, weight)
            fit = ridge_gcv(design, main.fit.residuals)
            replicates = multiplier_bootstrap(design, fit, signs)
            terms.append((a, b, float(component.variance(fit.coef)), component.variance(replicates)))
    if not terms:
        return MethodResult(summary(NO_PAIRS), ()), ()
    main_estimate, main_replicated = main_variances
    estimate = np.concatenate([main_estimate, [t[2] for t in terms]])
    replicated = np.vstack([main_replicated, np.array([t[3] for t in terms])])
    point, low, high = normalized_shares(estimate, replicated, bias_correct=True)
    first = len(main_estimate)
    interactions = [
        Interaction(a, b, PAIR_METHOD, float(p), float(min(lo, p)), float(max(hi, p)))
        for (a, b, *_), p, lo, hi in zip(terms, point[first:], low[first:], high[first:], strict=True)
    ]
    interactions.sort(key=lambda i: (-i.strength, i.param_a, i.param_b))
    return MethodResult(summary(None), ()), tuple(interactions)


def _pair_design(
    data: ImportanceInput, a: str, b: str, bases: dict[str, Basis | None], weight: float
) -> tuple[Design, Component]:
    axes = []
    for name in (a, b):
        basis = bases[name]
        assert basis is not None
        coarse = coarse_basis(basis)
        r, c, v, active = coarse.entries(data.params[name])
        dense = np.zeros((data.n, coarse.size))
        np.add.at(dense, (r, c), v)
        dense[active] -= coarse.mean
        dense[~active] = 0.0
        axes.append((coarse, dense, active))
    (basis_a, dense_a, active_a), (basis_b, dense_b, active_b) = axes
    both = active_a & active_b
    tensor = (dense_a[:, :, None] * dense_b[:, None, :]).reshape(data.n, -1)
    tensor[~both] = 0.0
    width = tensor.shape[1]
    component = Component(f"{a}|{b}", slice(0, width), np.kron(basis_a.cov, basis_b.cov), weight, np.zeros(width))
    design = Design(tensor, sp.csr_matrix((data.n, 0)), np.zeros((0, width)), (component,))
    return design, component
