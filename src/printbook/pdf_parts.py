"""Stage 3a on two cores: a long handbook typeset as two parts at once, joined into one PDF.

WeasyPrint lays out and draws on one core. A long handbook is cut between two chapters: this
process typesets the front matter and the first chapters while a forked copy of it typesets the
rest. Once both are laid out they trade page counts and anchors, so that each writes in the page
numbers of both (contents, footers "page X of Y") and keeps its links into the other part; then
each writes its PDF, and `join` makes one tagged PDF of them: pages, structure tree, outline and
named destinations.

Where anything of this fails, `typeset_in_two_parts` answers None and the caller typesets the
book in one piece, as on one core.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pikepdf
from weasyprint.document import Document

# Laying out starts with fixed costs (fonts, stylesheets) and joining costs a little: short books
# are quicker in one piece.
SMALLEST_BOOK_IN_PARTS = 40  # questions

# finish(part, its laid-out document, its first page's number, the book's pages, the page of every
# anchor in the book): True if the part's page numbers could be written in.
Finish = Callable[[int, Document, int, int, dict[str, int]], bool]


def split_point(question_counts: Sequence[int]) -> int | None:
    """Where to cut a book whose chapters hold `question_counts` questions, so that both parts take
    about as long: the first part also carries the cover, the contents and at a glance, which
    cost about a quarter of the questions (measured on the seed). None for a book too short."""
    total = sum(question_counts)
    if total < SMALLEST_BOOK_IN_PARTS or len(question_counts) < 2:
        return None
    weights = [count + 1 for count in question_counts]  # a chapter's own text: about a question
    front = total / 4

    def slower_part(cut: int) -> float:
        return max(front + sum(weights[:cut]), sum(weights[cut:]))

    return min(range(1, len(weights)), key=slower_part)


def typeset_in_two_parts(lay_out: Callable[[int], Document], finish: Finish,
                         write: Callable[[Document, Path], None], target: Path, nested: int = 0) -> int | None:
    """Part 0 typeset here and part 1 in a forked process, both written to `target` as one PDF.
    `lay_out(part)` lays a part out, `finish` writes its page numbers in, `write` writes a PDF.
    The first `nested` top-level bookmarks of part 1 belong under part 0's last (a series'
    document cut in two). Returns the number of pages, or None where the book must be typeset in
    one piece."""
    if "fork" not in multiprocessing.get_all_start_methods() or cores() < 2:
        return None
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    part_files = [target.with_name(f".{target.name}.part{part}") for part in (0, 1)]
    child = context.Process(target=_second_part, args=(lay_out, finish, write, part_files[1], theirs), daemon=True)
    child.start()
    theirs.close()
    try:
        first = lay_out(0)
        reply = _receive(ours)
        if reply[0] != "laid out":
            return None
        _, second_pages, second_anchors = reply
        first_pages = len(first.pages)
        total = first_pages + second_pages
        pages_of = {**{anchor: first_pages + page for anchor, page in second_anchors.items()}, **anchor_pages(first)}
        try:
            ours.send((first_pages + 1, total, pages_of))
        except OSError:  # the other process died
            return None
        if not finish(0, first, 1, total, pages_of):
            return None
        write(first, part_files[0])
        if _receive(ours)[0] != "written":
            return None
        try:
            join(part_files[0], part_files[1], target, second_anchors.keys(), nested)
        except (pikepdf.PdfError, AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            # A WeasyPrint that structures its PDF otherwise: said, and typeset in one piece.
            logging.getLogger("printbook").warning("note: the two parts of the handbook could not be joined (%s): "
                                                   "it is typeset in one piece [internals.fallback]", error)
            return None
        return total
    finally:
        ours.close()
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
        for path in part_files:
            path.unlink(missing_ok=True)


def cores() -> int:
    """The processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def anchor_pages(document: Document) -> dict[str, int]:
    """The page number of each anchor (an element's id) in the laid-out `document`."""
    return {anchor: number for number, page in enumerate(document.pages, start=1) for anchor in page.anchors}


def _second_part(lay_out, finish: Finish, write, path: Path, connection) -> None:
    """In the forked process: part 1, laid out, numbered from what part 0 answers, written."""
    try:
        document = lay_out(1)
        connection.send(("laid out", len(document.pages), anchor_pages(document)))
        first_page, total, pages_of = connection.recv()
        if not finish(1, document, first_page, total, pages_of):
            connection.send(("failed", "page numbers not written in"))
            return
        write(document, path)
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


def join(first: Path, second: Path, target: Path, second_anchors, nested: int = 0) -> None:
    """One tagged PDF of two that WeasyPrint wrote: the pages of `second` after those of
    `first`, with one structure tree, one outline and one set of named destinations. Links in
    either part to the other's anchors point where `second_anchors` (the anchors `second` really
    has) are."""
    with pikepdf.open(first) as book, pikepdf.open(second) as rest:
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

        # Structure: the second part's sections after the first's, under one Document element.
        document = tree.K[0]
        for element in added_tree.K[0].K:
            element.P = document
            document.K.append(element)
        # The parent tree maps each page's and link's key to its structure elements: the second
        # part's keys move past the first's.
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
            _join_destinations(book, added_names, set(second_anchors))
        if added_form is not None:
            _join_forms(book, added_form)
        book.save(target, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _join_forms(book: pikepdf.Pdf, added: pikepdf.Dictionary) -> None:
    """The second part's form fields (--fillable) in the book's one form, with the fonts they
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
    """The second part's top-level bookmarks after the first's; its first `nested` ones under
    the first's last."""
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


def _join_destinations(book: pikepdf.Pdf, added: pikepdf.Dictionary, second_anchors: set[str]) -> None:
    """One name tree of destinations: the second part's for its own anchors, the first's for
    the rest (each part had a stand-in for the other's anchors, to keep its links)."""
    if "/Names" not in book.Root:
        book.Root.Names = pikepdf.Dictionary(Dests=added)
        return
    ours = pikepdf.NameTree(book.Root.Names.Dests)
    for name, destination in pikepdf.NameTree(added).items():
        if name in second_anchors or name not in ours:
            ours[name] = destination
