"""Learning curves from the intermediate values trials reported (epochs, steps)."""

from __future__ import annotations

import numpy as np

from generator.analysis.chart_data.sampling import even_positions
from generator.analysis.chart_data.trials import StudyView
from generator.model.charts import Curve, CurvePoint, LearningData, Sampling
from generator.snapshot.load import Snapshot

CURVES_PER_POINT_LIMIT = 20
"""At most ``limit / 20`` curves are drawn: a chart of 100 curves is already a cloud."""
POINTS_PER_POINT_LIMIT = 2
"""At most ``2 * limit`` intermediate values are drawn in all."""


def learning_data(snapshot: Snapshot, view: StudyView, limit: int) -> LearningData | None:
    """Every curve when they fit. Otherwise the elite curves (best first) fill up to half the
    curve budget and an even spread over the other trials' numbers fills the rest; then, if
    the curves still hold too many values, each keeps evenly spaced steps (first and last
    included, so a pruned trial's last step stays marked). None without intermediate values."""
    values = snapshot.intermediate[np.isfinite(snapshot.intermediate["value"].to_numpy(dtype=float))]
    if values.empty:
        return None
    states = dict(zip(snapshot.trials["number"], snapshot.trials["state"], strict=True))
    with_curve = sorted(int(n) for n in values["number"].unique())
    elite_set = set(view.elites)
    has_curve = set(with_curve)
    elite_curves = [n for n in view.best_first() if n in elite_set and n in has_curve]
    others = [n for n in with_curve if n not in elite_set]
    budget = max(1, limit // CURVES_PER_POINT_LIMIT)
    if len(with_curve) <= budget:
        chosen_elites, chosen_others, rule = elite_curves, others, "all"
    else:
        chosen_elites = elite_curves[: budget // 2]
        spread = even_positions(len(others), budget - len(chosen_elites))
        chosen_others, rule = [others[int(i)] for i in spread], "elites_and_number_spread"
    chosen = chosen_elites + chosen_others
    groups = {int(n): g for n, g in values[values["number"].isin(chosen)].groupby("number", sort=True)}
    per_curve = max(2, (POINTS_PER_POINT_LIMIT * limit) // max(1, len(chosen)))
    thinned = False
    curves = []
    for number in chosen:
        group = groups[number]
        keep = even_positions(len(group), per_curve)
        thinned |= len(keep) < len(group)
        rows = group.iloc[keep]
        curves.append(
            Curve(
                number=number,
                state=str(states.get(number, "COMPLETE")),
                elite=number in elite_set,
                points=tuple(CurvePoint(int(s), float(v)) for s, v in zip(rows["step"], rows["value"], strict=True)),
            )
        )
    return LearningData(
        direction=view.direction,
        curves=tuple(curves),
        n_curves=len(with_curve),
        n_points=int(len(values)),
        n_pruned=sum(c.state == "PRUNED" for c in curves),
        sampling=Sampling(rule, len(with_curve), len(chosen), budget, n_best=len(chosen_elites)),
        steps_thinned=thinned,
    )
