"""Preset input patterns and pure edits on pattern grids.

A grid is a float64 array of shape ``(H, W)`` with values in ``[0, 1]``; ink is
``1.0``. Binary patterns hold exactly ``0.0``/``1.0``; grayscale patterns (an
upload without a threshold) are quantized to tenths by :func:`quantize_gray` so
the URL can store them compactly and the page can print them readably.

Every preset works for any size from ``MIN_GRID`` to ``MAX_GRID`` on each side
(not only square ones). Apart from ``"book"`` (defined column by column) and
``"empty"``, presets keep a blank margin of at least one cell, so no ink sits
on the exact border and a small shift does not push it off the grid.

Examples
--------
>>> list(PRESETS)[:3]
['book', 'bar', 'hbar']
>>> make_preset("book")[0]
array([0., 0., 1., 0., 1., 0., 0., 0.])
>>> g = toggle(clear(4, 4), 1, 2)
>>> ink_bbox(g)
(1, 2, 2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from poolviz.core import limits
from poolviz.core.checks import PoolvizError

__all__ = [
    "PRESETS",
    "BOOK_SHIFTS",
    "make_preset",
    "book_inputs",
    "quantize_gray",
    "toggle",
    "invert",
    "clear",
    "resize_pattern",
    "is_binary",
    "ink_bbox",
    "crop_to_ink",
]

PRESETS: Mapping[str, str] = MappingProxyType(
    {
        "book": "Géron's figure: columns 2 and 4",
        "bar": "Vertical bar",
        "hbar": "Horizontal bar",
        "L": "L shape",
        "cross": "Cross",
        "diagonal": "Diagonal line",
        "blob": "Filled blob",
        "random": "Random dots (30%)",
        "checker": "Checkerboard",
        "empty": "Empty",
    }
)
"""Preset name -> human label, in the order the page offers them (the book's first)."""

BOOK_SHIFTS = (0, 1, 2)
"""Rightward shifts (in pixels) of the book pattern giving inputs A, B and C."""

_BOOK_COLUMNS = (2, 4)
_RANDOM_DENSITY = 0.3
_MAX_SEED = 2**32 - 1
_GRAY_STEPS = 10  # quantize_gray rounds to multiples of 1 / _GRAY_STEPS


# --------------------------------------------------------------------------- checks


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_int(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an int if it is an integer in ``[low, high]``, else raise."""
    if not _is_int(value):
        raise PoolvizError(f"`{name}` must be an integer between {low} and {high}; got {value!r}")
    if not low <= int(value) <= high:
        raise PoolvizError(f"`{name}` must be between {low} and {high}; got {value}")
    return int(value)


def _check_size(height: object, width: object) -> tuple[int, int]:
    """Validate a requested grid size against ``MIN_GRID``..``MAX_GRID``."""
    return (
        _check_int("height", height, limits.MIN_GRID, limits.MAX_GRID),
        _check_int("width", width, limits.MIN_GRID, limits.MAX_GRID),
    )


def _as_grid(grid: object, name: str = "grid") -> np.ndarray:
    """Return ``grid`` as a float64 2-D array, checking shape and values.

    Accepts any shape from 1×1 to ``MAX_GRID``×``MAX_GRID`` (cropped grids may be
    smaller than ``MIN_GRID``) with finite values in ``[0, 1]``.
    """
    try:
        g = np.asarray(grid, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PoolvizError(
            f"`{name}` must be a 2-D grid of numbers; got {type(grid).__name__}"
        ) from exc
    if g.ndim != 2 or g.size == 0:
        raise PoolvizError(f"`{name}` must be a non-empty 2-D grid; got shape {g.shape}")
    h, w = g.shape
    if h > limits.MAX_GRID or w > limits.MAX_GRID:
        raise PoolvizError(
            f"`{name}` must be at most {limits.MAX_GRID}×{limits.MAX_GRID} cells; got {h}×{w}"
        )
    if not np.all(np.isfinite(g)):
        raise PoolvizError(f"`{name}` must contain only finite numbers; got NaN or infinity")
    if g.min() < 0.0 or g.max() > 1.0:
        raise PoolvizError(
            f"`{name}` values must be between 0 and 1; got values from {g.min():g} to {g.max():g}"
        )
    return g


# --------------------------------------------------------------------------- presets


def _margins(height: int, width: int) -> tuple[int, int, int]:
    """Blank margin on each axis and stroke thickness, scaled to the grid size."""
    thickness = max(1, round(min(height, width) / 16))
    return max(1, height // 8), max(1, width // 8), thickness


def _book(height: int, width: int, seed: int) -> np.ndarray:
    out = np.zeros((height, width))
    for col in _BOOK_COLUMNS:
        if col < width:  # a 4-wide grid only has room for column 2
            out[:, col] = 1.0
    return out


def _bar(height: int, width: int, seed: int) -> np.ndarray:
    my, _, t = _margins(height, width)
    out = np.zeros((height, width))
    c0 = (width - t) // 2
    out[my : height - my, c0 : c0 + t] = 1.0
    return out


def _hbar(height: int, width: int, seed: int) -> np.ndarray:
    _, mx, t = _margins(height, width)
    out = np.zeros((height, width))
    r0 = (height - t) // 2
    out[r0 : r0 + t, mx : width - mx] = 1.0
    return out


def _ell(height: int, width: int, seed: int) -> np.ndarray:
    my, mx, t = _margins(height, width)
    out = np.zeros((height, width))
    out[my : height - my, mx : mx + t] = 1.0  # the upright stroke
    out[height - my - t : height - my, mx : width - mx] = 1.0  # the foot
    return out


def _cross(height: int, width: int, seed: int) -> np.ndarray:
    return np.maximum(_bar(height, width, seed), _hbar(height, width, seed))


def _diagonal(height: int, width: int, seed: int) -> np.ndarray:
    my, mx, t = _margins(height, width)
    out = np.zeros((height, width))
    r1, c1 = height - my - t, width - mx - t  # last top-left corner of a t×t pen
    steps = max(r1 - my, c1 - mx) + 1
    rows = np.rint(np.linspace(my, r1, steps)).astype(int)
    cols = np.rint(np.linspace(mx, c1, steps)).astype(int)
    for r, c in zip(rows, cols, strict=True):
        out[r : r + t, c : c + t] = 1.0
    return out


def _blob(height: int, width: int, seed: int) -> np.ndarray:
    radius = max(1.0, min(height, width) / 5)
    yy, xx = np.mgrid[0:height, 0:width]
    dist2 = (yy - (height - 1) / 2) ** 2 + (xx - (width - 1) / 2) ** 2
    return (dist2 <= radius**2).astype(np.float64)


def _random(height: int, width: int, seed: int) -> np.ndarray:
    out = np.zeros((height, width))
    rng = np.random.default_rng(seed)
    inner = rng.random((height - 2, width - 2)) < _RANDOM_DENSITY
    if not inner.any():
        # Never empty: "random dots" with no dot looks like a bug (on a 4x4 grid, 2x2 inner
        # cells, that is 0.7**4 = 24% of seeds). Ink one inner cell, drawn from the same
        # generator, so the pattern stays a pure function of the seed; patterns that
        # already had a dot are unchanged.
        inner.flat[rng.integers(inner.size)] = True
    out[1:-1, 1:-1] = inner
    return out


def _checker(height: int, width: int, seed: int) -> np.ndarray:
    cell = max(1, min(height, width) // 16)
    yy, xx = np.mgrid[0:height, 0:width]
    out = (((yy - 1) // cell + (xx - 1) // cell) % 2 == 0).astype(np.float64)
    out[[0, -1], :] = 0.0
    out[:, [0, -1]] = 0.0
    return out


def _empty(height: int, width: int, seed: int) -> np.ndarray:
    return np.zeros((height, width))


_BUILDERS = {
    "book": _book,
    "bar": _bar,
    "hbar": _hbar,
    "L": _ell,
    "cross": _cross,
    "diagonal": _diagonal,
    "blob": _blob,
    "random": _random,
    "checker": _checker,
    "empty": _empty,
}


def make_preset(name: str, height: int = 8, width: int = 8, seed: int = 0) -> np.ndarray:
    """Build the preset pattern ``name`` as a binary ``(height, width)`` grid.

    Parameters
    ----------
    name : str
        One of the keys of :data:`PRESETS`.
    height, width : int
        Grid size, each between ``MIN_GRID`` (4) and ``MAX_GRID`` (64).
    seed : int
        Seed for ``"random"`` (an integer from 0 to 2**32 - 1); checked but
        unused by the other presets.

    Returns
    -------
    numpy.ndarray
        A new float64 array holding only 0.0 and 1.0.

    Notes
    -----
    ``"book"`` inks columns 2 and 4 on every row for every size (only column 2
    when the grid is 4 wide). The other shapes scale their margins
    (``size // 8``, at least 1) and stroke thickness (``size / 16``, at least 1)
    with the grid; ``"blob"`` is a disk of radius ``min(size) / 5`` (at least 1)
    centred in the grid; ``"random"`` draws Bernoulli(0.3) cells inside a
    one-cell margin and is never empty: when no cell is drawn, one inner cell chosen by
    the same seeded generator is inked.

    Examples
    --------
    >>> make_preset("bar", 6, 6).astype(int)
    array([[0, 0, 0, 0, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [0, 0, 0, 0, 0, 0]])
    >>> make_preset("blob", 8, 8).sum()
    np.float64(12.0)
    >>> make_preset("star")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `name` must be one of book, bar, ..., empty; got 'star'
    """
    if not isinstance(name, str) or name not in _BUILDERS:
        raise PoolvizError(f"`name` must be one of {', '.join(PRESETS)}; got {name!r}")
    h, w = _check_size(height, width)
    s = _check_int("seed", seed, 0, _MAX_SEED)
    return _BUILDERS[name](h, w, s)


def _shift_right(x: np.ndarray, d: int) -> np.ndarray:
    """Shift ``x`` right by ``d >= 0`` columns, filling with zeros."""
    if d == 0:
        return x.copy()
    out = np.zeros_like(x)
    out[:, d:] = x[:, :-d]
    return out


def book_inputs() -> dict[str, np.ndarray]:
    """The three 8×8 inputs of Géron's "invariance to small translations" figure.

    Returns
    -------
    dict
        ``{"A": book, "B": book shifted 1 right, "C": book shifted 2 right}``
        (shifts from :data:`BOOK_SHIFTS`, zero fill).

    Examples
    --------
    >>> x = book_inputs()
    >>> [np.flatnonzero(x[k][0]).tolist() for k in "ABC"]
    [[2, 4], [3, 5], [4, 6]]
    """
    base = make_preset("book", 8, 8)
    return {key: _shift_right(base, d) for key, d in zip("ABC", BOOK_SHIFTS, strict=True)}


# --------------------------------------------------------------------------- edits


def quantize_gray(grid: np.ndarray) -> np.ndarray:
    """Round every value to the nearest tenth, halves rounding up.

    Parameters
    ----------
    grid : array_like
        Values in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        New float64 grid with values in ``{0.0, 0.1, ..., 1.0}`` (each exactly
        the float ``k / 10``).

    Examples
    --------
    >>> quantize_gray([[0.04, 0.05, 0.349], [0.35, 0.96, 1.0]])
    array([[0. , 0.1, 0.3],
           [0.4, 1. , 1. ]])
    """
    g = _as_grid(grid)
    # The tiny epsilon makes decimal halves such as 0.35 (stored as 0.34999...) round up.
    steps = np.floor(g * _GRAY_STEPS + 0.5 + 1e-9)
    return np.clip(steps, 0, _GRAY_STEPS) / _GRAY_STEPS


def _on_tenths(g: np.ndarray) -> bool:
    return bool(np.all(np.abs(g * _GRAY_STEPS - np.rint(g * _GRAY_STEPS)) < 1e-9))


def toggle(grid: np.ndarray, row: int, col: int) -> np.ndarray:
    """Flip one cell: ink (``>= 0.5``) becomes 0.0, anything lighter becomes 1.0.

    Examples
    --------
    >>> toggle(np.zeros((4, 4)), 0, 3)[0]
    array([0., 0., 0., 1.])
    >>> toggle(np.full((4, 4), 0.6), 0, 0)[0]
    array([0. , 0.6, 0.6, 0.6])
    >>> toggle(np.zeros((4, 4)), 4, 0)
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `row` must be between 0 and 3; got 4
    """
    out = _as_grid(grid).copy()
    h, w = out.shape
    r = _check_int("row", row, 0, h - 1)
    c = _check_int("col", col, 0, w - 1)
    out[r, c] = 0.0 if out[r, c] >= 0.5 else 1.0
    return out


def invert(grid: np.ndarray) -> np.ndarray:
    """Swap ink and paper: every value ``v`` becomes ``1 - v``.

    A grid on the tenths lattice stays exactly on it (``1 - 0.7`` gives ``0.3``,
    not ``0.30000000000000004``).

    Examples
    --------
    >>> invert([[0.0, 1.0, 0.7]])
    array([[1. , 0. , 0.3]])
    """
    g = _as_grid(grid)
    out = 1.0 - g
    return quantize_gray(out) if _on_tenths(g) else out


def clear(height: int, width: int) -> np.ndarray:
    """An all-zero grid of the given size (each side 4..64).

    Examples
    --------
    >>> clear(4, 5).shape
    (4, 5)
    """
    h, w = _check_size(height, width)
    return np.zeros((h, w))


def resize_pattern(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Keep the top-left content of ``grid`` in a ``(height, width)`` grid.

    Rows/columns beyond the new size are cropped; new ones are zero.

    Examples
    --------
    >>> resize_pattern(np.ones((4, 4)), 5, 4).sum(axis=1)
    array([4., 4., 4., 4., 0.])
    >>> resize_pattern(np.ones((8, 8)), 4, 6).shape
    (4, 6)
    """
    g = _as_grid(grid)
    h, w = _check_size(height, width)
    out = np.zeros((h, w))
    kh, kw = min(h, g.shape[0]), min(w, g.shape[1])
    out[:kh, :kw] = g[:kh, :kw]
    return out


def is_binary(grid: np.ndarray) -> bool:
    """True if every value is exactly 0.0 or 1.0.

    Examples
    --------
    >>> is_binary(make_preset("cross")), is_binary([[0.0, 0.5]])
    (True, False)
    """
    g = _as_grid(grid)
    return bool(np.all((g == 0.0) | (g == 1.0)))


def ink_bbox(grid: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box ``(top, left, bottom, right)`` of the nonzero cells.

    ``bottom`` and ``right`` are exclusive, so ``grid[top:bottom, left:right]``
    is the inked region. An all-zero grid raises :class:`PoolvizError`.

    Examples
    --------
    >>> ink_bbox(make_preset("book"))
    (0, 2, 8, 5)
    >>> ink_bbox(clear(4, 4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `grid` must have some ink ...; got an all-zero 4×4 grid
    """
    g = _as_grid(grid)
    rows = np.flatnonzero(g.any(axis=1))
    cols = np.flatnonzero(g.any(axis=0))
    if rows.size == 0:
        h, w = g.shape
        raise PoolvizError(
            f"`grid` must have some ink (a nonzero cell); got an all-zero {h}×{w} grid"
        )
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def crop_to_ink(grid: np.ndarray) -> np.ndarray:
    """The smallest sub-grid holding all nonzero cells (a new array).

    Examples
    --------
    >>> crop_to_ink(make_preset("book"))[0]
    array([1., 0., 1.])
    """
    g = _as_grid(grid)
    top, left, bottom, right = ink_bbox(g)
    return g[top:bottom, left:right].copy()
