"""The Vega, Vega-Lite and vega-embed JavaScript the site ships, so charts draw offline.

vl-convert-python (already a dependency for chart export) embeds those libraries and
bundles them with their dependencies into one file; no CDN, no npm. Its bundle is an ES
module body (top-level ``const`` declarations, no imports or exports) that ends by assigning
``window.vegaEmbed``, ``window.vega`` and ``window.vegaLite``. Chromium refuses
``<script type="module" src=...>`` from ``file://``, so we wrap the body in a function and
ship it as a classic script: its names stay private and the three globals remain.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import altair
import vl_convert

from generator.files import replace_atomically
from generator.paths import cache_dir

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


BUNDLE_END = "\n})();\n"


def cache_file() -> Path:
    """Where a built bundle is kept between runs: one file per bundle header (that is, per set
    of library versions), in the cache folder (``generator.paths.cache_dir``).

    vl-convert's bundling takes seconds of wall time and CPU on every first run into a new output
    folder, yet its result depends only on the versions the header names.
    """
    digest = hashlib.sha256(bundle_header().encode("utf-8")).hexdigest()[:16]
    return cache_dir() / f"vega-bundle-{digest}.js"


def _cached_bundle() -> str | None:
    """The cached bundle when it is whole and for these versions (a truncated or foreign file is
    ignored and rebuilt)."""
    try:
        text = cache_file().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.startswith(bundle_header()) and text.endswith(BUNDLE_END) else None


def _store_bundle(text: str) -> None:
    """Keep ``text`` for later runs; atomically (a concurrent run reads a whole file or none),
    and silently not at all where the cache folder cannot be written."""
    target = cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(target, text.encode("utf-8"))
    except OSError:
        pass


def build_bundle() -> str:
    """Bundle the libraries with vl-convert now (seconds), bypassing every cache."""
    # The stub marks `snippet` required; the function documents it optional (default: set globals).
    body = vl_convert.javascript_bundle(vl_version=vega_lite_minor())  # type: ignore[call-arg]
    return f"{bundle_header()}(function () {{\n{body}{BUNDLE_END}"


def bundle() -> str:
    """The whole classic-script bundle (about 0.9 MB): from this process's memory, else from the
    cache folder (``cache_file``), else built and cached."""
    with _bundle_lock:  # one build per process, also when ``prefetch_bundle``'s thread is at it
        if not _bundle_text:
            text = _cached_bundle()
            if text is None:
                text = build_bundle()
                _store_bundle(text)
            _bundle_text.append(text)
        return _bundle_text[0]


def prefetch_bundle(existing: Path) -> None:
    """Build the bundle in a background thread unless ``existing`` (the bundle a site build
    would reuse) already is this one or the cache folder holds it.

    vl-convert spends seconds of wall time starting its engine and bundling (little of it CPU)
    and releases the GIL meanwhile, so doing it while the study is read and analysed hides
    that wait; ``bundle`` then returns the finished text (or waits for it).
    """
    if _bundle_text or cache_file().is_file():
        return  # reading the cached file when it is needed takes milliseconds

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
