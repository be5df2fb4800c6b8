from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from generator.errors import UserError
from generator.storage.url import StorageKind, locate, redact


def test_password_and_secret_query_are_removed() -> None:
    url = make_url("postgresql://alice:s3cret@db.example:5432/optuna?sslpassword=x&application_name=hpo")
    shown = redact(url)
    assert "s3cret" not in shown and "sslpassword" not in shown
    assert shown == "postgresql://alice@db.example:5432/optuna?application_name=hpo"


def test_journal_is_recognised_by_content_not_extension(tmp_path: Path) -> None:
    journal = tmp_path / "study.db"
    journal.write_text('{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}\n')
    assert locate(str(journal)).kind is StorageKind.JOURNAL
    assert locate(f"sqlite:///{journal}").kind is StorageKind.JOURNAL


def test_sqlite_recognised_by_magic(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "weird.log"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    assert locate(str(db)).kind is StorageKind.SQLITE


@pytest.mark.parametrize(
    ("storage", "fragment"),
    [
        ("", "--storage is empty"),
        ("redis://localhost", "unsupported storage URL scheme"),
        ("://nowhere", "malformed storage URL"),
        ("postgresql://u@h:notaport/db", "malformed storage URL"),
        ("sqlite:///", "needs a file"),
    ],
)
def test_bad_urls_are_one_line_errors(storage: str, fragment: str) -> None:
    with pytest.raises(UserError) as info:
        locate(storage)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_not_a_storage_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("hello\n")
    with pytest.raises(UserError, match="not an Optuna storage"):
        locate(str(junk))
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="is empty"):
        locate(str(empty))
    with pytest.raises(UserError, match="not found"):
        locate(str(tmp_path / "missing.db"))
