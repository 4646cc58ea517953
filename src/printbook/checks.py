"""Checks the numbers a document states about its questions against the questions themselves.

Interview documents carry summaries written by hand: a question count and average in the
metadata, a pie of how many questions fall in each probability band, a table (and sometimes a
pie) of section averages. They drift from the questions. Each number that differs becomes a
Discrepancy with the place it is stated; the PDF prints them after the summary that states them,
and lint warns about them.
"""

from __future__ import annotations

import re

from .model import BANDS, Book, Chapter, Diagnostic, Diagram, Discrepancy, Location, Table, band

PIE_SLICE = re.compile(r'^\s*"([^"]+)"\s*:\s*(\d{1,15}(?:\.\d{1,10})?)\s*$')  # sane sizes: no float infinity
NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,10})?")


def check_numbers(book: Book) -> list[Discrepancy]:
    questions = [q for q in book.questions if q.probability is not None]
    if not questions:
        return []
    found = _metadata(book)
    for chapter in book.chapters:
        for block in chapter.blocks:
            if isinstance(block, Diagram) and block.kind == "pie":
                by_band = _band_pie(book, block)
                found += by_band if by_band is not None else _section_pie(book, block)
            elif isinstance(block, Table):
                found += _section_table(book, block)
    return found


def as_diagnostics(discrepancies: list[Discrepancy]) -> list[Diagnostic]:
    return [Diagnostic("warning", d.location, f"{d.what}: the document states {d.stated}, its questions give {d.actual}",
                       "correct the summary, or the questions it summarises", "numbers.summary") for d in discrepancies]


def _differs(stated: str, actual: float) -> bool:
    """Whether `actual`, rounded as finely as the document wrote `stated`, is another number."""
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    return round(actual, decimals) != round(float(stated), decimals)


def _shown(actual: float) -> str:
    return f"{actual:.2f}".rstrip("0").rstrip(".")


def _metadata(book: Book) -> list[Discrepancy]:
    facts = {"Questions": len(book.questions), "Average Probability": book.average_probability}
    found = []
    for attribute, actual in facts.items():
        stated = NUMBER.search(book.stated(attribute) or "")
        if stated and actual is not None and _differs(stated.group(), actual):
            where = next((c.location for c in book.chapters if c.title.lower() == "metadata"), book.location)
            found.append(Discrepancy(f"{attribute} (metadata)", stated.group(), _shown(actual), where))
    return found


def _slices(diagram: Diagram) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for line in diagram.source.splitlines() if (m := PIE_SLICE.match(line))]


def _band_pie(book: Book, diagram: Diagram) -> list[Discrepancy] | None:
    """A pie whose slices are the probability bands: counts (or percentages) per band."""
    slices = _slices(diagram)
    names = {name.lower(): name for name, _ in BANDS}
    by_band = {names[label.split("(")[0].strip().lower()]: value for label, value in slices
               if label.split("(")[0].strip().lower() in names}
    if not slices or len(by_band) != len(slices):
        return None
    probabilities = [q.probability for q in book.questions if q.probability is not None]
    total_stated = sum(float(v) for v in by_band.values())
    as_percent = round(total_stated) == 100 and len(probabilities) != 100
    found = []
    for name, _ in BANDS:
        count = sum(band(p) == name for p in probabilities)
        actual = 100 * count / len(probabilities) if as_percent else count
        stated = by_band.get(name, "0")
        if _differs(stated, actual):
            unit = "share of questions, %" if as_percent else "questions"
            found.append(Discrepancy(f"{name} band ({unit})", stated, _shown(actual), diagram.location))
    return found


def _section_pie(book: Book, diagram: Diagram) -> list[Discrepancy]:
    """A pie with one slice per section: their average probabilities."""
    slices = _slices(diagram)
    sections = [c for c in book.chapters if c.is_section]
    if len(slices) != len(sections) or not sections:
        return []
    return [Discrepancy(f"average probability of section {c.section_number} (pie)", value, _shown(c.average_probability),
                        diagram.location)
            for (label, value), c in zip(slices, sections)
            if c.average_probability is not None and _differs(value, c.average_probability)]


def _section_table(book: Book, table: Table) -> list[Discrepancy]:
    """A table with a row per section and an average-probability column."""
    column = next((i for i, h in enumerate(table.header) if "avg" in h.lower() or "average" in h.lower()), None)
    sections: list[Chapter] = [c for c in book.chapters if c.is_section]
    if column is None or len(table.rows) != len(sections):
        return []
    found = []
    for row, chapter in zip(table.rows, sections):
        stated = NUMBER.search(row[column]) if column < len(row) else None
        actual = chapter.average_probability
        if stated and actual is not None and _differs(stated.group(), actual):
            found.append(Discrepancy(f"average probability of section {chapter.section_number} ({row[0]})",
                                     stated.group(), _shown(actual), table.location))
    return found


def check_structure(book: Book) -> list[Diagnostic]:
    """Located warnings where the document's own numbering disagrees with itself: a question
    number used twice or skipped, a section number used twice, a section heading's stated range
    (`(Q1-Q20)`) that its questions do not fill."""
    found, first_seen = _questions_used_twice(book)
    numbers = sorted(first_seen)
    skipped, shown = 0, []
    for before, after in zip(numbers, numbers[1:]):  # gaps, without listing a hostile Q1 … Q10^12
        skipped += after - before - 1
        shown += range(before + 1, min(after, before + 1 + 10 - len(shown)))
    if skipped:
        where = next(q.location for q in book.questions if q.number > shown[0])
        listed = ", ".join(f"Q{n}" for n in shown) + (f" and {skipped - len(shown):,} more" if skipped > len(shown) else "")
        found.append(Diagnostic("warning", where, f"question numbers skip {listed}",
                                "number the questions one after another", "numbers.missing-question"))
    sections = [c for c in book.chapters if c.is_section]
    found += _used_twice([(c.section_number, c.location) for c in sections], "section number {}",
                         "renumber the sections: each gets a deck named by its number", "numbers.duplicate-section")[0]
    return found + [d for c in sections for d in _stated_range(c)]


RENUMBER = "renumber the questions: decks, contents and exported diagrams go by number"
ONE_BY_ONE = 3  # a chapter that uses more numbers again than this gets one warning for them all


def _questions_used_twice(book: Book) -> tuple[list[Diagnostic], dict[int, Location]]:
    """A warning for each question number used again; one for a chapter that uses many again (a
    second question bank numbered from 1: "Q1-Q20 are used before"), not one a question."""
    found: list[Diagnostic] = []
    first_seen: dict[int, Location] = {}
    for chapter in book.chapters:
        questions = chapter.numbered_questions
        again = [q for q in questions if q.number in first_seen]
        if len(again) > ONE_BY_ONE:
            numbers = sorted({q.number for q in again})
            found.append(Diagnostic(
                "warning", again[0].location, f"{len(again)} question numbers of chapter '{chapter.title}' are used "
                f"before it: {_ranges(numbers)} (Q{numbers[0]} first at line {first_seen[numbers[0]].line})",
                RENUMBER, "numbers.duplicate-question"))
            questions = [q for q in questions if q.number not in first_seen]  # (the rest said one by one)
        repeats, first_seen = _used_twice([(q.number, q.location) for q in questions], "question number Q{}",
                                          RENUMBER, "numbers.duplicate-question", first_seen)
        found += repeats
    return found, first_seen


def _ranges(numbers: list[int]) -> str:
    """Sorted numbers as runs, `Q1-Q20, Q25`, the first ten runs and how many more."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    said = [f"Q{run[0]}-Q{run[-1]}" if len(run) > 1 else f"Q{run[0]}" for run in runs[:10]]
    return ", ".join(said) + (f" and {len(runs) - 10:,} more" if len(runs) > 10 else "")


def _used_twice(numbered: list[tuple[int, Location]], what: str, hint: str, code: str,
                first_seen: dict[int, Location] | None = None
                ) -> tuple[list[Diagnostic], dict[int, Location]]:
    """A warning for each number used again, and where each number is first used (after those
    of `first_seen`)."""
    first_seen = dict(first_seen or {})
    found = []
    for number, location in numbered:
        if number in first_seen:
            found.append(Diagnostic("warning", location, f"{what.format(number)} is used twice "
                                    f"(first at line {first_seen[number].line})", hint, code))
        else:
            first_seen[number] = location
    return found, first_seen


RANGE = re.compile(r"Q(\d{1,9})[-–—]Q?(\d{1,9})", re.I)


def _stated_range(chapter: Chapter) -> list[Diagnostic]:
    match = RANGE.fullmatch(chapter.question_range)
    if not match:
        return []
    first, last = int(match.group(1)), int(match.group(2))
    actual = sorted(q.number for q in chapter.numbered_questions)
    if actual == list(range(first, last + 1)):
        return []
    holds = f"Q{actual[0]}-Q{actual[-1]}, {len(actual)} questions" if actual else "no numbered questions"
    return [Diagnostic("warning", chapter.location, f"section {chapter.section_number} states "
                       f"(Q{first}-Q{last}) but holds {holds}",
                       "correct the range in the heading, or the questions under it", "numbers.range")]
