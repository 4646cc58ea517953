"""Layout variants of a top-down flowchart whose subgraphs mermaid lays side by side.

mermaid puts unlinked subgraphs of a `graph TD` next to each other: the seed's usual four make a
picture five times wider than tall, whose labels print at under 3 pt in a text column. Invisible
links between the subgraphs (`sg0 ~~~ sg1`) stack them instead, in one column or in a grid. The
variants are rendered beside the original and each output keeps the one whose text prints largest
in its space. Variants are never shown to the user as source; what goes wrong in them is ignored.
"""

from __future__ import annotations

import math
import re

TOP_DOWN = re.compile(r"^\s*(graph|flowchart)\s+(TD|TB)\s*;?\s*$", re.I)
SUBGRAPH = re.compile(r"^(\s*)subgraph\s+(.*?)\s*$")
END = re.compile(r"^\s*end\s*;?\s*$")
# `subgraph id`, `subgraph id [Title]`, `subgraph id["Title"]`: the id can be linked as it is.
NAMED = re.compile(r"^([\w-]+)\s*(\[.*\])?$")
VARIANT_ID = "pbsg{}"


def variants(source: str) -> list[str]:
    """Restacked versions of `source` (one column, then a grid), or [] when there is nothing to
    restack: not a top-down flowchart, or fewer than two top-level subgraphs."""
    lines = source.rstrip("\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.strip().startswith("%%")), None)
    if first is None or not TOP_DOWN.match(lines[first]):
        return []
    ids, headers = _name_top_level_subgraphs(lines)
    if len(ids) < 2:
        return []
    columns = [1] + ([math.ceil(math.sqrt(len(ids)))] if len(ids) >= 3 else [])
    # mermaid lays out a subgraph with no links to outside nodes across the page (TD turns LR);
    # `direction TB` inside each subgraph keeps its chain going down, which may fit better.
    downward = [line + f"\n{SUBGRAPH.match(line).group(1)}    direction TB" if index in headers else line
                for index, line in enumerate(lines)]
    return ["\n".join(body + _links(ids, c)) + "\n" for body in (lines, downward) for c in columns]


def _name_top_level_subgraphs(lines: list[str]) -> tuple[list[str], set[int]]:
    """Gives every top-level subgraph an id that can be linked (rewriting its line if it needs
    one); returns the ids in order and the indexes of their lines."""
    ids: list[str] = []
    headers: set[int] = set()
    depth = 0
    for index, line in enumerate(lines):
        header = SUBGRAPH.match(line)
        if header:
            if depth == 0:
                headers.add(index)
                indent, title = header.groups()
                named = NAMED.match(title)
                if named:
                    ids.append(named.group(1))
                else:
                    ids.append(VARIANT_ID.format(len(ids)))
                    label = title[1:-1] if len(title) >= 2 and title[0] == title[-1] == '"' else title
                    lines[index] = f'{indent}subgraph {ids[-1]} ["{label}"]'
            depth += 1
        elif END.match(line) and depth > 0:
            depth -= 1
    return ids, headers


def _links(ids: list[str], columns: int) -> list[str]:
    """Invisible links putting subgraph i+columns under subgraph i."""
    return [f"    {ids[i]} ~~~ {ids[i + columns]}" for i in range(len(ids) - columns)]
