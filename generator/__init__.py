"""hpo-report: statistically rigorous reports on Optuna hyperparameter sweeps.

The pipeline, one subpackage per stage:
``storage`` (read-only source access) -> ``snapshot`` (DuckDB file) -> ``analysis``
(pure functions, typed results) -> ``findings`` (the typed source of truth, serialized to
findings.json) -> ``render`` (templates, CSV, YAML) -> ``site`` (static HTML).
"""

__version__ = "0.1.0"
