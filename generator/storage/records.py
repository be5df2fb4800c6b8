"""The storage-independent form of one study, as read from any backend.

Every reader (raw SQL, journal) produces a :class:`StudyRecord`; the snapshot writer turns
it into DuckDB tables. Keeping one shape here is what lets tests compare the fast raw path
with Optuna's own API on the same storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads with the readers, not for a storage fingerprint
    import pandas as pd

TRIAL_STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")

TRIAL_COLUMNS = ["number", "trial_id", "state", "datetime_start", "datetime_complete"]
VALUE_COLUMNS = ["number", "objective", "value"]
PARAM_COLUMNS = ["number", "name", "internal", "distribution_json"]
INTERMEDIATE_COLUMNS = ["number", "step", "value"]
STUDY_ATTR_COLUMNS = ["kind", "key", "value_json"]
TRIAL_ATTR_COLUMNS = ["number", "kind", "key", "value_json"]


@dataclass
class StudyRecord:
    """One study's raw content. ``number`` keys every per-trial table.

    ``params.internal`` is Optuna's internal float representation (the index into ``choices``
    for categorical parameters); ``distribution_json`` is exactly what the storage holds.
    Values are floats with +-inf restored from the storage's encoding.
    """

    name: str
    directions: tuple[str, ...]
    trials: pd.DataFrame
    values: pd.DataFrame
    params: pd.DataFrame
    intermediate: pd.DataFrame
    study_attrs: pd.DataFrame
    trial_attrs: pd.DataFrame
    source: dict[str, str] = field(default_factory=dict)


def empty_frame(columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({column: [] for column in columns})
