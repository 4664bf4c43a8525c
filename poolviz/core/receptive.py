"""Linked receptive fields: which cells of every stage feed one cell, and the sliding window.

Every layer of a pipeline reads, for one output cell, a *rectangle of rows times a
rectangle of columns* of its input: a kernel window for conv / max / avg (clipped by
the padding), one cell for ReLU, everything for a global pool, the 2x2-max-then-3x3-blur
footprint for blur pooling (reflect padding folds edge positions back inside), and for
APS the ``size`` window of the kept polyphase component, wrapped circularly. So each
layer is described per axis by a boolean *relation* ``A[i, u]`` ("output index ``i``
reads input index ``u``"), and

* the input cells feeding a set ``M`` of output cells are ``A_rows.T @ M @ A_cols > 0``,
* the output cells fed by a set ``X`` of input cells are ``A_rows @ X @ A_cols.T > 0``,

one matrix product per layer for any mask (this is how :func:`upstream_masks` and
:func:`downstream_masks` compose through a whole pipeline).

The dependence is *structural*: a conv window includes the cells under zero weights,
a max-pool window all cells that could be the max. APS depends on the values only
through which polyphase component is kept (computed from the layer's actual input with
:func:`poolviz.core.ops.aps_choice`); with that choice fixed the window is structural too.

The module is one piece (about 600 lines) on purpose: every layer kind's axis map
(``_axes`` and the ``_*_axis`` builders) is used by all three public walks -- the sliding
window (:func:`input_window`, :func:`window_steps`), :func:`upstream_masks` and
:func:`downstream_masks` -- and by :func:`cell_arithmetic`, so splitting it would either
duplicate those maps or leave one half to import the other's private core.

Examples
--------
>>> from poolviz.core.pipeline import Conv, Pool
>>> w = input_window(Conv(((1.0,) * 3,) * 3, stride=2, padding=1), (6, 6), 0, 0)
>>> w.padded_rows, w.rows, w.outside
((0, 3), (0, 2), 5)
>>> w.bbox()
(0, 2, 0, 2)
>>> input_window(Pool("blur", stride=2), (6, 6), 0, 0).bbox()  # reflect stays inside
(0, 3, 0, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError, as_int, show
from poolviz.core.ops import BLUR_TAPS, aps_choice, blur_pads
from poolviz.core.pipeline import Conv, GlobalPool, Layer, Pool, ReLU, Stage, run_pipeline
from poolviz.core.text import format_value

__all__ = [
    "Window",
    "Step",
    "output_shape",
    "input_window",
    "mask_bbox",
    "upstream_masks",
    "downstream_masks",
    "cell_arithmetic",
    "window_steps",
]

_MAX_TERMS = 12  # cell_arithmetic lists at most this many terms, then "…"
_MINUS = "\u2212"


# ---------------------------------------------------------------- per-axis geometry


@dataclass(frozen=True)
class _Axis:
    """One axis of a layer's windows.

    ``start[i]``: first footprint position of output index ``i`` in padded coordinates
    (input index = padded index - ``pad``); the footprint is ``length`` positions long.
    ``cells[i]``: the input indices it actually reads (repeats allowed), -1 for padding.
    ``inside[i]``: footprint positions that lie on the real input (not padded, reflected
    or wrapped).
    """

    n_in: int
    start: np.ndarray
    length: int
    pad: int
    cells: np.ndarray
    inside: np.ndarray

    @property
    def n_out(self) -> int:
        return int(self.start.shape[0])

    def relation(self) -> np.ndarray:
        """(n_out, n_in) bool: ``A[i, u]`` when output index ``i`` reads input index ``u``."""
        a = np.zeros((self.n_out, self.n_in), dtype=bool)
        rows = np.broadcast_to(np.arange(self.n_out)[:, None], self.cells.shape)
        ok = self.cells >= 0
        a[rows[ok], self.cells[ok]] = True
        return a


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    try:
        a, b = value
        return as_int(a, name), as_int(b, name)
    except (TypeError, ValueError):
        raise PoolvizError(
            f"`{name}` must be an int or an (h, w) pair; got {show(value)}"
        ) from None


def _inside(start: np.ndarray, length: int, pad: int, n: int) -> np.ndarray:
    pos = start[:, None] + np.arange(length)[None, :] - pad
    return np.count_nonzero((pos >= 0) & (pos < n), axis=1)


def _window_axis(n: int, k: int, s: int, p: int) -> _Axis:
    n_out = (n + 2 * p - k) // s + 1
    start = np.arange(max(n_out, 0)) * s
    cells = start[:, None] + np.arange(k)[None, :] - p
    cells = np.where((cells >= 0) & (cells < n), cells, -1)
    return _Axis(n, start, k, p, cells, _inside(start, k, p, n))


def _blur_axis(n: int, s: int, taps: int = 3) -> _Axis:
    # m = 2x2 max at stride 1 has n - 1 positions; reflect-pad it by (1, 1) for 3 taps or
    # (1, 2) for 4 (blur_pads); blur `taps` at stride s. The output length is the same.
    before, _ = blur_pads(taps)
    last = n - 2  # last index of m
    n_out = (n - 2) // s + 1
    start = np.arange(max(n_out, 0)) * s
    u = start[:, None] + np.arange(taps)[None, :] - before  # m positions before reflection
    u = np.where(u < 0, -u, u)
    u = np.where(u > last, 2 * last - u, u)
    cells = np.concatenate([u, u + 1], axis=1)  # each m position reads x[u], x[u + 1]
    length = taps + 1  # footprint on x: the taps m positions, each 2 wide, overlapping
    return _Axis(n, start, length, before, cells, _inside(start, length, before, n))


def _aps_axis(n: int, k: int, s: int, phase: int) -> _Axis:
    start = np.arange(n // s) * s + phase
    cells = (start[:, None] + np.arange(k)[None, :]) % n
    return _Axis(n, start, k, 0, cells, _inside(start, k, 0, n))


def _cell_axis(n: int) -> _Axis:
    start = np.arange(n)
    return _Axis(n, start, 1, 0, start[:, None], np.ones(n, dtype=int))


def _global_axis(n: int) -> _Axis:
    return _Axis(n, np.zeros(1, dtype=int), n, 0, np.arange(n)[None, :], np.array([n]))


def _aps_phase(layer: Pool, in_shape: tuple[int, int], layer_input) -> tuple[int, int]:
    if layer_input is None:
        raise PoolvizError(
            "`layer_input` is required for APS pooling (the kept polyphase component "
            "depends on the values); got None"
        )
    xin = np.asarray(layer_input, dtype=float)
    if xin.shape != tuple(in_shape):
        raise PoolvizError(
            f"`layer_input` must have the input shape {tuple(in_shape)}; got shape {xin.shape}"
        )
    index, _ = aps_choice(xin, layer.size, layer.stride)
    sw = _pair(layer.stride, "stride")[1]
    return int(index) // sw, int(index) % sw


def _axes(layer: Layer, in_shape, layer_input=None) -> tuple[_Axis, _Axis]:
    """The row and column geometry of ``layer`` on an input of ``in_shape``."""
    if len(tuple(in_shape)) != 2:
        raise PoolvizError(f"`in_shape` must be (H, W); got {show(tuple(in_shape))}")
    h, w = (as_int(v, "in_shape") for v in in_shape)
    if h < 1 or w < 1:
        raise PoolvizError(f"`in_shape` must be at least 1x1; got {h}x{w}")
    if isinstance(layer, ReLU):
        rows, cols = _cell_axis(h), _cell_axis(w)
    elif isinstance(layer, GlobalPool):
        rows, cols = _global_axis(h), _global_axis(w)
    elif isinstance(layer, Conv):
        (kh, kw), (sh, sw), (ph, pw) = (
            layer.size,
            _pair(layer.stride, "stride"),
            _pair(layer.padding, "padding"),
        )
        rows, cols = _window_axis(h, kh, sh, ph), _window_axis(w, kw, sw, pw)
    elif isinstance(layer, Pool) and layer.kind in ("max", "avg"):
        kh, kw = _pair(layer.size, "size")
        sh, sw = (kh, kw) if layer.stride is None else _pair(layer.stride, "stride")
        ph, pw = _pair(layer.padding, "padding")
        rows, cols = _window_axis(h, kh, sh, ph), _window_axis(w, kw, sw, pw)
    elif isinstance(layer, Pool) and layer.kind == "blur":
        least = blur_pads(layer.taps)[1] + 2  # as blur_pool2d: 3x3 for 3 taps, 4x4 for 4
        if h < least or w < least:
            raise PoolvizError(
                f"`in_shape` must be at least {least}x{least} for blur pooling; got {h}x{w}"
            )
        sh, sw = _pair(layer.stride, "stride")
        rows, cols = _blur_axis(h, sh, layer.taps), _blur_axis(w, sw, layer.taps)
    elif isinstance(layer, Pool) and layer.kind == "aps":
        (kh, kw), (sh, sw) = _pair(layer.size, "size"), _pair(layer.stride, "stride")
        if h % sh or w % sw or kh > h or kw > w:
            raise PoolvizError(
                f"`layer` {layer.label} does not fit an input of {h}x{w} (the stride must "
                "divide it and the window fit in it)"
            )
        p, q = _aps_phase(layer, (h, w), layer_input)
        rows, cols = _aps_axis(h, kh, sh, p), _aps_axis(w, kw, sw, q)
    else:
        raise PoolvizError(f"`layer` must be a Conv, ReLU, Pool or GlobalPool; got {layer!r}")
    if rows.n_out < 1 or cols.n_out < 1:
        raise PoolvizError(f"`layer` {layer.label} does not fit an input of {h}x{w}")
    return rows, cols


def output_shape(layer: Layer, in_shape) -> tuple[int, ...]:
    """The shape of ``layer``'s output on an input of ``in_shape``: ``()`` after a global pool.

    >>> output_shape(Conv(((1.0,) * 3,) * 3, stride=2), (8, 8))
    (3, 3)
    """
    if isinstance(layer, GlobalPool):
        _axes(layer, in_shape)
        return ()
    if isinstance(layer, Pool) and layer.kind == "aps":  # the shape does not need the phase
        h, w = in_shape
        sh, sw = _pair(layer.stride, "stride")
        return h // sh, w // sw
    rows, cols = _axes(layer, in_shape)
    return rows.n_out, cols.n_out


# ---------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """The input cells that feed output cell ``(row, col)`` of one layer.

    Attributes
    ----------
    row, col : the output cell.
    in_shape : (H, W) of the layer's input.
    padded_rows, padded_cols : half-open window ``[start, stop)`` in padded coordinates
        (input index = padded index - ``pad``): the kernel / pool window for conv, max
        and avg; the 4x4 footprint of the 2x2 max + 3x3 blur for blur pooling (5x5 with
        the 4-tap blur; ``pad`` 1: reflect padding); the kept component's window, reaching past the last
        row/column when it wraps, for APS; the cell itself for ReLU; everything for a
        global pool.
    pad : (ph, pw) offset between padded and input coordinates.
    rows, cols : the padded window clipped to the real input, half-open, in input
        coordinates (empty, ``(r, r)``, when the window lies entirely on padding).
    outside : how many of the window's positions fall outside the real input: zero
        padding (conv, avg), -inf padding (max), reflected (blur) or wrapped (APS).
    row_cells, col_cells : the exact input rows and columns read (sorted, unique);
        for blur and APS these include reflected and wrapped indices.
    """

    row: int
    col: int
    in_shape: tuple[int, int]
    padded_rows: tuple[int, int]
    padded_cols: tuple[int, int]
    pad: tuple[int, int]
    rows: tuple[int, int]
    cols: tuple[int, int]
    outside: int
    row_cells: tuple[int, ...]
    col_cells: tuple[int, ...]

    @property
    def mask(self) -> np.ndarray:
        """(H, W) bool: exactly the input cells that feed the output cell."""
        m = np.zeros(self.in_shape, dtype=bool)
        m[np.ix_(self.row_cells, self.col_cells)] = True
        return m

    def bbox(self) -> tuple[int, int, int, int] | None:
        """``(r0, r1, c0, c1)`` half-open bounding box of :attr:`mask`; None if empty."""
        return mask_bbox(self.mask)


@dataclass(frozen=True)
class Step(Window):
    """One frame of the sliding-window animation: a :class:`Window` and its frame index."""

    index: int = 0


def mask_bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Half-open bounding box ``(r0, r1, c0, c1)`` of the True cells; None if there are none.

    >>> mask_bbox(np.array([[0, 0, 0], [0, 1, 1]], dtype=bool))
    (1, 2, 1, 3)
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 2:
        raise PoolvizError(f"`mask` must be 2-D; got shape {m.shape}")
    rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _clip(start: int, stop: int, n: int) -> tuple[int, int]:
    a = min(max(start, 0), n)
    return a, max(min(stop, n), a)


def _axis_parts(axis: _Axis, i: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, ...]]:
    start = int(axis.start[i])
    padded = (start, start + axis.length)
    clipped = _clip(start - axis.pad, start - axis.pad + axis.length, axis.n_in)
    cells = axis.cells[i]
    return padded, clipped, tuple(int(c) for c in np.unique(cells[cells >= 0]))


def _make_window(cls, rows: _Axis, cols: _Axis, i: int, j: int, **extra) -> Window:
    pr, cr, rc = _axis_parts(rows, i)
    pc, cc, cl = _axis_parts(cols, j)
    outside = rows.length * cols.length - int(rows.inside[i]) * int(cols.inside[j])
    return cls(
        row=i,
        col=j,
        in_shape=(rows.n_in, cols.n_in),
        padded_rows=pr,
        padded_cols=pc,
        pad=(rows.pad, cols.pad),
        rows=cr,
        cols=cc,
        outside=outside,
        row_cells=rc,
        col_cells=cl,
        **extra,
    )


def _check_cell(row, col, shape: tuple[int, ...], where: str) -> tuple[int, int]:
    row, col = as_int(row, "row"), as_int(col, "col")
    if shape == ():
        if (row, col) != (0, 0):
            raise PoolvizError(
                f"`row`, `col` must be 0, 0 ({where} is a single number); got {row}, {col}"
            )
        return 0, 0
    for name, v, n in (("row", row, shape[0]), ("col", col, shape[1])):
        if not 0 <= v < n:
            raise PoolvizError(
                f"`{name}` must be between 0 and {n - 1} ({where} is "
                f"{shape[0]}×{shape[1]}); got {v}"
            )
    return row, col


def input_window(layer: Layer, in_shape, row: int, col: int, layer_input=None) -> Window:
    """The cells of the layer's input that feed its output cell ``(row, col)``.

    Parameters
    ----------
    layer : Conv, ReLU, Pool or GlobalPool
    in_shape : (H, W) of the layer's input.
    row, col : int
        The output cell; ``0, 0`` for a global pool.
    layer_input : array_like, shape (H, W), optional
        The layer's actual input; required for APS (it picks the polyphase component).

    Returns
    -------
    Window

    Examples
    --------
    >>> w = input_window(Pool("max", 3, 2, 1), (5, 5), 2, 0)
    >>> w.padded_rows, w.rows, w.padded_cols, w.cols, w.outside
    ((4, 7), (3, 5), (0, 3), (0, 2), 5)
    """
    rows, cols = _axes(layer, in_shape, layer_input)
    shape = () if isinstance(layer, GlobalPool) else (rows.n_out, cols.n_out)
    row, col = _check_cell(row, col, shape, "the output")
    return _make_window(Window, rows, cols, row, col)


def window_steps(layer: Layer, in_shape, layer_input=None) -> list[Step]:
    """Every output cell in row-major order with its input window: the "play" animation.

    The per-axis windows are computed once, vectorized; each step only pairs a row
    window with a column window (masks are built lazily by :attr:`Window.mask`).

    >>> steps = window_steps(Pool("max", 2, 2), (4, 4))
    >>> [(s.row, s.col, s.rows, s.cols) for s in steps][:2]
    [(0, 0, (0, 2), (0, 2)), (0, 1, (0, 2), (2, 4))]
    """
    rows, cols = _axes(layer, in_shape, layer_input)
    row_parts = [_axis_parts(rows, i) for i in range(rows.n_out)]
    col_parts = [_axis_parts(cols, j) for j in range(cols.n_out)]
    in_shape = (rows.n_in, cols.n_in)
    steps = []
    for i, (pr, cr, rc) in enumerate(row_parts):
        for j, (pc, cc, cl) in enumerate(col_parts):
            steps.append(
                Step(
                    row=i,
                    col=j,
                    in_shape=in_shape,
                    padded_rows=pr,
                    padded_cols=pc,
                    pad=(rows.pad, cols.pad),
                    rows=cr,
                    cols=cc,
                    outside=rows.length * cols.length - int(rows.inside[i]) * int(cols.inside[j]),
                    row_cells=rc,
                    col_cells=cl,
                    index=len(steps),
                )
            )
    return steps


# ---------------------------------------------------------------- composition


def _pull(layer: Layer, out_mask: np.ndarray, xin: np.ndarray) -> np.ndarray:
    rows, cols = _axes(layer, xin.shape, xin)
    m = np.asarray(out_mask, dtype=float).reshape(rows.n_out, cols.n_out)
    return (rows.relation().T.astype(float) @ m @ cols.relation().astype(float)) > 0


def _push(layer: Layer, in_mask: np.ndarray, xin: np.ndarray) -> np.ndarray:
    rows, cols = _axes(layer, xin.shape, xin)
    m = np.asarray(in_mask, dtype=float)
    out = (rows.relation().astype(float) @ m @ cols.relation().T.astype(float)) > 0
    return out.reshape(()) if isinstance(layer, GlobalPool) else out


def _stages(pipeline: tuple[Layer, ...], x) -> list[Stage]:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    return run_pipeline(tuple(pipeline), x)


def _check_stage(stage, n: int) -> int:
    stage = as_int(stage, "stage")
    if not 0 <= stage < n:
        raise PoolvizError(f"`stage` must be between 0 and {n - 1} (0 is the input); got {stage}")
    return stage


def _one_hot(shape: tuple[int, ...], row: int, col: int) -> np.ndarray:
    m = np.zeros(shape, dtype=bool)
    m[(row, col) if shape else ()] = True
    return m


def upstream_masks(
    pipeline: tuple[Layer, ...], x, stage: int, row: int, col: int
) -> list[np.ndarray]:
    """For cell ``(row, col)`` of stage ``stage``, the cells of every stage up to it that feed it.

    Parameters
    ----------
    pipeline : tuple of layers
    x : array_like, shape (H, W)
        The input pattern (needed for the stage shapes and APS's choice).
    stage : int
        Index into ``run_pipeline``'s list (0 = the input).
    row, col : int
        The cell; ``0, 0`` for a global-pool stage.

    Returns
    -------
    list of bool arrays, one per stage ``0 .. stage``
        ``masks[k]`` has stage ``k``'s map shape (0-d after a global pool);
        ``masks[stage]`` marks the cell itself.

    Examples
    --------
    >>> from poolviz.core.pipeline import with_pooling
    >>> masks = upstream_masks(with_pooling(((1.0,),)), np.zeros((8, 8)), 3, 0, 1)
    >>> mask_bbox(masks[2]), mask_bbox(masks[0])
    ((0, 2, 2, 4), (0, 4, 4, 8))
    """
    stages = _stages(pipeline, x)
    stage = _check_stage(stage, len(stages))
    shape = stages[stage].maps.shape
    row, col = _check_cell(row, col, shape, f"stage {stage}")
    masks: list[np.ndarray] = [np.zeros(0, dtype=bool)] * (stage + 1)
    masks[stage] = _one_hot(shape, row, col)
    for k in range(stage, 0, -1):
        masks[k - 1] = _pull(stages[k].layer, masks[k], stages[k - 1].maps)
    return masks


def downstream_masks(pipeline: tuple[Layer, ...], x, row: int, col: int) -> list[np.ndarray]:
    """For input cell ``(row, col)``, the cells of every stage that it (structurally) feeds.

    Returns one bool array per stage, input first (``masks[0]`` marks the cell itself).
    Cell ``c`` of stage ``k`` is marked exactly when the input cell is in
    ``upstream_masks(pipeline, x, k, *c)[0]``.

    >>> from poolviz.core.pipeline import with_pooling
    >>> masks = downstream_masks(with_pooling(((1.0,),)), np.zeros((8, 8)), 0, 5)
    >>> [m.sum().item() for m in masks]
    [1, 1, 1, 1, 1]
    """
    stages = _stages(pipeline, x)
    shape = stages[0].maps.shape
    row, col = _check_cell(row, col, shape, "the input")
    masks = [_one_hot(shape, row, col)]
    for k in range(1, len(stages)):
        masks.append(_push(stages[k].layer, masks[-1], stages[k - 1].maps))
    return masks


# ---------------------------------------------------------------- arithmetic


def _num(v: float) -> str:
    """A value as shown: ``format_value`` with a true minus sign and ``−∞``."""
    if v == -np.inf:
        return _MINUS + "∞"
    text = format_value(v)
    return _MINUS + text[1:] if text.startswith("-") else text


def _term(v: float) -> str:
    """A value inside a sum or product: negatives in parentheses."""
    text = _num(v)
    return f"({text})" if text.startswith(_MINUS) else text


def _join(terms: list[str], sep: str) -> str:
    if len(terms) <= _MAX_TERMS:
        return sep.join(terms)
    return sep.join(terms[:_MAX_TERMS]) + f"{sep}… ({len(terms) - _MAX_TERMS} more)"


def _window_values(layer: Layer, xin: np.ndarray, row: int, col: int, fill: float) -> list[float]:
    """The window's values in row-major order, padding positions as ``fill``."""
    rows, cols = _axes(layer, xin.shape, xin)
    r = rows.cells[row]
    c = cols.cells[col]
    vals = np.where((r[:, None] >= 0) & (c[None, :] >= 0), xin[r[:, None], c[None, :]], fill)
    return [float(v) for v in vals.ravel()]


def _blur_text(layer: Pool, xin: np.ndarray, row: int, col: int) -> str:
    rows, cols = _axes(layer, xin.shape, xin)
    taps = layer.taps
    r, c = rows.cells[row], cols.cells[col]  # r[:taps] m rows, r[taps:] = r[:taps] + 1
    m = np.array(
        [[xin[r[a] : r[a] + 2, c[b] : c[b] + 2].max() for b in range(taps)] for a in range(taps)]
    )  # taps x taps values only: a text for one cell, not a hot path
    a = BLUR_TAPS[taps]
    weights = np.outer(a, a).ravel()
    terms = [f"{_term(v)}·{w}" for w, v in zip(weights, m.ravel(), strict=True)]
    return f"blur of the 2×2 maxima: ({' + '.join(terms)}) / {sum(a) ** 2}"


def _aps_text(layer: Pool, xin: np.ndarray, row: int, col: int) -> str:
    index, tie = aps_choice(xin, layer.size, layer.stride)
    sw = _pair(layer.stride, "stride")[1]
    why = "tied for the largest L2 norm, first kept" if bool(tie) else "largest L2 norm"
    vals = _window_values(layer, xin, row, col, 0.0)
    comp = f"({int(index) // sw}, {int(index) % sw})"
    return f"APS keeps component {comp} ({why}): max({_join([_num(v) for v in vals], ', ')})"


def cell_arithmetic(pipeline: tuple[Layer, ...], x, stage: int, row: int, col: int) -> str:
    """The arithmetic of one cell from its layer's input, ending in ``= <the stage's value>``.

    Conv ``2·1 + 0·1 + 1·(−1) = 1`` (every term ``value·weight``, padding as ``0·w``,
    bias added when nonzero), max-pool ``max(0, 1, −∞, 0) = 1``, avg-pool
    ``(0 + 1 + 1 + 0) / 4 = 0.5``, ReLU ``max(−2, 0) = 0``, global max / avg over every
    cell, blur and APS as short descriptions. Past 12 terms the rest is abbreviated
    ``… (n more)``; the result is always the exact value of the stage (formatted with
    :func:`poolviz.core.text.format_value`).

    >>> from poolviz.core.pipeline import with_pooling
    >>> x = np.eye(6)
    >>> cell_arithmetic(with_pooling(((1.0, -1.0),)), x, 1, 0, 0)
    '1·1 + 0·(−1) = 1'
    >>> cell_arithmetic(with_pooling(((1.0, -1.0),)), x, 2, 0, 0)
    'max(1, 0, −1, 1) = 1'
    """
    stages = _stages(pipeline, x)
    stage = _check_stage(stage, len(stages))
    out = stages[stage].maps
    row, col = _check_cell(row, col, out.shape, f"stage {stage}")
    value = float(out[(row, col) if out.shape else ()])
    if stage == 0:
        return f"input = {_num(value)}"
    layer, xin = stages[stage].layer, stages[stage - 1].maps
    if isinstance(layer, Conv):
        vals = _window_values(layer, xin, row, col, 0.0)
        weights = np.asarray(layer.kernel, dtype=float).ravel()
        text = _join([f"{_term(v)}·{_term(w)}" for v, w in zip(vals, weights, strict=True)], " + ")
        if layer.bias:
            text += f" + {_term(layer.bias)}"
    elif isinstance(layer, ReLU):
        text = f"max({_num(float(xin[row, col]))}, 0)"
    elif isinstance(layer, GlobalPool):
        flat = [float(v) for v in xin.ravel()]
        if layer.kind == "max":
            text = f"max({_join([_num(v) for v in flat], ', ')})"
        else:
            text = f"({_join([_term(v) for v in flat], ' + ')}) / {len(flat)}"
    elif layer.kind == "max":
        vals = _window_values(layer, xin, row, col, -np.inf)
        text = f"max({_join([_num(v) for v in vals], ', ')})"
    elif layer.kind == "avg":
        vals = _window_values(layer, xin, row, col, 0.0)
        text = f"({_join([_term(v) for v in vals], ' + ')}) / {len(vals)}"
    elif layer.kind == "blur":
        text = _blur_text(layer, xin, row, col)
    else:
        text = _aps_text(layer, xin, row, col)
    return f"{text} = {_num(value)}"
