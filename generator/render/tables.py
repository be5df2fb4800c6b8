"""CSV artifacts. Fixed column order, fixed float format, LF line endings: diff-friendly.

Every float is written with 10 significant digits (``FLOAT_FORMAT``), in numeric columns
and in mixed ones alike, so another machine's floating point (BLAS, libm), which moves the
15th digit, does not change the file. Every string cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
``'`` (OWASP's CSV-injection defence); numbers, including negative ones, are left as numbers.
A carriage return inside a cell is written as a line feed, which the writer quotes.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

FLOAT_FORMAT = "%.10g"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet evaluate a cell (OWASP CSV injection)."""
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf")


def to_csv(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = _safe_column(safe[column])
    safe.columns = [csv_cell(c) if isinstance(c, str) else c for c in safe.columns]
    return safe.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def _safe_column(column: pd.Series) -> pd.Series:
    """The CSV text of ``column.map(csv_cell)``, a column at a time where its cells are of one
    kind (a trials table of 20,000 rows has hundreds of thousands of cells): integers and
    booleans are kept, floats formatted in one pass, strings neutralised with whole-column
    string operations (few start like a formula or hold a carriage return); other columns
    go cell by cell."""
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred in ("integer", "boolean") and column.dtype == object and not column.isna().any():
        return column  # csv_cell keeps each cell; written as str(cell) like the column map infers
    if inferred == "floating" and column.dtype == object:
        return pd.Series(
            [v if v is None or v != v else FLOAT_FORMAT % v for v in column.tolist()],
            index=column.index,
            name=column.name,
            dtype=object,
        )
    if inferred != "string" or not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
        return column.map(csv_cell)
    values = column.to_numpy(dtype=object, copy=True)
    where = np.flatnonzero(pd.notna(values))  # missing cells pass through csv_cell unchanged
    text = pd.Series(values[where], dtype=object)
    risky = text.str.startswith(FORMULA_STARTS).to_numpy(dtype=bool)
    if risky.any():
        formula = ~text[risky].str.fullmatch(_NUMBER).to_numpy(dtype=bool)
        at = where[risky][formula]
        values[at] = ["'" + v for v in values[at]]
    at = where[text.str.contains("\r", regex=False).to_numpy(dtype=bool)]
    values[at] = [v.replace("\r\n", "\n").replace("\r", "\n") for v in values[at]]
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


def csv_cell(value: Any) -> Any:
    """One cell of a mixed column: floats at ``FLOAT_FORMAT``, formula-like strings neutralised."""
    if isinstance(value, float) and not isinstance(value, bool):
        return value if math.isnan(value) else FLOAT_FORMAT % value
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
            value = "'" + value
        # The writer quotes cells holding its line terminator (LF) but not a lone CR, which
        # readers take for a line break: CRs become LFs, so the cell is quoted and stays whole.
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value
