"""The handbook's HTML before WeasyPrint: what a document's own Markdown and HTML become."""

from dataclasses import replace

from printbook import pdf
from printbook.model import Picture
from printbook.parse import parse_text
from printbook.pdf import render_html

DOCUMENT = """# Guide

## Section 1: Basics

### Q1. What does a controller do?
**Probability**: 50

- <span style="color: #FF6B6B; font-weight: bold;">Node Controller</span>: watches nodes<br>and reports
- <img src="http://tracker.example/pixel.png" onerror="alert(1)"> <b onclick="steal()">bold</b> <script>x()</script>

A `Vec<T>` in code, and Vec<T> or Box<dyn Trait> in prose.

<div align="center">
Centred <b>text</b>
</div>
"""


def test_inline_html_keeps_its_emphasis_without_attributes_and_drops_the_rest():
    html = render_html(parse_text(DOCUMENT, "guide.md"), {})
    assert "<span>Node Controller</span>: watches nodes<br>and reports" in html
    assert "<b>bold</b>" in html
    assert "tracker.example" not in html and "onclick" not in html and "<script" not in html and "<img src=\"http" not in html
    assert "<p>Centred  text</p>" in html and "align=" not in html
    assert "&lt;span" not in html  # no tag shown as text
    assert "Vec&lt;T&gt; or Box&lt;dyn Trait&gt; in prose" in html  # Rust generics are not HTML


PLACES = """# Guide

## Overview

```mermaid
graph TD
    A --> B
```

## Section 1: Basics

### Q1. What does a controller do?
**Probability**: 50

```mermaid
graph TD
    C --> D
```

### How it started

```mermaid
graph TD
    E --> F
```
"""


def test_a_diagram_gets_the_notes_room_only_where_it_has_no_notes_and_needs_it():
    book = parse_text(PLACES, "guide.md")
    overview, numbered, unnumbered = book.diagrams()
    options = pdf.PdfOptions()
    spaces = pdf._diagram_spaces(book, options)
    (upright, landscape), (roomy, roomy_landscape) = options.diagram_boxes(), options.diagram_boxes(notes=False)
    column = options.column_box()  # a page to itself, but for a caption
    assert spaces[numbered] == (upright, landscape)  # the notes area stays below
    assert spaces[unnumbered] == (upright, roomy, column, roomy_landscape)
    assert spaces[overview] == (upright, roomy, column)  # no landscape page outside a question

    legible, tall, wide = Picture("<svg/>", 400, 500), Picture("<svg/>", 300, 2000), Picture("<svg/>", 4000, 300)
    assert pdf._box_for(legible, spaces[overview]) == upright  # follows the text before it
    assert pdf._box_for(tall, spaces[overview]) == column
    assert pdf.printed_text_pt(tall, column) > pdf.printed_text_pt(tall, roomy) > pdf.printed_text_pt(tall, upright) * 1.2
    taller = Picture("<svg/>", 300, 1300)  # legible with the notes' room: it need not take a page
    assert pdf._box_for(taller, spaces[overview]) == roomy
    assert pdf._box_for(wide, spaces[unnumbered]) == roomy_landscape
    assert pdf._box_for(tall, spaces[numbered]) == upright  # larger than on a landscape page
    # A diagram with parts, too small in every space, is shown in parts.
    assert pdf._box_for(replace(tall, parts=(legible, legible)), spaces[numbered]) is None


def test_only_a_question_whose_diagram_is_shown_in_parts_may_break_across_pages():
    book = parse_text(PLACES.replace("### How it started\n", "### How it started\n\nSome prose first.\n"), "guide.md")
    overview, numbered, unnumbered = book.diagrams()
    tall = Picture("<svg/>", 300, 5000)
    renderings = {overview: Picture("<svg/>", 400, 500), unnumbered: Picture("<svg/>", 400, 500),
                  numbered: replace(tall, parts=(Picture("<svg/>", 400, 500), Picture("<svg/>", 400, 500)))}
    html = render_html(book, renderings)
    assert html.count(' in-parts"') == 1  # Q1's; not the question with prose before its diagram
    assert html.count("<figcaption>Part 1 of 2</figcaption>") == 1
