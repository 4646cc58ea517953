"""A persistent cache of the renderer's answers, so a rebuild with nothing changed starts no
browser.

An entry is keyed by its request (diagram text, or SVG to paint) and a fingerprint of everything
else that changes the answer: mermaid version, mermaid config and theme, fonts, renderer script.
Entries are written atomically; one that does not read back whole is dropped and asked again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .files import write_atomically


class DiagramCache:
    def __init__(self, directory: Path, fingerprint: str):
        self.directory = directory
        self.fingerprint = fingerprint

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(f"{self.fingerprint}\0{key}".encode()).hexdigest()
        return self.directory / digest[:2] / f"{digest}.json"

    def get(self, key: str, fields: tuple[str, ...]) -> dict | None:
        """The entry stored under `key`, if it reads back whole with all of `fields`."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text())
            if entry.get("key") != key or not all(f in entry for f in fields):
                raise ValueError("not the entry asked for")
            return entry
        except FileNotFoundError:
            return None
        except (OSError, ValueError, AttributeError):  # corrupt or truncated: ask again
            path.unlink(missing_ok=True)
            return None

    def has(self, key: str) -> bool:
        """Whether an entry is stored under `key` (without reading it: get may still drop it)."""
        return self._path(key).exists()

    def put(self, key: str, entry: dict) -> None:
        write_atomically(self._path(key), json.dumps({**entry, "key": key}))


def fingerprint(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


class KeptFiles:
    """Whole files a build made, kept in `directory` by a hash of what they were made from (a
    deck by what it shows, a part of the handbook by its HTML), for the next build to take
    instead of making them again. Each build keeps only what it used (prune)."""

    def __init__(self, directory: Path):
        self.directory, self.used = Path(directory), set()
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        self.used.add(name)
        return self.directory / name

    def read_json(self, name: str) -> dict | None:
        try:
            entry = json.loads(self.path(name).read_text(encoding="utf-8"))
            return entry if isinstance(entry, dict) else None
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, entry: dict) -> None:
        write_atomically(self.path(name), json.dumps(entry))

    def prune(self) -> None:
        """Drops every file this build did not use, so the folder holds one book's files."""
        for path in self.directory.iterdir():
            if path.name not in self.used:
                path.unlink(missing_ok=True)
