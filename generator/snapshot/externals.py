"""A parameter's external value (what the objective function received), rebuilt from its internal
value and its distribution.

Optuna stores each parameter as a float (``internal``: a float or int as itself, a categorical
as its choice's index) beside its distribution's JSON; the analysis reads the external value,
as JSON text (``value_json``: exact level keys) and as a number (``value_num``: NaN where it is
no number, as for booleans). Both follow from ``internal`` and the distribution, so snapshot
format 3 stores ``internal`` alone and the loader adds them (format 2 stored all three: 2.5 of
the 3.8 MB of a 20,000-trial study's params.parquet held the same value twice more).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution

from generator.snapshot.distributions import parse_distribution

EXTERNAL_COLUMNS = ("value_json", "value_num")
"""The columns ``with_externals`` adds, right after ``internal``."""


def with_externals(params: pd.DataFrame) -> pd.DataFrame:
    """``params`` (``number``, ``name``, ``internal``, ``distribution_json``, ...) with ``value_json``
    and ``value_num`` inserted after ``internal``: the frame a format-2 snapshot stored."""
    value_json, value_num = external_values(params["internal"].to_numpy(dtype=float), params["distribution_json"])
    out = params.copy()
    at = out.columns.get_loc("internal") + 1
    # "str": the dtype DuckDB gives a VARCHAR column, so the frame equals a format-2 snapshot's.
    out.insert(at, "value_json", pd.Series(value_json.tolist(), index=out.index, dtype="str"))
    out.insert(at + 1, "value_num", value_num)
    return out


def external_values(internal: np.ndarray, distributions: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's external value as JSON text and as a number, exactly as ``json.dumps`` and
    ``float`` of the value Optuna hands the objective. Column-wise: each distinct distribution
    string is parsed once, and its rows are converted together."""
    codes, uniques = pd.factorize(distributions, sort=False)
    value_json = np.empty(len(internal), dtype=object)
    value_num = np.full(len(internal), math.nan)
    for code, distribution_json in enumerate(uniques):
        rows = np.flatnonzero(codes == code)
        texts, numbers = _externals(parse_distribution(distribution_json), internal[rows])
        value_json[rows] = texts
        value_num[rows] = numbers
    return value_json, value_num


def _externals(dist: BaseDistribution, internal: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The external values of one distribution's rows: as JSON text, and as numbers (NaN where
    the value is not a number), exactly as ``json.dumps``/``float`` of the external value."""
    if isinstance(dist, CategoricalDistribution):
        texts = [json.dumps(choice) for choice in dist.choices]
        numbers = [
            float(c) if isinstance(c, int | float) and not isinstance(c, bool) else math.nan for c in dist.choices
        ]
        index = internal.astype(np.int64)  # int(internal): an exact index
        return [texts[i] for i in index.tolist()], np.asarray(numbers, dtype=float)[index]
    if isinstance(dist, IntDistribution):
        ints = [int(round(v)) for v in internal.tolist()]
        return [str(v) for v in ints], np.array([float(v) for v in ints])
    # json.dumps writes a finite float as float.__repr__; only NaN and infinities differ.
    return [repr(v) if math.isfinite(v) else json.dumps(v) for v in internal.tolist()], internal.copy()
