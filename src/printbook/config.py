"""printbook.toml (or `[tool.printbook]` in a pyproject.toml): a book's settings beside its
documents, read with the standard library's tomllib and checked against SCHEMA.

An unknown key or a wrong type is a located error naming the nearest valid key, as a compiler
would: `printbook.toml:3:1: error: unknown key 'notes_aera' (did you mean 'notes'?)`. Paths are
relative to the file's folder. Command-line flags override what the file says (cli.py).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Diagnostic, Location, PrintbookError

FILE_NAME = "printbook.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    kind: str  # "text", "flag", "number", "path", "paths", "numbers" (as in "1-20,37")
    meaning: str


# Tables and their keys. "" is the top level.
SCHEMA: dict[str, dict[str, Setting]] = {
    "": {
        "documents": Setting("paths", "the documents of the book, in order: several make one handbook, a part each"),
        "title": Setting("text", "the book's title (default: its document's, or its documents')"),
        "subtitle": Setting("text", "an interview kit's line under the title; \"at a glance\" becomes its score sheet"),
        "output": Setting("path", "the output folder (default: out)"),
        "paper": Setting("text", "a4 or letter"),
        "duplex": Setting("flag", "mirrored margins for double-sided printing, no landscape pages"),
        "notes": Setting("flag", "the interviewer notes area under each question (default true)"),
        "fillable": Setting("flag", "the notes areas and scores as PDF form fields, filled in on screen"),
        "organisation": Setting("text", "printed on the cover and as the PDF's author"),
        "logo": Setting("path", "a picture for the cover"),
        "css": Setting("path", "a stylesheet applied to the handbook after printbook's own"),
        "reference_pptx": Setting("path", "your own deck template: its layouts and theme"),
        "single_deck": Setting("flag", "one deck for the whole book instead of one per section"),
        "question_slides": Setting("flag", "an asking slide before each answer slide (default true)"),
        "cache_dir": Setting("path", "where rendered diagrams are kept"),
        "mermaid_max_text_size": Setting("number", "mermaid's limit on a diagram's length"),
        "mermaid_max_edges": Setting("number", "mermaid's limit on a diagram's links"),
        "eml": Setting("flag", "also an email draft, OUT/<book>.eml, with the PDF attached"),
    },
    "email": {
        "host": Setting("text", "the SMTP server `printbook send` sends through"),
        "port": Setting("number", "its port (default 587)"),
        "starttls": Setting("flag", "encrypt with STARTTLS before logging in (default true)"),
        "user": Setting("text", "the login, if the server asks for one"),
        "password_env": Setting("text", "the environment variable holding the password (default "
                                "PRINTBOOK_SMTP_PASSWORD); a password is never read from the file"),
        "sender": Setting("text", "the From address (default: user)"),
        "to": Setting("texts", "the addresses the handbook is sent to"),
    },
    "filters": {
        "min_probability": Setting("number", "only the questions of this probability or more"),
        "sections": Setting("numbers", 'only these sections, as "1,3"'),
        "questions": Setting("numbers", 'only these questions, as "1-20,37"'),
    },
}
KINDS = {"text": (str,), "flag": (bool,), "number": (int,), "path": (str,), "paths": (list,), "texts": (list,),
         "numbers": (str, int, list)}
SAID = {"text": "a string", "flag": "true or false", "number": "a whole number", "path": "a path (a string)",
        "paths": "a list of paths", "texts": "a list of strings", "numbers": 'numbers and ranges, as "1-20,37"'}


def find(folder: Path) -> Path | None:
    """The folder's printbook.toml, else its pyproject.toml if that has a [tool.printbook] table."""
    own = folder / FILE_NAME
    if own.is_file():
        return own
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and re.search(r"^\s*\[tool\.printbook(\.|\])", pyproject.read_text(errors="replace"), re.M):
        return pyproject
    return None


def read(path: Path) -> dict[str, Any]:
    """The settings of `path`, checked, as {"paper": "a4", "filters.sections": "1,3", …}, paths
    made absolute against the file's folder."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+), column (\d+)", str(error))
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
        raise PrintbookError(Diagnostic("error", Location(str(path), line, column), f"not valid TOML: {error}",
                                        "see https://toml.io for the syntax", "config.syntax")) from None
    prefix = "tool.printbook." if path.name == "pyproject.toml" else ""
    if prefix:
        data = data.get("tool", {}).get("printbook", {})
    settings: dict[str, Any] = {}
    for table, values in _tables(data, path, text, prefix):
        known = SCHEMA[table]
        for key, value in values.items():
            where = _locate(text, prefix + table, key, path)
            if table == "email" and key == "password":
                raise PrintbookError(Diagnostic("error", where, "a password is never read from printbook.toml",
                                                "remove it, and put it in the environment variable that password_env "
                                                "names (default PRINTBOOK_SMTP_PASSWORD)", "config.password"))
            if key not in known:
                near = difflib.get_close_matches(key, [*known, *(t for t in SCHEMA if t and not table)], n=1)
                raise PrintbookError(Diagnostic("error", where, f"unknown key {key!r}",
                                                f"did you mean {near[0]!r}?" if near else "see the README's configuration",
                                                "config.key"))
            setting = known[key]
            if isinstance(value, bool) != (setting.kind == "flag") or not isinstance(value, KINDS[setting.kind]) or (
                    setting.kind in ("paths", "texts") and not all(isinstance(v, str) for v in value)):
                raise PrintbookError(Diagnostic("error", where, f"{key!r} must be {SAID[setting.kind]}, not {value!r}",
                                                setting.meaning, "config.type"))
            if setting.kind == "path":
                value = (path.parent / value).resolve()
            elif setting.kind == "paths":
                value = [(path.parent / v).resolve() for v in value]
            elif setting.kind == "numbers":
                value = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            settings[f"{table}.{key}" if table else key] = value
    return settings


def _tables(data: dict, path: Path, text: str, prefix: str):
    """(table, its values) for the top level and each known table; an unknown table is an error."""
    top = {k: v for k, v in data.items() if not isinstance(v, dict)}
    yield "", top
    for name, values in data.items():
        if not isinstance(values, dict):
            continue
        if name not in SCHEMA:
            near = difflib.get_close_matches(name, [t for t in SCHEMA if t], n=1)
            raise PrintbookError(Diagnostic("error", _locate_table(text, prefix + name, path),
                                            f"unknown table [{name}]",
                                            f"did you mean [{near[0]}]?" if near else "see the README's configuration",
                                            "config.key"))
        yield name, values


def _locate(text: str, table: str, key: str, path: Path) -> Location:
    """Where `key` is set in `table` of the file (TOML keeps no positions): the first line that
    sets it under that table's header, else the file's first line."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = TABLE_HEADER.match(line)
        if header:
            current = header.group(1)
            continue
        found = re.match(rf'^(\s*)"?{re.escape(key)}"?\s*=', line)
        if found and current == table.rstrip("."):
            return Location(str(path), number, len(found.group(1)) + 1)
    return Location(str(path), 1)


def _locate_table(text: str, table: str, path: Path) -> Location:
    for number, line in enumerate(text.splitlines(), start=1):
        header = TABLE_HEADER.match(line)
        if header and header.group(1) == table:
            return Location(str(path), number, line.index("[") + 1)
    return Location(str(path), 1)


TABLE_HEADER = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")


def reference() -> str:
    """The configuration reference for the README, made from SCHEMA so that it cannot drift."""
    rows = ["| key | value | meaning |", "|---|---|---|"]
    for table, settings in SCHEMA.items():
        for key, setting in settings.items():
            rows.append(f"| `{f'{table}.' if table else ''}{key}` | {SAID[setting.kind]} | {setting.meaning} |")
    return "\n".join(rows)
