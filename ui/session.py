"""Session state and the URL: the view is read from the link once, then written back on changes."""

from __future__ import annotations

import ctypes
import gc
import threading
import time

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from poolviz.core.checks import PoolvizError
from poolviz.view import choices
from poolviz.view import state as view_state

ss = st.session_state
TAB_KEYS = {title: key for key, title in choices.TABS.items()}

SIMPLE_FIELDS = (
    "step",
    "present",
    "dx",
    "dy",
    "mode",
    "conv_stride",
    "conv_padding",
    "relu",
    "pool",
    "pool_size",
    "pool_stride",
    "blur_taps",
    "next_stride",
    "next_padding",
    "show_values",
    "sweep",
    "seed",
    "threshold",
    "ex_samples",
    "ex_motif",
    "ex_distractors",
    "ex_grid",
    "ex_steps",
    "ex_rate",
    "ex_seed",
)
EXPERIMENT_FIELDS = SIMPLE_FIELDS[-7:]


def apply_view(state: view_state.ViewState) -> None:
    """Put a whole view into session state, where the widgets read it (a link, a lesson step)."""
    for field in SIMPLE_FIELDS:
        ss[field] = getattr(state, field)
    ss.pipe_left, ss.pipe_right = state.pipelines
    ss["_pipes_before"] = {"pipe_left": ss.pipe_left, "pipe_right": ss.pipe_right}
    ss.pattern = state.pattern
    ss.kernel = state.kernel
    ss.rows, ss.cols = state.height, state.width
    ss.k_rows, ss.k_cols = len(state.kernel), len(state.kernel[0])
    ss.initial_tab = choices.TABS[state.tab]
    if "tab_label" in ss:  # the tab widget already exists: open the view's tab
        ss.tab_label = choices.TABS[state.tab]
    # The Explore component keeps the user's shift over reruns; a new rev tells it that
    # the server moved the shift (a link, Back, a lesson step) and it must take this one.
    ss.shift_rev = ss.get("shift_rev", 0) + 1


def show_rejections(rejections) -> None:
    """The link's refused parameters, for the header's warning (a new link, or Back)."""
    ss.rejections = [r.message() for r in rejections]
    ss.rejected_keys = [r.shown_key for r in rejections]


def init_session(state: view_state.ViewState, rejections=()) -> None:
    """Everything a session holds besides its widgets: the view, the link's warnings."""
    apply_view(state)
    show_rejections(rejections)
    ss.versions = {"input": 0, "kernel": 0, "upload": 0, "receptive": 0}
    ss.upload_bytes = None
    ss.messages = {}
    ss.explorer_ack = 0  # the last painted edit applied (explorer_events.apply_edits)
    ss.view_ready = True


def _address() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _history_navigation() -> bool:
    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "is_history_navigation", False))


# The server runs with runner.postScriptGC = false (.streamlit/config.toml: a full
# collection after every run took a third of its CPU under load), so the reference cycles
# of sessions Streamlit has dropped wait for Python's generational collector, which an
# idle server never triggers: their memory stayed. A new session is a rare event (once
# per student), so it pays for one full collection, at most once per GC_EVERY_S.
GC_EVERY_S = 10.0  # a class arriving within a minute pays a few collections, not 100
_last_gc = [float("-inf")]
_gc_lock = threading.Lock()


def collect_ended_sessions(now: float | None = None) -> bool:
    """Run ``gc.collect()`` unless one ran less than :data:`GC_EVERY_S` ago; True if it ran.

    >>> saved = _last_gc[0]
    >>> collect_ended_sessions(now=1e9), collect_ended_sessions(now=1e9 + 1)
    (True, False)
    >>> _last_gc[0] = saved
    """
    now = time.monotonic() if now is None else now
    with _gc_lock:
        if now - _last_gc[0] < GC_EVERY_S:
            return False
        _last_gc[0] = now
    gc.collect()
    release_free_memory()
    return True


def _libc(name: str):
    try:  # glibc; another libc (musl, macOS) has no such function: nothing to call
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


_TRIM = _libc("malloc_trim")  # hands the free pages of every malloc arena back to the OS
M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value, kept fixed


def fix_mmap_threshold() -> bool:
    """Keep glibc's mmap threshold at 128 KiB; True if there was a way to.

    glibc serves a block above the threshold with its own mmap, returned to the OS when
    freed, but raises the threshold to the size of every such block freed (up to 32 MB).
    A rerun makes several copies of a payload of 0.2-0.9 MB (its JSON, the message, its
    bytes), so after a few reruns they all came from the heap, and a class's worth of
    them left the heap fragmented. Measured with ``benchmarks/load.py``'s 100 realistic
    sessions, then the next two (RSS of the server process, after gc and malloc_trim):
    +27 % above the start with the moving threshold, +13 % with it fixed.

    >>> fix_mmap_threshold() in (True, False)
    True
    """
    mallopt = _libc("mallopt")
    return bool(mallopt is not None and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1)


fix_mmap_threshold()  # once per process, on the first run's import: before most payloads


def release_free_memory() -> bool:
    """Return the allocator's free memory to the OS; True if there was a way to.

    Each script run is a new thread, and glibc gives threads their own malloc arenas; what
    ended sessions freed can stay mapped in them, so the collection above is followed by
    ``malloc_trim(0)``. (Measured with ``benchmarks/load.py --realistic``: alone it left
    RSS 27 % above the start; with :func:`fix_mmap_threshold`, 13 %.)

    >>> release_free_memory() in (True, False)
    True
    """
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def start_session() -> None:
    """Read the URL into session state: once per session, and again after Back or Forward.

    The page writes the address itself (:func:`sync_url`) and remembers what it wrote; an
    address that differs from it on a later run came from the browser's history (Back
    reruns the page with the older address), so the view is read from it again and the
    view and the address never disagree.
    """
    params = _address()
    if "view_ready" in ss:
        # Only a run the browser marks as history navigation: an ordinary rerun may carry
        # an address a few ms older than the one just written, and must not undo it.
        if _history_navigation() and params != ss.get("url_written", params):
            decoded = view_state.decode(params)
            apply_view(decoded.state)
            bump("input")
            bump("kernel")
            show_rejections(decoded.rejections)
            ss.url_written = params
        return
    collect_ended_sessions()
    decoded = view_state.decode(params)
    if not params:
        # Streamlit hands the page no parameters at all when a link has more than 1,000;
        # rewrite the address so that it says what the page shows: the default view.
        st.query_params.clear()
    init_session(decoded.state, decoded.rejections)
    ss.url_written = {} if not params else params


def keep_alive(*keys: str) -> None:
    """Widgets drawn only in some tabs would lose their value on runs that skip them."""
    for key in keys:
        if key in ss:
            ss[key] = ss[key]


def bump(name: str) -> None:
    ss.versions = {**ss.versions, name: ss.versions[name] + 1}


def set_pattern(grid: np.ndarray) -> None:
    ss.pattern = tuple(tuple(float(v) for v in row) for row in np.asarray(grid))
    ss.rows, ss.cols = len(ss.pattern), len(ss.pattern[0])
    set_shift(
        int(np.clip(ss.dx, -ss.cols, ss.cols)), int(np.clip(ss.dy, -ss.rows, ss.rows)), ss.mode
    )
    bump("input")


def set_shift(dx: int, dy: int, mode: str, *, from_browser: bool = False) -> None:
    """The view's shift. Unless the browser sent it, a change is pushed to the component."""
    if (dx, dy, mode) != (ss.dx, ss.dy, ss.mode) and not from_browser:
        ss.shift_rev = ss.get("shift_rev", 0) + 1
    ss.dx, ss.dy, ss.mode = dx, dy, mode


def set_kernel(kernel: np.ndarray) -> None:
    ss.kernel = tuple(tuple(float(v) for v in row) for row in np.asarray(kernel))
    ss.k_rows, ss.k_cols = len(ss.kernel), len(ss.kernel[0])
    bump("kernel")


def note(slot: str, text: str | None) -> None:
    ss.messages = {**ss.get("messages", {}), slot: text}


def current_view() -> view_state.ViewState:
    tab = TAB_KEYS.get(ss.get("tab_label") or ss.initial_tab, "explore")
    fields = {field: ss[field] for field in SIMPLE_FIELDS}
    # Browser sliders and number inputs can hand back 0.35000000000000003 for 0.35; a
    # link carries exact decimals, so round to the places the URL allows.
    fields["threshold"] = round(float(fields["threshold"]), view_state.THRESHOLD_DECIMALS)
    fields["ex_rate"] = round(float(fields["ex_rate"]), view_state.RATE_DECIMALS)
    pipelines = (ss.pipe_left, ss.pipe_right)
    return view_state.ViewState(
        tab=tab, pattern=ss.pattern, kernel=ss.kernel, pipelines=pipelines, **fields
    )


def sync_url(view: view_state.ViewState) -> None:
    """Write the address when the view changed, in ONE message: each message the browser
    gets is one history entry, so a change (a released slider, a painted stroke) makes
    one entry, and a run that changed nothing makes none."""
    try:
        wanted = view_state.encode(view)
    except PoolvizError as error:  # a state no link can carry: keep the last good address
        st.warning(f"The address could not be updated for this view: {error}")
        return
    written = {key: [value] for key, value in wanted.items()}
    if _address() != written:
        st.query_params.from_dict(wanted)
    ss.url_written = written

