"""A bound on the cold build: what it would cost if printbook knew beforehand which layouts win.

A build renders each diagram's original layout, then other layouts (restacked, turned, on a
smaller canvas, one per subgraph) and keeps, for each page and slide, the one whose text prints
largest. Most of those renderings lose. `needed_layouts` finds, from a finished build's renderings,
the ones its placements use (each other one is dropped where that changes no placement); `python
foresight.py LAYOUTS.json build …` then runs `printbook build …` with the renderer asked for
those alone. No real build can know this beforehand: its time is a floor for any way of choosing
which layouts to render.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from printbook import deck, diagrams, pdf, placement
from printbook.model import Picture


@contextmanager
def sources_recorded():
    """Yields {svg: the mermaid source it was rendered from}, filled by the renderer's answers."""
    found: dict[str, str] = {}
    asked = diagrams.DiagramStage._ask

    def ask(self, requests, progress=None, key=lambda request: request["code"]):
        answers = asked(self, requests, progress, key)
        for request in requests:
            answer = answers.get(key(request)) or {}
            if "code" in request and answer.get("svg"):
                found.setdefault(answer["svg"], request["code"])
        return answers

    with mock.patch.object(diagrams.DiagramStage, "_ask", ask):
        yield found


def needed_layouts(book, renderings: dict) -> list[Picture]:
    """The pictures the handbook's and the slides' placements use: every original layout, and each
    other layout and part without which some placement would change."""
    offers, slide = pdf.diagram_spaces(book, pdf.PdfOptions()), deck.slide_offer()

    def placed(picture: Picture, diagram) -> tuple:
        return tuple(shown_as(p) for p in (placement.place(picture, offers[diagram]) if diagram in offers else None,
                                           placement.place(picture, slide, overview=True)) if p)

    pruned = {}
    for diagram, picture in renderings.items():
        if not isinstance(picture, Picture):
            continue
        wanted = placed(picture, diagram)
        same = lambda fewer: placed(fewer, diagram) == wanted  # noqa: E731
        for layout in picture.alternatives:
            if same(fewer := dataclasses.replace(picture, alternatives=_without(picture.alternatives, layout))):
                picture = fewer
        if picture.parts and same(fewer := dataclasses.replace(picture, parts=())):
            picture = fewer
        for index, part in enumerate(picture.parts):
            for layout in part.alternatives:
                kept = picture.parts[index]
                parts = list(picture.parts)
                parts[index] = dataclasses.replace(kept, alternatives=_without(kept.alternatives, layout))
                if same(fewer := dataclasses.replace(picture, parts=tuple(parts))):
                    picture = fewer
        pruned[diagram] = picture
    # The handbook also places a diagram below its chapter's or question's opening text, and as a
    # landscape page does on its question's landscape pages (slides place each diagram alone, as
    # above): where the pruned renderings change the handbook's placement, a diagram keeps all it had.
    def whole_book(found: dict) -> dict:
        return {d: shown_as(p) for d, p in pdf.placed(book, found, pdf.PdfOptions()).items()}

    before, after = whole_book(renderings), whole_book({**renderings, **pruned})
    for diagram in pruned:
        if before.get(diagram) != after.get(diagram):
            pruned[diagram] = renderings[diagram]
    return [layout for picture in pruned.values()
            for layout in (*picture.layouts, *(p for part in picture.parts for p in part.layouts))]


def _without(layouts: tuple[Picture, ...], layout: Picture) -> tuple[Picture, ...]:
    return tuple(p for p in layouts if p is not layout)


def shown_as(placed: placement.Placement) -> tuple:
    """What a placement shows: where, and each picture (by its SVG) at its scale."""
    return (placed.how, placed.grid, placed.space, placed.repeats_header,
            tuple((hash(s.picture.svg), round(s.scale, 4), s.where) for s in (placed.overview, *placed.shown) if s))


def build_asking_only(sources: set[str]) -> None:
    """`printbook build` (sys.argv's), the renderer asked for no mermaid source outside `sources`:
    the others are answered as not drawn, as a layout that failed, which the build leaves out."""
    asked = diagrams.DiagramStage._ask

    def ask(self, requests, progress=None, key=lambda request: request["code"]):
        left_out = {key(r): {"ok": False, "error": "not asked", "crashed": True} for r in requests
                    if "code" in r and r["code"] not in sources}
        return asked(self, [r for r in requests if key(r) not in left_out], progress, key) | left_out

    from printbook import cli
    with mock.patch.object(diagrams.DiagramStage, "_ask", ask):
        cli.main()


if __name__ == "__main__":
    layouts_file, *arguments = sys.argv[1:]
    sys.argv = ["printbook", *arguments]
    build_asking_only(set(json.loads(Path(layouts_file).read_text())))
