"""SQLite reads of values and intermediate values, converted a column at a time: infinities,
NaN and ordinary floats come back as Optuna's own API gives them, in (number, key) order."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution

from generator.storage import locate, read_study
from tests.studies import add, sqlite_study

X = FloatDistribution(0.0, 1.0)
C = CategoricalDistribution(["a", "b"])


def build(study: optuna.Study) -> None:
    add(
        study,
        {"x": 0.25, "c": "a"},
        {"x": X, "c": C},
        [1.5, math.inf],
        intermediate={0: math.nan, 2: 0.5, 1: -math.inf},
    )
    add(study, {"x": 0.5}, {"x": X}, [-math.inf, -2.0], intermediate={3: math.inf})
    add(study, {"c": "b"}, {"c": C}, [0.125, 7.0])


def test_values_and_intermediate_values_match_optuna(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "values", build, ["minimize", "maximize"])
    record = read_study(locate(url), "values")
    trials = optuna.load_study(study_name="values", storage=url).trials

    expected = [(t.number, k, v) for t in trials for k, v in enumerate(t.values)]
    got = list(record.values.itertuples(index=False, name=None))
    assert [(n, k) for n, k, _ in got] == [(n, k) for n, k, _ in expected]
    np.testing.assert_array_equal([v for *_, v in got], [v for *_, v in expected])
    assert record.values["number"].dtype == np.int64 and record.values["objective"].dtype == np.int64

    steps = [(t.number, s, t.intermediate_values[s]) for t in trials for s in sorted(t.intermediate_values)]
    got_steps = list(record.intermediate.itertuples(index=False, name=None))
    assert [(n, s) for n, s, _ in got_steps] == [(n, s) for n, s, _ in steps]
    np.testing.assert_array_equal([v for *_, v in got_steps], [v for *_, v in steps])  # NaN equals NaN here

    params = list(record.params[["number", "name", "internal"]].itertuples(index=False, name=None))
    assert params == [(0, "c", 0.0), (0, "x", 0.25), (1, "x", 0.5), (2, "c", 1.0)]
