"""Shared fixtures: the example and the user's real document, each built once per test session."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from printbook.build import BuildReport, build

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
