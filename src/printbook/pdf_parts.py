"""Stage 3a on two cores, and again after an edit: a long handbook typeset as parts, joined into one PDF.

WeasyPrint lays out and draws on one core. A long handbook is cut into parts: the front matter
(cover, contents, score sheet), then runs of chapters weighing at least PART_WEIGHT. The
parts are shared between this process and a forked copy of it, so that both cores lay out. Once
every part is laid out the processes trade page counts and anchors, so that each part gets the
page numbers of the whole book (contents, footers "page X of Y") and keeps its links into the
others; then each writes its PDF, and `join` makes one tagged PDF of them: pages, structure tree,
outline and named destinations.

With a PartsCache, a part's page count and anchors are kept by its HTML, and its PDF by its HTML
and its numbering: after an edit to one question, only the front matter (its contents list the
question) and the part holding the question are laid out again, while the page counts stay.
The front matter shows no diagram, so it can be laid out (`Started`) while they are rendered.

Where anything of this fails, `typeset_in_parts` answers None and the caller typesets the book
in one piece, as WeasyPrint ships.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from weasyprint.document import Document

from .cache import KeptFiles
from .forked import cores, ended

# A chapter weighs its questions and its blocks (prose, tables, code, diagrams), the chapter's
# and its questions' (pdf.chapter_weight): about two a question on the seed. Laying out starts
# with fixed costs (fonts, stylesheets) and joining costs a little: short books are quicker in
# one piece, and lighter parts gain little.
SMALLEST_BOOK_IN_PARTS = 80
PART_WEIGHT = 30

# finish(part, its laid-out document, its first page's number, the book's pages, the page of every
# anchor in the book): True if the part's page numbers could be written in.
Finish = Callable[[int, Document, int, int, dict[str, int]], bool]


@dataclass(frozen=True, slots=True)
class Part:
    html: str
    weight: float  # about how long it takes to lay out, in questions
    nested: int = 0  # how many of its top-level bookmarks belong under the part before's last


def chapter_runs(weights: Sequence[float]) -> list[slice] | None:
    """The chapters (weighing `weights`) cut into runs weighing at least PART_WEIGHT, in order
    (chapters left at the end too light for a part of their own join the last); None for a book
    too short to gain from parts."""
    if sum(weights) < SMALLEST_BOOK_IN_PARTS or len(weights) < 2:
        return None
    runs, start, held = [], 0, 0.0
    for index, weight in enumerate(weights):
        held += weight
        if held >= PART_WEIGHT and sum(weights[index + 1:]) >= PART_WEIGHT / 2:
            runs.append(slice(start, index + 1))
            start, held = index + 1, 0.0
    runs.append(slice(start, len(weights)))
    return runs


class PartsCache(KeptFiles):
    """Each part's page count and anchors by its HTML, and its PDF by its HTML and numbering, in
    `directory`; `setting` is a hash of all else the PDF depends on (record.setting)."""

    def __init__(self, directory: Path, setting: str):
        super().__init__(directory)
        self.setting = setting
        self.table: tuple[dict[str, int], str] | None = None  # the last anchor table and its hash

    def key(self, html: str) -> str:
        return hashlib.sha256(f"{self.setting}\0".encode() + html.encode()).hexdigest()

    def laid_out(self, key: str) -> tuple[int, dict[str, int]] | None:
        entry = self.read_json(f"{key}.json")
        try:
            return int(entry["pages"]), {str(a): int(p) for a, p in entry["anchors"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def keep_laid_out(self, key: str, pages: int, anchors: dict[str, int]) -> None:
        self.write_json(f"{key}.json", {"pages": pages, "anchors": anchors})

    def pdf(self, key: str, numbering: tuple[int, int, dict[str, int]]) -> Path:
        first, total, pages_of = numbering
        # Every part of a pass shares one table (numbered() makes it, nothing changes it after):
        # hashed once, not once per part (51 parts of 2,000 anchors in a ten-times book).
        if self.table is None or self.table[0] is not pages_of:
            self.table = (pages_of, hashlib.sha256(json.dumps(sorted(pages_of.items())).encode()).hexdigest())
        numbered = f"{key} {first} {total} {self.table[1]}"
        return self.path(f"{hashlib.sha256(numbered.encode()).hexdigest()}.pdf")


class Started:
    """A part laid out in a forked process as soon as its HTML is known, before the rest of the
    book is ready (the front matter, while the diagrams are rendered). It then waits for its
    numbering and writes its PDF, as a part typeset beside the others does (_typeset_theirs).
    Nothing is forked on one core."""

    def __init__(self, index: int, html: str, lay_out: Callable[[int], Document], finish: Finish,
                 write: Callable[[Document, Path], None], within: Callable = contextlib.nullcontext,
                 typesetting: tuple | None = None):
        self.index, self.html = index, html
        self.typesetting = typesetting  # what lays the book out and writes it, for its other parts to share
        # Held here while the process runs: WeasyPrint deletes the font files its FontConfiguration
        # wrote for fontconfig when the object goes, and the forked process reads them still.
        self.held = (lay_out, finish, write)
        self.process = self.connection = None
        if "fork" in multiprocessing.get_all_start_methods() and cores() >= 2:
            context = multiprocessing.get_context("fork")
            self.connection, other_end = context.Pipe()
            self.process = context.Process(target=_typeset_theirs_within,
                                           args=(within, [index], lay_out, finish, write, other_end), daemon=True)
            self.process.start()
            other_end.close()

    def __enter__(self) -> Started:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(force=exc_type is not None)

    def close(self, force: bool = False) -> None:
        """Waits a moment for the process to end after writing; one still laying out (the build
        failed, or did not need the part) is ended."""
        if self.process is None:
            self.held = None
            return
        ended(self.process, self.connection, 0 if force else 2)
        self.process = self.held = None


def typeset_in_parts(parts: Sequence[Part], lay_out: Callable[[int], Document], finish: Finish,
                     write: Callable[[Document, Path], None], target: Path,
                     cache: PartsCache | None = None, started: Sequence[Started] = ()) -> int | None:
    """The `parts` typeset (where `cache` does not hold them already), on two cores where there
    are two, and joined into one PDF at `target`. `lay_out(part)` lays a part out, `finish` writes
    its page numbers in, `write` writes a PDF; the parts `started` are being laid out already.
    Returns the number of pages, or None where the book must be typeset in one piece."""
    keys = [cache.key(part.html) for part in parts] if cache else [None] * len(parts)
    laid_out = {i: found for i, key in enumerate(keys) if cache and (found := cache.laid_out(key)) is not None}
    files: dict[int, Path] = {}
    scratch = [target.with_name(f".{target.name}.part{i}") for i in range(len(parts))]

    def numbered() -> list[tuple[int, int, dict[str, int]]]:
        """Each part's numbering, once every part is laid out: its first page, the book's pages
        and the page of every anchor in the book (one dict, shared)."""
        starts = list(itertools.accumulate((laid_out[i][0] for i in range(len(parts))), initial=0))
        pages_of = {anchor: starts[i] + page for i in reversed(range(len(parts)))
                    for anchor, page in laid_out[i][1].items()}
        return [(starts[i] + 1, starts[-1], pages_of) for i in range(len(parts))]

    def destination(i: int, numbering: tuple[int, int, dict[str, int]]) -> Path | None:
        """Where part `i`'s PDF goes, or None where the cache holds it as numbered now."""
        path = cache.pdf(keys[i], numbering) if cache else scratch[i]
        files[i] = path
        return None if cache and path.exists() else path

    def typeset(todo: list[int], started: Sequence[Started] = ()) -> bool:
        found = _typeset_shared(todo, parts, lay_out, finish, write, laid_out, numbered, destination, started)
        if cache:
            for i, (pages, anchors) in (found or {}).items():
                cache.keep_laid_out(keys[i], pages, anchors)
        return found is not None

    try:
        # First the parts never laid out; then those whose PDF, numbered as now, is not kept
        # (a part before them changed its page count).
        never = [i for i in range(len(parts)) if i not in laid_out]
        if never and not typeset(never, started):
            return None
        numberings = numbered()
        renumbered = [i for i in range(len(parts)) if i not in files and destination(i, numberings[i]) is not None]
        if renumbered and not typeset(renumbered):
            return None
        try:
            join([files[i] for i in range(len(parts))], target, [laid_out[i][1].keys() for i in range(len(parts))],
                 [part.nested for part in parts])
        except (pikepdf.PdfError, OSError, AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            # A WeasyPrint that structures its PDF otherwise, or a kept part another build
            # sharing the cache dropped meanwhile: said, and typeset in one piece.
            logging.getLogger("printbook").warning("note: the parts of the handbook could not be joined (%s): "
                                                   "it is typeset in one piece [internals.fallback]", error)
            return None
        if cache:
            cache.prune()
        return sum(pages for pages, _ in laid_out.values())
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)


def _typeset_shared(todo: list[int], parts: Sequence[Part], lay_out, finish: Finish, write, laid_out: dict,
                    numbered, destination, started: Sequence[Started] = ()
                    ) -> dict[int, tuple[int, dict[str, int]]] | None:
    """The parts `todo` laid out (this process takes the first ones, a forked one the rest, where
    there are two cores; each of those `started` already, its own process), added to `laid_out`,
    numbered once all are, and written where `destination` says. Their page counts and anchors,
    or None where a part failed."""
    helpers = {s.index: s.connection for s in started if s.connection and s.index in todo
               and s.html == parts[s.index].html}
    rest = [i for i in todo if i not in helpers]
    ours, theirs = _shares(rest, [parts[i].weight for i in rest])
    child = None
    others = [([i], connection) for i, connection in helpers.items()]
    if theirs:
        context = multiprocessing.get_context("fork")
        connection, other_end = context.Pipe()
        child = context.Process(target=_typeset_theirs, args=(theirs, lay_out, finish, write, other_end), daemon=True)
        child.start()
        other_end.close()
        others.append((theirs, connection))
    try:
        documents = {i: lay_out(i) for i in ours}
        found = {i: (len(d.pages), anchor_pages(d)) for i, d in documents.items()}
        for _, connection in others:
            reply = _receive(connection)
            if reply[0] != "laid out":
                return None
            found.update(reply[1])
        laid_out.update(found)  # numbered() reads the page counts of every part
        numberings = numbered()
        told = {i: (numberings[i], destination(i, numberings[i])) for i in todo}
        for indices, connection in others:
            try:
                connection.send({i: told[i] for i in indices})
            except OSError:  # the other process died
                return None
        for i, document in documents.items():
            numbered, path = told[i]
            if path is None:
                continue
            if not finish(i, document, *numbered):
                return None
            _write_whole(write, document, path)
        if any(_receive(connection)[0] != "written" for _, connection in others):
            return None
        return found
    finally:
        if child:
            ended(child, others[-1][1], 10)


def _shares(todo: list[int], weights: list[float]) -> tuple[list[int], list[int]]:
    """`todo` cut in two runs that take about as long, the first for this process (all of it
    where a second process cannot be forked or there is one core)."""
    if len(todo) < 2 or "fork" not in multiprocessing.get_all_start_methods() or cores() < 2:
        return todo, []
    cut = min(range(1, len(todo)), key=lambda c: max(sum(weights[:c]), sum(weights[c:])))
    return todo[:cut], todo[cut:]


def _write_whole(write, document: Document, path: Path) -> None:
    """The part's PDF written beside `path`, then renamed into place: an interrupted build leaves
    no half-written part in the cache."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(document, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def anchor_pages(document: Document) -> dict[str, int]:
    """The page number of each anchor (an element's id) in the laid-out `document`."""
    return {anchor: number for number, page in enumerate(document.pages, start=1) for anchor in page.anchors}


def _typeset_theirs_within(within: Callable, *args) -> None:
    with within():
        _typeset_theirs(*args)


def _typeset_theirs(todo: list[int], lay_out, finish: Finish, write, connection) -> None:
    """In the forked process: the parts `todo` laid out, numbered from what the parent answers,
    written."""
    try:
        documents = {i: lay_out(i) for i in todo}
        connection.send(("laid out", {i: (len(d.pages), anchor_pages(d)) for i, d in documents.items()}))
        told = connection.recv()
        for i, document in documents.items():
            numbered, path = told[i]
            if path is None:
                continue
            if not finish(i, document, *numbered):
                connection.send(("failed", "page numbers not written in"))
                return
            _write_whole(write, document, path)
        connection.send(("written",))
    except BaseException as error:  # told to the parent, which typesets the book in one piece
        try:
            connection.send(("failed", repr(error)))
        except OSError:  # the parent has gone on without us
            pass


def _receive(connection) -> tuple:
    try:
        return connection.recv()
    except (EOFError, OSError):  # the other process died
        return ("failed", "no answer")


def join(paths: Sequence[Path], target: Path, own_anchors: Sequence, nested: Sequence[int]) -> None:
    """One tagged PDF of the parts WeasyPrint wrote at `paths`: their pages in order, with one
    structure tree, one outline and one set of named destinations. Links in any part to another's
    anchors point where that part's `own_anchors` are; the first `nested[i]` top-level bookmarks of
    part i go under the last of those before it."""
    with pikepdf.open(paths[0]) as book:
        for path, anchors, nesting in zip(paths[1:], own_anchors[1:], nested[1:]):
            with pikepdf.open(path) as rest:
                _append_part(book, rest, anchors, nesting)
        book.save(target, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _append_part(book: pikepdf.Pdf, rest: pikepdf.Pdf, rest_anchors, nested: int) -> None:
    """The pages of `rest` after those of `book`, with its structure, outline, destinations and form."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)  # named destinations: see below
        book.pages.extend(rest.pages)
    # Copied after the pages, so that what they point to is the pages just copied.
    def copied(value):
        return book.copy_foreign(value if value.is_indirect else rest.make_indirect(value))

    tree = book.Root.StructTreeRoot
    added_tree = copied(rest.Root.StructTreeRoot)
    added_outline = copied(rest.Root.Outlines) if "/Outlines" in rest.Root else None
    added_names = copied(rest.Root.Names.Dests) if "/Names" in rest.Root else None
    added_form = copied(rest.Root.AcroForm) if "/AcroForm" in rest.Root else None

    # Structure: the added part's sections after the book's, under one Document element.
    document = tree.K[0]
    for element in added_tree.K[0].K:
        element.P = document
        document.K.append(element)
    # The parent tree maps each page's and link's key to its structure elements: the added
    # part's keys move past the book's.
    numbers = tree.ParentTree.Nums
    offset = max(int(numbers[i]) for i in range(0, len(numbers), 2)) + 1
    added = added_tree.ParentTree.Nums
    for i in range(0, len(added), 2):
        numbers.append(int(added[i]) + offset)
        numbers.append(added[i + 1])
    for page in book.pages[len(book.pages) - len(rest.pages):]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset

    if added_outline is not None and "/First" in added_outline:
        _join_outlines(book, added_outline, nested)
    if added_names is not None:
        _join_destinations(book, added_names, set(rest_anchors))
    if added_form is not None:
        _join_forms(book, added_form)


def _join_forms(book: pikepdf.Pdf, added: pikepdf.Dictionary) -> None:
    """The added part's form fields (--fillable) in the book's one form, with the fonts they
    type in."""
    if "/AcroForm" not in book.Root:
        book.Root.AcroForm = added
        return
    form = book.Root.AcroForm
    form.Fields.extend(added.Fields)
    fonts, added_fonts = form.DR.get("/Font"), added.get("/DR", {}).get("/Font", {})
    for name, font in added_fonts.items():
        if fonts is not None and name not in fonts:
            fonts[name] = font


def _join_outlines(book: pikepdf.Pdf, added: pikepdf.Dictionary, nested: int = 0) -> None:
    """The added part's top-level bookmarks after the book's; its first `nested` ones under
    the book's last."""
    if "/Outlines" not in book.Root or "/First" not in book.Root.Outlines:
        book.Root.Outlines = added
        return
    outline = book.Root.Outlines
    items = _children(added)
    if nested and items:
        _append(outline.Last, items[:nested])
    _append(outline, items[nested:])  # also counts again what went under its last


def _children(item: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found, child = [], item.get("/First")
    while child is not None:
        found.append(child)
        child = child.get("/Next")
    return found


def _append(parent: pikepdf.Dictionary, items: list[pikepdf.Dictionary]) -> None:
    """`items` as the last children of `parent`, its /Count made again (PDF 1.7, 12.3.3: an open
    item counts its visible descendants; a closed one, negative, its children)."""
    children = _children(parent) + items
    if not children:
        return
    for before, item in zip([None, *children], children):
        item.Parent = parent
        if before is None:
            if "/Prev" in item:
                del item["/Prev"]
        else:
            before.Next, item.Prev = item, before
    if "/Next" in children[-1]:
        del children[-1]["/Next"]
    parent.First, parent.Last = children[0], children[-1]
    visible = sum(1 + max(int(child.get("/Count", 0)), 0) for child in children)
    parent.Count = -len(children) if int(parent.get("/Count", 0)) < 0 else visible


def _join_destinations(book: pikepdf.Pdf, added: pikepdf.Dictionary, own_anchors: set[str]) -> None:
    """One name tree of destinations: the added part's for its own anchors, the book's for the
    rest (each part had a stand-in for the others' anchors, to keep its links)."""
    if "/Names" not in book.Root:
        book.Root.Names = pikepdf.Dictionary(Dests=added)
        return
    ours = pikepdf.NameTree(book.Root.Names.Dests)
    for name, destination in pikepdf.NameTree(added).items():
        if name in own_anchors or name not in ours:
            ours[name] = destination
