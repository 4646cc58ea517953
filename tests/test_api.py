"""The Python API, as the README shows it: plain strings, keyword options, one exception type."""

import re

import pytest

import printbook
from printbook import PrintbookError

from conftest import EXAMPLE, PLACES, ROOT

pytestmark = pytest.mark.e2e


def test_the_readme_example_runs(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    [example] = re.findall(r"```python\n(.*?)```", readme, re.S)
    monkeypatch.chdir(ROOT)
    exec(compile(example.replace('"out"', repr(str(tmp_path / "out"))), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "PDF handbook" in printed and (tmp_path / "out" / "decks").is_dir()


def test_plain_strings_keyword_options_and_reports(tmp_path):
    report = printbook.build(str(EXAMPLE), str(tmp_path / "out"), paper="LETTER", single_deck=True, use_cache=False)
    assert [w.path.suffix for w in report.written] == [".pdf", ".pptx"]
    linted = printbook.lint(str(EXAMPLE), cache_dir=str(tmp_path / "cache"))
    assert linted.problems == 0 and linted.book.title == report.book.title
    exported = printbook.export_diagrams(str(EXAMPLE), str(tmp_path / "svg"), cache_dir=str(tmp_path / "cache"))
    assert len([p for p in exported.written if p.suffix == ".svg"]) == len(report.book.diagrams())


def test_bad_input_raises_printbook_error_only(tmp_path):
    with pytest.raises(PrintbookError) as missing:
        printbook.build(str(tmp_path / "nowhere.md"), str(tmp_path / "out"))
    assert "nowhere.md" in str(missing.value)
    with pytest.raises(PrintbookError, match="did you mean 'notes'"):
        printbook.build(str(EXAMPLE), str(tmp_path / "out"), notess=False)
    with pytest.raises(PrintbookError, match="--paper: 'b5'"):
        printbook.build(str(EXAMPLE), str(tmp_path / "out"), paper="b5")


def test_lint_writes_nothing_where_it_runs_and_keeps_its_cache_in_the_users(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "doc.md").write_text("# T\n\n## Section 1: S\n\n### Q1. Ask?\n**Probability**: 50\n\n"
                                   "```mermaid\ngraph TD\n    A --> B\n```\n")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert printbook.lint("doc.md").problems == 0
    assert sorted(p.name for p in folder.iterdir()) == ["doc.md"]
    assert any((tmp_path / "user-cache" / "printbook").rglob("*"))


def test_a_configuration_builds_its_documents_with_its_settings(tmp_path):
    """printbook.build("printbook.toml"): its documents, its settings, its output folder; the
    keyword options override it."""
    (tmp_path / "guide.md").write_text(PLACES)
    (tmp_path / "printbook.toml").write_text('documents = ["guide.md"]\noutput = "built"\ntitle = "Configured"\n'
                                             'single_deck = true\n[filters]\nquestions = "1"\n'
                                             '[email]\nhost = "smtp.example.org"\n')  # for send, not the build
    report = printbook.build(str(tmp_path / "printbook.toml"), use_cache=False, single_deck=False)
    assert report.book.title == "Configured" and report.book.selected.startswith("1 question")
    assert all(w.path.is_relative_to(tmp_path / "built") for w in report.written)
    # The keyword wins: a deck per section ("01-basics"), not the single deck named after the book.
    assert [w.path.name for w in report.written] == ["configured.pdf", "01-basics.pptx"]
    (tmp_path / "empty.toml").write_text('title = "No documents"\n')
    with pytest.raises(PrintbookError, match="no documents"):
        printbook.build(tmp_path / "empty.toml")
