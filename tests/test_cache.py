"""The renderer-answer cache: round trips, corrupt entries, and a warm rebuild that starts no browser."""

import shutil

import pytest

from printbook import diagrams
from printbook.cache import DiagramCache
from printbook.diagrams import DiagramStage, RenderOptions
from printbook.model import Diagram, Location, Picture

ANSWER = {"ok": True, "svg": "<svg/>", "width": 10.5, "height": 20.0}


def test_round_trip_and_fingerprint(tmp_path):
    cache = DiagramCache(tmp_path, "fp1")
    assert cache.get("graph TD\n A", ("ok",)) is None
    cache.put("graph TD\n A", ANSWER)
    cache.put("broken", {"ok": False, "error": "Parse error"})
    assert cache.get("graph TD\n A", ("ok",)) == {**ANSWER, "key": "graph TD\n A"}
    assert cache.get("broken", ("ok",))["error"] == "Parse error"
    assert DiagramCache(tmp_path, "fp2").get("graph TD\n A", ("ok",)) is None  # another mermaid/config/font
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "graph TD\\n A"}', b"[1, 2]", b"\xff\xfe"])
def test_corrupt_entry_is_dropped(tmp_path, damage):
    cache = DiagramCache(tmp_path, "fp")
    cache.put("graph TD\n A", ANSWER)
    [entry] = tmp_path.rglob("*.json")
    entry.write_bytes(damage)
    assert cache.get("graph TD\n A", ("ok",)) is None
    assert not entry.exists()


@pytest.mark.e2e
def test_warm_render_and_paint_start_no_browser(tmp_path, monkeypatch):
    diagram = Diagram("graph TD\n    subgraph a\n      A[Cached label]\n    end\n    subgraph b\n      B\n    end\n"
                      "    subgraph c\n      C\n    end\n", Location("d.md", 1))
    options = RenderOptions(cache_dir=tmp_path)

    def build_once():
        with DiagramStage(options) as stage:
            renderings, _ = stage.render([diagram])
            return renderings, stage.with_pngs(renderings)

    cold = build_once()
    assert isinstance(cold[0][diagram], Picture) and cold[1][diagram].png

    def no_browser(*args, **kwargs):
        raise AssertionError("a browser was started on a warm cache")

    monkeypatch.setattr(diagrams.MermaidRenderer, "_start", no_browser)
    assert build_once() == cold


@pytest.mark.e2e
def test_a_build_starts_the_renderer_early_only_where_the_cache_lacks_a_diagram(tmp_path, monkeypatch):
    """The renderer starts before WeasyPrint is imported when a diagram is new, and that one renderer
    draws it; a rebuild whose diagrams are all cached starts none."""
    from printbook.pipeline import build
    from conftest import PLACES

    launched, started = [], []
    launch, start = diagrams.MermaidRenderer.launch, diagrams.MermaidRenderer._start
    monkeypatch.setattr(diagrams.MermaidRenderer, "launch", lambda self: launched.append(1) or launch(self))
    monkeypatch.setattr(diagrams.MermaidRenderer, "_start", lambda self: started.append(1) or start(self))
    document = tmp_path / "guide.md"
    document.write_text(PLACES)
    assert build(document, tmp_path / "out").diagrams_failed == 0
    assert (len(launched), len(started)) == (1, 1)
    launched.clear(), started.clear()
    document.write_text(PLACES.replace("## Overview", "## Overview, edited"))
    assert not build(document, tmp_path / "out").up_to_date
    assert (launched, started) == ([], [])
    first_diagram = PLACES.index("```mermaid\n") + len("```mermaid\n")
    document.write_text(PLACES[:first_diagram] + "%% a new diagram\n" + PLACES[first_diagram:])
    build(document, tmp_path / "out")
    assert (len(launched), len(started)) == (1, 1)


@pytest.mark.e2e
def test_slide_pngs_missing_from_the_cache_are_painted_beside_the_typesetting(tmp_path):
    """A rebuild whose diagrams are all cached starts no renderer itself: the slides are placed and
    painted in the decks' process, which starts one only for the PNGs the cache lacks that a deck shows."""
    import zipfile

    from printbook.pipeline import build
    from conftest import PLACES

    document = tmp_path / "guide.md"
    document.write_text(PLACES)
    first = build(document, tmp_path / "out")
    deck = next(w.path for w in first.written if w.kind == "deck")

    def pngs() -> list[bytes]:
        with zipfile.ZipFile(deck) as opened:
            return [opened.read(name) for name in sorted(opened.namelist()) if name.endswith(".png")]

    painted = pngs()
    assert painted and all(png.startswith(b"\x89PNG") for png in painted)
    cache = tmp_path / "out" / ".printbook-cache"
    lacking = [entry for entry in cache.glob("??/*.json") if '"png"' in entry.read_text()]
    assert lacking
    for entry in lacking:
        entry.unlink()
    shutil.rmtree(cache / "decks")
    document.write_text(PLACES.replace("What does a controller do?", "What does a controller do, and why?"))
    again = build(document, tmp_path / "out")
    assert not again.up_to_date and pngs() == painted
    # Painted again, and only for the diagrams a deck shows (the overview's is on no slide).
    assert len([entry for entry in cache.glob("??/*.json") if '"png"' in entry.read_text()]) == len(lacking) == len(painted)
