"""Mends of the form fields WeasyPrint 70 writes (`--fillable`), made on the finished PDF with pikepdf.

Two things WeasyPrint gets wrong, each mended where it is found:
- each button of a radio group is written as a field of its own as well as a kid of the group:
  it has the group's name (/T), so readers and pypdf see five fields named alike, and it is listed
  in the form's /Fields. The buttons become the group's widgets only, and their states are named by
  their values (/1 … /4 for a score), so that a reader's value is the score itself;
- the font it embeds whole for typing into fields (one per part of a book typeset in two) maps two glyphs to U+0000 and U+FEFF in its
  ToUnicode map, which PDF/UA-1 forbids: those two entries are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf

# Code points a ToUnicode map may not give a glyph (PDF/UA-1, ISO 14289-1 7.21.7).
FORBIDDEN = {"0000", "feff", "fffe"}


def mend(path: Path) -> None:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        form = pdf.Root.get("/AcroForm")
        if form is None:
            return
        form.Fields = pikepdf.Array([field for field in form.Fields if "/Parent" not in field])
        for group in form.Fields:
            if "/Kids" in group:
                _name_states(group)
        # Every font, not only the form's: a book typeset in two parts has one such font per part.
        for thing in pdf.objects:
            if isinstance(thing, pikepdf.Dictionary) and thing.get("/Type") == "/Font" and "/ToUnicode" in thing:
                _drop_forbidden(thing.ToUnicode)
        pdf.save(path)


def _name_states(group) -> None:
    values = [str(value) for value in group.get("/Opt", [])]
    for index, button in enumerate(group.Kids):
        for key in ("/T", "/TU", "/V"):
            if key in button:
                del button[key]
        if index >= len(values) or not re.fullmatch(r"[A-Za-z0-9_-]+", values[index]):
            continue  # a value that cannot be a state's name: WeasyPrint's index is kept
        on = pikepdf.Name("/" + values[index])
        states = button.AP.N
        old = next((key for key in states.keys() if key != "/Off"), None)
        if old is None:
            continue
        states[on] = states[old]
        del states[old]
        if button.get("/AS") == pikepdf.Name(old):
            button.AS = on
            group.V = on
    if values and all(re.fullmatch(r"[A-Za-z0-9_-]+", value) for value in values):
        del group["/Opt"]  # the states are the values now; /Opt would make them indices again


def _drop_forbidden(stream: pikepdf.Stream) -> None:
    text = stream.read_bytes().decode("latin-1")

    def block(match: re.Match) -> str:
        entries = [line for line in match.group(2).splitlines()
                   if line.strip() and line.split()[-1].strip("<>").lower() not in FORBIDDEN]
        return f"{len(entries)} beginbfchar\n" + "".join(line + "\n" for line in entries) + "endbfchar"

    mended = re.sub(r"(\d+) beginbfchar\n(.*?)endbfchar", block, text, flags=re.S)
    if mended != text:
        stream.write(mended.encode("latin-1"))
