"""A chapter's prose as what a slide can show: lists of points, code and tables (for deck.py).

Markdown is read with markdown-it, as the handbook reads it. A paragraph becomes a point, a list
item a point at its depth, a `####` heading the title of the slides after it, a fenced block code
in monospace, a picture a slide of its own; formatting is dropped (a slide shows plain words), links keep their text. Tables
come from the parser as model.Table, their cells read by plain_inline, and are laid out by deck.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

from .footnotes import superscript
from .tex_text import tex_text
from .markdown_rules import with_github_markdown
from .model import Prose

_MARKDOWN = with_github_markdown(MarkdownIt("commonmark").enable("table").enable("strikethrough"))


@dataclass(frozen=True, slots=True)
class Points:
    """Points to show as a list: (depth from 0, text)."""

    heading: str  # the `####` heading they came under, or ""
    points: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Code:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Image:
    """A picture the prose shows (`![alt](address)`), for a slide of its own."""

    heading: str
    alt: str
    address: str


Content = Points | Code | Image


def contents(prose: Prose) -> list[Content]:
    """What the prose holds, in order, as points and code."""
    return contents_under(prose, "")[0]


def contents_under(prose: Prose, heading: str) -> tuple[list[Content], str]:
    """What the prose holds, under `heading` until a heading of its own, and the heading in force
    at its end: the parse makes a block of each `####` heading, which titles the blocks after it."""
    found: list[Content] = []
    points: list[tuple[int, str]] = []

    def close_points() -> None:
        if points:
            found.append(Points(heading, tuple(points)))
            points.clear()

    depth = -1  # the list depth of the item being read; -1 outside lists
    tokens = _MARKDOWN.parse(prose.markdown)
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "heading_open":
            close_points()
            heading = plain(tokens[index + 1])
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            text = plain(token)
            images = [child for child in token.children or () if child.type == "image"]
            if text and not (images and text == " ".join(plain_alt(i) for i in images)):
                points.append((max(depth, 0), text))
            if images:
                close_points()
                found += [Image(heading, plain_alt(i), i.attrs.get("src", "")) for i in images]
        elif token.type in ("fence", "code_block"):
            close_points()
            lines = token.content.rstrip("\n").split("\n")
            if any(line.strip() for line in lines):
                found.append(Code(heading, tuple(line.expandtabs(4) for line in lines)))
        elif token.type == "tr_open":  # a table's row (in a list, or of HTML): a point of its cells
            end = next(i for i in range(index, len(tokens)) if tokens[i].type == "tr_close")
            cells = [plain(cell) for cell in tokens[index:end] if cell.type == "inline"]
            if any(cells):
                points.append((max(depth, 0), " · ".join(cells)))
    close_points()
    return found, heading


def joined(contents: list[Content]) -> list[Content]:
    """The same, with points that follow each other under one heading as one list (a document's
    paragraphs and lists are often blocks of their own), and code titled by the line that
    introduces it (lead_in)."""
    found: list[Content] = []
    for content in contents:
        last = found[-1] if found else None
        if isinstance(content, Points) and isinstance(last, Points) and last.heading == content.heading:
            found[-1] = Points(last.heading, last.points + content.points)
        elif (isinstance(content, Code) and isinstance(last, Points) and last.heading == content.heading
              and (introduced := lead_in(found))[1]):  # (not across a heading of the code's own)
            found = [*introduced[0], Code(introduced[1], content.lines)]
        else:
            found.append(content)
    return found


LEAD_IN_LONGEST = 60  # characters: a longer sentence ending in a colon stays a point of its own


def lead_in(contents: list[Content]) -> tuple[list[Content], str]:
    """`contents` without their last point where it only introduces what follows them (a short
    line ending in a colon, "Key Differences:"), and that line without its colon: the title of
    the table, diagram or code it introduces, which would otherwise get a slide of its own.
    Else `contents` as they are, and ""."""
    last = contents[-1] if contents else None
    if not isinstance(last, Points) or not last.points:
        return contents, ""
    depth, text = last.points[-1]
    if depth or not text.endswith(":") or len(text) > LEAD_IN_LONGEST or not text[:-1].strip():
        return contents, ""
    rest = [Points(last.heading, last.points[:-1])] if len(last.points) > 1 else []
    return [*contents[:-1], *rest], text[:-1].rstrip()


def plain_alt(image) -> str:
    return " ".join((image.content or "").split())


def plain_inline(markdown: str) -> str:
    """A line of Markdown (a table cell) as its plain words, without formatting or HTML tags."""
    tokens = _MARKDOWN.parseInline(markdown)
    return plain(tokens[0]) if tokens else ""


def plain(inline, tags: bool = False) -> str:
    """An inline token's words without their Markdown: text, code, link texts, image alt texts;
    with `tags`, what reads as inline HTML too, as written (in a title, `Vec<T>` is Rust)."""
    words = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline") or (tags and child.type == "html_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "image":
            words.append(child.content or "")
        elif child.type == "footnote_ref":
            words.append(superscript(child.meta["number"]))
        elif child.type == "math_inline":
            words.append(tex_text(child.content))
    return " ".join("".join(words).split())
