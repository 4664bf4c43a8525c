"""The comparison as a PNG image, drawn with Pillow only.

Plotly's static export needs a browser download; Pillow draws the default 8×8
comparison in a few tens of milliseconds.  Everything here is pure: runs in,
PNG ``bytes`` out.  The colours, fonts and glyph fallbacks, text fitting, the
panel layout and the drawing of maps and panels all serve
:func:`comparison_png` alone; the JSON and CSV downloads are
:mod:`poolviz.render.export` (whose row labels :data:`~poolviz.render.export.ROWS`
this module shares).

>>> import numpy as np
>>> run = PipelineRun(
...     "demo", ("input", "global max"),
...     (np.array([[0.0, 1.0], [1.0, 0.5]]), np.array(1.0)),
...     (np.array([[1.0, 0.0], [0.5, 1.0]]), np.array(1.0)),
... )
>>> comparison_png({"demo": run}, "demo")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_cells, changed_mask
from poolviz.core.text import format_grid, format_value
from poolviz.lessons.comparison import PipelineRun
from poolviz.render.export import ROWS

__all__ = ["OUTLINE_COLOR", "comparison_png"]

# --- look --------------------------------------------------------------------------------

OUTLINE_COLOR = (255, 140, 0)  # orange; never produced by the colour scales or the text

_MAX_WIDTH = 2400  # the whole image stays within this many pixels when cells allow it
_MAX_CELL = 48
_MIN_CELL = 6
_MIN_VALUE_CELL = 14  # cells smaller than this never get a printed value
_OUTLINE_WIDTH = 2
_THIN_OUTLINE_BELOW = 12  # cells smaller than this get a 1 px outline so their colour shows

_BACKGROUND = (255, 255, 255)
_INK = (20, 20, 20)
_MUTED = (110, 110, 110)
_GRID_LINE = (215, 215, 215)
_MAP_BORDER = (150, 150, 150)
_PANEL_BORDER = (200, 200, 200)
_ERROR_INK = (170, 20, 20)

_SEQ_LOW = np.array([247.0, 251.0, 255.0])  # light blue-white (ColorBrewer Blues ends)
_SEQ_HIGH = np.array([8.0, 48.0, 107.0])  # dark blue
_DIV_NEG = np.array([33.0, 102.0, 172.0])  # blue (ColorBrewer RdBu ends)
_DIV_MID = np.array([247.0, 247.0, 247.0])  # white
_DIV_POS = np.array([178.0, 24.0, 43.0])  # red

_TITLE_SIZE = 22
_HEADER_SIZE = 17
_LABEL_SIZE = 13
_NOTE_SIZE = 12
_MARGIN = 16
_PANEL_GAP = 24
_PANEL_PAD = 12
_COL_GAP = 18
_ROW_GAP = 10
_ERROR_WIDTH = 360  # width of the text area of a panel that shows an error


# --- colours -------------------------------------------------------------------------------


def _stage_colors(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RGB (uint8) for both maps of a stage on one shared scale.

    Sequential light→dark blue over ``[0, max]`` when every value is >= 0, diverging
    blue-white-red centred on zero (``[-max abs, max abs]``) otherwise.
    """
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    b = np.nan_to_num(np.asarray(b, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    both = np.concatenate([a.ravel(), b.ravel()])
    top = float(np.max(np.abs(both))) if both.size else 0.0
    scale = top if top > 0 else 1.0
    diverging = both.size > 0 and float(np.min(both)) < 0

    def paint(m: np.ndarray) -> np.ndarray:
        t = np.clip(m / scale, -1.0, 1.0)[..., None]
        if diverging:
            rgb = np.where(
                t >= 0, _DIV_MID + t * (_DIV_POS - _DIV_MID), _DIV_MID - t * (_DIV_NEG - _DIV_MID)
            )
        else:
            rgb = _SEQ_LOW + t * (_SEQ_HIGH - _SEQ_LOW)
        return np.rint(rgb).astype(np.uint8)

    return paint(a), paint(b)


def _text_color(rgb: np.ndarray) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``rgb``."""
    r, g, b = (float(c) for c in rgb)
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b >= 140 else (255, 255, 255)


# --- fonts and text ------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in scalable font (no font file needed)."""
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _text_box(text: str, size: int) -> tuple[int, int, int, int]:
    box = _font(size).getbbox(_drawable(text))
    return int(box[0]), int(box[1]), int(box[2]), int(box[3])


_GLYPH_FALLBACKS = {
    "×": "x",
    "→": "->",
    "←": "<-",
    "–": "-",
    "—": "-",
    "−": "-",
    "≥": ">=",
    "≤": "<=",
    "µ": "u",
    "·": ".",
    "²": "2",
    "³": "3",
    "\u00a0": " ",
}
_PROBE_SIZE = 14


def _glyph_signature(ch: str) -> bytes:
    probe = Image.new("L", (3 * _PROBE_SIZE, 2 * _PROBE_SIZE), 0)
    ImageDraw.Draw(probe).text((2, 2), ch, fill=255, font=_font(_PROBE_SIZE))
    return probe.tobytes()


@lru_cache(maxsize=1024)
def _has_glyph(ch: str) -> bool:
    """Whether the default font draws ``ch`` (rather than its missing-glyph box)."""
    return ch.isascii() or _glyph_signature(ch) != _glyph_signature("\uffff")


@lru_cache(maxsize=1024)
def _drawable(text: str) -> str:
    """``text`` with characters the default font lacks replaced (``×`` by ``x``, ...)."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if _has_glyph(ch):
            out.append(ch)
        else:
            fallback = _GLYPH_FALLBACKS.get(ch, "?")
            out.append(fallback if all(_has_glyph(c) for c in fallback) else "?")
    return "".join(out)


def _text_width(text: str, size: int) -> int:
    left, _, right, _ = _text_box(text, size)
    return right - left


def _fit(text: str, size: int, width: int) -> str:
    """``text`` cut with an ellipsis so it is at most ``width`` pixels wide."""
    if _text_width(text, size) <= width:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits is text[:lo] (binary search)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _text_width(text[:mid] + "…", size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…" if lo else ""


def _wrap(text: str, size: int, width: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels (over-long words are cut)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if _text_width(candidate, size) <= width:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = _fit(word, size, width)
        lines.append(line)
    return lines


def _draw_centered(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, text: str, size: int, fill: tuple
) -> None:
    left, top, right, bottom = _text_box(text, size)
    x = cx - (left + right) / 2
    y = cy - (top + bottom) / 2
    _put(draw, (round(x), round(y)), text, size, fill)


def _put(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: tuple
) -> None:
    """Draw ``text`` (made drawable by the default font) with its origin at ``xy``."""
    draw.text(xy, _drawable(text), fill=fill, font=_font(size))


def _line_height(size: int) -> int:
    return int(round(size * 1.3))


# --- PNG layout ----------------------------------------------------------------------------


def _as_map(m: np.ndarray) -> np.ndarray:
    """A stage map as float64, 0-D or 2-D."""
    m = np.asarray(m, dtype=np.float64)
    if m.ndim == 1:
        return m[None, :]
    if m.ndim > 2:
        raise PoolvizError(f"stage maps must be 0-D or 2-D; got shape {m.shape}")
    return m


def _big_cell(cell: int) -> int:
    """Side of the single cell that shows a 0-D (global pool) stage."""
    return max(2 * cell, 44)


def _map_size(m: np.ndarray, cell: int) -> tuple[int, int]:
    """(width, height) in pixels of one drawn map."""
    if m.ndim == 0:
        side = _big_cell(cell)
        return side, side
    return m.shape[1] * cell, m.shape[0] * cell


class _Panel:
    """Layout of one pipeline's panel for a given cell size."""

    def __init__(self, run: PipelineRun, cell: int) -> None:
        self.run = run
        self.cell = cell
        self.row_label_width = max(_text_width(r, _LABEL_SIZE) for r in ROWS) + 10
        self.header_width = _text_width(run.name, _HEADER_SIZE)
        if not run.ok:
            self.error_lines = _wrap(f"Cannot run: {run.error}", _LABEL_SIZE, _ERROR_WIDTH)
            body = max(_text_width(line, _LABEL_SIZE) for line in self.error_lines)
            self.width = 2 * _PANEL_PAD + max(body, self.header_width)
            self.height = (
                2 * _PANEL_PAD
                + _line_height(_HEADER_SIZE)
                + 6
                + len(self.error_lines) * _line_height(_LABEL_SIZE)
            )
            return
        self.maps = [
            (_as_map(a), _as_map(b)) for a, b in zip(run.original, run.shifted, strict=False)
        ]
        self.labels = list(run.labels[: len(self.maps)])
        self.notes = [_change_note(a, b) for a, b in self.maps]
        self.col_widths = []
        self.row_height = 0
        for label, note, (a, b) in zip(self.labels, self.notes, self.maps, strict=True):
            wa, ha = _map_size(a, cell)
            wb, hb = _map_size(b, cell)
            text = max(_text_width(label, _LABEL_SIZE), _text_width(note, _NOTE_SIZE))
            self.col_widths.append(max(wa, wb, text))
            self.row_height = max(self.row_height, ha, hb)
        grid_width = self.row_label_width + sum(self.col_widths)
        grid_width += _COL_GAP * max(0, len(self.col_widths) - 1)
        self.width = 2 * _PANEL_PAD + max(grid_width, self.header_width)
        self.height = (
            2 * _PANEL_PAD
            + _line_height(_HEADER_SIZE)
            + 6
            + _line_height(_LABEL_SIZE)
            + 2 * self.row_height
            + _ROW_GAP
            + 4
            + _line_height(_NOTE_SIZE)
        )


def _change_note(a: np.ndarray, b: np.ndarray) -> str:
    n = changed_cells(a, b)
    if n == 0:
        return "unchanged"
    return f"{n}/{max(a.size, b.size)} changed"


def _layout(runs: list[PipelineRun]) -> tuple[int, list[_Panel]]:
    """The largest cell size (at most ``_MAX_CELL``, at least ``_MIN_CELL``) that fits."""
    for cell in range(_MAX_CELL, _MIN_CELL - 1, -1):
        panels = [_Panel(run, cell) for run in runs]
        width = _content_width(panels)
        if width <= _MAX_WIDTH or cell == _MIN_CELL:
            return cell, panels
    raise AssertionError("unreachable")  # pragma: no cover


def _content_width(panels: list[_Panel]) -> int:
    return 2 * _MARGIN + sum(p.width for p in panels) + _PANEL_GAP * max(0, len(panels) - 1)


def _draw_map(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    x: int,
    y: int,
    m: np.ndarray,
    rgb: np.ndarray,
    changed: np.ndarray | None,
    cell: int,
    show_values: bool,
) -> None:
    """One heatmap with its top-left corner at ``(x, y)``."""
    if m.ndim == 0:
        side = _big_cell(cell)
        colour = tuple(int(c) for c in rgb)
        draw.rectangle([x, y, x + side - 1, y + side - 1], fill=colour, outline=_MAP_BORDER)
        size = max(10, min(26, side * 3 // 10))
        text = format_value(float(m))
        if _text_width(text, size) > side - 4:
            size = max(8, size * (side - 4) // max(1, _text_width(text, size)))
        if _text_width(text, size) <= side - 4:
            _draw_centered(draw, x + side / 2, y + side / 2, text, size, _text_color(rgb))
        if changed is not None and bool(changed):
            draw.rectangle(
                [x, y, x + side - 1, y + side - 1], outline=OUTLINE_COLOR, width=_OUTLINE_WIDTH
            )
        return
    h, w = m.shape
    if h == 0 or w == 0:
        return
    big = np.repeat(np.repeat(rgb, cell, axis=0), cell, axis=1)
    big[::cell, :] = _GRID_LINE
    big[:, ::cell] = _GRID_LINE
    image.paste(Image.fromarray(big, "RGB"), (x, y))
    draw.rectangle([x, y, x + w * cell - 1, y + h * cell - 1], outline=_MAP_BORDER)
    if show_values and cell >= _MIN_VALUE_CELL:
        size = max(8, min(18, int(cell * 0.36)))
        texts = format_grid(m)
        for (r, c), text in np.ndenumerate(texts):
            if _text_width(text, size) > cell - 3:
                continue
            cx = x + c * cell + cell / 2
            cy = y + r * cell + cell / 2
            _draw_centered(draw, cx, cy, str(text), size, _text_color(rgb[r, c]))
    if changed is not None:
        thickness = _OUTLINE_WIDTH if cell >= _THIN_OUTLINE_BELOW else 1
        for r, c in zip(*np.nonzero(changed), strict=True):
            x0 = x + int(c) * cell
            y0 = y + int(r) * cell
            draw.rectangle(
                [x0, y0, x0 + cell - 1, y0 + cell - 1], outline=OUTLINE_COLOR, width=thickness
            )


def _draw_panel(
    image: Image.Image,
    draw: ImageDraw.ImageDraw,
    panel: _Panel,
    x: int,
    y: int,
    height: int,
    show_values: bool,
) -> None:
    draw.rectangle([x, y, x + panel.width - 1, y + height - 1], outline=_PANEL_BORDER)
    inner = panel.width - 2 * _PANEL_PAD
    cx, cy = x + _PANEL_PAD, y + _PANEL_PAD
    _put(draw, (cx, cy), _fit(panel.run.name, _HEADER_SIZE, inner), _HEADER_SIZE, _INK)
    cy += _line_height(_HEADER_SIZE) + 6
    if not panel.run.ok:
        for line in panel.error_lines:
            _put(draw, (cx, cy), line, _LABEL_SIZE, _ERROR_INK)
            cy += _line_height(_LABEL_SIZE)
        return
    label_y = cy
    rows_y = (
        cy + _line_height(_LABEL_SIZE),
        cy + _line_height(_LABEL_SIZE) + panel.row_height + _ROW_GAP,
    )
    for which, ry in zip(ROWS, rows_y, strict=True):
        _draw_centered_left(draw, cx, ry + panel.row_height / 2, which, _LABEL_SIZE, _MUTED)
    note_y = rows_y[1] + panel.row_height + 4
    col_x = cx + panel.row_label_width
    for label, note, (a, b), col_w in zip(
        panel.labels, panel.notes, panel.maps, panel.col_widths, strict=True
    ):
        _draw_centered(
            draw,
            col_x + col_w / 2,
            label_y + _LABEL_SIZE / 2 + 1,
            _fit(label, _LABEL_SIZE, col_w),
            _LABEL_SIZE,
            _INK,
        )
        rgb_a, rgb_b = _stage_colors(a, b)
        mask = changed_mask(a, b)
        for m, rgb, changed, ry in ((a, rgb_a, None, rows_y[0]), (b, rgb_b, mask, rows_y[1])):
            mw, mh = _map_size(m, panel.cell)
            _draw_map(
                image,
                draw,
                col_x + (col_w - mw) // 2,
                ry + (panel.row_height - mh) // 2,
                m,
                rgb,
                changed,
                panel.cell,
                show_values,
            )
        _draw_centered(
            draw, col_x + col_w / 2, note_y + _NOTE_SIZE / 2 + 1, note, _NOTE_SIZE, _MUTED
        )
        col_x += col_w + _COL_GAP


def _draw_centered_left(
    draw: ImageDraw.ImageDraw, x: float, cy: float, text: str, size: int, fill: tuple
) -> None:
    left, top, _, bottom = _text_box(text, size)
    _put(draw, (round(x - left), round(cy - (top + bottom) / 2)), text, size, fill)


def comparison_png(runs: Mapping[str, PipelineRun], title: str, show_values: bool = True) -> bytes:
    """The comparison drawn as a PNG image (Pillow only, no browser).

    One panel per pipeline, side by side, with the pipeline name as header. Inside, two
    rows (``original``, ``shifted``) and one column per stage, labelled on top. Each map
    is a heatmap of square cells, coloured on a scale shared by the stage's two maps
    (light→dark blue when all values are >= 0, blue-white-red centred on zero otherwise);
    with ``show_values`` each cell big enough shows its value (:func:`format_value`).
    Cells of the shifted map that differ from the original are outlined in
    :data:`OUTLINE_COLOR` (2 px; 1 px on cells under 12 px), and each column notes how
    many changed. A 0-D stage (global pool) is one big cell. A pipeline with an error
    shows the error text instead.

    The cell size is the largest (up to 48 px) that keeps the image within 2400 px
    wide, but never below 6 px.

    Parameters
    ----------
    runs : Mapping[str, PipelineRun]
        What :func:`poolviz.lessons.comparison.compare` returned.
    title : str
        Shown at the top (cut with an ellipsis if wider than the image).
    show_values : bool, default True
        Print each cell's value when the cell is big enough.

    Returns
    -------
    bytes
        The PNG file (RGB).
    """
    run_list = list(runs.values())
    _, panels = _layout(run_list)
    content = _content_width(panels)
    title_width = _text_width(title, _TITLE_SIZE) + 2 * _MARGIN
    width = max(content, min(title_width, _MAX_WIDTH), 320)
    panel_height = max((p.height for p in panels), default=0)
    title_h = _line_height(_TITLE_SIZE)
    note_h = _line_height(_NOTE_SIZE)
    height = _MARGIN + title_h + 10 + panel_height + 10 + note_h + _MARGIN

    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    _put(draw, (_MARGIN, _MARGIN), _fit(title, _TITLE_SIZE, width - 2 * _MARGIN), _TITLE_SIZE, _INK)
    x, y = _MARGIN, _MARGIN + title_h + 10
    for panel in panels:
        _draw_panel(image, draw, panel, x, y, panel_height, show_values)
        x += panel.width + _PANEL_GAP
    if not panels:
        _put(draw, (_MARGIN, y), "No pipelines to show.", _LABEL_SIZE, _MUTED)
    legend_y = y + panel_height + 10
    lx = _MARGIN
    if any(n != "unchanged" for p in panels if p.run.ok for n in p.notes):
        # The swatch is drawn only when some cell is outlined, so the outline colour
        # appears in the image exactly when the shift changed something.
        legend = "outlined cells: the shifted input's value differs from the original's"
        draw.rectangle(
            [lx, legend_y + 1, lx + 11, legend_y + 12], outline=OUTLINE_COLOR, width=_OUTLINE_WIDTH
        )
        lx += 18
    else:
        legend = "the shift changes no cell of any stage"
    _put(draw, (lx, legend_y), _fit(legend, _NOTE_SIZE, width - lx - _MARGIN), _NOTE_SIZE, _MUTED)

    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
