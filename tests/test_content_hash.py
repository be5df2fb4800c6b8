"""The study content hash (``snapshot.write.content_hash``): pinned bytes, sensitive to every
cell, blind to storage ids and to how a storage types the same content."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from generator.snapshot.write import column_encoding, content_hash
from generator.storage import list_studies, locate, read_study
from generator.storage.records import StudyRecord
from tests.conftest import require_shared, shared_storage_files

# Changing this digest (the serialization) means every existing report's next run makes one
# new, otherwise identical version when its storage fingerprint also changed: the stored
# input_hash no longer matches. Only change it on purpose.
PINNED = "d48e9d66e9e285bb3ac11dc9e44ace34716688687dbf83113c2b2ad59fc35a57"


def record() -> StudyRecord:
    """A small study with every column kind the storages produce (str, int, float, datetime)."""
    start = pd.Series(
        pd.to_datetime(["2024-03-01 10:00:00.000001", "2024-03-01 10:00:05", None], format="ISO8601"),
        dtype="datetime64[us]",
    )
    return StudyRecord(
        name="pinned",
        directions=("minimize", "maximize"),
        trials=pd.DataFrame(
            {
                "number": [0, 1, 2],
                "trial_id": [11, 12, 13],
                "state": pd.Series(["COMPLETE", "PRUNED", "RUNNING"], dtype="str"),
                "datetime_start": start,
                "datetime_complete": start + pd.Timedelta(seconds=2),
            }
        ),
        values=pd.DataFrame({"number": [0, 0, 1], "objective": [0, 1, 0], "value": [0.25, -0.0, np.inf]}),
        params=pd.DataFrame(
            {
                "number": [0, 0, 1, 1],
                "name": pd.Series(["lr", "opt", "lr", "opt"], dtype="str"),
                "internal": [1e-3, 0.0, 0.1 + 0.2, 1.0],
                "distribution_json": pd.Series(['{"low": 0}', '{"choices": ["a", "b"]}'] * 2, dtype="str"),
            }
        ),
        intermediate=pd.DataFrame({"number": [0, 0, 1], "step": [0, 1, 0], "value": [0.5, np.nan, 2.0]}),
        study_attrs=pd.DataFrame(
            {
                "kind": pd.Series(["user"], dtype=object),
                "key": ["note"],
                "value_json": pd.Series(['"ünï,\\n"'], dtype=object),
            }
        ),
        trial_attrs=pd.DataFrame(
            {
                "number": [0, 1],
                "kind": pd.Series(["system", "user"], dtype=object),
                "key": pd.Series(["a", "b"], dtype=object),
                "value_json": pd.Series([None, "1"], dtype=object),
            }
        ),
    )


def changed(edit: Callable[[StudyRecord], None]) -> str:
    study = record()
    edit(study)
    return content_hash(study)


def test_pinned_digest() -> None:
    assert content_hash(record()) == PINNED


def _set(frame: str, column: str, row: int, value: object) -> Callable[[StudyRecord], None]:
    def edit(study: StudyRecord) -> None:
        getattr(study, frame).loc[row, column] = value

    return edit


def _replace(frame: str, build: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[StudyRecord], None]:
    def edit(study: StudyRecord) -> None:
        setattr(study, frame, build(getattr(study, frame)))

    return edit


def _append(frame: pd.DataFrame, row: list[object]) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame([row], columns=frame.columns)], ignore_index=True)


EDITS: dict[str, Callable[[StudyRecord], None]] = {
    "float one ulp": _set("values", "value", 0, np.nextafter(0.25, 1.0)),
    "negative zero to zero": _set("values", "value", 1, 0.0),
    "inf to -inf": _set("values", "value", 2, -np.inf),
    "nan to zero": _set("intermediate", "value", 1, 0.0),
    "value to nan": _set("intermediate", "value", 0, np.nan),
    "int cell": _set("intermediate", "step", 1, 2),
    "state": _set("trials", "state", 1, "FAIL"),
    "datetime one microsecond": _set("trials", "datetime_start", 0, pd.Timestamp("2024-03-01 10:00:00.000002")),
    "datetime to missing": _set("trials", "datetime_complete", 1, pd.NaT),
    "param name": _set("params", "name", 3, "momentum"),
    "distribution": _set("params", "distribution_json", 0, '{"low": 1}'),
    "string to missing": _set("trial_attrs", "value_json", 1, None),
    "missing to empty string": _set("trial_attrs", "value_json", 0, ""),
    "swap two strings, same uniques": _replace(
        "params", lambda f: f.assign(name=pd.Series(["opt", "lr", "lr", "opt"], dtype="str"))
    ),
    "value moved to the next column": _replace(
        "study_attrs", lambda f: f.assign(kind=pd.Series(["usernote"], dtype=object), key=[""])
    ),
    "text moved across a column boundary": _replace(
        "study_attrs", lambda f: f.assign(kind=pd.Series(["use"], dtype=object), key=["rnote"])
    ),
    "text moved between two distinct strings": _replace(
        "params", lambda f: f.assign(name=pd.Series(["l", "ropt", "l", "ropt"], dtype="str"))
    ),
    "column renamed": _replace("values", lambda f: f.rename(columns={"value": "values"})),
    "columns reordered": _replace("values", lambda f: f[["objective", "number", "value"]]),
    "extra empty row": _replace("study_attrs", lambda f: _append(f, ["", "", ""])),
    "extra missing row": _replace("trial_attrs", lambda f: _append(f, [2, None, None, None])),
    "row moved to another frame": _replace("study_attrs", lambda f: f.iloc[:0]),
    "study name": lambda study: setattr(study, "name", "pinned2"),
    "directions": lambda study: setattr(study, "directions", ("maximize", "minimize")),
}


def test_every_single_change_changes_the_hash() -> None:
    base = content_hash(record())
    digests = {label: changed(edit) for label, edit in EDITS.items()}
    assert all(digest != base for digest in digests.values()), [k for k, v in digests.items() if v == base]
    assert len(set(digests.values())) == len(digests), "two different edits gave the same hash"


def test_storage_ids_and_storage_typing_do_not_change_the_hash() -> None:
    base = content_hash(record())

    def same(edit: Callable[[StudyRecord], None]) -> bool:
        return changed(edit) == base

    assert same(_replace("trials", lambda f: f.assign(trial_id=[7, 3, 99])))
    assert same(
        _replace("trials", lambda f: f.astype({"datetime_start": "datetime64[ns]", "datetime_complete": "M8[ns]"}))
    )
    assert same(
        _replace(
            "trials",
            lambda f: f.assign(datetime_start=f["datetime_start"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")),
        )
    )
    assert same(_replace("params", lambda f: f.astype({"name": object, "distribution_json": object})))
    assert same(_replace("values", lambda f: f.astype({"number": "int32", "objective": "Int64"})))
    assert same(_replace("values", lambda f: f.astype({"value": "Float64"})))


def test_datetimes_below_a_microsecond_still_count() -> None:
    at = pd.Series(pd.to_datetime(["2024-03-01 10:00:00.000001"]), dtype="datetime64[ns]")
    assert column_encoding(at)[0] == "datetime_us"
    finer = at + pd.Timedelta(nanoseconds=1)
    assert column_encoding(finer)[0] == "datetime_ns"
    assert changed(
        _replace("trials", lambda f: f.assign(datetime_start=[finer[0], *f["datetime_start"][1:]]))
    ) != content_hash(record())


def test_empty_frames_hash_alike_whatever_their_dtype() -> None:
    def empty(dtype: str) -> Callable[[StudyRecord], None]:
        return _replace("intermediate", lambda f: f.iloc[:0].astype(dtype))

    assert changed(empty("object")) == changed(empty("float64")) != content_hash(record())


def test_mixed_object_column_falls_back_to_csv_and_is_sensitive() -> None:
    mixed = pd.Series([1, "a", None, 2.5], dtype=object)
    kind, missing, _ = column_encoding(mixed)
    assert kind == "csv" and missing.tolist() == [False, False, True, False]

    def with_column(values: list[object]) -> str:
        return changed(
            _replace("trial_attrs", lambda f: f.assign(value_json=pd.Series(values[: len(f)], dtype=object)))
        )

    cases: list[list[object]] = [[1, "a"], [2, "a"], [1, "b"], ["a", 1], [1.5, "a"], [True, "a"]]
    assert {column_encoding(pd.Series(case, dtype=object))[0] for case in cases} == {"csv"}
    assert len({with_column(case) for case in cases}) == len(cases)
    assert with_column([1, "a"]) == with_column([1, "a"])  # the CSV text is deterministic


@pytest.mark.parametrize("path", shared_storage_files(), ids=lambda p: p.name)
def test_real_studies_hash_without_the_csv_fallback(path) -> None:
    require_shared()
    location = locate(str(path))
    for name, _ in list_studies(location):
        study = read_study(location, name)
        for frame in ("trials", "values", "params", "intermediate", "study_attrs", "trial_attrs"):
            table = getattr(study, frame)
            kinds = {column: column_encoding(table[column])[0] for column in table.columns}
            assert "csv" not in kinds.values(), (name, frame, kinds)
