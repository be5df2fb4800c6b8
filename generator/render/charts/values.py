"""The chart data as inline values, a column at a time: Altair's own result, faster.

Altair's default data transformer turns a chart's DataFrame into ``{"values": [records]}`` by
copying the frame, converting every column to Python objects (``sanitize_pandas_dataframe``)
and then walking it row by row (``DataFrame.to_dict(orient="records")``): most of the time a
report spends writing its chart specs (tens of thousands of rows on a large study). This
transformer gives the same records from whole columns (``tolist`` per column, NaN and
infinities as None, exactly as Altair does for each dtype), for the dtypes our charts hold;
a frame with anything else goes through Altair's own transformer. Altair still names and
consolidates the datasets, so the specs are byte-identical (tests/render/test_chart_values.py
compares both on every chart of the example study and of the awkward studies).

There is no row limit: chart data is bounded by our own ``chart_max_points``.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.data import limit_rows, to_values

DATA_TRANSFORMER = "hpo_report_values"

_NUMERIC = frozenset(
    np.dtype(name)
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "float32", "float64")
)
"""NumPy dtypes whose ``tolist`` gives the Python numbers Altair's ``astype(object)`` gives."""
_PLAIN = frozenset({str, type(None)})
"""What a string column holds once Altair has sanitized it."""


def inline_values(data: Any) -> dict[str, Any]:
    """``{"values": [records]}`` for a chart's data: what Altair's default transformer gives
    (with ``max_rows=None``), computed column-wise when every column's dtype is one handled here."""
    records = _records(data) if type(data) is pd.DataFrame else None
    if records is None:
        # Altair's default transformer with max_rows=None, as it is written.
        return dict(to_values(limit_rows(data, max_rows=None)))
    return {"values": records}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]] | None:
    """The frame's rows as dicts of Python values, or None when Altair's own path is needed:
    column names that are not unique plain strings (Altair renames or rejects them), a
    hierarchical index, no columns (records of a frame without columns keep its row count) or
    a column of any other dtype (an object column among them)."""
    names = list(frame.columns)
    if (
        not names
        or isinstance(frame.columns, pd.RangeIndex | pd.MultiIndex)
        or isinstance(frame.index, pd.MultiIndex)
        or any(type(name) is not str for name in names)
        or len(set(names)) != len(names)
    ):
        return None
    columns = []
    for name in names:
        column = _column(frame[name])
        if column is None:
            return None
        columns.append(column)
    # Columns of one frame: all of its length (strict zips cost a third more here).
    return [dict(zip(names, row, strict=False)) for row in zip(*columns, strict=False)]


def _column(series: pd.Series) -> list[Any] | None:
    """One column as ``sanitize_pandas_dataframe`` then ``to_dict`` leave it."""
    dtype = series.dtype
    if dtype in _NUMERIC:
        array = series.to_numpy()
        values: list[Any] = array.tolist()
        if array.dtype.kind == "f":
            # Altair: NaN and infinities are None (JSON has neither).
            for index in np.flatnonzero(~np.isfinite(array)).tolist():
                values[index] = None
        return values
    if str(dtype) in ("str", "string"):
        # Altair: as objects, missing values (NaN, pd.NA) as None.
        objects = series.astype(object)
        values = objects.tolist()
        for index in np.flatnonzero(objects.isna().to_numpy()).tolist():
            values[index] = None
        return values if set(map(type, values)) <= _PLAIN else None
    # Any other dtype goes to Altair. An object column among them: Altair's sanitizing lets
    # pandas infer its type again (floats and None become floats and NaN, strings and None a
    # string column with NaN), not worth copying for the few small frames that have one (the
    # contour cells' all-None bin edges).
    return None


alt.data_transformers.register(DATA_TRANSFORMER, inline_values)
