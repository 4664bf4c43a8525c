"""Invariance over all shifts: each stage's change, what the next layer sees, the classic number."""

from __future__ import annotations

import streamlit as st

from poolviz.core.checks import PoolvizError
from poolviz.core.text import markdown_escape
from poolviz.lessons import narrative
from poolviz.render import figures
from poolviz.view import choices
from poolviz.view import state as view_state
from ui.cached import (
    classic_sentence,
    compute_key,
    distinct_counts,
    pipelines_for,
    sweep_results,
)
from ui.panels import bullets, guarded

KEY = "invariance"
TITLE = choices.TABS[KEY]
KEEP = ("sweep",)  # widget keys this tab owns, kept while another tab is open


def draw_invariance(view: view_state.ViewState) -> None:
    st.radio(
        "Shift along",
        list(choices.SWEEP_TITLES),
        key="sweep",
        horizontal=True,
        format_func=choices.SWEEP_TITLES.get,
    )
    sweeps, summaries, problems = sweep_results(compute_key(view), view.sweep)
    for name, problem in problems.items():
        st.error(f"{name.capitalize()}: {problem}")
    if not sweeps:
        return
    for n in (4, 8):
        lines = narrative.describe_summary({name: rows[n] for name, rows in summaries.items()})
        label = "the 4 one-pixel shifts" if n == 4 else "all 8 neighbours (diagonals too)"
        st.markdown(
            f"**Over {label}:**\n"
            + bullets(lines)
        )
    st.plotly_chart(
        figures.sweep_figure(sweeps, view.sweep), key="sweep_fig", theme=None, config=figures.CONFIG
    )
    st.caption(
        "Relative change = ‖f(shifted input) − f(input)‖ / ‖f(input)‖ for each stage; "
        "0 means the stage's output did not change at all."
    )
    draw_distinct_and_classic(view)


def draw_distinct_and_classic(view: view_state.ViewState) -> None:
    radius = min(2, view.height, view.width)
    st.markdown("**What the next layer sees:**")
    lines = []
    for what, (counts, n) in distinct_counts(compute_key(view), radius).items():
        lines += narrative.describe_distinct(counts, n, what, pipelines_for(compute_key(view)))
    st.caption(f"'All' means every shift of at most {radius} pixels along each axis.")
    st.markdown(bullets(lines))
    st.markdown("**The classic number, computed:**")
    try:
        text = classic_sentence(
            view.height, view.width, view.pool_size, view.pool_stride, view.mode
        )
    except PoolvizError as error:
        text = f"Not available for these settings: {error}"
    st.markdown(markdown_escape(text))


def render(view: view_state.ViewState) -> None:
    guarded("The invariance sweep", draw_invariance, view)
