"""Presentation mode's key listener (``st.components.v2``): Streamlit glue.

While ``?present=1``, one invisible component listens for the keys a presentation clicker
sends (arrows, PageDown, PageUp; see ``poolviz/render/assets/presenter.js``) and asks for
the next or previous lesson step; the request is checked by
:func:`poolviz.view.presenter_events.requested_step` before the step opens.
"""

from __future__ import annotations

import streamlit as st

from poolviz.lessons.lesson import STEPS
from poolviz.render import asset_text
from poolviz.view.presenter_events import requested_step
from ui.lesson import go_to_step
from ui.panels import safe_callback

__all__ = ["COMPONENT_NAME", "KEY", "draw_presenter"]

COMPONENT_NAME = "poolviz_presenter"
KEY = "presenter"


@st.cache_resource(show_spinner=False)
def _component():
    # Registered once per process (a second registration under one name logs a warning).
    return st.components.v2.component(
        COMPONENT_NAME, html="<span></span>", js=asset_text("presenter.js")
    )


@safe_callback
def _on_go() -> None:
    value = st.session_state.get(KEY)
    raw = value.get("go") if hasattr(value, "get") else None
    step = requested_step(raw, len(STEPS))
    if step is not None:
        go_to_step(step)


def draw_presenter(step: int) -> None:
    """Mount the listener for the lesson at ``step`` (0: off the path; keys then start it)."""
    _component()(
        key=KEY, data={"step": int(step), "steps": len(STEPS)}, on_go_change=_on_go,
        height=0,
    )
