"""The document model every stage shares: book -> chapters -> questions -> blocks.

Plain frozen data. It imports no stage; the stages talk to each other only through it.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Literal, Union


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file; line and column count from 1."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A message a user can act on, printed like a compiler's, with the stable code of its kind
    last (as Sphinx's warning types), so that scripts and --strict can tell kinds apart."""

    severity: Severity
    location: Location | None  # None for problems of the set-up rather than of a file
    message: str
    hint: str = ""
    code: str = ""  # "diagram.syntax", "picture.outside", …: see the README's list
    detail: str = field(default="", compare=False)  # the tool's own words (mermaid's), shown with -v

    def __str__(self) -> str:
        text = f"{self.location or 'printbook'}: {self.severity}: {self.message}"
        text = f"{text} (hint: {self.hint})" if self.hint else text
        return f"{text} [{self.code}]" if self.code else text


def library_missing(error: BaseException) -> Diagnostic:
    """A library that did not load (WeasyPrint loads Pango as it is imported), as one line."""
    return Diagnostic("error", None, f"a library printbook needs did not load: {str(error).splitlines()[0]}",
                      "run 'printbook doctor', which says what to install", "setup.missing")


class PrintbookError(Exception):
    """Input printbook cannot publish; the message names the file and the problem."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic

    def __reduce__(self):  # whole across processes (forked.py)
        return PrintbookError, (self.diagnostic,)


@dataclass(frozen=True, slots=True)
class Prose:
    """Markdown text kept as written (paragraphs, lists, quotes, code, images)."""

    markdown: str
    location: Location


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Diagram:
    """A ```mermaid block. `location` is the line of the opening fence; the diagram's own line 1
    is the line after it. The fence's column is where the diagram's lines start (after a list
    item's indent or a quote's `>`)."""

    source: str
    location: Location

    @property
    def kind(self) -> str:
        """The diagram's type: the first word of its header line."""
        header = self.header_index
        return self.source.splitlines()[header].split()[0] if header is not None else "empty"

    @property
    def header_index(self) -> int | None:
        return header_index(self.source)

    def excerpt(self, lines: int = 20) -> str:
        """The first `lines` lines of the source, for a placeholder, and how many more there are."""
        found = self.source.splitlines()
        more = len(found) - lines
        return "\n".join(found[:lines]) + (f"\n… {more} more line{'s' if more != 1 else ''}" if more > 0 else "")

    def source_location(self, diagram_line: int, column: int = 1) -> Location:
        """The file location of the diagram's own line `diagram_line` (1-based)."""
        return Location(self.location.file, self.location.line + diagram_line, self.location.column - 1 + column)


def header_index(source: str) -> int | None:
    """The index of the line naming a diagram's type, past any front matter (`---` … `---`),
    %% comments and %%{init: …}%% directives, which may span lines."""
    lines = source.splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    in_directive = False
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if in_directive or (stripped.startswith("%%{") and "}%%" not in stripped):
            in_directive = "}%%" not in stripped
        elif stripped and not stripped.startswith("%%"):
            return index
    return None


Block = Union[Prose, Table, Diagram]

# Probability bands, highest first: (name, lowest probability in the band).
BANDS = (("High", 80), ("Medium-High", 60), ("Medium", 40), ("Lower", 20), ("Low", 0))


def band(probability: int) -> str:
    """The band a probability falls in: High 80–100, Medium-High 60–79, Medium 40–59, Lower 20–39,
    Low below that."""
    return next(name for name, lowest in BANDS if probability >= lowest)


def counted(number: int, thing: str) -> str:
    """"1 question", "1,000 questions": for every summary printbook writes in words."""
    return f"{number:,} {thing}{'s' if number != 1 else ''}"


def average(numbers: list[int]) -> float | None:
    return sum(numbers) / len(numbers) if numbers else None


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A number the document states about its questions that its questions do not give."""

    what: str
    stated: str
    actual: str
    location: Location


Box = tuple[float, float, float, float]  # left, top, width, height, in a picture's own px


@dataclass(frozen=True, slots=True)
class Picture:
    """A rendered diagram: print-safe SVG and its size in CSS pixels; the PNG of it, for viewers
    without SVG, is painted only for the pictures a deck shows. `alternatives` are other layouts
    of the same diagram (subgraphs restacked), for spaces of another shape. What the renderer
    measured in it (placement.py judges by it): the smallest text, the box of each <text> in
    document order and of each node, and a sequence diagram's rows of participants."""

    svg: str
    width: float
    height: float
    png: bytes = b""
    alternatives: tuple[Picture, ...] = ()
    parts: tuple[Picture, ...] = ()  # one per subgraph, for spaces where the whole is too small
    text_px: float = 16.0  # mermaid's default size, where nothing was measured (the mmdc renderer)
    texts: tuple[Box, ...] = field(default=(), repr=False)
    shapes: tuple[Box, ...] = field(default=(), repr=False)
    header: float = 0.0
    footer: float = 0.0  # where a sequence diagram's participants, drawn again at its bottom, begin

    @property
    def layouts(self) -> tuple[Picture, ...]:
        """This layout and the other layouts of the same diagram (without theirs)."""
        return (self, *(replace(p, alternatives=()) for p in self.alternatives))


@dataclass(frozen=True, slots=True)
class DiagramFailure:
    """A diagram that could not be drawn; the outputs show a placeholder with `summary` (plain
    words) at `location`, the same as the warning's, and mermaid's own `message` only in -v."""

    message: str
    summary: str = ""
    location: Location | None = None

    @property
    def plain(self) -> str:
        return self.summary or (self.message.splitlines() or [""])[0]


Rendering = Union[Picture, DiagramFailure]


@dataclass(frozen=True, slots=True)
class Question:
    """A `###` heading and what follows it. Interview questions (`### Q12. …`) have a number and
    usually a probability (0–100); other `###` headings have neither."""

    title: str
    location: Location
    number: int | None = None
    probability: int | None = None
    blocks: tuple[Block, ...] = ()

    @property
    def label(self) -> str:
        return f"Q{self.number}. {self.title}" if self.number is not None else self.title

    @property
    def band(self) -> str | None:
        return band(self.probability) if self.probability is not None else None


@dataclass(frozen=True, slots=True)
class Chapter:
    """A `##` heading. `## Section N: Title (Qa-Qb)` chapters are sections (one deck each)."""

    title: str
    location: Location
    section_number: int | None = None
    question_range: str = ""
    blocks: tuple[Block, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def is_section(self) -> bool:
        return self.section_number is not None

    @property
    def label(self) -> str:
        return f"Section {self.section_number}: {self.title}" if self.is_section else self.title

    @property
    def numbered_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.number is not None)

    @property
    def only_heading(self) -> bool:
        """Nothing under its heading (a heading over the chapters that follow): in print it shares
        the next chapter's page, and its title slide opens the next chapter's deck."""
        return not self.blocks and not self.questions

    @property
    def average_probability(self) -> float | None:
        return average([q.probability for q in self.numbered_questions if q.probability is not None])


@dataclass(frozen=True, slots=True)
class Book:
    title: str
    source: str
    location: Location
    intro: tuple[Block, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    chapters: tuple[Chapter, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=(), compare=False)
    selected: str = ""  # which filter made a shorter book ("14 questions with probability 80 or more, of 100")
    parts: tuple[Book, ...] = field(default=(), compare=False)  # a series' documents (series.py), else none
    # What the document's own links (`[Caching](#caching)`) may name: each chapter's ("ch") and
    # question's ("q") heading, by its fragment_key, as (key, kind, location).
    fragments: tuple[tuple[str, str, Location], ...] = field(default=(), compare=False)
    # The document's footnotes by number, as its text refers to them (`[^2]`: footnotes.py).
    footnotes: tuple[tuple[int, str], ...] = field(default=(), compare=False)

    def part_of(self, where: Location) -> int:
        """The number of the series' document that `where` lies in (1 for a single document)."""
        return next((n for n, part in enumerate(self.parts, start=1) if part.source == where.file), 1)

    @property
    def sections(self) -> tuple[Chapter, ...]:
        """The chapters that get a deck each: the `Section N` chapters, or, in a document that has
        none, every chapter."""
        numbered = tuple(c for c in self.chapters if c.is_section)
        return numbered or self.chapters

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for c in self.chapters for q in c.numbered_questions)

    @property
    def average_probability(self) -> float | None:
        return average([q.probability for q in self.questions if q.probability is not None])

    def stated(self, attribute: str) -> str | None:
        """A value of the metadata table, by attribute name (any case)."""
        return next((v for k, v in self.metadata if k.strip().lower() == attribute.lower()), None)

    def blocks(self) -> list[Block]:
        """Every block in reading order."""
        found = list(self.intro)
        for chapter in self.chapters:
            found += chapter.blocks
            for question in chapter.questions:
                found += question.blocks
        return found

    def diagrams(self) -> list[Diagram]:
        """Every diagram in reading order."""
        return [b for b in self.blocks() if isinstance(b, Diagram)]


def heading_slug(text: str) -> str:
    """The fragment GitHub (and most Markdown viewers after it) gives a heading of these words:
    lower case, without punctuation or symbols, each space a hyphen ("☸️ Pods & Nodes" ->
    "-pods--nodes")."""
    kept = "".join(c for c in text.lower() if c in " -_" or unicodedata.category(c)[0] in "LN"
                   or (unicodedata.category(c) == "Mn" and not "\ufe00" <= c <= "\ufe0f"))
    return kept.replace(" ", "-")


def fragment_key(fragment: str) -> str:
    """A link's fragment or a heading's slug as compared: runs of hyphens as one, none at the ends
    (other viewers' slugs, "pods-nodes", find the same heading)."""
    return re.sub(r"-+", "-", urllib.parse.unquote(fragment).lower()).strip("-")
