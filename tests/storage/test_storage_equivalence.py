"""The fast raw read equals Optuna's own API on every file in ../shared/studies."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from generator.storage import list_studies, locate, read_study
from generator.storage.url import StorageKind
from tests.conftest import shared_storage_files
from tests.snapshot_compare import assert_snapshot_matches, snapshot_of

# Optuna 5's own migration fails on these (v2.4.0.a inserts without intermediate_value_type),
# so there is no Optuna view to compare with; their content is checked literally below.
PRE_2_4 = {"0.9.0.a.db", "1.2.0.a.db", "1.3.0.a.db"}

FILES = [p for p in shared_storage_files() if p.name not in PRE_2_4]


def optuna_view(copy: Path) -> optuna.storages.BaseStorage:
    if locate(str(copy)).kind is StorageKind.JOURNAL:
        return JournalStorage(JournalFileBackend(str(copy)))
    storage = optuna.storages.RDBStorage(f"sqlite:///{copy}", skip_compatibility_check=True)
    if storage.get_current_version() != storage.get_head_version():
        storage.upgrade()  # on the private copy only
    return optuna.storages.RDBStorage(f"sqlite:///{copy}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_raw_read_equals_optuna_api(path: Path, shared_copy, tmp_path: Path) -> None:
    copy = shared_copy(path)
    names = [name for name, _ in list_studies(locate(str(path)))]
    assert names, "every shared file holds at least one study"
    storage = optuna_view(copy)
    assert sorted(s.study_name for s in storage.get_all_studies()) == names
    for name in names:
        snapshot = snapshot_of(str(path), name, tmp_path)
        assert_snapshot_matches(snapshot, storage, name)


@pytest.mark.parametrize("name", sorted(PRE_2_4))
def test_pre_2_4_schemas_read_literally(name: str, tmp_path: Path) -> None:
    from tests.conftest import SHARED_STUDIES

    path = SHARED_STUDIES / "optuna_schema_versions" / name
    if not path.exists():
        pytest.skip("../shared/studies is absent")
    snapshot = snapshot_of(str(path), "single", tmp_path)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    (value,) = raw.execute("SELECT value FROM trials").fetchone()
    assert snapshot.directions == ("minimize",)
    assert snapshot.trials["state"].tolist() == ["COMPLETE"]
    assert snapshot.trials["number"].tolist() == [0]
    assert snapshot.values["value"].tolist() == [value]
    assert sorted(snapshot.params["name"]) == ["x", "y", "z"]
    assert snapshot.params.set_index("name").loc["z", "dist_type"] == "categorical"
    assert snapshot.intermediate[["step", "value"]].values.tolist() == [[0, 0.5]]
    user = snapshot.study_attrs[snapshot.study_attrs["kind"] == "user"]
    assert user[["key", "value_json"]].values.tolist() == [["d", "3"]]
    empty = read_study(locate(str(path)), "single_empty")
    assert empty.trials.empty
