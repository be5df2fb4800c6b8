"""Charts the site adds on top of each version's own charts: the study's best value over versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from generator.model.comparison import Comparison
from generator.render.headlines import Headline


def best_across_versions(headlines: Sequence[Headline]) -> dict[str, Any] | None:
    """A Vega-Lite spec of each version's best value (None when no version has one).

    The x axis is the version's sequence number (version names are long); the tooltip names
    the version, the best trial and how many complete trials it rested on.
    """
    rows = [
        {
            "sequence": int(h.version.split("-", 1)[0]),
            "version": h.version,
            "best": h.best_value,
            "trial": f"#{h.best_number}",
            "complete": h.n_complete,
        }
        for h in headlines
        if h.best_value is not None
    ]
    if not rows:
        return None
    direction = headlines[-1].direction
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=alt.X("sequence:O", title="Version", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("best:Q", title=f"Best value ({direction})", scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("version:N", title="Version"),
                alt.Tooltip("best:Q", title="Best value", format=".6g"),
                alt.Tooltip("trial:N", title="Best trial"),
                alt.Tooltip("complete:Q", title="Complete trials"),
            ],
        )
        .properties(width=560, height=240, title="Best value across versions")
    )
    return chart.to_dict()


def best_so_far_comparison(comparison: Comparison) -> dict[str, Any] | None:
    """A Vega-Lite spec of both sweeps' best-so-far curves with their trial-order bands, from a
    comparison (None when it has no curves)."""
    curves = comparison.best_so_far
    sides = (("old", comparison.old), ("new", comparison.new))
    rows = [
        {
            "n": p.n,
            "sweep": f"{key} ({side.study})",
            "best": getattr(p, key),
            "low": getattr(p, f"{key}_low"),
            "high": getattr(p, f"{key}_high"),
        }
        for p in (curves.points if curves is not None else ())
        for key, side in sides
        if getattr(p, key) is not None
    ]
    if not rows:
        return None
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("n:Q", title="Complete trials (trial-number order)"),
        color=alt.Color("sweep:N", title="Sweep", sort="descending"),
    )
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    line = base.mark_line().encode(
        y=alt.Y("best:Q", title=f"Best so far ({comparison.new.direction})", scale=alt.Scale(zero=False)),
        tooltip=[
            alt.Tooltip("sweep:N", title="Sweep"),
            alt.Tooltip("n:Q", title="Trials"),
            alt.Tooltip("best:Q", title="Best so far", format=".6g"),
            alt.Tooltip("low:Q", title="Band low", format=".6g"),
            alt.Tooltip("high:Q", title="Band high", format=".6g"),
        ],
    )
    return (
        alt.layer(band, line)
        .properties(width=560, height=260, title="Best so far, with 95% bands over random trial orders")
        .to_dict()
    )
