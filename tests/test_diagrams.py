"""The diagram stage against real Chromium + mermaid, and mermaid's messages turned into locations."""

import io
import re
import os
import signal
import subprocess
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from printbook.diagrams import DiagramStage, MermaidRenderer, RenderOptions, explain_mermaid_error, render_diagrams
from printbook.model import Diagram, DiagramFailure, Location, Picture
from printbook.deck import slide_offer
from printbook.options import DeckOptions
from printbook.placement import Offer, Space, crowded_words, place
from printbook.restack import compact

from conftest import weasyprint_drawing_failures

# Messages as mermaid 11.17 words them: the excerpt before the caret loses its newlines and, when
# long, its start.
@pytest.mark.parametrize("source, message", [
    ("graph TD\n  subgraph x\n    A[lib] --> B[#[proc_macro_derive]]\n  end\n",
     "Parse error on line 3:\n...x    A[lib] --> B[#[proc_macro_derive]]\n----------------------^\n"
     "Expecting 'SQE', 'PE', got 'SQS'"),
    ("graph TD\n    A[lib.rs with proc-macro = true] --> B[#[proc_macro_derive]]\n  end\n",
     "Parse error on line 2:\n...acro = true] --> B[#[proc_macro_derive]]\n-----------------------^\n"
     "Expecting 'SQE', 'PE', got 'SQS'"),
])
def test_mermaid_parse_error_becomes_line_and_column(source, message):
    line, column, summary = explain_mermaid_error(source, message)
    assert source.splitlines()[line - 1][column - 1:] == "[proc_macro_derive]]"
    assert "unexpected 'SQS'" in summary


def test_a_lexical_error_says_what_mermaid_says_of_it_not_its_caret():
    source = "classDiagram\n    User <|-- Admin\n    Customer ||--o{ Order\n"
    message = "Lexical error on line 3. Unrecognized text.\n... Admin    Customer ||--o{ Order\n----------------------^"
    assert explain_mermaid_error(source, message) == (
        3, 14, "mermaid cannot parse line 3: unrecognized text at '||--o{ Order'")


def test_unlocatable_message_is_kept_whole():
    assert explain_mermaid_error("pie\n", "No diagram type detected") == (0, 0, "No diagram type detected")


@pytest.mark.e2e
def test_real_renderer_draws_labels_as_text_and_reports_failures():
    good = Diagram("graph TD\n    A[Monomorphization] --> B[Vtable lookup]\n", Location("d.md", 10))
    twin = Diagram(good.source, Location("d.md", 40))
    bad = Diagram("graph TD\n    A[ok] --> B\n    B -->> C\n", Location("d.md", 20))
    with DiagramStage() as stage:
        renderings, warnings = stage.render([good, twin, bad])
        [painted] = stage.with_pngs({good: renderings[good]}).values()

    picture = renderings[good]
    assert isinstance(picture, Picture) and renderings[twin] == picture
    # Labels are real SVG text (WeasyPrint and PowerPoint draw no <foreignObject> HTML).
    assert "<foreignObject" not in picture.svg
    assert ">Monomorphization<" in picture.svg.replace("</tspan>", "<")
    assert picture.width > 100 and picture.height > 100
    png = Image.open(io.BytesIO(painted.png))
    assert png.size == (round(picture.width * 2), round(picture.height * 2))
    assert png.convert("L").getextrema()[0] < 100  # something dark was drawn: lines and text

    assert isinstance(renderings[bad], DiagramFailure)
    [warning] = warnings
    assert str(warning).startswith("d.md:23:")  # line 3 of the diagram, after the fence on line 20
    assert warning.severity == "warning"


HOSTILE = [
    'graph TD\n    A[Click me] --> B\n    click A href "javascript:alert(1)"\n',
    'graph TD\n    C["<img src=x onerror=alert(1)>"] --> D["<script>alert(1)</script>"]\n',
    "mindmap\n  root((Runbook))\n    Symptoms\n      Alerts that fire\n",
    'graph TD\n    A[x] --> B\n    classDef evil fill:#f00,stroke:url(http://example.com/x)\n    class A evil\n',
    'flowchart LR\n    P@{ img: "https://example.com/meme.png", label: "Picture from the web", pos: "b", w: 60, h: 60 }\n'
    '    P --> Q[Still drawn]\n',
]


@pytest.mark.e2e
def test_every_svg_is_print_safe():
    """No HTML labels, scripts, event handlers or outside references leave the diagram stage."""
    diagrams = _diagrams_in("h.md", HOSTILE)
    renderings, _ = render_diagrams(diagrams)
    for diagram in diagrams:
        rendering = renderings[diagram]
        if isinstance(rendering, DiagramFailure):
            continue  # refused outright: a placeholder, no SVG at all
        svg = rendering.svg
        assert "@keyframes" not in svg
        for element in ElementTree.fromstring(svg).iter():
            tag = element.tag.rsplit("}", 1)[-1].lower()
            assert tag not in ("foreignobject", "script", "iframe", "image"), (diagram.source, tag)
            for name, value in element.attrib.items():
                name = name.rsplit("}", 1)[-1].lower()
                assert not name.startswith("on"), (diagram.source, name)
                assert not name.startswith("data-"), (diagram.source, name)  # drawn by nothing
                assert "javascript:" not in value and "http://" not in value, (diagram.source, name, value)
    mindmap = renderings[diagrams[2]].svg
    assert ">Alerts that fire<" in mindmap and ">Runbook<" in mindmap  # HTML labels became SVG text
    # A picture named by URL is not fetched, and does not cost the diagram.
    assert "Still drawn" in " ".join(_label_text(renderings[diagrams[4]].svg))


@pytest.mark.e2e
def test_an_edge_mermaid_draws_as_a_point_costs_the_printed_picture_nothing(tmp_path):
    """mermaid draws an edge from inside a composite state to a state outside it as "M x,y Z",
    with an arrowhead pointing nowhere; WeasyPrint failed on the whole picture for it and printed
    the diagram's edges without one state or label."""
    source = ("stateDiagram-v2\n    [*] --> Open\n    Open --> Busy : claim\n    Busy --> Open : release\n"
              "    Closed --> Open : reopen\n    Closed --> Busy : resume\n"
              "    state Busy {\n        [*] --> Step\n        Step --> Closed : done\n    }\n")
    [picture] = render_diagrams([Diagram(source, Location("s.md", 1))])[0].values()
    assert not re.search(r'\sd="[\s\d.,eE+\-MmZz]*"', picture.svg)  # no path without a segment
    assert weasyprint_drawing_failures([picture.svg], tmp_path / "s.pdf") == []
    printed = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True).stdout
    assert all(label in printed for label in ("Open", "Busy", "Step", "Closed", "claim", "release", "done"))


@pytest.mark.e2e
def test_every_word_mermaid_draws_is_inside_the_picture_and_a_notes_box_holds_its_words(tmp_path):
    """mermaid makes a note over two participants as wide as they are apart, its words centred:
    a long note ran out of its box and, over the first participant, out of the picture, whose
    print cut its first words off. A venn diagram's title and a radar's axis labels did the same."""
    note = "only one request recomputes under a single-flight lock while the others wait for it"
    sources = [f"sequenceDiagram\n    participant API\n    participant Cache\n    API->>Cache: get\n"
               f"    Note over API,Cache: {note}\n",
               'radar-beta\n    axis q["Food Quality"], s["Service"], p["Price"], a["Ambiance"]\n'
               '    curve r1["Restaurant A"]{4, 3, 2, 4}\n    max 5\n']
    renderings, _ = render_diagrams(_diagrams_in("n.md", sources))
    for picture in renderings.values():
        assert picture.texts and all(-0.5 <= x and -0.5 <= y and x + w <= picture.width + 0.5
                                     and y + h <= picture.height + 0.5 for x, y, w, h in picture.texts)
    sequence = list(renderings.values())[0]
    root = ElementTree.fromstring(sequence.svg)
    [box] = [e for e in root.iter() if e.tag.endswith("}rect") and "note" in (e.get("class") or "").split()]
    labels = ["".join(e.itertext()) for e in root.iter() if e.tag.endswith("}text")]
    words = next(t for t, label in zip(sequence.texts, labels) if label == note)
    left, width = float(box.get("x")), float(box.get("width"))
    view_x = float(root.get("viewBox").split()[0])
    assert left - view_x <= words[0] and words[0] + words[2] <= left - view_x + width
    assert weasyprint_drawing_failures([sequence.svg], tmp_path / "n.pdf") == []
    printed = subprocess.run(["pdftotext", "-raw", str(tmp_path / "n.pdf"), "-"], capture_output=True, text=True).stdout
    assert note in " ".join(printed.split())


@pytest.mark.e2e
def test_the_renderer_finds_a_sequence_diagrams_rows_of_participants():
    sequence, flowchart = _diagrams_in("s.md", ["sequenceDiagram\n    A->>B: ask\n    B-->>A: answer\n    A->>B: again\n",
                                                "graph TD\n    A --> B\n"])
    renderings, _ = render_diagrams([sequence, flowchart])
    drawn = renderings[sequence]
    answer_row = next(y for (x, y, w, h), word in zip(drawn.texts, _label_text(drawn.svg)) if word == "answer")
    assert 0 < drawn.header < answer_row < drawn.footer < drawn.height  # top row, messages, the row again
    assert renderings[flowchart].header == renderings[flowchart].footer == 0


@pytest.mark.e2e
def test_a_sequence_diagram_in_pieces_keeps_each_messages_arrow_with_its_words():
    """A message's words sit 20-40 px above its arrow: a piece cut, or shrunk, between the two
    showed the words and lost the arrow (the piece below began at its next words). A loop's title
    stays with the message it opens on."""
    lines = [f"    loop retry {i}\n    A->>B: request {i}\n    B->>B: check {i}\n    end\n    B-->>A: answer {i}"
             for i in range(14)]
    [diagram] = _diagrams_in("s.md", ["sequenceDiagram\n" + "\n".join(lines) + "\n"])
    [picture] = render_diagrams([diagram], RenderOptions(restack=False))[0].values()
    offer = Offer((Space(600, 500, largest=0.75),), (Space(600, 500, largest=0.75),), 7)
    pieces = place(picture, offer).shown
    assert len(pieces) >= 4
    windows = []  # each piece's window of the drawing, in the drawing's units (below the participants' row)
    for piece in pieces:
        found = [e for e in ElementTree.fromstring(piece.picture.svg).iter() if e.tag.endswith("}svg")]
        x, y, w, h = map(float, found[-1].get("viewBox").split())
        windows.append((y, y + h))
    messages, words, titles = [], [], []  # (top of the words, bottom of the arrow)
    for element in ElementTree.fromstring(picture.svg).iter():
        kind = (element.get("class") or "").split()
        if "labelText" in kind:
            titles.append(float(element.get("y")))
        elif "messageText" in kind:
            words.append(float(element.get("y")))
        elif "messageLine0" in kind or "messageLine1" in kind:
            ys = ([float(element.get("y1")), float(element.get("y2"))] if element.tag.endswith("}line") else
                  [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", element.get("d"))[1::2]])
            messages.append((min(words), max(ys)))
            words = []
    assert len(messages) == 42 and len({bottom for _, bottom in messages}) == 42
    for top, bottom in messages:
        holding = [(low, high) for low, high in windows if low <= top < high]
        assert holding and all(bottom + 4 <= high for _, high in holding), (top, bottom, windows)
    assert len(titles) == 14
    for title in titles:
        _, bottom = min((m for m in messages if m[0] > title), key=lambda m: m[0])  # the loop's first message
        holding = [(low, high) for low, high in windows if low <= title < high]
        assert holding and all(bottom + 4 <= high for _, high in holding), (title, bottom, windows)


@pytest.mark.e2e
def test_seven_participants_show_on_slides_in_one_column_of_pieces_each_message_whole():
    """Seven participants were too wide for a slide at 12 pt even closer together: the slides cut
    the diagram into two columns as well as rows, and a message between the columns lost one end
    of its arrow. In narrower boxes they fit its width."""
    names = ["Reader", "Browser", "Gateway", "Indexer", "Search Store", "Ranker", "Audit Log"]
    lines = [f"    participant {n.replace(' ', '')} as {n}" for n in names]
    for step in range(6):
        for a, b in zip(names, names[1:]):
            lines.append(f"    {a.replace(' ', '')}->>{b.replace(' ', '')}: pass request {step} on")
        lines.append(f"    {names[-1].replace(' ', '')}-->>{names[0].replace(' ', '')}: result {step} returned")
    [diagram] = _diagrams_in("s.md", ["sequenceDiagram\n" + "\n".join(lines) + "\n"])
    with DiagramStage(RenderOptions()) as stage:
        renderings, _ = stage.render([diagram])
        picture = stage.more_layouts(renderings, {diagram: "turned"})[diagram]
    slide = slide_offer(DeckOptions())
    placed = place(picture, slide, overview=True)
    assert placed.how == "pieces" and placed.grid[1] == 1, placed.grid  # rows only
    assert placed.text_pt >= slide.smallest_pt
    assert all(crowded_words(s.picture) == 0 for s in placed.shown)
    # The whole, as mermaid draws it, is cut into columns too: the narrower layout is what fits.
    assert place(renderings[diagram], slide, overview=True).grid[1] > 1


@pytest.mark.e2e
def test_a_wardley_map_draws_in_printbooks_font_and_fits_a_slide_whole_on_its_smaller_canvas():
    """A wardley map names no font: it drew in the browser's default serif (Liberation Serif in the
    PDF), at 10 px labels (11 px notes) on 900 x 600 px, which a slide showed in pieces."""
    source = ("wardley-beta\ntitle Tea Shop\nanchor Business [0.95, 0.63]\ncomponent Cup of Tea [0.79, 0.61]\n"
              "component Tea [0.63, 0.81]\ncomponent Hot Water [0.52, 0.80]\ncomponent Kettle [0.43, 0.35]\n"
              "Business -> Cup of Tea\nCup of Tea -> Tea\nCup of Tea -> Hot Water\nHot Water -> Kettle\n"
              'note "Kettles evolve" [0.30, 0.49]\n')
    written, smaller = _diagrams_in("w.md", [source, *compact(source)])
    renderings, _ = render_diagrams([written, smaller], RenderOptions(restack=False))
    for picture in renderings.values():
        fonts = {e.get("font-family") for e in ElementTree.fromstring(picture.svg).iter() if e.get("font-family")}
        assert fonts and all("Noto Sans" in font for font in fonts), fonts
    slide = slide_offer(DeckOptions())
    assert renderings[written].text_px >= 14  # (mermaid-config.json's sizes, from 10 and 12; its notes' from 11)
    assert slide.whole[0].text_pt(renderings[smaller]) >= slide.smallest_pt > slide.whole[0].text_pt(renderings[written])
    assert crowded_words(renderings[smaller]) == 0


@pytest.mark.e2e
def test_a_dark_highlighted_region_of_a_sequence_diagram_prints_as_a_light_tint_of_its_colour():
    """Dark text on the author's dark paint cannot be read on paper; a light region is kept as it is."""
    def fills(svg: str) -> list[tuple[int, ...]]:
        return [tuple(map(int, re.findall(r"\d+", e.get("fill")))) for e in ElementTree.fromstring(svg).iter()
                if e.tag.endswith("}rect") and e.get("class") == "rect"]

    dark, light = _diagrams_in("s.md", [
        "sequenceDiagram\n    rect rgb(20, 50, 25)\n        A->>B: ask\n    end\n",
        "sequenceDiagram\n    rect rgb(191, 223, 255)\n        A->>B: ask\n    end\n"])
    renderings, _ = render_diagrams([dark, light])
    [(r, g, b)] = fills(renderings[dark].svg)
    assert (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.7 and g > r and g > b  # light, still green
    assert fills(renderings[light].svg) == [(191, 223, 255)]


@pytest.mark.e2e
def test_a_label_unreadable_on_its_nodes_fill_is_written_in_a_colour_that_reads():
    """A fill chosen for a dark-mode viewer (classDef … fill:#333, no color) under printbook's
    light theme: dark words on dark paint. Light words on a light fill: the other way round."""
    [diagram] = _diagrams_in("f.md", ["flowchart LR\n    A[Night] --> B[Day] --> C[Plain]\n"
                                      "    classDef dark fill:#333\n    class A dark\n"
                                      "    style B fill:#ddf,color:#fff\n"])
    [picture] = render_diagrams([diagram])[0].values()

    def ink(label: str) -> tuple[int, ...]:
        root = ElementTree.fromstring(picture.svg)
        for node in root.iter("{http://www.w3.org/2000/svg}g"):
            if "node" in (node.get("class") or "").split() and label in "".join(node.itertext()):
                inks = [e.get("fill") for e in node.iter() if e.tag.rsplit("}", 1)[-1] in ("text", "tspan") and e.get("fill")]
                found = inks[-1] if inks else root.get("fill")
                return tuple(map(int, re.findall(r"\d+", found)))
        raise AssertionError(label)

    assert ink("Night") == (255, 255, 255)
    assert sum(ink("Day")) < 200 and sum(ink("Plain")) < 200  # the theme's dark


@pytest.mark.e2e
def test_a_gantt_chart_of_times_of_day_labels_its_axis_with_times_not_todays_date():
    times, own = _diagrams_in("g.md", [
        "gantt\n    dateFormat HH:mm\n    section Deploy\n    Build : 09:00, 20m\n    Ship : 09:20, 30m\n",
        "gantt\n    dateFormat HH:mm\n    axisFormat %Hh\n    section Deploy\n    Build : 09:00, 20m\n    Ship : 09:20, 30m\n"])
    renderings, _ = render_diagrams([times, own])
    ticks = [word for word in _label_text(renderings[times].svg) if re.fullmatch(r"\d\d:\d\d", word)]
    assert "09:30" in ticks and not re.search(r"\d{4}-\d\d-\d\d", renderings[times].svg)
    assert "09h" in _label_text(renderings[own].svg)  # the author's axisFormat stands


@pytest.mark.e2e
def test_an_element_mermaid_places_at_no_number_is_left_out(tmp_path):
    """An empty gantt chart's 'today' line is drawn at x="NaN": WeasyPrint wrote "nan" into the
    PDF, which PDF readers reject (pdftoppm: "Unknown operator 'nan'")."""
    from printbook import pdf
    from printbook.parse import parse_text
    book = parse_text("# T\n\n## S\n\n```mermaid\ngantt\n  tickInterval 1week\n  weekday monday\n```\n", "t.md")
    renderings, _ = render_diagrams(book.diagrams())
    [picture] = renderings.values()
    assert isinstance(picture, Picture) and "NaN" not in picture.svg
    pdf.write_pdf(book, renderings, tmp_path / "t.pdf")
    drawn = subprocess.run(["pdftoppm", "-r", "20", "-png", str(tmp_path / "t.pdf"), str(tmp_path / "p")],
                           capture_output=True, text=True)
    assert drawn.returncode == 0 and "nan" not in drawn.stderr


@pytest.mark.e2e
def test_a_timeline_of_times_of_day_is_drawn_with_its_times():
    """mermaid's timeline rejects a colon in a section's title or a period: the repair writes a
    lookalike, and the times print as written."""
    [day] = _diagrams_in("t.md", ["timeline\n    title A day on call\n    section 09:00-12:00 (morning)\n"
                                  "        10:30 : Standup : at 10:45\n    section Afternoon\n        14:00 : Review\n"])
    renderings, warnings = render_diagrams([day])
    assert isinstance(renderings[day], Picture)
    assert not [w for w in warnings if w.severity != "note"]
    words = " ".join(_label_text(renderings[day].svg)).replace("\ua789", ":")
    assert all(time in words for time in ("09:00-12:00", "10:30", "10:45", "14:00"))


@pytest.mark.e2e
def test_diagrams_with_entities_semicolons_half_two_way_arrows_and_link_labels_in_brackets_are_drawn():
    """A `;` ends a statement in a sequence diagram: `&lt;` or `42; // A` cut a line in two and the
    diagram was not drawn, nor was one with `<->>`; the repair writes mermaid's `#lt;`, `#59;` and
    `<<->>`, and a flowchart's `style` line becomes a comment. A link's label holding brackets
    (`-->|Return (if found)|`) is quoted."""
    [heaps, links] = _diagrams_in("s.md", [
        "sequenceDiagram\n    participant App\n    participant GC\n"
        "    Note over App,GC: Best for:<br/>- Small heaps (&lt;100MB)<br/>- Tom &amp; Jerry\n"
        "    App->>GC: pause &#x3C;1ms &#62; 0\n    GC->>GC: number = 42; // A\n    App<->>GC: both ways\n"
        "    style GC fill:#ff9800\n",
        "graph LR\n    App -->|Emit metrics (latency)| Agent\n    Cache -->|Return<br/>(if found)| App\n"])
    renderings, warnings = render_diagrams([heaps, links])
    assert all(isinstance(renderings[d], Picture) for d in (heaps, links))
    assert [w.code for w in warnings] == ["diagram.repaired"] * 7
    words = " ".join(_label_text(renderings[heaps].svg))
    assert all(text in words for text in ("(<100MB)", "Tom & Jerry", "pause <1ms > 0", "number = 42; // A")), words
    words = " ".join(_label_text(renderings[links].svg))
    assert "Emit metrics (latency)" in words and "(if found)" in words, words


@pytest.mark.e2e
def test_a_subgraph_titled_as_the_node_inside_it_is_drawn():
    """mermaid took `subgraph "Internet"` and the node `Internet[…]` inside it for one ('would
    create a cycle'): the repair gives the subgraph an id of its own."""
    [network] = _diagrams_in("n.md", ['graph TB\n    subgraph "Internet"\n        Internet[Public internet]\n    end\n'
                                      '    subgraph DMZ\n        FW[Firewall]\n    end\n    Internet --> FW\n'])
    renderings, _ = render_diagrams([network])
    assert isinstance(renderings[network], Picture)
    words = " ".join(_label_text(renderings[network].svg))
    assert all(label in words for label in ("Internet", "Public internet", "DMZ", "Firewall"))


@pytest.mark.e2e
def test_subgraph_titles_sit_in_the_top_left_corner_away_from_arriving_links():
    source = 'graph TD\n    A[Start] --> B\n    subgraph Build ["Build stage"]\n        B[Compile everything here] --> C[Test]\n    end\n'
    diagram = Diagram(source, Location("t.md", 1))
    renderings, _ = render_diagrams([diagram], RenderOptions(restack=False))
    svg = ElementTree.fromstring(renderings[diagram].svg)
    title = next(e for e in svg.iter() if e.tag.endswith("}text") and "Build stage" in "".join(e.itertext()))
    frame = max((e for e in svg.iter() if e.tag.endswith("}rect")), key=lambda e: float(e.get("width")) * float(e.get("height")))
    # The title is drawn from its left edge (start-anchored), moved by the translations it carries.
    left = sum(float(x) for x in re.findall(r"translate\(([-\d.]+)", title.get("transform"))) + float(title[0].get("x"))
    # 8 px inside the frame, not centred over it where the link arrives.
    assert left == pytest.approx(float(frame.get("x")) + 8, abs=1.5)


@pytest.mark.e2e
def test_svgs_keep_only_the_groups_and_definitions_that_draw_something():
    sources = ['graph TD\n    A[Start] -->|go| B\n    subgraph S ["Stage"]\n        B --> C((Done))\n    end\n',
               "sequenceDiagram\n    actor U as User\n    U->>+S: ask\n    S-->>-U: answer\n",
               "classDiagram\n    Animal <|-- Dog\n    Animal *-- Leg\n"]
    diagrams = _diagrams_in("g.md", sources)
    renderings, _ = render_diagrams(diagrams, RenderOptions(restack=False, cache_dir=None))
    for diagram in diagrams:
        svg = renderings[diagram].svg
        root = ElementTree.fromstring(svg)
        ids = {e.get("id") for e in root.iter()}
        referred = set(re.findall(r"url\(#([^)]+)\)", svg)) | {
            value[1:] for e in root.iter() for name, value in e.attrib.items() if name.endswith("href") and value.startswith("#")}
        assert referred <= ids, (diagram.source, referred - ids)  # nothing drawn points at a removed part
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("marker", "linearGradient", "radialGradient", "filter", "clipPath", "pattern", "symbol"):
                assert element.get("id") in referred, (diagram.source, tag)
            if tag == "g":
                assert len(element) or (element.text or "").strip(), diagram.source
        assert len(root.findall(".//{http://www.w3.org/2000/svg}g")) < len(list(root.iter())) / 3
        assert {"go", "ask", "Animal"} & set(_label_text(svg)), diagram.source  # labels still there


@pytest.mark.e2e
def test_diagrams_print_in_printbooks_font_and_light_theme_whatever_they_ask_for():
    """The generic fantasy and cursive families are whatever the machine has (Dingbats on Debian:
    labels as symbols); a dark theme prints dark boxes, which hid the labels on white paper."""
    plain = "graph LR\n    A[Client Application] --> B[Core Kernel]\n"
    asks = [f"%%{{init: {{'fontFamily': '{family}'}}}}%%\n" for family in ("Fantasy", "cursive")] + [
        "---\nconfig:\n  theme: dark\n---\n", "%%{init: {'theme': 'forest'}}%%\n"]
    diagrams = _diagrams_in("f.md", [ask + plain for ask in asks])
    own_colour = Diagram("%%{init: {'theme': 'dark', 'themeVariables': {'primaryColor': '#ff0000'}}}%%\n" + plain,
                         Location("f.md", 90))
    diagrams += [own_colour, Diagram(plain, Location("f.md", 100))]
    renderings, _ = render_diagrams(diagrams, RenderOptions(restack=False, cache_dir=None))
    assert 'fill="rgb(255, 0, 0)"' in renderings[own_colour].svg  # its own colours are kept
    diagrams.remove(own_colour)
    looks = lambda svg: sorted(re.findall(r'(?:fill|stroke)="([^"]*)"', svg))
    for diagram in diagrams[:-1]:
        svg = renderings[diagram].svg
        assert "Client Application" in " ".join(_label_text(svg)), diagram.source
        assert all(f.startswith("&quot;Noto Sans&quot;") for f in re.findall(r'font-family="([^"]*)"', svg)), diagram.source
        # Drawn and laid out as the same diagram asking for nothing.
        assert looks(svg) == looks(renderings[diagrams[-1]].svg), diagram.source
        assert abs(renderings[diagram].width - renderings[diagrams[-1]].width) <= 1, diagram.source

def _diagrams_in(file: str, sources: list[str]) -> list[Diagram]:
    """The sources as diagrams of `file`, ten lines apart."""
    return [Diagram(source, Location(file, 1 + 10 * i)) for i, source in enumerate(sources)]

def _label_text(svg: str) -> list[str]:
    """The words of every <text> element, in order: what a reader of the picture sees."""
    root = ElementTree.fromstring(svg)
    return " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("}text")).split()


@pytest.mark.e2e
def test_mmdc_renderer_draws_the_same_picture():
    sources = ['graph TD\n    A[Monomorphization] --> B["fn(A) -> B"]\n    B --> C{ok?}\n',
               "sequenceDiagram\n    Client->>Service: HTTPS request\n    Service-->>Client: 200 OK\n",
               'pie title Share\n    "High" : 3\n    "Low" : 5\n']
    diagrams = _diagrams_in("d.md", sources)
    browser, _ = render_diagrams(diagrams, RenderOptions(restack=False))
    mmdc, _ = render_diagrams(diagrams, RenderOptions(restack=False, renderer="mmdc"))
    for diagram in diagrams:
        ours, reference = browser[diagram], mmdc[diagram]
        assert (abs(ours.width - reference.width), abs(ours.height - reference.height)) <= (1, 1), diagram.source
        assert _label_text(ours.svg) == _label_text(reference.svg), diagram.source


@pytest.mark.e2e
def test_faster_mermaid_applies_to_the_pinned_mermaid_and_changes_no_picture():
    # Long labels wrap (their lines measured word by word), and the same words come again in other
    # fonts: bold, a class with a larger font, a subgraph title, an edge label, a state diagram.
    words = "Every replica acknowledges the write before the leader answers the client request"
    sources = [f'graph TD\n    A["{words}"] --> B["**{words}**"]\n    B -->|"{words}"| C["{words}"]\n'
               f'    classDef big font-size:22px\n    class C big\n    subgraph S["{words}"]\n    D["{words}"]\n    end\n',
               f'graph LR\n    A["{words}"] --> B["*{words}*"]\n',
               f'stateDiagram-v2\n    state "{words}" as Writing\n    [*] --> Writing: {words}\n',
               'graph TD\n    subgraph "Group"\n    A[Monomorphization] --> B["fn(A) -> B"]\n    end\n    B --> C{ok?}\n',
               "sequenceDiagram\n    Client->>Service: HTTPS request\n    Service-->>Client: 200 OK\n",
               'pie title Share\n    "High" : 3\n    "Low" : 5\n',
               "stateDiagram-v2\n    [*] --> Queued\n    Queued --> Running: start\n",
               "mindmap\n  root((Runbook))\n    Symptoms\n    Actions\n",
               '%%{init: {"theme": "dark", "flowchart": {"nodeSpacing": 80}}}%%\ngraph LR\n    A --> B\n']
    svgs = {}
    for patched in (True, False):
        renderer = MermaidRenderer(RenderOptions(patch_mermaid=patched))
        try:
            answers = renderer.ask([{"code": s} for s in sources])
            assert renderer.mermaid_patched is patched
        finally:
            renderer.close()
        assert all(a["ok"] for a in answers), [a.get("error") for a in answers]
        svgs[patched] = [a["svg"] for a in answers]
    assert svgs[True] == svgs[False]


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(c) for child in children for c in [int(child), *_descendants(int(child))]]


@pytest.mark.e2e
def test_renderer_restarts_chromium_that_died_and_loses_no_diagram():
    renderer = MermaidRenderer(RenderOptions())
    try:
        [first] = renderer.ask([{"code": "graph TD\n    A --> B\n"}])
        assert first["ok"]
        browsers = [p for p in _descendants(renderer.process.pid)
                    if "chromium" in Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
        assert browsers
        for pid in browsers:
            os.kill(pid, signal.SIGKILL)
        answers = renderer.ask([{"code": f"graph TD\n    A{i}[After the crash {i}] --> B\n"} for i in range(4)])
        assert [a["ok"] for a in answers] == [True] * 4
        assert ">After the crash 3<" in answers[3]["svg"].replace("</tspan>", "<")
    finally:
        renderer.close()


@pytest.mark.e2e
def test_a_process_forked_while_the_renderer_runs_leaves_it_free_to_finish():
    """The build forks (the front matter's process) after the renderer has started: the fork holds
    no copy of the renderer's input, so closing it there ends the renderer, which finishes of
    itself instead of waiting for more until it is killed."""
    import multiprocessing

    renderer = MermaidRenderer(RenderOptions())
    renderer.launch()
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,), daemon=True)
    child.start()
    try:
        [answer] = renderer.ask([{"code": "graph TD\n    A[Forked meanwhile] --> B\n"}])
        assert answer["ok"]
        process = renderer.process
        renderer.close()
        assert process.returncode == 0  # finished of itself (a killed one has -9)
    finally:
        child.kill()
        renderer.close(force=True)


@pytest.mark.e2e
def test_a_diagram_over_its_time_becomes_an_error_and_the_rest_render():
    slow = "graph TD\n" + "".join(f"    N{i}[Node {i}] --> N{i + 1}\n    N{i} --> N{i * 7 % 230}\n" for i in range(230))
    renderer = MermaidRenderer(RenderOptions(timeout_seconds=1.0))
    try:
        answers = renderer.ask([{"code": slow}, {"code": "graph TD\n    A --> B\n"}, {"code": "graph TD\n    C --> D\n"}])
        assert answers[0] == {**answers[0], "ok": False, "error": "render timed out after 1000 ms"}
        assert [a["ok"] for a in answers[1:]] == [True, True]
        [after] = renderer.ask([{"code": "graph TD\n    E --> F\n"}])
        assert after["ok"]
    finally:
        renderer.close()


@pytest.mark.e2e
def test_pie_slices_are_the_colours_of_their_legend_and_stay_apart_in_grey():
    pie = Diagram('pie title Share\n    "High" : 3\n    "Medium" : 4\n    "Low" : 5\n    "Lower" : 2\n', Location("d.md", 1))
    svg = render_diagrams([pie])[0][pie].svg
    tree = ElementTree.fromstring(svg)

    def hex_fill(element) -> str:
        return "".join(f"{int(n):02x}" for n in re.findall(r"\d+", element.get("fill")))

    slices = [hex_fill(e) for e in tree.iter() if e.get("class") == "pieCircle"]
    legend = [hex_fill(e) for g in tree.iter() if g.get("class") == "legend" for e in g if e.tag.endswith("rect")]
    assert len(slices) == 4 and sorted(slices) == sorted(legend)
    assert all(e.get("opacity") is None for e in tree.iter() if e.get("class") == "pieCircle")  # as solid as the swatches
    greys = sorted(0.2126 * int(c[0:2], 16) + 0.7152 * int(c[2:4], 16) + 0.0722 * int(c[4:6], 16) for c in slices)
    assert min(b - a for a, b in zip(greys, greys[1:])) > 25  # of 255: tellable apart on a grey printer


@pytest.mark.e2e
@pytest.mark.parametrize("css, classes, fills", [
    # A rule that selects by position or by sibling tells alike nodes apart: each node's look is
    # its own, not the first alike node's (printSafe reads a look once per kind of element only
    # under rules that cannot).
    (".node:first-child rect { fill: #ff0000; }", "", ["rgb(255, 0, 0)", "rgb(232, 238, 247)", "rgb(232, 238, 247)"]),
    (".node + .node rect { fill: #00ff00; }", "", ["rgb(232, 238, 247)", "rgb(0, 255, 0)", "rgb(0, 255, 0)"]),
    # A rule on the class attribute as a string sees a class no other rule names.
    ("[class*=hotx] rect { fill: #ff0000; }", "    class B hotxyz\n",
     ["rgb(232, 238, 247)", "rgb(255, 0, 0)", "rgb(232, 238, 247)"]),
    ("", "    classDef hot fill:#ff0000\n    class B hot\n", ["rgb(232, 238, 247)", "rgb(255, 0, 0)", "rgb(232, 238, 247)"]),
])
def test_alike_nodes_keep_their_own_look(css, classes, fills):
    directive = '%%{init: {"themeCSS": "' + css + '"}}%%\n' if css else ""
    source = directive + "graph TD\n    A[one] --> B[two]\n    B --> C[three]\n" + classes
    renderer = MermaidRenderer(RenderOptions(cache_dir=None))
    try:
        [answer] = renderer.ask([{"code": source}])
    finally:
        renderer.close()
    assert answer["ok"]
    assert re.findall(r'<rect[^>]*fill="([^"]+)"', answer["svg"]) == fills
