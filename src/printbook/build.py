"""The pipeline, top to bottom: parse -> diagrams -> PDF and decks -> move into place.

Everything is written into a staging folder inside the output folder first and moved into place
only when every output succeeded, so a failed build never leaves a half-written PDF or deck where
a good one was.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import checks, deck, diagrams, parse, pdf, repair
from .files import write_atomically
from .model import Book, Chapter, Diagnostic, Diagram, Picture, Rendering


CACHE_FOLDER = ".printbook-cache"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    cache_dir: Path | None = None  # default: OUTDIR/.printbook-cache
    use_cache: bool = True
    render: diagrams.RenderOptions = diagrams.RenderOptions()
    pdf: pdf.PdfOptions = pdf.PdfOptions()
    deck: deck.DeckOptions = deck.DeckOptions()
    single_deck: bool = False  # all sections in one deck instead of one deck each


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    what: str  # "PDF, 51 pages" / "deck, 21 slides"


@dataclass(frozen=True, slots=True)
class BuildReport:
    book: Book
    written: tuple[WrittenFile, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def build(source: Path, outdir: Path, options: BuildOptions = BuildOptions(),
          step: Callable[[str], None] = lambda message: None) -> BuildReport:
    step(f"1/4 reading {source}")
    book = parse.parse_file(source)
    discrepancies = checks.check_numbers(book)
    step(f"2/4 rendering {len(book.diagrams())} diagrams")
    with diagrams.DiagramStage(_render_options(options, outdir)) as stage:
        renderings, warnings = rendered_for_outputs(stage, book.diagrams(), options)
        deck_renderings = _deck_pictures(stage, renderings)
        renderings = _handbook_pictures(stage, renderings, options.pdf)

    outdir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".printbook-staging-", dir=outdir))
    try:
        step("3/4 typesetting the PDF handbook")
        book_slug = slugify(book.title) or slugify(source.stem)
        pdf_result = pdf.write_pdf(book, renderings, staging / f"{book_slug}.pdf", discrepancies, options.pdf)
        written = [(f"{book_slug}.pdf", f"PDF handbook, {pdf_result.pages} pages")]
        decks = ([(f"decks/{book_slug}.pptx", list(book.sections))] if options.single_deck else
                 [(f"decks/{deck_name(c, i)}", [c]) for i, c in enumerate(book.sections, start=1)])
        step(f"4/4 making {len(decks)} decks")
        (staging / "decks").mkdir()
        for name, chapters in decks:
            deck_result = deck.write_deck(book, chapters, deck_renderings, staging / name, options.deck)
            written.append((name, f"deck, {deck_result.slides} slides"))
        _move_into_place(staging, outdir, [name for name, _ in written])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildReport(book=book, written=tuple(WrittenFile(outdir / n, w) for n, w in written),
                       diagnostics=book.diagnostics + tuple(warnings) + tuple(checks.as_diagnostics(discrepancies)))


@dataclass(frozen=True, slots=True)
class LintReport:
    book: Book
    diagnostics: tuple[Diagnostic, ...]
    fixed: Path | None = None  # the document, when --fix rewrote it

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)


def lint(source: Path, options: BuildOptions = BuildOptions(), fix: bool = False) -> LintReport:
    """Checks every diagram as a build would (repairs, render errors) and writes nothing, except
    the repaired document itself with `fix`, keeping the original as DOC.bak."""
    book = parse.parse_file(source)
    # Without an output folder, lint shares the cache of a default `printbook build` (out/).
    render_options = dataclasses.replace(_render_options(options, Path("out")), restack=False)
    _, found = diagrams.render_diagrams(book.diagrams(), render_options)
    # In lint, a diagram that cannot be drawn is an error: that is what lint is asked to find.
    found = [dataclasses.replace(d, severity="error") if d.severity == "warning" else d for d in found]
    fixed = None
    if fix and any(d.severity == "note" for d in found):
        text = parse.read_source(source)
        shutil.copy2(source, source.with_name(source.name + ".bak"))
        write_atomically(source, repair.repaired_document(text, book.diagrams()))
        fixed = source
    numbers = checks.as_diagnostics(checks.check_numbers(book))
    return LintReport(book, book.diagnostics + tuple(found) + tuple(numbers), fixed)


@dataclass(frozen=True, slots=True)
class ExportReport:
    book: Book
    written: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]


def export_diagrams(source: Path, outdir: Path, options: BuildOptions = BuildOptions()) -> ExportReport:
    """Every diagram as SVG and PNG (repaired where needed, in its own layout), named by its
    question (`q12.svg`, `q12-2.svg` for a second one) or else by its line (`line-3670.svg`)."""
    book = parse.parse_file(source)
    names = diagram_names(book)
    render_options = dataclasses.replace(_render_options(options, outdir), restack=False)
    with diagrams.DiagramStage(render_options) as stage:
        renderings, found = stage.render(book.diagrams())
        painted = stage.with_pngs({d: r for d, r in renderings.items() if isinstance(r, Picture)})
    written = []
    for diagram, picture in painted.items():
        for suffix, data in ((".svg", picture.svg.encode()), (".png", picture.png)):
            path = outdir / (names[diagram] + suffix)
            write_atomically(path, data)
            written.append(path)
    return ExportReport(book, tuple(written), book.diagnostics + tuple(found))


def diagram_names(book: Book) -> dict[Diagram, str]:
    names = {}
    for question in (q for c in book.chapters for q in c.numbered_questions):
        found = [b for b in question.blocks if isinstance(b, Diagram)]
        for position, diagram in enumerate(found, start=1):
            names[diagram] = f"q{question.number}" + (f"-{position}" if position > 1 else "")
    return {d: names.get(d, f"line-{d.location.line}") for d in book.diagrams()}


def rendered_for_outputs(stage: diagrams.DiagramStage, found: list[Diagram], options: BuildOptions
                         ) -> tuple[dict[Diagram, Rendering], list[Diagnostic]]:
    """Every diagram with the likely restacked layouts, and all of them for the diagrams those
    leave under the smallest text size of the handbook or of a slide."""
    renderings, warnings = stage.render(found)
    small = [d for d, r in renderings.items() if isinstance(r, Picture) and (
        pdf.needs_parts(r, options.pdf) or deck.text_pt(deck.slide_picture(r)) < deck.SMALLEST_TEXT_PT)]
    return stage.more_layouts(renderings, small), warnings


def _handbook_pictures(stage: diagrams.DiagramStage, renderings: dict[Diagram, Rendering],
                       options: pdf.PdfOptions) -> dict[Diagram, Rendering]:
    """What the handbook shows: each diagram in its layouts, with one picture per subgraph
    attached where no layout prints its text legibly on any page."""
    split = stage.parts([d for d, r in renderings.items() if pdf.needs_parts(r, options)])
    return {d: dataclasses.replace(r, parts=split[d]) if d in split else r for d, r in renderings.items()}


def _deck_pictures(stage: diagrams.DiagramStage, renderings: dict[Diagram, Rendering]) -> dict[Diagram, Rendering]:
    """What the decks show: one layout of each diagram, or one picture per subgraph where the
    whole would show its text under deck.SMALLEST_TEXT_PT; each as SVG with a PNG painted."""
    chosen = {d: deck.slide_picture(r) for d, r in renderings.items() if isinstance(r, Picture)}
    split = stage.parts([d for d, p in chosen.items() if deck.text_pt(p) < deck.SMALLEST_TEXT_PT])
    to_paint = {**chosen, **{(d, i): deck.slide_picture(part) for d, parts in split.items()
                             for i, part in enumerate(parts)}}
    painted = stage.with_pngs(to_paint, deck.png_scale)
    result: dict[Diagram, Rendering] = dict(renderings)
    for diagram in chosen:
        parts = tuple(painted[(diagram, i)] for i in range(len(split.get(diagram, ()))))
        result[diagram] = dataclasses.replace(painted[diagram], parts=parts)
    return result


def _render_options(options: BuildOptions, outdir: Path) -> diagrams.RenderOptions:
    cache_dir = (options.cache_dir or outdir / CACHE_FOLDER) if options.use_cache else None
    return dataclasses.replace(options.render, cache_dir=cache_dir)


def deck_name(chapter: Chapter, index: int) -> str:
    return f"{chapter.section_number or index:02d}-{slugify(chapter.title)}.pptx"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


def _move_into_place(staging: Path, outdir: Path, names: list[str]) -> None:
    """Each file replaces its old version in one rename (same file system, so atomic)."""
    for name in names:
        (outdir / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, outdir / name)
