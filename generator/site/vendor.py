"""The Vega, Vega-Lite and vega-embed JavaScript the site ships, so charts draw offline.

vl-convert-python (already a dependency for chart export) embeds those libraries and
bundles them with their dependencies into one file; no CDN, no npm. Its bundle is an ES
module body (top-level ``const`` declarations, no imports or exports) that ends by assigning
``window.vegaEmbed``, ``window.vega`` and ``window.vegaLite``. Chromium refuses
``<script type="module" src=...>`` from ``file://``, so we wrap the body in a function and
ship it as a classic script: its names stay private and the three globals remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version as package_version

import altair
import vl_convert

BUNDLE_NAME = "vega-bundle.js"


@dataclass(frozen=True)
class VegaVersions:
    vega: str
    vega_lite: str
    vega_embed: str
    vl_convert: str


def vega_lite_minor() -> str | None:
    """The Vega-Lite ``vMAJOR.MINOR`` Altair writes specs for, when vl-convert has it.

    Charts are built with Altair, so the browser should compile them with the same Vega-Lite
    Altair validated them against, not merely the newest one vl-convert knows.
    """
    major, minor = altair.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    wanted = f"{major}.{minor}"
    return f"v{wanted}" if wanted in vl_convert.get_vegalite_versions() else None


def versions() -> VegaVersions:
    lite = vega_lite_minor()
    return VegaVersions(
        vega=vl_convert.get_vega_version(),
        vega_lite=(lite or "v" + vl_convert.get_vegalite_versions()[-1]).lstrip("v"),
        vega_embed=vl_convert.get_vega_embed_version(),
        vl_convert=package_version("vl-convert-python"),
    )


def bundle_header() -> str:
    """First line of the bundle: what it holds. Also tells whether an existing file is current."""
    v = versions()
    return (
        f"/* Vega {v.vega}, Vega-Lite {v.vega_lite}, vega-embed {v.vega_embed}; "
        f"bundled by vl-convert-python {v.vl_convert} for hpo-report (classic script). */\n"
    )


@lru_cache(maxsize=1)
def bundle() -> str:
    """The whole classic-script bundle (about 0.9 MB; takes a second, so cached per process)."""
    # The stub marks `snippet` required; the function documents it optional (default: set globals).
    body = vl_convert.javascript_bundle(vl_version=vega_lite_minor())  # type: ignore[call-arg]
    return f"{bundle_header()}(function () {{\n{body}\n}})();\n"
