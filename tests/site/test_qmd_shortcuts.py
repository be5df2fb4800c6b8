"""The built-in renderer's shortcuts (site/qmd.py) change its speed, never its output: the same
HTML as markdown-it with its own rules, and the same includes as one regular-expression pass."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from generator.site import qmd
from generator.site.sources import script_json

PLAIN_MARKDOWN_IT = qmd.make_parser(shortcuts=False)

CHART = (
    "```{=html}\n"
    '<figure class="vega-chart">\n'
    '<div class="vega-target" role="img" aria-label="{label}"></div>\n'
    '<script type="application/json" class="vega-spec">{spec}</script>\n'
    "<figcaption>{label}</figcaption>\n"
    "</figure>\n"
    "```\n"
)


def chart(label: str, spec: object) -> str:
    return CHART.replace("{label}", label).replace("{spec}", script_json(spec))


HOSTILE_SPEC = {
    "title": "</script><b>x</b> ``` ::: {{< include x.md >}} \u2028 & [a](b.qmd)",
    "data": {"values": [{"x": 0.1 * i, "y": -i, "s": "*_[]|\\"} for i in range(200)]},
}

TRICKY = {
    "charts": "# Charts\n\n"
    + chart("Objective against x", HOSTILE_SPEC)
    + "\nSpec [x.vl.json](x.vl.json)\n\n"
    # a label whose lines would close a div or a fence, were they outside the block
    + chart("a\n:::\nb", {"a": 1}),
    "chart in a div": "::: {.changes}\n" + chart("in a div", HOSTILE_SPEC) + "\n:::\n\nafter\n",
    "raw block inside a longer fence is code": "````\n" + chart("code", {"a": "<b>"}) + "````\n",
    "unclosed raw block": "```{=html}\n<b>never closed\n\ntext",
    "indented raw block": "   ```{=html}\n   <i>x</i>\n   ```\n",
    "CR LF and CR line endings": "# T\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\rtext\r\nmore\r",
    "NUL characters": "a\0b\n\n| \0 | x |\n|---|---|\n| 1\0 | 2 |\n",
    "plain and marked-up cells": (
        "[1, 1]: https://example.org\n\n"
        "| trial | value | ci | note |\n|---|--:|:-:|:--|\n"
        "| 8 | 0.468819 | [1, 1] | plain text (with) punctuation, here; ok? 'q' \"dq\" |\n"
        "| #9 | -0.5 | 1e-05 | *emph* _u_ `code` <b>raw</b> &amp; &copy; \\| pipe |\n"
        "|  | 0 |  | ü ★ non-ASCII |\n"
        "| too | many | cells | here | extra |\n"
        "| short |\n"
    ),
    "paragraphs and hard breaks": "one line  \nnext line\\\nlast\n\nplain paragraph. With (parens)\n\n## Heading #\n",
    "links to pages": "[page](a/b.qmd#frag) [other](https://x.org/a.qmd) <https://auto.link> ![img](i.png)\n",
    "lists and quotes": "- a\n- b\n\n  c\n\n1. one\n2. two\n\n> quoted\n> 0.5\n",
    "empty": "",
    "blank": "  \n\n",
}


@pytest.mark.parametrize("markdown", TRICKY.values(), ids=TRICKY.keys())
def test_shortcuts_give_markdown_its_exact_html(markdown: str) -> None:
    assert qmd.to_html(markdown) == PLAIN_MARKDOWN_IT.render(markdown)
    assert qmd.inline_html(markdown) == PLAIN_MARKDOWN_IT.renderInline(markdown)


def test_shortcuts_give_markdown_its_exact_tokens() -> None:
    """Not only the HTML: the shortcut's text token is the one the inline parser makes."""
    for markdown in TRICKY.values():
        ours = [t.as_dict() for t in qmd._markdown().parse(markdown)]
        assert ours == [t.as_dict() for t in PLAIN_MARKDOWN_IT.parse(markdown)]


def test_shortcuts_agree_with_markdown_it_on_random_tables_and_paragraphs() -> None:
    """Cells and lines drawn from plain characters and from every character an inline rule acts on."""
    rng = random.Random(16)
    alphabet = list("0123456789abcXYZ .,;()/?'\"") + list("!#$%&*+-:<=>@[\\]^_`{}~|\t") + ["ü", "★", "\u2028", "  "]
    shortcut_taken = 0
    for _ in range(300):

        def text() -> str:
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

        width = rng.randint(1, 4)
        rows = ["| " + " | ".join(text() for _ in range(rng.randint(1, width + 1))) + " |" for _ in range(4)]
        markdown = "\n".join(
            ["| " + " | ".join(f"h{i}" for i in range(width)) + " |", "|" + "---|" * width, *rows, "", text(), text()]
        )
        assert qmd.to_html(markdown) == PLAIN_MARKDOWN_IT.render(markdown), markdown
        shortcut_taken += sum(bool(qmd._PLAIN_INLINE.fullmatch(t.content)) for t in qmd._markdown().parse(markdown))
    assert shortcut_taken > 300  # the shortcut did run, on many cells


def _includes_by_sub(body: str, base: Path) -> str:
    """What ``expand_includes`` did before: ``re.sub`` with the same pattern."""
    return qmd._INCLUDE.sub(lambda m: (base / m.group(1)).read_text(encoding="utf-8").rstrip("\n") + "\n", body)


@pytest.mark.parametrize(
    "body",
    [
        "{{< include a.md >}}\n",
        "{{< include a.md >}}",
        "text\n{{< include a.md >}}\n{{< include b.md >}}\nend\n",
        "x {{< include a.md >}}\n{{<include b.md>}}  \t\n",
        "{{< include a.md >}} trailing words\n{{< include b.md >}}\n",
        "{{<{{< include a.md >}}\n{{< include\nb.md >}}\n",
        "{{< other a.md >}}\n" + chart("{{< include a.md >}}", {"a": "{{< include b.md >}}"}) + "{{< include b.md >}}",
        "no include here\n",
    ],
)
def test_includes_are_expanded_as_one_regular_expression_pass(tmp_path: Path, body: str) -> None:
    (tmp_path / "a.md").write_text("# A\n\n| a |\n|---|\n| 1 |\n\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("B {{< include a.md >}}", encoding="utf-8")  # one level: stays as it is
    expanded = qmd.expand_includes(body, tmp_path, tmp_path)
    assert expanded == _includes_by_sub(body, tmp_path)
    assert expanded.count("# A") == [m.group(1) for m in qmd._INCLUDE.finditer(body)].count("a.md")
