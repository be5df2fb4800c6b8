"""Load a snapshot (a folder of Parquet tables, or a format-1 ``snapshot.duckdb`` file) for analysis."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from generator.snapshot.externals import EXTERNAL_COLUMNS, with_externals
from generator.snapshot.schema import ORDER


@dataclass(frozen=True)
class Snapshot:
    """Everything the analysis may look at. Frames are sorted by trial number (then key)."""

    study_name: str
    directions: tuple[str, ...]
    provenance: dict[str, str]
    trials: pd.DataFrame
    values: pd.DataFrame
    params: pd.DataFrame
    intermediate: pd.DataFrame
    study_attrs: pd.DataFrame
    trial_attrs: pd.DataFrame
    analysed_states: tuple[str, ...] = ("COMPLETE",)
    """Trial states whose values the analysis uses; ``analysis/pruned.py`` adds PRUNED on request."""


def load_snapshot(path: Path) -> Snapshot:
    """Read the snapshot at ``path``: a folder written by ``write_snapshot`` or an older DuckDB file."""
    folder = path.is_dir()
    con = duckdb.connect(":memory:" if folder else str(path), read_only=not folder)
    try:

        def source(table: str) -> str:
            if not folder:
                return table
            return "read_parquet('" + str(path / f"{table}.parquet").replace("'", "''") + "')"

        def frame(table: str) -> pd.DataFrame:
            return _in_order(con.execute(f"SELECT * FROM {source(table)}").df(), ORDER[table].split(", "))

        provenance = dict(con.execute(f"SELECT key, value FROM {source('provenance')} ORDER BY key").fetchall())
        directions = tuple(
            d for (d,) in con.execute(f"SELECT direction FROM {source('objectives')} ORDER BY objective").fetchall()
        )
        return Snapshot(
            study_name=provenance["study_name"],
            directions=directions,
            provenance=provenance,
            trials=frame("trials"),
            values=frame("trial_values"),
            params=_params(frame("params")),
            intermediate=frame("intermediate_values"),
            study_attrs=frame("study_attrs"),
            trial_attrs=frame("trial_attrs"),
        )
    finally:
        con.close()


def _params(params: pd.DataFrame) -> pd.DataFrame:
    """The params with their external values: stored by formats 1 and 2, rebuilt from
    ``internal`` for format 3 (``externals.py``)."""
    if all(c in params.columns for c in EXTERNAL_COLUMNS):
        return params
    return with_externals(params)


def _in_order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``keys``, which are unique per row.

    ``write_snapshot`` stores every table in this order already and a plain scan keeps it, so
    the order is checked (one pass) rather than sorted again in DuckDB (a string sort of every
    param row: most of a load). Anything else (an older snapshot, another writer) is sorted
    here, stably; with unique keys and code-point order for strings, as DuckDB's ORDER BY.
    """
    if _sorted_by(frame, keys):
        return frame
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _sorted_by(frame: pd.DataFrame, keys: list[str]) -> bool:
    if len(frame) < 2:
        return True
    undecided = np.ones(len(frame) - 1, dtype=bool)  # rows whose order earlier keys left open
    try:
        for key in keys:
            values = frame[key].to_numpy()
            before, after = values[:-1], values[1:]
            if np.any(undecided & (after < before)):
                return False
            undecided &= ~(after > before)
    except TypeError:  # NULLs among strings: let the sort decide
        return False
    return not undecided.any()  # equal keys in two rows: not a table this reader knows
