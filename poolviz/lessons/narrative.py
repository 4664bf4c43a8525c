"""Sentences for the other tabs, computed from their numbers (never canned verdicts): the
one-pixel summaries and distinct maps of the invariance tab, the book's figure, and the
classic number. The Explore view's sentences are :mod:`poolviz.lessons.sentences`.

>>> from poolviz.lessons.comparison import book_example
>>> explain_book(book_example())[0]
'B vs A: the max-pool 2×2 /2 outputs are identical, so the next layer (conv 2×2 /2) gives [[2, 2], [2, 2]], the same as for A.'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from poolviz.core.invariance import StageSummary, changed_cells
from poolviz.core.text import format_value, shape_text
from poolviz.lessons.comparison import next_layer_index

__all__ = [
    "describe_summary",
    "changed_count",
    "explain_book",
    "describe_distinct",
    "describe_classic",
]


def changed_count(original: np.ndarray, shifted: np.ndarray) -> tuple[int, int]:
    """(cells changed, cells in all) between two maps of one stage."""
    return changed_cells(original, shifted), int(np.size(original))


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
    lines.append(f"With max-pool, the global max after the next layer is {maxima}.")
    plain_changed = [n for n in names[1:] if changed_count(book.plain_next[first], book.plain_next[n])[0]]
    plain_max = ", ".join(f"{n}: {format_value(book.plain_global[n])}" for n in names)
    same_plain = len({book.plain_global[n] for n in names}) == 1
    lines.append(
        f"With no pooling (stride-1 convs), the next layer ({book.plain_label}) gives a "
        f"{shape_text(book.plain_next[first])} map that "
        + (f"changes for {' and '.join(plain_changed)}" if plain_changed else "never changes")
        + f"; its global max is {plain_max}"
        + (": the same for all three, so the question's network is invariant here too, but "
           "its next layer had to respond to every position." if same_plain and plain_changed
           else ".")
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
