"""Every kind of diagram told in words from its source (speaker notes and alt text)."""

import pytest

from printbook.describe import tell
from printbook.model import Diagram, Location


def told(source: str) -> str:
    return tell(Diagram(source, Location("doc.md", 1)))


def test_a_sequence_is_who_sends_what_to_whom_in_order():
    text = told("sequenceDiagram\n    participant S as Shop\n    participant G as Gateway\n    actor B as Bank\n"
                "    S->>G: authorise card\n    loop every retry\n        G->>B: reserve funds\n    end\n"
                "    B-->>G: reserved\n    Note over S,G: card data never stored\n")
    assert text.startswith("A sequence diagram. Participants: Shop, Gateway, Bank.")
    assert ("1. Shop to Gateway: authorise card. Repeated every retry: 2. Gateway to Bank: reserve funds. End. "
            "3. Bank to Gateway (reply): reserved. Note on Shop and Gateway: card data never stored.") in text


def test_an_er_diagram_is_entity_relation_entity_with_cardinality_in_words():
    text = told('erDiagram\n    CUSTOMER ||--o{ ORDER : places\n    ORDER }|..|{ LINE-ITEM : "contains"\n')
    assert "CUSTOMER places ORDER (exactly one CUSTOMER to zero or more ORDER)." in text
    assert "ORDER contains LINE-ITEM (one or more ORDER to one or more LINE-ITEM)." in text


def test_a_state_diagram_is_from_event_to():
    text = told("stateDiagram-v2\n    [*] --> Idle\n    Idle --> Running : start job\n    Running --> [*]\n"
                '    state "Waiting for work" as Idle\n')
    assert "start → Waiting for work. Waiting for work → Running on start job. Running → end." in text


def test_a_class_diagram_is_its_classes_members_and_relations():
    text = told("classDiagram\n    class Animal {\n        +String name\n        +speak()\n    }\n"
                "    Animal <|-- Dog\n    Dog *-- Tail : has\n    Dog : +fetch()\n")
    assert "Animal: +String name, +speak()." in text and "Dog: +fetch()." in text
    assert "Dog inherits from Animal." in text and "Dog is made of Tail (has)." in text


@pytest.mark.parametrize("source, expected", [
    ('pie title Pets\n    "Dogs" : 386\n    "Cats" : 85\n', "Pets: Dogs 386; Cats 85."),
    ("gantt\n    title Launch\n    dateFormat YYYY-MM-DD\n    section Build\n    Design :a1, 2024-01-01, 10d\n"
     "    Code :after a1, 20d\n    section Ship\n    Release :2024-03-01, 1d\n",
     "Launch. Build: Design (2024-01-01, 10d); Code (after a1, 20d). Ship: Release (2024-03-01, 1d)."),
    ("timeline\n    title History\n    section Early\n    2002 : LinkedIn\n    2004 : Facebook : Google\n",
     "History. Early: 2002: LinkedIn; 2004: Facebook; Google."),
    ("mindmap\n  root((Platform))\n    Build\n      CI\n    Run\n", "Platform: Build, Run. Build: CI."),
])
def test_pies_gantt_charts_timelines_and_mindmaps_say_what_is_in_them(source, expected):
    assert expected in told(source)


def test_a_kind_without_a_teller_is_told_by_its_labels():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>Alpha</text><text>Beta</text></svg>'
    assert tell(Diagram("quadrantChart\n  x-axis Low --> High\n", Location("d.md", 1)), svg) == \
        "A quadrantChart diagram: Alpha; Beta."


def test_a_c4_diagram_is_its_elements_in_their_boundaries_then_who_uses_whom():
    text = told('C4Context\n    title Payments\n    Person(shopper, "Shopper", "buys things")\n'
                '    System_Boundary(shop, "Shop") {\n        System(web, "Web shop")\n        SystemDb(orders, "Orders")\n    }\n'
                '    System_Ext(bank, "Card network")\n    Rel(shopper, web, "pays with", "HTTPS")\n'
                '    BiRel(web, bank, "authorises")\n')
    assert text.startswith("A C4 context diagram. Shopper (person). Within Shop: Web shop (system). "
                           "Orders (system database). Card network (external system).")
    assert "Shopper → Web shop: pays with. Web shop ↔ Card network: authorises." in text


def test_an_architecture_diagram_is_its_groups_and_services_then_the_links():
    text = told("architecture-beta\n    group api(cloud)[API]\n    service db(database)[Database] in api\n"
                "    service server(server)[Server] in api\n    service edge(internet)[Edge]\n    junction hub\n"
                "    db:L -- R:server\n    edge:B --> T:hub\n")
    assert text.startswith("An architecture diagram. API: Database (database), Server (server). "
                           "Outside any group: Edge (internet).")
    assert "Database — Server. Edge → a junction." in text
