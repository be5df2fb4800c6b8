"""DuckDB DDL for snapshot.duckdb. One table per concept, every per-trial table keyed by ``number``."""

SNAPSHOT_FORMAT = "1"

TABLES: dict[str, str] = {
    "provenance": "key VARCHAR PRIMARY KEY, value VARCHAR",
    "objectives": "objective INTEGER PRIMARY KEY, direction VARCHAR",
    "trials": (
        "number INTEGER PRIMARY KEY, trial_id BIGINT, state VARCHAR, datetime_start TIMESTAMP, "
        "datetime_complete TIMESTAMP, duration_s DOUBLE"
    ),
    "trial_values": "number INTEGER, objective INTEGER, value DOUBLE",
    "params": (
        "number INTEGER, name VARCHAR, internal DOUBLE, value_json VARCHAR, value_num DOUBLE, "
        "dist_type VARCHAR, low DOUBLE, high DOUBLE, log BOOLEAN, step DOUBLE, choices_json VARCHAR, "
        "distribution_json VARCHAR"
    ),
    "intermediate_values": "number INTEGER, step BIGINT, value DOUBLE",
    "study_attrs": "kind VARCHAR, key VARCHAR, value_json VARCHAR",
    "trial_attrs": "number INTEGER, kind VARCHAR, key VARCHAR, value_json VARCHAR",
}
