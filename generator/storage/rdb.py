"""Fast, read-only reads of Optuna's RDB tables (SQLite, PostgreSQL, MySQL/MariaDB).

Optuna's object API builds a FrozenTrial per trial and is slow on large studies (about 25 s
and 1.5 GB for ``trials_dataframe()`` on 20,000 trials); reading the tables directly takes
about a second. The reader adapts to the schema it finds instead of migrating it, because
Optuna cannot open schemas older than its own without an upgrade, and Optuna 5 cannot even
upgrade pre-2.4 schemas (its v2.4.0.a migration fails). ``RDBStorage`` is never
instantiated on the user's database: it would create missing tables.

Consistency: all tables are read inside one read-only transaction (SQLite ``BEGIN``,
PostgreSQL ``REPEATABLE READ READ ONLY``, MySQL ``REPEATABLE READ`` with a consistent
snapshot), and the transaction ends as soon as the read is done.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from generator.errors import UserError
from generator.storage.records import (
    INTERMEDIATE_COLUMNS,
    PARAM_COLUMNS,
    STUDY_ATTR_COLUMNS,
    TRIAL_ATTR_COLUMNS,
    TRIAL_COLUMNS,
    VALUE_COLUMNS,
    StudyRecord,
)
from generator.storage.url import StorageKind, StorageLocation

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sqlalchemy.engine import URL

# pandas loads when a study is read (inside the functions that build frames), not when a
# server fingerprint answers an unchanged re-run.

# Before schema v3.0.0.c/d Optuna clipped infinities to float32's extremes; its migrations
# turn those back into infinities, and so do we.
_RDB_MAX_FLOAT = 3.4028234663852886e38
"""``float(np.finfo(np.float32).max)``."""
_OPTUNA_TABLES = {"studies", "trials", "trial_params"}


class _Session(Protocol):
    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def columns(self, table: str) -> set[str]: ...

    tables: set[str]

    def quote(self, name: str) -> str: ...


class _SqliteSession:
    """A read-only sqlite3 connection. ``mode=ro`` never creates or writes the file."""

    def __init__(self, path: Path) -> None:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            self._conn = sqlite3.connect(uri, uri=True, isolation_level=None)
            self._conn.execute("BEGIN")
            self.tables = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise UserError(f"cannot read SQLite file {path.name}: {exc}; is it a complete, uncorrupted copy?") from exc

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params or {}).fetchall()

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self._conn.execute(f'PRAGMA table_info("{table}")')}

    def quote(self, name: str) -> str:
        return f'"{name}"'

    def close(self) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.close()


class _ServerSession:
    """A PostgreSQL or MySQL connection inside one read-only, repeatable-read transaction."""

    def __init__(self, url: URL, display: str) -> None:
        # SQLAlchemy only for servers: SQLite files are read with sqlite3, without its import.
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.exc import SQLAlchemyError

        options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
        if url.get_backend_name() == "postgresql":
            options["postgresql_readonly"] = True
        connect_args = {"connect_timeout": 10}
        try:
            self._engine = create_engine(url, execution_options=options, connect_args=connect_args)
            self._conn = self._engine.connect()
            if url.get_backend_name() != "postgresql":
                self._conn.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            self.tables = set(inspect(self._conn).get_table_names())
        except ModuleNotFoundError as exc:
            raise UserError(
                f"the database driver for {display} is not installed ({exc.name}); install it or use "
                "postgresql+psycopg2:// or mysql+pymysql://"
            ) from exc
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UserError(
                f"cannot connect to {display}: {reason}; check the URL, credentials and that the server is running"
            ) from exc
        self._preparer = self._conn.dialect.identifier_preparer
        self.backend = url.get_backend_name()

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        return [tuple(r) for r in self._conn.execute(text(sql), params or {})]

    def columns(self, table: str) -> set[str]:
        from sqlalchemy import inspect

        return {c["name"] for c in inspect(self._conn).get_columns(table)}

    def quote(self, name: str) -> str:
        return str(self._preparer.quote_identifier(name))

    def close(self) -> None:
        self._conn.rollback()
        self._conn.close()
        self._engine.dispose()


@contextmanager
def open_session(location: StorageLocation) -> Iterator[_Session]:
    session: _SqliteSession | _ServerSession
    if location.kind is StorageKind.SQLITE:
        assert location.path is not None
        session = _SqliteSession(location.path)
    else:
        assert location.url is not None
        session = _ServerSession(location.url, location.display)
    try:
        if not _OPTUNA_TABLES <= session.tables:
            raise UserError(
                f"{location.display} holds no Optuna tables (studies, trials, trial_params); "
                "check that this is the storage your sweep wrote to"
            )
        yield session
    finally:
        session.close()


def schema_version(session: _Session) -> str:
    """Optuna's alembic revision (e.g. ``v3.2.0.a``), or the library version for pre-alembic files."""
    if "alembic_version" in session.tables:
        rows = session.rows("SELECT version_num FROM alembic_version")
        if rows:
            return str(rows[0][0])
    if "version_info" in session.tables:
        rows = session.rows("SELECT library_version FROM version_info")
        if rows:
            return f"library {rows[0][0]}"
    return "unknown"


def list_studies(session: _Session) -> list[tuple[str, dict[str, int]]]:
    """Every study name with its trial count per state, sorted by name."""
    counts: dict[str, dict[str, int]] = {str(name): {} for (name,) in session.rows("SELECT study_name FROM studies")}
    for name, state, n in session.rows(
        "SELECT s.study_name, t.state, COUNT(*) FROM trials t JOIN studies s ON s.study_id = t.study_id "
        "GROUP BY s.study_name, t.state"
    ):
        counts[str(name)][_state_name(state)] = int(n)
    return sorted(counts.items())


def read_study(session: _Session, name: str) -> StudyRecord:
    """Read one study's tables into a :class:`StudyRecord` (inside the open transaction)."""
    import pandas as pd

    found = session.rows("SELECT study_id FROM studies WHERE study_name = :name", {"name": name})
    if not found:
        raise LookupError(name)
    sid = int(found[0][0])
    arg = {"sid": sid}
    key = session.quote("key")
    trial_cols = session.columns("trials")
    legacy_values = "value" in trial_cols  # before v2.4.0.a: one objective on trials.value

    directions = _directions(session, sid)
    number_expr = "t.number" if "number" in trial_cols else "NULL"
    trial_rows = session.rows(
        f"SELECT {number_expr}, t.trial_id, t.state, t.datetime_start, t.datetime_complete "
        "FROM trials t WHERE t.study_id = :sid ORDER BY t.trial_id",
        arg,
    )
    trial_ids = [int(r[1]) for r in trial_rows]
    numbers = _trial_numbers(session, sid, trial_rows)
    number_of = dict(zip(trial_ids, numbers, strict=True))
    trials = pd.DataFrame(
        {
            "number": numbers,
            "trial_id": trial_ids,
            "state": [_state_name(r[2]) for r in trial_rows],
            "datetime_start": _datetimes([r[3] for r in trial_rows]),
            "datetime_complete": _datetimes([r[4] for r in trial_rows]),
        },
        columns=TRIAL_COLUMNS,
    )

    join = "JOIN trials t ON t.trial_id = x.trial_id WHERE t.study_id = :sid"
    if legacy_values:
        legacy_rows = [
            (r[1], 0, r[0])
            for r in session.rows("SELECT t.value, t.trial_id FROM trials t WHERE t.study_id = :sid", arg)
            if r[0] is not None
        ]
        inter_rows = session.rows(f"SELECT x.trial_id, x.step, x.value FROM trial_values x {join}", arg)
        values = _frame(VALUE_COLUMNS, [(number_of[t], o, _legacy_float(v)) for t, o, v in legacy_rows])
        intermediate = _frame(
            INTERMEDIATE_COLUMNS,
            [(number_of[t], int(s), _legacy_float(v)) for t, s, v in inter_rows if s is not None],
        )
    else:
        value_typed = "value_type" in session.columns("trial_values")
        vt = "x.value_type" if value_typed else "NULL"
        value_rows = session.rows(f"SELECT x.trial_id, x.objective, x.value, {vt} FROM trial_values x {join}", arg)
        values = _float_frame(VALUE_COLUMNS, value_rows, number_of, value_typed)
        inter_typed = "intermediate_value_type" in session.columns("trial_intermediate_values")
        it = "x.intermediate_value_type" if inter_typed else "NULL"
        inter_rows = session.rows(
            f"SELECT x.trial_id, x.step, x.intermediate_value, {it} FROM trial_intermediate_values x {join}", arg
        )
        intermediate = _float_frame(INTERMEDIATE_COLUMNS, inter_rows, number_of, inter_typed)

    param_rows = session.rows(
        f"SELECT x.trial_id, x.param_name, x.param_value, x.distribution_json FROM trial_params x {join}", arg
    )
    params = _param_frame(param_rows, number_of)

    study_attrs = _frame(
        STUDY_ATTR_COLUMNS,
        [
            (kind, str(k), str(v))
            for kind, table in (("user", "study_user_attributes"), ("system", "study_system_attributes"))
            for k, v in session.rows(f"SELECT {key}, value_json FROM {table} WHERE study_id = :sid", arg)
        ],
    )
    trial_attrs = _frame(
        TRIAL_ATTR_COLUMNS,
        [
            (number_of[t], kind, str(k), str(v))
            for kind, table in (("user", "trial_user_attributes"), ("system", "trial_system_attributes"))
            for t, k, v in session.rows(f"SELECT x.trial_id, x.{key}, x.value_json FROM {table} x {join}", arg)
        ],
    )
    return StudyRecord(
        name=name,
        directions=directions,
        trials=trials,
        values=values,
        params=params,
        intermediate=intermediate,
        study_attrs=study_attrs,
        trial_attrs=trial_attrs,
        source={"schema_version": schema_version(session)},
    )


def _directions(session: _Session, sid: int) -> tuple[str, ...]:
    if "study_directions" in session.tables:
        rows = session.rows(
            "SELECT objective, direction FROM study_directions WHERE study_id = :sid ORDER BY objective",
            {"sid": sid},
        )
        directions = tuple(_direction_name(d) for _, d in rows)
    else:
        directions = tuple(
            _direction_name(d)
            for (d,) in session.rows("SELECT direction FROM studies WHERE study_id = :sid", {"sid": sid})
        )
    # Optuna stores NOT_SET for studies created but never given a direction; it means minimize.
    return tuple("minimize" if d == "not_set" else d for d in directions) or ("minimize",)


def _trial_numbers(session: _Session, sid: int, trial_rows: Sequence[tuple[Any, ...]]) -> list[int]:
    if all(r[0] is not None for r in trial_rows):
        return [int(r[0]) for r in trial_rows]
    # Schema 0.9 kept the number in a system attribute; without it, Optuna numbered trials
    # by creation order, which is trial_id order within the study.
    key = session.quote("key")
    stored = {
        int(t): int(float(v))
        for t, v in session.rows(
            f"SELECT x.trial_id, x.value_json FROM trial_system_attributes x JOIN trials t "
            f"ON t.trial_id = x.trial_id WHERE t.study_id = :sid AND x.{key} = '_number'",
            {"sid": sid},
        )
    }
    return [stored.get(int(r[1]), i) for i, r in enumerate(trial_rows)]


def _state_name(state: Any) -> str:
    return str(getattr(state, "name", state)).upper()


def _direction_name(direction: Any) -> str:
    return str(getattr(direction, "name", direction)).lower()


def _float_frame(
    columns: list[str], rows: Sequence[Sequence[Any]], number_of: dict[int, int], typed: bool
) -> pd.DataFrame:
    """``columns`` (number, an integer key, value) from ``(trial_id, key, value, value_type)``
    rows, whole columns at a time (a study has one row per trial and objective or step).

    With ``typed`` (Optuna >= 3.0 schemas) the value type marks infinities and NaN, and a NULL
    value is NaN; without it the legacy rule applies (``_legacy_float``: the RDB's clip at
    about 1.8e308 stands for infinity)."""
    import numpy as np
    import pandas as pd

    if not rows:
        return _frame(columns, [])
    raw = pd.DataFrame.from_records(rows, columns=["trial_id", "key", "value", "type"])
    values = raw["value"].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    if typed:
        kind = raw["type"].map({t: _state_name(t) for t in raw["type"].unique()}).to_numpy()
        values[kind == "INF_POS"] = math.inf
        values[kind == "INF_NEG"] = -math.inf
        values[kind == "NAN"] = math.nan
    else:
        values = _legacy_floats(values)
    frame = pd.DataFrame(
        {
            columns[0]: _numbers(raw["trial_id"], number_of),
            columns[1]: raw["key"].to_numpy(dtype=np.int64),
            columns[2]: values,
        },
        columns=columns,
    )
    return frame.sort_values(columns[:2], kind="stable").reset_index(drop=True)


def _numbers(trial_ids: pd.Series, number_of: dict[int, int]) -> np.ndarray:
    """Each trial id's trial number, as int64."""
    import numpy as np

    return trial_ids.map(number_of).to_numpy(dtype=np.int64)


def _legacy_floats(values: np.ndarray) -> np.ndarray:
    """``_legacy_float`` over an array (NaN for SQL NULL already)."""
    import numpy as np

    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        clipped = np.isinf(values) | (np.abs(size - _RDB_MAX_FLOAT) <= 1e-6 * np.maximum(size, _RDB_MAX_FLOAT))
    return np.where(clipped, np.copysign(np.inf, values), values)


def _param_frame(rows: Sequence[Sequence[Any]], number_of: dict[int, int]) -> pd.DataFrame:
    """PARAM_COLUMNS from ``(trial_id, name, internal value, distribution JSON)`` rows, a column at a time."""
    import numpy as np
    import pandas as pd

    if not rows:
        return _frame(PARAM_COLUMNS, [])
    frame = pd.DataFrame.from_records(rows, columns=PARAM_COLUMNS)
    frame["number"] = _numbers(frame["number"], number_of)  # trial ids until now
    frame["internal"] = frame["internal"].to_numpy(dtype=np.float64)
    for column in ("name", "distribution_json"):
        if not all(type(v) is str for v in frame[column].unique()):  # SQLite gives str; others may not
            frame[column] = frame[column].map(str)
    return frame.sort_values(["number", "name"], kind="stable").reset_index(drop=True)


def _legacy_float(value: Any) -> float:
    if value is None:
        return math.nan
    number = float(value)
    if math.isinf(number) or math.isclose(abs(number), _RDB_MAX_FLOAT, rel_tol=1e-6):
        return math.copysign(math.inf, number)
    return number


def _datetimes(raw: list[Any]) -> pd.Series:
    import pandas as pd

    # SQLite returns ISO strings, servers return datetime objects; both become naive timestamps.
    series = pd.to_datetime(pd.Series(raw, dtype="object"), format="ISO8601", errors="coerce")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert(None)
    return series.astype("datetime64[us]")


def _frame(columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=columns)
    sort_keys = [c for c in ("number", "objective", "step", "name", "kind", "key") if c in columns]
    return frame.sort_values(sort_keys, kind="stable").reset_index(drop=True) if len(frame) else frame


# Every table a StudyRecord is read from, with how its rows belong to the study: "study" rows
# carry study_id, "trial" rows carry trial_id. Surrogate ids are part of the digest too: they
# only change when rows are rewritten, which may (and then does) cost one full read.
_FINGERPRINT_TABLES = (
    ("studies", "study"),
    ("study_directions", "study"),
    ("study_user_attributes", "study"),
    ("study_system_attributes", "study"),
    ("trials", "study"),
    ("trial_values", "trial"),
    ("trial_params", "trial"),
    ("trial_intermediate_values", "trial"),
    ("trial_user_attributes", "trial"),
    ("trial_system_attributes", "trial"),
)
_GROUP_CONCAT_MAX = 1 << 30


def server_fingerprint(session: _Session, name: str) -> str | None:
    """A digest of every row of the study on a PostgreSQL or MySQL server, computed by the server.

    Each row becomes text (every column, length-prefixed, NULL marked, floats in the server's
    shortest round-trip form), rows are hashed per trial (MD5 of the sorted rows) on the
    server, and only those per-trial digests travel: ~32 bytes a trial instead of the study.
    Any added, removed or changed row changes it. None when it cannot be computed exactly
    (a MySQL GROUP_CONCAT that would truncate), so the caller falls back to a full read.
    """
    backend = getattr(session, "backend", None)
    if backend not in ("postgresql", "mysql", "mariadb"):
        return None
    found = session.rows("SELECT study_id FROM studies WHERE study_name = :name", {"name": name})
    if not found:
        return None
    arg = {"sid": int(found[0][0])}
    postgres = backend == "postgresql"
    if not postgres:
        _execute(session, f"SET SESSION group_concat_max_len = {_GROUP_CONCAT_MAX}")
    digest = hashlib.sha256(f"{backend}\0{name}".encode())
    for table, scope in _FINGERPRINT_TABLES:
        if table not in session.tables:
            continue
        columns = sorted(session.columns(table))
        parts = []
        for column in columns:
            ref = f"x.{session.quote(column)}"
            if postgres:
                parts.append(f"COALESCE(length(CAST({ref} AS TEXT)) || ':' || CAST({ref} AS TEXT), '~')")
            else:
                parts.append(f"COALESCE(CONCAT(CHAR_LENGTH(CAST({ref} AS CHAR)), ':', CAST({ref} AS CHAR)), '~')")
        row = " || '|' || ".join(parts) if postgres else "CONCAT_WS('|', " + ", ".join(parts) + ")"
        if scope == "trial":
            source, group = "JOIN trials t ON t.trial_id = x.trial_id WHERE t.study_id = :sid", "x.trial_id"
        else:
            source = "WHERE x.study_id = :sid"
            group = "x.trial_id" if table == "trials" else "x.study_id"
        if postgres:
            aggregate = f"md5(string_agg({row}, chr(10) ORDER BY {row})), 0, 0"
        else:
            concat = f"GROUP_CONCAT({row} ORDER BY {row} SEPARATOR '\\n')"
            aggregate = f"MD5({concat}), CHAR_LENGTH({concat}), SUM(CHAR_LENGTH({row})) + COUNT(*) - 1"
        rows = session.rows(
            f"SELECT {group}, COUNT(*), {aggregate} FROM {table} x {source} GROUP BY {group} ORDER BY {group}", arg
        )
        digest.update(f"\0{table}\0".encode())
        for key, count, md5, length, expected in rows:
            if int(length) != int(expected):
                return None  # truncated: this digest would not see every row
            digest.update(f"{key}:{count}:{md5}\n".encode())
    return f"{backend}:{digest.hexdigest()}"


def _execute(session: _Session, sql: str) -> None:
    conn = getattr(session, "_conn", None)
    assert conn is not None
    conn.exec_driver_sql(sql)
