"""The shipped digits: loading, the 16x16 canvas, shifts and input validation.

``assets/digits.npz`` holds scikit-learn's copy of the UCI optdigits 8x8 digits (values
0-16, made by ``scripts/make_digits.py``). Nothing is downloaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CANVAS",
    "DIGITS_PATH",
    "Digits",
    "load_digits",
    "to_canvas",
    "check_images",
    "shift_images",
    "shift_grid",
    "SHIFT_MODES",
]

CANVAS = 16  # the 8x8 digit sits at rows and columns 4..11
_OFFSET = 4
DIGITS_PATH = Path(__file__).resolve().parents[2] / "assets" / "digits.npz"
SHIFT_MODES = ("zero", "circular")


@dataclass(frozen=True)
class Digits:
    """Train and test images, float64 (N, 16, 16) in [0, 1], and int64 labels 0..9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def to_canvas(x8: Any) -> np.ndarray:
    """Scale 8x8 digits (0..16) to [0, 1] and place them at rows/columns 4..11 of 16x16 zeros.

    Parameters
    ----------
    x8 : array_like, shape (N, 8, 8)

    Returns
    -------
    ndarray of float64, shape (N, 16, 16)

    Examples
    --------
    >>> c = to_canvas(np.full((1, 8, 8), 16))
    >>> c.shape, float(c[0, 4, 4]), float(c[0, 3, 3]), float(c.sum())
    ((1, 16, 16), 1.0, 0.0, 64.0)
    """
    x8 = np.asarray(x8, dtype=np.float64)
    if x8.ndim != 3 or x8.shape[1:] != (8, 8):
        raise ValueError(f"`x8` must have shape (N, 8, 8); got shape {x8.shape}")
    out = np.zeros((x8.shape[0], CANVAS, CANVAS))
    out[:, _OFFSET : _OFFSET + 8, _OFFSET : _OFFSET + 8] = x8 / 16.0
    return out


def load_digits(path: str | Path = DIGITS_PATH) -> Digits:
    """Load the shipped split: 1,347 train and 450 test digits on the 16x16 canvas.

    Examples
    --------
    >>> d = load_digits()
    >>> d.x_train.shape, d.x_test.shape, d.y_test.dtype, float(d.x_test.max())
    ((1347, 16, 16), (450, 16, 16), dtype('int64'), 1.0)
    """
    with np.load(path) as f:
        return Digits(
            x_train=to_canvas(f["x_train"]),
            y_train=f["y_train"].astype(np.int64),
            x_test=to_canvas(f["x_test"]),
            y_test=f["y_test"].astype(np.int64),
        )


def check_images(x: Any, name: str = "x") -> np.ndarray:
    """Validate a batch of canvases; return it as float64 (N, 16, 16).

    A single (16, 16) image becomes a batch of one. Messages name the argument, say what
    is allowed and show what was given.

    Examples
    --------
    >>> check_images(np.zeros((16, 16))).shape
    (1, 16, 16)
    >>> check_images(np.zeros((3, 8, 8)))
    Traceback (most recent call last):
    ...
    ValueError: `x` must have shape (N, 16, 16) or (16, 16); got shape (3, 8, 8)
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == np.bool_
    ):
        raise ValueError(f"`{name}` must hold real numbers (int or float); got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (CANVAS, CANVAS):
        raise ValueError(
            f"`{name}` must have shape (N, {CANVAS}, {CANVAS}) or ({CANVAS}, {CANVAS}); "
            f"got shape {np.shape(x)}"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"`{name}` must be finite (no NaN or inf); got {bad} non-finite values")
    return arr


def _check_mode(mode: str) -> str:
    if mode not in SHIFT_MODES:
        raise ValueError(f"`mode` must be one of {SHIFT_MODES}; got {mode!r}")
    return mode


def shift_images(x: np.ndarray, dy: int, dx: int, mode: str = "zero") -> np.ndarray:
    """Move every image's content by (dy, dx): ``out[n, i, j] = x[n, i - dy, j - dx]``.

    Parameters
    ----------
    x : ndarray, shape (N, H, W)
    dy, dx : int
        Positive moves down / right; for ``"zero"`` at most the image size in magnitude.
    mode : {"zero", "circular"}
        Zero fill (content falls off the edge) or wrap around.

    Examples
    --------
    >>> shift_images(np.arange(3.0).reshape(1, 1, 3), 0, 1)
    array([[[0., 0., 1.]]])
    >>> shift_images(np.arange(3.0).reshape(1, 1, 3), 0, 1, "circular")
    array([[[2., 0., 1.]]])
    """
    return shift_grid(x, np.array([[dy, dx]]), mode)[:, 0]


def shift_grid(x: np.ndarray, shifts: Any, mode: str = "zero") -> np.ndarray:
    """Every shift of every image at once, as one gather from a window view.

    Parameters
    ----------
    x : ndarray, shape (N, H, W)
    shifts : array_like of int, shape (S, 2)
        ``(dy, dx)`` rows.
    mode : {"zero", "circular"}

    Returns
    -------
    ndarray, shape (N, S, H, W)

    Examples
    --------
    >>> shift_grid(np.ones((2, 4, 4)), [(0, 0), (1, 1), (-4, 0)]).sum(axis=(2, 3))
    array([[16.,  9.,  0.],
           [16.,  9.,  0.]])
    """
    _check_mode(mode)
    s = np.asarray(shifts)
    if s.ndim != 2 or s.shape[1] != 2 or not np.issubdtype(s.dtype, np.integer):
        raise ValueError(f"`shifts` must be ints of shape (S, 2); got shape {s.shape}, {s.dtype}")
    x = np.asarray(x)
    n, h, w = x.shape
    if mode == "circular":
        xp = np.pad(x, [(0, 0), (0, h - 1), (0, w - 1)], mode="wrap")
        r0, c0 = (-s[:, 0]) % h, (-s[:, 1]) % w
    else:
        dy, dx = np.clip(s[:, 0], -h, h), np.clip(s[:, 1], -w, w)
        ph, pw = int(np.abs(dy).max(initial=0)), int(np.abs(dx).max(initial=0))
        xp = np.pad(x, [(0, 0), (ph, ph), (pw, pw)])
        r0, c0 = ph - dy, pw - dx
    windows = np.lib.stride_tricks.sliding_window_view(xp, (h, w), axis=(1, 2))
    return windows[:, r0, c0]
