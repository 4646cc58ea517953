"""Stage 3b: chapters + diagram renderings -> 16:9 .pptx decks (python-pptx).

Slides come from the layouts of a reference deck (assets/reference.pptx, or the user's own with
--reference-pptx), so their text stays in placeholders a trainer can edit and re-theme. Per
section: a title slide, an agenda, per question an asking slide (the question, large) and an
answer slide (the diagram), and a closing summary. Diagrams are SVG pictures (PowerPoint's
svgBlip extension) with a PNG for viewers that do not read SVG.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from . import describe, pptx_internals, resources
from .model import (BANDS, Book, Chapter, Diagnostic, Diagram, DiagramFailure, Location, Picture, PrintbookError,
                    Question, Rendering)

SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: 16:9
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.3), Inches(1.2)
DIAGRAM_TOP, BOTTOM_MARGIN = Inches(1.6), Inches(0.35)


def diagram_area(width: int, height: int) -> tuple[int, int, int, int]:
    """Where a diagram goes on a slide of that size: left, top, width, height (EMU)."""
    return MARGIN, DIAGRAM_TOP, width - 2 * MARGIN, height - DIAGRAM_TOP - BOTTOM_MARGIN


# The diagram space of printbook's own 16:9 slides, which the build chooses layouts and PNG sizes for.
DIAGRAM_AREA = diagram_area(SLIDE_WIDTH, SLIDE_HEIGHT)
EMU_PER_PX = 9525
EMU_PER_PT = 12700
PNG_DPI = 150  # the PNG fallback is at least this sharp at the size the slide shows it
ACCENT = RGBColor(0x3D, 0x5A, 0x80)
WARNING = RGBColor(0xBC, 0x47, 0x49)
# Layouts by name (as PowerPoint and python-pptx's default name them), with the index to fall
# back on in a reference deck that names them otherwise.
LAYOUTS = {"title": ("Title Slide", 0), "list": ("Title and Content", 1), "question": ("Section Header", 2),
           "answer": ("Title Only", 5)}


@dataclass(frozen=True, slots=True)
class DeckOptions:
    reference: Path | None = None  # the user's own .pptx template
    question_slides: bool = True  # an asking slide before each answer slide


def check_options(options: DeckOptions) -> None:
    """A PrintbookError naming the file and the problem when the reference deck cannot be built
    from: checked before anything is rendered."""
    if options.reference is None:
        return
    path = Path(options.reference)
    try:
        layouts = len(Presentation(str(path)).slide_layouts)
    except Exception as error:  # python-pptx raises many kinds for what is no deck
        problem = "not a PowerPoint deck (.pptx)" if not isinstance(error, OSError) else error.strerror or str(error)
        raise PrintbookError(Diagnostic("error", Location(str(path), 1), f"--reference-pptx: {problem}",
                                        "give a .pptx saved by PowerPoint, Keynote or LibreOffice", "option.reference")) from None
    if not layouts:
        raise PrintbookError(Diagnostic("error", Location(str(path), 1), "--reference-pptx: the deck has no slide layouts",
                                        "give a deck whose slide master has layouts", "option.reference"))


@dataclass(frozen=True, slots=True)
class DeckResult:
    slides: int


SMALLEST_TEXT_PT = 10  # diagram text on a slide, in the slide's own points
DIAGRAM_TEXT_PX = 16  # mermaid's font size


def text_pt(picture: Picture) -> float:
    """The size diagram text shows at when `picture` fills the diagram space of a slide."""
    scale = picture.scale_to_fit(DIAGRAM_AREA[2] / EMU_PER_PX, DIAGRAM_AREA[3] / EMU_PER_PX, float("inf"))
    return DIAGRAM_TEXT_PX * scale * 0.75


def slide_picture(picture: Picture) -> Picture:
    """The layout of a diagram that comes out largest on a slide."""
    return picture.best_fit(DIAGRAM_AREA[2] / EMU_PER_PX, DIAGRAM_AREA[3] / EMU_PER_PX, largest=float("inf"))


def png_scale(picture: Picture, least: float = 2.0) -> float:
    """PNG pixels per CSS pixel for `picture` to be PNG_DPI sharp as large as a slide shows it."""
    shown_inches = picture.width * picture.scale_to_fit(*(x / EMU_PER_PX for x in DIAGRAM_AREA[2:]), float("inf")) / 96
    return max(least, PNG_DPI * shown_inches / picture.width)


def write_deck(book: Book, chapters: list[Chapter], renderings: dict[Diagram, Rendering], target: Path,
               options: DeckOptions = DeckOptions()) -> DeckResult:
    deck = Presentation(str(options.reference or resources.assets_dir() / "reference.pptx"))
    pptx_internals.remove_slides(deck)
    maker = _SlideMaker(deck, renderings)
    for chapter in chapters:
        maker.title(chapter.label, [_range(chapter), book.title])
        numbered = chapter.numbered_questions
        if numbered:
            maker.bullets("Agenda", [f"Q{q.number}  {q.title}" + (f"  ({q.probability}, {q.band})" if q.band else "")
                                     for q in numbered], notes=f"{chapter.label}: {len(numbered)} questions.")
        for diagram in (b for b in chapter.blocks if isinstance(b, Diagram)):
            maker.answer(chapter.title, diagram, notes=describe.tell(diagram, _svg(renderings.get(diagram))))
        for question in chapter.questions:
            diagrams = [b for b in question.blocks if isinstance(b, Diagram)]
            if options.question_slides or not diagrams:
                maker.question(question)
            for diagram in diagrams:
                maker.answer(question.label, diagram, notes=_answer_notes(question, diagram, renderings.get(diagram)))
        if numbered:
            maker.bullets(f"Summary: {chapter.title}", _summary(chapter), notes=f"End of {chapter.label}.")
    deck.save(target)
    return DeckResult(slides=len(deck.slides))


class _SlideMaker:
    def __init__(self, deck, renderings: dict[Diagram, Rendering]):
        self.deck = deck
        self.renderings = renderings
        self.area = diagram_area(deck.slide_width, deck.slide_height)  # a reference deck may be 4:3

    def layout(self, role: str):
        name, index = LAYOUTS[role]
        layouts = list(self.deck.slide_layouts)
        return next((l for l in layouts if l.name == name), layouts[min(index, len(layouts) - 1)])

    def title(self, title: str, lines: list[str]) -> None:
        slide = self.deck.slides.add_slide(self.layout("title"))
        _set_fitted(slide.shapes.title, title, largest=40, smallest=24)
        body = _placeholder(slide, 1)
        if body is not None:
            body.text = "\n".join(line for line in lines if line)

    def bullets(self, title: str, lines: list[str], notes: str) -> None:
        slide = self.deck.slides.add_slide(self.layout("list"))
        _set_fitted(slide.shapes.title, title, largest=32, smallest=20)
        body = _placeholder(slide, 1)
        if body is not None:
            body.text = "\n".join(lines)
            _size_runs(body.text_frame, max(10, min(20, int(body.height / EMU_PER_PT / 1.4 / max(1, len(lines))))))
        slide.notes_slide.notes_text_frame.text = notes

    def question(self, question: Question) -> None:
        """The asking slide: the question, large, and its probability band."""
        slide = self.deck.slides.add_slide(self.layout("question"))
        _set_fitted(slide.shapes.title, question.title, largest=40, smallest=20)
        # The layout sets headers in capitals; a question reads better as written.
        pptx_internals.keep_case(slide.shapes.title.text_frame.paragraphs[0].runs)
        body = _placeholder(slide, 1)
        if body is not None:
            parts = [f"Q{question.number}" if question.number is not None else "",
                     f"Probability {question.probability} · {question.band}" if question.band else ""]
            body.text = "   ".join(p for p in parts if p)
        slide.notes_slide.notes_text_frame.text = _question_notes(question)

    def answer(self, title: str, diagram: Diagram, notes: str) -> None:
        """The answer slide: the diagram as large as the slide allows; one slide per subgraph
        where the whole would be too small to read."""
        rendering = self.renderings.get(diagram)
        if isinstance(rendering, Picture) and rendering.parts:
            for number, part in enumerate(rendering.parts, start=1):
                self._answer_slide(f"{title} ({number}/{len(rendering.parts)})", diagram, part, notes)
        else:
            self._answer_slide(title, diagram, rendering, notes)

    def _answer_slide(self, title: str, diagram: Diagram, rendering: Rendering | None, notes: str) -> None:
        slide = self.deck.slides.add_slide(self.layout("answer"))
        title_shape = slide.shapes.title
        title_shape.left, title_shape.top = MARGIN, TITLE_TOP
        title_shape.width, title_shape.height = self.deck.slide_width - 2 * MARGIN, TITLE_HEIGHT
        _set_fitted(title_shape, title, largest=28, smallest=16)
        if isinstance(rendering, Picture) and rendering.png:
            _add_picture(slide, slide_picture(rendering), *self.area)
        else:
            failure = rendering if isinstance(rendering, DiagramFailure) else DiagramFailure(
                "the PNG of this diagram could not be painted")
            _add_failure(slide, diagram, failure, *self.area)
        slide.notes_slide.notes_text_frame.text = notes


def _add_picture(slide, picture: Picture, left, top, width, height) -> None:
    """The diagram centred in the area, aspect kept: SVG for PowerPoint, the PNG for the rest."""
    scale = picture.scale_to_fit(width, height, float("inf"))
    shown_width, shown_height = int(picture.width * scale), int(picture.height * scale)
    shape = slide.shapes.add_picture(io.BytesIO(picture.png), Emu(left + (width - shown_width) // 2),
                                     Emu(top + (height - shown_height) // 2), Emu(shown_width), Emu(shown_height))
    pptx_internals.add_svg(shape, slide, picture.svg)


def _add_failure(slide, diagram: Diagram, failure: DiagramFailure, left, top, width, height) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    frame.text = f"Diagram could not be drawn ({failure.location or diagram.location})"
    frame.paragraphs[0].runs[0].font.bold = True
    frame.paragraphs[0].runs[0].font.color.rgb = WARNING
    for text, size in ((failure.plain[:300], 14), (diagram.excerpt(), 9)):  # what fits below the message
        paragraph = frame.add_paragraph()
        paragraph.text = text
        _size_runs_of(paragraph, size)


def _set_fitted(shape, text: str, largest: int, smallest: int) -> None:
    """`text` in `shape` at the largest size whose wrapped lines fit its box, measured with the
    deck's font."""
    shape.text = text
    frame = shape.text_frame
    frame.word_wrap = True
    _size_runs(frame, fitted_size(text, shape.width / EMU_PER_PT - 14, shape.height / EMU_PER_PT - 8, largest, smallest))


def _size_runs(frame, size: int) -> None:
    """Sizes set on every run: LibreOffice and Keynote ignore a paragraph's default size."""
    for paragraph in frame.paragraphs:
        _size_runs_of(paragraph, size)


def _size_runs_of(paragraph, size: int) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(size)


def fitted_size(text: str, width_pt: float, height_pt: float, largest: int, smallest: int) -> int:
    """The largest size from `largest` down to `smallest` at which `text`, wrapped at words,
    fits width x height (1.2 line height); `smallest` if none does."""
    for size in range(largest, smallest - 1, -1):
        if len(wrap(text, width_pt, size)) * size * 1.2 <= height_pt:
            return size
    return smallest


def wrap(text: str, width_pt: float, size: int) -> list[str]:
    font = _font(size)
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width_pt:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


@lru_cache(maxsize=64)
def _font(size: int):
    return ImageFont.truetype(str(resources.assets_dir() / "fonts" / "NotoSans-Regular.ttf"), size)


def _placeholder(slide, index: int):
    return next((p for p in slide.placeholders if p.placeholder_format.idx == index), None)


def _svg(rendering: Rendering | None) -> str | None:
    return rendering.svg if isinstance(rendering, Picture) else None


def _range(chapter: Chapter) -> str:
    parts = [f"Questions {chapter.question_range}" if chapter.question_range else "",
             f"{len(chapter.numbered_questions)} questions" if chapter.numbered_questions else ""]
    return " · ".join(p for p in parts if p)


def _question_notes(question: Question) -> str:
    lines = [question.label]
    if question.band:
        lines.append(f"Probability {question.probability} ({question.band}).")
    return "\n".join(lines)


def _answer_notes(question: Question, diagram: Diagram, rendering: Rendering | None) -> str:
    return _question_notes(question) + "\n\n" + describe.tell(diagram, _svg(rendering))


def _summary(chapter: Chapter) -> list[str]:
    questions = chapter.numbered_questions
    lines = [f"{len(questions)} questions" + (f" ({chapter.question_range})" if chapter.question_range else "")]
    if chapter.average_probability is not None:
        lines.append(f"Average probability {chapter.average_probability:.1f}")
        counts = [(name, sum(q.band == name for q in questions)) for name, _ in BANDS]
        lines.append(", ".join(f"{name} {count}" for name, count in counts if count))
        likeliest = max((q for q in questions if q.probability is not None), key=lambda q: q.probability)
        lines.append(f"Most likely: Q{likeliest.number} {likeliest.title} ({likeliest.probability})")
    return lines
