"""The real validators on what printbook makes: page-validation and pdfua (PDF/UA-1) on the
handbook, openxml-audit on the decks; on the example, and on the user's document and every
document by others when ../shared is here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import page
import pytest

from printbook.pipeline import build

from conftest import DOCUMENTS_BY_OTHERS, decks_of, pdf_of

BIN = Path(sys.executable).parent


def pdf_ua_problems(path: Path) -> list[str]:
    report = page.validate_pdf(str(path), profile=page.ValidationProfile.PDF_UA_1)
    problems = [f"{f.rule_id}: {f.message}" for f in report.failures]
    checked = subprocess.run([BIN / "pdfua", "check", str(path)], capture_output=True, text=True).stdout
    return problems + [line.strip() for line in checked.splitlines() if line.strip().startswith(("[WARN", "[FAIL"))]


def deck_errors(decks: list[Path]) -> list[str]:
    found = []
    for deck in decks:
        result = subprocess.run([BIN / "openxml-audit", "-f", "microsoft365", str(deck)], capture_output=True, text=True)
        if result.returncode != 0 or "Errors: 0" not in result.stdout:
            found.append(f"{deck.name}: {result.stdout.strip()[-300:]} {result.stderr.strip()[-300:]}")
    return found


@pytest.mark.e2e
def test_the_example_passes_every_validator(example_build):
    assert pdf_ua_problems(pdf_of(example_build)) == []
    assert deck_errors(decks_of(example_build)) == []


@pytest.mark.acceptance
def test_the_seed_passes_every_validator(seed_build):
    assert pdf_ua_problems(pdf_of(seed_build)) == []
    assert deck_errors(decks_of(seed_build)) == []


@pytest.mark.acceptance
@pytest.mark.parametrize("document", DOCUMENTS_BY_OTHERS, ids=lambda path: path.stem[:40])
def test_documents_by_others_pass_every_validator(document, built_by_others):
    report = built_by_others(document)
    assert pdf_ua_problems(pdf_of(report)) == []
    assert deck_errors(decks_of(report)) == []


@pytest.mark.e2e
def test_loose_lists_links_around_emphasis_tables_and_deep_headings_are_tagged_right(tmp_path):
    """What WeasyPrint alone tags wrong (pdf_tags) or a document writes out of order (nested_headings)."""
    document = tmp_path / "doc.md"
    document.write_text("# Tags\n\n## Overview\n\n#### Straight under a chapter\n\n###### Three levels down\n\n"
                        "- a loose item\n\n- with [**bold** words](https://example.com/a) in a link\n\n"
                        "| Name | Value |\n|---|---|\n| a | 1 |\n| b | 2 |\n\n"
                        "## Section 1: One\n\n### Q1. Ask?\n**Probability**: 50\n\nSee [*this*](https://example.com/b).\n")
    report = build(document, tmp_path / "out")
    assert pdf_ua_problems(pdf_of(report)) == []
