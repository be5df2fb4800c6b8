"""The Pareto chart: every analysed trial in objective space, the non-dominated ones marked."""

from __future__ import annotations

from generator.analysis.chart_data.sampling import by_number
from generator.analysis.pareto import objective_names, pareto_front, pool
from generator.model.charts import ParetoData, ParetoPoint, Sampling
from generator.snapshot.load import Snapshot


def pareto_data(snapshot: Snapshot, limit: int) -> ParetoData | None:
    """None for single-objective studies, and for more than 3 objectives (no readable scatter)."""
    k = len(snapshot.directions)
    if not 2 <= k <= 3:
        return None
    table, _, _, _ = pool(snapshot)
    if table.empty:
        return None
    front = {t.number for t in pareto_front(snapshot, table)}
    others = [int(n) for n in table["number"] if int(n) not in front]
    kept, sampling = by_number(others, max(0, limit - len(front)))
    shown = front | set(kept)
    if len(shown) < len(table):
        sampling = Sampling("front_and_number_spread", len(table), len(shown), limit, n_best=len(front))
    else:
        sampling = Sampling("all", len(table), len(table), limit)
    columns = [f"v{i}" for i in range(k)]
    points = tuple(
        ParetoPoint(int(row.number), tuple(float(getattr(row, c)) for c in columns), int(row.number) in front)
        for row in table.itertuples(index=False)
        if int(row.number) in shown
    )
    return ParetoData(
        directions=tuple(snapshot.directions),
        names=objective_names(snapshot),
        points=points,
        n=len(table),
        n_front=len(front),
        sampling=sampling,
    )
