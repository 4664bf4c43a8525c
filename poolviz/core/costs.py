"""What each stage of a pipeline costs and sees: its size, its multiply-adds, its receptive field.

Everything is computed from the layer specs and the input size, never by running the maps:

- **size**: the output shape, with floor output sizes as PyTorch has them;
- **multiply-adds**: one per kernel weight per output cell for a conv, one per window cell
  for an average pool and for BlurPool's 3×3 blur; a max, a ReLU and the global max
  compare rather than multiply, so they count 0 (the global average counts its adds);
- **receptive field** ``r = 1 + Σ (kₗ − 1)·∏_{i<l} sᵢ`` and the **jump** ``∏ sᵢ`` (how
  many input pixels one step in this map spans), per axis. BlurPool is its 2×2 max at
  stride 1 and then its 3×3 blur at its stride; APS is a 2×2 window at its stride (its
  phase changes where the window sits, not how wide it is). After a global pool the
  field is the whole input;
- **unread** rows and columns: the input cells that no window of the layer touches, which
  a floor output size silently drops.

>>> from poolviz.core.pipeline import with_pooling
>>> [(c.label, c.shape, c.macs, c.field) for c in stage_costs(with_pooling(((1.0,),)), (8, 8))]
... # doctest: +NORMALIZE_WHITESPACE
[('input', (8, 8), 0, (1, 1)), ('conv 1×1', (8, 8), 64, (1, 1)),
 ('max-pool 2×2 /2', (4, 4), 0, (2, 2)), ('conv 2×2 /2', (2, 2), 16, (4, 4)),
 ('global max', (), 0, (8, 8))]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError, as_pair
from poolviz.core.pipeline import Conv, GlobalPool, Layer, Pool, ReLU
from poolviz.core.receptive import output_shape

__all__ = ["StageCost", "stage_costs", "unread", "layer_windows", "total_macs"]


@dataclass(frozen=True)
class StageCost:
    """One stage: its label, output shape, cells, multiply-adds, receptive field and jump."""

    label: str
    shape: tuple[int, ...]
    macs: int
    field: tuple[int, int]
    jump: tuple[int, int]
    unread_rows: tuple[int, ...] = ()
    unread_cols: tuple[int, ...] = ()

    @property
    def cells(self) -> int:
        """Number of cells of the output map (1 after a global pool)."""
        n = 1
        for d in self.shape:
            n *= d
        return n


def layer_windows(layer: Layer) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (kernel, stride) steps that make up ``layer``'s window, per axis, in order.

    >>> layer_windows(Pool("blur", stride=2))
    [((2, 2), (1, 1)), ((3, 3), (2, 2))]
    >>> layer_windows(ReLU())
    []
    """
    if isinstance(layer, Conv):
        return [(layer.size, as_pair(layer.stride, "stride"))]
    if isinstance(layer, Pool):
        stride = as_pair(layer.stride, "stride")
        if layer.kind == "blur":
            return [((2, 2), (1, 1)), ((3, 3), stride)]
        return [(as_pair(layer.size, "size"), stride)]
    if isinstance(layer, (ReLU, GlobalPool)):
        return []
    raise PoolvizError(f"`layer` must be a Conv, ReLU, Pool or GlobalPool; got {layer!r}")


def _macs(layer: Layer, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> int:
    cells = 1
    for d in out_shape:
        cells *= d
    if isinstance(layer, Conv):
        kh, kw = layer.size
        return cells * kh * kw
    if isinstance(layer, Pool) and layer.kind == "avg":
        kh, kw = as_pair(layer.size, "size")
        return cells * kh * kw
    if isinstance(layer, Pool) and layer.kind == "blur":
        return cells * 9
    if isinstance(layer, GlobalPool) and layer.kind == "avg":
        return in_shape[0] * in_shape[1]
    return 0


def _padding(layer: Layer) -> tuple[int, int]:
    if isinstance(layer, (Conv, Pool)):
        return as_pair(layer.padding, "padding")
    return (0, 0)


def _read_positions(positions: np.ndarray, k: int, s: int) -> np.ndarray:
    """The input positions that the windows at output ``positions`` read (size k, step s)."""
    return np.unique((positions[:, None] * s + np.arange(k)[None, :]).ravel())


def _reflect(positions: np.ndarray, n: int) -> np.ndarray:
    """Reflect padding of 1 on an axis of length ``n``: padded index -> source index."""
    src = positions - 1
    src = np.where(src < 0, -src, src)
    return np.unique(np.where(src > n - 1, 2 * (n - 1) - src, src))


def unread(layer: Layer, in_shape: tuple[int, int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Input rows and columns that no window of ``layer`` reads.

    A floor output size drops the last rows or columns; a stride larger than the window
    skips some in between. APS wraps around and a global pool reads everything, so they
    leave nothing unread.

    >>> unread(Conv(((1.0, 1.0), (1.0, 1.0)), stride=2), (5, 4))
    ((4,), ())
    >>> unread(Conv(((1.0,),), stride=2), (4, 4))
    ((1, 3), (1, 3))
    >>> unread(Pool("max", 2, 2), (4, 4))
    ((), ())
    """
    return _unread(layer, (int(in_shape[0]), int(in_shape[1])))


# Cached: it depends only on the layer and the shape, and the sentences ask it for every
# shift of a view (the explorer payload: hundreds of times for the same few layers).
@functools.lru_cache(maxsize=4096)
def _unread(layer: Layer, in_shape: tuple[int, int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(layer, (ReLU, GlobalPool)) or (isinstance(layer, Pool) and layer.kind == "aps"):
        return (), ()
    out = output_shape(layer, in_shape)
    pad = _padding(layer)
    result = []
    for axis in range(2):
        n = in_shape[axis]
        positions = np.arange(out[axis])
        if isinstance(layer, Pool) and layer.kind == "blur":
            s = as_pair(layer.stride, "stride")[axis]
            positions = _reflect(_read_positions(positions, 3, s), n - 1)
            positions = _read_positions(positions, 2, 1)
        else:
            (k, s), = layer_windows(layer)
            positions = _read_positions(positions, k[axis], s[axis]) - pad[axis]
        read = np.zeros(n, bool)
        read[positions[(positions >= 0) & (positions < n)]] = True
        result.append(tuple(int(i) for i in np.flatnonzero(~read)))
    return result[0], result[1]


def stage_costs(pipeline: tuple[Layer, ...], in_shape: tuple[int, int]) -> list[StageCost]:
    """Size, multiply-adds, receptive field and unread cells of every stage, input first.

    >>> from poolviz.core.pipeline import NEXT_KERNEL
    >>> costs = stage_costs((Conv(((1.0,),)), Conv(NEXT_KERNEL, 1), GlobalPool()), (8, 8))
    >>> [(c.shape, c.macs, c.field) for c in costs[1:]]
    [((8, 8), 64, (1, 1)), ((7, 7), 196, (2, 2)), ((), 0, (8, 8))]
    """
    h, w = as_pair(tuple(in_shape), "in_shape")
    shape: tuple[int, ...] = (h, w)
    field, jump = (1, 1), (1, 1)
    out = [StageCost("input", shape, 0, field, jump)]
    for layer in pipeline:
        if shape == ():
            raise PoolvizError(f"`pipeline` has a layer after its global pool: {layer.label}")
        new_shape = output_shape(layer, shape)
        rows, cols = unread(layer, shape)
        if isinstance(layer, GlobalPool):
            field = (h, w)
        else:
            for k, s in layer_windows(layer):
                field = tuple(f + (ki - 1) * j for f, ki, j in zip(field, k, jump, strict=True))
                jump = tuple(j * si for j, si in zip(jump, s, strict=True))
        out.append(
            StageCost(layer.label, new_shape, _macs(layer, shape, new_shape), field, jump, rows, cols)
        )
        shape = new_shape
    return out


def total_macs(costs: list[StageCost], start: int = 0) -> int:
    """Multiply-adds of the stages from index ``start`` on.

    >>> total_macs([StageCost("a", (2,), 3, (1, 1), (1, 1)), StageCost("b", (1,), 4, (1, 1), (1, 1))], 1)
    4
    """
    return sum(c.macs for c in costs[start:])
