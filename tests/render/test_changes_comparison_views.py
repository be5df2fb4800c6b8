"""The views changes.md and comparison.md loop over: which rows they show and what they leave out."""

from __future__ import annotations

from generator.model.changes import BestChange, BestRef, Changes, RankChange, TrialDelta
from generator.model.comparison import BestSoFar, CurvePoint
from generator.render.changes import changes_markdown
from generator.render.views.changes import SECTIONS, changes_view
from generator.render.views.comparison import shown_points


def changes(before: float | None, after: float | None, **sections: tuple) -> Changes:
    counts = {"total": (10, 14), "complete": (9, 13), "pruned": (0, 0), "fail": (1, 0), "running": (0, 0)}
    best = BestChange(
        before=None if before is None else BestRef(3, before),
        after=None if after is None else BestRef(12, after),
        delta=None if before is None or after is None else after - before,
        improved=None if before is None or after is None else after > before,
        params=(),
    )
    return Changes(
        study="s",
        direction="maximize",
        previous_version="0001",
        version="0002",
        trials=tuple(TrialDelta(state, b, a) for state, (b, a) in counts.items()),
        best=best,
        tiers=sections.get("tiers", ()),
        ranks=sections.get("ranks", ()),
        warnings=(),
        boundary_hits=(),
        configs=(),
        settings=(),
    )


def test_changes_view_shows_states_either_version_has_and_names_the_empty_sections() -> None:
    rank = RankChange("fanova", "lr", 2, 1, 0.2, 0.5)
    view = changes_view(changes(0.5, 0.6, ranks=(rank,)))
    assert view.total == TrialDelta("total", 10, 14)
    assert [(t.state, t.change) for t in view.trials] == [("total", 4), ("complete", 4), ("fail", -1)]
    assert view.unchanged == tuple(s for s in SECTIONS if s != "ranks")
    assert view.best_percent is not None and abs(view.best_percent - 20.0) < 1e-9


def test_no_percentage_of_a_zero_or_missing_best() -> None:
    assert changes_view(changes(0.0, 0.6)).best_percent is None
    assert changes_view(changes(None, 0.6)).best_percent is None
    assert changes_view(changes(0.5, None)).best_percent is None
    assert changes_view(changes(-0.5, -0.4)).best_percent == 100 * (-0.4 - -0.5) / 0.5


def test_changes_markdown_words_the_view() -> None:
    text = changes_markdown(changes(0.0, 0.6))
    assert "| failed | 1 | 0 | -1 |" in text
    assert "| pruned |" not in text and "| running |" not in text
    assert "(+" not in text.split("**Best value:**")[1].split("\n")[0]
    assert text.rstrip().endswith(
        "Unchanged: significance tiers, importance ranks, warnings, boundary hits, recommended configs."
    )
    assert "%)" in changes_markdown(changes(0.5, 0.6))


def curve(sizes: list[int]) -> BestSoFar:
    points = tuple(CurvePoint(n, 1.0, 0.9, 1.1, 1.0, 0.9, 1.1, 0.5, 0.0) for n in sizes)
    return BestSoFar("trial_number", "orders", 100, "iid", points, ())


def test_best_so_far_rows_are_the_first_ten_the_milestones_and_the_last() -> None:
    shown = [p.n for p in shown_points(curve(list(range(1, 38))))]
    assert shown == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 37]
    assert [p.n for p in shown_points(curve([1, 2, 3]))] == [1, 2, 3]
    assert shown_points(curve([])) == ()
    assert shown_points(None) == ()
