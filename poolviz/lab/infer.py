"""Inference-only forward pass: the same nets as :mod:`poolviz.lab.nets`, for many images.

Training needs every layer's cache; inference needs none, so here each batch flows through
buffers allocated once per call and reused for every batch:

- every conv reads a padded input buffer ``(n, H + 2, W + 2, C)`` (channels last) whose
  border is zero once and for all; the layer before writes straight into its interior, so
  there is no ``np.pad`` copy (circular padding refreshes the 1-pixel border, 4 slices);
- the first conv (one channel) computes pairs of adjacent pixels per row of its product
  (see :class:`_FirstConv`), its taps copied from a buffer padded only above and below;
- im2col is one copy of a strided view into a preallocated ``(n * Ho * Wo, 9 C + 1)``
  matrix whose last column is ones: the bias rides through the one matrix product
  (``(M, 9 C + 1) @ (9 C + 1, O)``, both contiguous, nothing transposed or copied after);
- ReLU is fused with that write (``np.maximum(..., 0, out=interior)``); before a 2x2 max
  it is applied after the max, on a quarter of the cells (the two commute exactly);
- the dtype is kept throughout: weights are cast once, python scalars are weak in numpy 2;
- each batch runs a list of prebuilt ufunc calls on prebuilt views, so the python cost of
  a batch is a few dozen calls, whatever the batch size.

Everything the pass computes is the same arithmetic as :func:`poolviz.lab.nets._run`
up to the order of the sums inside the matrix products.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from poolviz.lab import layers as L

__all__ = ["forward_batched"]


Step = Callable[[], Any]


def _wrap_border(xp: np.ndarray) -> list[Step]:
    """Steps filling the 1-pixel border of ``xp`` as ``np.pad(..., mode="wrap")`` would."""
    return [
        partial(np.copyto, xp[:, 0, 1:-1], xp[:, -2, 1:-1]),
        partial(np.copyto, xp[:, -1, 1:-1], xp[:, 1, 1:-1]),
        # Full height: the corners take the opposite corners.
        partial(np.copyto, xp[:, :, 0], xp[:, :, -2]),
        partial(np.copyto, xp[:, :, -1], xp[:, :, 1]),
    ]


def _weight_matrix(w: np.ndarray, b: np.ndarray, dtype: Any) -> np.ndarray:
    """``(9 C + 1, O)``: rows in im2col's (a, b, c) order, then the bias row."""
    o = w.shape[0]
    wmat = w.transpose(2, 3, 1, 0).reshape(-1, o)
    return np.ascontiguousarray(np.concatenate([wmat, b[None, :]]), dtype=dtype)


def _pair_weight_matrix(w: np.ndarray, b: np.ndarray, dtype: Any) -> np.ndarray:
    """``(13, 2 O)`` for conv 1: taps (a, t) of a 3 x 4 window, then the bias row; columns
    (dj, o) for the two horizontally adjacent output pixels the window covers.

    Output pixel ``dj`` sees window columns ``t = dj .. dj + 2``; the other column's weight
    is an exact zero, so each output is still the same 9 products and the bias.
    """
    o = w.shape[0]
    out = np.zeros((13, 2, o))
    for dj in (0, 1):
        for a in range(3):
            out[a * 4 + dj : a * 4 + dj + 3, dj] = w[:, 0, a, :].T
        out[12, dj] = b
    return np.ascontiguousarray(out.reshape(13, 2 * o), dtype=dtype)


class _FirstConv:
    """Conv 1 (one input channel, stride 1) for batches of ``n`` images ``h`` x ``w``, w even.

    One output channel at a time is a poor product for BLAS: (M, 10) @ (10, 8) runs at a
    third of the speed of (M/2, 13) @ (13, 16). So each row of the product is a *pair* of
    horizontally adjacent output pixels, whose 3x3 windows together make a 3x4 window:
    12 taps (and the bias's 1) in, 2 x 8 channels out, which is exactly the channels-last
    (n, h, w, 8) layout.

    ``block`` holds each image as one row of ``1 + (h + 2) * w + 1`` values: a spare value,
    a padding row, the image's rows, a padding row, a spare. The tap ``(a, t)`` of every
    pair is then a stride-2 run starting ``a * w + t`` into the row: one copy per tap for
    the whole batch. Only where ``2 p + t - 1`` leaves ``[0, w)`` (the first pair's
    ``t = 0``, the last pair's ``t = 3``) does the run read the wrong value (the end of the
    row above, the start of the row below), and those columns are patched.
    """

    def __init__(self, n: int, h: int, w: int, circular: bool, dtype: Any) -> None:
        self.block = np.zeros((n, (h + 2) * w + 2), dtype=dtype)
        rows = self.block[:, 1:-1].reshape(n, h + 2, w)  # the image with a row above and below
        self.image = rows[:, 1:-1]  # write the batch here
        self.planes = np.empty((13, n, h, w // 2), dtype=dtype)
        self.planes[12] = 1.0  # the bias's row
        steps: list[Step] = []
        if circular:
            steps += [partial(np.copyto, rows[:, 0], rows[:, -2]),
                      partial(np.copyto, rows[:, -1], rows[:, 1])]
        for a in range(3):
            for t in range(4):
                src = self.block[:, a * w + t : a * w + t + h * w : 2]
                steps.append(partial(np.copyto, self.planes[a * 4 + t].reshape(n, -1), src))
        # The first pair's t = 0 and the last pair's t = 3, for the three rows a at once.
        for t, col, wrap_col in ((0, 0, w - 1), (3, w // 2 - 1, 0)):
            dst = self.planes[t : 12 : 4, :, :, col]  # (3, n, h)
            if circular:
                src = sliding_window_view(rows[:, :, wrap_col], h, axis=1).transpose(1, 0, 2)
                steps.append(partial(np.copyto, dst, src))
            else:
                steps.append(partial(np.copyto, dst, 0.0))
        self.steps = steps
        self.lhs = self.planes.reshape(13, -1).T  # (M/2, 13), Fortran order: BLAS takes it as is


class _Conv:
    """Buffers of one 3x3 conv with C > 1 inputs, for batches of ``n`` images."""

    def __init__(self, n: int, h: int, w: int, c: int, stride: int, circular: bool,
                 dtype: Any) -> None:
        self.ho, self.wo = (h - 1) // stride + 1, (w - 1) // stride + 1
        ho, wo = self.ho, self.wo
        self.xp = np.zeros((n, h + 2, w + 2, c), dtype=dtype)
        self.interior = self.xp[:, 1:-1, 1:-1, :]  # the layer before writes here
        # For each output cell, 3 runs of 3*C contiguous inputs (a window row is contiguous
        # in channels-last layout): one copy of a strided view.
        self.cols = np.empty((n * ho * wo, 9 * c + 1), dtype=dtype)
        self.cols[:, -1] = 1.0  # the bias's column
        s0, s1, s2, s3 = self.xp.strides
        view = as_strided(self.xp, (n, ho, wo, 3, 3 * c),
                          (s0, stride * s1, stride * s2, s1, s3), writeable=False)
        dst = self.cols[:, :-1].reshape(n, ho, wo, 3, 3 * c)
        assert np.shares_memory(dst, self.cols)  # a view, never a silent copy
        self.steps = (_wrap_border(self.xp) if circular else []) + [
            partial(np.copyto, dst, view)]
        self.lhs = self.cols


class _Plan:
    """Every buffer and every call of one net, for batches of ``n`` images ``size`` x ``size``.

    ``run`` is the list of prebuilt calls; the batch goes into ``image`` and the logits come
    out in ``logits``.
    """

    def __init__(self, arch: str, padding: str, n: int, size: int, dtype: Any,
                 mats: list[np.ndarray], fc_w: np.ndarray, fc_b: np.ndarray) -> None:
        circular = padding == "circular"
        strides = (1, 2, 2) if arch == "strided" else (1, 1, 1)
        first = _FirstConv(n, size, size, circular, dtype)
        self.image = first.image
        steps: list[Step] = list(first.steps)
        lhs, hw = first.lhs, size
        zeros = np.zeros(n * size * size * 32, dtype=dtype)  # the largest map

        def zero_like(a: np.ndarray) -> np.ndarray:
            return zeros[: a.size].reshape(a.shape)

        for i, (o, s) in enumerate(zip((8, 16, 32), strides, strict=True)):
            hw = (hw - 1) // s + 1
            out = np.empty((lhs.shape[0], mats[i].shape[1]), dtype=dtype)
            steps.append(partial(np.matmul, lhs, mats[i], out=out))
            h = out.reshape(n, hw, hw, o)
            if i == 2:
                break
            hw = _DOWN_SIZE[arch](hw)
            conv = _Conv(n, hw, hw, o, strides[i + 1], circular, dtype)
            steps += _down(arch, h, conv.interior, zero_like)
            steps += conv.steps
            lhs = conv.lhs
        # Global average pool as a batched product with a row of ones (a sum over the middle
        # axis of (n, H*W, C) runs 32-wide inner loops and costs 8x more); the 1/(H*W) is a
        # power of two, so folding it into the fc weights changes no bit of the product.
        gap = np.empty((n, 1, 32), dtype=dtype)
        self.logits = np.empty((n, 10), dtype=dtype)
        head = np.ascontiguousarray(fc_w.T * (1.0 / (hw * hw)), dtype=dtype)
        steps += [
            partial(np.maximum, h, zero_like(h), out=h),
            partial(np.matmul, np.ones((1, hw * hw), dtype=dtype), h.reshape(n, hw * hw, 32),
                    out=gap),
            partial(np.matmul, gap.reshape(n, 32), head, out=self.logits),
            partial(np.add, self.logits, fc_b.astype(dtype), out=self.logits),
        ]
        self.steps = steps

    def run(self) -> None:
        for step in self.steps:
            step()


def _down(arch: str, h: np.ndarray, dst: np.ndarray,
          zero_like: Callable[[np.ndarray], np.ndarray]) -> list[Step]:
    """Steps: ReLU, then the arch's downsampling of ``h`` (n, H, W, C), written into ``dst``.

    ReLU is ``np.maximum`` against an array of zeros, not the scalar 0: with a scalar
    operand numpy's maximum misses its SIMD loop and is 2.5x slower (float32).
    """
    relu_h = partial(np.maximum, h, zero_like(h), out=h)
    if arch in ("nopool", "strided"):
        return [partial(np.maximum, h, zero_like(h), out=dst)]
    if arch in ("maxpool", "avgpool"):
        # Even and odd rows (inner runs of whole rows, W * C values), then even and odd
        # columns of the (n, H/2, W, C) result seen as (n, H/2, W/2, 2C) (runs of C).
        n, hh, w, c = h.shape
        tmp = np.empty((n, hh // 2, w, c), dtype=h.dtype)
        t = tmp.reshape(n, hh // 2, w // 2, 2 * c)
        if arch == "maxpool":
            # ReLU after the max (they commute exactly), on 4x fewer cells.
            return [partial(np.maximum, h[:, 0::2], h[:, 1::2], out=tmp),
                    partial(np.maximum, t[..., :c], t[..., c:], out=dst),
                    partial(np.maximum, dst, zero_like(dst), out=dst)]
        # (q00 + q10) + (q01 + q11), then / 4 (exact).
        return [relu_h,
                partial(np.add, h[:, 0::2], h[:, 1::2], out=tmp),
                partial(np.add, t[..., :c], t[..., c:], out=dst),
                partial(np.multiply, dst, 0.25, out=dst)]
    pool = L.blurpool_forward if arch == "blurpool" else L.aps_forward
    return [relu_h, lambda: np.copyto(dst, pool(h, grad=False)[0])]


# Map size after each arch's downsampling (blurpool: 2x2 max at stride 1, reflect pad 1,
# blur 3x3 at stride 2).
_DOWN_SIZE = {"nopool": lambda s: s, "strided": lambda s: s, "maxpool": lambda s: s // 2,
              "avgpool": lambda s: s // 2, "blurpool": lambda s: (s - 2) // 2 + 1,
              "aps": lambda s: s // 2}


def forward_batched(params: dict[str, np.ndarray], x: np.ndarray, arch: str, padding: str,
                    dtype: Any, batch: int) -> np.ndarray:
    """Logits (N, 10) of images ``x`` (N, H, W), ``batch`` images at a time, in ``dtype``.

    ``arch``, ``padding`` and ``params`` must already be checked (see :func:`nets.forward`).
    ``x`` may have any real dtype: it is cast on the copy into the first buffer.

    Examples
    --------
    >>> from poolviz.lab import nets
    >>> p = nets.init_params(0)
    >>> x = np.random.default_rng(0).uniform(size=(5, 16, 16))
    >>> z = forward_batched(p, x, "maxpool", "circular", np.float64, 2)
    >>> z.shape, z.dtype
    ((5, 10), dtype('float64'))
    >>> bool(np.allclose(z, nets._run(p, x, "maxpool", "circular", False)[0], rtol=1e-12))
    True
    """
    dtype = np.dtype(dtype)
    n_all, size = x.shape[0], x.shape[1]
    mats = [_pair_weight_matrix(params["conv1.weight"], params["conv1.bias"], dtype)]
    mats += [_weight_matrix(params[f"conv{i}.weight"], params[f"conv{i}.bias"], dtype)
             for i in (2, 3)]
    fc_w, fc_b = params["fc.weight"], params["fc.bias"]
    out = np.empty((n_all, 10), dtype=dtype)
    batch = max(1, min(batch, n_all))
    plans: dict[int, _Plan] = {}  # the full batch size, and the last (shorter) one
    for i in range(0, n_all, batch):
        xb = x[i : i + batch]
        plan = plans.get(len(xb))
        if plan is None:
            plan = plans[len(xb)] = _Plan(arch, padding, len(xb), size, dtype, mats, fc_w, fc_b)
        np.copyto(plan.image, xb, casting="unsafe")
        plan.run()
        out[i : i + len(xb)] = plan.logits
    return out
