"""Analysis settings: one typed source for every default, every check and every CLI flag.

Each field carries, in its ``metadata``, what the command line needs to offer it (a one-line
help, choices, the flag's style, a metavar, the least value); ``generator/cli_flags.py`` turns
that into argparse flags and back into the report's reproduce command, so a new setting is
declared here once. The checks run in ``__post_init__``: a library caller gets the same
one-line :class:`~generator.errors.UserError` the CLI prints for the same value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.errors import UserError
from generator.model.vocabulary import Tier

CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "fdr_by", "sidak", "holm-sidak", "none")
RENDERERS = ("auto", "builtin", "quarto")
EXPORT_FORMATS = ("png", "svg", "pdf")
FIX_TIERS = (Tier.STRONG, Tier.SUGGESTIVE)
"""Evidence tiers that may justify fixing a parameter in a next-sweep config (never "not enough evidence")."""

FLAG_STYLES = ("value", "negate", "switch", "list")
"""How a field is spelled on the command line: ``value`` takes one value (``--alpha 0.01``; an
optional field's default None means "not set"); ``negate`` is a ``--no-NAME`` switch that turns a
default-True field off; ``switch`` is a ``--NAME`` switch that turns a default-False field on;
``list`` takes a comma-separated list of its choices."""


def flag(
    help: str,
    *,
    style: str = "value",
    choices: tuple[str, ...] = (),
    least: int | None = None,
    metavar: str | None = None,
    default_text: str | None = None,
) -> dict[str, Any]:
    """A field's CLI metadata. ``least``: the smallest value accepted (checked when set, so an
    optional field may stay None); ``default_text``: how ``--help`` states a default that is
    not a value (e.g. None meaning "every objective")."""
    assert style in FLAG_STYLES, style
    return {
        "help": help,
        "style": style,
        "choices": choices,
        "least": least,
        "metavar": metavar,
        "default_text": default_text,
    }


def flag_name(f: dataclasses.Field[Any]) -> str:
    """The command-line spelling of a field: its name with dashes, ``--no-`` for a negating switch."""
    name = f.name.replace("_", "-")
    return f"--no-{name}" if f.metadata["style"] == "negate" else f"--{name}"


def _field_problems(config: Any) -> list[str]:
    """The checks the metadata declares (choices, least value), in field order."""
    problems = []
    for f in dataclasses.fields(config):
        meta, value, name = f.metadata, getattr(config, f.name), flag_name(f)
        choices, least = meta["choices"], meta["least"]
        if meta["style"] == "list" and choices:
            unknown = [v for v in value if v not in choices]
            if unknown:
                problems.append(f"{name} takes {', '.join(choices)}, got {', '.join(unknown)}")
        elif choices and value not in choices:
            problems.append(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        if least is not None and value is not None and value < least:
            problems.append(f"{name} must be {least} or more, got {value}")
    return problems


def _raise_if(problems: list[str]) -> None:
    # One line for all of them: the user fixes every flag in one go.
    if problems:
        raise UserError("; ".join(problems))


@dataclass(frozen=True)
class AnalysisConfig:
    """Everything that changes the analysis (and so the report) besides the study itself."""

    objective: int | None = field(
        default=None,
        metadata=flag(
            "objective index to analyse alone",
            least=0,
            metavar="INDEX",
            default_text="every objective of a multi-objective study",
        ),
    )
    """Index of the objective analysed in a multi-objective study; None (the default) analyses
    every objective, each on its own, with the top-level findings describing objective 0."""
    alpha: float = field(default=0.05, metadata=flag("significance level for q", metavar="Q"))
    """Family-wise significance level; q below it is "strong"."""
    suggestive_alpha: float = field(default=0.10, metadata=flag("q below this is suggestive", metavar="Q"))
    """q below this (but not below alpha) is "suggestive"."""
    correction: str = field(
        default="holm", metadata=flag("multiple-comparison correction", choices=CORRECTIONS, metavar="METHOD")
    )
    """Multiple-comparison correction over all primary tests (statsmodels multipletests method)."""
    elite_quantile: float = field(
        default=0.25, metadata=flag("top fraction of complete trials counted as elites", metavar="FRACTION")
    )
    """Top fraction of complete trials, by the objective's direction, that count as elites."""
    baseline: float | None = field(
        default=None,
        metadata=flag("chance-level objective value", metavar="VALUE", default_text="from study user attrs"),
    )
    """Chance-level objective value (e.g. 1/n_classes); read from study user attrs when unset."""
    seed: int = field(default=0, metadata=flag("offset for every seeded random procedure", metavar="N"))
    """Added to the snapshot-derived seed of every random procedure (bootstrap, forests)."""
    n_bootstrap: int = field(
        default=2000,
        metadata=flag(
            "bootstrap resamples per epsilon-squared CI; 0 for none (rho and r CIs are analytic)", least=0, metavar="N"
        ),
    )
    """Bootstrap resamples behind the epsilon-squared intervals (0: none); rho and r intervals are analytic."""
    charts: bool = field(default=True, metadata=flag("write no chart specs or contour CSVs", style="negate"))
    """Write the Altair (Vega-Lite) chart specs and the contour CSVs."""
    export: tuple[str, ...] = field(
        default=(),
        metadata=flag(
            "also write chart images", style="list", choices=EXPORT_FORMATS, metavar="FORMATS", default_text="none"
        ),
    )
    """Static image formats (of EXPORT_FORMATS) written beside every chart spec, e.g. png, svg.
    Part of the config (and so of the version's identity): asking for images on an unchanged
    study must produce them, not answer "unchanged"."""
    chart_max_points: int = field(
        default=2000,
        metadata=flag(
            "most trials a chart draws one by one; larger studies are thinned by a stated rule", least=100, metavar="N"
        ),
    )
    """Most trials one chart draws individually; larger studies are thinned by a stated,
    deterministic rule (the chart's subtitle says which and how many), so specs stay small."""
    contour_pairs: int = field(
        default=3, metadata=flag("parameter pairs with a contour chart and CSV", least=0, metavar="N")
    )
    """How many parameter pairs get a contour chart and a contour CSV."""
    contour_bins: int = field(default=10, metadata=flag("bins per numeric contour axis", least=2, metavar="N"))
    """Bins per numeric axis of a contour (on the log scale for log parameters)."""
    chart_top_params: int = field(
        default=8, metadata=flag("parameters on the parallel-coordinates chart", least=1, metavar="N")
    )
    """Parameters on the parallel-coordinates chart (the most important ones)."""
    importance_min_trials: int = field(
        default=5, metadata=flag("complete trials needed before importance is estimated", least=2, metavar="N")
    )
    """Complete trials with a finite value needed before any importance is estimated."""
    importance_resamples: int = field(
        default=400, metadata=flag("bootstrap replicates behind importance intervals", least=20, metavar="N")
    )
    """Multiplier-bootstrap replicates behind the variance-decomposition importance intervals."""
    top_quantile_resamples: int = field(
        default=200,
        metadata=flag(
            "bootstrap replicates behind top-quantile (elite mutual information) intervals", least=2, metavar="N"
        ),
    )
    """Bootstrap replicates behind the top-quantile (elite mutual information) importance intervals;
    each is one multinomial draw per parameter, so they are cheap."""
    interaction_params: int = field(
        default=5,
        metadata=flag("pairwise interactions among this many most important parameters", least=0, metavar="N"),
    )
    """Pairwise interaction strength is assessed among this many most important parameters."""
    refine_fix_share: float = field(
        default=0.8,
        metadata=flag(
            "aggressive next sweep: share of a branch's elites a level needs before it is fixed", metavar="SHARE"
        ),
    )
    """Aggressive next sweep: a level is fixed only when at least this share of its branch's
    elites use it, and a test supports it (see refine_fix_tier)."""
    refine_fix_tier: str = field(
        default="strong",
        metadata=flag(
            "weakest test tier that may fix a parameter in a next-sweep config", choices=FIX_TIERS, metavar="TIER"
        ),
    )
    """Weakest tier (of FIX_TIERS) of the test that must support fixing a parameter, in both
    next-sweep configs; a parameter with "not enough evidence" is never fixed."""
    refine_padding: float = field(
        default=0.1,
        metadata=flag(
            "aggressive next sweep: elite range padded by this fraction of the declared width, on the parameter's scale",
            metavar="FRACTION",
        ),
    )
    """Aggressive next sweep: a numeric range is narrowed to the elites' range padded on each
    side by this fraction of the declared width, on the parameter's own scale (log for log)."""
    refine_min_elites: int = field(
        default=3,
        metadata=flag(
            "elites a branch needs before the aggressive config narrows a range or choices", least=1, metavar="N"
        ),
    )
    """Fewest elites a parameter's branch needs before the aggressive config narrows its range
    or its choices to where the elites are."""
    refine_expand_share: float = field(
        default=0.5, metadata=flag("share of elites in a bound's outer tenth that widens it", metavar="SHARE")
    )
    """Aggressive next sweep: a bound is widened when at least this share of the branch's
    elites (two or more) sit in its outer tenth. The conservative config also widens a bound
    where only the best trial sits, if the parameter's trend points that way."""
    refine_max_decades: float = field(
        default=1.0, metadata=flag("most decades a log parameter's bound is widened by", metavar="DECADES")
    )
    """A widened bound of a log parameter moves at most this many decades (factors of 10), in the
    boundary table's suggestion and in both next-sweep configs."""
    refine_min_trials: int = field(
        default=10, metadata=flag("fewest trials a next-sweep config asks for", least=1, metavar="N")
    )
    """Fewest trials a next-sweep config asks for, whatever its size."""
    gain_samples: int = field(
        default=2000, metadata=flag("configurations sampled per space for the expected gain", least=10, metavar="N")
    )
    """Configurations sampled from each space (old and refined) for the expected gain."""
    gain_cv_folds: int = field(
        default=5, metadata=flag("cross-validation folds of the expected-gain surrogate", least=2, metavar="K")
    )
    """Folds of the cross-validation that measures the expected-gain surrogate's fit."""
    gain_min_r2: float = field(
        default=0.5, metadata=flag("cross-validated R^2 below which no expected gain is given", metavar="R2")
    )
    """Cross-validated R^2 the surrogate needs before the report gives expected-gain numbers."""
    gain_resamples: int = field(
        default=400, metadata=flag("bootstrap replicates behind the expected-gain intervals", least=20, metavar="N")
    )
    """Bootstrap replicates behind the expected-gain intervals."""
    include_pruned: bool = field(
        default=False,
        metadata=flag(
            "also analyse pruned trials, each at its last reported value (labelled in the report)", style="switch"
        ),
    )
    """Analyse pruned trials too, each at its last reported (intermediate) value, labelled as such
    (``analysis/pruned.py``); off by default: the statistics describe complete trials."""

    def __post_init__(self) -> None:
        _raise_if(self._range_problems() + _field_problems(self))

    def _range_problems(self) -> list[str]:
        """The checks on fractions and levels that no least value expresses, in field order.
        Values are shown as floats, as the CLI parsed them: ``alpha=2`` reads "got 2.0" too."""
        problems = []
        if not 0 < self.alpha < 1:
            problems.append(f"--alpha must be between 0 and 1, got {float(self.alpha)}")
        if not self.alpha <= self.suggestive_alpha < 1:
            problems.append(f"--suggestive-alpha must be in [alpha, 1), got {float(self.suggestive_alpha)}")
        if not 0 < self.elite_quantile < 1:
            problems.append(f"--elite-quantile must be between 0 and 1, got {float(self.elite_quantile)}")
        if self.export and not self.charts:
            problems.append("--export needs the charts; drop --no-charts")
        if not 0 < self.refine_fix_share <= 1:
            problems.append(f"--refine-fix-share must be in (0, 1], got {float(self.refine_fix_share)}")
        if not 0 <= self.refine_padding <= 1:
            problems.append(f"--refine-padding must be between 0 and 1, got {float(self.refine_padding)}")
        if not 0 < self.refine_expand_share <= 1:
            problems.append(f"--refine-expand-share must be in (0, 1], got {float(self.refine_expand_share)}")
        if not self.refine_max_decades > 0:
            problems.append(f"--refine-max-decades must be above 0, got {float(self.refine_max_decades)}")
        if not self.gain_min_r2 <= 1:
            problems.append(f"--gain-min-r2 must be at most 1, got {float(self.gain_min_r2)}")
        return problems

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

    renderer: str = field(
        default="auto",
        metadata=flag("site renderer (auto: quarto when on PATH, else builtin)", choices=RENDERERS, metavar="NAME"),
    )
    """``quarto``, ``builtin``, or ``auto`` (Quarto when ``quarto`` is on PATH, else built-in)."""

    def __post_init__(self) -> None:
        _raise_if(_field_problems(self))
