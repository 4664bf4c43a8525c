"""A drawing as a list of shapes, written out as a PNG (Pillow) or an SVG (text): one layout.

:mod:`poolviz.render.slides` lays out a slide or one figure once, as a :class:`Scene` of
:class:`Box`, :class:`Text` and :class:`CellMap` items; :func:`poolviz.render.png.to_png`
rasterises it with Pillow (no browser) and :func:`poolviz.render.svg.to_svg` writes it as
SVG text, so the two files show the same maps, numbers, marks and words at the same places.
Text is measured here, in the raster font, for both.

The colour rule is :class:`Scale`, the same as ``makeScale`` in
``render/assets/explorer.js``: ONE scale per drawing, white -> dark blue from 0 to the
largest value, or blue <- white (at 0) -> red, symmetric, when any value is negative; the
ink (numbers, changed-cell marks) is black or white, whichever contrasts more.

>>> s = Scale.over([np.array([[0.0, 2.0]])])
>>> s.rgb(np.array([0.0, 1.0, 2.0])).tolist()
[[255, 255, 255], [132, 152, 181], [8, 48, 107]]
>>> Scene(40, 20, [Text(2, 15, "red", 12, (255, 0, 0))], "red").texts()
['red']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "RGB",
    "INK_DARK",
    "INK_LIGHT",
    "GRID_COLOUR",
    "Scale",
    "contrast",
    "Box",
    "Text",
    "CellMap",
    "Scene",
    "drawable",
    "font",
    "text_width",
    "wrap",
]

RGB = tuple[int, int, int]

# explorer.js: the ink is "#111" on light cells and "#fff" on dark ones; the grid "#8c959f".
INK_DARK: RGB = (17, 17, 17)
INK_LIGHT: RGB = (255, 255, 255)
GRID_COLOUR: RGB = (140, 149, 159)
_WHITE = np.array([255.0, 255.0, 255.0])
_SEQ_HIGH = np.array([8.0, 48.0, 107.0])  # explorer.js: dark blue at the largest value
_DIV_NEG = np.array([33.0, 102.0, 172.0])  # blue at -max |v|
_DIV_POS = np.array([178.0, 24.0, 43.0])  # red at +max |v|

MARK_PX = 3  # explorer.js MARK_PX: the changed cell's outline; 2 px on cells under 24 px
PAD_PX = 3  # explorer.js PAD_PX: per side, so neighbouring numbers never touch
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"  # the SVG's; DejaVu is measured


# --- colours ---------------------------------------------------------------------------------


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of uint8 RGB triples (last axis)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a: Sequence[int], b: Sequence[int]) -> float:
    """WCAG contrast ratio of two RGB colours, from 1 to 21.

    >>> round(contrast((0, 0, 0), (255, 255, 255)), 1)
    21.0
    """
    la, lb = float(_luminance(np.array(a))), float(_luminance(np.array(b)))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@dataclass(frozen=True)
class Scale:
    """One colour scale for every map of a drawing (explorer.js ``makeScale``).

    ``lo <= 0 <= hi``; diverging (white at 0) when ``lo < 0``.

    >>> s = Scale.over([np.array([-1.0, 0.5])])
    >>> s, s.rgb(np.array([-1.0, 0.0, 0.5])).tolist()
    (Scale(lo=-1.0, hi=0.5), [[33, 102, 172], [255, 255, 255], [217, 140, 149]])
    >>> s.white_ink(s.rgb(np.array([-1.0, 0.0]))).tolist()
    [True, False]
    """

    lo: float = 0.0
    hi: float = 0.0

    @classmethod
    def over(cls, maps: Iterable[np.ndarray]) -> Scale:
        """The scale covering every value of ``maps`` (and 0); non-finite values ignored."""
        lo = hi = 0.0
        for m in maps:
            m = np.asarray(m, dtype=np.float64)
            m = m[np.isfinite(m)]
            if m.size:
                lo, hi = min(lo, float(m.min())), max(hi, float(m.max()))
        return cls(lo + 0.0, hi + 0.0)

    @property
    def diverging(self) -> bool:
        """Blue-white-red, centred on 0 (some value is negative)."""
        return self.lo < 0

    def rgb(self, values: np.ndarray) -> np.ndarray:
        """uint8 RGB, shape ``values.shape + (3,)``; the same arithmetic as explorer.js, so
        the same colours (``Math.round`` is ``floor(x + 0.5)``)."""
        v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)[..., None]
        if self.diverging:
            m = max(-self.lo, self.hi) or 1.0
            t = np.clip(v / m, -1.0, 1.0)
            to = np.where(t < 0, _DIV_NEG, _DIV_POS)
            mixed = _WHITE + (to - _WHITE) * np.abs(t)
        else:
            t = np.clip(v / self.hi, 0.0, 1.0) if self.hi > 0 else np.zeros_like(v)
            mixed = _WHITE + (_SEQ_HIGH - _WHITE) * t
        return np.floor(mixed + 0.5).astype(np.uint8)

    @staticmethod
    def white_ink(rgb: np.ndarray) -> np.ndarray:
        """Whether white contrasts more than black with each colour (explorer.js rule);
        either way the ink contrasts at least 4.5:1 with black, 4:1 with ``INK_DARK``."""
        lum = _luminance(rgb)
        return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05

    def ink(self, rgb: np.ndarray) -> np.ndarray:
        """The ink colour (uint8 RGB) for each cell colour."""
        white = self.white_ink(rgb)[..., None]
        return np.where(white, np.array(INK_LIGHT), np.array(INK_DARK)).astype(np.uint8)


# --- shapes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A rectangle at ``(x, y)`` (top left), ``w`` by ``h`` pixels; ``fill`` or ``stroke`` may
    be None."""

    x: int
    y: int
    w: int
    h: int
    fill: RGB | None
    stroke: RGB | None = None
    stroke_width: int = 0


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is its baseline, ``anchor`` "start", "middle" or "end".

    Consecutive lines with the same ``para`` are one paragraph wrapped at spaces: the SVG
    writes them as one ``<text>`` whose text is the whole paragraph."""

    x: float
    y: float
    text: str
    size: int
    fill: RGB
    anchor: str = "start"
    bold: bool = False
    para: int | None = None  # lines of one wrapped paragraph share it: one SVG <text>
    space_before: bool = True  # the paragraph had a space where it was wrapped before this line


@dataclass(frozen=True, eq=False)
class CellMap:
    """A map as square cells, ``cell`` pixels each, with 1 px grid lines around them.

    ``(x, y)`` is the grid's top-left corner; it is ``w * (cell + 1) + 1`` pixels wide.
    ``changed`` marks cells with a thick outline and a corner triangle in the cell's ink;
    ``show_numbers`` prints each value (:func:`~poolviz.core.text.format_value`) at
    ``font_size``. ``tag`` names the map in the SVG (``data-*`` attributes).
    """

    x: int
    y: int
    cell: int
    values: np.ndarray  # 2-D
    scale: Scale
    changed: np.ndarray | None = None
    show_numbers: bool = False
    font_size: int = 12
    tag: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return self.values.shape[1] * (self.cell + 1) + 1

    @property
    def height(self) -> int:
        return self.values.shape[0] * (self.cell + 1) + 1

    def cell_box(self, row: int, col: int) -> tuple[int, int]:
        """Top-left pixel of cell ``(row, col)`` (inside the grid lines)."""
        return self.x + col * (self.cell + 1) + 1, self.y + row * (self.cell + 1) + 1

    @property
    def mark_px(self) -> int:
        """The changed cell's outline: explorer.js's 3 px, 2 px under 24 px cells, 1 px
        under 12 px so a small cell's colour still shows inside it."""
        return 1 if self.cell < 12 else 2 if self.cell < 24 else MARK_PX

    @property
    def triangle_px(self) -> int:
        """The corner triangle's legs: 0.4 of the cell, at least 3 px, at most half (or 3). (A
        quarter, explorer.js's, hides under a 3 px outline on 24 px cells.)"""
        return min(max(3, round(self.cell * 0.4)), max(3, self.cell // 2))

    def number_baseline(self, top: int) -> float:
        """Baseline of a number in a cell whose top is ``top``: digits are 0.73 em tall in
        DejaVu Sans, so this centres them."""
        return top + self.cell / 2 + 0.36 * self.font_size


@dataclass
class Scene:
    """What to draw: ``width`` × ``height`` pixels on white, items in painting order."""

    width: int
    height: int
    items: list
    title: str = "poolviz"
    background: RGB = (255, 255, 255)

    def maps(self, tagged: str | None = None) -> list[CellMap]:
        """The maps drawn, in order; with ``tagged``, only those whose tag has that key."""
        return [
            item for item in self.items
            if isinstance(item, CellMap) and (tagged is None or tagged in item.tag)
        ]

    def texts(self) -> list[str]:
        """Every line of text, in order."""
        return [item.text for item in self.items if isinstance(item, Text)]


# --- fonts and measuring -------------------------------------------------------------------------

_FONT_FILES = {
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf"),
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
}


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (it has ×, →, ≥ and the like) when installed, else Pillow's own font."""
    for path in _FONT_FILES[bold]:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=1)
def _have_dejavu() -> bool:
    f = font(12)
    return isinstance(f, ImageFont.FreeTypeFont) and f.getname()[0] == "DejaVu Sans"


_GLYPH_FALLBACKS = {
    "×": "x", "→": "->", "←": "<-", "–": "-", "—": "-", "−": "-", "≥": ">=", "≤": "<=",
    "µ": "u", "·": ".", "²": "2", "³": "3", "\u00a0": " ",
}


def _glyph_signature(ch: str) -> bytes:
    probe = Image.new("L", (42, 28), 0)
    ImageDraw.Draw(probe).text((2, 2), ch, fill=255, font=font(14))
    return probe.tobytes()


@lru_cache(maxsize=1024)
def _has_glyph(ch: str) -> bool:
    """Whether the raster font draws ``ch`` (rather than its missing-glyph box)."""
    return ch.isascii() or _glyph_signature(ch) != _glyph_signature("\uffff")


@lru_cache(maxsize=4096)
def drawable(text: str) -> str:
    """``text`` as the raster font draws it: with DejaVu Sans unchanged; with Pillow's own
    font (no DejaVu installed), characters it lacks become ASCII (``×`` -> ``x``, ...).

    >>> drawable("8×8") in ("8×8", "8x8")
    True
    """
    if _have_dejavu() or text.isascii():
        return text
    out = []
    for ch in text:
        fallback = ch if _has_glyph(ch) else _GLYPH_FALLBACKS.get(ch, "?")
        out.append(fallback if all(_has_glyph(c) for c in fallback) else "?")
    return "".join(out)


@lru_cache(maxsize=8192)
def text_width(text: str, size: int, bold: bool = False) -> float:
    """Advance width in pixels of ``text`` in the raster font (what layouts measure).

    >>> text_width("ab", 20) > text_width("a", 20) > 0
    True
    """
    return float(font(size, bold).getlength(drawable(text)))


def wrap(text: str, size: int, width: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word too long for a line is split between
    characters, never cut, so every character of ``text`` is kept.

    >>> wrap("one two three", 12, text_width("one two", 12))
    ['one two', 'three']
    >>> "".join(wrap("x" * 50, 12, 40)) == "x" * 50
    True
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while text_width(word, size, bold) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], size, bold) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines
