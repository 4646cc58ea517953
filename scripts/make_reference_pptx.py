"""Makes assets/reference.pptx, printbook's default deck template, from python-pptx's own.

16:9, every master and layout placeholder widened to match, theme fonts set to Noto Sans (the
handbook's font) and theme colours to the handbook's. Run it again after changing this file:
    .venv/bin/python scripts/make_reference_pptx.py
"""

from __future__ import annotations

import re
from pathlib import Path

from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

TARGET = Path(__file__).resolve().parent.parent / "assets" / "reference.pptx"
WIDE = 12192000  # 13.333 in, 16:9 with the default 7.5 in height
FONT = "Noto Sans"
COLOURS = {"dk2": "293241", "lt2": "F6F7F9", "accent1": "3D5A80", "accent2": "C8692A", "accent3": "4F7FB8",
           "accent4": "8FC79A", "accent5": "F2D98C", "accent6": "8A6BB0", "hlink": "3D5A80", "folHlink": "5C6670"}


def main() -> None:
    deck = Presentation()
    stretch = WIDE / deck.slide_width
    deck.slide_width = WIDE
    master = deck.slide_master
    # Layouts before the master: a layout placeholder that inherits reads the master's box unstretched.
    for shapes in [layout.placeholders for layout in master.slide_layouts] + [master.placeholders]:
        for placeholder in shapes:
            # Read all four first: a layout placeholder may inherit its box from the master, and
            # setting only two would leave the other two at zero.
            left, top, width, height = placeholder.left, placeholder.top, placeholder.width, placeholder.height
            placeholder.left, placeholder.top = round(left * stretch), top
            placeholder.width, placeholder.height = round(width * stretch), height
    theme = master.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    xml = re.sub(r'(<a:(?:major|minor)Font>\s*<a:latin typeface=")[^"]*"', rf'\1{FONT}"', xml)
    for name, colour in COLOURS.items():
        xml = re.sub(rf"(<a:{name}>)\s*<a:(?:srgbClr|sysClr)[^>]*?/>", rf'\1<a:srgbClr val="{colour}"/>', xml)
    theme._blob = xml.encode("utf-8")
    deck.core_properties.title = "printbook reference deck"
    deck.save(TARGET)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
