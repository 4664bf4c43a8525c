"""The page's whole view as one hashable value: :class:`ViewState` and :data:`DEFAULT`.

Every control of the page lives in :class:`ViewState`, so a view can key a
cache and travel in a link.  This module is the model only: how each field is
written into and read from the URL is :mod:`poolviz.view.codec`, and
:mod:`poolviz.view.state` gathers both under one name.

>>> DEFAULT.with_kernel([[1, 0, -1]]).kernel_array().shape
(1, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.limits import MAX_ABS_WEIGHT, MIN_GRID, PAGE_MAX_GRID, PAGE_MAX_KERNEL
from poolviz.core.pipeline import LayerSettings
from poolviz.lessons.lesson import FIRST_STEP
from poolviz.lessons.pipelines import DEFAULT_PAIR
from poolviz.view.formats import _GRAY_LEVELS, WEIGHT_DECIMALS, Grid, _fmt_decimal

_BOOK_COLUMNS = (2, 4)
_SNAP_TOLERANCE = 1e-9  # with_pattern/with_kernel snap float noise, nothing more

BOOK_PATTERN: Grid = tuple(
    tuple(1.0 if col in _BOOK_COLUMNS else 0.0 for col in range(8)) for _ in range(8)
)
IDENTITY_KERNEL: Grid = ((1.0,),)


@dataclass(frozen=True)
class ViewState:
    """Everything the page shows; hashable, so it can key a cache.

    Construction does not validate (it must stay cheap); :func:`validate`
    lists problems, :func:`decode` only ever returns valid states, and
    :meth:`with_pattern` / :meth:`with_kernel` check and convert arrays.

    >>> DEFAULT.height, DEFAULT.width, DEFAULT.pattern[0]
    (8, 8, (0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0))
    >>> hash(DEFAULT) == hash(ViewState())
    True
    """

    tab: str = "explore"
    step: int = FIRST_STEP  # the lesson step on screen; 0 once the user leaves the path
    present: bool = False  # presentation mode: no sidebar, larger cells, keys walk the steps
    pipelines: tuple[str, str] = DEFAULT_PAIR  # the two pipelines Explore compares
    pattern: Grid = BOOK_PATTERN
    dx: int = 1
    dy: int = 0
    mode: str = "zero"
    kernel: Grid = IDENTITY_KERNEL
    conv_stride: int = 1
    conv_padding: int = 0
    relu: bool = False
    pool: str = "max"
    pool_size: int = 2
    pool_stride: int = 2
    blur_taps: int = 3  # BlurPool's filter: 3 = [1,2,1] (Zhang 2019), 4 = [1,3,3,1]
    next_stride: int = 2
    next_padding: int = 0
    show_values: bool = True
    sweep: str = "dx"
    seed: int = 0
    threshold: float = 0.5
    ex_samples: int = 400
    ex_motif: str = "blob"
    ex_distractors: int = 3
    ex_grid: int = 16
    ex_steps: int = 300
    ex_rate: float = 0.5
    ex_seed: int = 0

    @property
    def height(self) -> int:
        """Number of pattern rows."""
        return len(self.pattern)

    @property
    def width(self) -> int:
        """Number of pattern columns."""
        return len(self.pattern[0]) if self.pattern else 0

    def pattern_array(self) -> np.ndarray:
        """The pattern as a new float64 array of shape ``(height, width)``."""
        return np.array(self.pattern, dtype=np.float64)

    def kernel_array(self) -> np.ndarray:
        """The kernel as a new float64 array.

        >>> DEFAULT.kernel_array()
        array([[1.]])
        """
        return np.array(self.kernel, dtype=np.float64)

    def with_pattern(self, array: Any) -> ViewState:
        """Return a copy showing ``array`` as the pattern.

        ``array`` must be 2-D with height and width from 4 to 32, and hold only
        tenths 0.0, 0.1, ..., 1.0 (binary 0/1 is the special case); float noise
        below 1e-9 is snapped to the exact tenth.  ``dx`` and ``dy`` are clamped
        to the new width and height so the result stays valid.

        >>> s = DEFAULT.with_pattern(np.full((4, 5), 0.1 + 0.2))
        >>> s.pattern[0][0], s.width, s.dx
        (0.3, 5, 1)
        >>> DEFAULT.with_pattern(np.zeros((3, 40)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        poolviz.core.checks.PoolvizError: `array` must be 2-D with height and width from 4 to 32; ...
        """
        pattern = _pattern_from_array(array)
        h, w = len(pattern), len(pattern[0])
        return replace(
            self,
            pattern=pattern,
            dx=min(max(self.dx, -w), w),
            dy=min(max(self.dy, -h), h),
        )

    def layer_settings(self) -> LayerSettings:
        """The layer settings of this view, as the pipelines, the snippet and exports take them.

        >>> DEFAULT.layer_settings().next_stride
        2
        """
        return LayerSettings(
            kernel=self.kernel,
            conv_stride=self.conv_stride,
            conv_padding=self.conv_padding,
            use_relu=self.relu,
            pool=self.pool,
            pool_size=self.pool_size,
            pool_stride=self.pool_stride,
            blur_taps=self.blur_taps,
            next_stride=self.next_stride,
            next_padding=self.next_padding,
        )

    def with_kernel(self, array: Any) -> ViewState:
        """Return a copy using ``array`` as the convolution kernel.

        ``array`` must be 2-D with 1 to 5 rows and columns, finite weights within
        +-1000 with at most 4 decimals (float noise below 1e-9 is snapped).

        >>> DEFAULT.with_kernel([[1, 0, -1]]).kernel
        ((1.0, 0.0, -1.0),)
        >>> DEFAULT.with_kernel([[0.12345]])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        poolviz.core.checks.PoolvizError: `array` weights must have at most 4 decimals; got 0.12345 ...
        """
        return replace(self, kernel=_kernel_from_array(array))


DEFAULT = ViewState()


def _as_2d_float(array: Any) -> np.ndarray:
    try:
        arr = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PoolvizError(
            f"`array` must be a 2-D array of numbers; got {type(array).__name__}"
        ) from exc
    if arr.ndim != 2:
        raise PoolvizError(f"`array` must be 2-D; got {arr.ndim}-D with shape {arr.shape}")
    if not np.isfinite(arr).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise PoolvizError(
            f"`array` must be finite; got {float(arr[row, col])!r} at row {row}, column {col}"
        )
    return arr


def _pattern_from_array(array: Any) -> Grid:
    arr = _as_2d_float(array)
    h, w = arr.shape
    if not (MIN_GRID <= h <= PAGE_MAX_GRID and MIN_GRID <= w <= PAGE_MAX_GRID):
        raise PoolvizError(
            f"`array` must be 2-D with height and width from {MIN_GRID} to {PAGE_MAX_GRID}; "
            f"got shape {arr.shape}"
        )
    scaled = arr * _GRAY_LEVELS
    levels = np.rint(scaled)
    bad = (
        (np.abs(scaled - levels) > _SNAP_TOLERANCE * _GRAY_LEVELS)
        | (levels < 0)
        | (levels > _GRAY_LEVELS)
    )
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise PoolvizError(
            "`array` values must be 0 and 1 (binary) or tenths 0.0, 0.1, ..., 1.0 (gray); "
            f"got {float(arr[row, col])!r} at row {row}, column {col}"
        )
    return tuple(tuple(int(v) / _GRAY_LEVELS for v in row) for row in levels)


def _kernel_from_array(array: Any) -> Grid:
    arr = _as_2d_float(array)
    rows, cols = arr.shape
    if not (1 <= rows <= PAGE_MAX_KERNEL and 1 <= cols <= PAGE_MAX_KERNEL):
        raise PoolvizError(
            f"`array` must be 2-D with 1 to {PAGE_MAX_KERNEL} rows and columns; "
            f"got shape {arr.shape}"
        )
    out = []
    for r in range(rows):
        row = []
        for c in range(cols):
            v = float(arr[r, c])
            where = f"got {v!r} at row {r}, column {c}"
            if abs(v) > MAX_ABS_WEIGHT:
                raise PoolvizError(f"`array` weights must be within ±{MAX_ABS_WEIGHT:g}; {where}")
            snapped = float(_fmt_decimal(v, WEIGHT_DECIMALS))
            if abs(snapped - v) > _SNAP_TOLERANCE * max(1.0, abs(v)):
                raise PoolvizError(
                    f"`array` weights must have at most {WEIGHT_DECIMALS} decimals; {where}"
                )
            row.append(snapped)
        out.append(tuple(row))
    return tuple(out)
