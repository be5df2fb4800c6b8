"""Read-only access to Optuna storages: list studies, read one study into a StudyRecord."""

from __future__ import annotations

from generator.errors import UserError
from generator.storage import journal, rdb
from generator.storage.records import StudyRecord
from generator.storage.url import StorageKind, StorageLocation, locate

__all__ = ["StorageLocation", "StudyRecord", "list_studies", "locate", "read_study"]


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
