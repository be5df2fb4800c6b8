"""The trainer: task generation, configs, training, and every device-dependent path on the CPU."""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from generator.errors import UserError  # noqa: E402
from trainer.config import TrainConfig, config_from_params, knob_names  # noqa: E402
from trainer.task import N_CLASSES, TRANSFORMS, TaskConfig, fixed_split, generate  # noqa: E402
from trainer.train import train  # noqa: E402

TINY = {
    "epochs": 2,
    "train_size": 256,
    "val_size": 90,
    "depth": 2,
    "width_mult": 0.25,
    "embed_dim": 16,
    "mlp_hidden": 32,
    "ctx_d_model": 16,
    "ctx_n_layers": 1,
    "ctx_n_head": 2,
}


@pytest.fixture(autouse=True)
def one_thread():
    # The machine is shared: one intra-op thread per test process (pytest -n 2 uses both cores).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_generation_is_deterministic_per_seed() -> None:
    task = TaskConfig()
    a = generate(task, 64, torch.Generator().manual_seed(5))
    b = generate(task, 64, torch.Generator().manual_seed(5))
    c = generate(task, 64, torch.Generator().manual_seed(6))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.outputs, b.outputs) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.inputs, c.inputs)
    assert a.inputs.shape == (64, task.n_demos, task.grid_size, task.grid_size)
    assert int(a.inputs.max()) < task.n_colours and int(a.outputs.max()) < task.n_colours


def test_validation_set_is_fixed_and_balanced() -> None:
    task = TaskConfig()
    val = fixed_split(task, "val")
    assert torch.equal(val.labels.bincount(minlength=N_CLASSES), torch.full((N_CLASSES,), task.val_size // N_CLASSES))
    assert torch.equal(val.inputs, fixed_split(task, "val").inputs)
    assert not torch.equal(val.inputs, fixed_split(task, "test").inputs)
    # The training seed never changes the validation set (every trial is scored on the same samples).
    assert torch.equal(fixed_split(dataclasses.replace(task, train_size=999), "val").outputs, val.outputs)


def noiseless(n: int = 90, **knobs) -> tuple[TaskConfig, object]:
    task = TaskConfig(noise=0.0, **knobs)
    return task, generate(task, n, torch.Generator().manual_seed(0), balanced=True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("flip_horizontal", lambda g: g.flip(-1)),
        ("flip_vertical", lambda g: g.flip(-2)),
        ("rotate_90", lambda g: torch.rot90(g, 1, (-2, -1))),
        ("rotate_180", lambda g: g.flip(-1).flip(-2)),
        ("rotate_270", lambda g: torch.rot90(g, -1, (-2, -1))),
        ("transpose", lambda g: g.transpose(-1, -2)),
    ],
)
def test_geometric_transformations(name: str, expected) -> None:
    _, s = noiseless()
    rows = s.labels == TRANSFORMS.index(name)
    assert rows.sum() == 10
    assert torch.equal(s.outputs[rows], expected(s.inputs[rows]))


def test_recolour_is_one_nonidentity_permutation_per_sample() -> None:
    task, s = noiseless()
    for i in (s.labels == TRANSFORMS.index("recolour")).nonzero().flatten().tolist():
        mapping = {}
        for a, b in zip(s.inputs[i].flatten().tolist(), s.outputs[i].flatten().tolist(), strict=True):
            assert mapping.setdefault(a, b) == b  # one mapping shared by all demos of the sample
        assert mapping.get(0, 0) == 0  # background stays
        assert len(set(mapping.values())) == len(mapping)  # a bijection
        assert any(a != b for a, b in mapping.items())  # never the identity on the colours present


def test_translate_moves_every_demo_by_one_nonzero_shift() -> None:
    task, s = noiseless()
    size = task.grid_size
    for i in (s.labels == TRANSFORMS.index("translate")).nonzero().flatten().tolist():
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                shifted = torch.zeros_like(s.inputs[i])
                src = s.inputs[i][:, max(0, -dy) : size - max(0, dy), max(0, -dx) : size - max(0, dx)]
                shifted[:, max(0, dy) : size - max(0, -dy), max(0, dx) : size - max(0, -dx)] = src
                if torch.equal(shifted, s.outputs[i]):
                    matches.append((dy, dx))
        assert matches and (0, 0) not in matches


def test_scale_up_doubles_the_top_left_quadrant() -> None:
    task, s = noiseless()
    rows = s.labels == TRANSFORMS.index("scale_up")
    corner = s.inputs[rows][..., :3, :3]
    assert torch.equal(s.outputs[rows], corner.repeat_interleave(2, -1).repeat_interleave(2, -2))


def test_noise_changes_about_the_asked_share_of_cells() -> None:
    task = TaskConfig(noise=0.2, n_colours=5)
    clean = generate(dataclasses.replace(task, noise=0.0), 500, torch.Generator().manual_seed(3))
    noisy = generate(task, 500, torch.Generator().manual_seed(3))
    changed = (clean.outputs != noisy.outputs).float().mean().item()
    # A replaced cell keeps its colour with probability 1/5: expect 0.2 * 4/5 = 0.16.
    assert 0.14 < changed < 0.18


def test_short_cpu_run_on_the_default_task_beats_chance_clearly() -> None:
    # Default task knobs (grid, colours, noise, demos); a small CNN for four short epochs.
    cfg = config_from_params(
        {
            "epochs": 4,
            "train_size": 2048,
            "depth": 3,
            "width_mult": 0.5,
            "embed_dim": 64,
            "mlp_hidden": 128,
            "lr": 3e-3,
            "seed": 0,
        }
    )
    assert cfg.task == dataclasses.replace(TaskConfig(), train_size=2048)
    result = train(cfg)
    chance = 1 / N_CLASSES
    assert result.best_val_acc > 3 * chance, result.history
    assert result.history[-1].val_acc > result.history[0].val_acc
    assert sum(a > chance for a in result.best.per_class_acc) >= 6


def test_training_is_reproducible_and_leaves_global_rng_alone() -> None:
    cfg = config_from_params({**TINY, "seed": 3})
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = train(cfg)
    assert torch.equal(torch.rand(1), before)  # train() used a private copy of the RNG
    b = train(cfg)
    assert [h.val_acc for h in a.history] == [h.val_acc for h in b.history]
    assert a.best.confusion == b.best.confusion
    assert [h.val_acc for h in train(dataclasses.replace(cfg, seed=4)).history] != [h.val_acc for h in a.history]


def test_result_fields_are_consistent() -> None:
    events = []
    result = train(
        config_from_params({**TINY, "epochs": 3, "eval_test": True, "test_size": 45}),
        on_eval=events.append,
        on_start=events.append,
    )
    info, *reports = events
    assert info.n_params == result.n_params > 0 and info.device == result.device == "cpu"
    assert [r.epoch for r in reports] == [0, 1, 2] and result.epochs_run == 3
    assert result.best_val_acc == max(r.val_acc for r in reports) == reports[result.best_epoch].val_acc
    assert sum(map(sum, result.best.confusion)) == 90
    assert result.best.accuracy == sum(result.best.confusion[i][i] for i in range(N_CLASSES)) / 90
    assert result.test is not None and sum(map(sum, result.test.confusion)) == 45
    assert len(result.best.per_class_acc) == N_CLASSES and result.train_samples_per_s > 0


def test_on_eval_can_stop_a_run() -> None:
    class Stop(Exception):
        pass

    seen = []

    def stop_after_first(report) -> None:
        seen.append(report.epoch)
        raise Stop

    with pytest.raises(Stop):
        train(config_from_params({**TINY, "epochs": 5}), on_eval=stop_after_first)
    assert seen == [0]


def test_early_stopping_stops_after_patience() -> None:
    # lr so small nothing changes: no epoch beats the first, so patience 2 stops after epoch 3.
    result = train(config_from_params({**TINY, "epochs": 10, "lr": 1e-9, "early_stop_patience": 2}))
    assert result.epochs_run == 3 and result.stopped_early and result.best_epoch == 0


@pytest.mark.parametrize(
    "knobs",
    [
        {"encoder_type": "cnn", "use_coords": True, "use_cosine": True, "demo_agg": "mean"},
        {"encoder_type": "context", "ctx_dropout": 0.2, "use_cosine": False, "demo_agg": "flatten"},
        # The CUDA code paths, exercised on the CPU: bf16 autocast and NHWC convolutions.
        {"encoder_type": "cnn", "precision": "bf16", "channels_last": "on", "use_scheduler": False},
        {"encoder_type": "context", "precision": "bf16", "use_cosine": True},
    ],
    ids=["cnn-coords-cosine-mean", "context-dot-flatten", "cnn-bf16-channels_last", "context-bf16"],
)
def test_every_knob_trains(knobs: dict) -> None:
    result = train(config_from_params({**TINY, **knobs}))
    assert result.epochs_run == 2 and 0 <= result.best_val_acc <= 1
    assert result.precision == knobs.get("precision", "fp32")
    assert all(torch.isfinite(torch.tensor([h.train_loss for h in result.history])))


@pytest.mark.slow
def test_torch_compile_path_runs_on_cpu() -> None:
    # torch.compile on the CPU needs a C++ compiler and ~40 s here: the CUDA path uses the same call.
    result = train(config_from_params({**TINY, "epochs": 1, "compile": True}))
    assert result.epochs_run == 1


def test_width_depth_and_encoder_change_the_model() -> None:
    from trainer.model import DemoClassifier, count_parameters

    def size(**knobs) -> int:
        cfg = config_from_params({**TINY, **knobs})
        return count_parameters(DemoClassifier(cfg.model, cfg.task))

    assert size(depth=4) > size(depth=2)
    assert size(width_mult=1.0) > size(width_mult=0.25)
    assert size(demo_agg="flatten") > size(demo_agg="mean")
    assert size(encoder_type="context", ctx_n_layers=2) > size(encoder_type="context", ctx_n_layers=1)


def test_config_from_params_routes_and_checks() -> None:
    cfg = config_from_params({"grid_size": 8, "depth": 5, "lr": 1, "use_coords": True})
    assert cfg.task.grid_size == 8 and cfg.model.depth == 5 and cfg.lr == 1.0 and isinstance(cfg.lr, float)
    assert cfg.flat()["grid_size"] == 8 and set(cfg.flat()) == set(knob_names())
    assert config_from_params(cfg.flat()) == cfg  # flat() is what a trial records; it rebuilds the run


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dpeth": 3}, "fixed.dpeth: unknown knob"),
        ({"depth": 2.5}, "fixed.depth: expected int, got 2.5"),
        ({"use_coords": "yes"}, "fixed.use_coords: expected bool, got 'yes'"),
        ({"depth": True}, "fixed.depth: expected int, got True"),
        (
            {"encoder_type": "context", "ctx_d_model": 30, "ctx_n_head": 4},
            "ctx_d_model (30) must be divisible by ctx_n_head (4)",
        ),
        ({"n_colours": 2}, "n_colours must be at least 3"),
        ({"batch_size": 1}, "batch_size must be at least 2"),
        ({"encoder_type": "rnn"}, "encoder_type must be cnn or context"),
        ({"precision": "fp16"}, "precision must be auto, bf16 or fp32"),
    ],
)
def test_invalid_knobs_are_user_errors(params: dict, message: str) -> None:
    with pytest.raises(UserError) as info:
        config_from_params(params, where="fixed")
    assert message in str(info.value)


def test_cuda_request_without_cuda_is_a_user_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(UserError, match="no CUDA device"):
        train(config_from_params({**TINY, "device": "cuda"}))


def test_default_config_is_valid() -> None:
    assert TrainConfig().validated().problems() == []
