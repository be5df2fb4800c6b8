"""Findings -> JSON: sorted keys, finite floats only (non-finite become null), stable text.

Every float is rounded to ``FLOAT_DIGITS`` significant digits: sums, resampling and BLAS
differ between machines in the 15th digit, and the committed findings.json must be the same
file wherever it is rebuilt. Twelve digits keep every statistic far beyond what it can
support, and a value that falls exactly on a rounding edge is the only way left to differ.
"""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum
from typing import Any

FLOAT_DIGITS = 12
"""Significant digits of every float in findings.json and changes.json."""


def round_float(value: float) -> float:
    """``value`` at ``FLOAT_DIGITS`` significant digits (``float(f"{value:.12g}")``)."""
    return float(f"{value:.{FLOAT_DIGITS}g}")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_jsonable(obj: Any) -> Any:
    """Plain JSON values: dataclasses as dicts of their fields, enums as their values, floats
    rounded (``round_float``), non-finite floats as None.

    The exact built-in types come first, and a dataclass's field names are looked up once per
    class: findings of 20,000 trials hold hundreds of thousands of values."""
    kind = type(obj)
    if kind is float:
        return round_float(obj) if math.isfinite(obj) else None
    if kind is str or kind is int or kind is bool or obj is None:
        return obj
    if kind is list or kind is tuple:
        return [to_jsonable(v) for v in obj]
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(kind):
        return {name: to_jsonable(getattr(obj, name)) for name in _field_names(kind)}
    return _other_jsonable(obj)


def _other_jsonable(obj: Any) -> Any:
    """Subclasses of the built-in types (enums, numpy scalars) and anything else."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return round_float(float(obj)) if math.isfinite(obj) else None
    if hasattr(obj, "item"):  # numpy scalars
        return to_jsonable(obj.item())
    raise TypeError(f"cannot serialize {type(obj).__name__} in findings")


def dumps(obj: Any) -> str:
    return dump_jsonable(to_jsonable(obj))


def dump_jsonable(document: Any) -> str:
    """The text of ``dumps`` for a ``document`` already made of ``to_jsonable``'s output
    (walking it again would change nothing: rounding is idempotent)."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
