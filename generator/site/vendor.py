"""The Vega, Vega-Lite and vega-embed JavaScript the site ships, so charts draw offline.

vl-convert-python (already a dependency for chart export) embeds those libraries and
bundles them with their dependencies into one file; no CDN, no npm. Its bundle is an ES
module body (top-level ``const`` declarations, no imports or exports) that ends by assigning
``window.vegaEmbed``, ``window.vega`` and ``window.vegaLite``. Chromium refuses
``<script type="module" src=...>`` from ``file://``, so we wrap the body in a function and
ship it as a classic script: its names stay private and the three globals remain.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

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


_bundle_lock = threading.Lock()
_bundle_text: list[str] = []


def bundle() -> str:
    """The whole classic-script bundle (about 0.9 MB; takes a second, so cached per process)."""
    with _bundle_lock:  # one build per process, also when ``prefetch_bundle``'s thread is at it
        if not _bundle_text:
            # The stub marks `snippet` required; the function documents it optional (default: set globals).
            body = vl_convert.javascript_bundle(vl_version=vega_lite_minor())  # type: ignore[call-arg]
            _bundle_text.append(f"{bundle_header()}(function () {{\n{body}\n}})();\n")
        return _bundle_text[0]


def prefetch_bundle(existing: Path) -> None:
    """Build the bundle in a background thread unless ``existing`` (the bundle a site build
    would reuse) already is this one.

    vl-convert spends seconds of wall time starting its engine and bundling (little of it CPU)
    and releases the GIL meanwhile, so doing it while the study is read and analysed hides
    that wait; ``bundle`` then returns the finished text (or waits for it).
    """
    if _bundle_text:
        return

    def build_unless_current() -> None:
        if existing.is_file():
            header = bundle_header()  # asks vl-convert too: in the thread
            with existing.open(encoding="utf-8") as handle:
                if handle.read(len(header)) == header:
                    return
        bundle()

    # Not a daemon: a run that fails meanwhile waits for it at exit rather than tearing down
    # the interpreter under vl-convert's engine.
    threading.Thread(target=build_unless_current, name="hpo-report-vega-bundle").start()
