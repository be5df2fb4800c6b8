"""Independent stages of a run on the machine's other cores: one forked process per stage.

A report is made of stages that do not need each other: reading the study and writing its
snapshot, while the analysis modules import; the per-trial CSV tables, while the findings
are computed; the charts, while the rest of the analysis runs. Run one after the other they use
one core of a machine that nearly always has two or more.

Why processes and not threads: these stages are Python loops (rows from the database, CSV
cells, chart records) that hold the GIL, so threads would only take turns. Why ``os.fork`` and not
``concurrent.futures.ProcessPoolExecutor``: the executor pickles a stage's arguments into the
worker, and the arguments here are the study itself (a gigabyte of frames at 100,000 trials);
a forked child already has them, shared copy-on-write. Only a stage's result travels back,
pickled through a pipe, and the stages return little (the study's name and version, nothing).
Pages the child only reads stay shared; what it touches is copied (at 100,000 trials a stage
adds 0.4-0.7 GB, measured in benchmarks/pipeline_stages.py, which sums every process's memory).

Where ``os.fork`` is missing or unsafe (Windows; macOS, whose system libraries are not
fork-safe), with one CPU, or with ``HPO_REPORT_WORKERS=1``, a stage runs inline when it is
started: the same results in the same files, on one core. Every output is written by exactly
one process and none depends on timing, so the two modes give byte-identical reports (tested).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

from generator.errors import UserError

T = TypeVar("T")

WORKERS_ENV = "HPO_REPORT_WORKERS"
"""``1`` runs every stage inline (one process); unset or anything else forks where possible."""


def forking() -> bool:
    """Whether stages run in forked processes on this machine (see the module docstring)."""
    if os.environ.get(WORKERS_ENV, "").strip() == "1":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and (os.cpu_count() or 1) > 1


class Task(Generic[T]):
    """A stage started by ``Workers.start``; ``result()`` waits for it."""

    def __init__(self, pid: int | None, reader: int | None, outcome: tuple[bool, Any] | None) -> None:
        self._pid = pid
        self._reader = reader
        self._outcome = outcome

    def result(self) -> T:
        """The stage's return value, or its exception raised here (waits for a forked stage)."""
        if self._outcome is None:
            self._outcome = self._collect()
        ok, value = self._outcome
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    @property
    def running(self) -> bool:
        return self._outcome is None and self._pid is not None

    def kill(self) -> None:
        """Stop an unfinished stage and reap it (the run failed; its files are being removed)."""
        if not self.running:
            return
        assert self._pid is not None and self._reader is not None
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - it had exited already
            pass
        os.waitpid(self._pid, 0)
        os.close(self._reader)
        self._outcome = (False, RuntimeError("stage stopped"))

    def _collect(self) -> tuple[bool, Any]:
        assert self._pid is not None and self._reader is not None
        chunks = []
        with os.fdopen(self._reader, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        if not chunks:
            code = os.waitstatus_to_exitcode(status)
            return False, RuntimeError(f"a worker process of the report ended without a result (exit status {code})")
        outcome: tuple[bool, Any] = pickle.loads(b"".join(chunks))
        return outcome


class Workers:
    """Starts stages; as a context manager, stops any still running when the block fails.

    Use: ``with Workers() as workers: task = workers.start(fn, *args); ...; task.result()``.
    A stage must only write files the parent does not touch until ``result()`` returns, and
    must not call into a library that keeps threads of its own once used (vl-convert's
    JavaScript runtime): the child inherits its locks, not its threads, and would wait forever.
    """

    def __init__(self) -> None:
        self._tasks: list[Task[Any]] = []

    def start(self, fn: Callable[..., T], *args: Any) -> Task[T]:
        if not forking():
            return Task(None, None, _run(fn, args))
        reader, writer = os.pipe()
        # Buffers flushed first: a child's copy of unflushed output would never be written, but
        # the parent's must not be written twice either.
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child (its work is covered by the inline mode's tests)
            try:
                os.close(reader)
                _fresh_standard_streams()
                outcome = _run(fn, args)
                try:
                    data = pickle.dumps(outcome)
                except Exception as exc:  # an unpicklable exception: its message still travels
                    data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {outcome[1]}")))
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(data)
            finally:
                # No atexit handlers, no flushing of the parent's buffers, no cleanup of objects
                # the parent still owns (temporary folders, connections): the child only exits.
                os._exit(0)
        os.close(writer)
        task: Task[T] = Task(pid, reader, None)
        self._tasks.append(task)
        return task

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        for task in self._tasks:
            if kind is not None:
                task.kill()
            elif task.running:
                task.result()  # a stage nobody waited for: wait, and surface its failure


def _fresh_standard_streams() -> None:
    """New ``sys.stdout``/``sys.stderr`` objects on the same descriptors, in a forked child.

    A stream's lock may have been held, at the moment of the fork, by another thread of the
    parent (the progress spinner's), which does not exist in the child: a warning the child
    printed through the inherited object would wait for it forever."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            descriptor = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (captured by a test runner)
            continue
        fresh = open(os.dup(descriptor), "w", encoding=stream.encoding, errors=stream.errors, buffering=1)  # noqa: SIM115 - lives as long as the child
        setattr(sys, name, fresh)


def _run(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
    try:
        return True, fn(*args)
    except BaseException as exc:  # noqa: BLE001 - carried to the parent and raised there
        if not isinstance(exc, UserError | KeyboardInterrupt):
            # A bug: the parent's traceback will not show the stage's frames, so the note does.
            exc.add_note("raised in a stage of the report:\n" + traceback.format_exc())
        return False, exc
