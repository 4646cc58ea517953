"""A series: several documents (`documents = [...]` in printbook.toml) as one handbook.

The book's chapters are its documents' chapters in order, and `parts` keeps each document as the
Book it was read as: the handbook gives each a part title page (its title, lines and facts) and
numbers the pages through; the decks stay one per section of each document. Each document's own
numbering is checked on its own, as if it were built alone.
"""

from __future__ import annotations

from dataclasses import replace

from .model import Book
from .selection import Selection, select, told


def combined(books: list[Book], title: str = "", selection: Selection = Selection()) -> Book:
    """One Book of `books` (each filtered by `selection`), titled `title` or by its documents'
    titles; a single document stays the Book it is."""
    chosen = [select(book, selection) for book in books]
    if len(chosen) == 1:
        return replace(chosen[0], title=title or chosen[0].title)
    total = sum(len(book.questions) for book in books)
    first = chosen[0]
    book = Book(title=title or " · ".join(b.title for b in chosen), source=first.source, location=first.location,
                chapters=tuple(c for b in chosen for c in b.chapters),
                diagnostics=tuple(d for b in chosen for d in b.diagnostics), parts=tuple(chosen))
    return replace(book, selected=told(selection, len(book.questions), total)) if selection.any else book
