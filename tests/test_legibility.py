"""How large everything prints and shows, read back from the outputs: no character of a handbook
under 7 pt (pdfplumber); on slides, diagram text at 12 pt or more (in proportion on a deck of
another width), every other text at 18 pt or more, nothing overflowing its box and no slide with
nothing on it. On the example, and with ../shared on the user's document and every document by
others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from printbook import deck as deck_module

from conftest import (DOCUMENTS_BY_OTHERS, decks_of, pdf_of, slide_diagram_text_pt, smallest_text_pt)

SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def slide_problems(path: Path) -> list[str]:
    """Everything on a deck's slides that a room could not read, or that spills or is missing."""
    deck = Presentation(path)
    smallest_diagram = deck_module.SMALLEST_TEXT_PT * deck.slide_width / deck_module.SLIDE_WIDTH
    problems = []
    for number, slide in enumerate(deck.slides, start=1):
        where = f"{path.name} slide {number}"
        shown = [shape for shape in slide.shapes if shape.shape_type == 13 or shape.has_table
                 or (shape.has_text_frame and shape.text_frame.text.strip() and shape != slide.shapes.title)]
        if not shown:
            problems.append(f"{where}: nothing but a title")
        for shape in slide.shapes:
            if shape.shape_type == 13:
                [blip] = shape._element.iter(SVG_BLIP)
                size = slide_diagram_text_pt(slide.part.related_part(blip.get(EMBED)).blob, shape.width)
                if size < smallest_diagram - 0.05:
                    problems.append(f"{where}: diagram text at {size:.1f} pt")
            frames = ([cell.text_frame for row in shape.table.rows for cell in row.cells] if shape.has_table
                      else [shape.text_frame] if shape.has_text_frame else [])
            for frame in frames:
                runs = [run for paragraph in frame.paragraphs for run in paragraph.runs if run.text.strip()]
                small = [run.font.size.pt if run.font.size else None for run in runs
                         if run.font.size is None or run.font.size.pt < deck_module.SMALLEST_OTHER_PT]
                if small:
                    problems.append(f"{where}: text at {small[0]} pt: {runs[0].text[:40]!r}")
            if shape.has_text_frame and shape.text_frame.text.strip() and not shape.has_table:
                listed = shape.is_placeholder and shape.placeholder_format.idx == 1 and slide.slide_layout.name == "Title and Content"
                problems += overflow(shape, where, bullets=listed)
    return problems


def overflow(shape, where: str, bullets: bool) -> list[str]:
    """The text's wrapped lines against its box, measured with the deck's own font (less each
    bullet's indent in a list)."""
    width_pt, height_pt = Emu(shape.width).pt - 14, Emu(shape.height).pt - 8
    needed = 0.0
    for paragraph in shape.text_frame.paragraphs:
        sizes = [run.font.size.pt for run in paragraph.runs if run.font.size]
        size = max(sizes) if sizes else deck_module.SMALLEST_OTHER_PT
        monospace = any(run.font.name == deck_module.MONOSPACE for run in paragraph.runs)
        if monospace:
            per_line = max(1, int(width_pt / (size * deck_module.MONOSPACE_ADVANCE)))
            lines = max(1, -(-len(paragraph.text) // per_line))
        else:
            indent = size * 1.5 + paragraph.level * deck_module.LEVEL_INDENT_PT if bullets else 0
            lines = len(deck_module.wrap(paragraph.text, width_pt - indent, round(size)))
        needed += lines * size * 1.2
    return [f"{where}: {needed:.0f} pt of text in a {height_pt:.0f} pt box: {shape.text_frame.text[:40]!r}"] \
        if needed > height_pt * 1.08 + 2 else []


def handbook_and_slide_problems(report) -> list[str]:
    problems = []
    smallest = smallest_text_pt(pdf_of(report))
    if smallest < 7:
        problems.append(f"{pdf_of(report).name}: characters at {smallest:.2f} pt")
    for path in decks_of(report):
        problems += slide_problems(path)
    return problems


@pytest.mark.e2e
def test_the_example_prints_and_shows_legibly(example_build):
    assert handbook_and_slide_problems(example_build) == []


@pytest.mark.acceptance
def test_the_seed_prints_and_shows_legibly(seed_build):
    assert handbook_and_slide_problems(seed_build) == []


@pytest.mark.acceptance
@pytest.mark.parametrize("document", DOCUMENTS_BY_OTHERS, ids=lambda path: path.stem[:40])
def test_documents_by_others_print_and_show_legibly(document, built_by_others):
    assert handbook_and_slide_problems(built_by_others(document)) == []
