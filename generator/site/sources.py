"""The Quarto website project both renderers build from: ``_quarto.yml``, ``index.qmd`` and
``report/**/index.qmd``, written from report/ (findings.json, findings.md, changes.md,
artifacts) through ``templates/quarto/``.

The pages use only what Quarto (Pandoc) and the built-in renderer both understand: YAML
front matter, pipe tables, ``{{< include >}}``, ``::: {#id .class}`` divs, ``{=html}`` raw
blocks, ``<details>`` folds and links to ``.qmd`` files.

A version page is findings.md itself, cut at its slot markers (``<!-- slot: NAME -->``) so that
each chart sits in the section it illustrates (``SLOT_CHARTS``), its at-a-glance block first.
A chart is an empty ``<figure>`` on the page; its Vega-Lite spec is a classic script of its own
(``charts/<name>.js`` beside the page: browsers refuse to fetch JSON from ``file://``), which
charts.js loads when the figure nears the screen, so pages stay light however large the study.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError
from generator.files import write_if_changed
from generator.model.changes import CONFIG_ARTIFACTS
from generator.model.comparison import Comparison
from generator.model.findings import Findings
from generator.model.reader import load_findings, load_model
from generator.model.vocabulary import Shape, Tier
from generator.paths import templates_dir
from generator.render.env import md_text, render
from generator.render.headlines import Headline, headline
from generator.render.site_charts import best_across_versions, best_so_far_comparison
from generator.render.yaml_text import safe_dump
from generator.site import vendor
from generator.site.layout import (
    ASSETS_DIR,
    GENERATED_MARKER,
    HOME_PAGE,
    PAGE_FILE,
    PROJECT_FILE,
    SITE_DIR,
    check_ownership,
)
from generator.versions import list_versions

COMPARISON_PAGE = "comparison.qmd"
"""A version's comparison with an earlier sweep (``--compare-with``), beside its index.qmd."""
CHART_SCRIPT_DIR = "charts"
"""Beside a version page in the site (charts/<name>.js): one classic script per chart."""
STUDY_CHART_SUFFIX = ".chart.js"
"""A study page's chart scripts lie beside it as files (<name>.chart.js): a folder there would
sit among the version folders."""
TRIALS_DATA_FILE = "trials-data.js"
"""Beside a version page: every trial, for the explorer and the charts' tooltips (trials.py)."""
CHARTS_GLOBAL = "hpoReportCharts"
"""The window property the chart scripts register their specs in (templates/site/charts.js)."""
RENDER_GLOBS = (
    HOME_PAGE,
    f"report/*/{PAGE_FILE}",
    f"report/*/*/{PAGE_FILE}",
    f"report/*/*/{COMPARISON_PAGE}",
    "report/*/*/trials.qmd",  # the trial explorer (trials.py)
)
RESOURCE_GLOBS = (
    f"{ASSETS_DIR}/*",
    "report/*/*/findings.json",
    "report/*/*/changes.json",
    "report/*/*/comparison.json",
    "report/*/*/artifacts/**",
)
ASSET_FILES = ("style.css", "charts.js", "site.js")
"""Copied from templates/site/ into report/assets/ (the Vega bundle is generated beside them)."""

CHART_KINDS = (
    "importance",
    "slice",
    "levels",
    "history",
    "parallel",
    "contour",
    "learning_curves",
    "ecdf",
    "timeline",
    "pareto",
)
"""DESIGN.md's chart kinds, in the order the version page shows them."""

SHOWN_CONFIGS = (*CONFIG_ARTIFACTS, "empirical_ranges.yaml")
COMPOSITE_KEYS = ("hconcat", "vconcat", "concat", "facet", "repeat")
"""A spec with one of these holds several panels (charts.js keeps its own layout)."""

SLOT_CHARTS: dict[str, tuple[str, ...]] = {
    "summary": ("history", "ecdf", "timeline"),
    "importance": ("importance",),
    "interactions": ("contour",),
    "effects": ("slice", "levels"),
    "elites": ("parallel",),
    "curves": ("learning_curves",),
    "pareto": ("pareto",),
}
"""Which charts each slot of findings.md shows; a chart whose slot the report lacks (an older
report, a kind added later) is shown at the end of the page instead."""
PER_PARAM_SLOTS = frozenset({"effects"})
"""Slots whose charts are one per parameter: only those of established effects stay open (a
tier of strong or suggestive, or a peak inside the range); the others are folded in two groups,
not enough evidence and not tested."""
SECONDARY_CHARTS = frozenset({"timeline"})
"""Folded in their slot: a view few readers need first (the trial timeline beside the history)."""
_SLOT_LINE = re.compile(r"^<!-- slot: ([a-z_]+) -->$", re.MULTILINE)
_GLANCE = re.compile(r"^## At a glance[ \t]*$", re.MULTILINE)
"""findings.md's first block (templates/findings/_at_a_glance.md.j2); the page gives it id at-a-glance."""
_H2 = re.compile(r"^## ", re.MULTILINE)


@dataclass(frozen=True)
class ChartImage:
    """An exported image of a chart, offered beside its spec."""

    path: str
    """Relative to the page."""
    format: str
    """``png`` or ``svg`` (the file's extension)."""


@dataclass(frozen=True)
class Chart:
    kind: str
    param: str | None
    name: str
    """Unique on its page: the spec file's stem, or the name of a chart the site makes itself."""
    spec_path: str | None
    """The .vl.json, relative to the page (None for charts the site makes itself)."""
    spec_script: str
    """The spec as JSON safe inside ``<script>`` and a Markdown raw block."""
    images: tuple[ChartImage, ...]
    """Exported .png/.svg beside the spec."""

    script_path: str = ""
    """The chart's classic script, relative to its page (``CHART_SCRIPT_DIR`` on version pages)."""
    wide: bool = False
    """Panels side by side (a concatenated or faceted spec): it takes a whole row of a grid."""

    def __post_init__(self) -> None:
        if not self.script_path:
            object.__setattr__(self, "script_path", f"{CHART_SCRIPT_DIR}/{self.name}.js")

    @property
    def script(self) -> str:
        """The script's text: it registers the spec under the chart's name."""
        registry = f"window.{CHARTS_GLOBAL}"
        return f"{registry} = {registry} || {{}};\n{registry}[{script_json(self.name)}] = {self.spec_script};\n"

    @property
    def known(self) -> bool:
        """One of ``CHART_KINDS``, which the version page has a label for; any other chart file
        is shown under its own name."""
        return self.kind in CHART_KINDS

    @property
    def spec_name(self) -> str | None:
        """The spec's file name, as its download link reads."""
        return None if self.spec_path is None else self.spec_path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ShownFile:
    """A YAML artifact shown inline on the version page and offered for download."""

    name: str
    path: str
    text: str
    fence: str


@dataclass(frozen=True)
class Download:
    name: str
    path: str


@dataclass(frozen=True)
class VersionDelta:
    """A version against the one before it, for the study page's table of versions."""

    best_change: float | None
    """Best value minus the previous version's (raw); None unless both have a finite best."""
    new_trials: int
    """Trials added (negative when trials were deleted from the storage)."""


@dataclass(frozen=True)
class Piece:
    """A stretch of the version page, in order: findings.md's text, its at-a-glance block, or a
    slot with the charts it shows."""

    kind: str
    """``text``, ``glance`` or ``slot``."""
    text: str = ""
    """The Markdown (``text``, ``glance``)."""
    slot: str | None = None
    charts: tuple[Chart, ...] = ()
    quiet: tuple[Chart, ...] = ()
    """Shown folded: charts of tested parameters whose effect is not established, and secondary
    views (``SECONDARY_CHARTS``)."""
    folded: tuple[Chart, ...] = ()
    """Charts of parameters that could not be tested: shown folded."""

    @property
    def n_folded_params(self) -> int:
        """Parameters among ``folded`` (one may have a slice and a levels chart)."""
        return len({c.param for c in self.folded})


@dataclass(frozen=True)
class VersionSource:
    slug: str
    version: str
    folder: Path
    headline: Headline
    has_changes: bool
    previous: str | None
    next: str | None
    delta: VersionDelta | None
    """Against ``previous``; None for a study's first version."""
    charts: tuple[Chart, ...]
    configs: tuple[ShownFile, ...]
    tables: tuple[Download, ...]
    data: tuple[Download, ...]
    comparison: ComparisonSource | None = None
    pieces: tuple[Piece, ...] = ()
    """findings.md cut at its slots, the charts placed."""
    unplaced: tuple[Chart, ...] = ()
    """Charts no slot of findings.md shows (drawn at the end of the page)."""
    trials_script: str | None = None
    """The version's trials-data.js, relative to its page (tooltips show a trial's parameters)."""
    findings: Findings | None = None

    @property
    def has_summary_slot(self) -> bool:
        """findings.md has a summary slot (the best trials go there; else after the findings)."""
        return any(p.slot == "summary" for p in self.pieces)


@dataclass(frozen=True)
class ComparisonSource:
    """One comparison.json: NEW's version (where it lives) against OLD (on the site or not)."""

    slug: str
    """NEW's study folder."""
    version: str
    new: str
    old: str
    old_slug: str | None
    """OLD's study folder when OLD has reports on this site too."""
    old_storage: str
    verdict: str | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    n_old: int
    n_new: int
    chart: Chart | None = None
    """Both sweeps' best so far, with bands."""

    @property
    def path(self) -> str:
        """From the site root."""
        return f"report/{self.slug}/{self.version}/{COMPARISON_PAGE}"


@dataclass(frozen=True)
class StudySource:
    slug: str
    name: str
    versions: tuple[VersionSource, ...]
    best_chart: Chart | None
    comparisons: tuple[ComparisonSource, ...] = ()
    """Comparisons in which this study is NEW or OLD, NEW's latest version first."""

    @property
    def latest(self) -> VersionSource:
        return self.versions[-1]


@dataclass(frozen=True)
class Project:
    """What was written: the root, the pages, and the study sources they came from."""

    root: Path
    studies: tuple[StudySource, ...]
    comparisons: tuple[ComparisonSource, ...] = ()
    site_files: Mapping[str, str] = field(default_factory=dict)
    """Files of the built site that are no page source (relative to the site: each chart's
    script, each version's trials-data.js): the build writes them into the rendered site, so
    report/ holds only the report and its Quarto sources."""


def script_json(spec: Any) -> str:
    """JSON that cannot end a ``<script>`` element, open a Markdown code span or fence, or a
    Quarto shortcode: ``<``, ``>``, ``&`` and backticks become ``\\u`` escapes, which
    ``JSON.parse`` reads back as the same characters."""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char in "<>&`\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside ``text`` (CommonMark and Pandoc)."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def write_project(out_dir: Path) -> Project:
    """Write (only where changed) every source file of the site; returns what it holds."""
    check_ownership(out_dir)
    studies, comparisons = with_comparisons(collect(out_dir / "report"))
    words = site_words()
    vega = vendor.versions()
    files: dict[str, str] = {
        PROJECT_FILE: quarto_config(words),
        HOME_PAGE: page(
            "home.qmd.j2",
            {"pagetitle": md_text(words["title"]), "title": md_text(words["title"])},
            studies=studies,
            comparisons=comparisons,
        ),
    }
    site_files: dict[str, str] = {}
    for name in ASSET_FILES:
        files[f"{ASSETS_DIR}/{name}"] = (templates_dir() / "site" / name).read_text(encoding="utf-8")
    from generator.site import trials  # here: trials.py imports this module

    files.update(trials.asset_files())
    for study in studies:
        files[f"report/{study.slug}/{PAGE_FILE}"] = page(
            "study.qmd.j2", {"pagetitle": md_text(study.name), "title": md_text(study.name)}, study=study
        )
        if study.best_chart is not None:
            site_files[f"report/{study.slug}/{study.best_chart.script_path}"] = study.best_chart.script
        for v in study.versions:
            for chart in (*v.charts, *((v.comparison.chart,) if v.comparison and v.comparison.chart else ())):
                site_files[f"report/{study.slug}/{v.version}/{chart.script_path}"] = chart.script
            site_files.update(trials.data_files(study, v))
            files[f"report/{study.slug}/{v.version}/{PAGE_FILE}"] = page(
                "version.qmd.j2",
                {"pagetitle": f"{md_text(study.name)} · {v.version}"},
                study=study,
                v=v,
                vega=vega,
                top_trials=trials.top_trials_markdown(v.folder, v.findings),
            )
            files.update(trials.version_files(study, v))
            if v.comparison is not None:
                c = v.comparison
                files[f"report/{study.slug}/{v.version}/{COMPARISON_PAGE}"] = page(
                    "comparison.qmd.j2",
                    {"pagetitle": f"{md_text(c.new)} against {md_text(c.old)} · {v.version}"},
                    study=study,
                    v=v,
                    c=c,
                )
    for relative, text in files.items():
        write_if_changed(out_dir / relative, text)
    bundle = out_dir / ASSETS_DIR / vendor.BUNDLE_NAME
    if not _starts_with(bundle, vendor.bundle_header()):
        write_if_changed(bundle, vendor.bundle())
    return Project(out_dir, studies, comparisons, site_files)


def site_words() -> dict[str, str]:
    with (templates_dir() / "quarto" / "site.yml").open(encoding="utf-8") as handle:
        return {str(k): str(v) for k, v in yaml.safe_load(handle).items()}


def quarto_config(words: Mapping[str, str]) -> str:
    config = {
        "project": {
            "type": "website",
            "output-dir": SITE_DIR,
            "render": list(RENDER_GLOBS),
            "resources": list(RESOURCE_GLOBS),
        },
        "website": {
            "title": words["title"],
            "navbar": {"left": [{"href": HOME_PAGE, "text": words["home_link"]}]},
        },
        # GitHub's heading ids (the built-in renderer's too), so links into findings.md hold on both.
        "format": {
            "html": {
                "css": f"{ASSETS_DIR}/style.css",
                "toc": True,
                "toc-depth": 4,
                "from": "markdown+gfm_auto_identifiers",
            }
        },
    }
    return GENERATED_MARKER + "\n" + safe_dump(config, sort_keys=False, allow_unicode=True)


def page(template: str, front_matter: Mapping[str, str], **context: Any) -> str:
    """A .qmd page: YAML front matter (written by yaml.safe_dump, never a text template) + body.

    Pandoc reads titles as Markdown, so callers pass them through ``md_text``: a study named
    ``<script>`` stays text in both renderers.
    """
    meta = safe_dump(dict(front_matter), sort_keys=True, allow_unicode=True, width=10**6)
    return f"---\n{GENERATED_MARKER}\n{meta}---\n\n" + render(f"quarto/{template}", **context)


def _starts_with(path: Path, header: str) -> bool:
    if not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        return handle.read(len(header)) == header


def collect(report_dir: Path) -> list[StudySource]:
    if not report_dir.is_dir():
        return []
    studies = []
    for study_dir in sorted(p for p in report_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        names = [v for v in list_versions(study_dir) if (study_dir / v / "findings.json").is_file()]
        if not names:
            continue
        findings = [load_findings(study_dir / v / "findings.json") for v in names]
        headlines = [headline(v, f) for v, f in zip(names, findings, strict=True)]
        versions = tuple(
            _version_source(study_dir, names, i, headlines[i], headlines[i - 1] if i > 0 else None, findings[i])
            for i in range(len(names))
        )
        spec = best_across_versions(headlines)
        studies.append(
            StudySource(
                slug=study_dir.name,
                name=headlines[-1].study,
                versions=versions,
                best_chart=None
                if spec is None
                else Chart(
                    "best_across_versions",
                    None,
                    "best_across_versions",
                    None,
                    script_json(spec),
                    (),
                    script_path=f"best_across_versions{STUDY_CHART_SUFFIX}",
                ),
            )
        )
    return studies


def with_comparisons(studies: list[StudySource]) -> tuple[tuple[StudySource, ...], tuple[ComparisonSource, ...]]:
    """Every version's comparison.json read once, linked to OLD's study when it is on the site
    too (by name), and listed on both studies."""
    by_name = {s.name: s.slug for s in studies}
    comparisons: list[ComparisonSource] = []
    updated = []
    for study in studies:
        versions = []
        for v in study.versions:
            path = v.folder / "comparison.json"
            if path.is_file():
                c = _comparison(study.slug, v.version, load_model(path, Comparison), by_name)
                comparisons.append(c)
                v = replace(v, comparison=c)
            versions.append(v)
        updated.append(replace(study, versions=tuple(versions)))
    ordered = tuple(sorted(comparisons, key=lambda c: (c.slug, c.version), reverse=True))
    return (
        tuple(replace(s, comparisons=tuple(c for c in ordered if s.slug in (c.slug, c.old_slug))) for s in updated),
        ordered,
    )


def _comparison(slug: str, version: str, c: Comparison, by_name: Mapping[str, str]) -> ComparisonSource:
    spec = best_so_far_comparison(c)
    shift = c.shift
    return ComparisonSource(
        slug=slug,
        version=version,
        new=c.new.study,
        old=c.old.study,
        old_slug=by_name.get(c.old.study),
        old_storage=c.old.storage,
        verdict=None if shift is None else shift.verdict,
        effect=None if shift is None else shift.effect,
        ci_low=None if shift is None else shift.ci_low,
        ci_high=None if shift is None else shift.ci_high,
        p=None if shift is None else shift.p,
        n_old=0 if c.old.distribution is None else c.old.distribution.n,
        n_new=0 if c.new.distribution is None else c.new.distribution.n,
        chart=None if spec is None else Chart("best_so_far", None, "best_so_far", None, script_json(spec), ()),
    )


def version_delta(head: Headline, previous: Headline | None) -> VersionDelta | None:
    if previous is None:
        return None
    best_change = None
    if head.best_value is not None and previous.best_value is not None:
        best_change = head.best_value - previous.best_value
    return VersionDelta(best_change, head.n_total - previous.n_total)


def _version_source(
    study_dir: Path, names: list[str], index: int, head: Headline, previous: Headline | None, findings: Findings
) -> VersionSource:
    folder = study_dir / names[index]
    artifacts = folder / "artifacts"
    files = (
        sorted(p.relative_to(folder).as_posix() for p in artifacts.rglob("*") if p.is_file())
        if artifacts.is_dir()
        else []
    )
    configs = tuple(
        ShownFile(name, f"artifacts/{name}", text, fence_for(text))
        for name in SHOWN_CONFIGS
        if (text := _read(artifacts / name)) is not None
    )
    shown = {c.path for c in configs}
    downloads = [p for p in files if not p.startswith("artifacts/charts/") and p not in shown]
    charts = tuple(_charts(folder))
    pieces, unplaced = findings_pieces(_read(folder / "findings.md") or "", charts, param_evidence(findings))
    return VersionSource(
        slug=study_dir.name,
        version=names[index],
        folder=folder,
        headline=head,
        has_changes=(folder / "changes.md").is_file(),
        previous=names[index - 1] if index > 0 else None,
        next=names[index + 1] if index + 1 < len(names) else None,
        delta=version_delta(head, previous),
        charts=charts,
        configs=configs,
        tables=tuple(Download(Path(p).name, p) for p in downloads if p.endswith(".csv")),
        data=tuple(
            [Download(n, n) for n in ("findings.json", "changes.json") if (folder / n).is_file()]
            + [Download(Path(p).name, p) for p in downloads if not p.endswith(".csv")]
        ),
        pieces=pieces,
        unplaced=unplaced,
        trials_script=TRIALS_DATA_FILE if (artifacts / "trials.csv").is_file() else None,
        findings=findings,
    )


class Evidence(StrEnum):
    """What a parameter's per-parameter charts illustrate, which decides whether they fold."""

    ESTABLISHED = "established"
    NOT_ENOUGH = "not_enough"
    UNTESTED = "untested"


def param_evidence(findings: Findings) -> dict[str, Evidence]:
    """Each parameter's evidence: established (strong or suggestive, or an interior optimum),
    not enough, or untested (no primary test: too few trials, a single value; or no entry)."""
    evidence = {name: Evidence.UNTESTED for name in findings.study.params}
    for d in findings.directionality:
        if d.tier in (Tier.STRONG, Tier.SUGGESTIVE) or d.shape == Shape.INTERIOR:
            evidence[d.param] = Evidence.ESTABLISHED
        elif d.tier != Tier.NOT_TESTED:
            evidence[d.param] = Evidence.NOT_ENOUGH
    return evidence


def findings_pieces(
    text: str, charts: tuple[Chart, ...], evidence: Mapping[str, Evidence]
) -> tuple[tuple[Piece, ...], tuple[Chart, ...]]:
    """findings.md as the page shows it: the at-a-glance block apart (the page frames it), each
    slot marker replaced by its charts; and the charts no slot took."""
    pieces: list[Piece] = []
    glance = _GLANCE.search(text)
    if glance is not None:
        following = _H2.search(text, glance.end())
        end = following.start() if following is not None else len(text)
        pieces += [Piece("text", text[: glance.start()]), Piece("glance", text[glance.start() : end])]
        text = text[end:]
    placed: set[str] = set()
    position = 0
    for match in _SLOT_LINE.finditer(text):
        slot = match.group(1)
        pieces.append(Piece("text", text[position : match.start()]))
        position = match.end()
        kinds = SLOT_CHARTS.get(slot, ())
        chosen = [c for c in charts if c.kind in kinds and c.name not in placed]
        placed.update(c.name for c in chosen)
        fold = slot in PER_PARAM_SLOTS
        if fold:  # a parameter's charts side by side (the sort is stable: kinds keep their order)
            chosen.sort(key=lambda c: c.param or "")
            # A parameter drawn both ways (an ordinal's slice and levels): the slice stays open.
            sliced = {c.param for c in chosen if c.kind == "slice"}
            secondary = {c.name for c in chosen if c.kind == "levels" and c.param in sliced}
        else:
            secondary = set()
        pieces.append(
            Piece(
                "slot",
                slot=slot,
                charts=tuple(
                    c
                    for c in chosen
                    if c.kind not in SECONDARY_CHARTS
                    and c.name not in secondary
                    and (not fold or _evidence(c, evidence) == Evidence.ESTABLISHED)
                ),
                quiet=tuple(
                    c
                    for c in chosen
                    if c.kind in SECONDARY_CHARTS
                    or (fold and _evidence(c, evidence) == Evidence.NOT_ENOUGH)
                    or (c.name in secondary and _evidence(c, evidence) == Evidence.ESTABLISHED)
                ),
                folded=tuple(c for c in chosen if fold and _evidence(c, evidence) == Evidence.UNTESTED),
            )
        )
    pieces.append(Piece("text", text[position:]))
    return tuple(p for p in pieces if p.kind != "text" or p.text.strip()), tuple(
        c for c in charts if c.name not in placed
    )


def _evidence(chart: Chart, evidence: Mapping[str, Evidence]) -> Evidence:
    return evidence.get(chart.param or "", Evidence.UNTESTED)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def parse_chart_name(stem: str) -> tuple[str, str | None]:
    """``slice_lr`` -> (``slice``, ``lr``); kinds may hold underscores (``learning_curves``)."""
    for kind in sorted(CHART_KINDS, key=len, reverse=True):
        if stem == kind:
            return kind, None
        if stem.startswith(kind + "_"):
            return kind, stem[len(kind) + 1 :]
    return stem, None


def _charts(folder: Path) -> list[Chart]:
    chart_dir = folder / "artifacts" / "charts"
    if not chart_dir.is_dir():
        return []
    charts = []
    for spec_file in chart_dir.glob("*.vl.json"):
        stem = spec_file.name[: -len(".vl.json")]
        kind, param = parse_chart_name(stem)
        try:
            spec = json.loads(spec_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"{spec_file} is not valid JSON ({exc}); regenerate that version") from exc
        images = tuple(
            ChartImage(f"artifacts/charts/{stem}.{ext}", ext)
            for ext in ("png", "svg")
            if (chart_dir / f"{stem}.{ext}").is_file()
        )
        wide = any(key in spec for key in COMPOSITE_KEYS)
        charts.append(
            Chart(kind, param, stem, f"artifacts/charts/{spec_file.name}", script_json(spec), images, wide=wide)
        )
    order = {kind: i for i, kind in enumerate(CHART_KINDS)}
    return sorted(charts, key=lambda c: (order.get(c.kind, len(order)), c.kind, c.param or ""))
