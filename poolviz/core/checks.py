"""The package's one exception class and the argument checks shared by the ops.

Every message names the argument in backticks, states what is allowed and ends
with ``; got <the value given>``, so a page can show it to a user unchanged.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "PoolvizError",
    "Pair",
    "show",
    "as_int",
    "as_pair",
    "check_at_least",
    "check_fits",
    "as_image",
    "as_kernel",
    "as_finite_scalar",
    "as_choice",
    "as_shifts",
]

Pair = int | tuple[int, int] | Sequence[int]


class PoolvizError(ValueError):
    """Raised for any invalid argument to a poolviz function."""


def _is_int(value: Any) -> bool:
    # bool is an int subclass, but `size=True` is a bug, not a size.
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def show(value: Any) -> str:
    """Render a user-given value for a message: ``5``, ``(5, 2)``, ``2.5``, ``'wrap'``.

    >>> show((np.int64(5), 2))
    '(5, 2)'
    """
    if _is_int(value):
        return str(operator.index(value))
    if isinstance(value, (tuple, list, np.ndarray)) and len(value) < 8:
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, np.floating):
        return repr(float(value))
    return repr(value)


def as_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int; reject bools, floats and everything else.

    >>> as_int(np.int32(3), "dy")
    3
    >>> as_int(1.5, "dy")
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `dy` must be an int; got 1.5
    """
    if not _is_int(value):
        raise PoolvizError(f"`{name}` must be an int; got {show(value)}")
    return operator.index(value)


def as_pair(value: Any, name: str) -> tuple[int, int]:
    """Normalise an int or an ``(h, w)`` pair of ints to a ``(h, w)`` tuple.

    >>> as_pair(2, "size"), as_pair((3, np.int64(1)), "size")
    ((2, 2), (3, 1))
    >>> as_pair(2.5, "size")
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `size` must be an int or an (h, w) pair of ints; got 2.5
    """
    if _is_int(value):
        v = operator.index(value)
        return v, v
    if (
        isinstance(value, (tuple, list, np.ndarray))
        and np.ndim(value) == 1
        and len(value) == 2
        and all(_is_int(v) for v in value)
    ):
        return operator.index(value[0]), operator.index(value[1])
    raise PoolvizError(f"`{name}` must be an int or an (h, w) pair of ints; got {show(value)}")


def _range_text(lo: tuple[int, int], hi: tuple[int, int]) -> str:
    if lo[0] == lo[1] and hi[0] == hi[1]:
        return f"between {lo[0]} and {hi[0]}"
    return f"between {lo[0]}x{lo[1]} and {hi[0]}x{hi[1]}"


def check_at_least(pair: tuple[int, int], given: Any, name: str, minimum: int) -> None:
    """Raise unless both entries of ``pair`` are at least ``minimum``.

    >>> check_at_least((0, 1), 0, "stride", 1)
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `stride` must be at least 1; got 0
    """
    if min(pair) < minimum:
        raise PoolvizError(f"`{name}` must be at least {minimum}; got {show(given)}")


def check_fits(
    pair: tuple[int, int],
    given: Any,
    name: str,
    lo: tuple[int, int],
    hi: tuple[int, int],
    why: str,
) -> None:
    """Raise unless ``lo <= pair <= hi`` on both axes; ``why`` explains the upper bound.

    >>> check_fits((5, 5), 5, "size", (1, 1), (4, 4), "input is 4x4 after padding")
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `size` must be between 1 and 4 (input is 4x4 after padding); got 5
    """
    if not all(lo[i] <= pair[i] <= hi[i] for i in range(2)):
        raise PoolvizError(f"`{name}` must be {_range_text(lo, hi)} ({why}); got {show(given)}")


def _all_finite(a: np.ndarray) -> bool:
    # A finite sum proves every entry finite (NaN and inf propagate) and costs one
    # fast pass with no temporary; only an overflowing sum needs the exact check.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(a)):
            return True
    return bool(np.isfinite(a).all())


def as_image(x: Any, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float64 array shaped ``(..., H, W)`` with H, W >= 1, all finite.

    No copy is made when ``x`` already is a float64 array.

    >>> as_image([[1, 2]]).dtype
    dtype('float64')
    >>> as_image([[1.0, np.nan]])
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `x` must be finite; got 1 NaN/inf value(s) in shape (1, 2)
    """
    if np.iscomplexobj(x):
        raise PoolvizError(f"`{name}` must be real; got a complex array")
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PoolvizError(f"`{name}` must be an array of numbers; got {error}") from None
    if a.ndim < 2:
        raise PoolvizError(
            f"`{name}` must have at least 2 dimensions (..., H, W); got shape {a.shape}"
        )
    if a.shape[-2] < 1 or a.shape[-1] < 1:
        raise PoolvizError(f"`{name}` must have H, W >= 1; got shape {a.shape}")
    if not _all_finite(a):
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        raise PoolvizError(
            f"`{name}` must be finite; got {bad} NaN/inf value(s) in shape {a.shape}"
        )
    return a


def as_kernel(kernel: Any, name: str = "kernel") -> np.ndarray:
    """Return ``kernel`` as a non-empty, finite, 2-D float64 array.

    >>> as_kernel(np.ones(3))
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `kernel` must be 2-D; got 1 dimension(s), shape (3,)
    """
    if np.iscomplexobj(kernel):
        raise PoolvizError(f"`{name}` must be real; got a complex array")
    try:
        k = np.asarray(kernel, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise PoolvizError(f"`{name}` must be a 2-D array of numbers; got {error}") from None
    if k.ndim != 2:
        raise PoolvizError(f"`{name}` must be 2-D; got {k.ndim} dimension(s), shape {k.shape}")
    if k.size == 0:
        raise PoolvizError(f"`{name}` must not be empty; got shape {k.shape}")
    if not np.isfinite(k).all():
        bad = int(k.size - np.count_nonzero(np.isfinite(k)))
        raise PoolvizError(f"`{name}` weights must be finite; got {bad} NaN/inf weight(s)")
    return k


def as_finite_scalar(value: Any, name: str) -> float:
    """Return a real, finite scalar as a float.

    >>> as_finite_scalar(float("inf"), "bias")
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `bias` must be a finite number; got inf
    """
    # Only real numbers: bools, strings like "1" and complex values are mistakes.
    kind = np.asarray(value).dtype.kind if np.ndim(value) == 0 else ""
    if kind not in ("i", "u", "f"):
        raise PoolvizError(f"`{name}` must be a finite number; got {show(value)}")
    v = float(value)
    if not np.isfinite(v):
        raise PoolvizError(f"`{name}` must be a finite number; got {show(v)}")
    return v


def as_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    >>> as_choice("reflect", "mode", ("zero", "wrap"))
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `mode` must be one of 'zero', 'wrap'; got 'reflect'
    """
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise PoolvizError(f"`{name}` must be one of {options}; got {show(value)}")
    return value


def as_shifts(shifts: Any, name: str = "shifts") -> np.ndarray:
    """Return ``shifts`` as an int64 array shaped ``(S, 2)`` of ``(dy, dx)`` rows.

    >>> as_shifts([(0, 1), (2, -3)]).tolist()
    [[0, 1], [2, -3]]
    >>> as_shifts([(0.5, 1)])
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `shifts` must be integer (dy, dx) pairs; got dtype float64
    """
    try:
        a = np.asarray(shifts)
    except (TypeError, ValueError) as error:
        raise PoolvizError(
            f"`{name}` must be a sequence of (dy, dx) int pairs; got {error}"
        ) from None
    if a.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if a.dtype.kind not in "iu":
        raise PoolvizError(f"`{name}` must be integer (dy, dx) pairs; got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[1] != 2:
        raise PoolvizError(
            f"`{name}` must have shape (S, 2), one (dy, dx) per row; got shape {a.shape}"
        )
    if a.dtype.kind == "u" and a.max() > np.iinfo(np.int64).max:
        raise PoolvizError(f"`{name}` must fit in int64; got a maximum of {a.max()}")
    return a.astype(np.int64, copy=False)
