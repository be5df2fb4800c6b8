"""Multiple-comparison correction and evidence tiers.

All primary tests of one report are one family; the elite enrichment tests are another.
statsmodels' ``multipletests`` does the correction; ``none`` (no correction) means q = p.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests

from generator.model.vocabulary import Tier


def adjust(pvalues: Sequence[float], method: str) -> np.ndarray:
    """q-values for one family of p-values (same order)."""
    p = np.asarray(pvalues, dtype=float)
    if len(p) == 0 or method == "none":
        return p.copy()
    # statsmodels' Holm branch calls gc.collect(), which walks every live object: ~0.1 s per
    # call in a big process, and a report makes one call per family and per post-hoc family.
    # Freezing the existing objects out of the collector's view makes that call cheap; it
    # changes nothing else (unfreeze puts them back).
    gc.freeze()
    try:
        return np.asarray(multipletests(p, method=method)[1], dtype=float)
    finally:
        gc.unfreeze()


def tier(q: float | None, alpha: float, suggestive_alpha: float) -> Tier:
    """strong below alpha, suggestive below suggestive_alpha, else not enough evidence."""
    if q is None:
        return Tier.NOT_TESTED
    if q < alpha:
        return Tier.STRONG
    if q < suggestive_alpha:
        return Tier.SUGGESTIVE
    return Tier.NOT_ENOUGH_EVIDENCE
