"""Forward and backward passes of every layer kind, batched, channels last (N, H, W, C).

Each ``*_forward`` returns ``(out, cache)`` and each ``*_backward`` takes the gradient of
the output and that cache. Convolutions are im2col + one matrix product; pools are a few
strided slices, never a loop over pixels. Conv weights use PyTorch's layout (O, C, kh, kw).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "APS_TIE_RTOL",
    "PAD_MODES",
    "conv_forward",
    "conv_backward",
    "relu_forward",
    "relu_backward",
    "maxpool_forward",
    "maxpool_backward",
    "avgpool_forward",
    "avgpool_backward",
    "blurpool_forward",
    "blurpool_backward",
    "aps_forward",
    "aps_backward",
    "gap_forward",
    "gap_backward",
    "linear_forward",
    "linear_backward",
    "softmax_ce",
]

PAD_MODES = ("zero", "circular")
APS_TIE_RTOL = 1e-12  # polyphase norms this close (relatively) count as a tie
# Plain sums of squares are within ~1e-13 of the sorted ones; only images whose two best
# norms are closer than this need the (slower, order-free) sorted sums.
_APS_RECHECK_RTOL = 1e-9


# ---------------------------------------------------------------- convolution


def _span(start: int, count: int, step: int) -> slice:
    return slice(start, start + step * (count - 1) + 1, step)


def _pad1(x: np.ndarray, mode: str) -> np.ndarray:
    if mode not in PAD_MODES:
        raise ValueError(f"`padding` must be one of {PAD_MODES}; got {mode!r}")
    width = [(0, 0), (1, 1), (1, 1), (0, 0)]
    return np.pad(x, width, mode="wrap") if mode == "circular" else np.pad(x, width)


def _unpad1(dxp: np.ndarray, mode: str) -> np.ndarray:
    """Adjoint of :func:`_pad1`: crop, and for wrap fold the border back where it came from."""
    if mode == "circular":
        dxp = dxp.copy()
        dxp[:, -2] += dxp[:, 0]
        dxp[:, 1] += dxp[:, -1]
        dxp[:, :, -2] += dxp[:, :, 0]
        dxp[:, :, 1] += dxp[:, :, -1]
    return dxp[:, 1:-1, 1:-1]


def conv_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, padding: str = "zero"
) -> tuple[np.ndarray, Any]:
    """3x3 convolution with padding 1, as ``torch.nn.Conv2d(C, O, 3, stride, padding=1)``.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    w : ndarray, shape (O, C, 3, 3)
    b : ndarray, shape (O,)
    stride : int
    padding : {"zero", "circular"}

    Returns
    -------
    out : ndarray, shape (N, (H - 1) // stride + 1, (W - 1) // stride + 1, O)
    cache : for :func:`conv_backward`

    Examples
    --------
    >>> x = np.ones((1, 3, 3, 1))
    >>> out, _ = conv_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1))
    >>> out[0, :, :, 0]
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]])
    >>> conv_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1), padding="circular")[0][0, :, :, 0]
    array([[9., 9., 9.],
           [9., 9., 9.],
           [9., 9., 9.]])
    """
    n, h, wd, c = x.shape
    o, _, kh, kw = w.shape
    xp = np.ascontiguousarray(_pad1(x, padding))
    ho, wo = (h - 1) // stride + 1, (wd - 1) // stride + 1
    if c == 1:
        # One input channel: a (9, M) matrix of 9 whole-plane slice copies (rows of
        # contiguous pixels), used transposed; the (M, 9) copy would move 9 floats per step.
        # A last row of ones carries the bias through the product: adding an 8-wide bias
        # row by row afterwards costs as much as the product itself.
        planes = np.empty((kh * kw + 1, n, ho, wo), dtype=x.dtype)
        for a in range(kh):
            for bb in range(kw):
                planes[a * kw + bb] = xp[:, _span(a, ho, stride), _span(bb, wo, stride), 0]
        planes[-1] = 1.0
        wmat = w.reshape(o, kh * kw)
        out = planes.reshape(kh * kw + 1, -1).T @ np.concatenate([wmat, b[:, None]], axis=1).T
        cols = planes[:-1].reshape(kh * kw, -1).T
        return out.reshape(n, ho, wo, o), (cols, wmat, x.shape, stride, padding, w.shape)
    else:
        # im2col in one copy: for each output cell, kh runs of kw*c contiguous inputs (a
        # window row is contiguous in channels-last layout); ~2x faster than 9 slice copies.
        s0, s1, s2, s3 = xp.strides
        view = as_strided(xp, (n, ho, wo, kh, kw * c), (s0, stride * s1, stride * s2, s1, s3),
                          writeable=False)
        cols = np.ascontiguousarray(view).reshape(-1, kh * kw * c)
    wmat = w.transpose(0, 2, 3, 1).reshape(o, kh * kw * c)  # rows match cols' (a, b, c) order
    out = cols @ wmat.T
    out += b
    return out.reshape(n, ho, wo, o), (cols, wmat, x.shape, stride, padding, w.shape)


def conv_backward(
    dout: np.ndarray, cache: Any, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dw, db)`` of :func:`conv_forward`; ``dx`` is None if not ``need_dx``
    (the first layer: nothing upstream needs the gradient of the image)."""
    cols, wmat, (n, h, wd, c), stride, padding, wshape = cache
    o, _, kh, kw = wshape
    _, ho, wo, _ = dout.shape
    d2 = dout.reshape(-1, o)
    dw = (d2.T @ cols).reshape(o, kh, kw, c).transpose(0, 3, 1, 2)
    db = d2.sum(axis=0)
    if not need_dx:
        return None, np.ascontiguousarray(dw), db
    dcols = (d2 @ wmat).reshape(n, ho, wo, kh, kw, c)
    dxp = np.zeros((n, h + 2, wd + 2, c), dtype=dout.dtype)
    for a in range(kh):
        for bb in range(kw):
            dxp[:, _span(a, ho, stride), _span(bb, wo, stride)] += dcols[:, :, :, a, bb, :]
    return _unpad1(dxp, padding), np.ascontiguousarray(dw), db


# ---------------------------------------------------------------- pointwise and pools


def relu_forward(x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
    """``max(x, 0)``; with ``grad=False`` in place and without a cache (inference).

    >>> relu_forward(np.array([-1.0, 2.0]))[0]
    array([0., 2.])
    """
    if not grad:
        return np.maximum(x, 0.0, out=x), None
    return np.maximum(x, 0.0), x > 0


def relu_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`relu_forward` (0 at the kink, as PyTorch)."""
    return dout * cache


def _quads(x: np.ndarray, step: int) -> list[np.ndarray]:
    """The four cells of every 2x2 window, at stride ``step``, row-major (0,0),(0,1),(1,0),(1,1)."""
    h, w = x.shape[1], x.shape[2]
    ho, wo = (h - 2) // step + 1, (w - 2) // step + 1
    return [
        x[:, a : a + step * (ho - 1) + 1 : step, b : b + step * (wo - 1) + 1 : step]
        for a in (0, 1)
        for b in (0, 1)
    ]


def _max4(q: list[np.ndarray], grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    out = np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3]))
    if not grad:
        return out, None
    # First maximal cell in row-major order takes the gradient, as PyTorch's max_pool2d.
    arg = np.where(q[0] == out, 0, np.where(q[1] == out, 1, np.where(q[2] == out, 2, 3)))
    return out, arg.astype(np.int8)


def _scatter4(g: np.ndarray, arg: np.ndarray, shape: tuple, step: int) -> np.ndarray:
    dx = np.zeros(shape, dtype=g.dtype)
    ho, wo = g.shape[1], g.shape[2]
    for k, (a, b) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        dx[:, a : a + step * (ho - 1) + 1 : step, b : b + step * (wo - 1) + 1 : step] += np.where(
            arg == k, g, 0.0
        )
    return dx


def maxpool_forward(x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
    """2x2 max-pool at stride 2, as ``F.max_pool2d(x, 2)``.

    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> maxpool_forward(x)[0][0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    out, arg = _max4(_quads(x, 2), grad)
    return out, (arg, x.shape)


def maxpool_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`maxpool_forward`."""
    arg, shape = cache
    return _scatter4(dout, arg, shape, 2)


def avgpool_forward(x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
    """2x2 average-pool at stride 2, as ``F.avg_pool2d(x, 2)``.

    >>> avgpool_forward(np.arange(16.0).reshape(1, 4, 4, 1))[0][0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    q = _quads(x, 2)
    return (q[0] + q[1] + q[2] + q[3]) * 0.25, x.shape


def avgpool_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`avgpool_forward`."""
    n, h, w, c = cache
    g = dout * 0.25
    dx = np.zeros(cache, dtype=dout.dtype)
    for a in (0, 1):
        for b in (0, 1):
            dx[:, a : a + 2 * g.shape[1] : 2, b : b + 2 * g.shape[2] : 2] += g
    return dx


def _blur_rows(p: np.ndarray, axis: int, count: int) -> np.ndarray:
    """[1, 2, 1] along ``axis`` at stride 2, in the core's order of operations (bit-equal)."""

    def take(start: int) -> np.ndarray:
        idx = [slice(None)] * p.ndim
        idx[axis] = slice(start, start + 2 * (count - 1) + 1, 2)
        return p[tuple(idx)]

    r = take(1) * 2.0
    r += take(0)
    r += take(2)
    return r


def blurpool_forward(x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
    """MaxBlurPool (Zhang 2019): 2x2 max at stride 1, reflect pad 1, binomial blur at stride 2.

    The blur is ``[1, 2, 1] x [1, 2, 1] / 16`` per channel; equal to the core's
    ``blur_pool2d(x, stride=2)`` on every channel.

    Examples
    --------
    >>> x = np.zeros((1, 4, 4, 1))
    >>> x[0, :, 0, 0] = 1.0
    >>> blurpool_forward(x)[0][0, :, :, 0]
    array([[0.5, 0. ],
           [0.5, 0. ]])
    """
    m, arg = _max4(_quads(x, 1), grad)
    p = np.pad(m, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    ho, wo = (p.shape[1] - 3) // 2 + 1, (p.shape[2] - 3) // 2 + 1
    out = _blur_rows(_blur_rows(p, 1, ho), 2, wo)
    out *= 1.0 / 16.0  # a power of two: exact
    return out, (arg, x.shape, p.shape)


def _blur_rows_backward(g: np.ndarray, axis: int, length: int) -> np.ndarray:
    shape = list(g.shape)
    shape[axis] = length
    d = np.zeros(shape, dtype=g.dtype)
    count = g.shape[axis]
    for start, weight in ((0, 1.0), (1, 2.0), (2, 1.0)):
        idx = [slice(None)] * g.ndim
        idx[axis] = slice(start, start + 2 * (count - 1) + 1, 2)
        d[tuple(idx)] += weight * g
    return d


def blurpool_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`blurpool_forward`."""
    arg, shape, pshape = cache
    g = _blur_rows_backward(dout * (1.0 / 16.0), 2, pshape[2])
    dp = _blur_rows_backward(g, 1, pshape[1])
    # Adjoint of reflect padding 1: the padded border is a copy of row/column 1 from the edge.
    dm = dp[:, 1:-1, 1:-1].copy()
    dm[:, 1] += dp[:, 0, 1:-1]
    dm[:, -2] += dp[:, -1, 1:-1]
    dm[:, :, 1] += dp[:, 1:-1, 0]
    dm[:, :, -2] += dp[:, 1:-1, -1]
    for r in (0, -1):  # corners reflect in both axes
        for c in (0, -1):
            dm[:, 1 if r == 0 else -2, 1 if c == 0 else -2] += dp[:, r, c]
    return _scatter4(dm, arg, shape, 1)


def _aps_norms(comps: np.ndarray, ordered: bool) -> np.ndarray:
    """Sum of squares of each component over all its cells and channels: (N, 4)."""
    sq = np.square(comps).reshape(comps.shape[0], 4, -1)
    # Sorted sums do not depend on cell order, so a circularly shifted input gives
    # bit-for-bit the same norms and the choice cannot flip.
    return np.sort(sq, axis=-1).sum(axis=-1) if ordered else sq.sum(axis=-1)


def _aps_pick(norms: np.ndarray) -> np.ndarray:
    best = norms.max(axis=-1, keepdims=True)
    return np.argmax(norms >= best - APS_TIE_RTOL * best, axis=-1)


def aps_forward(x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, Any]:
    """Circular 2x2 max at stride 1, then adaptive polyphase sampling (Chaman & Dokmanić 2021).

    ``y[n, i, j] = max_{a, b < 2} x[n, (i + a) % H, (j + b) % W]``; of the four components
    ``y[n, p::2, q::2, :]`` keep, per image, the one with the largest L2 norm over all its
    channels; ties (within ``APS_TIE_RTOL``) go to the first, ``p * 2 + q``.

    Examples
    --------
    >>> x = np.zeros((1, 4, 4, 1))
    >>> x[0, 1, 0, 0] = 1.0
    >>> aps_forward(x)[0][0, :, :, 0]  # the 2x2 max spreads the dot: a 4-way tie
    array([[1., 0.],
           [0., 0.]])
    """
    n, h, w, c = x.shape
    xp = np.pad(x, [(0, 0), (0, 1), (0, 1), (0, 0)], mode="wrap")
    y, arg = _max4(_quads(xp, 1), grad)
    y6 = y.reshape(n, h // 2, 2, w // 2, 2, c)
    comps = y6.transpose(0, 2, 4, 1, 3, 5).reshape(n, 4, h // 2, w // 2, c)
    norms = _aps_norms(comps, ordered=False)
    top2 = np.sort(norms, axis=-1)[:, -2:]
    pick = np.argmax(norms, axis=-1)
    # float32 sums are far less exact than float64 ones: widen the band to match.
    band = max(_APS_RECHECK_RTOL, 1e4 * float(np.finfo(x.dtype).eps))
    near = top2[:, 0] >= top2[:, 1] * (1.0 - band)
    if near.any():
        pick[near] = _aps_pick(_aps_norms(comps[near], ordered=True))
    rows = np.arange(n)
    out = y6[rows, :, pick // 2, :, pick % 2, :]
    return out, (arg, x.shape, pick)


def aps_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`aps_forward` (the choice of component is held fixed)."""
    arg, (n, h, w, c), pick = cache
    dy6 = np.zeros((n, h // 2, 2, w // 2, 2, c), dtype=dout.dtype)
    dy6[np.arange(n), :, pick // 2, :, pick % 2, :] = dout
    dxp = _scatter4(dy6.reshape(n, h, w, c), arg, (n, h + 1, w + 1, c), 1)
    dx = dxp[:, :h, :w].copy()
    dx[:, 0] += dxp[:, h, :w]  # the wrapped row and column came from row/column 0
    dx[:, :, 0] += dxp[:, :h, w]
    dx[:, 0, 0] += dxp[:, h, w]
    return dx


# ---------------------------------------------------------------- head


def gap_forward(x: np.ndarray) -> tuple[np.ndarray, Any]:
    """Global average pool: (N, H, W, C) -> (N, C).

    >>> gap_forward(np.arange(8.0).reshape(1, 2, 2, 2))[0]
    array([[3., 4.]])
    """
    return x.mean(axis=(1, 2)), x.shape


def gap_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """Gradient of :func:`gap_forward`."""
    n, h, w, c = cache
    return np.broadcast_to(dout[:, None, None, :] / (h * w), cache).copy()


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
    """``x @ w.T + b`` with ``w`` shaped (out, in), as ``torch.nn.Linear``.

    >>> linear_forward(np.ones((1, 2)), np.eye(2), np.array([0.0, 1.0]))[0]
    array([[1., 2.]])
    """
    return x @ w.T + b, (x, w)


def linear_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dw, db)`` of :func:`linear_forward`."""
    x, w = cache
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def softmax_ce(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``logits`` (N, K) against labels ``y`` and its gradient.

    >>> loss, g = softmax_ce(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 6), float(g.sum())
    (1.386294, 0.0)
    """
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    loss = -float(logp[np.arange(n), y].mean())
    g = np.exp(logp)
    g[np.arange(n), y] -= 1.0
    return loss, g / n
