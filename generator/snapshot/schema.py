"""The snapshot's tables: one per concept, every per-trial table keyed by ``number``.

A snapshot is a folder (``snapshot/``) of Parquet files, one per table, that DuckDB (or any
Parquet reader) queries directly: ``SELECT * FROM 'snapshot/trials.parquet'``. Types are
these DuckDB column types; rows are stored in ``ORDER`` so the bytes never depend on
insertion order or threads.
"""

SNAPSHOT_FORMAT = "3"
"""1: one ``snapshot.duckdb`` file; 2: a folder of Parquet files; 3: the same, without the
params' ``value_json`` and ``value_num``, which the loader rebuilds from ``internal``
(``externals.py``). All three load."""

SNAPSHOT_DIR = "snapshot"
"""The snapshot folder's name inside a version folder."""

TABLES: dict[str, str] = {
    "provenance": "key VARCHAR PRIMARY KEY, value VARCHAR",
    "objectives": "objective INTEGER PRIMARY KEY, direction VARCHAR",
    "trials": (
        "number INTEGER PRIMARY KEY, trial_id BIGINT, state VARCHAR, datetime_start TIMESTAMP, "
        "datetime_complete TIMESTAMP, duration_s DOUBLE"
    ),
    "trial_values": "number INTEGER, objective INTEGER, value DOUBLE",
    "params": (
        "number INTEGER, name VARCHAR, internal DOUBLE, "
        "dist_type VARCHAR, low DOUBLE, high DOUBLE, log BOOLEAN, step DOUBLE, choices_json VARCHAR, "
        "distribution_json VARCHAR"
    ),
    "intermediate_values": "number INTEGER, step BIGINT, value DOUBLE",
    "study_attrs": "kind VARCHAR, key VARCHAR, value_json VARCHAR",
    "trial_attrs": "number INTEGER, kind VARCHAR, key VARCHAR, value_json VARCHAR",
}

ORDER: dict[str, str] = {
    "provenance": "key",
    "objectives": "objective",
    "trials": "number",
    "trial_values": "number, objective",
    "params": "number, name",
    "intermediate_values": "number, step",
    "study_attrs": "kind, key",
    "trial_attrs": "number, kind, key",
}
"""Each table's row order: its key, which every loader also sorts by."""
