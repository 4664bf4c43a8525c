"""Filter presets for the first convolution, at any size from 1×1 to 7×7.

Examples
--------
>>> make_kernel("vertical edge", 3, 3).tolist()
[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
>>> make_kernel("identity", 1, 1).tolist()
[[1.0]]
"""

from __future__ import annotations

import numpy as np

from poolviz.core import limits
from poolviz.core.checks import PoolvizError

__all__ = ["KERNEL_PRESETS", "make_kernel", "resize_kernel", "apply_weight_edits"]

KERNEL_PRESETS = (
    "identity",
    "all ones",
    "vertical edge",
    "horizontal edge",
    "Laplacian",
    "Gaussian",
    "random",
)


def _binomial(n: int) -> np.ndarray:
    row = np.array([1.0])
    for _ in range(n - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row


def _centred_difference(n: int) -> np.ndarray:
    """A derivative along one axis: [1, -1] for 2, [1, 0, -1] for 3, ... (cross-correlation)."""
    if n == 1:
        return np.array([1.0])
    return np.linspace(1.0, -1.0, n)


def _check_size(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise PoolvizError(
            f"`{name}` must be an integer from 1 to {limits.MAX_KERNEL}; got {value!r}"
        )
    if not 1 <= value <= limits.MAX_KERNEL:
        raise PoolvizError(f"`{name}` must be from 1 to {limits.MAX_KERNEL}; got {value}")
    return int(value)


def make_kernel(name: str, height: int = 3, width: int = 3, seed: int = 0) -> np.ndarray:
    """Build the preset filter ``name`` (one of ``KERNEL_PRESETS``) at ``height``×``width``.

    Edge filters are Sobel-like: a derivative across the edge times a binomial smoothing
    along it. "random" draws integers from -2 to 2 with ``seed``, so it stays readable.

    >>> make_kernel("Gaussian", 3, 3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    height = _check_size("height", height)
    width = _check_size("width", width)
    if name == "identity":
        kernel = np.zeros((height, width))
        kernel[(height - 1) // 2, (width - 1) // 2] = 1.0
        return kernel
    if name == "all ones":
        return np.ones((height, width))
    if name == "vertical edge":
        return np.outer(_binomial(height), _centred_difference(width))
    if name == "horizontal edge":
        return np.outer(_centred_difference(height), _binomial(width))
    if name == "Laplacian":
        kernel = -np.ones((height, width))
        kernel[(height - 1) // 2, (width - 1) // 2] = height * width - 1.0
        return kernel
    if name == "Gaussian":
        kernel = np.outer(_binomial(height), _binomial(width))
        return kernel / kernel.sum()
    if name == "random":
        if (
            isinstance(seed, bool)
            or not isinstance(seed, (int, np.integer))
            or not 0 <= seed < 2**32
        ):
            raise PoolvizError(f"`seed` must be an integer from 0 to 2**32-1; got {seed!r}")
        return np.random.default_rng(int(seed)).integers(-2, 3, size=(height, width)).astype(float)
    raise PoolvizError(f"`name` must be one of {', '.join(KERNEL_PRESETS)}; got {name!r}")


def resize_kernel(kernel: np.ndarray, height: int, width: int) -> np.ndarray:
    """Keep the top-left weights of ``kernel``, cropping or padding with zeros.

    >>> resize_kernel(np.ones((2, 2)), 1, 3).tolist()
    [[1.0, 1.0, 0.0]]
    """
    height = _check_size("height", height)
    width = _check_size("width", width)
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 2 or kernel.size == 0:
        raise PoolvizError(f"`kernel` must be a non-empty 2-D grid; got shape {kernel.shape}")
    out = np.zeros((height, width))
    h, w = min(height, kernel.shape[0]), min(width, kernel.shape[1])
    out[:h, :w] = kernel[:h, :w]
    return out


def apply_weight_edits(
    kernel: np.ndarray, edits: dict, decimals: int = 4
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Apply a data editor's ``edited_rows`` to ``kernel``; refuse weights that are not finite
    numbers within ``±MAX_ABS_WEIGHT``.

    ``edits`` maps a row index to ``{column: value}``, the columns named ``w0``, ``w1``, …
    (or plain indices). Returns the new kernel and the (row, column) cells left unchanged
    because their value was refused. Accepted weights are rounded to ``decimals`` places, as
    many as a link can carry.

    >>> new, refused = apply_weight_edits(np.ones((2, 2)), {0: {"w1": 2.5}, 1: {"w0": None}})
    >>> new.tolist(), refused
    ([[1.0, 2.5], [1.0, 1.0]], [(1, 0)])
    """
    out = np.array(kernel, dtype=float)
    refused = []
    for row, changes in edits.items():
        for column, value in changes.items():
            r, c = int(row), int(str(column).lstrip("w"))
            if not (0 <= r < out.shape[0] and 0 <= c < out.shape[1]):
                refused.append((r, c))
                continue
            try:
                weight = float(value)
            except (TypeError, ValueError):
                weight = float("nan")
            if not np.isfinite(weight) or abs(weight) > limits.MAX_ABS_WEIGHT:
                refused.append((r, c))
                continue
            out[r, c] = round(weight, decimals)
    return out, refused
