"""Pictures a document names (`![alt](pic.png)`): found relative to the document's own folder,
and nothing outside that folder read.

A shared document must not be able to print files from its reader's machine: a path that climbs
out of the folder (`../../x.svg`, or a link that leads out), an absolute path, `file:` and
`http(s):` addresses are left out, each with a located warning; `data:` pictures are inside the
document and kept. The same rule is enforced again where WeasyPrint fetches (ConfinedFetcher), so
that nothing that reaches the HTML another way (an SVG's own <image>) is read either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from markdown_it import MarkdownIt
from weasyprint.urls import URLFetcher

from . import resources
from .model import Book, Diagnostic, Location, Prose

PICTURE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass(frozen=True, slots=True)
class Found:
    """Where a picture's address leads: `path` if printbook may read it, else `problem`."""

    path: Path | None = None
    problem: str = ""  # "outside", "remote", "missing", "not a picture"

    @property
    def inline_data(self) -> bool:
        return self.path is None and not self.problem


def find(address: str, folder: Path) -> Found:
    """The file a picture's address names, relative to `folder`, if it lies inside it."""
    address = address.strip()
    scheme = urlsplit(address).scheme.lower()
    if address.lower().startswith("data:image/"):
        return Found()
    if scheme in ("http", "https", "ftp") or address.startswith("//"):
        return Found(problem="remote")
    if scheme and len(scheme) > 1:  # file:, javascript:, … (one letter would be a Windows drive)
        return Found(problem="outside")
    relative = unquote(address.split("#")[0].split("?")[0])
    if not relative or Path(relative).is_absolute() or relative.startswith("\\"):
        return Found(problem="outside")
    root = folder.resolve()
    path = (root / relative).resolve()  # follows links: one that leads out is outside too
    if not path.is_relative_to(root):
        return Found(problem="outside")
    if not path.is_file():
        return Found(problem="missing")
    if path.suffix.lower() not in PICTURE_TYPES:
        return Found(problem="not a picture")
    return Found(path=path)


def judging_every_address(markdown: MarkdownIt) -> MarkdownIt:
    """markdown-it leaves a `file:` or `data:` address as plain text, silently; printbook judges
    each address itself (find, link_address), so that every picture it leaves out is told."""
    markdown.validateLink = lambda url: True
    return markdown


LINK_SCHEMES = {"", "http", "https", "mailto"}


def link_address(address: str) -> str | None:
    """A link's address as the PDF may hold it, or None: a reader's PDF viewer would open a
    `file:`, `javascript:` or `data:` link on their machine."""
    scheme = urlsplit(address.strip()).scheme.lower()
    return address if scheme in LINK_SCHEMES else None


def document_folder(book: Book) -> Path:
    return Path(book.source).resolve().parent


PROBLEMS = {
    "outside": ("picture outside the document's folder left out: {}", "printbook reads pictures only from the "
                "document's folder and below; copy the picture there", "picture.outside"),
    "remote": ("picture on the web left out: {}", "printbook fetches nothing from the network; save the picture in "
               "the document's folder and name it by its path", "picture.remote"),
    "missing": ("picture not found: {}", "the path is relative to the document's folder", "picture.missing"),
    "not a picture": ("not a picture printbook can print: {}", "use PNG, JPEG, GIF, WebP or SVG", "picture.type"),
}


def check_pictures(book: Book) -> list[Diagnostic]:
    """A located warning for each picture the handbook leaves out."""
    folder = document_folder(book)
    parser = judging_every_address(MarkdownIt("commonmark").enable("table"))
    found = []
    for prose in (b for b in book.blocks() if isinstance(b, Prose)):
        for address in _picture_addresses(parser, prose.markdown):
            problem = find(address, folder).problem
            if problem:
                message, hint, code = PROBLEMS[problem]
                found.append(Diagnostic("warning", _where(prose, address), message.format(address), hint, code))
    return found


def _picture_addresses(parser: MarkdownIt, markdown: str) -> list[str]:
    addresses = []
    stack = list(parser.parse(markdown))
    while stack:
        token = stack.pop(0)
        if token.type == "image":
            addresses.append(str(token.attrGet("src") or ""))
        stack[:0] = token.children or []
    return addresses


def _where(prose: Prose, address: str) -> Location:
    """The line and column of `address` in the block (markdown-it gives blocks their lines only)."""
    for offset, line in enumerate(prose.markdown.splitlines()):
        column = line.find(address) if address else -1
        if column >= 0:
            return Location(prose.location.file, prose.location.line + offset, column + 1)
    return prose.location


class ConfinedFetcher(URLFetcher):
    """WeasyPrint's fetcher, reading only `data:` addresses and files inside the given folders
    (the document's, and printbook's own assets: its fonts and stylesheet). What a book's own
    assets folder (`overrides`) names and does not hold comes from printbook's: a print.css of
    its own still finds printbook's fonts at fonts/…"""

    def __init__(self, folders: list[Path], overrides: Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.overrides = overrides.resolve() if overrides else None
        self.folders = [folder.resolve() for folder in folders] + [resources.assets_dir().resolve()]
        if self.overrides:
            self.folders.append(self.overrides)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if self.overrides and path.is_relative_to(self.overrides) and not path.exists():
                url = (resources.assets_dir() / path.relative_to(self.overrides)).resolve().as_uri()
                path = Path(url2pathname(urlsplit(url).path))
            if any(path.is_relative_to(folder) for folder in self.folders):
                return super().fetch(url, headers)
        raise ValueError(f"{REFUSAL} {_short(url)}")


REFUSAL = "printbook reads nothing outside the document's folder:"


def _short(url: str) -> str:
    return re.sub(r"^(data:[^,]{0,40}).*", r"\1…", url)[:200]
