"""The large fabricated study of issue 16 (the trainer's shape), built fast enough for tests and benchmarks.

One generative model (``draw``) and two ways to write it to SQLite:

* ``build_orm``: through Optuna's ``study.add_trials`` (its ORM), about 20 ms per trial, so
  100,000 trials take over half an hour;
* ``build_bulk``: the study, its direction and the schema/version rows created by Optuna itself
  (so they are Optuna's own), then every trial row inserted with ``sqlite3.executemany`` in one
  transaction, exactly as the ORM writes it: parameters in their internal representation
  (``dist.to_internal_repr``) beside ``distribution_to_json``, values and intermediate values with
  their ``FINITE`` value type. 100,000 trials take seconds.

Both write the same rows, datetimes included: they are deterministic (``T0`` plus one second
per trial, 80 ms per step), so the study is the same file content on every machine and every
run, and a report on it can be compared with a committed reference
(``tests/test_large_study.py``).

The model: 17 parameters (log and linear floats, log and linear ints, an ordinal, booleans,
categoricals, and a categorical switch ``encoder`` whose two branches own ``depth`` or
``heads``), 60 % COMPLETE / 30 % PRUNED / 10 % FAIL, 10 intermediate values per finished trial
and 1-9 per pruned one; the objective depends on ``lr`` (peaked at 1e-3) and ``use_bn``.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, distribution_to_json
from optuna.distributions import CategoricalDistribution as C
from optuna.distributions import FloatDistribution as F
from optuna.distributions import IntDistribution as I
from optuna.trial import FrozenTrial, TrialState

STUDY = "large"
T0 = dt.datetime(2026, 1, 1, 0, 0, 0)
STEP_SECONDS = 0.08
"""Duration of one step: a trial of 10 steps ends 0.8 s after it started, before the next one starts."""

COMMON: dict[str, BaseDistribution] = {
    "lr": F(1e-5, 1e-1, log=True),
    "weight_decay": F(1e-7, 1e-1, log=True),
    "dropout": F(0.0, 0.5),
    "label_smoothing": F(0.0, 0.2),
    "momentum": F(0.5, 0.99),
    "warmup": I(0, 10),
    "layers": I(1, 8),
    "units": I(16, 1024, log=True),
    "batch_size": C([8, 16, 32, 64, 128]),
    "use_bn": C([True, False]),
    "use_scheduler": C([True, False]),
    "optimizer": C(["adam", "sgd", "rmsprop"]),
    "activation": C(["relu", "gelu", "silu"]),
    "encoder": C(["cnn", "context"]),
    "seed_offset": I(0, 1000),
}
BRANCH: dict[str, tuple[str, BaseDistribution]] = {"cnn": ("depth", I(2, 12)), "context": ("heads", C([1, 2, 4, 8]))}


@dataclass(frozen=True)
class Drawn:
    """One trial of the model, before it is written anywhere."""

    number: int
    state: TrialState
    params: dict[str, Any]
    """In the order the ORM writes them: the common parameters, then the branch's child."""
    distributions: dict[str, BaseDistribution]
    value: float | None
    intermediate: dict[int, float]
    start: dt.datetime
    complete: dt.datetime


def draw(n: int, seed: int = 0) -> Iterator[Drawn]:
    """The ``n`` trials of the model, in order. The random stream is the one
    ``benchmarks/pipeline_large.py`` has always drawn (so a cached study of it holds the same
    parameters, states and values); only the datetimes are new (they were the clock's)."""
    rng = np.random.default_rng(seed)
    for number in range(n):
        params: dict[str, Any] = {}
        for name, dist in COMMON.items():
            if isinstance(dist, C):
                params[name] = dist.choices[int(rng.integers(len(dist.choices)))]
            elif isinstance(dist, I):
                params[name] = (
                    int(round(math.exp(rng.uniform(math.log(dist.low), math.log(dist.high)))))
                    if dist.log
                    else int(rng.integers(dist.low, dist.high + 1))
                )
            else:
                assert isinstance(dist, F)
                params[name] = (
                    float(10 ** rng.uniform(math.log10(dist.low), math.log10(dist.high)))
                    if dist.log
                    else float(rng.uniform(dist.low, dist.high))
                )
        child, child_dist = BRANCH[params["encoder"]]
        params[child] = (
            child_dist.choices[int(rng.integers(4))] if isinstance(child_dist, C) else int(rng.integers(2, 13))
        )
        score = 0.5 - 0.05 * abs(math.log10(params["lr"]) + 3) + 0.02 * params["use_bn"] + float(rng.normal(0, 0.02))
        state = str(rng.choice(["COMPLETE", "PRUNED", "FAIL"], p=[0.6, 0.3, 0.1]))
        steps = 10 if state == "COMPLETE" else int(rng.integers(1, 10))
        start = T0 + dt.timedelta(seconds=number)
        yield Drawn(
            number=number,
            state=TrialState[state],
            params=params,
            distributions={**COMMON, child: child_dist},
            value=score if state == "COMPLETE" else None,
            intermediate={} if state == "FAIL" else {s: score * (1 - math.exp(-(s + 1) / 3)) for s in range(steps)},
            start=start,
            complete=start + dt.timedelta(seconds=STEP_SECONDS * steps),
        )


def _create(path: Path) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(study_name=STUDY, storage=f"sqlite:///{path}", direction="maximize")


def build_orm(path: Path, n: int, seed: int = 0) -> None:
    """The study written through Optuna's ORM (``add_trials``): slow, the reference of ``build_bulk``."""
    study = _create(path)
    study.add_trials(
        [
            FrozenTrial(
                number=t.number,
                state=t.state,
                value=t.value,
                datetime_start=t.start,
                datetime_complete=t.complete,
                params=t.params,
                distributions=t.distributions,
                user_attrs={},
                system_attrs={},
                intermediate_values=t.intermediate,
                trial_id=0,
            )
            for t in draw(n, seed)
        ]
    )


# SQLAlchemy's text form of a DATETIME column in SQLite: always with microseconds.
_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def build_bulk(path: Path, n: int, seed: int = 0) -> None:
    """The study of ``build_orm``, row for row, without the ORM: Optuna creates the study (schema,
    version rows, direction), then each table's rows go in with one ``executemany`` in one
    transaction. Ids are assigned in the ORM's order (trial by trial, a trial's parameters in
    ``params`` order, steps ascending), so even the primary keys agree."""
    study = _create(path)
    study_id = study._study_id
    json_of: dict[int, str] = {}  # each distinct distribution serialised once
    trials: list[tuple[Any, ...]] = []
    params: list[tuple[Any, ...]] = []
    values: list[tuple[Any, ...]] = []
    intermediate: list[tuple[Any, ...]] = []
    for t in draw(n, seed):
        trial_id = t.number + 1
        trials.append(
            (trial_id, t.number, study_id, t.state.name, t.start.strftime(_DATETIME), t.complete.strftime(_DATETIME))
        )
        for name, value in t.params.items():
            dist = t.distributions[name]
            text = json_of.get(id(dist))
            if text is None:
                text = json_of[id(dist)] = distribution_to_json(dist)
            params.append((trial_id, name, dist.to_internal_repr(value), text))
        if t.value is not None:
            values.append((trial_id, 0, t.value, "FINITE"))
        intermediate.extend((trial_id, step, v, "FINITE") for step, v in t.intermediate.items())
    connection = sqlite3.connect(path)
    try:
        with connection:
            if connection.execute("SELECT COUNT(*) FROM trials").fetchone()[0]:
                raise ValueError(f"{path} already holds trials")
            connection.executemany(
                "INSERT INTO trials (trial_id, number, study_id, state, datetime_start, datetime_complete) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                trials,
            )
            connection.executemany(
                "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)",
                params,
            )
            connection.executemany(
                "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)", values
            )
            connection.executemany(
                "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) "
                "VALUES (?, ?, ?, ?)",
                intermediate,
            )
    finally:
        connection.close()


def cached_study(directory: Path, n: int, seed: int = 0) -> Path:
    """``directory/bulk_<n>.db`` (``_s<seed>`` when the seed is not 0), built by ``build_bulk``
    unless it exists; a half-built file never takes its name."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (f"bulk_{n}.db" if seed == 0 else f"bulk_{n}_s{seed}.db")
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build_bulk(partial, n, seed)
        partial.rename(path)
    return path
