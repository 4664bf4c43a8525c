"""Explore: the input, its shift, and both pipelines' maps side by side, with downloads."""

from __future__ import annotations

import numpy as np
import streamlit as st

from poolviz.lessons import narrative
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING
from poolviz.render import export, figures, png
from poolviz.render.torch_code import torch_snippet
from poolviz.view import choices
from poolviz.view import state as view_state
from ui.cached import compute_key, explore_figures, explore_results, scrub_page
from ui.callbacks import on_cell_click
from ui.panels import bullets, guarded
from ui.session import ss

KEY = "explore"
TITLE = choices.TABS[KEY]


def draw_explore(view: view_state.ViewState) -> None:
    key = compute_key(view)
    runs, sentences, aps = explore_results(key)
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
    runs, _, _ = explore_results(compute_key(view))
    query = view_state.encode(view)
    title = (
        f"poolviz: shifted {narrative.describe_shift(view.dx, view.dy, view.mode)}, "
        f"{choices.POOL_TITLES[view.pool]}"
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Download PNG",
        lambda: png.comparison_png(runs, title, view.show_values),
        file_name="poolviz.png",
        mime="image/png",
        on_click="ignore",
        key="dl_png",
    )
    c2.download_button(
        "Download JSON",
        lambda: export.comparison_json(runs, query),
        file_name="poolviz.json",
        mime="application/json",
        on_click="ignore",
        key="dl_json",
    )
    c3.download_button(
        "Download CSV",
        lambda: export.comparison_csv(runs),
        file_name="poolviz.csv",
        mime="text/csv",
        on_click="ignore",
        key="dl_csv",
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
