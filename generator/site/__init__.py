"""The static site: a Quarto website project written from report/ (never the storage), then
rendered by Quarto when it is on PATH or by the built-in renderer otherwise."""

from generator.site.build import RENDERERS, build_site, prefetch, preflight, resolve_renderer

__all__ = ["RENDERERS", "build_site", "prefetch", "preflight", "resolve_renderer"]
