"""What each chart draws, as frozen dataclasses: the ``_XInfo`` half of Optuna's plot seam.

The functions of ``generator/analysis/chart_data`` compute these from the snapshot (and the typed importance
findings); ``generator/render/charts`` turns them into Altair charts and never looks at the
snapshot. Numbers here are raw; formatting and wording happen in rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.findings import Condition

Level = str
"""A categorical level as shown on an axis (see ``trials.level_labels``)."""


@dataclass(frozen=True)
class Sampling:
    """Which trials a chart draws one by one, and by what rule.

    ``rule`` is one of:
    ``all`` (every trial), ``best_and_rank_spread`` (the best fifth of the limit, then an even
    spread over the rest by objective rank), ``number_spread`` (an even spread over trial
    numbers), ``quantiles`` (an even spread of ranks of a sorted sample),
    ``elites_and_number_spread`` (learning curves: elite curves, then an even spread of the rest).
    """

    rule: str
    n_total: int
    n_shown: int
    limit: int
    n_best: int = 0
    """How many of those shown were kept for being the best (elites, for learning curves)."""

    @property
    def thinned(self) -> bool:
        return self.n_shown < self.n_total


@dataclass(frozen=True)
class ImportanceBar:
    param: str
    importance: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class ImportancePanel:
    method: str
    bars: tuple[ImportanceBar, ...]
    """In the chart's shared parameter order."""


@dataclass(frozen=True)
class ImportanceData:
    panels: tuple[ImportancePanel, ...]
    """One per method, in the order the importance analysis listed them (global first)."""
    order: tuple[str, ...]
    """Parameters top to bottom: by the first method's importance, then any others."""


@dataclass(frozen=True)
class SlicePoint:
    number: int
    x: float
    value: float
    elite: bool


@dataclass(frozen=True)
class SliceData:
    """Objective against one numeric parameter, over the trials where the parameter exists."""

    param: str
    kind: str
    log: bool
    low: float | None
    """Declared bounds (merged over the study); for ordinal params the extreme choices."""
    high: float | None
    condition: Condition | None
    n: int
    """COMPLETE trials with a finite value in which the parameter exists (its branch)."""
    n_complete: int
    """COMPLETE trials with a finite value in the whole study."""
    direction: str
    points: tuple[SlicePoint, ...]
    sampling: Sampling
    log2_ticks: tuple[float, ...] = ()
    """An ordinal parameter whose choices are all powers of two: those choices, drawn on a
    base-2 log axis with a tick at each (``analysis.params.log2_axis``); empty otherwise."""


@dataclass(frozen=True)
class LevelSummary:
    """Box-plot statistics of one level (Tukey whiskers: the furthest data within 1.5 IQR)."""

    label: Level
    n: int
    n_elite: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    whisker_low: float | None
    whisker_high: float | None


@dataclass(frozen=True)
class LevelPoint:
    number: int
    label: Level
    value: float
    elite: bool


@dataclass(frozen=True)
class LevelsData:
    """Objective per level of a categorical, ordinal or boolean parameter."""

    param: str
    kind: str
    condition: Condition | None
    n: int
    n_complete: int
    direction: str
    levels: tuple[LevelSummary, ...]
    """Every declared level in declared order (numeric order for ordinal), n = 0 included."""
    points: tuple[LevelPoint, ...]
    sampling: Sampling


@dataclass(frozen=True)
class HistoryPoint:
    number: int
    elapsed: float | None
    """Time from the study's first trial start to this trial's completion, in ``time_unit``."""
    value: float
    elite: bool


@dataclass(frozen=True)
class BestStep:
    """The best value so far, from this trial on (a step function's corners, last one included)."""

    number: int
    elapsed: float | None
    best: float


@dataclass(frozen=True)
class HistoryData:
    direction: str
    time_unit: str
    """s, min, h or d: chosen so the study's span reads in small numbers."""
    points: tuple[HistoryPoint, ...]
    best_by_number: tuple[BestStep, ...]
    best_by_time: tuple[BestStep, ...]
    """Empty when no trial has a completion time."""
    n_complete: int
    sampling: Sampling


@dataclass(frozen=True)
class ParallelTick:
    position: float
    """0..1 on the axis; the "absent" tick of a conditional parameter sits below 0."""
    value: float | str | None
    """A number (bounds, objective range), a level label, or None for "absent"."""


@dataclass(frozen=True)
class ParallelAxis:
    field: str
    """A fixed identifier (p0, p1, ...) used as the Vega field: never the parameter's name."""
    param: str | None
    """None for the objective axis."""
    kind: str
    log: bool
    ticks: tuple[ParallelTick, ...]


@dataclass(frozen=True)
class ParallelLine:
    number: int
    value: float
    elite: bool
    positions: tuple[float, ...]
    """One per axis, in axis order."""


PARALLEL_ABSENT = -0.12
"""Where a trial in which a conditional parameter does not exist crosses that axis."""


@dataclass(frozen=True)
class ParallelData:
    direction: str
    axes: tuple[ParallelAxis, ...]
    """The objective first (best at the top), then the top parameters by rank."""
    lines: tuple[ParallelLine, ...]
    ranking: str
    """What ranked the parameters: ``importance`` or ``binned_effect`` (the fallback)."""
    n_params: int
    """Parameters in the study (the chart shows at most ``chart_top_params``)."""
    sampling: Sampling


@dataclass(frozen=True)
class BinAxis:
    param: str
    kind: str
    """``numeric`` (equal-width bins on the parameter's scale) or ``levels`` (one per level)."""
    log: bool
    edges: tuple[float, ...]
    """Numeric axes: bin edges on the original scale (len = bins + 1); empty for levels."""
    levels: tuple[Level, ...]
    """Levels axes: the levels in order; empty for numeric."""

    @property
    def size(self) -> int:
        return len(self.levels) if self.kind == "levels" else len(self.edges) - 1


@dataclass(frozen=True)
class ContourCell:
    a_bin: int
    b_bin: int
    a_center: float | Level
    """Numeric: the bin's midpoint on the parameter's scale (geometric for log); levels: the label."""
    a_low: float | None
    a_high: float | None
    b_center: float | Level
    b_low: float | None
    b_high: float | None
    n: int
    mean: float


@dataclass(frozen=True)
class ContourPoint:
    number: int
    a: float | Level
    b: float | Level
    value: float
    elite: bool


@dataclass(frozen=True)
class ContourData:
    """Binned mean of the objective over a pair of parameters, with the trials on top."""

    axis_a: BinAxis
    axis_b: BinAxis
    condition_a: Condition | None
    condition_b: Condition | None
    cells: tuple[ContourCell, ...]
    """Non-empty cells only, ordered by (a_bin, b_bin)."""
    points: tuple[ContourPoint, ...]
    n: int
    """COMPLETE finite trials in which both parameters exist."""
    n_complete: int
    direction: str
    source: str
    """Why this pair: ``interactions`` (the importance analysis's pair strengths),
    ``importance`` (the most important parameters) or ``binned_effect`` (the fallback)."""
    score: float | None
    """The pair's interaction strength, summed importance, or joint binned epsilon-squared."""
    sampling: Sampling


@dataclass(frozen=True)
class CurvePoint:
    step: int
    value: float


@dataclass(frozen=True)
class Curve:
    number: int
    state: str
    elite: bool
    points: tuple[CurvePoint, ...]


@dataclass(frozen=True)
class LearningData:
    direction: str
    curves: tuple[Curve, ...]
    """Elite curves first (best first), then the rest by trial number."""
    n_curves: int
    """Trials that reported intermediate values (the chart may draw fewer)."""
    n_points: int
    """Finite intermediate values in the study."""
    n_pruned: int
    """Pruned trials among the curves drawn."""
    sampling: Sampling
    """Over curves; ``steps_thinned`` says whether long curves lost intermediate steps."""
    steps_thinned: bool


@dataclass(frozen=True)
class EcdfPoint:
    value: float
    fraction: float
    """Share of COMPLETE finite trials with a value at most ``value``."""
    number: int
    """A trial with this value (the lowest-numbered of those tied): every per-trial mark keeps
    its trial, which the page's tooltips look up."""


@dataclass(frozen=True)
class EcdfData:
    direction: str
    n: int
    points: tuple[EcdfPoint, ...]
    best: float
    median: float
    elite_threshold: float
    """The worst elite's value: elites lie beyond it in the direction of "better"."""
    sampling: Sampling


@dataclass(frozen=True)
class TimelineBar:
    number: int
    state: str
    start: float
    """From the study's first trial start, in ``time_unit``."""
    end: float
    duration_s: float | None
    open_ended: bool
    """Still RUNNING: drawn up to the study's last recorded event."""


@dataclass(frozen=True)
class TimelineData:
    time_unit: str
    bars: tuple[TimelineBar, ...]
    n_trials: int
    n_not_started: int
    """WAITING trials (no start time): counted, not drawn."""
    sampling: Sampling


@dataclass(frozen=True)
class ChartSet:
    """Everything the charts of one report version draw."""

    direction: str
    elite_quantile: float
    """Elites are the top ``elite_quantile`` of COMPLETE trials (legends say so)."""
    importance: ImportanceData | None
    slices: tuple[SliceData, ...]
    levels: tuple[LevelsData, ...]
    history: HistoryData | None
    parallel: ParallelData | None
    contours: tuple[ContourData, ...]
    learning: LearningData | None
    ecdf: EcdfData | None
    timeline: TimelineData | None
    pruned_analysed: int = 0
    """Pruned trials drawn at their last reported value (``--include-pruned``); subtitles say so."""
    n_analysed: int = 0
    """Trials with a finite value the charts draw from (complete, plus pruned ones when included)."""
    pareto: ParetoData | None = None
    """Studies with 2 or 3 objectives: the trials in objective space, the Pareto front marked."""


@dataclass(frozen=True)
class ParetoPoint:
    number: int
    values: tuple[float, ...]
    on_front: bool


@dataclass(frozen=True)
class ParetoData:
    directions: tuple[str, ...]
    names: tuple[str | None, ...]
    points: tuple[ParetoPoint, ...]
    n: int
    """COMPLETE trials with every value finite (feasible): the front's pool."""
    n_front: int
    sampling: Sampling
    """The front is always drawn in full; beyond the limit the other trials are an even spread by number."""
