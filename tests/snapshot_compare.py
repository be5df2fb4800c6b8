"""Compare a snapshot with Optuna's own view of the same study, field by field."""

from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path

import optuna
import pandas as pd
from optuna.distributions import _convert_old_distribution_to_new_distribution, json_to_distribution

from generator.snapshot import Snapshot, content_hash, load_snapshot, write_snapshot
from generator.storage import locate, read_study


def snapshot_of(storage: str, study: str, tmp: Path) -> Snapshot:
    record = read_study(locate(storage), study)
    path = tmp / f"snap-{abs(hash(study)) % 10**8}"
    shutil.rmtree(path, ignore_errors=True)
    write_snapshot(record, path, {"input_hash": content_hash(record)})
    return load_snapshot(path)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _ts(value: object) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def assert_snapshot_matches(snapshot: Snapshot, storage: optuna.storages.BaseStorage, study_name: str) -> None:
    study_id = storage.get_study_id_from_name(study_name)
    trials = sorted(storage.get_all_trials(study_id, deepcopy=False), key=lambda t: t.number)
    assert snapshot.directions == tuple(d.name.lower() for d in storage.get_study_directions(study_id))
    assert snapshot.trials["number"].tolist() == [t.number for t in trials]
    assert snapshot.trials["state"].tolist() == [t.state.name for t in trials]
    for row, trial in zip(snapshot.trials.itertuples(), trials, strict=True):
        assert _ts(row.datetime_start) == _ts(trial.datetime_start)
        assert _ts(row.datetime_complete) == _ts(trial.datetime_complete)

    values = {n: g.sort_values("objective")["value"].tolist() for n, g in snapshot.values.groupby("number")}
    for trial in trials:
        expected = list(trial.values or [])
        got = values.get(trial.number, [])
        assert len(got) == len(expected), trial.number
        assert all(_same(a, b) for a, b in zip(got, expected, strict=True)), (trial.number, got, expected)

    params = {n: g for n, g in snapshot.params.groupby("number")}
    for trial in trials:
        group = params.get(trial.number)
        got = {} if group is None else dict(zip(group["name"], group["value_json"].map(json.loads), strict=True))
        assert got == trial.params, trial.number
        if group is not None:
            for name, dist_json in zip(group["name"], group["distribution_json"], strict=True):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    parsed = _convert_old_distribution_to_new_distribution(json_to_distribution(dist_json))
                    expected = _convert_old_distribution_to_new_distribution(trial.distributions[name])
                assert parsed == expected, (trial.number, name)

    inter = {n: dict(zip(g["step"], g["value"], strict=True)) for n, g in snapshot.intermediate.groupby("number")}
    for trial in trials:
        got = inter.get(trial.number, {})
        assert set(got) == set(trial.intermediate_values), trial.number
        assert all(_same(got[s], trial.intermediate_values[s]) for s in got), trial.number

    attrs = snapshot.trial_attrs
    for trial in trials:
        mine = attrs[attrs["number"] == trial.number]
        user = {
            k: json.loads(v)
            for k, v, kind in zip(mine["key"], mine["value_json"], mine["kind"], strict=True)
            if kind == "user"
        }
        system = {
            k: json.loads(v)
            for k, v, kind in zip(mine["key"], mine["value_json"], mine["kind"], strict=True)
            if kind == "system"
        }
        assert user == trial.user_attrs, trial.number
        assert system == trial.system_attrs, trial.number
    study_user = {
        k: json.loads(v)
        for k, v, kind in zip(
            snapshot.study_attrs["key"], snapshot.study_attrs["value_json"], snapshot.study_attrs["kind"], strict=True
        )
        if kind == "user"
    }
    assert study_user == storage.get_study_user_attrs(study_id)


def snapshot_of_study(study: optuna.Study, tmp: Path) -> Snapshot:
    """Snapshot an in-memory Optuna study (no storage file), through the same record and writer."""
    from generator.storage.journal import record_from_optuna

    record = record_from_optuna(study._storage, study._study_id, study.study_name, schema_version="in-memory")
    record.source.update(storage_kind="memory", storage="memory")
    path = tmp / f"mem-{abs(hash(study.study_name)) % 10**8}-{len(record.trials)}"
    shutil.rmtree(path, ignore_errors=True)
    write_snapshot(record, path, {"input_hash": content_hash(record)})
    return load_snapshot(path)
