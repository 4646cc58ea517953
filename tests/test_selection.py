"""Shorter books for one interview: filters by probability, section and question number."""

import subprocess
import sys

import pytest

from printbook.model import PrintbookError
from printbook.parse import parse_file
from printbook.pipeline import BuildOptions, build
from printbook.selection import Selection, numbers, select

from conftest import EXAMPLE, SEED, needs_shared, outline, pdf_of, pdf_text


def test_numbers_and_ranges_and_what_is_not():
    assert numbers("1-3, 7", "--questions") == {1, 2, 3, 7}
    for bad in ("1-", "x", "5-2", ""):
        with pytest.raises(PrintbookError, match="--questions"):
            numbers(bad, "--questions")
    with pytest.raises(PrintbookError, match="--min-probability: 120"):
        Selection.asked(min_probability=120)


def test_the_filters_keep_what_they_say_and_say_so():
    book = parse_file(EXAMPLE)
    total = len(book.questions)
    high = select(book, Selection.asked(min_probability=70))
    assert high.questions and all(q.probability >= 70 for q in high.questions)
    assert high.selected == f"{len(high.questions)} questions with probability 70 or more, of {total}"
    some = select(book, Selection.asked(sections="1,3", questions="1-2,10-12"))
    assert [q.number for q in some.questions] == [1, 2, 10, 11, 12]
    assert [c.section_number for c in some.sections] == [1, 3]
    assert some.selected == f"5 questions from sections 1, 3, among questions 1–2, 10–12, of {total}"
    assert select(book, Selection()) is book


@pytest.mark.e2e
def test_a_bad_filter_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "printbook", "build", str(EXAMPLE), "-o", str(tmp_path / "out"),
                           "--questions", "1-x"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "printbook: error: --questions: '1-x' is no number or range (hint: give numbers and ranges, as in 1-20,37) "
        "[option.questions]"]
    assert not (tmp_path / "out").exists()


@pytest.mark.acceptance
def test_the_seed_with_min_probability_80_has_14_questions_and_says_so(tmp_path):
    report = build(needs_shared(SEED), tmp_path / "out", BuildOptions(selection=Selection.asked(min_probability=80)))
    marks = outline(pdf_of(report))
    assert len([t for depth, t in marks if depth == 2 and t.startswith("Q")]) == 14
    text = pdf_text(pdf_of(report))
    assert text.count("14 questions with probability 80 or more, of 100") == 2  # the cover and the contents
    # The document's own numbers are still checked against all 100 questions.
    assert any("Medium-High band (questions): the document states 42, its questions give 64" in d.message
               for d in report.diagnostics)


@pytest.mark.e2e
def test_an_interview_kit_has_its_subtitle_and_a_score_sheet(tmp_path):
    """Filters plus --subtitle: a short book for one interview, "at a glance" its score sheet."""
    import printbook
    from pypdf import PdfReader

    from conftest import EXAMPLE, outline

    report = printbook.build(str(EXAMPLE), str(tmp_path / "out"), min_probability=70,
                             subtitle="Onsite loop: systems design", cache_dir=str(tmp_path / "cache"))
    pdf = report.written[0].path
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]
    assert "Onsite loop: systems design" in pages[0]
    assert (1, "Score sheet") in outline(pdf) and (1, "At a glance") not in outline(pdf)
    [sheet] = [text for text in pages if text.startswith("Score sheet Onsite loop")]
    assert sheet.count("1 2 3 4") == len(report.book.questions) == 5  # a row of boxes per question kept
