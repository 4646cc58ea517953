"""A persistent cache of rendered diagrams, so a rebuild with nothing changed starts no browser.

An entry is keyed by everything that changes the picture: the (repaired) diagram text, the
mermaid version, the mermaid config and theme, the fonts, the PNG scale and the renderer script.
Entries are written atomically; one that does not read back whole is dropped and re-rendered.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from .files import write_atomically
from .model import DiagramFailure, Picture, Rendering


class DiagramCache:
    def __init__(self, directory: Path, fingerprint: str):
        self.directory = directory
        self.fingerprint = fingerprint

    def _path(self, source: str) -> Path:
        key = hashlib.sha256(f"{self.fingerprint}\0{source}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, source: str) -> Rendering | None:
        path = self._path(source)
        try:
            entry = json.loads(path.read_text())
            if entry["source"] != source:
                raise ValueError("key collision")
            if "failure" in entry:
                return DiagramFailure(entry["failure"])
            return Picture(svg=entry["svg"], png=base64.b64decode(entry["png"], validate=True),
                           width=float(entry["width"]), height=float(entry["height"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):  # corrupt or truncated: render again
            path.unlink(missing_ok=True)
            return None

    def put(self, source: str, rendering: Rendering) -> None:
        if isinstance(rendering, DiagramFailure):
            entry = {"source": source, "failure": rendering.message}
        else:
            entry = {"source": source, "svg": rendering.svg, "png": base64.b64encode(rendering.png).decode(),
                     "width": rendering.width, "height": rendering.height}
        write_atomically(self._path(source), json.dumps(entry))


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()
