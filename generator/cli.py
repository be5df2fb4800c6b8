"""``generate-report``: parse, validate, call the pipeline, print one line. Nothing else."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from generator import __version__
from generator.config import CORRECTIONS, EXPORT_FORMATS, FIX_TIERS, RENDERERS, AnalysisConfig, SiteConfig
from generator.errors import UserError
from generator.progress import Progress


def _parser() -> argparse.ArgumentParser:
    d = AnalysisConfig()
    site = SiteConfig()
    p = argparse.ArgumentParser(
        prog="generate-report",
        description="Snapshot an Optuna study and write its findings report, tables and site.",
    )
    p.add_argument(
        "--storage",
        help="sqlite:///file.db, postgresql://..., mysql+pymysql://..., or a file path (required unless --print-changes)",
    )
    p.add_argument("--study", help="study name (optional when the storage holds one study)")
    p.add_argument("--out", default=".", type=Path, help="output folder holding report/ and site/ (default: .)")
    p.add_argument("--list", action="store_true", help="list the studies in the storage with trial counts, then exit")
    p.add_argument(
        "--objective",
        type=int,
        default=d.objective,
        help="objective index to analyse alone (default: every objective of a multi-objective study)",
    )
    p.add_argument("--alpha", type=float, default=d.alpha, help="significance level for q (default: %(default)s)")
    p.add_argument(
        "--suggestive-alpha",
        type=float,
        default=d.suggestive_alpha,
        help="q below this is suggestive (default: %(default)s)",
    )
    p.add_argument(
        "--correction",
        default=d.correction,
        help=f"multiple-comparison correction: {', '.join(CORRECTIONS)} (default: %(default)s)",
    )
    p.add_argument(
        "--elite-quantile",
        type=float,
        default=d.elite_quantile,
        help="top fraction of complete trials counted as elites (default: %(default)s)",
    )
    p.add_argument(
        "--baseline",
        type=float,
        default=d.baseline,
        help="chance-level objective value (default: from study user attrs)",
    )
    p.add_argument(
        "--seed", type=int, default=d.seed, help="offset for every seeded random procedure (default: %(default)s)"
    )
    p.add_argument(
        "--renderer",
        default=site.renderer,
        help="site renderer: quarto, builtin, or auto = quarto when on PATH, else builtin (default: %(default)s)",
    )
    p.add_argument(
        "--print-changes",
        action="store_true",
        help="print the study's latest changes as Markdown on stdout (e.g. for a pull-request comment); without --storage, read them from --out without regenerating",
    )
    p.add_argument(
        "--n-bootstrap",
        type=int,
        default=d.n_bootstrap,
        help="bootstrap resamples per epsilon-squared CI; 0 for none (rho and r CIs are analytic) (default: %(default)s)",
    )
    p.add_argument("--no-charts", dest="charts", action="store_false", help="write no chart specs or contour CSVs")
    p.add_argument(
        "--export",
        default=",".join(d.export),
        help=f"also write chart images, comma-separated: {', '.join(EXPORT_FORMATS)} (default: none)",
    )
    p.add_argument(
        "--chart-max-points",
        type=int,
        default=d.chart_max_points,
        help="most trials a chart draws one by one; larger studies are thinned by a stated rule (default: %(default)s)",
    )
    p.add_argument(
        "--contour-pairs",
        type=int,
        default=d.contour_pairs,
        help="parameter pairs with a contour chart and CSV (default: %(default)s)",
    )
    p.add_argument(
        "--contour-bins", type=int, default=d.contour_bins, help="bins per numeric contour axis (default: %(default)s)"
    )
    p.add_argument(
        "--chart-top-params",
        type=int,
        default=d.chart_top_params,
        help="parameters on the parallel-coordinates chart (default: %(default)s)",
    )
    p.add_argument(
        "--importance-min-trials",
        type=int,
        default=d.importance_min_trials,
        help="complete trials needed before importance is estimated (default: %(default)s)",
    )
    p.add_argument(
        "--importance-resamples",
        type=int,
        default=d.importance_resamples,
        help="bootstrap replicates behind importance intervals (default: %(default)s)",
    )
    p.add_argument(
        "--top-quantile-resamples",
        type=int,
        default=d.top_quantile_resamples,
        help="bootstrap replicates behind top-quantile (elite mutual information) intervals (default: %(default)s)",
    )
    p.add_argument(
        "--interaction-params",
        type=int,
        default=d.interaction_params,
        help="pairwise interactions among this many most important parameters (default: %(default)s)",
    )
    p.add_argument(
        "--refine-fix-share",
        type=float,
        default=d.refine_fix_share,
        help="aggressive next sweep: share of a branch's elites a level needs before it is fixed (default: %(default)s)",
    )
    p.add_argument(
        "--refine-fix-tier",
        default=d.refine_fix_tier,
        help=f"weakest test tier that may fix a parameter in a next-sweep config: {', '.join(FIX_TIERS)} (default: %(default)s)",
    )
    p.add_argument(
        "--refine-padding",
        type=float,
        default=d.refine_padding,
        help="aggressive next sweep: elite range padded by this fraction of the declared width, on the parameter's scale (default: %(default)s)",
    )
    p.add_argument(
        "--refine-min-elites",
        type=int,
        default=d.refine_min_elites,
        help="elites a branch needs before the aggressive config narrows a range or choices (default: %(default)s)",
    )
    p.add_argument(
        "--refine-expand-share",
        type=float,
        default=d.refine_expand_share,
        help="share of elites in a bound's outer tenth that widens it (default: %(default)s)",
    )
    p.add_argument(
        "--refine-max-decades",
        type=float,
        default=d.refine_max_decades,
        help="most decades a log parameter's bound is widened by (default: %(default)s)",
    )
    p.add_argument(
        "--refine-min-trials",
        type=int,
        default=d.refine_min_trials,
        help="fewest trials a next-sweep config asks for (default: %(default)s)",
    )
    p.add_argument(
        "--gain-samples",
        type=int,
        default=d.gain_samples,
        help="configurations sampled per space for the expected gain (default: %(default)s)",
    )
    p.add_argument(
        "--gain-cv-folds",
        type=int,
        default=d.gain_cv_folds,
        help="cross-validation folds of the expected-gain surrogate (default: %(default)s)",
    )
    p.add_argument(
        "--gain-min-r2",
        type=float,
        default=d.gain_min_r2,
        help="cross-validated R^2 below which no expected gain is given (default: %(default)s)",
    )
    p.add_argument(
        "--gain-resamples",
        type=int,
        default=d.gain_resamples,
        help="bootstrap replicates behind the expected-gain intervals (default: %(default)s)",
    )
    p.add_argument(
        "--compare-with",
        metavar="OLD",
        help="also compare the study with this earlier sweep (comparison.md and comparison.json, a site page)",
    )
    p.add_argument(
        "--compare-storage",
        metavar="URL",
        help="storage of the --compare-with study (default: the study's own --storage)",
    )
    p.add_argument(
        "--include-pruned",
        action="store_true",
        help="also analyse pruned trials, each at its last reported value (labelled in the report)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--version", action="version", version=f"hpo-report {__version__}")
    return p


def _config(args: argparse.Namespace) -> AnalysisConfig:
    problems = []
    if not 0 < args.alpha < 1:
        problems.append(f"--alpha must be between 0 and 1, got {args.alpha}")
    if not args.alpha <= args.suggestive_alpha < 1:
        problems.append(f"--suggestive-alpha must be in [alpha, 1), got {args.suggestive_alpha}")
    if args.correction not in CORRECTIONS:
        problems.append(f"--correction must be one of {', '.join(CORRECTIONS)}, got {args.correction!r}")
    if not 0 < args.elite_quantile < 1:
        problems.append(f"--elite-quantile must be between 0 and 1, got {args.elite_quantile}")
    if args.n_bootstrap < 0:
        problems.append(f"--n-bootstrap must be 0 or more, got {args.n_bootstrap}")
    if args.objective is not None and args.objective < 0:
        problems.append(f"--objective must be 0 or more, got {args.objective}")
    if args.renderer not in RENDERERS:
        problems.append(f"--renderer must be one of {', '.join(RENDERERS)}, got {args.renderer!r}")
    export = tuple(f.strip().lower() for f in args.export.split(",") if f.strip())
    unknown = [f for f in export if f not in EXPORT_FORMATS]
    if unknown:
        problems.append(f"--export takes {', '.join(EXPORT_FORMATS)}, got {', '.join(unknown)}")
    if export and not args.charts:
        problems.append("--export needs the charts; drop --no-charts")
    for flag, value, least in (
        ("--chart-max-points", args.chart_max_points, 100),
        ("--contour-pairs", args.contour_pairs, 0),
        ("--contour-bins", args.contour_bins, 2),
        ("--chart-top-params", args.chart_top_params, 1),
    ):
        if value < least:
            problems.append(f"{flag} must be {least} or more, got {value}")
    if args.importance_min_trials < 2:
        problems.append(f"--importance-min-trials must be 2 or more, got {args.importance_min_trials}")
    if args.importance_resamples < 20:
        problems.append(f"--importance-resamples must be 20 or more, got {args.importance_resamples}")
    if args.top_quantile_resamples < 2:
        problems.append(f"--top-quantile-resamples must be 2 or more, got {args.top_quantile_resamples}")
    if args.interaction_params < 0:
        problems.append(f"--interaction-params must be 0 or more, got {args.interaction_params}")
    problems += _refine_problems(args)
    if problems:
        raise UserError("; ".join(problems))
    # Every AnalysisConfig field has a flag of the same name (dashes for underscores), so the
    # config is built field by field; tests/test_cli.py checks the round trip.
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(AnalysisConfig)}
    values["export"] = tuple(dict.fromkeys(export))
    return AnalysisConfig(**values)


def _refine_problems(args: argparse.Namespace) -> list[str]:
    """The next-sweep flags' ranges."""
    problems = []
    if not 0 < args.refine_fix_share <= 1:
        problems.append(f"--refine-fix-share must be in (0, 1], got {args.refine_fix_share}")
    if args.refine_fix_tier not in FIX_TIERS:
        problems.append(f"--refine-fix-tier must be one of {', '.join(FIX_TIERS)}, got {args.refine_fix_tier!r}")
    if not 0 <= args.refine_padding <= 1:
        problems.append(f"--refine-padding must be between 0 and 1, got {args.refine_padding}")
    if not 0 < args.refine_expand_share <= 1:
        problems.append(f"--refine-expand-share must be in (0, 1], got {args.refine_expand_share}")
    if not args.refine_max_decades > 0:
        problems.append(f"--refine-max-decades must be above 0, got {args.refine_max_decades}")
    for flag, value, least in (
        ("--refine-min-elites", args.refine_min_elites, 1),
        ("--refine-min-trials", args.refine_min_trials, 1),
        ("--gain-samples", args.gain_samples, 10),
        ("--gain-cv-folds", args.gain_cv_folds, 2),
        ("--gain-resamples", args.gain_resamples, 20),
    ):
        if value < least:
            problems.append(f"{flag} must be {least} or more, got {value}")
    if not args.gain_min_r2 <= 1:
        problems.append(f"--gain-min-r2 must be at most 1, got {args.gain_min_r2}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from generator import pipeline  # heavy imports after argument parsing: --help stays fast

        if args.storage is None:
            if not args.print_changes:
                raise UserError("--storage is required (or use --print-changes to print a report's latest changes)")
            print(pipeline.latest_changes(args.out, args.study), end="")
            return 0
        if args.list:
            for name, counts in pipeline.list_storage(args.storage):
                total = sum(counts.values())
                detail = ", ".join(
                    f"{counts.get(s, 0)} {s.lower()}" for s in ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")
                )
                print(f"{name}\t{total} trials ({detail})")
            return 0
        config = _config(args)
        if args.compare_storage is not None and args.compare_with is None:
            raise UserError("--compare-storage needs --compare-with OLD")
        compare = (
            pipeline.CompareWith(args.compare_with, args.compare_storage or args.storage)
            if args.compare_with is not None
            else None
        )
        outcome = pipeline.generate(
            args.storage,
            args.study,
            args.out,
            config,
            Progress(enabled=not args.quiet),
            SiteConfig(renderer=args.renderer),
            compare,
        )
        changes = pipeline.latest_changes(args.out, outcome.study) if args.print_changes else None
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    rel = _relative(outcome.version_dir, args.out)
    # With --print-changes, stdout carries only the Markdown (it becomes a PR comment).
    status = sys.stderr if changes is not None else sys.stdout
    if outcome.created:
        print(f"wrote {rel} for study {outcome.study!r}; site: {_relative(outcome.site_index, args.out)}", file=status)
    else:
        print(f"unchanged: {rel} already covers study {outcome.study!r}; nothing rewritten", file=status)
    if outcome.comparison is not None:
        print(f"compared with {args.compare_with!r}: {_relative(outcome.comparison, args.out)}", file=status)
    if changes is not None:
        print(changes, end="")
    return 0


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
