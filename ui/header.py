"""The page's header: its title, the presentation-mode button, and the link's warnings."""

from __future__ import annotations

import streamlit as st

from poolviz.core.text import markdown_escape
from ui.session import ss


def toggle_present() -> None:
    ss.present = not ss.present


def header() -> None:
    title, button = st.columns([5, 1.3], vertical_alignment="center")
    if not ss.present:  # on a projector the lesson strip is the headline; rows are scarce
        title.markdown("## Why max-pool between convolutions?")
    button.button(
        "Leave presentation" if ss.present else "Present",
        key="present_toggle",
        on_click=toggle_present,
        help="Presentation mode: no sidebar, larger cells and text; the arrow keys, PageDown "
        "and PageUp (what a presentation clicker sends) walk the lesson's steps",
        width="stretch",
    )
    if not ss.present:
        with st.container(key="subtitle"):  # page.css drops it on phones: rows are scarce
            st.caption(
                "Stride-1 convs with one global pool at the end are already shift invariant. "
                "So why pool in between?"
            )
    if ss.rejections:
        st.warning(
            "Some parameters in this link were invalid and fell back to their defaults: "
            + ", ".join(markdown_escape(k) for k in ss.rejected_keys)
        )
        with st.expander("Details"):
            st.text("\n".join(ss.rejections))
