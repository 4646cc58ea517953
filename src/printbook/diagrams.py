"""Stage 2: mermaid diagrams -> Picture (print-safe SVG, layout variants, PNG on demand) or
DiagramFailure.

One long-lived Node process (node/render.cjs) drives one Chromium with mermaid loaded once; we
speak JSON lines to it over stdin/stdout. It starts only when the cache cannot answer. Identical
diagrams are rendered once. A diagram that fails becomes a DiagramFailure and a located warning;
the others go on.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import math
import os
import re
import signal
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from . import outputs, placement, resources, restack
from .cache import DiagramCache, fingerprint
from .model import Diagnostic, Diagram, DiagramFailure, Picture, PrintbookError, Rendering
from .repair import Repaired, repair

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    pages: int = 2  # parallel pages in the one browser: one per core here
    timeout_seconds: float = 20.0  # per diagram
    cache_dir: Path | None = None  # None: no cache
    restack: bool = True  # also render stacked layouts of side-by-side subgraphs
    renderer: str = "browser"  # or "mmdc": one mermaid-cli process per diagram, slower, the reference
    # mermaid with its configuration copied by plain assignment (node/render.cjs): a third faster,
    # the same pictures; False only to check that.
    patch_mermaid: bool = True
    # mermaid's own limits (its defaults): a longer diagram, or one with more edges, is not drawn.
    max_text_size: int = 50_000
    max_edges: int = 500
    overrides: Path | None = None  # a folder whose assets/mermaid-config.json replaces printbook's


def mermaid_config(options: RenderOptions = RenderOptions()) -> dict:
    """printbook's mermaid configuration, with the limits of `options` (mermaid's own text-size
    check is given room for the theme directive printbook adds: printbook checks first)."""
    config = json.loads(resources.asset("mermaid-config.json", options.overrides).read_text())
    return {**config, "maxTextSize": options.max_text_size + 1000, "maxEdges": options.max_edges}


def render_diagrams(diagrams: Iterable[Diagram], options: RenderOptions = RenderOptions(),
                    progress: Progress | None = None) -> tuple[dict[Diagram, Rendering], list[Diagnostic]]:
    """Renders once, without PNGs; see DiagramStage.render."""
    with DiagramStage(options) as stage:
        return stage.render(diagrams, progress)


class DiagramStage:
    """Repairs, renders and paints diagrams through one renderer process, started on first need."""

    def __init__(self, options: RenderOptions = RenderOptions()):
        self.options = options
        self.cache = DiagramCache(options.cache_dir, render_fingerprint(options)) if options.cache_dir else None
        self.renderer = MmdcRenderer(options) if options.renderer == "mmdc" else MermaidRenderer(options)
        self.answered: dict[str, dict] = {}  # this run's answers, with or without a cache
        self.repairs: dict[Diagram, Repaired] = {}  # each diagram repaired once, for every layout asked
        self.renderer_started = False  # something was not in the cache: the renderer runs until the end

    def __enter__(self) -> DiagramStage:
        return self

    def start_early(self, diagrams: Iterable[Diagram]) -> None:
        """Starts the renderer now where the cache lacks one of `diagrams`: a browser takes about
        a second to start, which the build spends meanwhile on one core importing WeasyPrint and
        laying out the front matter."""
        sources = {self._repaired(d).source for d in diagrams}
        wanted = [s for s in sources if not self._too_long(s) and s not in self.answered]
        if any(not (self.cache and self.cache.has(s)) for s in wanted):
            self.renderer.launch()

    def __exit__(self, exc_type, *exc) -> None:
        # Interrupted or failed: the renderer and its browser are ended at once, not waited for.
        self.renderer.close(force=exc_type is not None)

    def render(self, diagrams: Iterable[Diagram], progress: Progress | None = None
               ) -> tuple[dict[Diagram, Rendering], list[Diagnostic]]:
        """What each diagram became, a note per repair and a warning per diagram not drawn."""
        repaired = {d: self._repaired(d) for d in diagrams}
        sources = [r.source for r in repaired.values()]
        # Over mermaid's text-size limit, mermaid draws a small pink box of its own: not asked.
        too_long = {s: {"ok": False, "error": f"{len(s)} characters", "too_long": True} for s in sources
                    if self._too_long(s)}
        by_source = too_long | self._ask([{"code": s} for s in dict.fromkeys(sources) if s not in too_long], progress)
        renderings: dict[Diagram, Rendering] = {}
        diagnostics = [note for r in repaired.values() for note in r.notes]
        for diagram, fixed in repaired.items():
            answer = by_source[fixed.source]
            if not _is_picture(answer):
                warning = failure_diagnostic(diagram, fixed.source, answer, self.options)
                renderings[diagram] = DiagramFailure(warning.detail, warning.message, warning.location)
                diagnostics.append(warning)
                continue
            renderings[diagram] = _picture(answer)
        return renderings, diagnostics

    def more_layouts(self, renderings: dict[Diagram, Rendering], kinds: dict[Diagram, str]
                     ) -> dict[Diagram, Rendering]:
        """`renderings` with other layouts of the diagrams in `kinds` as alternatives, of the kind
        given ("likely", "turned" or "every": restack.layouts; placement.py says which diagrams
        are worth which)."""
        result = dict(renderings)
        if not self.options.restack:
            return result
        chosen = {d: self._restacked(kind, self._repaired(d).source) for d, kind in kinds.items()
                  if isinstance(renderings.get(d), Picture)}
        answers = self._ask([{"code": v} for found in chosen.values() for v in found])
        for diagram, found in chosen.items():
            # A layout whose words run into each other (a chart's axis on a smaller canvas) is none to show.
            crowded = placement.crowded_words(renderings[diagram])
            result[diagram] = replace(renderings[diagram], alternatives=tuple(
                p for p in _drawn(answers, found) if placement.crowded_words(p) <= crowded))
        return result

    def parts(self, diagrams: Iterable[Diagram]) -> dict[Diagram, tuple[Picture, ...]]:
        """Each diagram split into one picture per top-level subgraph, where it has two or more
        and every part renders."""
        split = {d: self._restacked("parts", self._repaired(d).source) for d in diagrams}
        answers = self._ask([{"code": layout} for pieces in split.values() for piece in pieces for layout in piece])
        result = {}
        for diagram, pieces in split.items():
            drawn = [_drawn(answers, piece) for piece in pieces]
            if pieces and all(drawn):
                result[diagram] = tuple(replace(first, alternatives=tuple(others)) for first, *others in drawn)
        return result

    def with_pngs(self, pictures: dict, scales: dict | None = None) -> dict:
        """The same pictures, under the same keys, with their PNGs painted at `scales[key]` PNG
        pixels per CSS pixel (default 2; alternatives dropped: choose the layout first)."""
        def key(request: dict) -> str:
            return f"png {request['png']:.3f}\n{request['svg']}"

        requests = {name: {"svg": p.svg, "width": p.width, "height": p.height,
                           "png": round((scales or {}).get(name, 2.0), 3)} for name, p in pictures.items()}
        answers = self._ask(list(requests.values()), key=key)
        result = {}
        for name, picture in pictures.items():
            answer = answers[key(requests[name])]
            png = base64.b64decode(answer["png"]) if answer.get("ok") else b""
            result[name] = replace(picture, png=png, alternatives=())
        return result

    def _restacked(self, kind: str, source: str) -> list:
        """restack.py's layouts of `source` of one `kind` (restack.layouts' kinds, or "parts"),
        kept in the cache beside the answers: working them out again takes a build of the seed
        whose diagrams are all cached a fifth of a second."""
        key = f"restack {kind} {_restack_version()}\n{source}"
        if self.cache and (kept := self.cache.get(key, ("layouts",))) is not None:
            return kept["layouts"]
        made = ([list(piece) for piece in restack.parts(source)] if kind == "parts" else
                restack.layouts(source, kind))
        if self.cache:
            self.cache.put(key, {"layouts": made})
        return made

    def _too_long(self, source: str) -> bool:
        """Over mermaid's text-size limit: mermaid would draw a small pink box of its own."""
        return len(source) > self.options.max_text_size

    def _repaired(self, diagram: Diagram) -> Repaired:
        if diagram not in self.repairs:
            self.repairs[diagram] = repair(diagram)
        return self.repairs[diagram]

    def _ask(self, requests: list[dict], progress: Progress | None = None,
             key: Callable[[dict], str] = lambda request: request["code"]) -> dict[str, dict]:
        """The renderer's answer to each request, by key: from this run's answers or the cache
        where they have it."""
        unique = {key(r): r for r in requests}
        answers = {k: self.answered[k] for k in unique if k in self.answered}
        if self.cache:
            # (stored already mended, below)
            answers |= {k: a for k in unique if k not in answers and (a := self.cache.get(k, ("ok",)))}
        missing = [k for k in unique if k not in answers]
        cached = len(unique) - len(missing)
        if progress:  # n of N, the cached ones counted at once
            progress(cached, len(unique))
        if missing:  # only now is a browser started
            self.renderer_started = True
            fresh = self.renderer.ask([unique[k] for k in missing],
                                      progress and (lambda done, _: progress(cached + done, len(unique))))
            for k, answer in zip(missing, fresh):
                answer = answers[k] = _whole_characters(answer)
                if not _is_transient(answer):
                    self.answered[k] = answer
                    if self.cache:
                        self.cache.put(k, answer)
        return answers


def _whole_characters(answer: dict) -> dict:
    """The answer without half characters: mermaid cuts the excerpt in its error messages by
    UTF-16 unit, which can leave half of an emoji that no PDF or terminal can take."""
    return {key: LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value
            for key, value in answer.items()}


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _drawn(answers: dict[str, dict], sources) -> tuple[Picture, ...]:
    """The pictures of those of `sources` that mermaid drew."""
    return tuple(_picture(answers[s]) for s in sources if _is_picture(answers[s]))


def _is_picture(answer: dict) -> bool:
    return bool(answer.get("ok")) and "svg" in answer


def _picture(answer: dict) -> Picture:
    # At least 1 px each way: an empty diagram (a mindmap with no nodes) is drawn 0 px wide.
    return Picture(svg=answer["svg"], width=max(1.0, float(answer["width"])), height=max(1.0, float(answer["height"])),
                   text_px=float(answer.get("textPx", 16.0)), texts=tuple(map(tuple, answer.get("texts", ()))),
                   shapes=tuple(map(tuple, answer.get("shapes", ()))), header=float(answer.get("header", 0.0)),
                   footer=float(answer.get("footer", 0.0)))


def _is_transient(answer: dict) -> bool:
    """Failures of the machine rather than of the diagram (a time-out, a browser that crashed
    twice on it) are not remembered: the next build asks again."""
    return not answer.get("ok") and (answer.get("error", "").startswith(TIMED_OUT) or bool(answer.get("crashed")))


def _end_group(process: subprocess.Popen, browser: int | None = None) -> None:
    """Ends `process`, which leads a process group of its own (start_new_session), and the
    browser it drives. puppeteer runs Chromium in a group of its own too, and ends it when its
    Node process is sent SIGINT; should that not end within 2 s, both groups are killed."""
    _signal_group(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
    if browser is not None:
        _signal_group(browser, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):  # already gone
        pass


@functools.cache
def _restack_version() -> str:
    """Which restack.py made a kept layout: a changed one makes them again."""
    return fingerprint(Path(restack.__file__).read_bytes())[:16]


def render_fingerprint(options: RenderOptions) -> str:
    """Everything besides the request that changes an answer."""
    modules = resources.node_modules_dir()
    mermaid_version = (modules / "mermaid" / "package.json").read_bytes() if modules else b"no mermaid"
    fonts = sorted((resources.assets_dir() / "fonts").glob("*.ttf"))
    return fingerprint(options.renderer, mermaid_version, json.dumps(mermaid_config(options), sort_keys=True),
                       resources.renderer_script().read_bytes(), *(f"{f.name}:{f.stat().st_size}" for f in fonts),
                       _system_fonts())


def _system_fonts() -> str:
    """The fonts Chromium falls back to for what Noto Sans lacks (emoji, other scripts): installing
    one changes how wide mermaid measures a label."""
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return "no fc-list"
    return "\n".join(sorted(set(listed.splitlines())))


TIMED_OUT = "render timed out"  # node/render.cjs's words
EDGE_LIMIT = re.compile(r"Edge limit exceeded\. (\d+) edges found, but the limit is (\d+)")


def failure_diagnostic(diagram: Diagram, rendered_source: str, answer: dict,
                       options: RenderOptions = RenderOptions()) -> Diagnostic:
    """A warning at the line (and column, where mermaid says) the diagram went wrong, in plain
    words, with mermaid's own message as its detail, from the renderer's failed `answer`. Repairs
    only ever quote labels, so lines keep their numbers. A limit of mermaid's says which, and how
    to raise it."""
    message = answer.get("error", "unknown error")
    if answer.get("crashed"):
        message = "the browser crashed: " + message
    if answer.get("too_long"):
        return Diagnostic("warning", diagram.location, f"{diagram.kind} diagram not drawn: {len(rendered_source):,} "
                          f"characters, over mermaid's text size limit of {options.max_text_size:,}",
                          "raise it with --mermaid-max-text-size, or split the diagram", "diagram.text-limit",
                          detail=message)
    edges = EDGE_LIMIT.search(message)
    if edges:
        return Diagnostic("warning", diagram.location, f"{diagram.kind} diagram not drawn: more edges than mermaid's "
                          f"limit of {int(edges[2]):,}",
                          "raise it with --mermaid-max-edges, or split the diagram", "diagram.edge-limit", detail=message)
    if answer.get("crashed") or message.startswith(TIMED_OUT):
        what = ("the browser stopped twice while drawing it" if answer.get("crashed")
                else f"mermaid took over {options.timeout_seconds:g} s")
        return Diagnostic("warning", diagram.location, f"{diagram.kind} diagram not drawn: {what}",
                          "simplify or split the diagram; the next build tries again", "diagram.timeout", detail=message)
    line, column, summary = explain_mermaid_error(rendered_source, message)
    location = diagram.source_location(line, column) if line else diagram.location
    return Diagnostic("warning", location, f"{diagram.kind} diagram not drawn: {summary}",
                      "a placeholder with the source stands in its place; quote labels holding ( ) [ ] { } with \"…\"",
                      "diagram.syntax", detail=message)


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
    # A lexical error ends at its caret: what it says ("Unrecognized text") is on its first line.
    said = lines[-1].strip() if len(lines) > 3 else lines[0][line_match.end():].strip(" .:")
    summary = f"unexpected {got.group(1)!r}" if got else (said[:1].lower() + said[1:] or "unexpected text")
    return line, column, f"mermaid cannot parse line {line}: {summary} at {text[column - 1:column + 19]!r}"


class MermaidRenderer:
    """The Node renderer process: started on the first request, kept for the next ones."""

    def __init__(self, options: RenderOptions):
        self.options = options
        self.process: subprocess.Popen | None = None
        self.scratch: tempfile.TemporaryDirectory | None = None
        self.next_id = 0
        self.mermaid_patched = False  # known once started
        self.browser_pid: int | None = None  # Chromium's, which the renderer tells (it leads a group of its own)
        self.ready = False  # it said it was, once started
        _renderers.add(self)

    def ask(self, requests: list[dict], progress: Progress | None = None) -> list[dict]:
        """The answer to each request, in order. Should the renderer die, a fresh one is asked
        what it left unanswered; should that die too, the build stops (PrintbookError): a dead
        renderer's silence is never taken for diagrams that failed."""
        answers = self._ask_once(requests, progress)
        lost = [i for i, answer in enumerate(answers) if answer is None]
        if lost:
            self.close(force=True)
            for index, answer in zip(lost, self._ask_once([requests[i] for i in lost])):
                answers[index] = answer
        if any(answer is None for answer in answers):
            detail = self._stderr_tail()
            self.close(force=True)
            raise PrintbookError(Diagnostic("error", None, f"the diagram renderer stopped: {detail}",
                                            "run 'printbook doctor' to check Chromium and Node", "setup.renderer"))
        return answers

    def launch(self) -> None:
        """Starts the renderer without waiting for it to be ready (the first request waits)."""
        if not self.process:
            self._start()

    def _ask_once(self, requests: list[dict], progress: Progress | None = None) -> list[dict | None]:
        """The answer to each request, in order; None for those the renderer never answered."""
        process = self.process or self._start()
        if not self.ready:
            self._wait_until_ready()
        ids = [str(self.next_id + i) for i in range(len(requests))]
        self.next_id += len(requests)
        lines = [json.dumps({**request, "id": i}) for request, i in zip(requests, ids)]
        # Write on a thread: the renderer answers while we are still sending.
        writer = threading.Thread(target=outputs.interrupts_to_main_thread(_write_lines),
                                  args=(process.stdin, lines), daemon=True)
        writer.start()
        answers: dict[str, dict] = {}
        while len(answers) < len(ids):
            line = process.stdout.readline()
            if not line:
                break
            answer = json.loads(line)
            if "browser" in answer:  # the renderer started a fresh browser
                self.browser_pid = answer["browser"]
            if answer.get("id") in ids:
                answers[answer["id"]] = answer
                if progress:
                    progress(len(answers), len(ids))
        writer.join(timeout=5)
        return [answers.get(i) for i in ids]

    def close(self, force: bool = False) -> None:
        """Ends the renderer: asked to finish (it closes its browser), or, with `force` or when it
        does not finish in time, killed with every process of its group (Chromium's too)."""
        if self.process:
            try:
                if not force:
                    self.process.stdin.close()
                    self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            _end_group(self.process, self.browser_pid)
            self.process, self.ready = None, False
        if self.scratch:
            self.stderr.close()
            self.scratch.cleanup()
            self.scratch = None

    def _start(self) -> subprocess.Popen:
        node, modules, chromium = resources.node_path(), resources.node_modules_dir(), resources.chromium_path()
        missing = [(name, hint) for name, value, hint in (
            ("node", node, resources.INSTALL["node"]),
            ("node_modules with @mermaid-js/mermaid-cli", modules, resources.INSTALL["mermaid-cli"]),
            ("chromium", chromium, resources.INSTALL["chromium"]),
        ) if not value]
        if missing:
            name, hint = missing[0]
            raise PrintbookError(Diagnostic("error", None, f"cannot render diagrams: {name} not found",
                                            f"{hint}; 'printbook doctor' checks the rest", "setup.missing"))
        self.scratch = tempfile.TemporaryDirectory(prefix="printbook-render-")
        scratch = Path(self.scratch.name)
        settings = {
            "mermaidPath": str(modules / "mermaid" / "dist" / "mermaid.min.js"),
            # mermaid's external diagrams, registered as mermaid-cli registers them
            "zenumlPath": str(modules / "@mermaid-js" / "mermaid-zenuml" / "dist" / "mermaid-zenuml.min.js"),
            "chromiumPath": chromium,
            "config": mermaid_config(self.options),
            "css": "",
            "pages": self.options.pages,
            "timeoutMs": int(self.options.timeout_seconds * 1000),
            "patchMermaid": self.options.patch_mermaid,
        }
        settings_file = scratch / "settings.json"
        settings_file.write_text(json.dumps(settings))
        env = {**renderer_environment(scratch), "NODE_PATH": str(modules)}
        self.stderr = open(scratch / "stderr.txt", "w+")
        # In a session of its own, so that a terminal's Ctrl-C reaches printbook, which ends the
        # renderer itself, and not the renderer first (its diagrams would seem to fail).
        self.process = subprocess.Popen(
            [node, str(resources.renderer_script()), str(settings_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env,
            start_new_session=True)
        return self.process

    def _wait_until_ready(self) -> None:
        line = self.process.stdout.readline()
        ready = json.loads(line) if line else {}
        if not ready or "fatal" in ready:
            detail = ready.get("fatal", "") if ready else self._stderr_tail()
            self.close(force=True)
            raise PrintbookError(Diagnostic("error", None, "the diagram renderer did not start: "
                                            + (detail.splitlines() or ["no message"])[0],
                                            "run 'printbook doctor'; check that chromium starts: "
                                            "chromium --headless --no-sandbox about:blank", "setup.renderer"))
        self.mermaid_patched = bool(ready.get("patched"))
        self.browser_pid = ready.get("browser")
        self.ready = True

    def release_in_forked_child(self) -> None:
        """In a process forked from this one: its copies of the renderer's pipes point at
        /dev/null instead. A copy of the input end kept open would keep the renderer from seeing
        it closed, and waiting for more."""
        if self.process:
            null = os.open(os.devnull, os.O_RDWR)
            for pipe in (self.process.stdin, self.process.stdout):
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(null, pipe.fileno())
            os.close(null)
            self.process = None

    def _stderr_tail(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        lines = [line for line in self.stderr.read().splitlines() if line.strip()]
        return lines[-1] if lines else "no message"


_renderers: weakref.WeakSet[MermaidRenderer] = weakref.WeakSet()  # those a forked process lets go of


def _release_renderers_in_forked_child() -> None:
    for renderer in list(_renderers):
        renderer.release_in_forked_child()


os.register_at_fork(after_in_child=_release_renderers_in_forked_child)


class MmdcRenderer:
    """mermaid-cli's own command, one process (and browser) per diagram, two at a time: what
    Pandoc's mermaid-filter does. Slower; kept as the reference the browser renderer is checked
    against. PNGs are still painted by the browser renderer."""

    def __init__(self, options: RenderOptions):
        self.painter = MermaidRenderer(options)
        self.scratch = tempfile.TemporaryDirectory(prefix="printbook-mmdc-")
        self.command = mmdc_command(Path(self.scratch.name), options)
        self.environment = renderer_environment(Path(self.scratch.name))
        self.running: set[subprocess.Popen] = set()

    def launch(self) -> None:
        """Nothing to start ahead: each diagram starts its own mmdc."""

    def ask(self, requests: list[dict], progress: Progress | None = None) -> list[dict]:
        paints = [i for i, r in enumerate(requests) if "code" not in r]
        answers: list[dict] = [{} for _ in requests]
        for index, answer in zip(paints, self.painter.ask([requests[i] for i in paints]) if paints else []):
            answers[index] = answer
        codes = [i for i in range(len(requests)) if i not in set(paints)]
        pool = ThreadPoolExecutor(2)
        try:
            for index, answer in zip(codes, pool.map(lambda i: self._render(i, requests[i]["code"]), codes)):
                answers[index] = answer
                if progress:
                    progress(codes.index(index) + 1, len(codes))
        finally:  # interrupted: the queued diagrams are dropped, the running ones ended (close)
            pool.shutdown(wait=False, cancel_futures=True)
        return answers

    def _render(self, index: int, code: str) -> dict:
        folder = Path(self.scratch.name)
        source, target = folder / f"{index}-{os.getpid()}.mmd", folder / f"{index}-{os.getpid()}.svg"
        source.write_text(code)
        process = subprocess.Popen(self.command + ["-i", str(source), "-o", str(target)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=self.environment, start_new_session=True)
        self.running.add(process)
        try:
            _, stderr = process.communicate()
        finally:
            self.running.discard(process)
        if process.returncode != 0 or not target.exists():
            lines = [line for line in (stderr or "mmdc failed").splitlines() if line.strip()]
            return {"ok": False, "error": "\n".join(lines[:6])}
        svg = target.read_text()
        width, height = svg_size(svg)
        return {"ok": True, "svg": svg, "width": width, "height": height}

    def close(self, force: bool = False) -> None:
        for process in list(self.running):
            _end_group(process)
        self.painter.close(force)
        self.scratch.cleanup()


def svg_size(svg: str) -> tuple[int, int]:
    """Width and height of an SVG mermaid wrote, from its viewBox."""
    view_box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    width, height = (float(view_box.group(1)), float(view_box.group(2))) if view_box else (800.0, 600.0)
    return math.ceil(width), math.ceil(height)


def mmdc_command(scratch: Path, options: RenderOptions = RenderOptions()) -> list[str]:
    """mermaid-cli's `mmdc` with printbook's mermaid config and Debian's Chromium."""
    modules = resources.node_modules_dir()
    if not modules or not (modules / ".bin" / "mmdc").exists():
        raise PrintbookError(Diagnostic("error", None, "cannot render diagrams: mmdc not found",
                                        resources.INSTALL["mermaid-cli"], "setup.missing"))
    puppeteer = scratch / "puppeteer.json"
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses its sandbox as root
    puppeteer.write_text(json.dumps({"executablePath": resources.chromium_path(),
                                     "args": sandbox + ["--disable-gpu", "--disable-background-networking"]}))
    config = scratch / "mermaid.json"
    config.write_text(json.dumps(mermaid_config(options)))
    return [str(modules / ".bin" / "mmdc"), "-p", str(puppeteer), "-c", str(config), "-q"]


def _write_lines(stream, lines: list[str]) -> None:
    try:
        for line in lines:
            stream.write(line + "\n")
        stream.flush()
    except BrokenPipeError:
        pass  # the renderer died; its missing answers become failures


def renderer_environment(scratch: Path) -> dict[str, str]:
    """The environment both renderers' browsers run in: printbook's fonts (a fresh machine has no
    Noto Sans of its own, and mermaid would measure labels in another font)."""
    return {**os.environ, "FONTCONFIG_FILE": str(_font_config(scratch))}


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
