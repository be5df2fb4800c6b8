"""The visual classifier the seed's sweep tuned, its sweep runner, champion validation, benchmarks.

Modules, in reading order: ``task`` (the procedurally generated 9-class data), ``model``
(CNN or context encoder, demo aggregation, prototype head), ``config`` (one typed config,
flat sweep names routed to it), ``train`` (``train(cfg, on_eval=...) -> Result``), ``sweep``
(``train-sweep``), ``champion`` (``train-champion``), ``bench`` (``train-bench``).

This package imports torch (the ``trainer`` extra); the ``generator`` package never imports it.
"""
