"""mermaid's flowchart syntax, read in one place for repair, restack and describe: the header and
its direction, subgraphs and their ends, links between nodes, and a node's id, shape and label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FLOWCHART = re.compile(r"^\s*(graph|flowchart)\b", re.I)
# Lines that hold no node definitions.
NOT_NODES = re.compile(r"^\s*(%%|subgraph\b|end\b|style\b|classDef\b|class\b|click\b|linkStyle\b|direction\b)")
# Shape openers, longest first, with the closer each needs.
SHAPES = [("([", "])"), ("[[", "]]"), ("[(", ")]"), ("((", "))"), ("{{", "}}"), ("[", "]"), ("(", ")"), ("{", "}"),
          (">", "]")]
# A link between nodes, with an optional |label|; node text between links is what we look at.
LINK = re.compile(r"""(\s*(?:[<ox]?(?:-{2,}|={2,}|-\.+-)[>ox]?|~~~)\s*(?:\|[^|]*\|)?\s*|\s+&\s+)""")
NODE = re.compile(r"^(\s*)([\w.\-]+)(.*?)(:::[\w-]+)?(\s*)$", re.S)
# A flowchart's header line, with its direction where it states one.
HEADER = re.compile(r"^(\s*(?:graph|flowchart))(?:\s+(TD|TB|BT|LR|RL))?(\s*;?\s*)$", re.I)
SUBGRAPH = re.compile(r"^(\s*)subgraph\s+(.*?)\s*$")
# `subgraph id [Title]`, `subgraph id["Title"]`, `subgraph "Title"`, `subgraph Title`: the title.
SUBGRAPH_TITLE = re.compile(r'^\s*subgraph\s+(?:[\w-]+\s*\[\s*"?(.*?)"?\s*\]|"(.*?)"|(.+?))\s*$')
END = re.compile(r"^\s*end\s*;?\s*$")
# `subgraph id`, `subgraph id [Title]`, `subgraph id["Title"]`: the id can be linked as it is.
NAMED = re.compile(r"^([\w-]+)\s*(\[.*\])?$")


def subgraph_title(line: str) -> str | None:
    """The title a `subgraph` line gives its group, or None if the line opens none."""
    found = SUBGRAPH_TITLE.match(line)
    return next(g for g in found.groups() if g is not None) if found else None


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
        inside = self.label[1:-1] if is_quoted(self.label) else self.label
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


def is_quoted(label: str) -> bool:
    return len(label) >= 2 and label.startswith('"') and label.endswith('"')


def split_at_links(line: str) -> list[str]:
    """The line cut at links between nodes, ignoring links inside "quoted" text:
    [node, link, node, link, …]."""
    parts, start, position = [], 0, 0
    while position < len(line):
        quote = _next_quote(line, position)
        # The first link that starts before the next quote (it may run past it: -->|"label"|).
        link = LINK.search(line, position)
        while link and link.start() < quote and not _is_link(link.group(0)):
            link = LINK.search(line, link.start() + 1)
        if link and link.start() < quote:
            parts += [line[start:link.start()], link.group(0)]
            start = position = link.end()
            continue
        # Past the quoted text, which ends at the next quote (or the line's end).
        position = _next_quote(line, quote + 1) + 1 if quote < len(line) else len(line)
    parts.append(line[start:])
    return parts


def _next_quote(line: str, position: int) -> int:
    """The index of the next `"` not escaped by a backslash, at or after `position`; else len(line)."""
    while (found := line.find('"', position)) > 0 and line[found - 1] == "\\":
        position = found + 1
    return len(line) if found < 0 else found


def _is_link(text: str) -> bool:
    return bool(text.strip()) and (text.strip() == "&" or any(c in text for c in "-=~"))
