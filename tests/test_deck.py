"""Decks read back: python-pptx reopens them, LibreOffice draws them."""

import io
import subprocess

import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from printbook.pipeline import BuildOptions, build
from printbook import deck as deck_stage, resources
from printbook.deck import DeckOptions, fitted_size, wrap
from printbook.model import band

from conftest import EXAMPLE, decks_of, slide_title

pytestmark = pytest.mark.e2e
SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def pictures(deck):
    return [(slide, shape) for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]


def test_diagrams_are_svg_with_a_sharp_png_fallback(example_build):
    deck = Presentation(decks_of(example_build)[0])
    found = pictures(deck)
    assert len(found) >= 4  # one per question, more where a diagram continues over slides
    for slide, shape in found:
        assert shape.image.content_type == "image/png"
        width_px, _ = Image.open(io.BytesIO(shape.image.blob)).size
        assert width_px / (shape.width / 914400) >= 150  # dpi as shown
        [svg_blip] = shape._element.iter(SVG_BLIP)
        svg = slide.part.related_part(svg_blip.get(EMBED))
        assert svg.content_type == "image/svg+xml" and svg.blob.startswith(b"<svg")


def test_notes_tell_the_question_band_and_diagram(example_build):
    deck = Presentation(decks_of(example_build)[0])
    answers = [s for s in deck.slides if s.shapes.title.text.startswith("Q3.")]
    notes = answers[0].notes_slide.notes_text_frame.text
    assert all(s.notes_slide.notes_text_frame.text == notes for s in answers)  # the whole, then its parts
    assert "Q3. How do you design an idempotent payment endpoint?" in notes
    assert f"Probability 77 ({band(77)})" in notes
    assert "Request Path: Client sends Idempotency-Key, Lookup key in store" in notes
    assert "Lookup key in store → Reserve key atomically" in notes


def test_long_titles_are_sized_to_fit_their_placeholder():
    title = "How would you design " + "a very long and winding question " * 8 + "?"
    size = fitted_size(title, 800, 80, 40, 12)
    assert len(wrap(title, 800, size)) * size * 1.2 <= 80
    assert fitted_size("Short?", 800, 80, 40, 12) == 40


def test_a_very_long_title_is_wrapped_measuring_each_line_at_about_its_own_length(monkeypatch):
    """Each line was found by halving the rest of the text, at every size tried: a title of
    30,000 characters (a property test's) measured strings of its whole length hundreds of times
    over, a minute and a half for two decks."""
    measured = []
    font_of = resources.font

    def counting_font(size, bold=False):
        font = font_of(size, bold)

        class Counting:
            def getlength(self, text):
                measured.append(len(text))
                return font.getlength(text)
        return Counting()

    monkeypatch.setattr(resources, "font", counting_font)
    title = "word " * 6000
    lines = wrap.__wrapped__(title, 800, 24)
    assert " ".join(lines) == title.strip()
    assert sum(measured) < 20 * len(title)  # (doubling then halving: a few times each line's length)
    monkeypatch.undo()
    # Sizes that cannot fit are known without wrapping at them: the size found is the same.
    for words in (3, 12, 40, 150, 600):
        text = " ".join(f"word{i}" for i in range(words))
        wrapped = next((size for size in range(40, 11, -1) if len(wrap(text, 800, size)) * size * 1.2 <= 80), 12)
        assert fitted_size(text, 800, 80, 40, 12) == wrapped


def test_single_deck_without_asking_slides_and_a_reference_template(tmp_path):
    reference = tmp_path / "ours.pptx"
    Presentation().save(reference)  # python-pptx's 4:3 default stands in for a user's template
    report = build(EXAMPLE, tmp_path / "out", BuildOptions(
        single_deck=True, deck=DeckOptions(reference=reference, question_slides=False)))
    [path] = decks_of(report)
    deck = Presentation(path)
    assert (deck.slide_width, deck.slide_height) == (9144000, 6858000)
    titles = [s.shapes.title.text for s in deck.slides]
    answers = {slide_title(t) for t in titles if t.startswith("Q")}
    assert titles.count("Agenda") == 3 and answers == {q.label for q in report.book.questions}
    assert not any(t == q.title for q in report.book.questions for t in titles)  # no asking slides
    for slide, shape in pictures(deck):
        assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height


def test_libreoffice_draws_every_slide_and_the_diagrams(example_build, tmp_path):
    deck_path = decks_of(example_build)[1]
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck_path)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / (deck_path.stem + ".pdf")
    assert len(PdfReader(pdf).pages) == len(Presentation(deck_path).slides)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "slide")], check=True)
    images = sorted(tmp_path.glob("slide-*.png"))
    for image in images:
        pixels = Image.open(image).convert("L")
        dark = sum(pixels.histogram()[:200])  # pixels darker than paper
        assert dark > 50, f"{image.name} is blank"
    answers = [i for i, s in enumerate(Presentation(deck_path).slides) if s.shapes.title.text.startswith("Q")]
    for index in answers:  # the diagram's half of an answer slide has drawing in it
        pixels = Image.open(images[index]).convert("L")
        lower = pixels.crop((0, pixels.height // 3, pixels.width, pixels.height))
        assert sum(lower.histogram()[:200]) > 200, f"slide {index + 1} shows no diagram"


def test_title_slides_carry_the_organisation_and_logo_and_a_single_deck_its_own(tmp_path):
    from conftest import png

    logo = tmp_path / "logo.png"
    logo.write_bytes(png(60, 30, (20, 60, 120)))
    report = build(EXAMPLE, tmp_path / "out", BuildOptions(single_deck=True, deck=DeckOptions(
        organisation="Acme Hiring", logo=logo)))
    [path] = decks_of(report)
    deck = Presentation(path)
    first = deck.slides[0]
    assert first.shapes.title.text == report.book.title  # the book's own title slide, before its sections
    said = "\n".join(shape.text_frame.text for shape in first.shapes if shape.has_text_frame)
    assert "Acme Hiring" in said and "12 questions in 3 sections" in said
    assert [shape.image.blob for shape in first.shapes if shape.shape_type == 13] == [logo.read_bytes()]
    assert deck.core_properties.author == "Acme Hiring" and deck.core_properties.title == report.book.title


def test_parts_found_without_walking_name_and_share_parts_as_python_pptx_does():
    """The same parts, by the same names, as python-pptx gives walking the package each time."""
    import io

    from pptx import Presentation
    from pptx.util import Inches

    from conftest import png
    from printbook import pptx_internals

    def made(counting: bool) -> list[str]:
        deck = Presentation()
        if counting:
            pptx_internals.parts_found_without_walking(deck)
        red, blue = png(40, 20, (200, 60, 60)), png(40, 20, (60, 60, 200))
        for picture in (red, blue, red):  # the red picture twice: one part
            slide = deck.slides.add_slide(deck.slide_layouts[6])
            shape = slide.shapes.add_picture(io.BytesIO(picture), Inches(1), Inches(1))
            pptx_internals.add_svg(shape, slide, '<svg xmlns="http://www.w3.org/2000/svg"/>')
            slide.notes_slide.notes_text_frame.text = "notes"
        return sorted(str(part.partname) for part in deck.part.package.iter_parts())

    names = made(counting=True)
    assert names == made(counting=False)
    assert sum(n.endswith(".png") for n in names) == 2 and sum(n.endswith(".svg") for n in names) == 3
    assert sum("notesSlide" in n for n in names) == 3


def test_placeholders_found_faster_finds_what_python_pptx_finds_and_is_undone():
    from pptx import Presentation
    from pptx.oxml.shapes.shared import BaseShapeElement

    from printbook import deck as deck_stage, pptx_internals

    reference = Presentation(str(deck_stage.reference_deck(deck_stage.DeckOptions())))
    shapes = [shape._element for layout in reference.slide_layouts for shape in layout.shapes]
    slide = reference.slides.add_slide(reference.slide_layouts[0])
    slide.shapes.add_textbox(0, 0, 100, 100)  # no placeholder
    shapes += [shape._element for shape in (*reference.slide_master.shapes, *slide.shapes)]
    as_shipped = [element.ph for element in shapes]
    slow = BaseShapeElement.ph
    with pptx_internals.placeholders_found_faster():
        assert BaseShapeElement.ph is not slow
        assert [element.ph for element in shapes] == as_shipped
    assert BaseShapeElement.ph is slow
    assert any(found is not None for found in as_shipped) and any(found is None for found in as_shipped)


@pytest.mark.parametrize("asking", [True, False])
def test_a_questions_pictures_and_tables_get_answer_slides_its_words_stay_in_the_notes(tmp_path, asking):
    from conftest import png

    (tmp_path / "sketch.png").write_bytes(png(80, 40, (30, 90, 160)))
    (tmp_path / "q.md").write_text(
        "# Kit\n\n## Section 1: One (Q1-Q2)\n\n### Q1. What does the sketch show?\n**Probability**: 60\n\n"
        "![The API tier](sketch.png)\n\n- The API sits in front\n\n### Q2. How many replicas?\n**Probability**: 40\n\n"
        "| Tier | Replicas |\n|---|---|\n| API | 3 |\n| Worker | 5 |\n")
    report = build(tmp_path / "q.md", tmp_path / "out", BuildOptions(deck=DeckOptions(question_slides=asking)))
    [path] = decks_of(report)
    slides = list(Presentation(path).slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
    [picture_slide] = [s for s in slides if any(shape.shape_type == 13 for shape in s.shapes)]
    [table_slide] = [s for s in slides if any(shape.has_table for shape in s.shapes)]
    assert picture_slide.shapes.title.text == "The API tier"
    assert table_slide.shapes.title.text == "Q2. How many replicas?"
    table = next(shape.table for shape in table_slide.shapes if shape.has_table)
    assert [[c.text for c in row.cells] for row in table.rows] == [["Tier", "Replicas"], ["API", "3"], ["Worker", "5"]]
    assert ("What does the sketch show?" in titles) == asking  # the asking slide, and its notes hold the words
    assert not any("The API sits in front" in shape.text_frame.text for s in slides for shape in s.shapes
                   if shape.has_text_frame)


def test_a_bar_and_a_quadrant_chart_show_whole_on_a_slide_at_12_pt(tmp_path):
    """mermaid's 700 x 500 bar chart with 14 px labels fits a slide at 11 pt; its 500 x 500 quadrant
    chart with 12 px points at 9.6 pt: the decks cut them into pieces, which mean nothing for a
    chart. Drawn on a smaller canvas, each shows whole at 12 pt or more."""
    from test_legibility import slide_problems

    (tmp_path / "c.md").write_text(
        "# Charts\n\n## Section 1: Charts (Q1-Q2)\n\n### Q1. Throughput?\n**Probability**: 50\n\n```mermaid\n"
        "xychart-beta\n    title \"Throughput by partitions\"\n    x-axis [1, 2, 4, 8, 16, 32]\n    y-axis \"MB/s\" 0 --> 900\n"
        "    bar [60, 120, 230, 450, 700, 820]\n```\n\n### Q2. Which queue?\n**Probability**: 50\n\n```mermaid\n"
        "quadrantChart\n    title Queue choices\n    x-axis Low --> High\n    y-axis Weak --> Strong\n"
        "    SQS: [0.3, 0.2]\n    Kafka: [0.9, 0.8]\n```\n")
    report = build(tmp_path / "c.md", tmp_path / "out")
    [path] = decks_of(report)
    titles = [s.shapes.title.text for s in Presentation(path).slides if s.shapes.title is not None]
    assert "Q1. Throughput?" in titles and "Q2. Which queue?" in titles
    assert not any("piece" in t for t in titles) and slide_problems(path) == []


def test_a_gantt_chart_shows_whole_on_a_slide_at_12_pt_unless_its_axis_would_crowd(tmp_path):
    """mermaid draws a gantt chart as wide as the page it is drawn in, its axis labels at 10 px:
    on a slide at 12 pt, 3 of every 4 of ../shared's gantt charts were cut into pieces. A
    narrower canvas shows a short one whole; where the narrower canvas runs its axis labels into
    each other (times to the second, every five minutes), the chart keeps its canvas."""
    from test_legibility import slide_problems

    plan = ("gantt\n    title Release\n    dateFormat YYYY-MM-DD\n    section Build\n    Design :a1, 2024-01-01, 7d\n"
            "    Code :a2, after a1, 14d\n    section Ship\n    Test :a3, after a2, 7d\n    Launch :milestone, after a3, 0d\n")
    day = ("gantt\n    title Window\n    dateFormat HH:mm:ss\n    axisFormat %H:%M:%S\n"
           "    section Window 1 (00:00 - 01:00)\n    Req 1 :done, 00:00:10, 1s\n"
           "    section Window 2 (01:00 - 02:00)\n    Req 2 :done, 01:00:30, 1s\n")
    (tmp_path / "g.md").write_text(f"# Plans\n\n## Plans\n\n### The release\n\n```mermaid\n{plan}```\n\n"
                                   f"### The window\n\n```mermaid\n{day}```\n")
    report = build(tmp_path / "g.md", tmp_path / "out")
    [path] = decks_of(report)
    titles = [s.shapes.title.text for s in Presentation(path).slides if s.shapes.title is not None]
    assert "The release" in titles and slide_problems(path) == []
    assert [t for t in titles if "piece" in t and t.startswith("The release")] == []
    assert any(t.startswith("The window (the whole") for t in titles)  # its canvas, in pieces
    # In the handbook, 560 px wide, the short chart prints upright at 7 pt, not on a landscape page.
    import pdfplumber
    [handbook] = [w.path for w in report.written if w.kind == "pdf"]
    with pdfplumber.open(handbook) as document:
        [page] = [p for p in document.pages if "Design" in (p.extract_text() or "")]
        words = [c for c in page.chars if c["text"].strip() and c["top"] > 100]
        assert page.width < page.height and "The release" in page.extract_text()
        assert min(c["size"] for c in words) >= 7 - 0.05


def test_a_heading_with_nothing_under_it_opens_the_next_decks_instead_of_a_deck_of_its_own(tmp_path):
    """A document's `# Components` over its `## …` chapters made a deck of one title slide."""
    (tmp_path / "g.md").write_text(
        "# Guide\n\n## Setup\n\nInstall it.\n\n## Components\n\n## Registry\n\nWhere endpoints live.\n\n"
        "## Queue\n\nWhat waits.\n\n## Appendix\n")
    report = build(tmp_path / "g.md", tmp_path / "out")
    decks = sorted(decks_of(report))
    assert [p.name for p in decks] == ["01-setup.pptx", "02-registry.pptx", "03-queue.pptx"]
    titles = [s.shapes.title.text for s in Presentation(decks[1]).slides if s.shapes.title is not None]
    assert titles[:2] == ["Components", "Registry"] and "Guide" not in titles[:1]


def test_a_timeline_of_four_periods_shows_whole_on_a_slide_at_12_pt_front_matter_and_all(tmp_path):
    """mermaid pads a timeline 50 px all round: four periods made it 1190 px wide, 2% too wide for
    a slide at 12 pt, and every timeline in ../shared went to pieces. Its front matter still counts (printbook's
    settings go after it: before it, mermaid read none of it and failed)."""
    from test_legibility import slide_problems

    periods = "".join(f"    {year} : Release {n} : Fixes\n" for n, year in enumerate(range(2019, 2023), start=1))
    (tmp_path / "t.md").write_text(
        f"# History\n\n## History\n\n### The releases\n\n```mermaid\ntimeline\n    title Releases\n{periods}```\n\n"
        f"### With its own settings\n\n```mermaid\n---\nconfig:\n  theme: base\n---\ntimeline\n{periods}```\n")
    report = build(tmp_path / "t.md", tmp_path / "out")
    assert report.diagrams_failed == 0
    [path] = decks_of(report)
    titles = [s.shapes.title.text for s in Presentation(path).slides if s.shapes.title is not None]
    assert "The releases" in titles and "With its own settings" in titles
    assert not any("piece" in t for t in titles) and slide_problems(path) == []


def test_a_slide_shows_a_footnotes_number_and_its_speakers_notes_the_note(tmp_path):
    document = tmp_path / "guide.md"
    document.write_text("# Guide\n\n## Caching\n\n### Q1. Why cache?\n\nA CDN[^cdn] is near.\n\n"
                        "### Plain heading\n\nTime to live[^ttl] decides.\n\n| Layer |\n|---|\n| Edge[^cdn] |\n\n"
                        "[^cdn]: A content delivery network.\n[^ttl]: Set by `max-age`.\n")
    report = build(document, tmp_path / "out")
    [path] = decks_of(report)
    slides = list(Presentation(path).slides)
    notes = {slide.shapes.title.text: slide.notes_slide.notes_text_frame.text for slide in slides}
    assert "A CDN\u00b9 is near." in notes["Why cache?"] and "1. A content delivery network." in notes["Why cache?"]
    [plain] = [s for s in slides if s.shapes.title.text == "Plain heading" and not any(sh.has_table for sh in s.shapes)]
    assert "Time to live\u00b2 decides." in " ".join(sh.text_frame.text for sh in plain.shapes if sh.has_text_frame)
    assert "2. Set by max-age." in plain.notes_slide.notes_text_frame.text
    [table] = [s for s in slides if any(shape.has_table for shape in s.shapes)]
    assert table.notes_slide.notes_text_frame.text == "Notes:\n1. A content delivery network."
    # A note edited alone (its line is no chapter's) makes the deck again, not the one kept.
    document.write_text(document.read_text().replace("A content delivery network.", "An edge network."))
    [path] = decks_of(build(document, tmp_path / "out"))
    [asking] = [s for s in Presentation(path).slides if s.shapes.title.text == "Why cache?"]
    assert "1. An edge network." in asking.notes_slide.notes_text_frame.text


@pytest.mark.parametrize("name", ["arch.webp", "arch.bmp", "arch.tiff"])
def test_a_webp_bmp_or_tiff_picture_is_printed_and_gets_its_slide_as_png(tmp_path, name):
    """PowerPoint shows no WebP (nor TIFF everywhere): such a picture was left off the slides without
    a word; BMP and TIFF ones were left out of the handbook too, with a warning."""
    Image.new("RGB", (120, 60), (30, 90, 160)).save(tmp_path / name, lossless=True)
    (tmp_path / "q.md").write_text(f"# Kit\n\n## Section 1: One\n\n### Q1. What does it show?\n\n![The tiers]({name})\n")
    report = build(tmp_path / "q.md", tmp_path / "out")
    assert not [d for d in report.diagnostics if d.code.startswith("picture.")]
    listed = subprocess.run(["pdfimages", "-list", str(tmp_path / "out" / "kit.pdf")], capture_output=True, text=True).stdout
    assert [line.split()[3:5] for line in listed.splitlines()[2:]] == [["120", "60"]]  # printed, at its size
    [path] = decks_of(report)
    [picture] = [shape for s in Presentation(path).slides for shape in s.shapes if shape.shape_type == 13]
    assert picture.image.content_type == "image/png"
    with Image.open(io.BytesIO(picture.image.blob)) as shown:
        assert shown.size == (120, 60) and shown.getpixel((60, 30)) == (30, 90, 160)


def test_an_svg_picture_gets_its_slide_painted_as_png(tmp_path):
    """A deck holds no SVG picture of its own: such a picture was in the handbook only."""
    (tmp_path / "arch.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150" '
        'fill="rgb(30, 90, 160)"/><image href="https://example.com/tracker.png" width="300" height="150"/></svg>')
    (tmp_path / "q.md").write_text("# Kit\n\n## Section 1: One\n\n### Q1. What does it show?\n\n![The tiers](arch.svg)\n")
    [path] = decks_of(build(tmp_path / "q.md", tmp_path / "out"))
    [slide] = [s for s in Presentation(path).slides if any(shape.shape_type == 13 for shape in s.shapes)]
    [picture] = [shape for shape in slide.shapes if shape.shape_type == 13]
    assert slide.shapes.title.text == "The tiers" and picture.image.content_type == "image/png"
    assert abs(picture.width / picture.height - 2) < 0.01  # its own shape, up to twice its own size
    with Image.open(io.BytesIO(picture.image.blob)) as shown:
        assert shown.width >= 300 * 2 * 150 / 96 - 1  # 150 dpi at the size shown
        assert shown.convert("RGB").getpixel((shown.width // 2, shown.height // 2)) == (30, 90, 160)


def test_a_section_of_one_question_says_one_question(tmp_path):
    (tmp_path / "q.md").write_text("# Kit\n\n## Section 1: One\n\n### Q1. Why?\n\nBecause.\n")
    report = build(tmp_path / "q.md", tmp_path / "out")
    [path] = decks_of(report)
    slides = list(Presentation(path).slides)
    said = [shape.text_frame.text for s in slides for shape in s.shapes if shape.has_text_frame]
    notes = [s.notes_slide.notes_text_frame.text for s in slides if s.has_notes_slide]
    assert "1 question" in said[1] and not any("1 questions" in text for text in said + notes)
    assert "Section 1: One: 1 question." in notes
