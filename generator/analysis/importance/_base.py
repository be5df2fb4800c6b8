"""The one interface every importance method implements, and the input they all share.

Like Optuna's ``importance/_base.py``, an evaluator is a small object with one method; unlike
it, the input is prepared once from the snapshot (:func:`prepare_input`), so every method
sees exactly the same trials, parameter kinds, branches and seed, and one contract test
suite (``tests/test_importance_contract.py``) holds every method to the same invariants.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from generator.analysis.frames import finite_objective_values
from generator.analysis.params import ParamSpec, param_specs
from generator.config import AnalysisConfig
from generator.model.findings import Importance, ImportanceMethod
from generator.snapshot.load import Snapshot

# Reason codes for a method that computed nothing (``ImportanceMethod.skipped``). Each becomes
# a warning whose sentence is in templates/messages.yaml (``importance_<code>`` for the whole
# section, ``interactions_<code>``, ``top_quantile_<code>``): no empty list goes unexplained.
TOO_FEW_TRIALS = "too_few_trials"
NO_PARAMETERS = "no_parameters"
NO_VARYING_PARAMETERS = "no_varying_parameters"
CONSTANT_OBJECTIVE = "constant_objective"
NO_SIGNAL = "no_signal"


@dataclass(frozen=True)
class ParamData:
    """One parameter over the analysed trials (canonical row order)."""

    spec: ParamSpec
    present: np.ndarray
    """True where the trial has the parameter."""
    numeric: np.ndarray
    """The value as a float where it is a number, NaN elsewhere."""
    keys: np.ndarray
    """The value as JSON (``value_json``) where present, None elsewhere: exact category keys."""
    distributions: np.ndarray
    """The distribution JSON each trial declared, None where absent."""

    @property
    def n_present(self) -> int:
        return int(self.present.sum())

    @cached_property
    def varies(self) -> bool:
        """More than one observed value; cached, as every method and fold asks (a set of
        20,000 keys each time)."""
        keys = self.keys[self.present]
        if len(keys) < 2:
            return False
        # Any key unequal to the first (a set of every key is 3x slower); most parameters that
        # vary show it within their first few trials.
        return bool((keys[:256] != keys[0]).any() or (keys != keys[0]).any())


@dataclass(frozen=True)
class ImportanceInput:
    """What every importance method sees: COMPLETE trials with a finite value of the analysed
    objective, in a canonical order that depends only on their content.

    The canonical order (by value, then by parameter values) and the seed (a digest of that
    content plus ``AnalysisConfig.seed``) make every result invariant to the order trials
    were run in and to failed, pruned or running trials, which carry no value. The snapshot's
    ``input_hash`` would change with either, so it is deliberately not the seed here.
    """

    direction: str
    numbers: np.ndarray
    values: np.ndarray
    params: dict[str, ParamData]
    seed: int
    config: AnalysisConfig
    memo: dict[Any, Any] = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)
    """Results computed from this input alone, kept for the next stage that needs them: the
    importance section and the expected gain fit the same surrogate and cross-validate it the
    same way (``_fanova.fit_main_effects``, ``_fanova.cross_validated_r2``). A copy made with
    ``dataclasses.replace`` (a subset of trials) starts with an empty memo."""

    @property
    def n(self) -> int:
        return len(self.values)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, reproducible random stream per purpose (one per method)."""
        tag = int.from_bytes(hashlib.sha256(stream.encode()).digest()[:8], "big")
        return np.random.default_rng(np.random.SeedSequence([self.seed, self.config.seed, tag]))


@dataclass(frozen=True)
class MethodResult:
    summary: ImportanceMethod
    importances: tuple[Importance, ...]


class ImportanceEvaluator(abc.ABC):
    """One importance method: ``evaluate`` returns one ``Importance`` per parameter, or none
    with ``summary.skipped`` saying why."""

    method: ClassVar[str]
    scale: ClassVar[str]

    @abc.abstractmethod
    def evaluate(self, data: ImportanceInput) -> MethodResult:
        raise NotImplementedError

    def skipped(self, data: ImportanceInput, reason: str, quantile: float | None = None) -> MethodResult:
        summary = ImportanceMethod(
            method=self.method,
            scale=self.scale,
            n=data.n,
            quantile=quantile,
            resamples=0,
            interval=None,
            skipped=reason,
        )
        return MethodResult(summary, ())


def common_skip_reason(data: ImportanceInput) -> str | None:
    """Why no method can say anything about this study, or None."""
    if data.n < max(2, data.config.importance_min_trials):
        return TOO_FEW_TRIALS
    if not data.params:
        return NO_PARAMETERS
    if not any(p.varies for p in data.params.values()):
        return NO_VARYING_PARAMETERS
    if np.ptp(data.values) == 0:
        return CONSTANT_OBJECTIVE
    return None


def prepare_input(snapshot: Snapshot, config: AnalysisConfig) -> ImportanceInput:
    """The analysed trials of ``snapshot`` with every parameter's values, presence and spec.

    A report builds this once, with the rest of its study sample (``analysis/sample.py``)."""
    index = config.objective_index
    return importance_input(
        snapshot.params,
        finite_objective_values(snapshot, index),
        param_specs(snapshot),
        snapshot.directions[index],
        config,
    )


def importance_input(
    all_params: pd.DataFrame,
    analysed: pd.DataFrame,
    specs: dict[str, ParamSpec],
    direction: str,
    config: AnalysisConfig,
) -> ImportanceInput:
    """``prepare_input`` from the parts a caller already has: the snapshot's params rows,
    the analysed trials (``finite_objective_values``: ``number``, ``value``) and the specs."""
    numbers = analysed["number"].to_numpy(dtype=np.int64)
    values = analysed["value"].to_numpy(dtype=float)
    rows = all_params[all_params["number"].isin(numbers)]
    names = sorted(str(n) for n in rows["name"].unique())
    # Presence comes from the params rows, not the table: a categorical None and an absent
    # parameter are both missing in a wide table.
    wide = _wide(rows, numbers, names)
    # Canonical order: by value, then by each parameter's value and declared distribution
    # (as sorted codes), so trials with the same content are interchangeable.
    digest = hashlib.sha256()
    codes = []
    for column in ("value_json", "distribution_json"):
        for i, name in enumerate(names):
            code, uniques = pd.factorize(wide[column][:, i], sort=True)
            codes.append(code)
            digest.update("\x1f".join([column, name, *map(str, uniques)]).encode())
    order = np.lexsort((*reversed(codes), values)) if len(values) else np.zeros(0, dtype=np.int64)
    digest.update(values[order].tobytes())
    for code in codes:
        digest.update(code[order].tobytes())
    params = {
        name: ParamData(
            spec=specs[name],
            present=codes[i][order] >= 0,
            numeric=wide["value_num"][order, i],
            keys=wide["value_json"][order, i],
            distributions=wide["distribution_json"][order, i],
        )
        for i, name in enumerate(names)
    }
    return ImportanceInput(
        direction=direction,
        numbers=numbers[order],
        values=values[order],
        params=params,
        seed=int.from_bytes(digest.digest()[:8], "big"),
        config=config,
    )


def _wide(rows: pd.DataFrame, numbers: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """One (trial x parameter) array per params column, None / NaN where absent.

    A pandas pivot of object columns took a second on 340,000 rows; this is two index lookups.
    """
    trial = np.searchsorted(np.sort(numbers), rows["number"].to_numpy())
    trial = np.argsort(numbers)[trial]
    column = np.searchsorted(np.array(names, dtype=object), rows["name"].to_numpy(dtype=object))
    wide: dict[str, np.ndarray] = {}
    for field, empty in (("value_json", None), ("distribution_json", None), ("value_num", np.nan)):
        out = np.full((len(numbers), len(names)), empty, dtype=float if empty is not None else object)
        out[trial, column] = rows[field].to_numpy()
        wide[field] = out
    return wide


def choice_key(choice: object) -> str:
    """A categorical choice as the snapshot stores its value (``value_json``)."""
    return json.dumps(choice)
