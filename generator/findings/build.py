"""Assemble Findings from a Snapshot: call the analyses, collect their typed results."""

from __future__ import annotations

import json

from generator.analysis.compute import compute_accounting
from generator.analysis.confounding import annotate_next_sweep, mark_importance, separate_interactions
from generator.analysis.curves import learning_curves
from generator.analysis.frames import elite_numbers
from generator.analysis.importance import analyse_importance, prepare_input
from generator.analysis.influence import annotate_highlights, influence, influence_warnings
from generator.analysis.pruned import analysed_view, pruned_analysis
from generator.analysis.refine import next_sweep
from generator.analysis.summary import summarize, trial_counts
from generator.analysis.trial_attrs import trial_attribute_warnings, trial_attributes
from generator.config import AnalysisConfig
from generator.errors import UserError
from generator.findings.importance_effects import importance_effect_warnings
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
    # With --include-pruned every analysis below sees pruned trials at their last value; trial
    # counts, curves and compute keep the real states.
    snapshot = analysed_view(snapshot, config)
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
    data = prepare_input(snapshot, config)
    statistics = build_statistics(snapshot, config, direction, summary, user_attrs, data)
    importance = analyse_importance(snapshot, config, data)
    # Findings that a few trials drive, and confounded parameters, are marked where they are
    # stated (executive summary, rows, interactions, next-sweep reasons), not only warned about.
    driven = influence(snapshot, config, data, statistics.directionality, importance.importance)
    confounding = statistics.confounding
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
    curves, curve_warnings = learning_curves(
        snapshot,
        config.objective,
        direction,
        elite_numbers(snapshot, config.objective, direction, config.elite_quantile),
        config.seed,
    )
    attributes = trial_attributes(
        snapshot,
        config.objective,
        direction,
        user_attrs,
        config.elite_quantile,
        config.correction,
        config.alpha,
        config.suggestive_alpha,
        config.baseline,
    )
    warnings = [
        *(
            w
            for w in study_warnings(counts, summary, len(snapshot.directions))
            # its sentence says pruned trials are not analysed
            if not ("PRUNED" in snapshot.analysed_states and w.code == "many_pruned")
        ),
        *curve_warnings,
        *statistics.warnings,
        *importance.warnings,
        *influence_warnings(driven),
        *importance_effect_warnings(
            statistics.directionality,
            importance.importance,
            importance.interactions,
            importance.methods,
            importance.data,
        ),
        *trial_attribute_warnings(attributes),
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
            include_pruned=config.include_pruned,
        ),
        directionality=statistics.directionality,
        boundary_hits=statistics.boundary_hits,
        elites=statistics.elites,
        significance=statistics.significance,
        executive_summary=annotate_highlights(statistics.executive_summary, driven),
        importance=mark_importance(importance.importance, confounding),
        interactions=separate_interactions(importance.interactions, confounding),
        importance_methods=importance.methods,
        warnings=sort_findings(warnings),
        provenance=provenance,
        next_sweep=annotate_next_sweep(recommended, confounding),
        influence=driven,
        learning_curves=curves,
        compute=compute_accounting(snapshot),
        pruned_analysis=pruned_analysis(snapshot, config),
        trial_attributes=attributes,
    )
