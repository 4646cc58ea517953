"""What printbook reads in a document's Markdown beyond CommonMark, as GitHub shows it: task lists,
alerts, emoji shortcodes, math (as text: tex_text.py), pictures named by an HTML <img> tag, blocks
of HTML (an answer folded in <details>) and footnotes (footnotes.py). Rules for markdown-it, which
the handbook, the slides and the picture checks all read with (with_github_markdown).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from .footnotes import footnote_refs
from .tex_text import tex_text


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


# A shortcode as a word of its own: `10:30:45`, `a:b:` and `std::vec` stay as written.
SHORTCODE = re.compile(r"(?<![\w:]):[a-z0-9_+-]+:(?![\w:])")


def with_emoji(text: str) -> str:
    """`text` with GitHub's emoji shortcodes (`:white_check_mark:`, `:+1:`) as the emoji GitHub
    shows for them; a name that is none stays as written."""
    if ":" not in text or not SHORTCODE.search(text):
        return text
    import emoji  # (40 ms, for documents that have a shortcode)

    return SHORTCODE.sub(lambda found: emoji.emojize(found.group(), language="alias"), text)


def emoji_shortcodes(state) -> None:
    """A markdown-it core rule: shortcodes in text (not in code) as their emoji."""
    for token in state.tokens:
        for child in (token.children or ()) if token.type == "inline" else ():
            if child.type == "text":
                child.content = with_emoji(child.content)


def math_inline(state, silent: bool) -> bool:
    """A markdown-it inline rule: `$…$` and `$$…$$` as GitHub reads them, a `math_inline` token
    (its markup says which). A dollar amount is not math: the closing dollar of `$…$` follows no
    space and comes before no digit, and math holds no other dollar but an escaped one, so
    "$15–$25", "$5 and $10" and "$10K-$40K … \\$x$" stay as written."""
    text, start = state.src, state.pos
    if text[start] != "$":
        return False
    marker = "$$" if text.startswith("$$", start) else "$"
    begin = start + len(marker)
    if begin >= state.posMax or (marker == "$" and text[begin].isspace()):
        return False
    search = begin
    while True:
        end = text.find(marker, search, state.posMax)
        if end < 0:
            return False
        after = text[end + len(marker):end + len(marker) + 1]
        if text[end - 1] == "\\":
            search = end + 1
            continue
        if marker == "$" and (text[end - 1].isspace() or after.isdigit()):
            return False  # a dollar of its own
        break
    if not text[begin:end].strip() or "`" in text[begin:end]:  # (nor across code: `$x$`)
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = text[begin:end], marker
    state.pos = end + len(marker)
    return True


def math_fences(state) -> None:
    """A markdown-it core rule: a ```math block (GitHub's other way to write displayed math) as a
    paragraph of displayed math, `$$…$$`."""
    found = []
    for token in state.tokens:
        if token.type == "fence" and token.info.strip().lower() == "math" and token.content.strip():
            math = Token("math_inline", "math", 0, content=token.content, markup="$$")
            found += [Token("paragraph_open", "p", 1, map=token.map, block=True),
                      Token("inline", "", 0, map=token.map, content=token.content, children=[math], block=True),
                      Token("paragraph_close", "p", -1, block=True)]
        else:
            found.append(token)
    state.tokens = found


def math_html(renderer, tokens, index, options, env) -> str:
    """Math as its text (tex_text), a displayed one centred on a line of its own (print.css)."""
    token = tokens[index]
    kind = "math math-display" if token.markup == "$$" else "math"
    return f'<span class="{kind}">{escapeHtml(tex_text(token.content))}</span>'


IMG_TAG = re.compile(r"(<img\b[^>]*>)", re.I)  # (a group: split keeps the tags)
ANY_TAG = re.compile(r"<[^>]*>")  # where a tag's words are wanted without it


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
        elif words := " ".join(ANY_TAG.sub(" ", piece).split()):
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


# Blocks of HTML: what GitHub shows of them, as Markdown's own tokens. Its paragraphs, lists, code
# and tables, bold, italic and code keep their shape; a <details>' <summary> ("Answer") and an HTML
# heading print as a bold line (a heading of HTML makes no section or question); every attribute,
# link and other tag is left out, and so is what a script, a stylesheet or a form holds.
BREAKS = {"p", "div", "section", "article", "center", "details", "figure", "figcaption", "blockquote", "dl", "dt",
          "dd", "header", "footer", "nav", "aside", "main", "address", "hr", "caption"}
BOLD_BLOCKS = {"summary", "h1", "h2", "h3", "h4", "h5", "h6"}
IN_A_CELL = BREAKS | BOLD_BLOCKS | {"ul", "ol", "li", "pre"}  # read as a space between a cell's words
INLINE = {"b": "strong", "strong": "strong", "i": "em", "em": "em", "s": "s", "del": "s", "strike": "s"}
CODE = {"code", "kbd", "tt", "samp"}
UNSHOWN = {"script", "style", "template", "head", "title", "svg", "math", "iframe", "object", "noscript", "select",
           "textarea", "button"}
DEEPEST_LIST = 20  # lists (and bold, italic) within each other, as markdown-it nests Markdown's own at most
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class _HtmlBlock(HTMLParser):
    """A block of HTML as block tokens (`self.tokens`), at the lines `where` of the document."""

    def __init__(self, html: str, where: list[int] | None):
        super().__init__(convert_charrefs=True)
        self.where, self.tokens = where, []
        self.inline: list[Token] = []  # the paragraph being read
        self.marks: list[str] = []  # the bold, italic and struck-through runs open in it
        self.lists: list[list] = []  # each open list: [its tag, whether an item is open]
        self.flattened = 0  # lists open beyond DEEPEST_LIST
        self.unshown = 0  # inside a script, a stylesheet, …: depth
        self.code: list[str] | None = None  # words of an inline <code> being read
        self.pre: list[str] | None = None  # text of a <pre> being read
        self.bold = 0  # inside a <summary> or a heading
        self.row: list[tuple[bool, list[Token]]] | None = None  # cells of the table row being read
        self.rows: list[list[tuple[bool, list[Token]]]] = []
        self.feed(html)
        self.close()
        for unclosed in ("code", "pre", "tr", "table"):  # what the block leaves open still shows
            self.handle_endtag(unclosed)
        self._paragraph()
        while self.lists:
            self._close_list()

    def _block(self, kind: str, tag: str, nesting: int, **fields) -> Token:
        token = Token(kind, tag, nesting, map=self.where, block=True, **fields)
        self.tokens.append(token)
        return token

    def _close_marks(self, until: str = "") -> None:
        """The bold, italic and struck-through runs open, closed from the last, down to `until`
        (all where it is not open)."""
        while self.marks:
            mark = self.marks.pop()
            self.inline.append(Token(f"{mark}_close", mark, -1))
            if mark == until:
                break

    def _paragraph(self) -> None:
        """The words read so far as a paragraph (a list item's own, unwrapped, in a list)."""
        self._close_marks()
        children, self.inline = self.inline, []
        while children and children[-1].type == "text" and not children[-1].content.strip():
            children.pop()
        if children and children[-1].type == "text":
            children[-1].content = children[-1].content.rstrip()
        if not any(child.content.strip() for child in children if child.type in ("text", "code_inline")):
            return
        if self.bold and not _all_bold(children):
            children = [Token("strong_open", "strong", 1), *children, Token("strong_close", "strong", -1)]
        hidden = bool(self.lists)
        self._block("paragraph_open", "p", 1, hidden=hidden)
        self._block("inline", "", 0, content="".join(c.content for c in children), children=children)
        self._block("paragraph_close", "p", -1, hidden=hidden)

    def _close_item(self) -> None:
        if self.lists and self.lists[-1][1]:
            self._paragraph()
            self._block("list_item_close", "li", -1)
            self.lists[-1][1] = False

    def _close_list(self) -> None:
        self._close_item()
        tag = self.lists.pop()[0]
        self._block("bullet_list_close" if tag == "ul" else "ordered_list_close", tag, -1)

    def _text(self, text: str) -> None:
        """Words as HTML shows them: each run of spaces one space, none at a paragraph's start."""
        if self.code is not None:
            self.code.append(text)
            return
        words = " ".join(text.split())
        if words:
            words = (" " if text[0].isspace() and self.inline else "") + words + (" " if text[-1].isspace() else "")
        elif self.inline and not self.inline[-1].content.endswith(" "):
            words = " "
        if words:
            self.inline.append(Token("text", "", 0, content=words))

    def handle_starttag(self, tag: str, attrs) -> None:
        if self.unshown or tag in UNSHOWN:  # (depth in unshown tags: an <svg>'s own <g> and <path> do not count)
            self.unshown += tag in UNSHOWN
            return
        if self.pre is not None:
            return
        if self.row is not None and tag in IN_A_CELL:
            self._text(" ")  # a cell's paragraphs and lists: its words, in the cell
            return
        if tag in BREAKS or tag in BOLD_BLOCKS:
            self._paragraph()
            self.bold += tag in BOLD_BLOCKS
        elif tag in ("ul", "ol") and len(self.lists) >= DEEPEST_LIST:
            self.flattened += 1
        elif tag in ("ul", "ol"):
            self._paragraph()
            if self.lists and not self.lists[-1][1]:  # a list right inside a list: an item holds it
                self._block("list_item_open", "li", 1)
                self.lists[-1][1] = True
            self._block("bullet_list_open" if tag == "ul" else "ordered_list_open", tag, 1)
            self.lists.append([tag, False])
        elif tag == "li":
            if not self.lists:  # an item outside any list: one of its own
                self._paragraph()
                self._block("bullet_list_open", "ul", 1)
                self.lists.append(["ul", False])
            self._close_item()
            self._block("list_item_open", "li", 1)
            self.lists[-1][1] = True
        elif tag == "pre":
            self._paragraph()
            self.pre = []
        elif tag == "table":
            self._paragraph()
            self.rows = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self._paragraph()
        elif tag in INLINE and len(self.marks) < DEEPEST_LIST:
            self.inline.append(Token(f"{INLINE[tag]}_open", INLINE[tag], 1))
            self.marks.append(INLINE[tag])
        elif tag in CODE and self.code is None:
            self.code = []
        elif tag == "br":
            self.inline.append(Token("hardbreak", "br", 0))

    def handle_startendtag(self, tag: str, attrs) -> None:
        """`<br/>`, `<path/>`: a tag that closes itself opens nothing (and holds nothing to leave out)."""
        if self.unshown or tag in UNSHOWN:
            return
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.unshown:
            self.unshown -= tag in UNSHOWN
            return
        if self.pre is not None:
            if tag == "pre":
                lines = "".join(self.pre).split("\n")
                while lines and not lines[-1].strip():
                    lines.pop()
                while lines and not lines[0].strip():
                    lines.pop(0)
                if lines:
                    self._block("fence", "code", 0, content="\n".join(lines) + "\n", markup="```")
                self.pre = None
            return
        if self.row is not None and tag in IN_A_CELL:
            self._text(" ")
            return
        if tag in BREAKS or tag in BOLD_BLOCKS:
            self._paragraph()
            self.bold -= tag in BOLD_BLOCKS and self.bold > 0
        elif tag in ("ul", "ol") and self.lists:
            if self.flattened:  # a list opened beyond DEEPEST_LIST, read as part of the one around it
                self.flattened -= 1
            else:
                self._close_list()
        elif tag == "li":
            self._close_item()
        elif tag in ("td", "th") and self.row is not None:
            cell, self.inline, self.marks = self.inline, [], []
            self.row.append((tag == "th", cell))
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self._table()
        elif tag in INLINE and INLINE[tag] in self.marks:
            self._close_marks(INLINE[tag])  # (closing what was opened inside it too)
        elif tag in CODE and self.code is not None:
            words = " ".join("".join(self.code).split())
            if words:
                self.inline.append(Token("code_inline", "code", 0, content=words))
            self.code = None

    def handle_data(self, data: str) -> None:
        if self.unshown:
            return
        if self.pre is not None:
            self.pre.append(data)
        else:
            self._text(data)

    def _table(self) -> None:
        """The rows read as a table, its first row the header where it is of <th> cells."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        width = max(len(row) for row in rows)
        head = rows[0] if all(header for header, _ in rows[0]) else None
        self._block("table_open", "table", 1)
        for part, found in (("thead", [head] if head else []), ("tbody", rows[1:] if head else rows)):
            if not found:
                continue
            self._block(f"{part}_open", part, 1)
            for row in found:
                self._block("tr_open", "tr", 1)
                for header, cell in [*row, *[(False, [])] * (width - len(row))]:
                    tag = "th" if part == "thead" else "td"
                    self._block(f"{tag}_open", tag, 1)
                    self._block("inline", "", 0, content="".join(c.content for c in cell), children=cell)
                    self._block(f"{tag}_close", tag, -1)
                self._block("tr_close", "tr", -1)
            self._block(f"{part}_close", part, -1)
        self._block("table_close", "table", -1)


def _all_bold(children: list[Token]) -> bool:
    """Whether one bold run holds all of `children`."""
    depth = 0
    for index, child in enumerate(children):
        depth += (child.type == "strong_open") - (child.type == "strong_close")
        if depth == 0 and index < len(children) - 1:
            return False
    return bool(children) and children[0].type == "strong_open"


def html_blocks(state) -> None:
    """A markdown-it core rule: each block of HTML (one holding a picture is img_tags') as the
    paragraphs, lists, code and tables GitHub shows of it (see _HtmlBlock)."""
    state.tokens = [made for token in state.tokens for made in (
        _HtmlBlock(token.content, token.map).tokens if token.type == "html_block" else [token])]


def with_github_markdown(markdown: MarkdownIt) -> MarkdownIt:
    """`markdown` reading what GitHub adds to CommonMark in documents (task lists, alerts, emoji
    shortcodes, math, <img> pictures, blocks of HTML, footnotes) as the handbook, the slides and
    the picture checks show it."""
    markdown.core.ruler.push("task_items", task_items)
    markdown.core.ruler.push("alerts", alerts)
    markdown.core.ruler.push("img_tags", img_tags)
    markdown.core.ruler.push("html_blocks", html_blocks)
    markdown.core.ruler.push("emoji_shortcodes", emoji_shortcodes)  # (in blocks of HTML too)
    markdown.inline.ruler.before("link", "footnote_ref", footnote_refs)
    markdown.inline.ruler.before("escape", "math_inline", math_inline)
    markdown.core.ruler.push("math_fences", math_fences)
    markdown.add_render_rule("math_inline", math_html)
    # (The handbook prints the note at the foot of the page: pdf.py.)
    markdown.add_render_rule("footnote_ref", lambda renderer, tokens, index, options, env:
                             f"<sup>{tokens[index].meta['number']}</sup>")
    return markdown
