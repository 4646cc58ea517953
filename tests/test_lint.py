"""`printbook lint` as a user runs it, on real Chromium + mermaid."""

import re

import pytest

from test_cli import run

pytestmark = pytest.mark.e2e

DOC = """# Lint me

## Section 1: One (Q1-Q2)

### Q1. Repairable?
**Probability**: 50

```mermaid
graph TD
    A[call f(x)] --> B[Vec<T> -> ok]
```

### Q2. Broken?
**Probability**: 40

```mermaid
graph TD
    A --> B
    B -->> C
```
"""
DIAGNOSTIC = re.compile(r"^.+:\d+:\d+: (error|warning|note): .+$")


def test_lint_reports_compiler_style_and_fails_on_warnings(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text(DOC)
    result = run("lint", str(document), "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert all(DIAGNOSTIC.match(line) for line in lines), lines
    assert any(line.startswith(f"{document}:10:7: note: quoted label \"call f(x)\"") for line in lines)
    [broken] = [line for line in lines if line.startswith(f"{document}:19:")]
    assert ": warning: graph diagram not drawn: mermaid cannot parse line 3" in broken
    assert broken.endswith("[diagram.syntax]") and "Expecting" not in broken  # mermaid's token list: only with -v
    assert not (tmp_path / "out").exists()
    # A build says the same of the same problem, at the same place; -v adds mermaid's own words.
    built = run("build", str(document), "-o", str(tmp_path / "out"), "-v", "--cache-dir", str(tmp_path / "cache"))
    assert broken in built.stderr.splitlines()
    assert "Expecting" in built.stderr


def test_lint_fix_writes_repairs_back_and_keeps_a_backup(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text(DOC.replace("    B -->> C\n", ""))
    first = run("lint", str(document), "--fix", "--no-cache")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "doc.md.bak").read_text() == DOC.replace("    B -->> C\n", "")
    fixed = document.read_text()
    assert '    A["call f(x)"] --> B[Vec<T> -> ok]' in fixed  # only the repair, no render escapes
    second = run("lint", str(document), "--strict", "--no-cache")
    assert second.returncode == 0 and second.stdout == ""


def test_lint_fix_takes_out_a_fence_line_left_above_a_diagrams_fence(tmp_path):
    document = tmp_path / "doc.md"
    stray = DOC.replace("    B -->> C\n", "").replace("**Probability**: 40\n\n```mermaid", "**Probability**: 40\n\n```\n```mermaid")
    document.write_text(stray)
    first = run("lint", str(document), "--fix", "--no-cache")
    assert first.returncode == 0, first.stdout + first.stderr
    line = stray.split("\n").index("```mermaid", stray.split("\n").index("### Q2. Broken?")) + 1
    assert f"doc.md:{line}:1: note: drew the diagram of a ```mermaid fence inside a code block" in first.stdout
    fixed = document.read_text().split("\n")
    assert len(fixed) == len(stray.split("\n")) and fixed[line - 2] == "" and fixed[line - 1] == "```mermaid"
    assert run("lint", str(document), "--strict", "--no-cache").stdout == ""  # nothing left to say


def test_build_strict_fails_on_a_diagram_not_drawn_but_still_publishes(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text(DOC)
    result = run("build", str(document), "-o", str(tmp_path / "out"), "--strict")
    assert result.returncode == 1
    assert (tmp_path / "out" / "lint-me.pdf").exists()
