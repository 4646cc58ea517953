from pathlib import Path

import pytest

from printbook.model import Diagram, Location, PrintbookError, Prose, Table
from printbook.pipeline import slugify
from printbook.parse import parse_file, parse_text

DOC = """# T01: Example Questions

> A quote under the title

## Metadata

| Attribute | Value |
|-----------|-------|
| Role Level | Senior |

## Section 1: Basics (Q1-Q2)

### Q1. What is a thing?
**Probability**: 72

```mermaid
graph TD
    A --> B
```

---

### Q2. Why (really)?
**Probability**: 150

Some prose.

## Summary

| Section | Avg |
|---------|-----|
| Basics | 72 |
"""


def test_reads_title_metadata_sections_questions():
    book = parse_text(DOC, "doc.md")
    assert book.title == "T01: Example Questions"
    assert book.metadata == (("Role Level", "Senior"),)
    assert [c.title for c in book.chapters] == ["Metadata", "Basics", "Summary"]
    section = book.chapters[1]
    assert (section.section_number, section.question_range) == (1, "Q1-Q2")
    assert book.sections == (section,)
    q1, q2 = section.questions
    assert (q1.number, q1.title, q1.probability) == (1, "What is a thing?", 72)
    assert q2.title == "Why (really)?"
    assert isinstance(book.intro[0], Prose)


def test_every_block_keeps_its_file_and_line():
    book = parse_text(DOC, "doc.md")
    diagram = book.diagrams()[0]
    assert isinstance(diagram, Diagram)
    assert (diagram.location.file, diagram.location.line) == ("doc.md", 16)
    assert diagram.source == "graph TD\n    A --> B\n"
    assert diagram.source_location(2).line == 18
    assert isinstance(book.chapters[2].blocks[0], Table)


def test_out_of_range_probability_is_a_located_warning():
    book = parse_text(DOC, "doc.md")
    assert book.chapters[1].questions[1].probability is None
    [warning] = book.diagnostics
    assert str(warning).startswith("doc.md:24:1: warning: probability '150'")


def test_prose_keeps_its_markdown():
    book = parse_text(DOC, "doc.md")
    blocks = book.chapters[1].questions[1].blocks
    assert [b.markdown for b in blocks if isinstance(b, Prose)] == ["Some prose."]


def test_document_without_question_headings_still_has_chapters():
    book = parse_text("# Notes\n\n## Alpha\n\ntext\n\n### Detail\n\nmore\n\n## Beta\n\n```mermaid\npie\n\"a\": 1\n```\n", "n.md")
    assert [c.title for c in book.chapters] == ["Alpha", "Beta"]
    assert book.sections == book.chapters  # no "Section N" chapters: every chapter gets a deck
    assert book.chapters[0].questions[0].number is None
    assert book.chapters[0].questions[0].label == "Detail"
    assert len(book.diagrams()) == 1


@pytest.mark.parametrize("heading, number, title", [
    ("Q7. Why?", 7, "Why?"), ("Q7: Why?", 7, "Why?"), ("Q 7 - Why?", 7, "Why?"),
    ("Question 7: Why?", 7, "Why?"), ("question 7) Why?", 7, "Why?"),
    ("Quality gates", None, "Quality gates"), ("Q&A", None, "Q&A"), ("Questions to ask first", None, "Questions to ask first"),
])
def test_a_question_heading_is_numbered_as_its_author_wrote_it(heading, number, title):
    question = parse_text(f"# Guide\n\n## One\n\n### {heading}\n\ntext\n", "g.md").chapters[0].questions[0]
    assert (question.number, question.title) == (number, title)


@pytest.mark.parametrize("content, problem", [
    (None, "no such file"),
    (b"", "is empty"),
    (b"   \n\n", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    (b"just a paragraph\n\nand another\n", "has no headings"),
    (b"# Title\n\xff\xfe broken", "not UTF-8"),
])
def test_unpublishable_input_is_one_located_error(tmp_path: Path, content, problem):
    path = tmp_path / "doc.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PrintbookError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:") and ": error: " in message
    assert problem in message
    assert "\n" not in message


def test_front_matter_is_about_the_document_not_in_it():
    text = ('---\ntitle: "Platform Guide"\nauthor: Ana\ntags:\n  - sre\n---\n\n## Section 1: One\n\n### Q1. Why?\n'
            '**Probability**: 50\n')
    book = parse_text(text, "guide.md")
    assert book.title == "Platform Guide"
    assert ("Author", "Ana") in book.metadata and not any(k == "Tags" for k, _ in book.metadata)
    assert book.chapters[0].title == "One" and book.chapters[0].location.line == 8  # lines keep their numbers


def test_a_diagrams_type_is_read_past_its_front_matter_and_directives():
    source = '---\ntitle: "Flow"\nconfig:\n  theme: base\n---\n%% a comment\n%%{\n  init: {"theme": "dark"}\n}%%\nflowchart LR\n  A --> B\n'
    diagram = Diagram(source, Location("d.md", 1))
    assert diagram.kind == "flowchart" and diagram.header_index == 9


def test_headings_are_titled_by_their_words_without_markdown():
    book = parse_text("# **Guide**\n\n## 🎯 **Overview**\n\n### Q1. What does `Arc<T>` add to Vec<T>? *Briefly*\n\n"
                      "Text.\n\n### [Q2. Linked](https://example.org)\n\nText.\n", "doc.md")
    assert book.title == "Guide"
    assert [c.title for c in book.chapters] == ["🎯 Overview"]
    # Code keeps its words, and what reads as an HTML tag in a title is kept as written.
    assert [(q.number, q.title) for q in book.questions] == [(1, "What does Arc<T> add to Vec<T>? Briefly"),
                                                             (2, "Linked")]


def test_a_chapter_that_only_lists_the_documents_headings_is_left_out_with_a_note():
    book = parse_text("# Guide\n\n## 📋 Table of Contents\n\n1. [Caching](#caching)\n2. **[Pods & Nodes](#pods--nodes)**\n"
                      "   - [Scheduling](#scheduling)\n\n## Caching\n\ntext\n\n## Links\n\n- [Docs](https://example.org)\n"
                      "- [Caching](#caching)\n\n## Pods & Nodes\n\n- [Caching](#caching)\n\nSee above.\n", "g.md")
    assert [c.title for c in book.chapters] == ["Caching", "Links", "Pods & Nodes"]  # lists with more stay
    [note] = [d for d in book.diagnostics if d.code == "structure.contents"]
    assert (note.severity, note.location.line) == ("note", 3) and "Table of Contents" in note.message


def test_a_document_that_lists_its_questions_at_level_two_has_them_as_questions():
    book = parse_text("# SRE\n\nintro\n\n## Q1. What is an SLO?\n**Probability**: 80\n\n### Follow-ups\n\n- budgets\n\n"
                      "## Q2: What is toil?\n\ntext\n\n## Glossary\n\nwords\n", "s.md")
    assert [(q.number, q.title, q.probability) for q in book.questions] == [(1, "What is an SLO?", 80), (2, "What is toil?", None)]
    assert [c.title for c in book.chapters] == ["SRE", "Glossary"]  # the questions under the book's title
    assert any("### Follow-ups" in b.markdown for b in book.questions[0].blocks)  # a heading inside its question
    # One `## Q1` over a document's own `###` sections stays a chapter, as do `## Q…` beside `### Q…` questions.
    single = parse_text("# Pay\n\n## Q1: Design payments\n\n### The brief\n\ntext\n", "p.md")
    assert [c.title for c in single.chapters] == ["Q1: Design payments"] and single.questions == ()


STEPS = """# Guide

## Caching

1. **Look in the cache.**

   On a miss:

   ```mermaid
   flowchart LR
     A[Client] --> B{Hit?}
   ```

   Then take the lock, and only one caller reads the database.

       let step = indented_code_of_the_step();

2. **Invalidate.**

> A quoted diagram:
>
> ```mermaid
> pie title Share
>   "a" : 1
> ```
"""


def test_a_diagram_inside_a_list_item_or_quote_is_drawn_and_the_text_around_it_kept():
    book = parse_text(STEPS, "steps.md")
    blocks = book.chapters[0].blocks
    assert [type(b).__name__ for b in blocks] == ["Prose", "Diagram", "Prose", "Prose", "Diagram"]
    first, flowchart, after, quote, pie = blocks
    assert first.markdown.strip().endswith("On a miss:") and "```" not in first.markdown
    assert flowchart.source == "flowchart LR\n  A[Client] --> B{Hit?}\n" and flowchart.location.line == 9
    # The step's text after its diagram, out of the item's indent: a paragraph, not a code block
    # (what its author indented further is code, as it was in the step); the next step keeps its number.
    assert after.markdown.splitlines()[1] == "Then take the lock, and only one caller reads the database."
    assert "\n    let step = indented_code_of_the_step();" in after.markdown
    assert "\n2. **Invalidate.**" in after.markdown and after.location.line == 14
    assert quote.markdown.strip() == "> A quoted diagram:\n>" and pie.source.startswith("pie title Share")


def test_a_myst_mermaid_directive_is_a_diagram():
    [diagram] = parse_text("# Guide\n\n## One\n\n```{mermaid}\ngraph TD\n  A --> B\n```\n", "guide.md").diagrams()
    assert diagram.source == "graph TD\n  A --> B\n"


def test_numbered_headings_that_ask_are_numbered_questions_and_a_guides_are_not():
    asking = parse_text("# Prep\n\n## Basics\n\n### 1. What is a pod?\n\nText.\n\n### 2. Explain the scheduler\n\n"
                        "### 3) Design a rollout\n\n## Tips\n\n### Read the question\n", "prep.md")
    assert [(q.number, q.title) for c in asking.chapters for q in c.questions] == [
        (1, "What is a pod?"), (2, "Explain the scheduler"), (3, "Design a rollout"), (None, "Read the question")]
    # Listed at level 2, with no `###` question: one chapter of questions, not a chapter (and a deck) each.
    listed = parse_text("# Prep\n\n## 1. What is a pod?\n\n### Answer\n\nText.\n\n## 2. Why use a Deployment?\n", "prep.md")
    assert [(q.number, q.title) for c in listed.chapters for q in c.questions] == [
        (1, "What is a pod?"), (2, "Why use a Deployment?")]
    guide = parse_text("# Guide\n\n## Parts\n\n### 1. Overall Architecture\n\n### 2. Theme Variables\n\n"
                       "### 3. How it is built\n", "guide.md")
    assert [(q.number, q.title) for c in guide.chapters for q in c.questions] == [
        (None, "1. Overall Architecture"), (None, "2. Theme Variables"), (None, "3. How it is built")]


def test_footnotes_are_taken_out_of_the_text_and_numbered_as_they_are_first_referred_to():
    from printbook.footnotes import taken_out

    text = ("# Title[^a]\n\nText[^b] and `[^a]` and [^none] and[^a][^b].\n\n```\n[^a]: code, not a note\n```\n\n"
            "[^a]: Note **A**,\n  on two lines.\n\n    A second paragraph.\n[^b]: Note B\n[^unused]: never referred to\n\nAfter.\n")
    found, notes = taken_out(text)
    assert found.count("\n") == text.count("\n")  # every line keeps its number
    assert found.startswith("# Title\n\nText[^1] and `[^a]` and [^none] and[^2][^1].\n")
    assert "[^a]: code, not a note" in found and "Note" not in found and found.endswith("\nAfter.\n")
    assert notes == {1: "Note B", 2: "Note **A**, on two lines. A second paragraph."}
    assert taken_out("No notes [^x] here.\n") == ("No notes [^x] here.\n", {})


def test_a_document_keeps_its_footnotes_by_number():
    book = parse_text("# Guide\n\n## Caching\n\nA CDN[^cdn].\n\n[^cdn]: A content delivery network.\n", "guide.md")
    assert book.footnotes == ((1, "A content delivery network."),)
    [prose] = book.chapters[0].blocks
    assert prose.markdown == "A CDN[^1]."


def test_the_notes_a_text_refers_to_include_those_its_notes_refer_to():
    from printbook.footnotes import referred

    notes = {1: "x[^2]", 2: "y[^1]", 3: "z", 4: "never referred to"}
    assert referred(["a[^1] b[^3] c[^9]"], notes) == [1, 3, 2]  # (a cycle ends; an unknown number is none)


def test_questions_that_all_come_under_a_chapter_about_the_document_make_a_chapter_titled_questions():
    legend = ("# Kit\n\n## Overview\n\nWhat this is.\n\n## Difficulty Legend\n\n- 🔵 Must-know\n- 🔴 Advanced\n\n"
              "### Q1: 🔵 Design a chat service\n\nText.\n\n### Q2: 🔴 Design a bank\n\nText.\n")
    book = parse_text(legend, "kit.md")
    assert [(c.title, len(c.questions)) for c in book.chapters] == [("Overview", 0), ("Questions", 2)]
    heading, listed = book.chapters[1].blocks
    assert heading == Prose("#### Difficulty Legend", Location("kit.md", 7)) and "Must-know" in listed.markdown
    [note] = [d for d in book.diagnostics if d.code == "structure.introduction"]
    assert note.location == Location("kit.md", 7) and "'Difficulty Legend'" in note.message
    # Not a topic's chapter, not where another chapter holds questions too, not a chapter of no text.
    for other in (legend.replace("Difficulty Legend", "Chat Systems"),
                  legend.replace("What this is.", "What this is.\n\n### Q0. Why?\n\nBecause."),
                  legend.replace("- 🔵 Must-know\n- 🔴 Advanced\n\n", "")):
        assert "Questions" not in [c.title for c in parse_text(other, "kit.md").chapters]


FOLDED = """# Exercises

## Orchestration

#### Basics

<details>
<summary>What does a <code>scheduler</code> decide?</summary><br><b>

Where each workload runs.
</b></details>

<details>

<summary>True or False? A workload stays on its first machine<br><img src="machines.png"/></summary><br><b>

False.
</b></details>

### Networking

<details><summary>Which address stays the same?</summary><br><b>A service's.</b></details>
"""


def test_questions_folded_as_github_shows_them_are_numbered_questions_under_their_headings():
    book = parse_text(FOLDED, "ex.md")
    assert [(c.title, [(q.number, q.title) for q in c.questions]) for c in book.chapters] == [
        ("Orchestration", []),
        ("Basics", [(1, "What does a scheduler decide?"), (2, "True or False? A workload stays on its first machine")]),
        ("Networking", [(3, "Which address stays the same?")])]
    first, second, third = book.questions
    assert first.location == Location("ex.md", 7) and "Where each workload runs." in first.blocks[0].markdown
    assert second.blocks[0].markdown == '<img src="machines.png"/>'  # the picture its summary shows
    assert third.blocks[0].markdown.startswith("<br><b>A service's.</b>")  # its answer in the same block
    # A seed-like document whose answers are folded ("Answer") keeps its headings as its questions.
    answers = "## Section 1: One\n\n" + "".join(f"### Q{n}. Why {n}?\n\n<details>\n<summary>Answer</summary>\n\n"
                                               "Because.\n</details>\n\n" for n in range(1, 5))
    assert [q.title for q in parse_text(answers, "kit.md").questions] == ["Why 1?", "Why 2?", "Why 3?", "Why 4?"]
    # So does one that folds three follow-up questions under each of its own.
    follow_ups = "## Section 1: One\n\n" + "".join(
        f"### Q{n}. Design cache {n}\n\n" + "".join(f"<details>\n<summary>What if {k}?</summary>\n\nThen.\n</details>\n\n"
                                                    for k in range(3)) for n in range(1, 3))
    assert [q.title for q in parse_text(follow_ups, "kit.md").questions] == ["Design cache 1", "Design cache 2"]


def test_a_table_of_contents_before_the_first_chapter_is_left_out_with_a_note():
    document = ("# Kit\n\nWhat is your goal?\n\n* Prepare for the exam\n  * See [the guide](guide.md)\n\n"
                "- [Kit](#kit)\n  - [Basics](#basics)\n    - [Pods](#pods)\n\n## Basics\n\n### Q1. Why?\n\nBecause.\n")
    book = parse_text(document, "kit.md")
    assert [block.markdown.strip() for block in book.intro] == ["What is your goal?", "* Prepare for the exam\n  * See [the guide](guide.md)"]
    [note] = [d for d in book.diagnostics if d.code == "structure.contents"]
    assert note.location == Location("kit.md", 8)


BOLD = """# Kit

## Basics

How to read this list.

**Q1.** What is a *pod*?

A group of containers.

**Q2. Why `requests` and limits?**
Because the scheduler reads them.

**Question 3:** Explain eviction

**Q5. Why is a wrapped question
one question?**
Because its bold runs on.

**Q6.**
What if the number stands alone
and its question wraps?

The answer.

### Networking

**Q4**: Which address stays? (easy)

The service's.

**Q1.1.1**: a requirement's number, no question

> **Q9.** quoted, no question
"""


def test_questions_asked_in_paragraphs_that_open_in_bold_are_the_books_questions():
    book = parse_text(BOLD, "kit.md")
    assert [(c.title, [(q.number, q.title) for q in c.questions]) for c in book.chapters] == [
        ("Basics", [(1, "What is a pod?"), (2, "Why requests and limits?"), (3, "Explain eviction"),
                    (5, "Why is a wrapped question one question?"), (6, "What if the number stands alone and its question wraps?")]),
        ("Networking", [(4, "Which address stays? (easy)")])]
    first, second, third, wrapped, alone, fourth = book.questions
    assert book.chapters[0].blocks[0].markdown == "How to read this list."
    assert first.location == Location("kit.md", 7) and first.blocks[0].markdown == "A group of containers."
    assert second.blocks[0].markdown == "Because the scheduler reads them."  # on the question's next line
    assert second.blocks[0].location == Location("kit.md", 12) and third.blocks == ()
    assert [(b.markdown, b.location.line) for b in wrapped.blocks] == [("Because its bold runs on.", 18)]
    assert [b.markdown for b in alone.blocks] == ["The answer."]
    assert [b.markdown for b in fourth.blocks] == ["The service's.", "**Q1.1.1**: a requirement's number, no question",
                                                   "> **Q9.** quoted, no question"]
    # A tutorial whose `###` topics end in a short quiz keeps its headings as they were.
    tutorial = "# Guide\n\n## Part\n\n" + "".join(f"### Topic {n}\n\nText.\n\n" for n in range(3)) + BOLD.split("## Basics")[1]
    assert [q.title for c in parse_text(tutorial, "guide.md").chapters for q in c.questions] == [
        "Topic 0", "Topic 1", "Topic 2", "Networking"]


LISTED = """# Kit

## Basics

1. **What is a *pod*?**
   A group of containers.

   ```mermaid
   graph TD
   A-->B
   ```

   More words.
2. **How does a mutex differ from a semaphore?** A mutex is owned
   by one holder.
3. **Explain `requests`** (easy)

   Because the scheduler reads them.

### Networking

- **Which address stays the same when
  pods come and go?**
  The service's.
- **How is a name found?**

Not questions:

1. **Caching**: use it
2. **Queues**: too
"""


def test_questions_asked_in_a_list_in_bold_are_the_books_questions():
    book = parse_text(LISTED, "kit.md")
    assert [(c.title, [(q.number, q.title) for q in c.questions]) for c in book.chapters] == [
        ("Basics", [(1, "What is a pod?"), (2, "How does a mutex differ from a semaphore?"), (3, "Explain requests (easy)")]),
        ("Networking", [(4, "Which address stays the same when pods come and go?"), (5, "How is a name found?")])]
    pod, mutex, requests, address, name = book.questions
    assert [(type(b).__name__, b.location.line) for b in pod.blocks] == [("Prose", 6), ("Diagram", 8), ("Prose", 13)]
    assert pod.blocks[1].source == "graph TD\nA-->B\n" and pod.blocks[2].markdown.strip() == "More words."
    assert mutex.blocks[0].markdown == "A mutex is owned\nby one holder."  # the answer after the question, one paragraph
    assert requests.blocks[0].markdown.strip() == "Because the scheduler reads them."
    assert address.blocks[0].markdown.strip() == "The service's." and address.blocks[0].location.line == 24
    assert [b.markdown.strip() for b in name.blocks] == ["Not questions:", "1. **Caching**: use it\n2. **Queues**: too"]
    # A list of questions left unanswered (revision questions), or one whose items do not all ask, stays a list.
    for kept in ("1. **What is a pod?**\n2. **What is a node?**\n3. **What is a service?**\n",
                 "1. **What is a pod?** A group.\n2. **What is a node?** A machine.\n3. **Caching** is fast.\n"):
        book = parse_text("# Kit\n\n## Basics\n\n" + kept, "kit.md")
        assert book.questions == () and book.chapters[0].blocks[0].markdown == kept.rstrip("\n")


def test_the_words_after_a_question_in_bold_begin_its_answer_unless_they_are_a_remark():
    book = parse_text("# K\n\n## A\n\n**Q1. Why?** Because it is\nso.\n\n**Q2. What now?** (easy)\n\n**Q3.** Third?\n", "k.md")
    assert [(q.number, q.title, [(b.markdown, b.location.line) for b in q.blocks]) for q in book.questions] == [
        (1, "Why?", [("Because it is\nso.", 5)]), (2, "What now? (easy)", []), (3, "Third?", [])]


NUMBER_ONLY = """# Practice Set

## Caching

### Question 1

What is a cache stampede, and how do you prevent it?

Coalesce the requests.

### Q2:
**How would you purge a CDN after a deploy?** Version the assets
and purge the pages.

### Question 3
[MEDIUM]

A cluster runs three replicas on three nodes, and one node fails with a replica on it. Once the failure is noticed, what happens to the replicas, and how long does it take? Walk through the controller's loop.

- A. Nothing
- B. A new replica elsewhere

## Short answers

### Question 4
**[Exam, July 2024]** | 3 marks
**Q: Define "idempotent" and give two examples.**

Doing it twice changes nothing.

### 5.

```mermaid
graph TD
A-->B
```

What does it show?

### Step 6

Not a question's number.
"""


def test_a_heading_with_only_a_questions_number_is_titled_by_the_paragraph_that_asks():
    book = parse_text(NUMBER_ONLY, "set.md")
    assert [(c.title, [(q.number, q.title) for q in c.questions]) for c in book.chapters] == [
        ("Caching", [(1, "What is a cache stampede, and how do you prevent it?"),
                     (2, "How would you purge a CDN after a deploy?"),
                     (3, "Once the failure is noticed, what happens to the replicas, and how long does it take?")]),
        ("Short answers", [(4, 'Define "idempotent" and give two examples.'), (None, "5."), (None, "Step 6")])]
    first, second, third, fourth, fifth, sixth = [q for c in book.chapters for q in c.questions]
    assert [(b.markdown, b.location.line) for b in first.blocks] == [("Coalesce the requests.", 9)]
    assert [b.markdown for b in second.blocks] == ["Version the assets and purge the pages."]  # the answer's start
    # A long paragraph (a scenario, then what it asks) stays in the answer, after a remark alone.
    assert [b.markdown.split("\n")[0][:20] for b in third.blocks] == ["[MEDIUM]", "A cluster runs three", "- A. Nothing"]
    assert [b.markdown for b in fourth.blocks] == ["**[Exam, July 2024]** | 3 marks", "Doing it twice changes nothing."]
    # A heading followed by no paragraph keeps its words, as before; so does one that is not a number.
    assert isinstance(fifth.blocks[0], Diagram) and sixth.blocks[0].markdown == "Not a question's number."
    # A paragraph of no words (an empty link, found by the property tests) titles nothing.
    empty = parse_text("# Set\n\n## A\n\n### Q0\n[]()\n", "set.md")
    assert [(q.number, q.title) for c in empty.chapters for q in c.questions] == [(None, "Q0")]
    # Questions written `## Question 1` in a document with no `###` are questions too.
    level_two = parse_text("# Set\n\n## Question 1\n\nWhat is a pod?\n\n## Question 2\n\nWhat is a node?\n", "set.md")
    assert [(q.number, q.title) for q in level_two.questions] == [(1, "What is a pod?"), (2, "What is a node?")]


def test_a_fence_left_above_a_diagrams_fence_is_said_where_and_the_diagram_drawn():
    book = parse_text("# T\n\n## A\n\nText.\n\n```\n```mermaid\ngraph TD\nA-->B\n```\n\nAfter.\n", "t.md")
    (found,) = book.diagnostics
    assert (str(found.location), found.severity, found.code) == ("t.md:8:1", "note", "input.nested-fence")
    assert "remove it" in found.hint
    (diagram,) = book.diagrams()
    assert diagram.source == "graph TD\nA-->B\n" and str(diagram.source_location(1, 1)) == "t.md:9:1"
    assert [type(b).__name__ for b in book.chapters[0].blocks] == ["Prose", "Diagram", "Prose"]
    # A block that shows how to write one is code, as written.
    for showing in ("````markdown\n```mermaid\ngraph TD\n```\n````\n", "````\n```mermaid\ngraph TD\n```\n````\n",
                    "```text\n```mermaid\n```\n"):
        shown = parse_text("# T\n\n## A\n\n" + showing, "t.md")
        assert shown.diagnostics == () and list(shown.diagrams()) == []


def test_a_heading_that_recurs_under_every_question_is_a_part_of_each():
    """A `### How to explain it` after each `### Question N: …`, at the questions' own level: it
    was an unnumbered question of its own, fifty times in the contents, each question's notes
    area before it."""
    questions = "".join(f"### Question {n}: What is thing {n}?\n\nIt is {n}.\n\n### How to Explain in Interview\n\n"
                        f"Say {n}.\n\n" for n in range(1, 5))
    book = parse_text("# Guide\n\n## Section 1: Things\n\n" + questions + "### What is left over?\n\nThis.\n", "g.md")
    assert [(q.number, q.title) for q in book.chapters[0].questions] == [
        *((n, f"What is thing {n}?") for n in range(1, 5)), (None, "What is left over?")]  # (once: still a heading)
    first = book.questions[0]
    assert [b.markdown for b in first.blocks] == ["It is 1.", "### How to Explain in Interview", "Say 1."]
    assert first.blocks[1].location.line == 9


def test_a_document_of_several_sections_without_a_title_is_titled_by_its_file_name():
    sections = "## Basics (Questions 1-2)\n\n### Q1. Why?\n\nBecause.\n\n## Joins (Questions 3-4)\n\n### Q3. How?\n\nSo.\n"
    assert parse_text(sections, "/docs/sql_answers_1_50.md").title == "Sql answers 1–50"  # not its first section's
    assert slugify("Sql answers 1–50") == "sql-answers-1-50"  # (its PDF's name: the dash keeps 1 and 50 apart)
    assert parse_text(sections, "top-10-questions.md").title == "Top 10 questions"
    assert parse_text("## Basics\n\n### Q1. Why?\n\nBecause.\n", "x.md").title == "Basics"  # one chapter: its title
    assert parse_text("# Guide\n\n" + sections, "sql_answers_1_50.md").title == "Guide"


def test_questions_labelled_but_not_numbered_are_numbered_in_order():
    """`## Q: "How do you test HTTP handlers?"`: each was a chapter of its own, titled with its
    label and quotes, and the book had no questions."""
    text = ('# Testing in Go\n\n## Q: "How do you write unit tests in Go?"\n\nWith go test.\n\n'
            '## Q: “What is table-driven testing?”\n\nA loop over cases.\n\n## Question: Why mock?\n\nSpeed.\n')
    book = parse_text(text, "t.md")
    assert [(q.number, q.title) for q in book.questions] == [
        (1, "How do you write unit tests in Go?"), (2, "What is table-driven testing?"), (3, "Why mock?")]
    assert [b.markdown for b in book.questions[1].blocks] == ["A loop over cases."]
    # After numbered questions, numbered on from the last; one label alone is no way of asking.
    more = parse_text("# Go\n\n## 61. What is a goroutine?\n\nA thread.\n\n## 62. What is a channel?\n\nA pipe.\n\n"
                      '## Q: "What if it is full?"\n\nIt blocks.\n\n## Q: What if it is closed?\n\nIt panics.\n', "g.md")
    assert [q.number for q in more.questions] == [61, 62, 63, 64]
    alone = parse_text("# Guide\n\n## Setup\n\nText.\n\n## Q: why?\n\nBecause.\n", "g.md")
    assert not alone.questions and [c.title for c in alone.chapters] == ["Setup", "Q: why?"]
