"""Layout variants of a top-down flowchart whose subgraphs mermaid lays side by side (and of any
flowchart, turned a quarter).

mermaid puts unlinked subgraphs of a `graph TD` next to each other: the seed's usual four make a
picture five times wider than tall, whose labels print at under 3 pt in a text column. Invisible
links between the subgraphs (`sg0 ~~~ sg1`) stack them instead, in one column or in a grid. The
variants are rendered beside the original and each output keeps the one whose text prints largest
in its space. Variants are never shown to the user as source; what goes wrong in them is ignored.
"""

from __future__ import annotations

import functools
import math
import re

from . import resources
from .model import header_index
from .flowchart import END, FLOWCHART, HEADER, NAMED, SUBGRAPH, parse_node, split_at_links

VARIANT_ID = "pbsg{}"


def variants(source: str) -> list[str]:
    """Restacked versions of `source` (one column, then a grid; as written, going down, and going
    down with lists as columns), or [] when there is nothing to restack: not a top-down
    flowchart, or fewer than two top-level subgraphs."""
    return [text for text, _ in _layouts(source)]


def likely_variants(source: str) -> list[str]:
    """The variants tried first: as written (one column and a grid) and, where there are lists,
    the grid with lists as columns. On the seed these were the best layout for 92 of 98 upright
    pages; the others are worth rendering only for a diagram these leave too small."""
    return [text for text, likely in _layouts(source) if likely]


def layouts(source: str, kind: str) -> list[str]:
    """The other layouts of `source` a build renders, by what its outputs may still gain:
    "likely", the likely variants; "turned", those, the quarter turn (a landscape slide gains
    from turning; on ../shared's documents it never took another variant) and a chart's compact
    canvas; "every", every variant, the quarter turn and the compact canvas. Always in the order
    of "every": placement keeps the first of two layouts that show their text as large, so a
    layout is chosen whichever kind rendered it."""
    reshaped = turned(source) + compact(source)
    every = variants(source) + reshaped
    if kind == "every":
        return every
    wanted = set(likely_variants(source)) | set(reshaped if kind == "turned" else ())
    return [text for text in every if text in wanted]


@functools.lru_cache(maxsize=4096)  # a build asks for the likely ones, then for all of them
def _layouts(source: str) -> tuple[tuple[str, bool], ...]:
    """Each variant, and whether it is among the likely ones."""
    lines, first, header = _header(source)
    if not header or (header.group(2) or "").upper() not in ("TD", "TB"):  # stated top-down only
        return ()
    ids, headers = _name_top_level_subgraphs(lines)
    if len(ids) < 2:
        return ()
    columns = [1] + ([math.ceil(math.sqrt(len(ids)))] if len(ids) >= 3 else [])
    # mermaid lays out a subgraph with no links to outside nodes across the page (TD turns LR);
    # `direction TB` inside each subgraph keeps its chain going down, which may fit better.
    downward = "\n".join(line + f"\n{SUBGRAPH.match(line).group(1)}    direction TB" if index in headers else line
                          for index, line in enumerate(lines)).split("\n")
    # (Where every subgraph states its own direction, which mermaid takes over the one put first,
    # going down draws what is written.)
    going_down = not all(map(_states_its_direction, _top_level(lines)[0]))
    bodies = [(lines, "written")] + ([(downward, "down")] if going_down else [])
    # A subgraph listing unlinked nodes lays them in one row; going down, invisible links make
    # the list a column (or a few), which is what makes the seed's widest diagrams readable.
    listed = _lists_as_columns(downward)
    if listed != downward:
        bodies.append((listed, "listed"))
    return tuple(("\n".join(body + _links(ids, c)) + "\n", kind == "written" or (kind == "listed" and c == columns[-1]))
                 for body, kind in bodies for c in columns)


# The direction that turns a flowchart a quarter: a long chain laid across fits better going down,
# a tall decision tree laid across may fit a landscape page or a slide better.
TURNED = {"TD": "LR", "TB": "LR", "BT": "RL", "LR": "TD", "RL": "BT"}


# Diagrams that take a `direction` statement, and the direction they are drawn in without one.
DIRECTED = re.compile(r"^\s*(stateDiagram(?:-v2)?|classDiagram(?:-v2)?|erDiagram)\b")
TURNED_STATEMENT = {**TURNED, "LR": "TB"}  # these diagrams know TB, not TD
DIRECTION = re.compile(r"^(\s*)direction\s+(TD|TB|BT|LR|RL)\s*;?\s*$", re.I)


def turned(source: str) -> list[str]:
    """`source` drawn a quarter turned (a flowchart's header and its subgraphs' own `direction`
    statements, or a state, class or ER diagram's top-level `direction` statement), or [] for a
    diagram that has no direction."""
    lines, first, header = _header(source)
    if header:
        keyword, direction, tail = header.groups()
        lines[first] = f"{keyword} {TURNED[(direction or 'TD').upper()]}{tail}"
        for index in range(first + 1, len(lines)):  # a subgraph drawn its own way turns with the rest
            if found := DIRECTION.match(lines[index]):
                lines[index] = f"{found.group(1)}direction {TURNED_STATEMENT[found.group(2).upper()]}"
        return ["\n".join(lines) + "\n"]
    if first is None or not DIRECTED.match(lines[first]):
        return []
    depth = 0  # inside a composite state, a namespace or a class body, a direction is theirs
    for index in range(first + 1, len(lines)):
        found = DIRECTION.match(lines[index])
        if found and depth == 0:
            lines[index] = f"{found.group(1)}direction {TURNED_STATEMENT[found.group(2).upper()]}"
            return ["\n".join(lines) + "\n"]
        # (an ER relation's `}o--o{` opens and closes nothing: only a block's own lines count)
        depth += lines[index].rstrip().endswith("{") - (lines[index].strip() == "}")
    return ["\n".join([*lines[:first + 1], "direction LR", *lines[first + 1:]]) + "\n"]


# A chart drawn on a smaller canvas, its words as large: mermaid draws a bar chart 700 x 500 px
# with 14 px labels, a quadrant chart 500 x 500 with 12 px points and a gantt chart as wide as the
# page it is drawn in (856 px here) with 10 px axis labels, too small for a slide's 12 pt at the
# size a slide shows them (the decks cut them into pieces, which mean nothing for a chart); a gantt
# chart 560 px wide also prints upright at 7 pt. A sequence diagram's participants closer together,
# its messages wrapped, is 10-35% narrower: fewer columns of pieces; in narrower boxes (below) 30-50%,
# so that seven participants fit a slide's width at 12 pt, each message whole, where they were cut
# into two columns of pieces. (A canvas that runs a chart's words into each other is not used:
# placement.crowded_words.)
COMPACT = {"xychart": ('%%{init: {"xyChart": {"width": 560, "height": 330}}}%%',),
           "xychart-beta": ('%%{init: {"xyChart": {"width": 560, "height": 330}}}%%',),
           "quadrantchart": ('%%{init: {"quadrantChart": {"chartWidth": 400, "chartHeight": 340}}}%%',),
           "gantt": ('%%{init: {"gantt": {"useWidth": 720}}}%%', '%%{init: {"gantt": {"useWidth": 560}}}%%'),
           "sequencediagram": ('%%{init: {"sequence": {"actorMargin": 20, "wrap": true}}}%%',)}
# A participant's box at least this wide (mermaid's is 150 px), and wide enough for the longest
# word of a participant's name in mermaid's 16 px (mermaid breaks a longer one: "Orchestrato-r"),
# with mermaid's 10 px of padding each side.
NARROWEST_PARTICIPANT = 110
PARTICIPANT_PADDING = 2 * 10 + 4
PARTICIPANT = re.compile(r"^\s*(?:participant|actor)\s+(\S+)(?:\s+as\s+(.+?))?\s*$")
MESSAGE_ENDS = re.compile(r"^\s*([^\s:>+-][^:]*?)\s*<{0,2}-{1,2}[>)x]{0,2}[+-]?\s*([^:]+?)\s*:")
# A wardley map takes its canvas from a statement of its own (mermaid 11.17 reads no configuration
# of its size): 900 x 600 px by default, too large for a slide's 12 pt; its points are placed by
# fractions of the canvas, so a smaller one keeps the map.
SIZED = {"wardley-beta": ("size [640, 440]",)}


def compact(source: str) -> list[str]:
    """`source` on each smaller canvas of COMPACT (or SIZED), or [] for another kind of diagram
    and for one that sets its own configuration (front matter, a directive, a size): its author
    chose its size."""
    lines, first, _ = _header(source)
    if first is None or "%%{" in source or source.lstrip().startswith("---"):
        return []
    kind = lines[first].split()[0].lower() if lines[first].split() else ""
    if kind in SIZED and not any(re.match(r"\s*size\b", line) for line in lines):
        return ["\n".join([*lines[:first + 1], size, *lines[first + 1:]]) + "\n" for size in SIZED[kind]]
    canvases = COMPACT.get(kind, ())
    if kind == "sequencediagram" and (width := _narrow_participants(lines[first + 1:])):
        canvases = (*canvases, f'%%{{init: {{"sequence": {{"actorMargin": 20, "width": {width}, "wrap": true}}}}}}%%')
    return [canvas + "\n" + source for canvas in canvases]


def _narrow_participants(lines: list[str]) -> int | None:
    """The width of a sequence diagram's participants' boxes, narrower than mermaid's 150 px, that
    still holds the longest word of their names on one line; None where no narrower one does."""
    names = set()
    for line in lines:
        if found := PARTICIPANT.match(line):
            names.add(found.group(2) or found.group(1))
        elif found := MESSAGE_ENDS.match(line):
            names.update(found.groups())
    words = [word for name in names for word in re.split(r"\s+|<br\s*/?>", name.strip('"'), flags=re.I) if word]
    longest = max((resources.font(16).getlength(word) for word in words), default=0.0)
    width = max(NARROWEST_PARTICIPANT, math.ceil(longest + PARTICIPANT_PADDING))
    return width if width < 150 else None


def _header(source: str) -> tuple[list[str], int | None, re.Match | None]:
    """The source's lines, the index of its header line and, for a flowchart, the header's match."""
    lines = source.rstrip("\n").split("\n")
    first = header_index(source)
    return lines, first, HEADER.match(lines[first]) if first is not None else None


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


def _top_level(lines: list[str]) -> tuple[list[list[str]], list[str]]:
    """The lines of each top-level subgraph, from its `subgraph` line to its `end`; and the lines
    outside them all."""
    blocks: list[list[str]] = []
    outside: list[str] = []
    depth = 0
    for line in lines:
        if SUBGRAPH.match(line):
            if depth == 0:
                blocks.append([])
            depth += 1
        if depth > 0:
            blocks[-1].append(line)
            if END.match(line):
                depth -= 1
        else:
            outside.append(line)
    return blocks, outside


def _states_its_direction(block: list[str]) -> bool:
    """Whether a subgraph (its lines) has a `direction` statement of its own, not a nested one's."""
    depth = 0
    for line in block[1:]:
        if SUBGRAPH.match(line):
            depth += 1
        elif END.match(line):
            depth -= 1
        elif depth == 0 and DIRECTION.match(line):
            return True
    return False


def _lists_as_columns(lines: list[str], longest: int = 4) -> list[str]:
    """`lines` with the unlinked nodes written directly inside each top-level subgraph chained by
    invisible links into columns of at most `longest`, inserted before the subgraph's `end`."""
    linked = " ".join(line for line in lines if len(split_at_links(line)) > 1)
    result: list[str] = []
    loose: list[str] = []
    depth = 0
    for line in lines:
        if SUBGRAPH.match(line):
            depth += 1
        elif END.match(line) and depth > 0:
            depth -= 1
            if depth == 0 and len(loose) >= 2:
                height = math.ceil(len(loose) / math.ceil(len(loose) / longest))
                indent = re.match(r"\s*", line).group(0) + "    "
                result += [indent + " ~~~ ".join(loose[i:i + height]) for i in range(0, len(loose), height)]
            loose = [] if depth == 0 else loose
        elif depth == 1 and len(split_at_links(line)) == 1:
            node = parse_node(line)
            if node and node.node_id not in loose and not re.search(rf"(?<![\w-]){re.escape(node.node_id)}(?![\w-])", linked):
                loose.append(node.node_id)
        result.append(line)
    return result


def _links(ids: list[str], columns: int) -> list[str]:
    """Invisible links putting subgraph i+columns under subgraph i."""
    return [f"    {ids[i]} ~~~ {ids[i + columns]}" for i in range(len(ids) - columns)]


def parts(source: str) -> list[tuple[str, str]]:
    """One diagram per top-level subgraph of a flowchart (with the styles), and one of the nodes
    and links outside every subgraph, for pages and slides where the whole is too small to read;
    a part shows the labels of the nodes it links to elsewhere. [] for fewer than two subgraphs.
    Each part comes in two layouts: as mermaid lays a lone subgraph (across), and downward."""
    lines = source.rstrip("\n").split("\n")
    first = header_index(source)
    if first is None or not FLOWCHART.match(lines[first]):
        return []
    blocks, elsewhere = _top_level(lines[first + 1:])
    # class and style lines, for the parts they apply to; nodes and links outside every subgraph
    shared = [line for line in elsewhere if re.match(r"^\s*(classDef|class|style)\b", line)]
    outside = [line for line in elsewhere
               if line.strip() and not re.match(r"^\s*(%%|linkStyle|click|direction|classDef|class|style)\b", line)]
    if len(blocks) < 2:
        return []
    labels = _node_definitions(lines)
    result = []
    for block in blocks:
        rest = [*_borrowed_labels(block, labels), *(s for s in shared if _applies(s, block))]
        # (A subgraph that states its own direction is drawn the same going down: made once.)
        downward = (block if _states_its_direction(block) else
                    [block[0], f"{SUBGRAPH.match(block[0]).group(1)}    direction TB", *block[1:]])
        result.append(tuple("\n".join([lines[first], *body, *rest]) + "\n" for body in (block, downward)))
    if outside:  # a last part with what no subgraph holds, often how the subgraphs connect
        rest = [*_borrowed_labels(["", *outside], labels), *(s for s in shared if _applies(s, outside))]
        part = "\n".join([lines[first], *outside, *rest]) + "\n"
        result.append((part, part))
    return result


def _node_definitions(lines: list[str]) -> dict[str, str]:
    """Each node's first written shape and label (`D[MIR - Mid-level IR]`), by id."""
    found: dict[str, str] = {}
    for line in lines[1:]:
        if SUBGRAPH.match(line) or END.match(line):
            continue
        for part in split_at_links(line)[::2]:
            node = parse_node(part)
            if node and node.opener and node.node_id not in found:
                found[node.node_id] = f"{node.node_id}{node.opener}{node.label}{node.closer}"
    return found


def _borrowed_labels(block: list[str], labels: dict[str, str]) -> list[str]:
    """Definitions for nodes a subgraph links to but that are written elsewhere, so they show
    their label rather than their id."""
    here = _node_definitions(["", *block])
    used = {node.node_id for line in block[1:] if not (SUBGRAPH.match(line) or END.match(line))
            for part in split_at_links(line)[::2] if (node := parse_node(part))}
    return [f"    {labels[n]}" for n in sorted(used) if n not in here and n in labels]


def _applies(line: str, block: list[str]) -> bool:
    """classDef lines always; `style X` and `class X,Y c` only where X is in the block (mermaid
    would otherwise draw X as a new, empty node)."""
    words = line.split()
    if words[0] == "classDef" or len(words) < 2:
        return True
    text = "\n".join(block)
    return any(re.search(rf"\b{re.escape(node)}\b", text) for node in words[1].split(","))
