"""Analysis settings: one typed source for every default (the CLI reads its defaults here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "fdr_by", "sidak", "holm-sidak", "none")
RENDERERS = ("auto", "builtin", "quarto")
EXPORT_FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class AnalysisConfig:
    """Everything that changes the analysis (and so the report) besides the study itself."""

    objective: int = 0
    """Index of the objective analysed in a multi-objective study."""
    alpha: float = 0.05
    """Family-wise significance level; q below it is "strong"."""
    suggestive_alpha: float = 0.10
    """q below this (but not below alpha) is "suggestive"."""
    correction: str = "holm"
    """Multiple-comparison correction over all primary tests (statsmodels multipletests method)."""
    elite_quantile: float = 0.25
    """Top fraction of complete trials, by the objective's direction, that count as elites."""
    baseline: float | None = None
    """Chance-level objective value (e.g. 1/n_classes); read from study user attrs when unset."""
    seed: int = 0
    """Added to the snapshot-derived seed of every random procedure (bootstrap, forests)."""
    n_bootstrap: int = 2000
    """Bootstrap resamples behind every effect-size confidence interval (0: no intervals)."""
    charts: bool = True
    """Write the Altair (Vega-Lite) chart specs and the contour CSVs."""
    export: tuple[str, ...] = ()
    """Static image formats (of EXPORT_FORMATS) written beside every chart spec, e.g. png, svg.
    Part of the config (and so of the version's identity): asking for images on an unchanged
    study must produce them, not answer "unchanged"."""
    chart_max_points: int = 2000
    """Most trials one chart draws individually; larger studies are thinned by a stated,
    deterministic rule (the chart's subtitle says which and how many), so specs stay small."""
    contour_pairs: int = 3
    """How many parameter pairs get a contour chart and a contour CSV."""
    contour_bins: int = 10
    """Bins per numeric axis of a contour (on the log scale for log parameters)."""
    chart_top_params: int = 8
    """Parameters on the parallel-coordinates chart (the most important ones)."""
    importance_min_trials: int = 5
    """Complete trials with a finite value needed before any importance is estimated."""
    importance_resamples: int = 400
    """Multiplier-bootstrap replicates behind the variance-decomposition importance intervals."""
    top_quantile_resamples: int = 30
    """Subsamples behind the top-quantile (PED-ANOVA) importance intervals; each reruns Optuna's evaluator."""
    interaction_params: int = 5
    """Pairwise interaction strength is assessed among this many most important parameters."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()


@dataclass(frozen=True)
class SiteConfig:
    """How the site is built. Kept apart from AnalysisConfig: it changes no finding, so it
    must not change the config digest that decides whether a new version is needed."""

    renderer: str = "auto"
    """``quarto``, ``builtin``, or ``auto`` (Quarto when ``quarto`` is on PATH, else built-in)."""
