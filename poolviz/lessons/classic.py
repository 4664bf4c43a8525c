"""The classic number, computed: how often does a one-pixel shift leave a max-pool unchanged?

Texts on CNNs say that with 2×2 max pooling "3 of the 8 one-pixel shifts" leave the
output the same. That figure is exact for one isolated maximum (a single dot: 3 of its
8 neighbours lie in the same 2×2 pooling cell); for other inputs it is not a constant.
This module computes it instead of quoting it:

* :func:`unchanged_fraction_estimate` / :func:`expected_unchanged_fraction`: the mean,
  over random binary patterns (each cell 1 with probability ``density``), of the fraction
  of the 8 (or 4) one-pixel shifts under which the max-pool output is exactly the same.
  All patterns and shifts go through one ``shift_stack`` and one ``max_pool2d`` call.
* :func:`unchanged_fraction_exact`: the same expectation by enumerating every binary
  pattern of a small grid (4×4: all 2^16), as an exact polynomial in the density.
* :func:`single_dot_unchanged_fraction`: the one-dot case the classic figure describes.
* :func:`cell_unchanged_probability`: the closed form for one pooled cell of a 2×2/2
  max-pool on an unbounded (or wrapped) Bernoulli grid.

For the page's per-pattern counts use :func:`poolviz.core.invariance.one_pixel_summary`.

Examples
--------
>>> single_dot_unchanged_fraction(8, 8)
0.375
>>> table = unchanged_fraction_exact(4, 4, mode="wrap")
>>> round(table.fraction(0.5), 4)  # dense patterns: the pooled map is mostly all ones
0.6745
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.core.checks import PoolvizError, as_choice, as_int, as_pair, show
from poolviz.core.invariance import neighbour_shifts
from poolviz.core.ops import SHIFT_MODES, max_pool2d, shift_stack

__all__ = [
    "Estimate",
    "ExactTable",
    "random_binary_patterns",
    "unchanged_matrix",
    "unchanged_fraction_estimate",
    "expected_unchanged_fraction",
    "unchanged_fraction_exact",
    "single_dot_unchanged_fraction",
    "cell_unchanged_probability",
]

PER = ("map", "cell")
MAX_PATTERNS = 200_000
MAX_EXACT_CELLS = 20  # 2^20 patterns: about a second
_BLOCK_ELEMENTS = 1 << 22  # cells per shift_stack/max_pool2d call (32 MiB of float64)


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate of the expected unchanged fraction.

    Attributes
    ----------
    mean : mean over patterns of (unchanged shifts) / (shifts).
    stderr : its standard error, ``std(ddof=1) / sqrt(n)``.
    n_patterns : patterns averaged (after dropping empty ones with ``exclude_empty``).
    shifts : (S, 2) the (dy, dx) shifts.
    per_shift : (S,) fraction of patterns left unchanged by each shift.
    """

    mean: float
    stderr: float
    n_patterns: int
    shifts: np.ndarray
    per_shift: np.ndarray


@dataclass(frozen=True)
class ExactTable:
    """Exact counts over every binary pattern of a small grid, grouped by number of ones.

    ``counts[k, s]``: how many patterns with ``k`` ones are left unchanged by shift ``s``
    (with ``per="cell"``: the sum of their unchanged-cell fractions);
    ``patterns[k]`` = C(n_cells, k). Any density follows without re-enumerating.
    """

    n_cells: int
    shifts: np.ndarray
    counts: np.ndarray
    patterns: np.ndarray

    def _weights(self, density: float, exclude_empty: bool) -> np.ndarray:
        p = _check_density(density)
        k = np.arange(self.n_cells + 1)
        w = self.patterns * p**k * (1.0 - p) ** (self.n_cells - k)
        if exclude_empty:
            w[0] = 0.0
            total = w.sum()
            if total == 0:
                raise PoolvizError("`density` must be above 0 when empty patterns are excluded")
            w = w / total
        return w

    def per_shift(self, density: float = 0.5, exclude_empty: bool = False) -> np.ndarray:
        """(S,) probability that each shift leaves the max-pool output unchanged."""
        w = self._weights(density, exclude_empty)
        return (w[:, None] * self.counts / self.patterns[:, None]).sum(axis=0)

    def fraction(self, density: float = 0.5, exclude_empty: bool = False) -> float:
        """Expected fraction of the shifts that leave the max-pool output unchanged."""
        return float(self.per_shift(density, exclude_empty).mean())


def _check_density(density) -> float:
    try:
        p = float(density)
    except (TypeError, ValueError):
        raise PoolvizError(
            f"`density` must be a number between 0 and 1; got {show(density)}"
        ) from None
    if not 0.0 <= p <= 1.0:
        raise PoolvizError(f"`density` must be a number between 0 and 1; got {show(density)}")
    return p


def _check_grid(height, width, low: int = 2, high: int = 64) -> tuple[int, int]:
    h, w = as_int(height, "height"), as_int(width, "width")
    for name, v in (("height", h), ("width", w)):
        if not low <= v <= high:
            raise PoolvizError(f"`{name}` must be between {low} and {high}; got {v}")
    return h, w


def _check_pool(pool_size, pool_stride, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
    k, s = as_pair(pool_size, "pool_size"), as_pair(pool_stride, "pool_stride")
    if min(k) < 1 or k[0] > h or k[1] > w:
        raise PoolvizError(
            f"`pool_size` must be between 1 and the grid {h}x{w}; got {show(pool_size)}"
        )
    if min(s) < 1:
        raise PoolvizError(f"`pool_stride` must be at least 1; got {show(pool_stride)}")
    return k, s


def random_binary_patterns(
    n_patterns: int, height: int = 8, width: int = 8, density: float = 0.5, seed: int = 0
) -> np.ndarray:
    """``n_patterns`` random 0/1 grids, each cell 1 with probability ``density`` (float64).

    >>> random_binary_patterns(3, 4, 5, seed=1).shape
    (3, 4, 5)
    """
    n = as_int(n_patterns, "n_patterns")
    if not 1 <= n <= MAX_PATTERNS:
        raise PoolvizError(f"`n_patterns` must be between 1 and {MAX_PATTERNS}; got {n}")
    h, w = _check_grid(height, width)
    p = _check_density(density)
    rng = np.random.default_rng(as_int(seed, "seed"))
    return (rng.random((n, h, w)) < p).astype(float)


def unchanged_matrix(
    patterns,
    pool_size=2,
    pool_stride=2,
    neighbours: int = 8,
    mode: str = "zero",
    per: str = "map",
) -> np.ndarray:
    """(n, S) float: how much of pattern ``i``'s max-pool output shift ``s`` leaves unchanged.

    ``per="map"``: 1.0 when the whole pooled map is exactly the same, else 0.0 (the
    default, and what the next layer sees). ``per="cell"``: the fraction of pooled cells
    that keep their value (the classic figure is about one pooled cell).

    The identity and the ``neighbours`` shifts of every pattern are stacked by one
    :func:`~poolviz.core.ops.shift_stack` call and pooled by one
    :func:`~poolviz.core.ops.max_pool2d` call (in blocks of patterns only past ~4M cells).
    Shifts are those of :func:`poolviz.core.invariance.neighbour_shifts`.
    """
    x = np.asarray(patterns, dtype=float)
    if x.ndim != 3 or x.shape[0] == 0:
        raise PoolvizError(f"`patterns` must be a non-empty stack (n, H, W); got shape {x.shape}")
    mode = as_choice(mode, "mode", SHIFT_MODES)
    per = as_choice(per, "per", PER)
    (kh, kw), (sh, sw) = _check_pool(pool_size, pool_stride, *x.shape[1:])
    shifts = np.concatenate([[(0, 0)], neighbour_shifts(neighbours)])
    per_pattern = len(shifts) * x.shape[1] * x.shape[2]
    block = max(1, _BLOCK_ELEMENTS // per_pattern)
    out = np.empty((x.shape[0], len(shifts) - 1))
    for b0 in range(0, x.shape[0], block):  # one iteration unless the stack is very large
        pooled = max_pool2d(shift_stack(x[b0 : b0 + block], shifts, mode), (kh, kw), (sh, sw))
        same = pooled[:, 1:] == pooled[:, :1]
        reduce = np.all if per == "map" else np.mean
        out[b0 : b0 + block] = reduce(same, axis=(-2, -1))
    return out


def unchanged_fraction_estimate(
    n_patterns: int = 2000,
    height: int = 8,
    width: int = 8,
    density: float = 0.5,
    pool_size=2,
    pool_stride=2,
    neighbours: int = 8,
    mode: str = "zero",
    seed: int = 0,
    exclude_empty: bool = False,
    per: str = "map",
) -> Estimate:
    """Monte Carlo estimate of the expected fraction of unchanged one-pixel shifts.

    Draws ``n_patterns`` Bernoulli(``density``) binary patterns (:func:`random_binary_patterns`),
    shifts each by the 8 (or 4) one-pixel shifts with ``mode`` ("zero": content falls off,
    zeros come in; "wrap": circular), and counts the shifts whose ``pool_size`` /
    ``pool_stride`` max-pool output is exactly the original's. ``exclude_empty`` drops
    all-zero patterns (which every shift leaves unchanged), i.e. conditions on at least
    one 1. ``per="cell"`` counts unchanged pooled cells instead of whole maps (see
    :func:`unchanged_matrix`). Deterministic for a given ``seed``.

    >>> e = unchanged_fraction_estimate(500, density=0.5, mode="wrap", seed=1)
    >>> 0.0 <= e.mean <= 1.0 and e.stderr > 0 and e.per_shift.shape == (8,)
    True
    """
    x = random_binary_patterns(n_patterns, height, width, density, seed)
    if exclude_empty:
        x = x[x.any(axis=(1, 2))]
        if x.shape[0] == 0:
            raise PoolvizError(
                f"`density` too low: all {n_patterns} patterns were empty; got {density!r}"
            )
    same = unchanged_matrix(x, pool_size, pool_stride, neighbours, mode, per)
    per_pattern = same.mean(axis=1)
    n = per_pattern.shape[0]
    stderr = float(per_pattern.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return Estimate(
        mean=float(per_pattern.mean()),
        stderr=stderr,
        n_patterns=n,
        shifts=neighbour_shifts(neighbours),
        per_shift=same.mean(axis=0),
    )


def expected_unchanged_fraction(*args: Any, **kwargs: Any) -> float:
    """The mean of :func:`unchanged_fraction_estimate`, which takes the same arguments (one
    signature, stated there); see it for the standard error.

    >>> 0.0 <= expected_unchanged_fraction(50, seed=1) <= 1.0
    True
    """
    return unchanged_fraction_estimate(*args, **kwargs).mean


def unchanged_fraction_exact(
    height: int = 4,
    width: int = 4,
    pool_size=2,
    pool_stride=2,
    neighbours: int = 8,
    mode: str = "zero",
    per: str = "map",
) -> ExactTable:
    """Every binary pattern of a ``height`` × ``width`` grid (at most 20 cells), enumerated.

    Returns an :class:`ExactTable`; ``table.fraction(density)`` is the exact expectation
    that :func:`unchanged_fraction_estimate` estimates for the same grid, pooling, shifts
    and mode (``exclude_empty`` likewise).

    >>> t = unchanged_fraction_exact(2, 2)  # one pooling cell
    >>> t.counts[:, 0].astype(int).tolist()  # shift right: unchanged iff column 0 holds a 1 (or none do)
    [1, 2, 5, 4, 1]
    """
    h, w = _check_grid(height, width, low=1, high=MAX_EXACT_CELLS)
    n_cells = h * w
    if n_cells > MAX_EXACT_CELLS:
        raise PoolvizError(
            f"`height` × `width` must be at most {MAX_EXACT_CELLS} cells for exact "
            f"enumeration; got {h}x{w}"
        )
    _check_pool(pool_size, pool_stride, h, w)
    shifts = neighbour_shifts(neighbours)
    codes = np.arange(1 << n_cells, dtype=np.int64)
    ones = np.zeros(codes.shape, dtype=np.int64)
    for bit in range(n_cells):
        ones += (codes >> bit) & 1
    patterns = ((codes[:, None] >> np.arange(n_cells)) & 1).astype(float).reshape(-1, h, w)
    same = unchanged_matrix(patterns, pool_size, pool_stride, neighbours, mode, per)
    counts = np.zeros((n_cells + 1, len(shifts)))
    np.add.at(counts, ones, same)
    return ExactTable(n_cells, shifts, counts, np.bincount(ones, minlength=n_cells + 1))


def single_dot_unchanged_fraction(
    height: int = 8,
    width: int = 8,
    pool_size=2,
    pool_stride=2,
    neighbours: int = 8,
    mode: str = "zero",
    per: str = "map",
) -> float:
    """The fraction of one-pixel shifts leaving the max-pool unchanged, for a single dot,
    averaged over every dot position: the situation of the classic "3 of 8" figure.

    >>> single_dot_unchanged_fraction(8, 8, neighbours=4)
    0.5
    """
    h, w = _check_grid(height, width)
    dots = np.eye(h * w).reshape(h * w, h, w)
    return float(unchanged_matrix(dots, pool_size, pool_stride, neighbours, mode, per).mean())


def cell_unchanged_probability(density: float = 0.5, neighbours: int = 8) -> float:
    """Probability that one 2×2/2 max-pool cell keeps its value under a random one-pixel
    shift, for an unbounded Bernoulli(``density``) binary grid (closed form).

    A one-pixel shift makes the cell read a window overlapping the old one in 2 cells
    (left/right/up/down) or 1 cell (diagonal). With ``q = 1 - density`` the two maxima
    differ only when the overlap is all 0 and exactly one of the two non-shared parts
    holds a 1: ``P(change) = 2 q^4 (1 - q^2)`` for an axis shift and ``2 q^4 (1 - q^3)``
    diagonally. In wrap mode this equals the ``per="cell"`` expectation on any grid of
    at least 4×4 (each cell's two windows see distinct cells).

    >>> cell_unchanged_probability(0.5)  # (0.90625 + 0.890625) / 2
    0.8984375
    >>> cell_unchanged_probability(0.5, neighbours=4)
    0.90625
    """
    p = _check_density(density)
    if neighbours not in (4, 8):
        raise PoolvizError(f"`neighbours` must be 4 or 8; got {show(neighbours)}")
    q = 1.0 - p
    axis = 1.0 - 2.0 * q**4 * (1.0 - q**2)
    if neighbours == 4:
        return axis
    return (axis + 1.0 - 2.0 * q**4 * (1.0 - q**3)) / 2.0
