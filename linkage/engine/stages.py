"""One object that records a run's stage timings and counts, and says when each stage starts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Stages:
    """A run's stage timings and counts, filled in as its stages run.

    The orchestration and :func:`linkage.resolve.resolve` record into one of these
    instead of passing timing dicts and a callback down every call; the run report and
    the run history read it at the end.

    Attributes:
        seconds: Seconds per stage, in the order the stages ran.
        counts: What the run counted (sources, records, pairs, people, flags, ...).
    """

    def __init__(self, on_stage: Callable[[str], None] | None = None) -> None:
        """Start with nothing recorded.

        Args:
            on_stage: Called with each stage's name as it starts (the CLI's progress line).
        """
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, Any] = {}
        self._on_stage = on_stage

    def announce(self, name: str) -> None:
        """Say that a stage (or a step within one, such as one source's ingest) starts."""
        if self._on_stage:
            self._on_stage(name)

    @contextmanager
    def time(self, key: str, label: str | None = None, announce: bool = True) -> Iterator[None]:
        """Time the block as stage ``key``.

        Args:
            key: The stage's name in :attr:`seconds`.
            label: What to announce, if not the key.
            announce: Whether to announce the stage at all (ingest announces each source instead).
        """
        if announce:
            self.announce(label or key)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[key] = time.perf_counter() - started
