"""The output folder: one build at a time, a staging folder inside it, and the outputs of one
build replacing the old ones together or not at all.

A build holds a lock on the output folder itself (flock on the folder's descriptor: no lock file
is left behind, and the kernel drops the lock when the process dies, even by kill -9). Holding it,
a build knows that any staging folder it finds there belongs to no running build, and removes it.
The new files are moved in one rename each, with SIGINT and SIGTERM held back until the last is
in place; should a rename fail, or an interrupt come meanwhile, the ones already made are undone
from hard links of the old files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

from .model import Diagnostic, PrintbookError

STAGING_PREFIX = ".printbook-staging-"
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def output_error(folder: Path, problem: str) -> PrintbookError:
    return PrintbookError(Diagnostic("error", None, f"cannot write to the output folder {folder}: {problem}",
                                     "choose another folder with -o", "option.output"))


class OutputFolder:
    """The output folder, created if need be and locked for this build while open."""

    def __init__(self, path: Path):
        self.path = path
        self.descriptor: int | None = None

    def __enter__(self) -> OutputFolder:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.descriptor = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            raise output_error(self.path, error.strerror or str(error)) from None
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise PrintbookError(Diagnostic(
                "error", None, f"another printbook build is writing to {self.path}",
                "wait for it to finish, or build into another folder with -o", "build.locked")) from None
        if not os.access(self.path, os.W_OK):
            self.close()
            raise output_error(self.path, "permission denied")
        for stale in self.path.glob(STAGING_PREFIX + "*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)  # and with it the lock
            self.descriptor = None

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh folder inside the output folder (so that moving out of it is a rename),
        removed on the way out whatever happens."""
        try:
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.path))
        except OSError as error:
            raise output_error(self.path, error.strerror or str(error)) from None
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def publish(self, staging: Path, names: list[str], outdated: list[str] = ()) -> None:
        """Every file `names` lists, from `staging` into the output folder, and the `outdated`
        outputs of the last build removed, all of it or nothing. Nothing is published when an
        interrupt is already waiting."""
        if len(set(names)) != len(names):
            raise ValueError(f"two outputs of one build share a name: {sorted(names)}")
        backup = staging / ".previous"
        backup.mkdir()
        placed: list[str] = []
        held = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
        try:
            if signal.sigpending() & HELD_SIGNALS:
                return  # the interrupt is delivered below, before anything was replaced
            for name in [*names, *outdated]:
                target = self.path / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    (backup / name).parent.mkdir(parents=True, exist_ok=True)
                    os.link(target, backup / name)
            for name in names:
                os.replace(staging / name, self.path / name)
                placed.append(name)
            for name in outdated:
                placed.append(name)
                (self.path / name).unlink(missing_ok=True)
            # An interrupt that came while the files were moved undoes them, as the build says
            # nothing was published: it is delivered below. (One let go with them is undone here.)
            if signal.sigpending() & HELD_SIGNALS:
                self._put_back(placed, backup)
                return
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)  # (another waits till the old set is back)
            self._put_back(placed, backup)
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _put_back(self, placed: list[str], backup: Path) -> None:
        """The old outputs where the new ones `placed` went, from their links in `backup` (each
        taken off `placed` once back: a second call goes on where the first stopped)."""
        while placed:
            name = placed[-1]
            if (backup / name).exists():
                os.replace(backup / name, self.path / name)
            else:
                (self.path / name).unlink(missing_ok=True)
            placed.pop()


def interrupts_to_main_thread(work: Callable[..., None]) -> Callable[..., None]:
    """`work` for a thread of its own, which takes no SIGINT or SIGTERM: the kernel hands a
    terminal's Ctrl-C to any thread that does not block it, and Python raises it in the main
    thread at once, even while publish holds it back there."""
    def blocked(*args) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
        work(*args)
    return blocked


def unique_names(names: list[str]) -> list[str]:
    """The names, with "-2", "-3" … before the suffix of each repeat (two sections with the same
    number and title would otherwise write one deck over the other)."""
    seen: set[str] = set()
    result = []
    for name in names:
        stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
        candidate, count = name, 1
        while candidate in seen:
            count += 1
            candidate = f"{stem}-{count}{dot}{suffix}"
        seen.add(candidate)
        result.append(candidate)
    return result
