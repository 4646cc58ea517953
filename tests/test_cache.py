"""The diagram cache: round trips, corrupt entries, and a warm rebuild that starts no browser."""

import pytest

from printbook import diagrams
from printbook.cache import DiagramCache
from printbook.diagrams import RenderOptions, render_diagrams
from printbook.model import Diagram, DiagramFailure, Location, Picture

PICTURE = Picture(svg="<svg/>", png=b"\x89PNG fake", width=10.5, height=20.0)


def test_round_trip_and_fingerprint(tmp_path):
    cache = DiagramCache(tmp_path, "fp1")
    assert cache.get("graph TD\n A") is None
    cache.put("graph TD\n A", PICTURE)
    cache.put("broken", DiagramFailure("Parse error"))
    assert cache.get("graph TD\n A") == PICTURE
    assert cache.get("broken") == DiagramFailure("Parse error")
    assert DiagramCache(tmp_path, "fp2").get("graph TD\n A") is None  # another mermaid/config/font
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"source": "graph TD\\n A", "svg": 1}', b"\xff\xfe"])
def test_corrupt_entry_is_dropped(tmp_path, damage):
    cache = DiagramCache(tmp_path, "fp")
    cache.put("graph TD\n A", PICTURE)
    [entry] = tmp_path.rglob("*.json")
    entry.write_bytes(damage)
    assert cache.get("graph TD\n A") is None
    assert not entry.exists()


@pytest.mark.e2e
def test_warm_render_starts_no_browser(tmp_path, monkeypatch):
    diagram = Diagram("graph TD\n    A[Cached label] --> B\n", Location("d.md", 1))
    options = RenderOptions(cache_dir=tmp_path)
    cold, _ = render_diagrams([diagram], options)
    assert isinstance(cold[diagram], Picture)

    def no_browser(*args, **kwargs):
        raise AssertionError("a browser was started on a warm cache")

    monkeypatch.setattr(diagrams.MermaidRenderer, "render", no_browser)
    warm, _ = render_diagrams([diagram], options)
    assert warm == cold
