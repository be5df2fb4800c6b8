"""The part of Quarto the built-in renderer needs: a .qmd page to an HTML fragment.

It understands exactly the constructs ``templates/quarto/`` writes (and Pandoc renders the
same way): YAML front matter, ``{{< include FILE >}}`` on a line of its own, CommonMark with
pipe tables, ``::: {#id .class}`` divs, ``{=html}`` raw blocks, folded ``<details>`` blocks
(the shape findings.md uses, which GitHub renders too), and links to ``.qmd`` pages, which
become links to the ``.html`` pages. Every heading gets a GitHub-style id (the same anchors
findings.md has on GitHub). Any other raw HTML is escaped, so a study named ``<script>``
stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

from generator.errors import UserError

_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)
_INCLUDE = re.compile(r"^\{\{<\s*include\s+(\S+)\s*>\}\}[ \t]*$", re.MULTILINE)
_DIV = re.compile(r"^\s*\{(?:#([A-Za-z][\w-]*))?\s*(?:\.([A-Za-z][\w-]*))?\}\s*$")
"""``{#id .class}``, ``{.class}`` or ``{#id}`` (at least one of the two: see ``_div_params``)."""
_FOLD_LINE = re.compile(r"<details>|</details>|<summary>(?:[^<>]|<code>[^<>]*</code>)*</summary>")
"""The raw HTML lines findings.md may hold: a ``<details>`` fold and its ``<summary>`` of
escaped text with ``<code>`` names. Any other HTML block is escaped."""
_SLOT_COMMENT = re.compile(r"<!-- slot: [a-z_]+ -->")
"""A slot marker the site did not fill (an old report): nothing to show."""
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_PLAIN_INLINE = re.compile(r"[0-9A-Za-z .,;()/?'\"#%+=-]+")
"""Inline text no inline rule can act on, so markdown-it makes it one text token as it stands:
ASCII letters, digits, spaces and punctuation that starts no inline rule this parser enables
(the rules start at a line break, ``\\`` ``` ` ``` ``*`` ``_`` ``[`` ``!`` ``<`` ``&``, and
``~`` ``:`` where strikethrough or linkify are on; its text rule also pauses at ``#%+=-``,
which then join the text as they are)."""


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

    parts = []
    end = 0
    for match in _include_lines(body):
        parts += [body[end : match.start()], include(match)]
        end = match.end()
    return "".join(parts) + body[end:] if parts else body


def _include_lines(body: str) -> Iterator[re.Match[str]]:
    """``_INCLUDE.finditer(body)``, found in a fraction of the time on pages with charts.

    A version page holds megabytes of chart specs on a few long lines, and ``re`` tries a
    pattern that opens with ``^`` at every character. Every match starts with ``{{<``, so the
    pattern is tried only where ``str.find`` (C speed) finds one; ``match`` at ``pos`` applies
    ``^`` as ``finditer`` would (line start only), and scanning on from each match's end keeps
    ``finditer``'s non-overlapping order.
    """
    pos = body.find("{{<")
    while pos >= 0:
        match = _INCLUDE.match(body, pos)
        if match is not None:
            yield match
        pos = body.find("{{<", match.end() if match is not None else pos + 1)


def plain_text(markdown_text: str) -> str:
    """Backslash escapes removed: the text a Markdown title stands for (for ``<title>``)."""
    return _ESCAPED.sub(r"\1", markdown_text)


def to_html(markdown_text: str) -> str:
    """The page's HTML, as markdown-it renders it; long runs of plain table rows take a shortcut
    (``_render_with_row_runs``) that gives the same HTML."""
    html = _render_with_row_runs(markdown_text)
    return str(_markdown().render(markdown_text)) if html is None else html


MIN_RUN_ROWS = 16
"""Shorter runs of plain table rows go through markdown-it row by row (the shortcut's fixed cost
would buy nothing)."""

_PLAIN_ROW = re.compile(r"\|(?:[0-9A-Za-z .,;()/?'\"#%+=-]*\|)+")
"""A whole line that is a table row of plain cells (``_PLAIN_INLINE`` or empty): no indentation,
no escapes, no code spans, nothing an inline rule acts on."""
_DELIMITER_ROW = re.compile(r"[ \t|:-]*-[ \t|:-]*")
_TD = r'<td(?: style="text-align:(?:left|center|right)")?>'


def _plain_row(line: str) -> bool:
    """A plain row, and no delimiter row (``|---|:-:|``): a run that took in a table's header and
    delimiter rows would leave no table around its placeholder."""
    return _PLAIN_ROW.fullmatch(line) is not None and _DELIMITER_ROW.fullmatch(line) is None


def _render_with_row_runs(markdown_text: str) -> str | None:
    """The HTML of a page whose long tables (one row per trial: thousands of rows) are rendered
    without a markdown-it token per row and cell; None when there is no such run or the
    shortcut cannot vouch for its result (then markdown-it renders the page as it is).

    Each run of at least ``MIN_RUN_ROWS`` consecutive plain rows with the same number of cells
    becomes one placeholder row of that many cells, a word found nowhere in the page, before
    markdown-it renders the page. Where the placeholder comes back as a body row (``<tr>`` of
    ``<td>``) with exactly that many cells, the table's column count, markdown-it would have
    rendered every row of the run the same way: each is a line starting with ``|`` at the same
    place (no rule ends a table there), with no cell to add or drop (so the table's limit on
    added cells is untouched), and plain cells are escaped text. So each row becomes that row
    with its own cells, in the columns' ``<td>`` tags (alignment) as rendered. Any other
    outcome (the run was a header, code, a paragraph, another column count) returns None.
    """
    lines = markdown_text.split("\n")
    runs: list[tuple[int, int, int]] = []  # first line, end line, cells per row
    i = 0
    while i < len(lines):
        if not _plain_row(lines[i]):
            i += 1
            continue
        cells = lines[i].count("|") - 1
        end = i + 1
        while end < len(lines) and _plain_row(lines[end]) and lines[end].count("|") - 1 == cells:
            end += 1
        if end - i >= MIN_RUN_ROWS:
            runs.append((i, end, cells))
        i = max(end, i + 1)
    if not runs:
        return None
    word = "hporeportrows"
    while word in markdown_text:
        word += "x"
    placeholders = [f"{word}{n}z" for n in range(len(runs))]  # "z": none is the start of another
    parts: list[str] = []
    last = 0
    for (first, end, cells), placeholder in zip(runs, placeholders, strict=True):
        parts += lines[last:first]
        parts.append(f"| {placeholder} |" + " |" * (cells - 1))
        last = end
    parts += lines[last:]
    html = str(_markdown().render("\n".join(parts)))
    if html.count(word) != len(runs):  # each placeholder once, and nothing else spelling it
        return None
    pieces: list[str] = []
    position = 0
    for (first, end, cells), placeholder in zip(runs, placeholders, strict=True):
        at = html.find(placeholder, position)
        if at < 0:
            return None
        row = re.compile(f"<tr>\n({_TD}){placeholder}</td>\n((?:{_TD}</td>\n)*)</tr>\n").match(
            html, max(html.rfind("<tr>\n", position, at), position)
        )
        if row is None or row.end() <= at:
            return None
        opens = [row.group(1), *re.findall(_TD, row.group(2))]
        if len(opens) != cells:
            return None
        pieces.append(html[position : row.start()])
        for line in lines[first:end]:
            values = [escapeHtml(value.strip()) for value in line[1:-1].split("|")]
            pieces.append("<tr>\n" + "".join(f"{o}{v}</td>\n" for o, v in zip(opens, values, strict=True)) + "</tr>\n")
        position = row.end()
    pieces.append(html[position:])
    return "".join(pieces)


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    html: str
    """The heading's content as rendered (escaped text, ``<code>``)."""


_HEADING = re.compile(r'<h([1-6]) id="([^"]*)">(.*?)</h\1>')


def headings(html: str) -> list[Heading]:
    """Every heading of a rendered page, in order, for its table of contents (``to_html`` gives
    each an id; the page's own HTML is the only input, so a regular expression suffices)."""
    return [Heading(int(m.group(1)), m.group(2), m.group(3)) for m in _HEADING.finditer(html)]


def inline_html(markdown_text: str) -> str:
    return str(_markdown().renderInline(markdown_text))


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return make_parser()


def make_parser(shortcuts: bool = True) -> MarkdownIt:
    """The parser ``to_html`` uses; ``shortcuts=False`` keeps markdown-it's own ``normalize``
    and ``inline`` core rules, which the shortcuts must match output for output (tests)."""
    # Raw HTML is parsed (so <details> folds keep Markdown inside them) but rendered only where
    # _render_html_block allows it; our {=html} blocks pass through as they are.
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    container_plugin(md, "div", validate=lambda params, *_: _div_params(params) is not None, render=_render_div)
    anchors_plugin(md, min_level=1, max_level=6)
    md.core.ruler.push("div_ids", _heading_ids_apart_from_divs)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("html_inline", _render_html_inline)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    if shortcuts:
        md.core.ruler.at("normalize", _normalize)
        md.core.ruler.at("inline", _inline)
    return md


def _normalize(state: StateCore) -> None:
    """markdown-it's ``normalize`` (CR LF and CR to LF, NUL to U+FFFD), skipping the regular
    expressions when the text holds neither: on a version page their scan of the inlined chart
    specs (megabytes) took longer than parsing those blocks."""
    text = state.src
    if "\r" in text:
        text = re.sub(r"\r\n?", "\n", text)
    if "\0" in text:
        text = text.replace("\0", "\ufffd")
    state.src = text


def _inline(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, with a shortcut for plain text.

    Large tables (one row per trial or step) hold thousands of cells such as ``0.4688`` or
    ``2978``; for text with none of the characters its text rule stops at, the inline parser
    puts the whole text in one ``text`` token, which is what the shortcut does directly.
    Anything else is parsed as before.
    """
    md = state.md
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        if _PLAIN_INLINE.fullmatch(token.content):
            text = Token("text", "", 0)
            text.content = token.content
            token.children.append(text)
        else:
            md.inline.parse(token.content, md, state.env, token.children)


def _div_params(info: str) -> tuple[str | None, str | None] | None:
    """(id, class) of a ``::: {#id .class}`` line; None when it is not one."""
    match = _DIV.match(info)
    if match is None or match.group(1) is None and match.group(2) is None:
        return None
    return match.group(1), match.group(2)


def _render_div(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    if token.nesting == 1:
        params = _div_params(token.info)
        assert params is not None  # validate() accepted only this shape
        div_id, div_class = params
        attributes = (f' id="{div_id}"' if div_id else "") + (f' class="{div_class}"' if div_class else "")
        return f"<div{attributes}>\n"
    return "</div>\n"


def _heading_ids_apart_from_divs(state: StateCore) -> None:
    """A heading whose GitHub id a div of the page already uses (``::: {#at-a-glance}`` around
    ``## At a glance``) takes ``-title``: ids stay unique, and links to the id land on the div."""
    taken = {
        params[0]
        for token in state.tokens
        if token.type == "container_div_open" and (params := _div_params(token.info)) is not None and params[0]
    }
    if not taken:
        return
    for token in state.tokens:
        if token.type == "heading_open" and token.attrGet("id") in taken:
            token.attrSet("id", f"{token.attrGet('id')}-title")


def _render_html_block(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    lines = str(tokens[idx].content).rstrip("\n").split("\n")
    if all(_FOLD_LINE.fullmatch(line) for line in lines):
        return "\n".join(lines) + "\n"
    if all(_SLOT_COMMENT.fullmatch(line) for line in lines):
        return ""
    return f"<p>{escapeHtml(str(tokens[idx].content).rstrip())}</p>\n"


def _render_html_inline(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    return escapeHtml(str(tokens[idx].content))


def _render_table_open(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    """Each table in a box of its own that scrolls sideways, so a wide table never widens the page."""
    return '<div class="table-scroll">\n' + str(self.renderToken(tokens, idx, options, env))


def _render_table_close(self: RendererHTML, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    return str(self.renderToken(tokens, idx, options, env)) + "</div>\n"


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
