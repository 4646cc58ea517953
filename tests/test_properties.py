"""Property tests over generated input: any bytes, any Markdown of the interview format's pieces,
any mermaid text. The result is always a book (and outputs) or a located error: never a
traceback, never a hang. Bounded in examples so that `make test` stays short."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from printbook import checks, deck, parse, pictures, repair, resources
from printbook.pipeline import BuildOptions, build, diagram_names
from printbook.diagrams import DiagramStage, RenderOptions, explain_mermaid_error
from printbook.model import Diagram, DiagramFailure, Location, Picture, PrintbookError
from printbook.pdf import render_html

from conftest import png

QUICK = settings(max_examples=150, deadline=timedelta(seconds=30), suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
WORDS = st.text(st.sampled_from("abc xyz()[]{}<>|/\\\"'#*_`-:;.,!?%&$^→📦é\t"), min_size=0, max_size=40)
MERMAID_HEADERS = st.sampled_from(["graph TD", "flowchart LR", "sequenceDiagram", "classDiagram", "stateDiagram-v2",
                                   "erDiagram", "pie", "gantt", "mindmap", "timeline", "journey", "", "%%{init: {}}%%"])


@st.composite
def mermaid(draw) -> str:
    lines = [draw(MERMAID_HEADERS)]
    for _ in range(draw(st.integers(0, 8))):
        lines.append(draw(st.sampled_from(["    ", "", "\t"])) + draw(st.one_of(
            WORDS, st.builds(lambda a, b, label: f"{a}[{label}] --> {b}", WORDS, WORDS, WORDS),
            st.builds(lambda label: f"subgraph {label}", WORDS), st.just("end"), st.just("---"))))
    return "\n".join(lines)


HTML = st.lists(st.one_of(WORDS, st.sampled_from(
    ["<details>", "</details>", "<summary>", "</summary>", "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>",
     "<th>", "<pre>", "</pre>", "<ul>", "</ul>", "<ol>", "<li>", "</li>", "<b>", "</b>", "<i>", "<code>", "</code>",
     "<script>", "</script>", "<h3 align=center>", "</h3>", "<br>", "<p>", "</p>", "&amp;", "&#0;", "<!--", "-->",
     "\n", "\n\n"])), max_size=30).map(lambda pieces: "<div>" + "".join(pieces))


@st.composite
def document(draw) -> str:
    """Markdown made of the pieces interview documents are made of, in any order and shape."""
    pieces = [draw(st.sampled_from(["", "# ", "#"])) + draw(TEXT)]
    for _ in range(draw(st.integers(0, 14))):
        pieces.append(draw(st.one_of(
            st.builds(lambda n, t, r: f"## Section {n}: {t} {r}", st.integers(0, 120), WORDS,
                      st.sampled_from(["", "(Q1-Q3)", "(Q5-Q2)", "(Q1-Q999)"])),
            st.builds(lambda n, t: f"### Q{n}. {t}", st.integers(0, 50), WORDS),
            # a heading with only a question's number, the question (or a remark) in the paragraph below
            st.builds(lambda h, n, t: f"{h} Question {n}\n\n{t}", st.sampled_from(["##", "###"]), st.integers(0, 50), WORDS),
            st.builds(lambda t: f"### {t}", WORDS), st.builds(lambda t: f"## {t}", WORDS),
            st.builds(lambda p: f"**Probability**: {p}", st.one_of(st.integers(-50, 250).map(str), WORDS)),
            st.builds(lambda m: f"```mermaid\n{m}\n```", mermaid()),
            st.builds(lambda m: f"```mermaid\n{m}", mermaid()),  # a fence never closed
            st.builds(lambda a, b: f"| {a} | {b} |\n|---|---|\n| {b} | {a} |", WORDS, WORDS),
            st.builds(lambda depth, t: ">" * depth + " " + t, st.integers(1, 60), WORDS),
            st.builds(lambda depth, t: "".join("  " * i + "- x\n" for i in range(depth)) + t, st.integers(1, 40), WORDS),
            st.builds(lambda alt, src: f"![{alt}]({src})", WORDS, st.sampled_from(
                ["pic.png", "../x.png", "/etc/passwd", "file:///etc/hosts", "https://x.y/z.png", "data:image/png;base64,AAAA",
                 "", "a b.png", "%2e%2e/x.png"])),
            st.builds(lambda n: "word " * n, st.integers(0, 3000)), st.just("---"), st.just(""), TEXT, HTML,
            # questions asked outside headings: in bold paragraphs, and in lists (three at once: enough to count)
            st.builds(lambda n, t, a: "\n\n".join(f"**Q{n + i}.** {t}?\n{a}" for i in range(3)), st.integers(0, 50), WORDS, WORDS),
            st.builds(lambda mark, t, a, m: "".join(f"{mark} **What {t}?** {a}\n   ```mermaid\n   {m}\n   ```\n   {a}\n"
                                                    for _ in range(3)), st.sampled_from(["1.", "-", "12)", "*"]), WORDS,
                      WORDS, mermaid()))))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return draw(st.sampled_from(["", "\ufeff"])) + newline.join(pieces)


def read_or_located_error(path: Path):
    """The book, or None after checking the error names the file and a line."""
    try:
        return parse.parse_file(path)
    except PrintbookError as error:
        assert error.diagnostic.location is not None and error.diagnostic.location.file == str(path)
        assert str(error).startswith(f"{path}:")
        return None


@QUICK
@given(st.binary(max_size=400) | st.builds(lambda t, junk: t.encode() + junk, TEXT, st.binary(max_size=20)))
def test_any_bytes_are_a_book_or_a_located_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.md"
        path.write_bytes(data)
        read_or_located_error(path)


def fake_renderings(book) -> dict:
    """Every other diagram drawn (a small picture), the rest failed: what the stages downstream of
    the renderer may meet."""
    picture = Picture(svg='<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><text x="4" y="30">'
                          'box</text></svg>', width=120, height=60, png=png(12, 6, (200, 200, 200)))
    return {d: picture if i % 2 else DiagramFailure("Parse error on line 1:\n...\n---^\nExpecting 'X'", "not parsed",
                                                    Location(d.location.file, d.location.line + 1))
            for i, d in enumerate(book.diagrams())}


@QUICK
@given(document())
def test_any_document_parses_checks_and_lays_out_as_html_and_decks(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.md"
        path.write_text(text, newline="")
        book = read_or_located_error(path)
        if book is None:
            return
        discrepancies = checks.check_numbers(book)
        found = [*checks.as_diagnostics(discrepancies), *checks.check_structure(book), *pictures.check_pictures(book)]
        assert all(d.location is not None and d.code for d in found)
        for diagram in book.diagrams():
            for note in repair.repair(diagram).notes:
                assert note.location.line >= diagram.location.line
        names = diagram_names(book)
        assert len(set(names.values())) == len(names)
        renderings = fake_renderings(book)
        assert "<html" in render_html(book, renderings, discrepancies, page_number_digits=3)
        for index, chapter in enumerate(book.sections[:2]):
            deck.write_deck(book, [chapter], renderings, Path(folder) / f"{index}.pptx")


@QUICK
@given(mermaid(), st.text(max_size=200))
def test_any_mermaid_message_explains_to_a_line_in_the_diagram(source, message):
    line, column, summary = explain_mermaid_error(source, message)
    assert isinstance(summary, str) and line >= 0 and column >= 0


@pytest.mark.e2e
@FEW
@given(st.lists(mermaid(), min_size=1, max_size=6))
def test_any_mermaid_is_drawn_or_a_located_warning_in_the_real_renderer(stage, sources):
    diagrams = [Diagram(source, Location("doc.md", 10 * i + 1)) for i, source in enumerate(sources)]
    renderings, found = stage.render(diagrams)
    failed = [d for d, r in renderings.items() if isinstance(r, DiagramFailure)]
    warned = [w for w in found if w.severity == "warning"]
    assert len(warned) == len(failed)
    for warning, diagram in zip(warned, failed):
        assert warning.location.file == "doc.md" and warning.code.startswith("diagram.")
        assert renderings[diagram].location == warning.location  # the placeholder says where the warning does


@pytest.fixture(scope="module")
def stage():
    with DiagramStage(RenderOptions(restack=False, timeout_seconds=10)) as stage:
        yield stage


@pytest.mark.e2e
@FEW
@given(document())
def test_any_document_builds_into_outputs_or_a_located_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("doc")
    path = folder / "doc.md"
    path.write_text(text, newline="")
    options = BuildOptions(cache_dir=tmp_path_factory.getbasetemp() / "shared-cache")
    try:
        report = build(path, folder / "out", options)
    except PrintbookError as error:
        assert str(error).startswith(f"{path}:")
        return
    assert [w.path.exists() for w in report.written] == [True] * len(report.written)


@pytest.mark.parametrize("text", [
    "# T\n\n## Section 1: S (Q1-Q" + "9" * 5000 + ")\n\n### Q" + "7" * 5000 + ". huge?\n**Probability**: ²\n",
    "# T\n\n## S\n\n### Q1. a\n**Probability**: 50\n\n### Q999999999. b\n**Probability**: 40\n",
    '# T\n\n## S\n\n```mermaid\npie\n  "High" : 1.2.3\n  "Low" : ' + "9" * 400 + "\n```\n\n### Q1. a\n**Probability**: 50\n",
])
def test_hostile_numbers_are_text_or_warnings(text):
    book = parse.parse_text(text, "doc.md")
    found = [*checks.as_diagnostics(checks.check_numbers(book)), *checks.check_structure(book)]
    assert all(d.location is not None for d in found)
    assert "<html" in render_html(book, fake_renderings(book))


@pytest.mark.e2e
def test_an_empty_diagram_still_publishes(tmp_path):
    """Found by the property test above: mermaid draws a mindmap with no nodes 0 px wide."""
    document = tmp_path / "doc.md"
    document.write_text("\n### Q0. \n```mermaid\nmindmap\n```")
    report = build(document, tmp_path / "out")
    assert all(w.path.exists() for w in report.written)


@QUICK
@given(st.lists(st.text(st.sampled_from("iWm.,→📦é-"), min_size=1, max_size=14), max_size=40),
       st.floats(20, 900), st.integers(6, 40))
def test_slide_text_wraps_as_it_would_word_by_word(words, width_pt, size):
    """deck.wrap finds each line's words by halving: the lines a line filled one word at a time
    would have."""
    font, room = resources.font(size), width_pt * deck.WIDER_FONT_ROOM
    lines: list[str] = []
    for word in words:
        if lines and font.getlength(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    assert deck.wrap(" ".join(words), width_pt, size) == (tuple(lines) or ("",))
