"""Real PostgreSQL and MariaDB: the snapshot equals Optuna's view, and the report is produced."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
import sqlalchemy

from generator.cli import main
from tests.snapshot_compare import assert_snapshot_matches, snapshot_of
from tests.studies import AWKWARD, build


def _row_counts(url: str) -> dict[str, int]:
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        tables = sqlalchemy.inspect(conn).get_table_names()
        counts = {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables}
    engine.dispose()
    return counts


@pytest.mark.parametrize("server", ["postgres_url", "mysql_url"])
@pytest.mark.parametrize("name", ["conditional", "with_running", "multi_objective", "inf_values"])
def test_server_study_matches_optuna_and_reports(server: str, name: str, request, tmp_path: Path) -> None:
    url = request.getfixturevalue(server)
    builder, directions = AWKWARD[name]
    build(url, name, builder, directions)
    before = _row_counts(url)

    snapshot = snapshot_of(url, name, tmp_path)
    assert_snapshot_matches(snapshot, optuna.storages.RDBStorage(url), name)

    assert main(["--storage", url, "--study", name, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (version,) = sorted(p.parent for p in (tmp_path / "out" / "report").glob("*/*/findings.json"))
    document = json.loads((version / "findings.json").read_text())
    assert document["provenance"]["storage_kind"] == ("postgresql" if server == "postgres_url" else "mysql")
    assert _row_counts(url) == before, "the report must not write to the source database"


def test_password_never_reaches_outputs(postgres_url: str, tmp_path: Path) -> None:
    """Trust auth ignores the password, so a fake one travels all the way through."""
    url = sqlalchemy.engine.make_url(postgres_url).set(password="topsecret-pw")
    plain = url.render_as_string(hide_password=False)
    build(plain, "s", AWKWARD["conditional"][0], ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", plain, "--study", "s", "--out", str(out), "--quiet"]) == 0
    for path in out.rglob("*"):
        if path.is_file():
            assert b"topsecret-pw" not in path.read_bytes(), path


@pytest.mark.parametrize("server", ["postgres_url", "mysql_url"])
def test_server_fingerprint_changes_with_every_row_and_skips_unchanged_reruns(
    server: str, request, tmp_path: Path
) -> None:
    """Any added or changed trial, value, param, state or attribute changes the fingerprint (never a
    false "unchanged"); an unchanged study makes no version and rewrites nothing."""
    import math

    from generator.storage import locate, study_fingerprint
    from tests.studies import X, add

    url = request.getfixturevalue(server)
    study = build(url, "f", AWKWARD["conditional"][0], ["maximize"])
    add(study, {"x": 0.5}, {"x": X}, 0.75, user_attrs={"note": "a"}, intermediate={0: 0.1, 1: 0.2})
    running = study.ask({"x": X})
    location = locate(url)
    out = tmp_path / "out"

    def fingerprint() -> str:
        found = study_fingerprint(location, "f")
        assert found is not None and found[0] == "f"
        return found[1]

    def versions() -> list[Path]:
        return sorted(p for p in (out / "report").glob("*/*") if p.is_dir())

    seen = [fingerprint()]
    assert seen[0] == fingerprint(), "a fingerprint is a function of the content"
    assert seen[0].startswith("postgresql:" if server == "postgres_url" else "mysql:")
    assert main(["--storage", url, "--study", "f", "--out", str(out), "--quiet"]) == 0
    (first,) = versions()
    assert json.loads((first / "findings.json").read_text())["provenance"]["storage_fingerprint"] == seen[0]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert main(["--storage", url, "--study", "f", "--out", str(out), "--quiet"]) == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before

    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        (old,) = conn.exec_driver_sql("SELECT value FROM trial_values ORDER BY trial_value_id LIMIT 1").one()
    key = '"key"' if server == "postgres_url" else "`key`"
    changes = [
        # one value moved by one ulp: the servers print floats in shortest round-trip form
        (
            "UPDATE trial_values SET value = :v WHERE trial_value_id = (SELECT m FROM (SELECT MIN(trial_value_id) AS m FROM trial_values) s)",
            {"v": math.nextafter(old, math.inf)},
        ),
        (
            "UPDATE trial_params SET param_value = param_value + 0.125 WHERE param_id = (SELECT m FROM (SELECT MIN(param_id) AS m FROM trial_params) s)",
            {},
        ),
        ("UPDATE trial_intermediate_values SET intermediate_value = 0.3 WHERE step = 1", {}),
        (f"UPDATE trial_user_attributes SET value_json = '\"b\"' WHERE {key} = 'note'", {}),
        (
            "UPDATE trials SET state = 'FAIL' WHERE trial_id = (SELECT m FROM (SELECT MIN(trial_id) AS m FROM trials) s)",
            {},
        ),
    ]
    for sql, params in changes:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(sql), params)
        seen.append(fingerprint())
        assert seen[-1] not in seen[:-1], sql
    engine.dispose()
    running.set_user_attr("late", 1)
    seen.append(fingerprint())
    study.tell(running, 0.9)
    seen.append(fingerprint())
    add(study, {"x": 0.1}, {"x": X}, 0.1)
    seen.append(fingerprint())
    assert len(set(seen)) == len(seen)
    assert main(["--storage", url, "--study", "f", "--out", str(out), "--quiet"]) == 0
    assert len(versions()) == 2
