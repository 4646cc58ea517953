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

    diagrams.DiagramStage._ask = ask
    try:
        yield found
    finally:
        diagrams.DiagramStage._ask = asked


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
        for layout in picture.alternatives:
            fewer = dataclasses.replace(picture, alternatives=tuple(p for p in picture.alternatives if p is not layout))
            if placed(fewer, diagram) == wanted:
                picture = fewer
        if picture.parts and placed(dataclasses.replace(picture, parts=()), diagram) == wanted:
            picture = dataclasses.replace(picture, parts=())
        for index, part in enumerate(picture.parts):
            for layout in part.alternatives:
                fewer = dataclasses.replace(part, alternatives=tuple(p for p in part.alternatives if p is not layout))
                parts = (*picture.parts[:index], fewer, *picture.parts[index + 1:])
                if placed(dataclasses.replace(picture, parts=parts), diagram) == wanted:
                    picture = dataclasses.replace(picture, parts=parts)
        pruned[diagram] = picture
    # The handbook also places a diagram below its chapter's or question's opening text: where the
    # pruned renderings change a placement of the whole book, that diagram keeps all it had.
    whole_book = lambda found: [{d: shown_as(p) for d, p in placements.items()}  # noqa: E731
                                for placements in (pdf.placed(book, found, pdf.PdfOptions()), deck.placed(found))]
    before, after = whole_book(renderings), whole_book({**renderings, **pruned})
    for diagram in pruned:
        if any(side_before.get(diagram) != side_after.get(diagram) for side_before, side_after in zip(before, after)):
            pruned[diagram] = renderings[diagram]
    return [layout for picture in pruned.values()
            for layout in (*picture.layouts, *(p for part in picture.parts for p in part.layouts))]


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

    diagrams.DiagramStage._ask = ask
    from printbook import cli
    cli.main()


if __name__ == "__main__":
    layouts_file, *arguments = sys.argv[1:]
    sys.argv = ["printbook", *arguments]
    build_asking_only(set(json.loads(open(layouts_file).read())))
