"""PDF/UA-1 repairs of the structure tree WeasyPrint 70 writes, made on the finished PDF with pikepdf.

Three things WeasyPrint gets wrong for the validators (page-validation, pdfua) and so for screen
readers, each mended where it is found and nowhere else:
- a list item of a loose list (`<li><p>…</p></li>`) holds its paragraph beside its label, where
  PDF/UA wants a list item to hold only a label (Lbl) and a body (LBody): the rest goes into an
  LBody;
- a link holding other inline elements (`[**bold**](…)`, `[![badge](…)](…)`) has its annotations
  tagged under those elements, not under the Link: they move to the Link;
- table header cells say nothing of what they head: a header row's cells get /Scope /Column, a
  header cell starting a body row /Scope /Row.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

LIST_ITEM_KIDS = ("/Lbl", "/LBody")


def repair(path: Path) -> None:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return
        parents = _parent_tree(root)
        for element, parent in list(_elements(root)):
            kind = element.get("/S")
            if kind == "/LI":
                _list_item_body(pdf, element)
            elif kind == "/TH":
                _scope(element, parent)
            for kid in _kids(element):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR" and kind != "/Link":
                    _move_to_link(element, kid, parents)
        pdf.save(path)


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(root):
    """Every structure element with its parent, the root's children first."""
    stack = [(kid, root) for kid in _kids(root)]
    while stack:
        element, parent = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and "/S" in element:
            yield element, parent
            stack += [(kid, element) for kid in _kids(element)]


def _is_element(kid, *kinds: str) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid and (not kinds or kid.S in kinds)


def _same(one, other) -> bool:
    if one.is_indirect and other.is_indirect:
        return one.objgen == other.objgen
    return one is other


def _list_item_body(pdf: pikepdf.Pdf, item) -> None:
    kids = _kids(item)
    strays = [k for k in kids if not _is_element(k, *LIST_ITEM_KIDS)]
    if not strays or not all(_is_element(k) for k in strays):
        return  # nothing to mend, or marked content straight in the item: left as it is
    body = next((k for k in kids if _is_element(k, "/LBody")), None)
    if body is None:
        body = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.LBody,
                                                    P=item, K=pikepdf.Array()))
        if "/Pg" in item:
            body.Pg = item.Pg
        kids.append(body)
    elif not isinstance(body.get("/K"), pikepdf.Array):
        body.K = pikepdf.Array(_kids(body))
    for stray in strays:
        stray.P = body
        body.K.append(stray)
    item.K = pikepdf.Array([k for k in kids if not any(_same(k, s) for s in strays)])


def _scope(cell, row) -> None:
    section = row.get("/P")
    in_head = section is not None and section.get("/S") == "/THead"
    first = bool(_kids(row)) and isinstance(_kids(row)[0], pikepdf.Object) and _same(_kids(row)[0], cell)
    scope = pikepdf.Name.Column if in_head or not first else pikepdf.Name.Row
    attributes = cell.get("/A")
    if isinstance(attributes, pikepdf.Dictionary):
        attributes.Scope = scope
    elif attributes is None:
        cell.A = pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=scope)


def _parent_tree(root) -> pikepdf.Array | None:
    tree = root.get("/ParentTree")
    return tree.get("/Nums") if tree is not None else None


def _move_to_link(element, reference, parents: pikepdf.Array | None) -> None:
    """A link annotation tagged under an element inside a Link: tagged under the Link."""
    link = element.get("/P")
    while link is not None and link.get("/S") not in (None, "/Link"):
        link = link.get("/P")
    if link is None or link.get("/S") != "/Link":
        return
    element.K = pikepdf.Array([k for k in _kids(element) if not (isinstance(k, pikepdf.Object) and _same(k, reference))])
    if not isinstance(link.get("/K"), pikepdf.Array):
        link.K = pikepdf.Array(_kids(link))
    link.K.append(reference)
    key = reference.Obj.get("/StructParent")
    if parents is not None and key is not None:
        for index in range(0, len(parents), 2):
            if int(parents[index]) == int(key):
                parents[index + 1] = link
