"""Publication images of a chart spec (PNG, SVG, PDF), rendered offline by vl-convert."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import vl_convert as vlc

PNG_SCALE = 2.0
"""Twice the screen size: sharp in print and on high-density screens."""


def vl_version() -> str:
    """The Vega-Lite version Altair wrote the spec for (``6.4`` of ``v6.4.1``), when
    vl-convert bundles it; otherwise vl-convert's default."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else vlc.get_vegalite_versions()[-1]


def export_images(spec: str, base: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write ``base.<format>`` for each format; returns the paths written."""
    written = []
    for fmt in formats:
        path = base.with_name(f"{base.name}.{fmt}")
        if fmt == "png":
            path.write_bytes(vlc.vegalite_to_png(spec, vl_version=vl_version(), scale=PNG_SCALE))
        elif fmt == "svg":
            path.write_text(vlc.vegalite_to_svg(spec, vl_version=vl_version()), encoding="utf-8")
        elif fmt == "pdf":
            path.write_bytes(vlc.vegalite_to_pdf(spec, vl_version=vl_version()))
        else:
            raise ValueError(f"unknown export format {fmt!r}")
        written.append(path)
    return written
