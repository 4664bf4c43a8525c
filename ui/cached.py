"""The library's results for a view, cached across reruns and sessions.

Keys are the fields the maps depend on (:func:`compute_key`), so switching a tab or the
display does not recompute. Results are small numpy maps; figures are rebuilt per run from
plain dicts (a few ms), which is cheaper than unpickling a cached plotly figure.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import streamlit as st

from poolviz.core import invariance, receptive, stepthrough
from poolviz.core.checks import PoolvizError
from poolviz.core.pipeline import run_pipeline
from poolviz.lessons import classic, comparison, narrative, pipelines
from poolviz.lessons import experiment as exp
from poolviz.render import tab_figures
from poolviz.view import downloads, lesson_view
from poolviz.view import state as view_state
from poolviz.view.choices import GRID_SWEEP_RADIUS

WINDOW_SPEEDS = {"slow": 900, "medium": 400, "fast": 120}  # ms per window position


_SHARED: list[Callable] = []  # every shared_cache's clear(), for clear_shared_caches


def clear_shared_caches() -> None:
    """Empty every :func:`shared_cache` (tests that inject faults start from nothing)."""
    for clear in _SHARED:
        clear()


def shared_cache(max_entries: int, ttl: float = 3600.0) -> Callable:
    """A process-wide LRU for a pure function whose arguments are hashable and whose
    result is immutable: every session gets the same object, so a hit costs one dict
    lookup.

    ``st.cache_data`` hashes every argument with its own hasher, inspects the function's
    signature and unpickles a fresh copy of the result on each call; for the Explore
    payload (a ~200 kB string, looked up twice per rerun) that was ~15 % of a rerun's
    server time, and the copies were garbage for the allocator. Keys compare by
    equality, so two arguments never share an entry by accident. At most
    ``max_entries`` entries, each at most ``ttl`` seconds old; ``fn.clear()`` empties it,
    and ``fn.peek(*args)`` returns an entry without computing one (None if there is none).

    >>> calls = []
    >>> @shared_cache(max_entries=2)
    ... def square(n):
    ...     calls.append(n)
    ...     return n * n
    >>> [square(3), square(3), square(4), square(5), square(3)], calls
    ([9, 9, 16, 25, 9], [3, 4, 5, 3])
    >>> square.peek(5), square.peek(4)  # looks, never computes
    (25, None)
    """

    def decorate(fn: Callable) -> Callable:
        entries: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def cached(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            now = time.monotonic()
            with lock:
                hit = entries.get(key)
                if hit is not None and now - hit[0] <= ttl:
                    entries.move_to_end(key)
                    return hit[1]
            value = fn(*args, **kwargs)  # outside the lock: other keys are served meanwhile
            with lock:
                entries[key] = (now, value)
                entries.move_to_end(key)
                while len(entries) > max_entries:
                    entries.popitem(last=False)
            return value

        def clear() -> None:
            with lock:
                entries.clear()

        def peek(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            with lock:
                hit = entries.get(key)
            return hit[1] if hit is not None and time.monotonic() - hit[0] <= ttl else None

        cached.clear = clear
        cached.peek = peek
        _SHARED.append(clear)
        return cached

    return decorate


@shared_cache(max_entries=128, ttl=3600)  # an Evidence is frozen; nobody writes its maps
def _evidence(key: view_state.ViewState):
    return lesson_view.step_evidence(key)


def lesson_evidence(view: view_state.ViewState):
    """:func:`poolviz.view.lesson_view.step_evidence` of ``view``, computed once per step,
    pattern, settings, shift and pipelines (it was a fifth of a shift's rerun on the
    lesson path); ``None`` off the path."""
    return _evidence(compute_key(view))


def pipelines_for(view: view_state.ViewState) -> dict:
    """Title -> layers of the view's two pipelines."""
    return pipelines.selected(view.layer_settings(), view.pipelines)


def compute_key(view: view_state.ViewState) -> view_state.ViewState:
    """The fields the maps depend on (the tab, sweep axis and display, presentation mode
    included, do not)."""
    return dataclasses.replace(
        view, tab="explore", sweep="dx", show_values=True, seed=0, threshold=0.5, present=False
    )


# Results are small (numpy maps); figures are rebuilt per run from dicts (a few ms), which
# is cheaper than unpickling a cached plotly figure.
# repr: a ViewState is a frozen dataclass of tuples, numbers and strings, so its repr is
# an exact key that costs ~20 µs, where Streamlit's hasher walks every float of the pattern.
@st.cache_data(
    max_entries=128, ttl=3600, show_spinner=False, hash_funcs={view_state.ViewState: repr}
)
def explore_results(key: view_state.ViewState) -> downloads.ViewResult:
    """The comparison and its sentences (what the downloads carry too)."""
    return downloads.view_result(key)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def sweep_results(key: view_state.ViewState, axis: str):
    x = np.array(key.pattern)
    radius = GRID_SWEEP_RADIUS if axis == "grid" else None
    shifts = invariance.sweep_shifts(axis, x.shape[0], x.shape[1], radius)
    sweeps, summaries, problems = {}, {}, {}
    for name, pipeline in pipelines_for(key).items():
        try:
            sweeps[name] = invariance.sweep(x, pipeline, shifts, key.mode)
            summaries[name] = {
                n: invariance.one_pixel_summary(x, pipeline, key.mode, neighbours=n) for n in (4, 8)
            }
        except PoolvizError as error:
            problems[name] = str(error)
    return sweeps, summaries, problems


@st.cache_data(max_entries=1, show_spinner=False)
def book_data():
    return comparison.book_example()


def book_results():
    """The book example, its figure, its panels (for the table of values) and sentences."""
    book = book_data()
    args = (
        book.inputs, book.pooled, book.next_maps, book.pool_label, book.next_label,
        book.plain_next, book.plain_label,
    )
    fig = tab_figures.book_figure(*args)
    return book, fig, tab_figures.book_panels(*args), narrative.explain_book(book)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def distinct_counts(key: view_state.ViewState, radius: int):
    x = np.array(key.pattern)
    out = {}
    for label, shifts in (
        ("these", invariance.neighbour_shifts(4)),
        ("all", exp.radius_shifts(radius)),
    ):
        counts = {}
        for name, pipeline in pipelines_for(key).items():
            try:
                counts[name] = exp.distinct_map_counts(x, pipeline, shifts, key.mode)
            except PoolvizError:
                continue
        out[label] = (counts, len(shifts))
    return out


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def classic_sentence(height: int, width: int, size: int, stride: int, mode: str) -> str:
    common = dict(
        height=height, width=width, pool_size=size, pool_stride=stride, neighbours=8, mode=mode
    )
    whole = classic.unchanged_fraction_estimate(n_patterns=2000, density=0.5, **common)
    cell = classic.unchanged_fraction_estimate(n_patterns=2000, density=0.5, per="cell", **common)
    dot = classic.single_dot_unchanged_fraction(**common)
    label = f"max-pool {size}×{size} /{stride}"
    return narrative.describe_classic(
        whole.mean, cell.mean, dot, 8, height, width, 0.5, label, mode
    )


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def linked_cells(key: view_state.ViewState, name: str, selected: tuple[int, int, int] | None):
    pipeline = pipelines_for(key)[name]
    x = np.array(key.pattern)
    stages = run_pipeline(pipeline, x)
    labels = [s.label for s in stages]
    maps = [s.maps for s in stages]
    masks: list = [None] * len(stages)
    arithmetic = None
    if selected is not None:
        stage, row, col = selected
        if stage == 0:
            masks = receptive.downstream_masks(pipeline, x, row, col)
        else:
            masks = receptive.upstream_masks(pipeline, x, stage, row, col) + [None] * (
                len(stages) - stage - 1
            )
            arithmetic = receptive.cell_arithmetic(pipeline, x, stage, row, col)
    return labels, maps, masks, arithmetic


# A figure with frames is costly to build and to unpickle (plotly validates it again), so
# it is kept as an object shared by sessions (never mutated) rather than copied per hit.
@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def window_animation(
    key: view_state.ViewState, name: str, stage: int, start: int, speed: str, show_values: bool
):
    frames = stepthrough.window_frames(
        pipelines_for(key)[name], np.array(key.pattern), stage, start
    )
    fig = tab_figures.window_figure(
        frames.layer_input,
        frames.output,
        frames.windows,
        frames.terms,
        frames.captions,
        start=0,
        first=frames.first,
        frame_ms=WINDOW_SPEEDS[speed],
        show_values=show_values,
        terms_title=frames.terms_title,
    )
    return frames, fig
