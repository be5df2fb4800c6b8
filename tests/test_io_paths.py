"""The I/O paths of issue 16: an unchanged re-run that loads nothing heavy, and the column-wise
rewrites of the snapshot (load order) that must equal what they replaced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from generator.cli import main
from generator.model.findings import Provenance
from generator.model.reader import ModelFormatError, _read, model_from_dict
from generator.snapshot.load import _in_order
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
