"""Explore: the input, its shift, and both pipelines' maps side by side, with downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.lessons.pipelines import PIPELINES
from poolviz.render import figures
from poolviz.render.torch_code import torch_snippet
from poolviz.view import choices, downloads
from poolviz.view import state as view_state
from ui.cached import compute_key, explore_figures, explore_results, pipelines_for, scrub_page
from ui.callbacks import on_cell_click, on_pipeline_change
from ui.panels import bullets, guarded
from ui.session import ss

KEY = "explore"
TITLE = choices.TABS[KEY]


def pipeline_choice(slot: int) -> None:
    """One side's pipeline: any of the three; the other side always shows a different one."""
    key = ("pipe_left", "pipe_right")[slot]
    st.selectbox(
        ("Left", "Right")[slot] + " pipeline", list(PIPELINES), key=key,
        format_func=PIPELINES.get, on_change=on_pipeline_change, args=(key,),
        label_visibility="collapsed",  # the column says which side; the value says what
    )


def costs_table(costs) -> None:
    """Every stage's size, multiply-adds and receptive field, from the layer specs."""
    rows = [
        {
            "stage": c.label,
            "size": "×".join(map(str, c.shape)) or "1",
            "multiply-adds": c.macs,
            "receptive field": f"{c.field[0]}×{c.field[1]}",
        }
        for c in costs
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def draw_explore(view: view_state.ViewState) -> None:
    key = compute_key(view)
    result = explore_results(key)
    figs = explore_figures(key, view.show_values)
    # Inputs in a narrow column beside the two pipelines, so that at 1280×800 a feature
    # map of each pipeline is on screen without scrolling.
    inputs, *sides = st.columns([0.8, 1.6, 1.6])
    with inputs:
        chart_key = f"input_{ss.versions['input']}"
        st.plotly_chart(
            figs["input"],
            key=chart_key,
            on_select=lambda: on_cell_click(chart_key),
            selection_mode="points",
            theme=None,
            config=figures.CONFIG,
        )
        if figs["shifted"] is not None:
            st.plotly_chart(figs["shifted"], key="shifted_input", theme=None, config=figures.CONFIG)
    if view.scrub:
        html, height, radius = scrub_page(key, view.show_values)
        st.caption(
            f"Instant mode: every shift within ±{radius} pixels is computed at once; drag the "
            "sliders inside the panel (the original is on top, the shifted input below)."
        )
        st.iframe(html, height=height)
    for slot, (column, (name, run)) in enumerate(zip(sides, result.runs.items(), strict=True)):
        with column:
            pipeline_choice(slot)
            if not run.ok:
                st.error(f"This pipeline cannot run on this input: {run.error}")
                continue
            st.caption(" → ".join(run.labels[1:]))
            if not view.scrub:
                st.plotly_chart(
                    figs[name], key=("fig_left", "fig_right")[slot], theme=None,
                    config=figures.CONFIG,
                )
            with st.expander("Size, multiply-adds and receptive field of every stage"):
                costs_table(result.costs[name])
    st.markdown(bullets(result.sentences))


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
                pipelines=pipelines_for(view),
                dx=view.dx,
                dy=view.dy,
                mode=view.mode,
            ),
            language="python",
        )


def render(view: view_state.ViewState) -> None:
    guarded("The side-by-side maps", draw_explore, view)
    guarded("The downloads", draw_exports, view)
