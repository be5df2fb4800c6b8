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


def rows(n: int, cells: int = 3, start: int = 0) -> str:
    return "".join("| " + " | ".join(f"#{start + i} {j}-0.{i}e+5%" for j in range(cells)) + " |\n" for i in range(n))


HEADER = "| a | b | c |\n|:--|--:|:-:|\n"
ROW_RUNS = {
    "one long table": "# T\n\n" + HEADER + rows(40) + "\nafter\n",
    "runs split by marked-up rows": HEADER
    + rows(20)
    + "| *x* | `y` | [z] |\n"
    + rows(20, start=20)
    + "| a\\|b | c |  |\n",
    "rows with fewer and more cells": HEADER + rows(20, cells=2) + rows(20, cells=4) + rows(20),
    "empty and blank cells": HEADER + "".join("|  | x |   |\n" for _ in range(20)) + "||||\n" * 20,
    "delimiter-like body rows": HEADER + rows(10) + "| - | :-: | --- |\n" + rows(20),
    "plain rows are the header": rows(30) + "|---|---|---|\n" + rows(20),
    "plain rows in a paragraph": "text\n" + rows(30) + "\n" + rows(30),
    "plain rows in code": "```\n" + HEADER + rows(30) + "```\n\n    " + rows(1) + "~~~\n" + HEADER + rows(30),
    "plain rows in a div and a list": "::: {.changes}\n" + HEADER + rows(30) + ":::\n\n- item\n" + rows(30),
    "indented and spaced rows": HEADER
    + "".join(" " + r for r in rows(20).splitlines(True))
    + rows(20).replace("|\n", "| \n"),
    "the placeholder word is taken": HEADER
    + rows(20)
    + "hporeportrows0z &#104;poreportrows1z hporeportrowsx\n\n"
    + HEADER
    + rows(20),
    "an entity spells the placeholder in a row": HEADER + rows(20) + "| &#104;poreportrows0z | 1 | 2 |\n",
    "eleven tables": "".join(HEADER + rows(20, start=k) + "\n" for k in range(11)),
    "header-only table then rows": "| a |\n|---|\n\n" + rows(20, cells=1),
    "CR LF": (HEADER + rows(20)).replace("\n", "\r\n"),
}


@pytest.mark.parametrize("min_rows", [qmd.MIN_RUN_ROWS, 2])
@pytest.mark.parametrize("markdown", ROW_RUNS.values(), ids=ROW_RUNS.keys())
def test_runs_of_plain_rows_render_as_markdown_it_renders_them(
    markdown: str, min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qmd, "MIN_RUN_ROWS", min_rows)
    assert qmd.to_html(markdown) == PLAIN_MARKDOWN_IT.render(markdown)


def test_the_row_shortcut_is_taken_where_it_applies() -> None:
    """Not only equal: the long tables above do go through the shortcut (else it tests nothing),
    and where it cannot vouch for its result it steps aside."""
    taken = {name: qmd._render_with_row_runs(text) is not None for name, text in ROW_RUNS.items()}
    for name in ("one long table", "runs split by marked-up rows", "eleven tables", "the placeholder word is taken"):
        assert taken[name], name
    for name in ("plain rows are the header", "plain rows in a paragraph", "an entity spells the placeholder in a row"):
        assert not taken[name], name


def test_random_tables_with_long_runs_render_as_markdown_it_renders_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qmd, "MIN_RUN_ROWS", 3)
    rng = random.Random(1604)
    cell_texts = [
        "",
        " ",
        "1",
        "#8",
        "-0.5",
        "1e+05",
        "a b",
        "x%",
        "=",
        "(q)",
        "*e*",
        "`c`",
        "a\\|b",
        "<b>",
        "&amp;",
        "[1]",
    ]
    lines = ["", "para", "```", "::: {.changes}", ":::", "- li", "|---|", "> q"]
    taken = 0
    for _ in range(300):
        doc = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.6:  # a table, or rows without a header
                columns = rng.choice([1, 2, 3])
                if rng.random() < 0.8:
                    doc.append("|" + " h |" * columns)
                    doc.append("|" + "".join(rng.choice([":--|", "--:|", ":-:|", "---|"]) for _ in range(columns)))
                for _ in range(rng.randint(1, 12)):
                    cells = columns if rng.random() < 0.85 else rng.choice([1, 2, 3, 4])
                    pool = cell_texts[:10] if rng.random() < 0.9 else cell_texts
                    doc.append("| " + " | ".join(rng.choice(pool) for _ in range(cells)) + " |")
            else:
                doc.append(rng.choice(lines))
        markdown = "\n".join(doc) + "\n"
        assert qmd.to_html(markdown) == PLAIN_MARKDOWN_IT.render(markdown), markdown
        taken += qmd._render_with_row_runs(markdown) is not None
    assert taken > 40
