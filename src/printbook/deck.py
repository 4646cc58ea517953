"""Stage 3b: one Chapter + diagram renderings -> a 16:9 .pptx deck (python-pptx)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from .model import Book, Chapter, Diagram, DiagramFailure, Picture, Question, Rendering

SLIDE_WIDTH = Emu(12192000)  # 13.333 in: 16:9 with the default 7.5 in height
SLIDE_HEIGHT = Inches(7.5)
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.35), Inches(1.1)
BODY_TOP = Inches(1.75)
ACCENT = RGBColor(0x3D, 0x5A, 0x80)
MUTED = RGBColor(0x5C, 0x66, 0x70)
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5  # python-pptx's default template
# Where a diagram goes on its slide (left, top, width, height), and that space in CSS px.
DIAGRAM_AREA = (MARGIN, BODY_TOP + Inches(0.15), SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - BODY_TOP - Inches(0.5))
EMU_PER_PX = 9525
PNG_DPI = 150  # the PNG fallback is at least this sharp at the size the slide shows it


def slide_picture(picture: Picture) -> Picture:
    """The layout of a diagram that comes out largest on a slide."""
    return picture.best_fit(DIAGRAM_AREA[2] / EMU_PER_PX, DIAGRAM_AREA[3] / EMU_PER_PX, largest=float("inf"))


def png_scale(picture: Picture, least: float = 2.0) -> float:
    """PNG pixels per CSS pixel for `picture` to be PNG_DPI sharp as large as a slide shows it."""
    shown_inches = picture.width * picture.scale_to_fit(*(x / EMU_PER_PX for x in DIAGRAM_AREA[2:]), float("inf")) / 96
    return max(least, PNG_DPI * shown_inches / picture.width)


@dataclass(frozen=True, slots=True)
class DeckResult:
    slides: int


def write_deck(book: Book, chapter: Chapter, renderings: dict[Diagram, Rendering], target: Path) -> DeckResult:
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(deck, book, chapter)
    for diagram in (b for b in chapter.blocks if isinstance(b, Diagram)):
        _diagram_slide(deck, chapter.title, "", renderings.get(diagram), notes=chapter.title, diagram=diagram)
    for question in chapter.questions:
        diagrams = [b for b in question.blocks if isinstance(b, Diagram)] or [None]
        for diagram in diagrams:
            _diagram_slide(deck, question.label, _probability_text(question), renderings.get(diagram),
                           notes=_notes(question), diagram=diagram)
    deck.save(target)
    return DeckResult(slides=len(deck.slides))


def _title_slide(deck, book: Book, chapter: Chapter) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[LAYOUT_TITLE])
    _fit_placeholder(slide.shapes.title, Inches(1.2), Inches(2.0))
    slide.shapes.title.text = chapter.label
    _size_text(slide.shapes.title.text_frame, chapter.label, 40, 28)
    subtitle = slide.placeholders[1]
    _fit_placeholder(subtitle, Inches(3.6), Inches(1.5))
    parts = [f"Questions {chapter.question_range}" if chapter.question_range else "",
             f"{len(chapter.questions)} questions" if chapter.questions else "", book.title]
    subtitle.text = "\n".join(p for p in parts if p)
    for paragraph in subtitle.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(20)
            run.font.color.rgb = MUTED


def _diagram_slide(deck, title: str, subtitle: str, rendering: Rendering | None, notes: str,
                   diagram: Diagram | None) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[LAYOUT_TITLE_ONLY])
    title_shape = slide.shapes.title
    title_shape.left, title_shape.top = MARGIN, TITLE_TOP
    title_shape.width, title_shape.height = SLIDE_WIDTH - 2 * MARGIN, TITLE_HEIGHT
    title_shape.text = title
    _size_text(title_shape.text_frame, title, 30, 18)
    top = TITLE_TOP + TITLE_HEIGHT
    if subtitle:
        box = slide.shapes.add_textbox(MARGIN, top, SLIDE_WIDTH - 2 * MARGIN, Inches(0.45))
        box.text_frame.text = subtitle
        run = box.text_frame.paragraphs[0].runs[0]
        run.font.size, run.font.color.rgb, run.font.bold = Pt(16), ACCENT, True
    if isinstance(rendering, Picture) and not rendering.png:
        _add_failure(slide, diagram, DiagramFailure("the PNG of this diagram could not be painted"), *DIAGRAM_AREA)
    elif isinstance(rendering, Picture):
        _add_fitted_picture(slide, slide_picture(rendering), *DIAGRAM_AREA)
    elif isinstance(rendering, DiagramFailure) and diagram is not None:
        _add_failure(slide, diagram, rendering, *DIAGRAM_AREA)
    slide.notes_slide.notes_text_frame.text = notes


def _add_fitted_picture(slide, picture: Picture, left, top, width, height) -> None:
    """The diagram as large as the area allows, aspect ratio kept, centred."""
    scale = picture.scale_to_fit(width, height, float("inf"))
    shown_width, shown_height = int(picture.width * scale), int(picture.height * scale)
    slide.shapes.add_picture(io.BytesIO(picture.png), Emu(left + (width - shown_width) // 2), Emu(top),
                             Emu(shown_width), Emu(shown_height))


def _add_failure(slide, diagram: Diagram, failure: DiagramFailure, left, top, width, height) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = f"Diagram could not be drawn ({diagram.location})"
    frame.paragraphs[0].runs[0].font.bold = True
    frame.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xBC, 0x47, 0x49)
    source_excerpt = "\n".join(diagram.source.splitlines()[:22])  # what fits below the message
    for text, size in ((failure.message.splitlines()[0][:300], 14), (source_excerpt, 9)):
        paragraph = frame.add_paragraph()
        paragraph.text = text
        paragraph.runs[0].font.size = Pt(size)


def _fit_placeholder(shape, top, height) -> None:
    shape.left, shape.top = MARGIN * 2, top
    shape.width, shape.height = SLIDE_WIDTH - 4 * MARGIN, height


def _size_text(frame, text: str, largest: int, smallest: int) -> None:
    """Smaller type for longer titles, so they stay inside their placeholder."""
    frame.word_wrap = True
    size = largest if len(text) <= 60 else max(smallest, int(largest * 60 / len(text)))
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)


def _probability_text(question: Question) -> str:
    return f"Probability {question.probability}" if question.probability is not None else ""


def _notes(question: Question) -> str:
    lines = [question.label]
    if question.probability is not None:
        lines.append(_probability_text(question))
    return "\n".join(lines)
