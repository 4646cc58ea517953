"""Stage 3a: Book + diagram renderings -> PDF handbook (Jinja template -> HTML -> WeasyPrint)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from markdown_it import MarkdownIt
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from . import resources
from .model import Book, Diagram, DiagramFailure, Picture, Prose, Rendering, Table

PX_PER_MM = 96 / 25.4
# The space for a diagram on an A4 page with the print CSS's margins, below its question's
# heading, in CSS px: upright, and on a landscape page of its own.
PORTRAIT_BOX = ((210 - 2 * 20) * PX_PER_MM, 190 * PX_PER_MM)
LANDSCAPE_BOX = ((297 - 2 * 20) * PX_PER_MM, 120 * PX_PER_MM)
# mermaid draws diagram text at 16 px; shown at 0.75 it prints at 9 pt, like the notes.
DIAGRAM_TEXT_PX = 16
DIAGRAM_NATURAL_SCALE = 0.75
# Below this, a diagram goes on a landscape page if that prints it larger.
SMALLEST_TEXT_PT = 7


@dataclass(frozen=True, slots=True)
class PdfResult:
    pages: int


def write_pdf(book: Book, renderings: dict[Diagram, Rendering], target: Path) -> PdfResult:
    html = render_html(book, renderings)
    fonts = FontConfiguration()
    stylesheet = CSS(filename=str(resources.assets_dir() / "print.css"), font_config=fonts)
    document = HTML(string=html, base_url=str(resources.assets_dir())).render(
        stylesheets=[stylesheet], font_config=fonts)
    document.write_pdf(target)
    return PdfResult(pages=len(document.pages))


def render_html(book: Book, renderings: dict[Diagram, Rendering]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates_dir()),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")

    def block_html(block) -> str:
        """One block as HTML; the template places it."""
        if isinstance(block, Prose):
            return markdown.render(block.markdown)
        if isinstance(block, Table):
            return environment.get_template("table.html.j2").render(table=block, inline=markdown.renderInline)
        return environment.get_template("diagram.html.j2").render(
            diagram=block, rendering=renderings.get(block), **_diagram_view(renderings.get(block), boxes[block]))

    boxes = {d: _box_for(renderings.get(d)) for d in book.diagrams()}

    return environment.get_template("handbook.html.j2").render(
        book=book,
        block=lambda b: jinja2.utils.markupsafe.Markup(block_html(b)),
        inline=lambda text: jinja2.utils.markupsafe.Markup(markdown.renderInline(text)),
        anchor=_anchor,
        landscape=lambda question: any(boxes.get(b) == LANDSCAPE_BOX for b in question.blocks),
        today=date.today().isoformat(),
        shown_chapters=[c for c in book.chapters if c.title.strip().lower() != "metadata"],
    )


def _box_for(rendering: Rendering | None) -> tuple[float, float]:
    """The upright space, unless the diagram's text would print too small there and a landscape
    page prints it larger."""
    if not isinstance(rendering, Picture):
        return PORTRAIT_BOX

    def text_pt(box: tuple[float, float]) -> float:
        picture = rendering.best_fit(*box, DIAGRAM_NATURAL_SCALE)
        return DIAGRAM_TEXT_PX * picture.scale_to_fit(*box, DIAGRAM_NATURAL_SCALE) * 0.75

    upright = text_pt(PORTRAIT_BOX)
    return LANDSCAPE_BOX if upright < SMALLEST_TEXT_PT and text_pt(LANDSCAPE_BOX) > upright else PORTRAIT_BOX


def _diagram_view(rendering: Rendering | None, box: tuple[float, float]) -> dict:
    """Where the template needs numbers: the picture as a data URI and its printed size."""
    if not isinstance(rendering, Picture):
        return {"failed": True, "message": rendering.message if isinstance(rendering, DiagramFailure) else "not rendered"}
    picture = rendering.best_fit(*box, DIAGRAM_NATURAL_SCALE)
    scale = picture.scale_to_fit(*box, DIAGRAM_NATURAL_SCALE)
    uri = "data:image/svg+xml;base64," + base64.b64encode(picture.svg.encode()).decode()
    return {"failed": False, "uri": uri, "width": round(picture.width * scale, 1),
            "height": round(picture.height * scale, 1)}


def _anchor(*parts: object) -> str:
    text = "-".join(str(p) for p in parts)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
