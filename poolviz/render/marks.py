"""The marks drawn over map cells in the Plotly figures: one definition of each, used by all.

Three marks tell a student which cells matter, and they differ in **shape**, not only in
colour, so that they read in greyscale, for colour-blind viewers and on a projector:

- :data:`CHANGED` (a shifted map's cell that differs from the original's): a thick solid
  outline and a filled triangle in the top-right corner, as the Explore component, the
  slides and the PNG/SVG exports draw it;
- :data:`SELECTED` (the cell clicked on the Sliding-windows tab, or the output cell its
  step-through computes): a thicker solid outline
  with four ticks pointing from the middle of each side to the centre (a target);
- :data:`FEEDS` (the cells that feed the selected one, or that it reaches): a dashed
  outline.

Each mark is drawn in the cell's **ink**: black (``#111``) or white, whichever contrasts
more with that cell's colour -- the rule of ``makeScale`` in ``render/assets/explorer.js``
and of :meth:`poolviz.render.scene.Scale.white_ink`, here applied to the colour Plotly
paints the cell. Either ink has at least 4:1 contrast with any colour (WCAG non-text
contrast asks for 3:1). The outline is drawn inside the cell (inset by half its width), so
it sits on that cell's colour only, whatever the page or its theme puts around the figure.

:data:`WINDOW` (the sliding window, a box over several cells of different colours) cannot
take one cell's ink: it is a black line on a wider white border, so one of its two tones
contrasts at least 4.5:1 with any colour under it and the two with each other 18.9:1.

>>> CHANGED.dash, SELECTED.dash, FEEDS.dash
('solid', 'solid', '4px,3px')
>>> cell_colours(np.array([[0.0, 1.0]]), 0.0, 1.0, ((0.0, "#ffffff"), (1.0, "#111111")))
array([[[255, 255, 255],
        [ 17,  17,  17]]], dtype=uint8)
>>> ink(np.array([[255, 255, 255], [8, 48, 107]])).tolist()
[[17, 17, 17], [255, 255, 255]]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.render.scene import INK_DARK, INK_LIGHT, Scale

__all__ = [
    "Mark",
    "CHANGED",
    "SELECTED",
    "FEEDS",
    "WINDOW",
    "MARKS",
    "WINDOW_CASING",
    "cell_colours",
    "ink",
    "hex_colour",
    "outline_xy",
    "mark_traces",
    "window_traces",
    "legend",
]


@dataclass(frozen=True)
class Mark:
    """How one kind of mark is drawn.

    Attributes
    ----------
    name : the traces' ``name`` (tests and tools find the mark's traces by it)
    meaning : what the mark says about a cell, for the legend
    looks : what it looks like, for the legend
    width : outline width in pixels (on cells of ``full_px`` or more; thinner below)
    dash : Plotly line dash: "solid" or a pixel dash list
    corner : a filled triangle in the top-right corner (``corner`` of the cell a side)
    ticks : ticks from the middle of each side toward the centre (``ticks`` of a cell long)
    """

    name: str
    meaning: str
    looks: str
    width: int
    dash: str = "solid"
    corner: float = 0.0
    ticks: float = 0.0

    def width_px(self, cell_px: float) -> int:
        """The outline width on cells of ``cell_px`` pixels: one pixel less below 24 px
        (as explorer.js draws the changed mark), so the mark stays off the cell's number.

        >>> CHANGED.width_px(30), CHANGED.width_px(12)
        (3, 2)
        """
        return self.width if cell_px >= 24 else max(2, self.width - 1)


CHANGED = Mark(
    "changed",
    "the value differs from the original's",
    "a thick solid outline with a filled corner triangle",
    width=3,
    corner=0.35,  # legs of 0.35 of the cell: big enough to see past the outline
)
SELECTED = Mark(
    "selected",
    "the chosen cell (the one you clicked, or the output cell being computed)",
    "a thicker solid outline with four ticks pointing to its centre",
    width=4,
    ticks=0.16,  # short enough to stay clear of the cell's number
)
FEEDS = Mark(
    "feeds",
    "linked to the clicked cell (it feeds it, or it is reached from it)",
    "a dashed outline",
    width=3,
    dash="4px,3px",  # several dashes per side even on 8 px cells
)
WINDOW = Mark("window", "the sliding window", "a black line on a white border", width=3)
WINDOW_CASING = 7  # px: the white border under WINDOW's black line, 2 px each side
MARKS = (CHANGED, SELECTED, FEEDS, WINDOW)


# --- colours -----------------------------------------------------------------------------


def _parse_colour(text: str) -> tuple[float, float, float]:
    """'#rrggbb', '#rgb' or 'rgb(r, g, b)' as three floats 0..255."""
    text = text.strip()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    inner = text[text.index("(") + 1 : text.rindex(")")]
    return tuple(float(part) for part in inner.split(",")[:3])


def cell_colours(
    z: np.ndarray, zmin: float, zmax: float, colorscale: Sequence[Sequence]
) -> np.ndarray:
    """The colour Plotly paints each cell of a heatmap, uint8 RGB of shape ``z.shape + (3,)``.

    Plotly.js maps ``(z - zmin) / (zmax - zmin)``, clamped to [0, 1], linearly between the
    colorscale's stops in RGB; NaN cells (drawn as gaps) get the lowest colour here.

    Parameters
    ----------
    z : the heatmap's values, 2-D
    zmin, zmax : its colour range
    colorscale : ``((position, colour), ...)`` as resolved for Plotly (no names)
    """
    stops = np.array([float(p) for p, _ in colorscale])
    rgb = np.array([_parse_colour(c) for _, c in colorscale])
    z = np.asarray(z, dtype=np.float64)
    span = zmax - zmin if zmax > zmin else 1.0
    t = np.clip(np.nan_to_num((z - zmin) / span, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    channels = [np.interp(t, stops, rgb[:, k]) for k in range(3)]
    return np.floor(np.stack(channels, axis=-1) + 0.5).astype(np.uint8)


def ink(rgb: np.ndarray) -> np.ndarray:
    """The mark colour for each cell colour: white or ``#111``, whichever contrasts more
    (:meth:`~poolviz.render.scene.Scale.white_ink`, the Explore component's rule)."""
    white = Scale.white_ink(np.asarray(rgb))[..., None]
    return np.where(white, np.array(INK_LIGHT), np.array(INK_DARK)).astype(np.uint8)


def hex_colour(rgb: Iterable[int]) -> str:
    """``#rrggbb`` of an RGB triple.

    >>> hex_colour((17, 17, 17))
    '#111111'
    """
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


# --- geometry ----------------------------------------------------------------------------


def outline_xy(mask: np.ndarray, inset: float = 0.0) -> tuple[list, list]:
    """Polyline coordinates (None-separated) tracing a box around each True cell, ``inset``
    cells inside its edges.

    >>> outline_xy(np.array([[False, True]]))
    ([0.5, 1.5, 1.5, 0.5, 0.5, None], [-0.5, -0.5, 0.5, 0.5, -0.5, None])
    """
    xs: list = []
    ys: list = []
    for r, c in zip(*np.nonzero(np.atleast_2d(mask)), strict=False):
        x0, x1 = c - 0.5 + inset, c + 0.5 - inset
        y0, y1 = r - 0.5 + inset, r + 0.5 - inset
        xs += [float(x0), float(x1), float(x1), float(x0), float(x0), None]
        ys += [float(y0), float(y0), float(y1), float(y1), float(y0), None]
    return xs, ys


def _ticks_xy(cells: np.ndarray, inset: float, length: float) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    edge = 0.5 - inset
    for r, c in cells:
        for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0)):  # top, right, bottom, left
            sx, sy = c + dx * edge, r + dy * edge
            ex, ey = c + dx * (edge - length), r + dy * (edge - length)
            xs += [float(sx), float(ex), None]
            ys += [float(sy), float(ey), None]
    return xs, ys


def _corners_xy(cells: np.ndarray, inset: float, leg: float) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for r, c in cells:
        right, top = c + 0.5 - inset, r - 0.5 + inset  # rows grow downward: top is r - 0.5
        xs += [float(right - leg), float(right), float(right), float(right - leg), None]
        ys += [float(top), float(top), float(top + leg), float(top), None]
    return xs, ys


def _inset(mark: Mark, cell_px: float) -> float:
    """Half the outline's width in cells, so the stroke lies inside the cell."""
    return min(0.2, mark.width_px(cell_px) / 2 / max(cell_px, 1.0))


def mark_traces(
    mark: Mark,
    mask: np.ndarray,
    colours: np.ndarray,
    cell_px: float,
    xref: str = "x",
    yref: str = "y",
) -> list[dict]:
    """Plotly traces (plain dicts) drawing ``mark`` on the True cells of ``mask``.

    One outline trace per ink (black cells, then white), named ``mark.name``, and for a
    mark with a corner one filled-triangle trace per ink, named ``mark.name + " corner"``.

    Parameters
    ----------
    mark : which mark
    mask : bool, the map's shape; the cells to mark
    colours : uint8 RGB of each cell (:func:`cell_colours`), the map's shape + (3,)
    cell_px : the cells' expected size in pixels (sets the width and the inset)
    xref, yref : the subplot's axes
    """
    mask = np.atleast_2d(np.asarray(mask, dtype=bool))
    if not mask.any():
        return []
    inks = ink(colours)
    inset = _inset(mark, cell_px)
    traces: list[dict] = []
    for colour in (INK_DARK, INK_LIGHT):
        here = mask & np.all(inks == np.array(colour), axis=-1)
        if not here.any():
            continue
        xs, ys = outline_xy(here, inset)
        cells = np.argwhere(here)
        if mark.ticks:
            tx, ty = _ticks_xy(cells, inset, mark.ticks)
            xs, ys = xs + tx, ys + ty
        base = {
            "type": "scatter",
            "mode": "lines",
            "hoverinfo": "skip",
            "showlegend": False,
            "xaxis": xref,
            "yaxis": yref,
        }
        traces.append(
            {
                **base,
                "name": mark.name,
                "x": xs,
                "y": ys,
                "line": {
                    "color": hex_colour(colour),
                    "width": mark.width_px(cell_px),
                    "dash": mark.dash,
                },
            }
        )
        if mark.corner:
            cx, cy = _corners_xy(cells, inset, mark.corner)
            traces.append(
                {
                    **base,
                    "name": mark.name + " corner",
                    "x": cx,
                    "y": cy,
                    "fill": "toself",
                    "fillcolor": hex_colour(colour),
                    "line": {"color": hex_colour(colour), "width": 0},
                }
            )
    return traces


def window_traces(
    rows: tuple[float, float], cols: tuple[float, float], xref: str = "x", yref: str = "y"
) -> list[dict]:
    """The :data:`WINDOW` box over cells ``rows[0]..rows[1]-1`` x ``cols[0]..cols[1]-1``
    (half-open, may reach past the map): a white border, then the black line on it."""
    (r0, r1), (c0, c1) = rows, cols
    xs = [c0 - 0.5, c1 - 0.5, c1 - 0.5, c0 - 0.5, c0 - 0.5]
    ys = [r0 - 0.5, r0 - 0.5, r1 - 0.5, r1 - 0.5, r0 - 0.5]
    base = {
        "type": "scatter",
        "mode": "lines",
        "hoverinfo": "skip",
        "showlegend": False,
        "x": [float(v) for v in xs],
        "y": [float(v) for v in ys],
        "xaxis": xref,
        "yaxis": yref,
    }
    return [
        {**base, "name": WINDOW.name + " border",
         "line": {"color": hex_colour(INK_LIGHT), "width": WINDOW_CASING}},
        {**base, "name": WINDOW.name,
         "line": {"color": hex_colour(INK_DARK), "width": WINDOW.width}},
    ]


def legend(marks: Iterable[Mark]) -> str:
    """The caption saying what each mark means and looks like.

    >>> legend([CHANGED, FEEDS])[:66]
    'Marks: a thick solid outline with a filled corner triangle = the v'
    """
    marks = list(marks)
    parts = [f"{m.looks} = {m.meaning}" for m in marks]
    ink_note = (
        " Cell marks are black or white, whichever stands out more on that cell."
        if any(m is not WINDOW for m in marks)
        else ""
    )
    return "Marks: " + "; ".join(parts) + "." + ink_note
