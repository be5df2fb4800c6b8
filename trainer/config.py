"""One typed config for a training run, and the mapping from a sweep's flat parameters to it.

A sweep config names parameters flatly (``lr``, ``depth``, ``grid_size``); each name is a
field of exactly one of :class:`TrainConfig`, :class:`~trainer.model.ModelConfig` or
:class:`~trainer.task.TaskConfig`, and :func:`config_from_params` routes it there, checking
its type, so a typo in a YAML file is an error instead of a silently ignored knob.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.errors import UserError
from trainer.model import ModelConfig
from trainer.task import TaskConfig


@dataclass(frozen=True)
class TrainConfig:
    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 32
    label_smoothing: float = 0.0
    use_scheduler: bool = True
    """Linear warm-up over the first warmup_frac of the steps, then cosine decay to zero."""
    warmup_frac: float = 0.05
    epochs: int = 20
    early_stop_patience: int = 0
    """Stop after this many epochs without a better validation accuracy; 0 never stops early."""
    grad_clip: float = 1.0
    seed: int = 0
    """Seeds the model's initialisation, the training set and the batch order."""
    device: str = "auto"
    """auto (cuda when present, else cpu), cpu, cuda, cuda:N."""
    precision: str = "auto"
    """auto (bf16 autocast on CUDA, fp32 elsewhere), bf16 or fp32."""
    channels_last: str = "auto"
    """auto (on for the CNN on CUDA), on or off: NHWC memory layout for the convolutions."""
    compile: bool = False
    """torch.compile the model (worth it for long runs on a GPU; compiling costs tens of seconds)."""
    eval_batch_size: int = 1024
    eval_test: bool = False
    """Also evaluate the best epoch's weights on the fixed test set (champion validation)."""

    def problems(self) -> list[str]:
        out = self.task.problems() + self.model.problems()
        if self.lr <= 0:
            out.append(f"lr must be positive, got {self.lr}")
        if self.weight_decay < 0:
            out.append(f"weight_decay must be 0 or more, got {self.weight_decay}")
        if self.batch_size < 2:
            out.append(f"batch_size must be at least 2 (batch norm needs two samples), got {self.batch_size}")
        elif self.batch_size > self.task.train_size:
            out.append(f"batch_size ({self.batch_size}) must not exceed train_size ({self.task.train_size})")
        if not 0 <= self.label_smoothing < 1:
            out.append(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0 <= self.warmup_frac < 1:
            out.append(f"warmup_frac must be in [0, 1), got {self.warmup_frac}")
        if self.epochs < 1:
            out.append(f"epochs must be at least 1, got {self.epochs}")
        if self.early_stop_patience < 0:
            out.append(f"early_stop_patience must be 0 (off) or more, got {self.early_stop_patience}")
        if self.precision not in ("auto", "bf16", "fp32"):
            out.append(f"precision must be auto, bf16 or fp32, got {self.precision!r}")
        if self.channels_last not in ("auto", "on", "off"):
            out.append(f"channels_last must be auto, on or off, got {self.channels_last!r}")
        return out

    def validated(self) -> TrainConfig:
        problems = self.problems()
        if problems:
            raise UserError("invalid training config: " + "; ".join(problems))
        return self

    def flat(self) -> dict[str, Any]:
        """Every knob by its flat name (the names a sweep config uses), sorted."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, TaskConfig | ModelConfig):
                out.update(dataclasses.asdict(value))
            else:
                out[f.name] = value
        return dict(sorted(out.items()))


_SECTIONS = {"task": TaskConfig, "model": ModelConfig}


def knob_names() -> dict[str, str]:
    """Flat knob name -> the section holding it (task, model or train)."""
    names = {f.name: section for section, cls in _SECTIONS.items() for f in dataclasses.fields(cls)}
    names.update({f.name: "train" for f in dataclasses.fields(TrainConfig) if f.name not in _SECTIONS})
    return names


def config_from_params(
    params: Mapping[str, Any], base: TrainConfig | None = None, where: str = "params"
) -> TrainConfig:
    """``base`` with the flat ``params`` applied; every name and type checked, problems collected.

    ``where`` prefixes the messages (``fixed``, ``param_ranges``) so they name the YAML key.
    """
    base = base or TrainConfig()
    names = knob_names()
    updates: dict[str, dict[str, Any]] = {"task": {}, "model": {}, "train": {}}
    problems = []
    for name, value in params.items():
        section = names.get(name)
        if section is None:
            problems.append(f"{where}.{name}: unknown knob (known: {', '.join(sorted(names))})")
            continue
        owner = _SECTIONS.get(section, TrainConfig)
        expected = typing.get_type_hints(owner)[name]
        coerced = _coerce(value, expected)
        if coerced is _INVALID:
            problems.append(f"{where}.{name}: expected {_type_name(expected)}, got {value!r}")
            continue
        updates[section][name] = coerced
    if problems:
        raise UserError("; ".join(problems))
    cfg = dataclasses.replace(
        base,
        task=dataclasses.replace(base.task, **updates["task"]),
        model=dataclasses.replace(base.model, **updates["model"]),
        **updates["train"],
    )
    return cfg.validated()


_INVALID = object()


def _coerce(value: Any, expected: Any) -> Any:
    # YAML already gives bool/int/float/str; only an int where a float is wanted is widened.
    options = typing.get_args(expected) if isinstance(expected, types.UnionType) else (expected,)
    for option in options:
        if option is type(None) and value is None:
            return None
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
    return _INVALID


def _type_name(expected: Any) -> str:
    options = typing.get_args(expected) if isinstance(expected, types.UnionType) else (expected,)
    return " or ".join("null" if o is type(None) else o.__name__ for o in options)
