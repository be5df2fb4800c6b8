"""``generate-report``: parse, build the configs, call the pipeline, print one line. Nothing else.

The settings' flags are generated from the config fields' metadata (``cli_flags.py``) and the
configs check their own values, so only the flags that are no setting are written here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.cli_flags import add_config_flags, config_from_args
from generator.config import AnalysisConfig, SiteConfig
from generator.errors import UserError
from generator.progress import Progress


def _parser() -> argparse.ArgumentParser:
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
        "--print-changes",
        action="store_true",
        help="print the study's latest changes as Markdown on stdout (e.g. for a pull-request comment); without --storage, read them from --out without regenerating",
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
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--version", action="version", version=f"hpo-report {__version__}")
    # The settings' flags come from the config fields' metadata (generator/config.py).
    add_config_flags(
        p.add_argument_group("analysis settings", "each is part of the report's identity and of its reproduce command"),
        AnalysisConfig,
    )
    add_config_flags(p.add_argument_group("site settings", "they change no finding"), SiteConfig)
    return p


def _configs(args: argparse.Namespace) -> tuple[AnalysisConfig, SiteConfig]:
    """Both configs from the parsed flags; every bad value of either in one line."""
    problems = []
    analysis = site = None
    try:
        analysis = config_from_args(AnalysisConfig, args)
    except UserError as exc:
        problems.append(str(exc))
    try:
        site = config_from_args(SiteConfig, args)
    except UserError as exc:
        problems.append(str(exc))
    if analysis is None or site is None:
        raise UserError("; ".join(problems))
    return analysis, site


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
        config, site = _configs(args)
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
            site,
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


def run() -> NoReturn:
    """The ``generate-report`` command: ``main()``, then exit without tearing the interpreter down.

    Python's shutdown frees a finished run's objects one by one (the study's frames, every
    imported module): half a second to a second at 20,000 trials, for memory the operating
    system reclaims at once. By then every file the run wrote is closed and every worker process
    reaped; what is still buffered (the standard streams, logging's handlers) is flushed here.
    """
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away (``| head``) or it is closed
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
