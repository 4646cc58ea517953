"""What printbook needs on a machine: `printbook doctor`, and the visible fallbacks where a
library is not the version printbook's use of its internals was written for."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from pptx import Presentation
from pypdf import PdfReader

from printbook import pptx_internals, weasyprint_internals
from printbook.pipeline import build

from conftest import EXAMPLE, decks_of, pdf_of, pdf_text, said

PRINTBOOK = [sys.executable, "-m", "printbook"]


@pytest.mark.e2e
def test_doctor_finds_everything_on_a_set_up_machine_and_draws_a_diagram(tmp_path):
    result = subprocess.run([*PRINTBOOK, "doctor", "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    for part in ("python: weasyprint", "Pango", "node", "mermaid-cli", "chromium", "emoji font", "CJK font", "cache folder",
                 "draws a diagram"):  # (make setup installs the optional fonts too)
        assert any(line.startswith("ok") and part in line for line in lines), (part, lines)
    assert not (tmp_path / "cache").exists()  # doctor looks; it makes nothing


def test_doctor_and_build_say_the_same_of_a_missing_chromium(tmp_path):
    env = {**os.environ, "PRINTBOOK_CHROMIUM": str(tmp_path / "no-such-chromium")}
    doctor = subprocess.run([*PRINTBOOK, "doctor"], capture_output=True, text=True, env=env)
    assert doctor.returncode == 1
    [line, hint] = [l for l in doctor.stdout.splitlines() if "chromium" in l][:2]
    assert line.startswith("MISSING") and "install: sudo apt-get install chromium" in hint
    built = subprocess.run([*PRINTBOOK, "build", str(EXAMPLE), "-o", str(tmp_path / "out"), "--no-cache"],
                           capture_output=True, text=True, env=env)
    assert built.returncode == 2 and said(built.stderr).count("\n") == 1
    assert "chromium not found" in built.stderr and "sudo apt-get install chromium" in built.stderr


@pytest.mark.e2e
def test_on_other_library_versions_printbook_falls_back_visibly_and_still_publishes(tmp_path, monkeypatch, caplog):
    """WeasyPrint 71 and python-pptx 1.1 (say): no internals are touched; the handbook is typeset
    as WeasyPrint ships it and the decks carry PNG diagrams only, each said once."""
    monkeypatch.setattr(weasyprint_internals, "installed", lambda: "71.0")
    monkeypatch.setattr(pptx_internals, "installed", lambda: "1.1.0")
    monkeypatch.setattr(weasyprint_internals, "_noted", set())
    monkeypatch.setattr(pptx_internals, "_noted", set())
    with caplog.at_level(logging.WARNING, logger="printbook"):
        report = build(EXAMPLE, tmp_path / "out")
    notes = [r.getMessage() for r in caplog.records if "[internals.fallback]" in r.getMessage()]
    assert any("letter by letter" in n and "WeasyPrint 70, this is 71.0" in n for n in notes)
    assert any("page numbers are laid out" in n for n in notes)
    assert any("PNG only" in n and "python-pptx 1.0, this is 1.1.0" in n for n in notes)
    reader = PdfReader(pdf_of(report))
    assert f"page 3 of {len(reader.pages)}" in reader.pages[2].extract_text()
    text = pdf_text(pdf_of(report))
    assert all(q.title.split()[0] in text for q in report.book.questions)
    deck = Presentation(decks_of(report)[0])
    pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]
    assert pictures and not any(p.image.content_type == "image/svg+xml" for p in pictures)
    assert not any(part.content_type == "image/svg+xml" for part in deck.part.package.iter_parts())


def test_the_environment_is_exactly_the_lock_and_the_lock_meets_pyprojects_ranges():
    """`make` installs requirements.lock with its hashes; every package printbook asks for is in it,
    at the version installed here, inside pyproject.toml's range."""
    import importlib.metadata
    import re
    import tomllib

    from conftest import ROOT

    lock = dict(re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+) \\$", (ROOT / "requirements.lock").read_text(), re.M))
    assert all("--hash=sha256:" in block for block in (ROOT / "requirements.lock").read_text().split("==")[1:])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    asked = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    for requirement in asked:
        name, low, high = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([\d.]+)(?:,<([\d.]+))?", requirement).groups()
        pinned = lock[name.lower()]
        assert importlib.metadata.version(name) == pinned, name

        def key(version: str) -> tuple[int, ...]:
            return tuple(int(part) for part in version.split(".") if part.isdigit())

        assert key(low) <= key(pinned) and (high is None or key(pinned) < key(high)), (name, pinned)


LOADING = """
import ctypes.util, importlib.abc, sys
from printbook import pipeline
search = ctypes.util.find_library
failing = {"first": %r}

class FailOnce(importlib.abc.MetaPathFinder):
    # As WeasyPrint fails where a library loads only by searching: it prints, then raises.
    def find_spec(self, name, path, target=None):
        if name == "weasyprint.text.ffi" and failing["first"]:
            failing["first"] = False
            print("WeasyPrint could not import some external libraries")
            raise OSError("cannot load library 'pango'")

sys.meta_path.insert(0, FailOnce())
pipeline.typesetters()
from weasyprint.text import ffi
assert ffi.pango and ffi.harfbuzz and ffi.fontconfig and ffi.pangoft2
assert ctypes.util.find_library is search
print("loaded")
"""


@pytest.mark.parametrize("first_fails", [False, True])
def test_weasyprint_loads_its_libraries_by_file_name_and_searches_only_where_that_fails(first_fails):
    done = subprocess.run([sys.executable, "-c", LOADING % first_fails], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "loaded\n"  # what the failed attempt printed is not shown


FREEZING = """
import gc
from printbook import pipeline
assert gc.get_freeze_count() == 0
pipeline.typesetters()
loaded = gc.get_freeze_count()
garbage = []
for _ in range(1000):
    cycle = [garbage]
    cycle.append(cycle)
pipeline.typesetters()
print(loaded, gc.get_freeze_count())
"""


def test_what_loading_the_typesetters_made_is_kept_out_of_collections_once():
    """WeasyPrint's and python-pptx's objects are left out of the collector's scans; a later build
    freezes nothing more (what it left behind would never be collected, as in `build --watch`)."""
    done = subprocess.run([sys.executable, "-c", FREEZING], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded, after_second = map(int, done.stdout.split())
    assert loaded > 10_000 and after_second == loaded
