"""Sweep config YAML: load, validate, turn into Optuna distributions and a ``suggest`` function.

The generator writes next-sweep configs in this format (refined_search_space_*.yaml) and the
trainer's ``train-sweep`` reads them through :func:`load_sweep_config`, so what the report
recommends is exactly what the next sweep samples. No torch here: the generator must work
without the ``trainer`` extra.

Format
======
A YAML mapping with these top-level keys (any other key is an error)::

    study_name: visual_classifier_cnn_refined_v3   # required: non-empty string
    n_trials: 50                                    # required: int >= 1, the study's total trial budget
    direction: maximize                             # required: maximize | minimize
    reason: "n_trials scaled to the remaining space"  # optional, ignored (see "reason" below)
    fixed:                                          # optional: parameters held at one value
      encoder_type: cnn                             #   short form: name: value
      batch_size: {value: 16, reason: "..."}        #   long form: value (required), condition, reason
    param_ranges:                                   # optional: the parameters the sampler tunes
      lr: {type: float, low: 6.7e-5, high: 2.5e-4, log: true}
      depth: {type: int, low: 4, high: 9, condition: {param: encoder_type, value: cnn}}
      embed_dim: {type: categorical, choices: [128, 512]}
    dropped:                                        # optional: parameters removed from the space;
      ctx_n_head: {reason: "..."}                   #   the trainer's defaults apply; {} or null allowed

Values (fixed values, choices, condition values) are scalars: string, int, float, bool or
null. ``1`` and ``true`` are different values.

``param_ranges`` entries, by ``type``:

- ``float``: ``low``, ``high`` (required, finite, ``low <= high``); ``log`` (bool, default
  false; needs ``low > 0``); ``step`` (positive; not with ``log``; ``high - low`` a multiple of
  it). Optuna's FloatDistribution.
- ``int``: ``low``, ``high`` (integers, ``low <= high``); ``log`` (default false; needs
  ``low >= 1`` and ``step`` 1); ``step`` (positive integer, default 1; ``high - low`` a
  multiple of it). Optuna's IntDistribution.
- ``categorical``: ``choices`` (non-empty list of distinct scalars). Optuna's
  CategoricalDistribution.

Every entry of ``param_ranges`` and every long-form ``fixed`` entry may carry:

- ``condition: {param: P, value: V}`` or ``{param: P, value: [V1, V2]}``: the parameter
  exists (is suggested, or fixed) only in trials where parameter ``P`` exists and takes one of
  the listed values (``depth`` only when ``encoder_type`` is ``cnn``). ``P`` must be another
  parameter of ``fixed`` or ``param_ranges``, not a float; every value must be one ``P`` can
  take; conditions must not form a cycle. Chains are allowed (a child of a conditional parent
  exists only when its parent does).
- ``reason``: any YAML value (a sentence, or a mapping such as ``{test: fisher, n: 20,
  q: 0.012, elite_share: 1.0}``) recording the evidence behind the decision. The loader keeps
  it on the typed object (so a writer can round-trip it) but it never changes the meaning:
  two configs that differ only in reasons compare equal.

Numbers written like ``1e-7`` (no dot) are strings to PyYAML's YAML 1.1 resolver; numeric
fields accept such strings so hand-written configs in the seed's style load. ``yaml.safe_dump``
writes floats as ``1.0e-07``, which loads as a float.

Errors are collected and raised as one :class:`~generator.errors.UserError` naming each key,
e.g. ``param_ranges.lr.low: must be <= high (0.1 > 0.01)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import optuna
import yaml
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from generator.errors import UserError

Scalar = str | int | float | bool | None
DIRECTIONS = ("maximize", "minimize")
TOP_KEYS = ("study_name", "n_trials", "direction", "reason", "fixed", "param_ranges", "dropped")
RANGE_KEYS = {
    "float": ("type", "low", "high", "log", "step", "condition", "reason"),
    "int": ("type", "low", "high", "log", "step", "condition", "reason"),
    "categorical": ("type", "choices", "condition", "reason"),
}
FIXED_KEYS = ("value", "condition", "reason")
CONDITION_KEYS = ("param", "value")


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps ``1``, ``1.0`` apart from ``True`` (Python says ``1 == True``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


@dataclass(frozen=True)
class Condition:
    """The parameter exists only where ``param`` exists and takes one of ``values``."""

    param: str
    values: tuple[Scalar, ...]

    def holds(self, value: Any) -> bool:
        return any(same_value(value, v) for v in self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"param": self.param, "value": self.values[0] if len(self.values) == 1 else list(self.values)}

    def __eq__(self, other: object) -> bool:
        # Order of the listed values and int/float spelling (16 vs 16.0) do not change meaning.
        if not isinstance(other, Condition):
            return NotImplemented
        return (
            self.param == other.param
            and len(self.values) == len(other.values)
            and all(any(same_value(a, b) for b in other.values) for a in self.values)
        )

    def __hash__(self) -> int:
        return hash(self.param)


@dataclass(frozen=True)
class FloatParam:
    name: str
    low: float
    high: float
    log: bool = False
    step: float | None = None
    condition: Condition | None = None
    reason: Any = field(default=None, compare=False)

    def distribution(self) -> FloatDistribution:
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def suggest(self, trial: optuna.Trial) -> float:
        return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not self.low <= value <= self.high:
            return False
        if self.step is None:
            return True
        # Sampled values carry float rounding (0.30000000000000004): compare with a tolerance.
        k = (value - self.low) / self.step
        return abs(k - round(k)) < 1e-6

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "float", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None:
            out["step"] = self.step
        return _with_common(out, self.condition, self.reason)


@dataclass(frozen=True)
class IntParam:
    name: str
    low: int
    high: int
    log: bool = False
    step: int = 1
    condition: Condition | None = None
    reason: Any = field(default=None, compare=False)

    def distribution(self) -> IntDistribution:
        return IntDistribution(self.low, self.high, log=self.log, step=self.step)

    def suggest(self, trial: optuna.Trial) -> int:
        return trial.suggest_int(self.name, self.low, self.high, log=self.log, step=self.step)

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or value != int(value) or not self.low <= value <= self.high:
            return False
        return (int(value) - self.low) % self.step == 0

    def values(self) -> range:
        return range(self.low, self.high + 1, self.step)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "int", "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step != 1:
            out["step"] = self.step
        return _with_common(out, self.condition, self.reason)


@dataclass(frozen=True)
class CategoricalParam:
    name: str
    choices: tuple[Scalar, ...]
    condition: Condition | None = None
    reason: Any = field(default=None, compare=False)

    def distribution(self) -> CategoricalDistribution:
        return CategoricalDistribution(self.choices)

    def suggest(self, trial: optuna.Trial) -> Scalar:
        return trial.suggest_categorical(self.name, self.choices)

    def contains(self, value: Any) -> bool:
        return any(same_value(value, c) for c in self.choices)

    def to_dict(self) -> dict[str, Any]:
        return _with_common({"type": "categorical", "choices": list(self.choices)}, self.condition, self.reason)


@dataclass(frozen=True)
class FixedParam:
    name: str
    value: Scalar
    condition: Condition | None = None
    reason: Any = field(default=None, compare=False)

    def contains(self, value: Any) -> bool:
        return same_value(value, self.value)

    def to_dict(self) -> Any:
        if self.condition is None and self.reason is None:
            return self.value
        return _with_common({"value": self.value}, self.condition, self.reason)


RangeParam = FloatParam | IntParam | CategoricalParam


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep config. ``fixed`` and ``param_ranges`` keep the file's order."""

    study_name: str
    n_trials: int
    direction: str
    fixed: Mapping[str, FixedParam] = field(default_factory=dict)
    param_ranges: Mapping[str, RangeParam] = field(default_factory=dict)
    dropped: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """Names removed from the space -> their reasons. Sampling ignores them."""
    reason: Any = field(default=None, compare=False)

    def distributions(self) -> dict[str, BaseDistribution]:
        """The Optuna distribution of every tuned parameter (fixed ones have none)."""
        return {name: p.distribution() for name, p in self.param_ranges.items()}

    def order(self) -> list[str]:
        """Every parameter, parents before their children, otherwise in file order."""
        return _topological(self._entries())

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Suggest the tuned parameters that exist in this trial; return them with the fixed
        values that apply. A parameter whose condition does not hold is neither suggested
        nor returned, so Optuna records exactly the parameters the trial used."""
        values: dict[str, Any] = {}
        entries = self._entries()
        for name in self.order():
            entry = entries[name]
            if not self._exists(entry.condition, values):
                continue
            values[name] = entry.value if isinstance(entry, FixedParam) else entry.suggest(trial)
        return values

    def violations(self, params: Mapping[str, Any]) -> list[str]:
        """Why ``params`` (fixed and tuned values of one trial) is not a point of this space;
        empty when it is. Checks values, and that exactly the right parameters are present."""
        problems = []
        entries = self._entries()
        for name in params:
            if name not in entries:
                problems.append(f"{name}: not a parameter of this sweep")
        for name in self.order():
            entry = entries[name]
            expected = self._exists(entry.condition, params)
            if expected and name not in params:
                problems.append(f"{name}: missing although its condition holds")
            elif not expected and name in params:
                problems.append(f"{name}: present although its condition does not hold")
            elif expected and not entry.contains(params[name]):
                problems.append(f"{name}: {params[name]!r} is outside the space")
        return problems

    def to_dict(self) -> dict[str, Any]:
        """The config in this format (reasons included), ready for ``yaml.safe_dump``."""
        out: dict[str, Any] = {"study_name": self.study_name, "n_trials": self.n_trials, "direction": self.direction}
        if self.reason is not None:
            out["reason"] = self.reason
        out["fixed"] = {name: p.to_dict() for name, p in self.fixed.items()}
        out["param_ranges"] = {name: p.to_dict() for name, p in self.param_ranges.items()}
        if self.dropped:
            out["dropped"] = {name: ({} if r is None else {"reason": r}) for name, r in self.dropped.items()}
        return out

    def _entries(self) -> dict[str, FixedParam | RangeParam]:
        return {**self.fixed, **self.param_ranges}

    def _exists(self, condition: Condition | None, values: Mapping[str, Any]) -> bool:
        # Parents come first in order(), so an absent parent means it does not exist here.
        return condition is None or (condition.param in values and condition.holds(values[condition.param]))


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep config file; every problem reported at once as a UserError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read sweep config {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"sweep config {path} is not valid YAML{where}; fix the syntax and retry") from None
    return parse_sweep_config(data, source=str(path))


def parse_sweep_config(data: Any, source: str = "sweep config") -> SweepConfig:
    """Validate an already-parsed YAML document (see the module docstring for the format)."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise UserError(f"invalid sweep config {source}: expected a mapping of keys, got {type(data).__name__}")
    _unknown_keys(data, TOP_KEYS, "", problems)

    # Any: the YAML may hold anything; the checks below decide.
    study_name: Any = data.get("study_name")
    if "study_name" not in data:
        problems.append("study_name: required")
    elif not isinstance(study_name, str) or not study_name.strip():
        problems.append(f"study_name: must be a non-empty string, got {study_name!r}")
    n_trials: Any = data.get("n_trials")
    if "n_trials" not in data:
        problems.append("n_trials: required")
    elif not _is_integer(n_trials) or n_trials < 1:
        problems.append(f"n_trials: must be an integer >= 1, got {n_trials!r}")
    direction: Any = data.get("direction")
    if "direction" not in data:
        problems.append("direction: required")
    elif direction not in DIRECTIONS:
        problems.append(f"direction: must be maximize or minimize, got {direction!r}")

    fixed = _parse_fixed(_section(data, "fixed", problems), problems)
    ranges = _parse_ranges(_section(data, "param_ranges", problems), problems)
    for name in fixed.keys() & ranges.keys():
        problems.append(f"fixed.{name}: also in param_ranges; a parameter is either fixed or tuned")
    dropped = _parse_dropped(_section(data, "dropped", problems), {**fixed, **ranges}, problems)
    _check_conditions({**fixed, **ranges}, fixed, problems)

    if problems:
        raise UserError(f"invalid sweep config {source}: " + "; ".join(problems))
    return SweepConfig(
        study_name=study_name,
        n_trials=int(n_trials),
        direction=direction,
        fixed=fixed,
        param_ranges=ranges,
        dropped=dropped,
        reason=data.get("reason"),
    )


# --- parsing helpers: each appends "key.path: problem" and returns what it could parse ------


def _section(data: Mapping, key: str, problems: list[str]) -> Mapping:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{key}: must be a mapping of parameter names, got {type(value).__name__}")
        return {}
    for name in value:
        if not isinstance(name, str) or not name:
            problems.append(f"{key}: parameter names must be non-empty strings, got {name!r}")
    return {k: v for k, v in value.items() if isinstance(k, str) and k}


def _unknown_keys(entry: Mapping, allowed: tuple[str, ...], prefix: str, problems: list[str]) -> None:
    for key in entry:
        if key not in allowed:
            problems.append(f"{prefix}{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _parse_fixed(section: Mapping, problems: list[str]) -> dict[str, FixedParam]:
    out = {}
    for name, raw in section.items():
        key = f"fixed.{name}"
        if isinstance(raw, Mapping):
            _unknown_keys(raw, FIXED_KEYS, f"{key}.", problems)
            if "value" not in raw:
                problems.append(f"{key}.value: required in the long form {{value: ..., condition: ..., reason: ...}}")
                continue
            value, condition = raw["value"], _parse_condition(raw.get("condition"), f"{key}.condition", problems)
            reason = raw.get("reason")
            key = f"{key}.value"
        else:
            value, condition, reason = raw, None, None
        if not _is_scalar(value):
            problems.append(f"{key}: must be a string, number, bool or null, got {type(value).__name__}")
            continue
        out[name] = FixedParam(name, value, condition, reason)
    return out


def _parse_ranges(section: Mapping, problems: list[str]) -> dict[str, RangeParam]:
    out: dict[str, RangeParam] = {}
    for name, raw in section.items():
        key = f"param_ranges.{name}"
        if not isinstance(raw, Mapping):
            problems.append(f"{key}: must be a mapping with a type (float, int or categorical), got {raw!r}")
            continue
        kind = raw.get("type")
        if kind not in RANGE_KEYS:
            problems.append(f"{key}.type: must be float, int or categorical, got {kind!r}")
            continue
        _unknown_keys(raw, RANGE_KEYS[kind], f"{key}.", problems)
        condition = _parse_condition(raw.get("condition"), f"{key}.condition", problems)
        reason = raw.get("reason")
        if kind == "categorical":
            choices = raw.get("choices")
            if not isinstance(choices, list) or not choices:
                problems.append(f"{key}.choices: must be a non-empty list, got {choices!r}")
                continue
            bad = [c for c in choices if not _is_scalar(c)]
            if bad:
                problems.append(f"{key}.choices: every choice must be a string, number, bool or null, got {bad[0]!r}")
                continue
            duplicates = [c for i, c in enumerate(choices) if any(same_value(c, d) for d in choices[:i])]
            if duplicates:
                problems.append(f"{key}.choices: {duplicates[0]!r} is listed twice")
                continue
            out[name] = CategoricalParam(name, tuple(choices), condition, reason)
            continue
        parsed = _parse_numeric(raw, kind, key, problems)
        if parsed is not None:
            low, high, log, step = parsed
            if kind == "float":
                out[name] = FloatParam(name, low, high, log, step, condition, reason)
            else:
                out[name] = IntParam(name, low, high, log, step, condition, reason)
    return out


def _parse_numeric(raw: Mapping, kind: str, key: str, problems: list[str]) -> tuple[Any, Any, bool, Any] | None:
    before = len(problems)
    want = _to_int if kind == "int" else _to_float
    noun = "an integer" if kind == "int" else "a finite number"
    bounds: dict[str, Any] = {}
    for side in ("low", "high"):
        if side not in raw:
            problems.append(f"{key}.{side}: required for type {kind}")
            continue
        bounds[side] = want(raw[side])
        if bounds[side] is None:
            problems.append(f"{key}.{side}: must be {noun}, got {raw[side]!r}")
    log = raw.get("log", False)
    if not isinstance(log, bool):
        problems.append(f"{key}.log: must be true or false, got {log!r}")
    step: Any = raw.get("step")
    if step is not None:
        step = want(step)
        if step is None or step <= 0:
            problems.append(f"{key}.step: must be {noun} > 0, got {raw['step']!r}")
    if len(problems) > before:
        return None
    low, high = bounds["low"], bounds["high"]
    if low > high:
        problems.append(f"{key}.low: must be <= high ({low} > {high})")
    if log is True and low <= 0:
        problems.append(f"{key}.low: must be > 0 when log is true, got {low}")
    if kind == "int":
        step = 1 if step is None else step
        if log is True and step != 1:
            problems.append(f"{key}.step: must be 1 (or absent) when log is true, got {step}")
    elif log is True and step is not None:
        problems.append(f"{key}.step: cannot be combined with log: true (Optuna samples log ranges continuously)")
    # Optuna would silently lower `high` to the last step below it; make the file say so.
    if step is not None and low <= high and not _on_grid(high, low, step):
        problems.append(f"{key}.high: high - low ({high} - {low}) must be a multiple of step {step}")
    if len(problems) > before:
        return None
    return low, high, log, step


def _parse_condition(raw: Any, key: str, problems: list[str]) -> Condition | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(f"{key}: must be a mapping {{param: NAME, value: VALUE or [VALUES]}}, got {raw!r}")
        return None
    _unknown_keys(raw, CONDITION_KEYS, f"{key}.", problems)
    param: Any = raw.get("param")
    value: Any = raw.get("value")
    ok = True
    if not isinstance(param, str) or not param:
        problems.append(f"{key}.param: must name another parameter, got {param!r}")
        ok = False
    if "value" not in raw:
        problems.append(f"{key}.value: required (one value, or a list of values)")
        return None
    values = value if isinstance(value, list) else [value]
    if not values or not all(_is_scalar(v) for v in values):
        problems.append(f"{key}.value: must be a value or a non-empty list of values, got {value!r}")
        ok = False
    return Condition(param, tuple(values)) if ok else None


def _parse_dropped(section: Mapping, entries: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in section.items():
        key = f"dropped.{name}"
        if name in entries:
            problems.append(f"{key}: also in fixed or param_ranges; a dropped parameter is neither")
        if raw is None:
            out[name] = None
        elif isinstance(raw, Mapping):
            _unknown_keys(raw, ("reason",), f"{key}.", problems)
            out[name] = raw.get("reason")
        else:
            problems.append(f"{key}: must be a mapping {{reason: ...}} or empty, got {raw!r}")
    return out


def _check_conditions(entries: Mapping[str, FixedParam | RangeParam], fixed: Mapping, problems: list[str]) -> None:
    for name, entry in entries.items():
        condition = entry.condition
        if condition is None:
            continue
        key = f"{'fixed' if name in fixed else 'param_ranges'}.{name}.condition"
        parent = entries.get(condition.param)
        if condition.param == name:
            problems.append(f"{key}.param: a parameter cannot be conditional on itself")
        elif parent is None:
            problems.append(f"{key}.param: {condition.param!r} is not a parameter of fixed or param_ranges")
        elif isinstance(parent, FloatParam):
            problems.append(
                f"{key}.param: {condition.param!r} is a float; condition on a categorical, int or fixed parameter"
            )
        else:
            for value in condition.values:
                if not parent.contains(value):
                    problems.append(
                        f"{key}.value: {value!r} is never taken by {condition.param!r} ({_describe(parent)})"
                    )
    cycle = _find_cycle(entries)
    if cycle:
        name = cycle[0]
        key = f"{'fixed' if name in fixed else 'param_ranges'}.{name}.condition"
        problems.append(f"{key}: conditions form a cycle ({' -> '.join(cycle)})")


def _describe(entry: FixedParam | RangeParam) -> str:
    if isinstance(entry, FixedParam):
        return f"fixed to {entry.value!r}"
    if isinstance(entry, IntParam):
        return f"int from {entry.low} to {entry.high} step {entry.step}"
    if isinstance(entry, CategoricalParam):
        return f"choices {list(entry.choices)!r}"
    return "float"


def _find_cycle(entries: Mapping[str, Any]) -> list[str] | None:
    for start in entries:
        path, name = [start], start
        while True:
            condition = entries[name].condition
            if condition is None or condition.param not in entries:
                break
            name = condition.param
            if name in path:
                return path[path.index(name) :] + [name]
            path.append(name)
    return None


def _topological(entries: Mapping[str, Any]) -> list[str]:
    # Depth-first: place each parent before its child, keeping file order otherwise.
    # Validation already rejected cycles, so this terminates.
    placed: list[str] = []

    def place(name: str) -> None:
        if name in placed:
            return
        condition = entries[name].condition
        if condition is not None and condition.param in entries:
            place(condition.param)
        placed.append(name)

    for name in entries:
        place(name)
    return placed


def _with_common(out: dict[str, Any], condition: Condition | None, reason: Any) -> dict[str, Any]:
    if condition is not None:
        out["condition"] = condition.to_dict()
    if reason is not None:
        out["reason"] = reason
    return out


def _is_scalar(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _to_float(value: Any) -> float | None:
    if isinstance(value, str):
        # PyYAML reads 1e-7 (no dot) as a string: accept numeric strings (see module docstring).
        try:
            value = float(value)
        except ValueError:
            return None
    if not _is_number(value):
        return None
    return float(value)


def _to_int(value: Any) -> int | None:
    number = _to_float(value)
    if number is None or number != int(number):
        return None
    return int(number)


def _on_grid(value: float, low: float, step: float) -> bool:
    # Decimal of the shortest repr, as Optuna does for steps: 0.3 - 0.1 is a multiple of 0.1.
    return (Decimal(str(value)) - Decimal(str(low))) % Decimal(str(step)) == 0
