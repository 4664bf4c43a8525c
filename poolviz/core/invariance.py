"""How much each stage of a pipeline changes when the input is shifted.

Every measure runs all shifts through the pipeline in one vectorized call: the shifted
inputs are stacked on a leading axis (``shift_stack``) and the pipeline broadcasts over it.

Examples
--------
>>> from poolviz.core.patterns import make_preset
>>> from poolviz.core.pipeline import with_pooling
>>> rows = one_pixel_summary(make_preset("book"), with_pooling(((1.0,),)))
>>> [(r.label, r.unchanged, r.total) for r in rows]
[('input', 0, 4), ('conv 1×1', 0, 4), ('max-pool 2×2 /2', 3, 4), ('conv 2×2 /2', 3, 4), ('global max', 3, 4)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import shift_stack
from poolviz.core.pipeline import Layer, check_grid, cumulative_strides, run_pipeline

__all__ = [
    "SWEEP_AXES",
    "neighbour_shifts",
    "sweep_shifts",
    "Sweep",
    "sweep",
    "StageSummary",
    "one_pixel_summary",
    "count_distinct",
    "changed_mask",
    "changed_cells",
]

SWEEP_AXES = ("dx", "dy", "grid")
# Cells within this fraction of the larger magnitude count as equal: float sums of
# small integers are exact, so this only absorbs rounding of non-integer weights.
RELATIVE_TOLERANCE = 1e-9


def neighbour_shifts(count: int = 4) -> np.ndarray:
    """The one-pixel shifts as (dy, dx) rows: 4 (right, left, down, up) or 8 (plus diagonals).

    >>> neighbour_shifts(4).tolist()
    [[0, 1], [0, -1], [1, 0], [-1, 0]]
    """
    if count not in (4, 8):
        raise PoolvizError(f"`count` must be 4 or 8; got {count!r}")
    rows = [(0, 1), (0, -1), (1, 0), (-1, 0)]
    if count == 8:
        rows += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    return np.array(rows, dtype=int)


def sweep_shifts(axis: str, height: int, width: int, radius: int | None = None) -> np.ndarray:
    """All shifts along ``axis`` ("dx", "dy" or "grid") within ``radius`` (default: the grid).

    Rows are (dy, dx); for "grid" the order is row-major over dy then dx.

    >>> sweep_shifts("dx", 4, 4, radius=2).tolist()
    [[0, -2], [0, -1], [0, 0], [0, 1], [0, 2]]
    """
    if axis not in SWEEP_AXES:
        raise PoolvizError(f"`axis` must be one of {', '.join(SWEEP_AXES)}; got {axis!r}")
    if radius is not None and radius < 0:
        raise PoolvizError(f"`radius` must be at least 0; got {radius!r}")
    ry = height if radius is None else min(radius, height)
    rx = width if radius is None else min(radius, width)
    dys = np.arange(-ry, ry + 1)
    dxs = np.arange(-rx, rx + 1)
    if axis == "dx":
        return np.stack([np.zeros_like(dxs), dxs], axis=1)
    if axis == "dy":
        return np.stack([dys, np.zeros_like(dys)], axis=1)
    grid_y, grid_x = np.meshgrid(dys, dxs, indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1)


def changed_mask(reference: np.ndarray, other: np.ndarray) -> np.ndarray | None:
    """Cells where ``other`` differs from ``reference`` beyond float rounding: the one
    "changed cell" rule of every figure, sentence, export, sweep and browser mark.

    A cell counts as changed when ``abs(other - reference) > RELATIVE_TOLERANCE *
    max(1, m)``, ``m`` the largest magnitude in the two maps compared, so noise from a
    different summation order does not count. ``other`` may stack several maps on leading
    axes, shape ``(..., *reference.shape)``: each is compared with ``reference`` on its
    own scale, so a sweep over every shift is one call. ``None`` when the cell shapes
    differ (there is nothing to compare cell by cell).

    Examples
    --------
    >>> changed_mask(np.array([[1.0, 2.0]]), np.array([[1.0, 2.5]])).tolist()
    [[False, True]]
    >>> changed_mask(np.array([1.0]), np.array([1.0, 2.0])) is None
    True
    >>> changed_mask(np.array(2.0), np.array([2.0, 2.0 + 1e-12, 3.0])).tolist()
    [False, False, True]
    """
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    if a.shape == b.shape:  # one map against one (the sentences, per shift): one scale
        scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), 1.0)
        return np.abs(b - a) > RELATIVE_TOLERANCE * scale
    if b.ndim < a.ndim or b.shape[b.ndim - a.ndim :] != a.shape:
        return None
    cells = tuple(range(b.ndim - a.ndim, b.ndim))
    scale = np.maximum(np.abs(a).max(initial=0.0), np.abs(b).max(axis=cells, initial=0.0))
    scale = np.expand_dims(np.maximum(scale, 1.0), cells)
    return np.abs(b - a) > RELATIVE_TOLERANCE * scale


def changed_cells(original: np.ndarray, shifted: np.ndarray) -> int:
    """How many cells of ``shifted`` differ from ``original`` by :func:`changed_mask`.

    When the shapes differ, every cell of the larger map counts as changed.

    Examples
    --------
    >>> changed_cells(np.zeros((2, 2)), np.eye(2))
    2
    >>> changed_cells(np.array(1.0), np.array(1.0 + 1e-12))
    0
    """
    mask = changed_mask(original, shifted)
    if mask is None or np.shape(original) != np.shape(shifted):
        return max(np.size(original), np.size(shifted))
    return int(np.count_nonzero(mask))


@dataclass(frozen=True)
class Sweep:
    """Per stage (rows) and per shift (columns) measures of change.

    Attributes
    ----------
    labels : the stage labels, input first.
    shifts : (S, 2) int array of (dy, dx).
    relative_change : (n_stages, S): ``||f(Tx) - f(x)|| / ||f(x)||``; 0 where both are
        zero, and measured against ``||f(Tx)||`` (so 1) where only ``f(x)`` is zero.
    changed_fraction : (n_stages, S): fraction of cells that changed.
    equivariance_error : (n_stages, S): ``||f(Tx) - T'f(x)|| / ||f(x)||`` where ``T'`` is
        the shift divided by the stage's cumulative stride; NaN where the shift is not a
        multiple of it. After a global pool ``T'`` is the identity, so it equals the
        relative change.
    """

    labels: tuple[str, ...]
    shifts: np.ndarray
    relative_change: np.ndarray
    changed_fraction: np.ndarray
    equivariance_error: np.ndarray

    def unchanged(self) -> np.ndarray:
        """(n_stages, S) bool: True where no cell of the stage changed."""
        return self.changed_fraction == 0


def _norms(a: np.ndarray, stage_ndim: int) -> np.ndarray:
    axes = tuple(range(a.ndim - stage_ndim, a.ndim))
    return np.sqrt(np.sum(a * a, axis=axes)) if axes else np.abs(a)


def _relative(
    diff_norm: np.ndarray, base_norm: np.ndarray, fallback_norm: np.ndarray
) -> np.ndarray:
    denominator = np.where(base_norm > 0, base_norm, fallback_norm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(diff_norm == 0, 0.0, diff_norm / denominator)


def sweep(
    x: np.ndarray, pipeline: tuple[Layer, ...], shifts: np.ndarray, mode: str = "zero"
) -> Sweep:
    """Measure every stage of ``pipeline`` under every shift of the 2-D pattern ``x``.

    One pipeline run over a stack of ``1 + S`` inputs (the original first).
    """
    x = check_grid(x)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    shifts = np.asarray(shifts, dtype=int).reshape(-1, 2)
    stacked = np.concatenate([x[None], shift_stack(x, shifts, mode)], axis=0)
    stages = run_pipeline(pipeline, stacked)
    strides = cumulative_strides(pipeline)
    n_stages, n_shifts = len(stages), len(shifts)
    relative = np.zeros((n_stages, n_shifts))
    fraction = np.zeros((n_stages, n_shifts))
    equivariance = np.full((n_stages, n_shifts), np.nan)
    for index, (stage, stride) in enumerate(zip(stages, strides, strict=False)):
        base, moved = stage.maps[0], stage.maps[1:]
        stage_ndim = base.ndim
        diff = moved - base
        changed = changed_mask(base, moved)
        cell_axes = tuple(range(1, 1 + stage_ndim))
        fraction[index] = changed.mean(axis=cell_axes) if cell_axes else changed
        base_norm = _norms(base, stage_ndim)
        moved_norms = _norms(moved, stage_ndim)
        relative[index] = _relative(_norms(diff, stage_ndim), base_norm, moved_norms)
        if stride is None:
            equivariance[index] = relative[index]
            continue
        step = np.array(stride)
        whole = np.all(shifts % step == 0, axis=1)
        if whole.any():
            expected = shift_stack(base, shifts[whole] // step, mode)
            error_norm = _norms(moved[whole] - expected, stage_ndim)
            equivariance[index, whole] = _relative(error_norm, base_norm, moved_norms[whole])
    return Sweep(tuple(s.label for s in stages), shifts, relative, fraction, equivariance)


@dataclass(frozen=True)
class StageSummary:
    """How many of the one-pixel shifts leave a stage's output exactly unchanged."""

    label: str
    unchanged: int
    total: int
    unchanged_shifts: tuple[tuple[int, int], ...]


def one_pixel_summary(
    x: np.ndarray, pipeline: tuple[Layer, ...], mode: str = "zero", neighbours: int = 4
) -> list[StageSummary]:
    """For each stage, the one-pixel shifts (4 or 8 neighbours) that leave it unchanged."""
    shifts = neighbour_shifts(neighbours)
    result = sweep(x, pipeline, shifts, mode)
    rows = []
    for label, same in zip(result.labels, result.unchanged(), strict=False):
        kept = tuple((int(dy), int(dx)) for (dy, dx), s in zip(shifts, same, strict=False) if s)
        rows.append(StageSummary(label, len(kept), len(shifts), kept))
    return rows


def count_distinct(maps: np.ndarray) -> int:
    """How many different maps a stack ``(S, ...)`` holds (cells compared to 1e-9).

    >>> count_distinct(np.array([[[1.0]], [[1.0]], [[2.0]]]))
    2
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim < 1 or maps.shape[0] == 0:
        raise PoolvizError(f"`maps` must be a non-empty stack (S, ...); got shape {maps.shape}")
    flat = np.round(maps.reshape(maps.shape[0], -1), 9) + 0.0  # +0.0 merges -0.0 with 0.0
    return int(np.unique(flat, axis=0).shape[0])
