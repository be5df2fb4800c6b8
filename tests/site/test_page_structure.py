"""The version page's structure without a browser: findings.md cut at its slots with each chart
placed in its section, the at-a-glance block framed, folds and heading ids in the built-in
renderer, and raw HTML other than a fold still escaped."""

from __future__ import annotations

from generator.site import qmd
from generator.site.sources import Chart, Evidence, Piece, findings_pieces

FINDINGS = """# HPO findings: `s`

## At a glance

- Best value 0.9 (trial #3)

## What to do

- widen `x`

## Study summary

text

<!-- slot: summary -->

## Parameter importance

| a |
|---|
| 1 |

<!-- slot: importance -->

## Parameter effects

<!-- slot: effects -->

## Warnings
"""


def chart(kind: str, param: str | None = None) -> Chart:
    name = kind if param is None else f"{kind}_{param}"
    return Chart(kind, param, name, f"artifacts/charts/{name}.vl.json", "{}", ())


def test_each_slot_takes_its_charts_and_only_established_effects_stay_open() -> None:
    charts = (
        chart("importance"),
        chart("slice", "x"),
        chart("slice", "ctx"),
        chart("levels", "x"),
        chart("slice", "quiet"),
        chart("history"),
        chart("parallel"),
    )
    evidence = {"x": Evidence.ESTABLISHED, "ctx": Evidence.UNTESTED, "quiet": Evidence.NOT_ENOUGH}
    pieces, unplaced = findings_pieces(FINDINGS, charts, evidence)
    assert [p.kind for p in pieces] == ["text", "glance", "text", "slot", "text", "slot", "text", "slot", "text"]
    assert pieces[0].text == "# HPO findings: `s`\n\n"
    assert pieces[1].text.startswith("## At a glance\n") and "## What to do" not in pieces[1].text
    slots = {p.slot: p for p in pieces if p.kind == "slot"}
    assert [c.name for c in slots["summary"].charts] == ["history"]
    assert [c.name for c in slots["importance"].charts] == ["importance"]
    # x is established: its slice stays open, its levels chart (the same parameter again) folds
    # with the charts of the parameter whose effect is not established.
    assert [c.name for c in slots["effects"].charts] == ["slice_x"]
    assert [c.name for c in slots["effects"].quiet] == ["slice_quiet", "levels_x"]
    assert [c.name for c in slots["effects"].folded] == ["slice_ctx"]
    assert slots["effects"].n_folded_params == 1
    # No "elites" slot in this report: its chart is shown at the end rather than lost.
    assert [c.name for c in unplaced] == ["parallel"]
    # Nothing of findings.md is lost or repeated.
    text = "".join(p.text for p in pieces)
    assert text == FINDINGS.replace("<!-- slot: summary -->", "").replace("<!-- slot: importance -->", "").replace(
        "<!-- slot: effects -->", ""
    )


def test_a_report_without_slots_or_glance_is_one_piece_with_every_chart_unplaced() -> None:
    charts = (chart("importance"), chart("history"))
    pieces, unplaced = findings_pieces("# HPO findings\n\n## Summary\n", charts, {})
    assert pieces == (Piece("text", "# HPO findings\n\n## Summary\n"),)
    assert unplaced == charts


def test_folds_pass_and_any_other_html_is_escaped() -> None:
    html = qmd.to_html(
        "<details>\n<summary>Per-level tables for <code>a&lt;b</code></summary>\n\n| a |\n|---|\n| 1 |\n\n</details>\n\n"
        "<details>\n<summary onclick=x>bad</summary>\n\n</details>\n\n"
        "<script>alert(1)</script>\n\ntext <b>bold</b> \\<i\\>\n\n<!-- slot: elites -->\n"
    )
    assert "<details>\n<summary>Per-level tables for <code>a&lt;b</code></summary>\n" in html
    assert '<div class="table-scroll">\n<table>' in html and "</table>\n</div>\n</details>" in html
    assert "&lt;summary onclick=x&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;i&gt;" in html
    assert "slot" not in html  # a slot the site did not fill shows nothing


def test_every_heading_gets_a_github_style_id_unique_on_the_page() -> None:
    html = qmd.to_html(
        "# HPO findings: `my_study`\n\n## Parameter effects\n\n## Parameter effects\n\n#### `batch_size`\n\n"
        "::: {#at-a-glance .at-a-glance}\n## At a glance\n\nx\n\n:::\n"
    )
    ids = [h.id for h in qmd.headings(html)]
    assert ids == [
        "hpo-findings-my_study",
        "parameter-effects",
        "parameter-effects-1",
        "batch_size",
        "at-a-glance-title",
    ]
    assert '<div id="at-a-glance" class="at-a-glance">' in html
    assert [h.level for h in qmd.headings(html)] == [1, 2, 2, 4, 2]
    assert qmd.headings(html)[3].html == "<code>batch_size</code>"


def test_the_at_a_glance_div_accepts_an_id_a_class_or_both() -> None:
    assert qmd.to_html("::: {#only-id}\nx\n:::\n").startswith('<div id="only-id">')
    assert qmd.to_html("::: {.only-class}\nx\n:::\n").startswith('<div class="only-class">')
    assert not qmd.to_html("::: {}\nx\n:::\n").startswith("<div")
