"""`build --watch` and what a build says as it runs: the real command, real file events, a real
SIGINT, a real pseudo-terminal for the progress bars."""

from __future__ import annotations

import os
import pty
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import PLACES, pdf_text

pytestmark = pytest.mark.e2e


class Lines:
    """The lines a process writes to a pipe, read in a thread, waited for by pattern."""

    def __init__(self, stream):
        self.seen: list[str] = []
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.queue.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; saw:\n{''.join(self.seen)}")


def test_watch_rebuilds_after_an_edit_and_survives_a_broken_one(tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text(PLACES)
    watcher = subprocess.Popen([sys.executable, "-m", "printbook", "build", "guide.md", "-o", "out", "--watch", "-q"],
                               cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        lines = Lines(watcher.stderr)
        lines.wait_for(r"^watching ")
        [pdf] = (tmp_path / "out").glob("*.pdf")
        assert "What does a controller do?" in pdf_text(pdf)

        guide.write_text(PLACES.replace("What does a controller do?", "What does a scheduler do?"))
        assert re.search(r"changed: guide\.md; rebuilt in [\d.]+ s", lines.wait_for(r"^changed: "))
        assert "What does a scheduler do?" in pdf_text(pdf)
        good = pdf.read_bytes()

        # An edit that breaks the build: said where, and the last good outputs stay.
        guide.write_text(PLACES + "".join(f"\n## Chapter {n}\n" for n in range(600)))
        lines.wait_for(r"guide\.md:\d+:\d+: error: ")
        assert "the last good outputs are kept" in lines.wait_for(r"^changed: ")
        assert pdf.read_bytes() == good

        # Written by printbook itself (the output folder) is no change: nothing is rebuilt.
        (tmp_path / "out" / "note.txt").write_text("mine")
        guide.write_text(PLACES.replace("What does a controller do?", "What does a kubelet do?"))
        assert "rebuilt in" in lines.wait_for(r"^changed: ")
        assert "What does a kubelet do?" in pdf_text(pdf)
        assert not any("note.txt" in line for line in lines.seen)
        watcher.send_signal(signal.SIGINT)  # Ctrl-C while watching: the normal way to stop
        lines.wait_for(r"^stopped watching")
        assert watcher.wait(timeout=30) == 0
        assert not any("KeyboardInterrupt" in line for line in lines.seen)  # said in printbook's words only
    finally:
        watcher.kill()
    assert not list((tmp_path / "out").glob(".printbook-staging-*"))


def run_build(folder: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "printbook", "build", "guide.md", "-o", "out",
                           "--cache-dir", "cache", *flags], cwd=folder, capture_output=True, text=True, timeout=300)


def test_plain_lines_off_a_terminal_quiet_with_q_and_stage_times_with_v(tmp_path):
    (tmp_path / "guide.md").write_text(PLACES)
    plain = run_build(tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "1/4 reading guide.md" in plain.stderr and "3 of 3 diagrams drawn or cached" in plain.stderr
    assert "1 of 1 deck made" in plain.stderr and "\x1b[" not in plain.stderr  # no bars in a log
    assert "published 'Guide': 1 question, 3 diagrams" in plain.stdout
    quiet = run_build(tmp_path, "-q")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    # Nothing changed since: up to date, and said so; with --no-cache every stage runs and -v times each.
    again = run_build(tmp_path)
    assert again.returncode == 0 and "up to date 'Guide': 1 question, 3 diagrams" in again.stdout
    verbose = run_build(tmp_path, "-v", "--no-cache")
    times = re.search(r"stage times: (.*)", verbose.stderr).group(1)
    assert {"reading", "rendering", "typesetting", "decks"} <= set(re.findall(r"([a-z]+) [\d.]+ s", times))


def test_progress_bars_on_a_terminal(tmp_path):
    (tmp_path / "guide.md").write_text(PLACES)
    leader, follower = pty.openpty()
    build = subprocess.Popen([sys.executable, "-m", "printbook", "build", "guide.md", "-o", "out", "--no-cache"],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    written = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the build has ended and closed the terminal
            break
        if not chunk:
            break
        written += chunk
    assert build.wait(timeout=300) == 0
    os.close(leader)
    screen = written.decode("utf-8", "replace")
    assert "━" in screen  # rich's bars
    assert re.search(r"rendering 3 diagrams \(0 cached\).*3/3", screen)
    assert re.search(r"making 1 deck .*1/1", screen)
