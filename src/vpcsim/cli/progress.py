"""The progress display of long work on stderr: phase, done/total, elapsed time, ETA.

Shown only to a person: when stderr is a terminal, and neither ``--json`` nor ``--quiet`` was
given; otherwise the layers get :data:`~vpcsim.progress.NO_PROGRESS`. The layers below report
through the :class:`~vpcsim.progress.Progress` protocol and never import this module.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar

from ..progress import NO_PROGRESS, Progress


class RichProgress:
    """One transient bar per phase; a phase of unknown size shows a pulsing bar and no ETA."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar: RichBar | None = None
        self._task: TaskID | None = None
        self.phases: list[str] = []
        """Every phase started (tests read it)."""

    def start(self, phase: str, total: int | None) -> None:
        self.finish()
        self.phases.append(phase)
        self._bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(phase, total=total)
        self._bar.refresh()  # the phase shows at once, however short

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, steps)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()
        self._bar = None
        self._task = None


def make_progress(*, as_json: bool, quiet: bool, console: Console | None = None) -> Progress:
    """A rich display on ``console`` (default: stderr) when a person watches it, else nothing."""
    if as_json or quiet:
        return NO_PROGRESS
    console = console or Console(stderr=True, highlight=False)
    if not console.is_terminal or console.is_dumb_terminal:
        return NO_PROGRESS  # a bar that cannot redraw itself in place would only add lines
    return RichProgress(console)


__all__ = ["RichProgress", "make_progress"]
