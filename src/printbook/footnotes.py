"""Footnotes as GitHub reads them: `text[^label]` and, anywhere in the document, `[^label]: the
note`. Each block of a document is rendered alone, and a note is usually written at the document's
end: the parse takes the definitions out of the text (their lines blanked, so every line keeps its
number) and writes each reference as the number GitHub shows it by (`[^3]`: the order in which
the notes are first referred to), which the handbook (pdf.py) prints as a footnote at the foot of
the page, and a slide as a superscript number.
"""

from __future__ import annotations

import re

DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]*(.*)$")
REFERENCE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
NUMBERED = re.compile(r"\[\^(\d{1,9})\]")  # a reference once numbered
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
# A line that starts a block of its own, and so ends a note's lazy continuation.
NEW_BLOCK = re.compile(r"^ {0,3}(#{1,6}\s|[-*+]\s|\d{1,9}[.)]\s|>|\||(?:[-*_][ \t]*){3,}$)")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def taken_out(text: str) -> tuple[str, dict[int, str]]:
    """`text` without its footnote definitions (blank lines in their place) and with each reference
    to one as its number; and each number's note, as one paragraph of Markdown. A reference to no
    definition stays as written, as GitHub shows it."""
    lines = text.split("\n")
    notes: dict[str, str] = {}
    outside_code = _outside_code(lines)
    index = 0
    while index < len(lines):
        found = DEFINITION.match(lines[index]) if index in outside_code else None
        if not found:
            index += 1
            continue
        words, lines[index] = [found.group(2).strip()], ""
        index += 1
        while index < len(lines):
            line = lines[index]
            if not line.strip():  # a further paragraph of the note is indented
                after = next((i for i in range(index, len(lines)) if lines[i].strip()), len(lines))
                if after < len(lines) and lines[after].startswith(("    ", "\t")):
                    index = after
                    continue
                break
            if not line.startswith(("    ", "\t")) and (DEFINITION.match(line) or NEW_BLOCK.match(line)
                                                        or FENCE.match(line)):
                break
            words.append(line.strip())
            lines[index] = ""
            index += 1
        notes.setdefault(found.group(1).lower(), " ".join(w for w in words if w))
    if not notes:
        return text, {}
    numbers: dict[str, int] = {}

    def numbered(match: re.Match) -> str:
        label = match.group(1).lower()
        if label not in notes:
            return match.group(0)
        number = numbers.setdefault(label, len(numbers) + 1)
        return f"[^{number}]"

    for index in sorted(outside_code):
        if "[^" in lines[index]:
            # (A heading's becomes its title in the contents, bookmarks and slides: left out there.)
            change = (lambda part: REFERENCE.sub(lambda m: "" if m.group(1).lower() in notes else m.group(0), part)
                      ) if HEADING.match(lines[index]) else (lambda part: REFERENCE.sub(numbered, part))
            lines[index] = _outside_code_spans(lines[index], change)
    # A note's own references are numbered too (after the text's: a note named only by another
    # note comes last).
    texts, done = {}, 0
    while done < len(numbers):
        label = list(numbers)[done]
        texts[numbers[label]] = _outside_code_spans(notes[label], lambda part: REFERENCE.sub(numbered, part))
        done += 1
    return "\n".join(lines), texts


def _outside_code(lines: list[str]) -> set[int]:
    """The indexes of the lines that are not inside a fenced code block (nor its fences)."""
    found, fence = set(), None
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                    and not line.strip()[len(opening.group(1)):].strip():
                fence = None
        else:
            found.add(index)
    return found


def _outside_code_spans(line: str, change) -> str:
    """`line` with `change` applied to its text outside `code spans`."""
    pieces, at = [], 0
    for span in CODE_SPAN.finditer(line):
        pieces += [change(line[at:span.start()]), span.group(0)]
        at = span.end()
    return "".join([*pieces, change(line[at:])])


def referred(texts, notes: dict[int, str]) -> list[int]:
    """The numbers of the notes that `texts` (Markdown, references numbered) refer to, in order,
    then those that these notes refer to in turn."""
    found = dict.fromkeys(n for text in texts for n in map(int, NUMBERED.findall(text)) if n in notes)
    for number in found.copy():
        found |= dict.fromkeys(referred([notes[number]], {n: t for n, t in notes.items() if n not in found}))
    return list(found)


def footnote_refs(state, silent: bool) -> bool:
    """A markdown-it inline rule: `[^3]`, a reference the parse numbered, as a token of its own
    (footnote_ref, its number in meta)."""
    if not state.src.startswith("[^", state.pos) or not (found := NUMBERED.match(state.src, state.pos)):
        return False
    if not silent:
        token = state.push("footnote_ref", "", 0)
        token.meta = {"number": int(found.group(1))}
        token.content = found.group(0)
    state.pos = found.end()
    return True


def superscript(number: int) -> str:
    return str(number).translate(SUPERSCRIPT)
