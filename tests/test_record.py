"""The build record (record.py): a build with nothing changed rewrites nothing and says so; any
change to what the outputs depend on, or to an output itself, builds again."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import png
from printbook import record
from printbook.pipeline import BuildOptions, build
from printbook.options import PdfOptions

DOCUMENT = """# Record

## Section 1: One

### Q1. Why cache?
**Probability**: 70

![the rack](rack.png) and ![gone](missing.png)

```mermaid
flowchart LR
  A[Ask] --> B[Answer]
```
"""


def stamps(outdir):
    return {p.relative_to(outdir): p.stat().st_mtime_ns for p in outdir.rglob("*")
            if p.is_file() and ".printbook-cache" not in p.parts}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "doc.md").write_text(DOCUMENT)
    (tmp_path / "rack.png").write_bytes(png(40, 20, (200, 60, 60)))
    return tmp_path


@pytest.mark.e2e
def test_a_build_with_nothing_changed_is_up_to_date_and_rewrites_nothing(folder):
    outdir = folder / "out"
    first = build(folder / "doc.md", outdir)
    assert not first.up_to_date and (outdir / record.NAME).exists()
    before = stamps(outdir)

    again = build(folder / "doc.md", outdir)
    assert again.up_to_date
    assert stamps(outdir) == before  # not one output rewritten, the record neither
    assert again.written == first.written
    # The same diagnostics, with their places and codes: the missing picture is still reported.
    assert again.diagnostics == first.diagnostics
    assert any(d.code == "picture.missing" for d in again.diagnostics)
    assert again.diagrams_failed == first.diagrams_failed == 0

    # The record lists every output with its size and hash, and nothing outside the folder.
    kept = json.loads((outdir / record.NAME).read_text())
    assert sorted(kept["outputs"]) == sorted(str(w.path.relative_to(outdir)) for w in first.written)


@pytest.mark.e2e
@pytest.mark.parametrize("change", ["document", "picture", "option", "output changed", "output removed", "no cache"])
def test_any_change_that_matters_builds_again(folder, change):
    outdir = folder / "out"
    first = build(folder / "doc.md", outdir)
    options = BuildOptions()
    if change == "document":
        (folder / "doc.md").write_text(DOCUMENT.replace("Why cache?", "Why keep a record?"))
    elif change == "picture":
        (folder / "rack.png").write_bytes(png(40, 20, (60, 60, 200)))
    elif change == "option":
        options = BuildOptions(pdf=PdfOptions(paper="letter"))
    elif change == "output changed":
        deck = next(w.path for w in first.written if w.kind == "deck")
        deck.write_bytes(deck.read_bytes() + b"\0")
    elif change == "output removed":
        next(w.path for w in first.written if w.kind == "pdf").unlink()
    elif change == "no cache":
        options = BuildOptions(use_cache=False)
    again = build(folder / "doc.md", outdir, options)
    assert not again.up_to_date
    assert all(w.path.exists() for w in again.written)
    if change == "document":
        from conftest import pdf_text
        assert "Why keep a record?" in pdf_text(next(w.path for w in again.written if w.kind == "pdf"))
    # And then, unchanged again, it is up to date.
    assert build(folder / "doc.md", outdir, options).up_to_date == (change != "no cache")


@pytest.mark.e2e
def test_an_up_to_date_build_loads_neither_weasyprint_nor_python_pptx(folder):
    build(folder / "doc.md", folder / "out")
    code = ("import sys; from printbook.pipeline import build; "
            f"report = build({str(folder / 'doc.md')!r}, {str(folder / 'out')!r}); "
            "print(report.up_to_date, sorted(m for m in ('weasyprint', 'pptx') if m in sys.modules))")
    said = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert said.split() == ["True", "[]"]


def slide_texts(path) -> list[list[str]]:
    from pptx import Presentation

    return [[shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
            for slide in Presentation(str(path)).slides]


@pytest.mark.e2e
def test_a_build_from_the_cache_is_the_build_from_scratch(tmp_path):
    """Every diagram from the cache (and no browser) makes the book that rendering them all did."""
    from PIL import Image, ImageChops
    from pypdf import PdfReader

    from conftest import EXAMPLE, outline

    options = BuildOptions(cache_dir=tmp_path / "cache")
    scratch = build(EXAMPLE, tmp_path / "scratch", options)
    cached = build(EXAMPLE, tmp_path / "cached", options)
    assert not cached.up_to_date  # another output folder: built, from the cache
    assert [str(w.path.relative_to(tmp_path / "cached")) for w in cached.written] == \
           [str(w.path.relative_to(tmp_path / "scratch")) for w in scratch.written]
    one, other = (next(w.path for w in report.written if w.kind == "pdf") for report in (scratch, cached))
    assert [p.extract_text() for p in PdfReader(one).pages] == [p.extract_text() for p in PdfReader(other).pages]
    assert outline(one) == outline(other)
    links = lambda path: [[str(a.get_object().get("/Dest")) for a in page.get("/Annots", [])]  # noqa: E731
                          for page in PdfReader(path).pages]
    assert links(one) == links(other)
    for name in ("scratch", "cached"):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(one if name == "scratch" else other),
                        str(tmp_path / name / "page")], check=True)
    pages = lambda name: sorted((tmp_path / name).glob("page-*.png"))  # noqa: E731
    assert len(pages("scratch")) == len(pages("cached")) > 10
    for a, b in zip(pages("scratch"), pages("cached")):
        assert ImageChops.difference(Image.open(a).convert("RGB"), Image.open(b).convert("RGB")).getbbox() is None, a.name
    decks = lambda report: [w.path for w in report.written if w.kind == "deck"]  # noqa: E731
    assert [slide_texts(d) for d in decks(scratch)] == [slide_texts(d) for d in decks(cached)]


@pytest.mark.e2e
def test_after_an_edit_only_the_edited_sections_deck_is_made_again(tmp_path):
    """The other sections' decks come from the cache as they were (also below lines the edit
    added), and every deck is the deck a build from scratch makes."""
    from conftest import EXAMPLE

    document = tmp_path / "doc.md"
    document.write_text(EXAMPLE.read_text())
    build(document, tmp_path / "out")
    kept = tmp_path / "out" / ".printbook-cache" / "decks"
    before = {p.name: p.read_bytes() for p in kept.glob("*.pptx")}
    # A title in section 2 edited, and lines added in section 1 (the later sections move down).
    document.write_text(EXAMPLE.read_text().replace("Describe the life of an incident", "Tell the life of an incident")
                        .replace("\n### Q2.", "\nOne more line.\n\nAnd one more.\n\n### Q2.", 1))
    again = build(document, tmp_path / "out")
    decks = lambda report: [w.path for w in report.written if w.kind == "deck"]  # noqa: E731
    # Each deck is kept under what it shows: two new ones, the third the one kept before.
    after = {p.name: p.read_bytes() for p in kept.glob("*.pptx")}
    assert len(before) == len(after) == 3 and len(after.keys() - before.keys()) == 2
    (same,) = after.keys() & before.keys()
    assert decks(again)[2].read_bytes() == after[same] == before[same]
    scratch = build(document, tmp_path / "scratch", BuildOptions(use_cache=False))
    assert [p.name for p in decks(again)] == [p.name for p in decks(scratch)] and len(decks(again)) == 3
    assert [slide_texts(d) for d in decks(again)] == [slide_texts(d) for d in decks(scratch)]
    assert any("Tell the life of an incident" in text for slide in slide_texts(decks(again)[1]) for text in slide)


@pytest.mark.e2e
def test_outputs_the_book_no_longer_has_go_and_nothing_else_does(folder):
    """A section renamed left its old deck beside the new one, and a title changed its old PDF:
    what the last build wrote and this one does not is removed when this one publishes; a file
    changed since, one of the user's own, or one a record names outside the folder, stays."""
    out = folder / "out"
    build(folder / "doc.md", out)
    assert sorted(p.name for p in (out / "decks").iterdir()) == ["01-one.pptx"]
    (out / "decks" / "notes.txt").write_text("mine")
    outside = folder / "elsewhere.txt"
    outside.write_text("not printbook's")
    saved = json.loads((out / record.NAME).read_text())
    saved["outputs"]["../elsewhere.txt"] = [outside.stat().st_size, record._sha256(outside)]
    (out / record.NAME).write_text(json.dumps(saved))
    (folder / "doc.md").write_text(DOCUMENT.replace("# Record", "# Records kept").replace("Section 1: One", "Section 1: Uno"))
    build(folder / "doc.md", out)
    assert sorted(p.name for p in (out / "decks").iterdir()) == ["01-uno.pptx", "notes.txt"]
    assert [p.name for p in out.glob("*.pdf")] == ["records-kept.pdf"]
    assert outside.read_text() == "not printbook's"
    # An old output changed since it was written is somebody's: it stays.
    (folder / "doc.md").write_text(DOCUMENT)
    build(folder / "doc.md", out)
    (out / "decks" / "01-one.pptx").write_bytes(b"edited by hand")
    (folder / "doc.md").write_text(DOCUMENT.replace("Section 1: One", "Section 1: Eins"))
    build(folder / "doc.md", out)
    assert sorted(p.name for p in (out / "decks").iterdir()) == ["01-eins.pptx", "01-one.pptx", "notes.txt"]
