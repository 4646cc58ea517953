"""The one way WeasyPrint reads files for printbook: nothing outside the document's folder (and
printbook's own assets). Apart from pictures.py, which only judges addresses, because importing
WeasyPrint takes a second that a build with nothing to do should not pay."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher

from . import resources


class ConfinedFetcher(URLFetcher):
    """WeasyPrint's fetcher, reading only `data:` addresses and files inside the given folders
    (the document's, and printbook's own assets: its fonts and stylesheet). What a book's own
    assets folder (`overrides`) names and does not hold comes from printbook's: a print.css of
    its own still finds printbook's fonts at fonts/…"""

    def __init__(self, folders: list[Path], overrides: Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.overrides = overrides.resolve() if overrides else None
        self.folders = [folder.resolve() for folder in folders] + [resources.assets_dir().resolve()]
        if self.overrides:
            self.folders.append(self.overrides)

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if self.overrides and path.is_relative_to(self.overrides) and not path.exists():
                url = (resources.assets_dir() / path.relative_to(self.overrides)).resolve().as_uri()
                path = Path(url2pathname(urlsplit(url).path))
            if any(path.is_relative_to(folder) for folder in self.folders):
                return super().fetch(url, headers)
        raise ValueError(f"{REFUSAL} {_short(url)}")


REFUSAL = "printbook reads nothing outside the document's folder:"


def _short(url: str) -> str:
    return re.sub(r"^(data:[^,]{0,40}).*", r"\1…", url)[:200]
