"""The bundled example built end to end (real Chromium + mermaid, WeasyPrint, python-pptx) and
read back from the files it wrote."""

import contextlib
import re
import subprocess

import pdfplumber
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from printbook.pipeline import BuildOptions, build
from printbook import pdf, weasyprint_internals
from printbook.pdf import PdfOptions

from conftest import (decks_of, flat_text, outline, pages_of_questions_and_first_labels, pdf_of, pdf_text,
                      slide_title, smallest_text_pt, EXAMPLE)

pytestmark = pytest.mark.e2e


def test_pdf_holds_every_question_and_an_outline(example_build):
    book = example_build.book
    text = pdf_text(pdf_of(example_build))
    for question in book.questions:
        assert flat_text(question.title) in text
    marks = outline(pdf_of(example_build))
    sections = [t for depth, t in marks if depth == 1 and t.startswith("Section")]
    # Bookmarks say a heading as a reader would, its colon and full stop kept.
    assert sections == [c.label for c in book.sections] == [f"Section {c.section_number}: {c.title}" for c in book.sections]
    assert [t for depth, t in marks if depth == 2] == [f"Q{q.number}. {q.title}" for q in book.questions]


def test_pdf_draws_diagram_labels_as_text(example_build):
    text = pdf_text(pdf_of(example_build))
    for label in ("Map domain boundaries", "Shadow reads and compare", "Automatic rollback", "Escalation contacts"):
        assert label in text


def test_diagram_labels_are_drawn_as_whole_runs_that_search_and_copy_find(example_build):
    """Each line of a label is one run of text (weasyprint_internals.svg_text_in_runs), not one per letter as
    WeasyPrint draws SVG text: fewer operations to draw, kerning, and words found whole."""
    from pypdf.generic import ContentStream

    with weasyprint_internals.svg_text_in_runs() as active:
        assert active  # the installed WeasyPrint is the one it was written for
    reader = PdfReader(pdf_of(example_build))
    page = next(p for p in reader.pages if "Reserve key atomically" in p.extract_text())
    shows = [op for _, op in ContentStream(page.get_contents(), reader).operations if op in (b"Tj", b"TJ")]
    letters = len(re.sub(r"\s", "", page.extract_text()))
    assert len(shows) < letters / 5, (len(shows), letters)
    with pdfplumber.open(pdf_of(example_build)) as document:
        words = {w["text"] for p in document.pages for w in p.extract_words()}
    assert {"Idempotency-Key", "Reconcile", "atomically", "Escalation", "contacts"} <= words


def test_svg_values_parsed_once_draw_the_same_and_a_colour_keeps_its_own_opacity(tmp_path):
    """The same colour twice, the first half transparent: WeasyPrint multiplies a colour's alpha in
    place, so a colour parsed once must be handed out anew each time (else the second fades too)."""
    import base64

    import weasyprint.svg.utils
    from weasyprint import HTML

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
           '<rect x="0" y="0" width="100" height="100" fill="rgb(255, 0, 0)" fill-opacity="0.5" transform="translate(0, 0)"/>'
           '<rect x="100" y="0" width="100" height="100" fill="rgb(255, 0, 0)" transform="translate(0, 0)"/></svg>')
    html = f'<img style="width: 200px" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    originals = (weasyprint.svg.utils.color, weasyprint.svg.utils.size)
    pixels = {}
    for parsed_once in (False, True):
        target = tmp_path / f"{parsed_once}.pdf"
        with weasyprint_internals.svg_values_parsed_once() if parsed_once else contextlib.nullcontext():
            HTML(string=html).write_pdf(target)
        subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", target, tmp_path / str(parsed_once)], check=True)
        with Image.open(tmp_path / f"{parsed_once}.png") as image:
            rgb = image.convert("RGB")
            pixels[parsed_once] = sorted({rgb.getpixel((x, y)) for x in range(rgb.width) for y in range(rgb.height)})
    assert (weasyprint.svg.utils.color, weasyprint.svg.utils.size) == originals
    assert pixels[True] == pixels[False]
    assert (255, 0, 0) in pixels[True] and any(r == 255 and 100 < g < 160 for r, g, _ in pixels[True])


def test_pdf_has_page_numbers_and_a_contents_page(example_build):
    reader = PdfReader(pdf_of(example_build))
    pages = len(reader.pages)
    assert f"page 3 of {pages}" in reader.pages[2].extract_text()
    assert "Contents" in reader.pages[1].extract_text()


def test_repaired_diagram_prints_its_label_and_is_noted(example_build):
    [note] = [d for d in example_build.diagnostics if d.severity == "note"]
    source_line = open(note.location.file).read().splitlines()[note.location.line - 1]
    assert source_line[note.location.column - 1:].startswith("Read cache.get(key)]")
    assert "Read cache.get(key)" in pdf_text(pdf_of(example_build))


def built(tmp_path, markdown: str):
    """A document of `markdown` in `tmp_path`, and the report of its build."""
    document = tmp_path / "doc.md"
    document.write_text(markdown)
    return document, build(document, tmp_path / "out")


def test_diagram_that_cannot_be_drawn_is_a_placeholder_and_the_rest_publish(tmp_path):
    document, report = built(tmp_path, "# Broken\n\n## Section 1: One (Q1-Q2)\n\n### Q1. Good?\n**Probability**: 50\n\n"
                             "```mermaid\ngraph TD\n    A[Still drawn] --> B\n```\n\n### Q2. Bad?\n**Probability**: 40\n\n"
                             "```mermaid\ngraph TD\n    A --> \n    B -->> C\n```\n")
    [warning] = [d for d in report.diagnostics if d.severity == "warning"]
    assert str(warning).startswith(f"{document}:19:")  # line 2 of the diagram whose fence is on 17
    text = pdf_text(pdf_of(report))
    assert "Still drawn" in text and "Diagram could not be drawn" in text and "B -->> C" in text
    [answer] = [s for s in Presentation(decks_of(report)[0]).slides
                if s.shapes.title.text == "Q2. Bad?" and "could not be drawn" in _texts(s)]
    assert "B -->> C" in _texts(answer)


def test_a_mermaid_message_cut_inside_an_emoji_still_publishes(tmp_path):
    """mermaid cuts its error excerpt by UTF-16 unit: here through the middle of 📦."""
    _, report = built(tmp_path, "# Emoji\n\n## Section 1: One\n\n### Q1. Loop?\n**Probability**: 50\n\n```mermaid\n"
                      'graph TD\n    Loop -- Owns --> Pods[📦 Pods]\n\n    style "Controller Loop" fill:#f9f9f9\n```\n')
    [warning] = [d for d in report.diagnostics if d.severity == "warning"]
    assert str(warning).encode() and warning.detail.encode()  # whole characters only: a half would not even print
    assert "\ufffd Pods]" in warning.detail  # mermaid's excerpt, mended, shown with -v
    text = pdf_text(pdf_of(report))
    assert "Diagram could not be drawn" in text and flat_text(warning.message) in text


def test_a_step_drawn_inside_a_numbered_list_prints_its_diagram_and_the_steps_their_numbers(tmp_path):
    _, report = built(tmp_path, "# Steps\n\n## Section 1: One\n\n### Q1. How?\n**Probability**: 50\n\n1. **Look in the "
                      "cache.**\n\n   ```mermaid\n   flowchart LR\n     A[Cache lookup] --> B[Database read]\n   ```\n\n"
                      "   Then take the lock.\n\n```sh\nredis-cli get key\n```\n\n2. **Invalidate.**\n")
    text = pdf_text(pdf_of(report))
    assert "Cache lookup" in text and "Database read" in text and "flowchart LR" not in text
    with pdfplumber.open(pdf_of(report)) as printed:
        words = [w for page in printed.pages for w in page.extract_words()]

    def number_of(word: str) -> str:  # the list marker printed on the line of the step's first word
        [step] = [w for w in words if w["text"] == word]
        return next(w["text"] for w in words if abs(w["top"] - step["top"]) < 2 and w["x1"] <= step["x0"])
    assert (number_of("Look"), number_of("Invalidate.")) == ("1.", "2.")
    assert "Then take the lock." in text
    [answer] = [s for s in Presentation(decks_of(report)[0]).slides
                if s.shapes.title.text == "Q1. How?" and any(shape.shape_type == 13 for shape in s.shapes)]


def test_chinese_text_and_labels_print_in_a_font_that_has_them(tmp_path):
    # Noto Sans has no Chinese, Japanese or Korean: without the machine's font (make setup installs
    # fonts-droid-fallback), their words print as empty boxes.
    _, report = built(tmp_path, "# 系统设计\n\n## 第一部分：缓存\n\n### Q1. 什么是缓存击穿？\n**Probability**: 80\n\n"
                                "热点数据过期时，大量请求同时访问数据库。\n\n```mermaid\ngraph TD\n    A[客户端请求] --> B[数据库]\n```\n")
    having = {line.strip().replace(" ", "-") for line in subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout.replace(",", "\n").splitlines()}
    with pdfplumber.open(pdf_of(report)) as printed:
        chinese = [c for page in printed.pages for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff"]
    assert {"热", "客", "库"} <= {c["text"] for c in chinese}  # the text's and the diagram's
    assert {c["fontname"].split("+")[-1].removesuffix("-Bold") for c in chinese} <= having


def _texts(slide) -> str:
    return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_one_deck_per_section_with_asking_and_answer_slides(example_build):
    book = example_build.book
    decks = decks_of(example_build)
    assert [d.name for d in decks] == ["01-service-design.pptx", "02-reliability.pptx", "03-delivery-pipelines.pptx"]
    for path, section in zip(decks, book.sections):
        deck = Presentation(path)
        assert deck.slide_width * 9 == deck.slide_height * 16
        slides = list(deck.slides)
        # A diagram too small to read whole on a slide: the whole, then its parts or pieces.
        titles = [slide_title(s.shapes.title.text) for s in slides]
        expected = [section.label, "Agenda"]
        for question in section.questions:
            expected += [question.title, question.label]
        assert [t for i, t in enumerate(titles) if i == 0 or t != titles[i - 1]] == expected + [f"Summary: {section.title}"]
        for question in section.questions:
            [asking] = [s for s in slides if s.shapes.title.text == question.title]
            assert f"Probability {question.probability} · {question.band}" in _texts(asking)
            for answer in (s for s, t in zip(slides, titles) if t == question.label):
                assert question.title in answer.notes_slide.notes_text_frame.text
                [picture] = [s for s in answer.shapes if s.shape_type == 13]  # the whole, a part or a piece
                assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
                assert picture.top + picture.height <= deck.slide_height


def test_no_text_prints_below_7_pt(example_build):
    assert smallest_text_pt(pdf_of(example_build)) >= 7


def test_each_diagram_is_on_the_page_of_its_question(example_build):
    checked = pages_of_questions_and_first_labels(example_build)
    assert len(checked) >= 8
    for number, page, label in checked:
        assert label in page, f"Q{number}: {label!r} is not on the page of its heading"


def test_at_a_glance_lists_questions_by_probability_with_band_and_page(example_build):
    reader = PdfReader(pdf_of(example_build))
    glance = flat_text(reader.pages[2].extract_text())
    assert glance.startswith("At a glance")
    ordered = sorted(example_build.book.questions, key=lambda q: -q.probability)
    positions = [glance.index(flat_text(q.title)) for q in ordered]
    assert positions == sorted(positions)
    top = ordered[0]
    page = next(i + 1 for i, p in enumerate(reader.pages) if f"Q{top.number} {top.title}" in flat_text(p.extract_text()))
    assert f"{top.title} {top.probability} {top.band} {page}" in glance


def test_question_pages_have_band_and_notes_area(example_build):
    text = pdf_text(pdf_of(example_build))
    assert "Probability 85 High" in text and "Probability 45 Medium" in text
    assert text.count("Interviewer notes") == len(example_build.book.questions)
    assert "Score 1 2 3 4" in text


def test_section_opener_has_count_average_bands_and_its_questions_with_pages(example_build):
    text = pdf_text(pdf_of(example_build))
    assert "Questions Q5-Q8 Count 4 Average probability 64.5" in text
    reader = PdfReader(pdf_of(example_build))
    pages = [flat_text(p.extract_text()) for p in reader.pages]
    opener = next(i for i, p in enumerate(pages) if "Questions Q5-Q8" in p)
    for question in [q for q in example_build.book.questions if 5 <= q.number <= 8]:
        shown_on = next(i for i, p in enumerate(pages) if flat_text(f"Q{question.number} {question.title}") in p)
        row = flat_text(f"{question.number} {question.title} {question.probability} {question.band} {shown_on + 1}")
        assert row in pages[opener], row


def test_pdf_metadata_for_email_and_archive(example_build):
    reader = PdfReader(pdf_of(example_build))
    info = reader.metadata
    assert info.title == example_build.book.title
    assert info.author and "12 questions" in info.subject and "Service Design" in info["/Keywords"]
    fonts = {f for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts and all("+" in f.get_object()["/BaseFont"] for f in fonts)  # embedded subsets
    assert subprocess.run(["qpdf", "--check", str(pdf_of(example_build))], capture_output=True).returncode == 0


def test_letter_paper_without_notes(tmp_path):
    report = build(EXAMPLE, tmp_path, BuildOptions(pdf=PdfOptions(paper="letter", notes=False, duplex=True)))
    reader = PdfReader(pdf_of(report))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)
    assert "Interviewer notes" not in pdf_text(pdf_of(report))


def test_pdf_is_tagged_with_alt_text_for_every_diagram(example_build):
    root = PdfReader(pdf_of(example_build)).trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(root["/StructTreeRoot"])
    assert len(alts) == len(example_build.book.diagrams())
    assert any("Map domain boundaries" in alt and "Find Seams" in alt for alt in alts)


def test_contents_and_glance_entries_are_links_to_their_pages(example_build):
    reader = PdfReader(pdf_of(example_build))
    named = reader.named_destinations

    def links(page) -> list[str]:
        return [str(a.get_object()["/Dest"]) for a in page.get("/Annots") or []
                if a.get_object().get("/Subtype") == "/Link"]

    def targets(page) -> list[int]:
        return [reader.get_destination_page_number(named[name]) + 1 for name in links(page)]

    contents, glance = reader.pages[1], reader.pages[2]
    questions, chapters = len(example_build.book.questions), len(pdf.shown_chapters(example_build.book))
    # Each entry of the contents (at a glance, chapters, questions) is a link (an <a> laid out as
    # a flex item once lost its link in WeasyPrint 70), to the page its number shows.
    assert len(set(links(contents))) == 1 + chapters + questions
    printed = {int(n) for n in re.findall(r"(\d+)\s*$", contents.extract_text(), re.M)}
    assert set(targets(contents)) <= printed
    assert len(set(links(glance))) >= questions
    assert all(3 <= t <= len(reader.pages) for t in targets(contents) + targets(glance))


def test_a_long_chain_goes_down_and_a_diagram_outside_questions_stays_in_the_text_column(tmp_path):
    chain = " --> ".join(f"N{i}[Step number {i} of the long chain]" for i in range(14))
    document = tmp_path / "chain.md"
    document.write_text(f"# Chains\n\n## Overview\n\n```mermaid\ngraph LR\n    {chain}\n```\n\n"
                        f"## Section 1: One (Q1-Q1)\n\n### Q1. Chain?\n**Probability**: 50\n\n```mermaid\ngraph LR\n    {chain}\n```\n")
    report = build(document, tmp_path / "out")
    with pdfplumber.open(pdf_of(report)) as handbook:
        for page in handbook.pages:
            assert max(c["x1"] for c in page.chars) <= page.width - 50  # nothing runs off the page
        diagram_pages = [p for p in handbook.pages if "Step number 13" in (p.extract_text() or "")]
        assert len(diagram_pages) == 2
        # Laid across, the chain printed at about 2 pt; turned to go down, at 6.6 pt on this page size.
        assert all(min(c["size"] for c in p.chars) > 6 for p in diagram_pages)
