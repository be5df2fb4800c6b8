"""Seeds for resampling, derived from the data resampled plus ``AnalysisConfig.seed``.

Why not from the snapshot's input hash: that hash changes when a failed or running trial is
added or when trial numbers change, and the statistical policy says neither may change a
statistic. The analysed sample itself is part of the snapshot and is canonically ordered
(``sample.py``), so a hash of it gives the same seed exactly when the same numbers are
resampled: output stays reproducible, and invariant to everything the analysis ignores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np


def sample_rng(config_seed: int, purpose: str, arrays: Iterable[np.ndarray]) -> np.random.Generator:
    """A generator seeded by sha256(config seed, purpose, the arrays' float64 bytes)."""
    digest = hashlib.sha256(f"{config_seed}\x00{purpose}\x00".encode())
    for array in arrays:
        values = np.ascontiguousarray(np.asarray(array, dtype=np.float64))
        digest.update(len(values).to_bytes(8, "little"))
        digest.update(values.tobytes())
    return np.random.default_rng(int.from_bytes(digest.digest()[:16], "little"))
