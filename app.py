"""poolviz: why max-pool between convolutions, when a global pool already gives invariance?

The frame of the page: its config, the session read from the link, the sidebar and the tab
loop. Each tab is a module in ``app_pages/``; the Streamlit glue is in ``ui/``; every number
comes from the ``poolviz`` library, which never imports Streamlit.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="poolviz: why pool between convolutions?", page_icon="🔲", layout="wide"
)

from app_pages import PAGES  # noqa: E402 — set_page_config must be the first Streamlit call
from poolviz.view.state import DEFAULT as DEFAULT_VIEW  # noqa: E402
from ui.explorer import fit_shift, start_run  # noqa: E402
from ui.header import header  # noqa: E402
from ui.lesson import draw_lesson  # noqa: E402
from ui.panels import guarded, page_message, page_style  # noqa: E402
from ui.presenter import draw_presenter  # noqa: E402
from ui.session import (  # noqa: E402
    current_view,
    init_session,
    keep_alive,
    ss,
    start_session,
    sync_url,
)
from ui.share import draw_share  # noqa: E402
from ui.sidebar import sidebar  # noqa: E402

KEPT = tuple(key for page in PAGES.values() for key in getattr(page, "KEEP", ()))


# A fragment: a released shift, a painted stroke or a tab switch reruns only this part,
# not the sidebar's two dozen widgets (sidebar changes still rerun the whole page).
@st.fragment
def main_area() -> None:
    start_run()
    keep_alive(*KEPT)  # widgets of closed tabs would otherwise lose their values
    guarded("The shift", fit_shift, current_view())
    guarded("The lesson", draw_lesson, current_view())
    view = current_view()
    titles = [page.TITLE for page in PAGES.values()]
    tabs = st.tabs(titles, key="tab_label", default=ss.initial_tab, on_change="rerun")
    for index, (tab, page) in enumerate(zip(tabs, PAGES.values(), strict=True)):
        # The first tab's .open is None before the browser reports one: draw it then.
        if tab.open or (index == 0 and tab.open is None):
            with tab:
                page.render(view)
    view = current_view()
    draw_share(view)
    sync_url(view)


guarded("Reading the link", start_session)
if "view_ready" not in ss:  # the link could not be read at all: show the default view
    init_session(DEFAULT_VIEW)
page_style(ss.present)
header()
page_message()
if ss.present:  # outside the fragment: a step may change what the sidebar would show
    guarded("Presentation keys", draw_presenter, ss.step)
guarded("The sidebar", sidebar)
main_area()
