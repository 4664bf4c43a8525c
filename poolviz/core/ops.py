"""Vectorized NumPy building blocks of the visualizer: convolution, pooling and shifts.

Every op takes ``x`` shaped ``(..., H, W)``: any leading axes are independent maps
(a shift sweep passes ``(S, H, W)``), and every op returns a new float64 array.
Conventions follow ``torch.nn.functional`` (cross-correlation, floor-mode output
sizes, zero / -inf padding); the ops check arguments but do not enforce the page's
caps in :mod:`poolviz.core.limits`.

Invalid arguments raise :class:`poolviz.core.checks.PoolvizError` (a ``ValueError``).

The module is one piece (about 600 lines) on purpose: conv, max/avg, blur and APS pooling
and the shift stack all build on the same private window helpers (``_pad``, ``_out_size``,
``_strided``, ``_window_reduce``) and argument checks (``_check_pool_args``,
``_check_window_fits``), and splitting the ops apart would scatter the argument that each
is exact (floor-mode sizes, padding values, summation order) over several files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from poolviz.core.checks import (
    Pair,
    PoolvizError,
    as_choice,
    as_finite_scalar,
    as_image,
    as_int,
    as_kernel,
    as_pair,
    as_shifts,
    check_at_least,
    check_fits,
    show,
)

__all__ = [
    "SHIFT_MODES",
    "APS_TIE_RTOL",
    "BLUR_TAPS",
    "blur_filter",
    "blur_pads",
    "check_taps",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "global_max_pool",
    "global_avg_pool",
    "relu",
    "shift",
    "shift_stack",
    "blur_pool2d",
    "aps_pool2d",
    "aps_choice",
]

SHIFT_MODES = ("zero", "wrap")
APS_TIE_RTOL = 1e-12  # polyphase norms this close (relatively) count as a tie
# The blur of MaxBlurPool, by number of taps: binomial [1, 2, 1] is the 3-tap filter of
# Zhang 2019; antialiased-cnns' BlurPool defaults to the 4-tap [1, 3, 3, 1].
BLUR_TAPS: dict[int, tuple[int, ...]] = {3: (1, 2, 1), 4: (1, 3, 3, 1)}

# Elements per block of output in conv2d: out-block, tmp-block and the input rows they
# read stay within a typical 1 MiB L2 (measured best at ~32k on 512x512 inputs).
_BLOCK_ELEMENTS = 32_768

_Ufunc = Callable[..., np.ndarray]


# ---------------------------------------------------------------- helpers


def _pad(x: np.ndarray, ph: int, pw: int, value: float) -> np.ndarray:
    if ph == 0 and pw == 0:
        return x
    width = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
    return np.pad(x, width, mode="constant", constant_values=value)


def _out_size(n: int, k: int, s: int) -> int:
    return (n - k) // s + 1


def _strided(start: int, count: int, step: int) -> slice:
    return slice(start, start + (count - 1) * step + 1, step)


def _window_reduce(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ufunc: _Ufunc) -> np.ndarray:
    """Reduce every (kh, kw) window at stride (sh, sw) with a binary ufunc, separably.

    Rows first, then columns: kh + kw - 2 ufunc calls instead of kh * kw. The first
    pass over whole rows is contiguous, which also beats the reshape-to-(oh, kh, ow, kw)
    trick (a multi-axis reduction over tiny axes runs ~20x slower in NumPy).
    """
    oh = _out_size(x.shape[-2], kh, sh)
    ow = _out_size(x.shape[-1], kw, sw)
    rows = x[..., _strided(0, oh, sh), :]
    if kh > 1:
        rows = ufunc(rows, x[..., _strided(1, oh, sh), :])
        for a in range(2, kh):
            ufunc(rows, x[..., _strided(a, oh, sh), :], out=rows)
    out = rows[..., _strided(0, ow, sw)]
    if kw > 1:
        out = ufunc(out, rows[..., _strided(1, ow, sw)])
        for b in range(2, kw):
            ufunc(out, rows[..., _strided(b, ow, sw)], out=out)
    # A 1x1 window leaves a view of the input; callers are promised a new array.
    return out if out.flags.owndata else out.copy()


def _check_pool_args(size: Any, stride: Any, padding: Any) -> tuple[tuple[int, int], ...]:
    kh, kw = as_pair(size, "size")
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    check_at_least((kh, kw), size, "size", 1)
    check_at_least((sh, sw), stride, "stride", 1)
    check_at_least((ph, pw), padding, "padding", 0)
    # torch refuses more padding than half the window: a window could then see only padding.
    check_fits(
        (ph, pw),
        padding,
        "padding",
        (0, 0),
        (kh // 2, kw // 2),
        f"at most half the {kh}x{kw} window",
    )
    return (kh, kw), (sh, sw), (ph, pw)


def _check_window_fits(x: np.ndarray, k: tuple[int, int], given: Any, pad: tuple[int, int]) -> None:
    hp, wp = x.shape[-2] + 2 * pad[0], x.shape[-1] + 2 * pad[1]
    check_fits(k, given, "size", (1, 1), (hp, wp), f"input is {hp}x{wp} after padding")


# ---------------------------------------------------------------- convolution


def _correlate(
    xp: np.ndarray, k: np.ndarray, sh: int, sw: int, oh: int, ow: int, bias: float
) -> np.ndarray:
    """Sum of weighted strided slices, accumulated in place block by block."""
    lead = xp.shape[:-2]
    x3 = xp.reshape((-1,) + xp.shape[-2:])
    n = x3.shape[0]
    out = np.empty((n, oh, ow))
    terms = [(a, b, float(k[a, b])) for a in range(k.shape[0]) for b in range(k.shape[1])]
    terms = [t for t in terms if t[2] != 0.0]  # zero weights cost nothing
    if not terms or n == 0:
        out.fill(bias)
        return out.reshape(lead + (oh, ow))
    # Blocks of whole maps when maps are small (a sweep), else of rows of one map.
    if oh * ow >= _BLOCK_ELEMENTS:
        maps_per_block, rows_per_block = 1, max(1, _BLOCK_ELEMENTS // ow)
    else:
        maps_per_block, rows_per_block = max(1, _BLOCK_ELEMENTS // (oh * ow)), oh
    tmp = np.empty((min(n, maps_per_block), min(oh, rows_per_block), ow))
    cols = [_strided(b, ow, sw) for b in range(k.shape[1])]
    for n0 in range(0, n, maps_per_block):
        n1 = min(n, n0 + maps_per_block)
        for r0 in range(0, oh, rows_per_block):
            r1 = min(oh, r0 + rows_per_block)
            o = out[n0:n1, r0:r1]
            t = tmp[: n1 - n0, : r1 - r0]
            for i, (a, b, w) in enumerate(terms):
                src = x3[n0:n1, _strided(r0 * sh + a, r1 - r0, sh), cols[b]]
                if i == 0:
                    np.multiply(src, w, out=o)
                elif w == 1.0:
                    np.add(o, src, out=o)
                elif w == -1.0:
                    np.subtract(o, src, out=o)
                else:
                    np.multiply(src, w, out=t)
                    np.add(o, t, out=o)
            if bias != 0.0:
                np.add(o, bias, out=o)
    return out.reshape(lead + (oh, ow))


def conv2d(
    x: Any, kernel: Any, stride: Pair = 1, padding: Pair = 0, bias: float = 0.0
) -> np.ndarray:
    """2-D cross-correlation of every map with one kernel, as ``torch.nn.functional.conv2d``.

    ``out[..., i, j] = bias + sum_{a, b} kernel[a, b] * xp[..., i*sh + a, j*sw + b]``
    where ``xp`` is ``x`` zero-padded by ``padding``; the kernel is not flipped.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Finite input maps; leading axes are independent.
    kernel : array_like, shape (kh, kw)
        Finite weights; need not be square. Must fit in the padded input.
    stride : int or (int, int), default 1
        Step between windows, >= 1.
    padding : int or (int, int), default 0
        Zero rows/columns added on each side, >= 0.
    bias : float, default 0.0
        Finite number added to every output cell.

    Returns
    -------
    ndarray, shape (..., (H + 2*ph - kh) // sh + 1, (W + 2*pw - kw) // sw + 1)

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> conv2d(x, np.ones((3, 3)), padding=1)
    array([[ 8., 15., 12.],
           [21., 36., 27.],
           [20., 33., 24.]])
    >>> conv2d(x, [[0.0, 1.0]])  # no flip: each cell takes its right neighbour
    array([[1., 2.],
           [4., 5.],
           [7., 8.]])
    """
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    check_at_least((sh, sw), stride, "stride", 1)
    check_at_least((ph, pw), padding, "padding", 0)
    k = as_kernel(kernel)
    b = as_finite_scalar(bias, "bias")
    x = as_image(x)
    hp, wp = x.shape[-2] + 2 * ph, x.shape[-1] + 2 * pw
    kh, kw = k.shape
    if kh > hp or kw > wp:
        raise PoolvizError(
            f"`kernel` must be at most {hp}x{wp} (input is {hp}x{wp} after padding); "
            f"got shape {kh}x{kw}"
        )
    oh, ow = _out_size(hp, kh, sh), _out_size(wp, kw, sw)
    return _correlate(_pad(x, ph, pw, 0.0), k, sh, sw, oh, ow, b)


# ---------------------------------------------------------------- pooling


def max_pool2d(x: Any, size: Pair = 2, stride: Pair | None = None, padding: Pair = 0) -> np.ndarray:
    """Max over each window, as ``torch.nn.functional.max_pool2d`` (floor mode).

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Finite input maps.
    size : int or (int, int), default 2
        Window (kh, kw), >= 1 and at most the padded input.
    stride : int or (int, int), optional
        Step between windows, >= 1; defaults to ``size``.
    padding : int or (int, int), default 0
        Padding on each side that acts as -inf; at most half the window (``k // 2``).

    Returns
    -------
    ndarray, shape (..., (H + 2*ph - kh) // sh + 1, (W + 2*pw - kw) // sw + 1)

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(4, 4), 2)
    array([[ 5.,  7.],
           [13., 15.]])
    >>> max_pool2d(-np.arange(1.0, 17.0).reshape(4, 4), 3, stride=2, padding=1)
    array([[-1., -2.],
           [-5., -6.]])
    """
    (kh, kw), (sh, sw), (ph, pw) = _check_pool_args(size, stride, padding)
    x = as_image(x)
    _check_window_fits(x, (kh, kw), size, (ph, pw))
    return _window_reduce(_pad(x, ph, pw, -np.inf), kh, kw, sh, sw, np.maximum)


def avg_pool2d(x: Any, size: Pair = 2, stride: Pair | None = None, padding: Pair = 0) -> np.ndarray:
    """Mean over each window, as ``torch.nn.functional.avg_pool2d`` with
    ``count_include_pad=True``: padded cells count as zeros and the divisor is always
    ``kh * kw``.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Finite input maps.
    size : int or (int, int), default 2
        Window (kh, kw), >= 1 and at most the padded input.
    stride : int or (int, int), optional
        Step between windows, >= 1; defaults to ``size``.
    padding : int or (int, int), default 0
        Zero padding on each side; at most half the window (``k // 2``).

    Returns
    -------
    ndarray, shape (..., (H + 2*ph - kh) // sh + 1, (W + 2*pw - kw) // sw + 1)

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(4, 4))
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> avg_pool2d(np.ones((2, 2)), 2, stride=2, padding=1)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    (kh, kw), (sh, sw), (ph, pw) = _check_pool_args(size, stride, padding)
    x = as_image(x)
    _check_window_fits(x, (kh, kw), size, (ph, pw))
    out = _window_reduce(_pad(x, ph, pw, 0.0), kh, kw, sh, sw, np.add)
    out /= kh * kw
    return out


def global_max_pool(x: Any) -> np.ndarray:
    """Max of each map.

    Parameters
    ----------
    x : array_like, shape (..., H, W)

    Returns
    -------
    ndarray, shape (...)
        A 0-d array for a single map.

    Examples
    --------
    >>> global_max_pool(np.arange(8.0).reshape(2, 2, 2))
    array([3., 7.])
    """
    x = as_image(x)
    return np.asarray(np.max(x, axis=(-2, -1)))


def global_avg_pool(x: Any) -> np.ndarray:
    """Mean of each map, bit-identical for any permutation of a map's cells.

    The cells are sorted before summing, so a circularly shifted map gives exactly the
    same mean (a plain ``mean`` can differ in the last bit, which would show up as a
    spurious "not invariant" on the page).

    Parameters
    ----------
    x : array_like, shape (..., H, W)

    Returns
    -------
    ndarray, shape (...)
        A 0-d array for a single map.

    Examples
    --------
    >>> global_avg_pool(np.arange(8.0).reshape(2, 2, 2))
    array([1.5, 5.5])
    """
    x = as_image(x)
    h, w = x.shape[-2:]
    flat = np.sort(x.reshape(x.shape[:-2] + (h * w,)), axis=-1)
    return np.asarray(flat.sum(axis=-1) / (h * w))


def relu(x: Any) -> np.ndarray:
    """``max(x, 0)`` cell by cell.

    Parameters
    ----------
    x : array_like, shape (..., H, W)

    Returns
    -------
    ndarray, shape (..., H, W)

    Examples
    --------
    >>> relu([[-1.0, 2.0]])
    array([[0., 2.]])
    """
    return np.maximum(as_image(x), 0.0)


# ---------------------------------------------------------------- shifts


def shift(x: Any, dy: int, dx: int, mode: str = "zero") -> np.ndarray:
    """Move the content of every map by ``(dy, dx)``: ``out[..., i, j] = x[..., i - dy, j - dx]``.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
    dy, dx : int
        Positive ``dy`` moves content down, positive ``dx`` right.
    mode : {"zero", "wrap"}, default "zero"
        ``"zero"``: content falls off the edge and zeros come in (a shift of at least
        the size gives all zeros). ``"wrap"``: circular, as ``numpy.roll``.

    Returns
    -------
    ndarray, shape (..., H, W)

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> shift(x, 0, 1)
    array([[0., 1., 2.]])
    >>> shift(x, 0, -1, mode="wrap")
    array([[2., 3., 1.]])
    """
    dy = as_int(dy, "dy")
    dx = as_int(dx, "dx")
    mode = as_choice(mode, "mode", SHIFT_MODES)
    x = as_image(x)
    h, w = x.shape[-2:]
    if mode == "wrap":
        return np.roll(x, (dy % h, dx % w), axis=(-2, -1))
    out = np.zeros_like(x)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        ..., max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def shift_stack(x: Any, shifts: Any, mode: str = "zero") -> np.ndarray:
    """Every shift of every map at once: ``out[..., k, :, :] == shift(x, *shifts[k], mode)``.

    One gather from a window view of the padded (zero) or tiled (wrap) input, with no
    Python loop over the shifts.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
    shifts : array_like of int, shape (S, 2)
        ``(dy, dx)`` rows, as for :func:`shift`.
    mode : {"zero", "wrap"}, default "zero"

    Returns
    -------
    ndarray, shape (..., S, H, W)

    Examples
    --------
    >>> shift_stack(np.array([[1.0, 2.0, 3.0]]), [(0, 1), (0, -1)])
    array([[[0., 1., 2.]],
    <BLANKLINE>
           [[2., 3., 0.]]])
    """
    s = as_shifts(shifts)
    mode = as_choice(mode, "mode", SHIFT_MODES)
    x = as_image(x)
    h, w = x.shape[-2:]
    lead = [(0, 0)] * (x.ndim - 2)
    if mode == "wrap":
        # Window r of x tiled to 2H-1 rows starts at x[r]: window (-dy) % H is the shift.
        xp = np.pad(x, lead + [(0, h - 1), (0, w - 1)], mode="wrap")
        r0, c0 = (-s[:, 0]) % h, (-s[:, 1]) % w
    else:
        # Shifts past the edge all give zeros, so clip them to keep the padding small.
        dy, dx = np.clip(s[:, 0], -h, h), np.clip(s[:, 1], -w, w)
        ph, pw = int(np.abs(dy).max(initial=0)), int(np.abs(dx).max(initial=0))
        xp = _pad(x, ph, pw, 0.0)
        r0, c0 = ph - dy, pw - dx
    windows = sliding_window_view(xp, (h, w), axis=(-2, -1))  # (..., rows, cols, H, W)
    return windows[..., r0, c0, :, :]


# ---------------------------------------------------------------- anti-aliased pooling


def check_taps(taps: Any) -> int:
    """``taps`` if it is a supported blur length (3 or 4), else :class:`PoolvizError`.

    >>> check_taps(4)
    4
    >>> check_taps(5)
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `taps` must be one of 3, 4; got 5
    """
    if isinstance(taps, (bool, np.bool_)) or not isinstance(taps, (int, np.integer)):
        raise PoolvizError(f"`taps` must be one of 3, 4; got {show(taps)}")
    if int(taps) not in BLUR_TAPS:
        raise PoolvizError(f"`taps` must be one of 3, 4; got {int(taps)}")
    return int(taps)


def blur_pads(taps: int) -> tuple[int, int]:
    """Reflect padding (before, after) per axis, as antialiased-cnns' BlurPool pads.

    ``((taps - 1) // 2, ceil((taps - 1) / 2))``: (1, 1) for 3 taps, (1, 2) for 4.

    >>> blur_pads(3), blur_pads(4)
    ((1, 1), (1, 2))
    """
    return (taps - 1) // 2, taps // 2


def blur_filter(taps: int = 3) -> np.ndarray:
    """The normalized 2-D blur, the outer product of :data:`BLUR_TAPS` ``[taps]``.

    >>> blur_filter(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> float(blur_filter(4).sum()), float(blur_filter(4)[1, 1] * 64)
    (1.0, 9.0)
    """
    a = np.asarray(BLUR_TAPS[check_taps(taps)], dtype=float)
    return np.outer(a, a) / a.sum() ** 2


def _binomial_blur(x: np.ndarray, sh: int, sw: int, taps: int = 3) -> np.ndarray:
    """The separable binomial blur of ``taps`` taps at stride (sh, sw), no padding."""
    a = BLUR_TAPS[taps]
    oh, ow = _out_size(x.shape[-2], taps, sh), _out_size(x.shape[-1], taps, sw)
    # Tap 1 first, then the others in order: for 3 taps this is the sum order poolviz has
    # always used (2*x1 + x0 + x2), so the 3-tap results stay bit-identical.
    order = [1] + [k for k in range(taps) if k != 1]
    rows = x[..., _strided(order[0], oh, sh), :] * float(a[order[0]])
    for k in order[1:]:
        rows += x[..., _strided(k, oh, sh), :] * float(a[k])  # * 1.0 is exact
    out = rows[..., _strided(order[0], ow, sw)] * float(a[order[0]])
    for k in order[1:]:
        out += rows[..., _strided(k, ow, sw)] * float(a[k])
    out *= 1.0 / float(sum(a)) ** 2  # 1/16 or 1/64, powers of two: exact
    return out


def blur_pool2d(x: Any, stride: Pair = 2, taps: int = 3) -> np.ndarray:
    """Anti-aliased max pooling (MaxBlurPool; Zhang 2019, "Making Convolutional Networks
    Shift-Invariant Again").

    A 2x2 max at stride 1 (no padding), then a normalized binomial blur with reflect
    padding, evaluated at ``stride``: ``taps=3`` is ``[1, 2, 1] x [1, 2, 1] / 16`` padded
    (1, 1) per axis (the paper's 3-tap filter); ``taps=4`` is ``[1, 3, 3, 1] x [1, 3, 3, 1]
    / 64`` padded (1, 2) per axis (before, after), as antialiased-cnns' ``BlurPool`` (its
    default ``filt_size=4``) pads with ``ReflectionPad2d``. Dense max first, subsample
    after a low-pass, so the subsampling aliases less.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Finite input maps, H, W >= 3 for 3 taps, >= 4 for 4 taps (reflect padding, as in
        PyTorch, needs the 2x2 max's (H-1)x(W-1) output to be larger than the padding).
    stride : int or (int, int), default 2
        Subsampling step of the blur, >= 1.
    taps : {3, 4}, default 3
        Length of the 1-D binomial filter.

    Returns
    -------
    ndarray, shape (..., (H - 2) // sh + 1, (W - 2) // sw + 1)
        The same shape for both filters.

    Examples
    --------
    >>> blur_pool2d(np.ones((8, 8))).shape
    (4, 4)
    >>> x = np.zeros((4, 4))
    >>> x[:, 0] = 1.0
    >>> blur_pool2d(x)
    array([[0.5, 0. ],
           [0.5, 0. ]])
    >>> blur_pool2d(x, taps=4)  # padded (1, 2): the far side reflects the column back in
    array([[0.375, 0.125],
           [0.375, 0.125]])
    """
    sh, sw = as_pair(stride, "stride")
    check_at_least((sh, sw), stride, "stride", 1)
    taps = check_taps(taps)
    x = as_image(x)
    before, after = blur_pads(taps)
    least = after + 2  # the max's output, (n - 1), must exceed the larger pad
    if x.shape[-2] < least or x.shape[-1] < least:
        name = "blur pooling" if taps == 3 else "blur pooling [1,3,3,1]"
        raise PoolvizError(
            f"`x` must be at least {least}x{least} for {name} (reflect padding needs the 2x2 "
            f"max's (H-1)x(W-1) output to be at least {after + 1}x{after + 1}); "
            f"got shape {x.shape}"
        )
    m = _window_reduce(x, 2, 2, 1, 1, np.maximum)
    m = np.pad(m, [(0, 0)] * (x.ndim - 2) + [(before, after), (before, after)], mode="reflect")
    return _binomial_blur(m, sh, sw, taps)


def _aps_components(x: Any, size: Any, stride: Any) -> np.ndarray:
    """Check APS arguments; return the polyphase components, shape (..., sh*sw, H/sh, W/sw)."""
    kh, kw = as_pair(size, "size")
    sh, sw = as_pair(stride, "stride")
    check_at_least((kh, kw), size, "size", 1)
    check_at_least((sh, sw), stride, "stride", 1)
    x = as_image(x)
    h, w = x.shape[-2:]
    if h % sh or w % sw:
        raise PoolvizError(
            f"`stride` must divide the input size {h}x{w} (H and W must be multiples "
            f"of it); got {show(stride)}"
        )
    check_fits((kh, kw), size, "size", (1, 1), (h, w), f"input is {h}x{w}, wrapped circularly")
    # Circular max-pool at stride 1 keeps HxW and commutes exactly with circular shifts.
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, kh - 1), (0, kw - 1)], mode="wrap")
    y = _window_reduce(xp, kh, kw, 1, 1, np.maximum)
    lead = y.shape[:-2]
    y = y.reshape(lead + (h // sh, sh, w // sw, sw))
    y = np.moveaxis(y, (-3, -1), (-4, -3))  # (..., sh, sw, H/sh, W/sw)
    return y.reshape(lead + (sh * sw, h // sh, w // sw))


def _aps_select(comps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the largest-norm component (first on ties) and whether it tied."""
    sq = np.square(comps).reshape(comps.shape[:-2] + (comps.shape[-2] * comps.shape[-1],))
    # Sorted sums make the norms independent of cell order, so a circularly shifted
    # component has bit-for-bit the norm of the original and the choice cannot flip.
    norms = np.sort(sq, axis=-1).sum(axis=-1)
    best = norms.max(axis=-1, keepdims=True)
    close = norms >= best - APS_TIE_RTOL * best
    return np.argmax(close, axis=-1), np.count_nonzero(close, axis=-1) > 1


def aps_pool2d(x: Any, size: Pair = 2, stride: Pair = 2) -> np.ndarray:
    """Adaptive polyphase sampling after a circular max-pool (Chaman & Dokmanić 2021).

    ``y[..., i, j] = max_{a < kh, b < kw} x[..., (i + a) % H, (j + b) % W]``; of the
    ``sh * sw`` components ``y[..., p::sh, q::sw]`` keep the one with the largest L2
    norm, ties (within ``APS_TIE_RTOL``) going to the lowest index ``p * sw + q``.
    Without ties a circular shift of ``x`` circularly shifts the output, so a global
    pool after it is exactly shift-invariant; see :func:`aps_choice` for the ties.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Finite input maps; H and W multiples of the stride.
    size : int or (int, int), default 2
        Circular max window, between 1 and the input size.
    stride : int or (int, int), default 2
        Polyphase step, >= 1, dividing H and W.

    Returns
    -------
    ndarray, shape (..., H // sh, W // sw)

    Examples
    --------
    >>> x = np.zeros((4, 4))
    >>> x[1, 0] = 1.0
    >>> aps_pool2d(x, size=1)
    array([[1., 0.],
           [0., 0.]])
    """
    comps = _aps_components(x, size, stride)
    index, _ = _aps_select(comps)
    picked = np.take_along_axis(comps, index[..., None, None, None], axis=-3)
    return picked[..., 0, :, :]


def aps_choice(x: Any, size: Pair = 2, stride: Pair = 2) -> tuple[np.ndarray, np.ndarray]:
    """Which polyphase component :func:`aps_pool2d` keeps, and whether that was a tie.

    Parameters
    ----------
    x, size, stride
        As for :func:`aps_pool2d`.

    Returns
    -------
    index : ndarray of int, shape (...)
        Chosen component ``p * sw + q`` (row-major), in ``range(sh * sw)``.
    tie : ndarray of bool, shape (...)
        True where another component had the same largest norm; there the choice is
        by position, and shift invariance can fail (binary patterns tie often).

    Examples
    --------
    >>> x = np.zeros((4, 4))
    >>> x[1, 0] = 1.0
    >>> aps_choice(x, size=1)
    (array(2), array(False))
    >>> aps_choice(x, size=2)  # the 2x2 max spreads the dot over all four phases
    (array(0), array(True))
    """
    index, tie = _aps_select(_aps_components(x, size, stride))
    return np.asarray(index), np.asarray(tie)
