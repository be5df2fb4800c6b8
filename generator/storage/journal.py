"""Reading JournalFileStorage logs through Optuna's own replay, on a private copy.

A journal is an operation log: the study only exists after replaying it, and Optuna's
replay is the reference implementation, so we use it rather than re-implement it. Optuna
opens the log for appending and takes a lock file beside it; working on a copy in a
temporary directory keeps the user's file (and its directory) untouched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import optuna
import pandas as pd
from optuna.distributions import distribution_to_json
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

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


@contextmanager
def open_journal(path: Path) -> Iterator[JournalStorage]:
    with tempfile.TemporaryDirectory(prefix="hpo-report-journal-") as tmp:
        copy = Path(tmp) / "journal.log"
        shutil.copyfile(path, copy)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                storage = JournalStorage(JournalFileBackend(str(copy)))
        except Exception as exc:  # noqa: BLE001 - any replay failure means an unreadable log
            raise UserError(f"cannot replay journal {path.name}: {exc}; is it a complete Optuna journal log?") from exc
        yield storage


def list_studies(storage: JournalStorage) -> list[tuple[str, dict[str, int]]]:
    result = []
    for study in storage.get_all_studies():
        counts: dict[str, int] = {}
        for trial in storage.get_all_trials(study._study_id, deepcopy=False):
            counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
        result.append((study.study_name, counts))
    return sorted(result)


def read_study(storage: JournalStorage, name: str) -> StudyRecord:
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError as exc:
        raise LookupError(name) from exc
    return record_from_optuna(storage, study_id, name, schema_version="journal")


def record_from_optuna(
    storage: optuna.storages.BaseStorage, study_id: int, name: str, schema_version: str
) -> StudyRecord:
    """Build a StudyRecord from Optuna's object API (any storage Optuna can open)."""
    trials = storage.get_all_trials(study_id, deepcopy=False)
    trial_rows, value_rows, param_rows, inter_rows, attr_rows = [], [], [], [], []
    for t in trials:
        trial_rows.append((t.number, t._trial_id, t.state.name, t.datetime_start, t.datetime_complete))
        for objective, value in enumerate(t.values or ()):
            value_rows.append((t.number, objective, float(value)))
        for pname, dist in t.distributions.items():
            param_rows.append(
                (t.number, pname, float(dist.to_internal_repr(t.params[pname])), distribution_to_json(dist))
            )
        for step, value in t.intermediate_values.items():
            inter_rows.append((t.number, int(step), float(value)))
        for kind, attrs in (("user", t.user_attrs), ("system", t.system_attrs)):
            for key, value in attrs.items():
                attr_rows.append((t.number, kind, key, json.dumps(value)))
    study_attr_rows = [
        (kind, key, json.dumps(value))
        for kind, attrs in (
            ("user", storage.get_study_user_attrs(study_id)),
            ("system", storage.get_study_system_attrs(study_id)),
        )
        for key, value in attrs.items()
    ]
    directions = tuple(d.name.lower() for d in storage.get_study_directions(study_id))
    trial_frame = pd.DataFrame.from_records(trial_rows, columns=TRIAL_COLUMNS)
    for column in ("datetime_start", "datetime_complete"):
        trial_frame[column] = pd.to_datetime(trial_frame[column]).astype("datetime64[us]")
    return StudyRecord(
        name=name,
        directions=tuple("minimize" if d == "not_set" else d for d in directions) or ("minimize",),
        trials=trial_frame.sort_values("number").reset_index(drop=True),
        values=_sorted(pd.DataFrame.from_records(value_rows, columns=VALUE_COLUMNS), ["number", "objective"]),
        params=_sorted(pd.DataFrame.from_records(param_rows, columns=PARAM_COLUMNS), ["number", "name"]),
        intermediate=_sorted(pd.DataFrame.from_records(inter_rows, columns=INTERMEDIATE_COLUMNS), ["number", "step"]),
        study_attrs=_sorted(pd.DataFrame.from_records(study_attr_rows, columns=STUDY_ATTR_COLUMNS), ["kind", "key"]),
        trial_attrs=_sorted(
            pd.DataFrame.from_records(attr_rows, columns=TRIAL_ATTR_COLUMNS), ["number", "kind", "key"]
        ),
        source={"schema_version": schema_version},
    )


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if len(frame) else frame
