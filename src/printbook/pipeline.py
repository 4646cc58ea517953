"""The pipeline, top to bottom: parse -> check options -> render -> place -> PDF and decks -> publish.

Everything is written into a staging folder inside the (locked) output folder first and published
only when every output succeeded, all together (outputs.py), so a failed or interrupted build
never leaves a half-written PDF or deck, or a mixed set, where a good one was.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import dataclasses
import gc
import hashlib
import io
import re
import time
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import cache, checks, diagrams, forked, mail, outputs, parse, pictures, placement, record, repair, resources, selection, series
from .options import DeckOptions, PdfOptions
from .files import write_atomically
from .model import (Book, Chapter, Diagnostic, Diagram, DiagramFailure, Picture, PrintbookError, Rendering, counted,
                    library_missing)


CACHE_FOLDER = ".printbook-cache"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    cache_dir: Path | None = None  # default: OUTDIR/.printbook-cache
    use_cache: bool = True
    render: diagrams.RenderOptions = diagrams.RenderOptions()
    pdf: PdfOptions = PdfOptions()
    deck: DeckOptions = DeckOptions()
    single_deck: bool = False  # all sections in one deck instead of one deck each
    selection: selection.Selection = selection.Selection()  # the questions of a shorter book
    eml: bool = False  # also OUTDIR/<book>.eml, an email draft with the PDF attached
    title: str = ""  # the book's title instead of its document's (a series': its documents' titles)


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: Path
    what: str  # "PDF handbook, 51 pages" / "deck, 21 slides"
    kind: str = ""  # "pdf" or "deck"
    count: int = 0  # its pages or slides


@dataclass(frozen=True, slots=True)
class BuildReport:
    book: Book
    written: tuple[WrittenFile, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    diagrams_failed: int = 0  # shown as a placeholder
    seconds: dict[str, float] = field(default_factory=dict)  # each stage's time: reading, rendering, …
    up_to_date: bool = False  # nothing had changed since the last build: its outputs were kept (record.py)


class _Stages:
    """Each stage's time, taken as the next begins."""

    def __init__(self, step: Callable[[str], None]):
        self.step, self.seconds, self.current, self.started = step, {}, None, time.perf_counter()

    def begin(self, name: str, message: str = "") -> None:
        now = time.perf_counter()
        if self.current:
            self.seconds[self.current] = round(self.seconds.get(self.current, 0.0) + now - self.started, 3)
        self.current, self.started = name, now
        if message:
            self.step(message)


# What a build tells as it goes: ("diagrams", 41, 103), ("pages", 51, 51), ("decks", 2, 5).
Advance = Callable[[str, int, int], None]


def build(source: Path | Sequence[Path], outdir: Path, options: BuildOptions = BuildOptions(),
          step: Callable[[str], None] = lambda message: None,
          advance: Advance = lambda task, done, total: None) -> BuildReport:
    """The handbook and decks of one document, or of a series of documents as one book. `step`
    hears each stage begin, `advance` how far the diagrams, pages and decks are."""
    sources = [Path(s) for s in ([source] if isinstance(source, (str, Path)) else source)]
    outdir = Path(outdir)
    stages = _Stages(step)
    stages.begin("reading", f"1/4 reading {', '.join(map(str, sources))}")
    documents = [parse.parse_file(s) for s in sources]
    # Each document's numbers are checked on the whole document, whatever the filter.
    discrepancies = [found for document in documents for found in checks.check_numbers(document)]
    book = series.combined(documents, options.title, options.selection)
    # Nothing changed since the last good build here: its outputs stand, and nothing is loaded.
    setting = record.setting(documents, options)
    wanted = record.key(documents, setting)
    if options.use_cache and (kept := record.kept(outdir, wanted)) is not None:
        stages.begin("")
        return BuildReport(book=book, written=tuple(WrittenFile(outdir / path, *rest) for path, *rest in kept["written"]),
                           diagnostics=record.diagnostics_from_json(kept["diagnostics"]),
                           diagrams_failed=kept["diagrams_failed"], seconds=stages.seconds, up_to_date=True)
    with diagrams.DiagramStage(_render_options(options, outdir)) as stage:  # ends however the build does
        # A browser takes about a second to start: where the cache lacks a diagram, it starts now,
        # beside the imports and the front matter.
        stage.start_early(book.diagrams())
        return _made(book, sources, discrepancies, setting, wanted, outdir, options, stages, advance, stage)


def _made(book: Book, sources: list[Path], discrepancies: list[checks.Discrepancy], setting: str, wanted: str,
          outdir: Path, options: BuildOptions, stages: _Stages, advance: Advance, stage: diagrams.DiagramStage
          ) -> BuildReport:
    """build's outputs, once it knows they are not up to date: rendered with `stage`."""
    pdf, deck = typesetters()
    pdf.check_options(options.pdf)  # before anything is rendered
    deck.check_options(options.deck)
    cache_dir = _render_options(options, outdir).cache_dir
    book_slug = slugify(book.title) or slugify(sources[0].stem) or "handbook"
    decks = [(f"decks/{book_slug}.pptx", book, list(book.sections))] if options.single_deck else deck_names(book)
    deck_files = outputs.unique_names([n for n, _, _ in decks])
    # The front matter shows no diagram: it is laid out alongside the rendering. (The parts cache
    # is made once the output folder is known to be writable.)
    with outputs.OutputFolder(outdir) as folder, pdf.front_matter_started(
            book, discrepancies, options.pdf,
            parts_cache := pdf.pdf_parts.PartsCache(cache_dir / "parts", setting) if cache_dir else None
    ) as front_started:
        stages.begin("rendering", f"2/4 rendering {counted(len(book.diagrams()), 'diagram')}")
        offers = Offers(pdf.diagram_spaces(book, options.pdf), deck.slide_offer(options.deck))
        with stage:  # the renderer ends here, before the typesetting
            renderings, warnings = rendered_for_outputs(stage, book.diagrams(), offers,
                                                        lambda done, total: advance("diagrams", done, total))
            stages.begin("placing")
            handbook = pdf.placed(book, renderings, options.pdf)

            def slides_shown(painter: diagrams.DiagramStage, shown: list[tuple[Book, list[Chapter]]]
                             ) -> tuple[dict[Diagram, placement.Placement], dict[Path, Picture]]:
                """The placements of the diagrams the decks of `shown` show, and their SVG
                pictures, with their PNGs painted."""
                wanted = {d: renderings[d] for _, chapters in shown for d in deck.diagrams_in(chapters) if d in renderings}
                svgs, scales = {}, {}
                for document, chapters in shown:
                    found, scale = deck.svg_pictures(document, chapters, options.deck)
                    svgs, scales = svgs | found, scales | scale
                return (painted_slides(painter, deck.placed(wanted, options.deck), deck.PNG_DPI),
                        painter.with_pngs(svgs, scales) if svgs else {})

            # The slides are placed and painted here where a renderer runs already (something
            # was rendered); else in the decks' process, beside the typesetting, for the decks
            # not kept (the PNGs are most likely in the cache, and a renderer is started there
            # only for those that are not).
            slides = (slides_shown(stage, [(document, chapters) for _, document, chapters in decks])
                      if stage.renderer_started else None)
            painted_by = stage.cache.fingerprint if stage.cache else ""  # the renderer paints the PNGs
        with folder.staging() as staging:
            (staging / "decks").mkdir()

            def write_decks() -> list[int]:
                """Each deck's slides: copied where a build made it from the same content and
                setting, else made (only those decks' slides placed and painted)."""
                kept_decks = cache.KeptFiles(cache_dir / "decks") if cache_dir else None
                names = [hashlib.sha256(f"{setting} {painted_by} {deck.content_key(document, chapters, renderings)}"
                                        .encode()).hexdigest() for _, document, chapters in decks] if kept_decks else []
                counts = ([_kept_deck(kept_decks, name, staging / file) for name, file in zip(names, deck_files)]
                          if kept_decks else [None] * len(decks))
                todo = [i for i, count in enumerate(counts) if count is None]
                remade = [chapter for i in todo for chapter in decks[i][2]]
                # An edit's deck or two: the handbook's typesetting goes first (a whole book's
                # decks take as long as its typesetting, and keep an equal share).
                if todo and 4 * sum(len(c.questions) for c in remade) <= len(book.questions):
                    forked.step_aside()
                shown = slides
                if shown is None and todo:
                    with diagrams.DiagramStage(_render_options(options, outdir)) as painter:
                        shown = slides_shown(painter, [(decks[i][1], decks[i][2]) for i in todo])
                for i in todo:
                    _, document, chapters = decks[i]
                    target = staging / deck_files[i]
                    counts[i] = deck.write_deck(document, chapters, renderings, target, options.deck, *shown).slides
                    if kept_decks:
                        write_atomically(kept_decks.path(f"{names[i]}.pptx"), target.read_bytes())
                        kept_decks.write_json(f"{names[i]}.json", {"slides": counts[i]})
                if kept_decks:
                    kept_decks.prune()
                return counts

            # The decks are written in another process while the handbook is typeset (forked.py).
            stages.begin("typesetting", f"3/4 typesetting the PDF handbook and making {counted(len(decks), 'deck')}")
            advance("decks", 0, len(decks))
            with forked.Forked(write_decks) as decks_made:
                pdf_result = pdf.write_pdf(book, renderings, staging / f"{book_slug}.pdf", discrepancies, options.pdf,
                                           handbook, parts_cache, front_started)
                advance("pages", pdf_result.pages, pdf_result.pages)
                stages.begin("decks", f"4/4 making {counted(len(decks), 'deck')}")
                counts = decks_made.result()
            advance("decks", len(decks), len(decks))
            written = [WrittenFile(Path(f"{book_slug}.pdf"), f"PDF handbook, {pdf_result.pages} pages", "pdf",
                                   pdf_result.pages),
                       *(WrittenFile(Path(name), f"deck, {count} slides", "deck", count)
                         for name, count in zip(deck_files, counts))]
            refused = [Diagnostic("warning", book.location, f"a picture names a file outside the document's folder, "
                                  f"left out: {address}", "pictures inside the document's folder may name only files "
                                  "there", "picture.outside") for address in dict.fromkeys(pdf_result.refused)]
            mailed = []
            if options.eml:
                pdf_path = staging / written[0].path
                (staging / f"{book_slug}.eml").write_bytes(mail.draft(book, pdf_path, pdf_result.pages))
                written.append(WrittenFile(Path(f"{book_slug}.eml"), "email draft, the PDF attached", "eml", 1))
                mailed = mail.size_warning(book, pdf_path)
            stages.begin("publishing")
            found = (*document_diagnostics(book), *warnings, *refused, *checks.as_diagnostics(discrepancies), *mailed)
            failed = sum(isinstance(r, DiagramFailure) for r in renderings.values())
            names = [str(w.path) for w in written]
            kept = {"written": [[str(w.path), w.what, w.kind, w.count] for w in written],
                    "diagnostics": record.diagnostics_as_json(found), "diagrams_failed": failed}
            folder.publish(staging, [*names, record.write(staging, wanted, names, kept)], record.outdated(outdir, names))
    stages.begin("")
    return BuildReport(book=book, written=tuple(dataclasses.replace(w, path=outdir / w.path) for w in written),
                       diagnostics=found, diagrams_failed=failed, seconds=stages.seconds)


def _kept_deck(kept: cache.KeptFiles, name: str, target: Path) -> int | None:
    """The deck a build made under `name` copied to `target`, and its number of slides; None
    where `kept` does not hold it."""
    facts = kept.read_json(f"{name}.json")
    if facts and isinstance(facts.get("slides"), int):
        try:
            shutil.copyfile(kept.path(f"{name}.pptx"), target)
            return facts["slides"]
        except OSError:  # gone (another build sharing the cache dropped it): made again
            pass
    return None


def typesetters():
    """The PDF and deck stages, loaded only by a build with something to do: they load WeasyPrint
    and python-pptx, more than a second. A library that does not load is one line, not a traceback."""
    try:
        try:
            with _libraries_loaded_by_file_name():
                from . import deck, pdf
        except OSError:  # a library found only by searching: loaded again as WeasyPrint ships
            from . import deck, pdf
    except (ImportError, OSError) as error:  # WeasyPrint loads Pango as it is imported
        raise PrintbookError(library_missing(error)) from None
    global _loaded_frozen
    if not _loaded_frozen:
        # What loading them made lives as long as the process: kept out of the garbage collector's
        # scans, which took a twentieth of an edited seed's rebuild (0.13 s of 3.2 s). (Once: what
        # a later build leaves would never be collected.)
        gc.freeze()
        _loaded_frozen = True
    return pdf, deck


_loaded_frozen = False


@contextlib.contextmanager
def _libraries_loaded_by_file_name():
    """While WeasyPrint is imported, no search for a library by name. WeasyPrint tries several
    names for each library it loads, Windows' first; cffi searches (ctypes.util.find_library) for
    each name it cannot load as it is, which on Linux runs ldconfig, gcc and ld each time: a sixth
    of a second of every build. Each list ends with the Linux and macOS file names, which load as
    they are. What WeasyPrint prints when a library is missing is kept until the import is retried."""
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        ctypes.util.find_library = search


@dataclass(frozen=True, slots=True)
class LintReport:
    book: Book
    diagnostics: tuple[Diagnostic, ...]
    fixed: Path | None = None  # the document, when --fix rewrote it

    @property
    def problems(self) -> int:
        """Errors and warnings: what lint fails on (notes, the repairs, only under --strict)."""
        return sum(d.severity != "note" for d in self.diagnostics)


def lint(source: Path, options: BuildOptions = BuildOptions(), fix: bool = False) -> LintReport:
    """Checks every diagram as a build would (repairs, render errors) and writes nothing, except
    the repaired document itself with `fix`, keeping the original as DOC.bak."""
    book = parse.parse_file(source)
    # lint writes nothing where it runs: its cache is the user's ($XDG_CACHE_HOME/printbook).
    cache_dir = options.cache_dir or resources.user_cache_dir()
    render_options = dataclasses.replace(_render_options(dataclasses.replace(options, cache_dir=cache_dir), Path()),
                                         restack=False)
    _, found = diagrams.render_diagrams(book.diagrams(), render_options)
    fixed = None
    # (A ``` line left above a ```mermaid one goes too: the line, blank, keeps the lines' numbers.)
    strays = {d.location.line - 1 for d in book.diagnostics if d.code == "input.nested-fence"}
    if fix and (strays or any(d.severity == "note" for d in found)):
        text = parse.read_source(source)
        shutil.copy2(source, source.with_name(source.name + ".bak"))
        lines = repair.repaired_document(text, book.diagrams()).split("\n")
        write_atomically(source, "\n".join("" if number in strays else line for number, line in enumerate(lines, 1)))
        fixed = source
    numbers = checks.as_diagnostics(checks.check_numbers(book))
    return LintReport(book, (*document_diagnostics(book), *found, *numbers), fixed)


@dataclass(frozen=True, slots=True)
class ExportReport:
    book: Book
    written: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]


def export_diagrams(source: Path, outdir: Path, options: BuildOptions = BuildOptions()) -> ExportReport:
    """Every diagram as SVG and PNG (repaired where needed, in its own layout), named by its
    question (`q12.svg`, `q12-2.svg` for a second one) or else by its line (`line-3670.svg`)."""
    source, outdir = Path(source), Path(outdir)
    book = parse.parse_file(source)
    names = diagram_names(book)
    render_options = dataclasses.replace(_render_options(options, outdir), restack=False)
    with outputs.OutputFolder(outdir) as folder:
        with diagrams.DiagramStage(render_options) as stage:
            renderings, found = stage.render(book.diagrams())
            painted = stage.with_pngs(_pictures(renderings))
        written = [names[d] + suffix for d in painted for suffix in (".svg", ".png")]
        with folder.staging() as staging:
            for diagram, picture in painted.items():
                (staging / (names[diagram] + ".svg")).write_text(picture.svg)
                (staging / (names[diagram] + ".png")).write_bytes(picture.png)
            folder.publish(staging, written)
    return ExportReport(book, tuple(outdir / name for name in written), book.diagnostics + tuple(found))


def document_diagnostics(book: Book) -> list[Diagnostic]:
    """What is wrong in the document itself (each document of a series), whatever the outputs:
    its own numbering, pictures left out (a build and lint say the same)."""
    return [*book.diagnostics, *(found for document in (book.parts or (book,))
                                 for found in (*checks.check_structure(document), *pictures.check_pictures(document)))]


def diagram_names(book: Book) -> dict[Diagram, str]:
    """A file name for each diagram, unique even where two questions share a number."""
    names = {}
    for question in (q for c in book.chapters for q in c.numbered_questions):
        found = [b for b in question.blocks if isinstance(b, Diagram)]
        for position, diagram in enumerate(found, start=1):
            names[diagram] = f"q{question.number}" + (f"-{position}" if position > 1 else "")
    found = book.diagrams()
    return dict(zip(found, outputs.unique_names([names.get(d, f"line-{d.location.line}") for d in found])))


@dataclass(frozen=True, slots=True)
class Offers:
    """The spaces the handbook offers each diagram, and the slides' space."""

    handbook: dict[Diagram, placement.Offer]
    slides: placement.Offer

    def legible_whole(self, diagram: Diagram, rendering: Rendering) -> bool:
        return (placement.legible_whole(rendering, self.handbook[diagram])
                and placement.legible_whole(rendering, self.slides))


def rendered_for_outputs(stage: diagrams.DiagramStage, found: list[Diagram], offers: Offers,
                         progress: diagrams.Progress | None = None
                         ) -> tuple[dict[Diagram, Rendering], list[Diagnostic]]:
    """Every diagram, with what more placement.py finds worth rendering: the likely restacked
    layouts of wide ones; for those still too small somewhere, the quarter turn (for slides) and,
    where the handbook may yet show them larger, every layout; and one picture per subgraph of
    those that no layout makes legible."""
    renderings, warnings = stage.render(found, progress)
    renderings = stage.more_layouts(renderings, {d: "likely" for d, r in _pictures(renderings).items()
                                                 if placement.worth_likely_layouts(r)})
    renderings = stage.more_layouts(renderings, {
        d: "turned" if placement.shown_at_largest(r, offers.handbook[d]) else "every"
        for d, r in _pictures(renderings).items() if not offers.legible_whole(d, r)})
    split = stage.parts([d for d, r in _pictures(renderings).items() if not offers.legible_whole(d, r)])
    return {d: dataclasses.replace(r, parts=split[d]) if d in split else r for d, r in renderings.items()}, warnings


def _pictures(renderings: dict[Diagram, Rendering]) -> dict[Diagram, Picture]:
    return {d: r for d, r in renderings.items() if isinstance(r, Picture)}


def painted_slides(stage: diagrams.DiagramStage, placements: dict[Diagram, placement.Placement], dpi: float
                   ) -> dict[Diagram, placement.Placement]:
    """The slides' placements with a PNG painted for every picture they show, `dpi` sharp at its
    size there (for viewers that do not read SVG)."""
    shown = {(d, i): s for d, p in placements.items() for i, s in enumerate((p.overview, *p.shown)) if s}
    painted = stage.with_pngs({k: s.picture for k, s in shown.items()},
                              {k: placement.png_scale(s, dpi) for k, s in shown.items()})
    result = {}
    for diagram, placed in placements.items():
        with_png = [dataclasses.replace(s, picture=painted[(diagram, i)]) if s else None
                    for i, s in enumerate((placed.overview, *placed.shown))]
        result[diagram] = dataclasses.replace(placed, overview=with_png[0], shown=tuple(with_png[1:]))
    return result


def _render_options(options: BuildOptions, outdir: Path) -> diagrams.RenderOptions:
    cache_dir = (options.cache_dir or outdir / CACHE_FOLDER) if options.use_cache else None
    return dataclasses.replace(options.render, cache_dir=cache_dir)


def deck_name(chapter: Chapter, index: int) -> str:
    return f"{chapter.section_number or index:02d}-{slugify(chapter.title) or 'section'}.pptx"


def deck_names(book: Book) -> list[tuple[str, Book, list[Chapter]]]:
    """One deck per section: (its name, its document, [the section]), named by the section. A
    chapter of nothing but a heading gets none of its own: its title slide opens the next one's
    deck ([the heading, the section]). A series' decks are named by document, then section, so
    that they sort in the book's order: 01-<document>-02-<section>."""
    if not book.parts:
        return [(f"decks/{deck_name(cs[-1], i)}", book, cs) for i, cs in enumerate(_deck_chapters(book), start=1)]
    return [(f"decks/{n:02d}-{_first_words(slugify(part.title), 24) or 'document'}-{deck_name(cs[-1], i)}", part, cs)
            for n, part in enumerate(book.parts, start=1) for i, cs in enumerate(_deck_chapters(part), start=1)]


def _deck_chapters(book: Book) -> list[list[Chapter]]:
    """The chapters of each deck: a section, after the headings with nothing under them just
    before it; headings with nothing after them make no deck."""
    decks, waiting = [], []
    for chapter in book.sections:
        waiting.append(chapter)
        if not chapter.only_heading:
            decks.append(waiting)
            waiting = []
    return decks


def _first_words(slug: str, most: int) -> str:
    """The words of `slug` that fit in `most` characters (at least its first word, cut)."""
    words = slug.split("-")
    kept = words[:1]
    for word in words[1:]:
        if len("-".join([*kept, word])) > most:
            break
        kept.append(word)
    return "-".join(kept)[:most]


def slugify(text: str) -> str:
    # (A dash between words or numbers, "1–50", keeps them apart: it has no ASCII form to keep.)
    dashed = "".join("-" if unicodedata.category(c) == "Pd" else c for c in text)
    ascii_text = unicodedata.normalize("NFKD", dashed).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")

