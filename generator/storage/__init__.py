"""Read-only access to Optuna storages: list studies, read one study into a StudyRecord."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.errors import UserError
from generator.storage import journal, rdb
from generator.storage.records import StudyRecord
from generator.storage.url import StorageKind, StorageLocation, locate

__all__ = ["StorageLocation", "StudyRecord", "list_studies", "locate", "read_study", "study_fingerprint"]


def list_studies(location: StorageLocation) -> list[tuple[str, dict[str, int]]]:
    """Every study in the storage with its trial counts by state."""
    if location.kind is StorageKind.JOURNAL:
        assert location.path is not None
        with journal.open_journal(location.path) as storage:
            return journal.list_studies(storage)
    with rdb.open_session(location) as session:
        return rdb.list_studies(session)


def read_study(location: StorageLocation, study: str | None) -> StudyRecord:
    """Read one study. ``study=None`` picks the only study, or explains the choice to make."""
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
    with rdb.open_session(location) as session:
        names = [str(name) for (name,) in session.rows("SELECT study_name FROM studies")]
        chosen = _choose(location, sorted(names), study)
        if location.kind is StorageKind.SQLITE:
            assert location.path is not None
            path = location.path
            companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-journal")]
            return chosen, "sqlite:" + _file_digest([path, *companions])
        fingerprint = rdb.server_fingerprint(session, chosen)
    return None if fingerprint is None else (chosen, fingerprint)


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
