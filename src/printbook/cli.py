"""The command line: arguments, progress, exit codes. The work itself is in pipeline.py.

Exit codes: 0 published; 1 published with errors under --strict; 2 nothing published (bad input
or set-up), with a one-line message and no traceback; 130 / 143 interrupted by SIGINT / SIGTERM,
nothing published and every earlier output as it was.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import click

from . import __version__, outputs, progress
from .model import PrintbookError, counted, library_missing

EXIT_STRICT_FAILURE = 1
EXIT_NOT_PUBLISHED = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="printbook")
def main() -> None:
    """Publish Markdown interview documents with mermaid diagrams as a PDF handbook and decks."""
    # Notes from inside the stages (a library version printbook falls back for) as one line each.
    logger = logging.getLogger("printbook")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("printbook: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


def render_options(command):
    """--cache-dir, --no-cache, --renderer and mermaid's limits, for every command that renders
    diagrams."""
    command = click.option("--mermaid-max-edges", type=click.IntRange(1, 1_000_000), default=500, show_default=True,
                           help="mermaid's limit on edges in one diagram.")(command)
    command = click.option("--mermaid-max-text-size", type=click.IntRange(1, 10_000_000), default=50_000,
                           show_default=True, help="mermaid's limit on characters in one diagram.")(command)
    command = click.option("--renderer", type=click.Choice(["browser", "mmdc"]), default="browser", show_default=True,
                           help="browser: one Chromium for all diagrams; mmdc: one mermaid-cli process per "
                                "diagram (slower, the reference).")(command)
    command = click.option("--no-cache", is_flag=True, help="Render every diagram afresh and keep nothing.")(command)
    return click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
                        help="Where rendered diagrams are kept between runs [default: OUTDIR/.printbook-cache].")(command)


def pipeline():
    """The pipeline module, imported only when a command needs it (`doctor` must run where its
    libraries are missing): a missing library is one line and exit 2, never a traceback."""
    try:
        from . import pipeline as stages
    except (ImportError, OSError) as error:  # WeasyPrint loads Pango as it is imported
        click.echo(str(library_missing(error)), err=True)
        sys.exit(EXIT_NOT_PUBLISHED)
    return stages


def build_options(cache_dir: Path | None, no_cache: bool, renderer: str, mermaid_max_text_size: int,
                  mermaid_max_edges: int, **more):
    """The BuildOptions of the flags, named as the API names them: the API's _build_options is the
    one place that turns options into BuildOptions."""
    pipeline()  # a library that does not load: one line and exit 2
    from . import _build_options

    return run_or_exit(_build_options, {"cache_dir": cache_dir, "use_cache": not no_cache, "renderer": renderer,
                                        "mermaid_max_text_size": mermaid_max_text_size,
                                        "mermaid_max_edges": mermaid_max_edges, **more})


def show(diagnostics, verbose: bool, err: bool = True) -> None:
    """Each diagnostic on its line; with -v, the tool's own words (mermaid's message) under it."""
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=err)
        if verbose and diagnostic.detail:
            click.echo("    " + diagnostic.detail.replace("\n", "\n    "), err=err)


class Interrupted(BaseException):
    """SIGINT or SIGTERM, raised wherever the work is, so that every stage cleans up on its way
    out (the renderer ended, the staging folder removed, nothing published). A BaseException, so
    that no `except Exception` on the way takes it for a failure to work around."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, frame) -> None:
    for held in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
        signal.signal(held, signal.SIG_IGN)
    raise Interrupted(signum)


class Watchdog:
    """Says which step is still running every `every` seconds, so that nothing slow is silent."""

    def __init__(self, every: float = 60.0):
        self.every = every
        self.step = ""
        self.since = time.monotonic()
        self.done = threading.Event()
        self.thread = threading.Thread(target=outputs.interrupts_to_main_thread(self._watch), daemon=True)
        self.thread.start()

    def enter(self, step: str) -> None:
        self.step, self.since = step, time.monotonic()

    def _watch(self) -> None:
        while not self.done.wait(self.every):
            if self.step:
                click.echo(f"printbook: still at '{self.step}' after {time.monotonic() - self.since:.0f} s "
                           "(Ctrl-C stops it and publishes nothing)", err=True)


# A printbook.toml setting, the build flag it stands for, and how its value becomes the flag's.
CONFIGURED = {"output": ("outdir", Path), "paper": ("paper", str.lower), "duplex": ("duplex", bool),
              "notes": ("no_notes", lambda on: not on), "organisation": ("organisation", str), "logo": ("logo", Path),
              "reference_pptx": ("reference_pptx", Path), "single_deck": ("single_deck", bool),
              "question_slides": ("no_question_slides", lambda on: not on), "cache_dir": ("cache_dir", Path),
              "mermaid_max_text_size": ("mermaid_max_text_size", int), "mermaid_max_edges": ("mermaid_max_edges", int),
              "filters.min_probability": ("min_probability", int), "filters.sections": ("sections", str),
              "filters.questions": ("questions", str), "eml": ("eml", bool), "css": ("css", Path),
              "title": ("title", str), "subtitle": ("subtitle", str),
              "fillable": ("fillable", bool)}


def configured(context: click.Context, params: dict, settings: dict) -> dict:
    """The flags' values with the configuration's where a flag was not given: flags win."""
    found = dict(params)
    for key, value in settings.items():
        if key in CONFIGURED:
            name, made = CONFIGURED[key]
            if context.get_parameter_source(name) in (None, click.core.ParameterSource.DEFAULT):
                found[name] = made(value)
    return found


SUMMARY_VERSION = 1  # raised only when a field changes meaning or goes; new fields may come


def build_summary(report) -> dict:
    """What `build --json` prints: the README documents every field."""
    repaired = sum(d.code == "diagram.repaired" for d in report.diagnostics)
    return {
        "printbook_summary": SUMMARY_VERSION,
        "document": report.book.source,
        "documents": [part.source for part in report.book.parts] or [report.book.source],
        "title": report.book.title,
        "selected": report.book.selected,
        "questions": len(report.book.questions),
        "diagrams": {"total": len(report.book.diagrams()), "drawn": len(report.book.diagrams()) - report.diagrams_failed,
                     "failed": report.diagrams_failed, "repaired": repaired},
        "outputs": [{"path": str(w.path), "kind": w.kind, "bytes": w.path.stat().st_size,
                     **({"pages": w.count} if w.kind == "pdf" else {"slides": w.count} if w.kind == "deck" else {})}
                    for w in report.written],
        "diagnostics": [{"severity": d.severity, "code": d.code, "message": d.message, "hint": d.hint,
                         "file": d.location.file if d.location else None,
                         "line": d.location.line if d.location else None,
                         "column": d.location.column if d.location else None} for d in report.diagnostics],
        "seconds": report.seconds,
        "up_to_date": report.up_to_date,
    }


def run_or_exit(work, *args, **kwargs):
    """`work(*args, **kwargs)`, or a one-line message and exit 2 when the input or the machine
    stops it (never a traceback); exit 128 + the signal's number when interrupted."""
    previous = {held: signal.signal(held, _interrupt) for held in (signal.SIGINT, signal.SIGTERM)}
    try:
        return work(*args, **kwargs)
    except Interrupted as interrupt:
        click.echo(f"printbook: interrupted ({interrupt}): nothing published; earlier outputs are as they were",
                   err=True)
        sys.exit(128 + interrupt.signum)
    except PrintbookError as error:
        click.echo(str(error), err=True)
    except OSError as error:  # an output folder we may not write to, a full disk
        click.echo(f"printbook: error: {error.strerror or error}: {error.filename or ''}", err=True)
    except Exception as error:  # a bug: still one line, and nothing half-written (build stages)
        if os.environ.get("PRINTBOOK_TRACEBACK"):
            raise
        click.echo(f"printbook: error: internal error: {type(error).__name__}: {error} (hint: nothing was "
                   "published; this is a bug in printbook: set PRINTBOOK_TRACEBACK=1 to see where, and report "
                   "it with the document)", err=True)
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
    sys.exit(EXIT_NOT_PUBLISHED)


@main.command("build")
@click.argument("documents", nargs=-1, type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read settings from this printbook.toml [default, with no DOCUMENT: ./printbook.toml, or "
                   "[tool.printbook] in ./pyproject.toml].")
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Folder for the PDF and the decks/ folder.")
@click.option("--strict", is_flag=True, help="Exit 1 when any diagram or number needs attention.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True)
@click.option("--duplex", is_flag=True, help="Mirror the margins for double-sided printing.")
@click.option("--no-notes", is_flag=True, help="Leave out the interviewer's notes area under each question.")
@click.option("--fillable", is_flag=True, help="Make each question's notes area and 1-4 score PDF form fields, "
              "filled in on screen in any PDF reader; printed, the page is the same.")
@click.option("--organisation", default="", help="Shown on the cover and as the PDF's author.")
@click.option("--title", default="", help="The book's title instead of its document's.")
@click.option("--subtitle", default="", help="An interview kit's line under the title (\"Onsite loop: systems "
              "design\"); \"at a glance\" becomes its score sheet.")
@click.option("--eml", is_flag=True, help="Also write OUTDIR/<book>.eml, an email draft with the PDF attached.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout (see the README).")
@click.option("--min-probability", type=int, help="Only the questions of this probability or more (0-100).")
@click.option("--sections", help="Only these sections, as 1,3 or 2-4.")
@click.option("--questions", help="Only these questions, as 1-20,37.")
@click.option("--logo", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="An image for the cover.")
@click.option("--css", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A stylesheet applied to the handbook after printbook's own.")
@click.option("--reference-pptx", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Build the decks from this .pptx's layouts and theme instead of printbook's.")
@click.option("--single-deck", is_flag=True, help="All sections in one deck.")
@click.option("--no-question-slides", is_flag=True, help="Leave out the asking slide before each answer slide.")
@render_options
@click.option("--watch", is_flag=True, help="Build, then build again whenever a document, a picture beside it, "
              "the configuration, a template or an asset changes (Ctrl-C stops).")
@click.option("-v/-q", "--verbose/--quiet", default=None,
              help="-q: say nothing but errors; -v: also each stage's time and mermaid's own messages "
                   "[default: progress bars on a terminal, plain lines elsewhere].")
def build_command(documents: tuple[Path, ...], config_file: Path | None, watch: bool, **params) -> None:
    """Publish DOCUMENT as OUTDIR/<title>.pdf and OUTDIR/decks/NN-<section>.pptx (several
    documents: each in OUTDIR/<document's name>/, its folder's name before it where two share
    one); with no DOCUMENT, the documents of
    ./printbook.toml as one handbook, a part each."""
    context = click.get_current_context()
    if not watch:
        built = build_once(context, documents, config_file, params)
        if params["strict"] and built.problems:
            click.echo(f"--strict: {counted(len(built.problems), 'problem')} above", err=True)
            sys.exit(EXIT_STRICT_FAILURE)
        return
    from . import watch as watching

    try:
        built = build_once(context, documents, config_file, params)
    except SystemExit as stopped:  # a first build that fails is watched too, to be mended
        if stopped.code not in (EXIT_NOT_PUBLISHED, EXIT_STRICT_FAILURE):
            raise
        from . import config

        found = config_file or (None if documents else config.find(Path()))
        # Nothing named and nothing found: watch this folder, where a printbook.toml would be.
        built = Built(documents or (found or Path(config.FILE_NAME),), found, params["css"], (params["outdir"],))
    # A first build found up to date loads neither WeasyPrint nor python-pptx (most of a second):
    # loaded now, while nothing changes, and not in the first rebuild. A library that does not
    # load is said by the build that needs it.
    try:
        pipeline().typesetters()
    except PrintbookError:
        pass
    # Ctrl-C ends the watch, as it interrupts a build (run_or_exit), even in a process started with
    # SIGINT ignored (a background job of a shell without job control, a test runner's child).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    folders = watching.folders_to_watch(built.documents, built.config_file, built.css)
    ready = lambda: click.echo(f"watching {', '.join(map(str, folders))} (Ctrl-C stops)", err=True)  # noqa: E731
    for changed in watching.changes(folders, built.written_by_builds, ready):
        started = time.perf_counter()
        names = ", ".join(sorted({p.name for p in changed}))
        try:
            build_once(context, documents, config_file, params)
        except SystemExit as stopped:  # the build's error is said; a signal still ends the watch
            if stopped.code not in (EXIT_NOT_PUBLISHED, EXIT_STRICT_FAILURE):
                raise
            click.echo(f"changed: {names}; not rebuilt, the last good outputs are kept; watching", err=True)
            continue
        click.echo(f"changed: {names}; rebuilt in {time.perf_counter() - started:.1f} s; watching", err=True)
    click.echo("stopped watching", err=True)


def book_folders(documents: tuple[Path, ...]) -> list[str]:
    """The folder each document's book goes in: its name; where documents share it (each
    `architecture_diagram.md` of a folder per system), its folder's name and its own, so that no
    book writes over another."""
    stems = [Path(document).stem or "document" for document in documents]
    shared = {stem for stem in stems if stems.count(stem) > 1}
    return outputs.unique_names([f"{Path(document).resolve().parent.name}-{stem}" if stem in shared else stem
                                 for document, stem in zip(documents, stems)])


@dataclasses.dataclass(frozen=True)
class Built:
    documents: tuple[Path, ...]
    config_file: Path | None
    css: Path | None
    written_by_builds: tuple[Path, ...]  # the output and cache folders: no change to watch
    problems: tuple = ()


def build_once(context: click.Context, documents: tuple[Path, ...], config_file: Path | None, params: dict) -> Built:
    """One build as the flags and the configuration (read again each time) say, its outcome
    printed; exit 2 when nothing could be published."""
    from . import config

    config_file = config_file or (None if documents else config.find(Path()))
    settings = run_or_exit(config.read, config_file) if config_file else {}
    p = configured(context, params, settings)
    documents = documents or tuple(Path(d) for d in settings.get("documents", ()))
    if not documents:
        click.echo("printbook: error: no document to build (hint: name one, or write a printbook.toml with "
                   "documents = [\"guide.md\"] here) [option.document]", err=True)
        sys.exit(EXIT_NOT_PUBLISHED)
    verbose = p["verbose"]
    watchdog = Watchdog()
    reporter = progress.Reporter.chosen(verbose)

    def step(message: str) -> None:
        watchdog.enter(message)
        reporter.step(message)

    rendering = {name: p[name] for name in ("cache_dir", "no_cache", "renderer", "mermaid_max_text_size",
                                            "mermaid_max_edges")}
    options = build_options(
        **rendering, paper=p["paper"], duplex=p["duplex"], notes=not p["no_notes"], fillable=p["fillable"],
        organisation=p["organisation"],
        logo=p["logo"], css=p["css"], reference_pptx=p["reference_pptx"], single_deck=p["single_deck"],
        question_slides=not p["no_question_slides"], eml=p["eml"], title=p["title"], subtitle=p["subtitle"],
        min_probability=p["min_probability"], sections=p["sections"], questions=p["questions"],
        # A templates/ or assets/ folder beside the configuration replaces printbook's files one by one.
        overrides=config_file.resolve().parent if config_file else None)
    problems, summaries = [], []
    # A configuration's documents make one book (a series); documents named on the command line
    # without one make a book each, in OUTDIR/<document's name>/.
    books = [(list(documents), p["outdir"])] if config_file or len(documents) == 1 else [
        ([document], p["outdir"] / folder) for document, folder in zip(documents, book_folders(documents))]
    try:
        for sources, outdir in books:
            report = run_or_exit(pipeline().build, sources, outdir, options, step, reporter.advance)
            reporter.close()
            # -q: nothing but errors (an error that stops the build is said by run_or_exit).
            show([d for d in report.diagnostics if verbose is not False or d.severity == "error"], bool(verbose))
            summaries.append(build_summary(report))
            if not p["as_json"] and verbose is not False:
                click.echo(f"{'up to date' if report.up_to_date else 'published'} {report.book.title!r}: "
                           f"{counted(len(report.book.questions), 'question')}, "
                           f"{counted(len(report.book.diagrams()), 'diagram')}"
                           + (" (nothing changed since the last build: its outputs are as it wrote them)"
                              if report.up_to_date else ""))
                for written in report.written:
                    click.echo(f"  {written.path}  ({written.what})")
            if verbose:
                reporter.times(report.seconds)
            problems += [d for d in report.diagnostics if d.severity != "note"]
    finally:
        reporter.close()
        watchdog.done.set()
    if p["as_json"]:
        click.echo(json.dumps(summaries[0] if len(summaries) == 1 else summaries, indent=2, ensure_ascii=False))
    caches = [p["cache_dir"]] if p["cache_dir"] else []
    return Built(tuple(Path(d) for d in documents), config_file, p["css"],
                 tuple([outdir for _, outdir in books] + caches), tuple(problems))


@main.command("lint")
@click.argument("document", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("--fix", is_flag=True, help="Write the repaired diagrams back into DOCUMENT (the original is kept as DOCUMENT.bak).")
@click.option("--strict", is_flag=True, help="Exit 1 on notes (repairs) too, not only on errors and warnings.")
@click.option("-v", "--verbose", is_flag=True, help="Also show mermaid's own messages.")
@render_options
def lint_command(document: Path, fix: bool, strict: bool, verbose: bool, **rendering) -> None:
    """Check DOCUMENT as a build would (diagrams, numbers, pictures) without writing outputs."""
    report = run_or_exit(pipeline().lint, document, build_options(**rendering), fix=fix)
    show(report.diagnostics, verbose, err=False)
    counts = {s: sum(d.severity == s for d in report.diagnostics) for s in ("error", "warning", "note")}
    click.echo(f"{document}: {counted(len(report.book.diagrams()), 'diagram')}; "
               + ", ".join(counted(n, s) for s, n in counts.items()), err=True)
    if report.fixed:
        click.echo(f"rewrote {report.fixed} (original kept as {report.fixed.name}.bak)", err=True)
    if report.problems or (strict and report.diagnostics):
        sys.exit(EXIT_STRICT_FAILURE)


@main.command("diagrams")
@click.argument("document", type=click.Path(path_type=Path, dir_okay=True, exists=False))
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("diagrams"),
              show_default=True, help="Folder for the SVG and PNG files.")
@click.option("-v", "--verbose", is_flag=True, help="Also show mermaid's own messages.")
@render_options
def diagrams_command(document: Path, outdir: Path, verbose: bool, **rendering) -> None:
    """Export every diagram of DOCUMENT as SVG and PNG, named q<N> by question (or line-<L>)."""
    report = run_or_exit(pipeline().export_diagrams, document, outdir, build_options(**rendering))
    show(report.diagnostics, verbose)
    click.echo(f"exported {len(report.written) // 2} of {len(report.book.diagrams())} diagrams to {outdir} (SVG and PNG)")


@main.command("send")
@click.argument("eml", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read [email] from this printbook.toml [default: ./printbook.toml].")
@click.option("--to", "recipients", multiple=True, help="Send to this address (again for more) instead of [email] to.")
def send_command(eml: Path | None, config_file: Path | None, recipients: tuple[str, ...]) -> None:
    """Send EML (a draft made by `build --eml`; default: the one in the configuration's output
    folder) through the SMTP server of [email] in printbook.toml. The password comes only from the
    environment variable that password_env names (default PRINTBOOK_SMTP_PASSWORD)."""
    from . import config, mail

    config_file = config_file or config.find(Path())
    settings = run_or_exit(config.read, config_file) if config_file else {}
    if eml is None:
        drafts = sorted(Path(settings.get("output", "out")).glob("*.eml"))
        if len(drafts) != 1:
            click.echo("printbook: error: " + ("no email draft in " if not drafts else "several email drafts in ")
                       + f"{settings.get('output', 'out')} (hint: build with --eml, or name the .eml) [mail.send]",
                       err=True)
            sys.exit(EXIT_NOT_PUBLISHED)
        eml = drafts[0]
    email = {key.removeprefix("email."): value for key, value in settings.items() if key.startswith("email.")}
    chosen = mail.MailSettings(**{**email, "to": tuple(recipients or email.get("to", ()))})
    sent = run_or_exit(mail.send, eml, chosen)
    click.echo(f"sent {sent['Subject']!r} to {sent['To']} through {chosen.host}:{chosen.port}")


@main.command("doctor")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out") / ".printbook-cache",
              show_default=True, help="The cache folder to check.")
def doctor_command(cache_dir: Path) -> None:
    """Check that everything printbook needs is here, at the right versions; exit 1 if not."""
    from . import doctor

    checks = doctor.run_checks(cache_dir)
    for check in checks:
        click.echo(str(check))
    missing = [c for c in checks if not c.ok and not c.optional]
    click.echo(f"{counted(len(missing), 'part')} missing" if missing else "everything printbook needs is here", err=True)
    if missing:
        sys.exit(1)
