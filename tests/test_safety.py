"""Safe at any moment: real signals sent to real builds, kill -9, two builds at once, a publish
that fails half way. Each test reads back what is left in the output folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from printbook import outputs
from printbook.cli import Watchdog
from printbook.diagrams import MermaidRenderer, RenderOptions
from printbook.outputs import OutputFolder

from conftest import EXAMPLE

PRINTBOOK = [sys.executable, "-m", "printbook"]
STEPS = {"rendering": "2/4 rendering", "typesetting": "3/4 typesetting", "decks": "4/4 making"}


def long_document(questions: int = 48) -> str:
    """A handbook long enough to be typeset in two parts, with a diagram per question."""
    lines = ["# Interrupt Me", "", f"## Section 1: All (Q1-Q{questions})", ""]
    for number in range(1, questions + 1):
        lines += [f"### Q{number}. How does step {number} hand over?", "**Probability**: 60", "",
                  "```mermaid", "graph TD", f"    A{number}[Start {number}] --> B{number}[Check {number}]",
                  f"    B{number} --> C{number}[Hand over {number}]", "```", "",
                  "Ask for the failure case, then the recovery. " * 8, ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def long_doc(tmp_path_factory) -> tuple[Path, Path]:
    """The long document and a cache holding its diagrams (so each test reaches its stage fast)."""
    folder = tmp_path_factory.mktemp("long")
    document = folder / "long.md"
    document.write_text(long_document())
    cache = folder / "cache"
    result = subprocess.run([*PRINTBOOK, "build", str(document), "-o", str(folder / "warm"), "--cache-dir", str(cache)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return document, cache


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".printbook-cache" not in p.parts}


def renderer_processes() -> set[int]:
    """Processes of printbook's renderer and of the Chromium it drives, by their command lines."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"render.cjs" in command or b"puppeteer_dev_chrome_profile" in command:
                found.add(int(entry.name))
    return found


def interrupted_build(document: Path, outdir: Path, at: str, signum: int, *extra: str) -> tuple[int, str]:
    """A build started in a session of its own, as a terminal runs it, sent `signum` as a
    terminal's Ctrl-C is (to the whole process group) when it announces step `at`."""
    process = subprocess.Popen([*PRINTBOOK, "build", str(document), "-o", str(outdir), "-v", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(STEPS[at]):
            if at == "rendering":
                time.sleep(1.5)  # into the rendering itself: the browser started, diagrams on their way
            os.killpg(process.pid, signum)
            break
    try:
        _, rest = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, "".join(seen) + rest


@pytest.mark.e2e
@pytest.mark.parametrize("at, signum", [("rendering", signal.SIGINT), ("typesetting", signal.SIGINT),
                                        ("typesetting", signal.SIGTERM), ("decks", signal.SIGTERM)])
def test_an_interrupt_publishes_nothing_and_leaves_no_trace(tmp_path, long_doc, at, signum):
    document, cache = long_doc
    outdir = tmp_path / "out"
    first = subprocess.run([*PRINTBOOK, "build", str(document), "-o", str(outdir), "--cache-dir", str(cache)],
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = snapshot(outdir)
    processes_before = renderer_processes()
    # The interrupted build would publish other files: letter paper, and diagrams drawn afresh.
    extra = ["--paper", "letter"] + (["--no-cache"] if at == "rendering" else ["--cache-dir", str(cache)])
    code, stderr = interrupted_build(document, outdir, at, signum, *extra)
    assert code == 128 + signum, stderr
    assert "interrupted" in stderr and "nothing published" in stderr and "Traceback" not in stderr
    assert snapshot(outdir) == before  # every earlier output byte for byte, and nothing added
    assert not list(outdir.glob(".printbook-staging-*"))
    for _ in range(50):  # the renderer and Chromium end with the build
        if not renderer_processes() - processes_before:
            break
        time.sleep(0.1)
    assert not renderer_processes() - processes_before


@pytest.mark.e2e
def test_after_kill_9_the_next_build_removes_the_stale_staging_folder(tmp_path, long_doc):
    document, cache = long_doc
    outdir = tmp_path / "out"
    code, _ = interrupted_build(document, outdir, "typesetting", signal.SIGKILL, "--cache-dir", str(cache))
    assert code == -signal.SIGKILL
    assert list(outdir.glob(".printbook-staging-*"))  # what kill -9 leaves
    result = subprocess.run([*PRINTBOOK, "build", str(document), "-o", str(outdir), "--cache-dir", str(cache)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not list(outdir.glob(".printbook-staging-*"))


def test_a_build_into_a_folder_another_build_holds_stops_and_leaves_its_staging(tmp_path):
    outdir = tmp_path / "out"
    with OutputFolder(outdir) as folder, folder.staging() as staging:
        result = subprocess.run([*PRINTBOOK, "build", str(EXAMPLE), "-o", str(outdir)], capture_output=True, text=True)
        assert result.returncode == 2
        assert result.stderr.strip().endswith("[build.locked]") and str(outdir) in result.stderr
        assert staging.is_dir()  # a running build's staging folder is never taken for a stale one


@pytest.mark.e2e
def test_two_builds_of_different_documents_share_one_cache(tmp_path):
    cache = tmp_path / "cache"
    documents = []
    for name in ("one", "two"):
        document = tmp_path / f"{name}.md"
        document.write_text(long_document(6).replace("Interrupt Me", name.title()).replace("Start", f"{name} start"))
        documents.append(document)
    runs = [subprocess.Popen([*PRINTBOOK, "build", str(d), "-o", str(tmp_path / d.stem), "--cache-dir", str(cache)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in documents]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
    assert (tmp_path / "one" / "one.pdf").exists() and (tmp_path / "two" / "two.pdf").exists()


def published_over_an_old_set(outdir: Path, monkeypatch, replace, stops: type[BaseException]) -> dict:
    """Two old outputs in `outdir`, then a publish of three new ones with os.replace as `replace`,
    which stops it with `stops`; the folder as it was before."""
    names = ["book.pdf", "decks/01-a.pptx", "decks/02-b.pptx"]
    for name in names[:2]:
        (outdir / name).parent.mkdir(parents=True, exist_ok=True)
        (outdir / name).write_text(f"old {name}")
    before = snapshot(outdir)
    with OutputFolder(outdir) as folder, folder.staging() as staging:
        for name in names:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(f"new {name}")
        monkeypatch.setattr(outputs.os, "replace", replace)
        with pytest.raises(stops):
            folder.publish(staging, names)
        monkeypatch.undo()
    return before


def test_a_publish_that_fails_half_way_puts_the_old_set_back(tmp_path, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    before = published_over_an_old_set(tmp_path / "out", monkeypatch, failing_replace, OSError)
    assert snapshot(tmp_path / "out") == before  # the two replaced files are the old ones again; no third file


class Stopped(BaseException):
    pass


def test_an_interrupt_while_the_outputs_are_moved_puts_the_old_set_back(tmp_path, monkeypatch):
    """SIGTERM held back while the new files were moved was delivered once they all were: the
    build said 'nothing published' over a folder of new outputs (seen under load in the
    interrupt test above, at its 'decks' step)."""
    real_replace = os.replace

    def interrupted_replace(source, target):
        real_replace(source, target)
        if str(target).endswith("01-a.pptx"):  # the second of three: a terminal's Ctrl-C comes
            # (to this thread: other tests' threads in this process may take one sent to the process)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)

    def stop(signum, frame):
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        before = published_over_an_old_set(tmp_path / "out", monkeypatch, interrupted_replace, Stopped)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert snapshot(tmp_path / "out") == before


def test_printbooks_own_threads_leave_interrupts_to_the_main_thread():
    """A Ctrl-C goes to any thread that does not block it, and Python raises it in the main thread
    at once, even where publish holds it back: the watchdog's thread and the renderer's writer
    block SIGINT and SIGTERM."""
    def blocked_in(thread_id: int) -> int:
        status = Path(f"/proc/self/task/{thread_id}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)

    found = {}
    done = threading.Event()

    def note() -> None:
        found["blocked"] = blocked_in(threading.get_native_id())
        done.set()

    threading.Thread(target=outputs.interrupts_to_main_thread(note), daemon=True).start()
    assert done.wait(10)
    for held in (signal.SIGINT, signal.SIGTERM):
        assert found["blocked"] & (1 << (held - 1))
    watchdog = Watchdog(every=3600)
    sigint = 1 << (signal.SIGINT - 1)
    for _ in range(200):  # (blocked as the thread's first step)
        if watchdog.thread.native_id and blocked_in(watchdog.thread.native_id) & sigint:
            break
        time.sleep(0.01)
    assert blocked_in(watchdog.thread.native_id) & sigint
    watchdog.done.set()


def test_outputs_of_one_build_never_share_a_name():
    assert outputs.unique_names(["decks/02-b.pptx", "decks/02-b.pptx", "decks/02-b-2.pptx"]) == [
        "decks/02-b.pptx", "decks/02-b-2.pptx", "decks/02-b-2-2.pptx"]
    assert outputs.unique_names(["q1", "q1", "q1-2"]) == ["q1", "q1-2", "q1-2-2"]


@pytest.mark.e2e
def test_a_renderer_that_dies_is_started_again_and_is_never_a_failed_diagram(tmp_path):
    renderer = MermaidRenderer(RenderOptions())
    try:
        [first] = renderer.ask([{"code": "graph TD\n  A --> B"}])
        assert first["ok"]
        os.killpg(renderer.process.pid, signal.SIGKILL)  # the renderer and its browser die
        renderer.process.wait()
        answers = renderer.ask([{"code": "graph TD\n  C --> D"}, {"code": "graph TD\n  E --> F"}])
        assert all(a["ok"] and "svg" in a for a in answers)
    finally:
        renderer.close()


def test_a_step_that_runs_long_says_where_it_is(capsys):
    watchdog = Watchdog(every=0.05)
    watchdog.enter("3/4 typesetting the PDF handbook")
    for _ in range(100):
        time.sleep(0.05)
        said = capsys.readouterr().err
        if said:
            break
    watchdog.done.set()
    assert said.startswith("printbook: still at '3/4 typesetting the PDF handbook' after ")
