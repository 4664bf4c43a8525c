"""The sentences beside the maps: every claim computed from the maps on screen.

Rules, each tested both ways (on a view where the claim holds and on one where it does not):

- a map that is all zero before and after is "no signal reaches …", never "unchanged"
  or "invariant";
- a layer that does not read some rows or columns of its input says which ones;
- ink pushed off the grid by a zero-fill shift is named as such;
- the global outputs are compared only where a signal reaches them, and a change in a
  downsampling pipeline is called aliasing only when the pipeline without downsampling
  kept its global output;
- APS is said in plain words, with the sub-grid it kept for each input.

>>> import numpy as np
>>> from poolviz.core.patterns import make_preset
>>> from poolviz.core.pipeline import LayerSettings
>>> from poolviz.lessons.comparison import compare
>>> from poolviz.lessons.pipelines import selected
>>> runs = compare(make_preset("book"), selected(LayerSettings(((1.0,),)), ("pool", "nopool")), dx=1)
>>> print(explain(runs, 1, 0, "zero")[1])
max-pool: the next layer (conv 2×2 /2) reads the max-pool 2×2 /2 map (4×4): unchanged. Its output (2×2) is unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from poolviz.core.costs import unread
from poolviz.core.invariance import changed_cells
from poolviz.core.ops import aps_choice
from poolviz.core.pipeline import Conv, Pool, cumulative_strides
from poolviz.core.text import format_value, shape_text
from poolviz.lessons.comparison import PipelineRun, next_layer_index

__all__ = [
    "Facts",
    "facts",
    "describe_shift",
    "shift_sentence",
    "pipeline_sentence",
    "unread_sentences",
    "global_sentence",
    "verdict_sentences",
    "aps_sentence",
    "explain",
]


def describe_shift(dx: int, dy: int, mode: str) -> str:
    """Say a shift in words.

    >>> describe_shift(1, 0, "zero")
    '1 pixel right'
    >>> describe_shift(-2, 3, "wrap")
    '2 pixels left and 3 down, wrapping around'
    """
    parts = []
    if dx:
        parts.append(f"{abs(dx)} pixel{'s' if abs(dx) != 1 else ''} {'right' if dx > 0 else 'left'}")
    if dy:
        word = "down" if dy > 0 else "up"
        parts.append(
            f"{abs(dy)} {word}" if parts else f"{abs(dy)} pixel{'s' if abs(dy) != 1 else ''} {word}"
        )
    text = " and ".join(parts) if parts else "not at all"
    return text + (", wrapping around" if mode == "wrap" and parts else "")


def _zero(*maps: np.ndarray) -> bool:
    return all(not np.any(m) for m in maps)


@dataclass(frozen=True)
class Facts:
    """What one pipeline's maps show for this shift: the numbers every sentence is made of."""

    title: str
    feed: int  # the stage the next layer reads
    feed_changed: int
    feed_cells: int
    out_changed: int
    out_cells: int
    no_signal_out: bool  # the next layer's output is all zero, before and after
    no_signal_global: bool  # every cell before the global pool is zero, before and after
    global_before: float
    global_after: float
    downsampling: tuple[int, int]  # product of the strides before the global pool, per axis

    @functools.cached_property  # asked for by every sentence; frozen is fine (__dict__)
    def global_changed(self) -> bool:
        return changed_cells(np.array(self.global_before), np.array(self.global_after)) > 0


# explain() asks for each run's facts three times (its sentence, the global outputs, the
# verdict); the explorer payload calls explain for every shift. A per-call memo, keyed by
# the run's id while explain holds the runs (a ContextVar: each session's thread its own).
_FACTS_MEMO: ContextVar[dict | None] = ContextVar("poolviz_facts_memo", default=None)


def facts(run: PipelineRun) -> Facts:
    """The facts of a run that could run (``run.ok``)."""
    memo = _FACTS_MEMO.get()
    if memo is not None:
        known = memo.get(id(run))
        if known is None:
            known = memo[id(run)] = _facts(run)
        return known
    return _facts(run)


def _facts(run: PipelineRun) -> Facts:
    feed = next_layer_index(run.layers)
    nxt = feed + 1
    strides = [s for s in cumulative_strides(run.layers[1:]) if s is not None]
    return Facts(
        title=run.name,
        feed=feed,
        feed_changed=changed_cells(run.original[feed], run.shifted[feed]),
        feed_cells=int(np.size(run.original[feed])),
        out_changed=changed_cells(run.original[nxt], run.shifted[nxt]),
        out_cells=int(np.size(run.original[nxt])),
        no_signal_out=_zero(run.original[nxt], run.shifted[nxt]),
        no_signal_global=_zero(run.original[-2], run.shifted[-2]),
        global_before=float(run.original[-1]),
        global_after=float(run.shifted[-1]),
        downsampling=tuple(strides[-1]) if strides else (1, 1),
    )


def _change(changed: int, cells: int) -> str:
    return "unchanged" if changed == 0 else f"{changed} of {cells} cells changed"


def shift_sentence(original: np.ndarray, shifted: np.ndarray, dx: int, dy: int, mode: str) -> str:
    """How the input changed, and how much ink a zero-fill shift pushed off the grid.

    >>> x = np.zeros((4, 4)); x[1, 3] = 1.0
    >>> shift_sentence(x, np.zeros((4, 4)), 1, 0, "zero")
    'The pattern is shifted 1 pixel right: 1 of 16 input cells changed. The shift pushes 1 ink cell off the grid (zero fill), so the shifted pattern has less ink.'
    """
    if dx == 0 and dy == 0:
        return "The pattern is not shifted: every map below is the original's."
    text = (
        f"The pattern is shifted {describe_shift(dx, dy, mode)}: "
        f"{changed_cells(original, shifted)} of {np.size(original)} input cells changed."
    )
    lost = int(np.count_nonzero(original)) - int(np.count_nonzero(shifted))
    if mode == "zero" and lost > 0:
        text += (
            f" The shift pushes {lost} ink cell{'s' if lost != 1 else ''} off the grid "
            "(zero fill), so the shifted pattern has less ink."
        )
    return text


def pipeline_sentence(run: PipelineRun) -> str:
    """What the next layer reads, whether it changed, and whether its output did."""
    if not run.ok:
        return f"{run.name}: the pipeline cannot run on this input: {run.error}"
    f = facts(run)
    nxt = f.feed + 1
    reads = (
        f"{run.name}: the next layer ({run.labels[nxt]}) reads the {run.labels[f.feed]} map "
        f"({shape_text(run.original[f.feed])})"
    )
    if _zero(run.original[f.feed], run.shifted[f.feed]):
        return reads + ", which is all zero: no signal reaches the next layer."
    text = reads + f": {_change(f.feed_changed, f.feed_cells)}. "
    if f.no_signal_out:
        return text + f"Its output ({shape_text(run.original[nxt])}) is all zero: no signal reaches it."
    return text + f"Its output ({shape_text(run.original[nxt])}) is {_change(f.out_changed, f.out_cells)}."


def _indices(kind: str, idx: tuple[int, ...]) -> str:
    words = ", ".join(str(i) for i in idx)
    return f"{kind}{'s' if len(idx) != 1 else ''} {words}"


def unread_sentences(run: PipelineRun) -> list[str]:
    """One sentence per layer that leaves rows or columns of its input unread.

    >>> from poolviz.core.pipeline import NEXT_KERNEL, GlobalPool
    >>> from poolviz.lessons.comparison import compare
    >>> runs = compare(np.ones((5, 5)), {"p": (Conv(((1.0,),)), Conv(NEXT_KERNEL, 2), GlobalPool())})
    >>> unread_sentences(runs["p"])
    ['p: the conv 2×2 /2 does not read row 4 and column 4 of its 5×5 input (the windows stop short of the edge).']
    """
    if not run.ok:
        return []
    out = []
    for i, layer in enumerate(run.layers[1:], start=1):
        if not isinstance(layer, (Conv, Pool)):
            continue
        shape = np.shape(run.original[i - 1])
        rows, cols = unread(layer, shape)
        if not rows and not cols:
            continue
        parts = [_indices("row", rows)] if rows else []
        parts += [_indices("column", cols)] if cols else []
        # Unread cells that are exactly the last rows/columns: the windows stop short.
        edge = rows == tuple(range(shape[0] - len(rows), shape[0])) and cols == tuple(
            range(shape[1] - len(cols), shape[1])
        )
        why = "the windows stop short of the edge" if edge else "its stride skips them"
        out.append(
            f"{run.name}: the {layer.label} does not read {' and '.join(parts)} of its "
            f"{shape_text(run.original[i - 1])} input ({why})."
        )
    return out


def _step(step: tuple[int, int]) -> str:
    """``(4, 4)`` -> ``'4 pixels'``; ``(2, 1)`` -> ``'2 rows'``; ``(2, 4)`` -> ``'2×4 pixels'``."""
    sy, sx = step
    if sy == sx:
        return f"{sy} pixels"
    if sy > 1 and sx > 1:
        return f"{sy}×{sx} pixels"
    return f"{sy} rows" if sy > 1 else f"{sx} columns"


def _global_part(f: Facts) -> str:
    if f.no_signal_global:
        return f"no signal reaches it with {f.title} (every map before it is 0)"
    before, after = format_value(f.global_before), format_value(f.global_after)
    if f.global_changed:
        return f"{before} → {after} with {f.title} (changed)"
    return f"{before} → {after} with {f.title} (unchanged)"


def global_sentence(runs: Mapping[str, PipelineRun]) -> str | None:
    """The global outputs, before and after the shift, for every pipeline that ran."""
    ok = [r for r in runs.values() if r.ok]
    if not ok:
        return None
    return f"The {ok[0].labels[-1]} is " + "; ".join(_global_part(facts(r)) for r in ok) + "."


def verdict_sentences(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    """What the numbers mean, said only when the facts above show it."""
    ok = [facts(r) for r in runs.values() if r.ok]
    if len(ok) < 2 or (dx == 0 and dy == 0):
        return []
    out = []
    signal = [f for f in ok if not f.no_signal_global]
    all_kept = signal and all(not f.global_changed for f in signal)
    stable = [f for f in ok if f.feed_changed == 0 and not f.no_signal_out]
    moved = [f for f in ok if f.feed_changed > 0]
    if all_kept and len(signal) == len(ok) and stable and moved:
        out.append(
            "Both global outputs are unchanged, so invariance is not what tells them apart: "
            f"with {stable[0].title} the next layer receives the same input, with "
            f"{moved[0].title} it receives a shifted one and must respond at every position."
        )
    kept_flat = [f for f in signal if f.downsampling == (1, 1) and not f.global_changed]
    for f in signal:
        sy, sx = f.downsampling
        off_grid = dy % sy != 0 or dx % sx != 0
        if f.global_changed and f.downsampling != (1, 1) and kept_flat and off_grid:
            out.append(
                f"With {f.title} the global output changed although with {kept_flat[0].title} "
                f"it did not: {f.title} samples its last map on a grid {_step(f.downsampling)} "
                "apart, and a shift that is not a multiple of that changes what lands on the "
                "grid (aliasing)."
            )
    for f in signal:
        if f.global_changed and f.downsampling == (1, 1) and mode == "zero":
            out.append(
                f"With {f.title} the global output changed because the zero-fill shift "
                "changed what is on the grid (ink left it, or met its edge), not because "
                "the pipeline is sensitive to where the pattern is."
            )
    return out


def aps_sentence(run: PipelineRun) -> str | None:
    """APS in plain words, with the sub-grid it kept for the original and for the shifted input."""
    if not run.ok:
        return None
    index = next(
        (i for i, layer in enumerate(run.layers) if isinstance(layer, Pool) and layer.kind == "aps"),
        None,
    )
    if index is None:
        return None
    layer = run.layers[index]
    feed = np.stack([run.original[index - 1], run.shifted[index - 1]])
    picks, ties = aps_choice(feed, layer.size, layer.stride)
    _, sw = (layer.stride, layer.stride) if isinstance(layer.stride, int) else layer.stride
    (r0, c0), (r1, c1) = (divmod(int(p), sw) for p in picks.tolist())
    if bool(ties.any()):
        return (
            "APS keeps the sub-grid with the most energy; here sub-grids tie (binary patterns "
            "often do), so it took the first in row-major order — "
            f"({r0}, {c0}) for the original, ({r1}, {c1}) for the shifted — and a pick made "
            "by position need not follow the pattern."
        )
    return (
        "APS keeps the sub-grid with the most energy, so the pick moves with the pattern: "
        f"sub-grid ({r0}, {c0}) for the original, ({r1}, {c1}) for the shifted."
    )


def explain(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    """Every sentence for a comparison, in the order the page shows them."""
    token = _FACTS_MEMO.set({})
    try:
        return _explain(runs, dx, dy, mode)
    finally:
        _FACTS_MEMO.reset(token)


def _explain(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    first = next((r for r in runs.values() if r.ok), None)
    out = []
    if first is not None:
        out.append(shift_sentence(first.original[0], first.shifted[0], dx, dy, mode))
    out += [pipeline_sentence(r) for r in runs.values()]
    for run in runs.values():
        out += unread_sentences(run)
    line = global_sentence(runs)
    if line:
        out.append(line)
    out += verdict_sentences(runs, dx, dy, mode)
    out += [s for s in (aps_sentence(r) for r in runs.values()) if s]
    return out
