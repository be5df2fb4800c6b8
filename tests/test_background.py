"""Stages on other cores (generator/background.py): same report forked or inline, failures
carried back, nothing left running or half-written."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from generator import background, pipeline
from generator.background import Workers, forking
from generator.cli import main
from generator.errors import UserError
from tests.conftest import REPO
from tests.test_pipeline import tree_digest

EXAMPLE_STUDY = "visual_classifier_cnn_vs_context_cpu_v1"
EXAMPLE_STORAGE = REPO / "examples" / "visual_classifier_cpu_sweep.db"

needs_fork = pytest.mark.skipif(not forking(), reason="stages run inline on this machine (no fork or one CPU)")


def _pid() -> int:
    return os.getpid()


def _fail(message: str) -> None:
    raise UserError(message)


def _bug() -> None:
    raise ValueError("a stage's own bug")


def _die() -> None:
    os._exit(3)


def _sleep_then_touch(started: Path, done: Path) -> None:
    started.write_text(str(os.getpid()))
    time.sleep(60)
    done.write_text("should never be written")


@needs_fork
def test_a_stage_runs_in_another_process_and_returns_its_value() -> None:
    with Workers() as workers:
        task = workers.start(_pid)
        assert task.result() != os.getpid()


def test_inline_mode_runs_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(background.WORKERS_ENV, "1")
    assert not forking()
    with Workers() as workers:
        assert workers.start(_pid).result() == os.getpid()


@pytest.mark.parametrize("workers_env", ["1", ""])
def test_failures_travel_back(workers_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(background.WORKERS_ENV, workers_env)
    with Workers() as workers:
        with pytest.raises(UserError, match="^fix the input$"):
            workers.start(_fail, "fix the input").result()
        with pytest.raises(ValueError, match="a stage's own bug") as raised:
            workers.start(_bug).result()
    # A bug keeps the stage's traceback (the parent's would not show the stage's frames).
    assert any("raised in a stage of the report" in note and "_bug" in note for note in raised.value.__notes__)


@needs_fork
def test_a_stage_that_dies_is_an_error_not_a_hang() -> None:
    with Workers() as workers, pytest.raises(RuntimeError, match="exit status 3"):
        workers.start(_die).result()


@needs_fork
def test_a_failing_block_stops_its_running_stages(tmp_path: Path) -> None:
    started, done = tmp_path / "started", tmp_path / "done"
    with pytest.raises(KeyboardInterrupt), Workers() as workers:
        workers.start(_sleep_then_touch, started, done)
        while not started.exists():
            time.sleep(0.01)
        raise KeyboardInterrupt
    pid = int(started.read_text())
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already: not left running, not a zombie
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not done.exists()


@needs_fork
def test_forked_and_inline_runs_write_byte_identical_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = tmp_path / "example.db"
    shutil.copyfile(EXAMPLE_STORAGE, storage)
    url = f"sqlite:///{storage}"
    args = ["--storage", url, "--study", EXAMPLE_STUDY, "--quiet"]
    assert main([*args, "--out", str(tmp_path / "forked")]) == 0
    monkeypatch.setenv(background.WORKERS_ENV, "1")
    assert main([*args, "--out", str(tmp_path / "inline")]) == 0
    forked, inline = tree_digest(tmp_path / "forked"), tree_digest(tmp_path / "inline")
    assert any(p.endswith("artifacts/learning_curves.csv") for p in forked)  # every stage ran
    assert forked == inline


@pytest.mark.parametrize("workers_env", ["1", ""])
def test_a_failing_stage_leaves_nothing_behind(
    workers_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.studies import simple, sqlite_study

    monkeypatch.setenv(background.WORKERS_ENV, workers_env)
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])

    def broken(*args: object) -> None:
        raise UserError("the disk is full; free some space, then run again")

    monkeypatch.setattr(pipeline, "write_trial_tables", broken)
    out = tmp_path / "out"
    assert main(["--storage", url, "--study", "s", "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == "error: the disk is full; free some space, then run again\n"
    assert not (out / "report").exists() or not any((out / "report").rglob("*"))


@needs_fork
def test_export_after_vl_convert_ran_in_this_process(tmp_path: Path) -> None:
    """vl-convert keeps a JavaScript runtime with threads once used; a forked child inherits its
    locks without its threads. Exports therefore run in the main process: a report with
    --export made after vl-convert ran here finishes (it waited forever when the chart stage
    exported in its forked process)."""
    import signal

    import vl_convert

    from tests.studies import simple, sqlite_study

    vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}})
    url = sqlite_study(tmp_path / "s.db", "s", simple, ["maximize"])

    def hung(*_: object) -> None:
        raise TimeoutError("the report with --export did not finish")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(240)
    try:
        assert main(["--storage", url, "--study", "s", "--out", str(tmp_path / "o"), "--quiet", "--export", "svg"]) == 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    (version,) = (tmp_path / "o" / "report" / "s").glob("0*")
    specs = sorted((version / "artifacts" / "charts").glob("*.vl.json"))
    assert specs and all(p.with_name(p.name.removesuffix(".vl.json") + ".svg").is_file() for p in specs)
