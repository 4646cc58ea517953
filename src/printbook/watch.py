"""`build --watch`: the kernel's file events (watchfiles), each burst of them one rebuild.

What is watched: the documents' folders (the documents and the pictures beside them), the
configuration's folder (printbook.toml, templates/, assets/) and the folder of a --css file.
What a build writes itself (the output and cache folders) is no change. A rebuild renders only
the diagrams that changed (the diagram cache), and one that fails leaves the last good outputs in
place (outputs.py publishes all or nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import watchfiles

# On Ctrl-C watchfiles logs "KeyboardInterrupt caught, stopping watch"; printbook says it in its own words.
logging.getLogger("watchfiles.main").setLevel(logging.ERROR)


def folders_to_watch(documents: Iterable[Path], config_file: Path | None, css: Path | None) -> list[Path]:
    folders = [Path(d).resolve().parent for d in documents]
    folders += [p.resolve().parent for p in (config_file, css) if p is not None]
    unique: list[Path] = []
    for folder in sorted(set(folders), key=lambda f: len(f.parts)):
        if not any(folder.is_relative_to(kept) for kept in unique):  # watched already, recursively
            unique.append(folder)
    return unique


class _Filter(watchfiles.DefaultFilter):
    """watchfiles' own (editor swap files, .git, …) and what printbook writes."""

    def __init__(self, ignored: Iterable[Path]):
        super().__init__()
        self.ignored = [Path(p).resolve() for p in ignored]

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        resolved = Path(path).resolve()
        if any(resolved.is_relative_to(p) for p in self.ignored) or ".printbook-staging-" in path:
            return False
        return not path.endswith(".bak") and super().__call__(change, path)


def changes(folders: list[Path], ignored: Iterable[Path], ready: Callable[[], None] = lambda: None,
            debounce_ms: int = 300) -> Iterator[list[Path]]:
    """Each burst of changes, as the files changed, until Ctrl-C (which ends it quietly).
    `ready()` is called once the kernel watches: a change before that would be missed."""
    told = False
    for found in watchfiles.watch(*folders, watch_filter=_Filter(ignored), debounce=debounce_ms,
                                  rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        if not told:  # the first answer, even an empty one, comes from a watcher already running
            told = True
            ready()
        if found:
            yield sorted({Path(path) for _, path in found})

