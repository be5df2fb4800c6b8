"""The part of Quarto the built-in renderer needs: a .qmd page to an HTML fragment.

It understands exactly the constructs ``templates/quarto/`` writes (and Pandoc renders the
same way): YAML front matter, ``{{< include FILE >}}`` on a line of its own, CommonMark with
pipe tables, ``::: {.class}`` divs, ``{=html}`` raw blocks, and links to ``.qmd`` pages,
which become links to the ``.html`` pages. Raw HTML anywhere else is escaped, so a study
named ``<script>`` stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from mdit_py_plugins.container import container_plugin

from generator.errors import UserError

_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
_INCLUDE = re.compile(r"^\{\{<\s*include\s+(\S+)\s*>\}\}[ \t]*$", re.MULTILINE)
_DIV = re.compile(r"^\s*\{\.([A-Za-z][\w-]*)\}\s*$")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class Page:
    meta: dict[str, Any]
    body: str
    """Markdown with every include expanded."""


def read_page(path: Path, project_root: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    meta = (yaml.safe_load(match.group(1)) or {}) if match else {}
    body = text[match.end() :] if match else text
    return Page(dict(meta), expand_includes(body, path.parent, project_root))


def expand_includes(body: str, base: Path, project_root: Path) -> str:
    """Replace each include line by the file's text (one level, like our pages need)."""
    root = project_root.resolve()

    def include(match: re.Match[str]) -> str:
        target = (base / match.group(1)).resolve()
        if root not in target.parents:
            raise UserError(f"{base / match.group(1)} is outside the project; includes must stay inside it")
        try:
            return target.read_text(encoding="utf-8").rstrip("\n") + "\n"
        except FileNotFoundError as exc:
            raise UserError(f"{match.group(0)} in {base}: {target.name} is missing; regenerate the report") from exc

    return _INCLUDE.sub(include, body)


def plain_text(markdown_text: str) -> str:
    """Backslash escapes removed: the text a Markdown title stands for (for ``<title>``)."""
    return _ESCAPED.sub(r"\1", markdown_text)


def to_html(markdown_text: str) -> str:
    return str(_markdown().render(markdown_text))


def inline_html(markdown_text: str) -> str:
    return str(_markdown().renderInline(markdown_text))


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=False: raw HTML in Markdown is escaped; only our {=html} blocks pass through.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    container_plugin(md, "div", validate=lambda params, *_: bool(_DIV.match(params)), render=_render_div)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("link_open", _render_link_open)
    return md


def _render_div(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == 1:
        match = _DIV.match(token.info)
        assert match is not None  # validate() accepted only this shape
        return f'<div class="{match.group(1)}">\n'
    return "</div>\n"


def _render_fence(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.info.strip() == "{=html}":
        return str(token.content)
    return str(RendererHTML.fence(self, tokens, idx, options, env))


def _render_link_open(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    parts = urlsplit(href)
    if not parts.scheme and not parts.netloc and parts.path.endswith(".qmd"):
        page = parts.path[: -len(".qmd")] + ".html"
        token.attrSet(
            "href", page + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        )
    return str(self.renderToken(tokens, idx, options, env))
