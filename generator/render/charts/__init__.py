"""Altair charts from the typed chart data, written as deterministic Vega-Lite JSON.

Builders take only ``generator.analysis.chart_data`` results (never the snapshot) and return
Altair charts; ``write_charts`` names, serializes and optionally exports them.
"""

from __future__ import annotations

from generator.render.charts.files import ChartFile, chart_files, export_charts, spec_json, write_charts

__all__ = ["ChartFile", "chart_files", "export_charts", "spec_json", "write_charts"]
