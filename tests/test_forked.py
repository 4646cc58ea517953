"""forked.py: work done in a forked process answers as if done here."""

from __future__ import annotations

import logging
import os

import pytest

from printbook import forked
from printbook.model import Diagnostic, Location, PrintbookError


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(forked, "cores", lambda: 2)  # also where CI has one core


def test_the_answer_and_the_lines_logged_come_back(caplog):
    here = os.getpid()

    def work():
        logging.getLogger("printbook").warning("note: said over there")
        return [os.getpid() != here, 42]

    with caplog.at_level(logging.WARNING, logger="printbook"), forked.Forked(work) as aside:
        assert aside.result() == [True, 42]
    assert [r.getMessage() for r in caplog.records] == ["note: said over there"]


def test_what_the_work_raised_is_raised_here_whole():
    diagnostic = Diagnostic("error", Location("doc.md", 3, 1), "the reference deck has no layouts", "give one",
                            "option.reference")

    def work():
        raise PrintbookError(diagnostic)

    with forked.Forked(work) as aside, pytest.raises(PrintbookError) as raised:
        aside.result()
    assert raised.value.diagnostic == diagnostic
    with forked.Forked(lambda: (_ for _ in ()).throw(OSError(28, "No space left on device"))) as aside:
        with pytest.raises(OSError, match="No space left"):
            aside.result()


def test_where_the_other_process_dies_the_work_is_done_here():
    here = os.getpid()

    def work():
        if os.getpid() != here:
            os._exit(9)  # killed, say, by the kernel for memory
        return "done here"

    with forked.Forked(work) as aside:
        assert aside.result() == "done here"


def test_on_one_core_the_work_is_done_here_when_asked(monkeypatch):
    monkeypatch.setattr(forked, "cores", lambda: 1)
    done = []
    aside = forked.Forked(lambda: done.append(os.getpid()) or "answer")
    assert done == [] and aside.result() == "answer" and done == [os.getpid()]


def test_an_interrupted_caller_leaves_no_process_behind():
    import time

    with pytest.raises(KeyboardInterrupt):
        with forked.Forked(lambda: time.sleep(60)) as aside:
            child = aside.child
            raise KeyboardInterrupt
    assert not child.is_alive()


def test_a_forked_process_steps_aside_and_the_parent_never_does():
    def aside() -> int:
        forked.step_aside()
        return os.nice(0)

    ours = os.nice(0)
    assert forked.Forked(aside).result() > ours
    assert aside() == ours  # here (the parent, or one core): nothing changes
