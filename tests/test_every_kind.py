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

from conftest import SHARED

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
    # What printbook does not draw, mermaid-cli does not draw either (zenuml once was the exception).
    both_fail = [d for d in diagrams if d not in drawn]
    assert [d.location.file for d in both_fail if mmdc_draws(d.source)] == []
