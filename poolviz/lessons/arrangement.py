"""What one global pool at the end throws away: how the parts are arranged.

Two patterns are made of the same two parts, a horizontal bar and a vertical bar: once
arranged as a T (the stem under the bar's middle, ``gap`` empty rows between them), once
with the bars apart. A global pool over small receptive fields sees each part on its own,
so it can give both the same number; a pipeline whose pooling has grown the receptive
field sees the bar and the stem together in the T, and tells them apart.

The pair is not hard-coded: :func:`find_arrangement_pair` tries every gap and placement
for the pipelines it is given (so for the current filter and settings) in one pipeline
call per pipeline, and returns the first pair whose global outputs are equal for the
small-field pipeline and different for the large-field one, or ``None``.

>>> from poolviz.core.pipeline import Conv, GlobalPool, NEXT_KERNEL, Pool
>>> small = (Conv(((1.0,),)), Conv(NEXT_KERNEL, 1), GlobalPool())
>>> large = (Conv(((1.0,),)), Pool("max"), Conv(NEXT_KERNEL, 2), GlobalPool())
>>> pair = find_arrangement_pair(small, large, (8, 8))
>>> pair.gap, pair.small_outputs, pair.large_outputs
(1, (2.0, 2.0), (3.0, 2.0))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_mask
from poolviz.core.pipeline import Layer, run_pipeline

__all__ = ["ArrangementPair", "t_pattern", "apart_pattern", "find_arrangement_pair"]

BAR = 3  # both bars are 3 cells long
MAX_GAP = 3


@dataclass(frozen=True)
class ArrangementPair:
    """The T (``together``) and the same bars ``apart``, and what each pipeline outputs."""

    together: np.ndarray
    apart: np.ndarray
    gap: int
    small_outputs: tuple[float, float]
    large_outputs: tuple[float, float]


def t_pattern(shape: tuple[int, int], row: int, col: int, gap: int) -> np.ndarray:
    """A bar at ``row``, columns ``col .. col+2``, and a stem under its middle after ``gap`` rows.

    >>> t_pattern((6, 5), 0, 1, 1).astype(int)
    array([[0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0],
           [0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0],
           [0, 0, 0, 0, 0]])
    """
    x = np.zeros(shape)
    x[row, col : col + BAR] = 1.0
    x[row + 1 + gap : row + 1 + gap + BAR, col + 1] = 1.0
    return x


def apart_pattern(shape: tuple[int, int]) -> np.ndarray:
    """The same two bars, as far apart as the grid allows (bar top left, stem bottom right).

    >>> apart_pattern((6, 6)).astype(int)[[0, 5]]
    array([[1, 1, 1, 0, 0, 0],
           [0, 0, 0, 0, 0, 1]])
    """
    h, w = shape
    x = np.zeros(shape)
    x[0, 0:BAR] = 1.0
    x[h - BAR : h, w - 1] = 1.0
    return x


def _globals(pipeline: tuple[Layer, ...], stack: np.ndarray) -> np.ndarray:
    maps = run_pipeline(pipeline, stack)[-1].maps
    if maps.ndim != 1:
        raise PoolvizError("`pipeline` must end with a global pool")
    return maps


def find_arrangement_pair(
    small: tuple[Layer, ...], large: tuple[Layer, ...], shape: tuple[int, int]
) -> ArrangementPair | None:
    """The first T (smallest gap, then top-left placement) that ``small`` cannot tell from
    the bars apart and ``large`` can; ``None`` when no placement on this grid does.

    Both pipelines must end in a global pool. Every T of every gap from 0 to
    :data:`MAX_GAP` is tried, stacked into one call per pipeline.
    """
    h, w = shape
    if h < 2 * BAR + 1 or w < BAR + 1:
        raise PoolvizError(f"`shape` must be at least {2 * BAR + 1}x{BAR + 1}; got {h}x{w}")
    apart = apart_pattern(shape)
    candidates = [
        (gap, r, c)
        for gap in range(MAX_GAP + 1)
        for r in range(h - BAR - gap)
        for c in range(w - BAR + 1)
    ]
    stack = np.stack([apart] + [t_pattern(shape, r, c, g) for g, r, c in candidates])
    out_small, out_large = _globals(small, stack), _globals(large, stack)
    same_small = ~changed_mask(out_small[0], out_small[1:])
    differ_large = changed_mask(out_large[0], out_large[1:])
    hits = np.flatnonzero(same_small & differ_large)
    if hits.size == 0:
        return None
    i = int(hits[0])
    gap = candidates[i][0]
    return ArrangementPair(
        together=stack[i + 1],
        apart=apart,
        gap=gap,
        small_outputs=(float(out_small[i + 1]), float(out_small[0])),
        large_outputs=(float(out_large[i + 1]), float(out_large[0])),
    )
