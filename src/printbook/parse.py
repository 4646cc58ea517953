"""Stage 1: Markdown source -> Book.

markdown-it-py splits the text into blocks, each with its source lines (`token.map`); this module
sorts them into chapters and questions. Prose keeps its original Markdown so later stages render
it their own way, and every block keeps its file:line.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from . import footnotes
from .markdown_rules import ANY_TAG, IMG_TAG, emoji_shortcodes, math_inline, with_emoji
from .model import (Block, Book, Chapter, Diagnostic, Diagram, Location, PrintbookError, Prose, Question, Table,
                    fragment_key, heading_slug)
from .slide_text import plain, plain_inline

SECTION_HEADING = re.compile(r"^Section\s+(\d{1,9})\s*[:.\-–—]\s*(.+?)(?:\s*\((Q\d+\s*[-–—]\s*Q?\d+)\))?\s*$", re.I)
# `### Q12. …` as the seed writes it; `Q12: …`, `Q 12 - …` and `Question 12: …` as others do.
QUESTION_HEADING = re.compile(r"^(?:Q|Question) ?(\d{1,9}) ?[.:)\-–—]\s*(.+)$", re.I)
# `### 12. What is a pod?`: a numbered question, where the document's numbered headings ask
# (ASKS); a guide's `### 1. Overall Architecture` stays a heading.
NUMBERED_HEADING = re.compile(r"^(\d{1,9})[.)]\s+(.+)$")
# `## Q: "How do you test HTTP handlers?"`: a question labelled but not numbered (numbered in order).
LABELLED_HEADING = re.compile(r"^(?:Q|Question)\s*[:.\-–—]\s*(.+)$", re.I)
# `### Question 1`, `### Q3:`, `### 5.`: a question heading with only its number, the question
# asked in the paragraph below it (quizzes, exam banks, course questions).
NUMBER_ONLY_HEADING = re.compile(r"^(?:(?:Q|Question|Problem|Exercise) ?#?(\d{1,9}) ?[.:)\-–—]?|#?(\d{1,9})[.)])\s*$", re.I)
# What may stand between such a heading and its question: a remark alone (`[MEDIUM]`, `(5 marks)`).
REMARK_ONLY = re.compile(r"^\s*(\*\*|__)?[\[(][^\])\n]{1,40}[\])]\1?\s*$")
# A label the question's words may follow: `**Question:** …`, `Q: …`, `**Q: … ?**`.
QUESTION_LABEL = re.compile(r"^(\*\*|__)?\s*(?:Q|Question)\s*[:.]\s*(\*\*|__)?\s*", re.I)
# A heading at the questions' level that recurs word for word this often is a part of each question.
RECURRING = 3
SHORT_QUESTION = 200  # the most characters a paragraph below a number-only heading is taken whole as its title
ASKS = re.compile(r"^(what|why|how|when|where|which|who|explain|describe|design|compare|contrast|implement|"
                  r"discuss|walk|tell|define|differentiate|can|could|is|are|do|does|did|should|would|will|list|"
                  r"give|write|name|outline|build|debug|troubleshoot|diagnose)\b", re.I)
# A question folded as GitHub shows it: `<details><summary>What is a Pod?</summary>` and its answer.
# (A blank line may part the two: `<details>` is then a block of its own, and the summary's begins.)
FOLDED_QUESTION = re.compile(r"^\s*(?:<details\b[^>]*>\s*)?<summary\b[^>]*>(.*?)(?:</summary>|$)", re.I | re.S)
# A question asked in a paragraph that opens in bold, its answer below: `**Q3.** What is a pod?`,
# `**Q3. What is a pod?**`, `**Q3**: …` or `**Question 3:** …` (quizzes and lists of questions written without
# headings), wrapped or not. `**Q1.1.1**: …` (a requirement's number) is none.
BOLD_QUESTION = re.compile(r"^(\*\*|__)\s*(?:Q|Question) ?(\d{1,9})(?: ?[.:)\-–—])?(?=\s|\1)\s*"
                           r"(?:\1\s*[.:\-–—]?\s*(\S.*?)|(\S.*?)\s*\1(.*?))\s*$", re.I)
PROBABILITY = re.compile(r"^\*\*Probability\*\*\s*:\s*(\S+)\s*$", re.I)
METADATA_TITLE = "metadata"
# Titles of a chapter about the document itself, not a topic of its questions.
INTRODUCING = re.compile(r"^(?:overview|introduction|intro|preface|about(?: this (?:guide|document|handbook))?|"
                         r"how to use(?: this (?:guide|document|handbook))?|(?:difficulty )?legend|difficulty(?: levels?)?|"
                         r"key|conventions|instructions|notes|(?:table of )?contents)$", re.I)
# A list item that is one link to a heading of the document: `1. [Caching](#caching)`, `- **[Pods](#pods)**`.
CONTENTS_LINE = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(\*\*|__)?\[[^\]]*\]\(#[^)\s]*\)\1?\s*$")

# Beyond these, typesetting would take minutes (measured: a 2 MB paragraph 34 s, 5,000 chapters
# 290 s and 3.4 GB): what is over a limit is refused or left out with a located message, so that
# no document hangs a build. Ten times the user's document (1,000 questions) is well inside them.
MAX_DOCUMENT_BYTES = 20_000_000
MAX_CHAPTERS = 500
MAX_QUESTIONS = 3_000
MAX_BLOCK_CHARACTERS = 200_000
MAX_TABLE_ROWS = 10_000


def read_source(path: Path) -> str:
    """The document's text, or a PrintbookError that names the file and what is wrong with it."""
    where = Location(str(path), 1)
    if not path.exists():
        raise PrintbookError(Diagnostic("error", where, "no such file", "check the path", "input.unreadable"))
    if path.is_dir():
        raise PrintbookError(Diagnostic("error", where, "is a folder, not a Markdown file", code="input.unreadable"))
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise PrintbookError(Diagnostic("error", where, f"is {size:,} bytes, over printbook's limit of "
                                        f"{MAX_DOCUMENT_BYTES:,}", "split it into several documents", "input.too-large"))
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise PrintbookError(Diagnostic("error", where, "is a binary file, not Markdown text",
                                        code="input.unreadable"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PrintbookError(Diagnostic("error", Location(str(path), line), "is not UTF-8 text",
                                        "save the file as UTF-8", "input.encoding")) from None
    if not text.strip():
        raise PrintbookError(Diagnostic("error", where, "is empty", code="input.empty"))
    return text


LABEL = re.compile(r"\[([^\[\]]+)\]")


def _definitions_used(markdown: str, references: dict[str, dict]) -> str:
    """The document's link definitions (`[label]: address`) that the block's `[text][label]` and
    `[label]` links name, to go with it: each block is rendered alone, and a definition is
    usually written once, at the end of the document."""
    used = dict.fromkeys(normalizeReference(label) for label in LABEL.findall(markdown)) if references else {}
    lines = [f"[{label}]: <{found['href']}>" + (' "' + found["title"].replace("\\", "\\\\").replace('"', '\\"') + '"'
                                                 if found["title"] else "")
             for label in used if (found := references.get(label))]
    return "\n\n" + "\n".join(lines) if lines else ""


def _lists_headings(lines: list[str]) -> bool:
    """Whether `lines` are a table of contents: two or more, each one link to a heading of the
    document (blank lines aside)."""
    found = [line for line in lines if line.strip()]
    return len(found) >= 2 and all(CONTENTS_LINE.match(line) for line in found)


def _summary_text(html: str) -> str:
    """A `<summary>`'s words, without their tags, in one line (GitHub's emoji shortcodes as emoji)."""
    return with_emoji(" ".join(unescape(ANY_TAG.sub(" ", html)).split()))


QUESTION_LINES = 3  # the most a question in bold is taken to wrap over


def _opening(pattern: re.Pattern, lines: list[str]) -> tuple[re.Match, int] | None:
    """`pattern`'s match of the fewest first `lines` that it matches (a question in bold may wrap
    over up to QUESTION_LINES), and how many they are."""
    for count in range(1, min(len(lines), QUESTION_LINES) + 1):
        if found := pattern.match(" ".join(lines[:count])):
            return found, count
    return None


def _bold_question(paragraph: Token, inline: Token) -> tuple[int, str, str, int] | None:
    """The number and title of a question a top-level paragraph asks in bold (BOLD_QUESTION), the
    words after it on its last line that begin the answer (`**Q1. Why?** Because …`), and how many
    of its lines ask it (a question in bold may wrap, or follow its number's line)."""
    if paragraph.type != "paragraph_open" or paragraph.level != 0:
        return None
    lines = inline.content.split("\n")
    if not (opening := _opening(BOLD_QUESTION, lines)):
        return None
    found, count = opening
    if found.group(3) is None:  # the question in bold, and what follows it
        return int(found.group(2)), *_title_and_lead(found.group(4), found.group(5)), count
    title = found.group(3)
    # A question after its number in bold, wrapped: up to the line that ends it with "?".
    end = next((end for end in range(count + 1, min(len(lines), QUESTION_LINES) + 1)
                if lines[end - 1].rstrip().endswith("?")), None)
    if not title.rstrip().endswith(("?", ".", "!", ":")) and end:
        title, count = " ".join([title, *lines[count:end]]), end
    return int(found.group(2)), plain_inline(title), "", count


# A list item that asks in bold, its answer below in the item (`1. **What is a pod?**`) or after
# it (`1. **What is a pod?** A group of containers …`).
LIST_MARKER = re.compile(r"^( *(?:\d{1,9}[.)]|[-*+]))( *)")
BOLD_LEAD = re.compile(r"^(\*\*|__)(?!\s)(.+?)\1(.*)$")


def _title_and_lead(asked: str, after: str) -> tuple[str, str]:
    """A question's title in bold, as plain words, and the words after the bold that begin its
    answer: none unless it ends in "?", and a remark in brackets, as "(easy)", is the title's."""
    after = after.strip()
    if asked.rstrip().endswith("?") and after and not re.fullmatch(r"\(.*\)|\[.*\]", after):
        return plain_inline(asked), after
    return plain_inline(f"{asked} {after}"), ""


def _listed_question(item: Token, inline: Token) -> tuple[str, int, str] | None:
    """The title of a question a list item asks in bold at its start, ending in "?" (or, alone on
    its line, starting "What", "Explain" …), how many of the item's lines ask it, and the words
    after it that begin the answer; None for another item."""
    if item.type != "list_item_open" or inline.type != "inline":
        return None
    if not (opening := _opening(BOLD_LEAD, inline.content.split("\n"))):
        return None
    found, count = opening
    title, lead = _title_and_lead(found.group(2), found.group(3))
    asks = title.endswith("?") or not lead and (ASKS.match(title) or QUESTION_HEADING.match(title))
    return (title, count, lead) if asks else None


def _number_only(heading: str) -> int | None:
    """The number of a question heading that holds only it (NUMBER_ONLY_HEADING), else None."""
    found = NUMBER_ONLY_HEADING.match(heading)
    return int(found.group(1) or found.group(2)) if found else None


def _without_label(text: str) -> str:
    """`text` without a QUESTION_LABEL before its words (a bold the label opened stays open)."""
    found = QUESTION_LABEL.match(text)
    if not found:
        return text
    return ("" if found.group(2) or not found.group(1) else found.group(1)) + text[found.end():]


def _asking_sentence(words: str, longest: int = 150) -> str:
    """A title for a question asked in a long paragraph (a scenario, then what it asks): its first
    sentence that asks, else its first, cut at a word to `longest` characters."""
    sentences = re.split(r"(?<=[.?!])\s+", words.strip())
    title = next((s for s in sentences if s.endswith("?") and len(s) <= 2 * longest), sentences[0])
    if len(title) > longest:
        title = title[:longest].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return title


# A code block whose first line opens a diagram with the block's own fence: a ``` line was left
# above the ```mermaid one, and the block closes where the diagram does. (A ````markdown block
# showing how to write one is not this.)
NESTED_DIAGRAM = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*\{?mermaid\}?[ \t]*(?:\n|$)", re.I)


def _unquoted(text: str) -> str:
    """`text` without the quotation marks around the whole of it."""
    text = text.strip()
    for opening, closing in ('""', "''", "\u201c\u201d", "\u2018\u2019"):
        if len(text) >= 2 and text[0] == opening and text[-1] == closing:
            return text[1:-1].strip()
    return text


def _title_from_file_name(filename: str) -> str:
    """A title made of a file's name: `system_design_answers_1_50.md` is "System design answers 1–50"."""
    words = re.sub(r"(?<=\d)_(?=\d)", "\u2013", Path(filename).stem)  # (a date's hyphens stay)
    words = " ".join(re.sub(r"_+|(?<!\d)-+|-+(?!\d)", " ", words).split())
    return words[:1].upper() + words[1:] if words else Path(filename).name


def _is_diagram(token: Token) -> bool:
    """A ```mermaid block (or MyST's ```{mermaid}, in documents written for Sphinx)."""
    return token.type == "fence" and token.info.strip().lower().split(" ")[:1] in (["mermaid"], ["{mermaid}"])


def _too_many(what: str, limit: int, location: Location) -> PrintbookError:
    return PrintbookError(Diagnostic("error", location, f"more than {limit:,} {what}: over printbook's limit for one "
                                     "handbook", "split the document into several", "input.too-large"))


def parse_file(path: Path) -> Book:
    return parse_text(read_source(path), str(path))


def parse_text(text: str, filename: str) -> Book:
    return _BookReader(text, filename).read()


FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _without_front_matter(text: str) -> tuple[str, dict[str, str]]:
    """YAML front matter (Jekyll, Hugo, Obsidian) is about the document, not in it: its lines are
    blanked, so every line keeps its number, and its plain `key: value` lines are returned."""
    match = FRONT_MATTER.match(text)
    if not match:
        return text, {}
    fields = {}
    for line in (match.group(1) or "").splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key[0].isspace() and value.strip():
            fields[key.strip().lower()] = value.strip().strip("'\"")
    return "\n" * match.group(0).count("\n") + text[match.end():], fields


class _BookReader:
    """Walks markdown-it's top-level blocks once, filing each under the current chapter/question."""

    def __init__(self, text: str, filename: str):
        text, self.front_matter = _without_front_matter(text)
        text, self.footnotes = footnotes.taken_out(text)
        self.lines = text.splitlines()
        self.filename = filename
        found: dict = {}
        reader = MarkdownIt("commonmark").enable("table").enable("strikethrough")
        reader.core.ruler.push("emoji_shortcodes", emoji_shortcodes)  # in titles and table cells too
        reader.inline.ruler.before("escape", "math_inline", math_inline)  # (a title's math as its text: plain)
        self.tokens = reader.parse(text, found)
        self.references: dict[str, dict] = found.get("references", {})
        # Each level's heading titles as plain words, read once for the questions' shape below.
        self.headings: dict[int, list[str]] = {level: [] for level in range(1, 7)}
        for token, inline in zip(self.tokens, self.tokens[1:]):
            if token.type == "heading_open":
                self.headings[int(token.tag[1])].append(plain(inline, tags=True))
        self.question_level = self._question_level()
        self.numbered_questions = bool(self._numbered_headings(self.question_level))
        self.recurring = self._recurring_headings()
        self.labelled_questions = self._labelled_questions()
        self.folded_questions = self._folded_questions()
        self.bold_questions = {} if self.folded_questions else self._bold_questions()
        self.question_lists = {} if self.folded_questions or self.bold_questions else self._question_lists()
        self.title: str | None = None
        self.title_location = Location(filename, 1)
        self.intro: list[Block] = []
        self.metadata: list[tuple[str, str]] = [(k.capitalize(), v) for k, v in self.front_matter.items() if k != "title"]
        self.metadata_table_read = False
        self.chapters: list[dict] = []
        self.question: dict | None = None
        self.untitled: int | None = None  # the number of a question whose heading had only that (NUMBER_ONLY_HEADING)
        self.diagnostics: list[Diagnostic] = []
        self.questions_seen = 0
        self.slugs_seen: dict[str, int] = {}
        self.fragments: dict[str, tuple[str, Location]] = {}

    def read(self) -> Book:
        index = 0
        while index < len(self.tokens):
            index = self._take(index)
        if not self.title and not self.chapters:
            raise PrintbookError(Diagnostic(
                "error", Location(self.filename, 1), "has no headings, so there is nothing to publish",
                "start the document with '# Title' and give it '## …' chapters", "input.no-headings"))
        self._questions_out_of_introduction()
        self._intro_without_contents()
        chapters = tuple(self._freeze_chapter(c) for c in self.chapters if not self._only_contents(c))
        # Without a title of its own, a document of one chapter is titled by it; one of several
        # sections by its file's name (its first section's title named the whole book).
        title = (self.title or self.front_matter.get("title")
                 or (len(chapters) == 1 and chapters[0].title) or _title_from_file_name(self.filename))
        return Book(title=title, source=self.filename, location=self.title_location,
                    intro=tuple(self.intro), metadata=tuple(self.metadata), chapters=chapters,
                    diagnostics=tuple(self.diagnostics),
                    fragments=tuple((key, *target) for key, target in self.fragments.items()),
                    footnotes=tuple(self.footnotes.items()))

    # -- one top-level block -------------------------------------------------------------------

    def _take(self, index: int) -> int:
        token = self.tokens[index]
        location = self._location(token)
        if token.type == "heading_open":
            # A heading's words without their Markdown: "## 🎯 **Overview**" is titled "🎯 Overview"
            # in the contents, bookmarks, running heads and slides alike.
            self._heading(int(token.tag[1]), plain(self.tokens[index + 1], tags=True), location)
            return index + 3
        if token.type == "hr":
            return index + 1  # `---` separates questions; the layout separates them itself
        if self.folded_questions and token.type == "html_block" and (folded := FOLDED_QUESTION.match(token.content)):
            # Numbered in the document's order, as a list of questions is.
            self._open_question(_summary_text(folded.group(1)) or "(a question without words)", location,
                                self.questions_seen + 1)
            # The pictures the summary shows ("place the parts in the drawing"), then an answer in
            # the same block of HTML.
            if pictures := IMG_TAG.findall(folded.group(1)):
                self._add(Prose(" ".join(pictures), location))
            rest = token.content[folded.end():].strip()
            if ANY_TAG.sub("", rest).strip() or IMG_TAG.search(rest):
                self._add(Prose(rest, location))
            return index + 1
        if _is_diagram(token):
            self._add(Diagram(token.content, location))
            return index + 1
        if (token.type == "fence" and not token.info.strip() and (nested := NESTED_DIAGRAM.match(token.content))
                and nested.group(1) == token.markup):
            # A ``` line left above a ```mermaid one opens a code block of its own, which holds the
            # diagram as text (GitHub shows it so): the diagram is drawn, and the line said where.
            inner = Location(self.filename, location.line + 1, 1)
            self.diagnostics.append(Diagnostic(
                "note", inner, f"drew the diagram of a {nested.group(1)}mermaid fence inside a code block",
                f"the {token.markup} line above it opens a code block of its own: remove it (printbook lint --fix does)",
                "input.nested-fence"))
            self._add(Diagram(token.content[nested.end():], inner))
            return index + 1
        end = self._block_end(index)
        if index in self.question_lists:
            self._listed_questions(index)
            return end
        if nested := [t for t in self.tokens[index + 1:end] if _is_diagram(t)]:
            self._around_diagrams(*(token.map or (0, 0)), nested)
            return end
        if token.type == "table_open":
            table = self._table(self.tokens[index:end], location)
            if self._in_metadata_chapter() and len(table.header) == 2 and not self.metadata_table_read:
                self.metadata += [(row[0], row[1]) for row in table.rows if len(row) >= 2]
                self.metadata_table_read = True
            self._add(table)
        elif token.type == "paragraph_open" and self._probability(self.tokens[index + 1], location):
            pass
        elif self.untitled is not None and token.type == "paragraph_open" and self._asked_below(index, location):
            pass
        elif index in self.bold_questions:
            number, title, lead, asking = self.bold_questions[index]
            self._open_question(title, location, number)
            begin, stop = token.map or (0, 0)
            self._add_text_between(self._answer_start(begin + asking, lead, 0), stop, 0)
        else:
            begin, stop = token.map or (0, 0)
            self._add_prose(self.lines[begin:stop], location)
        return end

    def _asked_below(self, index: int, location: Location) -> bool:
        """The question whose heading had only its number (`### Question 1`), titled by the
        paragraph at `index` below it, and numbered: a short paragraph is its title (words after
        a question in bold begin the answer); a longer one (a scenario, then what it asks) begins
        the answer, and its sentence that asks is the title. False for a remark alone
        (`[MEDIUM]`), after which the next paragraph asks, and for a paragraph of no words."""
        text = self.tokens[index + 1].content
        if REMARK_ONLY.match(text):
            return False
        lines = text.split("\n")
        begin, stop = self.tokens[index].map or (0, 0)
        # (Lines above a labelled question, `**[Exam 2024]** | 3 marks`, are a remark of its answer.)
        at = next((i for i, line in enumerate(lines) if QUESTION_LABEL.match(line)), 0)
        asked = _without_label(" ".join(lines[at:]))
        words = plain_inline(asked)
        if not words.strip():  # (a picture or an empty link alone asks nothing: the heading's words stay)
            return False
        self.question["number"], self.untitled = self.untitled, None
        self._add_text_between(begin, begin + at, 0)
        if len(lines) - at <= QUESTION_LINES and len(words) <= SHORT_QUESTION:
            found = BOLD_LEAD.match(asked)
            self.question["title"], lead = _title_and_lead(found.group(2), found.group(3)) if found else (words, "")
            if lead:
                self._add_prose([lead], location)
        else:
            self.question["title"] = _asking_sentence(words)
            self._add_text_between(begin + at, stop, 0)
        return True

    def _add_prose(self, lines: list[str], location: Location) -> None:
        markdown = "\n".join(lines)
        if len(markdown) > MAX_BLOCK_CHARACTERS:
            self.diagnostics.append(Diagnostic(
                "warning", location, f"a block of {len(markdown):,} characters left out (printbook typesets "
                f"blocks of up to {MAX_BLOCK_CHARACTERS:,})", "split it into paragraphs", "input.too-large"))
            markdown = f"*[{len(markdown):,} characters left out here: see line {location.line} of the document]*"
        self._add(Prose(markdown + _definitions_used(markdown, self.references), location))

    def _listed_questions(self, index: int) -> None:
        """Each item of the list at `index` a question (_question_lists), numbered as the list shows
        it, and the rest of the item, out of its indent, its answer."""
        listed = self.tokens[index]
        start = int(listed.attrGet("start") or 1) if listed.type == "ordered_list_open" else None
        for position, (at, title, count, lead) in enumerate(self.question_lists[index]):
            item = self.tokens[at]
            begin, stop = item.map or (0, 0)
            self._open_question(title, self._location(item), self.questions_seen + 1 if start is None else start + position)
            # (The item's text begins after its marker and the spaces after it: one, where it is
            # followed by none or by five or more, which begin a code block.)
            marker = LIST_MARKER.match(self.lines[begin].expandtabs(4))
            spaces = len(marker.group(2)) if marker else 0
            indent = len(marker.group(1)) + (spaces if 1 <= spaces <= 4 else 1) if marker else 0
            inside = [t for t in self.tokens[at:self._block_end(at)] if _is_diagram(t)]
            self._around_diagrams(self._answer_start(begin + count, lead, indent), stop, inside, indent)

    def _answer_start(self, after: int, lead: str, indent: int) -> int:
        """The line an answer begins on, below its question's lines (`after`), or on the last of
        them, now holding only `lead`, the words that follow the question there."""
        if not lead:
            return after
        self.lines[after - 1] = " " * indent + lead  # (the question is read: its line is the answer's now)
        return after - 1

    def _around_diagrams(self, begin: int, stop: int, diagrams: list[Token], indent: int = 0) -> None:
        """A list or quote holding mermaid blocks (a step of an answer drawn), lines `begin` to
        `stop`: its text up to each diagram, the diagram, and so on, each out of `indent`. The text
        that goes on inside a list item after its diagram is taken out of the item's indent, which
        alone would make it a code block."""
        at = begin
        for diagram in diagrams:
            first, after = diagram.map or (at, at)
            self._add_text_between(at, first, indent)
            fence = self.lines[first]
            self._add(Diagram(diagram.content, replace(self._location(diagram), column=fence.find(diagram.markup) + 1)))
            line = fence.expandtabs(4)
            at, indent = after, len(line) - len(line.lstrip(" "))
        self._add_text_between(at, stop, indent)

    def _add_text_between(self, begin: int, stop: int, indent: int) -> None:
        lines = self.lines[begin:stop]
        for position, line in enumerate(lines if indent else ()):  # (up to the next item, which keeps its own)
            expanded = line.expandtabs(4)
            if expanded.strip() and len(expanded) - len(expanded.lstrip(" ")) < indent:
                break
            lines[position] = expanded[indent:]
        if any(line.strip() for line in lines):
            self._add_prose(lines, Location(self.filename, begin + next(i for i, l in enumerate(lines) if l.strip()) + 1))

    def _heading(self, level: int, text: str, location: Location) -> None:
        # Its fragment as GitHub numbers repeats ("overview", then "overview-1"), over all headings.
        slug = heading_slug(text)
        repeats = self.slugs_seen.get(slug, 0)
        self.slugs_seen[slug] = repeats + 1
        key = fragment_key(f"{slug}-{repeats}" if repeats else slug)
        self.untitled = None
        number_only = _number_only(text)
        if level == 1 and self.title is None and not self.chapters:
            self.title, self.title_location = text, location
        elif (self.folded_questions or self.bold_questions or self.question_lists) and level <= 4:  # (topics)
            self._open_chapter(text, location)
            self.fragments.setdefault(key, ("ch", location))
        elif level == self.question_level and self.question is not None and text in self.recurring:
            self._add(Prose("#" * level + " " + text, location))  # (the question's own part: see _recurring_headings)
        elif level == self.question_level and self.labelled_questions and (labelled := LABELLED_HEADING.match(text)):
            self._open_question(_unquoted(labelled.group(1)), location, self._next_number())
            self.fragments.setdefault(key, ("q", location))
        elif level == self.question_level and (level == 3 or QUESTION_HEADING.match(text) or number_only is not None or (
                self.numbered_questions and NUMBERED_HEADING.match(text))):
            self._open_question(text, location)
            self.untitled = number_only  # (at level 2, only a `## Q1. …` or `## 1. What …?` is one)
            self.fragments.setdefault(key, ("q", location))
        elif level <= 2:
            self._open_chapter(text, location)
            self.fragments.setdefault(key, ("ch", location))
        else:
            self._add(Prose("#" * level + " " + text, location))

    def _question_level(self) -> int:
        """The level of the document's questions: 3 (`### Q12. …`, under `## Section` chapters), or
        2 in a document that lists its questions as `## Q1. …` (or `## 1. What is …?`) and has none
        at `###`; there a `###` is a heading inside its question."""
        numbered = {level: sum(bool(QUESTION_HEADING.match(title) or _number_only(title) or LABELLED_HEADING.match(title))
                               for title in self.headings[level]) for level in (2, 3)}
        if numbered[3] == 0 and numbered[2] < 2 and len(asking := self._numbered_headings(2)) >= 2:
            numbered[2] += len(asking)
        return 2 if numbered[3] == 0 and numbered[2] >= 2 else 3

    def _next_number(self) -> int:
        """The number after the last numbered question's so far (1 for the first)."""
        return 1 + next((q["number"] for chapter in reversed(self.chapters) for q in reversed(chapter["questions"])
                         if q["number"] is not None), 0)

    def _labelled_questions(self) -> bool:
        """Whether the document's questions are headings labelled but not numbered (`## Q: "How
        do you write unit tests in Go?"`): two or more at the questions' level, and none numbered
        `Q12.` (each is numbered after the question before it)."""
        titles = self.headings[self.question_level]
        return (sum(bool(LABELLED_HEADING.match(title)) for title in titles) >= 2
                and not any(QUESTION_HEADING.match(title) or _number_only(title) is not None for title in titles))

    def _recurring_headings(self) -> set[str]:
        """The words of the headings at the questions' level that ask no question of their own and
        recur word for word (`### How to Explain in Interview` after each of fifty `### Question
        N: …`): a part of the question above each, not an unnumbered question in the contents."""
        counts: dict[str, int] = {}
        for title in self.headings[self.question_level]:
            if not (QUESTION_HEADING.match(title) or NUMBERED_HEADING.match(title) or _number_only(title) is not None):
                counts[title] = counts.get(title, 0) + 1
        return {title for title, count in counts.items() if count >= RECURRING}

    def _folded_questions(self) -> bool:
        """Whether the document asks its questions folded, as GitHub shows them, each the
        `<summary>` of a `<details>` holding its answer (`## Kubernetes`, `#### Pods`, then a
        hundred of them): three or more that mostly ask, more than twice as many as headings that
        would be questions, and no such heading asking (`### Q1. Design a cache`, whose follow-up
        questions are folded under it, keeps its headings as questions). Its headings to `####`
        are then its chapters."""
        summaries = [_summary_text(found.group(1)) for token in self.tokens if token.type == "html_block"
                     and (found := FOLDED_QUESTION.match(token.content))]
        asking = sum(text.rstrip().endswith("?") or bool(ASKS.match(text)) or text.lower().startswith("true or false")
                     for text in summaries)
        return asking >= 0.5 * len(summaries) and self._asked_outside_headings(len(summaries))

    def _bold_questions(self) -> dict[int, tuple[int, str, str, int]]:
        """The paragraphs that ask the document's questions in bold (`**Q3.** What is a pod?`,
        _bold_question), by index, with what _bold_question read in each; none unless
        _asked_outside_headings holds for them (a tutorial's `###` topics with a short quiz at its
        end keep their headings). The document's headings to `####` are then its chapters."""
        asked = {index: found for index, (token, inline) in enumerate(zip(self.tokens, self.tokens[1:]))
                 if (found := _bold_question(token, inline))}
        return asked if self._asked_outside_headings(len(asked)) else {}

    def _question_lists(self) -> dict[int, list[tuple[int, str, int, str]]]:
        """The top-level lists that ask the document's questions, by index: every item a question
        in bold (`1. **What is a pod?**`, _listed_question), most of them answered in the item; for
        each, its items' indexes, titles, the lines that ask them and the words after them. None
        unless _asked_outside_headings holds for all their items. The document's headings to
        `####` are then its chapters."""
        lists = {}
        for index, token in enumerate(self.tokens):
            if token.type in ("ordered_list_open", "bullet_list_open") and token.level == 0:
                starts = [at for at in range(index, self._block_end(index))
                          if self.tokens[at].level == 1 and self.tokens[at].type == "list_item_open"]
                items = [(at, *found) for at in starts if self.tokens[at + 1].type == "paragraph_open"
                         and (found := _listed_question(self.tokens[at], self.tokens[at + 2]))]
                answered = sum(bool(lead) or any(line.strip() for line in self.lines[self.tokens[at].map[0] + count:
                                                                                      self.tokens[at].map[1]])
                               for at, _, count, lead in items)
                if items and len(items) == len(starts) and answered >= 0.5 * len(items):
                    lists[index] = items
        return lists if self._asked_outside_headings(sum(map(len, lists.values()))) else {}

    def _asked_outside_headings(self, count: int) -> bool:
        """Whether `count` questions asked outside headings (folded, in bold, in lists) are the
        document's: three or more, more than twice as many as headings that would be questions,
        none of which asks (`### Q1. Design a cache`, whose follow-up questions come below it,
        keeps its headings as questions), in a document whose numbered headings do not ask."""
        headings = self.headings[self.question_level]
        return (count >= 3 and count > 2 * len(headings) and not self.numbered_questions
                and not any(QUESTION_HEADING.match(title) or _number_only(title) or title.rstrip().endswith("?")
                            for title in headings))

    def _open_chapter(self, text: str, location: Location) -> None:
        if len(self.chapters) == MAX_CHAPTERS:
            raise _too_many("chapters (## headings)", MAX_CHAPTERS, location)
        match = SECTION_HEADING.match(text)
        chapter = {"title": text, "location": location, "section_number": None, "question_range": "",
                   "blocks": [], "questions": []}
        if match:
            chapter.update(title=match.group(2).strip(), section_number=int(match.group(1)),
                           question_range=(match.group(3) or "").replace(" ", ""))
        self.chapters.append(chapter)
        self.question = None

    def _numbered_headings(self, level: int) -> list[str]:
        """The document's `### 12. …` headings at `level`, where they are its questions: most of
        them ask something (end in `?`, or start "What", "Explain", "Design" …); else none."""
        titles = [found.group(2) for title in self.headings[level] if (found := NUMBERED_HEADING.match(title))]
        asking = sum(title.rstrip().endswith("?") or bool(ASKS.match(title)) for title in titles)
        return titles if len(titles) >= 2 and asking >= 0.6 * len(titles) else []

    def _open_question(self, text: str, location: Location, number: int | None = None) -> None:
        """A question titled `text` (its number from there, else `number`)."""
        if not self.chapters:  # a ### before any ## gets a chapter named after the book
            self._open_chapter(self.title or text, location)
        self.questions_seen += 1
        if self.questions_seen > MAX_QUESTIONS:
            raise _too_many("questions (### headings)", MAX_QUESTIONS, location)
        match = QUESTION_HEADING.match(text) or (self.numbered_questions and NUMBERED_HEADING.match(text))
        self.question = {"title": match.group(2).strip() if match else text, "location": location,
                         "number": int(match.group(1)) if match else number, "probability": None,
                         "blocks": []}
        self.chapters[-1]["questions"].append(self.question)

    def _probability(self, inline: Token, location: Location) -> bool:
        """Takes a `**Probability**: NN` line as the current question's probability."""
        match = PROBABILITY.match(inline.content.strip())
        if not match or self.question is None:
            return False
        raw = match.group(1).rstrip("%")
        if raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= 100:
            self.question["probability"] = int(raw)
        else:
            self.diagnostics.append(Diagnostic(
                "warning", location, f"probability {match.group(1)!r} is not a whole number from 0 to 100",
                "write it like '**Probability**: 72'", "numbers.probability"))
        return True

    def _table(self, tokens: list[Token], location: Location) -> Table:
        header: list[str] = []
        rows: list[list[str]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(token.content.strip())
            elif token.type == "thead_close":
                header = rows.pop()
        if len(rows) > MAX_TABLE_ROWS:
            self.diagnostics.append(Diagnostic(
                "warning", location, f"a table of {len(rows):,} rows cut to its first {MAX_TABLE_ROWS:,}",
                "split the table, or link to the data instead", "input.too-large"))
            rows = rows[:MAX_TABLE_ROWS]
        return Table(tuple(header), tuple(tuple(r) for r in rows), location)

    # -- helpers -------------------------------------------------------------------------------

    def _add(self, block: Block) -> None:
        if self.untitled is not None and not (isinstance(block, Prose) and REMARK_ONLY.match(block.markdown)):
            self.untitled = None  # (a question that asks before its paragraph keeps its heading's words)
        if self.question is not None:
            self.question["blocks"].append(block)
        elif self.chapters:
            self.chapters[-1]["blocks"].append(block)
        else:
            self.intro.append(block)

    def _in_metadata_chapter(self) -> bool:
        return bool(self.chapters) and self.chapters[-1]["title"].strip().lower() == METADATA_TITLE

    def _block_end(self, index: int) -> int:
        """The index after the closing token of the block that starts at `index`."""
        level = 0
        for position in range(index, len(self.tokens)):
            level += self.tokens[position].nesting
            if level == 0:
                return position + 1
        return len(self.tokens)

    def _location(self, token: Token) -> Location:
        line = token.map[0] + 1 if token.map else 1
        return Location(self.filename, line)

    def _only_contents(self, chapter: dict) -> bool:
        """A chapter that is only the document's own table of contents (lists of links to its
        headings) is left out, with a note: the handbook's contents list the same headings with
        their pages, and a deck of it would show a list of links."""
        lines = [line for block in chapter["blocks"] if isinstance(block, Prose) for line in block.markdown.splitlines()]
        if (chapter["questions"] or not all(isinstance(block, Prose) for block in chapter["blocks"])
                or not _lists_headings(lines)):
            return False
        self.diagnostics.append(Diagnostic(
            "note", chapter["location"], f"'{chapter['title']}' left out: it only lists the document's own headings, "
            "which the handbook's contents list with their pages", "give it text of its own to keep it",
            "structure.contents"))
        return True

    def _intro_without_contents(self) -> None:
        """The document's own table of contents, where it comes before the first chapter (under
        the title, which puts it on the cover), left out with a note, as a chapter of one is."""
        kept = [block for block in self.intro if not (isinstance(block, Prose)
                                                      and _lists_headings(block.markdown.splitlines()))]
        if len(kept) < len(self.intro):
            left_out = next(block for block in self.intro if block not in kept)
            self.diagnostics.append(Diagnostic(
                "note", left_out.location, "the list of the document's own headings before its first chapter left "
                "out: the handbook's contents list them with their pages", "give it text of its own to keep it",
                "structure.contents"))
            self.intro = kept

    def _questions_out_of_introduction(self) -> None:
        """Where every question of the document comes under one chapter about the document itself
        (`## Difficulty Legend`, its text, then `### Q1. …` to `### Q20. …`), the chapter is titled
        "Questions", its text under its own title as a heading: not twenty questions under a
        legend's name in the running heads, the contents and the deck's name."""
        holding = [c for c in self.chapters if c["questions"]]
        if len(holding) != 1 or len(holding[0]["questions"]) < 2 or holding[0]["section_number"] is not None:
            return
        chapter = holding[0]
        # (A chapter of its own text, under a heading of its own: not one named after the first
        # question, for questions that come before any `##`.)
        if (not chapter["blocks"] or chapter["location"] == chapter["questions"][0]["location"]
                or not INTRODUCING.match(" ".join(re.sub(r"[^\w\s]", " ", chapter["title"]).split()))):
            return
        self.diagnostics.append(Diagnostic(
            "note", chapter["location"], f"every question comes under '{chapter['title']}': the chapter is titled "
            "'Questions', its text under its own heading", "give the questions a '## …' heading of their own to "
            "title them", "structure.introduction"))
        chapter["blocks"].insert(0, Prose(f"#### {chapter['title']}", chapter["location"]))
        chapter["title"] = "Questions"

    def _freeze_chapter(self, chapter: dict) -> Chapter:
        questions = tuple(Question(**{**q, "blocks": tuple(q["blocks"])}) for q in chapter["questions"])
        return Chapter(**{**chapter, "blocks": tuple(chapter["blocks"]), "questions": questions})
