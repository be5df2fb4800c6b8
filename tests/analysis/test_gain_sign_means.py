"""The expected gain's intercept replicates, a block of replicates at a time, are the means of the
whole trials x replicates matrix bit for bit; the int8 signs give the products floats give."""

from __future__ import annotations

import numpy as np
import pytest

from generator.analysis.importance import rademacher
from generator.analysis.refine.gain import _sign_means


@pytest.mark.parametrize("n", [7, 1000, 20011])
@pytest.mark.parametrize("resamples", [1, 2, 99, 100, 101, 400, 401])
def test_sign_means_equal_the_whole_matrix(n: int, resamples: int) -> None:
    rng = np.random.default_rng(n + resamples)
    signs = rademacher(rng, n, resamples)
    assert signs.dtype == np.int8 and set(np.unique(signs).tolist()) <= {-1, 1}
    residuals = rng.normal(size=n) * rng.lognormal(size=n)
    whole = (signs.astype(float) * residuals[:, None]).mean(axis=0)
    assert np.array_equal(_sign_means(signs, residuals), whole)
