"""Repairs, before rendering, the flowchart mistakes real documents make and mermaid rejects.

Each repair quotes a node's or a link's label, which never changes what a label says:
`B[type_of(DefId) → Ty]` becomes `B["type_of(DefId) → Ty"]`, `-->|Return (if found)|` becomes
`-->|"Return (if found)"|`. Labels are quoted when they hold `( ) [ ] { } |` (mermaid
reads those as shape syntax), start with `/` or `\\` without closing as the matching shape, or hold
a `"` (made a typographic quote). A subgraph styled by its title (`style "Title" fill:…`) gets an id
to be styled by, and one whose id a node has too (`subgraph "Internet"` around `Internet[Internet]`,
which mermaid rejects as a cycle) an id of its own. Every repair is reported as a located note. Independently,
`<` and `>` in labels are written as mermaid's `#lt;`/`#gt;`, which its sanitiser keeps.

In a timeline, a colon in a section's title or a period (`section 09:00-12:00`, `10:30 : Standup`)
is written as a lookalike: mermaid reads a colon there as where the events begin, and rejects the
diagram. In a sequence diagram, an HTML entity (`&lt;`) and a `;` in a message's or a note's words
are written as mermaid's (`#lt;`, `#59;`): a `;` ends the statement there; and an arrow both ways
written `<->>` is mermaid's `<<->>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .flowchart import (FLOWCHART, NAMED, NOT_NODES, SUBGRAPH, is_quoted, parse_node, split_at_links,
                        subgraph_title)
from .model import Diagnostic, Diagram

# The slanted shapes `[/…/]`, `[\…\]`, `[/…\]`, `[\…/]` are valid as they are.
SLANTED = re.compile(r"^[/\\].*[/\\]$", re.S)
SHAPE_CHARACTERS = set("()[]{}|")
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
    if header is not None and TIMELINE.match(lines[header]):
        return _repaired_timeline(diagram, lines, header)
    if header is not None and SEQUENCE.match(lines[header]):
        return _repaired_sequence(diagram, lines, header)
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
    for index, title, name in _unclash_subgraphs(lines, header):
        notes.append(Diagnostic(
            "note", diagram.source_location(index + 1, len(lines[index]) - len(lines[index].lstrip()) + 1),
            f'gave subgraph "{title}" the id {name}: a node has its id',
            f'a subgraph and a node need ids of their own: write subgraph {name} ["{title}"]', "diagram.repaired"))
    return Repaired("\n".join(lines), tuple(notes))


def _unused_id(name: str, lines: list[str]) -> str:
    """`name`, with "_" added until no line of the diagram uses it as a word already."""
    text = "\n".join(lines)
    while re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
        name += "_"
    return name


def _unclash_subgraphs(lines: list[str], header: int) -> list[tuple[int, str, str]]:
    """A subgraph whose id (its title, where it has no id of its own) is also a node's, given a
    label (`Internet[Internet]`): mermaid takes the two for one, and fails ('would create a
    cycle') when the node is inside. Gives each such subgraph an id of its own, in place (links
    and styles keep naming the node; a link to a subgraph's id, with no node labelled so, stays
    one); returns (subgraph line index, title, id) for each."""
    nodes = {node.node_id for line in lines[header + 1:] if not NOT_NODES.match(line)
             for part in split_at_links(line)[::2] if (node := parse_node(part)) and node.opener}
    renamed = []
    for index, line in enumerate(lines):
        found = SUBGRAPH.match(line)
        if not found or index <= header:
            continue
        written = found.group(2)
        named = NAMED.match(written)
        own = named.group(1) if named else written[1:-1] if is_quoted(written) else written
        if own not in nodes:
            continue
        title = subgraph_title(line)
        name = _unused_id(f"{own}_group", lines)
        lines[index] = f'{found.group(1)}subgraph {name} ["{title}"]'
        renamed.append((index, title, name))
    return renamed


TIMELINE = re.compile(r"^\s*timeline\b")
TIMELINE_OTHER_LINES = re.compile(r"^\s*(title\s|accTitle\s*:|accDescr\b|%%|:)")
TIMELINE_SECTION = re.compile(r"^(\s*section\s)(.*)$")
LOOKALIKE_COLON = "\ua789"  # MODIFIER LETTER COLON, in the print font


def _repaired_timeline(diagram: Diagram, lines: list[str], header: int) -> Repaired:
    """mermaid's timeline takes no colon in a section's title, nor in a period (the text before
    the `: ` its events start with): times of day there (`09:00`) made the whole diagram fail.
    Each such colon is written as a lookalike, with a note."""
    notes = []
    for index in range(header + 1, len(lines)):
        line = lines[index]
        section = TIMELINE_SECTION.match(line)
        if section:
            start, end = len(section.group(1)), len(line)
        elif TIMELINE_OTHER_LINES.match(line) or not line.strip():
            continue
        else:  # a period, then its events
            events = re.search(r":\s", line)
            start, end = 0, events.start() if events else len(line)
        if ":" not in line[start:end]:
            continue
        text = line[start:end].strip()
        lines[index] = line[:start] + line[start:end].replace(":", LOOKALIKE_COLON) + line[end:]
        notes.append(Diagnostic(
            "note", diagram.source_location(index + 1, line.index(":", start) + 1),
            f'wrote the colons in "{text}" as {LOOKALIKE_COLON}, which prints alike',
            "in a timeline, mermaid takes ':' only where a period's events start (': event')", "diagram.repaired"))
    return Repaired("\n".join(lines), tuple(notes))


SEQUENCE = re.compile(r"^\s*sequenceDiagram\b")
HTML_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#?(\w+));")


def _as_mermaids(entity: re.Match) -> str:
    """An HTML entity as mermaid writes one: `&lt;` as `#lt;`, `&#60;` and `&#x3C;` as `#60;`."""
    return f"#{int(entity.group(1), 16)};" if entity.group(1) else f"#{entity.group(2)};"


# A sequence diagram's arrow (`->>`, `-->`, `-x`, `-)`), what tells a message from other lines.
SEQUENCE_ARROW = re.compile(r"-{1,2}(?:>>|>|x|\))")
# What may follow a `;` that ends a statement in a sequence diagram: a keyword, or a message.
SEQUENCE_STATEMENT = re.compile(
    r"^\s*(?:(?:participant|actor|note|loop|alt|else|opt|par|and|rect|end|critical|option|break|activate|"
    r"deactivate|autonumber|box|create|destroy|title|links?|properties|details)\b|[^:;]+?(?:<<)?"
    + SEQUENCE_ARROW.pattern + ")", re.I)
# A one-headed arrow written with a second head at the start: `C<->>S` for mermaid's `C<<->>S`.
HALF_TWO_WAY = re.compile(r"(?<=[^<\s-])(\s*)<(-{1,2})>>")
# A flowchart's style statement (`style WAL fill:#ff9800`), which a sequence diagram has none of.
FLOWCHART_STYLE = re.compile(r"^\s*(style|classDef|class|linkStyle)\s+\S")


def _repaired_sequence(diagram: Diagram, lines: list[str], header: int) -> Repaired:
    """In a sequence diagram a `;` ends a statement, so an HTML entity in a message or a note
    (`Note over A: heaps &lt;100MB`), or a `;` in its words (`number = 42; // A`), cut it in two
    and made the whole diagram fail: each is written as mermaid's own entity (`#lt;`, `#59;`),
    which prints the same; an arrow both ways written `<->>` as mermaid's `<<->>`; and a
    flowchart's `style` line, which fails the diagram too, is made a comment. A note for each line
    repaired."""
    notes = []

    def note(index: int, column: int, message: str, hint: str) -> None:
        notes.append(Diagnostic("note", diagram.source_location(index + 1, column + 1), message, hint, "diagram.repaired"))

    for index in range(header + 1, len(lines)):
        line = lines[index]
        if line.lstrip().startswith("%%"):
            continue
        if FLOWCHART_STYLE.match(line) and not SEQUENCE_ARROW.search(line):
            start = len(line) - len(line.lstrip())
            lines[index] = line[:start] + "%% " + line[start:]
            note(index, start, f"left out {line.strip()}: a sequence diagram takes no {line.split()[0]} lines",
                 "mermaid colours a sequence diagram's participants with box … end; lint --fix makes the line a comment")
            continue
        if found := HTML_ENTITY.search(line):
            line = HTML_ENTITY.sub(_as_mermaids, line)
            note(index, found.start(), f"wrote {found.group(0)} as mermaid's {_as_mermaids(found)}, which prints the same",
                 "in a sequence diagram ';' ends a statement: write entities as #lt; or #60;")
        words = line.find(":")
        head = line if words < 0 else line[:words]
        if found := HALF_TWO_WAY.search(head):
            line = line[:found.start(2) - 1] + f"<<{found.group(2)}>>" + line[found.end():]
            note(index, found.start(2) - 1, f"wrote <{found.group(2)}>> as mermaid's arrow both ways, <<{found.group(2)}>>",
                 "mermaid draws an arrow both ways as <<->> (or <<-->> dotted)")
            words = line.find(":")
        # (A ; that ends the line or comes before a statement, and an entity's own, stay.)
        stray = [] if words < 0 else [at for at in range(words, len(line)) if line[at] == ";" and line[at + 1:].strip()
                                      and not SEQUENCE_STATEMENT.match(line[at + 1:]) and not re.search(r"#\w+$", line[:at])]
        if stray:
            line = "".join("#59;" if at in stray else char for at, char in enumerate(line))
            note(index, stray[0], "wrote ; in the words as mermaid's #59;, which prints the same",
                 "in a sequence diagram ';' ends a statement: write #59; for one in the words")
        lines[index] = line
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
        name = _unused_id(re.sub(r"\W+", "_", title).strip("_") or "subgraph", lines)
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
        else:
            parts[number] = _repair_link(part, position, report)
        position += len(part)
    return "".join(parts)


LINK_LABEL = re.compile(r"\|([^|]*)\|")


def _repair_link(link: str, column_base: int, report) -> str:
    """A link's `|label|` quoted where it holds `( ) [ ] { }`, which mermaid reads as a node's
    shape there (`-->|Return (if found)| App` failed the whole diagram)."""
    found = LINK_LABEL.search(link)
    if not found or not (label := found.group(1)).strip() or is_quoted(label.strip()) or not (SHAPE_CHARACTERS & set(label)):
        return link
    report(column_base + found.start(1) + 1, label)
    return f'{link[:found.start(1)]}"{_typographic_quotes(label)}"{link[found.end(1):]}'


def _repair_node(text: str, column_base: int, escape_angles: bool, report) -> str:
    node = parse_node(text)
    if node is None or not node.opener:
        return text
    label = node.label
    text_inside = label[1:-1] if is_quoted(label) else label
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
    if is_quoted(label):
        return '"' in label[1:-1]  # a quote inside quotes, written \" or bare
    if opener == "[" and SLANTED.match(label):
        return False
    return bool(SHAPE_CHARACTERS & set(label)) or label.startswith(("/", "\\")) or '"' in label


def repaired_document(text: str, diagrams: list[Diagram]) -> str:
    """The document's text with each diagram's body replaced by its repaired source. Repairs keep
    line counts, so each diagram's lines are where the parser found them; a diagram inside a list
    item or a quote keeps each line's indent or `>` (and is left as it is where a line is not its
    source after them)."""
    lines = text.split("\n")
    for diagram in diagrams:
        fixed = repair(diagram, for_rendering=False)
        if not fixed.notes:
            continue
        first = diagram.location.line  # 0-based index of the diagram's first line is the fence's line number
        before = diagram.source.rstrip("\n").split("\n")
        after = fixed.source.rstrip("\n").split("\n")
        written = lines[first:first + len(before)]
        starts = [len(line) - len(source) for line, source in zip(written, before)]
        if len(written) == len(before) == len(after) and all(
                start >= 0 and line[start:] == source for line, source, start in zip(written, before, starts)):
            lines[first:first + len(after)] = [line[:start] + source for line, source, start in zip(written, after, starts)]
    return "\n".join(lines)
