"""The six-step lesson: each step's view, and its claim computed on the view on screen.

A step is a title, the view that shows its claim (as plain field values that the view layer
applies), and :func:`evidence`, which computes the claim's numbers for whatever view is on
screen. The page says only what :class:`Evidence` holds, so a student who changes the view
mid-step reads what the new maps show, including "the claim does not show here".

1. The question's proposal is invariant: stride-1 convs and one global pool.
2. What the next layer receives: the same input with pooling, a shifted one without.
3. Pooling absorbs only shifts inside its window (the book's A, B and C).
4. Downsampling breaks exact global invariance (aliasing); BlurPool and APS repair it.
5. What pooling buys: 4× fewer cells and multiply-adds per 2×2 /2 stage, faster-growing fields.
6. What one global pool at the end throws away: how the parts are arranged.

>>> from poolviz.core.patterns import make_preset
>>> from poolviz.core.pipeline import LayerSettings
>>> e = evidence(2, make_preset("book"), LayerSettings(((1.0,),)), 1, 0, "zero", ("pool", "nopool"))
>>> e.holds, e.sentences[0]
(True, 'With max-pool the next layer reads the same 4×4 map after the shift (0 of 16 cells changed), and its output is unchanged.')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.costs import stage_costs
from poolviz.core.invariance import changed_cells, sweep, sweep_shifts
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import LayerSettings
from poolviz.core.text import format_value, shape_text
from poolviz.lessons.arrangement import find_arrangement_pair
from poolviz.lessons.comparison import PipelineRun, book_example, compare
from poolviz.lessons.pipelines import NO_POOLING, POOLING, STRIDED, build, selected, title
from poolviz.lessons.sentences import describe_shift, facts

__all__ = ["Step", "Evidence", "STEPS", "FIRST_STEP", "evidence", "ALIASING_PATTERN"]

ALIASING_PATTERN = "diagonal"  # step 4's second pattern: APS's sub-grids do not tie on it
SWEEP_RADIUS = 3


@dataclass(frozen=True)
class Step:
    """One step: its number, title, the question it answers, and the view that shows it."""

    number: int
    title: str
    question: str
    setup: Mapping[str, object]


@dataclass(frozen=True)
class Evidence:
    """A step's claim on one view: whether the numbers show it, and what they say.

    ``marks`` names, per pipeline title, the stage indices whose changed cells the claim is
    about; ``table`` is an optional table (header first); ``patterns`` extra inputs to draw.
    """

    holds: bool
    sentences: tuple[str, ...]
    marks: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    table: tuple[tuple[str, ...], ...] = ()
    patterns: Mapping[str, np.ndarray] = field(default_factory=dict)


_BASE = {"preset": "book", "dx": 1, "dy": 0, "mode": "zero", "left": POOLING, "right": NO_POOLING}
STEPS: tuple[Step, ...] = (
    Step(1, "One global pool is already invariant", "Is the question's network shift invariant?",
         {**_BASE, "left": NO_POOLING, "right": POOLING, "tab": "explore"}),
    Step(2, "What the next layer receives", "Then what does pooling change?",
         {**_BASE, "tab": "explore"}),
    Step(3, "Pooling absorbs only shifts inside its window", "Does pooling absorb every shift?",
         {**_BASE, "dx": 2, "tab": "book"}),
    Step(4, "Downsampling breaks exact invariance", "Is the pooled network still invariant?",
         {**_BASE, "dx": 2, "tab": "invariance", "sweep": "dx"}),
    Step(5, "What pooling buys", "Why pool at all, then?", {**_BASE, "tab": "explore"}),
    Step(6, "What one global pool throws away", "What is lost by pooling only at the end?",
         {**_BASE, "preset": "arrangement", "dx": 0, "tab": "explore"}),
)
FIRST_STEP = 2  # the first paint: pooling keeps the next layer's input, no pooling does not


def _runs(x, settings, dx, dy, mode, names) -> dict[str, PipelineRun]:
    return compare(x, selected(settings, names), dx, dy, mode)


def _by_key(runs: Mapping[str, PipelineRun], settings, key: str) -> PipelineRun | None:
    run = runs.get(title(key, settings))
    return run if run is not None and run.ok else None


def _step1(x, settings, dx, dy, mode, names) -> Evidence:
    run = compare(x, {title(NO_POOLING, settings): build(NO_POOLING, settings)}, dx, dy, mode)
    run = next(iter(run.values()))
    if not run.ok:
        return Evidence(False, (f"No pooling cannot run here: {run.error}",))
    moved = [
        changed_cells(shift(a, dy, dx, mode), b)
        for a, b in zip(run.original[:-1], run.shifted[:-1], strict=True)
    ]
    f = facts(run)
    equivariant = sum(moved) == 0
    holds = equivariant and not f.global_changed and not f.no_signal_global
    where = describe_shift(dx, dy, mode)
    first = (
        f"With no pooling every map of the shifted pattern is the original's map moved {where} "
        f"(all {len(moved)} maps checked cell by cell), so the global max is the same: "
        f"{format_value(f.global_before)} → {format_value(f.global_after)}."
        if equivariant
        else f"With no pooling, {sum(1 for m in moved if m)} of {len(moved)} maps are not the "
        f"original's moved {where}: the shift changed what is on the grid."
    )
    tail = (
        "Stride-1 convs and one global pool at the end are shift invariant, so invariance "
        "alone is not why we pool."
        if holds
        else "The claim does not show on this view: the global max changed or no signal reaches it."
    )
    return Evidence(holds, (first, tail), {run.name: tuple(range(1, len(run.labels)))})


def _step2(x, settings, dx, dy, mode, names) -> Evidence:
    runs = _runs(x, settings, dx, dy, mode, names)
    pooled, plain = _by_key(runs, settings, POOLING), _by_key(runs, settings, NO_POOLING)
    if pooled is None or plain is None:
        return Evidence(False, ("Step 2 compares the pooling and the no-pooling pipelines; "
                                "choose both to see it.",))
    p, q = facts(pooled), facts(plain)
    feed_shape = shape_text(pooled.original[p.feed])
    out_p = "unchanged" if p.out_changed == 0 else f"{p.out_changed} of {p.out_cells} cells changed"
    s1 = (
        f"With {p.title} the next layer reads the same {feed_shape} map after the shift "
        f"(0 of {p.feed_cells} cells changed), and its output is {out_p}."
        if p.feed_changed == 0
        else f"With {p.title} the next layer reads a changed {feed_shape} map "
        f"({p.feed_changed} of {p.feed_cells} cells changed): this shift is not absorbed by "
        f"the pooling. Its output is {out_p}."
    )
    s2 = (
        f"With {q.title} it reads a shifted map: {q.feed_changed} of {q.feed_cells} cells "
        f"changed, and {q.out_changed} of {q.out_cells} of its output cells changed — it must "
        "respond to the pattern at every position."
        if q.feed_changed
        else f"With {q.title} the next layer's input is unchanged here too."
    )
    both = not p.global_changed and not q.global_changed
    s3 = (
        "Both global outputs are unchanged, so what pooling changes here is what the next layer "
        "receives, not the final invariance."
        if both
        else "The global output "
        + " and ".join(
            f"{'changes' if f.global_changed else 'stays'} with {f.title} "
            f"({format_value(f.global_before)} → {format_value(f.global_after)})"
            for f in (p, q)
        )
        + "."
    )
    holds = p.feed_changed == 0 and p.out_changed == 0 and q.feed_changed > 0 and q.out_changed > 0
    holds = holds and both and not p.no_signal_out
    marks = {q.title: (q.feed, q.feed + 1), p.title: (p.feed, p.feed + 1)}
    return Evidence(holds, (s1, s2, s3), marks)


def _grid(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(format_value(v) for v in row) + "]" for row in a) + "]"


def _step3(x, settings, dx, dy, mode, names) -> Evidence:
    book = book_example()
    a, b, c = (book.next_maps[k] for k in ("A", "B", "C"))
    pa, pb, pc = (book.pooled[k] for k in ("A", "B", "C"))
    ab_same = changed_cells(pa, pb) == 0
    c_moved = changed_cells(shift(pa, 0, 1, "zero"), pc) == 0
    s1 = (
        "The book's A and B (shifted 1 pixel) give the same max-pooled map; C (shifted 2) gives "
        "it moved one cell: "
        + ("the shift of 1 stays inside the 2×2 windows, the shift of 2 crosses into the next."
           if ab_same and c_moved else "here that is not what the maps show.")
    )
    s2 = f"The 2×2 all-ones stride-2 filter then gives {_grid(a)}, {_grid(b)} and {_grid(c)}."
    holds = ab_same and c_moved and changed_cells(a, c) > 0
    return Evidence(holds, (s1, s2))


def _pool_kind_table(x: np.ndarray, settings: LayerSettings) -> tuple[list, dict]:
    shifts = sweep_shifts("grid", *x.shape, radius=SWEEP_RADIUS)
    rows, counts = [], {}
    for kind in ("max", "blur", "aps"):
        layers = build(POOLING, LayerSettings.of(settings, pool=kind))
        change = sweep(x, layers, shifts, "wrap").relative_change[-1]
        n = int(np.count_nonzero(change > 1e-9))
        counts[kind] = (n, float(change.mean()))
        rows.append((title(POOLING, LayerSettings.of(settings, pool=kind)), f"{n} of {len(shifts)}",
                     f"{change.mean():.2f}"))
    return rows, counts


def _step4(x, settings, dx, dy, mode, names) -> Evidence:
    runs = _runs(x, settings, dx, dy, mode, (POOLING, NO_POOLING))
    pooled, plain = _by_key(runs, settings, POOLING), _by_key(runs, settings, NO_POOLING)
    if pooled is None or plain is None:
        return Evidence(False, ("A pipeline cannot run on this input.",))
    p, q = facts(pooled), facts(plain)
    s1 = (
        f"Shifted {describe_shift(dx, dy, mode)}, the global max goes "
        f"{format_value(p.global_before)} → {format_value(p.global_after)} with {p.title} and "
        f"{format_value(q.global_before)} → {format_value(q.global_after)} with {q.title}."
    )
    reason = (
        "A stride-2 step keeps every other position, so a shift it does not divide changes "
        "which cells are kept (aliasing); BlurPool blurs before it subsamples so neighbouring "
        "positions agree, and APS picks the sub-grid by its content, so the pick moves with "
        "the pattern."
    )
    diag = make_preset(ALIASING_PATTERN, *x.shape)
    rows, counts = _pool_kind_table(diag, settings)
    (n_max, m_max), (n_blur, m_blur), (n_aps, _) = counts["max"], counts["blur"], counts["aps"]
    n = (2 * SWEEP_RADIUS + 1) ** 2
    s3 = (
        f"Over all {n} wrap-around shifts within ±{SWEEP_RADIUS} of the {ALIASING_PATTERN} "
        f"pattern, the global max changes for {n_max} with max-pool (mean relative change "
        f"{m_max:.2f}), for {n_blur} with BlurPool ({m_blur:.2f}"
        + (": smaller changes, not fewer)" if m_blur < m_max <= 1 and n_blur >= n_max else ")")
        + f" and for {n_aps} with APS."
    )
    holds = p.global_changed and not q.global_changed and n_aps == 0 and m_blur < m_max
    table = (("pooling", "shifts that change the global max", "mean relative change"), *rows)
    return Evidence(holds, (s1, reason, s3), {p.title: (len(pooled.labels) - 1,)}, table,
                    {ALIASING_PATTERN: diag})


def _step5(x, settings, dx, dy, mode, names) -> Evidence:
    shape = np.shape(x)
    costs = {k: stage_costs(build(k, settings), shape) for k in (POOLING, STRIDED, NO_POOLING)}
    pooled, strided, plain = costs[POOLING], costs[STRIDED], costs[NO_POOLING]
    feed_p, feed_s = pooled[-3], strided[-3]  # the map the next layer reads
    next_p, next_s, next_n = pooled[-2], strided[-2], plain[-2]
    ratio_cells = feed_s.cells / feed_p.cells
    ratio_macs = next_s.macs / next_p.macs if next_p.macs else float("inf")
    s1 = (
        f"The next layer reads {feed_p.cells} cells after pooling against {feed_s.cells} "
        f"without ({ratio_cells:g}× fewer), and does {next_p.macs} multiply-adds against "
        f"{next_s.macs} for the same layer on the unpooled map ({ratio_macs:g}× fewer)."
    )
    s2 = (
        f"Its receptive field is {next_p.field[0]}×{next_p.field[1]} input pixels after pooling, "
        f"{next_s.field[0]}×{next_s.field[1]} with a strided conv and "
        f"{next_n.field[0]}×{next_n.field[1]} with no pooling ({next_n.macs} multiply-adds on "
        f"{next_n.cells} output cells)"
        + (": every 2×2 /2 stage doubles how fast fields grow."
           if next_p.field[0] == 2 * next_s.field[0] else ".")
    )
    table = (("pipeline", "next layer reads", "next layer multiply-adds", "next layer field"),) + tuple(
        (title(k, settings), f"{c[-3].cells} cells", str(c[-2].macs), f"{c[-2].field[0]}×{c[-2].field[1]}")
        for k, c in costs.items()
    )
    holds = ratio_cells == 4 and ratio_macs == 4 and next_p.field[0] == 2 * next_s.field[0]
    return Evidence(holds, (s1, s2), table=table)


def _step6(x, settings, dx, dy, mode, names) -> Evidence:
    small, large = build(NO_POOLING, settings), build(POOLING, settings)
    pair = find_arrangement_pair(small, large, np.shape(x))
    if pair is None:
        return Evidence(False, ("With this filter no T on this grid is told apart from its bars "
                                "by one pipeline and not the other.",))
    (st, _), (lt, la) = pair.small_outputs, pair.large_outputs  # small: equal by the search
    s1 = (
        f"The same two bars, as a T (gap {pair.gap}) and apart: with no pooling the global max "
        f"is {format_value(st)} for both — its 2×2 fields see each bar on its own."
    )
    s2 = (
        f"With {title(POOLING, settings)} it is {format_value(lt)} for the T and {format_value(la)} "
        "for the bars apart: pooling grew the fields until they see the bar and the stem "
        "together, so the arrangement reaches the output."
    )
    return Evidence(True, (s1, s2), patterns={"T": pair.together, "apart": pair.apart})


_EVIDENCE = {1: _step1, 2: _step2, 3: _step3, 4: _step4, 5: _step5, 6: _step6}


def evidence(
    number: int,
    x: np.ndarray,
    settings: LayerSettings,
    dx: int,
    dy: int,
    mode: str,
    names: Sequence[str],
) -> Evidence:
    """Step ``number``'s claim computed on this view (pattern, settings, shift, pipelines)."""
    if number not in _EVIDENCE:
        raise ValueError(f"`number` must be a step from 1 to {len(STEPS)}; got {number!r}")
    try:
        return _EVIDENCE[number](np.asarray(x, dtype=float), settings, dx, dy, mode, tuple(names))
    except PoolvizError as error:  # a setting the step's pipelines cannot run with
        return Evidence(False, (f"This step's claim cannot be computed on this view: {error}",))
