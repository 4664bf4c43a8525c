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
"""

from __future__ import annotations

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
    "ExplorerView", "explorer_view", "page_explorer", "clamp_shift", "fit_shift", "draw_explorer",
    "COMPONENT_NAME",
]

COMPONENT_NAME = "poolviz_explorer"
_HTML = "<noscript>The maps need JavaScript.</noscript>"


@dataclass(frozen=True)
class ExplorerView:
    """One view's payload (compact JSON text) and the sizes the browser's events are
    checked against."""

    payload: str
    height: int
    width: int
    radius: int
    modes: tuple[str, ...]
    nbytes: int


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
    helper process (:mod:`ui.offload`): the build is most of a paint's server time."""
    text, height, width, radius, shipped = offload.helper.run(
        downloads.explorer_payload_text, pattern, settings, names, modes, wanted, show_values
    )
    return ExplorerView(text, height, width, radius, shipped, len(text.encode("utf-8")))


SESSION_VIEWS = 3  # payloads a session keeps for itself (see page_explorer)
_HELD = "_explorer_views"  # session-state key: (key, ExplorerView) pairs, newest last


def page_explorer(view) -> ExplorerView:
    """The payload of a page view (:class:`poolviz.view.state.ViewState`): both edge modes,
    the largest radius that fits, the view's two pipelines and settings.

    Each session also holds its last :data:`SESSION_VIEWS` payloads itself: in a class every
    student paints their own pattern, so 100 students' views overflow the process-wide cache
    (8 entries, kept for links many open at once) and every released shift rebuilt its
    payload (measured: 90 ms of server CPU per action instead of 30). What a session holds
    goes when the session ends.
    """
    args = (
        view.pattern, view.layer_settings(), tuple(view.pipelines), SHIFT_MODES,
        render_explorer.MAX_RADIUS, view.show_values,
    )
    held = dict(st.session_state.get(_HELD, ()))  # insertion order: oldest first
    out = held.pop(args, None) or explorer_view(*args)
    st.session_state[_HELD] = [*list(held.items())[-(SESSION_VIEWS - 1):], (args, out)]
    return out


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
    radius = page_explorer(view).radius
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
    dims = (view.height, view.width, view.radius)

    def dispatch(handler, wanted: str) -> None:
        event = validate_event(_raw(key), *dims)
        if handler is None or event is None:
            return
        if (wanted == "edits" and event.seq is not None) or (wanted == "shift" and event.has_shift):
            handler(event)

    dx, dy, mode = shift
    dx, dy = clamp_shift(int(dx), int(dy), view.radius)
    data = {
        "payload": view.payload,
        "editable": bool(editable),
        "present": bool(present),
        "ack": int(ack),
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
    )
    raw = {"shift": result.get("shift"), "edits": result.get("edits")}
    return validate_event(raw, *dims) or ExplorerEvent()
