"""The page's whole view as one hashable value, and its URL query-string form.

A shared link must reopen exactly the same view, so every control of the page
lives in :class:`ViewState` and travels in the query string:

* :func:`encode` writes only the parameters that differ from :data:`DEFAULT`,
  in one canonical spelling (the first paint has an empty query string);
* :func:`decode` reads hostile input: every parameter is judged on its own, a
  bad one falls back to its default and yields a :class:`Rejection`, the others
  are kept.  It never raises and never allocates in proportion to its input
  (values longer than :data:`MAX_VALUE_CHARS` are refused before parsing, and
  a pattern's data must have exactly the length its declared size implies;
  only the first :data:`MAX_UNKNOWN_REPORTED` unknown keys get a rejection of
  their own, the rest are summed up in one).

Numbers are plain ASCII decimals only: Python's ``int()``/``float()`` would also
take ``'٣'``, ``'1_0'``, ``' 7 '``, ``'nan'`` and ``'1e309'``, so every string
is matched against an ASCII pattern first.

Rejection messages are shown to users.  The user's part (a value, or the key
of an unknown parameter) is cut to its first :data:`SHOWN_CHARS` characters,
rendered with ``repr()`` (so control characters appear as escapes) and then
every character that markdown or HTML would act on (`````, ``*``, ``_``,
``<``, ``>``, ``[``, ``]``, ...) is replaced by its ``\\xNN`` escape, in the same
style as ``repr``.  The message is thus inert as markdown and as HTML while
still telling the user what they sent.

>>> encode(DEFAULT)
{}
>>> s = replace(DEFAULT, dx=-2, relu=True, kernel=((1.0, 0.0, -1.0),))
>>> encode(s)
{'dx': '-2', 'k': '1,0,-1', 'relu': '1'}
>>> decode(encode(s)).state == s
True
>>> print(decode({"dx": "99", "mode": "wrap"}).rejections[0].message())
`dx`: must be an integer from -8 to 8; got '99' — using the default 1
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import SWEEP_AXES
from poolviz.core.limits import (
    MAX_ABS_WEIGHT,
    MAX_PADDING,
    MAX_POOL,
    MAX_STRIDE,
    MIN_GRID,
    PAGE_MAX_GRID,
    PAGE_MAX_KERNEL,
)
from poolviz.core.ops import SHIFT_MODES
from poolviz.core.pipeline import POOL_KINDS, LayerSettings
from poolviz.core.text import SHOWN_CHARS, quote_user_text, show_user_text
from poolviz.view import choices

__all__ = [
    "TABS",
    "MOTIF_CHOICES",
    "RATE_DECIMALS",
    "PARAM_KEYS",
    "MODES",
    "POOLS",
    "SWEEPS",
    "MAX_SEED",
    "MAX_VALUE_CHARS",
    "MAX_QUERY_CHARS",
    "WEIGHT_DECIMALS",
    "THRESHOLD_DECIMALS",
    "SHOWN_CHARS",
    "MAX_UNKNOWN_REPORTED",
    "BOOK_PATTERN",
    "IDENTITY_KERNEL",
    "Grid",
    "ViewState",
    "DEFAULT",
    "Rejection",
    "Decoded",
    "validate",
    "encode",
    "decode",
    "query_string",
]

# The allowed values, from the one place each is defined (see poolviz.view.choices).
TABS = tuple(choices.TABS)
MOTIF_CHOICES = tuple(choices.MOTIF_TITLES)
MODES = SHIFT_MODES
POOLS = POOL_KINDS
SWEEPS = SWEEP_AXES
MAX_SEED = 2**31 - 1
MAX_VALUE_CHARS = 3000  # longer values are refused before any parsing
MAX_QUERY_CHARS = 2000  # every encoded state's query string stays below this
WEIGHT_DECIMALS = 4  # kernel weights: at most this many decimals (exact round trip)
THRESHOLD_DECIMALS = 2
RATE_DECIMALS = 3  # the experiment's learning rate
MAX_UNKNOWN_REPORTED = 5  # further unknown keys are summed up in one rejection

Grid = tuple[tuple[float, ...], ...]

_BOOK_COLUMNS = (2, 4)
_GRAY_LEVELS = 10  # gray values are level / 10 for level in 0..10
_TENTHS = frozenset(level / _GRAY_LEVELS for level in range(_GRAY_LEVELS + 1))
_SNAP_TOLERANCE = 1e-9  # with_pattern/with_kernel snap float noise, nothing more
_MORE_KEY = "…"  # key of the rejection summing up unreported unknown keys

BOOK_PATTERN: Grid = tuple(
    tuple(1.0 if col in _BOOK_COLUMNS else 0.0 for col in range(8)) for _ in range(8)
)
IDENTITY_KERNEL: Grid = ((1.0,),)


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


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class ViewState:
    """Everything the page shows; hashable, so it can key a cache.

    Construction does not validate (it must stay cheap); :func:`validate`
    lists problems, :func:`decode` only ever returns valid states, and
    :meth:`with_pattern` / :meth:`with_kernel` check and convert arrays.

    >>> DEFAULT.height, DEFAULT.width, DEFAULT.pattern[0]
    (8, 8, (0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0))
    >>> hash(DEFAULT) == hash(ViewState())
    True
    """

    tab: str = "explore"
    pattern: Grid = BOOK_PATTERN
    dx: int = 1
    dy: int = 0
    mode: str = "zero"
    kernel: Grid = IDENTITY_KERNEL
    conv_stride: int = 1
    conv_padding: int = 0
    relu: bool = False
    pool: str = "max"
    pool_size: int = 2
    pool_stride: int = 2
    next_stride: int = 2
    next_padding: int = 0
    show_values: bool = True
    sweep: str = "dx"
    seed: int = 0
    threshold: float = 0.5
    scrub: bool = False
    ex_samples: int = 400
    ex_motif: str = "blob"
    ex_distractors: int = 3
    ex_grid: int = 16
    ex_steps: int = 300
    ex_rate: float = 0.5
    ex_seed: int = 0

    @property
    def height(self) -> int:
        """Number of pattern rows."""
        return len(self.pattern)

    @property
    def width(self) -> int:
        """Number of pattern columns."""
        return len(self.pattern[0]) if self.pattern else 0

    def pattern_array(self) -> np.ndarray:
        """The pattern as a new float64 array of shape ``(height, width)``."""
        return np.array(self.pattern, dtype=np.float64)

    def kernel_array(self) -> np.ndarray:
        """The kernel as a new float64 array.

        >>> DEFAULT.kernel_array()
        array([[1.]])
        """
        return np.array(self.kernel, dtype=np.float64)

    def with_pattern(self, array: Any) -> ViewState:
        """Return a copy showing ``array`` as the pattern.

        ``array`` must be 2-D with height and width from 4 to 32, and hold only
        tenths 0.0, 0.1, ..., 1.0 (binary 0/1 is the special case); float noise
        below 1e-9 is snapped to the exact tenth.  ``dx`` and ``dy`` are clamped
        to the new width and height so the result stays valid.

        >>> s = DEFAULT.with_pattern(np.full((4, 5), 0.1 + 0.2))
        >>> s.pattern[0][0], s.width, s.dx
        (0.3, 5, 1)
        >>> DEFAULT.with_pattern(np.zeros((3, 40)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        poolviz.core.checks.PoolvizError: `array` must be 2-D with height and width from 4 to 32; ...
        """
        pattern = _pattern_from_array(array)
        h, w = len(pattern), len(pattern[0])
        return replace(
            self,
            pattern=pattern,
            dx=min(max(self.dx, -w), w),
            dy=min(max(self.dy, -h), h),
        )

    def layer_settings(self) -> LayerSettings:
        """The layer settings of this view, as the pipelines, the snippet and exports take them.

        >>> DEFAULT.layer_settings().next_stride
        2
        """
        return LayerSettings(
            kernel=self.kernel,
            conv_stride=self.conv_stride,
            conv_padding=self.conv_padding,
            use_relu=self.relu,
            pool=self.pool,
            pool_size=self.pool_size,
            pool_stride=self.pool_stride,
            next_stride=self.next_stride,
            next_padding=self.next_padding,
        )

    def with_kernel(self, array: Any) -> ViewState:
        """Return a copy using ``array`` as the convolution kernel.

        ``array`` must be 2-D with 1 to 5 rows and columns, finite weights within
        +-1000 with at most 4 decimals (float noise below 1e-9 is snapped).

        >>> DEFAULT.with_kernel([[1, 0, -1]]).kernel
        ((1.0, 0.0, -1.0),)
        >>> DEFAULT.with_kernel([[0.12345]])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        poolviz.core.checks.PoolvizError: `array` weights must have at most 4 decimals; got 0.12345 ...
        """
        return replace(self, kernel=_kernel_from_array(array))


DEFAULT = ViewState()


def _as_2d_float(array: Any) -> np.ndarray:
    try:
        arr = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PoolvizError(
            f"`array` must be a 2-D array of numbers; got {type(array).__name__}"
        ) from exc
    if arr.ndim != 2:
        raise PoolvizError(f"`array` must be 2-D; got {arr.ndim}-D with shape {arr.shape}")
    if not np.isfinite(arr).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise PoolvizError(
            f"`array` must be finite; got {float(arr[row, col])!r} at row {row}, column {col}"
        )
    return arr


def _pattern_from_array(array: Any) -> Grid:
    arr = _as_2d_float(array)
    h, w = arr.shape
    if not (MIN_GRID <= h <= PAGE_MAX_GRID and MIN_GRID <= w <= PAGE_MAX_GRID):
        raise PoolvizError(
            f"`array` must be 2-D with height and width from {MIN_GRID} to {PAGE_MAX_GRID}; "
            f"got shape {arr.shape}"
        )
    scaled = arr * _GRAY_LEVELS
    levels = np.rint(scaled)
    bad = (
        (np.abs(scaled - levels) > _SNAP_TOLERANCE * _GRAY_LEVELS)
        | (levels < 0)
        | (levels > _GRAY_LEVELS)
    )
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise PoolvizError(
            "`array` values must be 0 and 1 (binary) or tenths 0.0, 0.1, ..., 1.0 (gray); "
            f"got {float(arr[row, col])!r} at row {row}, column {col}"
        )
    return tuple(tuple(int(v) / _GRAY_LEVELS for v in row) for row in levels)


def _kernel_from_array(array: Any) -> Grid:
    arr = _as_2d_float(array)
    rows, cols = arr.shape
    if not (1 <= rows <= PAGE_MAX_KERNEL and 1 <= cols <= PAGE_MAX_KERNEL):
        raise PoolvizError(
            f"`array` must be 2-D with 1 to {PAGE_MAX_KERNEL} rows and columns; "
            f"got shape {arr.shape}"
        )
    out = []
    for r in range(rows):
        row = []
        for c in range(cols):
            v = float(arr[r, c])
            where = f"got {v!r} at row {r}, column {c}"
            if abs(v) > MAX_ABS_WEIGHT:
                raise PoolvizError(f"`array` weights must be within ±{MAX_ABS_WEIGHT:g}; {where}")
            snapped = float(_fmt_decimal(v, WEIGHT_DECIMALS))
            if abs(snapped - v) > _SNAP_TOLERANCE * max(1.0, abs(v)):
                raise PoolvizError(
                    f"`array` weights must have at most {WEIGHT_DECIMALS} decimals; {where}"
                )
            row.append(snapped)
        out.append(tuple(row))
    return tuple(out)


# --------------------------------------------------------------------------- rejections


@dataclass(frozen=True)
class Rejection:
    """One URL parameter that was not used, and why.

    ``key`` and ``value`` are the raw strings from the URL (for an unknown key
    the value is dropped: ``""``); ``reason`` is our own text.  Show users
    :meth:`message`, which renders the user's part inertly.
    """

    key: str
    value: str
    reason: str

    @property
    def shown_key(self) -> str:
        r"""The key as the page may list it: known keys as they are, others quoted with
        :func:`repr` and cut to 40 characters, so a blank, padded, long or multi-line key
        stays visible and on one line (the page still escapes it for Markdown).

        >>> [Rejection(k, "", "unknown parameter").shown_key for k in ("dx", "dx ", "", "a\nb")]
        ['dx', "'dx '", "''", "'a\\nb'"]
        """
        if self.key in _BY_KEY or (self.key == _MORE_KEY and not self.value):
            return self.key
        return quote_user_text(self.key)

    def message(self) -> str:
        """A one-line explanation for the page; markdown- and HTML-inert.

        >>> print(Rejection("seed", "-1", "must be an integer from 0 to 2147483647").message())
        `seed`: must be an integer from 0 to 2147483647; got '-1' — using the default 0
        >>> print(Rejection("<x>", "", "unknown parameter").message())
        '\\x3cx\\x3e': unknown parameter — ignored
        """
        param = _BY_KEY.get(self.key)
        if param is None:
            if self.key == _MORE_KEY and not self.value:
                return f"{self.reason} — ignored"
            return f"{show_user_text(self.key)}: {self.reason} — ignored"
        fallback = f"using the default {param.default_text}"
        return f"`{param.key}`: {self.reason}; got {show_user_text(self.value)} — {fallback}"


@dataclass(frozen=True)
class Decoded:
    """What :func:`decode` returns: a valid state and the parameters it refused."""

    state: ViewState
    rejections: tuple[Rejection, ...] = ()

    def messages(self) -> list[str]:
        """The :meth:`Rejection.message` of every rejection, in order."""
        return [r.message() for r in self.rejections]


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class _Param:
    """How one field travels in the URL.

    ``parse(text, ctx)`` returns the value or raises :class:`_Invalid`;
    ``problem(value, ctx)`` returns a reason or ``None`` for a value already
    in a state; ``ctx`` is the state being built (its pattern is final).
    """

    name: str
    key: str
    parse: Callable[[str, ViewState], Any]
    problem: Callable[[Any, ViewState], str | None]
    fmt: Callable[[Any], str]
    default_text: str


def _int_param(name: str, key: str, bounds: Callable[[ViewState], tuple[int, int]]) -> _Param:
    def parse(text: str, ctx: ViewState) -> int:
        return _parse_int(text, *bounds(ctx))

    def problem(value: Any, ctx: ViewState) -> str | None:
        low, high = bounds(ctx)
        if _is_int(value) and low <= value <= high:
            return None
        return f"must be an integer from {low} to {high}"

    return _Param(name, key, parse, problem, str, str(getattr(DEFAULT, name)))


def _fixed(low: int, high: int) -> Callable[[ViewState], tuple[int, int]]:
    return lambda ctx: (low, high)


def _choice_param(name: str, key: str, choices: tuple[str, ...]) -> _Param:
    reason = "must be one of " + ", ".join(repr(c) for c in choices)

    def parse(text: str, ctx: ViewState) -> str:
        if text not in choices:
            raise _Invalid(reason)
        return text

    def problem(value: Any, ctx: ViewState) -> str | None:
        return None if isinstance(value, str) and value in choices else reason

    return _Param(name, key, parse, problem, str, repr(getattr(DEFAULT, name)))


def _bool_param(name: str, key: str) -> _Param:
    reason = "must be 1 (on) or 0 (off)"

    def parse(text: str, ctx: ViewState) -> bool:
        if text not in ("0", "1"):
            raise _Invalid(reason)
        return text == "1"

    def problem(value: Any, ctx: ViewState) -> str | None:
        return None if isinstance(value, bool) else reason

    default = getattr(DEFAULT, name)
    return _Param(
        name, key, parse, problem, lambda v: "1" if v else "0", "1 (on)" if default else "0 (off)"
    )


def _decimal_param(name: str, key: str, low: float, high: float, decimals: int) -> _Param:
    """A decimal in ``(low, high]`` (``low`` excluded) with at most ``decimals`` decimals."""
    reason = (
        f"must be a decimal above {low:g} and at most {high:g}, with at most {decimals} decimals"
    )

    def parse(text: str, ctx: ViewState) -> float:
        try:
            value = _parse_decimal(text, decimals)
        except _Invalid:
            raise _Invalid(reason) from None
        if not low < value <= high:
            raise _Invalid(reason)
        return value

    def problem(value: Any, ctx: ViewState) -> str | None:
        ok = _is_number(value) and low < value <= high and _has_decimals(value, decimals)
        return None if ok else reason

    return _Param(
        name, key, parse, problem, lambda v: _fmt_decimal(v, decimals), str(getattr(DEFAULT, name))
    )


def _threshold_param() -> _Param:
    reason = f"must be a decimal from 0 to 1 with at most {THRESHOLD_DECIMALS} decimals"

    def parse(text: str, ctx: ViewState) -> float:
        try:
            value = _parse_decimal(text, THRESHOLD_DECIMALS)
        except _Invalid:
            raise _Invalid(reason) from None
        if not 0.0 <= value <= 1.0:
            raise _Invalid(reason)
        return value

    def problem(value: Any, ctx: ViewState) -> str | None:
        ok = _is_number(value) and 0 <= value <= 1 and _has_decimals(value, THRESHOLD_DECIMALS)
        return None if ok else reason

    return _Param(
        "threshold",
        "th",
        parse,
        problem,
        lambda v: _fmt_decimal(v, THRESHOLD_DECIMALS),
        str(DEFAULT.threshold),
    )


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


def _parse_pattern(text: str, ctx: ViewState) -> Grid:
    """Decode ``'{H}x{W}.{kind}.{data}'`` strictly; raise :class:`_Invalid` otherwise.

    >>> _parse_pattern('4x4.b.mZk', DEFAULT)[0]
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


def _pattern_problem(value: Any, ctx: ViewState) -> str | None:
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


def _parse_kernel(text: str, ctx: ViewState) -> Grid:
    """Decode ``'1,0,-1_2,0,-2'`` strictly; raise :class:`_Invalid` otherwise.

    >>> _parse_kernel('1,0,-1_0.25,-0.5,2', DEFAULT)
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


def _kernel_problem(value: Any, ctx: ViewState) -> str | None:
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


# ----------------------------------------------------------------- the table

# ``p`` comes first: dx and dy are judged against the decoded pattern's size.
_PARAMS: tuple[_Param, ...] = (
    _Param("pattern", "p", _parse_pattern, _pattern_problem, _format_pattern, "8x8 book pattern"),
    _choice_param("tab", "tab", TABS),
    _int_param("dx", "dx", lambda ctx: (-ctx.width, ctx.width)),
    _int_param("dy", "dy", lambda ctx: (-ctx.height, ctx.height)),
    _choice_param("mode", "mode", MODES),
    _Param("kernel", "k", _parse_kernel, _kernel_problem, _format_kernel, "1x1 identity kernel"),
    _int_param("conv_stride", "cs", _fixed(1, MAX_STRIDE)),
    _int_param("conv_padding", "cp", _fixed(0, MAX_PADDING)),
    _bool_param("relu", "relu"),
    _choice_param("pool", "pool", POOLS),
    _int_param("pool_size", "ps", _fixed(1, MAX_POOL)),
    _int_param("pool_stride", "pst", _fixed(1, MAX_POOL)),
    _int_param("next_stride", "ns", _fixed(1, MAX_STRIDE)),
    _int_param("next_padding", "np", _fixed(0, MAX_PADDING)),
    _bool_param("show_values", "vals"),
    _choice_param("sweep", "sweep", SWEEPS),
    _int_param("seed", "seed", _fixed(0, MAX_SEED)),
    _threshold_param(),
    _bool_param("scrub", "scrub"),
    _int_param("ex_samples", "en", _fixed(50, 5000)),
    _choice_param("ex_motif", "em", MOTIF_CHOICES),
    _int_param("ex_distractors", "ed", _fixed(0, 20)),
    _int_param("ex_grid", "eg", _fixed(8, 32)),
    _int_param("ex_steps", "es", _fixed(10, 5000)),
    _decimal_param("ex_rate", "elr", 0.0, 10.0, RATE_DECIMALS),
    _int_param("ex_seed", "eseed", _fixed(0, MAX_SEED)),
)
_BY_KEY = {param.key: param for param in _PARAMS}
PARAM_KEYS: tuple[str, ...] = tuple(param.key for param in _PARAMS)
"""Every URL parameter the page reads and writes, ``p`` first."""
assert {p.name for p in _PARAMS} == {f.name for f in fields(ViewState)}, (
    "every field needs a URL key"
)


# --------------------------------------------------------------------------- public functions


def validate(state: ViewState) -> list[Rejection]:
    """List every field of ``state`` that a link could not carry; ``[]`` if valid.

    Each :class:`Rejection` has the field's URL key, ``str`` of the value and
    the reason.  The pattern is checked first; ``dx``/``dy`` are judged
    against its size (or the default size if the pattern itself is invalid).

    >>> validate(DEFAULT)
    []
    >>> [r.key for r in validate(replace(DEFAULT, dx=9, pool="MAX"))]
    ['dx', 'pool']
    """
    problems = []
    ctx = DEFAULT
    for param in _PARAMS:
        value = getattr(state, param.name)
        reason = param.problem(value, ctx)
        if reason is not None:
            problems.append(Rejection(param.key, str(value), reason))
        elif param.name == "pattern":
            ctx = replace(ctx, pattern=value)
    return problems


def encode(state: ViewState) -> dict[str, str]:
    """The canonical query parameters of ``state``: only those differing from the default.

    Raises :class:`PoolvizError` if ``state`` is invalid (see :func:`validate`),
    so a link that would not reopen the same view is never produced.

    >>> encode(replace(DEFAULT, threshold=0.35, show_values=False, tab="book"))
    {'tab': 'book', 'vals': '0', 'th': '0.35'}
    """
    problems = validate(state)
    if problems:
        raise PoolvizError(
            "`state` cannot be put in a link: "
            + "; ".join(f"{r.key} {r.reason}" for r in problems)
            + f"; got {show_user_text(str(state))}"
        )
    out = {}
    for param in _PARAMS:
        value = getattr(state, param.name)
        if value != getattr(DEFAULT, param.name):
            out[param.key] = param.fmt(value)
    return out


def query_string(state: ViewState) -> str:
    """``encode(state)`` as a URL query string (keys sorted, no leading ``?``).

    >>> query_string(replace(DEFAULT, kernel=((1.0, -1.0),), dx=2))
    'dx=2&k=1%2C-1'
    >>> query_string(DEFAULT)
    ''
    """
    return urlencode(sorted(encode(state).items()))


def _single(raw: Any) -> tuple[str, str | None]:
    """Reduce one raw parameter to ``(text, reason)``; ``reason`` is None when usable."""
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            first = raw[0] if raw and isinstance(raw[0], str) else ""
            if not raw:
                return "", "is empty"
            return first, f"given {len(raw)} times, but may appear only once"
        raw = raw[0]
    if not isinstance(raw, str):
        return "", f"must be text, not {type(raw).__name__}"
    if len(raw) > MAX_VALUE_CHARS:
        return raw, f"is {len(raw):,} characters long; at most {MAX_VALUE_CHARS:,} are allowed"
    if not raw:
        return raw, "is empty"
    return raw, None


def decode(params: Mapping[str, Any]) -> Decoded:
    """Read a view from query parameters; never raises.

    ``params`` maps each key to a string or a list of strings (as from
    ``{k: st.query_params.get_all(k) for k in st.query_params}``).  Every
    parameter is judged on its own: a bad one falls back to its default and
    is reported; unknown keys are reported (at most
    :data:`MAX_UNKNOWN_REPORTED` individually) and ignored.

    >>> d = decode({"dx": ["2"], "pool": "MAX", "zoom": "3"})
    >>> d.state.dx, d.state.pool
    (2, 'max')
    >>> [r.message() for r in d.rejections]  # doctest: +NORMALIZE_WHITESPACE
    ["`pool`: must be one of 'max', 'avg', 'blur', 'aps'; got 'MAX' — using the default 'max'",
     "'zoom': unknown parameter — ignored"]
    """
    texts: dict[str, str] = {}
    early: dict[str, Rejection] = {}
    unknown: list[Rejection] = []
    n_unknown = 0
    for key, raw in params.items():
        if not isinstance(key, str) or key not in _BY_KEY:
            n_unknown += 1
            if n_unknown <= MAX_UNKNOWN_REPORTED:
                unknown.append(
                    Rejection(
                        key if isinstance(key, str) else repr(key)[:SHOWN_CHARS],
                        "",
                        "unknown parameter",
                    )
                )
            continue
        text, reason = _single(raw)
        if reason is None:
            texts[key] = text
        else:
            early[key] = Rejection(key, text, reason)
    if n_unknown > MAX_UNKNOWN_REPORTED:
        more = n_unknown - MAX_UNKNOWN_REPORTED
        unknown.append(Rejection(_MORE_KEY, "", _count(more, "more unknown parameter")))

    state = DEFAULT
    rejections: list[Rejection] = []
    for param in _PARAMS:
        if param.key in early:
            rejections.append(early[param.key])
        elif param.key in texts:
            try:
                value = param.parse(texts[param.key], state)
            except _Invalid as exc:
                rejections.append(Rejection(param.key, texts[param.key], exc.args[0]))
            else:
                state = replace(state, **{param.name: value})
    return Decoded(state, tuple(rejections + unknown))
