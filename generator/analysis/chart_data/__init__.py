"""What every chart draws, computed from the snapshot and the typed findings (no altair here).

``chart_set`` is the single entry point; ``generator/render/charts`` renders its result.
"""

from __future__ import annotations

from dataclasses import replace

from generator.analysis.chart_data.contour import contour_data
from generator.analysis.chart_data.history import ecdf_data, history_data
from generator.analysis.chart_data.importance import importance_data
from generator.analysis.chart_data.learning import learning_data
from generator.analysis.chart_data.parallel import parallel_data
from generator.analysis.chart_data.pareto import pareto_data
from generator.analysis.chart_data.per_param import levels_data, slice_data
from generator.analysis.chart_data.ranking import choose_pairs
from generator.analysis.chart_data.timeline import timeline_data
from generator.analysis.chart_data.trials import LEVEL_KINDS, SLICE_KINDS, sample_view, study_view
from generator.analysis.pruned import analysed_view
from generator.analysis.sample import AnalysedSample
from generator.config import AnalysisConfig
from generator.model.charts import (
    ChartSet,
    ContourData,
    HistoryData,
    ImportanceData,
    LearningData,
    LevelsData,
    ParallelData,
    Sampling,
    SliceData,
    TimelineData,
)
from generator.model.findings import Importance, Interaction
from generator.snapshot.load import Snapshot


def chart_set(
    snapshot: Snapshot,
    config: AnalysisConfig,
    importance: tuple[Importance, ...] = (),
    interactions: tuple[Interaction, ...] = (),
    sample: AnalysedSample | None = None,
) -> ChartSet:
    """Everything the charts of one report draw. Charts with nothing to draw are None/absent
    (no COMPLETE trial: no slices; no intermediate values: no learning curves).

    ``sample``: the study sample the findings were computed on (``analysis/sample.py``), so the
    charts draw those trials without selecting them again; selected here when not given."""
    direction = snapshot.directions[config.objective_index]
    snapshot = analysed_view(snapshot, config)
    if sample is None:
        view = study_view(snapshot, config.objective_index, direction, config.elite_quantile)
    elif sample.config != replace(config, objective=config.objective_index):
        raise ValueError("the study sample was built with other settings than the charts")
    else:
        view = sample_view(snapshot, sample)
    limit = config.chart_max_points
    slices = [slice_data(view, spec, limit) for spec in view.specs.values() if spec.kind in SLICE_KINDS]
    levels = [levels_data(view, spec, limit) for spec in view.specs.values() if spec.kind in LEVEL_KINDS]
    pairs = choose_pairs(view, importance, interactions, config.contour_pairs, config.contour_bins)
    return ChartSet(
        direction=direction,
        elite_quantile=config.elite_quantile,
        importance=importance_data(importance),
        slices=tuple(s for s in slices if s is not None),
        levels=tuple(lv for lv in levels if lv is not None),
        history=history_data(snapshot, view, limit),
        parallel=parallel_data(view, importance, config.chart_top_params, config.contour_bins, limit),
        contours=tuple(contour_data(view, pair, config.contour_bins, limit) for pair in pairs),
        learning=learning_data(snapshot, view, limit),
        ecdf=ecdf_data(view, limit),
        timeline=timeline_data(snapshot, limit),
        n_analysed=len(view.values),
        pruned_analysed=int(
            view.values["number"].isin(snapshot.trials.loc[snapshot.trials["state"] == "PRUNED", "number"]).sum()
        ),
        pareto=pareto_data(snapshot, limit),
    )


__all__ = [
    "ChartSet",
    "ContourData",
    "HistoryData",
    "ImportanceData",
    "LearningData",
    "LevelsData",
    "ParallelData",
    "Sampling",
    "SliceData",
    "TimelineData",
    "chart_set",
]
