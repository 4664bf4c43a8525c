"""The Explore maps as one bidirectional component (``st.components.v2``): Streamlit glue.

The payload comes from :func:`poolviz.render.explorer.fit_explorer_data` (cached here by
pattern and settings); the component's JS and CSS are the files in ``render/assets``.
What the browser sends back is validated by :mod:`poolviz.view.explorer_events` before
anything uses it.

Call sequence on a page::

    view = explorer_view(pattern_tuple, settings)            # cached: one build per input
    event = draw_explorer(view, key="explorer", ack=ss.explorer_ack,
                          shift=(dx, dy, mode), rev=ss.shift_rev,
                          on_edits=apply_painted, on_shift=store_shift)

``on_edits(event)`` and ``on_shift(event)`` run as widget callbacks, before the script body
of the run the browser caused, with a checked :class:`ExplorerEvent`; so the pattern and the
``ack`` a run draws already include the edits it was sent.

A paint's run draws a first payload, the 3×3 shifts around the current one, while the helper
builds the whole one (:func:`page_explorer`); the component, once it has drawn it, sends its
``more`` trigger, and that run draws the whole payload. ``start_run()`` comes first in the
fragment, so that a first payload serves only the run that built it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from poolviz.core.ops import SHIFT_MODES
from poolviz.lessons.pipelines import DEFAULT_PAIR
from poolviz.render import asset_text
from poolviz.render import explorer as render_explorer
from poolviz.view import downloads
from poolviz.view.explorer_events import ExplorerEvent, validate_event
from ui import offload
from ui.cached import shared_cache
from ui.session import set_shift

__all__ = [
    "ExplorerView", "explorer_view", "page_explorer", "start_run", "clamp_shift",
    "fit_shift", "draw_explorer", "COMPONENT_NAME", "PAINTED",
]

COMPONENT_NAME = "poolviz_explorer"
_HTML = "<noscript>The maps need JavaScript.</noscript>"


@dataclass(frozen=True)
class ExplorerView:
    """One view's payload (compact JSON text) and the sizes the browser's events are
    checked against.

    ``reach`` is the range the shift controls show (``±reach``); it is ``radius`` except
    in a paint's first payload, which covers only the shifts near the current one while the
    whole payload is built (see :func:`page_explorer`).
    """

    payload: str
    height: int
    width: int
    radius: int
    modes: tuple[str, ...]
    nbytes: int
    reach: int


def _view(built: tuple, reach: int | None = None) -> ExplorerView:
    """An ExplorerView of what ``downloads.explorer_payload_text`` returned; with a
    ``reach``, a first payload (incomplete)."""
    text, height, width, radius, shipped = built
    return ExplorerView(
        text, height, width, radius, shipped, len(text.encode("utf-8")),
        reach=radius if reach is None else max(reach, radius),
    )


# Builds started for a paint's first payload (page_explorer), by explorer_view's arguments,
# until explorer_view takes them. Bounded: a session that left before its next run leaves
# one behind.
_JOBS: OrderedDict[tuple, offload.Job] = OrderedDict()
_JOBS_LOCK = threading.Lock()
MAX_JOBS = 8


def _start_job(args: tuple) -> None:
    """Start ``explorer_view(*args)``'s build in the helper, unless one runs or the helper
    is not ready (then explorer_view builds it when asked)."""
    with _JOBS_LOCK:
        if args in _JOBS:
            return
    job = offload.helper.submit(downloads.explorer_payload_text, *args)
    if job.started:
        with _JOBS_LOCK:
            _JOBS[args] = job
            while len(_JOBS) > MAX_JOBS:
                _JOBS.popitem(last=False)


def _take_job(args: tuple) -> offload.Job | None:
    with _JOBS_LOCK:
        return _JOBS.pop(args, None)


# Shared by sessions (an ExplorerView is immutable), for links that many open at once; a
# session's own recent payloads are held in its state (page_explorer). 8, not 32: after a
# class had left, the 32 entries of up to 0.9 MB were most of the memory that stayed.
@shared_cache(max_entries=8, ttl=3600)
def explorer_view(
    pattern: tuple[tuple[float, ...], ...],
    settings,
    names: tuple[str, ...] = DEFAULT_PAIR,
    modes: tuple[str, ...] = SHIFT_MODES,
    wanted: int = render_explorer.MAX_RADIUS,
    show_values: bool = True,
) -> ExplorerView:
    """Every shift within the largest radius that keeps the view under 1 MB, with the
    sentences; cached by pattern, settings (a hashable LayerSettings or kernel), the two
    pipelines' names (poolviz.lessons.pipelines) and the modes. Built in the server's
    helper process (:mod:`ui.offload`): the build is most of a paint's server time. A
    build that a paint's first run started there (:func:`page_explorer`) is the one
    waited for."""
    args = (pattern, settings, names, modes, wanted, show_values)
    job = _take_job(args) or offload.helper.submit(downloads.explorer_payload_text, *args)
    return _view(job.result())


# A paint's first payload: the 3×3 shifts around the current one, in each mode (the whole
# payload of a 16×16 pattern: 17×17), so that a one-step scrub needs nothing more.
FIRST_RADIUS = 1
SESSION_VIEWS = 3  # payloads a session keeps for itself (see page_explorer)
_HELD = "_explorer_views"  # session-state key: (key, ExplorerView) pairs, newest last
PAINTED = "_explorer_painted"  # session-state key: this run follows a paint (ui.callbacks)
_FIRST = "_explorer_first"  # session-state key: (key, first payload) drawn by this run


def page_explorer(view) -> ExplorerView:
    """The payload of a page view (:class:`poolviz.view.state.ViewState`): both edge modes,
    the largest radius that fits, the view's two pipelines and settings.

    Each session also holds its last :data:`SESSION_VIEWS` payloads itself: in a class every
    student paints their own pattern, so 100 students' views overflow the process-wide cache
    (8 entries, kept for links many open at once) and every released shift rebuilt its
    payload (measured: 90 ms of server CPU per action instead of 30). What a session holds
    goes when the session ends.

    After a paint the maps must follow within one round trip, and the whole payload (17×17
    shifts in 2 modes on a 16×16 pattern) was most of that trip: its build, its 0.7 MB on
    the wire and in the browser. So a paint's run starts that build in the helper process
    and draws a first payload of only the shifts within :data:`FIRST_RADIUS` of the current
    one, built here (about a thirtieth of the work). Once the browser has drawn it, it asks
    for the rest (the component's ``more`` trigger), and that run draws the whole payload.
    The first one's numbers come from the same core; the controls keep their range and
    stop at its edge until the rest arrives. While the helper is not ready, that run builds
    the whole payload here. Not while another session's script runs, nor for a pattern of
    a size this session has not drawn (the controls' range is the last drawn payload's
    radius).
    """
    painted = st.session_state.pop(PAINTED, False)
    args = (
        view.pattern, view.layer_settings(), tuple(view.pipelines), SHIFT_MODES,
        render_explorer.MAX_RADIUS, view.show_values,
    )
    held = dict(st.session_state.get(_HELD, ()))  # insertion order: oldest first
    out = held.pop(args, None)
    if out is None:
        first = st.session_state.get(_FIRST)
        if first is not None and first[0] == args:  # asked again in the same run
            return first[1]
        if painted and (first := _first_payload(view, args, held)) is not None:
            return first
        out = explorer_view(*args)
    st.session_state[_HELD] = [*list(held.items())[-(SESSION_VIEWS - 1):], (args, out)]
    return out


def _first_payload(view, args: tuple, held: dict) -> ExplorerView | None:
    """A paint's first payload (see :func:`page_explorer`), or None when the whole one is
    to be drawn at once."""
    # A busy server draws the whole payload at once: the second run would cost the other
    # sessions more than it saves this one (measured, benchmarks/load.py, 20 sessions
    # acting every 0.05-0.3 s: p95 0.83 s -> 1.61 s, 24.7 -> 20.0 actions a second).
    if not offload.no_other_script_runs() or explorer_view.peek(*args):
        return None
    shape = (len(view.pattern), len(view.pattern[0]))
    reach = next(
        (v.radius for v in reversed(held.values()) if (v.height, v.width) == shape), None
    )
    if reach is None or reach <= FIRST_RADIUS:
        return None
    # The window around the shift, moved in from the range's edge: no unreachable shifts.
    center = clamp_shift(view.dx, view.dy, reach - FIRST_RADIUS)
    # The whole one in the helper, the first one here: behind other sessions' builds in
    # the helper's queue, the first one waited for them (measured, load.py --realistic:
    # p95 0.61 s with it here, 1.99 s there).
    _start_job(args)
    out = _view(
        downloads.explorer_payload_text(*args[:4], FIRST_RADIUS, args[5], center), reach=reach
    )
    st.session_state[_FIRST] = (args, out)
    return out


def start_run() -> None:
    """Call first in the fragment: a first payload was the last run's only, even if that
    run was cut short (this run draws the whole payload, built in the helper meanwhile)."""
    st.session_state.pop(_FIRST, None)


def clamp_shift(dx: int, dy: int, radius: int) -> tuple[int, int]:
    """The shift the component can show: each axis within ``±radius``.

    >>> clamp_shift(7, -2, 5), clamp_shift(1, 0, 8)
    ((5, -2), (1, 0))
    """
    return max(-radius, min(radius, dx)), max(-radius, min(radius, dy))


def fit_shift(view) -> None:
    """Keep the session's shift within what the component precomputed.

    A link may carry any shift the pattern allows (``±width``), but a view ships at most
    :data:`~poolviz.render.explorer.MAX_PAYLOAD_BYTES`, which on a large pattern means a
    smaller radius; the shift is clamped to it (with a note), so that the maps, the
    sentences, the downloads and the address all show the same shift.
    """
    radius = page_explorer(view).reach
    dx, dy = clamp_shift(view.dx, view.dy, radius)
    if (dx, dy) == (view.dx, view.dy):
        return
    set_shift(dx, dy, view.mode)
    st.info(
        f"A shift of ({view.dx:+d}, {view.dy:+d}) is beyond the ±{radius} pixels this view "
        f"precomputes (more would ship over {render_explorer.MAX_VIEW_BYTES // 1_000_000} "
        "MB to the browser), so the page shows "
        f"({dx:+d}, {dy:+d}).",
    )


@st.cache_resource(show_spinner=False)
def _component():
    # Registered once per process: registering again under the same name logs a warning.
    return st.components.v2.component(
        COMPONENT_NAME,
        html=_HTML,
        css=asset_text("explorer.css"),
        js=asset_text("explorer.js"),
    )


def _raw(key: str):
    value = st.session_state.get(key)
    if value is None:
        return {}
    try:  # a ComponentResult-like mapping; anything else counts as nothing sent
        return {"shift": value.get("shift"), "edits": value.get("edits")}
    except AttributeError:
        return {}


def draw_explorer(
    view: ExplorerView,
    key: str,
    *,
    ack: int = 0,
    shift: tuple[int, int, str] = (0, 0, "zero"),
    rev: int = 0,
    editable: bool = True,
    present: bool = False,
    on_edits: Callable[[ExplorerEvent], None] | None = None,
    on_shift: Callable[[ExplorerEvent], None] | None = None,
) -> ExplorerEvent:
    """Mount the component and return this run's checked event.

    Parameters
    ----------
    view : ExplorerView
        From :func:`explorer_view`.
    key : str
        The component's key (its state lives in ``st.session_state[key]``).
    ack : int
        The last edit sequence number the page applied: the component drops its local
        copies of edits up to it.
    shift : (dx, dy, mode)
        The shift the server wants shown; the component takes it only when ``rev``
        changes (a link, Back, a reset), so a rerun racing a drag never moves it back.
    editable : bool
        Whether the input grid takes painting.
    present : bool
        Presentation mode: larger cells and numbers.
    on_edits, on_shift : callable, optional
        Called with the checked event when the browser sent a valid edit batch / shift,
        as widget callbacks (before the script body). Malformed messages call nothing.
    """
    dims = (view.height, view.width, view.reach)  # what the controls can send

    def dispatch(handler, wanted: str) -> None:
        event = validate_event(_raw(key), *dims)
        if handler is None or event is None:
            return
        if (wanted == "edits" and event.seq is not None) or (wanted == "shift" and event.has_shift):
            handler(event)

    dx, dy, mode = shift
    dx, dy = clamp_shift(int(dx), int(dy), view.reach)
    data = {
        "payload": view.payload,
        "editable": bool(editable),
        "present": bool(present),
        "ack": int(ack),
        "reach": int(view.reach),  # the controls' range; the payload's radius may be less
        "shift": {
            "dx": dx,
            "dy": dy,
            "mode": mode if mode in SHIFT_MODES else SHIFT_MODES[0],
            "rev": int(rev),
        },
    }
    result = _component()(
        key=key,
        data=data,
        on_shift_change=lambda: dispatch(on_shift, "shift"),
        on_edits_change=lambda: dispatch(on_edits, "edits"),
        # Sent once a first payload is drawn (page_explorer): a rerun is all it asks for,
        # so its value is never read.
        on_more_change=lambda: None,
    )
    raw = {"shift": result.get("shift"), "edits": result.get("edits")}
    return validate_event(raw, *dims) or ExplorerEvent()
