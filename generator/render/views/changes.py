"""Rows and partitions of changes.md, computed from the typed ``Changes``: the template words them."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.changes import Changes, TrialDelta

SECTIONS = ("tiers", "ranks", "warnings", "boundary_hits", "configs")
"""The sections of changes.md that a version may leave empty, in the order the page has them;
an empty one is named in the closing "Unchanged:" line (the template words each name)."""


@dataclass(frozen=True)
class TrialRow:
    state: str
    before: int
    after: int
    change: int


@dataclass(frozen=True)
class ChangesView:
    total: TrialDelta
    """The ``total`` count, which the opening sentence quotes."""
    trials: tuple[TrialRow, ...]
    """Trial states present in either version: a state neither has is not news."""
    best_percent: float | None
    """The best value's change in percent of the earlier best's magnitude; None unless both
    versions have a best and the earlier one is not 0 (no percentage of nothing)."""
    unchanged: tuple[str, ...]
    """Names (``SECTIONS``) of the sections with nothing to show."""


def changes_view(changes: Changes) -> ChangesView:
    best = changes.best
    percent = None
    if best.before is not None and best.delta is not None and best.before.value != 0:
        percent = 100 * best.delta / abs(best.before.value)
    return ChangesView(
        total=next(t for t in changes.trials if t.state == "total"),
        trials=tuple(
            TrialRow(t.state, t.before, t.after, t.after - t.before) for t in changes.trials if t.before or t.after
        ),
        best_percent=percent,
        unchanged=tuple(name for name in SECTIONS if not getattr(changes, name)),
    )
