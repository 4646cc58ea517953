"""Stage 3b: chapters + diagram renderings -> 16:9 .pptx decks (python-pptx).

Slides come from the layouts of a reference deck (assets/reference.pptx, or the user's own with
--reference-pptx), so their text stays in placeholders a trainer can edit and re-theme. Per
section: a title slide, an agenda, per question an asking slide (the question, large) and an
answer slide (the diagram), and a closing summary. Diagrams are SVG pictures (PowerPoint's
svgBlip extension) with a PNG for viewers that do not read SVG.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from lxml import etree
from PIL import Image as PILImage
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from .options import DeckOptions
from . import describe, footnotes, pictures, placement, pptx_internals, resources, slide_text
from .model import (BANDS, Block, Book, Chapter, Diagnostic, Diagram, DiagramFailure, Location, Picture,
                    PrintbookError, Prose, Question, Rendering, Table, counted)

SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: 16:9
MARGIN = Inches(0.5)
TITLE_TOP, TITLE_HEIGHT = Inches(0.3), Inches(1.2)
DIAGRAM_TOP, BOTTOM_MARGIN = Inches(1.6), Inches(0.35)


def diagram_area(width: int, height: int) -> tuple[int, int, int, int]:
    """Where a diagram goes on a slide of that size: left, top, width, height (EMU)."""
    return MARGIN, DIAGRAM_TOP, width - 2 * MARGIN, height - DIAGRAM_TOP - BOTTOM_MARGIN


EMU_PER_PX = 9525
EMU_PER_PT = 12700
PNG_DPI = 150  # the PNG fallback is at least this sharp at the size the slide shows it
ACCENT = RGBColor(0x3D, 0x5A, 0x80)
WARNING = RGBColor(0xBC, 0x47, 0x49)
# Layouts by name (as PowerPoint and python-pptx's default name them), with the index to fall
# back on in a reference deck that names them otherwise.
LAYOUTS = {"title": ("Title Slide", 0), "list": ("Title and Content", 1), "question": ("Section Header", 2),
           "answer": ("Title Only", 5)}


def check_options(options: DeckOptions) -> None:
    """A PrintbookError naming the file and the problem when the reference deck cannot be built
    from: checked before anything is rendered."""
    path = reference_deck(options)
    if path == resources.assets_dir() / "reference.pptx":
        return
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


SMALLEST_TEXT_PT = 12  # diagram text on a 16:9 slide 13.333 in wide, read across a training room
SMALLEST_OTHER_PT = 18  # every other text


def slide_offer(options: DeckOptions = DeckOptions()) -> placement.Offer:
    """The space a deck's slides offer a diagram (CSS px) and the smallest text it must show
    there: 12 pt on printbook's own 16:9 slides, in proportion on a reference deck of another
    width (a 10 in 4:3 slide is shown as wide on the same screen, so 9 pt)."""
    width, height = _slide_size(reference_deck(options))
    _, _, area_width, area_height = diagram_area(width, height)
    space = placement.Space(area_width / EMU_PER_PX, area_height / EMU_PER_PX, largest=float("inf"))
    return placement.Offer((space,), (space,), SMALLEST_TEXT_PT * width / SLIDE_WIDTH, side_by_side=True)


def reference_deck(options: DeckOptions) -> Path:
    """The deck whose layouts and theme the decks are made from: the user's --reference-pptx, a
    book's own assets/reference.pptx, or printbook's."""
    return Path(options.reference) if options.reference else resources.asset("reference.pptx", options.overrides)


@lru_cache(maxsize=8)
def _slide_size(reference: Path) -> tuple[int, int]:
    deck = Presentation(str(reference))
    return deck.slide_width, deck.slide_height


def placed(renderings: dict[Diagram, Rendering], options: DeckOptions = DeckOptions()
           ) -> dict[Diagram, placement.Placement]:
    """placement.py's decision for every diagram drawn, on this deck's slides: whole, or an
    overview of the whole and then its parts or pieces."""
    offer = slide_offer(options)
    return {d: placement.place(r, offer, overview=True) for d, r in renderings.items() if isinstance(r, Picture)}


def write_deck(book: Book, chapters: list[Chapter], renderings: dict[Diagram, Rendering], target: Path,
               options: DeckOptions = DeckOptions(), placements: dict[Diagram, placement.Placement] | None = None,
               painted: dict[Path, Picture] | None = None) -> DeckResult:
    """The deck of `chapters` at `target`, each diagram shown as `placements` decided (with the
    PNGs painted; by default as placement.py decides, without PNGs), each SVG picture as its PNG
    in `painted` (svg_pictures; without it, in the handbook only)."""
    with pptx_internals.placeholders_found_faster():
        deck = Presentation(str(reference_deck(options)))
        pptx_internals.remove_slides(deck)
        pptx_internals.parts_found_without_walking(deck)
        maker = _SlideMaker(deck, renderings, placements if placements is not None else placed(renderings, options),
                            pictures.document_folder(book), options, dict(book.footnotes), painted or {})
        sections = [c for c in chapters if not c.only_heading]
        if len(sections) > 1:  # one deck for the whole book: a title slide of its own first
            counts = f"{counted(len(book.questions), 'question')} in {counted(len(sections), 'section')}"
            maker.title(book.title, [counts, book.selected])
        for chapter in chapters:
            maker.title(chapter.label, [_range(chapter), book.title, book.selected])
            numbered = chapter.numbered_questions
            if numbered:
                agenda = [f"Q{q.number}  {q.title}" + (f"  ({q.probability}, {q.band})" if q.band else "") for q in numbered]
                maker.bullets("Agenda", agenda, notes=f"{chapter.label}: {counted(len(numbered), 'question')}.")
            maker.blocks(chapter.title, chapter.blocks)
            for question in chapter.questions:
                if question.number is None:  # a plain `###` heading: its prose, tables, code and diagrams
                    maker.blocks(question.title, question.blocks)
                    continue
                shown = maker.answer_items(question)
                if options.question_slides or not shown:
                    maker.question(question)
                for item in shown:
                    if isinstance(item, Diagram):
                        maker.answer(question.label, item, notes=_answer_notes(question, item, renderings.get(item)))
                    elif isinstance(item, Table):
                        maker.table(question.label, item)
                    else:
                        maker.image(item.alt or question.label, item)
            if numbered:
                maker.bullets(f"Summary: {chapter.title}", _summary(chapter), notes=f"End of {chapter.label}.")
        _describe_deck(deck.core_properties, book, chapters, options)
        deck.save(target)
        return DeckResult(slides=len(deck.slides))


def content_key(book: Book, chapters: list[Chapter], renderings: dict[Diagram, Rendering]) -> str:
    """A hash of all that write_deck reads to make the deck of `chapters` (but the options, the
    files they name and the renderer: record.setting; the diagrams' placements and PNGs follow from
    their renderings and those). Lines are counted from each chapter's heading, so that an edit
    that adds lines above leaves the decks of later sections as they were; a diagram that failed
    names its own line on its slide, so that line is hashed as it is."""
    digest = hashlib.sha256(repr((book.title, book.selected, len(book.questions), str(pictures.document_folder(book)),
                                  [book.stated(a) for a in ("Author", "Organisation", "Organization")],
                                  book.footnotes)).encode())  # (the speaker's notes hold them)
    for chapter in chapters:
        digest.update(_relative(chapter, chapter.location.line).encode())
        for diagram in diagrams_in([chapter]):
            rendering = renderings.get(diagram)
            _feed(digest, rendering)
            if not isinstance(rendering, Picture):
                digest.update(repr((diagram.location, rendering)).encode())
    return digest.hexdigest()


def svg_pictures(book: Book, chapters: list[Chapter], options: DeckOptions = DeckOptions()
                 ) -> tuple[dict[Path, Picture], dict[Path, float]]:
    """The SVG pictures of the document's folder that the deck of `chapters` shows (a deck holds
    no SVG of its own: each is painted as PNG, pipeline.painted_slides), and the scale to paint
    each at: PNG_DPI sharp at the size its slide shows it (at most twice its own)."""
    folder, found = pictures.document_folder(book), {}
    for block in _blocks_of(chapters):
        for item in slide_text.contents(block) if isinstance(block, Prose) else ():
            path = pictures.find(item.address, folder).path if isinstance(item, slide_text.Image) else None
            if path is not None and path.suffix.lower() == ".svg" and path not in found:
                if (picture := _svg_picture(path)) is not None:
                    found[path] = picture
    space = slide_offer(options).whole[0]
    return found, {path: max(1.0, min(space.width / p.width, space.height / p.height, 2.0) * PNG_DPI / 96)
                   for path, p in found.items()}


SVG_PICTURE_BYTES = 5_000_000  # a larger SVG picture stays in the handbook only


def _svg_picture(path: Path) -> Picture | None:
    """An SVG picture file with its size in CSS px (its width and height, else its viewBox's), or
    None for one that is no readable SVG or too large."""
    try:
        data = path.read_bytes()
        if len(data) > SVG_PICTURE_BYTES:
            return None
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError, ValueError):
        return None
    if etree.QName(root).localname != "svg":
        return None
    view = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", root.get("viewBox") or "")][2:4]
    sides = []
    for index, name in enumerate(("width", "height")):
        given = re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", root.get(name) or "")
        sides.append(float(given.group(1)) if given else (view[index] if len(view) == 2 else (800.0, 600.0)[index]))
    if min(sides) <= 0:
        return None
    # A picture it names on the web or elsewhere is not fetched (nor drawn as a broken one).
    for image in [e for e in root.iter("{http://www.w3.org/2000/svg}image")
                  if not (e.get("href") or e.get("{http://www.w3.org/1999/xlink}href") or "").startswith("data:image/")]:
        image.getparent().remove(image)
    return Picture(svg=etree.tostring(root, encoding="unicode"), width=sides[0], height=sides[1])


def diagrams_in(chapters: list[Chapter]) -> list[Diagram]:
    """The diagrams the deck of `chapters` shows, in order."""
    return [b for b in _blocks_of(chapters) if isinstance(b, Diagram)]


def _blocks_of(chapters: list[Chapter]) -> list[Block]:
    """The blocks of `chapters` and their questions, in order."""
    return [b for chapter in chapters for b in (*chapter.blocks, *(b for q in chapter.questions for b in q.blocks))]


def _feed(digest, value) -> None:
    """`value` into `digest` as its repr() tells it, but its strings and bytes (SVGs, PNGs) as they
    are: escaping them for repr() was most of the time a deck took to be found unchanged."""
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        digest.update(b"%d:" % len(value))
        digest.update(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__name__.encode())
        for field in dataclasses.fields(value):
            if field.repr:
                _feed(digest, getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        digest.update(b"(%d" % len(value))
        for item in value:
            _feed(digest, item)
    else:
        digest.update(repr(value).encode())


def _relative(value, first_line: int) -> str:
    """repr(value), with the line of every Location in it counted from `first_line`."""
    if isinstance(value, Location):
        return f"Location({value.file!r}, {value.line - first_line}, {value.column})"
    if dataclasses.is_dataclass(value):
        return f"{type(value).__name__}(" + ", ".join(
            _relative(getattr(value, f.name), first_line) for f in dataclasses.fields(value) if f.repr) + ")"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_relative(item, first_line) for item in value) + ")"
    return repr(value)


def _xml_text(text: str) -> str:
    """`text` as a deck property can hold it: no control characters (a title may carry an
    escape), at most 255 characters (the format's limit)."""
    text = CONTROL_CHARACTERS.sub("", text)
    return text if len(text) <= 255 else text[:254] + "…"


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _describe_deck(properties, book: Book, chapters: list[Chapter], options: DeckOptions) -> None:
    """The deck's own title, author and dates from the document, not the reference deck's."""
    title = _xml_text(book.title)
    properties.title = _xml_text(f"{chapters[0].label}: {book.title}") if len(chapters) == 1 else title
    properties.subject = title
    properties.author = _xml_text(options.organisation or book.stated("Author") or book.stated("Organisation")
                                  or book.stated("Organization") or "")
    properties.last_modified_by = "printbook"
    properties.created = properties.modified = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    properties.revision = 1


class _SlideMaker:
    def __init__(self, deck, renderings: dict[Diagram, Rendering], placements: dict[Diagram, placement.Placement],
                 folder: Path, options: DeckOptions = DeckOptions(), footnotes: dict[int, str] | None = None,
                 painted: dict[Path, Picture] | None = None):
        self.deck = deck
        self.options = options
        self.folder = folder  # the document's: the only one pictures are read from
        self.footnotes = footnotes or {}  # the document's, by number: a slide shows the number, its notes the note
        self.painted = painted or {}  # the SVG pictures' PNGs, by file
        self.renderings = renderings
        self.placements = placements
        self.area = diagram_area(deck.slide_width, deck.slide_height)  # a reference deck may be 4:3

    def layout(self, role: str):
        name, index = LAYOUTS[role]
        layouts = list(self.deck.slide_layouts)
        return next((l for l in layouts if l.name == name), layouts[min(index, len(layouts) - 1)])

    def title(self, title: str, lines: list[str]) -> None:
        """A title slide: the title, the lines under it (the organisation's first), the logo."""
        slide = self.deck.slides.add_slide(self.layout("title"))
        _set_fitted(slide.shapes.title, title, largest=40, smallest=24)
        body = _placeholder(slide, 1)
        if body is not None:
            shown = [line for line in (self.options.organisation, *lines) if line]
            body.text = "\n".join(shown)
            width_pt, height_pt = body.width / EMU_PER_PT - 14, body.height / EMU_PER_PT - 8
            size = _largest_size(lambda size: sum(len(wrap(line, width_pt, size)) for line in shown) * size * 1.2
                                 <= height_pt)
            _size_runs(body.text_frame, size)
        logo = self.options.logo
        if logo is not None and Path(logo).suffix.lower() in SLIDE_PICTURE_TYPES:
            slide.shapes.add_picture(str(logo), MARGIN, Inches(0.4), height=Inches(0.9))

    def blocks(self, title: str, blocks: tuple[Block, ...]) -> None:
        """Slides for what a chapter or a plain heading holds, in order, under `title` (or the
        `####` heading they came under): points, code, tables and diagrams; nothing for nothing.
        The points of paragraphs and lists one after the other share slides; a short line that
        introduces a table, diagram or code titles its slide instead of taking a slide alone."""
        contents: list[slide_text.Content] = []
        prose: list[Prose] = []
        heading = ""  # (a `####` heading is a block of its own: it titles the prose after it)
        for block in blocks:
            if isinstance(block, Prose):
                found, heading = slide_text.contents_under(block, heading)
                contents += found
                prose.append(block)
                continue
            contents, introduced = slide_text.lead_in(contents)  # "Key Differences:" titles the table
            self._contents(title, contents, self._footnotes_of(prose))
            contents, prose = [], []
            if isinstance(block, Table):
                self.table(introduced or title, block)
            else:
                self.answer(introduced or title, block, notes=describe.tell(block, _svg(self.renderings.get(block))))
        self._contents(title, contents, self._footnotes_of(prose))

    def _contents(self, title: str, contents: list[slide_text.Content], notes: str = "") -> None:
        for content in slide_text.joined(contents):
            heading = content.heading or title
            if isinstance(content, slide_text.Code):
                self.code(heading, list(content.lines))
            elif isinstance(content, slide_text.Image):
                self.image(heading, content)
            else:
                self.bullets(heading, list(content.points), notes=notes)

    def _footnotes_of(self, blocks) -> str:
        """The footnotes that `blocks` refer to, for the speaker's notes ("" for none): a slide
        shows a reference as its number only."""
        numbers = footnotes.referred([text for block in blocks for text in _texts_of(block)], self.footnotes)
        return "\n".join(["Notes:", *(f"{n}. {slide_text.plain_inline(self.footnotes[n])}" for n in numbers)]) if numbers else ""

    def bullets(self, title: str, lines: list[str] | list[tuple[int, str]], notes: str) -> None:
        """A list slide at up to 24 pt; a list longer than one slide holds at SMALLEST_OTHER_PT
        continues on the next ("Agenda (2/3)"). A line may be (depth, text)."""
        layout = self.layout("list")
        room = next((p for p in layout.placeholders if p.placeholder_format.idx == 1), None)
        width_pt, height_pt = ((room.width / EMU_PER_PT - 14, room.height / EMU_PER_PT - 8) if room is not None
                               else (600.0, 300.0))
        items = [line if isinstance(line, tuple) else (0, line) for line in lines]
        pages = _pages_of_lines(items, width_pt, height_pt, SMALLEST_OTHER_PT)
        for number, page in enumerate(pages, start=1):
            slide = self.deck.slides.add_slide(layout)
            _set_fitted(slide.shapes.title, _of(title, number, len(pages)), largest=32, smallest=24)
            body = _placeholder(slide, 1)
            if body is not None:
                frame = body.text_frame
                frame.word_wrap = True
                frame.text = page[0][1]
                for depth, text in page[1:]:
                    frame.add_paragraph().text = text
                for paragraph, (depth, _) in zip(frame.paragraphs, page):
                    paragraph.level = min(depth, 4)
                size = _largest_size(lambda size: _rows(page, width_pt, size) * size * LINE_HEIGHT <= height_pt)
                _size_runs(frame, size)
            slide.notes_slide.notes_text_frame.text = notes

    def code(self, title: str, lines: list[str]) -> None:
        """Code in monospace, as large as its longest line allows (24 to 18 pt), over as many
        slides as its lines need; lines longer than the slide wraps them."""
        left, top, width, height = self.area
        width_pt, height_pt = width / EMU_PER_PT - 14, height / EMU_PER_PT - 8
        longest = max(len(line) for line in lines)
        size = _largest_size(lambda size: longest * size * MONOSPACE_ADVANCE <= width_pt)
        per_line = max(1, int(width_pt / (size * MONOSPACE_ADVANCE)))
        pages: list[list[str]] = [[]]
        for line in lines:
            rows = sum(max(1, -(-len(l) // per_line)) for l in [*pages[-1], line])
            if pages[-1] and rows * size * 1.2 > height_pt:
                pages.append([])
            pages[-1].append(line)
        for number, page in enumerate(pages, start=1):
            slide = self._titled(_of(title, number, len(pages)))
            frame = slide.shapes.add_textbox(left, top, width, height).text_frame
            frame.word_wrap = True
            frame.text = "\n".join(page)
            for paragraph in frame.paragraphs:
                for run in paragraph.runs:
                    run.font.name = MONOSPACE
                    run.font.size = Pt(size)
                pptx_internals.fixed_pitch(paragraph.runs)

    def table(self, title: str, table: Table) -> None:
        """A table at 18 pt, its header repeated on each slide its rows need (the footnotes its
        cells refer to in each slide's notes)."""
        left, top, width, height = self.area
        notes = self._footnotes_of([table])
        table = Table(tuple(map(slide_text.plain_inline, table.header)),
                      tuple(tuple(map(slide_text.plain_inline, row)) for row in table.rows), table.location)
        columns = max(len(table.header), *(len(r) for r in table.rows)) if table.rows else len(table.header)
        size = SMALLEST_OTHER_PT
        widths = _column_widths([[r[c] if c < len(r) else "" for r in (table.header, *table.rows)]
                                 for c in range(columns)], width, size)

        def row_height(cells) -> float:  # in points, with the cell's margins
            return max(len(wrap(cells[c] if c < len(cells) else "", widths[c] / EMU_PER_PT - 14, size))
                       for c in range(columns)) * size * 1.2 + 8

        room = height / EMU_PER_PT - row_height(table.header)
        pages: list[list[tuple[str, ...]]] = [[]]
        for row in table.rows:
            if pages[-1] and sum(map(row_height, [*pages[-1], row])) > room:
                pages.append([])
            pages[-1].append(row)
        for number, page in enumerate(pages, start=1):
            slide = self._titled(_of(title, number, len(pages)))
            if notes:
                slide.notes_slide.notes_text_frame.text = notes
            rows = [table.header, *page]
            shape = slide.shapes.add_table(len(rows), columns, left, top, width,
                                           Emu(int(sum(map(row_height, rows)) * EMU_PER_PT)))
            for c, column_width in enumerate(widths):
                shape.table.columns[c].width = Emu(column_width)
            for r, cells in enumerate(rows):  # (add_table shares the height equally among the rows)
                shape.table.rows[r].height = Emu(int(row_height(cells) * EMU_PER_PT))
                for c in range(columns):
                    frame = shape.table.cell(r, c).text_frame
                    frame.word_wrap = True
                    frame.text = cells[c] if c < len(cells) else ""
                    _size_runs(frame, size)

    def answer_items(self, question: Question) -> list[Diagram | Table | slide_text.Image]:
        """What a question's answer slides show, in the document's order: its diagrams, its tables
        and the pictures a deck can hold (its words stay in the asking slide's notes)."""
        found = []
        for block in question.blocks:
            for item in slide_text.contents(block) if isinstance(block, Prose) else (block,):
                if isinstance(item, (Diagram, Table)) or (isinstance(item, slide_text.Image)
                                                          and self.slide_picture(item) is not None):
                    found.append(item)
        return found

    def slide_picture(self, image: slide_text.Image) -> tuple[Path | io.BytesIO, tuple[float, float]] | None:
        """The file of a picture of the document's folder (an SVG one's PNG, as painted) and its
        size in pixels, if a deck can hold it (a WebP, BMP or TIFF one once converted: image());
        None for others, and those printbook may not read, which stay in the handbook only
        (pictures.py says why there)."""
        found = pictures.find(image.address, self.folder)
        suffix = found.path.suffix.lower() if found.path is not None else ""
        if suffix == ".svg":
            painted = self.painted.get(found.path)
            return (io.BytesIO(painted.png), (painted.width, painted.height)) if painted and painted.png else None
        if suffix not in SLIDE_PICTURE_TYPES and suffix not in CONVERTED_PICTURE_TYPES:
            return None
        try:
            with PILImage.open(found.path) as opened:
                return found.path, opened.size
        except OSError:
            return None

    def image(self, title: str, image: slide_text.Image) -> None:
        """A picture of the document's folder, as large as the area allows (see slide_picture)."""
        if (picture := self.slide_picture(image)) is None:
            return
        source, pixels = picture
        # (Converted here, once: answer_items asks slide_picture of every picture too.)
        if isinstance(source, Path) and source.suffix.lower() in CONVERTED_PICTURE_TYPES:
            if (source := _as_png(source)) is None:
                return
        left, top, width, height = self.area
        scale = min(width / pixels[0], height / pixels[1], EMU_PER_PX * 2)  # up to twice its own size
        shown = (int(pixels[0] * scale), int(pixels[1] * scale))
        slide = self._titled(image.alt or title)
        slide.shapes.add_picture(str(source) if isinstance(source, Path) else source,
                                 left + (width - shown[0]) // 2, top + (height - shown[1]) // 2, *shown)

    def _titled(self, title: str):
        """A slide of the title-only layout with `title` fitted in the band above the area."""
        slide = self.deck.slides.add_slide(self.layout("answer"))
        title_shape = slide.shapes.title
        _place(title_shape, MARGIN, TITLE_TOP, self.deck.slide_width - 2 * MARGIN, TITLE_HEIGHT)
        _set_fitted(title_shape, title, largest=28, smallest=SMALLEST_OTHER_PT)
        return slide

    def question(self, question: Question) -> None:
        """The asking slide: the question, large, and its probability band."""
        slide = self.deck.slides.add_slide(self.layout("question"))
        title = slide.shapes.title
        _set_fitted(title, question.title, largest=40, smallest=24)
        # The layout sets headers in capitals; a question reads better as written.
        pptx_internals.keep_case(title.text_frame.paragraphs[0].runs)
        body = _placeholder(slide, 1)
        # A question too long for the title's box at 24 pt: the box grows upwards, the line
        # with its number and probability going up before it.
        size = title.text_frame.paragraphs[0].runs[0].font.size.pt
        needed = Pt(len(wrap(question.title, title.width / EMU_PER_PT - 14, round(size))) * size * 1.2 + 12)
        if needed > title.height:
            bottom = title.top + title.height
            _place(title, title.left, max(Inches(1.2), bottom - needed), title.width, min(needed, bottom - Inches(1.2)))
            _set_fitted(title, question.title, largest=round(size), smallest=SMALLEST_OTHER_PT)
            pptx_internals.keep_case(title.text_frame.paragraphs[0].runs)
            if body is not None:
                _place(body, body.left, max(Inches(0.3), title.top - body.height), body.width,
                       min(body.height, title.top - Inches(0.3)))
        if body is not None:
            parts = [f"Q{question.number}" if question.number is not None else "",
                     f"Probability {question.probability} · {question.band}" if question.band else ""]
            body.text = "   ".join(p for p in parts if p)
            _size_runs(body.text_frame, 24)
        answer = _answer_text(question)
        notes = self._footnotes_of(question.blocks)
        slide.notes_slide.notes_text_frame.text = "\n\n".join(
            part for part in (_question_notes(question), answer, notes) if part)

    def answer(self, title: str, diagram: Diagram, notes: str) -> None:
        """The answer slide: the diagram as large as the slide allows; where the whole would be
        too small to read, first the whole, then one slide per part or piece, each saying where
        it sits."""
        placed = self.placements.get(diagram)
        if placed is None:
            self._answer_slide(title, diagram, self.renderings.get(diagram), notes)
            return
        if placed.overview:
            count = len(placed.shown)
            then = f"{count} slide{'s' if count != 1 else ''} of its {placed.how}"
            self._answer_slide(f"{title} (the whole, then {then})", diagram, placed.overview, notes)
        for shown in placed.shown:
            self._answer_slide(f"{title} ({shown.where})" if shown.where else title, diagram, shown, notes)

    def _answer_slide(self, title: str, diagram: Diagram, shown: placement.Shown | Rendering | None, notes: str) -> None:
        slide = self._titled(title)
        if isinstance(shown, placement.Shown) and shown.picture.png:
            _add_picture(slide, shown, *self.area)
        else:
            failure = shown if isinstance(shown, DiagramFailure) else DiagramFailure(
                "the PNG of this diagram could not be painted")
            _add_failure(slide, diagram, failure, *self.area)
        slide.notes_slide.notes_text_frame.text = notes


def _add_picture(slide, shown: placement.Shown, left, top, width, height) -> None:
    """The picture centred in the area at the size placement chose (never larger than the area):
    SVG for PowerPoint, the PNG for the rest."""
    picture = shown.picture
    scale = min(shown.scale * EMU_PER_PX, width / picture.width, height / picture.height)
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
    _size_runs_of(frame.paragraphs[0], SMALLEST_OTHER_PT + 2)
    # What fits below the message at a size a room can read.
    for text, size in ((failure.plain[:300], SMALLEST_OTHER_PT), (diagram.excerpt(6), SMALLEST_OTHER_PT)):
        paragraph = frame.add_paragraph()
        paragraph.text = text
        _size_runs_of(paragraph, size)


def _place(shape, left, top, width, height) -> None:
    """All four at once: a placeholder given only some keeps 0 for the others, not its layout's."""
    shape.left, shape.top, shape.width, shape.height = int(left), int(top), int(width), int(height)


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


WIDER_FONT_ROOM = 0.9  # DejaVu Sans sets the same words about 7% wider than Noto Sans
SLIDE_PICTURE_TYPES = (".png", ".jpg", ".jpeg", ".gif")  # what a deck holds as it is (no SVG, no WebP)
CONVERTED_PICTURE_TYPES = (".webp", ".bmp", ".tif", ".tiff")  # held as PNG, which every viewer shows


def _largest_size(fits: Callable[[int], bool], largest: int = 24) -> int:
    """The largest text size from `largest` down to SMALLEST_OTHER_PT at which `fits`; the
    smallest where none does."""
    return next((size for size in range(largest, SMALLEST_OTHER_PT - 1, -1) if fits(size)), SMALLEST_OTHER_PT)


def _of(title: str, number: int, count: int) -> str:
    """A title continued over `count` slides: "Agenda (2/3)"; as it is on a slide of its own."""
    return f"{title} ({number}/{count})" if count > 1 else title


LINE_HEIGHT = 1.35  # a list's line, with the space between its paragraphs
LEVEL_INDENT_PT = 36  # how much further in each list level starts
MONOSPACE, MONOSPACE_ADVANCE = "Consolas", 0.6  # a monospace character is 0.6 of its size wide


def _rows(items: list[tuple[int, str]], width_pt: float, size: int) -> int:
    """How many lines the items wrap into, less each bullet's indent."""
    return sum(len(wrap(text, width_pt - size * 1.5 - depth * LEVEL_INDENT_PT, size)) for depth, text in items)


def _pages_of_lines(items: list[tuple[int, str]], width_pt: float, height_pt: float, size: int
                    ) -> list[list[tuple[int, str]]]:
    """The items in slide-sized runs, each as many whole items as fit at `size`; an item longer
    than a slide split between its sentences (or, failing that, its words)."""
    fitting = [piece for item in items for piece in _fitted_item(item, width_pt, height_pt, size)]
    pages: list[list[tuple[int, str]]] = [[]]
    for item in fitting:
        if pages[-1] and _rows([*pages[-1], item], width_pt, size) * size * LINE_HEIGHT > height_pt:
            pages.append([])
        pages[-1].append(item)
    return pages


def _fitted_item(item: tuple[int, str], width_pt: float, height_pt: float, size: int) -> list[tuple[int, str]]:
    depth, text = item
    if _rows([item], width_pt, size) * size * LINE_HEIGHT <= height_pt:
        return [item]
    pieces = re.split(r"(?<=[.!?;:])\s+", text)
    if len(pieces) == 1:
        pieces = text.split()
    found: list[str] = []
    for piece in pieces:
        candidate = f"{found[-1]} {piece}" if found else piece
        if found and _rows([(depth, candidate)], width_pt, size) * size * LINE_HEIGHT <= height_pt:
            found[-1] = candidate
        else:
            found.append(piece)
    return [(depth, piece) for piece in found]


def fitted_size(text: str, width_pt: float, height_pt: float, largest: int, smallest: int) -> int:
    """The largest size from `largest` down to `smallest` at which `text`, wrapped at words,
    fits width x height (1.2 line height); `smallest` if none does."""
    for size in range(largest, smallest - 1, -1):
        if _fewest_lines(text, width_pt, size) * size * 1.2 > height_pt:
            continue  # (known without wrapping a long text at each size)
        if len(wrap(text, width_pt, size)) * size * 1.2 <= height_pt:
            return size
    return smallest


def _fewest_lines(text: str, width_pt: float, size: int) -> int:
    """Fewer lines than `text` can take at `size` in `width_pt`, as wrap measures them: each line
    holds at most its width and the space it breaks at (less 2%, for kerning across the joins)."""
    font = resources.font(size)
    per_line = width_pt * WIDER_FONT_ROOM + font.getlength(" ")
    return math.floor(0.98 * font.getlength(" ".join(text.split())) / per_line)


@lru_cache(maxsize=4096)  # fitting a slide wraps the same text at the same size many times over
def wrap(text: str, width_pt: float, size: int) -> tuple[str, ...]:
    """`text` broken into the lines it takes at `size`, measured with Noto Sans (the decks'
    theme font) in WIDER_FONT_ROOM less than the width: a viewer without Noto Sans draws a
    wider one (LibreOffice on Debian: DejaVu Sans), and would then shrink the text to fit."""
    font = resources.font(size)
    width_pt *= WIDER_FONT_ROOM
    words = text.split()
    lines: list[str] = []

    def fits(first: int, end: int) -> bool:
        return font.getlength(" ".join(words[first:end])) <= width_pt

    start = 0
    while start < len(words):
        # As many words as fit: a line only grows with each word it takes. Found by doubling, then
        # halving, so that a line is measured at about its own length (not the rest of the text:
        # a title of 30,000 characters took a minute and a half).
        fit, step = start + 1, 1
        while fit + step <= len(words) and fits(start, fit + step):
            fit, step = fit + step, step * 2
        beyond = min(fit + step, len(words) + 1)
        while beyond - fit > 1:
            middle = (fit + beyond) // 2
            if fits(start, middle):
                fit = middle
            else:
                beyond = middle
        lines.append(" ".join(words[start:fit]))
        start = fit
    return tuple(lines) or ("",)


ORDINARY_WORD = 14  # characters: a longer word is most often an identifier, which may break


def _column_widths(columns: list[list[str]], width: int, size: int) -> list[int]:
    """Each column's width (EMU) in a table `width` wide: by the square root of its longest cell,
    but, where the table's width allows, none narrower than its longest word, which a viewer
    would otherwise cut in two ("Networkin" over "g"). Where the longest words cannot all be
    whole (identifiers such as `max_blocking_threads`), the words of ordinary length are, and
    else at least the header's ("Sinc" over "e")."""
    weights = [max(4, *map(len, cells)) ** 0.5 for cells in columns]
    font = resources.font(size)

    def widest(words) -> float:
        return (max(map(font.getlength, words), default=0) / WIDER_FONT_ROOM + 14) * EMU_PER_PT

    tiers = (lambda cells: [w for cell in cells for w in cell.split()],
             lambda cells: [w for cell in cells for w in cell.split() if len(w) <= ORDINARY_WORD],
             lambda cells: cells[0].split() if cells else [])
    for words in tiers:
        least = [widest(words(cells)) for cells in columns]
        if sum(least) <= width:
            break
    else:  # not even the header's words can all fit whole: shares by weight alone
        return [int(width * w / sum(weights)) for w in weights]
    held: set[int] = set()  # the columns set to their longest word; the others share the rest by weight
    while True:
        free = [c for c in range(len(columns)) if c not in held]
        per_weight = (width - sum(least[c] for c in held)) / sum(weights[c] for c in free)
        widths = [least[c] if c in held else weights[c] * per_weight for c in range(len(columns))]
        short = {c for c in free if widths[c] < least[c]}
        if not short:
            return [int(w) for w in widths]
        held |= short


def _placeholder(slide, index: int):
    return next((p for p in slide.placeholders if p.placeholder_format.idx == index), None)


def _svg(rendering: Rendering | None) -> str | None:
    return rendering.svg if isinstance(rendering, Picture) else None


def _range(chapter: Chapter) -> str:
    parts = [f"Questions {chapter.question_range}" if chapter.question_range else "",
             counted(len(chapter.numbered_questions), "question") if chapter.numbered_questions else ""]
    return " · ".join(p for p in parts if p)


def _question_notes(question: Question) -> str:
    lines = [question.label]
    if question.band:
        lines.append(f"Probability {question.probability} ({question.band}).")
    return "\n".join(lines)


def _as_png(path: Path) -> io.BytesIO | None:
    """The picture at `path` as PNG (PowerPoint shows no WebP, nor TIFF everywhere), or None where
    Pillow cannot read it whole."""
    converted = io.BytesIO()
    try:
        with PILImage.open(path) as opened:
            opened.save(converted, "PNG")
    except OSError:
        return None
    converted.seek(0)
    return converted


def _texts_of(block) -> list[str]:
    """A block's Markdown: a prose block's, a table's cells."""
    if isinstance(block, Prose):
        return [block.markdown]
    if isinstance(block, Table):
        return [*block.header, *(cell for row in block.rows for cell in row)]
    return []


def _answer_text(question: Question) -> str:
    """The question's own prose as plain lines, for the trainer's notes under the asking slide."""
    lines = []
    for block in question.blocks:
        for content in slide_text.contents(block) if isinstance(block, Prose) else ():
            if isinstance(content, slide_text.Points):
                lines += ["  " * depth + "• " + text for depth, text in content.points]
            elif isinstance(content, slide_text.Code):
                lines += content.lines
            elif content.alt:
                lines.append(f"[picture: {content.alt}]")
    return "\n".join(lines)


def _answer_notes(question: Question, diagram: Diagram, rendering: Rendering | None) -> str:
    return _question_notes(question) + "\n\n" + describe.tell(diagram, _svg(rendering))


def _summary(chapter: Chapter) -> list[str]:
    questions = chapter.numbered_questions
    lines = [counted(len(questions), "question") + (f" ({chapter.question_range})" if chapter.question_range else "")]
    if chapter.average_probability is not None:
        lines.append(f"Average probability {chapter.average_probability:.1f}")
        counts = [(name, sum(q.band == name for q in questions)) for name, _ in BANDS]
        lines.append(", ".join(f"{name} {count}" for name, count in counts if count))
        likeliest = max((q for q in questions if q.probability is not None), key=lambda q: q.probability)
        lines.append(f"Most likely: Q{likeliest.number} {likeliest.title} ({likeliest.probability})")
    return lines
