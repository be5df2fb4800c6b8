"""Deterministic thinning rules, so a 20,000-trial study still gives small, fast charts.

No randomness: the rules pick evenly spaced positions in a deterministic order, so the same
snapshot always shows the same trials, and what is shown keeps the shape of what is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.model.charts import Sampling

BEST_SHARE = 5
"""With ``best_and_rank_spread``, 1/BEST_SHARE of the limit goes to the very best trials."""


def even_positions(n: int, k: int) -> np.ndarray:
    """``k`` evenly spaced positions in ``range(n)``, first and last included (all when k >= n)."""
    if k >= n:
        return np.arange(n)
    if k <= 1:
        return np.zeros(min(k, n), dtype=int)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))


def by_rank(best_first: Sequence[int], limit: int) -> tuple[list[int], Sampling]:
    """Keep every trial when they fit; otherwise the best ``limit / 5`` trials (so the region
    that matters is drawn in full) plus an even spread over the remaining ranks (so the
    objective's distribution keeps its shape). ``best_first`` lists trial numbers best first."""
    n = len(best_first)
    if n <= limit:
        return list(best_first), Sampling("all", n, n, limit)
    head = max(1, limit // BEST_SHARE)
    rest = even_positions(n - head, limit - head) + head
    keep = [best_first[i] for i in range(head)] + [best_first[int(i)] for i in rest]
    return keep, Sampling("best_and_rank_spread", n, len(keep), limit, n_best=head)


def by_number(numbers: Sequence[int], limit: int) -> tuple[list[int], Sampling]:
    """Keep every trial when they fit; otherwise an even spread over trial numbers (sorted)."""
    ordered = sorted(numbers)
    n = len(ordered)
    if n <= limit:
        return ordered, Sampling("all", n, n, limit)
    keep = [ordered[int(i)] for i in even_positions(n, limit)]
    return keep, Sampling("number_spread", n, len(keep), limit)
