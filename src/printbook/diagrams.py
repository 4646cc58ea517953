"""Stage 2: mermaid diagrams -> Picture (SVG + PNG) or DiagramFailure.

One long-lived Node process (node/render.cjs) drives one Chromium with mermaid loaded once; we
speak JSON lines to it over stdin/stdout. Identical diagrams are rendered once. A diagram that
fails becomes a DiagramFailure and a located warning; the others go on.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import resources
from .model import Diagnostic, Diagram, DiagramFailure, Picture, PrintbookError, Rendering
from .cache import DiagramCache, fingerprint
from .repair import repair


@dataclass(frozen=True, slots=True)
class RenderOptions:
    pages: int = 2  # parallel pages in the one browser: one per core here
    png_scale: float = 2.0  # PNG pixels per CSS pixel (decks: sharp when projected)
    timeout_seconds: float = 20.0  # per diagram
    cache_dir: Path | None = None  # None: no cache


def mermaid_config() -> dict:
    return json.loads((resources.assets_dir() / "mermaid-config.json").read_text())


def render_diagrams(
    diagrams: Iterable[Diagram],
    options: RenderOptions = RenderOptions(),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[Diagram, Rendering], list[Diagnostic]]:
    """Repairs and renders every diagram; returns what each became, a note per repair and a
    warning per diagram that could not be drawn."""
    repaired = {d: repair(d) for d in diagrams}
    unique_sources = list(dict.fromkeys(r.source for r in repaired.values()))
    cache = DiagramCache(options.cache_dir, render_fingerprint(options)) if options.cache_dir else None
    by_source = {s: cache.get(s) for s in unique_sources} if cache else {}
    by_source = {s: r for s, r in by_source.items() if r is not None}
    missing = [s for s in unique_sources if s not in by_source]
    if missing:  # only then is a browser started
        fresh = MermaidRenderer(options).render(missing, progress)
        by_source.update(fresh)
        for source, rendering in fresh.items():
            if cache and not _is_transient(rendering):
                cache.put(source, rendering)
    renderings = {d: by_source[r.source] for d, r in repaired.items()}
    diagnostics = [note for r in repaired.values() for note in r.notes]
    diagnostics += [failure_diagnostic(d, repaired[d].source, r)
                    for d, r in renderings.items() if isinstance(r, DiagramFailure)]
    return renderings, diagnostics


def render_fingerprint(options: RenderOptions) -> str:
    """Everything besides the diagram text that changes a rendering."""
    modules = resources.node_modules_dir()
    mermaid_version = (modules / "mermaid" / "package.json").read_bytes() if modules else b"no mermaid"
    fonts = sorted((resources.assets_dir() / "fonts").glob("*.ttf"))
    return fingerprint(mermaid_version, json.dumps(mermaid_config(), sort_keys=True), str(options.png_scale),
                       resources.renderer_script().read_bytes(), *(f"{f.name}:{f.stat().st_size}" for f in fonts))


def _is_transient(rendering: Rendering) -> bool:
    """Failures of the machine rather than of the diagram are not worth remembering."""
    return isinstance(rendering, DiagramFailure) and (
        "timed out" in rendering.message or rendering.message.startswith("the renderer stopped"))


def failure_diagnostic(diagram: Diagram, rendered_source: str, failure: DiagramFailure) -> Diagnostic:
    """A warning at the line (and column, where mermaid says) the diagram went wrong. Repairs
    only ever quote labels, so lines keep their numbers."""
    line, column, summary = explain_mermaid_error(rendered_source, failure.message)
    location = diagram.source_location(line, column) if line else diagram.location
    return Diagnostic("warning", location, f"{diagram.kind} diagram not drawn: {summary}",
                      "a placeholder with the source stands in its place; quote labels holding ( ) [ ] { } with \"…\"")


_LINE = re.compile(r"on line (\d+)")
_GOT = re.compile(r"got '([^']+)'")


def explain_mermaid_error(source: str, message: str) -> tuple[int, int, str]:
    """(diagram line, column, one-line summary) from one of mermaid's parser messages.

    mermaid's parse errors read "Parse error on line N:\\n<up to 20 chars before>…\\n---^\\n…got 'X'";
    the text before the caret has its newlines removed and is cut to its last 20 characters, so the
    column is where the longest start of line N that fits that text ends."""
    lines = message.splitlines()
    line_match = _LINE.search(message)
    if not line_match or len(lines) < 3 or "^" not in lines[2]:
        return 0, 0, " ".join(message.split())[:200]
    line = int(line_match.group(1))
    before_caret = lines[1][: lines[2].index("^")].removeprefix("...")
    source_lines = source.splitlines()
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    column = max((j for j in range(len(text) + 1)
                  if before_caret.endswith(text[:j]) or text[:j].endswith(before_caret)), default=0) + 1
    got = _GOT.search(message)
    summary = f"unexpected {got.group(1)!r}" if got else lines[-1].strip()
    return line, column, f"mermaid cannot parse line {line}: {summary} at {text[column - 1:column + 19]!r}"


class MermaidRenderer:
    """The Node renderer process, for one batch of diagrams."""

    def __init__(self, options: RenderOptions):
        self.options = options

    def render(self, sources: list[str], progress: Callable[[int, int], None] | None = None) -> dict[str, Rendering]:
        with tempfile.TemporaryDirectory(prefix="printbook-render-") as scratch:
            process = self._start(Path(scratch))
            try:
                return self._exchange(process, sources, progress)
            finally:
                process.kill()
                process.wait()

    def _start(self, scratch: Path) -> subprocess.Popen:
        node, modules, chromium = resources.node_path(), resources.node_modules_dir(), resources.chromium_path()
        missing = [(name, hint) for name, value, hint in (
            ("node", node, "install Node.js 20 (Debian: apt-get install nodejs)"),
            ("node_modules with @mermaid-js/mermaid-cli", modules, "run 'make setup' (npm ci) in printbook's folder"),
            ("chromium", chromium, "apt-get install chromium, or set PRINTBOOK_CHROMIUM"),
        ) if not value]
        if missing:
            name, hint = missing[0]
            raise PrintbookError(Diagnostic("error", None, f"cannot render diagrams: {name} not found", hint))
        settings = {
            "mermaidPath": str(modules / "mermaid" / "dist" / "mermaid.min.js"),
            "chromiumPath": chromium,
            "config": mermaid_config(),
            "css": "",
            "pages": self.options.pages,
            "timeoutMs": int(self.options.timeout_seconds * 1000),
        }
        settings_file = scratch / "settings.json"
        settings_file.write_text(json.dumps(settings))
        env = {**os.environ, "NODE_PATH": str(modules), "FONTCONFIG_FILE": str(_font_config(scratch))}
        self.stderr = open(scratch / "stderr.txt", "w+")
        return subprocess.Popen(
            [node, str(resources.renderer_script()), str(settings_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env,
        )

    def _exchange(self, process: subprocess.Popen, sources: list[str], progress) -> dict[str, Rendering]:
        ready = process.stdout.readline()
        if not ready or "fatal" in json.loads(ready):
            detail = json.loads(ready).get("fatal", "") if ready else self._stderr_tail()
            raise PrintbookError(Diagnostic("error", None, "the diagram renderer did not start: " + detail.splitlines()[0],
                                            "run 'printbook doctor' or check that chromium starts"))
        # Write on a thread: the renderer answers while we are still sending.
        requests = [json.dumps({"id": str(i), "code": s, "png": self.options.png_scale}) for i, s in enumerate(sources)]
        writer = threading.Thread(target=_write_lines, args=(process.stdin, requests), daemon=True)
        writer.start()
        results: dict[str, Rendering] = {}
        for line in process.stdout:
            answer = json.loads(line)
            if "id" not in answer:
                continue
            source = sources[int(answer["id"])]
            results[source] = _rendering(answer)
            if progress:
                progress(len(results), len(sources))
            if len(results) == len(sources):
                break
        writer.join(timeout=5)
        lost = DiagramFailure("the renderer stopped before drawing this diagram: " + self._stderr_tail())
        return {source: results.get(source, lost) for source in sources}

    def _stderr_tail(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        lines = [line for line in self.stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else "no message"


def _write_lines(stream, lines: list[str]) -> None:
    try:
        for line in lines:
            stream.write(line + "\n")
        stream.close()
    except BrokenPipeError:
        pass  # the renderer died; its missing answers become failures


def _rendering(answer: dict) -> Rendering:
    if not answer.get("ok"):
        return DiagramFailure(answer.get("error", "unknown error"))
    return Picture(svg=answer["svg"], png=base64.b64decode(answer.get("png", "")),
                   width=float(answer["width"]), height=float(answer["height"]))


def _font_config(scratch: Path) -> Path:
    """A fontconfig file that adds printbook's fonts to the system's, so Chromium measures labels
    with the font the PDF and decks draw them with."""
    path = scratch / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f'  <dir>{resources.assets_dir() / "fonts"}</dir>\n'
        f'  <cachedir>{scratch / "fontcache"}</cachedir>\n</fontconfig>\n')
    return path
