"""Every kind of diagram mermaid-cli draws, printbook draws, print-safe: on every diagram of
mermaid's own documentation (../shared/corpus2/mermaid-docs), each failure checked against
mermaid-cli itself."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from printbook.diagrams import RenderOptions, mmdc_command, render_diagrams, renderer_environment
from printbook.model import Diagram, Location, Picture
from printbook.parse import parse_file

from conftest import DOCUMENTS_BY_OTHERS, SHARED, weasyprint_drawing_failures

pytestmark = [pytest.mark.e2e, pytest.mark.acceptance]
MERMAID_DOCS = SHARED / "corpus2" / "mermaid-docs"


def mmdc_draws(source: str) -> bool:
    """True when mermaid-cli draws the diagram: exit 0 and a picture that is not mermaid's own
    "Syntax error in text" one (mermaid draws that instead of failing for some kinds)."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        (scratch / "in.mmd").write_text(source)
        done = subprocess.run([*mmdc_command(scratch), "-i", str(scratch / "in.mmd"), "-o", str(scratch / "out.svg")],
                              capture_output=True, env=renderer_environment(scratch), timeout=120)
        drawn = scratch / "out.svg"
        return done.returncode == 0 and drawn.exists() and 'aria-roledescription="error"' not in drawn.read_text()


def test_printbook_draws_every_diagram_of_mermaids_documentation_that_mermaid_cli_draws(tmp_path):
    if not MERMAID_DOCS.is_dir():
        pytest.skip(f"{MERMAID_DOCS} is not here (../shared is absent)")
    files = sorted(MERMAID_DOCS.glob("*.mmd"))
    diagrams = [Diagram(path.read_text(), Location(str(path), 0)) for path in files]
    renderings, _ = render_diagrams(diagrams, RenderOptions(restack=False, cache_dir=tmp_path / "cache"))
    drawn = {d: r for d, r in renderings.items() if isinstance(r, Picture)}
    kinds = {Path(d.location.file).name.rsplit("_", 1)[0] for d in drawn}
    assert {"zenuml", "wardley", "architecture", "c4", "sequenceDiagram", "gantt", "timeline"} <= kinds
    assert len(drawn) > 0.95 * len(diagrams)
    unsafe = [d.location.file for d, p in drawn.items() if "<foreignObject" in p.svg or "<script" in p.svg]
    assert unsafe == []
    # A kind that names no font (wardley) draws in printbook's, not in the browser's default serif.
    assert [d.location.file for d, p in drawn.items() if "Times New Roman" in p.svg] == []
    # WeasyPrint draws every one of them whole (it stops drawing a picture at an element it fails on).
    assert weasyprint_drawing_failures([p.svg for p in drawn.values()], tmp_path / "all.pdf") == []
    # What printbook does not draw, mermaid-cli does not draw either (zenuml once was the exception).
    both_fail = [d for d in diagrams if d not in drawn]
    assert [d.location.file for d in both_fail if mmdc_draws(d.source)] == []


def test_weasyprint_prints_every_diagram_of_the_documents_by_others_whole(tmp_path):
    """WeasyPrint stops drawing a picture at the first element it fails on: a state diagram of
    one of these documents once printed as its edges alone."""
    if not DOCUMENTS_BY_OTHERS:
        pytest.skip("../shared is absent")
    diagrams = [d for document in DOCUMENTS_BY_OTHERS for d in parse_file(document).diagrams()]
    renderings, _ = render_diagrams(diagrams, RenderOptions(restack=False, cache_dir=tmp_path / "cache"))
    drawn = [r.svg for r in renderings.values() if isinstance(r, Picture)]
    assert len(drawn) > 0.9 * len(diagrams)
    assert weasyprint_drawing_failures(drawn, tmp_path / "all.pdf") == []
