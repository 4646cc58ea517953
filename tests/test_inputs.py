"""Safe with any document: pictures only from the document's own folder, options checked before
anything is rendered, mermaid's limits named, pathological input caught, numbering checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from printbook import checks, fetcher, parse, pictures
from printbook.pipeline import build, diagram_names
from printbook.diagrams import RenderOptions
from printbook.model import Diagram, DiagramFailure, Location
from printbook.pdf import render_html

from conftest import EXAMPLE, pdf_of, pdf_text, png, said

PRINTBOOK = [sys.executable, "-m", "printbook"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PRINTBOOK, *args], capture_output=True, text=True)


@pytest.fixture
def picture_folder(tmp_path) -> tuple[Path, Path]:
    """A document with pictures beside and below it, and others it names outside its folder."""
    outside = tmp_path / "secret.png"
    outside.write_bytes(png(8, 8, (200, 0, 0)))
    folder = tmp_path / "docs"
    (folder / "img").mkdir(parents=True)
    (folder / "beside.png").write_bytes(png(40, 20, (0, 120, 0)))
    (folder / "img" / "below.png").write_bytes(png(40, 20, (0, 0, 160)))
    # An SVG inside the folder that itself points outside it: WeasyPrint's fetcher refuses that.
    (folder / "img" / "sneaky.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'
        f'<image xlink:href="{outside.as_uri()}" width="40" height="20"/></svg>')
    (folder / "link.png").symlink_to(outside)  # a link inside that leads out
    document = folder / "doc.md"
    document.write_text(
        "# Pictures\n\n## Section 1: One\n\n### Q1. What is shown?\n**Probability**: 50\n\n"
        "Beside: ![green box](beside.png)\n\nBelow: ![blue box](img/below.png)\n\n"
        "Sneaky: ![svg](img/sneaky.svg)\n\n"
        f"Up: ![red up](../secret.png)\n\nAbsolute: ![red abs]({outside})\n\n"
        f"File: ![red file]({outside.as_uri()})\n\nWeb: ![web](https://example.com/x.png)\n\n"
        "Linked: ![red link](link.png)\n\nMissing: ![gone](nowhere.png)\n")
    return document, outside


def test_pictures_beside_and_below_print_and_none_outside_is_ever_opened(picture_folder, tmp_path):
    document, outside = picture_folder
    opened: list[str] = []

    def audit(event: str, args: tuple) -> None:
        if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # every file Python opens from here on (hooks cannot be removed)
    report = build(document, tmp_path / "out")
    reading = list(opened)
    opened.clear()
    opened.append("done")  # later tests' opens are none of this test's business
    assert not [p for p in reading if Path(p).resolve() == outside.resolve()], "a file outside the folder was read"
    with pdfplumber.open(pdf_of(report)) as pdf:
        shown = [image for page in pdf.pages for image in page.images]
    assert len(shown) == 2  # beside.png and img/below.png; the SVG's outside picture is not drawn
    text = pdf_text(pdf_of(report))
    for alt in ("red up", "red abs", "red file", "web", "red link", "gone"):
        assert f"[picture left out: {alt}]" in text
    warnings = {d.code: [] for d in report.diagnostics}
    for d in report.diagnostics:
        warnings[d.code].append(str(d))
    # ../, absolute, file:, a link that leads out; and the SVG's own picture, refused by WeasyPrint's fetcher
    assert len(warnings["picture.outside"]) == 5 and len(warnings["picture.remote"]) == 1
    assert any(outside.as_uri() in w for w in warnings["picture.outside"])
    assert len(warnings["picture.missing"]) == 1
    up = next(w for w in warnings["picture.outside"] if "../secret.png" in w)
    assert up.startswith(f"{document}:14:15: warning: picture outside the document's folder left out: ../secret.png")


def test_a_picture_named_by_an_html_tag_prints_as_a_markdown_one_does(picture_folder, tmp_path):
    # READMEs size and centre their pictures with HTML, which the handbook otherwise leaves out.
    document, outside = picture_folder
    document.write_text('# Pictures\n\n## One\n\n<p align="center">\n  <img src="beside.png" width="600" alt="green box">\n'
                        '</p>\n\nInline <img src="img/below.png"> and <IMG SRC="../secret.png" ALT="red up"> here.\n')
    report = build(document, tmp_path / "out")
    with pdfplumber.open(pdf_of(report)) as pdf:
        assert len([image for page in pdf.pages for image in page.images]) == 2
    assert "[picture left out: red up]" in pdf_text(pdf_of(report))
    [warning] = [str(d) for d in report.diagnostics if d.code == "picture.outside"]
    assert warning.startswith(f"{document}:9:48: warning: picture outside the document's folder left out: ../secret.png")
    assert outside not in pictures.shown(parse.parse_file(document))
    assert [p.name for p in pictures.shown(parse.parse_file(document))] == ["beside.png", "below.png"]


def test_lint_says_the_same_of_pictures_as_a_build(picture_folder):
    document, _ = picture_folder
    result = run("lint", str(document))
    assert result.returncode == 1
    assert sum("[picture.outside]" in line for line in result.stdout.splitlines()) == 4


def test_the_fetcher_refuses_what_the_markdown_did_not_see(tmp_path):
    inside = tmp_path / "doc"
    inside.mkdir()
    (tmp_path / "x.png").write_bytes(png(2, 2, (0, 0, 0)))
    confined = fetcher.ConfinedFetcher([inside])
    for url in ((tmp_path / "x.png").as_uri(), "https://example.com/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="outside the document's folder"):
            confined.fetch(url)
    (inside / "ok.png").write_bytes(png(2, 2, (0, 0, 0)))
    assert confined.fetch((inside / "ok.png").as_uri()).read().startswith(b"\x89PNG")


@pytest.mark.parametrize("option, content, problem", [
    ("--reference-pptx", b"not a deck", "--reference-pptx: not a PowerPoint deck"),
    ("--logo", b"not an image", "--logo: not a picture"),
    ("--logo", b"<?xml version='1.0'?><html/>", "--logo: an XML file, but not an SVG picture"),
])
def test_a_bad_option_is_one_line_before_anything_is_rendered(tmp_path, option, content, problem):
    given = tmp_path / ("given.pptx" if option == "--reference-pptx" else "given.png")
    given.write_bytes(content)
    outdir = tmp_path / "out"
    result = run("build", str(EXAMPLE), "-o", str(outdir), option, str(given))
    assert result.returncode == 2
    assert said(result.stderr).count("\n") == 1 and said(result.stderr).startswith(f"{given}:1:1: error: {problem}")
    assert not outdir.exists()  # nothing rendered, nothing cached


def test_an_output_folder_that_cannot_be_written_is_one_line_before_rendering(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("build", str(EXAMPLE), "-o", str(blocker / "out"))
    assert result.returncode == 2 and said(result.stderr).count("\n") == 1
    assert "cannot write to the output folder" in result.stderr and result.stderr.strip().endswith("[option.output]")


def question_doc(diagram: str) -> str:
    return f"# Limits\n\n## Section 1: One\n\n### Q1. Big?\n**Probability**: 50\n\n```mermaid\n{diagram}\n```\n"


def test_a_diagram_over_the_text_size_limit_is_named_and_can_be_raised(tmp_path):
    diagram = "graph TD\n" + "\n".join(f"    N{i}[A label long enough to count] --> N{i + 1}" for i in range(1200))
    document = tmp_path / "doc.md"
    document.write_text(question_doc(diagram))
    over = run("lint", str(document), "--no-cache")
    assert over.returncode == 1
    [line] = [l for l in over.stdout.splitlines() if "[diagram.text-limit]" in l]
    assert line.startswith(f"{document}:8:1: warning: graph diagram not drawn: ")
    assert "over mermaid's text size limit of 50,000" in line and "--mermaid-max-text-size" in line
    strict = run("build", str(document), "-o", str(tmp_path / "out"), "--strict", "--no-cache")
    assert strict.returncode == 1 and "[diagram.text-limit]" in strict.stderr


@pytest.mark.e2e
def test_a_diagram_over_the_edge_limit_is_named_and_can_be_raised(tmp_path):
    diagram = "graph LR\n" + "\n".join(f"    A{i % 40} --> B{i}" for i in range(520))
    document = tmp_path / "doc.md"
    document.write_text(question_doc(diagram))
    over = run("lint", str(document), "--no-cache")
    [line] = [l for l in over.stdout.splitlines() if "[diagram.edge-limit]" in l]
    assert "more edges than mermaid's limit of 500" in line and "--mermaid-max-edges" in line
    raised = run("lint", str(document), "--no-cache", "--mermaid-max-edges", "600")
    assert raised.returncode == 0, raised.stdout


def test_a_failed_diagram_placeholder_shows_twenty_lines_and_says_how_many_more():
    source = "graph TD\n" + "\n".join(f"    A{i} --> B{i}" for i in range(2000))
    book = parse.parse_text(question_doc(source), "doc.md")
    [diagram] = book.diagrams()
    failure = DiagramFailure("Parse error on line 3:\n...\n---^\nExpecting 'SQE', got 'PS'",
                             "graph diagram not drawn: mermaid cannot parse line 3", Location("doc.md", 11, 5))
    html = render_html(book, {diagram: failure})
    assert "doc.md:11:5" in html and "mermaid cannot parse line 3" in html and "Expecting" not in html
    assert "A18 --&gt; B18" in html and "A19 --&gt; B19" not in html and "… 1981 more lines" in html


@pytest.mark.parametrize("text, problem", [
    ("# H\n\n" + "\n\n".join(f"## H{i}\n\nx" for i in range(600)), "more than 500 chapters"),
    ("# H\n\n## S\n\n" + "\n\n".join(f"### Q{i}. x?" for i in range(3100)), "more than 3,000 questions"),
])
def test_too_many_headings_is_a_located_error_before_typesetting(tmp_path, text, problem):
    document = tmp_path / "doc.md"
    document.write_text(text)
    result = run("build", str(document), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and problem in result.stderr and "[input.too-large]" in result.stderr
    assert said(result.stderr).startswith(f"{document}:") and not (tmp_path / "out").exists()


def test_a_block_of_millions_of_characters_is_left_out_with_a_warning_and_the_rest_publishes(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text("# Huge\n\n## Section 1: One\n\nBefore.\n\n" + "word " * 1_000_000 + "\n\nAfter.\n")
    report = build(document, tmp_path / "out")
    [warning] = [d for d in report.diagnostics if d.code == "input.too-large"]
    assert str(warning).startswith(f"{document}:7:1: warning: a block of 5,000,000 characters left out")
    text = pdf_text(pdf_of(report))
    assert "Before." in text and "After." in text and "characters left out here" in text


def test_numbers_that_disagree_are_located_warnings():
    book = parse.parse_text(
        "# N\n\n## Section 1: A (Q1-Q3)\n\n### Q1. a?\n**Probability**: 50\n\n### Q2. b?\n**Probability**: 150\n\n"
        "### Q2. c?\n**Probability**: 40\n\n### Q3. d?\n\n### Q4. e?\n\n"
        "## Section 1: A (Q6-Q6)\n\n### Q6. f?\n", "doc.md")
    found = {d.code: str(d) for d in (*book.diagnostics, *checks.check_structure(book))}
    assert found["numbers.probability"].startswith("doc.md:9:1: warning: probability '150'")
    assert found["numbers.duplicate-question"].startswith("doc.md:11:1: warning: question number Q2 is used twice "
                                                          "(first at line 8)")
    assert found["numbers.missing-question"].startswith("doc.md:20:1: warning: question numbers skip Q5")
    assert found["numbers.duplicate-section"].startswith("doc.md:18:1: warning: section number 1 is used twice")
    assert "section 1 states (Q1-Q3) but holds Q1-Q4, 5 questions" in found["numbers.range"]
    names = diagram_names(book)
    assert len(set(names.values())) == len(names)


def test_a_chapter_that_numbers_its_questions_again_gets_one_warning_not_one_a_question():
    """A second question bank numbered from 1 again: a warning per question (72 in one document by
    others) said the same thing 72 times."""
    bank = lambda title: f"## {title}\n\n" + "".join(f"### Q{n}. Why {title} {n}?\n\nBecause.\n\n" for n in range(1, 6))  # noqa: E731
    book = parse.parse_text("# Banks\n\n" + bank("Java") + bank("Go") + "## Last\n\n### Q5. Again?\n\nYes.\n", "doc.md")
    found = [str(d) for d in checks.check_structure(book) if d.code == "numbers.duplicate-question"]
    assert found[0].startswith("doc.md:27:1: warning: 5 question numbers of chapter 'Go' are used before it: Q1-Q5 "
                               "(Q1 first at line 5)")
    assert found[1].startswith("doc.md:49:1: warning: question number Q5 is used twice (first at line 21)")
    assert len(found) == 2


def test_exported_diagram_names_are_unique_when_questions_share_a_number():
    book = parse.parse_text("# N\n\n## S\n\n### Q1. a?\n\n```mermaid\ngraph TD\n  A-->B\n```\n\n"
                            "### Q1. b?\n\n```mermaid\ngraph TD\n  C-->D\n```\n", "doc.md")
    assert sorted(diagram_names(book).values()) == ["q1", "q1-2"]


@pytest.mark.e2e
def test_two_sections_with_the_same_number_and_title_make_two_decks(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text("# Twice\n\n## Section 2: B\n\n### Q1. a?\n**Probability**: 50\n\n"
                        "## Section 2: B\n\n### Q2. b?\n**Probability**: 60\n")
    report = build(document, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out" / "decks").iterdir()) == ["02-b-2.pptx", "02-b.pptx"]
    assert any(d.code == "numbers.duplicate-section" for d in report.diagnostics)
