"""Diagrams told in words: for a trainer's speaker notes and a screen reader's alt text.

A flowchart is told from its source: each subgraph with its nodes in order, then the links.
Any other diagram is told by the labels of its picture, in the order mermaid drew them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from .model import Diagram
from .repair import FLOWCHART, parse_node, split_at_links

SUBGRAPH = re.compile(r'^\s*subgraph\s+(?:[\w-]+\s*\[\s*"?(.*?)"?\s*\]|"(.*?)"|(.+?))\s*$')
END = re.compile(r"^\s*end\s*;?\s*$")
SKIPPED = re.compile(r"^\s*(%%|style\b|classDef\b|class\b|click\b|linkStyle\b|direction\b)")
MOST_LINKS = 20  # beyond this, notes list the groups only


def labels_of_svg(svg: str) -> list[str]:
    """Every distinct text of the picture, in drawing order."""
    labels: list[str] = []
    for element in ElementTree.fromstring(svg).iter():
        if element.tag.endswith("}text"):
            text = " ".join("".join(element.itertext()).split())
            if text and text not in labels:
                labels.append(text)
    return labels


def tell(diagram: Diagram, svg: str | None = None) -> str:
    """The diagram in a few plain sentences."""
    lines = diagram.source.splitlines()
    header = diagram.header_index
    if header is not None and FLOWCHART.match(lines[header]):
        return _tell_flowchart(lines[header + 1:])
    labels = labels_of_svg(svg) if svg else []
    return f"A {diagram.kind} diagram" + (": " + "; ".join(labels) + "." if labels else ".")


def _tell_flowchart(lines: list[str]) -> str:
    names: dict[str, str] = {}
    groups: list[tuple[str, list[str]]] = [("", [])]  # (subgraph title, node ids); "" for ungrouped
    open_groups: list[int] = []
    links: list[tuple[str, str]] = []
    for line in lines:
        header = SUBGRAPH.match(line)
        if header:
            groups.append((next(g for g in header.groups() if g is not None), []))
            open_groups.append(len(groups) - 1)
            continue
        if END.match(line):
            if open_groups:
                open_groups.pop()
            continue
        if SKIPPED.match(line) or not line.strip():
            continue
        parts = split_at_links(line)
        # Nodes joined by `&` link together: `A & B --> C` is A → C and B → C.
        steps: list[list[str]] = [[]]
        for index, part in enumerate(parts):
            if index % 2:
                if part.strip() != "&":
                    steps.append([])
                continue
            node = parse_node(part)
            if node is None:
                continue
            if node.opener and node.node_id not in names:
                names[node.node_id] = node.text
            names.setdefault(node.node_id, node.node_id)
            steps[-1].append(node.node_id)
            members = groups[open_groups[-1] if open_groups else 0][1]
            if node.node_id not in {n for _, group in groups for n in group}:
                members.append(node.node_id)
        links += [(a, b) for before, after in zip(steps, steps[1:]) for a in before for b in after]
    sentences = [f"{title}: {', '.join(names[n] for n in members)}." for title, members in groups[1:] if members]
    if groups[0][1]:
        sentences.append(("Also: " if sentences else "") + ", ".join(names[n] for n in groups[0][1]) + ".")
    if links and len(links) <= MOST_LINKS:
        sentences.append("Links: " + "; ".join(f"{names[a]} → {names[b]}" for a, b in links) + ".")
    elif links:
        sentences.append(f"{len(links)} links.")
    return " ".join(sentences)
