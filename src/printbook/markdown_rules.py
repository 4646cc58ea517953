"""What printbook reads in a document's Markdown beyond CommonMark, as GitHub shows it: task lists,
alerts, pictures named by an HTML <img> tag and footnotes (footnotes.py). Rules for markdown-it,
which the handbook, the slides and the picture checks all read with (with_github_markdown).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .footnotes import footnote_refs


TASK = re.compile(r"\[([ xX])\]\s")
TASK_BOXES = {" ": "\u2610", "x": "\u2611", "X": "\u2611"}  # ☐ ☑


def task_items(state) -> None:
    """A markdown-it core rule: a task list's item (`- [ ] …`, `- [x] …`, as GitHub shows it) starts
    with an empty or a ticked box instead of `[ ]`, and is classed `task` (the handbook draws it
    without its bullet)."""
    tokens = state.tokens
    for index in range(2, len(tokens)):
        inline, item = tokens[index], tokens[index - 2]
        if inline.type == "inline" and item.type == "list_item_open" and inline.children:
            first = inline.children[0]
            if first.type == "text" and (box := TASK.match(first.content)):
                first.content = TASK_BOXES[box.group(1)] + " " + first.content[box.end():]
                item.attrSet("class", "task")


ALERT = re.compile(r"\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.I)


def alerts(state) -> None:
    """A markdown-it core rule: a quote that GitHub shows as an alert (`> [!WARNING]` on its first
    line) begins "**Warning**: …" in place of the marker, and is classed `alert alert-warning`."""
    tokens = state.tokens
    for index in range(len(tokens) - 2):
        quote, inline = tokens[index], tokens[index + 2]
        if quote.type != "blockquote_open" or inline.type != "inline" or not inline.children:
            continue
        first, *rest = inline.children
        if (first.type == "text" and (marker := ALERT.fullmatch(first.content))
                and (not rest or rest[0].type in ("softbreak", "hardbreak"))):
            kind = marker.group(1).lower()
            quote.attrSet("class", f"alert alert-{kind}")
            inline.children = [Token("strong_open", "strong", 1), Token("text", "", 0, content=kind.capitalize()),
                               Token("strong_close", "strong", -1)] + (
                [Token("text", "", 0, content=": "), *rest[1:]] if rest[1:] else [])


IMG_TAG = re.compile(r"(<img\b[^>]*>)", re.I)  # (a group: split keeps the tags)


class _ImgTag(HTMLParser):
    def __init__(self, tag: str):
        super().__init__()
        self.attributes: dict[str, str] = {}
        self.feed(tag)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = {name: value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def _image(tag: str) -> Token:
    """An `<img src=… alt=…>` tag as the token of a Markdown picture, `![alt](src)`."""
    attributes = _ImgTag(tag).attributes
    alt = " ".join(attributes.get("alt", "").split())
    image = Token("image", "img", 0, attrs={"src": attributes.get("src", "").strip(), "alt": ""}, content=alt)
    image.children = [Token("text", "", 0, content=alt)] if alt else []
    return image


def _with_images(text: str) -> list[Token]:
    """HTML text as inline tokens: its <img> tags as pictures, the words between them as text
    (their other tags left out)."""
    found: list[Token] = []
    for index, piece in enumerate(IMG_TAG.split(text)):  # (words, a tag, words, …)
        if index % 2:
            found.append(_image(piece))
        elif words := " ".join(re.sub(r"<[^>]*>", " ", piece).split()):
            found.append(Token("text", "", 0, content=f" {words} "))
    return found


def img_tags(state) -> None:
    """A markdown-it core rule: a picture named by an HTML tag (`<img src="arch.png" width="600">`,
    often in a centred `<p>`) is a picture as `![…](arch.png)` is, where HTML is otherwise left
    out: a block of HTML holding one becomes a paragraph of its words and pictures."""
    found = []
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = [child for original in token.children for child in (
                _with_images(original.content) if original.type == "html_inline" and IMG_TAG.fullmatch(original.content.strip())
                else [original])]
        if token.type == "html_block" and IMG_TAG.search(token.content):
            paragraph = Token("inline", "", 0, content=token.content, map=token.map, children=_with_images(token.content))
            found += [Token("paragraph_open", "p", 1, map=token.map), paragraph, Token("paragraph_close", "p", -1)]
        else:
            found.append(token)
    state.tokens = found


def with_github_markdown(markdown: MarkdownIt) -> MarkdownIt:
    """`markdown` reading what GitHub adds to CommonMark in documents (task lists, alerts, <img>
    pictures, footnotes) as the handbook, the slides and the picture checks show it."""
    markdown.core.ruler.push("task_items", task_items)
    markdown.core.ruler.push("alerts", alerts)
    markdown.core.ruler.push("img_tags", img_tags)
    markdown.inline.ruler.before("link", "footnote_ref", footnote_refs)
    # (The handbook prints the note at the foot of the page: pdf.py.)
    markdown.add_render_rule("footnote_ref", lambda renderer, tokens, index, options, env:
                             f"<sup>{tokens[index].meta['number']}</sup>")
    return markdown
