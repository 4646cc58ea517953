"""Diagrams told in words: for a trainer's speaker notes and a screen reader's alt text.

Told from the source: a flowchart as each subgraph with its nodes in order, then the links; a
sequence as who sends what to whom, in order, with notes, loops and alternatives; ER relations
with their cardinality in words; state transitions (from, event, to); classes with their members
and relations; pie slices; gantt and timeline sections with their tasks and dates; a mindmap's
tree; C4 elements with their kinds and boundaries, then their relations; architecture groups with
their services, then the links. Any other kind is told by the labels of its picture, in the order
mermaid drew them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from .model import Diagram
from .flowchart import END, FLOWCHART, parse_node, split_at_links, subgraph_title

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
    teller = TELLERS.get(diagram.kind.lower())
    if teller is not None:
        # A pie may carry its title on its header line (`pie title Pets`).
        own = lines[header].split(None, 1)[1:] if diagram.kind.lower() == "pie" else []
        told = teller([o.strip() for o in own if o.strip().lower().startswith("title")] + lines[header + 1:])
        if told:
            name = KIND_NAMES.get(diagram.kind.lower(), diagram.kind)
            told = " ".join(BREAK.sub(" ", told).split())  # a label's <br> is a space when told
            return f"{'An' if name[0] in 'aeiou' else 'A'} {name} diagram. {told}"
    labels = labels_of_svg(svg) if svg else []
    return f"A {diagram.kind} diagram" + (": " + "; ".join(labels) + "." if labels else ".")


def _tell_flowchart(lines: list[str]) -> str:
    names: dict[str, str] = {}
    groups: list[tuple[str, list[str]]] = [("", [])]  # (subgraph title, node ids); "" for ungrouped
    open_groups: list[int] = []
    links: list[tuple[str, str]] = []
    for line in lines:
        title = subgraph_title(line)
        if title is not None:
            groups.append((title, []))
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


# -- other kinds, told from their source: who does what to whom, in order ------------------------

def _body(lines: list[str]) -> list[str]:
    """The diagram's lines after its header, without comments, blanks and styling."""
    return [line.strip() for line in lines if line.strip() and not SKIPPED.match(line)]


def _name(text: str, names: dict[str, str]) -> str:
    text = text.strip().strip('"')
    return names.get(text, text)


SEQUENCE_PARTICIPANT = re.compile(r"^(?:participant|actor)\s+(\S+?)(?:\s+as\s+(.+))?$", re.I)
SEQUENCE_MESSAGE = re.compile(r"^(.+?)\s*(-{1,2}(?:>>|>|x|\)|))\s*([+-]?)(.+?)\s*:\s*(.*)$")
SEQUENCE_NOTE = re.compile(r"^note\s+(?:over|left of|right of)\s+([^:]+):\s*(.*)$", re.I)
SEQUENCE_BLOCK = re.compile(r"^(loop|alt|else|opt|par|and|critical|option|break|rect)\b\s*(.*)$", re.I)


def _tell_sequence(lines: list[str]) -> str:
    names: dict[str, str] = {}
    order: list[str] = []
    steps: list[str] = []
    messages = 0
    for line in _body(lines):
        if match := SEQUENCE_PARTICIPANT.match(line):
            names[match[1]] = (match[2] or match[1]).strip()
            order.append(match[1])
        elif match := SEQUENCE_NOTE.match(line):
            steps.append(f"Note on {' and '.join(_name(n, names) for n in match[1].split(','))}: {match[2]}.")
        elif match := SEQUENCE_BLOCK.match(line):
            kind = match[1].lower()
            what = {"loop": "Repeated", "alt": "If", "else": "Otherwise", "opt": "Optionally", "par": "At the same time",
                    "and": "and", "critical": "Critical", "option": "Option", "break": "Breaking off",
                    "rect": "Group"}[kind]
            if kind != "rect" or match[2]:
                steps.append(f"{what}{' ' + match[2] if match[2] else ''}:")
        elif line.lower() == "end":
            steps.append("End.")
        elif match := SEQUENCE_MESSAGE.match(line):
            sender, receiver = match[1], match[4]
            for who in (sender, receiver):
                if who not in order:
                    order.append(who)
            reply = " (reply)" if match[2].startswith("--") else ""
            messages += 1
            steps.append(f"{messages}. {_name(sender, names)} to {_name(receiver, names)}{reply}: {match[5]}.")
    head = f"Participants: {', '.join(_name(p, names) for p in order)}." if order else ""
    return _capped(head, steps)


ER_RELATION = re.compile(r'^("?[\w-]+"?)\s*([|}{o]{2})(--|\.\.)([|}{o]{2})\s*("?[\w-]+"?)\s*:\s*(.+)$')
ER_SIDE = {"||": "exactly one", "|o": "zero or one", "o|": "zero or one", "}o": "zero or more", "o{": "zero or more",
           "}|": "one or more", "|{": "one or more"}


def _tell_er(lines: list[str]) -> str:
    relations = []
    for line in _body(lines):
        if match := ER_RELATION.match(line):
            left, right = match[1].strip('"'), match[5].strip('"')
            label = match[6].strip().strip('"')
            relations.append(f"{left} {label} {right} ({ER_SIDE.get(match[2], match[2])} {left} to "
                             f"{ER_SIDE.get(match[4], match[4])} {right}).")
    return _capped("", relations)


STATE_TRANSITION = re.compile(r"^(\[\*\]|[\w.-]+)\s*-->\s*(\[\*\]|[\w.-]+)\s*(?::\s*(.+))?$")
STATE_LABEL = re.compile(r'^state\s+"(.+?)"\s+as\s+([\w.-]+)$|^([\w.-]+)\s*:\s*(.+)$')


def _tell_state(lines: list[str]) -> str:
    names: dict[str, str] = {}
    transitions = []
    for line in _body(lines):
        if match := STATE_TRANSITION.match(line):
            start = "start" if match[1] == "[*]" else match[1]
            end = "end" if match[2] == "[*]" else match[2]
            transitions.append((start, end, match[3]))
        elif match := STATE_LABEL.match(line):
            state, label = (match[2], match[1]) if match[1] else (match[3], match[4])
            names[state] = label.strip()
    told = [f"{_name(a, names)} → {_name(b, names)}" + (f" on {event.strip()}" if event else "") + "."
            for a, b, event in transitions]
    return _capped("", told)


CLASS_RELATION = re.compile(r'^([\w~<>,.-]+)\s*(?:"[^"]*"\s*)?(<\|--|--\|>|\*--|--\*|o--|--o|<--|-->|<\.\.|\.\.>|\.\.\|>|<\|\.\.|--|\.\.)'
                            r'\s*(?:"[^"]*"\s*)?([\w~<>,.-]+)\s*(?::\s*(.+))?$')
CLASS_WORDS = {"<|--": "{b} inherits from {a}", "--|>": "{a} inherits from {b}", "*--": "{a} is made of {b}",
               "--*": "{b} is made of {a}", "o--": "{a} holds {b}", "--o": "{b} holds {a}", "-->": "{a} uses {b}",
               "<--": "{b} uses {a}", "..>": "{a} depends on {b}", "<..": "{b} depends on {a}",
               "..|>": "{a} implements {b}", "<|..": "{b} implements {a}", "--": "{a} is linked to {b}",
               "..": "{a} is linked to {b}"}
CLASS_MEMBER = re.compile(r"^([\w~<>,.-]+)\s*:\s*(.+)$")
CLASS_OPEN = re.compile(r"^class\s+([\w~<>,.-]+)\s*(?:\[.*\])?\s*\{\s*$")


def _tell_class(lines: list[str]) -> str:
    members: dict[str, list[str]] = {}
    relations = []
    inside = None
    for line in [l.strip() for l in lines if l.strip() and not l.strip().startswith("%%")]:
        if inside:
            if line == "}":
                inside = None
            else:
                members[inside].append(line)
        elif match := CLASS_OPEN.match(line):
            inside = match[1]
            members.setdefault(inside, [])
        elif match := CLASS_RELATION.match(line):
            told = CLASS_WORDS[match[2]].format(a=match[1], b=match[3])
            relations.append(told + (f" ({match[4].strip()})" if match[4] else "") + ".")
        elif match := CLASS_MEMBER.match(line):
            members.setdefault(match[1], []).append(match[2].strip())
    classes = [f"{name}: {', '.join(found)}." if found else f"{name}." for name, found in members.items()]
    return _capped(" ".join(classes), relations)


PIE_SLICE_TEXT = re.compile(r'^"(.+?)"\s*:\s*([\d.]+)$')


def _tell_pie(lines: list[str]) -> str:
    title = next((l.split(None, 1)[1] for l in _body(lines) if l.lower().startswith("title ")), "")
    slices = [f"{m[1]} {m[2]}" for l in _body(lines) if (m := PIE_SLICE_TEXT.match(l))]
    return (f"{title}: " if title else "") + "; ".join(slices) + "." if slices else ""


def _tell_sections(lines: list[str], settings: tuple[str, ...] = (), events: bool = False) -> str:
    """Gantt charts and timelines: each section with what is in it, in order; a task with its
    dates, a timeline's period with its `events`. Lines starting with one of `settings` are skipped."""
    title = ""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in _body(lines):
        word = line.split(None, 1)[0].lower()
        if word == "title":
            title = line.split(None, 1)[1] if " " in line else ""
        elif word == "section":
            sections.append((line.split(None, 1)[1] if " " in line else "", []))
        elif word not in settings:
            name, _, rest = line.partition(":")
            parts = [p.strip() for p in rest.split(":" if ":" in rest else ",") if p.strip()]
            dates = [p for p in parts if re.match(r"^(\d{4}-\d\d-\d\d|\d+[dwhm]|after\b)", p)]
            sections[-1][1].append(name.strip() + (f" ({', '.join(dates)})" if dates else
                                                    f": {'; '.join(parts)}" if parts and events else ""))
    told = [f"{name}: {'; '.join(items)}." if name else "; ".join(items) + "." for name, items in sections if items]
    return _capped(f"{title}." if title else "", told)


GANTT_SETTINGS = ("dateformat", "axisformat", "excludes", "includes", "todaymarker", "tickinterval", "weekday",
                  "displaymode")


def _tell_mindmap(lines: list[str]) -> str:
    """The tree, each branch with its children."""
    nodes = [(len(line) - len(line.lstrip()), re.sub(r"^[\w-]*[(\[{)]+|[)\]}]+$", "", line.strip()).strip('"'))
             for line in lines if line.strip() and not line.strip().startswith(("%%", "::"))]
    if not nodes:
        return ""
    children: dict[int, list[int]] = {}
    stack: list[int] = []
    for index, (depth, _) in enumerate(nodes):
        while stack and nodes[stack[-1]][0] >= depth:
            stack.pop()
        if stack:
            children.setdefault(stack[-1], []).append(index)
        stack.append(index)
    told = [f"{nodes[p][1]}: {', '.join(nodes[c][1] for c in kids)}." for p, kids in children.items()]
    return _capped("", told)


C4_ELEMENT = re.compile(r"^(Person|System|Container|Component|Node|Deployment_Node|ContainerDb|ContainerQueue|SystemDb|"
                        r"SystemQueue|ComponentDb|ComponentQueue)(_Ext)?\s*\(\s*([\w.-]+)\s*,\s*\"?([^\",)]*)\"?(.*)\)", re.I)
C4_BOUNDARY = re.compile(r"^(\w*Boundary|Enterprise_Boundary|System_Boundary|Container_Boundary|Boundary)\s*\(\s*([\w.-]+)\s*,"
                         r"\s*\"?([^\",)]*)", re.I)
C4_RELATION = re.compile(r"^(Bi)?Rel(?:_Back|_Neighbor|_[UDLR]\w*)?\s*\(\s*([\w.-]+)\s*,\s*([\w.-]+)\s*,\s*\"?([^\",)]*)", re.I)


def _tell_c4(lines: list[str]) -> str:
    """C4: each element with its kind, inside its boundary, then who uses whom for what."""
    names: dict[str, str] = {}
    told: list[str] = []
    relations: list[str] = []
    for line in _body(lines):
        if element := C4_ELEMENT.match(line):
            kind, external, alias, label = element.group(1), element.group(2), element.group(3), element.group(4).strip()
            names[alias] = label or alias
            kind_words = re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", kind).lower().replace("db", "database")
            told.append(f"{names[alias]} ({'external ' if external else ''}{kind_words}).")
        elif boundary := C4_BOUNDARY.match(line):
            names[boundary.group(2)] = boundary.group(3).strip() or boundary.group(2)
            told.append(f"Within {names[boundary.group(2)]}:")
        elif relation := C4_RELATION.match(line):
            both, source, target, label = relation.groups()
            arrow = "↔" if both else "→"
            relations.append(f"{_name(source, names)} {arrow} {_name(target, names)}" + (f": {label.strip()}" if label.strip() else "") + ".")
    return _capped(" ".join(told), relations)


ARCHITECTURE_ITEM = re.compile(r"^(group|service|junction)\s+([\w-]+)(?:\s*\(([^)]*)\))?(?:\s*\[([^\]]*)\])?(?:\s+in\s+([\w-]+))?", re.I)
ARCHITECTURE_EDGE = re.compile(r"^([\w-]+)(?:\{group\})?\s*:\s*[LRTB]\s*(<?-->?|<?--?>?)\s*[LRTB]\s*:\s*([\w-]+)", re.I)


def _tell_architecture(lines: list[str]) -> str:
    """Architecture: the groups and the services in them (with their icon's name), then the links."""
    names: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    order: list[str] = []
    edges: list[str] = []
    for line in _body(lines):
        if item := ARCHITECTURE_ITEM.match(line):
            kind, identifier, icon, label, parent = item.groups()
            names[identifier] = "a junction" if kind.lower() == "junction" else (label or identifier).strip()
            if kind.lower() == "service":
                shown = names[identifier] + (f" ({icon})" if icon else "")
                members.setdefault(parent or "", []).append(shown)
            elif kind.lower() == "group":
                order.append(identifier)
        elif edge := ARCHITECTURE_EDGE.match(line):
            source, arrow, target = edge.groups()
            linked = "↔" if arrow.startswith("<") and arrow.endswith(">") else "→" if ">" in arrow else "←" if "<" in arrow else "—"
            edges.append(f"{_name(source, names)} {linked} {_name(target, names)}.")
    told = [f"{names[g]}: {', '.join(members.get(g, [])) or 'nothing yet'}." for g in order]
    if members.get(""):
        told.append(f"Outside any group: {', '.join(members[''])}.")
    return _capped(" ".join(told), edges)


def _capped(head: str, items: list[str]) -> str:
    """`head`, then the items, at most MOST_STEPS of them and how many more."""
    shown = items[:MOST_STEPS] + ([f"And {len(items) - MOST_STEPS} more."] if len(items) > MOST_STEPS else [])
    return " ".join(part for part in [head, *shown] if part)


MOST_STEPS = 40
C4_KINDS = ("C4Context", "C4Container", "C4Component", "C4Dynamic", "C4Deployment")
BREAK = re.compile(r"<br\s*/?>", re.I)
KIND_NAMES = {"sequencediagram": "sequence", "erdiagram": "entity-relationship", "statediagram": "state",
              "statediagram-v2": "state", "classdiagram": "class", "classdiagram-v2": "class", "pie": "pie",
              "gantt": "gantt", "timeline": "timeline", "mindmap": "mindmap", "architecture-beta": "architecture",
              **{c4.lower(): "C4 " + c4[2:].lower() for c4 in C4_KINDS}}
TELLERS = {"sequencediagram": _tell_sequence, "erdiagram": _tell_er, "statediagram": _tell_state,
           "statediagram-v2": _tell_state, "classdiagram": _tell_class, "classdiagram-v2": _tell_class,
           "pie": _tell_pie, "gantt": lambda lines: _tell_sections(lines, GANTT_SETTINGS),
           "timeline": lambda lines: _tell_sections(lines, events=True), "mindmap": _tell_mindmap,
           "architecture-beta": _tell_architecture, **{c4.lower(): _tell_c4 for c4 in C4_KINDS}}
