"""Contours: the objective's mean over the joint bins of a parameter pair, trials on top."""

from __future__ import annotations

from generator.analysis.chart_data.binning import bin_center, joint_bins
from generator.analysis.chart_data.ranking import PairChoice
from generator.analysis.chart_data.sampling import by_rank
from generator.analysis.chart_data.trials import StudyView
from generator.model.charts import ContourCell, ContourData, ContourPoint


def contour_data(view: StudyView, pair: PairChoice, max_bins: int, limit: int) -> ContourData:
    """Cells are exact (every trial holding both parameters counts); the trial points drawn
    on top are thinned by rank beyond ``limit``."""
    joint = joint_bins(view, pair.param_a, pair.param_b, max_bins)
    both = joint.frame
    grouped = both.groupby(["bin_a", "bin_b"], sort=True)["value"].agg(["size", "mean"]).reset_index()
    cells = []
    for a_bin, b_bin, n, mean in grouped.itertuples(index=False):
        a_center, a_low, a_high = bin_center(joint.axis_a, int(a_bin))
        b_center, b_low, b_high = bin_center(joint.axis_b, int(b_bin))
        cells.append(
            ContourCell(int(a_bin), int(b_bin), a_center, a_low, a_high, b_center, b_low, b_high, int(n), float(mean))
        )
    keep, sampling = by_rank(view.best_first(both["number"]), limit)
    shown = both[both["number"].isin(keep)]
    return ContourData(
        axis_a=joint.axis_a,
        axis_b=joint.axis_b,
        condition_a=view.specs[pair.param_a].condition,
        condition_b=view.specs[pair.param_b].condition,
        cells=tuple(cells),
        points=tuple(
            ContourPoint(int(n), a, b, float(v), int(n) in view.elites)
            for n, a, b, v in zip(shown["number"], shown["shown_a"], shown["shown_b"], shown["value"], strict=True)
        ),
        n=len(both),
        n_complete=len(view.values),
        direction=view.direction,
        source=pair.source,
        score=pair.score,
        sampling=sampling,
    )
