"""The static site: built from report/ (findings.json, findings.md, artifacts), never the storage."""

from generator.site.builtin import build_site

__all__ = ["build_site"]
