"""Train one classifier: ``train(cfg, on_eval=...) -> Result``. Read it top to bottom.

``on_eval`` is called after every epoch's validation pass with an :class:`EvalReport`; the
sweep's objective uses it to report intermediate values and to prune (by raising
``optuna.TrialPruned``, which propagates out of :func:`train`). Nothing here knows Optuna.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from generator.errors import UserError
from trainer.config import TrainConfig
from trainer.model import DemoClassifier, count_parameters
from trainer.task import N_CLASSES, Samples, fixed_split, generate


@dataclass(frozen=True)
class RunInfo:
    """What a run is, known before its first step (given to ``on_start``)."""

    n_params: int
    device: str
    precision: str
    steps_per_epoch: int


@dataclass(frozen=True)
class EvalReport:
    epoch: int
    """0-based index of the epoch just finished (Optuna's step)."""
    val_acc: float
    val_loss: float
    train_loss: float
    per_class_acc: tuple[float, ...]
    seconds: float
    """Wall-clock seconds since training started."""
    epoch_train_seconds: float
    """Seconds this epoch's training steps took (evaluation excluded)."""
    epoch_samples: int


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    loss: float
    confusion: tuple[tuple[int, ...], ...]
    """confusion[true][predicted] counts."""

    @property
    def per_class_acc(self) -> tuple[float, ...]:
        return tuple(row[i] / max(1, sum(row)) for i, row in enumerate(self.confusion))


@dataclass(frozen=True)
class Result:
    best_val_acc: float
    """The objective: the best validation accuracy over the epochs run."""
    best_epoch: int
    final_val_acc: float
    epochs_run: int
    stopped_early: bool
    best: Evaluation
    """The validation evaluation at the best epoch (per-class accuracy, confusion matrix)."""
    test: Evaluation | None
    """The best epoch's weights on the fixed test set, when cfg.eval_test."""
    history: tuple[EvalReport, ...]
    n_params: int
    device: str
    precision: str
    seconds: float
    train_samples_per_s: float
    """Training throughput (forward + backward + step), evaluation excluded."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"device must be auto, cpu, cuda or cuda:N, got {name!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(
            f"device {name!r} asked for, but torch sees no CUDA device (torch {torch.__version__}); use --device cpu"
        )
    return device


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """bf16 autocast (no loss scaling needed, unlike fp16) or nothing for fp32."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train(
    cfg: TrainConfig,
    on_eval: Callable[[EvalReport], None] | None = None,
    on_start: Callable[[RunInfo], None] | None = None,
) -> Result:
    """Train ``cfg`` and return its :class:`Result`.

    ``on_start(RunInfo)`` runs once the model is built; ``on_eval(EvalReport)`` after every
    epoch's validation pass. Either may raise to stop the run (the exception propagates).
    """
    cfg = cfg.validated()
    device = resolve_device(cfg.device)
    precision = cfg.precision if cfg.precision != "auto" else ("bf16" if device.type == "cuda" else "fp32")
    # Seed a private copy of torch's global RNG (model init, dropout) so a run is reproducible
    # and leaves the caller's RNG state untouched.
    fork_devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices, device_type=device.type):
        torch.manual_seed(cfg.seed)
        return _train(cfg, device, precision, on_eval, on_start)


def _train(
    cfg: TrainConfig,
    device: torch.device,
    precision: str,
    on_eval: Callable[[EvalReport], None] | None,
    on_start: Callable[[RunInfo], None] | None,
) -> Result:
    started = time.perf_counter()
    # Data: the training set is generated on the device itself, from the run's seed.
    generator = torch.Generator(device).manual_seed(cfg.seed)
    train_set = generate(cfg.task, cfg.task.train_size, generator)
    val_set = fixed_split(cfg.task, "val").to(device)

    model = DemoClassifier(cfg.model, cfg.task).to(device)
    n_params = count_parameters(model)
    channels_last = cfg.channels_last == "on" or (
        cfg.channels_last == "auto" and device.type == "cuda" and cfg.model.encoder_type == "cnn"
    )
    if channels_last:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # missing from torch's stubs
        model.channels_last = True
    forward = torch.compile(model) if cfg.compile else model

    # AdamW, no weight decay on norms, biases, prototypes' temperature (the usual split).
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        fused=device.type == "cuda",
    )
    steps_per_epoch = cfg.task.train_size // cfg.batch_size  # drop the ragged last batch
    if on_start is not None:
        on_start(RunInfo(n_params, str(device), precision, steps_per_epoch))
    total_steps = steps_per_epoch * cfg.epochs
    warmup = int(cfg.warmup_frac * total_steps)

    def lr_at(step: int) -> float:
        if not cfg.use_scheduler:
            return cfg.lr
        if step < warmup:
            return cfg.lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))

    history: list[EvalReport] = []
    best_acc, best_epoch, best_eval, best_state = -1.0, -1, None, None
    train_seconds, train_samples, step = 0.0, 0, 0
    stopped_early = False
    for epoch in range(cfg.epochs):
        model.train()
        epoch_start = time.perf_counter()
        order = torch.randperm(len(train_set), generator=generator, device=device)
        loss_sum = torch.zeros((), device=device)
        for i in range(steps_per_epoch):
            batch = train_set.take(order[i * cfg.batch_size : (i + 1) * cfg.batch_size])
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step)
            with autocast(device, precision):
                logits = forward(batch.inputs, batch.outputs)
            loss = F.cross_entropy(logits.float(), batch.labels, label_smoothing=cfg.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            loss_sum += loss.detach()  # stays on the device: no sync per step
            step += 1
        train_loss = float(loss_sum) / steps_per_epoch  # one sync per epoch
        epoch_seconds = time.perf_counter() - epoch_start
        train_seconds += epoch_seconds
        train_samples += steps_per_epoch * cfg.batch_size

        # The eager model evaluates: compiling the eval graph too (other batch shapes, eval
        # mode) would cost more compile time than it saves on one pass per epoch.
        evaluation = evaluate(model, val_set, cfg, device, precision)
        report = EvalReport(
            epoch=epoch,
            val_acc=evaluation.accuracy,
            val_loss=evaluation.loss,
            train_loss=train_loss,
            per_class_acc=evaluation.per_class_acc,
            seconds=time.perf_counter() - started,
            epoch_train_seconds=epoch_seconds,
            epoch_samples=steps_per_epoch * cfg.batch_size,
        )
        history.append(report)
        if evaluation.accuracy > best_acc:
            best_acc, best_epoch, best_eval = evaluation.accuracy, epoch, evaluation
            if cfg.eval_test:
                best_state = copy.deepcopy(model.state_dict())
        if on_eval is not None:
            on_eval(report)  # may raise (optuna.TrialPruned) to stop this run
        if cfg.early_stop_patience and epoch - best_epoch >= cfg.early_stop_patience:
            stopped_early = epoch + 1 < cfg.epochs
            break

    test = None
    if cfg.eval_test:
        assert best_state is not None
        model.load_state_dict(best_state)
        test = evaluate(model, fixed_split(cfg.task, "test").to(device), cfg, device, precision)
    assert best_eval is not None
    return Result(
        best_val_acc=best_acc,
        best_epoch=best_epoch,
        final_val_acc=history[-1].val_acc,
        epochs_run=len(history),
        stopped_early=stopped_early,
        best=best_eval,
        test=test,
        history=tuple(history),
        n_params=n_params,
        device=str(device),
        precision=precision,
        seconds=time.perf_counter() - started,
        train_samples_per_s=train_samples / max(train_seconds, 1e-9),
    )


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, samples: Samples, cfg: TrainConfig, device: torch.device, precision: str
) -> Evaluation:
    """Accuracy, mean loss (no label smoothing) and the confusion matrix on ``samples``."""
    was_training = model.training
    model.eval()
    confusion = torch.zeros((N_CLASSES, N_CLASSES), dtype=torch.long, device=device)
    loss_sum = torch.zeros((), device=device)
    for start in range(0, len(samples), cfg.eval_batch_size):
        batch = samples.take(slice(start, start + cfg.eval_batch_size))
        with autocast(device, precision):
            logits = model(batch.inputs, batch.outputs)
        loss_sum += F.cross_entropy(logits.float(), batch.labels, reduction="sum")
        predicted = logits.argmax(dim=1)
        confusion.index_put_((batch.labels, predicted), torch.ones_like(predicted), accumulate=True)
    model.train(was_training)
    matrix = confusion.cpu()
    return Evaluation(
        accuracy=float(matrix.diag().sum()) / len(samples),
        loss=float(loss_sum) / len(samples),
        confusion=tuple(tuple(int(v) for v in row) for row in matrix.tolist()),
    )
