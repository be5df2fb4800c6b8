"""Analysis settings: one typed source for every default (the CLI reads its defaults here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from generator.model.vocabulary import Tier

CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "fdr_by", "sidak", "holm-sidak", "none")
RENDERERS = ("auto", "builtin", "quarto")
EXPORT_FORMATS = ("png", "svg", "pdf")
FIX_TIERS = (Tier.STRONG, Tier.SUGGESTIVE)
"""Evidence tiers that may justify fixing a parameter in a next-sweep config (never "not enough evidence")."""


@dataclass(frozen=True)
class AnalysisConfig:
    """Everything that changes the analysis (and so the report) besides the study itself."""

    objective: int | None = None
    """Index of the objective analysed in a multi-objective study; None (the default) analyses
    every objective, each on its own, with the top-level findings describing objective 0."""
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
    """Bootstrap resamples behind the epsilon-squared intervals (0: none); rho and r intervals are analytic."""
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
    top_quantile_resamples: int = 200
    """Bootstrap replicates behind the top-quantile (elite mutual information) importance intervals;
    each is one multinomial draw per parameter, so they are cheap."""
    interaction_params: int = 5
    """Pairwise interaction strength is assessed among this many most important parameters."""
    refine_fix_share: float = 0.8
    """Aggressive next sweep: a level is fixed only when at least this share of its branch's
    elites use it, and a test supports it (see refine_fix_tier)."""
    refine_fix_tier: str = "strong"
    """Weakest tier (of FIX_TIERS) of the test that must support fixing a parameter, in both
    next-sweep configs; a parameter with "not enough evidence" is never fixed."""
    refine_padding: float = 0.1
    """Aggressive next sweep: a numeric range is narrowed to the elites' range padded on each
    side by this fraction of the declared width, on the parameter's own scale (log for log)."""
    refine_min_elites: int = 3
    """Fewest elites a parameter's branch needs before the aggressive config narrows its range
    or its choices to where the elites are."""
    refine_expand_share: float = 0.5
    """Aggressive next sweep: a bound is widened when at least this share of the branch's
    elites (two or more) sit in its outer tenth. The conservative config also widens a bound
    where only the best trial sits, if the parameter's trend points that way."""
    refine_max_decades: float = 1.0
    """A widened bound of a log parameter moves at most this many decades (factors of 10), in the
    boundary table's suggestion and in both next-sweep configs."""
    refine_min_trials: int = 10
    """Fewest trials a next-sweep config asks for, whatever its size."""
    gain_samples: int = 2000
    """Configurations sampled from each space (old and refined) for the expected gain."""
    gain_cv_folds: int = 5
    """Folds of the cross-validation that measures the expected-gain surrogate's fit."""
    gain_min_r2: float = 0.5
    """Cross-validated R^2 the surrogate needs before the report gives expected-gain numbers."""
    gain_resamples: int = 400
    """Bootstrap replicates behind the expected-gain intervals."""
    include_pruned: bool = False
    """Analyse pruned trials too, each at its last reported (intermediate) value, labelled as such
    (``analysis/pruned.py``); off by default: the statistics describe complete trials."""

    @property
    def objective_index(self) -> int:
        """The objective a single-objective analysis reads: the chosen one, else objective 0."""
        return 0 if self.objective is None else self.objective

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
