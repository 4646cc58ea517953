"""Every use printbook makes of WeasyPrint's internals, in one place, for the version they were
written for (WRITTEN_FOR). On another version none of them is tried: printbook then typesets as
WeasyPrint ships (slower: SVG text letter by letter, page numbers by target-counter, one piece),
and says so once. Should one fail on the right version, the same fallback is taken, and said.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib.metadata
import logging
import re
import sys

from . import pdf_parts

WRITTEN_FOR = "70"  # WeasyPrint's major version
LOG = logging.getLogger("printbook")
_noted: set[str] = set()


@functools.cache  # asked for each slide or part: reading the package's metadata takes a millisecond
def installed() -> str:
    try:
        return importlib.metadata.version("weasyprint")
    except importlib.metadata.PackageNotFoundError:
        return ""


def applies(version: str | None = None) -> bool:
    """True when the installed WeasyPrint is the one the code below was written for."""
    return (installed() if version is None else version).split(".")[0] == WRITTEN_FOR


def note_fallback(what: str) -> None:
    """Says once per process that `what` is done as WeasyPrint ships it, and why."""
    if what not in _noted:
        _noted.add(what)
        why = ("its internals are not as printbook expects" if applies() else
               f"printbook's speed-ups were written for WeasyPrint {WRITTEN_FOR}, this is {installed() or 'unknown'}")
        LOG.warning("note: %s as WeasyPrint ships it (slower): %s [internals.fallback]", what, why)


def write_in_page_numbers(document, blanks: int, pages_of: dict[str, int] | None, blank: str) -> bool:
    """Writes the page number of its anchor into each laid-out blank (a text box of `blank`
    characters whose element has `data-page-of`); True if all `blanks` were written. `pages_of`:
    the page of each anchor, where it is not this document's own count."""
    if not applies():
        note_fallback("page numbers are laid out")
        return False
    from weasyprint.formatting_structure.boxes import TextBox

    try:
        if pages_of is None:
            pages_of = pdf_parts.anchor_pages(document)
        found = [(box, pages_of.get(box.element.get("data-page-of").removeprefix("#")))
                 for page in document.pages for box in page._page_box.descendants()
                 if isinstance(box, TextBox) and box.text and not box.text.strip(blank)]
        if len(found) != blanks or any(number is None or len(str(number)) > len(box.text) for box, number in found):
            return False
        for box, number in found:
            box.text = str(number).rjust(len(box.text), blank)
            box.pango_layout.text = box.text  # WeasyPrint sets its Pango layout up from this to draw it
        return True
    except (AttributeError, TypeError):
        note_fallback("page numbers are laid out")
        return False


def finish_part(document, blanks: int, first_page: int, total: int, pages_of: dict[str, int], blank: str) -> bool:
    """A part of the book laid out (see pdf_parts): its page numbers written in as the whole book
    has them, in the contents and question lists and in its footers; and a stand-in for each
    anchor in the other part, so that WeasyPrint keeps the links to it (the join points them at
    the real one). True if all was written in."""
    if not applies():
        note_fallback("the book is typeset in one piece")
        return False
    stand_ins = document.pages[-1].anchors
    for anchor in pages_of.keys() - pdf_parts.anchor_pages(document).keys():
        stand_ins[anchor] = (0, 0, 0, 0)
    try:
        return (write_in_page_numbers(document, blanks, pages_of, blank)
                and _write_in_footers(document, first_page, total))
    except (AttributeError, TypeError):
        note_fallback("the book is typeset in one piece")
        return False


def _write_in_footers(document, first_page: int, total: int) -> bool:
    """"page X of Y" in the footers of a part that starts at `first_page` of a book of `total`
    pages (WeasyPrint numbered the part on its own); True if every footer read so."""
    from weasyprint.formatting_structure.boxes import MarginBox, TextBox

    for number, page in enumerate(document.pages, start=first_page):
        margins = [box for box in page._page_box.children if isinstance(box, MarginBox) and box.at_keyword == "@bottom-center"]
        for box in (box for margin in margins for box in margin.descendants() if isinstance(box, TextBox)):
            words = re.fullmatch(r"(\D*)\d+(\D+)\d+(\D*)", box.text)
            if not words:
                return False
            _rewrite_centred(box, f"{words[1]}{number}{words[2]}{total}{words[3]}")
    return True


def _rewrite_centred(box, text: str) -> None:
    """Put `text` in place of a laid-out text box's, centred where the old one was."""
    from weasyprint.text.line_break import Layout, line_size

    layout = Layout(box.style)
    layout.set_text(text)
    width, _ = line_size(layout.get_first_line()[0], box.style)
    box.position_x += (box.width - width) / 2
    box.width = width
    box.text = box.pango_layout.text = text


class _WholeRun(str):
    """Text that WeasyPrint's letter loop sees as a single letter."""

    def __iter__(self):
        yield str(self)


@contextlib.contextmanager
def svg_text_in_runs():
    """While open, WeasyPrint draws each run of SVG text whole instead of one letter at a time
    (yields True), where this WeasyPrint is the one it was written for (else yields False).

    WeasyPrint 70 lays out and draws SVG text letter by letter, so that a per-letter x, y, dx, dy
    or rotate can place each one: most of its time on the seed's diagrams, without kerning, and
    with words split apart for search and copy. The diagram stage writes one position per line,
    so a run with at most one of each is drawn whole, the same way WeasyPrint draws HTML text;
    other runs are drawn as WeasyPrint does."""
    import weasyprint.svg as svg_module

    by_letter = svg_module.TAGS.get("text")
    if (not applies() or by_letter is None or svg_module.TAGS.get("tspan") is not by_letter
            or getattr(svg_module, "text", None) is not by_letter):
        note_fallback("diagram text is drawn letter by letter")
        yield False
        return

    def in_runs(svg, node, font_size):
        element = node._etree_node
        single = all(len(_list_items(node.get(name))) <= 1 for name in ("x", "y", "dx", "dy"))
        if not element.text or not single or any(node.get(name) for name in ("rotate", "textLength", "letter-spacing")):
            return by_letter(svg, node, font_size)
        text = element.text
        element.text = _WholeRun(text)
        try:
            return by_letter(svg, node, font_size)
        finally:
            element.text = text

    svg_module.TAGS["text"] = svg_module.TAGS["tspan"] = svg_module.text = in_runs
    try:
        yield True
    finally:
        svg_module.TAGS["text"] = svg_module.TAGS["tspan"] = svg_module.text = by_letter


@contextlib.contextmanager
def svg_values_parsed_once():
    """While open, WeasyPrint parses each SVG length, colour and transform written the same way
    once, not each time it draws one: a diagram repeats a handful of them thousands of times
    (a quarter of the time it takes to write a part of the seed's handbook). Colours are handed
    out as copies: WeasyPrint multiplies a colour's alpha by the opacity in place. A transform
    it only reads."""
    import weasyprint.svg.utils as utils

    names = ("size", "normalize", "color", "transform")
    originals = {name: getattr(utils, name, None) for name in names}
    if not applies() or not all(callable(f) for f in originals.values()):
        note_fallback("SVG values are parsed each time they are drawn")
        yield False
        return
    parse_color = functools.lru_cache(maxsize=4096)(originals["color"])
    cached = {name: functools.lru_cache(maxsize=65536)(originals[name]) for name in ("size", "normalize", "transform")}
    cached["color"] = lambda string: copy.copy(parse_color(string))
    # Each module of weasyprint.svg imported the functions by name.
    replaced = [(module, name) for module_name, module in list(sys.modules.items())
                if module_name == "weasyprint.svg" or module_name.startswith("weasyprint.svg.")
                for name in names if getattr(module, name, None) is originals[name]]
    for module, name in replaced:
        setattr(module, name, cached[name])
    try:
        yield True
    finally:
        for module, name in replaced:
            setattr(module, name, originals[name])


def _list_items(value: str | None) -> list[str]:
    """An SVG list attribute's items (`x="1 2,3"`)."""
    return (value or "").replace(",", " ").split()
