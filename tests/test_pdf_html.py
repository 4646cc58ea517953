"""The handbook's HTML before WeasyPrint: what a document's own Markdown and HTML become."""

from dataclasses import replace

from printbook.model import Picture
from printbook.parse import parse_text
from printbook.pdf import render_html

from conftest import PLACES

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
    assert "<p>Centred <strong>text</strong></p>" in html and "align=" not in html
    assert "&lt;span" not in html  # no tag shown as text
    assert "Vec&lt;T&gt; or Box&lt;dyn Trait&gt; in prose" in html  # Rust generics are not HTML





FOLDED = """# Guide

## Section 1: Basics

### Q1. When does an index hurt?

<details>
<summary>Answer</summary>

Every insert updates **each** index.
</details>

### Q2. What is a cache stampede?

<details>
  <summary><b>Show answer</b></summary>
  <p>Many clients <i>miss</i> at once &amp; all reach the database.</p>
  <ul><li>Take a lock<ul><li>per key</li></ul></li><li>Refresh early, <code>ttl &lt; 60</code></li></ul>
  <table><tr><th>Fix</th><th>Cost</th></tr><tr><td>Lock</td><td>latency</td></tr><tr><td>Run<pre>ls</pre>it</td></tr></table>
  <pre>
if miss:
    lock()
  </pre>
  <h3 align="center">Not a question</h3>
  <style>.x { color: red }</style><script>steal()</script><!-- a remark -->
  <svg><g><path d="M0 0"/><circle r="1"></circle></g><text>drawn words</text></svg><svg/>
  <p>After the drawing.</p>
</details>
"""


def test_a_block_of_html_keeps_its_paragraphs_lists_tables_and_code_and_nothing_else():
    book = parse_text(FOLDED, "guide.md")
    assert [q.title for c in book.chapters for q in c.questions] == ["When does an index hurt?", "What is a cache stampede?"]
    html = render_html(book, {})
    assert "<p><strong>Answer</strong></p>" in html and "<p>Every insert updates <strong>each</strong> index.</p>" in html
    assert "<p>Many clients <em>miss</em> at once &amp; all reach the database.</p>" in html
    assert "<li>Take a lock\n<ul>\n<li>per key</li>\n</ul>\n</li>\n<li>Refresh early, <code>ttl &lt; 60</code></li>" in html
    assert "<p><strong>Show answer</strong></p>" in html
    assert "<th>Fix</th>" in html and "<td>latency</td>" in html and "<td>Run ls it</td>" in html
    assert "<pre><code>if miss:\n    lock()\n</code></pre>" in html
    assert "<p><strong>Not a question</strong></p>" in html  # bold, but no heading of the book
    assert "color: red" not in html and "steal" not in html and "a remark" not in html and "align" not in html
    # An inline drawing's elements, self-closed or not, hide only what is inside it.
    assert "drawn words" not in html and "<p>After the drawing.</p>" in html


def test_an_inline_tag_left_open_is_closed_in_its_paragraph_and_a_stray_close_left_out():
    book = parse_text("# Guide\n\n## Section 1: Basics\n\n### Q1. Why?\n\nFirst <br><b>bold\n\nThen plain </b> text, "
                      "<i>a <b>b</i> c</b> d.\n", "guide.md")
    html = render_html(book, {})
    assert "<p>First <br><b>bold</b></p>" in html and "<p>Then plain  text, <i>a <b>b</b></i> c d.</p>" in html


def test_emoji_shortcodes_show_as_github_shows_them_but_not_in_code_or_inside_words():
    book = parse_text("# Guide\n\n## Section 1: Basics\n\n### Q1. Cache stampede :fire:\n\n"
                      "Done :white_check_mark: at 10:30:45, `:x:` in code, a:b: and :no_such_code: as written.\n\n"
                      "| Fix | Works |\n|---|---|\n| Lock | :+1: |\n\n<details><summary>Idea :bulb:</summary></details>\n",
                      "guide.md")
    assert book.questions[0].title == "Cache stampede \U0001F525"
    html = render_html(book, {})
    assert "Done \u2705 at 10:30:45, <code>:x:</code> in code, a:b: and :no_such_code: as written." in html
    assert "\U0001F44D" in html  # the table's cell
    assert "<p><strong>Idea \U0001F4A1</strong></p>" in html  # a block of HTML's


def test_only_a_question_whose_diagram_is_shown_in_parts_may_break_across_pages():
    book = parse_text(PLACES.replace("### How it started\n", "### How it started\n\nSome prose first.\n"), "guide.md")
    overview, numbered, unnumbered = book.diagrams()
    tall = Picture("<svg/>", 300, 5000)
    renderings = {overview: Picture("<svg/>", 400, 500), unnumbered: Picture("<svg/>", 400, 500),
                  numbered: replace(tall, parts=(Picture("<svg/>", 600, 1000), Picture("<svg/>", 600, 1000)))}
    html = render_html(book, renderings)
    assert html.count(' in-parts"') == 1  # Q1's; not the question with prose before its diagram
    assert html.count("<figcaption>Part 1 of 2</figcaption>") == 1


def test_the_cover_keeps_the_lines_under_the_title_and_names_no_interviewer_without_questions():
    plain = render_html(parse_text("# Field notes\n\nFirst line\nSecond line\n\n## Basics\n\nWords.\n", "notes.md"), {})
    assert "First line<br" in plain and "interviewer" not in plain.lower()
    interview = render_html(parse_text(PLACES, "guide.md"), {})
    assert "Interviewer handbook" in interview


def test_a_book_without_probabilities_shows_no_column_or_chart_of_them_and_a_section_says_its_own_text_first():
    unranked = render_html(parse_text("# Guide\n\n## Legend\n\n- Blue: must know\n\n### Q1. First?\n\nYes.\n\n"
                                      "### Q2. Second?\n\nNo.\n", "guide.md"), {})
    assert "Prob.</th>" not in unranked and 'class="bands"' not in unranked and "band-none" not in unranked
    assert "Every question, in the document&#39;s order." in unranked
    assert unranked.index("Blue: must know") < unranked.index('class="opener"') < unranked.index("glance-table", unranked.index('class="opener"'))
    ranked = render_html(parse_text(DOCUMENT, "guide.md"), {})
    assert "Prob.</th>" in ranked and 'class="bands"' in ranked and "most likely first" in ranked


LINKED = """# Guide

## 📋 Contents
1. [Caching](#caching)
2. [Pods & Nodes](#-pods--nodes)
3. [The second overview](#overview-1)
4. [Stampedes](#q2-stampede-protection)
5. [Gone](#no-such-heading) and [Mermaid](https://mermaid.js.org)

## Caching

### Overview

## ☸️ Pods & Nodes

### Overview

### Q2: Stampede protection

See [the start](#caching) and [the MkDocs way](#pods-nodes).
"""


def test_a_documents_links_to_its_own_headings_go_to_them_in_the_handbook():
    book = parse_text(LINKED, "guide.md")
    html = render_html(book, {})
    link = '<a href="#{}">{}</a>'.format
    for anchor, words in (("ch-2", "Caching"), ("ch-3", "Pods &amp; Nodes"), ("q-2", "The second overview"),
                          ("q-3", "Stampedes"), ("ch-2", "the start"), ("ch-3", "the MkDocs way")):
        assert link(anchor, words) in html and f'id="{anchor}"' in html
    assert "no-such-heading" not in html and "<a>Gone</a>" in html  # the words stay, without a dead link
    assert 'href="https://mermaid.js.org"' in html


def test_a_numbered_list_goes_on_with_its_own_numbers_after_what_came_between_its_items():
    # `2.` after a code block or diagram that was not indented into step 1 starts a list of its
    # own; WeasyPrint reads no `start`, and printed it as 1.
    book = parse_text("# Guide\n\n## Steps\n\n1. One\n\n```sh\nmake\n```\n\n2. Two\n3. Three\n", "guide.md")
    html = render_html(book, {})
    assert '<ol style="counter-reset: list-item 1" start="2">' in html or '<ol start="2" style="counter-reset: list-item 1">' in html
    assert html.count("counter-reset: list-item") == 1  # (the list that starts at 1 as it is)


def test_a_link_to_a_definition_written_elsewhere_in_the_document_is_a_link():
    # Each block is rendered alone, and documents define their links once, at the end.
    book = parse_text('# Guide\n\n## Links\n\nSee [the guide][Guide], [Spec] and [not defined][none].\n\n'
                      '## Sources\n\n[guide]: https://example.com/guide "The \\"best\\" guide"\n'
                      '[SPEC]: <https://example.com/a spec>\n', "guide.md")
    html = render_html(book, {})
    assert '<a href="https://example.com/guide" title="The &quot;best&quot; guide">the guide</a>' in html
    assert '<a href="https://example.com/a%20spec">Spec</a>' in html
    assert "[not defined][none]" in html  # as written, as any Markdown renderer leaves it


def test_a_task_list_prints_boxes_in_place_of_its_bullets():
    html = render_html(parse_text("# Guide\n\n## Checks\n\n- [x] Done\n- [ ] To do\n- [] not one\n", "guide.md"), {})
    assert '<li class="task">\u2611 Done</li>' in html and '<li class="task">\u2610 To do</li>' in html
    assert "<li>[] not one</li>" in html


def test_an_alert_prints_its_kind_in_its_colour_in_place_of_githubs_marker():
    html = render_html(parse_text("# Guide\n\n## Notes\n\n> [!caution]\n> Deletes the data.\n", "guide.md"), {})
    assert '<blockquote class="alert alert-caution">\n<p><strong>Caution</strong>: Deletes the data.</p>' in html


def test_a_footnote_is_floated_to_the_foot_of_its_page_once_per_question():
    book = parse_text("# Guide\n\n## Caching\n\n### Q1. Why?\n\nNear[^cdn], fast[^cdn].\n\n| Layer |\n|---|\n| Edge[^cdn] |\n\n"
                      "### Q2. Again?\n\nStill[^cdn].\n\n[^cdn]: A *content* delivery network.\n", "guide.md")
    html = render_html(book, {})
    note = '<span class="footnote" data-n="1">A <em>content</em> delivery network.</span>'
    assert html.count(note) == 2  # once in each question
    assert html.count('<sup class="footnote-again">1</sup>') == 2  # its second mention, and the table's


def test_a_footnote_named_only_by_another_note_follows_it_at_the_foot_of_the_page():
    html = render_html(parse_text("# G\n\n## C\n\nA term[^a].\n\n[^a]: See also[^b].\n[^b]: The other note.\n", "g.md"), {})
    assert ('<span class="footnote" data-n="1">See also<sup class="footnote-again">2</sup>.</span>'
            '<span class="footnote footnote-named-by-note" data-n="2">The other note.</span>') in html
