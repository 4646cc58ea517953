"""Visual tests: pages of the example handbook drawn to pixels and compared with stored images.

On a mismatch the actual and expected images (and their difference) are written next to the
references, in tests/visual/failures/, for a person to look at. After an intended change of the
look, refresh the references with: PRINTBOOK_UPDATE_VISUAL=1 .venv/bin/pytest tests/test_visual.py
"""

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import pdf_of

pytestmark = pytest.mark.e2e
REFERENCES = Path(__file__).parent / "visual"
# Pages without today's date on them: contents, at a glance, a section opener, a question page.
PAGES = {2: "contents", 3: "at-a-glance", 5: "section-opener", 6: "question"}
TOLERANCE = 1.0  # mean difference per pixel and channel, of 255; moving the page by 1 mm gives ~5


@pytest.mark.parametrize("page, name", sorted(PAGES.items()))
def test_page_looks_as_it_did(example_build, tmp_path, page, name):
    prefix = tmp_path / name
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf_of(example_build)), str(prefix)], check=True)
    actual = Image.open(f"{prefix}.png").convert("RGB")
    reference = REFERENCES / f"{name}.png"
    if os.environ.get("PRINTBOOK_UPDATE_VISUAL"):
        actual.save(reference)
        pytest.skip(f"stored a new reference {reference.name}")
    assert reference.exists(), f"no reference {reference}: make one with PRINTBOOK_UPDATE_VISUAL=1"
    expected = Image.open(reference).convert("RGB")
    difference = ImageChops.difference(actual, expected) if actual.size == expected.size else None
    mean = sum(ImageStat.Stat(difference).mean) / 3 if difference else float("inf")
    if mean > TOLERANCE:
        failures = REFERENCES / "failures"
        failures.mkdir(exist_ok=True)
        actual.save(failures / f"{name}-actual.png")
        expected.save(failures / f"{name}-expected.png")
        if difference:
            difference.save(failures / f"{name}-difference.png")
        pytest.fail(f"page {page} ({name}) differs from its reference by {mean:.2f} (see {failures})")
