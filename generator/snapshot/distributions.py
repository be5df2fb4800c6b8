"""A stored distribution's JSON -> Optuna's distribution object, old schemas included.

Its own module so that analysis can read distributions without importing the snapshot writer
(which imports the storage records: analysis never reaches the storage).
"""

from __future__ import annotations

import warnings

from optuna.distributions import BaseDistribution, json_to_distribution


def parse_distribution(distribution_json: str) -> BaseDistribution:
    with warnings.catch_warnings():
        # Old schemas hold UniformDistribution & co; Optuna converts them with a deprecation warning.
        warnings.simplefilter("ignore")
        dist = json_to_distribution(distribution_json)
        from optuna.distributions import _convert_old_distribution_to_new_distribution

        return _convert_old_distribution_to_new_distribution(dist)
