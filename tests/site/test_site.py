"""The site: pages for every study and version, charts embedded from their specs, links that
resolve from anywhere, Quarto sources both renderers read, atomic and idempotent builds."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.render.headlines import Headline
from generator.render.site_charts import best_across_versions
from generator.site import build_site, builtin, qmd, vendor
from generator.site.sources import fence_for, parse_chart_name, script_json
from tests.site_checks import check_links, page_chart_specs, parse
from tests.site_fixtures import HOSTILE, BuiltSite, build_example_site, chart_specs
from tests.studies import X, add, simple, sqlite_study
from tests.test_pipeline import tree_digest

OUR_SCRIPTS = ("report/assets/vega-bundle.js", "report/assets/charts.js")
SITE_SCRIPT = "report/assets/site.js"
"""On every page (tables that scroll, the table of contents)."""
EXPLORER_SCRIPTS = ("trials-data.js", "report/assets/tabulator.min.js", "report/assets/trials.js")
"""The trial explorer's (trials.html): the version's data, the vendored table library, ours."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    return build_example_site(tmp_path_factory.mktemp("site"))


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def figures(html: str) -> list[str]:
    """The name of every chart figure on a page, in order."""
    return re.findall(r'<figure class="vega-chart[^"]*" id="[^"]*" data-chart="([^"]*)"', html)


def test_every_link_is_relative_and_resolves(built: BuiltSite) -> None:
    assert check_links(built.site) == []
    # Home, two study pages, three version pages and their trial explorers: nothing more, nothing less.
    assert len(pages(built.site)) == 9


def test_home_lists_every_study_with_its_latest_headline(built: BuiltSite) -> None:
    html = (built.site / "index.html").read_text()
    latest = built.versions[-1].name
    assert f'<a href="report/s/{latest}/index.html">{latest}</a>' in html
    assert '<a href="report/s/index.html">s</a>' in html
    row = html[html.index('<a href="report/s/index.html">') :]
    row = row[: row.index("</tr>")]
    assert "<td>40 (trial #12)</td>" in row and "<td>13 (13 complete)</td>" in row
    assert "<td>2025-01-01 14:05</td>" in row  # the latest trial of the second version ended then
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_study_page_lists_versions_newest_first_with_the_best_value_chart(built: BuiltSite) -> None:
    html = (built.site / "report" / "s" / "index.html").read_text()
    first, second = (v.name for v in built.versions)
    assert html.index(f'href="{second}/index.html"') < html.index(f'href="{first}/index.html"')
    assert "<td>+37</td>" in html  # best 3 -> 40
    assert "<td>first version</td>" in html
    (spec,) = page_chart_specs(built.site / "report" / "s" / "index.html")
    assert [(row["version"], row["best"]) for row in spec["data"]["values"]] == [(first, 3.0), (second, 40.0)]
    assert "vega-spec" not in html and '"$schema"' not in html  # specs load from their own script
    assert html.count('<script src="../../report/assets/vega-bundle.js"></script>') == 1


def test_version_page_embeds_every_chart_from_its_spec(built: BuiltSite) -> None:
    version = built.versions[-1]
    html = (built.site / "report" / "s" / version.name / "index.html").read_text()
    charts = sorted((version / "artifacts" / "charts").glob("*.vl.json"))
    specs = page_chart_specs(built.site / "report" / "s" / version.name / "index.html")
    # In page order: each chart in the section it illustrates. This study's surrogate predicts too
    # poorly for importance shares, so findings.md has no importance slot: that chart is shown
    # under "More charts" at the end rather than dropped.
    expected = [
        json.loads((version / "artifacts" / "charts" / f"{n}.vl.json").read_text())
        for n in ("slice_x", "learning_curves", "importance")
    ]
    assert len(specs) == len(charts) == 3 and specs == expected
    assert (
        '<a href="artifacts/charts/slice_x.vl.json">spec</a>' in html
        and '<a href="artifacts/charts/slice_x.svg">SVG</a>' in html
    )
    assert (
        html.index('id="parameter-effects"')
        < html.index('aria-label="Objective against x"')
        < html.index('id="learning-curves"')
        < html.index('aria-label="Learning curves"')
        < html.index('id="more-charts"')
        < html.index('aria-label="Parameter importance"')
    )
    scripts = [s["src"] for s in parse(built.site / "report" / "s" / version.name / "index.html").scripts if "src" in s]
    assert scripts == ["../../../" + s for s in (*OUR_SCRIPTS, SITE_SCRIPT)]


def test_version_page_offers_the_next_sweep_and_downloads(built: BuiltSite) -> None:
    version = built.versions[-1]
    html = (built.site / "report" / "s" / version.name / "index.html").read_text()
    yaml_text = (version / "artifacts" / "refined_search_space_aggressive.yaml").read_text()
    assert '<a href="artifacts/refined_search_space_aggressive.yaml">' in html
    folded = html[html.index("<summary>Aggressive") :]
    assert folded.index("</summary>") < folded.index('<code class="language-yaml">') < folded.index("</details>")
    block = html[html.index('<code class="language-yaml">') + len('<code class="language-yaml">') :]
    block = block[: block.index("</code>")]
    assert yaml.safe_load(block.replace("&quot;", '"').replace("&#x27;", "'")) == yaml.safe_load(yaml_text)
    for href in ("artifacts/importances.csv", "artifacts/trials.csv", "findings.json", "changes.json"):
        assert f'<a href="{href}">' in html
        assert (built.site / "report" / "s" / version.name / href).is_file()
    # The full report and the reproducibility block come from findings.md.
    assert '<h2 id="reproducibility">Reproducibility</h2>' in html and "generate-report --study s --storage" in html
    first_html = (built.site / "report" / "s" / built.versions[0].name / "index.html").read_text()
    assert "No charts were written for this version." in first_html
    # The generator's own next-sweep files, shown and offered on every version's page.
    for name in ("refined_search_space_conservative.yaml", "empirical_ranges.yaml"):
        assert f'<a href="artifacts/{name}">' in first_html


def test_versions_link_to_their_neighbours(built: BuiltSite) -> None:
    first, second = (v.name for v in built.versions)
    assert (
        f'<a href="../{second}/index.html">next version</a>'
        in (built.site / "report/s" / first / "index.html").read_text()
    )
    html = (built.site / "report/s" / second / "index.html").read_text()
    assert f'<a href="../{first}/index.html">previous version</a>' in html and "latest version" in html


def test_hostile_names_and_chart_titles_stay_inert(built: BuiltSite) -> None:
    for page in pages(built.site):
        parsed = parse(page)
        for script in parsed.scripts:
            # Only our library scripts: nothing a study name injected.
            assert script.get("src", "").endswith((*OUR_SCRIPTS, SITE_SCRIPT, *EXPLORER_SCRIPTS)), (page, script)
        html = page.read_text()
        assert "<script>alert" not in html and "<img" not in html
    slug = built.hostile_version.parent.name
    study_page = built.site / "report" / slug / "index.html"
    assert parse(study_page).title == HOSTILE
    titles = [
        s["title"]
        for s in page_chart_specs(built.site / "report" / slug / built.hostile_version.name / "index.html")
        if "title" in s
    ]
    assert " </script><script>alert(2)</script> `{{< include x >}}`" in titles[0]


def test_script_json_cannot_end_its_element_or_a_fence() -> None:
    spec = {"title": "</script><!-- ``` {{< x >}} & \u2028", "n": [1, 2.5, None]}
    text = script_json(spec)
    assert not set("<>&`\u2028") & set(text)
    assert json.loads(text) == spec
    assert fence_for("a ```` b") == "`````" and fence_for("plain") == "```"


def test_chart_names_follow_the_design_contract() -> None:
    assert parse_chart_name("slice_lr") == ("slice", "lr")
    assert parse_chart_name("learning_curves") == ("learning_curves", None)
    assert parse_chart_name("contour_lr_vs_depth") == ("contour", "lr_vs_depth")
    assert parse_chart_name("levels_batch_size") == ("levels", "batch_size")
    assert parse_chart_name("custom") == ("custom", None)


def test_best_value_chart_is_a_valid_altair_spec() -> None:
    def version(name: str, total: int, complete: int, best: tuple[int, float] | None) -> Headline:
        return Headline(
            study="s",
            version=name,
            direction="minimize",
            best_value=None if best is None else best[1],
            best_number=None if best is None else best[0],
            n_total=total,
            n_complete=complete,
            latest_trial=None,
            top_effects=(),
            n_effects_tested=0,
            top_importance=None,
            n_errors=0,
            n_warnings=0,
        )

    headlines = [
        version("0001-20250101T000000", 4, 4, (2, 0.5)),
        version("0002-20250102T000000", 5, 4, None),
        version("0003-20250103T000000", 9, 8, (7, 0.25)),
    ]
    spec = best_across_versions(headlines)
    assert spec is not None
    assert [(r["sequence"], r["best"], r["trial"]) for r in spec["data"]["values"]] == [(1, 0.5, "#2"), (3, 0.25, "#7")]
    assert spec["encoding"]["y"]["title"] == "Best value (minimize)"
    assert best_across_versions([headlines[1]]) is None


def test_vendored_bundle_is_a_classic_script_without_a_network_reference() -> None:
    text = vendor.build_bundle()
    assert vendor.bundle() == text  # what the cache or this process kept is what vl-convert builds now
    assert text.startswith(vendor.bundle_header()) and "Vega-Lite " + vendor.versions().vega_lite in text
    body = text[len(vendor.bundle_header()) :]
    assert body.startswith("(function () {\n") and body.endswith("\n})();\n")
    assert not re.search(r"^\s*(import|export)\s", body, re.M) and "import.meta" not in body
    assert "window.vegaEmbed=" in body


def test_bundle_is_built_once_then_read_from_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPO_REPORT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(vendor, "_bundle_text", [])
    builds: list[str] = []

    def fake_build() -> str:
        builds.append("built")
        return f"{vendor.bundle_header()}(function () {{\nwindow.vegaEmbed=1;{len(builds)}{vendor.BUNDLE_END}"

    monkeypatch.setattr(vendor, "build_bundle", fake_build)
    first = vendor.bundle()
    assert builds == ["built"] and vendor.cache_file().read_text(encoding="utf-8") == first
    assert vendor.cache_file().parent == tmp_path and vendor.cache_file().name.startswith("vega-bundle-")
    monkeypatch.setattr(vendor, "_bundle_text", [])  # a later process
    assert vendor.bundle() == first and builds == ["built"]
    vendor.prefetch_bundle(tmp_path / "absent.js")  # nothing to build in the background
    assert builds == ["built"]
    vendor.cache_file().write_text(first[:-3], encoding="utf-8")  # truncated: rebuilt, then cached whole
    monkeypatch.setattr(vendor, "_bundle_text", [])
    second = vendor.bundle()
    assert builds == ["built", "built"] and second != first
    assert vendor.cache_file().read_text(encoding="utf-8") == second
    assert [p.name for p in tmp_path.iterdir()] == [vendor.cache_file().name]  # no temporary left behind


def test_pages_render_the_same_structure_with_pandoc(built: BuiltSite) -> None:
    """The .qmd sources use only constructs Pandoc (Quarto's engine) reads the same way."""
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc)")
    sources = [p.relative_to(built.out).as_posix() for p in sorted(built.out.rglob("index.qmd"))]
    assert len(sources) == 6
    for source in sources:
        page = qmd.read_page(built.out / source, built.out)
        ours = qmd.to_html(page.body)
        theirs = subprocess.run(
            [pandoc, "-f", "markdown", "-t", "html"], input=page.body, capture_output=True, text=True, check=True
        ).stdout
        for pattern in (r"<table", r'<figure class="vega-chart"', r'class="changes"', r"<pre"):
            assert len(re.findall(pattern, theirs)) == len(re.findall(pattern, ours)), (source, pattern)
        assert figures(theirs) == figures(ours), source
        assert sorted(re.findall(r'href="([^"#]+\.qmd)"', theirs)) == sorted(
            h.replace(".html", ".qmd") for h in re.findall(r'href="([^"#]+\.html)"', ours)
        ), source
        assert "<script>alert" not in theirs, source


def test_built_in_renderer_gives_markdown_its_own_html_on_every_page(built: BuiltSite) -> None:
    """qmd.py's shortcuts (normalize, plain inline text) against markdown-it's own rules, on the
    real pages: charts with hostile titles, tables, includes, divs."""
    plain = qmd.make_parser(shortcuts=False)
    sources = sorted(built.out.rglob("index.qmd"))
    assert len(sources) == 6
    for source in sources:
        page = qmd.read_page(source, built.out)
        assert qmd.to_html(page.body) == plain.render(page.body), source
        assert qmd.expand_includes(source.read_text(encoding="utf-8"), source.parent, built.out) == qmd._INCLUDE.sub(
            lambda m, base=source.parent: (base / m.group(1)).read_text(encoding="utf-8").rstrip("\n") + "\n",
            source.read_text(encoding="utf-8"),
        ), source


def test_quarto_project_points_at_the_site_folder(built: BuiltSite) -> None:
    config = yaml.safe_load((built.out / "_quarto.yml").read_text())
    assert config["project"]["type"] == "website" and config["project"]["output-dir"] == "site"
    rendered = builtin.expand(built.out, config["project"]["render"])
    assert rendered == sorted(
        p.relative_to(built.out).as_posix() for name in ("index.qmd", "trials.qmd") for p in built.out.rglob(name)
    )
    resources = builtin.expand(built.out, config["project"]["resources"])
    assert all(not name.endswith((".duckdb", ".parquet")) and "/snapshot/" not in name for name in resources)


def test_a_failed_site_build_keeps_the_previous_site(tmp_path: Path, monkeypatch) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 0
    before = tree_digest(out / "site")

    def broken(project_root: Path, target: Path) -> None:
        (target / "index.html").write_text("half a site")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(builtin, "render_site", broken)
    import optuna

    add(optuna.load_study(study_name="s", storage=url), {"x": 0.9}, {"x": X}, 9.0)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"])
    assert tree_digest(out / "site") == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    monkeypatch.undo()
    # The version was written before the site failed; the next run brings the site up to date.
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 0
    (second,) = [p for p in (out / "report" / "s").iterdir() if p.name.startswith("0002-")]
    assert (out / "site" / "report" / "s" / second.name / "index.html").is_file()
    assert check_links(out / "site") == []


def test_an_up_to_date_site_is_not_rebuilt(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet", "--no-charts"]) == 0
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    build_site(out, "builtin")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps
    # A new chart in report/ is a new source: the site picks it up on the next build.
    version = next((out / "report" / "s").glob("0001-*"))
    from tests.site_fixtures import add_charts

    add_charts(version, {"ecdf": chart_specs()["slice_x"]}, svg=())
    build_site(out, "builtin")
    assert len(figures((out / "site" / "report" / "s" / version.name / "index.html").read_text())) == 1


FAKE_QUARTO = """#!/bin/sh
# Records its arguments, then renders like Quarto would: into the --output-dir it was given.
echo "$@" > "{log}"
while [ $# -gt 0 ]; do
  if [ "$1" = "--output-dir" ]; then out="$2"; fi
  shift
done
mkdir -p "$out" && echo "<html>by quarto</html>" > "$out/index.html"
"""


def test_renderer_auto_uses_quarto_when_it_is_on_path(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"
    fake.write_text(FAKE_QUARTO.format(log=tmp_path / "quarto.log"))
    fake.chmod(0o755)
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    out = tmp_path / "out"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 0
    args = (tmp_path / "quarto.log").read_text().split()
    assert args[:2] == ["render", "."] and args[2] == "--output-dir" and args[3].startswith(".site-build-")
    assert (out / "site" / "index.html").read_text() == "<html>by quarto</html>\n"
    assert (out / "_quarto.yml").is_file() and (out / "report" / "s" / "index.qmd").is_file()
    # --renderer builtin ignores Quarto even when it is there.
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet", "--renderer", "builtin"]) == 0
    assert "hpo-report" in (out / "site" / "index.html").read_text()


def test_renderer_quarto_without_quarto_is_a_one_line_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    assert main(["--storage", url, "--study", "s", "--out", str(tmp_path / "out"), "--renderer", "quarto"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --renderer quarto needs the quarto command on PATH") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_someone_elses_quarto_project_is_never_overwritten(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = textwrap.dedent("""\
        project:
          type: book
        """)
    (out / "_quarto.yml").write_text(mine)
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    assert main(["--storage", url, "--study", "s", "--out", str(out)]) == 2
    assert "_quarto.yml exists and was not written by hpo-report" in capsys.readouterr().err
    assert (out / "_quarto.yml").read_text() == mine
    assert sorted(p.name for p in out.iterdir()) == ["_quarto.yml"]


def test_a_study_named_like_the_assets_folder_still_works(tmp_path: Path) -> None:
    url = sqlite_study(tmp_path / "s.db", "assets", simple, ["maximize"])
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "assets", "--out", str(out), "--quiet"]) == 0
    assert (out / "site" / "report" / "assets" / "vega-bundle.js").is_file()
    assert (out / "site" / "report" / "assets" / "index.html").is_file()
    assert check_links(out / "site") == []


def test_the_pages_workflow_matches_the_makefile_and_the_cli() -> None:
    """The GitHub Actions workflow publishes site/ and comments changes with flags that exist."""
    from tests.conftest import REPO

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "site.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"] and "pull_request" in triggers
    makefile = (REPO / "Makefile").read_text()
    assert f"EXAMPLE_STUDY   := {workflow['env']['STUDY']}" in makefile
    assert f"EXAMPLE_STORAGE := {workflow['env']['STORAGE']}" in makefile
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    uploads = [s for s in publish["steps"] if str(s.get("uses", "")).startswith("actions/upload-pages-artifact")]
    assert [s["with"]["path"] for s in uploads] == ["site/"]
    changes = workflow["jobs"]["changes"]
    assert changes["permissions"]["pull-requests"] == "write"
    script = "\n".join(str(s.get("run", "")) for s in changes["steps"])
    assert "--print-changes" in script and "gh pr comment" in script
    from generator.cli import _parser

    flags = {option for action in _parser()._actions for option in action.option_strings}
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", str(step.get("run", ""))):
                if "generate-report" in str(step.get("run", "")) and flag not in ("--edit-last", "--body-file"):
                    assert flag in flags, flag
