"""The sweep-config loader: Optuna round trip, conditions, validation messages, no torch."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import optuna
import pytest
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from generator.errors import UserError
from generator.sweep_config import (
    CategoricalParam,
    Condition,
    FixedParam,
    FloatParam,
    IntParam,
    load_sweep_config,
    parse_sweep_config,
)

REPO = Path(__file__).resolve().parent.parent

SPACE = yaml.safe_load(
    textwrap.dedent(
        """
        study_name: space
        n_trials: 10
        direction: maximize
        reason: {text: "budget", n: 20}
        fixed:
          epochs: 20
          batch_size: {value: 16, reason: "Fisher exact q=0.01, 5/5 elites"}
          ctx_dropout: {value: 0.1, condition: {param: encoder_type, value: context}}
        param_ranges:
          encoder_type: {type: categorical, choices: [cnn, context, mlp]}
          lr: {type: float, low: 1e-5, high: 1.0e-2, log: true, reason: "narrowed to the elite range"}
          label_smoothing: {type: float, low: 0.0, high: 0.2, step: 0.05}
          width_mult: {type: float, low: 0.5, high: 3.0}
          depth: {type: int, low: 2, high: 9, condition: {param: encoder_type, value: [cnn, mlp]}}
          n_units: {type: int, low: 4, high: 256, log: true, condition: {param: encoder_type, value: mlp}}
          stride: {type: int, low: 1, high: 7, step: 2, condition: {param: depth, value: [2, 3]}}
          use_coords: {type: categorical, choices: [true, false, null], condition: {param: encoder_type, value: cnn}}
          ctx_n_head: {type: categorical, choices: [1, 2, 4.0, "8"], condition: {param: encoder_type, value: context}}
        dropped:
          ctx_n_layers: {reason: "no evidence either way"}
          demo_agg:
        """
    )
)


def independent_violations(space: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """Check a sampled point against the literal YAML, without the loader's own code."""
    entries = {
        **{k: v if isinstance(v, dict) else {"value": v} for k, v in space["fixed"].items()},
        **space["param_ranges"],
    }

    def exists(name: str) -> bool:
        cond = entries[name].get("condition")
        if cond is None:
            return True
        allowed = cond["value"] if isinstance(cond["value"], list) else [cond["value"]]
        return exists(cond["param"]) and cond["param"] in params and params[cond["param"]] in allowed

    problems = [f"{n} unknown" for n in params if n not in entries]
    for name, e in entries.items():
        if exists(name) != (name in params):
            problems.append(f"{name} presence")
            continue
        if name not in params:
            continue
        v = params[name]
        if "value" in e:
            ok = v == e["value"]
        elif e["type"] == "categorical":
            ok = any(v == c and type(v) is type(c) for c in e["choices"])
        else:
            low, high = float(e["low"]), float(e["high"])
            ok = low <= v <= high
            if e["type"] == "int":
                ok = ok and isinstance(v, int) and (v - low) % e.get("step", 1) == 0
            elif "step" in e:
                ok = ok and math.isclose((v - low) / e["step"], round((v - low) / e["step"]), abs_tol=1e-9)
        if not ok:
            problems.append(f"{name}={v!r} outside")
    return problems


def test_thousand_random_configs_never_leave_the_space() -> None:
    config = parse_sweep_config(SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen: dict[str, set] = {}
    for _ in range(1000):
        trial = study.ask()
        params = config.suggest(trial)
        study.tell(trial, 0.0)
        assert independent_violations(SPACE, params) == []
        assert config.violations(params) == []
        # Optuna recorded exactly the tuned parameters that exist in this trial.
        assert trial.params == {k: v for k, v in params.items() if k in config.param_ranges}
        for k, v in params.items():
            seen.setdefault(k, set()).add(repr(v))
    # Every branch and every level is reached, so the checks above covered them.
    assert seen["encoder_type"] == {"'cnn'", "'context'", "'mlp'"}
    assert seen["use_coords"] == {"True", "False", "None"}
    assert seen["ctx_n_head"] == {"1", "2", "4.0", "'8'"}
    assert seen["stride"] == {"1", "3", "5", "7"}
    assert seen["label_smoothing"] == {"0.0", "0.05", "0.1", "0.15000000000000002", "0.2"}
    assert seen["ctx_dropout"] == {"0.1"} and seen["batch_size"] == {"16"}


def test_conditions_follow_their_parents() -> None:
    config = parse_sweep_config(SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=2))
    for _ in range(300):
        trial = study.ask()
        p = config.suggest(trial)
        study.tell(trial, 0.0)
        assert ("depth" in p) == (p["encoder_type"] in ("cnn", "mlp"))
        assert ("use_coords" in p) == (p["encoder_type"] == "cnn")
        assert ("ctx_n_head" in p) == ("ctx_dropout" in p) == (p["encoder_type"] == "context")
        assert ("n_units" in p) == (p["encoder_type"] == "mlp")
        # A chain: stride exists only when depth exists and is 2 or 3.
        assert ("stride" in p) == (p.get("depth") in (2, 3))
    # Parents are placed before children whatever the file order.
    order = config.order()
    assert order.index("encoder_type") < order.index("ctx_dropout") and order.index("depth") < order.index("stride")


def test_typed_objects_and_optuna_distributions() -> None:
    config = parse_sweep_config(SPACE)
    assert (config.study_name, config.n_trials, config.direction) == ("space", 10, "maximize")
    assert config.fixed["batch_size"] == FixedParam("batch_size", 16)
    assert config.fixed["batch_size"].reason == "Fisher exact q=0.01, 5/5 elites"
    assert config.fixed["ctx_dropout"].condition == Condition("encoder_type", ("context",))
    assert config.param_ranges["lr"] == FloatParam("lr", 1e-5, 1e-2, log=True)
    assert config.param_ranges["stride"] == IntParam("stride", 1, 7, step=2, condition=Condition("depth", (2, 3)))
    assert config.param_ranges["use_coords"] == CategoricalParam(
        "use_coords", (True, False, None), Condition("encoder_type", ("cnn",))
    )
    assert config.distributions() == {
        "encoder_type": CategoricalDistribution(["cnn", "context", "mlp"]),
        "lr": FloatDistribution(1e-5, 1e-2, log=True),
        "label_smoothing": FloatDistribution(0.0, 0.2, step=0.05),
        "width_mult": FloatDistribution(0.5, 3.0),
        "depth": IntDistribution(2, 9),
        "n_units": IntDistribution(4, 256, log=True),
        "stride": IntDistribution(1, 7, step=2),
        "use_coords": CategoricalDistribution([True, False, None]),
        "ctx_n_head": CategoricalDistribution([1, 2, 4.0, "8"]),
    }
    assert config.dropped == {"ctx_n_layers": "no evidence either way", "demo_agg": None}


def test_round_trip_through_safe_dump_keeps_meaning_and_reasons() -> None:
    config = parse_sweep_config(SPACE)
    dumped = yaml.safe_dump(config.to_dict(), sort_keys=False)
    again = parse_sweep_config(yaml.safe_load(dumped))
    assert again == config
    assert again.to_dict() == config.to_dict()  # reasons, dropped names and order survive too
    assert list(again.param_ranges) == list(config.param_ranges)
    assert again.param_ranges["lr"].reason == "narrowed to the elite range"
    assert again.reason == {"text": "budget", "n": 20}


def test_reasons_do_not_change_meaning_but_bounds_do() -> None:
    base = parse_sweep_config(SPACE)
    plain = yaml.safe_load(yaml.safe_dump(SPACE))
    for entry in plain["param_ranges"].values():
        entry.pop("reason", None)
    plain["fixed"]["batch_size"] = 16
    plain.pop("reason")
    assert parse_sweep_config(plain) == base
    plain["param_ranges"]["depth"]["high"] = 8
    assert parse_sweep_config(plain) != base


def test_condition_values_in_any_order_are_equal() -> None:
    assert Condition("a", ("x", "y")) == Condition("a", ("y", "x"))
    assert Condition("a", (1,)) != Condition("a", (True,))


def test_seed_style_numbers_load() -> None:
    # PyYAML resolves 1e-7 (no dot) to a string; the seed's hand-written configs use it.
    doc = yaml.safe_load(
        "study_name: s\nn_trials: 5\ndirection: maximize\nparam_ranges:\n  wd: {type: float, low: 1e-7, high: 0.015, log: true}\n"
    )
    assert doc["param_ranges"]["wd"]["low"] == "1e-7"
    assert parse_sweep_config(doc).param_ranges["wd"] == FloatParam("wd", 1e-7, 0.015, log=True)


SEED_OPTION_A = """
study_name: "visual_classifier_cnn_refined_v3"
n_trials: 50
direction: maximize
fixed:
  encoder_type: "cnn"
  batch_size: 16
  demo_agg: "flatten"
  use_scheduler: true
  use_cosine: false
  label_smoothing: 0.0
  use_coords: false
param_ranges:
  lr: {type: "float", low: 6.7e-5, high: 2.5e-4, log: true}
  weight_decay: {type: "float", low: 1e-7, high: 0.015, log: true}
  embed_dim: {type: "categorical", choices: [128, 512]}
  depth: {type: "int", low: 4, high: 9}
  mlp_hidden: {type: "categorical", choices: [256, 2048]}
  width_mult: {type: "float", low: 1.13, high: 4.5}
"""


def test_the_seed_reports_option_a_loads() -> None:
    config = parse_sweep_config(yaml.safe_load(SEED_OPTION_A))
    assert config.fixed["encoder_type"].value == "cnn" and config.param_ranges["depth"].high == 9


@pytest.mark.parametrize("path", sorted((REPO / "configs" / "hpo").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_load(path: Path) -> None:
    config = load_sweep_config(path)
    assert config.n_trials >= 1 and config.param_ranges


def invalid(edit: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "study_name": "s",
        "n_trials": 5,
        "direction": "maximize",
        "fixed": {"encoder_type": "cnn"},
        "param_ranges": {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True}},
    }
    doc["param_ranges"].update(edit or {})
    doc.update(top)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            invalid({"lr": {"type": "float", "low": 0.1, "high": 0.01}}),
            "param_ranges.lr.low: must be <= high (0.1 > 0.01)",
        ),
        (invalid({"d": {"type": "int", "low": 9, "high": 4}}), "param_ranges.d.low: must be <= high (9 > 4)"),
        (
            invalid({"lr": {"type": "double", "low": 0.1, "high": 1}}),
            "param_ranges.lr.type: must be float, int or categorical, got 'double'",
        ),
        (invalid({"lr": {"low": 0.1, "high": 1}}), "param_ranges.lr.type: must be float, int or categorical, got None"),
        (
            invalid({"lr": {"type": "float", "low": 0.0, "high": 1, "log": True}}),
            "param_ranges.lr.low: must be > 0 when log is true, got 0.0",
        ),
        (
            invalid({"n": {"type": "int", "low": 0, "high": 8, "log": True}}),
            "param_ranges.n.low: must be > 0 when log is true, got 0",
        ),
        (
            invalid({"e": {"type": "categorical", "choices": []}}),
            "param_ranges.e.choices: must be a non-empty list, got []",
        ),
        (invalid({"e": {"type": "categorical"}}), "param_ranges.e.choices: must be a non-empty list, got None"),
        (invalid({"e": {"type": "categorical", "choices": [1, 1]}}), "param_ranges.e.choices: 1 is listed twice"),
        (invalid({"e": {"type": "categorical", "choices": [[1, 2]]}}), "param_ranges.e.choices: every choice must be"),
        (
            invalid({"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "lowe": 1}}),
            "param_ranges.lr.lowe: unknown key (allowed: condition, high, log, low, reason, step, type)",
        ),
        (invalid({"e": {"type": "categorical", "choices": [1], "low": 0}}), "param_ranges.e.low: unknown key"),
        (
            invalid(sampler="tpe"),
            "sampler: unknown key (allowed: direction, dropped, fixed, n_trials, param_ranges, reason, study_name)",
        ),
        (
            invalid(fixed={"bs": {"value": 16, "why": "x"}}),
            "fixed.bs.why: unknown key (allowed: condition, reason, value)",
        ),
        (invalid(fixed={"bs": {"reason": "x"}}), "fixed.bs.value: required"),
        (invalid(fixed={"bs": [16, 32]}), "fixed.bs: must be a string, number, bool or null, got list"),
        (
            invalid({"d": {"type": "int", "low": 2, "high": 6, "condition": {"param": "encoder", "value": "cnn"}}}),
            "param_ranges.d.condition.param: 'encoder' is not a parameter of fixed or param_ranges",
        ),
        (
            invalid(
                {"d": {"type": "int", "low": 2, "high": 6, "condition": {"param": "encoder_type", "value": "context"}}}
            ),
            "param_ranges.d.condition.value: 'context' is never taken by 'encoder_type' (fixed to 'cnn')",
        ),
        (
            invalid({"d": {"type": "int", "low": 2, "high": 6, "condition": {"param": "lr", "value": 0.1}}}),
            "param_ranges.d.condition.param: 'lr' is a float",
        ),
        (
            invalid({"d": {"type": "int", "low": 2, "high": 6, "condition": {"param": "d", "value": 3}}}),
            "param_ranges.d.condition.param: a parameter cannot be conditional on itself",
        ),
        (
            invalid(
                {"d": {"type": "int", "low": 2, "high": 6, "condition": {"param": "encoder_type", "values": "cnn"}}}
            ),
            "param_ranges.d.condition.values: unknown key (allowed: param, value)",
        ),
        (
            invalid({"d": {"type": "int", "low": 2, "high": 6, "condition": "encoder_type == cnn"}}),
            "param_ranges.d.condition: must be a mapping",
        ),
        (
            invalid(
                {
                    "a": {"type": "categorical", "choices": [1, 2], "condition": {"param": "b", "value": 1}},
                    "b": {"type": "categorical", "choices": [1, 2], "condition": {"param": "a", "value": 1}},
                }
            ),
            "param_ranges.a.condition: conditions form a cycle (a -> b -> a)",
        ),
        (invalid({"d": {"type": "int", "low": 2.5, "high": 6}}), "param_ranges.d.low: must be an integer, got 2.5"),
        (
            invalid({"lr": {"type": "float", "low": "small", "high": 1}}),
            "param_ranges.lr.low: must be a finite number, got 'small'",
        ),
        (
            invalid({"lr": {"type": "float", "low": True, "high": 1}}),
            "param_ranges.lr.low: must be a finite number, got True",
        ),
        (invalid({"lr": {"type": "float", "high": 1}}), "param_ranges.lr.low: required for type float"),
        (
            invalid({"lr": {"type": "float", "low": 0.1, "high": 1, "step": 0.1, "log": True}}),
            "param_ranges.lr.step: cannot be combined with log",
        ),
        (
            invalid({"d": {"type": "int", "low": 1, "high": 8, "step": 2, "log": True}}),
            "param_ranges.d.step: must be 1 (or absent) when log is true, got 2",
        ),
        (
            invalid({"d": {"type": "int", "low": 1, "high": 8, "step": 2}}),
            "param_ranges.d.high: high - low (8 - 1) must be a multiple of step 2",
        ),
        (
            invalid({"d": {"type": "int", "low": 1, "high": 8, "step": 0}}),
            "param_ranges.d.step: must be an integer > 0, got 0",
        ),
        (
            invalid({"lr": {"type": "float", "low": 0.1, "high": 1, "log": "yes"}}),
            "param_ranges.lr.log: must be true or false, got 'yes'",
        ),
        (invalid(fixed={"lr": 0.1}), "fixed.lr: also in param_ranges"),
        (invalid(dropped={"lr": None}), "dropped.lr: also in fixed or param_ranges"),
        (invalid(dropped={"x": "because"}), "dropped.x: must be a mapping {reason: ...} or empty"),
        (invalid(n_trials=0), "n_trials: must be an integer >= 1, got 0"),
        (invalid(n_trials=2.5), "n_trials: must be an integer >= 1, got 2.5"),
        (invalid(direction="max"), "direction: must be maximize or minimize, got 'max'"),
        (invalid(study_name=""), "study_name: must be a non-empty string"),
        (invalid(param_ranges=["lr"]), "param_ranges: must be a mapping of parameter names, got list"),
        (invalid({"lr": 0.1}), "param_ranges.lr: must be a mapping with a type"),
    ],
)
def test_invalid_configs_name_the_key(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError) as info:
        parse_sweep_config(doc, source="t.yaml")
    text = str(info.value)
    assert text.startswith("invalid sweep config t.yaml: ")
    assert message in text
    assert "\n" not in text


def test_every_problem_is_reported_at_once() -> None:
    doc = {"n_trials": -1, "param_ranges": {"lr": {"type": "float", "low": 2, "high": 1}}}
    with pytest.raises(UserError) as info:
        parse_sweep_config(doc)
    text = str(info.value)
    for part in (
        "study_name: required",
        "n_trials: must be",
        "direction: required",
        "param_ranges.lr.low: must be <= high",
    ):
        assert part in text


def test_load_reports_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read sweep config"):
        load_sweep_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("study_name: [unclosed\n")
    with pytest.raises(UserError, match=r"bad.yaml is not valid YAML at line \d"):
        load_sweep_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(UserError, match="expected a mapping of keys, got list"):
        load_sweep_config(bad)


def test_violations_catch_points_outside_the_space() -> None:
    config = parse_sweep_config(SPACE)
    good = {
        "epochs": 20,
        "batch_size": 16,
        "encoder_type": "cnn",
        "lr": 1e-3,
        "label_smoothing": 0.1,
        "width_mult": 1.0,
        "depth": 4,
        "use_coords": None,
    }
    assert config.violations(good) == []
    assert config.violations({**good, "lr": 0.5}) == ["lr: 0.5 is outside the space"]
    assert config.violations({**good, "use_coords": 1}) == ["use_coords: 1 is outside the space"]
    assert config.violations({**good, "label_smoothing": 0.12}) == ["label_smoothing: 0.12 is outside the space"]
    assert config.violations({**good, "ctx_n_head": 2}) == ["ctx_n_head: present although its condition does not hold"]
    missing = dict(good)
    del missing["depth"]
    assert config.violations(missing) == ["depth: missing although its condition holds"]


def test_generator_never_imports_torch() -> None:
    code = "import sys, generator.sweep_config, generator.cli, generator.pipeline; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
