"""Assemble Findings from a Snapshot: call the analyses, collect their typed results."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from generator.analysis.compute import compute_accounting
from generator.analysis.confounding import annotate_next_sweep, mark_importance, separate_interactions
from generator.analysis.curves import learning_curves
from generator.analysis.importance import analyse_importance
from generator.analysis.importance_effects import importance_effect_warnings
from generator.analysis.influence import annotate_highlights, influence, influence_warnings
from generator.analysis.pareto import hypervolume_history, objective_names, pareto_elites, pareto_front, pool
from generator.analysis.pruned import analysed_view, pruned_analysis
from generator.analysis.refine import next_sweep
from generator.analysis.sample import AnalysedSample, analysed_sample, require_objective
from generator.analysis.statistics import build_statistics
from generator.analysis.summary import summarize, trial_counts
from generator.analysis.trial_attrs import trial_attribute_warnings, trial_attributes
from generator.analysis.warnings import sort_findings, study_warnings
from generator.config import AnalysisConfig
from generator.model.findings import Finding, Findings, Importance, Interaction, Provenance, StatsPolicy, StudyInfo
from generator.model.multi import MultiObjective, ObjectiveFindings
from generator.model.vocabulary import WarningCode
from generator.slug import study_slug
from generator.snapshot.load import Snapshot

FINDINGS_SCHEMA_VERSION = "1"


ImportanceReady = Callable[[tuple[Importance, ...], tuple[Interaction, ...]], None]
"""Called with the report's ``importance`` and ``interactions`` (as ``Findings`` will hold them)
as soon as they are known: what needs only them (the charts) can start while the rest of the
analysis (the influence check, the next sweep, the curves: about half of it) runs."""


def analyse(
    snapshot: Snapshot,
    config: AnalysisConfig,
    command: str = "",
    sample: AnalysedSample | None = None,
    on_importance: ImportanceReady | None = None,
) -> Findings:
    """The report's findings. A study with several objectives, unless ``--objective`` chose one,
    is analysed once per objective (each a full single-objective analysis, its own correction
    family) and gets its Pareto front; the top-level keys describe objective 0 (or the chosen
    one), so single-objective readers keep working.

    Each analysed objective's study sample (``analysis/sample.py``) is built once and handed to
    every stage. ``sample``: the top-level objective's, when the caller built it already (the
    pipeline does, to draw the charts from the same trials). ``on_importance``: see
    ``ImportanceReady``; called once, for the top-level objective."""
    n_objectives = len(snapshot.directions)
    require_objective(snapshot, config)
    chosen = config.objective
    top_config = replace(config, objective=chosen or 0)
    # With --include-pruned every analysis sees pruned trials at their last value; trial
    # counts, curves and compute keep the real states.
    view = analysed_view(snapshot, top_config)
    if sample is None:
        sample = analysed_sample(view, top_config)
    elif sample.config != top_config:
        raise ValueError("the study sample was built with other settings than the analysis")
    top = _single_objective(view, top_config, command, config.digest(), sample, on_importance)
    if n_objectives == 1:
        return top
    return _multi_objective(view, config, command, top, sample)


def _multi_objective(
    snapshot: Snapshot, config: AnalysisConfig, command: str, top: Findings, top_sample: AnalysedSample
) -> Findings:
    chosen = config.objective
    analysed = (chosen,) if chosen is not None else tuple(range(len(snapshot.directions)))
    names = objective_names(snapshot)
    table, n_infinite, constrained, n_infeasible = pool(snapshot)
    front = pareto_front(snapshot, table)
    all_mode = chosen is None
    blocks = []
    for index in analysed:
        if index == top.study.objective:
            single = top
        else:
            # Each objective has its own trials (a finite value of it) and elites; the
            # parameters' specs are the study's.
            objective_config = replace(config, objective=index)
            own = analysed_sample(snapshot, objective_config, top_sample.specs)
            single = _single_objective(snapshot, objective_config, command, config.digest(), own)
        blocks.append(_block(single, names[index], all_mode, len(front), top.study.objective))
    top = replace(top, warnings=_multi_warnings(top.warnings, top.study.objective, all_mode, len(front)))
    return replace(
        top,
        pareto_front=front,
        hypervolume_history=hypervolume_history(table, snapshot.directions),
        multi_objective=MultiObjective(
            n_objectives=len(snapshot.directions),
            objective_names=names,
            analysed=analysed,
            elite_basis="pareto_front" if all_mode else "objective",
            n=len(table),
            n_infinite=n_infinite,
            constrained=constrained,
            n_infeasible=n_infeasible,
            # all objectives analysed: the top-level one is objective 0
            pareto_elites=pareto_elites(top_sample, config, front, len(table)) if all_mode else None,
        ),
        objectives=tuple(blocks),
    )


def _multi_warnings(warnings: tuple[Finding, ...], objective: int, all_mode: bool, n_front: int) -> tuple[Finding, ...]:
    """With every objective analysed, ``multi_objective`` (one objective, chosen by --objective)
    becomes ``multi_objective_all``, which says where the other objectives are."""
    if not all_mode:
        return warnings
    return sort_findings(
        Finding(
            WarningCode.MULTI_OBJECTIVE_ALL,
            w.severity,
            w.params,
            {**w.values, "objective": objective, "n_front": n_front},
        )
        if w.code == WarningCode.MULTI_OBJECTIVE
        else w
        for w in warnings
    )


def _block(single: Findings, name: str | None, all_mode: bool, n_front: int, top_objective: int) -> ObjectiveFindings:
    recommended = single.next_sweep
    if single.study.objective != top_objective and recommended is not None:
        # The configs of an objective other than the top-level one name their own studies (and
        # files: ``_objective<index>``), so running two next sweeps does not mix them.
        suffix = f"_objective{single.study.objective}"
        recommended = replace(
            recommended,
            aggressive=replace(recommended.aggressive, study_name=recommended.aggressive.study_name + suffix),
            conservative=replace(recommended.conservative, study_name=recommended.conservative.study_name + suffix),
        )
    return ObjectiveFindings(
        index=single.study.objective,
        name=name,
        direction=single.study.direction,
        summary=single.summary,
        directionality=single.directionality,
        importance=single.importance,
        interactions=single.interactions,
        importance_methods=single.importance_methods,
        boundary_hits=single.boundary_hits,
        elites=single.elites,
        significance=single.significance,
        executive_summary=single.executive_summary,
        warnings=_multi_warnings(single.warnings, top_objective, all_mode, n_front),
        next_sweep=recommended,
        influence=single.influence,
    )


def _single_objective(
    snapshot: Snapshot,
    config: AnalysisConfig,
    command: str,
    config_hash: str,
    sample: AnalysedSample,
    on_importance: ImportanceReady | None = None,
) -> Findings:
    """The findings of objective ``config.objective`` alone (``config.objective`` is an index
    here), from ``snapshot`` as analysed (``analysed_view``) and that objective's ``sample``."""
    assert config.objective is not None and sample.objective == config.objective
    direction = snapshot.directions[config.objective]
    counts = trial_counts(snapshot)
    summary = summarize(snapshot, sample)
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
        config_hash=config_hash,
        command=command,
        storage_fingerprint=snapshot.provenance.get("storage_fingerprint") or None,
    )
    statistics = build_statistics(sample, config, summary, user_attrs)
    importance = analyse_importance(sample.importance)
    confounding = statistics.confounding
    # Importance shares of confounded parameters are read as one effect; interactions inside
    # a confounded group are artefacts of the surrogate.
    ranked = mark_importance(importance.importance, confounding)
    interactions = separate_interactions(importance.interactions, confounding)
    if on_importance is not None:
        on_importance(ranked, interactions)
    # Findings that a few trials drive, and confounded parameters, are marked where they are
    # stated (executive summary, rows, interactions, next-sweep reasons), not only warned about.
    driven = influence(sample, config, statistics.directionality, importance.importance)
    recommended = next_sweep(
        sample,
        config,
        snapshot.study_name,
        counts,
        user_attrs,
        statistics.directionality,
        statistics.elites,
        statistics.boundary_hits,
    )
    # Curves read every trial's intermediate values; the sample holds each trial's summary.
    curves, curve_warnings = learning_curves(snapshot, config.objective, direction, sample.curves, config.seed)
    attributes = trial_attributes(
        snapshot,
        sample,
        user_attrs,
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
            if not ("PRUNED" in snapshot.analysed_states and w.code == WarningCode.MANY_PRUNED)
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
            driven,
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
        importance=ranked,
        interactions=interactions,
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
