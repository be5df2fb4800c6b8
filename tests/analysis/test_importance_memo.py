"""The surrogate and its cross-validated R² are computed once per input and shared by the
importance section and the expected gain; a subset of the trials gets its own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold

from generator.analysis.importance._fanova import (
    _cross_validated_r2,
    _fit_main_effects,
    _rows,
    cross_validated_r2,
    fit_main_effects,
    fit_main_effects_on,
    predict_main_effects,
)
from tests.synthetic import float_input, ishigami


def _input(n: int = 200):  # type: ignore[no-untyped-def]
    x, y = ishigami(n, np.random.default_rng(5))
    return float_input(x, y, -np.pi, np.pi)


def test_main_effects_are_fitted_once_and_equal_a_fresh_fit() -> None:
    data = _input()
    first = fit_main_effects(data)
    assert fit_main_effects(data) is first
    fresh = _fit_main_effects(data)
    assert np.array_equal(first.fit.coef, fresh.fit.coef)


def test_cross_validated_r2_is_memoised_per_fold_count() -> None:
    data = _input()
    assert cross_validated_r2(data, 5) == _cross_validated_r2(data, 5)
    assert ("cross_validated_r2", 5) in data.memo
    assert ("cross_validated_r2", 3) not in data.memo
    assert cross_validated_r2(data, 3) == _cross_validated_r2(data, 3)


def test_a_subset_does_not_share_the_memo() -> None:
    data = _input()
    fit_main_effects(data)
    half = replace(data, values=data.values[:100], numbers=data.numbers[:100])
    assert half.memo == {}


def _fresh(data, rows):  # type: ignore[no-untyped-def]
    subset = replace(
        data,
        numbers=data.numbers[rows],
        values=data.values[rows],
        params={k: _rows(p, rows) for k, p in data.params.items()},
    )
    return subset, _fit_main_effects(subset)


def test_a_refit_on_rows_equals_a_fresh_fit_of_the_subset() -> None:
    """Same knots (200 and 190 trials): the design's rows are taken from the full design, and
    every number is the one a fit of the subset from scratch gives, bit for bit."""
    data = _input()
    rows = np.setdiff1d(np.arange(data.n), [3, 50, 51, 120, 199, 0, 7, 8, 9, 10])
    subset, fresh = _fresh(data, rows)
    main = fit_main_effects_on(data, rows, subset)
    assert main.design.means is data.memo["main_layout"].means  # the full design's rows were reused
    assert fit_main_effects(subset) is main
    for a, b in ((main.fit.coef, fresh.fit.coef), (main.fit.residuals, fresh.fit.residuals)):
        assert np.array_equal(a, b)
    assert main.fit.r2 == fresh.fit.r2 and main.design.column_means.tolist() == fresh.design.column_means.tolist()


def test_a_refit_with_fewer_knots_builds_its_own_design() -> None:
    """60 trials get 10 knots, 30 get 5: the subset's design cannot be the full one's rows."""
    data = _input(60)
    rows = np.arange(30)
    subset, fresh = _fresh(data, rows)
    main = fit_main_effects_on(data, rows, subset)
    assert main.design.width == fresh.design.width < fit_main_effects(data).design.width
    assert np.array_equal(main.fit.coef, fresh.fit.coef)


def test_cross_validated_r2_equals_refitting_every_fold_from_scratch() -> None:
    """At 200 trials the folds reuse the full design's rows; at 40 (fewer knots per fold) they
    build their own; either way the R² is that of fits and predictions made from scratch."""
    for n in (200, 40):
        data = _input(n)
        seed = int(data.rng("expected_gain:folds").integers(0, 2**31 - 1))
        predicted = np.empty(data.n)
        for train, test in KFold(n_splits=5, shuffle=True, random_state=seed).split(data.values):
            _, main = _fresh(data, train)
            params = {k: _rows(p, test) for k, p in data.params.items()}
            predicted[test] = predict_main_effects(main, params, len(test))
        assert _cross_validated_r2(data, 5) == float(r2_score(data.values, predicted))
