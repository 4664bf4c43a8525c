"""Inference-only forward pass: the same nets as :mod:`poolviz.lab.nets`, for many images.

Training needs every layer's cache; inference needs none, so here each batch flows through
buffers allocated once per call and reused for every batch:

- every conv reads a padded input buffer ``(n, H + 2, W + 2, C)`` (channels last) whose
  border is zero once and for all; the layer before writes straight into its interior, so
  there is no ``np.pad`` copy (circular padding refreshes the 1-pixel border, 4 slices);
- im2col is one copy of a strided view into a preallocated ``(n * Ho * Wo, 9 C + 1)``
  matrix whose last column is ones: the bias rides through the one matrix product
  (``(M, 9 C + 1) @ (9 C + 1, O)``, both contiguous, nothing transposed or copied after);
- ReLU is fused with that write (``np.maximum(..., 0, out=interior)``); before a 2x2 max
  it is applied after the max, on a quarter of the cells (the two commute exactly);
- the dtype is kept throughout: weights are cast once, python scalars are weak in numpy 2.

Everything the pass computes is the same arithmetic as :func:`poolviz.lab.nets._run`
up to the order of the sums inside the matrix products.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from poolviz.lab import layers as L

__all__ = ["forward_batched"]


def _interior(xp: np.ndarray) -> np.ndarray:
    return xp[:, 1:-1, 1:-1, :]


def _wrap_border(xp: np.ndarray) -> None:
    """Fill the 1-pixel border of ``xp`` as ``np.pad(..., mode="wrap")`` would."""
    xp[:, 0, 1:-1] = xp[:, -2, 1:-1]
    xp[:, -1, 1:-1] = xp[:, 1, 1:-1]
    xp[:, :, 0] = xp[:, :, -2]  # full height: the corners take the opposite corners
    xp[:, :, -1] = xp[:, :, 1]


def _weight_matrix(w: np.ndarray, b: np.ndarray, dtype: Any) -> np.ndarray:
    """``(9 C + 1, O)``: rows in im2col's (a, b, c) order, then the bias row."""
    o = w.shape[0]
    wmat = w.transpose(2, 3, 1, 0).reshape(-1, o)
    return np.ascontiguousarray(np.concatenate([wmat, b[None, :]]), dtype=dtype)


class _Conv:
    """Buffers and the product of one 3x3 conv for batches of ``n`` images."""

    def __init__(self, n: int, h: int, w: int, c: int, o: int, stride: int, padding: str,
                 dtype: Any) -> None:
        self.c, self.stride, self.circular = c, stride, padding == "circular"
        self.ho, self.wo = (h - 1) // stride + 1, (w - 1) // stride + 1
        m = n * self.ho * self.wo
        self.xp = np.zeros((n, h + 2, w + 2, c), dtype=dtype)
        self.interior = _interior(self.xp)
        s0, s1, s2, s3 = self.xp.strides
        ho, wo = self.ho, self.wo
        if c == 1:
            # One input channel: 9 whole-plane slice copies (rows of contiguous pixels) into
            # a (10, M) matrix used transposed; the (M, 10) copy would move 9 floats a step.
            self.cols = np.empty((10, n, ho, wo), dtype=dtype)
            self.cols[9] = 1.0
            self.taps = [(self.cols[a * 3 + bb, ..., None],
                          self.xp[:, a : a + stride * (ho - 1) + 1 : stride,
                                  bb : bb + stride * (wo - 1) + 1 : stride])
                         for a in range(3) for bb in range(3)]
            self.lhs = self.cols.reshape(10, m).T
        else:
            # For each output cell, 3 runs of 3*C contiguous inputs (a window row is
            # contiguous in channels-last layout): one copy of a strided view.
            self.cols = np.empty((m, 9 * c + 1), dtype=dtype)
            self.cols[:, -1] = 1.0
            view = as_strided(self.xp, (n, ho, wo, 3, 3 * c),
                              (s0, stride * s1, stride * s2, s1, s3), writeable=False)
            dst = self.cols[:, :-1].reshape(n, ho, wo, 3, 3 * c)
            assert np.shares_memory(dst, self.cols)  # a view, never a silent copy
            self.taps = [(dst, view)]
            self.lhs = self.cols
        self.out = np.empty((m, o), dtype=dtype)
        self.out4 = self.out.reshape(n, ho, wo, o)

    def run(self, wmat: np.ndarray) -> np.ndarray:
        """Conv of what is in the interior of ``xp``; returns (n, Ho, Wo, O), before ReLU."""
        if self.circular:
            _wrap_border(self.xp)
        for dst, src in self.taps:
            np.copyto(dst, src)
        np.matmul(self.lhs, wmat, out=self.out)
        return self.out4


def _relu(h: np.ndarray, zeros: np.ndarray, out: np.ndarray) -> np.ndarray:
    # Against a zero array, not the scalar 0: numpy's maximum with a scalar operand misses
    # the SIMD loop and is 2.5x slower (float32).
    return np.maximum(h, zeros, out=out)


def _pairs(h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Even and odd rows of ``h`` (n, H, W, C), then even and odd columns of an (n, H/2, W, C)
    array, as views whose inner runs are whole rows (W * C) or C values, never 1."""
    n, hh, w, c = h.shape
    return h[:, 0::2], h[:, 1::2], (n, hh // 2, w // 2, 2 * c), c


def _down(arch: str, h: np.ndarray, dst: np.ndarray, tmp: np.ndarray, zeros) -> None:
    """ReLU, then the arch's downsampling of ``h`` (n, H, W, C), written into ``dst``.

    ``tmp`` is scratch of (n, H/2, W, C); ``zeros(shape)`` a zero array of that shape.
    """
    if arch in ("nopool", "strided"):
        _relu(h, zeros(h.shape), dst)
        return
    if arch in ("maxpool", "avgpool"):
        even, odd, shape4, c = _pairs(h)
        if arch == "maxpool":
            # Rows, then columns; then ReLU, which commutes with max, on 4x fewer cells.
            np.maximum(even, odd, out=tmp)
            t = tmp.reshape(shape4)
            np.maximum(t[..., :c], t[..., c:], out=dst)
            _relu(dst, zeros(dst.shape), dst)
        else:
            _relu(h, zeros(h.shape), h)
            np.add(even, odd, out=tmp)  # (q00 + q10) + (q01 + q11), then / 4 (exact)
            t = tmp.reshape(shape4)
            np.add(t[..., :c], t[..., c:], out=dst)
            dst *= 0.25
        return
    _relu(h, zeros(h.shape), h)
    pool = L.blurpool_forward if arch == "blurpool" else L.aps_forward
    dst[...] = pool(h, grad=False)[0]


# Map size after each arch's downsampling (blurpool: 2x2 max at stride 1, reflect pad 1,
# blur 3x3 at stride 2).
_DOWN_SIZE = {"nopool": lambda s: s, "strided": lambda s: s, "maxpool": lambda s: s // 2,
              "avgpool": lambda s: s // 2, "blurpool": lambda s: (s - 2) // 2 + 1,
              "aps": lambda s: s // 2}


class _Plan:
    """Every buffer of one net for batches of ``n`` images of ``size`` x ``size``."""

    def __init__(self, arch: str, padding: str, n: int, size: int, dtype: Any) -> None:
        strides = (1, 2, 2) if arch == "strided" else (1, 1, 1)
        self.arch, self.convs = arch, []
        self.tmp: list[np.ndarray] = []
        hw, c = size, 1
        for i, (o, s) in enumerate(zip((8, 16, 32), strides, strict=True)):
            conv = _Conv(n, hw, hw, c, o, s, padding, dtype)
            self.convs.append(conv)
            hw, c = conv.ho, o
            self.tmp.append(np.empty((n, hw // 2, hw, c), dtype=dtype))
            if i < 2:
                hw = _DOWN_SIZE[arch](hw)
        self.zbuf = np.zeros(max(cv.out.size for cv in self.convs), dtype=dtype)
        # Global average pool as a batched product with a row of ones: a sum over the
        # middle axis of (n, H*W, C) runs 32-wide inner loops and costs 8x more.
        self.ones = np.ones((1, hw * hw), dtype=dtype)
        self.gap = np.empty((n, 1, c), dtype=dtype)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return self.zbuf[: int(np.prod(shape))].reshape(shape)

    def logits(self, x: np.ndarray, mats: list[np.ndarray], fc_w: np.ndarray,
               fc_b: np.ndarray) -> np.ndarray:
        """Logits of the images ``x`` (n, H, W) (any real dtype: cast on the copy in)."""
        c1, c2, c3 = self.convs
        np.copyto(c1.interior[..., 0], x, casting="unsafe")
        _down(self.arch, c1.run(mats[0]), c2.interior, self.tmp[0], self.zeros)
        _down(self.arch, c2.run(mats[1]), c3.interior, self.tmp[1], self.zeros)
        h = c3.run(mats[2])
        _relu(h, self.zeros(h.shape), h)
        n, ho, wo, o = h.shape
        g = np.matmul(self.ones, h.reshape(n, ho * wo, o), out=self.gap)[:, 0]
        g *= 1.0 / (ho * wo)  # 1/256 or 1/16: a power of two, so exactly the mean of the sum
        return g @ fc_w.T + fc_b


def forward_batched(params: dict[str, np.ndarray], x: np.ndarray, arch: str, padding: str,
                    dtype: Any, batch: int) -> np.ndarray:
    """Logits (N, 10) of images ``x`` (N, H, W), ``batch`` images at a time, in ``dtype``.

    ``arch``, ``padding`` and ``params`` must already be checked (see :func:`nets.forward`).

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
    mats = [_weight_matrix(params[f"conv{i}.weight"], params[f"conv{i}.bias"], dtype)
            for i in (1, 2, 3)]
    fc_w = params["fc.weight"].astype(dtype)
    fc_b = params["fc.bias"].astype(dtype)
    out = np.empty((n_all, 10), dtype=dtype)
    batch = max(1, min(batch, n_all))
    plans: dict[int, _Plan] = {}  # the full batch size, and the last (shorter) one
    for i in range(0, n_all, batch):
        xb = x[i : i + batch]
        plan = plans.get(len(xb)) or plans.setdefault(len(xb), _Plan(arch, padding, len(xb),
                                                                     size, dtype))
        out[i : i + len(xb)] = plan.logits(xb, mats, fc_w, fc_b)
    return out
