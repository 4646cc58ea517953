"""--fillable: each question's notes area and score are PDF form fields that a reader fills in,
over the same ruled page; filled with pypdf and read back, printed as before, still PDF/UA-1."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter

import printbook
from conftest import EXAMPLE, pdf_of
from printbook.parse import parse_file
from test_validators import pdf_ua_problems


def fill(path, target, values: dict[str, str]) -> None:
    writer = PdfWriter(clone_from=path)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(target)


def pages_as_pictures(path, folder, name) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(folder / name)], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob(f"{name}-*.png"))]


@pytest.mark.e2e
def test_a_fillable_handbook_is_filled_in_read_back_and_prints_as_the_ruled_one(example_build, tmp_path):
    report = printbook.build(str(EXAMPLE), str(tmp_path / "out"), fillable=True)
    path = pdf_of(report)
    questions = [q for q in parse_file(EXAMPLE).questions if q.number is not None]

    fields = PdfReader(path).get_fields()
    notes = {name: field for name, field in fields.items() if name.endswith("-notes")}
    scores = {name: field for name, field in fields.items() if name.endswith("-score")}
    assert len(notes) == len(scores) == len(questions) and len(fields) == 2 * len(questions)
    assert all(field["/FT"] == "/Tx" for field in notes.values())
    assert all(field["/FT"] == "/Btn" and field["/_States_"] == ["/1", "/2", "/3", "/4"] for field in scores.values())
    # Each field says which question it is for (what a screen reader announces).
    said = sorted(str(field["/TU"]) for field in notes.values())
    assert said == sorted(f"Interviewer notes on {q.label}" for q in questions)

    # An interviewer types notes and picks a score for every question; a script reads them back.
    typed = {name: f"Notes {i}: clear on trade-offs;\nmissed the failure case." for i, name in enumerate(notes)}
    picked = {name: f"/{1 + i % 4}" for i, name in enumerate(scores)}
    fill(path, tmp_path / "filled.pdf", {**typed, **picked})
    back = PdfReader(tmp_path / "filled.pdf").get_fields()
    assert {name: back[name]["/V"] for name in typed} == typed
    assert {name: back[name]["/V"] for name in picked} == picked

    # Unfilled, every page is the ruled handbook's, pixel for pixel.
    fillable = pages_as_pictures(path, tmp_path, "fillable")
    ruled = pages_as_pictures(pdf_of(example_build), tmp_path, "ruled")
    assert len(fillable) == len(ruled) > len(questions)
    assert [ImageChops.difference(a, b).getbbox() for a, b in zip(fillable, ruled)] == [None] * len(ruled)
    # Filled, exactly the pages holding fields show what was typed and picked.
    filled = pages_as_pictures(tmp_path / "filled.pdf", tmp_path, "filled")
    changed = [n for n, (a, b) in enumerate(zip(filled, ruled)) if ImageChops.difference(a, b).getbbox()]
    with_fields = [n for n, page in enumerate(PdfReader(path).pages)
                   if any(a.get_object()["/Subtype"] == "/Widget" for a in page.get("/Annots", []))]
    assert changed == with_fields and len(with_fields) >= len(questions) // 2

    assert pdf_ua_problems(path) == []
    assert pdf_ua_problems(tmp_path / "filled.pdf") == []
