"""``train-bench``: training throughput (samples/s) and trials/hour per configuration.

    train-bench                              # every preset, the variants that suit the device
    train-bench --configs cnn_small --variants fp32,bf16 --epochs 3 --train-size 8192
    train-bench --packed 4 --configs cnn_small   # also: 4 trials at once vs one at a time

A *trial* here is one ``train()`` run of ``--epochs`` x ``--train-size`` samples plus an
evaluation per epoch, like a sweep trial; trials/hour is 3600 / its wall-clock seconds.
samples/s counts training samples (forward, backward, optimizer step) per second over the
epochs after the first, which pays for warm-up (cuDNN autotuning, torch.compile).

Variants: ``fp32``; ``bf16`` (autocast); ``bf16-cl`` (plus channels_last, CNN only);
``bf16-cl-compile`` (plus torch.compile). Without a GPU only fp32 runs unless asked, and
the output says the numbers are CPU numbers.

``--packed K`` runs K trials of one configuration concurrently in K processes on the same
device, against the same K trials one after another in one process, each after a warm-up
run, and reports both trials/hour: small trials that cannot fill a GPU alone overlap.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

from generator.errors import UserError

PRESETS: dict[str, dict[str, Any]] = {
    # The small CNN a CPU sweep trains.
    "cnn_small": {
        "encoder_type": "cnn",
        "depth": 3,
        "width_mult": 0.5,
        "embed_dim": 64,
        "mlp_hidden": 128,
        "batch_size": 32,
    },
    # The seed's elite region (option A): deep, wide, flatten, batch 16.
    "cnn_seed_elite": {
        "encoder_type": "cnn",
        "depth": 6,
        "width_mult": 2.0,
        "embed_dim": 512,
        "mlp_hidden": 2048,
        "batch_size": 16,
    },
    # The largest CNN of the seed's space.
    "cnn_seed_max": {
        "encoder_type": "cnn",
        "depth": 6,
        "width_mult": 3.0,
        "embed_dim": 512,
        "mlp_hidden": 2048,
        "batch_size": 64,
    },
    "context_small": {
        "encoder_type": "context",
        "ctx_d_model": 64,
        "ctx_n_head": 4,
        "ctx_n_layers": 2,
        "embed_dim": 128,
        "mlp_hidden": 256,
        "batch_size": 32,
    },
    "context_seed_max": {
        "encoder_type": "context",
        "ctx_d_model": 256,
        "ctx_n_head": 8,
        "ctx_n_layers": 4,
        "embed_dim": 512,
        "mlp_hidden": 2048,
        "batch_size": 64,
    },
}
VARIANTS: dict[str, dict[str, Any]] = {
    "fp32": {"precision": "fp32", "channels_last": "off", "compile": False},
    "bf16": {"precision": "bf16", "channels_last": "off", "compile": False},
    "bf16-cl": {"precision": "bf16", "channels_last": "on", "compile": False},
    "bf16-cl-compile": {"precision": "bf16", "channels_last": "on", "compile": True},
}


@dataclasses.dataclass(frozen=True)
class Measurement:
    config: str
    variant: str
    n_params: int
    samples_per_s: float
    trial_seconds: float
    trials_per_hour: float
    val_acc: float


def bench_params(preset: str, variant: str, epochs: int, train_size: int, device: str) -> dict[str, Any]:
    return {
        **PRESETS[preset],
        **VARIANTS[variant],
        "epochs": epochs,
        "train_size": train_size,
        "device": device,
        "use_scheduler": True,
    }


def measure(preset: str, variant: str, epochs: int, train_size: int, device: str) -> Measurement:
    from trainer.config import config_from_params
    from trainer.train import train

    result = train(config_from_params(bench_params(preset, variant, epochs, train_size, device)))
    steady = result.history[1:] or result.history  # the first epoch pays for warm-up
    samples_per_s = sum(h.epoch_samples for h in steady) / sum(h.epoch_train_seconds for h in steady)
    return Measurement(
        preset, variant, result.n_params, samples_per_s, result.seconds, 3600 / result.seconds, result.best_val_acc
    )


def _packed_child(params: dict[str, Any], seeds: list[int], threads: int, barrier: Any, out: Any) -> None:
    import torch

    from trainer.config import config_from_params
    from trainer.train import train

    torch.set_num_threads(threads)
    train(config_from_params({**params, "epochs": 1, "train_size": min(512, params["train_size"])}))  # warm-up
    barrier.wait()
    started = time.perf_counter()
    for seed in seeds:
        train(config_from_params({**params, "seed": seed}))
    out.put(time.perf_counter() - started)


def packed_vs_sequential(
    preset: str, variant: str, k: int, epochs: int, train_size: int, device: str, threads: int
) -> dict[str, Any]:
    """Wall-clock of k trials: one process doing them in turn, then k processes at once."""
    ctx = multiprocessing.get_context("spawn")
    params = bench_params(preset, variant, epochs, train_size, device)
    timings = {}
    for mode, groups in (("sequential", [list(range(k))]), ("packed", [[s] for s in range(k)])):
        barrier, out = ctx.Barrier(len(groups) + 1), ctx.Queue()
        procs = [ctx.Process(target=_packed_child, args=(params, g, threads, barrier, out)) for g in groups]
        for p in procs:
            p.start()
        barrier.wait()  # everyone warmed up: start the clock together
        started = time.perf_counter()
        for _ in procs:
            out.get()
        timings[mode] = time.perf_counter() - started
        for p in procs:
            p.join()
            if p.exitcode:
                raise RuntimeError(f"a benchmark process failed (exit code {p.exitcode})")
    return {
        "config": preset,
        "variant": variant,
        "trials": k,
        "sequential_seconds": timings["sequential"],
        "packed_seconds": timings["packed"],
        "sequential_trials_per_hour": 3600 * k / timings["sequential"],
        "packed_trials_per_hour": 3600 * k / timings["packed"],
        "speedup": timings["sequential"] / timings["packed"],
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="train-bench", description="Training throughput and trials/hour per configuration."
    )
    p.add_argument(
        "--configs", default=",".join(PRESETS), help=f"comma-separated presets: {', '.join(PRESETS)} (default: all)"
    )
    p.add_argument("--variants", help=f"comma-separated: {', '.join(VARIANTS)} (default: all on CUDA, fp32 on CPU)")
    p.add_argument("--epochs", type=int, default=3, help="epochs per benchmark trial (default: %(default)s)")
    p.add_argument("--train-size", type=int, help="training samples per epoch (default: 16384 on CUDA, 1024 on CPU)")
    p.add_argument(
        "--packed",
        type=int,
        default=0,
        metavar="K",
        help="also compare K concurrent trials with K trials in turn (first config, first variant)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per process (default: %(default)s)")
    p.add_argument("--json", type=Path, help="also write the measurements to this JSON file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import torch

        from trainer.train import resolve_device

        torch.set_num_threads(args.threads)
        device = resolve_device(args.device)
        cuda = device.type == "cuda"
        configs = [c.strip() for c in args.configs.split(",") if c.strip()]
        variants = [v.strip() for v in (args.variants or (",".join(VARIANTS) if cuda else "fp32")).split(",")]
        unknown = [c for c in configs if c not in PRESETS] + [v for v in variants if v not in VARIANTS]
        if unknown:
            raise UserError(
                f"unknown preset or variant {', '.join(unknown)}; presets: {', '.join(PRESETS)}; variants: {', '.join(VARIANTS)}"
            )
        train_size = args.train_size or (16384 if cuda else 1024)
        header = describe_device(device)
        print(header)
        print(
            f"trial = {args.epochs} epochs x {train_size} training samples + a validation pass per epoch (default task)"
        )
        print(
            f"{'config':<18} {'variant':<16} {'params':>10} {'samples/s':>11} {'trial s':>8} {'trials/hour':>12} {'val_acc':>8}"
        )
        rows: list[Measurement] = []
        packed = None

        def save() -> None:  # after every measurement: a run stopped by a time limit keeps what it measured
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                record = {
                    "device": header,
                    "epochs": args.epochs,
                    "train_size": train_size,
                    "measurements": [dataclasses.asdict(r) for r in rows],
                    "packed": packed,
                }
                args.json.write_text(json.dumps(record, indent=2) + "\n")

        for preset in configs:
            for variant in variants:
                if variant.endswith(("-cl", "-cl-compile")) and PRESETS[preset]["encoder_type"] != "cnn":
                    continue  # channels_last only changes convolutions
                m = measure(preset, variant, args.epochs, train_size, str(device))
                rows.append(m)
                print(
                    f"{m.config:<18} {m.variant:<16} {m.n_params:>10,} {m.samples_per_s:>11,.0f} {m.trial_seconds:>8.1f} {m.trials_per_hour:>12,.0f} {m.val_acc:>8.3f}",
                    flush=True,
                )
                save()
        if args.packed > 1:
            packed = packed_vs_sequential(
                configs[0], variants[0], args.packed, args.epochs, train_size, str(device), args.threads
            )
            print(
                f"packed: {packed['trials']} x {packed['config']} ({packed['variant']}): one at a time "
                f"{packed['sequential_seconds']:.1f}s = {packed['sequential_trials_per_hour']:,.0f} trials/hour; "
                f"all at once {packed['packed_seconds']:.1f}s = {packed['packed_trials_per_hour']:,.0f} trials/hour "
                f"(x{packed['speedup']:.2f})"
            )
            save()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


def describe_device(device: Any) -> str:
    import torch

    if device.type == "cuda":
        return f"device: {torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}), torch {torch.__version__}"
    return f"device: CPU, {torch.get_num_threads()} torch thread(s), torch {torch.__version__} -- no CUDA device: these are CPU numbers"


if __name__ == "__main__":
    sys.exit(main())
