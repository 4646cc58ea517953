"""Stage 4, between rendering and writing: where each diagram goes, in which layout, and how large.

From the renderings (their size and the text the renderer measured in them) and the spaces each
output offers (pdf.diagram_spaces: below the question, a page of its own, a landscape page;
deck.slide_space: the reference deck's own picture area), placement decides, for each diagram and
output, the first of:
- whole, in the layout whose text comes out largest, in the first space where it is legible;
- one picture per subgraph (restack.parts), where each of them is legible;
- in pieces: cut between rows of text (and, only if it must, between columns) at the scale that
  makes its text legible, each piece repeating a sequence diagram's participants.
It also says which diagrams are worth more layouts or parts (what more the build renders) and how
sharp each slide's PNG must be. pdf.py and deck.py only carry out its decisions.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, replace

from lxml import etree

from .model import Box, Picture, Rendering

PT_PER_PX = 0.75
SVG = "http://www.w3.org/2000/svg"


@dataclass(frozen=True, slots=True)
class Space:
    """Room an output offers a diagram, in CSS px, and the largest scale it shows one at
    (diagrams drawn at mermaid's size look coarse on paper at full size)."""

    width: float
    height: float
    largest: float = 1.0
    landscape: bool = False
    # Pieces only: the room of the first piece, below the question's heading (default: `height`).
    first_height: float | None = None
    # Below its chapter's opening text, on the page that text starts (pdf.diagram_spaces).
    shares_page: bool = False

    def scale(self, picture: Picture, smallest_pt: float = 0.0) -> float:
        """The scale `picture` is shown at, whole: as large as fits, but at most `largest`, unless
        more is needed for its text to reach `smallest_pt` (mermaid draws gantt text at 11 px)."""
        largest = max(self.largest, needed_scale(picture, smallest_pt))
        return min(largest, self.width / picture.width, self.height / picture.height)

    def text_pt(self, picture: Picture, smallest_pt: float = 0.0) -> float:
        return picture.text_px * self.scale(picture, smallest_pt) * PT_PER_PX


def needed_scale(picture: Picture, smallest_pt: float) -> float:
    """The scale at which the picture's smallest text is `smallest_pt` (and a hair more, so that
    rounding in the PDF cannot take it under)."""
    return smallest_pt / (picture.text_px * PT_PER_PX) * 1.01


@dataclass(frozen=True, slots=True)
class Offer:
    """What an output offers one diagram: spaces to show it whole (the first preferred), the
    space a page of pieces or a part gets, and the smallest text it must show."""

    whole: tuple[Space, ...]
    pieces: tuple[Space, ...]
    smallest_pt: float
    # Pieces that follow each other may share a page or slide side by side (slides: a page
    # reads on to the next one below, as a printed figure continues).
    side_by_side: bool = False


@dataclass(frozen=True, slots=True)
class Shown:
    """One picture as an output shows it: a layout of the diagram, one of its parts, or a piece
    cut from one; `where` says where a part or piece sits in the whole."""

    picture: Picture
    scale: float
    where: str = ""

    @property
    def width(self) -> float:
        return self.picture.width * self.scale

    @property
    def height(self) -> float:
        return self.picture.height * self.scale

    @property
    def text_pt(self) -> float:
        return self.picture.text_px * self.scale * PT_PER_PX


@dataclass(frozen=True, slots=True)
class Placement:
    space: Space
    shown: tuple[Shown, ...]
    how: str = "whole"  # or "parts" (one per subgraph) or "pieces" (cut between rows and columns)
    overview: Shown | None = None  # the whole, shown before its parts or pieces (slides)
    grid: tuple[int, int] = (1, 1)  # pieces: rows and columns cut
    repeats_header: bool = False  # pieces: each after the first shows a sequence's participants

    @property
    def text_pt(self) -> float:
        return min(s.text_pt for s in self.shown)


def best_layout(picture: Picture, space: Space, smallest_pt: float = 0.0) -> Picture:
    """The layout whose text comes out largest in `space`; the original where several do equally
    well."""
    return max(picture.layouts, key=lambda p: (round(space.text_pt(p, smallest_pt), 3), p is picture))


def largest_text_pt(picture: Picture, spaces: Iterable[Space], smallest_pt: float = 0.0) -> float:
    return max(space.text_pt(best_layout(picture, space, smallest_pt), smallest_pt) for space in spaces)


def legible_whole(rendering: Rendering | None, offer: Offer) -> bool:
    return (not isinstance(rendering, Picture)
            or largest_text_pt(rendering, offer.whole, offer.smallest_pt) >= offer.smallest_pt)


def worth_likely_layouts(picture: Picture) -> bool:
    """Wider than twice its height: too wide for a page, and for a slide once much text is in it
    (the restacked layouts mermaid is asked for first)."""
    return picture.width > 2 * picture.height


WORD_GAP_PX = 4  # less between two words side by side, and they read as one


def crowded_words(picture: Picture) -> int:
    """How many pairs of the picture's words, on the same line, overlap or all but touch: words
    mermaid ran into each other, as a chart's axis labels on too small a canvas. (Two lines of
    one label, a participant's "Payment" above "Processor", share less than half their height:
    a line's box is taller than the step to the next.)"""
    boxes = sorted(picture.texts)
    count = 0
    for index, (x, y, width, height) in enumerate(boxes):
        for other_x, other_y, other_width, other_height in boxes[index + 1:]:
            if other_x >= x + width + WORD_GAP_PX:  # (sorted by x: no later box comes nearer)
                break
            if min(y + height, other_y + other_height) - max(y, other_y) > max(1, min(height, other_height) / 2):
                count += 1
    return count


def shown_at_largest(picture: Picture, offer: Offer) -> bool:
    """Whether a layout of the picture shows whole in the first space of `offer` (the one it
    prefers) at the largest scale the space shows any diagram: no other layout of the same labels
    could show them larger where the output prefers (what restacking may still gain)."""
    space = offer.whole[0]
    layout = best_layout(picture, space, offer.smallest_pt)
    return (space.text_pt(layout, offer.smallest_pt) >= offer.smallest_pt
            and space.scale(layout, offer.smallest_pt) >= space.largest)


def place(rendering: Picture, offer: Offer, overview: bool = False) -> Placement:
    """Whole where legible, else in parts where each is, else in pieces (see the module's text).
    With `overview`, parts and pieces come after the whole, as large as it fits (slides)."""
    least = offer.smallest_pt
    for space in offer.whole:
        layout = best_layout(rendering, space, least)
        if space.text_pt(layout, least) >= least:
            return Placement(space, (Shown(layout, space.scale(layout, least)),))
    parts, pieces = _in_parts(rendering, offer), _in_pieces(rendering, offer, overview)
    if parts is None or len(pieces.shown) < len(parts.shown):  # the fewer pages or slides
        return pieces
    if overview:
        space = offer.whole[0]
        layout = best_layout(rendering, space)
        return replace(parts, overview=Shown(outline(layout, [], space.scale(layout)), space.scale(layout)))
    return parts


def _in_parts(rendering: Picture, offer: Offer) -> Placement | None:
    """The subgraphs, when every one of them is legible in a page or slide of its own: as many
    side by side or one above the other in each as stay legible together."""
    if not rendering.parts:
        return None
    space, least = offer.pieces[0], offer.smallest_pt
    layouts = [best_layout(part, space, least) for part in rendering.parts]
    if any(space.text_pt(layout, least) < least for layout in layouts):
        return None
    # The first page's parts go below the question's heading where they are legible in that room.
    below_heading = replace(space, height=space.first_height or space.height)

    def room(index: int, group: list[Picture]) -> Space:
        return below_heading if index == 0 and below_heading.text_pt(group[0], least) >= least else space

    groups: list[list[Picture]] = []
    for layout in layouts:
        if groups and _together([*groups[-1], layout], room(len(groups) - 1, groups[-1]), least):
            groups[-1].append(layout)
        else:
            groups.append([layout])
    shown, first, count = [], 1, len(layouts)
    for index, group in enumerate(groups):
        picture = _together(group, room(index, group), least) or group[0]
        numbers = f"part {first}" if len(group) == 1 else f"parts {first} to {first + len(group) - 1}"
        shown.append(Shown(picture, room(index, group).scale(picture, least), f"{numbers} of {count}"))
        first += len(group)
    return Placement(space, tuple(shown), how="parts")


GAP_PX = 32  # between parts shown together


def _together(group: Sequence[Picture], space: Space, least: float) -> Picture | None:
    """The pictures side by side or one above the other, whichever shows their text larger in
    `space`, if that is still `least`; else None."""
    if len(group) == 1:
        return group[0]
    # Judged by their size alone (what Space.scale reads); only the one chosen is composed.
    legible = []
    for across in (True, False):
        outline = Picture("", *_composed_size(group, across), text_px=min(p.text_px for p in group))
        if space.text_pt(outline, least) >= least:
            legible.append((space.text_pt(outline, least), across))
    chosen = max(legible, key=lambda option: option[0], default=None)
    return _composed(group, chosen[1]) if chosen else None


def _composed(pictures: Sequence[Picture], across: bool, top: bool = False) -> Picture:
    """One SVG holding the pictures in a row (or a column), each centred across the other way
    (with `top`, a row's pictures from its top: pieces read on from one column's foot to the
    next one's head)."""
    width, height = _composed_size(pictures, across)
    root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG}, width=f"{width:.2f}", height=f"{height:.2f}",
                         viewBox=f"0 0 {width:.2f} {height:.2f}")
    at = 0.0
    for picture in pictures:
        inner = etree.fromstring(picture.svg.encode())
        x, y = (at, 0.0 if top else (height - picture.height) / 2) if across else ((width - picture.width) / 2, at)
        inner.set("x", f"{x:.2f}")
        inner.set("y", f"{y:.2f}")
        inner.set("width", f"{picture.width:.2f}")
        inner.set("height", f"{picture.height:.2f}")
        root.append(inner)
        at += (picture.width if across else picture.height) + GAP_PX
    return Picture(etree.tostring(root, encoding="unicode"), width, height,
                   text_px=min(p.text_px for p in pictures))


def _composed_size(pictures: Sequence[Picture], across: bool) -> tuple[float, float]:
    gaps = GAP_PX * (len(pictures) - 1)
    if across:
        return sum(p.width for p in pictures) + gaps, max(p.height for p in pictures)
    return max(p.width for p in pictures), sum(p.height for p in pictures) + gaps


def _in_pieces(rendering: Picture, offer: Offer, overview: bool = False) -> Placement:
    """Cut at the scale that makes the text legible, in the layout and space that need the
    fewest pages or slides (upright before landscape, rows before columns); with `overview`, the
    whole first, as a map of where the pieces are."""
    options = []
    for order, space in enumerate(offer.pieces):
        for layout in rendering.layouts:
            for scale, windows in _piece_scales(layout, space, offer.smallest_pt, offer.side_by_side):
                groups = _grouped(layout, space, scale, windows, offer.side_by_side)
                options.append((len(groups), len({x for x, *_ in windows}) > 1, order, layout is not rendering,
                                -scale, space, layout, scale, windows, groups))
    *_, space, layout, scale, windows, groups = min(options, key=lambda o: o[:5])
    # (Where each piece sits is told by the windows as cut, before they shrink to their drawing.)
    drawn = [_shrunk(window, layout) for window in windows]
    shown = tuple(_shown_together(layout, group, windows, drawn, scale, len(groups)) for group in groups)
    whole = None
    if overview and len(groups) > 1:  # one slide shows the whole, larger than the overview
        room = offer.whole[0]
        whole = Shown(outline(layout, drawn, room.scale(layout)), room.scale(layout))
    grid = (len({w[1] for w in windows}), len({w[0] for w in windows}))
    return Placement(space, shown, how="pieces", overview=whole, grid=grid, repeats_header=layout.header > 0)


def _grouped(layout: Picture, space: Space, scale: float, windows: Sequence[Window], side_by_side: bool
             ) -> list[list[int]]:
    """The pieces cut at `windows`, in the groups each page or slide shows (_side_by_side): only
    a sequence diagram's, each of which shows the participants at its head. (A flowchart's
    pieces side by side cut its frames into columns whose titles stand at the foot of one and
    their boxes at the head of the next; its parts show whole subgraphs.)"""
    if not side_by_side or len(windows) == 1 or not layout.header:
        return [[index] for index in range(len(windows))]
    return _side_by_side(windows, [_shrunk(window, layout) for window in windows], space, scale)


def _side_by_side(windows: Sequence[Window], drawn: Sequence[Window], space: Space, scale: float) -> list[list[int]]:
    """The pieces of a diagram cut in rows only, in groups of those that follow each other and
    fit side by side across the space at `scale`, as columns of a newspaper: a long sequence
    diagram of few participants fills a slide a few pieces at a time, not one narrow piece a
    slide. As many groups as that takes, as even as they fit (6, 5 and 5 pieces, not 7, 7 and
    2). One piece a group where the diagram was cut in columns too."""
    if len({window[0] for window in windows}) > 1:
        return [[index] for index in range(len(windows))]

    def fits(members: list[int], first: bool) -> bool:
        boxes = [drawn[i] for i in members]
        across = sum(width for _, _, width, _, _ in boxes) + GAP_PX * (len(boxes) - 1)
        room = (space.first_height or space.height) if first else space.height
        return across * scale <= space.width and max(h + header for *_, h, header in boxes) * scale <= room

    fewest: list[list[int]] = []
    for index in range(len(windows)):
        if fewest and fits([*fewest[-1], index], len(fewest) == 1):
            fewest[-1].append(index)
        else:
            fewest.append([index])
    count, extra = divmod(len(windows), len(fewest))
    sizes = [count + (i < extra) for i in range(len(fewest))]
    even = [list(range(sum(sizes[:i]), sum(sizes[:i + 1]))) for i in range(len(sizes))]
    return even if all(fits(group, i == 0) for i, group in enumerate(even)) else fewest


def _shown_together(layout: Picture, group: Sequence[int], windows: Sequence[Window], drawn: Sequence[Window],
                    scale: float, groups: int) -> Shown:
    """The pieces of `group` as one picture side by side, saying where they sit."""
    pieces = [crop(layout, *drawn[index]) for index in group]
    if len(group) == 1:
        return Shown(pieces[0], scale, _where(group[0] + 1, windows[group[0]], windows))
    where = (f"top to bottom in {len(group)} columns" if groups == 1 else
             f"pieces {group[0] + 1} to {group[-1] + 1} of {len(windows)}, from the top")
    return Shown(_composed(pieces, across=True, top=True), scale, where)


PIECES_LARGER_AT_MOST = 1.5


def _piece_scales(layout: Picture, space: Space, smallest_pt: float, side_by_side: bool = False
                  ) -> list[tuple[float, list[Window]]]:
    """The scales worth cutting `layout` into pieces at, each with its windows: as wide as the
    space shows it; and where that shows its text more than half as large again as legible and a
    smaller scale needs fewer pieces (a tall, narrow diagram filled a slide's width one box at a
    time), the largest scale that needs no more pieces than legible size does. With
    `side_by_side`, also the largest that needs no more slides than legible size does, where
    that is fewer (a sequence diagram's narrower pieces fit side by side)."""
    least = needed_scale(layout, smallest_pt)
    fit = max(least, min(space.largest, space.width / layout.width))
    found = [(fit, _windows(layout, space, fit))]
    legible = (least, _windows(layout, space, least))
    if fit > PIECES_LARGER_AT_MOST * least and len(legible[1]) < len(found[0][1]):
        found.append(_largest_scale(layout, space, legible, fit, lambda scale, windows: len(windows)))
    if side_by_side and layout.header and fit > least:
        def slides(scale: float, windows: list[Window]) -> int:
            return len(_grouped(layout, space, scale, windows, True))
        if slides(*legible) < min(slides(*option) for option in found):
            found.append(_largest_scale(layout, space, legible, fit, slides))
    return found


def _largest_scale(layout: Picture, space: Space, low: tuple[float, list[Window]], high: float,
                   count: Callable[[float, list[Window]], int]) -> tuple[float, list[Window]]:
    """The largest scale from `low`'s up to `high` (within half a percent of the range) at which
    `layout` cut for `space` counts no more (pieces, or slides) than at `low`, with its windows."""
    most = count(*low)
    for _ in range(8):
        middle = (low[0] + high) / 2
        windows = _windows(layout, space, middle)
        if count(middle, windows) <= most:
            low = (middle, windows)
        else:
            high = middle
    return low


def _where(index: int, window: Window, windows: Sequence[Window]) -> str:
    """Where a piece sits: "piece 2 of 3, from the top", or by row and column in a grid; "" for
    a piece that is the whole (a sequence diagram without the participants it draws again at its
    bottom, larger than it would show whole)."""
    if len(windows) == 1:
        return ""
    tops, lefts = sorted({w[1] for w in windows}), sorted({w[0] for w in windows})
    said = f"piece {index} of {len(windows)}"
    if len(lefts) == 1 or len(tops) == 1:
        return said + ", from the " + ("top" if len(lefts) == 1 else "left")
    return (f"{said}: row {tops.index(window[1]) + 1} of {len(tops)}, "
            f"column {lefts.index(window[0]) + 1} of {len(lefts)}")


Window = tuple[float, float, float, float, float]  # left, top, width, height, header (picture px)


def _windows(picture: Picture, space: Space, scale: float) -> list[Window]:
    """The windows a picture shown at `scale` is cut into to fit `space`: rows of at most the
    space's height (the first at most its first_height), each after the first with room for the
    participants' row repeated above it; columns where it is wider than the space."""
    boxes = [*picture.texts, *picture.shapes]
    # A cut runs through a frame (a subgraph's, a composite state's) where it must, never through
    # a word or a node where a frame will do.
    nodes, frames = _nodes_and_frames(picture.shapes)
    solid = [*picture.texts, *nodes]
    columns = cuts([(x, x + w) for x, _, w, _ in solid], picture.width, space.width / scale,
                   frames=[(x, x + w) for x, _, w, _ in frames])
    first = (space.first_height or space.height) / scale
    rest = space.height / scale - picture.header
    rows = cuts([(y, y + h) for _, y, _, h in solid], picture.height, rest, first, [(y, y + h) for _, y, _, h in frames])
    windows = [(left, top, right - left, bottom - top, picture.header if top > 0 else 0.0)
               for top, bottom in zip(rows, rows[1:]) for left, right in zip(columns, columns[1:])]
    # A window with nothing of its own in it is no piece worth a page: the empty corner of a grid,
    # the end of a word mostly in the window beside it, or only the participants drawn again at
    # the bottom, which every piece shows at its top; nor is a top window of only a sequence
    # diagram's participants, which the piece below shows at its head (unless nothing is below).
    centres = [(x + w / 2, y + h / 2) for x, y, w, h in boxes if not picture.footer or y < picture.footer]
    own = [(x, y) for x, y in centres if y >= picture.header]

    def holds(window: Window, points: list[tuple[float, float]]) -> bool:
        return any(window[0] <= x < window[0] + window[2] and window[1] <= y < window[1] + window[3] for x, y in points)

    columns_kept = {window[0] for window in windows if holds(window, own)}
    return [window for window in windows if not centres or holds(window, own)
            or (window[0] not in columns_kept and holds(window, centres))] or windows


@functools.lru_cache(maxsize=256)
def _nodes_and_frames(shapes: tuple[Box, ...]) -> tuple[tuple[Box, ...], tuple[Box, ...]]:
    """The shapes that are not frames, and those that are: a frame holds a shape of less than
    half its area (a node holds its own box, measured twice, and its label). Worked out once per
    picture (its handbook and slide spaces ask for it again): it compares shapes pairwise."""
    by_area = sorted(shapes, key=lambda box: box[2] * box[3])
    areas = [w * h for _, _, w, h in by_area]

    def holds(outer: Box) -> bool:
        x, y, w, h = outer
        smaller = by_area[:bisect.bisect_left(areas, w * h / 2)]  # (only these can be held)
        return any(x <= a and y <= b and a + c <= x + w and b + d <= y + h for a, b, c, d in smaller)

    framed = [holds(shape) for shape in shapes]
    return (tuple(s for s, f in zip(shapes, framed) if not f), tuple(s for s, f in zip(shapes, framed) if f))


MARGIN_PX = 12  # kept around what a piece draws when it shrinks to it


def _shrunk(window: Window, picture: Picture) -> Window:
    """The window shrunk to the texts and shapes in it and a margin: a sparse column, row or
    corner of a large diagram is no page of empty frame. A sequence diagram's piece keeps its
    width, under the participants repeated above it."""
    left, top, width, height, header = window
    inside = [box for box in (*picture.texts, *picture.shapes) if _overlaps(box, window[:4])]
    if not inside:
        return window

    def span(start: float, length: float, lows: list[float], highs: list[float]) -> tuple[float, float]:
        low, high = max(start, min(lows) - MARGIN_PX), min(start + length, max(highs) + MARGIN_PX)
        return low, high - low

    top, height = span(top, height, [y for _, y, _, _ in inside], [y + h for _, y, _, h in inside])
    if not picture.header:
        left, width = span(left, width, [x for x, _, _, _ in inside], [x + w for x, _, w, _ in inside])
    return left, top, width, height, header


def cuts(spans: Sequence[tuple[float, float]], length: float, most: float, first: float | None = None,
         frames: Sequence[tuple[float, float]] = ()) -> list[float]:
    """Where to cut [0, length] so that no piece is longer than `most` (the first than `first`),
    each cut in a gap between `spans` and `frames` where one will do, else through a frame, and
    only where neither will do, through a span; into as few pieces as that allows: each piece as
    long as its page allows, but for the last two, made even when the last would be short (a
    last piece of one row would look lost on its page)."""
    gaps = [_gaps([*spans, *frames]), *([_gaps(spans)] if frames else [])]
    found = _greedy_cuts(gaps, length, most, first)
    if len(found) < 3 or length - found[-2] >= most * SHORTEST_LAST:
        return found
    start = found[-3]
    low, high, best = (length - start) / 2, most, found[-2:]
    rest = [[(a - start, b - start) for a, b in among] for among in gaps]
    for _ in range(12):  # the shortest room in which the rest still takes two pieces
        middle = (low + high) / 2
        room_first = min(first, middle) if first and start == 0 else None
        trial = _greedy_cuts(rest, length - start, middle, room_first)
        if len(trial) <= 3:
            high, best = middle, [start + cut for cut in trial[1:]]
        else:
            low = middle
    return [*found[:-2], *best]


SHORTEST_LAST = 0.4  # of a page: a shorter last piece shares the room of the one before


def _gaps(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a[1], b[0]) for a, b in zip(merged, merged[1:])]


def _greedy_cuts(gaps: list[list[tuple[float, float]]], length: float, most: float, first: float | None
                 ) -> list[float]:
    """From 0 to `length`, each cut in the middle of the last gap that keeps the piece short
    enough and at least a third as long as it could be, from the first list of `gaps` that has
    one; through a span only where none does."""
    result = [0.0]
    while True:
        room = max(1.0, first if len(result) == 1 and first else most)
        start, limit = result[-1], result[-1] + room
        if length - start <= room:
            break
        fitting = next((found for among in gaps
                        if (found := [(a, b) for a, b in among if a < limit and b > start + room / 3])), None)
        if fitting:
            a, b = fitting[-1]
            result.append(min((max(a, start + room / 3) + min(b, limit)) / 2, limit))
        else:
            result.append(limit)
    result.append(float(length))
    return result


def crop(picture: Picture, left: float, top: float, width: float, height: float, header: float = 0.0) -> Picture:
    """The window of `picture` as a picture of its own, keeping only the texts inside it (a text
    cut off by the window stays in both pieces); with `header`, the picture's top `header` px
    above it (a sequence diagram's participants)."""
    root = etree.fromstring(picture.svg.encode())
    view = [float(v) for v in (root.get("viewBox") or f"0 0 {picture.width} {picture.height}").replace(",", " ").split()]
    per_px = (view[2] / picture.width, view[3] / picture.height)

    def window(svg, x: float, y: float, w: float, h: float, at: float):
        kept = (x, y, w, h)
        texts = [t for t in svg.iter(f"{{{SVG}}}text")]
        for text, box in zip(texts, picture.texts):
            if not _overlaps(box, kept):
                text.getparent().remove(text)
        svg.set("viewBox", f"{view[0] + x * per_px[0]:.2f} {view[1] + y * per_px[1]:.2f} "
                           f"{w * per_px[0]:.2f} {h * per_px[1]:.2f}")
        svg.set("width", f"{w:.2f}")
        svg.set("height", f"{h:.2f}")
        svg.set("x", "0")
        svg.set("y", f"{at:.2f}")
        return svg

    if not header:
        svg = window(root, left, top, width, height, 0)
    else:
        svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG}, width=f"{width:.2f}",
                            height=f"{header + height:.2f}", viewBox=f"0 0 {width:.2f} {header + height:.2f}")
        svg.append(window(deepcopy(root), left, 0, width, header, 0))
        svg.append(window(root, left, top, width, height, header))
    return Picture(etree.tostring(svg, encoding="unicode"), width, header + height, text_px=picture.text_px)


def outline(picture: Picture, windows: Sequence[Window], scale: float, label_pt: float = 24) -> Picture:
    """The whole picture as a map, for a slide before its parts or pieces: its shapes without
    their text (which would be too small to read there), and each window framed and numbered
    in `label_pt` text at `scale`."""
    root = etree.fromstring(picture.svg.encode())
    for text in list(root.iter(f"{{{SVG}}}text")):
        text.getparent().remove(text)
    for element in root.iter():
        for name in [n for n in element.attrib if n.startswith("font")]:
            del element.attrib[name]
    view = [float(v) for v in (root.get("viewBox") or f"0 0 {picture.width} {picture.height}").replace(",", " ").split()]
    per_px = view[2] / picture.width
    size = label_pt / PT_PER_PX / scale * per_px
    for number, (left, top, width, height, _) in enumerate(windows, start=1):
        x, y = view[0] + left * per_px, view[1] + top * per_px
        etree.SubElement(root, f"{{{SVG}}}rect", x=f"{x:.1f}", y=f"{y:.1f}", width=f"{width * per_px:.1f}",
                         height=f"{height * per_px:.1f}", fill="none", stroke="#3d5a80",
                         **{"stroke-width": f"{3 / scale * per_px:.1f}", "stroke-dasharray": f"{12 / scale * per_px:.1f}"})
        etree.SubElement(root, f"{{{SVG}}}rect", x=f"{x:.1f}", y=f"{y:.1f}", width=f"{size * 1.6:.1f}",
                         height=f"{size * 1.4:.1f}", fill="#3d5a80")
        label = etree.SubElement(root, f"{{{SVG}}}text", x=f"{x + size * 0.8:.1f}", y=f"{y + size * 1.1:.1f}",
                                 fill="#ffffff", **{"font-size": f"{size:.1f}", "font-family": "Noto Sans",
                                                    "font-weight": "bold", "text-anchor": "middle"})
        label.text = str(number)
    return replace(picture, svg=etree.tostring(root, encoding="unicode"), text_px=size / per_px, alternatives=(),
                   parts=(), texts=(), shapes=())


def _overlaps(box: Box, window: Box) -> bool:
    x, y, w, h = box
    wx, wy, ww, wh = window
    return x < wx + ww and x + w > wx and y < wy + wh and y + h > wy


def png_scale(shown: Shown, dpi: float, least: float = 1.0) -> float:
    """PNG pixels per picture px for the picture to be `dpi` sharp at the size it is shown, and
    never fewer than its own (a slide shown on a 1920 px screen is 144 dpi: a picture shown
    small needs no more, where painting it at twice its size made a third of a deck's pixels)."""
    return max(least, dpi * shown.scale / 96)

