"""Read-only access to Optuna storages: list studies, read one study into a StudyRecord."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from generator.errors import UserError
from generator.storage.url import StorageKind, StorageLocation, locate

if TYPE_CHECKING:
    from generator.storage.records import StudyRecord

# The readers (journal: Optuna; rdb: pandas, NumPy, SQLAlchemy) load on first use, so that
# ``study_fingerprint`` on a file answers an unchanged re-run without those imports.


def __getattr__(name: str) -> Any:
    if name == "StudyRecord":
        from generator.storage.records import StudyRecord

        return StudyRecord
    raise AttributeError(name)


__all__ = ["StorageLocation", "StudyRecord", "list_studies", "locate", "read_study", "study_fingerprint"]


def list_studies(location: StorageLocation) -> list[tuple[str, dict[str, int]]]:
    """Every study in the storage with its trial counts by state."""
    from generator.storage import journal, rdb

    if location.kind is StorageKind.JOURNAL:
        assert location.path is not None
        with journal.open_journal(location.path) as storage:
            return journal.list_studies(storage)
    with rdb.open_session(location) as session:
        return rdb.list_studies(session)


def read_study(location: StorageLocation, study: str | None) -> StudyRecord:
    """Read one study. ``study=None`` picks the only study, or explains the choice to make."""
    from generator.storage import journal, rdb

    if location.kind is StorageKind.JOURNAL:
        assert location.path is not None
        with journal.open_journal(location.path) as storage:
            names = [name for name, _ in journal.list_studies(storage)]
            chosen = _choose(location, names, study)
            record = journal.read_study(storage, chosen)
    else:
        with rdb.open_session(location) as session:
            names = [name for name, _ in rdb.list_studies(session)]
            chosen = _choose(location, names, study)
            record = rdb.read_study(session, chosen)
    record.source["storage_kind"] = location.kind.value
    record.source["storage"] = location.display
    return record


def study_fingerprint(location: StorageLocation, study: str | None) -> tuple[str, str] | None:
    """The study's name and a fingerprint of its content, without reading the study.

    Equal fingerprints mean the study's content is unchanged (a changed trial, value, param,
    state or attribute always changes it); unequal ones may still hide unchanged content (a
    write to another study in the same file), which only costs a full read. Take it before
    the full read: then a fingerprint recorded beside a snapshot never describes newer data.

    - SQLite: SHA-256 of the database file and its -wal / -journal companions (the file is
      the whole storage; hashing it reads bytes, not rows, at disk speed).
    - Journal log: SHA-256 of the log, when the study is named (naming it otherwise needs
      the replay this avoids): None.
    - PostgreSQL / MySQL: per-trial digests of every row, computed by the server.
    None when no fingerprint can be had cheaply; the caller then reads the study.
    """
    if location.kind is StorageKind.JOURNAL:
        assert location.path is not None
        return None if study is None else (study, "journal:" + _file_digest([location.path]))
    if location.kind is StorageKind.SQLITE:
        assert location.path is not None
        path = location.path
        names = _sqlite_study_names(path)
        chosen = _chosen_quietly(names, study)
        if chosen is None:
            return None  # the full read explains what is wrong
        companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
        return chosen, "sqlite:" + _file_digest([path, *companions])
    from generator.storage import rdb

    with rdb.open_session(location) as session:
        names = [str(name) for (name,) in session.rows("SELECT study_name FROM studies")]
        chosen = _choose(location, sorted(names), study)
        fingerprint = rdb.server_fingerprint(session, chosen)
    return None if fingerprint is None else (chosen, fingerprint)


def _sqlite_study_names(path: Path) -> list[str]:
    """Study names of a SQLite storage through a read-only connection; empty when unreadable."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            return [str(name) for (name,) in conn.execute("SELECT study_name FROM studies")]
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def _chosen_quietly(names: list[str], study: str | None) -> str | None:
    if study is None:
        return names[0] if len(names) == 1 else None
    return study if study in names else None


def _file_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if not path.is_file():
            continue
        digest.update(f"\0{path.name[len(paths[0].name) :]}\0".encode())
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _choose(location: StorageLocation, names: list[str], study: str | None) -> str:
    if not names:
        raise UserError(f"{location.display} holds no studies; run a sweep first or check the storage")
    if study is None:
        if len(names) == 1:
            return names[0]
        raise UserError(f"{location.display} holds {len(names)} studies; choose one with --study: {_quoted(names)}")
    if study not in names:
        raise UserError(f"no study named {study!r} in {location.display}; available: {_quoted(names)}")
    return study


def _quoted(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more (see --list)" if len(names) > limit else "")
