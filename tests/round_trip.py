"""Write -> read -> write: every JSON document a version holds reads back into the typed model
and writes out as the same text (``generator/model/reader.py`` is the writer's exact inverse).

``round_trip_violations(version_dir)`` runs from ``invariants.report_violations``, so every
report the suite builds (the example, the awkward studies, the real shapes, multi-objective
studies, learning curves, trial attributes, ../shared/studies) is checked where it is made.
``canonical`` compares an object held in memory with the one read back: floats as the writer
rounds them, non-finite floats as None, tuples and lists alike, dataclasses by class.
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from pathlib import Path
from typing import Any

from generator.errors import UserError
from generator.model.changes import Changes
from generator.model.comparison import Comparison
from generator.model.reader import load_findings, load_model
from generator.model.serialize import dumps, round_float
from generator.render.documents import findings_json


def round_trip_violations(version_dir: Path) -> list[str]:
    found = []
    checks = (
        ("findings.json", lambda p: findings_json(load_findings(p))),
        ("changes.json", lambda p: dumps(load_model(p, Changes))),
        ("comparison.json", lambda p: dumps(load_model(p, Comparison))),
    )
    for name, rewrite in checks:
        path = version_dir / name
        if not path.is_file():
            continue
        try:
            again = rewrite(path)
        except UserError as exc:
            found.append(f"{name} does not read back: {exc}")
            continue
        if again != path.read_text(encoding="utf-8"):
            found.append(f"{name} read back and written again is not the same text")
    return found


def canonical(obj: Any, typed: bool = True) -> Any:
    """``obj`` as the writer leaves it, with the classes of its dataclasses kept where the model
    annotates them. Inside a ``dict[str, Any]`` (a warning's or highlight's ``values``) nothing
    records a class, so a dataclass there reads back as the plain object it was written as."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: canonical(getattr(obj, f.name), typed) for f in dataclasses.fields(obj)}
        return (type(obj).__name__, fields) if typed else fields
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): canonical(v, typed=False) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [canonical(v, typed) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return round_float(obj) if math.isfinite(obj) else None
    if hasattr(obj, "item"):  # numpy scalars
        return canonical(obj.item(), typed)
    raise TypeError(f"unexpected {type(obj).__name__}")
