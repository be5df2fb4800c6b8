"""Load snapshot.duckdb into typed, in-memory form for the analysis stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


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


def load_snapshot(path: Path) -> Snapshot:
    con = duckdb.connect(str(path), read_only=True)
    try:

        def frame(sql: str) -> pd.DataFrame:
            return con.execute(sql).df()

        provenance = dict(con.execute("SELECT key, value FROM provenance ORDER BY key").fetchall())
        directions = tuple(d for (d,) in con.execute("SELECT direction FROM objectives ORDER BY objective").fetchall())
        return Snapshot(
            study_name=provenance["study_name"],
            directions=directions,
            provenance=provenance,
            trials=frame("SELECT * FROM trials ORDER BY number"),
            values=frame("SELECT * FROM trial_values ORDER BY number, objective"),
            params=frame("SELECT * FROM params ORDER BY number, name"),
            intermediate=frame("SELECT * FROM intermediate_values ORDER BY number, step"),
            study_attrs=frame("SELECT * FROM study_attrs ORDER BY kind, key"),
            trial_attrs=frame("SELECT * FROM trial_attrs ORDER BY number, kind, key"),
        )
    finally:
        con.close()
