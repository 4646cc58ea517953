"""Repairs, before rendering, the flowchart mistakes real documents make and mermaid rejects.

Each repair quotes a node label, which never changes what a label says: `B[type_of(DefId) → Ty]`
becomes `B["type_of(DefId) → Ty"]`. Labels are quoted when they hold `( ) [ ] { } |` (mermaid
reads those as shape syntax), start with `/` or `\\` without closing as the matching shape, or hold
a `"` (made a typographic quote). A subgraph styled by its title (`style "Title" fill:…`) gets an id
to be styled by. Every repair is reported as a located note. Independently,
`<` and `>` in labels are written as mermaid's `#lt;`/`#gt;`, which its sanitiser keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Diagnostic, Diagram

FLOWCHART = re.compile(r"^\s*(graph|flowchart)\b", re.I)
# Lines that hold no node definitions.
NOT_NODES = re.compile(r"^\s*(%%|subgraph\b|end\b|style\b|classDef\b|class\b|click\b|linkStyle\b|direction\b)")
# Shape openers, longest first, with the closer each needs.
SHAPES = [("([", "])"), ("[[", "]]"), ("[(", ")]"), ("((", "))"), ("{{", "}}"), ("[", "]"), ("(", ")"), ("{", "}"),
          (">", "]")]
# The slanted shapes `[/…/]`, `[\…\]`, `[/…\]`, `[\…/]` are valid as they are.
SLANTED = re.compile(r"^[/\\].*[/\\]$", re.S)
SHAPE_CHARACTERS = set("()[]{}|")
# A link between nodes, with an optional |label|; node text between links is what we look at.
LINK = re.compile(r"""(\s*(?:[<ox]?(?:-{2,}|={2,}|-\.+-)[>ox]?|~~~)\s*(?:\|[^|]*\|)?\s*|\s+&\s+)""")
NODE = re.compile(r"^(\s*)([\w.\-]+)(.*?)(:::[\w-]+)?(\s*)$", re.S)


WEB_IMAGE = re.compile(r"""\bimg\s*:\s*("[^"]*"|'[^']*')\s*,?\s*""")


@dataclass(frozen=True, slots=True)
class Repaired:
    source: str
    notes: tuple[Diagnostic, ...]


def repair(diagram: Diagram, for_rendering: bool = True) -> Repaired:
    """The diagram's source with rejected labels quoted, and a note per change; `for_rendering`,
    also what only rendering needs (not for writing back): `<` and `>` escaped, and pictures
    named by URL (`A@{ img: "https://…" }`) left out, since nothing is fetched."""
    lines = diagram.source.split("\n")
    if for_rendering:
        lines = [WEB_IMAGE.sub("", line) if "@{" in line else line for line in lines]
    header = diagram.header_index
    if header is None or not FLOWCHART.match(lines[header]):
        return Repaired(diagram.source, ())
    notes: list[Diagnostic] = []
    for index, line in enumerate(lines):
        if index <= header or NOT_NODES.match(line) or not line.strip():
            continue
        lines[index] = _repair_line(line, for_rendering, lambda column, label: notes.append(Diagnostic(
            "note", diagram.source_location(index + 1, column), f'quoted label "{label}"',
            "quote labels that hold ( ) [ ] { } | or start with / so mermaid reads them as text", "diagram.repaired")))
    for index, title, name in _name_styled_subgraphs(lines):
        column = len(lines[index]) - len(lines[index].lstrip()) + len("style ") + 1
        notes.append(Diagnostic(
            "note", diagram.source_location(index + 1, column), f'gave subgraph "{title}" the id {name} to style it by',
            f'mermaid styles a subgraph by its id: write subgraph {name} ["{title}"] and style {name} …',
            "diagram.repaired"))
    return Repaired("\n".join(lines), tuple(notes))


STYLE_BY_TITLE = re.compile(r'^(\s*)style\s+"([^"]+)"(\s.*)?$')
SUBGRAPH_TITLE = re.compile(r'^(\s*)subgraph\s+"([^"]+)"\s*$')


def _name_styled_subgraphs(lines: list[str]) -> list[tuple[int, str, str]]:
    """`style "Title" …` names a subgraph by its title, which mermaid cannot parse (a titled
    subgraph has a generated id). Gives each such subgraph an id made from its title and styles
    that id instead, in place; returns (style line index, title, id) for each."""
    headers = {m.group(2): i for i, line in enumerate(lines) if (m := SUBGRAPH_TITLE.match(line))}
    named = []
    for index, line in enumerate(lines):
        style = STYLE_BY_TITLE.match(line)
        if not style or style.group(2) not in headers:
            continue
        indent, title, rest = style.groups()
        name = re.sub(r"\W+", "_", title).strip("_") or "subgraph"
        text = "\n".join(lines)
        while re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            name += "_"
        header = headers.pop(title)
        lines[header] = f'{SUBGRAPH_TITLE.match(lines[header]).group(1)}subgraph {name} ["{title}"]'
        lines[index] = f"{indent}style {name}{rest or ''}"
        named.append((index, title, name))
    return named


def _repair_line(line: str, escape_angles: bool, report) -> str:
    parts = split_at_links(line)
    position = 0
    for number, part in enumerate(parts):
        if number % 2 == 0:  # node text; odd parts are the links between nodes
            parts[number] = _repair_node(part, position, escape_angles, report)
        position += len(part)
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class NodeText:
    """A node as written between links: `indent id opener label closer :::class trailing`;
    opener, label and closer are empty for a bare id."""

    indent: str
    node_id: str
    opener: str
    label: str
    closer: str
    css_class: str
    trailing: str

    @property
    def text(self) -> str:
        """The label as a reader sees it: no quotes, line breaks as spaces."""
        inside = self.label[1:-1] if _is_quoted(self.label) else self.label
        return " ".join(re.sub(r"<br\s*/?>", " ", inside.replace('\\"', '"'), flags=re.I).split())


def parse_node(text: str) -> NodeText | None:
    """The node written in `text` (one part of split_at_links), or None if it is not one."""
    match = NODE.match(text)
    if not match:
        return None
    indent, node_id, shape_text, css_class, trailing = match.groups()
    for opener, closer in SHAPES:
        if shape_text.startswith(opener) and shape_text.endswith(closer) and len(shape_text) >= len(opener) + len(closer):
            label = shape_text[len(opener): len(shape_text) - len(closer)]
            return NodeText(indent, node_id, opener, label, closer, css_class or "", trailing)
    return NodeText(indent, node_id, "", "", "", css_class or "", trailing) if not shape_text.strip() else None


def _repair_node(text: str, column_base: int, escape_angles: bool, report) -> str:
    node = parse_node(text)
    if node is None or not node.opener:
        return text
    label = node.label
    text_inside = label[1:-1] if _is_quoted(label) else label
    kept_text = _escape_angles(text_inside) if escape_angles else text_inside
    if _needs_quotes(node.opener, label):
        report(column_base + len(node.indent) + len(node.node_id) + len(node.opener) + 1, text_inside)
        label = '"' + _typographic_quotes(kept_text) + '"'
    elif kept_text != text_inside:
        label = label.replace(text_inside, kept_text)
    else:
        return text
    return f"{node.indent}{node.node_id}{node.opener}{label}{node.closer}{node.css_class}{node.trailing}"


def _escape_angles(text: str) -> str:
    """`<` and `>` as mermaid's #lt; and #gt;: its sanitiser would drop `<T>` and `->`'s `>`.
    Line breaks written `<br>` stay."""
    pieces = re.split(r"(<br\s*/?>)", text, flags=re.I)
    return "".join(p if i % 2 else p.replace("<", "#lt;").replace(">", "#gt;") for i, p in enumerate(pieces))


def _typographic_quotes(text: str) -> str:
    """Straight quotes (also written \\") as “ and ”: mermaid has no escape for `"` in a label
    that prints in SVG text."""
    text = text.replace('\\"', '"')
    result, opening = [], True
    for char in text:
        if char == '"':
            result.append("“" if opening else "”")
            opening = not opening
        else:
            result.append(char)
    return "".join(result)


def _needs_quotes(opener: str, label: str) -> bool:
    if _is_quoted(label):
        return '"' in label[1:-1]  # a quote inside quotes, written \" or bare
    if opener == "[" and SLANTED.match(label):
        return False
    return bool(SHAPE_CHARACTERS & set(label)) or label.startswith(("/", "\\")) or '"' in label


def _is_quoted(label: str) -> bool:
    return len(label) >= 2 and label.startswith('"') and label.endswith('"')


def split_at_links(line: str) -> list[str]:
    """The line cut at links between nodes, ignoring links inside "quoted" text:
    [node, link, node, link, …]."""
    parts, start, in_quotes = [], 0, False
    position = 0
    while position < len(line):
        char = line[position]
        if char == '"' and (position == 0 or line[position - 1] != "\\"):
            in_quotes = not in_quotes
        elif not in_quotes:
            link = LINK.match(line, position)
            if link and link.end() > position and _is_link(link.group(0)):
                parts += [line[start:position], link.group(0)]
                start = position = link.end()
                continue
        position += 1
    parts.append(line[start:])
    return parts


def _is_link(text: str) -> bool:
    return bool(text.strip()) and (text.strip() == "&" or any(c in text for c in "-=~"))


def repaired_document(text: str, diagrams: list[Diagram]) -> str:
    """The document's text with each diagram's body replaced by its repaired source. Repairs keep
    line counts, so each diagram's lines are where the parser found them."""
    lines = text.split("\n")
    for diagram in diagrams:
        fixed = repair(diagram, for_rendering=False)
        if not fixed.notes:
            continue
        first = diagram.location.line  # 0-based index of the diagram's first line is the fence's line number
        body = fixed.source.rstrip("\n").split("\n")
        lines[first:first + len(body)] = body
    return "\n".join(lines)
