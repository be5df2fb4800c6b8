"""Compute accounting: where a study's trial time and steps went, by trial state.

Time is the sum of trial durations (start to end, trials that have both); steps are the
intermediate values reported. Pruned and failed trials' shares say how much of the budget
bought no complete result. When the trainer recorded them (trial user attributes ``device``
and ``n_params``, see ``trainer/sweep.py``), the time per device and the range of model sizes.
"""

from __future__ import annotations

import json
import math

import numpy as np

from generator.model.curves import Compute, DeviceUse, ParamCount
from generator.snapshot.load import Snapshot

DEVICE_ATTR = "device"
N_PARAMS_ATTR = "n_params"


def compute_accounting(snapshot: Snapshot) -> Compute:
    trials = snapshot.trials
    durations = trials["duration_s"].to_numpy(dtype=float)
    timed = np.isfinite(durations)
    state = trials["state"].astype(str).to_numpy()

    def seconds(name: str) -> float:
        return float(durations[timed & (state == name)].sum())

    total = float(durations[timed].sum()) if timed.any() else None
    steps_by_number = snapshot.intermediate.groupby("number").size()
    state_of = dict(zip(trials["number"].astype(int), state, strict=True))
    steps_by_state: dict[str, int] = {}
    for number, count in steps_by_number.items():
        key = state_of.get(int(number), "")
        steps_by_state[key] = steps_by_state.get(key, 0) + int(count)
    steps = int(steps_by_number.sum()) if len(steps_by_number) else 0
    pruned_s, failed_s = seconds("PRUNED"), seconds("FAIL")
    return Compute(
        total_trial_s=total,
        complete_s=seconds("COMPLETE"),
        pruned_s=pruned_s,
        failed_s=failed_s,
        pruned_share_time=pruned_s / total if total else None,
        failed_share_time=failed_s / total if total else None,
        steps=steps,
        complete_steps=steps_by_state.get("COMPLETE", 0),
        pruned_steps=steps_by_state.get("PRUNED", 0),
        failed_steps=steps_by_state.get("FAIL", 0),
        pruned_share_steps=steps_by_state.get("PRUNED", 0) / steps if steps else None,
        failed_share_steps=steps_by_state.get("FAIL", 0) / steps if steps else None,
        n_timed=int(timed.sum()),
        devices=_devices(snapshot, dict(zip(trials["number"].astype(int), durations, strict=True))),
        n_params=_n_params(snapshot),
    )


def _user_attr(snapshot: Snapshot, key: str) -> dict[int, object]:
    attrs = snapshot.trial_attrs
    rows = attrs[(attrs["kind"] == "user") & (attrs["key"] == key)]
    return {int(n): json.loads(v) for n, v in zip(rows["number"], rows["value_json"], strict=True)}


def _devices(snapshot: Snapshot, duration: dict[int, float]) -> tuple[DeviceUse, ...]:
    by_device: dict[str, list[int]] = {}
    for number, device in _user_attr(snapshot, DEVICE_ATTR).items():
        by_device.setdefault(str(device), []).append(number)
    return tuple(
        DeviceUse(
            device=name,
            trials=len(numbers),
            time_s=float(sum(duration[n] for n in numbers if math.isfinite(duration.get(n, math.nan)))),
        )
        for name, numbers in sorted(by_device.items())
    )


def _n_params(snapshot: Snapshot) -> ParamCount | None:
    counts = [
        float(v)
        for v in _user_attr(snapshot, N_PARAMS_ATTR).values()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    ]
    if not counts:
        return None
    return ParamCount(n=len(counts), min=min(counts), median=float(np.median(counts)), max=max(counts))


def compute_rows(snapshot: Snapshot) -> list[dict[str, object]]:
    """Per trial: state, duration, steps reported, last step and, when recorded, device and
    ``n_params`` (the rows of ``artifacts/compute.csv``; findings.json holds the totals)."""
    steps = snapshot.intermediate.groupby("number")["step"].agg(["size", "max"])
    # Plain dicts: a lookup per trial, not a pandas .loc (20,000 trials: a second).
    counts, last = steps["size"].to_dict(), steps["max"].to_dict()
    attrs = {key: _user_attr(snapshot, key) for key in (DEVICE_ATTR, N_PARAMS_ATTR)}
    rows = []
    for number, state, duration in zip(
        snapshot.trials["number"].astype(int), snapshot.trials["state"], snapshot.trials["duration_s"], strict=True
    ):
        row: dict[str, object] = {
            "number": number,
            "state": str(state),
            "duration_s": None if duration is None or not math.isfinite(float(duration)) else float(duration),
            "steps": int(counts[number]) if number in counts else 0,
            "last_step": int(last[number]) if number in last else None,
        }
        for key, values in attrs.items():
            if values:
                row[key] = values.get(number)
        rows.append(row)
    return rows
