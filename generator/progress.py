"""Progress on a terminal, silence when piped: long steps announce themselves only to people."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Progress:
    def __init__(self, enabled: bool) -> None:
        self._console = Console(stderr=True) if enabled and sys.stderr.isatty() else None

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        if self._console is None:
            yield
            return
        with self._console.status(label):
            yield
        self._console.print(f"[green]✓[/green] {label}")
