"""The multi-objective rows: the hypervolume steps the table shows."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Findings
from generator.model.multi import HypervolumePoint

HYPERVOLUME_ALL = 15
"""Up to this many changes of the hypervolume are all shown; beyond, the first and last few."""
HYPERVOLUME_HEAD = 5
HYPERVOLUME_TAIL = 10


@dataclass(frozen=True)
class HypervolumeView:
    steps: tuple[HypervolumePoint, ...]
    shortened: bool
    """Only the first ``HYPERVOLUME_HEAD`` and last ``HYPERVOLUME_TAIL`` changes are shown."""
    front_grew_later: bool
    """The front ended larger than at the last change of the hypervolume (a trial joined it
    without adding volume), so the table's last row is short of the front."""


def hypervolume_view(findings: Findings) -> HypervolumeView | None:
    hv = findings.hypervolume_history
    if hv is None:
        return None
    shortened = len(hv.points) > HYPERVOLUME_ALL
    return HypervolumeView(
        steps=hv.points[:HYPERVOLUME_HEAD] + hv.points[-HYPERVOLUME_TAIL:] if shortened else hv.points,
        shortened=shortened,
        front_grew_later=bool(hv.points) and hv.points[-1].front_size != len(findings.pareto_front),
    )
