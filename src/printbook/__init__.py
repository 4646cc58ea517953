"""printbook: Markdown interview documents with mermaid diagrams to a PDF handbook and decks.

The Python API, for scripts (the command line calls the same):

    import printbook
    report = printbook.build("guide.md", "out", paper="letter", single_deck=True)
    report.written       # the files published, each with what it is ("PDF handbook, 51 pages")
    report.diagnostics   # every located warning and note

`build`, `lint` and `export_diagrams` take the document as a `str` or a `Path` and the options as
keywords (OPTIONS lists them). Input printbook cannot publish raises `PrintbookError`, whose
`diagnostic` says where and why; nothing else is raised for bad input.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .model import Diagnostic, Location, PrintbookError

__version__ = "0.1.0"
__all__ = ["OPTIONS", "PrintbookError", "build", "export_diagrams", "lint"]

# Keyword options and what each sets (the command line's flags, by their Python names).
OPTIONS = {
    "paper": "a4 or letter (any case)", "duplex": "mirrored margins, no landscape pages",
    "notes": "the interviewer notes area under each question (default True)",
    "fillable": "the notes areas and scores as PDF form fields, filled in on screen",
    "organisation": "printed on the cover", "logo": "a picture for the cover",
    "css": "a stylesheet applied after printbook's own",
    "reference_pptx": "your own deck template", "single_deck": "one deck for the whole book",
    "question_slides": "an asking slide before each answer (default True)",
    "cache_dir": "where rendered diagrams are kept", "use_cache": "False renders every diagram afresh",
    "min_probability": "only questions of this probability or more", "sections": "only these sections: '1,3'",
    "questions": "only these questions: '1-20,37'", "eml": "also OUTDIR/<book>.eml, an email draft",
    "title": "the book's title instead of its document's",
    "subtitle": "an interview kit's line under the title; 'at a glance' becomes its score sheet",
    "overrides": "a folder whose templates/ and assets/ replace printbook's files one by one",
    "mermaid_max_text_size": "mermaid's limit on a diagram's length", "mermaid_max_edges": "on its links",
    "renderer": "browser (one Chromium for all diagrams, the default) or mmdc (one mermaid-cli process each)",
}


def build(document: str | Path, outdir: str | Path | None = None, **options):
    """The handbook and decks of `document` in `outdir` (default: out): a pipeline.BuildReport.
    `document` may be a printbook.toml (or a pyproject.toml with [tool.printbook]): its documents
    make one book, its settings are the defaults of `options`, its `output` that of `outdir`."""
    from . import config, pipeline

    path = Path(document)
    sources: list[Path] = [path]
    if path.suffix == ".toml":
        settings = config.read(path)
        sources = [Path(d) for d in settings.pop("documents", [])]
        if not sources:
            raise PrintbookError(Diagnostic("error", Location(str(path), 1), "no documents to build",
                                            'add documents = ["guide.md"]', "config.documents"))
        configured_outdir = settings.pop("output", None)
        outdir = outdir or configured_outdir
        # [email] is for `printbook send`, not for a build.
        options = {key.removeprefix("filters."): value for key, value in settings.items()
                   if not key.startswith("email.")} | {"overrides": path.resolve().parent} | options
    return pipeline.build(sources, Path(outdir or "out"), _build_options(options))


def lint(document: str | Path, fix: bool = False, **options):
    """Every problem of `document` as a build would find it, writing nothing (but the repaired
    document itself with `fix`): a pipeline.LintReport."""
    from . import pipeline

    return pipeline.lint(Path(document), _build_options(options), fix=fix)


def export_diagrams(document: str | Path, outdir: str | Path, **options):
    """Every diagram of `document` as SVG and PNG in `outdir`: a pipeline.ExportReport."""
    from . import pipeline

    return pipeline.export_diagrams(Path(document), Path(outdir), _build_options(options))


def _build_options(options: dict):
    from . import diagrams, pipeline
    from .options import DeckOptions, PdfOptions
    from .selection import Selection

    for name in options:
        if name not in OPTIONS:
            near = difflib.get_close_matches(name, OPTIONS, n=1)
            raise PrintbookError(Diagnostic("error", None, f"unknown option {name!r}",
                                            f"did you mean {near[0]!r}?" if near else "see printbook.OPTIONS",
                                            "option.unknown"))
    logo, reference = options.get("logo"), options.get("reference_pptx")
    overrides = Path(options["overrides"]) if options.get("overrides") else None
    return pipeline.BuildOptions(
        cache_dir=Path(options["cache_dir"]) if options.get("cache_dir") else None,
        use_cache=options.get("use_cache", True),
        pdf=PdfOptions(paper=str(options.get("paper", "a4")).lower(), duplex=options.get("duplex", False),
                           notes=options.get("notes", True),
                           fillable=options.get("fillable", False), organisation=options.get("organisation", ""),
                           logo=Path(logo) if logo else None,
                           css=Path(options["css"]) if options.get("css") else None, overrides=overrides,
                           subtitle=options.get("subtitle", "")),
        deck=DeckOptions(reference=Path(reference) if reference else None,
                              question_slides=options.get("question_slides", True),
                              organisation=options.get("organisation", ""), logo=Path(logo) if logo else None,
                              overrides=overrides),
        render=diagrams.RenderOptions(renderer=options.get("renderer", "browser"),
                                      max_text_size=options.get("mermaid_max_text_size", 50_000),
                                      max_edges=options.get("mermaid_max_edges", 500), overrides=overrides),
        single_deck=options.get("single_deck", False), eml=options.get("eml", False),
        title=options.get("title", ""),
        selection=Selection.asked(options.get("min_probability"), _listed(options.get("sections")),
                                  _listed(options.get("questions"))))


def _listed(value) -> str | None:
    """`'1-20,37'` as it is; `[1, 3]` or `range(1, 21)` as `'1,3'`."""
    return value if value is None or isinstance(value, str) else ",".join(str(v) for v in value)
