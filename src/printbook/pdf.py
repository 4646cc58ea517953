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

# The text column of an A4 page with the print CSS's margins, in CSS px (96 per inch).
COLUMN_WIDTH_PX = (210 - 2 * 20) / 25.4 * 96
DIAGRAM_MAX_HEIGHT_PX = 190 / 25.4 * 96
# Diagram text is drawn at 16 px; at this scale it prints at 9 pt, like the body text's notes.
DIAGRAM_NATURAL_SCALE = 0.75


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
            diagram=block, rendering=renderings.get(block), **_diagram_view(renderings.get(block)))

    return environment.get_template("handbook.html.j2").render(
        book=book,
        block=lambda b: jinja2.utils.markupsafe.Markup(block_html(b)),
        inline=lambda text: jinja2.utils.markupsafe.Markup(markdown.renderInline(text)),
        anchor=_anchor,
        today=date.today().isoformat(),
        shown_chapters=[c for c in book.chapters if c.title.strip().lower() != "metadata"],
    )


def _diagram_view(rendering: Rendering | None) -> dict:
    """Where the template needs numbers: the picture as a data URI and its printed size."""
    if not isinstance(rendering, Picture):
        return {"failed": True, "message": rendering.message if isinstance(rendering, DiagramFailure) else "not rendered"}
    scale = min(DIAGRAM_NATURAL_SCALE, COLUMN_WIDTH_PX / rendering.width, DIAGRAM_MAX_HEIGHT_PX / rendering.height)
    uri = "data:image/svg+xml;base64," + base64.b64encode(rendering.svg.encode()).decode()
    return {"failed": False, "uri": uri, "width": round(rendering.width * scale, 1),
            "height": round(rendering.height * scale, 1)}


def _anchor(*parts: object) -> str:
    text = "-".join(str(p) for p in parts)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
