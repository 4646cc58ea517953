"""Pictures a document names (`![alt](pic.png)`): found relative to the document's own folder,
and nothing outside that folder read.

A shared document must not be able to print files from its reader's machine: a path that climbs
out of the folder (`../../x.svg`, or a link that leads out), an absolute path, `file:` and
`http(s):` addresses are left out, each with a located warning; `data:` pictures are inside the
document and kept. The same rule is enforced again where WeasyPrint fetches (fetcher.ConfinedFetcher), so
that nothing that reaches the HTML another way (an SVG's own <image>) is read either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from .markdown_rules import with_github_markdown
from .model import Book, Diagnostic, Location, Prose

PICTURE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".tif", ".tiff"}


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
    "not a picture": ("not a picture printbook can print: {}", "use PNG, JPEG, GIF, WebP, SVG, BMP or TIFF", "picture.type"),
}


def check_pictures(book: Book) -> list[Diagnostic]:
    """A located warning for each picture the handbook leaves out."""
    folder = document_folder(book)
    found = []
    for prose, address in _addresses(book):
        problem = find(address, folder).problem
        if problem:
            message, hint, code = PROBLEMS[problem]
            found.append(Diagnostic("warning", _where(prose, address), message.format(address), hint, code))
    return found


def shown(book: Book) -> list[Path]:
    """The files of the pictures the handbook shows (what the build record hashes)."""
    folder = document_folder(book)
    return [found.path for _, address in _addresses(book) if (found := find(address, folder)).path]


def _addresses(book: Book) -> Iterator[tuple[Prose, str]]:
    parser = judging_every_address(with_github_markdown(MarkdownIt("commonmark").enable("table")))
    for prose in (b for b in book.blocks() if isinstance(b, Prose)):
        for address in _picture_addresses(parser, prose.markdown):
            yield prose, address


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
