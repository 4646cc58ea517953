"""A chapter's prose as slides: what slide_text reads out of Markdown, and the deck it makes."""

from pptx import Presentation

from printbook.pipeline import build
from printbook.model import Location, Prose
from printbook.slide_text import Code, Points, contents, joined, lead_in

from conftest import decks_of, png, slide_title


def read(markdown: str):
    return contents(Prose(markdown, Location("doc.md", 1)))


def test_paragraphs_and_lists_become_points_at_their_depth_and_code_stays_code():
    found = read("Intro with **bold** and `code` and [a link](https://example.com).\n\n"
                 "- first\n  - nested\n- second\n\n#### Steps\n\n1. one\n2. two\n\n"
                 "```rust\nfn main() {\n\tprintln!(\"hi\");\n}\n```\n")
    assert found == [Points("", ((0, "Intro with bold and code and a link."), (0, "first"), (1, "nested"), (0, "second"))),
                     Points("Steps", ((0, "one"), (0, "two"))),
                     Code("Steps", ("fn main() {", '    println!("hi");', "}"))]


def test_a_block_of_html_gives_its_points_code_and_table_rows_and_no_script():
    found = read("<details>\n<summary>Answer</summary>\n<p>Many <b>clients</b> miss.</p>\n"
                 "<ul><li>Lock<ul><li>per key</li></ul></li></ul>\n"
                 "<table><tr><th>Fix</th><th>Cost</th></tr><tr><td>Lock</td><td>latency</td></tr></table>\n"
                 "<pre>\nlock()\n</pre>\n<script>steal()</script>\n</details>\n")
    assert found == [Points("", ((0, "Answer"), (0, "Many clients miss."), (0, "Lock"), (1, "per key"),
                                 (0, "Fix · Cost"), (0, "Lock · latency"))),
                     Code("", ("lock()",))]


def test_points_of_blocks_that_follow_each_other_share_a_list():
    assert joined([*read("Key points:"), *read("- one\n- two")]) == [Points("", ((0, "Key points:"), (0, "one"), (0, "two")))]


def test_a_short_line_ending_in_a_colon_titles_the_code_it_introduces_and_a_longer_one_stays_a_point():
    assert joined(read("Why it matters.\n\n**Run this:**\n\n```sh\nls\n```\n")) == [
        Points("", ((0, "Why it matters."),)), Code("Run this", ("ls",))]
    sentence = "As the schedule runs, these fields of the description fill in, one by one:"
    assert joined(read(f"{sentence}\n\n```sh\nls\n```\n")) == [Points("", ((0, sentence),)), Code("", ("ls",))]
    assert lead_in(read("- first:\n  - nested:")) == (read("- first:\n  - nested:"), "")  # a list's, not a lead-in
    assert lead_in(read("**:**")) == (read("**:**"), "")
    # A heading between them: the line does not introduce the code, which keeps its heading's title.
    assert joined(read("Example:\n\n#### Install\n\n```sh\nls\n```\n")) == [
        Points("", ((0, "Example:"),)), Code("Install", ("ls",))]


def test_a_line_introducing_a_table_or_diagram_titles_its_slide_instead_of_a_slide_alone(tmp_path):
    document = tmp_path / "notes.md"
    document.write_text("# Field notes\n\n## Section 1: Basics\n\n### Docker and Kubernetes\n\nBoth run containers.\n\n"
                        "**Key Differences:**\n| Feature | Docker | Kubernetes |\n|---|---|---|\n"
                        "| Scope | one host | a cluster |\n\nThe flow of a request:\n\n"
                        "```mermaid\ngraph LR\n    Client --> Service\n```\n")
    [deck_path] = decks_of(build(document, tmp_path / "out"))
    slides = [(slide_title(s.shapes.title.text), [shape for shape in s.shapes if shape != s.shapes.title])
              for s in Presentation(deck_path).slides]
    texts = {title: " ".join(shape.text_frame.text for shape in shapes if shape.has_text_frame) for title, shapes in slides}
    assert "Both run containers." in texts["Docker and Kubernetes"]
    assert "Key Differences" not in texts["Docker and Kubernetes"]
    [table] = [shape.table for title, shapes in slides if title == "Key Differences" for shape in shapes if shape.has_table]
    assert [c.text for c in table.rows[1].cells] == ["Scope", "one host", "a cluster"]
    assert any(shape.shape_type == 13 for title, shapes in slides if title == "The flow of a request" for shape in shapes)
    assert not any("The flow of a request" in text for text in texts.values())


def test_no_table_column_is_narrower_than_its_longest_word_where_the_slide_is_wide_enough(tmp_path):
    """A comparison table's first column holds short names beside long sentences: sharing the width
    by length alone left "Networking" cut in two by the viewer (LibreOffice)."""
    import subprocess

    long = "a sophisticated model with services, ingress and network policies for traffic across the cluster, " * 2
    rows = "".join(f"| {name} | {long} | {long} |\n" for name in ("Networking", "Observability", "Scheduling"))
    document = tmp_path / "notes.md"
    document.write_text(f"# Notes\n\n## Section 1: Basics\n\n| Feature | Docker | Kubernetes |\n|---|---|---|\n{rows}")
    [deck_path] = decks_of(build(document, tmp_path / "out"))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck_path)],
                   check=True, capture_output=True, timeout=240)
    text = subprocess.run(["pdftotext", str(tmp_path / f"{deck_path.stem}.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout.split()
    assert {"Networking", "Observability", "Scheduling"} <= set(text)
    assert "sophisticated" in text  # the long cells still wrap at word boundaries


def test_a_table_of_long_identifiers_keeps_its_headers_words_whole_and_each_row_its_own_height(tmp_path):
    """Identifiers too long for every column to hold left every column to share the width by
    length: "Sinc" over "e" in the header; and every row was as tall as the tallest."""
    from printbook import deck, resources

    rows = ("| worker_threads | number of worker threads in the runtime pool for blocking and async work | number of cores "
            "| set by env RUNTIME_WORKERS too | 0.1 | no | none |\n"
            "| max_blocking_threads | upper bound for threads used for blocking operations spawned via spawn_blocking "
            "| 512 | blocking threads are spawned on demand | 0.2 | no | none |\n")
    document = tmp_path / "kit.md"
    document.write_text("# Kit\n\n## Section 1: One\n\n| Option | Meaning | Default | Notes | Since | Deprecated | "
                        f"Alternative |\n|---|---|---|---|---|---|---|\n{rows}")
    [deck_path] = decks_of(build(document, tmp_path / "out"))
    [table] = [shape.table for slide in Presentation(deck_path).slides for shape in slide.shapes if shape.has_table]
    font = resources.font(deck.SMALLEST_OTHER_PT)
    for column, header in zip(table.columns, ("Option", "Meaning", "Default", "Notes", "Since", "Deprecated", "Alternative")):
        assert column.width >= font.getlength(header) / deck.WIDER_FONT_ROOM * deck.EMU_PER_PT
    heights = [row.height for row in table.rows]
    assert heights[0] < min(heights[1:])  # the header's one line, the rows' several


def test_a_plain_document_makes_slides_of_its_points_tables_and_code_and_none_empty(tmp_path):
    document = tmp_path / "notes.md"
    long_list = "\n".join(f"- point number {i} about something a trainer would say out loud" for i in range(30))
    (tmp_path / "map.png").write_bytes(png(40, 20, (200, 30, 30)))
    (tmp_path.parent / "secret.png").write_bytes(png(40, 20, (0, 0, 0)))
    document.write_text("# Field notes\n\n## Section 1: Basics\n\nWhy this matters.\n\n" + long_list + "\n\n"
                        "![Cluster map](map.png)\n\n![Not ours](../secret.png)\n\n"
                        "### Nothing under this heading\n\n### Commands\n\n```sh\nkubectl get pods\nkubectl logs web\n```\n\n"
                        "| Name | Meaning |\n|---|---|\n| Pod | the smallest unit |\n| Node | a machine |\n")
    report = build(document, tmp_path / "out")
    [deck_path] = decks_of(report)
    deck = Presentation(deck_path)
    titles = [slide_title(s.shapes.title.text) for s in deck.slides]
    assert titles[0] == "Section 1: Basics" and "Nothing under this heading" not in titles
    points = [s for s in deck.slides if slide_title(s.shapes.title.text) == "Basics"]
    assert len(points) >= 2  # 31 points do not fit one slide at 18 pt
    said = "\n".join(shape.text_frame.text for s in points for shape in s.shapes if shape.has_text_frame)
    assert "Why this matters." in said and all(f"point number {i} " in said for i in range(30))
    commands = [s for s in deck.slides if s.shapes.title.text == "Commands"]
    code = [shape for s in commands for shape in s.shapes if shape.has_text_frame and "kubectl get pods" in shape.text_frame.text]
    assert code and all(run.font.name == "Consolas" for p in code[0].text_frame.paragraphs for run in p.runs)
    [table] = [shape.table for s in commands for shape in s.shapes if shape.has_table]
    assert [[c.text for c in row.cells] for row in table.rows] == [["Name", "Meaning"], ["Pod", "the smallest unit"],
                                                                   ["Node", "a machine"]]
    [picture] = [shape for s in deck.slides if s.shapes.title.text == "Cluster map" for shape in s.shapes
                 if shape.shape_type == 13]
    assert picture.image.blob == (tmp_path / "map.png").read_bytes()
    assert "Not ours" not in titles  # outside the document's folder: never read
    assert deck.core_properties.title == "Section 1: Basics: Field notes"
    assert deck.core_properties.created.year >= 2026


def test_a_table_cell_is_its_plain_words():
    from printbook.slide_text import plain_inline

    assert plain_inline('<span style="color: #FF6B6B">get</span> `kubectl get pods` **now**') == "get kubectl get pods now"


def test_a_task_list_shows_its_boxes_ticked_or_not():
    found = contents(Prose("- [x] Read the requirements\n- [ ] Draw the design\n  - [X] nested\n- [link](#x) [ ] not a task\n",
                           Location("t.md", 1)))
    assert found == [Points("", ((0, "\u2611 Read the requirements"), (0, "\u2610 Draw the design"), (1, "\u2611 nested"),
                                 (0, "link [ ] not a task")))]


def test_an_alert_says_its_kind_in_place_of_githubs_marker():
    found = contents(Prose("> [!WARNING]  \n> Not yet generally available.\n\n> [!NOTE] not alone on its line\n",
                           Location("t.md", 1)))
    assert found == [Points("", ((0, "Warning: Not yet generally available."), (0, "[!NOTE] not alone on its line")))]


def test_a_footnote_shows_as_its_number_raised():
    found = contents(Prose("A CDN[^1] is near[^12].\n", Location("t.md", 1)))
    assert found == [Points("", ((0, "A CDN\u00b9 is near\u00b9\u00b2."),))]


def test_a_heading_titles_the_slides_of_the_prose_after_it(tmp_path):
    """The parse makes a block of each `####` heading: its title was lost to the blocks after it."""
    document = tmp_path / "kit.md"
    document.write_text("# Kit\n\n## Section 1: One\n\nWhat this is.\n\n#### Steps\n\n- one\n- two\n\n"
                        "### Q1. Why?\n\nBecause.\n")
    titled = {slide.shapes.title.text: [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
              for deck_path in decks_of(build(document, tmp_path / "out"))
              for slide in Presentation(deck_path).slides if slide.shapes.title is not None}
    assert any("one\ntwo" in text for text in titled["Steps"]) and any("What this is." in t for t in titled["One"])
