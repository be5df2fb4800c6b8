from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

REPO = Path(__file__).resolve().parent.parent
SHARED_STUDIES = REPO.parent / "shared" / "studies"

PG_ADMIN_URL = os.environ.get("HPO_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("HPO_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")


def shared_storage_files() -> list[Path]:
    """Every storage file in ../shared/studies (empty when the folder is absent)."""
    if not SHARED_STUDIES.is_dir():
        return []
    return sorted(p for p in SHARED_STUDIES.rglob("*") if p.is_file() and p.suffix != ".md")


def require_shared() -> None:
    if not SHARED_STUDIES.is_dir():
        pytest.skip("../shared/studies is absent")


@pytest.fixture
def shared_copy(tmp_path: Path):
    """Copy a shared storage file so tests that compare with Optuna's API never touch the original."""

    def copy(path: Path) -> Path:
        target = tmp_path / "copies" / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, target)
        return target

    return copy


def _fresh_database(admin_url: str, kind: str) -> Iterator[str]:
    name = f"hpo_test_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sqlalchemy.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if kind == "postgresql":
                conn.exec_driver_sql(
                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the local server (dropped afterwards)."""
    yield from _fresh_database(PG_ADMIN_URL, "postgresql")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """A fresh, empty MariaDB/MySQL database on the local server (dropped afterwards)."""
    yield from _fresh_database(MYSQL_ADMIN_URL, "mysql")
