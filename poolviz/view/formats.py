"""The text formats of URL values: numbers, base64url, patterns and kernels.

Each value of a link is one short ASCII string.  This module holds the rules
for those strings and nothing about the page's view: plain decimals and
integers (matched against an ASCII pattern first, because Python's
``int()``/``float()`` would also take ``'٣'``, ``'1_0'``, ``' 7 '``, ``'nan'``
and ``'1e309'``), unpadded base64url, the pattern bit-packing
``'{H}x{W}.b|g.{data}'`` and the kernel text ``'1,0,-1_2,0,-2'``.

Parsers raise :class:`_Invalid` with a reason the user may read;
:mod:`poolviz.view.codec` turns that into a rejection.  The ``*_problem``
functions judge a value already in a state (for ``validate``).

>>> _format_kernel(((1.0, 0.0, -1.0),))
'1,0,-1'
>>> _parse_pattern(_format_pattern(((1.0, 0.0, 0.0, 1.0),) * 4))[0]
(1.0, 0.0, 0.0, 1.0)
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import numpy as np

from poolviz.core.limits import MAX_ABS_WEIGHT, MIN_GRID, PAGE_MAX_GRID, PAGE_MAX_KERNEL
from poolviz.core.text import show_user_text

Grid = tuple[tuple[float, ...], ...]

WEIGHT_DECIMALS = 4  # kernel weights: at most this many decimals (exact round trip)
_GRAY_LEVELS = 10  # gray values are level / 10 for level in 0..10
_TENTHS = frozenset(level / _GRAY_LEVELS for level in range(_GRAY_LEVELS + 1))


class _Invalid(Exception):
    """Internal: a value failed a check; ``args[0]`` is the reason."""


# --------------------------------------------------------------------------- helpers


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count(n: int, noun: str) -> str:
    """``'1 value'``, ``'2 values'``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fmt_decimal(value: float, decimals: int) -> str:
    """Print a number compactly with at most ``decimals`` decimals.

    >>> [_fmt_decimal(v, 4) for v in (1.0, -0.5, 0.25, -0.0, 1000, 0.0001)]
    ['1', '-0.5', '0.25', '0', '1000', '0.0001']
    """
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _has_decimals(value: float, decimals: int) -> bool:
    """True if ``value`` is exactly the float of a decimal with <= ``decimals`` decimals."""
    return float(_fmt_decimal(value, decimals)) == value


_INT_RE = re.compile(r"-?[0-9]{1,10}")
_DECIMAL_RE = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


def _parse_int(text: str, low: int, high: int) -> int:
    """Parse ``-?[0-9]{1,10}`` within ``[low, high]``; raise :class:`_Invalid` otherwise."""
    if not (text.isascii() and _INT_RE.fullmatch(text)):
        raise _Invalid(f"must be an integer from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise _Invalid(f"must be an integer from {low} to {high}")
    return value


def _parse_decimal(text: str, decimals: int) -> float:
    """Parse a plain ASCII decimal (``-1``, ``0.25``) with at most ``decimals`` decimals.

    Raises :class:`_Invalid` with a short reason (the caller adds the range).
    """
    match = _DECIMAL_RE.fullmatch(text) if text.isascii() else None
    if match is None:
        raise _Invalid("is not a plain decimal number")
    if len((match.group(2) or "").rstrip("0")) > decimals:
        raise _Invalid(f"has more than {decimals} decimals")
    value = float(text) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(value):
        raise _Invalid("is too large")
    return value


def _b64_chars(n_bytes: int) -> int:
    """Length of unpadded base64 for ``n_bytes`` bytes."""
    return (4 * n_bytes + 2) // 3


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


# ----------------------------------------------------------------- pattern: "{H}x{W}.{b|g}.{data}"

_PATTERN_FORMAT = "must look like '{H}x{W}.b.{data}' (binary) or '{H}x{W}.g.{data}' (gray)"
_SIZE_RE = re.compile(r"([1-9][0-9]{0,2})x([1-9][0-9]{0,2})")
_KINDS = {"b": "binary", "g": "gray"}


def _pattern_nbytes(kind: str, cells: int) -> int:
    return (cells + 7) // 8 if kind == "b" else (cells + 1) // 2


def _format_pattern(pattern: Grid) -> str:
    """Encode a valid pattern; binary if every value is 0 or 1, else gray.

    >>> _format_pattern(((1.0, 0.0, 0.0, 1.0),) * 4)
    '4x4.b.mZk'
    >>> _format_pattern(((0.5, 1.0, 0.0, 0.1),) * 4)
    '4x4.g.WgFaAVoBWgE'
    """
    h, w = len(pattern), len(pattern[0])
    levels = np.rint(np.array(pattern, dtype=np.float64) * _GRAY_LEVELS).astype(np.uint8).ravel()
    if np.isin(levels, (0, _GRAY_LEVELS)).all():
        return f"{h}x{w}.b.{_b64encode(np.packbits(levels == _GRAY_LEVELS).tobytes())}"
    if levels.size % 2:
        levels = np.append(levels, np.uint8(0))
    packed = (levels[0::2] << 4) | levels[1::2]
    return f"{h}x{w}.g.{_b64encode(packed.astype(np.uint8).tobytes())}"


def _parse_pattern(text: str) -> Grid:
    """Decode ``'{H}x{W}.{kind}.{data}'`` strictly; raise :class:`_Invalid` otherwise.

    >>> _parse_pattern('4x4.b.mZk')[0]
    (1.0, 0.0, 0.0, 1.0)
    """
    parts = text.split(".", 3)  # at most 4 pieces, whatever the input
    if len(parts) != 3 or not text.isascii():
        raise _Invalid(_PATTERN_FORMAT)
    size, kind, data = parts
    match = _SIZE_RE.fullmatch(size)
    if match is None:
        raise _Invalid(_PATTERN_FORMAT)
    h, w = int(match.group(1)), int(match.group(2))
    if not (MIN_GRID <= h <= PAGE_MAX_GRID and MIN_GRID <= w <= PAGE_MAX_GRID):
        raise _Invalid(
            f"size {h}x{w} is out of range; "
            f"height and width must be from {MIN_GRID} to {PAGE_MAX_GRID}"
        )
    if kind not in _KINDS:
        raise _Invalid(f"unknown kind {show_user_text(kind)}; must be 'b' (binary) or 'g' (gray)")
    if not _B64URL_RE.fullmatch(data):
        raise _Invalid(
            "data must be base64url: A-Z, a-z, 0-9, '-' and the underscore, without '=' padding"
        )
    nbytes = _pattern_nbytes(kind, h * w)
    if len(data) != _b64_chars(nbytes):
        raise _Invalid(
            f"data has {len(data)} characters; "
            f"a {h}x{w} {_KINDS[kind]} pattern needs {_b64_chars(nbytes)}"
        )
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    if len(raw) != nbytes or _b64encode(raw) != data:
        raise _Invalid("data has non-zero padding bits in its last character")
    buf = np.frombuffer(raw, dtype=np.uint8)
    if kind == "b":
        levels = np.unpackbits(buf).astype(np.int64) * _GRAY_LEVELS
    else:
        levels = np.stack([buf >> 4, buf & 0x0F], axis=1).ravel().astype(np.int64)
    if levels[h * w :].any():
        raise _Invalid("data has non-zero padding bits in its last byte")
    levels = levels[: h * w]
    if levels.max() > _GRAY_LEVELS:
        raise _Invalid(f"gray level {int(levels.max())} is above {_GRAY_LEVELS}")
    return tuple(tuple(int(v) / _GRAY_LEVELS for v in row) for row in levels.reshape(h, w))


def _pattern_problem(value: Any) -> str | None:
    shape_reason = (
        f"must be a tuple of row tuples, with height and width from {MIN_GRID} to {PAGE_MAX_GRID}"
    )
    if not isinstance(value, tuple) or not all(isinstance(row, tuple) for row in value):
        return shape_reason
    if not MIN_GRID <= len(value) <= PAGE_MAX_GRID:
        return shape_reason
    width = len(value[0])
    if not MIN_GRID <= width <= PAGE_MAX_GRID or any(len(row) != width for row in value):
        return shape_reason
    if not all(_is_number(v) and v in _TENTHS for row in value for v in row):
        return "values must be 0 and 1 (binary) or tenths 0.0, 0.1, ..., 1.0 (gray)"
    return None


# ----------------------------------------------------------------- kernel: "1,0,-1_2,0,-2_1,0,-1"


def _format_kernel(kernel: Grid) -> str:
    """Encode a valid kernel.

    >>> _format_kernel(((1.0, 0.0, -1.0), (0.25, -0.5, 2.0)))
    '1,0,-1_0.25,-0.5,2'
    """
    return "_".join(",".join(_fmt_decimal(v, WEIGHT_DECIMALS) for v in row) for row in kernel)


def _parse_weight(text: str, where: str) -> float:
    try:
        value = _parse_decimal(text, WEIGHT_DECIMALS)
    except _Invalid as exc:
        raise _Invalid(f"weight {show_user_text(text)} {where} {exc.args[0]}") from None
    if abs(value) > MAX_ABS_WEIGHT:
        raise _Invalid(f"weight {show_user_text(text)} {where} is outside ±{MAX_ABS_WEIGHT:g}")
    return value


def _parse_kernel(text: str) -> Grid:
    """Decode ``'1,0,-1_2,0,-2'`` strictly; raise :class:`_Invalid` otherwise.

    >>> _parse_kernel('1,0,-1_0.25,-0.5,2')
    ((1.0, 0.0, -1.0), (0.25, -0.5, 2.0))
    """
    limit = PAGE_MAX_KERNEL
    if text.count("_") >= limit:
        raise _Invalid(f"has more than {limit} rows")
    rows = text.split("_")
    out = []
    for r, row_text in enumerate(rows, start=1):
        if row_text.count(",") >= limit:
            raise _Invalid(f"row {r} has more than {limit} values")
        cells = row_text.split(",")
        if r > 1 and len(cells) != len(out[0]):
            raise _Invalid(f"row {r} has {_count(len(cells), 'value')} but row 1 has {len(out[0])}")
        out.append(
            tuple(
                _parse_weight(cell, f"(row {r}, value {c})")
                for c, cell in enumerate(cells, start=1)
            )
        )
    return tuple(out)


def _kernel_problem(value: Any) -> str | None:
    k = PAGE_MAX_KERNEL
    shape_reason = (
        f"must be a tuple of 1 to {k} row tuples of 1 to {k} numbers each, all rows the same length"
    )
    if not isinstance(value, tuple) or not all(isinstance(row, tuple) for row in value):
        return shape_reason
    if (
        not 1 <= len(value) <= k
        or not 1 <= len(value[0]) <= k
        or any(len(row) != len(value[0]) for row in value)
    ):
        return shape_reason
    for row in value:
        for v in row:
            if not _is_number(v) or abs(v) > MAX_ABS_WEIGHT or not math.isfinite(v):
                return f"weights must be finite numbers within ±{MAX_ABS_WEIGHT:g}"
            if not _has_decimals(v, WEIGHT_DECIMALS):
                return f"weights must have at most {WEIGHT_DECIMALS} decimals"
    return None
