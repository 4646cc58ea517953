"""The placement stage's decisions, on made-up pictures (the end-to-end tests measure real ones)."""

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from printbook import deck, pdf, placement
from printbook.model import Picture
from printbook.parse import parse_text
from printbook.placement import Offer, Space, cuts, crop, place

from conftest import PLACES



SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x} 0 {w} {h}" width="{w}" height="{h}">{body}</svg>'


def rows_picture(rows: int, row_height: float = 40, width: float = 300, text_px: float = 16, header: float = 0,
                 text_width: float = 100):
    """A picture of `rows` lines of text, one every `row_height` px, with their boxes measured."""
    texts = tuple((10.0, i * row_height + 10, text_width, 20.0) for i in range(rows))
    body = "".join(f'<text x="10" y="{i * row_height + 25}" font-size="{text_px}">row {i}</text>' for i in range(rows))
    height = rows * row_height
    return Picture(SVG.format(x=0, w=width, h=height, body=body), width, height, text_px=text_px, texts=texts,
                   header=header)


def test_spaces_follow_the_question_and_its_notes():
    book = parse_text(PLACES, "guide.md")
    overview, numbered, unnumbered = book.diagrams()
    options = pdf.PdfOptions()
    offers = pdf.diagram_spaces(book, options)
    (upright, landscape), (roomy, roomy_landscape) = options.diagram_boxes(), options.diagram_boxes(notes=False)
    sizes = lambda offer: [(s.width, s.height) for s in offer.whole]  # noqa: E731
    assert sizes(offers[numbered]) == [upright, landscape]  # the notes area stays below
    assert sizes(offers[unnumbered]) == [upright, roomy, options.column_box(), roomy_landscape]
    assert sizes(offers[overview]) == [upright, roomy, options.column_box()]  # no landscape page outside a question
    assert [s.landscape for s in offers[unnumbered].pieces] == [False, True]
    assert all(o.smallest_pt == 7 for o in offers.values())
    # Double-sided: a landscape page would print on the wrong side, so there is none.
    duplex = pdf.diagram_spaces(book, replace(options, duplex=True))
    assert not any(s.landscape for o in duplex.values() for s in (*o.whole, *o.pieces))


def test_whole_in_the_first_space_where_its_text_is_legible():
    book = parse_text(PLACES, "guide.md")
    overview, numbered, unnumbered = book.diagrams()
    offers = pdf.diagram_spaces(book, pdf.PdfOptions())
    legible, tall, wide = Picture("<svg/>", 400, 500), Picture("<svg/>", 300, 1500), Picture("<svg/>", 1500, 300)
    first, roomy, column, _ = offers[unnumbered].whole
    assert place(legible, offers[overview]).space == first  # follows the text before it
    assert place(tall, offers[overview]).space == column
    assert column.text_pt(tall) > roomy.text_pt(tall) > first.text_pt(tall) * 1.2
    assert place(Picture("<svg/>", 300, 1300), offers[overview]).space == roomy  # need not take a page
    on_landscape = place(wide, offers[unnumbered])
    assert on_landscape.how == "whole" and on_landscape.space.landscape and on_landscape.text_pt >= 7


def test_smaller_text_is_shown_larger_and_gantt_sized_text_still_prints_at_7_pt():
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    placed = place(rows_picture(5, text_px=11), offer)  # 11 px at the natural 0.75 would print at 6.2 pt
    assert placed.how == "whole" and 7 <= placed.text_pt < 7.2


def test_too_small_everywhere_with_parts_shows_the_parts():
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    tall = Picture("<svg/>", 300, 5000, parts=(Picture("<svg/>", 500, 800), Picture("<svg/>", 500, 900)))
    placed = place(tall, offer)
    assert placed.how == "parts" and [s.where for s in placed.shown] == ["part 1 of 2", "part 2 of 2"]
    assert placed.text_pt >= 7


def test_parts_that_stay_legible_together_share_a_page():
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    small = [Picture(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{i}</text></svg>', 300, 300) for i in range(3)]
    placed = place(Picture("<svg/>", 300, 5000, parts=(*small, Picture("<svg/>", 500, 900))), offer)
    assert [s.where for s in placed.shown] == ["parts 1 to 3 of 4", "part 4 of 4"]
    together = etree.fromstring(placed.shown[0].picture.svg)
    assert ["".join(inner.itertext()) for inner in together] == ["0", "1", "2"] and placed.text_pt >= 7


def test_too_tall_continues_in_even_pieces_cut_between_rows():
    picture = rows_picture(60)  # 2,400 px of text rows: 3 pages at 0.75
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75, first_height=700),), 7)
    placed = place(picture, offer)
    assert placed.how == "pieces" and len(placed.shown) == 3
    assert [s.where for s in placed.shown] == [f"piece {i} of 3, from the top" for i in (1, 2, 3)]
    assert placed.shown[0].height <= 700 and all(s.height <= 900 for s in placed.shown)
    assert placed.text_pt >= 7
    texts = ["".join(etree.fromstring(s.picture.svg).itertext()) for s in placed.shown]
    rows = [set(t.replace("row ", " ").split()) for t in texts]
    assert set().union(*rows) == {str(i) for i in range(60)}  # every row shown…
    assert sum(map(len, rows)) == 60  # …once: each cut falls between rows
    heights = [s.height for s in placed.shown]
    assert max(heights) - min(heights) < 0.35 * max(heights)  # no lost last row on a page of its own


def test_a_sequence_diagram_repeats_its_participants_above_each_piece():
    picture = rows_picture(60, header=50)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    first, second, *_ = place(picture, offer).shown
    assert first.picture.svg.count("<svg") == 1 and "row 0" in first.picture.svg  # the top: its own header
    inner = etree.fromstring(second.picture.svg)
    head, body = inner  # two windows of the same drawing: its top, then the piece
    assert head.get("viewBox").split()[1] == "0.00" and float(head.get("height")) == 50
    assert "row 0" in "".join(head.itertext()) and "row 0" not in "".join(body.itertext())


def test_too_wide_for_any_page_is_cut_into_columns_too():
    wide = replace(rows_picture(40, width=3000), texts=tuple((x, y, 80.0, 20.0) for x in range(0, 3000, 100)
                                                                 for y in range(10, 1600, 40)))
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    placed = place(wide, offer)
    assert placed.how == "pieces" and placed.text_pt >= 7 and all(s.width <= 600.5 for s in placed.shown)
    assert "row 1 of" in placed.shown[0].where and "column 1 of" in placed.shown[0].where


def test_a_sparse_piece_shrinks_to_what_it_draws():
    # A wide diagram cut between columns: its left column holds one label near the bottom, its
    # right column rows of text from top to bottom.
    left = ((40.0, 1000.0, 100.0, 20.0),)
    right = tuple((700.0, y, 300.0, 20.0) for y in range(0, 1100, 40))
    body = "".join(f'<text x="{x}" y="{y + 15}" font-size="16">t{i}</text>' for i, (x, y, _, _) in enumerate(left + right))
    picture = Picture(SVG.format(x=0, w=1200, h=1100, body=body), 1200, 1100, text_px=16, texts=left + right)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    placed = place(picture, offer, overview=True)
    sparse, full = placed.shown
    assert [s.where for s in placed.shown] == ["piece 1 of 2, from the left", "piece 2 of 2, from the left"]
    assert sparse.picture.height == 20 + 2 * placement.MARGIN_PX  # not the column's 1,100 px of nothing
    assert sparse.picture.width == 100 + 2 * placement.MARGIN_PX
    assert "".join(etree.fromstring(sparse.picture.svg).itertext()) == "t0"  # what it draws, whole
    assert full.picture.height > 1000
    # The overview's frames are the pieces as shown.
    frames = [r for r in etree.fromstring(placed.overview.picture.svg).iter("{http://www.w3.org/2000/svg}rect")
              if r.get("fill") == "none"]
    assert float(frames[0].get("y")) == 1000 - placement.MARGIN_PX


def test_a_cut_runs_through_a_frame_rather_than_a_word():
    # Two columns of words with a gap between them, and a subgraph's frame (holding a node)
    # across the gap: the cut goes through the frame, in the gap.
    words = tuple((x, y, w, 20.0) for y in range(0, 1000, 40) for x, w in ((0.0, 480.0), (560.0, 540.0)))
    frame, node = (300.0, 0.0, 500.0, 150.0), (350.0, 50.0, 100.0, 30.0)
    body = "".join(f'<text x="{x}" y="{y + 15}" font-size="16">w{i}</text>' for i, (x, y, _, _) in enumerate(words))
    picture = Picture(SVG.format(x=0, w=1200, h=1000, body=body), 1200, 1000, text_px=16, texts=words,
                      shapes=(frame, node))
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    left, right = place(picture, offer).shown
    assert 480 < left.picture.width < 560
    in_left = "".join(etree.fromstring(left.picture.svg).itertext())
    assert in_left == "".join(f"w{i}" for i in range(0, len(words), 2))  # the left column's words only


def test_no_piece_holds_only_the_participants_drawn_again_at_the_bottom():
    # A sequence diagram two columns wide whose left column's messages end early: below them, the
    # left column has only the participants mermaid draws again at the bottom, which every piece
    # shows at its top already.
    texts = [(x, 0.0, 100.0, 40.0) for x in (50.0, 650.0)]
    texts += [(x, float(y), 300.0, 20.0) for y in range(60, 1600, 40) for x in (50.0, 650.0) if x > 600 or y < 1100]
    texts += [(x, 1620.0, 100.0, 40.0) for x in (50.0, 650.0)]
    body = "".join(f'<text x="{x}" y="{y + 15}" font-size="16">t{i}</text>' for i, (x, y, _, _) in enumerate(texts))
    picture = Picture(SVG.format(x=0, w=1200, h=1660, body=body), 1200, 1660, text_px=16, texts=tuple(texts),
                      header=50, footer=1620)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 700, largest=0.75),), 7)
    assert [s.where for s in place(picture, offer).shown] == [
        "piece 1 of 3: row 1 of 2, column 1 of 2", "piece 2 of 3: row 1 of 2, column 2 of 2",
        "piece 3 of 3: row 2 of 2, column 2 of 2"]
    assert len(place(replace(picture, footer=0.0), offer).shown) == 4  # (read as any other text)


def test_no_piece_holds_only_the_participants_at_the_top():
    # A sequence diagram two columns wide whose right column's messages begin low: its top right
    # window would hold only the participants, which the piece below it shows at its head.
    texts = [(x, 0.0, 100.0, 40.0) for x in (50.0, 650.0)]
    texts += [(x, float(y), 300.0, 20.0) for y in range(60, 1600, 40) for x in (50.0, 650.0) if x < 600 or y > 900]
    body = "".join(f'<text x="{x}" y="{y + 15}" font-size="16">t{i}</text>' for i, (x, y, _, _) in enumerate(texts))
    picture = Picture(SVG.format(x=0, w=1200, h=1600, body=body), 1200, 1600, text_px=16, texts=tuple(texts),
                      header=50)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 700, largest=0.75),), 7)
    shown = place(picture, offer).shown
    assert [s.where for s in shown] == [
        "piece 1 of 3: row 1 of 2, column 1 of 2", "piece 2 of 3: row 2 of 2, column 1 of 2",
        "piece 3 of 3: row 2 of 2, column 2 of 2"]
    assert "t1" in "".join(etree.fromstring(shown[2].picture.svg).itertext())  # its participant, at its head
    # A column of participants with nothing below them keeps them.
    silent = replace(picture, texts=tuple(t for t in texts if t[0] < 600 or t[1] == 0.0))
    assert len(place(silent, offer).shown) == 3 and "column 2 of 2" in place(silent, offer).shown[1].where


def test_a_piece_that_is_the_whole_says_nothing_of_pieces():
    # A diagram too tall to show whole where the pieces' room (a page without notes, a slide without its
    # overview) takes it in one: its one piece is the whole, and no "piece 1 of 1" is said of it.
    picture = rows_picture(36)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 1200, largest=0.75),), 7)
    placed = place(picture, offer, overview=True)
    assert placed.how == "pieces" and len(placed.shown) == 1 and placed.overview is None
    assert placed.shown[0].where == "" and placed.text_pt >= 7
    book = parse_text("# Guide\n\n## Q1: Why?\n\n```mermaid\nsequenceDiagram\n    A->>B: row\n```\n", "guide.md")
    diagram, = book.diagrams()
    view = pdf._diagram_view(diagram, picture, placed)
    assert view["pictures"][0]["caption"] == "" and not view["pictures"][0]["alt"].startswith(":")


def test_the_end_of_a_word_cut_off_is_no_piece_of_its_own():
    # A title running almost the whole width, the rest in the left part: cut through the title,
    # the right-hand window holds only its last letters.
    texts = ((0.0, 0.0, 1150.0, 20.0), *((0.0, float(y), 400.0, 20.0) for y in range(40, 400, 40)))
    body = "".join(f'<text x="{x}" y="{y + 15}" font-size="16">t{i}</text>' for i, (x, y, _, _) in enumerate(texts))
    picture = Picture(SVG.format(x=0, w=1200, h=400, body=body), 1200, 400, text_px=16, texts=texts)
    offer = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    [piece] = place(picture, offer).shown
    assert "".join(etree.fromstring(piece.picture.svg).itertext()) == "".join(f"t{i}" for i in range(len(texts)))


def test_cuts_fall_in_gaps_and_through_text_only_where_there_is_none():
    spans = [(0, 10), (20, 30), (40, 50), (60, 70), (80, 90), (100, 110)]
    found = cuts(spans, 110, 60)
    assert len(found) == 3 and all(not any(a < c < b for a, b in spans) for c in found)
    # Full pieces, but a short last one shares the room of the one before; through text only
    # where there is no gap.
    assert [round(c) for c in cuts([(0, 1000)], 1000, 300)] == [0, 300, 600, 800, 1000]


def test_a_piece_keeps_only_its_own_texts():
    picture = rows_picture(10)
    piece = crop(picture, 0, 120, 300, 80)
    kept = "".join(etree.fromstring(piece.svg).itertext())
    assert kept == "row 3row 4" and (piece.width, piece.height) == (300, 80)
    assert etree.fromstring(piece.svg).get("viewBox") == "0.00 120.00 300.00 80.00"


def test_layouts_are_judged_by_the_text_they_print():
    wide = Picture("<svg>wide</svg>", 3000, 500, alternatives=(Picture("<svg>tall</svg>", 1000, 1200),
                                                                  Picture("<svg>grid</svg>", 1500, 800)))
    page = placement.best_layout(wide, Space(640, 720, 0.75))
    assert page.svg == "<svg>tall</svg>" and page.alternatives == ()
    assert placement.best_layout(wide, Space(1180, 490, float("inf"))).svg == "<svg>grid</svg>"  # a 16:9 slide
    small = Picture("<svg>small</svg>", 300, 200, alternatives=(Picture("<svg>other</svg>", 200, 300),))
    assert placement.best_layout(small, Space(640, 720, 0.75)) is small  # both fit at the natural scale


def test_more_layouts_are_worth_it_only_where_the_first_space_could_show_the_text_larger():
    offer = Offer((Space(600, 400, largest=0.75), Space(600, 800, largest=0.75)), (Space(600, 800, 0.75),), 7)
    assert placement.shown_at_largest(Picture("<svg/>", 500, 300), offer)  # 0.75 is the most it gets anywhere
    assert not placement.shown_at_largest(Picture("<svg/>", 1200, 300), offer)  # shrunk to fit: a layout may fit better
    assert not placement.shown_at_largest(Picture("<svg/>", 400, 700), offer)  # whole only in the second space
    # A layout among the alternatives that already reaches the largest scale counts.
    assert placement.shown_at_largest(Picture("<svg/>", 1200, 300, alternatives=(Picture("<svg/>", 580, 390),)), offer)


def test_slides_want_12_pt_on_16_9_and_in_proportion_on_a_4_3_reference(tmp_path: Path):
    wide = deck.slide_offer()
    assert wide.smallest_pt == 12 and wide.whole[0].width > 1100
    from pptx import Presentation
    from pptx.util import Inches
    four_three = Presentation()
    four_three.slide_width, four_three.slide_height = Inches(10), Inches(7.5)
    four_three.save(tmp_path / "43.pptx")
    narrow = deck.slide_offer(deck.DeckOptions(reference=tmp_path / "43.pptx"))
    assert narrow.smallest_pt == 9 and narrow.whole[0].width < wide.whole[0].width


def test_slides_show_an_overview_map_of_the_whole_before_its_pieces():
    placed = place(rows_picture(80, width=900, text_width=880), deck.slide_offer(), overview=True)
    assert placed.how == "pieces" and placed.overview is not None
    overview = etree.fromstring(placed.overview.picture.svg)
    labels = ["".join(t.itertext()) for t in overview.iter("{http://www.w3.org/2000/svg}text")]
    assert labels == [str(i) for i in range(1, len(placed.shown) + 1)]  # only the pieces' numbers
    assert placed.overview.text_pt >= 18 and placed.text_pt >= 12


def test_slides_show_a_sequence_diagrams_narrow_pieces_side_by_side_as_even_as_they_fit():
    slide = deck.slide_offer()
    # Few participants, long enough for two slides, short enough for one in columns: the whole,
    # top to bottom in columns, each headed by the participants, and no map.
    placed = place(rows_picture(20, header=50), slide, overview=True)
    (shown,) = placed.shown
    columns = etree.fromstring(shown.picture.svg)
    assert placed.overview is None and shown.where == f"top to bottom in {len(columns)} columns" and len(columns) > 1
    assert {column.get("y") for column in columns} == {"0.00"}  # each column from the top
    assert len(columns[1]) == 2 and "row 0" in "".join(columns[1][0].itertext())  # the participants above
    read = [columns[0], *(column[-1] for column in columns[1:])]  # each column but its participants
    rows = [int(word) for column in read for word in "".join(column.itertext()).replace("row ", " ").split()]
    assert sorted(set(rows)) == list(range(20)) and rows == sorted(rows)  # every row, read down and on
    assert shown.width <= slide.pieces[0].width and shown.height <= slide.pieces[0].height and placed.text_pt >= 12
    # Longer: the map first, then slides of pieces side by side, as even as they fit.
    placed = place(rows_picture(200, header=50), slide, overview=True)
    counts = [len(etree.fromstring(s.picture.svg)) for s in placed.shown]
    assert placed.overview is not None and len(placed.shown) > 1 and max(counts) - min(counts) <= 1
    assert [s.where for s in placed.shown][:2] == [f"pieces 1 to {counts[0]} of {sum(counts)}, from the top",
                                                 f"pieces {counts[0] + 1} to {sum(counts[:2])} of {sum(counts)}, from the top"]
    labels = ["".join(t.itertext()) for t in etree.fromstring(placed.overview.picture.svg).iter("{http://www.w3.org/2000/svg}text")]
    assert labels == [str(i) for i in range(1, sum(counts) + 1)]  # the map numbers each piece
    # A flowchart's pieces (frames cut into columns would read badly; its parts show whole
    # subgraphs), and a page of the handbook (a printed figure continues on the next page), show one.
    assert all(s.where.startswith("piece ") for s in place(rows_picture(40), slide, overview=True).shown)
    handbook = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    assert all(s.where.startswith("piece ") for s in place(rows_picture(80, header=50), handbook).shown)


OPENINGS = """# Guide

## Storage

Where the platform keeps what it is told, and for how long: the opening text of a chapter that
has no numbered questions, two lines long.

### How is data stored?

One line before the diagram.

```mermaid
graph TD
    A --> B
```

## Operations

## Backups

How copies are made.

### What is kept?

```mermaid
graph TD
    C --> D
```
"""


def _pages_with(path, *words: str) -> list[int]:
    """The pages (from 1) whose text holds every one of `words`."""
    import pdfplumber
    with pdfplumber.open(path) as document:
        return [number for number, page in enumerate(document.pages, start=1)
                if all(w in (page.extract_text() or "") for w in words)]


def _page_sizes(path) -> list[tuple[float, float]]:
    import pdfplumber
    with pdfplumber.open(path) as document:
        return [(page.width, page.height) for page in document.pages]


def test_a_chapters_opening_text_shares_its_page_with_the_chapters_first_diagram(tmp_path):
    """A tall first diagram, placed for a page below its question's heading alone, used to push
    the question to the next page and leave the chapter's heading and opening text on a page of
    their own; a chapter of nothing but a heading shares its page with the next chapter."""
    book = parse_text(OPENINGS, "guide.md")
    first, second = book.diagrams()
    tall = rows_picture(24, row_height=40, width=300)  # as tall as an upright page allows
    alone = place(tall, pdf.diagram_spaces(book, pdf.PdfOptions())[first])
    placements = pdf.placed(book, {first: tall, second: rows_picture(24, row_height=40, width=300)}, pdf.PdfOptions())
    assert placements[first].how == "whole" and placements[first].space.shares_page
    assert 0.8 * alone.text_pt <= placements[first].text_pt < alone.text_pt  # a little smaller
    target = tmp_path / "guide.pdf"
    pdf.write_pdf(book, {first: tall, second: tall}, target)
    [storage] = _pages_with(target, "Storage", "Where the platform keeps")
    assert _pages_with(target, "How is data stored?", "row 0", "row 23") == [storage]
    [backups] = _pages_with(target, "Backups", "How copies are made")
    assert backups in _pages_with(target, "Operations")  # not on a page of its own
    assert len(_page_sizes(target)) == backups
    assert _pages_with(target, "What is kept?", "row 23") == [backups]


# PLACES with text of its own before Q1's diagram.
LEADS = PLACES.replace("**Probability**: 50\n", "**Probability**: 50\n\n**Purpose**: show how the packages depend on "
                       "each other, and which of them the others are built on.\n\n**Example: a shop's packages**\n")


def test_a_questions_text_before_its_diagram_stays_on_the_diagrams_page(tmp_path):
    """A tall diagram, placed for the room below its question's heading and probability alone, did
    not fit below the question's own text ("Purpose: …", "Example: …"): the heading and that text
    were left on a page of their own. Where much text follows the diagram, the question goes over
    pages anyway, and the diagram keeps its size."""
    book = parse_text(LEADS, "guide.md")
    overview, second, unnumbered = book.diagrams()
    tall = rows_picture(24, row_height=40, width=300)  # as tall as an upright page allows
    renderings = {overview: rows_picture(2), second: tall, unnumbered: rows_picture(2)}
    alone = place(tall, pdf.diagram_spaces(book, pdf.PdfOptions())[second])
    placements = pdf.placed(book, renderings, pdf.PdfOptions())
    assert placements[second].how == "whole"
    assert 0.8 * alone.text_pt <= placements[second].text_pt < alone.text_pt  # a little smaller
    target = tmp_path / "guide.pdf"
    pdf.write_pdf(book, renderings, target)
    assert len(_pages_with(target, "What does a controller do?", "Purpose", "a shop's packages", "row 0", "row 23")) == 1
    # Much text after the diagram: the question goes over pages whatever the diagram's size.
    followed = parse_text(LEADS.replace("    C --> D\n```\n", "    C --> D\n```\n\n" + "More, at length. " * 40 + "\n"),
                          "guide.md")
    overview, second, unnumbered = followed.diagrams()
    kept = pdf.placed(followed, {overview: rows_picture(2), second: tall, unnumbered: rows_picture(2)}, pdf.PdfOptions())
    assert kept[second].text_pt == alone.text_pt


def test_a_chapter_whose_first_diagram_goes_on_a_landscape_page_starts_there(tmp_path):
    book = parse_text(OPENINGS, "guide.md")
    first, second = book.diagrams()
    wide = rows_picture(3, row_height=40, width=1500)
    renderings = {first: wide, second: rows_picture(2)}
    placements = pdf.placed(book, renderings, pdf.PdfOptions())
    assert placements[first].space.landscape and placements[first].space.shares_page
    target = tmp_path / "guide.pdf"
    pdf.write_pdf(book, renderings, target)
    [storage] = _pages_with(target, "Storage", "Where the platform keeps", "row 0")
    width, height = _page_sizes(target)[storage - 1]
    assert width > height
    # Double-sided, there is no landscape page: the chapter stays upright.
    duplex = pdf.placed(book, renderings, pdf.PdfOptions(duplex=True))
    assert not duplex[first].space.landscape


WIDE_FIRST = """# Guide

## Architecture

### How do the parts fit together?

```mermaid
graph LR
    A --> B
```

""" + "How the parts talk to each other, at length. " * 60 + "\n"


def test_a_chapter_starts_on_its_first_diagrams_landscape_page_where_the_diagram_fits_there_as_it_is(tmp_path):
    """A wide first diagram that fits below its chapter's and question's headings on a landscape
    page as it is went there alone (placed for the room a question's usual heading and a caption
    of pieces leave, it would have printed under 7 pt), leaving the headings on an upright page of
    their own. The long text after it goes back upright: a landscape line is too long to read."""
    book = parse_text(WIDE_FIRST, "guide.md")
    [wide_diagram] = book.diagrams()
    wide = rows_picture(29, row_height=30, width=1600)  # 7.2 pt on a landscape page, under 7 upright
    alone = place(wide, pdf.diagram_spaces(book, pdf.PdfOptions())[wide_diagram])
    assert alone.space.landscape and 7 <= alone.text_pt < 7.3
    placed = pdf.placed(book, {wide_diagram: wide}, pdf.PdfOptions())[wide_diagram]
    assert placed.space.landscape and placed.space.shares_page and placed.text_pt == alone.text_pt
    target = tmp_path / "guide.pdf"
    pdf.write_pdf(book, {wide_diagram: wide}, target)
    [page] = _pages_with(target, "Architecture", "How do the parts fit together?", "row 0", "row 28")
    sizes = _page_sizes(target)
    assert sizes[page - 1][0] > sizes[page - 1][1]
    text_pages = _pages_with(target, "How the parts talk")
    assert text_pages and all(sizes[p - 1][0] < sizes[p - 1][1] for p in text_pages)


def test_a_question_on_landscape_pages_shows_its_other_diagrams_as_a_landscape_page_holds_them():
    """Placed for an upright page's whole column, a question's second diagram was taller than the
    landscape page its first diagram took the question to: its heading went on a page alone."""
    book = parse_text(PLACES.replace("### How it started\n", "### How it started\n\nA wide one.\n\n```mermaid\n"
                                     "graph LR\n    W --> X\n```\n\n#### And a tall one\n"), "guide.md")
    _, _, wide_diagram, tall_diagram = book.diagrams()
    options = pdf.PdfOptions()
    tall = rows_picture(40, row_height=36, width=600)
    renderings = {wide_diagram: rows_picture(3, row_height=40, width=1500), tall_diagram: tall}
    on_its_own = place(tall, pdf.diagram_spaces(book, options)[tall_diagram])
    assert not on_its_own.space.landscape  # as it would be placed by itself
    placements = pdf.placed(book, renderings, options)
    assert placements[wide_diagram].space.landscape
    turned = placements[tall_diagram]
    assert turned.space.landscape
    _, column_height = options.column_box(landscape=True)
    assert all(shown.height <= column_height + 0.5 for shown in turned.shown)


LONG_TEXT = " ".join(["A paragraph that explains the design at length, as tutorials do, before its picture."] * 8)
TUTORIAL = f"""# Guide

## Patterns

The chapter's opening.

### Sequence diagrams

{LONG_TEXT}

```mermaid
graph LR
    A --> B
```

Example: a second flow, which leads to its diagram.

```mermaid
graph LR
    C --> D
```

{LONG_TEXT}
"""


def test_a_questions_long_text_stays_upright_and_its_wide_diagrams_turn_with_their_lead_ins(tmp_path):
    """A question's text on a landscape page is a line too long to read, and took the question's
    heading away from its chapter's; only the diagrams turn, each with the short text before it."""
    book = parse_text(TUTORIAL, "guide.md")
    first, second = book.diagrams()
    wide = {d: rows_picture(3, row_height=40, width=1500) for d in (first, second)}
    target = tmp_path / "guide.pdf"
    pdf.write_pdf(book, wide, target)
    sizes = _page_sizes(target)
    upright = lambda page: sizes[page - 1][0] < sizes[page - 1][1]  # noqa: E731
    [opening] = _pages_with(target, "Patterns", "The chapter's opening", "Sequence diagrams")
    assert upright(opening) and "A paragraph that explains" in _text_of(target, opening)
    [lead_in] = _pages_with(target, "Example: a second flow")
    assert not upright(lead_in) and lead_in in _pages_with(target, "row 2")  # with its diagram
    [rest] = [p for p in _pages_with(target, "A paragraph that explains") if p > lead_in]
    assert upright(rest)


def _text_of(path, page: int) -> str:
    import pdfplumber
    with pdfplumber.open(path) as document:
        return document.pages[page - 1].extract_text() or ""


def test_a_short_text_just_before_a_diagram_goes_to_the_diagrams_page():
    book = parse_text(TUTORIAL, "guide.md")
    lead_in = next(b for b in book.chapters[0].questions[0].blocks if "Example:" in getattr(b, "markdown", ""))
    html = pdf.render_html(book, {d: rows_picture(3) for d in book.diagrams()})
    assert '<div class="lead-in">' in html and "Example: a second flow" in html.split('<div class="lead-in">')[1][:200]
    assert lead_in in pdf._lead_ins(book) and len(pdf._lead_ins(book)) == 1  # not the long text


def test_words_run_into_each_other_are_counted():
    apart = Picture("<svg/>", 300, 40, texts=((0.0, 0.0, 40.0, 14.0), (50.0, 0.0, 40.0, 14.0), (95.0, 20.0, 40.0, 14.0)))
    touching = replace(apart, texts=((0.0, 0.0, 40.0, 14.0), (41.0, 0.0, 40.0, 14.0), (60.0, 2.0, 40.0, 14.0)))
    assert placement.crowded_words(apart) == 0  # a line below is not in the way
    assert placement.crowded_words(touching) == 2  # the first two, and the last two over each other
    # Two lines of one label (a participant's "Payment" above "Processor"): a line's box is taller
    # than the step to the next, so the boxes share a little of their height; no words run together.
    stacked = replace(apart, texts=((3.8, 23.5, 66.7, 22.0), (0.0, 39.5, 74.4, 22.0)))
    assert placement.crowded_words(stacked) == 0


def test_pieces_of_a_narrow_diagram_on_a_slide_are_as_large_as_legible_not_as_the_slide_is_wide():
    """A tall chain of boxes 300 px wide filled a slide's width at four times legible size, one
    box a slide; at legible size it takes fewer pieces."""
    picture = rows_picture(30, row_height=40, width=300)
    slide = Offer((Space(1184, 533, largest=float("inf")),), (Space(1184, 533, largest=float("inf")),), 12)
    placed = place(picture, slide)
    assert placed.how == "pieces" and 12 <= placed.text_pt < 1.5 * 12
    assert len(placed.shown) <= 3  # 1,200 px of rows at about 1.01: three slides of 533 px
    # The handbook keeps its pieces at the natural size (0.75), not smaller than it need be.
    page = Offer((Space(600, 800, largest=0.75),), (Space(600, 900, largest=0.75),), 7)
    assert place(rows_picture(60), page).shown[0].scale == 0.75


def test_a_slides_png_is_150_dpi_where_it_is_shown_and_never_under_its_own_size():
    picture = Picture("<svg/>", 800, 400)
    # (96 CSS px an inch: shown at twice its size, 150 dpi is 3.125 PNG px a picture px)
    assert placement.png_scale(placement.Shown(picture, 2.0), 150) == pytest.approx(3.125)
    assert placement.png_scale(placement.Shown(picture, 0.8), 150) == pytest.approx(1.25)
    # Shown small (an overview), it is painted at its own size: no more pixels than that needs.
    assert placement.png_scale(placement.Shown(picture, 0.4), 150) == 1.0
