"""Checks on a built site: every link relative and resolving, every page reachable.

A static link checker (no browser): parses each HTML page with the standard library,
resolves every ``href``/``src`` against the page's folder, and walks the pages from
``index.html`` the way a reader would.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass
class ParsedPage:
    links: list[tuple[str, str]] = field(default_factory=list)
    """(attribute, url) for every href and src."""
    ids: set[str] = field(default_factory=set)
    scripts: list[dict[str, str]] = field(default_factory=list)
    """Attributes of every <script> element."""
    charts: list[dict[str, str]] = field(default_factory=list)
    """Attributes of every chart figure (``data-chart``, ``data-script``)."""
    title: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        # data-script / data-trials: the scripts charts.js loads when a chart nears the screen.
        for attribute in ("href", "src", "data-script", "data-trials"):
            if attribute in values:
                self.page.links.append((attribute, values[attribute]))
        if tag == "figure" and "data-chart" in values:
            self.page.charts.append(values)
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "script":
            self.page.scripts.append(values)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data


def parse(path: Path) -> ParsedPage:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.page


def check_links(site: Path) -> list[str]:
    """Every problem found, as ``page: url: what is wrong`` lines (empty when all is well)."""
    site = site.resolve()
    problems: list[str] = []
    pages = {p.resolve(): parse(p) for p in sorted(site.rglob("*.html"))}
    edges: dict[Path, set[Path]] = {p: set() for p in pages}
    for page, parsed in pages.items():
        where = page.relative_to(site).as_posix()
        for _, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("/"):
                problems.append(f"{where}: {url}: not a relative link")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if site not in target.parents and target != site:
                problems.append(f"{where}: {url}: leaves the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: {url}: no such file")
                continue
            if parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                problems.append(f"{where}: {url}: no element with that id")
            if target in pages:
                edges[page].add(target)
    home = site / "index.html"
    seen, frontier = {home}, [home]
    while frontier:
        for nxt in edges.get(frontier.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    problems += [f"{p.relative_to(site).as_posix()}: not reachable from index.html" for p in pages if p not in seen]
    return problems


_REGISTERED = re.compile(r"^window\.hpoReportCharts\[(.+?)\] = (.*);$", re.MULTILINE)


def page_chart_specs(page: Path) -> list[dict[str, Any]]:
    """The Vega-Lite spec of every chart figure on a built page, in page order, read from the
    script each figure loads (and checked to register itself under the figure's name)."""
    specs = []
    for figure in parse(page).charts:
        script = (page.parent / unquote(figure["data-script"])).read_text(encoding="utf-8")
        registered = _REGISTERED.findall(script)
        assert len(registered) == 1, figure
        name, spec = registered[0]
        assert json.loads(name) == figure["data-chart"], figure
        specs.append(json.loads(spec))
    return specs
