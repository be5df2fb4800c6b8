"""What each parameter is: its kind, its declared space (merged over the study), its condition.

Every analysis (directionality, importance, refinement, charts) classifies parameters
through :func:`param_specs`, so they can never disagree about a parameter's kind or branch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from generator.model.findings import Condition
from generator.model.vocabulary import ParamKind
from generator.snapshot.load import Snapshot

MAX_INT_PARENT_LEVELS = 10
"""An integer parameter with at most this many observed values may be a parent (n_layers)."""


# Trials whose suggest calls ran to the end: failed/running trials may lack params they
# would have had, so they must not decide which parameters are conditional.
_STRUCTURE_STATES = ("COMPLETE", "PRUNED")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: ParamKind
    """continuous (float), integer, ordinal (numeric choices), boolean, categorical."""
    dist_type: str
    """Optuna distribution family: float, int or categorical."""
    low: float | None
    """Lowest declared bound over the study (the union of every declared range)."""
    high: float | None
    log: bool
    step: float | None
    choices: tuple[Any, ...]
    """Union of declared choices, in order of first declaration."""
    n_distributions: int
    """Distinct declared distributions: more than one means the space changed mid-study."""
    n_present: int
    """COMPLETE or PRUNED trials in which the parameter exists."""
    n_structure: int
    """COMPLETE or PRUNED trials in the study."""
    condition: Condition | None
    """The parent parameter value(s) under which this one exists, when detected."""

    @property
    def dynamic(self) -> bool:
        return self.n_distributions > 1

    @property
    def numeric(self) -> bool:
        return self.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL)

    @property
    def always_present(self) -> bool:
        return self.n_present == self.n_structure


def power_of_two_levels(values: Iterable[Any]) -> tuple[float, ...]:
    """The distinct values in increasing order when there are at least two and every one is a
    whole power of two (1, 2, 4, ... : batch sizes, widths), else ``()``.

    Such a parameter is read on a base-2 log scale: 16 -> 32 -> 64 are equal steps (each a
    doubling), which a linear axis squeezes into its low end. Zero, negatives, fractions
    (0.5 is 2**-1, but a share such as dropout is not a doubling series), booleans, non-finite
    and non-numeric values rule it out; one value has no spacing to draw."""
    numbers: set[float] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ()
        number = float(value)
        if not math.isfinite(number) or number < 1 or not number.is_integer():
            return ()
        whole = int(number)
        if whole & (whole - 1):
            return ()
        numbers.add(number)
    return tuple(sorted(numbers)) if len(numbers) >= 2 else ()


def log2_axis(spec: ParamSpec) -> tuple[float, ...]:
    """The ticks of a base-2 log axis for ``spec`` (its choices, see ``power_of_two_levels``)
    when it is an ordinal parameter whose choices are all powers of two, else ``()``: other
    kinds keep their declared scale (an int or float sampled with ``log=True`` is drawn on a
    log10 axis already)."""
    return power_of_two_levels(spec.choices) if spec.kind == ParamKind.ORDINAL else ()


def classify(dist_type: str, choices: tuple[Any, ...]) -> ParamKind:
    if dist_type == "float":
        return ParamKind.CONTINUOUS
    if dist_type == "int":
        return ParamKind.INTEGER
    if choices and all(isinstance(c, bool) for c in choices):
        return ParamKind.BOOLEAN
    if choices and all(isinstance(c, int | float) and not isinstance(c, bool) for c in choices):
        return ParamKind.ORDINAL
    return ParamKind.CATEGORICAL


def param_specs(snapshot: Snapshot) -> dict[str, ParamSpec]:
    """One spec per parameter name, sorted by name."""
    params = snapshot.params
    structure_numbers = set(snapshot.trials.loc[snapshot.trials["state"].isin(_STRUCTURE_STATES), "number"].tolist())
    structural = params[params["number"].isin(structure_numbers)]
    specs: dict[str, ParamSpec] = {}
    conditions = detect_conditions(structural, len(structure_numbers))
    n_present = structural.groupby("name")["number"].nunique()
    # Each parameter's distinct declarations, in the order first seen (as each name's group
    # would give them): a few rows per parameter instead of one per trial.
    declared = params.drop_duplicates(["name", "distribution_json"])
    for name, distributions in declared.groupby("name", sort=True):
        dist_types = set(distributions["dist_type"])
        # A parameter re-declared with another family keeps the most general: categorical.
        dist_type = "categorical" if "categorical" in dist_types else ("float" if "float" in dist_types else "int")
        choices: list[Any] = []
        for raw in distributions["choices_json"].dropna():
            for choice in json.loads(raw):
                if not any(_same_choice(choice, seen) for seen in choices):
                    choices.append(choice)
        numeric = distributions[distributions["dist_type"] != "categorical"]
        steps = numeric["step"].dropna().unique()
        specs[str(name)] = ParamSpec(
            name=str(name),
            kind=classify(dist_type, tuple(choices)),
            dist_type=dist_type,
            low=float(numeric["low"].min()) if len(numeric) else None,
            high=float(numeric["high"].max()) if len(numeric) else None,
            log=bool(numeric["log"].any()) if len(numeric) else False,
            step=float(steps[0]) if len(steps) == 1 else None,
            choices=tuple(choices),
            n_distributions=int(len(distributions)),
            n_present=int(n_present.get(name, 0)),
            n_structure=len(structure_numbers),
            condition=conditions.get(str(name)),
        )
    return specs


def _same_choice(a: Any, b: Any) -> bool:
    # 1 == True in Python; choices of different types are different choices.
    return type(a) is type(b) and a == b


def detect_conditions(params: pd.DataFrame, n_trials: int) -> dict[str, Condition]:
    """Find, for each parameter missing from some trials, the parent value(s) it exists under.

    A parent ``Q`` explains child ``P`` when, among trials where ``Q`` exists, ``P`` exists
    exactly when ``Q`` takes one of a set of values ``S`` that is a proper subset of ``Q``'s
    observed values (``depth`` exists iff ``encoder_type == "cnn"``; ``n_units_2`` exists iff
    ``n_layers in {3, 4}``). Among several explaining parents we prefer one that always
    exists, then a categorical switch over a number, then the smallest ``S``, then the name:
    a deterministic, most-specific choice.
    """
    if params.empty:
        return {}
    # One trial x parameter table of value codes (-1: absent), built once: every parent and
    # child test below is then a numpy comparison, not a pass over pandas strings per pair.
    params = params[params["value_json"].notna()]  # as pivot_table: a trial holds the values it has
    if params.empty:
        return {}
    names = sorted(str(n) for n in params["name"].unique())
    numbers, row = np.unique(params["number"].to_numpy(), return_inverse=True)
    column = pd.Categorical(params["name"].astype(object), categories=names).codes
    value_json = params["value_json"].to_numpy(dtype=object)
    codes = np.full((len(numbers), len(names)), -1, dtype=np.int64)
    values: list[np.ndarray] = []
    for j in range(len(names)):
        at = column == j
        value_codes, uniques = pd.factorize(value_json[at])
        # A trial's first row of the name, as pivot_table(aggfunc="first") took it.
        first = ~pd.Series(row[at]).duplicated().to_numpy()
        codes[row[at][first], j] = value_codes[first]
        values.append(np.asarray(uniques, dtype=object))
    present = codes >= 0
    # Only discrete parameters can be parents: with a float every value is unique, so any
    # presence pattern would be "explained" by listing the values that happened to occur.
    kinds = params[["name", "dist_type"]].drop_duplicates().astype(object)
    families = {name: set(kinds.loc[kinds["name"] == name, "dist_type"].dropna()) for name in names}
    distinct = params.groupby("name")["value_json"].nunique()
    eligible = {
        name
        for name in names
        if "float" not in families[name]
        and ("categorical" in families[name] or distinct[name] <= MAX_INT_PARENT_LEVELS)
    }
    everywhere = len(numbers) == n_trials
    conditions: dict[str, Condition] = {}
    for c, child in enumerate(names):
        has_child = present[:, c]
        if has_child.all() and everywhere:
            continue
        candidates = []
        for q, parent in enumerate(names):
            if parent == child or parent not in eligible:
                continue
            has_parent = present[:, q]
            if (has_child & ~has_parent).any():  # parent must exist wherever child does
                continue
            with_child = np.unique(codes[has_parent & has_child, q])
            without_child = np.unique(codes[has_parent & ~has_child, q])
            if not len(without_child) or np.intersect1d(with_child, without_child).size:
                continue
            values_with_child = set(values[q][with_child].tolist())
            always = bool(has_parent.all()) and everywhere
            switch = "categorical" in families[parent]  # a categorical switch is the usual parent
            candidates.append((not always, not switch, len(values_with_child), str(parent), values_with_child))
        if candidates:
            *_, parent, chosen = min(candidates, key=lambda c: c[:4])
            decoded = sorted((json.loads(v) for v in chosen), key=_sort_key)
            conditions[str(child)] = Condition(parent=parent, value=decoded[0] if len(decoded) == 1 else decoded)
    return conditions


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, value)
    return (3, str(value))


def scale(spec: ParamSpec, values: np.ndarray) -> np.ndarray:
    """Values on the parameter's own scale: log10 for log-declared params, as-is otherwise."""
    if spec.log:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(values.astype(float))
    return values.astype(float)


def condition_holds(condition: Condition, value_json: str | float | None) -> bool:
    if value_json is None or (isinstance(value_json, float) and math.isnan(value_json)):
        return False
    value = json.loads(value_json) if isinstance(value_json, str) else value_json
    allowed = condition.value if isinstance(condition.value, list) else [condition.value]
    return any(_same_choice(value, a) for a in allowed)
