"""Next-sweep entries: the declared space as entries, and what an entry can take.

An entry is a :class:`~generator.model.next_sweep.RefinedParam`; the rules
(``rules.py``) return a changed copy with one more :class:`Step` explaining the change.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator.analysis.boundary import declared_bounds
from generator.analysis.params import ParamSpec
from generator.analysis.refine.evidence import DISCRETE, same_value
from generator.analysis.refine.numbers import on_grid, plain
from generator.model.findings import Condition
from generator.model.next_sweep import FIX, TUNE, RefinedParam, Step
from generator.model.vocabulary import ParamKind, Side


def declared_entry(spec: ParamSpec) -> RefinedParam:
    """The parameter as the study declared it (merged over the study), tuned."""
    if spec.kind in DISCRETE:
        choices: list[Any] = []
        for choice in spec.choices:
            # The loader treats 1 and 1.0 as the same choice; keep the first spelling.
            if not any(same_value(choice, c) for c in choices):
                choices.append(plain(choice))
        if spec.kind == ParamKind.ORDINAL:
            choices.sort(key=float)
        return RefinedParam(spec.name, spec.kind, TUNE, "categorical", choices=tuple(choices), condition=spec.condition)
    low, high = declared_bounds(spec)
    assert low is not None and high is not None, f"{spec.name}: a numeric parameter without bounds"
    if spec.kind == ParamKind.INTEGER:
        step = int(spec.step or 1)
        # Merged ranges of different declarations may leave high off the grid: Optuna would
        # never sample past the last grid point anyway.
        top = int(low) + step * ((int(high) - int(low)) // step)
        return RefinedParam(
            spec.name, spec.kind, TUNE, "int", low=int(low), high=top, log=spec.log, step=step, condition=spec.condition
        )
    step_f = float(spec.step) if spec.step else None
    top_f = on_grid(high, low, step_f, Side.HIGH) if step_f else float(high)
    return RefinedParam(
        spec.name,
        spec.kind,
        TUNE,
        "float",
        low=float(low),
        high=top_f,
        log=spec.log,
        step=step_f,
        condition=spec.condition,
    )


def with_step(entry: RefinedParam, reason: Step, /, **changes: Any) -> RefinedParam:
    """``entry`` with ``changes`` applied and ``reason`` appended to its steps."""
    return replace(entry, steps=(*entry.steps, reason), **changes)


def fixed(entry: RefinedParam, value: Any, reason: Step) -> RefinedParam:
    return with_step(
        entry, reason, action=FIX, dist=None, value=plain(value), low=None, high=None, step=None, choices=()
    )


def size(entry: RefinedParam) -> int | float:
    """How many values a tuned entry can take (inf for a continuous range); 1 when fixed."""
    if entry.action != TUNE:
        return 1 if entry.action == FIX else 0
    if entry.dist == "categorical":
        return len(entry.choices)
    assert entry.low is not None and entry.high is not None
    if entry.dist == "int":
        return (int(entry.high) - int(entry.low)) // int(entry.step or 1) + 1
    if entry.high == entry.low:
        return 1
    if entry.step:
        return int(round((entry.high - entry.low) / entry.step)) + 1
    return math.inf


def can_take(entry: RefinedParam, value: Any) -> bool:
    """Whether the entry (a condition's parent) can take ``value``."""
    if entry.action == FIX:
        return same_value(entry.value, value)
    if entry.action != TUNE:
        return False
    if entry.dist == "categorical":
        return any(same_value(value, c) for c in entry.choices)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    assert entry.low is not None and entry.high is not None
    if not entry.low <= value <= entry.high:
        return False
    if entry.dist == "int":
        return float(value).is_integer() and (int(value) - int(entry.low)) % int(entry.step or 1) == 0
    return True


def condition_values(condition: Condition) -> list[Any]:
    return list(condition.value) if isinstance(condition.value, list) else [condition.value]


def make_condition(parent: str, values: list[Any]) -> Condition:
    """A condition in the findings' form: one value bare, several as a list."""
    return Condition(parent=parent, value=values[0] if len(values) == 1 else values)


def level_key(value: Any) -> str:
    return json.dumps(value)


def parents_first(entries: Mapping[str, RefinedParam]) -> list[str]:
    """Names sorted, except that a condition's parent always precedes its children."""
    placed: list[str] = []

    def place(name: str, seen: tuple[str, ...]) -> None:
        if name in placed or name in seen:
            return
        condition = entries[name].condition
        if condition is not None and condition.parent in entries:
            place(condition.parent, (*seen, name))
        placed.append(name)

    for name in sorted(entries):
        place(name, ())
    return placed
