"""What a build says while it runs, on stderr: rich progress bars on a terminal (diagrams n of N,
pages, decks), plain lines elsewhere (a CI log, a pipe), nothing but errors with -q; with -v each
stage's time at the end."""

from __future__ import annotations

import sys

import click

from .model import counted

WHAT = {"diagrams": ("diagram", "drawn or cached"), "pages": ("page", "typeset"), "decks": ("deck", "made")}


class Reporter:
    """`step` at each stage, `advance` as the diagrams, pages and decks come; `close` at the end.
    mode: "bars" (a terminal), "lines" or "quiet"."""

    def __init__(self, mode: str):
        self.mode = mode
        self.bars = None
        self.task = None
        if mode == "bars":
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(file=sys.stderr), transient=False)
            self.bars.start()
        self.told: set[str] = set()

    @staticmethod
    def chosen(verbose: bool | None) -> Reporter:
        """-q: quiet; else bars on a terminal and plain lines elsewhere."""
        if verbose is False:
            return Reporter("quiet")
        return Reporter("bars" if sys.stderr.isatty() else "lines")

    def step(self, message: str) -> None:
        if self.bars is not None:
            self._finish_task()
            self.task = self.bars.add_task(message.strip(), total=None)
        elif self.mode == "lines":
            click.echo(message, err=True)

    def advance(self, what: str, done: int, total: int) -> None:
        if self.bars is not None and self.task is not None:
            task = self.bars.tasks[self.task]
            if what == "diagrams" and task.total is None:  # the first word: how many were cached
                self.bars.update(self.task, description=f"{task.description} ({done} cached)")
            self.bars.update(self.task, total=max(total, 1), completed=done)
        elif self.mode == "lines" and done >= total and what not in self.told:
            self.told.add(what)  # once, when it is done: a log needs no bar
            noun, how = WHAT.get(what, (what, "done"))
            click.echo(f"    {done} of {counted(total, noun)} {how}", err=True)

    def _finish_task(self) -> None:
        if self.task is not None:
            task = self.bars.tasks[self.task]
            total = task.total if task.total is not None else 1
            self.bars.update(self.task, total=total, completed=total)

    def close(self) -> None:
        if self.bars is not None:
            self._finish_task()
            self.bars.stop()
            self.bars, self.task = None, None

    def times(self, seconds: dict[str, float]) -> None:
        """Each stage's time (-v)."""
        click.echo("stage times: " + ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items()), err=True)

