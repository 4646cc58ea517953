"""Where printbook's own files are: templates, assets, the Node renderer and its node_modules."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# In a wheel, templates/ and assets/ are packed inside the package; in a source checkout
# (editable install, `make`), they sit at the top of the repository.
SOURCE_ROOT = PACKAGE_DIR.parent.parent


def _first_existing(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, SOURCE_ROOT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"printbook's {name}/ folder is missing from {PACKAGE_DIR}")


def templates_dir() -> Path:
    return _first_existing("templates")


def assets_dir() -> Path:
    return _first_existing("assets")


@functools.lru_cache(maxsize=64)
def font(size: float, bold: bool = False):
    """printbook's Noto Sans at `size` (points give widths in points), to measure text with."""
    from PIL import ImageFont  # (only where text is measured)

    return ImageFont.truetype(str(assets_dir() / "fonts" / f"NotoSans-{'Bold' if bold else 'Regular'}.ttf"), size)


def template_dirs(overrides: Path | None = None) -> list[Path]:
    """Where templates are looked for: `overrides`/templates first (a book's own, beside its
    printbook.toml, one file at a time, as mkdocs' custom_dir), then printbook's."""
    own = overrides / "templates" if overrides else None
    return [*([own] if own and own.is_dir() else []), templates_dir()]


def asset(name: str, overrides: Path | None = None) -> Path:
    """An asset (print.css, reference.pptx, mermaid-config.json): the book's own in
    `overrides`/assets if it has one, else printbook's."""
    own = overrides / "assets" / name if overrides else None
    return own if own and own.is_file() else assets_dir() / name


def renderer_script() -> Path:
    return PACKAGE_DIR / "node" / "render.cjs"


def node_modules_dir() -> Path | None:
    """The node_modules holding @mermaid-js/mermaid-cli: $PRINTBOOK_NODE_MODULES, the working
    directory's, or the source checkout's."""
    candidates = [os.environ.get("PRINTBOOK_NODE_MODULES"), Path.cwd() / "node_modules",
                  SOURCE_ROOT / "node_modules"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "mermaid" / "package.json").is_file():
            return Path(candidate)
    return None


def chromium_path() -> str | None:
    """$PRINTBOOK_CHROMIUM, or Debian's chromium, or whatever chromium is on PATH."""
    configured = os.environ.get("PRINTBOOK_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# How to install each part printbook needs, in one place: `printbook doctor` and every command
# that meets a missing part say the same.
INSTALL = {
    "python": "make setup (or: .venv/bin/pip install -c requirements.lock -e .)",
    "pango": "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
    "node": "sudo apt-get install nodejs npm",
    "mermaid-cli": "make setup (or: PUPPETEER_SKIP_DOWNLOAD=1 npm ci) in printbook's folder",
    "chromium": "sudo apt-get install chromium (or set PRINTBOOK_CHROMIUM to a Chrome or Chromium)",
    "emoji": "sudo apt-get install fonts-noto-color-emoji",
    "cjk": "sudo apt-get install fonts-droid-fallback",
    "libreoffice": "sudo apt-get install libreoffice-impress (only to preview decks as PDF)",
}


def node_path() -> str | None:
    return shutil.which("node")


def user_cache_dir() -> Path:
    """The user's cache folder for printbook ($XDG_CACHE_HOME/printbook, else ~/.cache/printbook):
    where `lint` keeps its renderings, so that it writes nothing where it runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "printbook"
