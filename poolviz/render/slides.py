"""A view laid out for the classroom: one 16:9 slide, or one map as its own figure.

:func:`slide_scene` puts on one 1920×1080 :class:`~poolviz.render.scene.Scene` the input
and its shifted copy, every stage of both pipelines (original above shifted), the page's
sentences, a legend and the settings lines; :func:`figure_scene` draws one of those maps
alone. :mod:`poolviz.render.png` writes a scene as pixels and :mod:`poolviz.render.svg` as
text, so the PNG and the SVG of a slide are the same picture.

Every map of a slide, and every figure of the same view, share ONE colour scale
(:func:`view_scale`, the browser's rule), so equal values have equal colours. Changed cells
(:func:`~poolviz.core.invariance.changed_mask`, the one rule) carry a thick outline and a
corner triangle in black or white ink, so colour is never the only cue. Numbers are printed
in a map only when every one of its numbers fits its cells at 11 px or more.

The module is one piece on purpose: the slide and the single figures are sized by one set of
rules (:class:`_Sizing`: the cell size, how a small map grows so its numbers fit, the font
of the numbers), so a figure's cells, numbers and marks follow the slide's exactly.

>>> import numpy as np
>>> a, b = np.eye(4), np.roll(np.eye(4), 1, axis=1)
>>> run = PipelineRun("demo", ("input", "global max"), (a, np.array(1.0)), (b, np.array(1.0)))
>>> scene = slide_scene({"demo": run}, (a, b), "demo", ["It moved."], ["4×4 pattern"])
>>> (scene.width, scene.height), "It moved." in scene.texts()
((1920, 1080), True)
>>> [m.tag["which"] for m in scene.maps("which")]  # the legend's maps have no "which"
['original', 'shifted', 'original', 'shifted']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_cells, changed_mask
from poolviz.core.text import format_grid, format_value
from poolviz.lessons.comparison import PipelineRun
from poolviz.render.export import ROWS
from poolviz.render.scene import (
    PAD_PX,
    Box,
    CellMap,
    Scale,
    Scene,
    Text,
    text_width,
    wrap,
)

__all__ = [
    "Scene",
    "SLIDE_SIZE",
    "MIN_NUMBER_PX",
    "INPUT",
    "FigureKey",
    "figure_keys",
    "view_scale",
    "slide_scene",
    "figure_scene",
]

SLIDE_SIZE = (1920, 1080)  # 16:9, a projector's full HD
MIN_NUMBER_PX = 11  # no number is printed smaller (explorer.js MIN_FONT_PX)
MAX_NUMBER_PX = 24
_GOOD_NUMBER_PX = 14  # a small map's cells grow until its numbers reach this, if they can
INPUT = "input"  # the pipeline name under which a figure key names the input maps

# --- look (pixels on the 1920×1080 slide) ---------------------------------------------------

_MARGIN = 40
_GAP = 20  # between the slide's bands
_TITLE_PX = 40
_HEADER_PX = 28  # a pipeline's name
_CAPTION_PX = 20  # stage labels, row labels, map captions
_NOTE_PX = 20  # "unchanged", "3 of 16 changed"
_SENTENCE_PX = (28, 25, 22, 19)  # the largest that lets the slide fit is used
_SETTINGS_PX = 22
_LEGEND_PX = 20
_MAX_CELL = 60
_MIN_CELL = 5
_GOOD_CELL = 24
_MIN_SCALAR_CELL = 44  # a global pool's one number is the result: always big enough to read
_COL_GAP = 18
_ROW_GAP = 10
_PANEL_PAD = 16
_PANEL_GAP = 24
_LINE = 1.3  # line height / font size

_ERROR_WIDTH = 560  # a failed pipeline's reason wraps to this width

_INK = (20, 20, 20)
_MUTED = (70, 70, 70)  # >= 9:1 on the panel grey
_ERROR_INK = (160, 20, 20)
_PANEL_FILL = (244, 245, 247)


def _line(size: int) -> int:
    return round(size * _LINE)


def _paragraph(items: list, x: float, y: float, text: str, size: int, fill,
               width: float, bold: bool = False) -> float:
    """Append ``text`` wrapped to ``width`` (top at ``y``); returns the y below it.

    Each line records whether ``text`` had a space where it was broken before it (a word
    too long for a line is split without one), so the SVG gives back ``text`` exactly."""
    para = len(items)  # unique within the scene: the index of its first line
    pos = 0
    for line in wrap(text, size, width, bold):
        at = text.find(line, pos) if line else pos
        at = pos if at < 0 else at
        space = at > 0 and text[at - 1] in " \n"
        items.append(Text(x, y + size * 0.8, line, size, fill, bold=bold, para=para,
                          space_before=space))
        pos = at + len(line)
        y += _line(size)
    return y


# --- the maps of a view ----------------------------------------------------------------------


@dataclass(frozen=True)
class FigureKey:
    """One map of a view: a pipeline's stage (index into its ``labels``; 0 is the input),
    ``"original"`` or ``"shifted"``. The input is ``FigureKey(INPUT, 0, which)``."""

    pipeline: str
    stage: int
    which: str

    def slug(self) -> str:
        """A file-name-safe name: ``max-pool_2_shifted``.

        >>> FigureKey("no pooling", 1, "original").slug()
        'no-pooling_1_original'
        """
        name = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in self.pipeline)
        return f"{name.strip('-') or 'map'}_{self.stage}_{self.which}"


def figure_keys(runs: Mapping[str, PipelineRun]) -> list[FigureKey]:
    """Every map the slide shows, in its order: the input pair, then each pipeline's stages.

    >>> run = PipelineRun("p", ("input", "g"), (np.eye(2), np.array(1.0)), (np.eye(2), np.array(1.0)))
    >>> [(k.pipeline, k.stage, k.which) for k in figure_keys({"p": run})]
    [('input', 0, 'original'), ('input', 0, 'shifted'), ('p', 1, 'original'), ('p', 1, 'shifted')]
    """
    keys = [FigureKey(INPUT, 0, which) for which in ROWS]
    for run in runs.values():
        if run.ok:
            keys += [FigureKey(run.name, i, w) for i in range(1, len(run.original)) for w in ROWS]
    return keys


def _as_grid(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    if m.ndim > 2:
        raise PoolvizError(f"stage maps must be 0-D, 1-D or 2-D; got shape {m.shape}")
    return m.reshape((1,) * (2 - m.ndim) + m.shape)


def _pair(runs: Mapping[str, PipelineRun], inputs, key: FigureKey):
    """(label, original, shifted) of the stage ``key`` names."""
    if key.pipeline == INPUT:
        return "input", inputs[0], inputs[1]
    run = runs.get(key.pipeline)
    if run is None or not run.ok or not 0 <= key.stage < len(run.original):
        raise PoolvizError(
            f"`key` must name a map of this view ({', '.join(_describe(runs))}); got {key!r}"
        )
    return run.labels[key.stage], run.original[key.stage], run.shifted[key.stage]


def _describe(runs: Mapping[str, PipelineRun]) -> list[str]:
    return [INPUT] + [f"{r.name} stages 1-{len(r.original) - 1}" for r in runs.values() if r.ok]


def view_scale(runs: Mapping[str, PipelineRun], inputs: Sequence[np.ndarray]) -> Scale:
    """The one colour scale of a view: over the input pair and every stage shown.

    >>> view_scale({}, (np.zeros((4, 4)), -np.ones((4, 4)))).diverging
    True
    """
    maps = list(inputs)
    for run in runs.values():
        if run.ok:
            maps += list(run.original[1:]) + list(run.shifted[1:])
    return Scale.over(maps)


def _mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    mask = changed_mask(a, b)
    return np.ones(_as_grid(b).shape, dtype=bool) if mask is None else _as_grid(mask)


def _change_note(a: np.ndarray, b: np.ndarray) -> str:
    n = changed_cells(a, b)
    return "unchanged" if n == 0 else f"{n} of {max(np.size(a), np.size(b))} changed"


# --- one map -----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _texts(data: bytes, shape: tuple[int, ...]) -> frozenset[str]:
    return frozenset(format_grid(np.frombuffer(data).reshape(shape)).ravel().tolist())


def _number_px(values: np.ndarray, cell: int) -> int | None:
    """The largest font size (11 to 24 px, at most 0.6 of the cell) at which every number
    of the map fits its cells; None when even 11 px does not."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    texts = _texts(values.tobytes(), values.shape)
    for size in range(max(MIN_NUMBER_PX, min(MAX_NUMBER_PX, int(cell * 0.6))), MIN_NUMBER_PX - 1, -1):
        if max(text_width(t, size) for t in texts) <= cell - 2 * PAD_PX:
            return size
    return None


@dataclass(frozen=True)
class _Sizing:
    """The slide's cell size, and how a column of maps may grow from it."""

    cell: int
    show_values: bool
    extent: tuple[int, int]  # (H, W) in cells of ``cell``: no map grows past that size

    def cell_for(self, *maps: np.ndarray) -> int:
        """The cell size of a column (original and shifted share it): ``cell``; a global
        pool's single cell at least 44 px; a smaller map's cells grow (up to twice, never
        past the input's size) until its numbers fit at 14 px, or else at 11 px, so a
        pooled map of decimals still shows them."""
        first = maps[0]
        if first.size == 1:
            return max(self.cell, _MIN_SCALAR_CELL)
        c = self.cell
        if not self.show_values:
            return c
        top = min(2 * c, self.extent[0] * c // first.shape[0], self.extent[1] * c // first.shape[1])
        for good in (_GOOD_NUMBER_PX, MIN_NUMBER_PX):  # comfortable numbers, else any that fit
            for grown in range(c, top + 1):
                if all((_number_px(m, grown) or 0) >= good for m in maps):
                    return grown
        return c

    def size(self, *maps: np.ndarray) -> tuple[int, int]:
        """(width, height) in pixels of the column's maps."""
        c = self.cell_for(*maps)
        return maps[0].shape[1] * (c + 1) + 1, maps[0].shape[0] * (c + 1) + 1


def _cell_map(x, y, values, cell, scale, changed, show_values, tag) -> CellMap:
    values = _as_grid(values)
    size = _number_px(values, cell) if show_values else None
    return CellMap(
        int(x), int(y), cell, values, scale,
        None if changed is None else _as_grid(changed),
        size is not None, size or MIN_NUMBER_PX, tag,
    )


# --- the slide: sizes ----------------------------------------------------------------------------


@dataclass
class _Column:
    label: str
    note: str
    original: np.ndarray
    shifted: np.ndarray
    changed: np.ndarray
    index: int


class _Panel:
    """The input pair, or one pipeline's stages (its input left out: shown once)."""

    def __init__(self, name: str, columns: list[_Column], error: str | None = None) -> None:
        self.name, self.columns, self.error = name, columns, error

    @classmethod
    def of_run(cls, run: PipelineRun) -> _Panel:
        if not run.ok:
            return cls(run.name, [], run.error)
        columns = [
            _Column(
                run.labels[i] if i < len(run.labels) else f"stage {i}",
                _change_note(run.original[i], run.shifted[i]),
                _as_grid(run.original[i]),
                _as_grid(run.shifted[i]),
                _mask(run.original[i], run.shifted[i]),
                i,
            )
            for i in range(1, len(run.original))
        ]
        return cls(run.name, columns)

    @classmethod
    def of_inputs(cls, pair: tuple[np.ndarray, np.ndarray]) -> _Panel:
        note = _change_note(*pair)
        return cls(INPUT, [_Column("", note, pair[0], pair[1], _mask(*pair), 0)])

    def error_text(self) -> str:
        return f"Cannot run: {self.error}"

    def error_lines(self) -> list[str]:
        return wrap(self.error_text(), _CAPTION_PX, _ERROR_WIDTH)

    def widths(self, sz: _Sizing) -> list[int]:
        """Each column's width: its map, its label or its note, whichever is widest."""
        return [
            int(max(
                sz.size(col.original, col.shifted)[0],
                text_width(col.label, _CAPTION_PX, True),
                text_width(col.note, _NOTE_PX),
            ))
            for col in self.columns
        ]

    def width(self, sz: _Sizing) -> int:
        header = text_width(self.name, _HEADER_PX, True)
        if self.error is not None:
            body = max(text_width(t, _CAPTION_PX) for t in self.error_lines())
            return int(max(header, body)) + 2 * _PANEL_PAD
        widths = self.widths(sz)
        inner = sum(widths) + _COL_GAP * max(0, len(widths) - 1)
        return int(max(inner, header)) + 2 * _PANEL_PAD

    def row_height(self, sz: _Sizing) -> int:
        return max((sz.size(c.original, c.shifted)[1] for c in self.columns), default=0)


def _band_height(row_h: int) -> int:
    """A line of panels: header, stage labels, two rows of maps, the notes."""
    return (
        2 * _PANEL_PAD + _line(_HEADER_PX) + 4 + _line(_CAPTION_PX) + 2 * row_h + _ROW_GAP + 6
        + _line(_NOTE_PX)
    )


@dataclass
class _Plan:
    sizing: _Sizing
    lines: list[list[_Panel]]  # panels flowed into lines of the slide's width
    row_h: list[int]  # per line
    sentence_px: int
    sentence_lines: list[list[str]]
    sentences_h: int
    settings_lines: list[list[str]]  # per settings line, wrapped


def _flow(panels: list[_Panel], sz: _Sizing, width: int, gutter: int) -> list[list[_Panel]] | None:
    """Panels left to right, a new line when the next would pass ``width``; None when one
    panel alone is too wide."""
    lines: list[list[_Panel]] = [[]]
    used = gutter
    for panel in panels:
        w = panel.width(sz)
        if gutter + w > width:
            return None
        if lines[-1] and used + _PANEL_GAP + w > width:
            lines.append([])
            used = gutter
        used += (_PANEL_GAP if lines[-1] else 0) + w
        lines[-1].append(panel)
    return lines


def _sentence_block(sentences: Sequence[str], size: int, width: int) -> tuple[list[list[str]], int]:
    bullet = text_width("•  ", size)
    lines = [wrap(s, size, width - bullet) for s in sentences]
    gap = round(size * 0.3)
    height = sum(len(block) for block in lines) * _line(size) + gap * max(0, len(lines) - 1)
    return lines, height


def _gutter() -> int:
    return int(max(text_width(r, _CAPTION_PX) for r in ROWS)) + 16


def _plan(panels: list[_Panel], sentences, settings, title_lines: int, show_values: bool) -> _Plan:
    """The largest cell size, the largest sentence size first, with which everything fits."""
    width, height = SLIDE_SIZE
    inner = width - 2 * _MARGIN
    settings_lines = [wrap(s, _SETTINGS_PX, inner) for s in settings]
    fixed = (
        2 * _MARGIN + title_lines * _line(_TITLE_PX) + 3 * _GAP + _line(_LEGEND_PX)
        + sum(map(len, settings_lines)) * _line(_SETTINGS_PX)
    )
    gutter = _gutter()
    fallback = None
    # Cells of at least _GOOD_CELL px with smaller sentences beat smaller cells: the numbers
    # in the maps are what a class reads off the projector.
    tries = [(size, cells) for cells in (range(_MAX_CELL, _GOOD_CELL - 1, -1),
                                         range(_GOOD_CELL - 1, _MIN_CELL - 1, -1))
             for size in _SENTENCE_PX]
    for size, cells in tries:
        lines, sent_h = _sentence_block(sentences, size, inner)
        for cell in cells:
            sz = _Sizing(cell, show_values, panels[0].columns[0].original.shape)
            flowed = _flow(panels, sz, inner, gutter)
            if flowed is None:
                continue
            row_h = [max(p.row_height(sz) for p in line) for line in flowed]
            maps_h = sum(_band_height(h) for h in row_h) + _GAP * (len(row_h) - 1)
            plan = _Plan(sz, flowed, row_h, size, lines, sent_h, settings_lines)
            if fixed + maps_h + sent_h <= height:
                return plan
            fallback = plan
    if fallback is None:  # pragma: no cover - a panel is wider than the slide at 5 px cells
        raise PoolvizError("the view is too large to lay out on one slide")
    return fallback  # the smallest layout; it may run past the bottom edge


# --- the slide: drawing --------------------------------------------------------------------------


def slide_scene(
    runs: Mapping[str, PipelineRun],
    inputs: Sequence[np.ndarray],
    title: str,
    sentences: Sequence[str],
    settings: Sequence[str],
    show_values: bool = True,
) -> Scene:
    """The view as one 1920×1080 slide.

    Parameters
    ----------
    runs : Mapping[str, PipelineRun]
        What :func:`poolviz.lessons.comparison.compare` returned for the view.
    inputs : (original, shifted)
        The input pattern and its shifted copy (what every run's stage 0 holds; given
        apart so the slide shows them even when no pipeline could run).
    title : str
        The first line.
    sentences : sequence of str
        The page's sentences for these maps, shown in full (wrapped, never cut).
    settings : sequence of str
        Lines naming the settings (wrapped to the width, never cut).
    show_values : bool
        Print the numbers in the maps whose cells are big enough for all of them.

    Returns
    -------
    Scene
        ``SLIDE_SIZE``; its maps are tagged ``pipeline``, ``stage`` (label), ``index``
        (stage index) and ``which``.

    Notes
    -----
    Panels (the input, then each pipeline: original above shifted) go side by side, on
    more lines only when they do not fit one; the sentences under them, then the legend and
    the settings. The cell size (one for every map but a global pool's single cell, never
    under 44 px, and small maps' cells grown so their numbers fit) is the largest from 60 px
    down with which all of it fits, with the largest sentence size from 28 px to 19 px;
    cells of 24 px or more with smaller sentences come before smaller cells.
    """
    width, height = SLIDE_SIZE
    x0, inner = _MARGIN, width - 2 * _MARGIN
    pair = (_as_grid(inputs[0]), _as_grid(inputs[1]))
    panels = [_Panel.of_inputs(pair)] + [_Panel.of_run(run) for run in runs.values()]
    title_lines = wrap(title, _TITLE_PX, inner, True)
    plan = _plan(panels, sentences, settings, len(title_lines), show_values)
    scale = view_scale(runs, pair)
    items: list = []
    y = _MARGIN

    # -- title
    y = _paragraph(items, x0, y, title, _TITLE_PX, _INK, inner, bold=True) + _GAP

    # -- the maps: lines of panels, row labels in the gutter
    gutter = _gutter()
    for line, row_h in zip(plan.lines, plan.row_h, strict=True):
        rows_y = _rows_y(y, row_h)
        for label, ry in zip(ROWS, rows_y, strict=True):
            items.append(Text(x0, ry + row_h / 2 + _CAPTION_PX * 0.35, label, _CAPTION_PX, _MUTED))
        px = x0 + gutter
        for panel in line:
            pw = panel.width(plan.sizing)
            _draw_panel(items, panel, px, y, pw, _band_height(row_h), row_h, plan.sizing, scale)
            px += pw + _PANEL_GAP
        y += _band_height(row_h) + _GAP

    # -- the sentences, in full
    _sentences(items, plan, sentences, x0, y, inner)
    y += plan.sentences_h + _GAP

    # -- legend: the marks and the one scale
    marked = any(c.changed.any() for p in panels for c in p.columns)
    _legend(items, x0, y, scale, marked)
    y += _line(_LEGEND_PX) + _GAP

    # -- settings, at the bottom
    sy = max(y, height - _MARGIN - sum(map(len, plan.settings_lines)) * _line(_SETTINGS_PX))
    for text in settings:
        sy = _paragraph(items, x0, sy, text, _SETTINGS_PX, _MUTED, inner)
    return Scene(width, height, items, title)


def _rows_y(top: int, row_h: int) -> tuple[int, int]:
    first = top + _PANEL_PAD + _line(_HEADER_PX) + 4 + _line(_CAPTION_PX)
    return first, first + row_h + _ROW_GAP


def _sentences(items: list, plan: _Plan, sentences: Sequence[str], x: int, y: int,
               width: int) -> None:
    size = plan.sentence_px
    bullet = text_width("•  ", size)  # as _sentence_block measured them
    for sentence in sentences:
        items.append(Text(x, y + size * 0.8, "•", size, _INK))
        y = _paragraph(items, x + bullet, y, sentence, size, _INK, width - bullet)
        y += round(size * 0.3)


def _draw_panel(items, panel, x, y, w, h, row_h, sz: _Sizing, scale: Scale) -> None:
    items.append(Box(x, y, w, h, _PANEL_FILL))
    cx, cy = x + _PANEL_PAD, y + _PANEL_PAD
    items.append(Text(cx, cy + _HEADER_PX * 0.8, panel.name, _HEADER_PX, _INK, bold=True))
    cy += _line(_HEADER_PX) + 4
    if panel.error is not None:
        _paragraph(items, cx, cy, panel.error_text(), _CAPTION_PX, _ERROR_INK, _ERROR_WIDTH)
        return
    rows_y = _rows_y(y, row_h)
    col_x = cx
    for col, col_w in zip(panel.columns, panel.widths(sz), strict=True):
        centre = col_x + col_w / 2
        cell = sz.cell_for(col.original, col.shifted)
        mw, mh = sz.size(col.original, col.shifted)
        if col.label:
            items.append(Text(centre, cy + _CAPTION_PX * 0.8, col.label, _CAPTION_PX, _INK,
                              "middle", bold=True))
        for which, values, changed, ry in (
            (ROWS[0], col.original, None, rows_y[0]),
            (ROWS[1], col.shifted, col.changed, rows_y[1]),
        ):
            items.append(_cell_map(
                col_x + (col_w - mw) // 2, ry + (row_h - mh) // 2, values, cell, scale, changed,
                sz.show_values,
                {"pipeline": panel.name, "stage": col.label or INPUT, "index": col.index,
                 "which": which},
            ))
        items.append(Text(centre, rows_y[1] + row_h + 6 + _NOTE_PX * 0.8, col.note, _NOTE_PX,
                          _MUTED, "middle"))
        col_x += col_w + _COL_GAP


def _legend(items: list, x: int, y: int, scale: Scale, marked: bool) -> None:
    size = _LEGEND_PX
    base = y + size * 0.8
    if marked:
        # A sample of the mark, on a white cell: outline and corner triangle.
        sample = CellMap(x, y - 2, size + 4, np.zeros((1, 1)), scale, np.ones((1, 1), bool),
                         tag={"legend": "changed"})
        items.append(sample)
        x += sample.width + 10
        text = "marked: the cell's value changed under the shift (thick outline, corner triangle)"
    else:
        text = "no cell of any map changed under the shift"
    items.append(Text(x, base, text, size, _MUTED))
    x += int(text_width(text, size)) + 48
    # The one colour scale: swatches from the lowest to the highest value on the slide.
    lo, hi = scale.lo, scale.hi
    low_text = f"colour scale of every map: {format_value(lo)}"
    items.append(Text(x, base, low_text, size, _MUTED))
    x += int(text_width(low_text, size)) + 8
    steps = np.linspace(lo, hi, 9) if hi > lo else np.array([lo])
    swatches = CellMap(x, y - 2, size + 2, steps[None, :], scale, tag={"legend": "scale"})
    items.append(swatches)
    x += swatches.width + 8
    items.append(Text(x, base, format_value(hi) + (" (white at 0)" if scale.diverging else ""),
                      size, _MUTED))


# --- one figure ----------------------------------------------------------------------------------

_FIGURE_SIDE = 640  # a figure's map is about this many pixels across
_FIGURE_MAX_CELL = 72
_FIGURE_MIN_CELL = 12


def figure_scene(
    runs: Mapping[str, PipelineRun],
    inputs: Sequence[np.ndarray],
    key: FigureKey,
    caption: str,
    show_values: bool = True,
) -> Scene:
    """One map of the view (:class:`FigureKey`) as its own figure, on the slide's scale.

    The figure shows ``caption`` (the view, in words), the pipeline and stage, the map
    (changed cells marked when it is the shifted one) and how many cells changed.

    Raises
    ------
    ValueError
        (:class:`~poolviz.core.checks.PoolvizError`) when ``key`` names no map of the view.

    Examples
    --------
    >>> a, b = np.eye(4), np.roll(np.eye(4), 1, axis=1)
    >>> run = PipelineRun("p", ("input", "g"), (a, np.array(1.0)), (b, np.array(1.0)))
    >>> s = figure_scene({"p": run}, (a, b), FigureKey(INPUT, 0, "shifted"), "a view")
    >>> s.maps()[0].values.shape, int(s.maps()[0].changed.sum())
    ((4, 4), 8)
    >>> figure_scene({"p": run}, (a, b), FigureKey("p", 2, "shifted"), "")
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `key` must name a map of this view (input, p stages 1-1); got FigureKey(pipeline='p', stage=2, which='shifted')
    """
    if key.which not in ROWS:
        raise PoolvizError(f"`key.which` must be one of {', '.join(ROWS)}; got {key.which!r}")
    label, a, b = _pair(runs, inputs, key)
    scale = view_scale(runs, inputs)
    values = _as_grid(a if key.which == ROWS[0] else b)
    cell = max(_FIGURE_MIN_CELL, min(_FIGURE_MAX_CELL, _FIGURE_SIDE // max(values.shape)))
    if values.size == 1:
        cell = 3 * _MIN_SCALAR_CELL
    # Alone, a map's cells may double so its numbers fit (as a small map's do on the slide).
    sz = _Sizing(cell, show_values, (2 * values.shape[0], 2 * values.shape[1]))
    cell = sz.cell_for(values)
    mw, mh = sz.size(values)
    pad = 24
    width = max(mw, 480) + 2 * pad
    head = "input" if key.pipeline == INPUT else f"{key.pipeline}: {label}"
    head = f"{head}, {key.which}"
    note = _change_note(a, b)
    if key.which == ROWS[1] and note != "unchanged":
        note += " (marked: thick outline, corner triangle)"
    elif key.which == ROWS[0]:
        note = f"against the shifted copy: {note}"
    items: list = []
    y = pad
    y = _paragraph(items, pad, y, head, _HEADER_PX, _INK, width - 2 * pad, bold=True)
    if caption:
        y = _paragraph(items, pad, y, caption, _NOTE_PX, _MUTED, width - 2 * pad)
    y += 10
    changed = _mask(a, b) if key.which == ROWS[1] else None
    m = _cell_map(pad + (width - 2 * pad - mw) // 2, y, values, cell, scale, changed,
                  show_values,
                  {"pipeline": key.pipeline, "stage": label, "index": key.stage,
                   "which": key.which})
    items.append(m)
    y += mh + 10
    y = _paragraph(items, pad, y, note, _NOTE_PX, _MUTED, width - 2 * pad)
    return Scene(int(width), int(y + pad), items, head)
