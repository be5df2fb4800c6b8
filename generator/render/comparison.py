"""comparison.md: the words of a ``Comparison`` (``analysis/compare.py`` computes it,
``render/views/comparison.py`` the rows the page shows)."""

from __future__ import annotations

from generator.model.comparison import Comparison
from generator.render.env import render
from generator.render.views.comparison import comparison_view


def comparison_markdown(comparison: Comparison, version: str) -> str:
    """``version``: NEW's report version, which the page names."""
    return render("comparison.md.j2", c=comparison, version=version, views=comparison_view(comparison))
