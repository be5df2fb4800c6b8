"""generate-report from end to end: storage -> snapshot -> findings -> report files -> site.

A version folder is assembled in a hidden staging folder and renamed into place only when
complete, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.background import Task, Workers
from generator.cli_flags import reproduce_command
from generator.config import AnalysisConfig, SiteConfig
from generator.errors import UserError
from generator.files import make_folder, staging_path, write_if_changed
from generator.progress import Progress
from generator.site import build_site, prefetch, preflight
from generator.slug import study_slug
from generator.storage import locate, study_fingerprint
from generator.versions import list_versions, unchanged_fingerprint

if TYPE_CHECKING:  # the modules themselves are imported where a version is made (below)
    from generator.analysis.sample import AnalysedSample
    from generator.model.curves import TrialCurve
    from generator.model.findings import Importance, Interaction
    from generator.render.views.glance import Previous
    from generator.snapshot import Snapshot
    from generator.storage.records import StudyRecord
    from generator.storage.url import StorageLocation

# Only what an unchanged re-run needs is imported here; reading, analysing and rendering
# (pandas, scipy, scikit-learn, DuckDB, Altair: seconds of imports) load when a version is made.


@dataclass(frozen=True)
class Outcome:
    study: str
    version: str
    version_dir: Path
    created: bool
    site_index: Path
    comparison: Path | None = None
    """comparison.md of the version, when --compare-with was given."""


def generate(
    storage: str,
    study: str | None,
    out_dir: Path,
    config: AnalysisConfig,
    progress: Progress,
    site: SiteConfig | None = None,
    compare: CompareWith | None = None,
) -> Outcome:
    renderer = preflight(out_dir, (site or SiteConfig()).renderer)
    location = locate(storage)
    site_index = out_dir / "site" / "index.html"
    # A cheap fingerprint first: an unchanged study is recognised without reading it all
    # (not with --compare-with: the other study may have changed, so both are read).
    probe = study_fingerprint(location, study) if compare is None else None
    fingerprint = probe[1] if probe is not None else ""
    if probe is not None:
        known_dir = out_dir / "report" / study_slug(probe[0])
        same = unchanged_fingerprint(known_dir, fingerprint, config.digest())
        if same is not None:
            build_site(out_dir, renderer)
            return Outcome(probe[0], same, known_dir / same, False, site_index)
    # A new version's folder is assembled under report/ (hidden) and renamed into its study's
    # folder when complete; its name is chosen here, so a failure anywhere can remove it.
    staging = staging_path(out_dir / "report", ".new-version-")
    old_record = None
    try:
        with Workers() as workers:
            if compare is None:
                # The study is read, hashed and written as a snapshot by another process while
                # this one imports the analysis (seconds each).
                snapshotting = workers.start(read_and_snapshot, location, study, staging, out_dir, fingerprint, config)
            else:
                # Both studies read and checked here, before anything is written: bad input
                # leaves no file behind.
                with progress.step(f"Reading {location.display}"):
                    record = read_nonempty(location, study)
                with progress.step(f"Reading {compare.study!r} to compare with"):
                    old_record = read_compared(record, compare, config)
                snapshotting = workers.start(snapshot_record, record, staging, out_dir, fingerprint, config)
                del record  # the snapshot, once loaded, is the only copy of the study kept here
            made = _make_version(
                workers, snapshotting, staging, config, progress, location.display, out_dir, old_record
            )
        if made.same is None:
            new_study = not made.study_dir.exists()
            made.study_dir.mkdir(parents=True, exist_ok=True)
            try:
                staging.rename(made.study_dir / made.version)
            except OSError:  # another run made this version first: leave no empty study folder
                if new_study:
                    made.study_dir.rmdir()
                raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if made.same is not None:
        return _unchanged(
            made.study_name, made.same, made.study_dir, out_dir, renderer, site_index, config, old_record, progress
        )
    with progress.step("Building site"):
        build_site(out_dir, renderer)
    version_dir = made.study_dir / made.version
    compared = version_dir / COMPARISON_MD if old_record is not None else None
    return Outcome(made.study_name, made.version, version_dir, True, site_index, compared)


@dataclass(frozen=True)
class Snapshotted:
    """What the snapshot stage tells the rest of the run about the study it read."""

    study_name: str
    storage_display: str
    study_dir: Path
    existing: tuple[str, ...]
    """The study's versions so far, oldest first."""
    version: str
    """The name the new version gets."""
    same: str | None
    """The existing version whose study content and settings equal these (nothing was written),
    or None: the snapshot is in the staging folder."""


def read_nonempty(location: StorageLocation, study: str | None) -> StudyRecord:
    """The study's raw record; a one-line error for a study without trials."""
    from generator.storage import read_study

    record = read_study(location, study)
    if record.trials.empty:
        raise UserError(f"study {record.name!r} has no trials yet; run some trials, then generate the report")
    return record


def read_and_snapshot(
    location: StorageLocation, study: str | None, staging: Path, out_dir: Path, fingerprint: str, config: AnalysisConfig
) -> Snapshotted:
    """Read the study, then ``snapshot_record`` it."""
    return snapshot_record(read_nonempty(location, study), staging, out_dir, fingerprint, config)


def snapshot_record(
    record: StudyRecord, staging: Path, out_dir: Path, fingerprint: str, config: AnalysisConfig
) -> Snapshotted:
    """The study's next version name and the version it equals; when it equals none, ``staging``
    is created and the snapshot written in it (a study that equals a version touches nothing)."""
    from generator.snapshot import SNAPSHOT_DIR, content_hash, write_snapshot
    from generator.versions import latest_event, next_version, unchanged_version

    study_dir = out_dir / "report" / study_slug(record.name)
    existing = tuple(list_versions(study_dir))
    input_hash = content_hash(record)
    same = unchanged_version(study_dir, input_hash, config.digest())
    if same is None:
        staging.parent.mkdir(parents=True, exist_ok=True)
        make_folder(staging)
        write_snapshot(
            record,
            staging / SNAPSHOT_DIR,
            {"input_hash": input_hash, "config": config.to_json(), "storage_fingerprint": fingerprint},
        )
    version = next_version(list(existing), latest_event(record.trials))
    return Snapshotted(record.name, record.source["storage"], study_dir, existing, version, same)


def _unchanged(
    study_name: str,
    same: str,
    study_dir: Path,
    out_dir: Path,
    renderer: str,
    site_index: Path,
    config: AnalysisConfig,
    old_record: Any,
    progress: Progress,
) -> Outcome:
    from generator.snapshot import SNAPSHOT_DIR, load_snapshot

    if old_record is not None:
        # The study is unchanged, the comparison may not be: (re)write only its two files.
        with progress.step("Comparing with " + repr(old_record.name)):
            write_comparison(old_record, load_snapshot(study_dir / same / SNAPSHOT_DIR), config, study_dir / same, same)
    # A no-op when the site is current; rebuilds it when an earlier site build failed.
    build_site(out_dir, renderer)
    compared = study_dir / same / COMPARISON_MD if old_record is not None else None
    return Outcome(study_name, same, study_dir / same, False, site_index, compared)


def _make_version(
    workers: Workers,
    snapshotting: Task[Snapshotted],
    staging: Path,
    config: AnalysisConfig,
    progress: Progress,
    storage_display: str,
    out_dir: Path,
    old_record: Any,
) -> Snapshotted:
    """The version's files in ``staging`` (none when the study equals an existing version)."""
    # The analysis and rendering modules (seconds of imports) load while the snapshot is made,
    # those the analysis would import on first use (curves, chart data) included.
    import generator.analysis.chart_data  # noqa: F401
    import generator.analysis.curves  # noqa: F401
    from generator.analysis.assemble import analyse
    from generator.analysis.sample import analysed_sample
    from generator.analysis.tables import pareto_table
    from generator.render.directionality import directionality_tables
    from generator.render.documents import findings_json, findings_markdown
    from generator.render.importance_tables import importances_table
    from generator.render.next_sweep import next_sweep_files
    from generator.render.tables import to_csv
    from generator.snapshot import SNAPSHOT_DIR, load_snapshot

    label = f"Reading {storage_display}, writing {SNAPSHOT_DIR}/" if old_record is None else f"Writing {SNAPSHOT_DIR}/"
    with progress.step(label):
        made = snapshotting.result()
    if made.same is not None:
        return made
    version, study_dir = made.version, made.study_dir
    prefetch(out_dir)  # a version is made: the site build that follows may need the Vega bundle
    with progress.step("Analysing"):
        snapshot = load_snapshot(staging / SNAPSHOT_DIR)
        command = reproduce_command(made.study_name, made.storage_display, config)
        # Built once: the findings and the charts are computed on the same trials.
        sample = analysed_sample(snapshot, config)
        artifacts = staging / "artifacts"
        artifacts.mkdir()
        # Every trial's rows (the largest files) are written beside the analysis, and the charts
        # are drawn beside its second half, from the importance as soon as it is known.
        trial_tables = workers.start(write_trial_tables, snapshot, sample.curves, artifacts)
        drawing: list[Task[None]] = []

        def start_charts(importance: tuple[Importance, ...], interactions: tuple[Interaction, ...]) -> None:
            if config.charts and not drawing:
                drawing.append(
                    workers.start(draw_charts, snapshot, config, importance, interactions, sample, artifacts)
                )

        findings = analyse(snapshot, config, command, sample, on_importance=start_charts)
        start_charts(findings.importance, findings.interactions)  # a no-op unless the analysis did not
    with progress.step("Rendering report"):
        charts = drawing[0] if drawing else None
        (staging / "findings.json").write_text(findings_json(findings), encoding="utf-8")
        previous = previous_version(study_dir, made.existing)
        (staging / "findings.md").write_text(findings_markdown(findings, version, previous), encoding="utf-8")
        for name, table in directionality_tables(findings).items():
            (artifacts / name).write_text(to_csv(table), encoding="utf-8")
        (artifacts / "importances.csv").write_text(to_csv(importances_table(findings)), encoding="utf-8")
        if findings.multi_objective is not None:
            (artifacts / "pareto_front.csv").write_text(to_csv(pareto_table(findings)), encoding="utf-8")
        for name, text in next_sweep_files(findings).items():
            (artifacts / name).write_text(text, encoding="utf-8")
        trial_tables.result()
    if charts is not None:
        with progress.step("Drawing charts" + (f" and exporting {', '.join(config.export)}" if config.export else "")):
            charts.result()
            if config.export:
                from generator.render.charts import export_charts

                export_charts(artifacts, config.export)
    if made.existing:
        # Last, once every artifact of the version exists: changes compare its configs too.
        with progress.step("Comparing with the previous version"):
            write_changes(study_dir / made.existing[-1], staging, version)
    if old_record is not None:
        with progress.step("Comparing with " + repr(old_record.name)):
            write_comparison(old_record, snapshot, config, staging, version, findings)
    return made


def previous_version(study_dir: Path, existing: tuple[str, ...]) -> Previous | None:
    """The study's latest existing version, read back from its findings.json (the one reader),
    for the best value findings.md's top block compares; None for a first version."""
    from generator.model.reader import load_findings
    from generator.render.views.glance import Previous

    if not existing:
        return None
    return Previous(existing[-1], load_findings(study_dir / existing[-1] / "findings.json"))


def draw_charts(
    snapshot: Snapshot,
    config: AnalysisConfig,
    importance: tuple[Importance, ...],
    interactions: tuple[Interaction, ...],
    sample: AnalysedSample,
    artifacts: Path,
) -> None:
    """``artifacts/charts/`` and the contour tables of the version (the images of ``--export``
    are made by ``export_charts`` afterwards, in the main process: see its docstring)."""
    from generator.analysis.chart_data import chart_set
    from generator.render.charts import write_charts

    write_charts(chart_set(snapshot, config, importance, interactions, sample), artifacts)


def write_trial_tables(snapshot: Snapshot, curves: tuple[TrialCurve, ...], artifacts: Path) -> None:
    """``trials.csv``, ``compute.csv`` and ``learning_curves.csv`` (every trial with a curve,
    when the study has learning curves): the tables with a row per trial."""
    from generator.analysis.curves import has_curves
    from generator.analysis.tables import compute_table, learning_curves_table, trials_table
    from generator.render.tables import to_csv

    (artifacts / "trials.csv").write_text(to_csv(trials_table(snapshot)), encoding="utf-8")
    (artifacts / "compute.csv").write_text(to_csv(compute_table(snapshot)), encoding="utf-8")
    if has_curves(curves):
        (artifacts / "learning_curves.csv").write_text(to_csv(learning_curves_table(curves)), encoding="utf-8")


@dataclass(frozen=True)
class CompareWith:
    """``--compare-with OLD [--compare-storage URL]``: the sweep the study is compared with."""

    study: str
    storage: str
    """The other study's storage (the study's own storage when --compare-storage is not given)."""


COMPARISON_MD = "comparison.md"
COMPARISON_JSON = "comparison.json"


def read_compared(new_record: Any, compare: CompareWith, config: AnalysisConfig) -> Any:
    """The OLD study's record, checked against NEW: it exists, has trials, has the same direction."""
    from generator.storage import read_study

    record = read_study(locate(compare.storage), compare.study)
    if record.name == new_record.name and record.source.get("storage") == new_record.source.get("storage"):
        raise UserError(f"--compare-with names the study itself ({record.name!r}); name the earlier sweep")
    if record.trials.empty:
        raise UserError(f"study {record.name!r} (--compare-with) has no trials; nothing to compare with")
    old_dirs, new_dirs = tuple(record.directions), tuple(new_record.directions)
    if len(old_dirs) <= config.objective_index or len(new_dirs) <= config.objective_index:
        raise UserError(
            f"--objective {config.objective_index} is out of range: {record.name!r} has {len(old_dirs)} objective(s), "
            f"{new_record.name!r} has {len(new_dirs)}"
        )
    if old_dirs[config.objective_index] != new_dirs[config.objective_index]:
        raise UserError(
            f"cannot compare: {new_record.name!r} is to {new_dirs[config.objective_index]} objective {config.objective_index}, "
            f"{record.name!r} to {old_dirs[config.objective_index]} it"
        )
    return record


def write_comparison(
    old_record: Any,
    new_snapshot: Any,
    config: AnalysisConfig,
    version_dir: Path,
    version: str,
    new_findings: Any = None,
) -> None:
    """comparison.md and comparison.json of ``version_dir`` (NEW's version) against ``old_record``.

    OLD's findings are computed afresh with the same settings (they are deterministic, so
    they equal OLD's own report made with these settings); its snapshot lives in a temporary
    folder only.
    """
    import tempfile

    from generator.analysis.assemble import analyse
    from generator.analysis.compare import compare
    from generator.model.serialize import dumps
    from generator.render.comparison import comparison_markdown
    from generator.snapshot import SNAPSHOT_DIR, content_hash, load_snapshot, write_snapshot

    with tempfile.TemporaryDirectory(prefix="hpo-report-compare-") as scratch:
        write_snapshot(old_record, Path(scratch) / SNAPSHOT_DIR, {"input_hash": content_hash(old_record)})
        old_snapshot = load_snapshot(Path(scratch) / SNAPSHOT_DIR)
        old_findings = analyse(
            old_snapshot, config, reproduce_command(old_record.name, old_record.source["storage"], config)
        )
    if new_findings is None:
        new_findings = analyse(
            new_snapshot, config, reproduce_command(new_snapshot.study_name, new_snapshot.provenance["storage"], config)
        )
    result = compare(old_snapshot, old_findings, new_snapshot, new_findings, config)
    write_if_changed(version_dir / COMPARISON_JSON, dumps(result))
    write_if_changed(version_dir / COMPARISON_MD, comparison_markdown(result, version))


def write_changes(previous_dir: Path, version_dir: Path, version: str) -> None:
    """changes.md and changes.json of ``version_dir`` against the version in ``previous_dir``.

    Both versions' findings are read back from their findings.json (the one reader), so the
    current version is compared exactly as a later run would see it: floats as written.
    """
    from generator.analysis.changes import compute_changes, load_configs
    from generator.model.reader import load_findings
    from generator.render.changes import changes_json, changes_markdown, warning_sentence

    changes = compute_changes(
        previous_dir.name,
        load_findings(previous_dir / "findings.json"),
        version,
        load_findings(version_dir / "findings.json"),
        warning_sentence,
        load_configs(previous_dir / "artifacts"),
        load_configs(version_dir / "artifacts"),
    )
    (version_dir / "changes.md").write_text(changes_markdown(changes), encoding="utf-8")
    (version_dir / "changes.json").write_text(changes_json(changes), encoding="utf-8")


def latest_changes(out_dir: Path, study: str | None) -> str:
    """The Markdown of a study's latest changes (for a pull-request comment), from report/ alone."""
    from generator.model.reader import load_findings
    from generator.render.env import render
    from generator.render.headlines import headline

    report = out_dir / "report"
    if study is None:
        slugs = sorted(p.name for p in report.iterdir() if p.is_dir() and list_versions(p)) if report.is_dir() else []
        if len(slugs) != 1:
            raise UserError(
                f"{report} holds {len(slugs)} studies with reports; name one with --study"
                if slugs
                else f"{report} holds no report yet; run generate-report with --storage first"
            )
        study_dir = report / slugs[0]
    else:
        study_dir = report / study_slug(study)
    versions = list_versions(study_dir)
    if not versions:
        raise UserError(f"no report for study {study!r} in {report}; run generate-report with --storage first")
    latest = study_dir / versions[-1]
    if (latest / "changes.md").is_file():
        return (latest / "changes.md").read_text(encoding="utf-8")
    return render("changes_first.md.j2", h=headline(versions[-1], load_findings(latest / "findings.json")))


def list_storage(storage: str) -> list[tuple[str, dict[str, int]]]:
    from generator.storage import list_studies

    return list_studies(locate(storage))


__all__ = ["CompareWith", "Outcome", "generate", "latest_changes", "list_storage", "write_changes"]
