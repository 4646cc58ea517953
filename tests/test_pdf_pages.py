"""Page numbers in the contents and the question lists, written into the laid-out handbook."""

import gc
import re
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from conftest import EXAMPLE, flat_text
from printbook import pdf, weasyprint_internals
from printbook.parse import parse_file, parse_text


def contents_numbers(path) -> dict[str, int]:
    """Each question's page number as the contents page gives it."""
    text = flat_text(PdfReader(path).pages[1].extract_text().replace(pdf.FIGURE_SPACE, " "))
    # An entry is its label and title, then its number (the dots are drawn, not text).
    return {label: int(number) for label, number
            in re.findall(r"(Q\d+)\. .*? (\d+)(?= [A-Z]|$)", text)}


def heading_pages(path, book) -> dict[str, int]:
    """The page each question's heading is printed on."""
    texts = [flat_text(page.extract_text()) for page in PdfReader(path).pages]
    return {f"Q{q.number}": next(i for i, text in enumerate(texts, start=1) if f"Q{q.number} {q.title[:25]}" in text)
            for q in book.questions}


@pytest.mark.e2e
def test_page_numbers_are_written_in_and_match_weasyprints_own(tmp_path, monkeypatch):
    book = parse_file(EXAMPLE)
    written = []
    write_in = weasyprint_internals.write_in_page_numbers
    monkeypatch.setattr(weasyprint_internals, "write_in_page_numbers",
                        lambda *args: written.append(write_in(*args)) or written[-1])
    pdf.write_pdf(book, {}, tmp_path / "written.pdf")
    assert written == [True]  # no second layout
    numbers = contents_numbers(tmp_path / "written.pdf")
    assert len(numbers) == len(book.questions)
    assert numbers == heading_pages(tmp_path / "written.pdf", book)

    # Where they cannot be written in, WeasyPrint's target-counter gives the same numbers.
    monkeypatch.setattr(weasyprint_internals, "write_in_page_numbers", lambda *args: False)
    pdf.write_pdf(book, {}, tmp_path / "counted.pdf")
    assert contents_numbers(tmp_path / "counted.pdf") == numbers
    glance = [flat_text(PdfReader(tmp_path / name).pages[2].extract_text().replace(pdf.FIGURE_SPACE, " "))
              for name in ("written.pdf", "counted.pdf")]
    assert glance[0] == glance[1]


def test_a_thousand_pages_get_four_digits_and_a_failed_write_in_falls_back_to_weasyprint():
    asked = []

    def html_with_blanks(digits):
        asked.append(digits)
        return f'<span data-page-of="#q-1">{pdf.FIGURE_SPACE * digits}</span>'

    # Pages not laid out by WeasyPrint: no anchors to find, so the write-in cannot work.
    laid_out = pdf.typeset(html_with_blanks, lambda html: SimpleNamespace(pages=[object()] * 1200))
    assert asked == [3, 4, 0] and len(laid_out.pages) == 1200


@pytest.mark.e2e
def test_a_book_without_page_numbers_is_laid_out_once(tmp_path, monkeypatch):
    laid_out = []
    lay_out = pdf.HTML.render
    monkeypatch.setattr(pdf.HTML, "render", lambda self, **kw: laid_out.append(1) or lay_out(self, **kw))
    pdf.write_pdf(parse_text("# Only a title\n\nSome words and no chapters.\n", "t.md"), {}, tmp_path / "t.pdf")
    assert len(laid_out) == 1


def test_the_garbage_collector_is_paused_only_while_typesetting(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(pdf, "typeset", lambda *args: seen.append(gc.isenabled()) or 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pdf.write_pdf(parse_text("# T\n", "t.md"), {}, tmp_path / "t.pdf")
    assert seen == [False]
    assert gc.isenabled()  # even when typesetting failed


@pytest.mark.e2e
def test_a_contents_entry_with_a_word_longer_than_the_line_keeps_its_page_number_in_the_column(tmp_path):
    """The word breaks; the page number stays where every other one is, at the column's edge."""
    import pdfplumber

    long_word = "org.example.platform.infrastructure.kubernetes.controllers.ReconciliationLoopImplementationFactoryBean"
    book = parse_text(f"# Long words\n\n## Section 1: Basics\n\n### Q1. What does {long_word} do?\n\n**Probability:** 80%\n\n"
                      "It reconciles.\n\n### Q2. A short one?\n\n**Probability:** 50%\n\nYes.\n", tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        page = document.pages[1]
        numbers = [w for w in page.extract_words()  # (not the footer's "page 2 of 4")
                   if w["text"].strip(pdf.FIGURE_SPACE).isdigit() and w["top"] < page.height * 0.9]
        heading = next(w for w in page.extract_words() if w["text"] == "Contents")
    assert len(numbers) == 4  # at a glance, the section, its two questions
    assert max(w["x1"] for w in numbers) - min(w["x1"] for w in numbers) < 0.5
    assert max(w["x1"] for w in numbers) < page.width - heading["x0"] + 1  # inside the right margin


def test_a_word_or_a_line_of_code_longer_than_the_column_breaks_inside_the_page(tmp_path):
    """A line of code without spaces ran off the page's edge, its end lost on paper."""
    import pdfplumber

    code = "a_line_of_code_without_any_spaces_" * 6
    name = "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration"
    book = parse_text(f"# Long\n\n## Words\n\nThe class `{name}` and {name * 2} go on.\n\n```\n{code}\n```\n",
                      tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        page = document.pages[-1]
        words = page.extract_words()
        left = min(w["x0"] for w in words)
        assert max(w["x1"] for w in words) <= page.width - left + 1  # the right margin as wide as the left
        assert "".join(w["text"] for w in words).count("a_line_of_code") == 6  # all of it printed


def test_a_table_too_wide_for_the_page_is_printed_smaller_on_it_and_one_that_fits_as_it_is(tmp_path):
    """Thirteen columns of hyphenated words ran past the page's edge, seven of them lost on paper."""
    import pdfplumber

    columns = ["Availability", "Consistency", "Partitioning", "Replication", "Durability", "Throughput", "Latency",
               "Observability", "Scalability", "Maintainability", "Security", "Compliance"]
    wide = "\n".join(["| Store | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns),
                      *(f"| {name} | " + " | ".join(["Eventually-consistent"] * len(columns)) + " |"
                        for name in ("Postgres", "Cassandra"))])
    narrow = "| Store | Model |\n|---|---|\n| Postgres | Relational |\n"
    book = parse_text(f"# Tables\n\n## Wide\n\n{wide}\n\n## Narrow\n\n{narrow}", tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        wide_page, narrow_page = document.pages[-2:]
        text = wide_page.extract_text()
        assert all(column[:5] in text for column in columns)  # every column printed (its name may break)
        left = min(c["x0"] for c in wide_page.chars)
        assert max(c["x1"] for c in wide_page.chars) <= wide_page.width - left + 1
        assert min(c["size"] for c in wide_page.chars if "Eventual" in text) >= 7
        [relational] = [w for w in narrow_page.extract_words(extra_attrs=["size"]) if w["text"] == "Relational"]
        assert round(relational["size"], 1) == 9.0


def test_a_questions_notes_go_on_with_its_last_lines_never_alone_on_a_page(tmp_path):
    """Where a question's text filled its page exactly, its notes area had the next page alone."""
    import pdfplumber

    questions = "".join(f"### Q{n}. Why {n}?\n\n" + "".join(f"- point {i} of question {n}\n" for i in range(n)) + "\n"
                        for n in range(40, 64))
    book = parse_text(f"# Notes\n\n## Section 1: All\n\n{questions}", tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    alone = []
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        for number, page in enumerate(document.pages, start=1):
            lines = (page.extract_text() or "").splitlines()
            if len(lines) > 1 and lines[1].startswith("Interviewer notes"):  # (below the running head)
                alone.append(number)
    assert not alone


def test_a_chapters_list_of_questions_leaves_no_last_row_or_two_alone_on_a_page(tmp_path):
    """A chapter's own text one line longer pushed the last of its list's rows to a page alone."""
    import pdfplumber

    questions = "".join(f"### Q{n}. Why {n}?\n\nBecause.\n\n" for n in range(1, 37))
    continued = []
    for lines in range(6):  # (each line of text moves the list down by a row or two)
        text = "".join(f"Line {k} of the chapter's own text.\n\n" for k in range(lines))
        book = parse_text(f"# Kit\n\n## Section 1: One\n\n{text}{questions}", tmp_path / "guide.md")
        pdf.write_pdf(book, {}, tmp_path / "book.pdf")
        with pdfplumber.open(tmp_path / "book.pdf") as document:
            pages = [(page.extract_text() or "").splitlines() for page in document.pages]
        rows = [sum(bool(re.match(r"\d+ Why \d+\?", line)) for line in page) for page in pages]
        first = next(i for i, page in enumerate(pages) if any(line.startswith("Count") for line in page))
        continued.append(rows[first + 1])  # (the chapter's page; the book's list of questions is before it)
    assert all(count == 0 or count >= 3 for count in continued) and any(continued), continued


def test_html_nested_hundreds_deep_prints(tmp_path):
    """Hundreds of <b> or <ul> within each other made WeasyPrint exceed Python's recursion limit:
    nothing was published. Beyond twenty levels they are read as the level around them."""
    import pdfplumber

    deep = ("<b>" * 600 + "bold words\n\n<div>" + "<ul><li>item" * 600 + "</li></ul>" * 600 + "</div>\n\n"
            + "<i>" * 600 + "last words\n")
    book = parse_text(f"# Deep\n\n## Section 1: One\n\n### Q1. Why?\n\n{deep}", tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        text = " ".join(page.extract_text() or "" for page in document.pages)
    assert "bold words" in text and "item" in text and "last words" in text


@pytest.mark.e2e
def test_a_diagram_weasyprint_cannot_draw_whole_is_said_by_the_words_it_shows(tmp_path, caplog):
    """A safety net: WeasyPrint stops drawing a picture at the first element it fails on and
    only logs it (a marker on a path with no segment did, in WeasyPrint 70)."""
    from printbook.model import Picture
    book = parse_text("# T\n\n## S\n\n```mermaid\ngraph LR\n  A --> B\n```\n", "t.md")
    [diagram] = book.diagrams()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
           '<defs><marker id="m" orient="auto" markerWidth="6" markerHeight="6"><path d="M0,0L6,3L0,6Z"/></marker></defs>'
           '<text x="10" y="20" font-size="16">Ledger</text><path d="M100,30Z" stroke="black" marker-end="url(#m)"/>'
           '<text x="10" y="50" font-size="16">Never drawn</text></svg>')
    with caplog.at_level("WARNING", logger="printbook"):
        pdf.write_pdf(book, {diagram: Picture(svg, 200, 60)}, tmp_path / "t.pdf", options=pdf.PdfOptions(duplex=True))
    said = [r.getMessage() for r in caplog.records if r.name == "printbook"]
    assert len(said) == 1 and "'Ledger', 'Never drawn'" in said[0] and "prints in part" in said[0]


def test_a_footnote_prints_at_the_foot_of_the_page_that_refers_to_it(tmp_path):
    """GitHub's footnotes printed as written: `[^1]` in the text, and `[^1]: …` as a paragraph."""
    import subprocess

    import pdfplumber
    from PIL import Image

    questions = "".join(f"### Q{n}. Why {n}?\n\nSee the note[^n{n % 3}].\n\n" + "- a point\n" * 30 + "\n"
                        for n in range(1, 7))
    notes = "".join(f"[^n{k}]: Note {k} explains it.\n" for k in range(3))
    book = parse_text(f"# Notes\n\n## Section 1: All\n\n{questions}{notes}", tmp_path / "guide.md")
    pdf.write_pdf(book, {}, tmp_path / "book.pdf")
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / "book.pdf"), str(tmp_path / "p")], check=True)
    seen = 0
    with pdfplumber.open(tmp_path / "book.pdf") as document:
        for number, page in enumerate(document.pages, start=1):
            words = page.extract_words()
            calls = [w for w in words if re.fullmatch(r"note\d\.", w["text"])]
            if not calls:
                continue
            [call] = calls  # "note1.": the text and its call, raised and smaller
            which = call["text"][-2]
            [note] = [w for w in words if w["text"] == "Note" and w["top"] > call["top"]]
            assert note["top"] > max(w["bottom"] for w in words if w["text"] == "point")  # below the text
            assert min(c["size"] for c in page.chars if c["top"] >= call["top"] - 1 and c["bottom"] <= call["bottom"]
                       + 1) >= 7
            assert f"{which}. Note" in page.extract_text()
            image = Image.open(next(tmp_path.glob(f"p-*{number}.png"))).convert("L")
            scale = image.width / float(page.width)
            drawn = image.crop((int(note["x0"] * scale), int(note["top"] * scale), int(note["x1"] * scale) + 1,
                                int(note["bottom"] * scale) + 1))
            assert min(drawn.getextrema()) < 128  # drawn, not only in the text layer
            seen += 1
    assert seen == 6
