"""The share link: this exact view's address, with a Copy button (``st.components.v2``).

The component (``poolviz/render/assets/share.js``) shows the URL in a read-only field; the
URL reaches it as data, never as HTML. It replaced an ``st.code`` block because Streamlit
loads a 1.5 MB syntax highlighter for the first ``st.code`` on a page, and every page had
this one, so every first paint waited for it.
"""

from __future__ import annotations

import streamlit as st

from poolviz.render import asset_text
from poolviz.view import state as view_state

__all__ = ["COMPONENT_NAME", "share_url", "draw_share"]

COMPONENT_NAME = "poolviz_share"
DEFAULT_BASE = "http://localhost:8501"


def share_url(base: str | None, view: view_state.ViewState) -> str:
    """The link that reopens ``view`` on the server at ``base`` (the page's own address).

    >>> share_url("http://10.0.0.5:8501/?dx=1", view_state.ViewState(dx=2))
    'http://10.0.0.5:8501/?dx=2'
    >>> share_url(None, view_state.DEFAULT)
    'http://localhost:8501/'
    """
    root = (base or "").split("?")[0].rstrip("/") or DEFAULT_BASE
    qs = view_state.query_string(view)
    return root + "/" + ("?" + qs if qs else "")


@st.cache_resource(show_spinner=False)
def _component():
    # Registered once per process: registering again under the same name logs a warning.
    return st.components.v2.component(
        COMPONENT_NAME,
        html="<noscript>Copy this page's address to share the view.</noscript>",
        css=asset_text("share.css"),
        js=asset_text("share.js"),
    )


def draw_share(view: view_state.ViewState) -> None:
    """The share field for ``view`` (the address the page writes for it)."""
    with st.container(key="share"):
        _component()(key="share_link", data={"url": share_url(st.context.url, view)})
