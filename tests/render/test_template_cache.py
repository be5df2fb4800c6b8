"""Compiled templates cached between runs (render/env.py's TemplateCache): the same output cold,
warm and without a usable cache folder; keyed by source and settings; atomic under
concurrent writers."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

import generator.files
from generator.cli import main
from generator.render.env import TEMPLATE_CACHE_DIR, TemplateCache, compile_fingerprint, environment, make_environment
from generator.site import vendor
from tests.studies import simple, sqlite_study
from tests.test_pipeline import tree_digest


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the templates Jinja compiles from source (a cache hit compiles nothing)."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None, *args: object, **kwargs: object):
        names.append(str(name))
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    yield names


@pytest.fixture
def fresh_environment() -> Iterator[None]:
    """``environment()`` is made once per process; tests that move the cache folder start and
    leave with a fresh one, so later tests get the default folder again."""
    environment.cache_clear()
    yield
    environment.cache_clear()


def _cache(directory: Path, html: bool = False, loader_dir: Path | None = None) -> jinja2.Environment:
    env = make_environment(html, directory)
    if loader_dir is not None:
        env.loader = jinja2.FileSystemLoader(str(loader_dir))
    return env


def _cache_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


@pytest.mark.usefixtures("fresh_environment")
def test_a_report_is_the_same_with_a_cold_a_warm_and_an_unusable_template_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[str]
) -> None:
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])
    vendor.bundle()  # in this process's memory: the moved cache folder must not rebuild it (seconds)
    cache = tmp_path / "cache"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file: no folder can be made under it", encoding="utf-8")
    outputs = {}
    compiled = {}
    for run, root in (("cold", cache), ("warm", cache), ("unusable", blocked / "cache"), ("cold again", cache)):
        if run == "cold again":
            for stale in (cache / TEMPLATE_CACHE_DIR).iterdir():
                stale.unlink()
        monkeypatch.setenv("HPO_REPORT_CACHE_DIR", str(root))
        environment.cache_clear()  # a new process
        compiles.clear()
        out = tmp_path / run
        assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 0
        compiled[run] = sorted(compiles)
        outputs[run] = {
            name: digest
            for name, digest in tree_digest(out).items()
            if not name.endswith(".duckdb") and "/snapshot/" not in name
        }
    assert outputs["warm"] == outputs["cold"] == outputs["unusable"] == outputs["cold again"]
    assert any(name.endswith("index.html") for name in outputs["cold"])  # the site's templates ran too
    written = _cache_files(cache / TEMPLATE_CACHE_DIR)
    # Cold: every template the run used was compiled once and stored once, nothing half-written.
    assert compiled["cold"] and len(set(compiled["cold"])) == len(compiled["cold"]) == len(written)
    assert all(name.endswith(".cache") and not name.startswith(".") for name in written)
    assert compiled["warm"] == []  # every template came from the cache
    assert compiled["unusable"] == compiled["cold"] == compiled["cold again"]
    assert blocked.read_text(encoding="utf-8").startswith("a file")


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("first {{ x }}", encoding="utf-8")
    cache = tmp_path / "cache"
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=1) == "first 1"
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=2) == "first 2"  # warm
    (templates / "t.j2").write_text("second {{ x }}", encoding="utf-8")
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=3) == "second 3"
    assert len(_cache_files(cache)) == 1  # the same name and path: one file, replaced


def test_environment_settings_are_part_of_the_key(tmp_path: Path, compiles: list[str]) -> None:
    """The HTML environment autoescapes, the Markdown one does not: the same template compiled
    by one is never code for the other, whichever fills the cache first."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("{{ x }}", encoding="utf-8")
    cache = tmp_path / "cache"
    for _ in range(2):  # cold, then warm for both
        assert _cache(cache, html=True, loader_dir=templates).get_template("t.j2").render(x="<b>") == "&lt;b&gt;"
        assert _cache(cache, html=False, loader_dir=templates).get_template("t.j2").render(x="<b>") == "<b>"
    assert compiles == ["t.j2", "t.j2"] and len(_cache_files(cache)) == 2
    markdown, html = make_environment(False, None), make_environment(True, None)
    assert compile_fingerprint(markdown) != compile_fingerprint(html)
    markdown.filters["extra"] = str  # the compiler checks filter names: they are part of it too
    assert compile_fingerprint(markdown) != compile_fingerprint(make_environment(False, None))


@pytest.mark.parametrize("damage", ["empty", "foreign", "header only", "cut inside the digest"])
def test_a_damaged_cache_file_is_compiled_again_and_replaced(tmp_path: Path, damage: str) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("{{ x }}!", encoding="utf-8")
    cache = tmp_path / "cache"
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=1) == "1!"
    (file,) = cache.iterdir()
    whole = file.read_bytes()
    magic = jinja2.bccache.bc_magic
    damaged = {
        "empty": b"",
        "foreign": b"not a cache file",
        "header only": magic,
        "cut inside the digest": whole[: len(magic) + 5],
    }
    file.write_bytes(damaged[damage])
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=2) == "2!"
    assert file.read_bytes() == whole


def test_an_unwritable_cache_folder_means_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("{{ x }}", encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(generator.files.tempfile, "mkstemp", read_only)
    assert _cache(cache, loader_dir=templates).get_template("t.j2").render(x=1) == "1"
    assert _cache_files(cache) == []


def test_concurrent_writers_leave_one_whole_file(tmp_path: Path) -> None:
    """Runs that compile the same template at once each write a temporary file and rename it:
    readers meanwhile see no file or a whole one, and no temporary file is left."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "t.j2").write_text("{% for i in range(x) %}{{ i }}{% endfor %}", encoding="utf-8")
    cache = tmp_path / "cache"
    env = _cache(cache, loader_dir=templates)
    source = (templates / "t.j2").read_text(encoding="utf-8")
    bcc = env.bytecode_cache
    assert isinstance(bcc, TemplateCache)
    code = env.compile(source, "t.j2", str(templates / "t.j2"))
    start = threading.Barrier(8)
    seen: list[str] = []

    def write() -> None:
        start.wait()
        for _ in range(25):
            bucket = bcc.get_bucket(env, "t.j2", str(templates / "t.j2"), source)
            if bucket.code is None:
                seen.append("miss")
            else:
                seen.append(env.template_class.from_code(env, bucket.code, env.make_globals(None)).render(x=3))
            bucket.code = code
            bcc.set_bucket(bucket)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 200 and set(seen) <= {"miss", "012"} and "012" in seen
    assert _cache_files(cache) == [f"{bcc.get_cache_key('t.j2', str(templates / 't.j2'))}.cache"]
    assert not [name for name in os.listdir(cache) if name.startswith(".")]
