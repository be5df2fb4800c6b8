"""Typed view functions: the rows, rankings, partitions and lookups the report's templates loop
over, so that templates only loop and word (the wording stays in the templates)."""

from generator.render.views.page import FindingsViews, ObjectiveSection, findings_views

__all__ = ["FindingsViews", "ObjectiveSection", "findings_views"]
