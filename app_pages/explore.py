"""Explore: the input, its shift, and both pipelines' maps side by side, with downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING
from poolviz.render import figures
from poolviz.render.torch_code import torch_snippet
from poolviz.view import choices, downloads
from poolviz.view import state as view_state
from ui.cached import compute_key, explore_figures, explore_results, scrub_page
from ui.callbacks import on_cell_click
from ui.panels import bullets, guarded
from ui.session import ss

KEY = "explore"
TITLE = choices.TABS[KEY]


def draw_explore(view: view_state.ViewState) -> None:
    key = compute_key(view)
    result = explore_results(key)
    runs, sentences, aps = result.runs, result.sentences, result.aps
    figs = explore_figures(key, view.show_values)
    c1, c2, c3 = st.columns([1, 1, 1.25])
    with c1:
        chart_key = f"input_{ss.versions['input']}"
        st.plotly_chart(
            figs["input"],
            key=chart_key,
            on_select=lambda: on_cell_click(chart_key),
            selection_mode="points",
            theme=None,
            config=figures.CONFIG,
        )
    with c2:
        if figs["shifted"] is not None:
            st.plotly_chart(figs["shifted"], key="shifted_input", theme=None, config=figures.CONFIG)
    with c3:
        st.markdown(bullets(sentences))
        if aps:
            st.info(aps)
    if view.scrub:
        html, height, radius = scrub_page(key, view.show_values)
        st.caption(
            f"Instant mode: every shift within ±{radius} pixels is computed at once; drag the "
            "sliders inside the panel (the original is on top, the shifted input below)."
        )
        st.iframe(html, height=height)
        return
    left, right = st.columns(2)
    for column, name in ((left, WITH_POOLING), (right, WITHOUT_POOLING)):
        with column:
            st.subheader(name.capitalize())
            run = runs[name]
            if not run.ok:
                st.error(f"This pipeline cannot run on this input: {run.error}")
                continue
            st.caption(" → ".join(run.labels[1:]))
            st.plotly_chart(
                figs[name], key="fig_" + name.split()[0], theme=None, config=figures.CONFIG
            )


def draw_exports(view: view_state.ViewState) -> None:
    result = explore_results(compute_key(view))
    # One definition of each file (poolviz.view.downloads), shared with `python -m poolviz export`.
    for column, (fmt, (name, mime)) in zip(st.columns(3), downloads.FORMATS.items(), strict=True):
        column.download_button(
            f"Download {fmt.upper()}",
            lambda fmt=fmt: downloads.download(view, fmt, result),
            file_name=name,
            mime=mime,
            on_click="ignore",
            key=f"dl_{fmt}",
        )
    with st.expander("PyTorch code for this view"):
        st.caption(
            "Runs both pipelines with torch.nn.functional and prints the same maps; copy it "
            "with the button in the corner."
        )
        st.code(
            torch_snippet(
                np.array(view.pattern),
                view.layer_settings(),
                dx=view.dx,
                dy=view.dy,
                mode=view.mode,
            ),
            language="python",
        )


def render(view: view_state.ViewState) -> None:
    guarded("The side-by-side maps", draw_explore, view)
    guarded("The downloads", draw_exports, view)
