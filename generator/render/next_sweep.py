"""The next-sweep artifacts: refined sweep configs and empirical ranges, as YAML.

Configs are built as :class:`generator.sweep_config.SweepConfig` objects (the loader's own
types) and written with ``SweepConfig.to_dict()`` and ``yaml.safe_dump``, never a text
template, so what ``train-sweep`` loads is by construction what the report recommends. The
``reason`` of each entry is worded by ``templates/next_sweep/_reasons.j2``. Keys keep a fixed,
meaningful order (``sort_keys=False`` over dicts built in sorted parameter order), so the same
findings give byte-identical files.
"""

from __future__ import annotations

from typing import Any

from generator.model.findings import Condition, Findings
from generator.model.next_sweep import DROP, FIX, EmpiricalRange, NextSweep, RefinedParam, RefinedSpace
from generator.model.vocabulary import ParamKind
from generator.render.env import environment
from generator.render.multi import objective_suffix, objective_view
from generator.render.yaml_text import safe_dump
from generator.sweep_config import (
    CategoricalParam,
    FixedParam,
    FloatParam,
    IntParam,
    RangeParam,
    SweepConfig,
)
from generator.sweep_config import Condition as SweepCondition

AGGRESSIVE_FILE = "refined_search_space_aggressive.yaml"
CONSERVATIVE_FILE = "refined_search_space_conservative.yaml"
EMPIRICAL_FILE = "empirical_ranges.yaml"
REASONS_TEMPLATE = "next_sweep/_reasons.j2"
SERVES_TEMPLATE = "next_sweep/_serves.j2"
_WIDTH = 100
"""Line width for yaml.safe_dump: long reasons fold onto continuation lines (still one string)."""


def reason_text(param: RefinedParam | RefinedSpace, md: bool = False) -> str:
    """The sentences of every step behind one entry (or the space's n_trials)."""
    macros = environment(False).get_template(REASONS_TEMPLATE).module
    steps = (param.n_trials_step,) if isinstance(param, RefinedSpace) else param.steps
    return str(macros.reasons(steps, md)).strip()  # type: ignore[attr-defined]


def sweep_config(space: RefinedSpace, serves: str | None = None) -> SweepConfig:
    """The refined space as the loader's typed config, reasons attached; ``serves`` (a
    multi-objective study: which objective the config optimizes) opens the config's reason."""
    fixed: dict[str, FixedParam] = {}
    ranges: dict[str, RangeParam] = {}
    dropped: dict[str, Any] = {}
    for p in space.params:
        reason = reason_text(p)
        condition = _condition(p.condition)
        if p.action == DROP:
            dropped[p.name] = reason
        elif p.action == FIX:
            fixed[p.name] = FixedParam(p.name, p.value, condition, reason)
        elif p.dist == "categorical":
            ranges[p.name] = CategoricalParam(p.name, tuple(p.choices), condition, reason)
        elif p.dist == "int":
            assert p.low is not None and p.high is not None
            ranges[p.name] = IntParam(p.name, int(p.low), int(p.high), p.log, int(p.step or 1), condition, reason)
        else:
            assert p.low is not None and p.high is not None
            ranges[p.name] = FloatParam(p.name, float(p.low), float(p.high), p.log, p.step, condition, reason)
    return SweepConfig(
        study_name=space.study_name,
        n_trials=space.n_trials,
        direction=space.direction,
        fixed=fixed,
        param_ranges=ranges,
        dropped=dropped,
        reason=reason_text(space) if serves is None else f"{serves} {reason_text(space)}",
    )


def _condition(condition: Condition | None) -> SweepCondition | None:
    if condition is None:
        return None
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    return SweepCondition(condition.parent, tuple(values))


def dump(document: Any) -> str:
    return safe_dump(document, sort_keys=False, allow_unicode=True, width=_WIDTH, default_flow_style=False)


def config_yaml(space: RefinedSpace, serves: str | None = None) -> str:
    return dump(sweep_config(space, serves).to_dict())


def empirical_document(findings: Findings, recommended: NextSweep) -> dict[str, Any]:
    """empirical_ranges.yaml: per parameter, what was declared, explored and used by elites."""
    return {
        "study": findings.study.name,
        "objective": findings.study.objective,
        "direction": findings.study.direction,
        "n_complete": recommended.n_complete,
        "n_elites": recommended.n_elites,
        "elite_quantile": recommended.elite_quantile,
        "params": {r.param: _empirical_entry(r) for r in recommended.empirical_ranges},
    }


def _empirical_entry(r: EmpiricalRange) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": r.kind, "n": r.n, "n_elites": r.n_elites}
    if r.condition is not None:
        entry["condition"] = _condition(r.condition).to_dict()  # type: ignore[union-attr]
    if r.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER):
        declared: dict[str, Any] = {"low": r.declared_low, "high": r.declared_high}
        if r.log:
            declared["log"] = True
        if r.declared_step is not None:
            declared["step"] = r.declared_step
        entry["declared"] = declared
    else:
        entry["declared"] = {"choices": list(r.declared_choices)}
    if r.kind in (ParamKind.CONTINUOUS, ParamKind.INTEGER, ParamKind.ORDINAL):
        entry["observed"] = {"min": r.observed_min, "max": r.observed_max}
        entry["elites"] = {"min": r.elite_min, "max": r.elite_max}
    if r.levels:
        entry["choices_seen"] = [{"value": c.value, "n": c.n, "n_elites": c.n_elites} for c in r.levels]
    return entry


def next_sweep_files(findings: Findings) -> dict[str, str]:
    """File name in artifacts/ -> YAML text; empty when the findings carry no next sweep.

    A multi-objective study gets one set per analysed objective: the top-level objective's under
    the fixed names, the others' with an ``_objective<index>`` suffix; every config's reason
    opens with the objective it serves."""
    files = _objective_files(findings, "", None)
    mo = findings.multi_objective
    if mo is None:
        return files
    files = _objective_files(findings, "", _serves(findings, findings.study.objective))
    for block in findings.objectives:
        if block.index != findings.study.objective:
            view = objective_view(findings, block)
            files.update(
                _objective_files(view, objective_suffix(findings, block.index), _serves(findings, block.index))
            )
    return files


def _serves(findings: Findings, index: int) -> str:
    mo = findings.multi_objective
    assert mo is not None
    macros = environment(False).get_template(SERVES_TEMPLATE).module
    return str(
        macros.serves(index, mo.n_objectives, mo.objective_names[index], findings.study.directions[index])  # type: ignore[attr-defined]
    ).strip()


def _objective_files(findings: Findings, suffix: str, serves: str | None) -> dict[str, str]:
    recommended = findings.next_sweep
    if recommended is None:
        return {}

    def name(file: str) -> str:
        return file.replace(".yaml", f"{suffix}.yaml")

    return {
        name(EMPIRICAL_FILE): dump(empirical_document(findings, recommended)),
        name(AGGRESSIVE_FILE): config_yaml(recommended.aggressive, serves),
        name(CONSERVATIVE_FILE): config_yaml(recommended.conservative, serves),
    }
