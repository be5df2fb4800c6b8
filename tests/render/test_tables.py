"""render/tables.py: the column-at-a-time CSV cells write what the cell-by-cell rule writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from generator.render.tables import FLOAT_FORMAT, csv_cell, to_csv

HOSTILE = ["@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "+cmd", "\tTAB", "\rCR", "a\r\nb", "=x\ry", "-", "", "safe"]
NUMERIC_TEXT = ["-1.5", "+inf", "-inf", "-.5e3", "+2"]

COLUMNS = {
    "strings": pd.Series(HOSTILE + NUMERIC_TEXT + [None, np.nan], dtype=object),
    "str dtype": pd.Series(HOSTILE + NUMERIC_TEXT + [None], dtype="str"),
    "ints": pd.Series([1, -2, 2**40, np.int64(7)], dtype=object),
    "ints with missing": pd.Series([1, None, 2**40], dtype=object),
    "booleans": pd.Series([True, False, True], dtype=object),
    "booleans with missing": pd.Series([True, None], dtype=object),
    "floats": pd.Series([1.5, np.nan, None, 1e20, -1 / 3, np.float64(2.0)], dtype=object),
    "mixed": pd.Series([1.5, "=a", None, 3, True, -1 / 7], dtype=object),
    "all missing": pd.Series([None, None], dtype=object),
    "empty": pd.Series([], dtype=object),
}


def cell_by_cell(frame: pd.DataFrame) -> str:
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(csv_cell)
    return safe.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_each_kind_of_column_is_written_as_cell_by_cell(name: str) -> None:
    column = COLUMNS[name]
    frame = pd.DataFrame({"x": column.reset_index(drop=True), "n": np.arange(len(column), dtype=float) / 3})
    assert to_csv(frame) == cell_by_cell(frame)


def test_formula_cells_are_neutralised_and_numbers_kept() -> None:
    text = to_csv(pd.DataFrame({"x": pd.Series(["=1+1", "-3", "-x", "ok"], dtype=object)}))
    assert text.splitlines() == ["x", "'=1+1", "-3", "'-x", "ok"]
