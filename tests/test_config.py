"""printbook.toml: settings beside the documents, checked, overridden by flags."""

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from printbook import config
from printbook.model import PrintbookError
from printbook.parse import parse_file

from conftest import EXAMPLE, ROOT, outline


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "printbook", "build", *args], cwd=folder, capture_output=True, text=True)


def test_a_typo_is_located_with_the_nearest_key_and_exit_2(tmp_path):
    (tmp_path / "printbook.toml").write_text('paper = "a4"\nduplex = true\nnotes_aera = false\n')
    done = run(tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == ("printbook.toml:3:1: error: unknown key 'notes_aera' (hint: did you mean 'notes'?) "
                                   "[config.key]")


def test_wrong_types_unknown_tables_and_broken_toml_are_located(tmp_path):
    path = tmp_path / "printbook.toml"
    for text, expected in (('duplex = "yes"\n', "printbook.toml:1:1: error: 'duplex' must be true or false, not 'yes'"),
                           ('[filters]\n  min_probabilty = 80\n', "printbook.toml:2:3: error: unknown key 'min_probabilty' "
                                                                 "(hint: did you mean 'min_probability'?)"),
                           ('[filterz]\nsections = "1"\n', "printbook.toml:1:1: error: unknown table [filterz] "
                                                           "(hint: did you mean [filters]?)"),
                           ('documents = ["a.md", 3]\n', "printbook.toml:1:1: error: 'documents' must be a list of paths"),
                           ('paper = "a4\n', "printbook.toml:1:")):
        path.write_text(text)
        with pytest.raises(PrintbookError) as error:
            config.read(path)
        assert str(error.value).replace(str(tmp_path) + "/", "").startswith(expected), str(error.value)


@pytest.mark.e2e
def test_build_with_no_document_reads_the_configuration_and_flags_win(tmp_path):
    (tmp_path / "guide.md").write_text(EXAMPLE.read_text())
    (tmp_path / "printbook.toml").write_text('documents = ["guide.md"]\noutput = "book"\npaper = "letter"\n'
                                             '[filters]\nquestions = "1-3"\n')
    done = run(tmp_path, "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    [pdf] = (tmp_path / "book").glob("*.pdf")
    assert len([t for depth, t in outline(pdf) if depth == 2 and t.startswith("Q")]) == 3
    width = float(PdfReader(pdf).pages[0].mediabox.width)
    assert round(width) == 612  # letter, 8.5 in
    overridden = run(tmp_path, "--questions", "4", "-o", "other", "--cache-dir", str(tmp_path / "cache"))
    assert overridden.returncode == 0, overridden.stderr
    [other] = (tmp_path / "other").glob("*.pdf")
    [fourth] = [q for q in parse_file(EXAMPLE).questions if q.number == 4]
    assert [t for depth, t in outline(other) if depth == 2 and t.startswith("Q")] == [f"Q4. {fourth.title}"]


def test_a_pyprojects_tool_printbook_table_is_read_too(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.printbook]\nsingle_deck = true\n'
                                             '[tool.printbook.filters]\nsections = [1, 3]\n')
    found = config.find(tmp_path)
    assert found == tmp_path / "pyproject.toml"
    assert config.read(found) == {"single_deck": True, "filters.sections": "1,3"}
    (tmp_path / "pyproject.toml").write_text('[tool.printbook]\nsingel_deck = true\n')
    with pytest.raises(PrintbookError, match=r"pyproject.toml:2:1: error: unknown key 'singel_deck' "
                                             r"\(hint: did you mean 'single_deck'\?\)"):
        config.read(tmp_path / "pyproject.toml")


def test_the_readme_configuration_reference_is_the_schema():
    assert config.reference() in (ROOT / "README.md").read_text()


@pytest.mark.e2e
def test_a_users_stylesheet_applies_after_printbooks_own(tmp_path):
    import printbook
    from PIL import Image

    style = tmp_path / "house.css"
    style.write_text(".question-title { color: rgb(220, 0, 0); font-size: 30pt; }\n")
    report = printbook.build(str(EXAMPLE), str(tmp_path / "out"), css=str(style), questions="1",
                             cache_dir=str(tmp_path / "cache"))
    [pdf] = [w.path for w in report.written if w.kind == "pdf"]
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    reds = sum(count for page in tmp_path.glob("page-*.png")
               for count, (r, g, b) in Image.open(page).convert("RGB").getcolors(1 << 24) if r > 180 and g < 60 and b < 60)
    assert reds > 100  # the question's title, in the house colour
    with pytest.raises(PrintbookError, match="--css"):
        printbook.build(str(EXAMPLE), str(tmp_path / "out2"), css=str(tmp_path / "missing.css"))


@pytest.mark.e2e
def test_templates_and_assets_beside_the_configuration_replace_printbooks_one_by_one(tmp_path):
    """mkdocs' custom_dir: a book's own templates/diagram.html.j2, assets/print.css (whose fonts/…
    still come from printbook), assets/reference.pptx and assets/mermaid-config.json."""
    import json

    from pptx import Presentation
    from pptx.util import Inches

    from printbook import resources
    from conftest import PLACES, pdf_text

    (tmp_path / "guide.md").write_text(PLACES)
    (tmp_path / "printbook.toml").write_text('documents = ["guide.md"]\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "assets").mkdir()
    diagram = (resources.templates_dir() / "diagram.html.j2").read_text()
    (tmp_path / "templates" / "diagram.html.j2").write_text('<p class="house">Drawn by the platform team</p>\n' + diagram)
    css = (resources.assets_dir() / "print.css").read_text()
    (tmp_path / "assets" / "print.css").write_text(css + "\n.chapter-title { color: rgb(220, 0, 0); }\n")
    reference = Presentation(str(resources.assets_dir() / "reference.pptx"))
    reference.slide_width, reference.slide_height = Inches(10), Inches(7.5)  # 4:3
    reference.save(str(tmp_path / "assets" / "reference.pptx"))
    mermaid = json.loads((resources.assets_dir() / "mermaid-config.json").read_text())
    mermaid["themeVariables"]["primaryColor"] = "#12ab34"
    (tmp_path / "assets" / "mermaid-config.json").write_text(json.dumps(mermaid))

    result = run(tmp_path, "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    [pdf] = (tmp_path / "out").glob("*.pdf")
    assert pdf_text(pdf).count("Drawn by the platform team") == 3  # the three diagrams of PLACES
    fonts = {str(f.get("/BaseFont")) for page in PdfReader(pdf).pages
             for f in (page["/Resources"].get("/Font") or {}).values() for f in [f.get_object()]}
    assert any("Noto-Sans" in f for f in fonts), fonts  # printbook's fonts, through the book's own print.css
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "3", "-l", "3", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    reds = sum(count for page in tmp_path.glob("page-*.png")
               for count, (r, g, b) in Image.open(page).convert("RGB").getcolors(1 << 24) if r > 180 and g < 60 and b < 60)
    assert reds > 30  # a chapter's title in the book's own colour
    [deck] = (tmp_path / "out" / "decks").glob("*.pptx")
    slides = Presentation(str(deck))
    assert (slides.slide_width, slides.slide_height) == (Inches(10), Inches(7.5))
    svgs = [part.blob.decode() for part in slides.part.package.iter_parts() if part.partname.endswith(".svg")]
    assert svgs and all("rgb(18, 171, 52)" in svg for svg in svgs)  # #12ab34: mermaid drew in the book's own theme
