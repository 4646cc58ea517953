"""`make bench`: the diagram stage on the user's real document, side by side with mermaid-cli.

Measured in one run on this machine:
  printbook cold   - one renderer process, one Chromium, mermaid loaded once, empty cache; as a
                     build does it (the likely restacked layouts of each wide diagram, and all six
                     for those still too small) and with the original layouts only, which is
                     what mermaid-cli makes
  printbook warm   - the same diagrams again from the cache (no browser)
  mmdc per diagram - one `mmdc` process per diagram, two at a time (Pandoc's mermaid-filter and
                     asciidoctor-diagram work this way); timed on 16 diagrams spread over the document,
                     scaled to all of them
  mmdc markdown    - `mmdc -i doc.md -o out.md`, mermaid-cli's Markdown mode, on the repaired document
and the PDF stage (WeasyPrint), the same handbook with: mermaid's own SVGs and WeasyPrint as shipped
(the reference: one process, SVG text letter by letter, garbage collector running); as a build
typesets it (printbook's SVGs, text in runs, collector paused, a long book in parts, two at once
on two cores); and on one core, with empty boxes for diagrams (the handbook's own share), with
mermaid's SVGs and with printbook's, so that the diagrams' own share compares like with like.
Then whole builds as a user runs them (`printbook build`), BENCH_RUNS times (3): cold; cold with the
renderer asked only for the layouts the build's placements use (foresight.py: the floor for any
way of choosing what to render, checked to make the same outputs); with nothing changed and after
a one-question edit, and that edit again under `build --watch`, in m (one mmdc call); and the
document and ten times its
questions built into a new output folder with the diagrams cached, with the peak memory of the
largest process. The diagram stage's original layouts are also rendered BENCH_RUNS times.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

from pptx import Presentation

from foresight import needed_layouts, sources_recorded
from printbook import deck, diagrams, pdf, pdf_parts, pipeline, repair, weasyprint_internals
from printbook.model import Picture
from printbook.parse import parse_file, read_source

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("BENCH_DOC", ROOT.parent / "shared" / "seeds" / "000_454f1b2d1ec7d48e.txt"))
SAMPLE = int(os.environ.get("BENCH_MMDC_SAMPLE", "16"))
ALONE = "the handbook alone (empty boxes), one core"
REFERENCE = "mermaid's own SVG, WeasyPrint as shipped"
RAW_OURS = "mermaid's own SVG, as printbook, one core"
OURS_ONE_CORE = "printbook's SVG, as built, one core"
OURS = "printbook's SVG, as built, two cores (a build)"


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def blank_pictures(renderings: dict) -> dict:
    """The same pictures, each an empty SVG of its size: the handbook's own share of the PDF stage."""
    def blank(picture: Picture) -> Picture:
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{picture.width}" height="{picture.height}"/>'
        return dataclasses.replace(picture, svg=svg, alternatives=tuple(blank(p) for p in picture.alternatives),
                                   parts=tuple(blank(p) for p in picture.parts))

    return {d: blank(r) if isinstance(r, Picture) else r for d, r in renderings.items()}


def offers(book) -> pipeline.Offers:
    return pipeline.Offers(pdf.diagram_spaces(book, pdf.PdfOptions()), deck.slide_offer())


def as_built(book, found, options: diagrams.RenderOptions):
    """The diagrams as a build renders them: the likely restacked layouts, and all of them where
    those leave a diagram too small for a page or a slide, and parts for what is still too small."""
    with diagrams.DiagramStage(options) as stage:
        return pipeline.rendered_for_outputs(stage, found, offers(book))


def placed_and_painted(book, renderings, options: diagrams.RenderOptions):
    """The placement stage (handbook and slides) and the slides' PNGs, timed apart."""
    placing, (handbook, slides) = timed(lambda: (pdf.placed(book, renderings, pdf.PdfOptions()),
                                                 deck.placed(renderings)))
    with diagrams.DiagramStage(options) as stage:
        painting, _ = timed(lambda: pipeline.painted_slides(stage, slides, deck.PNG_DPI))
    return placing, painting, handbook, slides


def one_mmdc_call(command: list[str], source: str, scratch: Path) -> float:
    """m: one mermaid-cli call on one diagram, alone (the median of three): the unit of the
    whole-build targets."""
    (scratch / "m.mmd").write_text(source)
    times = sorted(timed(lambda: subprocess.run(command + ["-i", str(scratch / "m.mmd"), "-o", str(scratch / "m.svg")],
                                                capture_output=True, check=False))[0] for _ in range(3))
    return times[1]


RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # of the whole builds and the diagram stage: each is shown


def whole_builds(scratch: Path, run_number: int, needed: Path) -> list[tuple[str, float, str]]:
    """`printbook build` as a user runs it (Python start-up included), on a copy of the document:
    cold (empty cache, empty output folder); cold again with the renderer asked only for the
    layouts in `needed`, those the build's placements use (foresight.py: a floor no build can go
    under by choosing better what to render); again with nothing changed, and after one question's
    title is edited; each with its target in m."""
    folder = scratch / f"whole-{run_number}"
    folder.mkdir()
    document = folder / SEED.name
    text = read_source(SEED)
    document.write_text(text)
    command = [str(Path(sys.executable).parent / "printbook"), "build", str(document), "-o", str(folder / "out"), "-q"]
    run = lambda: subprocess.run(command, capture_output=True, check=False)  # noqa: E731
    rows = [("cold (empty cache)", timed(run)[0], "103/12 m")]
    foresight = [sys.executable, str(Path(__file__).with_name("foresight.py")), str(needed), *command[1:3], "-o",
                 str(folder / "foresight"), "-q"]
    rows.append(("cold, rendering only the layouts used (floor)",
                 timed(lambda: subprocess.run(foresight, capture_output=True, check=False))[0], "103/12 m"))
    if run_number == 1:
        same_outputs(folder / "out", folder / "foresight")
    rows.append(("nothing changed", timed(run)[0], "1/2 m"))
    question = parse_file(document).questions[len(parse_file(document).questions) // 2]
    lines = text.splitlines(keepends=True)
    lines[question.location.line - 1] = lines[question.location.line - 1].rstrip("\n") + " (edited)\n"
    document.write_text("".join(lines))
    rows.append(("after one question's title is edited", timed(run)[0], "2 m"))
    rows.append(("the same, in build --watch (edit saved to rebuilt)", watched_edit(command, document), "2 m"))
    return rows


def same_outputs(built: Path, other: Path) -> None:
    """Stops the benchmark unless `other` holds the same handbook text and the same slides (shapes,
    their sizes and texts) as `built`: the floor is a floor only for the same outputs."""
    def contents(folder: Path) -> list:
        text = [subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout
                for p in sorted(folder.glob("*.pdf"))]
        slides = [[[(shape.shape_type, shape.has_text_frame and shape.text_frame.text, shape.width, shape.height)
                    for shape in slide.shapes] for slide in Presentation(str(p)).slides]
                  for p in sorted(folder.glob("decks/*.pptx"))]
        return [text, slides]

    if contents(built) != contents(other):
        raise RuntimeError(f"bench: the build asking only for the layouts used made other outputs ({other})")


def watched_edit(command: list[str], document: Path) -> float:
    """`printbook build --watch` as an author leaves it running: the seconds from one more title
    edit being saved to the watcher saying it rebuilt (its wait for more changes included)."""
    watcher = subprocess.Popen(command + ["--watch"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        next(line for line in watcher.stderr if line.startswith("watching"))
        time.sleep(1)  # as an author would, not saving at the very moment the watcher starts
        text = document.read_text()
        title = re.search(r"^### Q\d+\..*\(edited\).*$", text, re.M)
        started = time.perf_counter()
        document.write_text(text[:title.end()] + " again" + text[title.end():])
        said = next((line for line in watcher.stderr if line.startswith("changed:")), "no answer")
        seconds = time.perf_counter() - started
        if "rebuilt in" not in said:
            raise RuntimeError(f"bench: the watcher did not rebuild: {said.strip()}")
        return seconds
    finally:
        watcher.terminate()  # SIGTERM: it stops as on Ctrl-C (a background job may ignore SIGINT)
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()


def tenfold(text: str, times: int = 10) -> str:
    """The document with its `## Section` chapters written `times` times over, sections and
    questions numbered on: a book `times` the size, with the same diagrams."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if re.match(r"## Section \d+", line)]
    end = next((i for i, line in enumerate(lines) if i > starts[-1] and re.match(r"## (?!Section)", line)), len(lines))
    body = "".join(lines[starts[0]:end])
    sections = len(starts)
    questions = max(int(n) for n in re.findall(r"^### Q(\d+)\.", body, re.M))
    copies = [re.sub(r"^### Q(\d+)\.", lambda m: f"### Q{int(m[1]) + k * questions}.",
                     re.sub(r"^## Section (\d+)", lambda m: f"## Section {int(m[1]) + k * sections}", body, flags=re.M),
                     flags=re.M) for k in range(times)]
    return "".join(lines[:starts[0]]) + "".join(copies) + "".join(lines[end:])


def typeset_builds(scratch: Path) -> list[tuple[str, float, float]]:
    """The seed and the ten-times book built into new output folders with the seed's diagrams
    cached (nothing else): seconds and the peak memory of the largest process (MB)."""
    cache = scratch / "whole-1" / "out" / pipeline.CACHE_FOLDER
    found = []
    for name, text in (("the seed", read_source(SEED)), ("ten times the questions", tenfold(read_source(SEED)))):
        folder = scratch / f"typeset-{len(found)}"
        shutil.copytree(cache, folder / "cache", ignore=shutil.ignore_patterns("parts", "decks"))
        (folder / "doc.md").write_text(text)
        measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        seconds, result = timed(lambda: subprocess.run(
            [sys.executable, "-c", measure, str(Path(sys.executable).parent / "printbook"), "build", str(folder / "doc.md"),
             "-o", str(folder / "out"), "--cache-dir", str(folder / "cache"), "-q"], capture_output=True, text=True))
        found.append((name, seconds, int(result.stdout.split()[-1]) / 1024))
    return found


TARGETS = {"103/12 m": 103 / 12, "1/2 m": 0.5, "2 m": 2.0}


def main() -> None:
    if not SEED.exists():
        sys.exit(f"bench: {SEED} not found (set BENCH_DOC to a document)")
    book = parse_file(SEED)
    found = book.diagrams()
    sources = [repair.repair(d).source for d in found]
    print(f"document: {SEED.name}: {len(found)} diagrams ({len(set(sources))} distinct), {os.cpu_count()} cores")
    rows = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        options = diagrams.RenderOptions(cache_dir=scratch / "cache")
        plains = [timed(lambda: diagrams.render_diagrams(found, diagrams.RenderOptions(restack=False)))
                  for _ in range(RUNS)]
        plain, (plain_renderings, _) = max(plains, key=lambda p: p[0])  # the slowest run
        with sources_recorded() as sources_of:
            restacked, (renderings, _) = timed(lambda: as_built(book, found, options))
        needed = scratch / "needed.json"
        needed.write_text(json.dumps(sorted({sources_of[p.svg] for p in needed_layouts(book, renderings)})))
        warm, _ = timed(lambda: as_built(book, found, options))
        cold = plain
        rows += [("printbook cold, original layouts (slowest run)", plain), ("printbook cold, with restacked layouts", restacked),
                 ("printbook warm (cache)", warm)]
        placing, painting, handbook, slides = placed_and_painted(book, renderings, options)

        command = diagrams.mmdc_command(scratch)
        # Spread over the document: its diagrams grow more complex towards the end.
        sample = sources[::max(1, len(sources) // SAMPLE)][:SAMPLE]

        def one_mmdc(index: int) -> None:
            source_file = scratch / f"d{index}.mmd"
            source_file.write_text(sample[index])
            subprocess.run(command + ["-i", str(source_file), "-o", str(scratch / f"d{index}.svg")],
                           capture_output=True, check=False)

        with ThreadPoolExecutor(2) as pool:
            sample_time, _ = timed(lambda: list(pool.map(one_mmdc, range(len(sample)))))
        rows.append((f"mmdc per diagram (x{len(found)}, timed on {len(sample)})", sample_time / len(sample) * len(found)))
        m = one_mmdc_call(command, sample[0], scratch)
        builds = [whole_builds(scratch, n, needed) for n in range(1, RUNS + 1)]
        typeset = typeset_builds(scratch)

        document = scratch / "doc.md"
        document.write_text(repair.repaired_document(read_source(SEED), found))
        markdown_time, result = timed(lambda: subprocess.run(
            command + ["-i", str(document), "-o", str(scratch / "out.md")], capture_output=True, text=True))
        status = "" if result.returncode == 0 else " (failed)"
        rows.append((f"mmdc markdown mode{status}", markdown_time))

        # The PDF stage on mermaid's own SVGs (what mmdc's markdown mode wrote) and on printbook's,
        # in the same handbook; and with empty boxes for diagrams, what the handbook alone costs.
        raw_svgs = sorted(scratch.glob("out-*.svg"), key=lambda p: int(p.stem.split("-")[1]))
        pdf_rows = [(ALONE, blank_pictures(renderings), "blank.pdf", "one core")]
        if len(raw_svgs) == len(found):
            raw = {d: Picture(p.read_text(), *diagrams.svg_size(p.read_text())) for d, p in zip(found, raw_svgs)}
            pdf_rows += [(REFERENCE, raw, "raw-stock.pdf", "as shipped"),
                         (RAW_OURS, raw, "raw.pdf", "one core")]
        pdf_rows += [("printbook's SVG, original layouts, one core", plain_renderings, "plain.pdf", "one core"),
                     (OURS_ONE_CORE, renderings, "book-one.pdf", "one core"),
                     (OURS, renderings, "book.pdf", "printbook")]
        pdf_results = []
        for name, pictures, file_name, mode in pdf_rows:
            # WeasyPrint as shipped: one process, SVG text drawn letter by letter, each SVG value
            # parsed where it is drawn, its garbage collector running. printbook draws text in
            # runs, parses each value once, pauses the collector and typesets a long book in two
            # parts at once ("one core": all of that but the two parts).
            with contextlib.ExitStack() as stack:
                if mode != "printbook":
                    stack.enter_context(mock.patch.object(pdf_parts, "SMALLEST_BOOK_IN_PARTS", sys.maxsize))
                if mode == "as shipped":
                    stack.enter_context(mock.patch.object(weasyprint_internals, "svg_text_in_runs", contextlib.nullcontext))
                    stack.enter_context(mock.patch.object(weasyprint_internals, "svg_values_parsed_once",
                                                          contextlib.nullcontext))
                    stack.enter_context(mock.patch.object(pdf, "collector_paused", contextlib.nullcontext))
                seconds, result = timed(lambda: pdf.write_pdf(book, pictures, scratch / file_name))
            pdf_results.append((name, seconds, result.pages, (scratch / file_name).stat().st_size))

    print(f"\n{'diagram stage':<48}{'seconds':>9}{'vs cold, original layouts':>27}")
    for name, seconds in rows:
        print(f"{name:<48}{seconds:>9.2f}{seconds / cold:>26.1f}x")
    mmdc_each, mmdc_markdown = rows[3][1], rows[4][1]
    hows = lambda placements: ", ".join(f"{sum(p.how == how for p in placements.values())} {how}"  # noqa: E731
                                        for how in ("whole", "parts", "pieces"))
    print(f"\nplacement stage (every diagram, handbook and slides): {placing:.2f} s; handbook: {hows(handbook)}; "
          f"slides: {hows(slides)}; slide PNGs painted ({sum(1 + len(p.shown) if p.overview else 1 for p in slides.values())}"
          f" pictures, cold): {painting:.2f} s")
    print(f"\nprintbook cold (same layouts as mmdc) is {mmdc_each / cold:.1f}x faster than one mmdc per diagram, "
          f"{mmdc_markdown / cold:.1f}x faster than mmdc's markdown mode; with restacked layouts "
          f"{mmdc_each / restacked:.1f}x and {mmdc_markdown / restacked:.1f}x; warm takes {warm:.2f} s.")
    print("diagram stage cold, original layouts, each run: " + ", ".join(
        f"{seconds:.2f} s ({mmdc_each / seconds:.1f}x one mmdc per diagram)" for seconds, _ in plains))
    print(f"\none mmdc call alone (m): {m:.2f} s")
    print(f"{'whole build of the document (printbook build)':<48}{'run':>4}{'seconds':>9}{'in m':>8}{'target':>12}{'met':>5}")
    for number, run in enumerate(builds, start=1):
        for name, seconds, target in run:
            print(f"{name:<48}{number:>4}{seconds:>9.2f}{seconds / m:>8.2f}{'<= ' + target:>12}"
                  f"{'yes' if seconds / m <= TARGETS[target] else 'no':>5}")
    print(f"\n{'a new output folder, the diagrams cached':<48}{'seconds':>9}{'vs seed':>9}{'peak MB':>9}")
    for name, seconds, peak in typeset:
        print(f"{name:<48}{seconds:>9.2f}{seconds / typeset[0][1]:>8.1f}x{peak:>9.0f}")
    print(f"\n{'PDF stage (WeasyPrint), same handbook':<50}{'seconds':>9}{'pages':>7}{'MB':>7}{'vs mermaid SVG':>16}")
    times = {name: seconds for name, seconds, _, _ in pdf_results}
    reference = times.get(REFERENCE)
    for name, seconds, pages, size in pdf_results:
        ratio = f"{seconds / reference:>15.2f}x" if reference else ""
        print(f"{name:<50}{seconds:>9.2f}{pages:>7}{size / 1e6:>7.2f}{ratio}")
    if reference:
        alone, ours_one_core = times[ALONE], times[OURS_ONE_CORE]
        print(f"\nThe diagrams alone (time above the handbook alone, one core): printbook's {ours_one_core - alone:.2f} s, "
              f"mermaid's {times[RAW_OURS] - alone:.2f} s typeset the same way ({(ours_one_core - alone) / (times[RAW_OURS] - alone):.2f}x).")
        print(f"A build's PDF stage takes {times[OURS]:.2f} s: {times[OURS] / reference:.2f}x the {reference:.2f} s "
              f"WeasyPrint as shipped needs for mermaid's SVGs.")


if __name__ == "__main__":
    main()
