"""Every use printbook makes of python-pptx's internals, in one place, for the version they were
written for (WRITTEN_FOR). On another version none is tried, and each falls back visibly: the
diagram as its PNG only (no vector for PowerPoint), titles as the layout sets them, and a
reference deck's own slides refused with a message, each said once.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import logging

from lxml import etree
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import _nsmap  # pyright: ignore[reportPrivateUsage]
from pptx.opc.package import Part

from .model import Diagnostic, PrintbookError

WRITTEN_FOR = "1.0"  # python-pptx's major.minor
SVG_EXTENSION = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
LOG = logging.getLogger("printbook")
_noted: set[str] = set()


@functools.cache  # asked for each slide or part: reading the package's metadata takes a millisecond
def installed() -> str:
    try:
        return importlib.metadata.version("python-pptx")
    except importlib.metadata.PackageNotFoundError:
        return ""


def applies(version: str | None = None) -> bool:
    return ".".join((installed() if version is None else version).split(".")[:2]) == WRITTEN_FOR


def note_fallback(what: str) -> None:
    if what not in _noted:
        _noted.add(what)
        why = ("its internals are not as printbook expects" if applies() else
               f"printbook was written for python-pptx {WRITTEN_FOR}, this is {installed() or 'unknown'}")
        LOG.warning("note: %s: %s [internals.fallback]", what, why)


def add_svg(shape, slide, svg: str) -> bool:
    """The SVG behind a picture shape's PNG (PowerPoint's svgBlip extension): PowerPoint draws the
    vector, other viewers the PNG. False (the PNG alone) where it cannot be added."""
    if not applies():
        note_fallback("diagrams go into decks as PNG only")
        return False
    try:
        package = slide.part.package
        svg_part = Part(package.next_partname("/ppt/media/image%d.svg"), "image/svg+xml", package, svg.encode())
        relation = slide.part.relate_to(svg_part, RT.IMAGE)
        blip = shape._element.blipFill.find("{http://schemas.openxmlformats.org/drawingml/2006/main}blip")
        blip.append(etree.fromstring(
            '<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            f'<a:ext uri="{SVG_EXTENSION}"><asvg:svgBlip xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:embed="{relation}"/></a:ext>'
            '</a:extLst>'))
        return True
    except AttributeError:
        note_fallback("diagrams go into decks as PNG only")
        return False


def keep_case(runs) -> None:
    """The runs printed as written, where the layout sets its text in capitals."""
    if not applies():
        note_fallback("titles keep the layout's capitals")
        return
    try:
        for run in runs:
            run.font._rPr.set("cap", "none")
    except AttributeError:
        note_fallback("titles keep the layout's capitals")


def remove_slides(deck) -> None:
    """A reference deck gives layouts and theme; slides it may hold are not part of ours."""
    if not len(deck.slides):
        return
    try:
        if not applies():
            raise AttributeError("not the version this was written for")
        slide_ids = deck.slides._sldIdLst
        for slide_id in list(slide_ids):
            deck.part.drop_rel(slide_id.rId)
            slide_ids.remove(slide_id)
    except AttributeError:
        raise PrintbookError(Diagnostic(
            "error", None, f"--reference-pptx: the deck holds slides, which python-pptx {installed()} cannot take out",
            f"delete the slides from the reference deck, keeping its layouts, or install python-pptx {WRITTEN_FOR}",
            "internals.fallback")) from None


def fixed_pitch(runs) -> None:
    """The runs marked as fixed-pitch type (DrawingML's pitchFamily 49: fixed pitch, modern), so
    that a viewer without the named monospace font substitutes another monospace one."""
    if not applies():
        note_fallback("code on slides names its font without asking for fixed pitch")
        return
    try:
        for run in runs:
            run.font._rPr.get_or_add_latin().set("pitchFamily", "49")
    except AttributeError:
        note_fallback("code on slides names its font without asking for fixed pitch")


def parts_found_without_walking(deck) -> None:
    """New parts of `deck` named from the names taken, listed once, and a counter per kind; an
    image already in the deck found by its SHA-1 in a table.

    python-pptx names each new part (an image, an SVG, a notes slide) and looks for an image
    already there by walking every part of the package (OpcPackage.next_partname,
    Package.next_image_partname, _ImageParts._find_by_sha1): making a deck grew with the square
    of its parts, a third of the decks' time on the ten-times book. The names given are of the
    same kind (image7.png, notesSlide12.xml), each unused in the package, and an image is still
    put in once however many slides show it."""
    if not applies():
        note_fallback("deck parts are found as python-pptx finds them (slower)")
        return
    try:
        from pptx.opc.packuri import PackURI
        from pptx.parts.image import Image, ImagePart

        package = deck.part.package
        taken = {str(part.partname) for part in package.iter_parts()}
        counters: dict[str, int] = {}

        def next_partname(template: str) -> PackURI:
            kind = template.split("%d")[0]  # image1.png and image2.svg count as one kind, as python-pptx has them
            number = counters.get(kind, 1)
            while template % number in taken:
                number += 1
            counters[kind] = number + 1
            taken.add(template % number)
            return PackURI(template % number)

        package.next_partname = next_partname
        package.next_image_partname = lambda ext: next_partname(f"/ppt/media/image%d.{ext}")

        images = package._image_parts
        by_sha1 = {part.sha1: part for part in images if hasattr(part, "sha1")}

        def get_or_add_image_part(image_file):
            image = Image.from_file(image_file)
            if image.sha1 not in by_sha1:
                by_sha1[image.sha1] = ImagePart.new(package, image)
            return by_sha1[image.sha1]

        images.get_or_add_image_part = get_or_add_image_part
    except AttributeError:
        note_fallback("deck parts are found as python-pptx finds them (slower)")


@contextlib.contextmanager
def placeholders_found_faster():
    """While open, python-pptx finds a shape's placeholder element (BaseShapeElement.ph) with an
    XPath compiled once instead of compiling the same expression each time: it asks on every
    slide for every shape of the slide, its layout and its master, a quarter of a deck's time."""
    from pptx.oxml.shapes.shared import BaseShapeElement

    slow = BaseShapeElement.__dict__.get("ph")
    if not applies() or not isinstance(slow, property):
        note_fallback("placeholders are found as python-pptx finds them (slower)")
        yield
        return
    find = etree.XPath("./*[1]/p:nvPr/p:ph", namespaces=_nsmap)  # python-pptx's own expression

    def ph(element):
        found = find(element)
        return found[0] if found else None

    BaseShapeElement.ph = property(ph, doc=slow.__doc__)
    try:
        yield
    finally:
        BaseShapeElement.ph = slow
