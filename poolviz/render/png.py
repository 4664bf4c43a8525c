"""A :class:`~poolviz.render.scene.Scene` as a PNG file, drawn with Pillow (no browser).

The slide and the single-figure downloads (:mod:`poolviz.render.slides`) are laid out once
as scenes; this writes them as pixels, :mod:`poolviz.render.svg` as text.

>>> from poolviz.render.scene import Box, Scene
>>> png = to_png(Scene(4, 2, [Box(0, 0, 2, 2, (255, 0, 0))]))
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from poolviz.core.text import format_grid
from poolviz.render.scene import GRID_COLOUR, Box, CellMap, Scene, Text, drawable, font

__all__ = ["to_png"]

_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}  # Pillow's: left/middle/right, baseline


def _paste_cells(canvas: np.ndarray, m: CellMap) -> None:
    """The map's grid lines and cell colours into ``canvas`` (H, W, 3) at once: every cell
    is its colour repeated ``cell + 1`` times each way, then the grid lines go over it."""
    c = m.cell
    block = np.repeat(np.repeat(m.scale.rgb(m.values), c + 1, axis=0), c + 1, axis=1)
    out = np.empty((m.height, m.width, 3), dtype=np.uint8)
    out[1:, 1:] = block
    out[:: c + 1, :] = GRID_COLOUR
    out[:, :: c + 1] = GRID_COLOUR
    canvas[m.y : m.y + m.height, m.x : m.x + m.width] = out


def _marks_and_numbers(draw: ImageDraw.ImageDraw, m: CellMap) -> None:
    ink = m.scale.ink(m.scale.rgb(m.values))
    c, mark, t = m.cell, m.mark_px, m.triangle_px
    if m.changed is not None:
        # Changed: a thick outline and a corner triangle in the cell's ink, so colour is
        # never the only cue (as in the browser, explorer.js paint).
        for r, col in np.argwhere(m.changed):
            x, y = m.cell_box(int(r), int(col))
            colour = tuple(int(v) for v in ink[r, col])
            draw.rectangle([x, y, x + c - 1, y + c - 1], outline=colour, width=mark)
            draw.polygon([(x + c - t, y), (x + c - 1, y), (x + c - 1, y + t - 1)], fill=colour)
    if m.show_numbers:
        face = font(m.font_size)
        for (r, col), label in np.ndenumerate(format_grid(m.values)):
            x, y = m.cell_box(r, col)
            draw.text(
                (x + c / 2, m.number_baseline(y)), drawable(str(label)),
                fill=tuple(int(v) for v in ink[r, col]), font=face, anchor="ms",
            )


def to_png(scene: Scene) -> bytes:
    """The scene as a PNG file (RGB, ``scene.width`` × ``scene.height``).

    Fills (boxes, maps' cells) first, in item order, then outlines, text, the marks of
    changed cells and the numbers on top.
    """
    canvas = np.empty((scene.height, scene.width, 3), dtype=np.uint8)
    canvas[:] = scene.background
    # Filled areas in item order with numpy (a panel's fill goes under the maps on it) ...
    for item in scene.items:
        if isinstance(item, CellMap):
            _paste_cells(canvas, item)
        elif isinstance(item, Box) and item.fill is not None:
            canvas[max(item.y, 0) : item.y + item.h, max(item.x, 0) : item.x + item.w] = item.fill
    image = Image.fromarray(canvas, "RGB")
    draw = ImageDraw.Draw(image)
    # ... then lines and text on top.
    for item in scene.items:
        if isinstance(item, Box) and item.stroke is not None:
            draw.rectangle(
                [item.x, item.y, item.x + item.w - 1, item.y + item.h - 1],
                outline=item.stroke,
                width=item.stroke_width,
            )
        elif isinstance(item, Text):
            draw.text(
                (item.x, item.y), drawable(item.text), fill=item.fill,
                font=font(item.size, item.bold), anchor=_ANCHORS[item.anchor],
            )
        elif isinstance(item, CellMap):
            _marks_and_numbers(draw, item)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
