"""generate-report from end to end: storage -> snapshot -> findings -> report files -> site.

A version folder is assembled in a hidden staging folder and renamed into place only when
complete, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.config import AnalysisConfig
from generator.errors import UserError
from generator.findings.build import build_findings
from generator.progress import Progress
from generator.render.changes import compute_changes
from generator.render.documents import findings_document, findings_json, load_document
from generator.render.env import render
from generator.render.importance_tables import importances_table
from generator.render.tables import to_csv, trials_table
from generator.site import build_site
from generator.slug import study_slug
from generator.snapshot import content_hash, load_snapshot, write_snapshot
from generator.storage import locate, read_study
from generator.versions import latest_event, list_versions, next_version, unchanged_version


@dataclass(frozen=True)
class Outcome:
    study: str
    version: str
    version_dir: Path
    created: bool
    site_index: Path


def reproduce_command(study: str, storage_display: str, config: AnalysisConfig) -> str:
    """The command line that regenerates this report (secrets never included)."""
    parts = ["generate-report", "--study", study, "--storage", storage_display]
    defaults = AnalysisConfig()
    for field in (
        "objective",
        "alpha",
        "suggestive_alpha",
        "correction",
        "elite_quantile",
        "baseline",
        "seed",
        "importance_min_trials",
        "importance_resamples",
        "top_quantile_resamples",
        "interaction_params",
    ):
        value = getattr(config, field)
        if value != getattr(defaults, field):
            parts += [f"--{field.replace('_', '-')}", str(value)]
    return shlex.join(parts)


def generate(storage: str, study: str | None, out_dir: Path, config: AnalysisConfig, progress: Progress) -> Outcome:
    location = locate(storage)
    with progress.step(f"Reading {location.display}"):
        record = read_study(location, study)
    if record.trials.empty:
        raise UserError(f"study {record.name!r} has no trials yet; run some trials, then generate the report")

    input_hash = content_hash(record)
    slug = study_slug(record.name)
    study_dir = out_dir / "report" / slug
    site_index = out_dir / "site" / "index.html"
    same = unchanged_version(study_dir, input_hash, config.digest())
    if same is not None:
        if not site_index.is_file():
            build_site(out_dir)
        return Outcome(record.name, same, study_dir / same, False, site_index)

    existing = list_versions(study_dir)
    version = next_version(existing, latest_event(record.trials))
    study_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=study_dir))
    try:
        with progress.step("Writing snapshot.duckdb"):
            write_snapshot(
                record,
                staging / "snapshot.duckdb",
                {"input_hash": input_hash, "config": config.to_json()},
            )
            snapshot = load_snapshot(staging / "snapshot.duckdb")
        with progress.step("Analysing"):
            command = reproduce_command(record.name, record.source["storage"], config)
            findings = build_findings(snapshot, config, command)
        with progress.step("Rendering report"):
            (staging / "findings.json").write_text(findings_json(findings), encoding="utf-8")
            (staging / "findings.md").write_text(render("findings.md.j2", f=findings, version=version), encoding="utf-8")
            artifacts = staging / "artifacts"
            artifacts.mkdir()
            (artifacts / "trials.csv").write_text(to_csv(trials_table(snapshot)), encoding="utf-8")
            (artifacts / "importances.csv").write_text(to_csv(importances_table(findings)), encoding="utf-8")
            if existing:
                previous = existing[-1]
                changes = compute_changes(
                    previous,
                    load_document((study_dir / previous / "findings.json").read_text(encoding="utf-8")),
                    version,
                    findings_document(findings),
                )
                (staging / "changes.md").write_text(render("changes.md.j2", c=changes), encoding="utf-8")
        staging.rename(study_dir / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not any(study_dir.iterdir()):
            study_dir.rmdir()
        raise
    with progress.step("Building site"):
        build_site(out_dir)
    return Outcome(record.name, version, study_dir / version, True, site_index)


def list_storage(storage: str) -> list[tuple[str, dict[str, int]]]:
    from generator.storage import list_studies

    return list_studies(locate(storage))


__all__ = ["Outcome", "generate", "list_storage", "slug_for"]


def slug_for(name: str) -> str:
    return study_slug(name)
