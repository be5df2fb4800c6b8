"""The I/O paths of issue 16: an unchanged re-run that loads nothing heavy, and the column-wise
rewrites of the snapshot (content hash, load order) that must equal what they replaced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator.cli import main
from generator.model.findings import Provenance
from generator.model.reader import ModelFormatError, _read, model_from_dict
from generator.snapshot.load import _in_order
from generator.snapshot.write import _plain_csv
from tests.studies import simple, sqlite_study

HEAVY = ("pandas", "numpy", "duckdb", "sqlalchemy", "optuna", "jinja2", "altair", "markdown_it", "scipy")
"""Libraries an unchanged re-run on a SQLite file has no use for (seconds of imports together)."""


def test_unchanged_rerun_imports_no_heavy_library(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 0
    probe = (
        "import sys; from generator.cli import main; "
        f"code = main(['--storage', {url!r}, '--study', 's', '--out', {str(out)!r}, '--quiet']); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    )
    assert "unchanged" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def pandas_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.17g", date_format="%Y-%m-%dT%H:%M:%S.%f")


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(
            {
                "number": [1, 2, 3, 4, 5, 6],
                "name": ["a,b", 'q"x', "line\nbreak", "", None, "cr\rx"],
                "value": [np.nan, np.inf, -np.inf, -0.0, 5e-324, 0.1 + 0.2],
                "text": pd.Series([" lead", "tab\there", "ünï", "=1+2", "x", "y"], dtype=object),
            }
        ),
        pd.DataFrame({"kind": pd.Series([], dtype=object), "key": pd.Series([], dtype=object)}),
        pd.DataFrame({"number": [3, 1], "step": np.array([7, 2], dtype=np.int64), "value": [1.5, 2.0]}),
    ],
)
def test_content_hash_csv_is_pandas_csv(frame: pd.DataFrame) -> None:
    assert _plain_csv(frame) == pandas_csv(frame)


def test_content_hash_csv_leaves_other_columns_to_pandas() -> None:
    assert _plain_csv(pd.DataFrame({"when": pd.to_datetime(["2024-01-01"])})) is None
    assert _plain_csv(pd.DataFrame({"mixed": pd.Series([1, "a"], dtype=object)})) is None


def test_load_order_sorts_what_is_not_in_key_order() -> None:
    frame = pd.DataFrame({"number": [1, 0, 1, 0], "name": ["b", "b", "a", "a"], "v": [1.0, 2.0, 3.0, 4.0]})
    ordered = _in_order(frame, ["number", "name"])
    assert ordered[["number", "name"]].values.tolist() == [[0, "a"], [0, "b"], [1, "a"], [1, "b"]]
    assert ordered["v"].tolist() == [4.0, 2.0, 3.0, 1.0]
    assert _in_order(ordered, ["number", "name"]) is ordered  # already in order: kept as it is


def test_compiled_reader_reports_errors_as_the_walk_does() -> None:
    good = {
        "generator_version": "1",
        "optuna_version": "5",
        "storage_kind": "sqlite",
        "storage": "s.db",
        "schema_version": "x",
        "input_hash": "h",
        "config_hash": "c",
        "command": "generate-report",
    }
    assert model_from_dict(good, Provenance) == _read(good, Provenance, "")
    for bad in ({**good, "surprise": 1}, {**good, "input_hash": 3}, {k: v for k, v in good.items() if k != "storage"}):
        with pytest.raises(ModelFormatError) as compiled:
            model_from_dict(bad, Provenance)
        with pytest.raises(ModelFormatError) as walked:
            _read(bad, Provenance, "")
        assert str(compiled.value) == str(walked.value)
    assert json.dumps(good)  # the document itself stays plain JSON
