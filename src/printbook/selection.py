"""Stage 2b: a shorter book for one interview: the questions a filter keeps (`--min-probability`,
`--sections`, `--questions`), with words saying which filter made it, for the cover and contents.

The document's own numbers are checked on the whole document, before any filter (pipeline.py).
Chapters that are not sections (an overview, a summary) stay; a section left without questions
goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .model import Book, Chapter, Diagnostic, PrintbookError


@dataclass(frozen=True, slots=True)
class Selection:
    min_probability: int | None = None
    sections: frozenset[int] | None = None
    questions: frozenset[int] | None = None

    @classmethod
    def asked(cls, min_probability: int | None = None, sections: str | None = None,
              questions: str | None = None) -> Selection:
        """The selection the options ask for: sections and questions as `1-20,37`."""
        if min_probability is not None and not 0 <= min_probability <= 100:
            raise PrintbookError(Diagnostic("error", None, f"--min-probability: {min_probability} is not 0 to 100",
                                            "give a probability from 0 to 100", "option.min-probability"))
        return cls(min_probability, numbers(sections, "--sections") if sections is not None else None,
                   numbers(questions, "--questions") if questions is not None else None)

    @property
    def any(self) -> bool:
        return self.min_probability is not None or self.sections is not None or self.questions is not None


def numbers(text: str, option: str) -> frozenset[int]:
    """`1-20,37` as the numbers it names; a PrintbookError naming the option for anything else."""
    found: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{1,6})(?:\s*-\s*(\d{1,6}))?", part)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise PrintbookError(Diagnostic("error", None, f"{option}: {part!r} is no number or range",
                                            "give numbers and ranges, as in 1-20,37", f"option.{option.strip('-')}"))
        first = int(match.group(1))
        found.update(range(first, int(match.group(2) or first) + 1))
    if not found:
        raise PrintbookError(Diagnostic("error", None, f"{option}: no numbers given", "give numbers and ranges, as in 1-20,37",
                                        f"option.{option.strip('-')}"))
    return frozenset(found)


def select(book: Book, selection: Selection) -> Book:
    """The book with only the questions `selection` keeps, and `selection` told in its
    `selected` (the whole book when nothing is asked)."""
    if not selection.any:
        return book
    total = len(book.questions)
    chapters: list[Chapter] = []
    for chapter in book.chapters:
        if selection.sections is not None and chapter.is_section and chapter.section_number not in selection.sections:
            continue
        kept = tuple(q for q in chapter.questions if _keeps(selection, q.number, q.probability))
        if chapter.is_section and not any(q.number is not None for q in kept):
            continue
        chapters.append(replace(chapter, questions=kept))
    chosen = replace(book, chapters=tuple(chapters))
    return replace(chosen, selected=told(selection, len(chosen.questions), total))


def _keeps(selection: Selection, number: int | None, probability: int | None) -> bool:
    if number is None:  # a plain heading in a section: context, kept with it
        return True
    if selection.questions is not None and number not in selection.questions:
        return False
    return selection.min_probability is None or (probability is not None and probability >= selection.min_probability)


def told(selection: Selection, kept: int, total: int) -> str:
    """"14 questions with probability 80 or more, of 100" and the like."""
    what = [f"with probability {selection.min_probability} or more"] if selection.min_probability is not None else []
    if selection.sections is not None:
        what.append(("from section " if len(selection.sections) == 1 else "from sections ") + _ranges(selection.sections))
    if selection.questions is not None:
        what.append("among questions " + _ranges(selection.questions))
    return f"{kept} question{'s' if kept != 1 else ''} {', '.join(what)}, of {total}"


def _ranges(found: frozenset[int]) -> str:
    ordered, runs = sorted(found), []
    for number in ordered:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)
