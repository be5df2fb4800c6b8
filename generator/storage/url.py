"""Classify a ``--storage`` argument and redact secrets from it.

A storage is named either by a SQLAlchemy URL (``sqlite:///f.db``, ``postgresql://...``,
``mysql+pymysql://...``) or by a plain file path. Files are classified by their first bytes,
never by their extension: a JournalFileStorage log is often called ``something.db``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import UserError

if TYPE_CHECKING:  # SQLAlchemy loads only for URLs: a file path needs none of it
    from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_PREFIX = "sqlite:///"
_SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "secret", "token", "sslpassword", "key")


class StorageKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    JOURNAL = "journal"


@dataclass(frozen=True)
class StorageLocation:
    """Where a study lives. ``path`` is set for file storages, ``url`` for RDB servers."""

    kind: StorageKind
    display: str  # safe to print or record: no password, no secret query parameters
    path: Path | None = None
    url: URL | None = None


def redact(url: URL) -> str:
    """Render a URL without its password or secret-looking query parameters."""
    from sqlalchemy.engine import URL

    safe_query = {k: v for k, v in url.query.items() if not _is_secret_key(k)}
    # URL.set(password=None) means "unchanged" in SQLAlchemy, so build a fresh URL instead.
    safe = URL.create(
        drivername=url.drivername,
        username=url.username,
        password=None,
        host=url.host,
        port=url.port,
        database=url.database,
        query=safe_query,
    )
    return safe.render_as_string(hide_password=False)


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(secret in lowered for secret in _SECRET_QUERY_KEYS)


def sniff_file(path: Path) -> StorageKind:
    """Tell a SQLite database from a JournalFileStorage log by content."""
    if not path.exists():
        raise UserError(f"storage file not found: {path}; check the path (it is read, never created)")
    if path.is_dir():
        raise UserError(f"storage path is a directory: {path}; pass the SQLite or journal file itself")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UserError(f"cannot read storage file {path}: {exc.strerror}; check its permissions") from exc
    if head.startswith(SQLITE_MAGIC):
        return StorageKind.SQLITE
    if _looks_like_journal(head):
        return StorageKind.JOURNAL
    if not head:
        raise UserError(f"{path} is empty, so it holds no Optuna study; pass the file your sweep wrote")
    raise UserError(
        f"{path} is not an Optuna storage (neither a SQLite database nor a journal log); "
        "pass the file your sweep wrote or a database URL"
    )


def _looks_like_journal(head: bytes) -> bool:
    first_line = head.lstrip().split(b"\n", 1)[0]
    if not first_line.startswith(b"{"):
        return False
    try:
        record = json.loads(first_line)
    except ValueError:
        # A first line longer than the sniffed bytes: fall back to the key's presence.
        return b'"op_code"' in first_line
    return isinstance(record, dict) and "op_code" in record


def locate(storage: str) -> StorageLocation:
    """Turn the user's ``--storage`` string into a classified location."""
    storage = storage.strip()
    if not storage:
        raise UserError("--storage is empty; pass a URL such as sqlite:///study.db or a file path")
    if "://" not in storage:
        return _file_location(Path(storage))
    plain_sqlite = storage.startswith(_SQLITE_PREFIX) and not any(c in storage for c in "?%#")
    if plain_sqlite and storage[len(_SQLITE_PREFIX) :] not in ("", ":memory:"):
        # What make_url gives such a URL as its database, without loading SQLAlchemy (a
        # quarter second an unchanged re-run can do without).
        return _file_location(Path(storage[len(_SQLITE_PREFIX) :]))
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(storage)
    except (ArgumentError, ValueError) as exc:
        raise UserError(
            f"malformed storage URL {storage!r}; expected e.g. sqlite:///study.db, "
            "postgresql://user@host/db or mysql+pymysql://user@host/db"
        ) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UserError("a sqlite URL needs a file, e.g. sqlite:///path/to/study.db")
        return _file_location(Path(url.database))
    if backend in ("postgresql", "mysql", "mariadb"):
        kind = StorageKind.POSTGRESQL if backend == "postgresql" else StorageKind.MYSQL
        display = redact(url)  # as the user wrote it, minus secrets
        if "+" not in url.drivername:
            # A bare scheme means "the default driver", which differs between SQLAlchemy
            # versions; use the drivers this package installs (psycopg2, PyMySQL).
            url = url.set(drivername="postgresql+psycopg2" if kind is StorageKind.POSTGRESQL else f"{backend}+pymysql")
        return StorageLocation(kind=kind, display=display, url=url)
    raise UserError(
        f"unsupported storage URL scheme {url.drivername!r}; use sqlite:///, postgresql://, "
        "mysql+pymysql:// or a journal file path"
    )


def _file_location(path: Path) -> StorageLocation:
    kind = sniff_file(path)
    # Record the file name only: absolute paths would make outputs machine-dependent. A bare
    # file name is itself a valid --storage argument (the kind is sniffed from the content).
    return StorageLocation(kind=kind, display=path.name, path=Path(os.fspath(path)))
