"""The sliding window, step by step: for one stage, every output cell with what fills it.

Examples
--------
>>> from poolviz.core.patterns import make_preset
>>> from poolviz.core.pipeline import with_pooling
>>> frames = window_frames(with_pooling(((1.0,),)), make_preset("book"), stage=2)
>>> len(frames.windows), frames.windows[1], frames.captions[1]
(16, ((0, 2), (2, 4)), 'max(1, 0, 1, 0) = 1')
>>> frames.terms[1].tolist()
[[1.0, 0.0], [1.0, 0.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.pipeline import Conv, GlobalPool, Layer, Pool, run_pipeline
from poolviz.core.receptive import cell_arithmetic, window_steps

__all__ = ["MAX_FRAMES", "WindowFrames", "window_frames"]

MAX_FRAMES = 256  # an animation longer than this starts at the chosen cell and stops here


@dataclass(frozen=True)
class WindowFrames:
    """Everything the step-through shows for one stage.

    ``windows[i]`` is the window of output cell ``first + i`` (row-major) as half-open
    ``((r0, r1), (c0, c1))`` in input coordinates, reaching past the border where padding
    is read; ``terms[i]`` the numbers combined there (value × weight for a conv, the
    window's values for a pool, with padding shown as 0 or −inf); ``captions[i]`` the
    arithmetic, exactly as computed.
    """

    label: str
    layer_input: np.ndarray
    output: np.ndarray
    first: int
    windows: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    terms: tuple[np.ndarray, ...]
    captions: tuple[str, ...]
    terms_title: str


def _reads_padding(layer: Layer) -> bool:
    """Conv, max and avg pools read a padded rectangle; the other layers read exact cells."""
    return isinstance(layer, Conv) or (isinstance(layer, Pool) and layer.kind in ("max", "avg"))


def _padded(x: np.ndarray, layer: Layer) -> tuple[np.ndarray, int, int]:
    if _reads_padding(layer):
        pad = layer.padding
        ph, pw = (pad, pad) if isinstance(pad, (int, np.integer)) else pad
        fill = -np.inf if isinstance(layer, Pool) and layer.kind == "max" else 0.0
        return np.pad(x, ((ph, ph), (pw, pw)), constant_values=fill), ph, pw
    return x, 0, 0


def window_frames(
    pipeline: tuple[Layer, ...], x: np.ndarray, stage: int, start: int = 0
) -> WindowFrames:
    """The frames of the sliding window that computes stage ``stage`` (1 = first layer).

    Starts at output cell ``start`` (row-major) and holds at most ``MAX_FRAMES`` cells.
    """
    stages = run_pipeline(pipeline, x)
    if isinstance(stage, bool) or not isinstance(stage, (int, np.integer)):
        raise PoolvizError(f"`stage` must be an integer from 1 to {len(stages) - 1}; got {stage!r}")
    if not 1 <= stage < len(stages):
        raise PoolvizError(f"`stage` must be from 1 to {len(stages) - 1}; got {stage}")
    layer = pipeline[stage - 1]
    xin = np.asarray(stages[stage - 1].maps, dtype=float)
    out = np.atleast_2d(stages[stage].maps)
    n_cells = out.size
    if not 0 <= start < n_cells:
        raise PoolvizError(f"`start` must be from 0 to {n_cells - 1}; got {start}")
    steps = window_steps(layer, xin.shape, xin)[start : start + MAX_FRAMES]
    padded, ph, pw = _padded(xin, layer)
    windows, terms, captions = [], [], []
    kernel = np.asarray(layer.kernel, dtype=float) if isinstance(layer, Conv) else None
    for step in steps:
        (r0, r1), (c0, c1) = step.padded_rows, step.padded_cols
        if _reads_padding(layer):
            values = padded[r0:r1, c0:c1]
            windows.append(((r0 - ph, r1 - ph), (c0 - pw, c1 - pw)))
        else:
            # ReLU, global, blur and APS: the exact cells read (blur reflects, APS wraps).
            rows, cols = list(step.row_cells), list(step.col_cells)
            values = xin[np.ix_(rows, cols)]
            windows.append(((min(rows), max(rows) + 1), (min(cols), max(cols) + 1)))
        terms.append(values * kernel if kernel is not None else values)
        row, col = (0, 0) if isinstance(layer, GlobalPool) else (step.row, step.col)
        captions.append(cell_arithmetic(pipeline, x, stage, row, col))
    return WindowFrames(
        label=stages[stage].label,
        layer_input=xin,
        output=out,
        first=start,
        windows=tuple(windows),
        terms=tuple(terms),
        captions=tuple(captions),
        terms_title="value × weight" if kernel is not None else "values in the window",
    )
