"""`printbook doctor`: is everything printbook needs on this machine, at the versions it needs?

Each check answers ok, missing (with the command that installs it) or optional. The other
commands meet the same missing parts with the same one-line hints (resources.INSTALL).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import resources

PYTHON_PACKAGES = ("jinja2", "weasyprint", "python-pptx", "markdown-it-py", "click", "pikepdf", "pillow", "lxml")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    found: str  # the version, or what is wrong
    hint: str = ""
    optional: bool = False

    def __str__(self) -> str:
        state = "ok" if self.ok else ("optional, missing" if self.optional else "MISSING")
        line = f"{state:18} {self.name:28} {self.found}"
        return f"{line}\n{'':18} {'':28} install: {self.hint}" if self.hint and not self.ok else line


def run_checks(cache_dir: Path) -> list[Check]:
    checks = [*_python_packages(), _pango(), _node(), _mermaid_cli(), _chromium(), _fonts(), _emoji_font(),
              _cjk_font(), _libreoffice(), _cache(cache_dir)]
    if all(c.ok for c in checks if c.name in ("node", "mermaid-cli", "chromium")):
        checks.append(_render_one())
    return checks


def _python_packages() -> list[Check]:
    found = []
    for name in PYTHON_PACKAGES:
        try:
            found.append(Check(f"python: {name}", True, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append(Check(f"python: {name}", False, "not installed", resources.INSTALL["python"]))
    from . import pptx_internals, weasyprint_internals  # what printbook's use of their internals was written for

    for library, module in (("weasyprint", weasyprint_internals), ("python-pptx", pptx_internals)):
        if module.installed() and not module.applies():
            found.append(Check(f"python: {library} version", False, f"{module.installed()}, printbook was written for "
                               f"{module.WRITTEN_FOR} (it falls back: slower, or PNG-only decks)",
                               resources.INSTALL["python"], optional=True))
    return found


def _pango() -> Check:
    try:
        from weasyprint.text.ffi import pango

        version = pango.pango_version()
        return Check("Pango (WeasyPrint's text)", True, f"{version // 10000}.{version // 100 % 100}.{version % 100}")
    except Exception as error:  # OSError when the library is absent, others from cffi
        return Check("Pango (WeasyPrint's text)", False, str(error).splitlines()[0][:80], resources.INSTALL["pango"])


def _node() -> Check:
    node = resources.node_path()
    if not node:
        return Check("node", False, "not found", resources.INSTALL["node"])
    version = _output([node, "--version"])
    major = int(re.match(r"v?(\d+)", version).group(1)) if re.match(r"v?\d+", version) else 0
    if major < 18:
        return Check("node", False, f"{version}, printbook needs 18 or newer", resources.INSTALL["node"])
    return Check("node", True, version)


def _mermaid_cli() -> Check:
    modules = resources.node_modules_dir()
    wanted = json.loads((resources.SOURCE_ROOT / "package.json").read_text())["dependencies"][
        "@mermaid-js/mermaid-cli"] if (resources.SOURCE_ROOT / "package.json").is_file() else ""
    if not modules or not (modules / "@mermaid-js" / "mermaid-cli" / "package.json").is_file():
        return Check("mermaid-cli", False, "not found", resources.INSTALL["mermaid-cli"])
    installed = json.loads((modules / "@mermaid-js" / "mermaid-cli" / "package.json").read_text())["version"]
    mermaid = json.loads((modules / "mermaid" / "package.json").read_text())["version"]
    if wanted and installed != wanted:
        return Check("mermaid-cli", False, f"{installed}, pinned {wanted}", resources.INSTALL["mermaid-cli"])
    return Check("mermaid-cli", True, f"{installed} (mermaid {mermaid})")


def _chromium() -> Check:
    chromium = resources.chromium_path()
    if not chromium:
        return Check("chromium", False, "not found", resources.INSTALL["chromium"])
    version = _output([chromium, "--version", "--headless", "--no-sandbox"]) or "found, but it did not say its version"
    return Check("chromium", bool(version), f"{version} ({chromium})")


def _fonts() -> Check:
    fonts = sorted(p.name for p in (resources.assets_dir() / "fonts").glob("*.ttf"))
    return Check("printbook's fonts", bool(fonts), ", ".join(fonts) or "none in assets/fonts",
                 "reinstall printbook: its assets/fonts folder is incomplete")


def _emoji_font() -> Check:
    return _system_font("emoji font", ":family=Noto Color Emoji", "emoji", "emoji")


def _cjk_font() -> Check:
    return _system_font("CJK font", ":lang=zh", "cjk", "Chinese, Japanese and Korean text")


def _system_font(name: str, pattern: str, kind: str, what: str) -> Check:
    """A font of the machine's for what printbook's own fonts lack (fontconfig's match of `pattern`)."""
    listed = _output(["fc-list", pattern, "family"]) if shutil.which("fc-list") else ""
    return Check(name, bool(listed), listed.splitlines()[0] if listed else f"none: {what} prints as boxes",
                 resources.INSTALL[kind], optional=True)


def _libreoffice() -> Check:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return Check("LibreOffice (deck previews)", bool(found), found or "not found", resources.INSTALL["libreoffice"],
                 optional=True)


def _cache(cache_dir: Path) -> Check:
    """Whether the cache folder can be written, or made where it is not yet (doctor makes none)."""
    existing = next((p for p in (cache_dir.absolute(), *cache_dir.absolute().parents) if p.exists()), Path("/"))
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, "not a folder", str(existing))
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".printbook-doctor-"):
            pass
        return Check("cache folder", True, f"{cache_dir} (writable)")
    except OSError as error:
        return Check("cache folder", False, f"{cache_dir}: {error.strerror or error}", "use --cache-dir DIR")


def _render_one() -> Check:
    """Starts Chromium with mermaid, as a build does, and draws one diagram."""
    from .diagrams import MermaidRenderer, RenderOptions
    from .model import PrintbookError

    renderer = MermaidRenderer(RenderOptions(pages=1))
    try:
        [answer] = renderer.ask([{"code": "graph TD\n  A[printbook] --> B[doctor]"}])
        drawn = bool(answer.get("ok")) and "doctor" in answer.get("svg", "")
        return Check("draws a diagram", drawn, "yes" if drawn else answer.get("error", "no picture"),
                     resources.INSTALL["chromium"])
    except PrintbookError as error:
        return Check("draws a diagram", False, error.diagnostic.message, error.diagnostic.hint)
    finally:
        renderer.close()


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30,
                              env={**os.environ, "LC_ALL": "C"}).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
