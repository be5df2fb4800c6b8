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
