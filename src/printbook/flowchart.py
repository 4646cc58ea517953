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
