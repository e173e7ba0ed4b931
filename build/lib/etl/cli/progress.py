"""A progress bar per stage, with its rows and elapsed time, on a terminal only.

Without a terminal (a pipe, a file, cron, a container log) `StageProgress` draws nothing
and the key=value log lines stay the whole output. Rich decides what a terminal is, so
its knobs apply: TTY_COMPATIBLE=1 (with TTY_INTERACTIVE=1) forces the bars, =0 or
TERM=dumb turns them off.

    with StageProgress() as progress:
        with progress.stage("extract") as bar:
            rows = extract()
            bar.rows(rows)
        progress.done("write", rows=100, seconds=0.4)  # a stage someone else timed
        with progress.following("etl.sample", "sample_file_written", "write {source}"):
            generate()  # a full bar for each `event=sample_file_written` log line

While the bars are shown, log lines written to sys.stderr print above them (Rich
redirects the stream; etl.logs' handler writes to sys.stderr as it is at each record).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text


class _Rows(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows")
        return Text("" if rows is None else f"{rows:,} rows", style="progress.download")


class _Seconds(ProgressColumn):
    """Seconds with a decimal: most stages of a sample run take less than one."""

    def render(self, task: Task) -> Text:
        seconds = task.fields.get("seconds")
        if seconds is None:
            seconds = task.finished_time if task.finished else task.elapsed
        return Text(f"{seconds or 0.0:.1f}s", style="progress.elapsed")


class StageBar:
    """One stage's bar: set its rows, or how far it is, while it runs."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def rows(self, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, rows=rows)

    def percent(self, percent: float) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=100, completed=percent)


class StageProgress:
    def __init__(self, console: Console | None = None) -> None:
        console = console or Console(stderr=True)
        self._progress: Progress | None = None
        if console.is_interactive:
            self._progress = Progress(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                _Rows(),
                _Seconds(),
                console=console,
            )
        self._running: list[StageBar] = []

    @property
    def enabled(self) -> bool:
        return self._progress is not None

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def stage(self, name: str) -> Iterator[StageBar]:
        """A bar for the stage run inside the block: full when it ends, marked if it fails."""
        task = None
        if self._progress is not None:
            task = self._progress.add_task(name, total=None, rows=None)
        bar = StageBar(self._progress, task)
        self._running.append(bar)
        try:
            yield bar
        except BaseException:
            if self._progress is not None and task is not None:
                self._progress.update(task, description=f"{name} failed", total=100)
                self._progress.stop_task(task)
            raise
        else:
            if self._progress is not None and task is not None:
                self._progress.update(task, total=100, completed=100)
        finally:
            self._running.remove(bar)

    @property
    def current(self) -> StageBar:
        """The innermost stage still running (a bar that ignores updates if there is none)."""
        return self._running[-1] if self._running else StageBar(None, None)

    def done(self, name: str, rows: int | None = None, seconds: float | None = None) -> None:
        """A full bar for a stage that already ended, timed by whoever ran it."""
        if self._progress is not None:
            task = self._progress.add_task(name, total=100, rows=rows, seconds=seconds)
            # Through update(), which is what marks a task finished (full bar style).
            self._progress.update(task, completed=100)

    @contextmanager
    def following(self, logger: str, event: str, label: str) -> Iterator[None]:
        """Inside the block, draw a full bar for each `event=<event>` line of `logger`.

        For code that logs its stages but takes no callback. The bar is named by `label`
        formatted with the line's keys; its rows and time are the line's rows= and seconds=.
        """
        if self._progress is None:
            yield
            return
        handler = _EventLines(self, event, label)
        target = logging.getLogger(logger)
        target.addHandler(handler)
        try:
            yield
        finally:
            target.removeHandler(handler)


class _EventLines(logging.Handler):
    def __init__(self, display: StageProgress, event: str, label: str) -> None:
        super().__init__()
        self._display = display
        self._event = event
        self._label = label

    def emit(self, record: logging.LogRecord) -> None:
        fields = dict(token.split("=", 1) for token in record.getMessage().split() if "=" in token)
        if fields.get("event") != self._event:
            return
        try:
            rows = int(fields["rows"]) if "rows" in fields else None
            seconds = float(fields["seconds"]) if "seconds" in fields else None
            label = self._label.format(**fields)
        except (KeyError, ValueError):
            return  # a line of another shape: no bar rather than a failed run
        self._display.done(label, rows=rows, seconds=seconds)
