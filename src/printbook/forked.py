"""One piece of work done in a forked process while this one goes on: the decks are written
while the handbook is typeset (pdf_parts shares the typesetting itself the same way).

Where a second process cannot be forked or there is one core, or where the forked one dies
without an answer, the work is done here, when its result is asked for. Its answer, or the
exception it raised, comes back as if it had run here, with the lines it logged.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Generic, TypeVar

Result = TypeVar("Result")
LOG = logging.getLogger("printbook")


def cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Forked(Generic[Result]):
    def __init__(self, work: Callable[[], Result]):
        self.work, self.child, self.connection = work, None, None
        if "fork" in multiprocessing.get_all_start_methods() and cores() >= 2:
            context = multiprocessing.get_context("fork")
            self.connection, other_end = context.Pipe(duplex=False)
            self.child = context.Process(target=_run, args=(work, other_end), daemon=True)
            self.child.start()
            other_end.close()

    def result(self) -> Result:
        """What the work answered (done here where it could not be done apart), or what it raised."""
        if self.child is None:
            return self.work()
        try:
            kind, value, logged = self.connection.recv()
        except Exception:  # the other process died, or its answer does not read back: done here
            self.close()
            return self.work()
        self.close(answered=True)
        for level, message in logged:
            LOG.log(level, "%s", message)
        if kind == "raised":
            raise value
        if kind == "unpicklable":  # done here, to have the answer (or the error) itself
            return self.work()
        return value

    def close(self, answered: bool = False) -> None:
        """Ends the other process: at once where it has not answered (an interrupt, a failure)."""
        if self.child is None:
            return
        ended(self.child, self.connection, 10 if answered else 0)
        self.child = None

    def __enter__(self) -> Forked[Result]:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_apart = False  # True in a forked process


def step_aside() -> None:
    """Where this is the forked process: the parent, whose work the build waits on, gets the
    processor first (the work here is small and fills the gaps it leaves)."""
    if _apart:
        os.nice(10)


def _run(work: Callable, connection) -> None:
    """In the forked process: the work, its lines logged kept to send with its answer. An
    interrupt ends it at once (it writes nothing the parent does not clean up); the parent says
    what was interrupted."""
    global _apart
    _apart = True
    for held in (signal.SIGINT, signal.SIGTERM):
        signal.signal(held, signal.SIG_DFL)
    logged: list[tuple[int, str]] = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append((record.levelno, record.getMessage()))

    LOG.handlers, LOG.propagate = [Keeper()], False
    try:
        answer = ("done", work(), logged)
    except BaseException as error:  # told to the parent, which raises it
        answer = ("raised", error, logged)
    try:
        connection.send(answer)
    except Exception:  # the answer does not pickle
        connection.send(("unpicklable", None, logged))


def ended(process, connection, wait: float) -> None:
    """Our end of the pipe to `process` closed, `process` given `wait` seconds to end, then ended."""
    connection.close()
    process.join(timeout=wait)
    if process.is_alive():
        process.kill()
        process.join()
