"""What a build may be asked for, by stage: the handbook's (PdfOptions) and the decks' (DeckOptions),
with the page geometry they imply. Apart from the stages so that reading the options, as the
build record does before deciding whether to build at all, loads neither WeasyPrint nor python-pptx."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PX_PER_MM = 96 / 25.4
PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # mm
SIDE_MARGINS_MM, TOP_AND_BOTTOM_MM = 40, 42  # both sides together, as in print.css
HEADING_MM = 30  # a question's title (up to two lines) and its probability
NOTES_MM = 42  # the interviewer's notes area: a head and NOTES_LINES ruled lines
NOTES_LINES = 5
CAPTION_MM = 20  # two lines of caption under a diagram that has a page to itself, and the space before them


@dataclass(frozen=True, slots=True)
class PdfOptions:
    paper: str = "a4"  # or "letter"
    duplex: bool = False  # mirror the margins for double-sided printing
    notes: bool = True  # ruled lines and a 1–4 score row under each question
    fillable: bool = False  # the notes and score as PDF form fields over the same ruled area
    organisation: str = ""
    logo: Path | None = None
    css: Path | None = None  # the user's stylesheet, applied after printbook's
    # An interview kit's line under the title ("Onsite loop: systems design"); with it, "at a
    # glance" becomes the kit's score sheet.
    subtitle: str = ""
    overrides: Path | None = None  # a folder whose templates/ and assets/print.css replace printbook's

    def diagram_boxes(self, notes: bool | None = None) -> tuple[tuple[float, float], tuple[float, float]]:
        """The space for a diagram below its question's heading, in CSS px: on an upright page,
        and on a landscape page of its own; with room for the notes area below unless `notes`
        is False (default: where the handbook has notes)."""
        width, height = PAPERS[self.paper]
        below = TOP_AND_BOTTOM_MM + HEADING_MM + (NOTES_MM if (self.notes if notes is None else notes) else 0)
        upright = ((width - SIDE_MARGINS_MM) * PX_PER_MM, (height - below) * PX_PER_MM)
        landscape = ((height - SIDE_MARGINS_MM) * PX_PER_MM, (width - below) * PX_PER_MM)
        return upright, landscape

    def column_box(self, landscape: bool = False) -> tuple[float, float]:
        """The whole text column of an upright (or landscape) page less room for a caption: for a
        diagram that needs a page to itself."""
        width, height = PAPERS[self.paper][::-1] if landscape else PAPERS[self.paper]
        return (width - SIDE_MARGINS_MM) * PX_PER_MM, (height - TOP_AND_BOTTOM_MM - CAPTION_MM) * PX_PER_MM

    def page_css(self) -> str:
        size = {"a4": "A4", "letter": "letter"}[self.paper]
        css = f"@page {{ size: {size}; }}\n@page landscape {{ size: {size} landscape; }}\n"
        if self.duplex:  # a wider inner margin for the binding, on the side that alternates
            css += ("@page :left { margin-left: 15mm; margin-right: 25mm; }\n"
                    "@page :right { margin-left: 25mm; margin-right: 15mm; }\n")
        return css


@dataclass(frozen=True, slots=True)
class DeckOptions:
    reference: Path | None = None  # the user's own .pptx template
    question_slides: bool = True  # an asking slide before each answer slide
    organisation: str = ""  # on every title slide, and the decks' author
    logo: Path | None = None  # on every title slide (PNG, JPEG or GIF; an SVG logo stays on the cover)
    overrides: Path | None = None  # a folder whose assets/reference.pptx replaces printbook's
