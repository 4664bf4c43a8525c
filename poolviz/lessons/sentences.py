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

:func:`explain` says one shift; :func:`explain_shifts` says many at once (the Explore
payload: every shift in its radius). Both measure the maps vectorized over a *stacked run*,
a PipelineRun whose ``shifted[i]`` holds S maps, shape ``(S, *original[i].shape)``
(:func:`stacked_facts`, :func:`aps_picks`; explain's run is one of S = 1), and write every
shift's sentences with the same templates, so the two cannot disagree.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from poolviz.core.costs import unread
from poolviz.core.invariance import changed_mask
from poolviz.core.ops import aps_choice
from poolviz.core.pipeline import Conv, Pool, cumulative_strides
from poolviz.core.text import format_value, shape_text
from poolviz.lessons.comparison import PipelineRun, next_layer_index

__all__ = [
    "Facts",
    "ApsPick",
    "facts",
    "stacked_facts",
    "aps_picks",
    "describe_shift",
    "shift_sentence",
    "pipeline_sentence",
    "unread_sentences",
    "global_sentence",
    "verdict_sentences",
    "aps_sentence",
    "explain",
    "explain_shifts",
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


def _stacked(run: PipelineRun) -> PipelineRun:
    """``run`` as a stacked run of one shift."""
    return replace(run, shifted=tuple(np.asarray(m)[None] for m in run.shifted))


def _changed_counts(reference: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """Changed cells of each map of ``stack`` (S maps) against ``reference``.

    One :func:`~poolviz.core.invariance.changed_mask` call for the whole stack; when the
    map shapes differ, every cell of the larger map counts (as ``changed_cells`` says).

    >>> _changed_counts(np.zeros(2), np.array([[0.0, 0.0], [1.0, 1e-12]])).tolist()
    [0, 1]
    """
    stack = np.asarray(stack)
    cells = stack.shape[1:]
    if cells != np.shape(reference):
        larger = max(int(np.size(reference)), int(np.prod(cells, dtype=np.int64)))
        return np.full(len(stack), larger)
    return np.count_nonzero(changed_mask(reference, stack).reshape(len(stack), -1), axis=1)


def _all_zero(reference: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """Per map of ``stack``: it and ``reference`` are both all zero (no signal, before and after)."""
    stack = np.asarray(stack)
    return ~stack.reshape(len(stack), -1).any(axis=1) & (not np.any(reference))


@dataclass(frozen=True)
class Facts:
    """What one pipeline's maps show for one shift: the numbers (and the names) every
    sentence is made of."""

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
    global_changed: bool  # the global output changed, by the one changed-cell rule
    no_signal_feed: bool  # the map the next layer reads is all zero, before and after
    feed_label: str  # the label of the stage the next layer reads
    next_label: str  # the next layer's label
    feed_shape: str  # shape_text of the map the next layer reads
    out_shape: str  # shape_text of the next layer's output
    global_label: str  # the last stage's label ("global max")


def stacked_facts(run: PipelineRun) -> list[Facts]:
    """The facts of a stacked run that could run (``run.ok``): one per shifted map.

    Every count is one vectorized call over the stack, so S shifts cost about as much as one.

    >>> from poolviz.core.patterns import make_preset
    >>> from poolviz.lessons.comparison import compare
    >>> from poolviz.lessons.pipelines import selected
    >>> from poolviz.core.pipeline import LayerSettings
    >>> run = compare(make_preset("book"), selected(LayerSettings(((1.0,),)), ("pool",)), dx=2)
    >>> [(f.feed_changed, f.global_before, f.global_after) for f in stacked_facts(_stacked(run["max-pool"]))]
    [(8, 2.0, 4.0)]
    """
    o, s = run.original, run.shifted
    feed = next_layer_index(run.layers)
    nxt = feed + 1
    strides = [st for st in cumulative_strides(run.layers[1:]) if st is not None]
    downsampling = tuple(strides[-1]) if strides else (1, 1)
    before = float(o[-1])
    after = np.asarray(s[-1], dtype=np.float64).reshape(-1).tolist()
    columns = zip(
        _changed_counts(o[feed], s[feed]).tolist(),
        _changed_counts(o[nxt], s[nxt]).tolist(),
        _all_zero(o[nxt], s[nxt]).tolist(),
        _all_zero(o[-2], s[-2]).tolist(),
        after,
        (_changed_counts(o[-1], s[-1]) > 0).tolist(),
        _all_zero(o[feed], s[feed]).tolist(),
        strict=True,
    )
    names = (run.labels[feed], run.labels[nxt], shape_text(o[feed]), shape_text(o[nxt]))
    feed_cells, out_cells = int(np.size(o[feed])), int(np.size(o[nxt]))
    return [
        Facts(
            run.name, feed, feed_changed, feed_cells, out_changed, out_cells, no_out,
            no_global, before, global_after, downsampling, changed, no_feed, *names,
            run.labels[-1],
        )
        for feed_changed, out_changed, no_out, no_global, global_after, changed, no_feed in columns
    ]


def facts(run: PipelineRun) -> Facts:
    """The facts of a run that could run (``run.ok``)."""
    return stacked_facts(_stacked(run))[0]


class ApsPick(NamedTuple):
    """The APS sub-grid (row, column phase) kept for the original and the shifted input."""

    original: tuple[int, int]
    shifted: tuple[int, int]
    tie: bool  # some sub-grid tied for either input: the pick was made by position


def _aps_index(layers: Sequence) -> int | None:
    return next(
        (i for i, layer in enumerate(layers) if isinstance(layer, Pool) and layer.kind == "aps"),
        None,
    )


def aps_picks(run: PipelineRun) -> list[ApsPick] | None:
    """For a stacked run: the APS pick per shifted map; None without APS or if it failed.

    One :func:`~poolviz.core.ops.aps_choice` call on the original and every shifted map.
    """
    index = _aps_index(run.layers) if run.ok else None
    if index is None:
        return None
    layer = run.layers[index]
    feed = np.concatenate([np.asarray(run.original[index - 1])[None], run.shifted[index - 1]])
    picks, ties = aps_choice(feed, layer.size, layer.stride)
    _, sw = (layer.stride, layer.stride) if isinstance(layer.stride, int) else layer.stride
    rows, cols = np.divmod(picks, sw)
    first = (int(rows[0]), int(cols[0]))
    tied = (ties[1:] | ties[0]).tolist()
    return [
        ApsPick(first, (r, c), t)
        for r, c, t in zip(rows[1:].tolist(), cols[1:].tolist(), tied, strict=True)
    ]


def _change(changed: int, cells: int) -> str:
    return "unchanged" if changed == 0 else f"{changed} of {cells} cells changed"


def _shift_text(changed: int, cells: int, lost: int, dx: int, dy: int, mode: str) -> str:
    if dx == 0 and dy == 0:
        return "The pattern is not shifted: every map below is the original's."
    text = (
        f"The pattern is shifted {describe_shift(dx, dy, mode)}: "
        f"{changed} of {cells} input cells changed."
    )
    if mode == "zero" and lost > 0:
        text += (
            f" The shift pushes {lost} ink cell{'s' if lost != 1 else ''} off the grid "
            "(zero fill), so the shifted pattern has less ink."
        )
    return text


class _InputChange(NamedTuple):
    """The shift sentence's numbers for S shifted inputs."""

    changed: list[int]  # changed input cells, per shift
    cells: int
    lost: list[int]  # ink cells the shift pushed off the grid, per shift


def _input_change(x: np.ndarray, stack: np.ndarray) -> _InputChange:
    stack = np.asarray(stack)
    lost = int(np.count_nonzero(x)) - np.count_nonzero(stack.reshape(len(stack), -1), axis=1)
    return _InputChange(_changed_counts(x, stack).tolist(), int(np.size(x)), lost.tolist())


def shift_sentence(original: np.ndarray, shifted: np.ndarray, dx: int, dy: int, mode: str) -> str:
    """How the input changed, and how much ink a zero-fill shift pushed off the grid.

    >>> x = np.zeros((4, 4)); x[1, 3] = 1.0
    >>> shift_sentence(x, np.zeros((4, 4)), 1, 0, "zero")
    'The pattern is shifted 1 pixel right: 1 of 16 input cells changed. The shift pushes 1 ink cell off the grid (zero fill), so the shifted pattern has less ink.'
    """
    change = _input_change(original, np.asarray(shifted)[None])
    return _shift_text(change.changed[0], change.cells, change.lost[0], dx, dy, mode)


def _error_text(name: str, error: str) -> str:
    return f"{name}: the pipeline cannot run on this input: {error}"


def _pipeline_text(f: Facts) -> str:
    reads = f"{f.title}: the next layer ({f.next_label}) reads the {f.feed_label} map ({f.feed_shape})"
    if f.no_signal_feed:
        return reads + ", which is all zero: no signal reaches the next layer."
    text = reads + f": {_change(f.feed_changed, f.feed_cells)}. "
    if f.no_signal_out:
        return text + f"Its output ({f.out_shape}) is all zero: no signal reaches it."
    return text + f"Its output ({f.out_shape}) is {_change(f.out_changed, f.out_cells)}."


def pipeline_sentence(run: PipelineRun) -> str:
    """What the next layer reads, whether it changed, and whether its output did."""
    if not run.ok:
        return _error_text(run.name, run.error)
    return _pipeline_text(facts(run))


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


# The global values repeat across the shifts of a payload (a binary pattern's global max
# takes a few values), so each is formatted once. format_value reads its argument as a
# float, so values equal as keys (1 and 1.0, 0.0 and -0.0) have the same text.
_value_text = functools.lru_cache(maxsize=4096)(format_value)


def _global_part(f: Facts) -> str:
    if f.no_signal_global:
        return f"no signal reaches it with {f.title} (every map before it is 0)"
    before, after = _value_text(f.global_before), _value_text(f.global_after)
    if f.global_changed:
        return f"{before} → {after} with {f.title} (changed)"
    return f"{before} → {after} with {f.title} (unchanged)"


def _global_text(ok: Sequence[Facts]) -> str | None:
    if not ok:
        return None
    return f"The {ok[0].global_label} is " + "; ".join(_global_part(f) for f in ok) + "."


def global_sentence(runs: Mapping[str, PipelineRun]) -> str | None:
    """The global outputs, before and after the shift, for every pipeline that ran."""
    return _global_text([facts(r) for r in runs.values() if r.ok])


def _verdicts(ok: Sequence[Facts], dx: int, dy: int, mode: str) -> list[str]:
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


def verdict_sentences(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    """What the numbers mean, said only when the facts above show it."""
    return _verdicts([facts(r) for r in runs.values() if r.ok], dx, dy, mode)


def _aps_text(pick: ApsPick) -> str:
    (r0, c0), (r1, c1) = pick.original, pick.shifted
    if pick.tie:
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


def aps_sentence(run: PipelineRun) -> str | None:
    """APS in plain words, with the sub-grid it kept for the original and for the shifted input."""
    picks = aps_picks(_stacked(run))
    return None if picks is None else _aps_text(picks[0])


class _Said(NamedTuple):
    """One pipeline's material for every shift of an explain_shifts call."""

    name: str
    error: str | None
    facts: list[Facts]  # one per shift; empty when the pipeline cannot run
    unread: list[str]  # the same for every shift: it depends only on shapes
    aps: list[ApsPick] | None  # one per shift; None without APS


def _said(run: PipelineRun) -> _Said:
    if not run.ok:
        return _Said(run.name, run.error, [], [], None)
    return _Said(run.name, None, stacked_facts(run), unread_sentences(run), aps_picks(run))


def _lines(
    k: int, dx: int, dy: int, mode: str, change: _InputChange | None, said: Sequence[_Said]
) -> list[str]:
    """Every sentence for shift ``k`` of a call, in the order the page shows them."""
    out = []
    if change is not None:
        out.append(_shift_text(change.changed[k], change.cells, change.lost[k], dx, dy, mode))
    out += [_error_text(p.name, p.error) if p.error is not None else _pipeline_text(p.facts[k]) for p in said]
    for p in said:
        out += p.unread
    ok = [p.facts[k] for p in said if p.error is None]
    line = _global_text(ok)
    if line:
        out.append(line)
    out += _verdicts(ok, dx, dy, mode)
    out += [_aps_text(p.aps[k]) for p in said if p.aps is not None]
    return out


def explain_shifts(
    runs: Mapping[str, PipelineRun], shifts: np.ndarray | Sequence[Sequence[int]], mode: str
) -> list[list[str]]:
    """Every sentence for each of S shifts at once, as :func:`explain` says each one.

    Parameters
    ----------
    runs : mapping of name -> PipelineRun
        Stacked runs: ``shifted[i]`` holds the S shifted maps of stage ``i``, shape
        ``(S, *original[i].shape)``, in the order of ``shifts``. A run with ``error`` set
        has no maps.
    shifts : array_like of int, shape (S, 2)
        The ``(dy, dx)`` of each shifted map.
    mode : {"zero", "wrap"}
        The edge mode the maps were shifted with.

    Returns
    -------
    list of list of str
        The sentences of each shift, in the order of ``shifts``.

    Notes
    -----
    The counts, zero flags, global values and APS picks are measured once per pipeline
    over the whole stack; the unread rows and columns once per pipeline (they depend only
    on shapes). Only the writing of the sentences is per shift.

    Examples
    --------
    >>> from poolviz.core.ops import shift
    >>> from poolviz.core.patterns import make_preset
    >>> from poolviz.core.pipeline import LayerSettings, run_pipeline
    >>> from poolviz.lessons.pipelines import selected
    >>> x = make_preset("book")
    >>> layers = selected(LayerSettings(((1.0,),)), ("pool", "nopool"))
    >>> shifts = [(0, 1), (0, 2)]
    >>> stack = np.stack([x] + [shift(x, dy, dx) for dy, dx in shifts])
    >>> runs = {}
    >>> for name, pipeline in layers.items():
    ...     stages = run_pipeline(pipeline, stack)
    ...     runs[name] = PipelineRun(name, tuple(s.label for s in stages),
    ...                              tuple(s.maps[0] for s in stages),
    ...                              tuple(s.maps[1:] for s in stages),
    ...                              layers=tuple(s.layer for s in stages))
    >>> said = explain_shifts(runs, shifts, "zero")
    >>> print(said[1][1])
    max-pool: the next layer (conv 2×2 /2) reads the max-pool 2×2 /2 map (4×4): 8 of 16 cells changed. Its output (2×2) is 4 of 4 cells changed.
    >>> from poolviz.lessons.comparison import compare
    >>> said[1] == explain(compare(x, layers, dx=2), 2, 0, "zero")
    True
    """
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2).tolist()
    if not shifts:
        return []
    said = [_said(run) for run in runs.values()]
    first = next((r for r in runs.values() if r.ok), None)
    change = None if first is None else _input_change(first.original[0], first.shifted[0])
    return [_lines(k, dx, dy, mode, change, said) for k, (dy, dx) in enumerate(shifts)]


def explain(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    """Every sentence for a comparison, in the order the page shows them."""
    stacked = {name: _stacked(run) for name, run in runs.items()}
    return explain_shifts(stacked, [(dy, dx)], mode)[0]
