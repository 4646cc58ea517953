"""A series: the documents of a printbook.toml as one handbook, a part each, page numbers through
the whole book, one contents and one outline; decks one per section of each document, named so
they sort by document and section. Real browser, WeasyPrint and python-pptx."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from printbook.parse import parse_file

from conftest import EXAMPLE, SEED, needs_shared, outline, pdf_text, slide_title

pytestmark = pytest.mark.e2e

FIRST = """# Alpha handbook

Written for the series test.

## Section 1: Storage

### Q1. How is a page cache kept?
**Probability**: 70

```mermaid
graph TD
    Read --> Cache
```

### Q2. What does fsync promise?
**Probability**: 40

Durability.
"""

SECOND = """# Beta handbook

## Section 1: Networks

### Q1. What is a SYN flood?
**Probability**: 90

```mermaid
graph LR
    Client --> Server
```

## Section 2: Queues

### Q3. Why bound a queue?
**Probability**: 60

Back pressure.
"""


def build_series(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "printbook", "build", *extra], cwd=folder,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def small_series(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("series")
    (folder / "alpha.md").write_text(FIRST)
    (folder / "beta.md").write_text(SECOND)
    (folder / "printbook.toml").write_text('title = "Storage and networks"\ndocuments = ["alpha.md", "beta.md"]\n')
    result = build_series(folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_series_is_one_handbook_with_a_part_per_document(small_series):
    pdf = small_series / "out" / "storage-and-networks.pdf"
    found = outline(pdf)
    assert (1, "Part 1: Alpha handbook") in found and (1, "Part 2: Beta handbook") in found
    # Each document's sections and questions a level below its part, in the documents' order.
    part_two = found.index((1, "Part 2: Beta handbook"))
    assert (2, "Section 1: Storage") in found[:part_two]
    assert found[part_two + 1:] == [(2, "Section 1: Networks"), (3, "Q1. What is a SYN flood?"),
                                    (2, "Section 2: Queues"), (3, "Q3. Why bound a queue?")]
    text = pdf_text(pdf)
    pages = len(PdfReader(pdf).pages)
    # Page numbers run through the whole book: the last page says it is the last of all.
    assert f"page {pages} of {pages}" in re.sub(r"\s+", " ", PdfReader(pdf).pages[-1].extract_text())
    assert "Storage and networks" in text and "Documents 2" in re.sub(r"\s+", " ", text)
    assert "Written for the series test." in text  # the first document's lines, on its part page


def test_a_series_links_each_question_to_its_own_document(small_series):
    """Both documents have a Q1 at its own line: the contents link each to its own page."""
    reader = PdfReader(small_series / "out" / "storage-and-networks.pdf")
    destinations = {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    q1 = {name: page for name, page in destinations.items() if re.fullmatch(r"q-\d+-\d+", name)}
    alpha, beta = sorted(q1.items(), key=lambda item: item[1])[0], sorted(q1.items(), key=lambda item: item[1])[-1]
    assert alpha[0].startswith("q-1-") and beta[0].startswith("q-2-") and alpha[1] < beta[1]
    part_two = next(page for name, page in destinations.items() if name.startswith("part-2-"))
    assert alpha[1] < part_two <= beta[1]


def test_a_series_has_a_deck_per_section_of_each_document_sorted_by_document(small_series):
    decks = sorted((small_series / "out" / "decks").glob("*.pptx"))
    assert [d.name for d in decks] == ["01-alpha-handbook-01-storage.pptx", "02-beta-handbook-01-networks.pptx",
                                       "02-beta-handbook-02-queues.pptx"]
    titles = [slide_title(s.shapes.title.text) for s in Presentation(decks[1]).slides if s.shapes.title]
    assert any("SYN flood" in t for t in titles) and not any("page cache" in t for t in titles)


def test_a_series_checks_each_documents_numbers_on_its_own(small_series, tmp_path):
    """beta.md skips Q2: the warning names beta.md, and the filter counts across the series."""
    for name in ("alpha.md", "beta.md", "printbook.toml"):
        (tmp_path / name).write_text((small_series / name).read_text())
    result = build_series(tmp_path, "--min-probability", "60")
    assert result.returncode == 0, result.stderr
    assert re.search(r"beta\.md:\d+:\d+: warning: .*Q2", result.stderr), result.stderr
    assert "alpha.md" not in "".join(line for line in result.stderr.splitlines() if "Q2" in line)
    text = re.sub(r"\s+", " ", pdf_text(tmp_path / "out" / "storage-and-networks.pdf"))
    assert "3 questions with probability 60 or more, of 4" in text
    assert "fsync" not in text


@pytest.mark.acceptance
def test_the_example_and_the_seed_as_one_series(seed_build, tmp_path):
    """The README's series: the example then the seed, one PDF whose outline holds both."""
    seed = needs_shared(SEED)
    cache = seed_build.written[0].path.parent / ".printbook-cache"  # the seed's diagrams, rendered once
    (tmp_path / "printbook.toml").write_text(
        f'documents = ["{EXAMPLE}", "{seed}"]\ncache_dir = "{cache}"\nsingle_deck = true\n')
    result = build_series(tmp_path)
    assert result.returncode == 0, result.stderr
    pdf = next((tmp_path / "out").glob("*.pdf"))
    found = outline(pdf)
    parts = [title for depth, title in found if depth == 1 and title.startswith("Part ")]
    assert len(parts) == 2 and parts[1].endswith(seed_build.book.title)
    questions = len([1 for depth, title in found if depth == 3 and title.startswith("Q")])
    assert questions == len(seed_build.book.questions) + len(parse_file(EXAMPLE).questions)
    reader = PdfReader(pdf)
    assert len(reader.pages) > seed_build.written[0].count  # the seed's pages and the example's, numbered through
    decks = list((tmp_path / "out" / "decks").glob("*.pptx"))
    assert len(decks) == 1
