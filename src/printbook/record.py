"""The build record: what the last good build in an output folder was made from, so that a build
with nothing changed is known in a fraction of a second and rewrites nothing.

OUTDIR/.printbook-record.json is published with the outputs, all or none (outputs.py). It holds:
- a key: a hash of the documents' bytes, the pictures they show, the options and every file
  they name (logo, stylesheet and what it names, reference deck, overrides), and printbook's own
  code, templates and assets and the versions of the tools it runs;
- each output's size and SHA-256, so that an output changed or removed since is made again;
- the report that build gave (written files, diagnostics), given again.

This module loads neither WeasyPrint nor python-pptx: deciding costs no more than reading.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import __version__, pictures, resources
from .model import Book, Diagnostic, Location

NAME = ".printbook-record.json"
FORMAT = 1
# The libraries whose versions change what a build writes.
LIBRARIES = ("weasyprint", "pydyf", "python-pptx", "pikepdf", "pillow", "lxml", "jinja2", "markdown-it-py", "fonttools")


def key(documents: Sequence[Book], setting_hash: str) -> str:
    """What the outputs of building `documents` (as parsed) depend on, hashed: their text and
    their `setting_hash` (setting())."""
    digest = hashlib.sha256(setting_hash.encode())
    for document in documents:
        digest.update(b"\0document\0" + Path(document.source).read_bytes())
    return digest.hexdigest()


def setting(documents: Sequence[Book], options) -> str:
    """All that key() hashes but the documents' own text: the pictures they show, the options,
    the files those name, printbook and its tools; for the caches of parts of outputs, which
    hash their own text with it."""
    digest = hashlib.sha256(f"{FORMAT} {__version__} {options!r}".encode())
    for document in documents:
        _stamps(digest, pictures.shown(document))
    pdf, deck = options.pdf, options.deck
    named = [p for p in (pdf.logo, pdf.css, deck.reference, deck.logo) if p]
    if pdf.css:
        named += _named_by_css(Path(pdf.css))
    _contents(digest, named)
    for folder in {pdf.overrides, deck.overrides, options.render.overrides} - {None}:
        _stamps(digest, _files(Path(folder) / "templates"))
        _stamps(digest, _files(Path(folder) / "assets"))
    _stamps(digest, [*_files(resources.PACKAGE_DIR), *_files(resources.templates_dir()),
                     *_files(resources.assets_dir()), *_tools()])
    for library in LIBRARIES:
        try:
            digest.update(f"{library} {importlib.metadata.version(library)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library} -\0".encode())
    return digest.hexdigest()


def kept(outdir: Path, wanted: str) -> dict | None:
    """The report of the last build in `outdir` when it was made from the same `wanted` key and
    every output it wrote is still there as it wrote it; else None."""
    try:
        record = json.loads((Path(outdir) / NAME).read_text(encoding="utf-8"))
        if record.get("format") != FORMAT or record.get("key") != wanted:
            return None
        for name, (size, sha256) in record["outputs"].items():
            path = Path(outdir) / name
            if path.stat().st_size != size or _sha256(path) != sha256:
                return None
        return record["report"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no record, or one this printbook cannot read: build


def outdated(outdir: Path, names: Iterable[str]) -> list[str]:
    """The outputs the last build in `outdir` wrote and this one, writing `names`, does not (the
    deck of a section since renamed or gone), each still as that build wrote it: they go when
    this build's outputs are published. A file changed since is someone's own, and stays; so
    does anything a record names outside the folder."""
    try:
        record = json.loads((Path(outdir) / NAME).read_text(encoding="utf-8"))
        written = record["outputs"].items() if record.get("format") == FORMAT else ()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    folder, names, found = Path(outdir).resolve(), set(names), []
    for name, stamp in written:
        try:
            size, sha256 = stamp
            path = folder / name
            inside = not path.is_symlink() and path.resolve().parent.is_relative_to(folder)
            if (name not in names and name != NAME and inside and path.stat().st_size == size
                    and _sha256(path) == sha256):
                found.append(name)
        except (OSError, TypeError, ValueError):
            continue
    return found


def write(folder: Path, wanted: str, names: Iterable[str], report: dict) -> str:
    """The record of the outputs `names` in `folder` (the staging folder, before they are
    published), made from `wanted`: its file name, to publish with them."""
    outputs = {name: [(folder / name).stat().st_size, _sha256(folder / name)] for name in names}
    text = json.dumps({"format": FORMAT, "key": wanted, "outputs": outputs, "report": report}, indent=1)
    (folder / NAME).write_text(text, encoding="utf-8")
    return NAME


def diagnostics_as_json(diagnostics: Iterable[Diagnostic]) -> list[dict]:
    return [dataclasses.asdict(d) for d in diagnostics]


def diagnostics_from_json(items: Iterable[dict]) -> tuple[Diagnostic, ...]:
    return tuple(Diagnostic(**{**item, "location": Location(**item["location"]) if item["location"] else None})
                 for item in items)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _stamps(digest, paths: Iterable[Path]) -> None:
    """Each file's path, size and modification time: enough for files that only change by
    being written (pictures, printbook's own files)."""
    for path in sorted(paths):
        try:
            status = path.stat()
            digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
        except OSError:
            digest.update(f"{path}\0missing\0".encode())


def _contents(digest, paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            digest.update(f"{path}\0".encode() + Path(path).read_bytes())
        except OSError:
            digest.update(f"{path}\0missing\0".encode())


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [Path(root) / name for root, dirs, names in os.walk(folder)
            for name in names if not name.endswith(".pyc")]


def _named_by_css(css: Path) -> list[Path]:
    """The files a stylesheet names with url(…) beside it (fonts, pictures)."""
    try:
        text = css.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    names = re.findall(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", text)
    return [css.parent / name for name in names if "://" not in name and not name.startswith("data:")]


def _tools() -> list[Path]:
    """mermaid, mermaid-cli and the browser that draws the diagrams."""
    found = []
    modules = resources.node_modules_dir()
    if modules is not None:
        found += [modules / "mermaid" / "package.json", modules / "@mermaid-js" / "mermaid-cli" / "package.json"]
    browser = resources.chromium_path()
    if browser:
        found.append(Path(os.path.realpath(browser)))
    return found
