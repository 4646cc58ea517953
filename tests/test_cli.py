"""The command as a user runs it: exit codes, messages, and what is (not) left in the output folder."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from printbook import deck
from printbook.options import PdfOptions
from printbook.pipeline import BuildOptions, build

from conftest import EXAMPLE, said

PRINTBOOK = [sys.executable, "-m", "printbook"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PRINTBOOK, *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("content, problem", [
    (None, "no such file"),
    (b"", "is empty"),
    (b"\x00\x01\x02binary", "is a binary file"),
    (b"no headings here\n", "has no headings"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, content, problem):
    document = tmp_path / "doc.md"
    if content is not None:
        document.write_bytes(content)
    outdir = tmp_path / "out"
    result = run("build", str(document), "-o", str(outdir))
    assert result.returncode == 2
    assert said(result.stderr).count("\n") == 1
    assert said(result.stderr).startswith(f"{document}:1:1: error: ") and problem in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not outdir.exists()


@pytest.mark.e2e
def test_failed_build_keeps_the_previous_outputs(tmp_path, monkeypatch):
    outdir = tmp_path / "out"
    first = build(EXAMPLE, outdir)
    before = {w.path: w.path.read_bytes() for w in first.written}

    def broken_deck(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(deck, "write_deck", broken_deck)
    with pytest.raises(OSError):  # on letter paper: a build with something to do
        build(EXAMPLE, outdir, BuildOptions(pdf=PdfOptions(paper="letter")))
    assert {p: p.read_bytes() for p in before} == before
    # no staging folder or partial file left behind; the diagram cache stays for the next build,
    # and the record still describes the outputs that stand: the next A4 build is up to date.
    assert sorted(p.name for p in outdir.iterdir()) == sorted({".printbook-cache", ".printbook-record.json", "decks",
                                                                first.written[0].path.name})
    assert build(EXAMPLE, outdir).up_to_date


@pytest.mark.e2e
def test_diagrams_command_exports_svg_and_png_named_by_question(tmp_path):
    result = run("diagrams", str(EXAMPLE), "-o", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "d").iterdir() if not p.name.startswith("."))
    assert names[:4] == ["line-19.png", "line-19.svg", "q1.png", "q1.svg"]  # the pie has no question
    assert len(names) == 2 * 13
    assert (tmp_path / "d" / "q4.svg").read_text().startswith("<svg")
    assert "Read cache.get(key)" in (tmp_path / "d" / "q4.svg").read_text()
    assert (tmp_path / "d" / "q4.png").read_bytes().startswith(b"\x89PNG")
    assert "exported 13 of 13 diagrams" in result.stdout


@pytest.mark.e2e
def test_build_json_is_a_summary_a_script_can_read(tmp_path):
    done = subprocess.run([sys.executable, "-m", "printbook", "build", str(EXAMPLE), "-o", str(tmp_path / "out"),
                           "--json", "--cache-dir", str(tmp_path / "cache"), "--questions", "1-6"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # stdout is the JSON alone; diagnostics stay on stderr
    assert summary["printbook_summary"] == 1 and summary["questions"] == 6
    assert summary["selected"].startswith("6 questions among questions 1–6, of 12")
    pdf, *decks = summary["outputs"]
    assert pdf["kind"] == "pdf" and pdf["pages"] > 5 and pdf["bytes"] == Path(pdf["path"]).stat().st_size
    assert [d["kind"] for d in decks] == ["deck", "deck"] and all(d["slides"] > 3 for d in decks)
    assert summary["diagrams"] == {"total": 7, "drawn": 7, "failed": 0, "repaired": 1}
    [repair] = [d for d in summary["diagnostics"] if d["code"] == "diagram.repaired"]
    assert repair["file"].endswith("platform-engineer.md") and repair["line"] > 0 and repair["severity"] == "note"
    assert set(summary["seconds"]) >= {"reading", "rendering", "placing", "typesetting", "decks", "publishing"}


def test_documents_of_the_same_name_make_a_book_each_none_over_another(tmp_path):
    """`printbook build */architecture_diagram.md`: each book went to OUT/architecture_diagram/,
    each build wrote over the one before, and one handbook of thirty was left."""
    for system in ("crawler", "shortener"):
        (tmp_path / system).mkdir()
        (tmp_path / system / "notes.md").write_text(f"# The {system}\n\n## Section 1: Parts\n\n### Q1. Why a {system}?\n\nBecause.\n")
    (tmp_path / "guide.md").write_text("# Guide\n\n## Section 1: One\n\n### Q1. Why?\n\nBecause.\n")
    out = tmp_path / "out"
    result = run("build", str(tmp_path / "crawler" / "notes.md"), str(tmp_path / "shortener" / "notes.md"),
                 str(tmp_path / "guide.md"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.pdf")) == [
        "crawler-notes/the-crawler.pdf", "guide/guide.pdf", "shortener-notes/the-shortener.pdf"]
