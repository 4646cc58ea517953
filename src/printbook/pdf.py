"""Stage 3a: Book + diagram renderings -> PDF handbook (Jinja template -> HTML -> WeasyPrint)."""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import io
import logging
import mimetypes
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

import jinja2
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.common.utils import escapeHtml
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from .options import (CAPTION_MM, HEADING_MM, NOTES_LINES, NOTES_MM, PAPERS, PX_PER_MM, SIDE_MARGINS_MM,
                      TOP_AND_BOTTOM_MM, PdfOptions)
from . import (describe, fetcher, footnotes, markdown_rules, pdf_forms, pdf_parts, pdf_tags, pictures, placement, resources,
               slide_text, weasyprint_internals)
from .model import (BANDS, Block, Book, Chapter, Diagnostic, Diagram, DiagramFailure, Discrepancy, Location, Picture,
                    PrintbookError, Prose, Question, Rendering, Table, fragment_key)

# mermaid draws diagram text at 16 px; shown at 0.75 it prints at 9 pt, like the notes.
DIAGRAM_NATURAL_SCALE = 0.75
PARTS_NOTE_MM = 12  # the line above a diagram shown in parts or pieces
# Below this, a diagram goes on a landscape page if that prints it larger.
SMALLEST_TEXT_PT = 7
# A chapter's first diagram follows the chapter's opening text on its page (rather than leave the
# text on a page of its own) where the text takes at most this share of the page, and showing the
# diagram below it keeps its text at least this share as large.
FRONT_AT_MOST = 0.5
FRONT_SHRINKS_TO = 0.8
LANDSCAPE_FRONT_MM = 55  # the most opening text that goes on a landscape page with its diagram
# What a diagram's usual room leaves above it in practice: its question's heading and probability
# on one line each (the rest of HEADING_MM goes on the figure's margins and a pieces' caption).
UNDER_HEADING_MM = 18
FRONT_MARK = "pb-front-end-"  # (only in the HTML laid out to measure the chapters' openings)
LEAD_MARKS = ("pb-lead-start-", "pb-lead-end-")  # (and the text before a question's first diagram)
QUESTION_PADDING_MM = 4  # above a question's heading, below the rule (print.css)
MEASURED_AT_MOST = 2500  # characters of Markdown: more text than FRONT_AT_MOST of a page holds
# What HEADING_MM keeps beyond a heading and a figure's top margin (its bottom one falls at the page's end).
SPARE_MM = HEADING_MM - UNDER_HEADING_MM - 3
# Text before a question's landscape diagram goes on its landscape page with it up to this many
# characters of Markdown (about three lines there); longer, it stays upright and the diagram turns alone.
SHORT_TEXT_BEFORE = 400
FIGURE_SPACE = "\u2007"  # as wide as a digit
# A table whose columns' longest words side by side are wider than the text column (at print.css's
# 9 pt, with 2 mm of padding each side of a cell) runs off the page's edge in WeasyPrint: it is
# printed `wide` (print.css), smaller, its columns sharing the width. (Not on a landscape page: the
# text before it, its heading at least, would be left alone on its page.)
TABLE_PT, CELL_PADDING_PT = 9, 4 / 25.4 * 72
PAGE_NUMBER_DIGITS = 3  # the room for each page number in the contents and question lists


def check_options(options: PdfOptions) -> None:
    """A PrintbookError naming the file and the problem when the paper is none printbook knows or
    the logo is no picture the cover can show: checked before anything is rendered."""
    if options.css is not None:
        try:
            Path(options.css).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PrintbookError(Diagnostic("error", Location(str(options.css), 1), f"--css: {getattr(error, 'strerror', None) or error}",
                                            "give a CSS file (UTF-8)", "option.css")) from None
    if options.paper not in PAPERS:
        raise PrintbookError(Diagnostic("error", None, f"--paper: {options.paper!r} is no paper printbook knows",
                                        "give " + " or ".join(PAPERS), "option.paper"))
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
    refused: tuple[str, ...] = ()  # addresses WeasyPrint was not let read (fetcher.ConfinedFetcher)


def write_pdf(book: Book, renderings: dict[Diagram, Rendering], target: Path,
              discrepancies: list[Discrepancy] = (), options: PdfOptions = PdfOptions(),
              placements: dict[Diagram, placement.Placement] | None = None,
              cache: pdf_parts.PartsCache | None = None, front_started: pdf_parts.Started | None = None
              ) -> PdfResult:
    """The handbook at `target`, each diagram shown as `placements` decided (by default as
    placement.py decides for the spaces of `options`); a long one typeset in parts, those that
    `cache` holds as they are now not typeset again, and the front matter as `front_started`
    lays it out already (see front_matter_started)."""
    placements = placements if placements is not None else placed(book, renderings, options)
    # The front matter's stylesheets and fonts, loaded already, serve the rest of the book.
    lay_out, write = (front_started.typesetting if isinstance(front_started, pdf_parts.Started)
                      and front_started.typesetting else _typesetting(book, options))

    def html(digits: int, chapters: slice = slice(None), front: bool = True) -> str:
        return render_html(book, renderings, discrepancies, options, digits, chapters, front, placements)

    with typesetting_as_printbook() as refused:
        runs = _runs(book, options)
        pages = None
        if runs is not None:
            digits, shown = _digits(book), shown_chapters(book)
            weights = [chapter_weight(c) for c in shown]
            # The front matter takes about a quarter of the chapters' time (measured on the seed).
            parts = [pdf_parts.Part(html(digits, slice(0, 0)), sum(weights) / 4),
                     *(pdf_parts.Part(html(digits, run, front=False), sum(weights[run]), _continuing(book, shown[run]))
                       for run in runs)]
            pages = pdf_parts.typeset_in_parts(
                parts, lambda part: lay_out(parts[part].html), _finish(lambda part: parts[part].html),
                write, target, cache, [front_started] if isinstance(front_started, pdf_parts.Started) else [])
        if pages is None:
            document = typeset(html, lay_out)
            write(document, target)
            pages = len(document.pages)
    pdf_forms.mend(target)  # what WeasyPrint's form fields (--fillable) get wrong
    return PdfResult(pages=pages, refused=tuple(refused))


def _typesetting(book: Book, options: PdfOptions) -> tuple[Callable[[str], Document], Callable[[Document, Path], None]]:
    """How the handbook's HTML is laid out, with its stylesheets and fonts, and how it is written."""
    fonts = FontConfiguration()
    folder = pictures.document_folder(book)
    # What the user's stylesheet names (fonts, pictures) may come from its own folder too.
    confined = fetcher.ConfinedFetcher([*(pictures.document_folder(part) for part in book.parts), folder,
                                        *([Path(options.css).resolve().parent] if options.css else [])],
                                       overrides=options.overrides / "assets" if options.overrides else None)
    stylesheets = [CSS(filename=str(resources.asset("print.css", options.overrides)), font_config=fonts,
                       url_fetcher=confined),
                   CSS(string=options.page_css() + _running_title_css(book.title), font_config=fonts),
                   *([CSS(filename=str(options.css), font_config=fonts, url_fetcher=confined)] if options.css else [])]

    def lay_out(html: str) -> Document:
        # Relative links resolve against the document's folder; nothing outside it is read.
        return HTML(string=html, base_url=str(folder) + "/", url_fetcher=confined).render(
            stylesheets=stylesheets, font_config=fonts)

    def write(document: Document, path: Path) -> None:
        # Tagged (PDF/UA-1): screen readers get the structure and each diagram's alt text. What
        # WeasyPrint's tagging misses is mended in each PDF written, so that a part of the book
        # the cache keeps is kept mended, and only the parts typeset again are mended again.
        document.write_pdf(path, pdf_variant="pdf/ua-1")
        pdf_tags.repair(path)

    return lay_out, write


def _runs(book: Book, options: PdfOptions) -> list[slice] | None:
    """The runs of chapters typeset as parts after the front matter, or None for one piece: in
    duplex, where a part starts decides its margins; and parts have their page numbers written in
    through WeasyPrint's internals."""
    if options.duplex or not weasyprint_internals.applies():
        return None
    return pdf_parts.chapter_runs([chapter_weight(c) for c in shown_chapters(book)])


def _digits(book: Book) -> int:
    """Blanks wide enough for the book's page numbers: about a page per question, at most two."""
    return max(PAGE_NUMBER_DIGITS, len(str(2 * len(book.questions) + 20)))


def _finish(html_of: Callable[[int], str]) -> pdf_parts.Finish:
    return lambda part, document, *numbering: weasyprint_internals.finish_part(
        document, _page_number_blanks(html_of(part)), *numbering, blank=FIGURE_SPACE)


def front_matter_started(book: Book, discrepancies: list[Discrepancy], options: PdfOptions,
                         cache: pdf_parts.PartsCache | None) -> pdf_parts.Started | contextlib.nullcontext:
    """The front matter (cover, contents, score sheet) laid out from now on in a forked process,
    while the diagrams are rendered: it shows none of them (else, or where the book is typeset in
    one piece or `cache` has the front matter laid out already, nothing is started)."""
    if _runs(book, options) is None or any(isinstance(block, Diagram) for block in book.intro):
        return contextlib.nullcontext()
    html = render_html(book, {}, discrepancies, options, _digits(book), slice(0, 0), True, {})
    if cache and cache.laid_out(cache.key(html)) is not None:
        return contextlib.nullcontext()
    lay_out, write = _typesetting(book, options)
    return pdf_parts.Started(0, html, lambda _: lay_out(html), _finish(lambda _: html), write,
                             typesetting_as_printbook, typesetting=(lay_out, write))


@contextlib.contextmanager
def typesetting_as_printbook():
    """While open, WeasyPrint typesets as printbook has it (SVG text in runs, each SVG value parsed
    once, the garbage collector paused, its log kept); yields the addresses it was refused."""
    with (weasyprint_internals.svg_text_in_runs(), weasyprint_internals.svg_values_parsed_once(), collector_paused(),
          refusals_kept() as refused):
        yield refused


@contextlib.contextmanager
def refusals_kept():
    """The addresses ConfinedFetcher refused while open, kept for a warning; a diagram WeasyPrint
    could not draw whole, said at once; WeasyPrint's other log lines are kept off the user's
    terminal (a build says what matters in its own words)."""
    refused: list[str] = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if fetcher.REFUSAL in message:
                refused.append(message.split(fetcher.REFUSAL, 1)[1].strip())
            elif message.startswith(UNDRAWN):
                # WeasyPrint stops drawing a picture at the first element it fails on. Said in
                # whichever process typesets the picture, told by the words it shows.
                logging.getLogger("printbook").warning(
                    "warning: WeasyPrint could not draw the whole of the diagram showing %s: it prints in part "
                    "(please report it, with the diagram)", _first_labels(message[len(UNDRAWN):].strip()))

    logger = logging.getLogger("weasyprint")
    keeper, propagate = Keeper(), logger.propagate
    logger.addHandler(keeper)
    logger.propagate = False
    try:
        yield refused
    finally:
        logger.removeHandler(keeper)
        logger.propagate = propagate


UNDRAWN = "Failed to render SVG image"  # (WeasyPrint's words, images.py)


def _first_labels(address: str, most: int = 4) -> str:
    """The first words a picture given as a data: address shows, quoted, to say which it is."""
    try:
        labels = describe.labels_of_svg(base64.b64decode(address.split(",", 1)[1]).decode())
    except (IndexError, ValueError, SyntaxError):  # (ElementTree.ParseError is a SyntaxError)
        return "(a picture printbook cannot read back)"
    return ", ".join(f"'{label}'" for label in labels[:most]) or "no words"


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
                chapters: slice = slice(None), front: bool = True,
                placements: dict[Diagram, placement.Placement] | None = None) -> str:
    folders = resources.template_dirs(options.overrides)
    environment = _templates(tuple(map(str, folders)), tuple(sorted(p.name for f in folders[:-1] for p in f.iterdir())))
    # Each document's pictures are found in its own folder (a series' documents may have their own).
    documents = book.parts or (book,)
    anchor = _heading_ids(book)
    targets = {part.source: _link_targets(part, anchor) for part in documents}
    markdowns = {part.source: _markdown(pictures.document_folder(part), targets[part.source], dict(part.footnotes))
                 for part in documents}
    markdown = markdowns[book.source]
    # The lines under the title keep their breaks, as a title page sets them.
    cover_markdowns = {part.source: _markdown(pictures.document_folder(part), targets[part.source], dict(part.footnotes))
                       for part in documents}
    for cover_markdown in cover_markdowns.values():
        cover_markdown.options["breaks"] = True
    placements = placements if placements is not None else placed(book, renderings, options)

    shown = shown_chapters(book)
    fronts = _chapter_fronts(book)
    # A chapter whose first diagram goes on a landscape page below its opening text starts there.
    turned = {c for c, (d, _) in fronts.items()
              if d in placements and placements[d].space.landscape and placements[d].space.shares_page}
    lead_ins = _lead_ins(book)
    sideways = _sideways(book, placements, fronts, turned, lead_ins)

    column_pt = options.column_box()[0] * placement.PT_PER_PX

    # The footnotes each question (or chapter's opening) has printed: a note referred to again in
    # it is called by its number only.
    footnote_scopes = {id(block): id(scope) for chapter in book.chapters
                       for scope, blocks in ((chapter, chapter.blocks), *((q, q.blocks) for q in chapter.questions))
                       for block in blocks}
    footnotes_shown: dict[int, set[int]] = {}

    def block_html(block) -> str:
        """One block as HTML; the template places it."""
        markdown = markdowns.get(block.location.file, markdowns[book.source])
        env = {"footnotes_shown": footnotes_shown.setdefault(footnote_scopes.get(id(block), id(block)), set())}
        if isinstance(block, Prose):
            html = markdown.render(block.markdown, env)
        elif isinstance(block, Table):
            html = environment.get_template("table.html.j2").render(
                table=block, inline=lambda text: markdown.renderInline(text, env), wide=_least_width_pt(block) > column_pt)
        else:
            html = environment.get_template("diagram.html.j2").render(
                diagram=block, rendering=renderings.get(block),
                **_diagram_view(block, renderings.get(block), placements.get(block)))
        kept = " ".join(name for name, holds in (("turned", sideways.blocks), ("lead-in", lead_ins),
                                                 ("upright", sideways.upright)) if block in holds)
        return f'<div class="{kept}">{html}</div>' if kept else html

    return nested_headings(environment.get_template("handbook.html.j2").render(
        book=book,
        options=options,
        block=lambda b: jinja2.utils.markupsafe.Markup(block_html(b)),
        cover_block=lambda b: jinja2.utils.markupsafe.Markup(
            cover_markdowns[b.location.file].render(b.markdown) if isinstance(b, Prose) else block_html(b)),
        inline=lambda text: jinja2.utils.markupsafe.Markup(markdown.renderInline(text)),
        anchor=anchor,
        part_starting=_part_starts(book).get,
        part_facts=_cover_facts,
        landscape=lambda question: question in sideways.questions,
        in_parts=lambda question: any(b in placements and placements[b].how != "whole" for b in question.blocks),
        landscape_chapters=set(_with_headings_before(shown, turned)),
        shown_chapters=shown,
        body_chapters=shown[chapters],
        front=front,
        cover_facts=_cover_facts(book),
        role=book.stated("Role Level") or "",
        logo=_data_uri(options.logo) if options.logo else "",
        today=date.today().isoformat(),
        by_probability=sorted(book.questions, key=lambda q: (-(q.probability or -1), q.number)),
        # A book whose questions state no probability shows no column or chart of them.
        ranked=any(q.probability is not None for q in book.questions),
        band_counts=lambda questions: [(name, sum(q.band == name for q in questions)) for name, _ in BANDS],
        discrepancies_in=lambda chapter: _discrepancies_in(chapter, book, discrepancies, shown),
        notes_lines=NOTES_LINES,
        page_number_blank=FIGURE_SPACE * page_number_digits,
    ))


@functools.lru_cache(maxsize=8)
def _templates(folders: tuple[str, ...], own: tuple[str, ...]) -> jinja2.Environment:
    """One Jinja environment per template folders, so that each template is compiled once per
    process, not once per part of the handbook (5 of the ten-times book's 8 s of HTML). Jinja
    compiles a template again when its file changes; `own`, the names of the book's own
    templates, makes a new environment when one is added or removed (watch)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


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


def chapter_weight(chapter: Chapter) -> int:
    """About how long a chapter takes to typeset (pdf_parts): its heading, its questions and
    every block in it, its own and its questions'."""
    return 1 + len(chapter.questions) + len(chapter.blocks) + sum(len(q.blocks) for q in chapter.questions)


def shown_chapters(book: Book) -> list[Chapter]:
    """The chapters the handbook prints: all but the document's metadata, which the cover shows."""
    return [c for c in book.chapters if c.title.strip().lower() != "metadata"]


# Inline HTML that documents use for emphasis (`<span style="color: …">`, `<b>`, `<br>`): kept as
# the bare tag, without attributes, so it can neither fetch anything nor break the layout; other
# HTML tags are dropped and their text kept; what only looks like a tag (`Vec<T>`) is text. (A
# block of HTML is read as Markdown's own paragraphs, lists and tables: markdown_rules.html_blocks.)
INLINE_TAGS = {"b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "code", "kbd", "mark", "small", "br", "span"}
OTHER_HTML_TAGS = set("""a abbr address area article aside audio bdi bdo blockquote body button canvas caption center
    cite col colgroup data datalist dd details dfn dialog div dl dt embed fieldset figcaption figure font footer form
    h1 h2 h3 h4 h5 h6 head header hr html iframe img input ins label legend li link main map meta meter nav noscript
    object ol optgroup option output p param picture pre progress q rp rt ruby samp script section select slot source
    strike style summary svg table tbody td template textarea tfoot th thead time title tr track tt ul var video
    wbr""".split())
TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>$")


def _markdown(folder: Path, targets: dict[str, str], notes: dict[int, str]) -> MarkdownIt:
    """The renderer of a document's Markdown: its pictures from `folder`, its links to its own
    headings (`#fragment`, by fragment_key) to the anchors `targets` gives them in the book, its
    footnotes (`notes`, by number) at the foot of the page that refers to them."""
    markdown = pictures.judging_every_address(markdown_rules.with_github_markdown(
        MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")))

    def link(renderer, tokens, index, options, env) -> str:
        token = tokens[index]
        address = str(token.attrGet("href") or "").strip()
        heading = targets.get(fragment_key(address[1:])) if address.startswith("#") else None
        if heading:
            token.attrSet("href", "#" + heading)
        elif address.startswith("#") or pictures.link_address(address) is None:
            token.attrs.pop("href", None)  # the text stays, without a link (to no heading here)
        return renderer.renderToken(tokens, index, options, env)

    markdown.add_render_rule("link_open", link)

    def footnote(renderer, tokens, index, options, env) -> str:
        """The note itself, which WeasyPrint floats to the foot of the page and calls by its
        number (print.css); where its question has printed it already (env's footnotes_shown),
        its number only."""
        number = tokens[index].meta["number"]
        if number not in notes:
            return escapeHtml(tokens[index].content)
        shown = env.setdefault("footnotes_shown", set())
        if number in shown:
            return f'<sup class="footnote-again">{number}</sup>'
        # A note's own references are numbers only (no footnote floats inside another); the notes
        # they name follow it at the foot of the page, without a call of their own in the text.
        named = [n for n in footnotes.referred([notes[number]], notes) if n not in shown and n != number]
        html = []
        for current, kind in ((number, "footnote"), *((n, "footnote footnote-named-by-note") for n in named)):
            shown.add(current)
            text = markdown.renderInline(notes[current], {"footnotes_shown": set(notes)})
            html.append(f'<span class="{kind}" data-n="{current}">{text}</span>')
        return "".join(html)

    markdown.add_render_rule("footnote_ref", footnote)

    def heading(renderer, tokens, index, options, env) -> str:
        """A document's own heading, styled by the level it was written at (nested_headings may
        change its tag)."""
        tokens[index].attrSet("class", f"prose-heading prose-{tokens[index].tag}")
        return renderer.renderToken(tokens, index, options, env)

    markdown.add_render_rule("heading_open", heading)

    def numbered_list(renderer, tokens, index, options, env) -> str:
        """A numbered list that goes on after a diagram, a table or code between its items
        (`3. …`) numbered on: WeasyPrint reads no `start`."""
        token = tokens[index]
        start = token.attrGet("start")
        if isinstance(start, int) and start != 1:
            token.attrSet("style", f"counter-reset: list-item {start - 1}")
        return renderer.renderToken(tokens, index, options, env)

    markdown.add_render_rule("ordered_list_open", numbered_list)

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
    markdown.core.ruler.push("balanced_inline_html", _balanced_inline_html)
    return markdown


DEEPEST_INLINE = 20  # inline tags open within each other in one paragraph; deeper ones are left out


def _balanced_inline_html(state) -> None:
    """A markdown-it core rule: the inline tags a paragraph keeps (INLINE_TAGS) closed within it,
    and a closing tag that closes nothing left out: an answer folded as `<br><b>` and closed
    paragraphs later would leave the rest of the book bold."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        kept, opened = [], []
        for child in token.children:
            tag = TAG.match(child.content.strip()) if child.type == "html_inline" else None
            name = tag.group(2).lower() if tag else ""
            if name not in INLINE_TAGS or name == "br" or tag.group(3):
                kept.append(child)
            elif not tag.group(1):
                if len(opened) < DEEPEST_INLINE:  # (hostile HTML nests thousands; WeasyPrint recurses)
                    opened.append(name)
                    kept.append(child)
            elif name in opened:  # (closing any opened inside it first)
                while opened:
                    last = opened.pop()
                    kept.append(Token("html_inline", "", 0, content=f"</{last}>"))
                    if last == name:
                        break
        kept += [Token("html_inline", "", 0, content=f"</{name}>") for name in reversed(opened)]
        token.children = kept


UNBROKEN = re.compile(r"[^\s/-]*[/-]|[^\s/-]+")  # what a line holds at least: a word, or up to a hyphen or slash


def _least_width_pt(table: Table) -> float:
    """How wide the table's columns are side by side, each as wide as the longest piece of a word
    it holds (its header's in bold)."""
    rows = [table.header, *table.rows]
    longest = [0.0] * max(map(len, rows), default=0)
    for number, row in enumerate(rows):
        font = resources.font(TABLE_PT, bold=number == 0)
        for index, cell in enumerate(row):
            pieces = UNBROKEN.findall(slide_text.plain_inline(cell))
            longest[index] = max(longest[index], *map(font.getlength, pieces), 0.0)
    return sum(width + CELL_PADDING_PT for width in longest)


def _cover_facts(book: Book, printed: bool = True) -> list[tuple[str, str]]:
    """The metadata as written, with the counted question total and today's date (a series: how
    many documents)."""
    facts = [(k, v) for k, v in book.metadata if k.strip().lower() != "questions"]
    if book.parts:
        facts.append(("Documents", str(len(book.parts))))
    if book.questions:
        facts.append(("Questions", str(len(book.questions))))
    return facts + ([("Printed", date.today().strftime("%d %B %Y").lstrip("0"))] if printed else [])


def _continuing(book: Book, chapters: list[Chapter]) -> int:
    """In a series, how many of `chapters` come before the next document's: those of a document
    begun before them."""
    if not book.parts:
        return 0
    starts = _part_starts(book)
    return next((i for i, c in enumerate(chapters) if c in starts), len(chapters))


def _part_starts(book: Book) -> dict[Chapter, tuple[int, Book]]:
    """In a series, the first chapter each document shows: (the document's number, the document)."""
    return {shown[0]: (number, part) for number, part in enumerate(book.parts, start=1)
            if (shown := shown_chapters(part))}


def _discrepancies_in(chapter: Chapter | None, book: Book, discrepancies: list[Discrepancy],
                      shown: list[Chapter]) -> list[Discrepancy]:
    """The discrepancies stated inside `chapter`; for None, those stated in chapters the PDF does
    not show (the metadata), which the cover shows."""
    def home(d: Discrepancy) -> Chapter | None:
        before = [c for c in book.chapters if c.location.file == d.location.file and c.location.line <= d.location.line]
        owner = before[-1] if before else None
        return owner if owner in shown else None

    return [d for d in discrepancies if home(d) == chapter]


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode()


def diagram_spaces(book: Book, options: PdfOptions, fronts: dict[Diagram, float] | None = None
                   ) -> dict[Diagram, placement.Offer]:
    """The spaces the handbook offers each diagram (CSS px), the first preferred. A question with
    an interviewer notes area keeps room for it, upright or on a landscape page of its own. Where
    nothing goes below the diagram, it first gets as much room as the notes would leave (so that
    it follows the text before it on the same page), then the room of the notes too, then the
    whole text column (a page to itself, but for a caption), then a landscape page, only in a
    question (the question goes with it). Parts and pieces get a page each, the first below the
    question's heading. A duplex book has no landscape pages: they would print on the wrong side.

    A diagram in `fronts` follows its chapter's opening text on the page the chapter starts
    (`fronts` says how far down that page the text ends, in px): it gets the room the text leaves,
    on a landscape page too where the text is short enough to go there with it."""
    largest = DIAGRAM_NATURAL_SCALE

    def spaces(above: float = 0.0) -> tuple[list[placement.Space], list[placement.Space], list[placement.Space]]:
        """The upright spaces to show a diagram whole (with notes, without, the column), the
        landscape ones (with notes, without) and those of pieces, `above` px below the top of the
        page (0: below its question's heading)."""
        shares = above > 0
        taken = max(0.0, above - UNDER_HEADING_MM * PX_PER_MM)  # more than a question's heading takes

        def less(space: placement.Space, by: float) -> placement.Space:
            return replace(space, height=space.height - by, shares_page=True) if shares else space

        with_notes = less(placement.Space(*options.diagram_boxes()[0], largest), taken)
        upright = less(placement.Space(*options.diagram_boxes(notes=False)[0], largest), taken)
        column = placement.Space(*options.column_box(), largest)
        pieces = [replace(column, first_height=upright.height - PARTS_NOTE_MM * PX_PER_MM, shares_page=shares)]
        landscapes = []
        if not options.duplex:
            landscapes = [placement.Space(*options.diagram_boxes(notes=notes)[1], largest, landscape=True)
                          for notes in (True, False)]
            full = landscapes[1]
            sideways = above <= LANDSCAPE_FRONT_MM * PX_PER_MM  # else the text keeps its upright page
            if sideways:
                landscapes = [less(space, taken) for space in landscapes]
            pieces.append(replace(full, height=full.height + (HEADING_MM - CAPTION_MM) * PX_PER_MM,
                                  first_height=landscapes[1].height - PARTS_NOTE_MM * PX_PER_MM,
                                  shares_page=shares and sideways))
        return [with_notes, upright, less(column, above)], landscapes, pieces

    noted = {b for c in book.chapters for q in c.questions if options.notes and q.number is not None for b in q.blocks}
    in_questions = {b for c in book.chapters for q in c.questions for b in q.blocks}
    standard = spaces()
    offers = {}
    for diagram in book.diagrams():
        (with_notes, upright, column), landscapes, pieces = (
            spaces(fronts[diagram]) if fronts and diagram in fronts else standard)
        if diagram in noted:
            whole = [with_notes, *landscapes[:1]]
        elif diagram in in_questions:
            whole = [with_notes, upright, column, *landscapes[1:]]
        else:
            whole = [with_notes, upright, column]
        offers[diagram] = placement.Offer(tuple(whole), tuple(pieces if diagram in in_questions else pieces[:1]),
                                          SMALLEST_TEXT_PT)
    return offers


def placed(book: Book, renderings: dict[Diagram, Rendering], options: PdfOptions) -> dict[Diagram, placement.Placement]:
    """placement.py's decision for every diagram drawn, in the spaces of this handbook. A
    chapter's first diagram goes on the page the chapter starts, below its opening text, where
    that costs the diagram little (else the text is left on a page of its own), and so does a
    question's first diagram below the question's own text where it does not fit there as it is;
    and a question on landscape pages shows each of its diagrams as a landscape page does."""
    offers = diagram_spaces(book, options)
    drawn = {d: r for d, r in renderings.items() if isinstance(r, Picture) and d in offers}
    chosen = {d: placement.place(r, offers[d]) for d, r in drawn.items()}
    fronts = _front_heights(book, options, set(drawn))
    # (A diagram in parts or pieces follows its question's text wherever it ends, on a page of its own.)
    fronts |= _lead_heights(book, options, {d for d, p in chosen.items() if p.how == "whole"} - set(fronts))
    below_fronts = diagram_spaces(book, options, fronts) if fronts else {}
    for diagram in fronts:
        alone = chosen[diagram]
        if room := _room_it_fits(alone, offers[diagram], below_fronts[diagram]):
            chosen[diagram], offers[diagram] = replace(alone, space=room), below_fronts[diagram]
            continue
        shared = placement.place(drawn[diagram], below_fronts[diagram])
        if (shared.how == alone.how and shared.space.landscape == alone.space.landscape
                and shared.text_pt >= FRONT_SHRINKS_TO * alone.text_pt):
            chosen[diagram], offers[diagram] = shared, below_fronts[diagram]
    # Placed for an upright page, a diagram could be too tall for its question's landscape one.
    column = placement.Space(*options.column_box(landscape=True), DIAGRAM_NATURAL_SCALE, landscape=True)
    for question in (q for c in book.chapters for q in c.questions):
        shown = [b for b in question.blocks if b in chosen]
        if any(chosen[b].space.landscape for b in shown):
            for diagram in (b for b in shown if not chosen[b].space.landscape):
                offer = offers[diagram]
                chosen[diagram] = placement.place(drawn[diagram], replace(
                    offer, whole=(*(s for s in offer.whole if s.landscape), column),
                    pieces=tuple(s for s in offer.pieces if s.landscape)))
    return chosen


@dataclass(frozen=True)
class Sideways:
    """What goes on landscape pages: whole questions, and blocks on their own (diagrams, and the
    short text before one); and what of those questions comes back upright after them."""

    questions: frozenset[Question]
    blocks: frozenset[Block]
    upright: frozenset[Block]


def _lead_ins(book: Book) -> set[Block]:
    """Short texts just before a diagram ("Example: the login flow"): kept on its page (print.css)."""
    runs = [c.blocks for c in book.chapters] + [q.blocks for c in book.chapters for q in c.questions]
    return {blocks[i] for blocks in runs for i in range(len(blocks) - 1)
            if isinstance(blocks[i], Prose) and isinstance(blocks[i + 1], Diagram) and _short(blocks[i:i + 1])}


def _sideways(book: Book, placements: dict[Diagram, placement.Placement],
              fronts: dict[Chapter, tuple[Diagram, Chapter]], turned: set[Chapter], lead_ins: set[Block]) -> Sideways:
    """A question with a diagram placed on a landscape page goes there whole (its heading and
    notes with the diagram) where it is an interview question, where its chapter starts on that
    page too (`turned`), or where the text before that diagram is short; but a question holding
    the first diagram of a chapter that starts on an upright page keeps its heading there, by the
    chapter's. Else the question's text stays upright (a page's width is too long a line to read)
    and each such diagram goes on a landscape page with the short text just before it
    ("Example:"). Much text after a landscape question's last diagram (and no diagram) goes back
    upright, for the same reason, with the question's notes."""
    questions, blocks, upright = set(), set(), set()
    for chapter in book.chapters:
        for question in chapter.questions:
            landscape = [i for i, b in enumerate(question.blocks)
                         if b in placements and placements[b].space.landscape]
            if not landscape:
                continue
            opens_chapter = chapter in fronts and fronts[chapter][0] in question.blocks
            if question.number is not None or (opens_chapter and chapter in turned) or (
                    not opens_chapter and _short(question.blocks[:landscape[0]])):
                questions.add(question)
                after = question.blocks[landscape[-1] + 1:]
                if not _short(after) and not any(isinstance(b, Diagram) for b in after):
                    upright.update(after)
                continue
            for i in landscape:
                blocks.add(question.blocks[i])
                if i - 1 > 0 and question.blocks[i - 1] in lead_ins:  # (not the question's opening text)
                    blocks.add(question.blocks[i - 1])
    return Sideways(frozenset(questions), frozenset(blocks), frozenset(upright))


def _short(blocks: tuple) -> bool:
    """Text short enough to go on a landscape page with the diagram after it."""
    return sum(len(b.markdown) if isinstance(b, Prose) else SHORT_TEXT_BEFORE for b in blocks) < SHORT_TEXT_BEFORE


def _measurable(blocks: Iterable[Block]) -> bool:
    """Text that may take at most FRONT_AT_MOST of a page, worth laying out to know (WeasyPrint
    takes seconds over a paragraph of tens of thousands of characters)."""
    return sum(len(b.markdown) for b in blocks if isinstance(b, Prose)) < MEASURED_AT_MOST


def _first_diagram(blocks: tuple[Block, ...]) -> int | None:
    """The index of the first diagram among `blocks`, or None."""
    return next((i for i, b in enumerate(blocks) if isinstance(b, Diagram)), None)


def _with_headings_before(shown: list[Chapter], chosen: set[Chapter]) -> list[Chapter]:
    """The chapters `chosen`, each with the chapters of nothing but a heading just before it (on
    its page), in the book's order."""
    kept, joined = [], False
    for chapter in reversed(shown):
        joined = chapter in chosen or (joined and chapter.only_heading)
        if joined:
            kept.append(chapter)
    return kept[::-1]


def _chapter_fronts(book: Book) -> dict[Chapter, tuple[Diagram, Chapter]]:
    """Each shown chapter without numbered questions (whose first page lists none) that has a
    diagram: its first diagram, and the chapter cut short before it (its heading and opening
    text, and where the diagram is its first question's, that question's heading and text)."""
    fronts = {}
    for chapter in shown_chapters(book):
        if chapter.numbered_questions:
            continue
        lead = _first_diagram(chapter.blocks)
        if lead is not None:
            fronts[chapter] = (chapter.blocks[lead], replace(chapter, blocks=chapter.blocks[:lead], questions=()))
        elif chapter.questions:
            question = chapter.questions[0]
            lead = _first_diagram(question.blocks)
            if lead is not None:
                fronts[chapter] = (question.blocks[lead],
                                   replace(chapter, questions=(replace(question, blocks=question.blocks[:lead]),)))
    return fronts


def _front_heights(book: Book, options: PdfOptions, drawn: set[Diagram]) -> dict[Diagram, float]:
    """For each chapter's first diagram (_chapter_fronts), how far down its page the chapter's
    opening text ends (px from the first heading), where that is on the page the chapter starts
    and in its upper part: laid out by WeasyPrint as the handbook is, the chapters cut short."""
    fronts = {c: front for c, front in _chapter_fronts(book).items() if front[0] in drawn
              and _measurable([*front[1].blocks, *(b for q in front[1].questions for b in q.blocks)])}
    if not fronts:
        return {}
    measured = _with_headings_before(shown_chapters(book), set(fronts))
    cut = replace(book, chapters=tuple(fronts[c][1] if c in fronts else c for c in measured))
    indices = iter(range(len(measured)))

    def marked(match: re.Match) -> str:
        """A chapter's section with a mark where its cut text ends (in its question, if any)."""
        section, index = match.group(0), next(indices, None)
        mark = f'<div id="{FRONT_MARK}{index}"></div>'
        end = "</article>" if "</article>" in section else "</section>"
        return section.replace(end, mark + end, 1)

    html = re.sub(r'<section class="chapter.*?</section>', marked,
                  render_html(cut, {}, (), options, front=False, placements={}), flags=re.S)
    where = _anchor_tops(book, options, html)
    anchor = _heading_ids(cut)
    most = _front_at_most(options)
    heights = {}
    for index, chapter in enumerate(measured):
        if chapter not in fronts or f"{FRONT_MARK}{index}" not in where:
            continue
        page, bottom = where[f"{FRONT_MARK}{index}"]
        top = min(y for number, y in where.values() if number == page)
        if where.get(anchor("ch", chapter.location), (None,))[0] == page and bottom - top <= most:
            heights[fronts[chapter][0]] = bottom - top
    return heights


def _lead_heights(book: Book, options: PdfOptions, drawn: set[Diagram]) -> dict[Diagram, float]:
    """For each question's first diagram in `drawn` that its own text comes before ("Purpose:
    …", "Example: …") and little comes after, how far down a page starting with the question
    that text ends, as _front_heights says it, where that is in the page's upper part: the text
    laid out by WeasyPrint, the questions cut short before their diagram."""
    leads = {}
    for chapter in shown_chapters(book):
        for question in chapter.questions:
            first = _first_diagram(question.blocks)
            # (Where much follows the diagram, the question goes over pages anyway: the diagram keeps its size.)
            if (first and question.blocks[first] in drawn and _short(question.blocks[first + 1:])
                    and _measurable(question.blocks[:first])):
                leads[question] = (question.blocks[first], replace(question, blocks=question.blocks[:first]))
    if not leads:
        return {}
    cut = replace(book, chapters=tuple(
        replace(c, blocks=(), questions=tuple(leads[q][1] for q in c.questions if q in leads))
        for c in shown_chapters(book) if any(q in leads for q in c.questions)))
    indices = iter(range(len(leads)))

    def marked(match: re.Match) -> str:
        """A question with a mark above its heading and one where its cut text ends."""
        index = next(indices, None)
        start, end = (f'<div id="{mark}{index}"></div>' for mark in LEAD_MARKS)
        return f"{match.group(1)}{start}{match.group(2)}{end}</article>"

    html = re.sub(r'(<article class="question[^"]*">)(.*?)</article>', marked,
                  render_html(cut, {}, (), replace(options, notes=False), front=False, placements={}), flags=re.S)
    where = _anchor_tops(book, options, html)
    most = _front_at_most(options)
    heights = {}
    for index, (diagram, _) in enumerate(leads.values()):
        (start_page, start), (end_page, end) = (where.get(f"{mark}{index}", (None, 0.0)) for mark in LEAD_MARKS)
        above = QUESTION_PADDING_MM * PX_PER_MM + end - start
        if start_page is not None and start_page == end_page and end > start and above <= most:
            heights[diagram] = above
    return heights


def _room_it_fits(alone: placement.Placement, offer: placement.Offer, below: placement.Offer
                  ) -> placement.Space | None:
    """The room `below` some text leaves a diagram shown whole (of the kind it was placed in),
    where it fits there as it is, or None: a diagram's usual room keeps SPARE_MM for the caption
    of pieces, which a whole one does not need."""
    if alone.how != "whole":
        return None
    room = below.whole[offer.whole.index(alone.space)]
    return room if alone.shown[0].height <= room.height + SPARE_MM * PX_PER_MM else None


def _anchor_tops(book: Book, options: PdfOptions, html: str) -> dict[str, tuple[int, float]]:
    """Where each element with an id begins in `html` laid out as the handbook is: (page, top px)."""
    document = _typesetting(book, options)[0](html)
    return {name: (number, box[1])  # (a box's left, top, right, bottom)
            for number, page in enumerate(document.pages) for name, box in page.anchors.items()}


def _front_at_most(options: PdfOptions) -> float:
    """The most opening text (px) a diagram goes below on its page: FRONT_AT_MOST of the page."""
    return FRONT_AT_MOST * (PAPERS[options.paper][1] - TOP_AND_BOTTOM_MM) * PX_PER_MM


def _diagram_view(diagram: Diagram, rendering: Rendering | None, placed: placement.Placement | None) -> dict:
    """Where the template needs numbers: each picture shown (the diagram, or its parts or
    pieces) as a data URI with its printed size, caption and alt text."""
    if not isinstance(rendering, Picture) or placed is None:
        failure = rendering if isinstance(rendering, DiagramFailure) else DiagramFailure("not rendered")
        return {"failed": True, "message": failure.plain, "where": failure.location or diagram.location,
                "excerpt": diagram.excerpt()}
    told = describe.tell(diagram, rendering.svg)

    def shown(item: placement.Shown) -> dict:
        uri = "data:image/svg+xml;base64," + base64.b64encode(item.picture.svg.encode()).decode()
        alt = told if placed.how == "whole" or not item.where else (
            f"{item.where.capitalize()}: " + "; ".join(describe.labels_of_svg(item.picture.svg)) + ".")
        return {"uri": uri, "width": round(item.width, 1), "height": round(item.height, 1), "alt": alt,
                "caption": item.where.capitalize()}

    rows, columns = placed.grid
    cut = " and ".join(name for name, count in (("rows", rows), ("columns", columns)) if count > 1)
    return {"failed": False, "how": placed.how, "cut": cut, "repeats_header": placed.repeats_header,
            "pictures": [shown(item) for item in placed.shown]}


def _heading_ids(book: Book) -> Callable[[tuple[str, Location]], str]:
    """An id for each heading, by (kind, its location): unique across a series' documents, and
    made from its place among its kind (q-12: the twelfth question), not its line, so that an
    edit that adds lines leaves the ids of the headings below, and so the parts of the book that
    hold them (pdf_parts.PartsCache), as they were."""
    ids = {}
    for kind, found in (("part", book.parts), ("ch", book.chapters),
                        ("q", [q for c in book.chapters for q in c.questions])):
        for ordinal, item in enumerate(found, start=1):
            where = item.location
            ids[(kind, where)] = _anchor(kind, *([book.part_of(where)] if book.parts else []), ordinal)
    return lambda kind, where: ids[(kind, where)]


def _link_targets(document: Book, anchor: Callable[[str, Location], str]) -> dict[str, str]:
    """The book's anchor of each heading the document's own links may name (those a filter left
    in the book)."""
    found = {}
    for key, kind, where in document.fragments:
        with contextlib.suppress(KeyError):
            found[key] = anchor(kind, where)
    return found


def _anchor(*parts: object) -> str:
    text = "-".join(str(p) for p in parts)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
