"""Stage 3a: Book + diagram renderings -> PDF handbook (Jinja template -> HTML -> WeasyPrint)."""

from __future__ import annotations

import base64
import contextlib
import gc
import io
import logging
import mimetypes
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import jinja2
from lxml import etree
from markdown_it import MarkdownIt
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from . import describe, pdf_parts, pdf_tags, pictures, resources, weasyprint_internals
from .model import (BANDS, Book, Chapter, Diagnostic, Diagram, DiagramFailure, Discrepancy, Location, Picture,
                    PrintbookError, Prose, Rendering, Table)

PX_PER_MM = 96 / 25.4
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # mm
SIDE_MARGINS_MM, TOP_AND_BOTTOM_MM = 40, 42  # both sides together, as in print.css
HEADING_MM = 30  # a question's title (up to two lines) and its probability
NOTES_MM = 42  # the interviewer's notes area: a head and NOTES_LINES ruled lines
NOTES_LINES = 5
CAPTION_MM = 20  # two lines of caption under a diagram that has a page to itself, and the space before them
# mermaid draws diagram text at 16 px; shown at 0.75 it prints at 9 pt, like the notes.
DIAGRAM_TEXT_PX = 16
DIAGRAM_NATURAL_SCALE = 0.75
# Below this, a diagram goes on a landscape page if that prints it larger.
SMALLEST_TEXT_PT = 7
FIGURE_SPACE = "\u2007"  # as wide as a digit
PAGE_NUMBER_DIGITS = 3  # the room for each page number in the contents and question lists


@dataclass(frozen=True, slots=True)
class PdfOptions:
    paper: str = "a4"  # or "letter"
    duplex: bool = False  # mirror the margins for double-sided printing
    notes: bool = True  # ruled lines and a 1–4 score row under each question
    organisation: str = ""
    logo: Path | None = None

    def diagram_boxes(self, notes: bool | None = None) -> tuple[tuple[float, float], tuple[float, float]]:
        """The space for a diagram below its question's heading, in CSS px: on an upright page,
        and on a landscape page of its own; with room for the notes area below unless `notes`
        is False (default: where the handbook has notes)."""
        width, height = PAPERS[self.paper]
        below = TOP_AND_BOTTOM_MM + HEADING_MM + (NOTES_MM if (self.notes if notes is None else notes) else 0)
        upright = ((width - SIDE_MARGINS_MM) * PX_PER_MM, (height - below) * PX_PER_MM)
        landscape = ((height - SIDE_MARGINS_MM) * PX_PER_MM, (width - below) * PX_PER_MM)
        return upright, landscape

    def column_box(self) -> tuple[float, float]:
        """The whole text column of an upright page less room for a caption: for a diagram that
        needs a page to itself."""
        width, height = PAPERS[self.paper]
        return (width - SIDE_MARGINS_MM) * PX_PER_MM, (height - TOP_AND_BOTTOM_MM - CAPTION_MM) * PX_PER_MM

    def page_css(self) -> str:
        size = {"a4": "A4", "letter": "letter"}[self.paper]
        css = f"@page {{ size: {size}; }}\n@page landscape {{ size: {size} landscape; }}\n"
        if self.duplex:  # a wider inner margin for the binding, on the side that alternates
            css += ("@page :left { margin-left: 15mm; margin-right: 25mm; }\n"
                    "@page :right { margin-left: 25mm; margin-right: 15mm; }\n")
        return css


def check_options(options: PdfOptions) -> None:
    """A PrintbookError naming the file and the problem when the logo is no picture the cover
    can show: checked before anything is rendered."""
    if options.logo is None:
        return
    path = Path(options.logo)

    def refused(problem: str) -> PrintbookError:
        return PrintbookError(Diagnostic("error", Location(str(path), 1), f"--logo: {problem}",
                                         "give a PNG, JPEG, GIF, WebP or SVG picture", "option.logo"))

    try:
        data = path.read_bytes()
    except OSError as error:
        raise refused(error.strerror or str(error)) from None
    if mimetypes.guess_type(path.name)[0] == "image/svg+xml" or data.lstrip()[:5] in (b"<?xml", b"<svg "):
        try:
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as error:
            raise refused(f"not a readable SVG picture ({error})") from None
        if etree.QName(root).localname != "svg":
            raise refused("an XML file, but not an SVG picture")
        return
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except Exception:  # Pillow raises many kinds for what is no picture
        raise refused("not a picture") from None
    if kind not in LOGO_FORMATS:
        raise refused(f"a {kind} picture, which PDF readers may not show")


LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


@dataclass(frozen=True, slots=True)
class PdfResult:
    pages: int
    refused: tuple[str, ...] = ()  # addresses WeasyPrint was not let read (pictures.ConfinedFetcher)


def write_pdf(book: Book, renderings: dict[Diagram, Rendering], target: Path,
              discrepancies: list[Discrepancy] = (), options: PdfOptions = PdfOptions()) -> PdfResult:
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=str(resources.assets_dir() / "print.css"), font_config=fonts),
                   CSS(string=options.page_css() + _running_title_css(book.title), font_config=fonts)]

    def html(digits: int, chapters: slice = slice(None), front: bool = True) -> str:
        return render_html(book, renderings, discrepancies, options, digits, chapters, front)

    folder = pictures.document_folder(book)
    fetcher = pictures.ConfinedFetcher([folder])

    def lay_out(html: str) -> Document:
        # Relative links resolve against the document's folder; nothing outside it is read.
        return HTML(string=html, base_url=str(folder) + "/", url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=fonts)

    def write(document: Document, path: Path) -> None:
        # Tagged (PDF/UA-1): screen readers get the structure and each diagram's alt text.
        document.write_pdf(path, pdf_variant="pdf/ua-1")

    with weasyprint_internals.svg_text_in_runs(), collector_paused(), refusals_kept() as refused:
        # In duplex, where the second part starts decides its margins: it is typeset in one piece.
        # Parts have their page numbers written in through WeasyPrint's internals.
        in_parts = not options.duplex and weasyprint_internals.applies()
        cut = pdf_parts.split_point([len(c.questions) for c in shown_chapters(book)]) if in_parts else None
        pages = None
        if cut is not None:
            parts = [html(PAGE_NUMBER_DIGITS, slice(0, cut)), html(PAGE_NUMBER_DIGITS, slice(cut, None), front=False)]
            pages = pdf_parts.typeset_in_two_parts(
                lambda part: lay_out(parts[part]),
                lambda part, document, *numbering: weasyprint_internals.finish_part(
                    document, _page_number_blanks(parts[part]), *numbering, blank=FIGURE_SPACE),
                write, target)
        if pages is None:
            document = typeset(html, lay_out)
            write(document, target)
            pages = len(document.pages)
    pdf_tags.repair(target)  # what WeasyPrint's tagging misses for PDF/UA-1
    return PdfResult(pages=pages, refused=tuple(refused))


@contextlib.contextmanager
def refusals_kept():
    """The addresses ConfinedFetcher refused while open, kept for a warning; WeasyPrint's other
    log lines are kept off the user's terminal (a build says what matters in its own words)."""
    refused: list[str] = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if pictures.REFUSAL in message:
                refused.append(message.split(pictures.REFUSAL, 1)[1].strip())

    logger = logging.getLogger("weasyprint")
    keeper, propagate = Keeper(), logger.propagate
    logger.addHandler(keeper)
    logger.propagate = False
    try:
        yield refused
    finally:
        logger.removeHandler(keeper)
        logger.propagate = propagate


def _running_title_css(title: str) -> str:
    """The book's title at the top left of every page but the cover, as a CSS string."""
    quoted = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'@page {{ @top-left {{ content: "{quoted}"; }} }}\n'


def typeset(html_with_blanks: Callable[[int], str], lay_out: Callable[[str], Document]) -> Document:
    """The handbook laid out, its page numbers written in. `html_with_blanks(digits)` is its HTML
    with a blank as wide as `digits` digits wherever a page number goes (0: no blanks).

    WeasyPrint lays out each page that shows a page number by `target-counter` three times over:
    a third of the seed's typesetting time went on its contents, at-a-glance and opener pages.
    A blank of figure spaces is exactly as wide as a number of as many digits (Noto Sans's digits
    are all one width), so the numbers can be written into the laid-out blanks and nothing moves.
    Where that fails (a WeasyPrint laid out differently inside), WeasyPrint numbers the pages."""
    digits = PAGE_NUMBER_DIGITS
    html = html_with_blanks(digits)
    document = lay_out(html)
    while len(str(len(document.pages))) > digits:  # a book of a thousand pages or more
        digits = len(str(len(document.pages)))
        html = html_with_blanks(digits)
        document = lay_out(html)
    written = weasyprint_internals.write_in_page_numbers(document, _page_number_blanks(html), None, FIGURE_SPACE)
    return document if written else lay_out(html_with_blanks(0))


def _page_number_blanks(html: str) -> int:
    """How many page numbers the handbook's HTML leaves to write in (the template's page_of)."""
    return html.count("data-page-of=")


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while open.

    WeasyPrint makes millions of objects, and the collector, set off by each few hundred of them,
    walked the growing box trees again and again: 15-20% of the seed's PDF stage. Paused, the
    stage keeps about 5% more memory (12 MB on the seed) until the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_html(book: Book, renderings: dict[Diagram, Rendering], discrepancies: list[Discrepancy] = (),
                options: PdfOptions = PdfOptions(), page_number_digits: int = 0,
                chapters: slice = slice(None), front: bool = True) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates_dir()),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    markdown = _markdown(pictures.document_folder(book))
    spaces = _diagram_spaces(book, options)
    boxes = {d: _box_for(renderings.get(d), spaces[d]) for d in book.diagrams()}
    landscapes = set(options.diagram_boxes(notes=True)[1:] + options.diagram_boxes(notes=False)[1:])

    def block_html(block) -> str:
        """One block as HTML; the template places it."""
        if isinstance(block, Prose):
            return markdown.render(block.markdown)
        if isinstance(block, Table):
            return environment.get_template("table.html.j2").render(table=block, inline=markdown.renderInline)
        return environment.get_template("diagram.html.j2").render(
            diagram=block, rendering=renderings.get(block),
            **_diagram_view(block, renderings.get(block), boxes[block] or spaces[block][0], in_parts=boxes[block] is None))

    shown = shown_chapters(book)
    return nested_headings(environment.get_template("handbook.html.j2").render(
        book=book,
        options=options,
        block=lambda b: jinja2.utils.markupsafe.Markup(block_html(b)),
        inline=lambda text: jinja2.utils.markupsafe.Markup(markdown.renderInline(text)),
        anchor=_anchor,
        landscape=lambda question: any(boxes.get(b) in landscapes for b in question.blocks),
        in_parts=lambda question: any(b in boxes and boxes[b] is None for b in question.blocks),
        shown_chapters=shown,
        body_chapters=shown[chapters],
        front=front,
        cover_facts=_cover_facts(book),
        role=book.stated("Role Level") or "",
        logo=_data_uri(options.logo) if options.logo else "",
        today=date.today().isoformat(),
        by_probability=sorted(book.questions, key=lambda q: (-(q.probability or -1), q.number)),
        band_counts=lambda questions: [(name, sum(q.band == name for q in questions)) for name, _ in BANDS],
        discrepancies_in=lambda chapter: _discrepancies_in(chapter, book, discrepancies, shown),
        notes_lines=NOTES_LINES,
        page_number_blank=FIGURE_SPACE * page_number_digits,
    ))


HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>])")


def nested_headings(html: str) -> str:
    """Every heading at most one level below the one before it (PDF/UA: a screen reader's outline
    must not skip a level): a document's `####` straight under a chapter becomes an h3, the
    "checked against the questions" box under the cover's title an h2. Their look stays (print.css
    sizes headings by what they are, not by level)."""
    levels: list[int] = []  # of the headings still open, to close each with its own level
    previous = 1  # under the book's title, also in a part of the book that starts at a chapter

    def relevel(match: re.Match) -> str:
        nonlocal previous
        if match.group(1):  # a closing tag
            return f"</h{levels.pop() if levels else match.group(2)}"
        level = min(int(match.group(2)), previous + 1)
        previous = level
        levels.append(level)
        return f"<h{level}"

    return HEADING.sub(relevel, html)


def shown_chapters(book: Book) -> list[Chapter]:
    """The chapters the handbook prints: all but the document's metadata, which the cover shows."""
    return [c for c in book.chapters if c.title.strip().lower() != "metadata"]


# Inline HTML that documents use for emphasis (`<span style="color: …">`, `<b>`, `<br>`): kept as
# the bare tag, without attributes, so it can neither fetch anything nor break the layout; other
# HTML tags are dropped and their text kept; what only looks like a tag (`Vec<T>`) is text; an
# HTML block becomes a paragraph of its text.
INLINE_TAGS = {"b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "code", "kbd", "mark", "small", "br", "span"}
OTHER_HTML_TAGS = set("""a abbr address area article aside audio bdi bdo blockquote body button canvas caption center
    cite col colgroup data datalist dd details dfn dialog div dl dt embed fieldset figcaption figure font footer form
    h1 h2 h3 h4 h5 h6 head header hr html iframe img input ins label legend li link main map meta meter nav noscript
    object ol optgroup option output p param picture pre progress q rp rt ruby samp script section select slot source
    strike style summary svg table tbody td template textarea tfoot th thead time title tr track tt ul var video
    wbr""".split())
TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>$")


def _markdown(folder: Path) -> MarkdownIt:
    markdown = pictures.judging_every_address(
        MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough"))

    def link(renderer, tokens, index, options, env) -> str:
        token = tokens[index]
        if pictures.link_address(str(token.attrGet("href") or "")) is None:
            token.attrs.pop("href", None)  # the text stays, without a link
        return renderer.renderToken(tokens, index, options, env)

    markdown.add_render_rule("link_open", link)

    def heading(renderer, tokens, index, options, env) -> str:
        """A document's own heading, styled by the level it was written at (nested_headings may
        change its tag)."""
        tokens[index].attrSet("class", f"prose-heading prose-{tokens[index].tag}")
        return renderer.renderToken(tokens, index, options, env)

    markdown.add_render_rule("heading_open", heading)

    def image(renderer, tokens, index, options, env) -> str:
        """A picture inside the document's folder, by its absolute address; any other is left out
        (pictures.check_pictures says where), its alt text kept in its place."""
        token = tokens[index]
        alt = jinja2.utils.markupsafe.escape(renderer.renderInlineAsText(token.children or [], options, env))
        found = pictures.find(str(token.attrGet("src") or ""), folder)
        if found.path is None and not found.inline_data:
            return f'<span class="picture-left-out">[picture left out: {alt or "no description"}]</span>'
        source = found.path.as_uri() if found.path else str(token.attrGet("src")).strip()
        return f'<img class="picture" src="{jinja2.utils.markupsafe.escape(source)}" alt="{alt}">'

    markdown.add_render_rule("image", image)

    def inline_html(renderer, tokens, index, options, env) -> str:
        text = tokens[index].content
        tag = TAG.match(text.strip())
        name = tag.group(2).lower() if tag else ""
        if name in INLINE_TAGS:
            return "<br>" if name == "br" else f"<{tag.group(1)}{name}>"
        if name in OTHER_HTML_TAGS or text.startswith("<!--"):
            return ""
        return str(jinja2.utils.markupsafe.escape(text))  # `Vec<T>`, `Box<dyn Trait>`: text, not HTML

    markdown.add_render_rule("html_inline", inline_html)

    def block_html(renderer, tokens, index, options, env) -> str:
        text = re.sub(r"<[^>]*>", " ", tokens[index].content).strip()
        return f"<p>{jinja2.utils.markupsafe.escape(text)}</p>\n" if text else ""

    markdown.add_render_rule("html_block", block_html)
    return markdown


def _cover_facts(book: Book) -> list[tuple[str, str]]:
    """The metadata as written, with the counted question total and today's date."""
    facts = [(k, v) for k, v in book.metadata if k.strip().lower() != "questions"]
    if book.questions:
        facts.append(("Questions", str(len(book.questions))))
    return facts + [("Printed", date.today().strftime("%d %B %Y").lstrip("0"))]


def _discrepancies_in(chapter: Chapter | None, book: Book, discrepancies: list[Discrepancy],
                      shown: list[Chapter]) -> list[Discrepancy]:
    """The discrepancies stated inside `chapter`; for None, those stated in chapters the PDF does
    not show (the metadata), which the cover shows."""
    def home(d: Discrepancy) -> Chapter | None:
        before = [c for c in book.chapters if c.location.line <= d.location.line]
        owner = before[-1] if before else None
        return owner if owner in shown else None

    return [d for d in discrepancies if home(d) == chapter]


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode()


def printed_text_pt(picture: Picture, box: tuple[float, float]) -> float:
    """The size diagram text prints at in `box` (CSS px), in its best layout there."""
    best = picture.best_fit(*box, DIAGRAM_NATURAL_SCALE)
    return DIAGRAM_TEXT_PX * best.scale_to_fit(*box, DIAGRAM_NATURAL_SCALE) * 0.75


def needs_parts(rendering: Rendering | None, options: PdfOptions = PdfOptions()) -> bool:
    """True when no layout of the diagram prints its text at SMALLEST_TEXT_PT, upright or on a
    landscape page: the handbook then shows it one subgraph at a time (given the parts)."""
    if not isinstance(rendering, Picture):
        return False
    return max(printed_text_pt(rendering, box) for box in options.diagram_boxes()) < SMALLEST_TEXT_PT


def _diagram_spaces(book: Book, options: PdfOptions) -> dict[Diagram, tuple[tuple[float, float], ...]]:
    """The spaces a diagram may take (CSS px), the first preferred. A question with an interviewer
    notes area keeps room for it, upright or on a landscape page of its own. Where nothing goes
    below the diagram, it first gets as much room as the notes would leave (so that it follows
    the text before it on the same page); only where its text would print too small there, the
    room of the notes too, then the whole text column (a page to itself, but for a caption), then
    a landscape page, only in a question (the question goes with it)."""
    with_notes = options.diagram_boxes()
    upright, landscape = options.diagram_boxes(notes=False)
    column = options.column_box()
    noted = {b for c in book.chapters for q in c.questions if options.notes and q.number is not None for b in q.blocks}
    in_questions = {b for c in book.chapters for q in c.questions for b in q.blocks}
    return {d: with_notes if d in noted else (with_notes[0], upright, column, landscape) if d in in_questions
            else (with_notes[0], upright, column) for d in book.diagrams()}


def _box_for(rendering: Rendering | None, spaces: tuple[tuple[float, float], ...]) -> tuple[float, float] | None:
    """The first of `spaces` where the diagram's text prints at SMALLEST_TEXT_PT, else the one
    where it prints largest; None where it has parts and prints too small in all of them (it is
    then shown one part at a time, upright)."""
    if not isinstance(rendering, Picture):
        return spaces[0]
    sizes = [printed_text_pt(rendering, box) for box in spaces]
    legible = [box for box, size in zip(spaces, sizes) if size >= SMALLEST_TEXT_PT]
    if legible:
        return legible[0]
    return None if rendering.parts else spaces[sizes.index(max(sizes))]


def _diagram_view(diagram: Diagram, rendering: Rendering | None, box: tuple[float, float], in_parts: bool) -> dict:
    """Where the template needs numbers: each picture shown (the diagram, or its parts) as a
    data URI with its printed size and alt text."""
    if not isinstance(rendering, Picture):
        failure = rendering if isinstance(rendering, DiagramFailure) else DiagramFailure("not rendered")
        return {"failed": True, "message": failure.plain, "where": failure.location or diagram.location,
                "excerpt": diagram.excerpt()}

    def shown(picture: Picture, alt: str) -> dict:
        picture = picture.best_fit(*box, DIAGRAM_NATURAL_SCALE)
        scale = picture.scale_to_fit(*box, DIAGRAM_NATURAL_SCALE)
        uri = "data:image/svg+xml;base64," + base64.b64encode(picture.svg.encode()).decode()
        return {"uri": uri, "width": round(picture.width * scale, 1), "height": round(picture.height * scale, 1),
                "alt": alt}

    if in_parts:
        count = len(rendering.parts)
        return {"failed": False, "pictures": [
            shown(part, f"Part {i} of {count}: " + "; ".join(describe.labels_of_svg(part.svg)) + ".")
            for i, part in enumerate(rendering.parts, start=1)]}
    return {"failed": False, "pictures": [shown(rendering, describe.tell(diagram, rendering.svg))]}


def _anchor(*parts: object) -> str:
    text = "-".join(str(p) for p in parts)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
