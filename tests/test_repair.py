"""The repair pass: input/expected pairs, and properties over generated labels."""

import pytest
from hypothesis import given, settings, strategies as st

from printbook.model import Diagram, Location
from printbook.parse import parse_text
from printbook.repair import repair, repaired_document

CASES = [
    # (line as written, line after repair, column of the note or None)
    ("    B[type_of(DefId) → Ty]", '    B["type_of(DefId) → Ty"]', 7),
    ("    A[lib.rs] --> B[#[proc_macro_derive]]", '    A[lib.rs] --> B["#[proc_macro_derive]"]', 21),
    ("    F[/metrics endpoint]", '    F["/metrics endpoint"]', 7),
    ("    G[/proc/[pid]/maps]", '    G["/proc/[pid]/maps"]', 7),
    ('    C["extern \\"C\\" fn(A) -> B"] --> D[C ABI]', '    C["extern “C” fn(A) -#gt; B"] --> D[C ABI]', 7),
    ("    H -->|yes| I(round (x)):::hot", '    H -->|yes| I("round (x)"):::hot', 18),
    ("    A & B[O(1)] --> C{ok?}", '    A & B["O(1)"] --> C{ok?}', 11),
    # valid as written: shapes, quotes, slanted boxes; only < and > are escaped
    ("    A[/input/] --> B[\\out\\] --> C{{hex}} --> D([stadium]) --> E[(db)]", None, None),
    ('    A["fn(x) <br> y"] --> B[plain text]', None, None),
    ('    A["Vec<T>"] --> B[a -> b]', '    A["Vec#lt;T#gt;"] --> B[a -#gt; b]', None),
    ("    subgraph \"Group (one)\"", None, None),
    ("    style D05 fill:#e1f5fe", None, None),
]


@pytest.mark.parametrize("line, expected, column", CASES)
def test_repair_pairs(line, expected, column):
    result = repair(Diagram(f"graph TD\n{line}\n", Location("d.md", 10)))
    assert result.source == f"graph TD\n{expected if expected is not None else line}\n"
    if column is None:
        assert result.notes == ()
    else:
        [note] = result.notes
        assert (note.location.line, note.location.column, note.severity) == (12, column, "note")


def test_other_diagram_types_are_left_alone():
    source = "sequenceDiagram\n    A->>B: call f(x) -> y\n"
    assert repair(Diagram(source, Location("d.md", 1))).source == source


labels = st.text(alphabet="abc xyz()[]{}|/\\<>#-_.:→é\"", min_size=1, max_size=24).filter(
    lambda t: t.strip() == t and "\n" not in t)


@settings(max_examples=200, deadline=None)
@given(labels)
def test_repair_is_idempotent_and_keeps_line_count(label):
    once = repair(Diagram(f"graph TD\n    A[{label}] --> B\n", Location("d.md", 1))).source
    twice = repair(Diagram(once, Location("d.md", 1))).source
    assert twice == once
    assert once.count("\n") == 2


def test_subgraph_styled_by_its_title_gets_an_id_to_be_styled_by():
    source = ('graph TD\n    subgraph "Control Loop"\n        A --> B\n    end\n    subgraph "Other"\n        C\n    end\n'
              '    Control_Loop[Taken]\n    style "Control Loop" fill:#f9f9f9,stroke:#333\n    style "Missing" fill:#fff\n')
    fixed = repair(Diagram(source, Location("d.md", 10)))
    lines = fixed.source.split("\n")
    assert lines[1] == '    subgraph Control_Loop_ ["Control Loop"]'  # Control_Loop is a node already
    assert lines[8] == "    style Control_Loop_ fill:#f9f9f9,stroke:#333"
    assert lines[4] == '    subgraph "Other"' and lines[9] == '    style "Missing" fill:#fff'  # nothing to style: as written
    [note] = fixed.notes
    assert str(note).startswith('d.md:19:11: note: gave subgraph "Control Loop" the id Control_Loop_')


def test_a_picture_named_by_url_is_left_out_for_rendering_only():
    source = 'flowchart LR\n    P@{ img: "https://example.com/p.png", label: "Meme", pos: "b" }\n    P --> Q\n'
    diagram = Diagram(source, Location("d.md", 1))
    assert repair(diagram).source.split("\n")[1] == '    P@{ label: "Meme", pos: "b" }'
    assert repair(diagram, for_rendering=False).source == source  # what lint --fix writes back keeps it


def _repaired_lines(source: str, line: int):
    """The repair of `source` as a diagram at `line` of d.md, and its source's lines."""
    result = repair(Diagram(source, Location("d.md", line)))
    return result, result.source.split("\n")


def test_a_timelines_colons_in_sections_and_periods_are_written_as_a_lookalike():
    source = ("timeline\n    title Launch day: 5 steps\n    section 09:00-12:00 (morning)\n        10:30 : Standup : at 10:45\n"
              "              : Review: notes\n    section Afternoon\n        2024 : Ship\n")
    result, lines = _repaired_lines(source, 10)
    assert lines[2] == "    section 09\ua78900-12\ua78900 (morning)"
    assert lines[3] == "        10\ua78930 : Standup : at 10:45"  # events may hold colons
    assert lines[1] == "    title Launch day: 5 steps" and lines[4:] == source.split("\n")[4:]
    assert [(n.location.line, n.location.column) for n in result.notes] == [(13, 15), (14, 11)]
    assert all(n.code == "diagram.repaired" and n.severity == "note" for n in result.notes)
    assert repair(Diagram(result.source, Location("d.md", 10))).notes == ()  # nothing left to repair


def test_a_subgraph_with_the_id_of_a_node_gets_an_id_of_its_own():
    source = ('graph TB\n    subgraph "Internet"\n        Internet[Internet]\n    end\n    subgraph Edge\n        LB[Balancer]\n'
              '    end\n    Client --> Edge\n    Internet --> LB\n    style Internet fill:#eee\n')
    result, lines = _repaired_lines(source, 1)
    assert lines[1] == '    subgraph Internet_group ["Internet"]'
    assert lines[2:] == source.split("\n")[2:]  # the node, the links and the style as written
    [note] = result.notes
    assert (note.location.line, note.location.column) == (3, 5) and "Internet_group" in note.message


def test_a_diagram_inside_a_list_item_is_repaired_in_place_keeping_its_indent():
    text = ("# Guide\n\n## Steps\n\n1. Read the map:\n\n   ```mermaid\n   graph TD\n       A[/proc/pid/maps] --> B\n"
            "   ```\n\n> ```mermaid\n> graph TD\n>     C[/etc/hosts] --> D\n> ```\n")
    book = parse_text(text, "steps.md")
    listed, quoted = book.diagrams()
    [note] = repair(listed).notes
    assert str(note.location) == "steps.md:9:10"  # where the label starts in the file, past the item's indent
    assert str(repair(quoted).notes[0].location) == "steps.md:14:9"
    fixed = repaired_document(text, book.diagrams()).split("\n")
    assert fixed[8] == '       A["/proc/pid/maps"] --> B' and fixed[13] == '>     C["/etc/hosts"] --> D'
    assert repaired_document(text, []) == text


def test_a_sequence_diagrams_entities_semicolons_in_words_and_half_two_way_arrows_are_written_as_mermaids():
    source = ("sequenceDiagram\n    %% keep &lt; in a comment\n    Note over A: heaps &lt;100MB, Tom &amp; Jerry\n"
              "    A->>B: &#60;1ms, &#x3E;0\n    T1->>T1: number = 42; // A\n    A->>B: hi; B->>A: ho\n"
              "    Client<->>Server: both ways\n    C <-->> S: dotted; end\n")
    result, lines = _repaired_lines(source, 10)
    assert lines[1:] == ["    %% keep &lt; in a comment", "    Note over A: heaps #lt;100MB, Tom #amp; Jerry",
                         "    A->>B: #60;1ms, #62;0", "    T1->>T1: number = 42#59; // A",
                         "    A->>B: hi; B->>A: ho",  # (a ; that ends a statement, before the next, stays)
                         "    Client<<->>Server: both ways", "    C <<-->> S: dotted; end", ""]
    assert [(n.location.line, n.location.column) for n in result.notes] == [(13, 24), (14, 12), (15, 25), (17, 11), (18, 7)]
    assert all(n.code == "diagram.repaired" and n.severity == "note" for n in result.notes)
    assert repair(Diagram(result.source, Location("d.md", 10))).notes == ()  # nothing left to repair


def test_a_flowcharts_style_lines_in_a_sequence_diagram_become_comments():
    """`style WAL fill:#ff9800` under a sequence diagram (as a flowchart colours a node) failed the
    whole diagram; a participant named style still sends its messages."""
    source = ("sequenceDiagram\n    participant WAL\n    A->>WAL: write\n    style WAL fill:#ff9800\n"
              "      classDef hot fill:#f00\n    style->>A: hi\n")
    result, lines = _repaired_lines(source, 10)
    assert lines[3:6] == ["    %% style WAL fill:#ff9800", "      %% classDef hot fill:#f00", "    style->>A: hi"]
    assert [(n.location.line, n.location.column, n.message) for n in result.notes] == [
        (14, 5, "left out style WAL fill:#ff9800: a sequence diagram takes no style lines"),
        (15, 7, "left out classDef hot fill:#f00: a sequence diagram takes no classDef lines")]
    assert repair(Diagram(result.source, Location("d.md", 10))).notes == ()


def test_a_links_label_holding_shape_characters_is_quoted():
    source = 'graph LR\n    App -->|Emit metrics (latency)| Agent\n    A -->|plain| B -->|"quoted (kept)"| C -->|x [y]| D\n'
    result, lines = _repaired_lines(source, 10)
    assert lines[1:3] == ['    App -->|"Emit metrics (latency)"| Agent', '    A -->|plain| B -->|"quoted (kept)"| C -->|"x [y]"| D']
    assert [(n.location.line, n.location.column) for n in result.notes] == [(12, 13), (13, 47)]
    assert repair(Diagram(result.source, Location("d.md", 10))).notes == ()
