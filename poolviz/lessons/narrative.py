"""Plain-language sentences computed from the numbers on screen (never canned verdicts).

Examples
--------
>>> from poolviz.lessons.comparison import compare, standard_pipelines
>>> from poolviz.core.patterns import make_preset
>>> runs = compare(make_preset("book"), standard_pipelines(((1.0,),)), dx=1)
>>> print(explain_comparison(runs, dx=1, dy=0, mode="zero")[1])
With pooling, the next layer (conv 2×2 /2) reads the max-pool 2×2 /2 map (4×4): unchanged. Its output is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from poolviz.core.invariance import StageSummary, changed_mask
from poolviz.core.pipeline import Pool
from poolviz.core.text import format_value
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING, PipelineRun, next_layer_index

__all__ = [
    "describe_shift",
    "explain_comparison",
    "describe_summary",
    "changed_count",
    "describe_aps",
    "explain_book",
    "describe_distinct",
    "describe_classic",
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
        parts.append(
            f"{abs(dx)} pixel{'s' if abs(dx) != 1 else ''} {'right' if dx > 0 else 'left'}"
        )
    if dy:
        word = "down" if dy > 0 else "up"
        parts.append(
            f"{abs(dy)} {word}" if parts else f"{abs(dy)} pixel{'s' if abs(dy) != 1 else ''} {word}"
        )
    text = " and ".join(parts) if parts else "not at all"
    return text + (", wrapping around" if mode == "wrap" and parts else "")


def changed_count(original: np.ndarray, shifted: np.ndarray) -> tuple[int, int]:
    """(cells changed, cells in all) between two maps of one stage."""
    return int(changed_mask(original, shifted).sum()), int(np.size(original))


def _change_text(original: np.ndarray, shifted: np.ndarray) -> str:
    changed, total = changed_count(original, shifted)
    if changed == 0:
        return "unchanged"
    return f"{changed} of {total} cells changed"


def _shape_text(a: np.ndarray) -> str:
    return "×".join(str(n) for n in a.shape) if a.ndim else "1 number"


def _pipeline_sentence(run: PipelineRun, lead: str) -> str:
    if not run.ok:
        return f"{lead}, the pipeline cannot run on this input: {run.error}"
    feed = next_layer_index(run.layers)
    nxt = feed + 1
    source = run.original[feed]
    reads = f"the {run.labels[feed]} map ({_shape_text(source)})"
    return (
        f"{lead}, the next layer ({run.labels[nxt]}) reads {reads}: "
        f"{_change_text(source, run.shifted[feed])}. "
        f"Its output is {_change_text(run.original[nxt], run.shifted[nxt])}."
    )


def _global_text(run: PipelineRun) -> str:
    before, after = format_value(float(run.original[-1])), format_value(float(run.shifted[-1]))
    return f"{before} → {after}"


def explain_comparison(runs: Mapping[str, PipelineRun], dx: int, dy: int, mode: str) -> list[str]:
    """Sentences that say what changed where, and what it means for the next layer."""
    with_run, without_run = runs[WITH_POOLING], runs[WITHOUT_POOLING]
    sentences = []
    reference = with_run if with_run.ok else without_run
    if reference.ok:
        changed, total = changed_count(reference.original[0], reference.shifted[0])
        sentences.append(
            f"The pattern is shifted {describe_shift(dx, dy, mode)}: "
            f"{changed} of {total} input cells changed."
        )
    sentences.append(_pipeline_sentence(with_run, "With pooling"))
    sentences.append(_pipeline_sentence(without_run, "Without pooling"))
    if not (with_run.ok and without_run.ok):
        return sentences
    glabel = with_run.labels[-1]
    g_with = changed_count(with_run.original[-1], with_run.shifted[-1])[0] == 0
    g_without = changed_count(without_run.original[-1], without_run.shifted[-1])[0] == 0
    feed_with = next_layer_index(with_run.layers)
    feed_without = next_layer_index(without_run.layers)
    stable_with = changed_count(with_run.original[feed_with], with_run.shifted[feed_with])[0] == 0
    stable_without = (
        changed_count(without_run.original[feed_without], without_run.shifted[feed_without])[0] == 0
    )
    global_line = (
        f"The {glabel} is {_global_text(with_run)} with pooling and "
        f"{_global_text(without_run)} without"
    )
    if g_with and g_without:
        global_line += (
            ": invariant either way, but one number keeps no trace of where the pattern is."
        )
    else:
        global_line += "."
    sentences.append(global_line)
    kept = with_run.original[feed_with]
    if stable_with and not stable_without:
        sentences.append(
            "So local pooling hands the next layer the same input despite the shift, and it "
            f"still keeps a {_shape_text(kept)} map of where things are; without it the next "
            "layer must cope with this shift itself."
        )
    elif stable_with and stable_without:
        sentences.append("Here both pipelines hand the next layer an unchanged input.")
    elif not stable_with and dx == 0 and dy == 0:
        pass
    elif not stable_with:
        sentences.append(
            "This shift moves ink across a pooling window's edge, so even the pooled map "
            "changes: local pooling absorbs only shifts that stay inside a window."
        )
    return sentences


def describe_summary(
    summaries: Mapping[str, Sequence[StageSummary]], neighbours: int = 4
) -> list[str]:
    """One line per pipeline: how many one-pixel shifts leave each stage unchanged.

    >>> from poolviz.core.invariance import StageSummary as S
    >>> describe_summary({"with pooling": [S("input", 0, 4, ()), S("max-pool 2×2 /2", 3, 4, ()),
    ...                                   S("global max", 4, 4, ())]})
    ['With pooling: the max-pool 2×2 /2 output is unchanged for 3 of 4 one-pixel shifts; the global max for 4 of 4.']
    """
    lines = []
    for name, rows in summaries.items():
        parts = [r for r in rows if r.label != "input"]
        if not parts:
            continue
        first, rest = parts[0], parts[1:]
        text = (
            f"{name[0].upper()}{name[1:]}: the {first.label} output is unchanged for "
            f"{first.unchanged} of {first.total} one-pixel shifts"
        )
        text += "".join(f"; the {r.label} for {r.unchanged} of {r.total}" for r in rest)
        lines.append(text + ".")
    return lines


def describe_aps(run: PipelineRun, size: int, stride: int) -> str | None:
    """Which polyphase component APS kept for the original and the shifted input, and ties."""
    from poolviz.core.ops import aps_choice  # local: only the APS view needs it

    pool_index = next(
        (i for i, layer in enumerate(run.layers) if isinstance(layer, Pool) and layer.kind == "aps"),
        None,
    )
    if pool_index is None or not run.ok:
        return None
    feed = np.stack([run.original[pool_index - 1], run.shifted[pool_index - 1]])
    index, tie = aps_choice(feed, size, stride)
    parts = []
    for name, i, t in zip(("original", "shifted"), index.tolist(), tie.tolist(), strict=False):
        row, col = divmod(int(i), stride)
        parts.append(
            f"{name}: component ({row}, {col})"
            + (" — a tie, the first in row-major order won" if t else "")
        )
    return "APS kept the polyphase component with the largest norm; " + "; ".join(parts) + "."


def _grid_text(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(format_value(v) for v in row) + "]" for row in a) + "]"


def explain_book(book) -> list[str]:
    """What the book's three rows show, read off the computed maps."""
    names = list(book.inputs)
    first = names[0]
    lines = []
    for other in names[1:]:
        same_pool = changed_count(book.pooled[first], book.pooled[other])[0] == 0
        same_next = changed_count(book.next_maps[first], book.next_maps[other])[0] == 0
        outcome = (
            f"the same as for {first}"
            if same_next
            else f"instead of {_grid_text(book.next_maps[first])}"
        )
        lines.append(
            f"{other} vs {first}: the {book.pool_label} outputs are "
            f"{'identical' if same_pool else 'different'}, so the next layer "
            f"({book.next_label}) gives {_grid_text(book.next_maps[other])}, {outcome}."
        )
    maxima = ", ".join(f"{n}: {format_value(book.global_max[n])}" for n in names)
    lines.append(
        f"The global max after the next layer is {maxima}. A global pool gives one number per "
        "map: it can be invariant, but it no longer says where anything is; the local pool "
        "keeps a small map of where things are and still absorbs the one-pixel shift."
    )
    return lines


def describe_distinct(
    counts: Mapping[str, Sequence[tuple[str, int]]],
    n_shifts: int,
    what: str,
    pipelines: Mapping[str, tuple],
) -> list[str]:
    """What the next layer sees: distinct maps of the stage it reads, per pipeline.

    ``counts`` maps a pipeline name to ``(stage label, distinct maps)`` rows, input first
    and the global pool last, as ``experiment.distinct_map_counts`` returns them;
    ``pipelines`` holds the layers, which say where the next layer is.

    >>> from poolviz.core.pipeline import with_pooling
    >>> describe_distinct({"with pooling": [("input", 4), ("conv 1×1", 4), ("max-pool 2×2 /2", 2),
    ...                                     ("conv 2×2 /2", 2), ("global max", 1)]}, 4, "these",
    ...                   {"with pooling": with_pooling(((1.0,),))})
    ['With pooling, the next layer (conv 2×2 /2) reads the max-pool 2×2 /2 map: 2 different maps across these 4 shifts.']
    """
    lines = []
    for name, rows in counts.items():
        labels = tuple(label for label, _ in rows)
        feed = next_layer_index((None, *pipelines[name]))
        lines.append(
            f"{name[0].upper()}{name[1:]}, the next layer ({labels[feed + 1]}) reads the "
            f"{labels[feed]} map: {rows[feed][1]} different map{'s' if rows[feed][1] != 1 else ''} "
            f"across {what} {n_shifts} shifts."
        )
    return lines


def describe_classic(
    whole_map: float,
    per_cell: float,
    single_dot: float,
    neighbours: int,
    height: int,
    width: int,
    density: float,
    pool_label: str,
    mode: str,
) -> str:
    """The often quoted "max-pool is unchanged for k of 8 shifts", as measured here."""
    edge = "zero fill" if mode == "zero" else "wrap-around"
    return (
        f"For {pool_label} on random {height}×{width} binary patterns (each pixel ink with "
        f"probability {density:g}, {edge}): the whole pooled map stays exactly unchanged for "
        f"{whole_map * neighbours:.2f} of the {neighbours} one-pixel shifts on average, and a "
        f"single pooled cell for {per_cell * neighbours:.2f} of {neighbours}. For one isolated "
        f"dot it is {single_dot * neighbours:.2f} of {neighbours}: the often quoted figure holds "
        "for a lone maximum, not for a typical map."
    )
