"""The book's example: Géron's A, B and C through max-pool and the 2×2 all-ones stride-2 filter."""

from __future__ import annotations

import streamlit as st

from poolviz.render import figures, marks
from poolviz.view import choices
from poolviz.view import state as view_state
from ui import alt_text
from ui.cached import book_results
from ui.panels import bullets, guarded

KEY = "book"
TITLE = choices.TABS[KEY]


def draw_book() -> None:
    book, fig, panels, lines = book_results()
    st.markdown(
        "Géron's *Hands-On Machine Learning* shows three 8×8 inputs: **A**, **B** = A shifted "
        "one pixel right, **C** = A shifted two. Max-pooling 2×2 with stride 2 gives the same "
        "map for A and B; C's is shifted one cell. Then the 2×2 all-ones filter with stride 2 "
        "is applied to each pooled map. Everything below is computed live by `poolviz`."
    )
    name = "inputs A, B and C (rows), each through max-pool and the next layer (columns)"
    alt_text.chart_name(name)
    st.plotly_chart(fig, key="book_fig", theme=None, config=figures.CONFIG)
    alt_text.legend_line("B's and C's maps are compared with A's. " + marks.legend([marks.CHANGED]))
    alt_text.values_tables(name, alt_text.panel_tables(p for row in panels for p in row))
    st.markdown(bullets(lines))


def render(view: view_state.ViewState) -> None:
    guarded("The book's example", draw_book)
