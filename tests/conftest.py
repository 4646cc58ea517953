"""Shared fixtures: the example and the user's real document, each built once per test session."""

from __future__ import annotations

import base64
import logging
import re
import struct
import zlib
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from printbook.pipeline import BuildOptions, BuildReport, build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "platform-engineer.md"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_454f1b2d1ec7d48e.txt"
CORPUS = SHARED / "corpus"


def needs_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is absent)")
    return path


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> BuildReport:
    return build(EXAMPLE, tmp_path_factory.mktemp("example-out"))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> BuildReport:
    return build(needs_shared(SEED), tmp_path_factory.mktemp("seed-out"))


# A diagram in a chapter, in an interview question (with notes) and under a plain heading.
PLACES = """# Guide

## Overview

```mermaid
graph TD
    A --> B
```

## Section 1: Basics

### Q1. What does a controller do?
**Probability**: 50

```mermaid
graph TD
    C --> D
```

### How it started

```mermaid
graph TD
    E --> F
```
"""

DOCUMENTS_BY_OTHERS = sorted([*(SHARED / "corpus" / "docs").glob("*.md"), *(SHARED / "corpus2" / "docs").glob("*.md")])


@pytest.fixture(scope="session")
def built_by_others(tmp_path_factory):
    """build(document) once per session for each document by others, all with one cache."""
    cache, built = tmp_path_factory.mktemp("by-others-cache"), {}

    def build_once(document: Path) -> BuildReport:
        if document not in built:
            out = tmp_path_factory.mktemp(document.stem[:30])
            built[document] = build(needs_shared(document), out, BuildOptions(cache_dir=cache))
        return built[document]

    return build_once


def slide_title(title: str) -> str:
    """A slide's title without what says which of several it is: "(2/3)" on a list or code that
    continues, "(the whole, then …)", "(part 2 of 4)", "(parts 1 to 2 of 4)", "(piece 1 of 3, …)"."""
    return re.sub(r" \((?:\d+/\d+|the whole, then .*|parts? \d.*|piece \d.*)\)$", "", title)


def pdf_of(report: BuildReport) -> Path:
    return next(w.path for w in report.written if w.path.suffix == ".pdf")


def decks_of(report: BuildReport) -> list[Path]:
    return sorted(w.path for w in report.written if w.path.suffix == ".pptx")


def flat_text(text: str) -> str:
    """Text with all runs of white space made one space: PDF text breaks lines where it likes."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> str:
    return flat_text(" ".join(page.extract_text() for page in PdfReader(path).pages))


def outline(path: Path) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (depth, title), depth 1 at the top."""
    found: list[tuple[int, str]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, flat_text(item.title)))

    walk(PdfReader(path).outline, 1)
    return found


def slide_diagram_text_pt(svg: bytes, shown_width_emu: int) -> float:
    """The smallest text of a slide's SVG picture as the slide shows it, in points: each text's
    own font size (inherited as SVG inherits it) times the scale of its transforms, of the nested
    <svg> windows it is in, and of the picture on the slide."""
    root = etree.fromstring(svg)

    def own_scale(element) -> float:
        scale = 1.0
        for kind, numbers in re.findall(r"(matrix|scale)\(([^)]*)\)", element.get("transform", "")):
            values = [float(v) for v in re.split(r"[\s,]+", numbers.strip())]
            scale *= (abs(values[0] * values[3] - values[1] * values[2]) ** 0.5 if kind == "matrix"
                      else (values[0] * (values[1] if len(values) > 1 else values[0])) ** 0.5)
        if element.tag.endswith("}svg") and element.get("viewBox") and element.get("width"):
            scale *= float(element.get("width")) / float(element.get("viewBox").replace(",", " ").split()[2])
        return scale

    def walk(element, size: float, scale: float) -> list[float]:
        found_size = re.match(r"\s*([\d.]+)", element.get("font-size", ""))
        size = float(found_size.group(1)) if found_size else size
        scale = scale * own_scale(element)
        found = [size * scale] if element.tag.endswith("}text") and "".join(element.itertext()).strip() else []
        return found + [s for child in element if isinstance(child.tag, str) for s in walk(child, size, scale)]

    view_width = float(root.get("viewBox").replace(",", " ").split()[2])
    shown_px = shown_width_emu / 9525
    sizes = walk(root, 16.0, 1 / own_scale(root))  # the root's own width/viewBox is the slide's business
    return min(sizes) * shown_px / view_width * 0.75 if sizes else float("inf")


def smallest_text_pt(path: Path) -> float:
    """The smallest character size anywhere in the PDF, diagram labels included."""
    import pdfplumber

    with pdfplumber.open(path) as document:
        return min(c["size"] for page in document.pages for c in page.chars)


def pages_of_questions_and_first_labels(report) -> list[tuple[int, str, str]]:
    """(question number, text of the page its heading is on, first node label of its flowchart),
    page and label without spaces: text extraction splits some SVG words ("unkno wn")."""
    found = []
    pages = [flat_text(page.extract_text()) for page in PdfReader(pdf_of(report)).pages]
    for question in report.book.questions:
        flowcharts = [b for b in question.blocks if getattr(b, "kind", "") in ("graph", "flowchart")]
        label = re.search(r'\w+\["?([^\]"<]+)', flowcharts[0].source) if flowcharts else None
        heading = flat_text(f"Q{question.number} {question.title}")
        page = next(p for p in pages[2:] if heading in p)  # past the contents pages
        if label:
            found.append((question.number, page.replace(" ", ""), label.group(1).replace(" ", "")))  # up to a <br>
    return found


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG, written by hand so that the test needs nothing to make it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def said(stderr: str) -> str:
    """What a command said on stderr but its progress lines ("1/4 reading …", "    3 of 3 …")."""
    return "".join(line for line in stderr.splitlines(keepends=True)
                   if not re.match(r"(\d/4 |   \s*\d+ of )", line))


def weasyprint_drawing_failures(svgs: list[str], pdf: Path) -> list[str]:
    """What WeasyPrint logs as it fails to draw the pictures (it then prints nothing of one past
    the element it failed on), drawing them into `pdf`."""
    import weasyprint  # (imported here: most tests need no WeasyPrint)

    failed = []

    class Keeper(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "Failed to render SVG" in record.getMessage():
                failed.append(record.getMessage()[:120])

    logger, keeper = logging.getLogger("weasyprint"), Keeper()
    logger.addHandler(keeper)
    try:
        weasyprint.HTML(string="".join(f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
                                       for svg in svgs)).write_pdf(pdf)
    finally:
        logger.removeHandler(keeper)
    return failed
