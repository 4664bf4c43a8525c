"""A :class:`~poolviz.render.scene.Scene` as SVG text: the same layout as the PNG.

Every word is a ``<text>`` element, escaped (``xml.sax.saxutils``), so a slide's sentences
can be searched, copied and read by a screen reader; every cell is a ``<rect>`` carrying
its exact value in ``data-value``.

>>> from poolviz.render.scene import Scene, Text
>>> svg = to_svg(Scene(10, 10, [Text(0, 9, "a < b & c", 9, (0, 0, 0))], "t & u"))
>>> "a &lt; b &amp; c" in svg, "<title>t &amp; u</title>" in svg
(True, True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from poolviz.core.text import format_grid
from poolviz.render.scene import FONT_FAMILY, GRID_COLOUR, Box, CellMap, Scene, Text

__all__ = ["to_svg"]


# Characters XML 1.0 forbids even escaped; text from an error message could hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    """``text`` as XML character data: escaped, forbidden characters as U+FFFD.

    >>> _text("a<b\x01")
    'a&lt;b\ufffd'
    """
    return escape(_XML_INVALID.sub("\ufffd", text))


def _hex(rgb: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def _map(m: CellMap) -> list[str]:
    attrs = "".join(f" data-{k}={quoteattr(_XML_INVALID.sub(chr(0xFFFD), str(v)))}" for k, v in m.tag.items())
    rgb = m.scale.rgb(m.values)
    ink = m.scale.ink(rgb)
    labels = format_grid(m.values) if m.show_numbers else None
    c, mark, t = m.cell, m.mark_px, m.triangle_px
    out = [
        f"<g class='map'{attrs}>",
        f"<rect x='{m.x}' y='{m.y}' width='{m.width}' height='{m.height}' "
        f"fill='{_hex(GRID_COLOUR)}'/>",
    ]
    for (r, col), value in np.ndenumerate(m.values):
        x, y = m.cell_box(r, col)
        colour = _hex(ink[r, col])
        out.append(
            f"<rect x='{x}' y='{y}' width='{c}' height='{c}' fill='{_hex(rgb[r, col])}' "
            f"data-row='{r}' data-col='{col}' data-value='{float(value)!r}'/>"
        )
        if m.changed is not None and m.changed[r, col]:
            # SVG strokes are centred on the edge: inset by half the width, as the PNG's.
            out.append(
                f"<rect class='changed' x='{x + mark / 2:g}' y='{y + mark / 2:g}' "
                f"width='{c - mark}' height='{c - mark}' fill='none' stroke='{colour}' "
                f"stroke-width='{mark}'/>"
                f"<polygon points='{x + c - t},{y} {x + c},{y} {x + c},{y + t}' fill='{colour}'/>"
            )
        if labels is not None:
            out.append(
                f"<text x='{x + c / 2:g}' y='{m.number_baseline(y):g}' font-size='{m.font_size}' "
                f"text-anchor='middle' fill='{colour}'>{_text(str(labels[r, col]))}</text>"
            )
    out.append("</g>")
    return out


def to_svg(scene: Scene) -> str:
    """The scene as a standalone SVG document (``scene.width`` × ``scene.height`` px).

    A wrapped paragraph is one ``<text>``: its lines are ``<tspan>`` elements with a space
    between them where the paragraph had one, so the element's text is the paragraph as it
    was written.

    >>> import xml.etree.ElementTree as ET
    >>> lines = [Text(0, 10 * i, t, 9, (0, 0, 0), para=1) for i, t in enumerate(["a b", "c"])]
    >>> root = ET.fromstring(to_svg(Scene(20, 30, lines)))
    >>> ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    ['a b c']
    """
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{scene.width}' height='{scene.height}' "
        f"viewBox='0 0 {scene.width} {scene.height}' font-family={quoteattr(FONT_FAMILY)}>",
        f"<title>{_text(scene.title)}</title>",
        f"<rect width='{scene.width}' height='{scene.height}' fill='{_hex(scene.background)}'/>",
    ]
    open_para = None  # the paragraph the last <text> holds, if any
    for item in scene.items:
        if not isinstance(item, Text):
            open_para = None
        if isinstance(item, Box):
            fill = _hex(item.fill) if item.fill else "none"
            stroke = (
                f" stroke='{_hex(item.stroke)}' stroke-width='{item.stroke_width}'"
                if item.stroke
                else ""
            )
            parts.append(
                f"<rect x='{item.x}' y='{item.y}' width='{item.w}' height='{item.h}' "
                f"fill='{fill}'{stroke}/>"
            )
        elif isinstance(item, Text):
            line = f"<tspan x='{item.x:g}' y='{item.y:g}'>{_text(item.text)}</tspan>"
            if item.para is not None and item.para == open_para:
                space = "<tspan> </tspan>" if item.space_before else ""
                parts[-1] = parts[-1][: -len("</text>")] + f"{space}{line}</text>"
                continue
            weight = " font-weight='bold'" if item.bold else ""
            parts.append(
                f"<text font-size='{item.size}' text-anchor='{item.anchor}' "
                f"fill='{_hex(item.fill)}'{weight} xml:space='preserve'>{line}</text>"
            )
            open_para = item.para
            continue
        elif isinstance(item, CellMap):
            parts.extend(_map(item))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
