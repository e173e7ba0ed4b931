"""Seconds and peak resident memory of one measured action."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psutil

from benchmarks.report import StageFigure


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled in a thread)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(action: Callable[[], int]) -> StageFigure:
    """Time `action` (which returns its row count) and the process's peak memory during it."""
    with PeakRss() as rss:
        started = time.perf_counter()
        rows = action()
        seconds = time.perf_counter() - started
    return StageFigure(seconds, rows, rss.peak / 2**20)
