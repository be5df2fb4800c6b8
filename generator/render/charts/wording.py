"""The charts' words, from ``templates/charts.yaml`` (all wording lives in templates)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from generator.paths import templates_dir


@lru_cache(maxsize=1)
def _wording() -> dict[str, Any]:
    with (templates_dir() / "charts.yaml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def lookup(path: str) -> Any:
    node: Any = _wording()
    for key in path.split("."):
        node = node[key]
    return node


def say(path: str, **values: Any) -> str:
    """The sentence at ``path`` (dotted), with its placeholders filled."""
    return str(lookup(path)).format(**values)
