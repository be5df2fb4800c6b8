"""The surrogate and its cross-validated R² are computed once per input and shared by the
importance section and the expected gain; a subset of the trials gets its own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from generator.analysis.importance._fanova import (
    _cross_validated_r2,
    _fit_main_effects,
    cross_validated_r2,
    fit_main_effects,
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
