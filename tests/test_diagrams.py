"""The diagram stage against real Chromium + mermaid, and mermaid's messages turned into locations."""

import io
from xml.etree import ElementTree

import pytest
from PIL import Image

from printbook.diagrams import DiagramStage, explain_mermaid_error, render_diagrams
from printbook.model import Diagram, DiagramFailure, Location, Picture

# Messages as mermaid 11.17 words them: the excerpt before the caret loses its newlines and, when
# long, its start.
@pytest.mark.parametrize("source, message", [
    ("graph TD\n  subgraph x\n    A[lib] --> B[#[proc_macro_derive]]\n  end\n",
     "Parse error on line 3:\n...x    A[lib] --> B[#[proc_macro_derive]]\n----------------------^\n"
     "Expecting 'SQE', 'PE', got 'SQS'"),
    ("graph TD\n    A[lib.rs with proc-macro = true] --> B[#[proc_macro_derive]]\n  end\n",
     "Parse error on line 2:\n...acro = true] --> B[#[proc_macro_derive]]\n-----------------------^\n"
     "Expecting 'SQE', 'PE', got 'SQS'"),
])
def test_mermaid_parse_error_becomes_line_and_column(source, message):
    line, column, summary = explain_mermaid_error(source, message)
    assert source.splitlines()[line - 1][column - 1:] == "[proc_macro_derive]]"
    assert "unexpected 'SQS'" in summary


def test_unlocatable_message_is_kept_whole():
    assert explain_mermaid_error("pie\n", "No diagram type detected") == (0, 0, "No diagram type detected")


@pytest.mark.e2e
def test_real_renderer_draws_labels_as_text_and_reports_failures():
    good = Diagram("graph TD\n    A[Monomorphization] --> B[Vtable lookup]\n", Location("d.md", 10))
    twin = Diagram(good.source, Location("d.md", 40))
    bad = Diagram("graph TD\n    A[ok] --> B\n    B -->> C\n", Location("d.md", 20))
    with DiagramStage() as stage:
        renderings, warnings = stage.render([good, twin, bad])
        [painted] = stage.with_pngs({good: renderings[good]}, lambda picture: 2.0).values()

    picture = renderings[good]
    assert isinstance(picture, Picture) and renderings[twin] == picture
    # Labels are real SVG text (WeasyPrint and PowerPoint draw no <foreignObject> HTML).
    assert "<foreignObject" not in picture.svg
    assert ">Monomorphization<" in picture.svg.replace("</tspan>", "<")
    assert picture.width > 100 and picture.height > 100
    png = Image.open(io.BytesIO(painted.png))
    assert png.size == (round(picture.width * 2), round(picture.height * 2))
    assert png.convert("L").getextrema()[0] < 100  # something dark was drawn: lines and text

    assert isinstance(renderings[bad], DiagramFailure)
    [warning] = warnings
    assert str(warning).startswith("d.md:23:")  # line 3 of the diagram, after the fence on line 20
    assert warning.severity == "warning"


HOSTILE = [
    'graph TD\n    A[Click me] --> B\n    click A href "javascript:alert(1)"\n',
    'graph TD\n    C["<img src=x onerror=alert(1)>"] --> D["<script>alert(1)</script>"]\n',
    "mindmap\n  root((Runbook))\n    Symptoms\n      Alerts that fire\n",
    'graph TD\n    A[x] --> B\n    classDef evil fill:#f00,stroke:url(http://example.com/x)\n    class A evil\n',
]


@pytest.mark.e2e
def test_every_svg_is_print_safe():
    """No HTML labels, scripts, event handlers or outside references leave the diagram stage."""
    diagrams = [Diagram(source, Location("h.md", 1 + 10 * i)) for i, source in enumerate(HOSTILE)]
    renderings, _ = render_diagrams(diagrams)
    for diagram in diagrams:
        rendering = renderings[diagram]
        if isinstance(rendering, DiagramFailure):
            continue  # refused outright: a placeholder, no SVG at all
        svg = rendering.svg
        assert "@keyframes" not in svg
        for element in ElementTree.fromstring(svg).iter():
            tag = element.tag.rsplit("}", 1)[-1].lower()
            assert tag not in ("foreignobject", "script", "iframe", "image"), (diagram.source, tag)
            for name, value in element.attrib.items():
                name = name.rsplit("}", 1)[-1].lower()
                assert not name.startswith("on"), (diagram.source, name)
                assert "javascript:" not in value and "http://" not in value, (diagram.source, name, value)
    mindmap = renderings[diagrams[2]].svg
    assert ">Alerts that fire<" in mindmap and ">Runbook<" in mindmap  # HTML labels became SVG text
