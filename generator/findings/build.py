"""Assemble Findings from a Snapshot: call the analyses, collect their typed results."""

from __future__ import annotations

import json

from generator.analysis.importance import analyse_importance
from generator.analysis.refine import next_sweep
from generator.analysis.summary import summarize, trial_counts
from generator.config import AnalysisConfig
from generator.errors import UserError
from generator.findings.model import Findings, Provenance, StatsPolicy, StudyInfo
from generator.findings.statistics import build_statistics
from generator.findings.warnings import sort_findings, study_warnings
from generator.slug import study_slug
from generator.snapshot import Snapshot

FINDINGS_SCHEMA_VERSION = "1"


def build_findings(snapshot: Snapshot, config: AnalysisConfig, command: str) -> Findings:
    if not 0 <= config.objective < len(snapshot.directions):
        raise UserError(
            f"--objective {config.objective} is out of range: the study has {len(snapshot.directions)} "
            f"objective(s), numbered from 0"
        )
    direction = snapshot.directions[config.objective]
    counts = trial_counts(snapshot)
    summary = summarize(snapshot, config.objective, direction)
    user_attrs = {
        str(k): json.loads(v)
        for kind, k, v in snapshot.study_attrs[["kind", "key", "value_json"]].itertuples(index=False)
        if kind == "user"
    }
    study = StudyInfo(
        name=snapshot.study_name,
        slug=study_slug(snapshot.study_name),
        directions=snapshot.directions,
        objective=config.objective,
        direction=direction,
        n_trials=counts,
        params=tuple(sorted(snapshot.params["name"].unique().tolist())),
        user_attrs=user_attrs,
    )
    provenance = Provenance(
        generator_version=snapshot.provenance["generator_version"],
        optuna_version=snapshot.provenance["optuna_version"],
        storage_kind=snapshot.provenance["storage_kind"],
        storage=snapshot.provenance["storage"],
        schema_version=snapshot.provenance["schema_version"],
        input_hash=snapshot.provenance["input_hash"],
        config_hash=config.digest(),
        command=command,
        storage_fingerprint=snapshot.provenance.get("storage_fingerprint") or None,
    )
    statistics = build_statistics(snapshot, config, direction, summary, user_attrs)
    importance = analyse_importance(snapshot, config)
    recommended = next_sweep(
        snapshot,
        config,
        direction,
        counts,
        user_attrs,
        statistics.directionality,
        statistics.elites,
        statistics.boundary_hits,
    )
    warnings = [
        *study_warnings(counts, summary, len(snapshot.directions)),
        *statistics.warnings,
        *importance.warnings,
    ]
    return Findings(
        schema_version=FINDINGS_SCHEMA_VERSION,
        study=study,
        summary=summary,
        stats=StatsPolicy(
            alpha=config.alpha,
            suggestive_alpha=config.suggestive_alpha,
            correction=config.correction,
            elite_quantile=config.elite_quantile,
        ),
        directionality=statistics.directionality,
        boundary_hits=statistics.boundary_hits,
        elites=statistics.elites,
        significance=statistics.significance,
        executive_summary=statistics.executive_summary,
        importance=importance.importance,
        interactions=importance.interactions,
        importance_methods=importance.methods,
        warnings=sort_findings(warnings),
        provenance=provenance,
        next_sweep=recommended,
    )
