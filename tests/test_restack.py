"""Layout variants of side-by-side subgraphs, and choosing the layout that prints largest."""

import re

import pytest

from printbook.model import Picture
from printbook.restack import compact, layouts, parts, turned, variants

FOUR = """graph TD
    subgraph "Static Dispatch"
        A[Generic] --> B[Mono]
    end
    subgraph named ["Dynamic"]
        C --> D
        subgraph inner
            E
        end
    end
    subgraph plain
        F
    end
    subgraph Spaced title here
        G
    end
    A --> G
"""


def test_four_subgraphs_give_column_and_grid_with_and_without_inner_direction():
    stacked, grid, stacked_down, grid_down = variants(FOUR)
    assert stacked.splitlines()[1] == '    subgraph pbsg0 ["Static Dispatch"]'
    assert '    subgraph pbsg3 ["Spaced title here"]' in stacked.splitlines()
    assert stacked.splitlines()[-3:] == ["    pbsg0 ~~~ named", "    named ~~~ plain", "    plain ~~~ pbsg3"]
    assert grid.splitlines()[-2:] == ["    pbsg0 ~~~ plain", "    named ~~~ pbsg3"]
    assert "subgraph inner" in stacked and "inner ~~~" not in stacked  # nested subgraphs stay put
    assert stacked_down.count("direction TB") == 4 and "direction" not in stacked
    assert stacked_down.splitlines()[-3:] == stacked.splitlines()[-3:]
    assert grid_down.splitlines()[-2:] == grid.splitlines()[-2:]


def test_nothing_to_restack():
    assert variants("graph LR\n    subgraph a\n    A\n    end\n    subgraph b\n    B\n    end\n") == []
    assert variants("graph TD\n    subgraph a\n    A\n    end\n    B --> C\n") == []
    assert variants("sequenceDiagram\n    A->>B: hi\n") == []


def test_two_subgraphs_have_no_grid():
    assert len(variants("flowchart TB\n    subgraph a\n    A\n    end\n    subgraph b\n    B\n    end\n")) == 2


def test_parts_give_each_subgraph_alone_with_borrowed_labels_in_two_layouts():
    across, down = parts(FOUR)[0]
    assert across.splitlines()[:2] == ["graph TD", '    subgraph "Static Dispatch"']
    assert "direction TB" not in across and "        direction TB" in down.splitlines()
    fourth = parts(FOUR)[3][0]
    assert "subgraph Spaced title here" in fourth and "    G" in fourth and "A --> G" not in fourth
    # A last part holds what no subgraph does: here the link between two of them, labelled.
    assert len(parts(FOUR)) == 5
    assert parts(FOUR)[4][0].splitlines() == ["graph TD", "    A --> G", "    A[Generic]"]
    second = parts(FOUR)[1][0]
    assert "subgraph inner" in second  # nested subgraphs stay with their parent


def test_nodes_outside_every_subgraph_are_a_part_of_their_own():
    source = ('graph TD\n    subgraph a\n        X[Controller]\n    end\n    subgraph b\n        Y\n    end\n'
              '    X -- Manages --> R[ReplicaSet]\n    R -- Owns --> P[Pods]\n    style R fill:#fff\n')
    found = parts(source)
    assert len(found) == 3
    assert found[2][0].splitlines() == ["graph TD", "    X -- Manages --> R[ReplicaSet]", "    R -- Owns --> P[Pods]",
                                        "    X[Controller]", "    style R fill:#fff"]
    assert "style R" not in found[0][0]  # R is not in subgraph a


def test_a_part_names_a_node_written_in_another_subgraph_by_its_label():
    source = 'graph TD\n    subgraph a\n        D[MIR - Mid-level IR]\n    end\n    subgraph b\n        G[Borrow] --> D\n    end\n'
    assert "    D[MIR - Mid-level IR]" in parts(source)[1][0].splitlines()


LISTS = """graph TD
    subgraph "Sections"
        H[Summary]
        I[Motivation]
        J[Guide]
        K[Reference]
        L[Drawbacks]
    end
    subgraph "Process"
        A[Identify] --> B[Research]
        C[Loose]
    end
    subgraph "Linked elsewhere"
        P[Statement]
        Q[Support]
    end
    P & Q --> A
"""


def test_lists_of_unlinked_nodes_become_columns_going_down():
    found = variants(LISTS)
    assert len(found) == 6  # column and grid; as written, going down, and lists as columns
    listed = found[4].splitlines()
    sections = listed[listed.index('    subgraph pbsg0 ["Sections"]'):listed.index("    end")]
    assert sections[-2:] == ["        H ~~~ I ~~~ J", "        K ~~~ L"]  # five: columns of three and two
    assert "~~~ C" not in found[4] and "C ~~~" not in found[4]  # a lone loose node stays as it is
    assert "P ~~~" not in found[4]  # P and Q are linked, in a line outside their subgraph
    assert "direction TB" in sections[1]


def test_no_lists_no_third_layout():
    assert len(variants(FOUR)) == 4


def test_likely_layouts_are_the_written_ones_and_the_listed_grid():
    from printbook.restack import likely_variants

    written_column, written_grid, _, _, _, listed_grid = variants(LISTS)
    assert likely_variants(LISTS) == [written_column, written_grid, listed_grid]
    assert likely_variants(FOUR) == variants(FOUR)[:2]
    assert likely_variants("sequenceDiagram\n    A->>B: hi\n") == []


def test_each_kind_of_more_layouts_keeps_the_order_of_every_layout():
    from printbook.restack import layouts, likely_variants

    every = variants(LISTS) + turned(LISTS)
    assert layouts(LISTS, "every") == every
    assert layouts(LISTS, "likely") == likely_variants(LISTS)
    assert layouts(LISTS, "turned") == [*likely_variants(LISTS), *turned(LISTS)]  # the turn is last in every
    assert [every.index(text) for text in layouts(LISTS, "turned")] == sorted(every.index(text) for text in layouts(LISTS, "turned"))
    # A diagram with nothing to restack still turns.
    assert layouts("flowchart LR\n    A --> B\n", "turned") == ["flowchart TD\n    A --> B\n"]
    assert layouts("sequenceDiagram\n    A->>B: hi\n", "every") == compact("sequenceDiagram\n    A->>B: hi\n")
    assert layouts("pie\n    \"A\" : 1\n", "every") == []  # nothing to restack, turn or make narrower


def test_a_flowchart_turned_a_quarter_keeps_everything_but_its_direction():
    assert turned("flowchart LR\n    A --> B\n") == ["flowchart TD\n    A --> B\n"]
    assert turned("%%{init: {}}%%\ngraph TD;\n    A --> B\n") == ["%%{init: {}}%%\ngraph LR;\n    A --> B\n"]
    assert turned("graph\n    A --> B\n") == ["graph LR\n    A --> B\n"]  # mermaid's default is TD
    assert turned("graph BT\n    A --> B\n") == ["graph RL\n    A --> B\n"]
    assert turned("sequenceDiagram\n    A->>B: hi\n") == []


OWN_DIRECTIONS = """graph TD
    subgraph Intake
        direction LR
        A[Form] --> B[Queue]
    end
    subgraph Review
        C[Check] --> D[Approve]
        subgraph Nested
            direction LR
            E --> F
        end
    end
"""


def test_a_subgraph_stating_its_own_direction_is_not_also_made_going_down():
    """mermaid takes a subgraph's own `direction` over the `direction TB` a downward layout puts
    first: such a part, or a layout where every subgraph states one, would draw the same twice."""
    intake, review = parts(OWN_DIRECTIONS)
    assert intake[0] == intake[1]  # states LR itself
    assert review[0] != review[1] and "    direction TB" in review[1]  # only its nested subgraph does
    assert len(variants(OWN_DIRECTIONS)) == 2  # Review goes down: the written one and the downward one
    both = OWN_DIRECTIONS.replace("    subgraph Review\n", "    subgraph Review\n        direction TB\n")
    assert len(variants(both)) == 1  # two subgraphs: one column, as written only


@pytest.mark.e2e
def test_mermaid_takes_a_subgraphs_own_direction_over_one_put_before_it():
    from printbook.diagrams import render_diagrams
    from printbook.model import Diagram, Location

    written = "graph TD\n    subgraph Intake\n        direction LR\n        A[Form] --> B[Queue]\n    end\n"
    put_first = written.replace("    subgraph Intake\n", "    subgraph Intake\n        direction TB\n")
    diagrams = [Diagram(text, Location("d.md", 1)) for text in (written, put_first)]
    drawn = [render_diagrams([d])[0][d] for d in diagrams]
    assert all(isinstance(p, Picture) for p in drawn)
    assert (drawn[0].width, drawn[0].height) == (drawn[1].width, drawn[1].height)
    assert drawn[0].width > drawn[0].height  # across, as Intake states


def test_a_bar_or_quadrant_chart_is_also_drawn_on_a_smaller_canvas_unless_its_author_sized_it():
    bars = "xychart-beta\n    x-axis [a, b]\n    bar [1, 2]\n"
    quadrants = "quadrantChart\n    title Choices\n    A: [0.3, 0.6]\n"
    assert compact(bars) == ['%%{init: {"xyChart": {"width": 560, "height": 330}}}%%\n' + bars]
    assert compact(quadrants)[0].endswith(quadrants) and '"chartHeight": 340' in compact(quadrants)[0]
    assert compact(bars)[0] in layouts(bars, "turned") and compact(bars)[0] in layouts(bars, "every")
    assert compact(bars)[0] not in layouts(bars, "likely")
    sized = ["---\nconfig:\n  xyChart:\n    width: 900\n---\n" + bars, '%%{init: {"theme": "dark"}}%%\n' + bars,
             "graph TD\n    A --> B\n", "pie\n    \"a\": 1\n"]
    assert all(compact(source) == [] for source in sized)


def test_a_gantt_chart_is_also_drawn_narrower_unless_its_author_configured_it():
    plan = "gantt\n    dateFormat YYYY-MM-DD\n    Design :a1, 2024-01-01, 7d\n"
    assert compact(plan) == ['%%{init: {"gantt": {"useWidth": 720}}}%%\n' + plan,
                             '%%{init: {"gantt": {"useWidth": 560}}}%%\n' + plan]
    assert compact('%%{init: {"gantt": {"barHeight": 30}}}%%\n' + plan) == []


def test_a_wardley_map_is_also_drawn_on_a_smaller_canvas_unless_its_author_sized_it():
    """mermaid reads a wardley map's canvas from its own `size` statement only, not from a directive."""
    source = "wardley-beta\ntitle Tea\ncomponent Tea [0.6, 0.8]\n"
    assert compact(source) == ["wardley-beta\nsize [640, 440]\ntitle Tea\ncomponent Tea [0.6, 0.8]\n"]
    assert compact("wardley-beta\nsize [1100, 800]\ncomponent Tea [0.6, 0.8]\n") == []


def test_narrower_participants_keep_the_longest_word_of_their_names_whole():
    """In boxes 110 px wide mermaid broke "Orchestrator" (96 px in its 16 px) as "Orchestrato-r"."""
    def width(source: str) -> str | None:
        found = [re.search(r'"width": (\d+)', text) for text in compact(source)]
        return next((int(f.group(1)) for f in found if f), None)

    assert width("sequenceDiagram\n    A->>B: hi\n    App<<->>GC: both\n") == 110
    named = "sequenceDiagram\n    participant ORCH as Orchestrator\n    participant A as Idempotency (Redis)\n    M->>ORCH: go\n"
    assert 120 <= width(named) < 150  # "Idempotency" and "Orchestrator" whole
    assert width("sequenceDiagram\n    Client->>PaymentOrchestrationService: go\n") is None  # (no narrower box holds it)


def test_a_quarter_turn_turns_a_flowcharts_subgraphs_drawn_their_own_way_too():
    """`graph LR` around one subgraph drawn `direction TB`: turning the header alone left the
    chain of boxes standing, and a slide showed it one box at a time."""
    source = 'graph LR\n    subgraph "Tier 1"\n        direction TB\n        A --> B --> C\n    end\n'
    assert turned(source) == ['graph TD\n    subgraph "Tier 1"\n        direction LR\n        A --> B --> C\n    end\n']


def test_a_sequence_diagram_is_also_drawn_with_its_participants_closer_and_narrower_and_its_messages_wrapped():
    source = "sequenceDiagram\n    A->>B: a long message between the two\n"
    assert compact(source) == ['%%{init: {"sequence": {"actorMargin": 20, "wrap": true}}}%%\n' + source,
                               '%%{init: {"sequence": {"actorMargin": 20, "width": 110, "wrap": true}}}%%\n' + source]
