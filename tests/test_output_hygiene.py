"""Output hygiene: CSV cells a spreadsheet would run as formulas, floats at a stated precision,
a small byte-identical snapshot, and unchanged re-runs recognised by a storage fingerprint."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import sqlite3
from pathlib import Path

import duckdb
import optuna
import pandas as pd
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from generator.cli import main
from generator.model.serialize import FLOAT_DIGITS, dumps
from generator.render.tables import to_csv
from generator.snapshot import content_hash, load_snapshot, write_snapshot
from generator.storage import locate, read_study, study_fingerprint
from tests.studies import X, add, simple, sqlite_study

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "visual_classifier_cpu_sweep.db"
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")'
HOSTILE_LEVELS = ["@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "+cmd", "\tTAB", "\rCR", "safe"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def generate(storage: str, study: str | None, out: Path) -> int:
    return main(["--storage", storage, *(["--study", study] if study else []), "--out", str(out), "--quiet"])


def versions(out: Path) -> list[Path]:
    return sorted(p for p in (out / "report").glob("*/*") if p.is_dir())


def mtimes(out: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in out.rglob("*")}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- CSV formula injection ---------------------------------------------------------------------------------


def hostile(study: optuna.Study) -> None:
    dists = {HOSTILE_NAME: FloatDistribution(-1.0, 1.0), "level": CategoricalDistribution(HOSTILE_LEVELS)}
    for i in range(24):
        x = -1.0 + 2.0 * ((i * 7) % 24) / 23
        add(study, {HOSTILE_NAME: x, "level": HOSTILE_LEVELS[i % 6]}, dists, value=x - 0.5 + (i % 6) / 10)


def test_no_csv_cell_can_run_as_a_formula_and_numbers_stay_numbers(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", hostile, ["maximize"])
    assert generate(url, "s", tmp_path / "out") == 0
    (version,) = versions(tmp_path / "out")
    cells: list[str] = []
    for path in sorted(version.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:  # keep a CR inside a cell as it is
            rows = list(csv.reader(handle))
        cells += [cell for row in rows for cell in row]
    assert len(cells) > 100
    dangerous = [c for c in cells if c.startswith(FORMULA) and not _is_number(c)]
    assert dangerous == []
    # The hostile strings are there, neutralised by a leading quote, and readable back.
    assert "'" + HOSTILE_NAME in cells
    for level in HOSTILE_LEVELS[:-1]:
        assert "'" + level.replace("\r", "\n") in cells, level  # a CR cell is quoted, its CR an LF
    assert not any("\r" in c for c in cells)
    assert "safe" in cells
    # Negative numbers are numbers, written bare.
    trials = pd.read_csv(version / "artifacts" / "trials.csv")
    assert (trials["value"] < 0).any() and pd.api.types.is_float_dtype(trials["value"])


def test_csv_cells_in_mixed_columns_are_neutralised_and_floats_formatted() -> None:
    frame = pd.DataFrame(
        {"name": ["=1+1", "-0.5", "-x", "ok"], "mixed": [0.1 + 0.2, None, "@a", -1.5], "n": [-1.25, 2.0, 3.0, -0.5]}
    )
    rows = list(csv.reader(io.StringIO(to_csv(frame))))
    assert rows == [
        ["name", "mixed", "n"],
        ["'=1+1", "0.3", "-1.25"],
        ["-0.5", "", "2"],
        ["'-x", "'@a", "3"],
        ["ok", "-1.5", "-0.5"],
    ]


# --- floats at a stated precision -------------------------------------------------------------------------


def test_floats_differing_at_the_15th_digit_serialize_identically() -> None:
    a, b = 0.5969376836730949, 0.5969376836730937
    assert a != b
    assert dumps({"x": a, "y": [b]}).replace("y", "x") == dumps({"x": b, "y": [a]}).replace("y", "x")
    assert dumps({"x": a}) == dumps({"x": b}) == '{\n  "x": 0.596937683673\n}\n'


def test_a_round_trip_keeps_12_significant_digits() -> None:
    for value in (math.pi, -1 / 3, 6.02214076e23, 1.234567890123456e-300, 2.0, 0.1 + 0.2):
        back = json.loads(dumps({"v": value}))["v"]
        assert back == float(f"{value:.{FLOAT_DIGITS}g}")
        assert math.isclose(back, value, rel_tol=10 ** -(FLOAT_DIGITS - 1) / 2)
        assert json.loads(dumps({"v": back}))["v"] == back  # rounding is idempotent
    assert json.loads(dumps({"n": 12345678901234567, "inf": math.inf})) == {"n": 12345678901234567, "inf": None}


# --- the snapshot ----------------------------------------------------------------------------------------


def test_snapshot_is_small_byte_identical_and_readable_by_duckdb(tmp_path: Path) -> None:
    record = read_study(locate(str(EXAMPLE)), None)
    digests = []
    for name in ("a", "b"):
        write_snapshot(record, tmp_path / name, {"input_hash": content_hash(record), "config": "{}"})
        files = sorted((tmp_path / name).iterdir())
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
    assert set(digests[0]) == {
        f"{t}.parquet"
        for t in (
            "provenance",
            "objectives",
            "trials",
            "trial_values",
            "params",
            "intermediate_values",
            "study_attrs",
            "trial_attrs",
        )
    }
    size = sum(p.stat().st_size for p in (tmp_path / "a").iterdir())
    assert size <= 2 * EXAMPLE.stat().st_size, size
    # Plain DuckDB reads it, provenance included; load_snapshot gives the study back.
    con = duckdb.connect()
    (input_hash,) = con.execute(
        f"SELECT value FROM '{tmp_path / 'a'}/provenance.parquet' WHERE key = 'input_hash'"
    ).fetchone()
    (n,) = con.execute(f"SELECT count(*) FROM '{tmp_path / 'a'}/trials.parquet'").fetchone()
    assert input_hash == content_hash(record) and n == len(record.trials)
    snapshot = load_snapshot(tmp_path / "a")
    assert snapshot.trials["number"].tolist() == record.trials["number"].tolist()
    assert snapshot.provenance["config"] == "{}" and snapshot.provenance["snapshot_format"] == "3"
    # Format 3 stores each param's internal value alone; the loader adds the external value,
    # as Optuna hands it to the objective (JSON text, and the number where it is one).
    (stored,) = con.execute(
        f"SELECT count(*) FROM (DESCRIBE '{tmp_path / 'a'}/params.parquet') WHERE column_name LIKE 'value_%'"
    ).fetchone()
    assert stored == 0
    assert _external_values(snapshot.params) == _optuna_externals()


def _external_values(params: pd.DataFrame) -> dict[tuple[int, str], tuple[str, float | None]]:
    return {
        (int(n), str(name)): (str(text), None if math.isnan(number) else float(number))
        for n, name, text, number in zip(
            params["number"], params["name"], params["value_json"], params["value_num"], strict=True
        )
    }


def _optuna_externals() -> dict[tuple[int, str], tuple[str, float | None]]:
    """The example study's parameter values as Optuna returns them: JSON, and the number where
    the value is a number (not a boolean)."""
    study = optuna.load_study(study_name=None, storage=f"sqlite:///{EXAMPLE}")
    return {
        (t.number, name): (json.dumps(v), float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None)
        for t in study.trials
        for name, v in t.params.items()
    }


def _as_format_2(folder: Path, target: Path) -> None:
    """A copy of snapshot ``folder`` as format 2 wrote it: params.parquet with ``value_json`` and
    ``value_num`` stored after ``internal`` (computed here from Optuna's values, not the loader's)."""
    target.mkdir()
    con = duckdb.connect()
    external = pd.DataFrame(
        [
            (n, name, text, math.nan if number is None else number)
            for (n, name), (text, number) in _optuna_externals().items()
        ],
        columns=["number", "name", "value_json", "value_num"],
    )
    con.register("external", external)
    for table in sorted(p.stem for p in folder.iterdir()):
        source = f"'{folder / table}.parquet'"
        if table == "params":
            source = (
                f"(SELECT p.number, p.name, p.internal, e.value_json, e.value_num, p.* EXCLUDE (number, name, internal) "
                f"FROM {source} p JOIN external e USING (number, name) ORDER BY p.number, p.name)"
            )
        elif table == "provenance":
            source = f"(SELECT key, CASE key WHEN 'snapshot_format' THEN '2' ELSE value END AS value FROM {source})"
        con.execute(f"COPY {source} TO '{target / table}.parquet' (FORMAT parquet)")
    con.close()


def test_a_format_2_snapshot_with_stored_external_values_still_loads(tmp_path: Path) -> None:
    """Versions written before format 3 stored ``value_json`` and ``value_num``: the report
    folder keeps them, and --compare-with and the changes read them."""
    record = read_study(locate(str(EXAMPLE)), None)
    write_snapshot(record, tmp_path / "snapshot", {"input_hash": content_hash(record)})
    _as_format_2(tmp_path / "snapshot", tmp_path / "format2")
    new, old = load_snapshot(tmp_path / "snapshot"), load_snapshot(tmp_path / "format2")
    assert old.provenance["snapshot_format"] == "2" and "value_json" in old.params.columns
    for frame in ("trials", "values", "params", "intermediate", "study_attrs", "trial_attrs"):
        pd.testing.assert_frame_equal(getattr(new, frame), getattr(old, frame))


# --- unchanged re-runs by fingerprint --------------------------------------------------------------------


def test_sqlite_unchanged_rerun_is_known_by_fingerprint_and_every_change_makes_a_version(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    study = optuna.load_study(study_name="s", storage=url)
    running = study.ask({"x": X})
    out = tmp_path / "out"
    assert generate(url, "s", out) == 0
    (first,) = versions(out)
    recorded = json.loads((first / "findings.json").read_text())["provenance"]["storage_fingerprint"]
    assert recorded == study_fingerprint(locate(url), "s")[1] and recorded.startswith("sqlite:")
    before = mtimes(out)
    assert generate(url, "s", out) == 0
    assert mtimes(out) == before, "an unchanged study rewrites nothing"
    # Optuna finishes the running trial: state and value change.
    study.tell(running, 0.25)
    assert generate(url, "s", out) == 0
    assert len(versions(out)) == 2
    # One value changed in place by one ulp (no Optuna API does this; a fix-up script might).
    with sqlite3.connect(tmp_path / "s.db") as con:
        (old,) = con.execute("SELECT value FROM trial_values ORDER BY trial_value_id LIMIT 1").fetchone()
        con.execute(
            "UPDATE trial_values SET value = ? WHERE trial_value_id = (SELECT min(trial_value_id) FROM trial_values)",
            (math.nextafter(old, math.inf),),
        )
    con.close()
    assert generate(url, "s", out) == 0
    assert len(versions(out)) == 3


def test_journal_unchanged_rerun_is_known_by_fingerprint_and_a_change_makes_a_version(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.create_study(study_name="j", storage=storage, direction="maximize")
    simple(study)
    running = study.ask({"x": X})
    out = tmp_path / "out"
    assert generate(str(path), "j", out) == 0
    (first,) = versions(out)
    recorded = json.loads((first / "findings.json").read_text())["provenance"]["storage_fingerprint"]
    assert recorded.startswith("journal:") and recorded == study_fingerprint(locate(str(path)), "j")[1]
    before = mtimes(out)
    assert generate(str(path), "j", out) == 0
    assert mtimes(out) == before
    running.set_user_attr("note", "changed")
    assert study_fingerprint(locate(str(path)), "j")[1] != recorded
    study.tell(running, 0.5)
    assert generate(str(path), "j", out) == 0
    assert len(versions(out)) == 2
    # Without --study a journal cannot be fingerprinted before its replay; it still works.
    assert study_fingerprint(locate(str(path)), None) is None
    before = mtimes(out)
    assert generate(str(path), None, out) == 0
    assert mtimes(out) == before


def test_a_write_to_another_study_costs_a_read_but_makes_no_version(tmp_path: Path) -> None:
    """The SQLite fingerprint covers the whole file: another study's new trial changes it, the full
    read then finds this study's content unchanged, and nothing is written."""
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    other = optuna.create_study(study_name="other", storage=url)
    add(other, {"x": 0.5}, {"x": X}, 1.0)
    out = tmp_path / "out"
    assert generate(url, "s", out) == 0
    fingerprint = study_fingerprint(locate(url), "s")
    add(other, {"x": 0.7}, {"x": X}, 2.0)
    assert study_fingerprint(locate(url), "s") != fingerprint
    before = mtimes(out)
    assert generate(url, "s", out) == 0
    assert mtimes(out) == before and len(versions(out)) == 1


def test_a_format_1_snapshot_duckdb_file_still_loads(tmp_path: Path) -> None:
    """Versions written before the Parquet snapshot hold one DuckDB file with the same tables."""
    record = read_study(locate(str(EXAMPLE)), None)
    write_snapshot(record, tmp_path / "snapshot", {"input_hash": content_hash(record)})
    # Format 1 held the external values too, as format 2 did.
    _as_format_2(tmp_path / "snapshot", tmp_path / "format2")
    con = duckdb.connect(str(tmp_path / "snapshot.duckdb"))
    for table in sorted(p.stem for p in (tmp_path / "format2").iterdir()):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM '{tmp_path / 'format2' / table}.parquet'")
    con.close()
    new, old = load_snapshot(tmp_path / "format2"), load_snapshot(tmp_path / "snapshot.duckdb")
    for frame in ("trials", "values", "params", "intermediate", "study_attrs", "trial_attrs"):
        pd.testing.assert_frame_equal(getattr(new, frame), getattr(old, frame))
    assert (new.provenance, new.directions, new.study_name) == (old.provenance, old.directions, old.study_name)
