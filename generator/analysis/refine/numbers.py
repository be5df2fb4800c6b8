"""Bounds arithmetic for next-sweep ranges: the parameter's own scale, grids, readable rounding.

Every bound a refined config writes goes through here, so each one is on the parameter's grid
(the sweep-config loader checks ``high - low`` is a multiple of ``step`` in decimal), is a
plain Python ``int`` or ``float`` (``yaml.safe_dump`` cannot write numpy scalars), and has at
most ``SIGNIFICANT`` significant digits, rounded outward so a range never loses a value the
rule meant to keep.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from generator.analysis.params import ParamSpec
from generator.model.vocabulary import Side

SIGNIFICANT = 3
"""Digits a computed float bound keeps (0.000123, 4.56): 1% resolution is finer than any
refinement rule, and the YAML stays readable."""
_EPS = 1e-9


def on_scale(spec: ParamSpec, value: float) -> float:
    """``value`` on the parameter's own scale: log10 for log parameters, as-is otherwise."""
    return math.log10(value) if spec.log else float(value)


def off_scale(spec: ParamSpec, value: float) -> float:
    return float(10**value) if spec.log else float(value)


def round_outward(value: float, side: Side) -> float:
    """``value`` to SIGNIFICANT digits, down for a low bound and up for a high one."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    exponent = math.floor(math.log10(abs(value))) - SIGNIFICANT + 1
    quantum = Decimal(1).scaleb(exponent)
    rounding = ROUND_FLOOR if side == Side.LOW else ROUND_CEILING
    return float(Decimal(repr(value)).quantize(quantum, rounding=rounding))


def on_grid(value: float, origin: float, step: float, side: Side) -> float:
    """The grid point ``origin + k * step`` at or inside ``value`` (up for low, down for high),
    computed in decimal so the loader's multiple-of-step check holds exactly."""
    o, s, v = Decimal(repr(origin)), Decimal(repr(step)), Decimal(repr(value))
    k = (v - o) / s
    k = k.to_integral_value(rounding=ROUND_CEILING if side == Side.LOW else ROUND_FLOOR)
    return float(o + k * s)


def integer_bound(value: float, side: Side, origin: int, step: int) -> int:
    """The integer grid point at or inside ``value`` (low: the smallest >= value)."""
    k = (value - origin) / step
    k = math.ceil(k - _EPS) if side == Side.LOW else math.floor(k + _EPS)
    return int(origin + k * step)


def integer_outward(value: float, side: Side, origin: int, step: int) -> int:
    """The integer grid point at or beyond ``value`` (low: the largest <= value)."""
    k = (value - origin) / step
    k = math.floor(k + _EPS) if side == Side.LOW else math.ceil(k - _EPS)
    return int(origin + k * step)


def float_bound(spec: ParamSpec, value: float, side: Side) -> float:
    """A computed float bound made writable: rounded outward, then onto the step grid (inward,
    so it stays within what the rule allowed) when the parameter has a step."""
    if spec.step:
        assert spec.low is not None
        return on_grid(value, spec.low, spec.step, side)
    rounded = round_outward(value, side)
    if spec.log and rounded <= 0:
        return float(value)
    return rounded


def plain(value: object) -> object:
    """numpy scalars as Python scalars; everything else unchanged."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str | bytes) else value
