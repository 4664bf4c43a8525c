"""Layer specs, pipelines, and running them to get every intermediate feature map.

A pipeline is a tuple of small frozen layer specs. Running it on ``x`` shaped
``(..., H, W)`` returns one :class:`Stage` per layer (plus the input), each holding
the maps for every leading index at once, so a sweep over shifts is one call.

Examples
--------
>>> import numpy as np
>>> from poolviz.core.patterns import make_preset
>>> stages = run_pipeline(with_pooling(((1.0,),)), make_preset("book"))
>>> [s.label for s in stages]
['input', 'conv 1×1', 'max-pool 2×2 /2', 'conv 2×2 /2', 'global max']
>>> stages[3].maps
array([[2., 2.],
       [2., 2.]])
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from poolviz.core import limits
from poolviz.core.checks import PoolvizError
from poolviz.core.ops import (
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    check_taps,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
    relu,
)

__all__ = [
    "POOL_KINDS",
    "NEXT_KERNEL",
    "Conv",
    "ReLU",
    "Pool",
    "GlobalPool",
    "Layer",
    "Stage",
    "LayerSettings",
    "run_pipeline",
    "with_pooling",
    "without_pooling",
    "cumulative_strides",
    "check_grid",
]

# Each local pooling kind and the name its stage label starts with; the one list of kinds.
POOL_NAMES = {"max": "max-pool", "avg": "avg-pool", "blur": "blur-pool", "aps": "APS max-pool"}
POOL_KINDS = tuple(POOL_NAMES)
NEXT_KERNEL = ((1.0, 1.0), (1.0, 1.0))

Pair = int | tuple[int, int]


def _pair(value: Pair) -> tuple[int, int]:
    return (
        (value, value) if isinstance(value, (int, np.integer)) else (int(value[0]), int(value[1]))
    )


def _suffix(stride: Pair, padding: Pair) -> str:
    sy, sx = _pair(stride)
    py, px = _pair(padding)
    text = ""
    if (sy, sx) != (1, 1):
        text += f" /{sy}" if sy == sx else f" /{sy}×{sx}"
    if (py, px) != (0, 0):
        text += f" pad {py}" if py == px else f" pad {py}×{px}"
    return text


def _check_kernel(kernel: tuple[tuple[float, ...], ...]) -> None:
    """Enforce the product's caps on a kernel (the ops accept any finite kernel)."""
    k = np.asarray(kernel, dtype=float)
    if k.ndim != 2 or k.size == 0:
        raise PoolvizError(f"`kernel` must be a non-empty 2-D grid of numbers; got shape {k.shape}")
    if max(k.shape) > limits.MAX_KERNEL:
        raise PoolvizError(
            f"`kernel` must be at most {limits.MAX_KERNEL}×{limits.MAX_KERNEL}; "
            f"got {k.shape[0]}×{k.shape[1]}"
        )
    if not np.all(np.isfinite(k)) or np.abs(k).max() > limits.MAX_ABS_WEIGHT:
        raise PoolvizError(
            f"`kernel` weights must be finite numbers between -{limits.MAX_ABS_WEIGHT:g} "
            f"and {limits.MAX_ABS_WEIGHT:g}"
        )


@dataclass(frozen=True)
class Conv:
    """Cross-correlation with one 2-D kernel, as ``torch.nn.functional.conv2d``."""

    kernel: tuple[tuple[float, ...], ...]
    stride: Pair = 1
    padding: Pair = 0
    bias: float = 0.0

    def __post_init__(self) -> None:
        _check_kernel(self.kernel)
        if isinstance(self.bias, bool) or not isinstance(self.bias, (int, float, np.number)):
            raise PoolvizError(f"`bias` must be a number; got {self.bias!r}")
        if not np.isfinite(self.bias) or abs(self.bias) > limits.MAX_ABS_WEIGHT:
            raise PoolvizError(
                f"`bias` must be a finite number between -{limits.MAX_ABS_WEIGHT:g} and "
                f"{limits.MAX_ABS_WEIGHT:g}; got {self.bias!r}"
            )

    @property
    def size(self) -> tuple[int, int]:
        return len(self.kernel), len(self.kernel[0])

    @property
    def label(self) -> str:
        kh, kw = self.size
        return f"conv {kh}×{kw}" + _suffix(self.stride, self.padding)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return conv2d(x, np.asarray(self.kernel, dtype=float), self.stride, self.padding, self.bias)


@dataclass(frozen=True)
class ReLU:
    """max(x, 0), cell by cell."""

    @property
    def label(self) -> str:
        return "ReLU"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return relu(x)


@dataclass(frozen=True)
class Pool:
    """Local pooling: ``kind`` is one of ``POOL_KINDS``.

    ``blur`` is MaxBlurPool (its max window is always 2×2, ``size`` is ignored) with the
    binomial blur of ``taps`` taps: 3 ([1, 2, 1], Zhang 2019's filter, the default) or 4
    ([1, 3, 3, 1], antialiased-cnns' default); ``taps`` is checked for every kind but
    only blur uses it (other kinds store 3, so equal layers compare equal);
    ``aps`` is adaptive polyphase sampling over a circular max-pool of ``size``.

    >>> Pool("blur").label, Pool("blur", taps=4).label
    ('blur-pool 2×2 /2', 'blur-pool 2×2 [1,3,3,1] /2')
    >>> Pool("max", taps=4) == Pool("max")
    True
    """

    kind: str = "max"
    size: Pair = 2
    stride: Pair = 2
    padding: Pair = 0
    taps: int = 3

    def __post_init__(self) -> None:
        if self.kind not in POOL_KINDS:
            raise PoolvizError(f"`kind` must be one of {', '.join(POOL_KINDS)}; got {self.kind!r}")
        if self.kind in ("blur", "aps") and _pair(self.padding) != (0, 0):
            raise PoolvizError(f"`padding` must be 0 for {self.kind} pooling; got {self.padding!r}")
        taps = check_taps(self.taps)
        # frozen dataclass: normalize once, here (np.int64(4) -> 4; non-blur kinds -> 3)
        object.__setattr__(self, "taps", taps if self.kind == "blur" else 3)

    @property
    def label(self) -> str:
        kh, kw = _pair(self.size)
        name = f"{POOL_NAMES[self.kind]} {kh}×{kw}"
        if self.kind == "blur":
            # the 3-tap label is the one every page and test has always shown
            name = f"{POOL_NAMES[self.kind]} 2×2" + (" [1,3,3,1]" if self.taps == 4 else "")
        return name + _suffix(self.stride, self.padding)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "max":
            return max_pool2d(x, self.size, self.stride, self.padding)
        if self.kind == "avg":
            return avg_pool2d(x, self.size, self.stride, self.padding)
        if self.kind == "blur":
            return blur_pool2d(x, self.stride, self.taps)
        return aps_pool2d(x, self.size, self.stride)


@dataclass(frozen=True)
class GlobalPool:
    """Reduce each map to one number: ``kind`` is "max" or "avg"."""

    kind: str = "max"

    def __post_init__(self) -> None:
        if self.kind not in ("max", "avg"):
            raise PoolvizError(f"`kind` must be 'max' or 'avg'; got {self.kind!r}")

    @property
    def label(self) -> str:
        return f"global {self.kind}"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return global_max_pool(x) if self.kind == "max" else global_avg_pool(x)


Layer = Conv | ReLU | Pool | GlobalPool


@dataclass(frozen=True)
class Stage:
    """One feature map per leading index: ``maps`` is ``(..., h, w)``, or ``(...)`` after a
    global pool."""

    label: str
    layer: Layer | None
    maps: np.ndarray


def check_grid(x: np.ndarray) -> np.ndarray:
    """Return ``x`` as float64 after checking the product's grid caps.

    >>> check_grid(np.zeros((2, 3))).shape
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `x` must be between 4×4 and 64×64 cells; got 2×3
    """
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise PoolvizError(f"`x` must have at least 2 dimensions (..., H, W); got shape {x.shape}")
    h, w = x.shape[-2:]
    lo, hi = limits.MIN_GRID, limits.MAX_GRID
    if not (lo <= h <= hi and lo <= w <= hi):
        raise PoolvizError(f"`x` must be between {lo}×{lo} and {hi}×{hi} cells; got {h}×{w}")
    return x


def run_pipeline(pipeline: tuple[Layer, ...], x: np.ndarray) -> list[Stage]:
    """Run every layer of ``pipeline`` on ``x`` and keep every intermediate map.

    Parameters
    ----------
    pipeline : tuple of layer specs
    x : array_like, shape (..., H, W), 4 <= H, W <= 64

    Returns
    -------
    stages : list of Stage, the input first, then one per layer.

    Raises
    ------
    PoolvizError
        With the failing layer, its input shape and the reason.
    """
    x = check_grid(x)
    stages = [Stage("input", None, x)]
    for index, layer in enumerate(pipeline, start=1):
        try:
            x = layer(x)
        except PoolvizError as error:
            raise PoolvizError(
                f"layer {index} ({layer.label}) on input shape {tuple(x.shape[-2:])}: {error}"
            ) from None
        stages.append(Stage(layer.label, layer, x))
    return stages


@dataclass(frozen=True)
class LayerSettings:
    """Every setting of the layers the page compares: the one place that lists them.

    The pipeline builders, the PyTorch snippet, the view state and the experiment all take
    one of these (or a kernel plus keyword changes, read by :meth:`of`), so a new setting
    is added here once. ``kernel`` is stored as a tuple of tuples of floats: hashable, so a
    settings object can key a cache.

    >>> s = LayerSettings([[1, 0]], pool="avg")
    >>> s.kernel, s.pool, s.next_stride
    (((1.0, 0.0),), 'avg', 2)
    >>> LayerSettings.of(s, next_stride=1).next_stride
    1
    """

    kernel: tuple[tuple[float, ...], ...]
    conv_stride: Pair = 1
    conv_padding: Pair = 0
    use_relu: bool = False
    pool: str = "max"
    pool_size: Pair = 2
    pool_stride: Pair = 2
    next_stride: Pair = 2
    next_padding: Pair = 0
    global_kind: str = "max"
    blur_taps: int = 3  # BlurPool's filter: 3 = [1,2,1] (Zhang 2019), 4 = [1,3,3,1]

    def __post_init__(self) -> None:
        kernel = tuple(tuple(float(v) for v in row) for row in np.asarray(self.kernel, float))
        object.__setattr__(self, "kernel", kernel)

    @classmethod
    def of(cls, kernel_or_settings=None, **changes) -> LayerSettings:
        """Settings from a :class:`LayerSettings` or a kernel, with ``changes`` applied.

        >>> LayerSettings.of([[1.0]], use_relu=True).use_relu
        True
        >>> LayerSettings.of([[1.0]], pooling=2)
        Traceback (most recent call last):
        ...
        poolviz.core.checks.PoolvizError: unknown layer setting(s): pooling; allowed: kernel, conv_stride, conv_padding, use_relu, pool, pool_size, pool_stride, next_stride, next_padding, global_kind, blur_taps
        """
        allowed = tuple(f.name for f in fields(cls))
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise PoolvizError(
                f"unknown layer setting(s): {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            )
        if kernel_or_settings is None:  # every field, the kernel too, given by name
            return cls(**changes)
        if isinstance(kernel_or_settings, cls):
            return replace(kernel_or_settings, **changes) if changes else kernel_or_settings
        return cls(kernel_or_settings, **changes)

    def front(self) -> tuple[Layer, ...]:
        """The first conv, and the ReLU when it is on: shared by every pipeline."""
        conv = Conv(self.kernel, self.conv_stride, self.conv_padding)
        return (conv, ReLU()) if self.use_relu else (conv,)


def with_pooling(settings, **changes) -> tuple[Layer, ...]:
    """conv → [ReLU] → local pool → conv 2×2 all-ones (the next layer) → global pool.

    ``settings`` is a :class:`LayerSettings` or a kernel; ``changes`` are its fields.
    """
    s = LayerSettings.of(settings, **changes)
    return s.front() + (
        Pool(s.pool, s.pool_size, s.pool_stride, taps=s.blur_taps),
        Conv(NEXT_KERNEL, s.next_stride, s.next_padding),
        GlobalPool(s.global_kind),
    )


def without_pooling(settings, **changes) -> tuple[Layer, ...]:
    """What the question proposes: conv → [ReLU] → conv 2×2 all-ones → global pool.

    The pool fields of the settings are not used.
    """
    s = LayerSettings.of(settings, **changes)
    return s.front() + (Conv(NEXT_KERNEL, s.next_stride, s.next_padding), GlobalPool(s.global_kind))


def _layer_stride(layer: Layer) -> tuple[int, int]:
    if isinstance(layer, (Conv, Pool)):
        return _pair(layer.stride)
    return (1, 1)


def cumulative_strides(pipeline: tuple[Layer, ...]) -> list[tuple[int, int] | None]:
    """The product of strides up to each stage (input first); ``None`` after a global pool.

    A shift of the input by a multiple of a stage's cumulative stride moves that stage's
    map by a whole number of cells (away from the borders), which is what the equivariance
    measure compares against.

    >>> cumulative_strides(with_pooling(((1.0,),)))
    [(1, 1), (1, 1), (2, 2), (4, 4), None]
    """
    out: list[tuple[int, int] | None] = [(1, 1)]
    sy = sx = 1
    for layer in pipeline:
        if isinstance(layer, GlobalPool):
            out.append(None)
            continue
        ly, lx = _layer_stride(layer)
        sy, sx = sy * ly, sx * lx
        out.append((sy, sx))
    return out
