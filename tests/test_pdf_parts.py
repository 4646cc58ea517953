"""A long handbook typeset in parts, two at once (pdf_parts): the joined PDF is the one-piece PDF."""

from __future__ import annotations

import collections
import hashlib
import os
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import EXAMPLE
from printbook import diagrams, pdf, pdf_parts, weasyprint_internals
from printbook.parse import parse_file
from test_validators import pdf_ua_problems


def test_a_book_is_cut_into_runs_of_chapters_of_about_the_same_weight():
    # The seed: its five sections, the chapters without questions with those around them.
    assert pdf_parts.chapter_runs([1, 41, 40, 40, 40, 40, 2, 2]) == [slice(0, 2), slice(2, 3), slice(3, 4),
                                                                     slice(4, 5), slice(5, 8)]
    # A document of others: few questions, many diagrams (54 pages).
    assert pdf_parts.chapter_runs([1, 1, 47, 18, 11, 13, 10, 12, 12, 50]) == [slice(0, 3), slice(3, 6), slice(6, 9),
                                                                              slice(9, 10)]
    assert pdf_parts.chapter_runs([10] * 8) == [slice(0, 3), slice(3, 6), slice(6, 8)]
    assert pdf_parts.chapter_runs([30, 30, 30]) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    assert pdf_parts.chapter_runs([20, 20]) is None  # too short to gain
    assert pdf_parts.chapter_runs([200]) is None  # nowhere to cut


def test_two_processes_take_runs_of_parts_that_take_about_as_long(monkeypatch):
    monkeypatch.setattr(pdf_parts, "cores", lambda: 2)
    assert pdf_parts._shares([0, 1, 2, 3, 4, 5], [25, 21, 21, 21, 21, 21]) == ([0, 1, 2], [3, 4, 5])
    assert pdf_parts._shares([0, 1], [25, 21]) == ([0], [1])  # after an edit: the front matter and one part
    assert pdf_parts._shares([3], [21]) == ([3], [])
    monkeypatch.setattr(pdf_parts, "cores", lambda: 1)
    assert pdf_parts._shares([0, 1, 2], [1, 1, 1]) == ([0, 1, 2], [])


@pytest.fixture(scope="module")
def example_pictures():
    book = parse_file(EXAMPLE)
    renderings, _ = diagrams.render_diagrams(book.diagrams())
    return book, renderings


def typeset(book, renderings, path, monkeypatch, in_parts: bool, options=pdf.PdfOptions()) -> list[str]:
    """Typeset the book whole or in parts; the first part file it joined, if any."""
    joined = []
    join = pdf_parts.join
    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 0 if in_parts else 10**6)
    monkeypatch.setattr(pdf_parts, "PART_WEIGHT", 1)  # a part per chapter
    monkeypatch.setattr(pdf_parts, "cores", lambda: 2)  # also where CI has one core
    monkeypatch.setattr(pdf_parts, "join", lambda *args: joined.append(args[0][0].name) or join(*args))
    pdf.write_pdf(book, renderings, path, options=options)
    return joined


def structure(path) -> tuple[collections.Counter, list[int]]:
    """How many structure elements of each type, and the parent-tree key of each page and link."""
    with pikepdf.open(path) as document:
        counts = collections.Counter()

        def walk(element):
            if isinstance(element, pikepdf.Array):
                for kid in element:
                    walk(kid)
            elif isinstance(element, pikepdf.Dictionary) and "/S" in element:
                counts[str(element.S)] += 1
                walk(element.get("/K"))

        tree = document.Root.StructTreeRoot
        walk(tree.K)
        numbers = tree.ParentTree.Nums
        keys = {int(numbers[i]): numbers[i + 1] for i in range(0, len(numbers), 2)}
        used = [int(p.obj.StructParents) for p in document.pages] + [
            int(a.StructParent) for p in document.pages for a in p.obj.get("/Annots", []) if "/StructParent" in a]
        assert len(set(used)) == len(used) and set(used) <= keys.keys()
        for page in document.pages:  # each page's marked content belongs to elements on that page
            for element in keys[int(page.obj.StructParents)]:
                assert element.Pg.objgen == page.obj.objgen
        return counts, used


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return found


@pytest.mark.e2e
def test_the_book_typeset_in_parts_is_the_book_typeset_whole(example_pictures, tmp_path, monkeypatch):
    book, renderings = example_pictures
    assert typeset(book, renderings, tmp_path / "whole.pdf", monkeypatch, in_parts=False) == []
    assert typeset(book, renderings, tmp_path / "parts.pdf", monkeypatch, in_parts=True) == [".parts.pdf.part0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parts.pdf", "whole.pdf"]  # no part files left
    whole, parts = PdfReader(tmp_path / "whole.pdf"), PdfReader(tmp_path / "parts.pdf")

    # Every page reads the same: contents and question-list page numbers, "page X of Y", headers.
    assert len(parts.pages) == len(whole.pages) > 10
    for number, (one, other) in enumerate(zip(whole.pages, parts.pages), start=1):
        assert other.extract_text() == one.extract_text(), number
    assert f"page {len(whole.pages)} of {len(whole.pages)}" in parts.pages[-1].extract_text()
    assert book.title in parts.pages[-1].extract_text()  # the running title, in the second part too

    # Bookmarks, link targets and links go to the same pages.
    assert outline(parts) == outline(whole) and len(outline(whole)) > len(book.questions)
    pages_of = lambda reader: {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    assert pages_of(parts) == pages_of(whole)
    links = lambda reader: [[str(a.get_object()["/Dest"]) for a in page.get("/Annots", [])] for page in reader.pages]
    assert links(parts) == links(whole) and sum(map(len, links(whole))) > 2 * len(book.questions)

    # One structure tree for screen readers, as the whole book has it; metadata and language kept.
    assert structure(tmp_path / "parts.pdf")[0] == structure(tmp_path / "whole.pdf")[0]
    assert parts.metadata.title == whole.metadata.title == book.title
    assert parts.trailer["/Root"]["/Lang"] == "en"
    assert subprocess.run(["qpdf", "--check", str(tmp_path / "parts.pdf")], capture_output=True).returncode == 0


@pytest.mark.e2e
def test_a_fillable_book_typeset_in_parts_has_the_form_of_the_book_typeset_whole(example_pictures, tmp_path,
                                                                                    monkeypatch):
    book, renderings = example_pictures
    options = pdf.PdfOptions(fillable=True)
    typeset(book, renderings, tmp_path / "whole.pdf", monkeypatch, in_parts=False, options=options)
    assert typeset(book, renderings, tmp_path / "parts.pdf", monkeypatch, in_parts=True, options=options)
    whole, parts = PdfReader(tmp_path / "whole.pdf"), PdfReader(tmp_path / "parts.pdf")
    fields = lambda reader: {name: (str(f["/FT"]), f.get("/_States_")) for name, f in reader.get_fields().items()}
    assert fields(parts) == fields(whole) and len(fields(whole)) == 2 * len(book.questions)
    # Each field is listed once in the one form, and the second part's fields sit on its pages.
    listed = [str(f.get_object()["/T"]) for f in parts.trailer["/Root"]["/AcroForm"]["/Fields"]]
    assert sorted(listed) == sorted(fields(whole))
    on_pages = lambda reader: [sorted(str(a.get_object().get("/T", a.get_object().get("/Parent", {}).get("/T")))
                                      for a in page.get("/Annots", []) if a.get_object()["/Subtype"] == "/Widget")
                               for page in reader.pages]
    assert on_pages(parts) == on_pages(whole)
    assert subprocess.run(["qpdf", "--check", str(tmp_path / "parts.pdf")], capture_output=True).returncode == 0
    assert structure(tmp_path / "parts.pdf")[0] == structure(tmp_path / "whole.pdf")[0]
    assert pdf_ua_problems(tmp_path / "parts.pdf") == []  # each part's form font mended too


@pytest.mark.e2e
def test_where_a_part_fails_the_book_is_typeset_whole(example_pictures, tmp_path, monkeypatch):
    book, renderings = example_pictures
    finish = weasyprint_internals.finish_part
    # The second part (forked, so it sees this too) cannot write its page numbers in.
    monkeypatch.setattr(weasyprint_internals, "finish_part", lambda document, blanks, first_page, *rest, **blank:
                        first_page == 1 and finish(document, blanks, first_page, *rest, **blank))
    assert typeset(book, renderings, tmp_path / "book.pdf", monkeypatch, in_parts=True) == []
    reader = PdfReader(tmp_path / "book.pdf")
    assert f"page {len(reader.pages)} of {len(reader.pages)}" in reader.pages[-1].extract_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


@pytest.mark.e2e
def test_where_the_parts_cannot_be_joined_the_book_is_typeset_whole(example_pictures, tmp_path, monkeypatch):
    book, renderings = example_pictures
    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 0)
    monkeypatch.setattr(pdf_parts, "cores", lambda: 2)

    def join(*args):
        raise KeyError("/StructTreeRoot")  # a WeasyPrint that structures its PDF otherwise

    monkeypatch.setattr(pdf_parts, "join", join)
    pages = pdf.write_pdf(book, renderings, tmp_path / "book.pdf").pages
    reader = PdfReader(tmp_path / "book.pdf")
    assert len(reader.pages) == pages and f"page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


@pytest.mark.e2e
def test_after_an_edit_only_the_front_matter_and_the_edited_part_are_typeset_again(tmp_path, monkeypatch):
    """A title edited in section 2: the parts cache gives the other sections' PDFs as they were, and
    the book joined from them is the book typeset from scratch."""
    from conftest import outline as outline_of

    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 0)
    monkeypatch.setattr(pdf_parts, "PART_WEIGHT", 1)  # a part per chapter
    monkeypatch.setattr(pdf_parts, "cores", lambda: 2)
    typeset_now = []
    shared = pdf_parts._typeset_shared
    monkeypatch.setattr(pdf_parts, "_typeset_shared", lambda todo, *rest: typeset_now.append(todo) or shared(todo, *rest))
    document = tmp_path / "doc.md"
    document.write_text(EXAMPLE.read_text())
    book = parse_file(document)
    renderings, _ = diagrams.render_diagrams(book.diagrams())
    cache = lambda: pdf_parts.PartsCache(tmp_path / "parts", "setting")  # noqa: E731
    pdf.write_pdf(book, renderings, tmp_path / "first.pdf", cache=cache())
    runs = pdf_parts.chapter_runs([pdf.chapter_weight(c) for c in pdf.shown_chapters(book)])
    parts = 1 + len(runs)  # the front matter, then each chapter
    assert typeset_now == [list(range(parts))] and parts == 1 + len(pdf.shown_chapters(book))

    document.write_text(EXAMPLE.read_text().replace("Describe the life of an incident", "Tell the life of an incident"))
    edited = parse_file(document)
    renderings = {new: renderings[old] for old, new in zip(book.diagrams(), edited.diagrams())}
    typeset_now.clear()
    pdf.write_pdf(edited, renderings, tmp_path / "again.pdf", cache=cache())
    chapter = next(i for i, c in enumerate(pdf.shown_chapters(edited)) if any("Tell the" in q.title for q in c.questions))
    section_2 = 1 + next(i for i, run in enumerate(runs) if run.start <= chapter < run.stop)
    assert typeset_now == [[0, section_2]]  # the contents list the title; its section
    assert len(list((tmp_path / "parts").glob("*.pdf"))) == parts  # the cache holds one book's parts

    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 10**6)
    pdf.write_pdf(edited, renderings, tmp_path / "scratch.pdf")
    again, scratch = PdfReader(tmp_path / "again.pdf"), PdfReader(tmp_path / "scratch.pdf")
    assert [p.extract_text() for p in again.pages] == [p.extract_text() for p in scratch.pages]
    assert "Tell the life of an incident" in again.pages[1].extract_text()
    assert outline_of(tmp_path / "again.pdf") == outline_of(tmp_path / "scratch.pdf")
    pages_of = lambda reader: {n: reader.get_destination_page_number(d) for n, d in reader.named_destinations.items()}  # noqa: E731
    assert pages_of(again) == pages_of(scratch)
    assert subprocess.run(["qpdf", "--check", str(tmp_path / "again.pdf")], capture_output=True).returncode == 0

    # The kept PDFs gone (their page counts kept): every part is typeset again, numbered as before.
    for kept in (tmp_path / "parts").glob("*.pdf"):
        kept.unlink()
    typeset_now.clear()
    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 0)
    pdf.write_pdf(edited, renderings, tmp_path / "remade.pdf", cache=cache())
    assert typeset_now == [list(range(parts))]
    assert [p.extract_text() for p in PdfReader(tmp_path / "remade.pdf").pages] == [p.extract_text() for p in scratch.pages]


@pytest.mark.e2e
def test_the_front_matter_laid_out_while_the_diagrams_render_makes_the_same_book(example_pictures, tmp_path,
                                                                                 monkeypatch):
    """pdf.front_matter_started lays the front matter out in a process of its own before the
    diagrams are placed; the book joined with it reads as the book typeset whole, and the build's
    own process lays out no front matter."""
    book, renderings = example_pictures
    typeset(book, renderings, tmp_path / "whole.pdf", monkeypatch, in_parts=False)
    monkeypatch.setattr(pdf_parts, "SMALLEST_BOOK_IN_PARTS", 0)
    log = tmp_path / "laid-out.txt"
    typesetting = pdf._typesetting

    def logged_typesetting(*args):
        lay_out, write = typesetting(*args)

        def logged(html):
            # (not the chapters' openings and questions' texts, measured to place diagrams)
            if not any(mark in html for mark in (pdf.FRONT_MARK, *pdf.LEAD_MARKS)):
                with open(log, "a") as out:  # by any process
                    out.write(f"{os.getpid()} {hashlib.sha256(html.encode()).hexdigest()}\n")
            return lay_out(html)
        return logged, write

    monkeypatch.setattr(pdf, "_typesetting", logged_typesetting)
    cache = pdf_parts.PartsCache(tmp_path / "parts", "setting")
    with pdf.front_matter_started(book, [], pdf.PdfOptions(), cache) as started:
        assert isinstance(started, pdf_parts.Started) and started.process.pid != os.getpid()
        pdf.write_pdf(book, renderings, tmp_path / "early.pdf", cache=cache, front_started=started)
    assert started.process is None  # ended with the block
    front = hashlib.sha256(started.html.encode()).hexdigest()
    layouts = [line.split() for line in log.read_text().splitlines()]
    by = [pid for pid, html in layouts if html == front]
    assert len(by) == 1 and by[0] != str(os.getpid())  # once, in the other process
    assert len(layouts) == 1 + len(pdf.shown_chapters(book))  # and each chapter once
    early, whole = PdfReader(tmp_path / "early.pdf"), PdfReader(tmp_path / "whole.pdf")
    assert [p.extract_text() for p in early.pages] == [p.extract_text() for p in whole.pages]
    assert outline(early) == outline(whole)

    # Laid out already (the cache has it): nothing is started again.
    assert not isinstance(pdf.front_matter_started(book, [], pdf.PdfOptions(), cache), pdf_parts.Started)
