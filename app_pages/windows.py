"""Sliding windows: linked receptive fields, and stepping a window through any stage."""

from __future__ import annotations

import numpy as np
import streamlit as st

from poolviz.render import figures, tab_figures
from poolviz.view import choices
from poolviz.view import state as view_state
from ui.cached import WINDOW_SPEEDS, compute_key, linked_cells, pipelines_for, window_animation
from ui.callbacks import on_receptive_click, step_window
from ui.panels import guarded
from ui.session import ss

KEY = "windows"
TITLE = choices.TABS[KEY]
KEEP = ("win_pipeline", "win_stage", "win_pos", "win_speed", "win_selected")


def draw_windows(view: view_state.ViewState) -> None:
    key = compute_key(view)
    name = st.radio(
        "Pipeline",
        list(pipelines_for(key)),
        key="win_pipeline",
        horizontal=True,
        format_func=str.capitalize,
    )
    st.subheader("Linked receptive fields")
    st.caption(
        "Click any cell of any map: the cells of every earlier map that feed it are outlined "
        "in green, with the arithmetic for that cell. Click an input cell to outline every "
        "cell it influences downstream."
    )
    selected = ss.get("win_selected")
    labels, maps, masks, arithmetic = linked_cells(key, name, None)
    if selected is not None:
        stage, row, col = selected
        shape = np.atleast_2d(maps[stage]).shape if stage < len(maps) else None
        if shape is None or not (row < shape[0] and col < shape[1]):
            selected = ss.win_selected = None
        else:
            labels, maps, masks, arithmetic = linked_cells(key, name, selected)
    chart_key = f"receptive_{ss.versions.get('receptive', 0)}"
    st.plotly_chart(
        tab_figures.receptive_figure(labels, maps, masks, selected, view.show_values),
        key=chart_key,
        on_select=lambda: on_receptive_click(chart_key),
        selection_mode="points",
        theme=None,
        config=figures.CONFIG,
    )
    if selected is None:
        st.info("No cell selected yet.")
    elif arithmetic:
        st.code(
            f"{labels[selected[0]]}, row {selected[1]}, col {selected[2]}:\n{arithmetic}",
            language=None,
        )
    else:
        st.caption(f"Input cell (row {selected[1]}, col {selected[2]}) and every cell it reaches.")

    st.subheader("Step through the sliding window")
    stage_labels = {i: f"{i}: {labels[i]}" for i in range(1, len(labels))}
    if ss.get("win_stage") not in stage_labels:
        ss.win_stage = min(2, len(labels) - 1)
    c1, c2 = st.columns([2, 1])
    stage = c1.selectbox("Stage", list(stage_labels), key="win_stage", format_func=stage_labels.get)
    speed = c2.select_slider("Play speed", list(WINDOW_SPEEDS), key="win_speed")
    total = int(np.size(maps[stage]))
    ss.win_pos = int(np.clip(ss.get("win_pos", 0), 0, total - 1))
    b1, b2, b3 = st.columns([1, 1, 6])
    b1.button("◀ back", on_click=step_window, args=(-1, total), key="win_back", width="stretch")
    b2.button("next ▶", on_click=step_window, args=(1, total), key="win_next", width="stretch")
    if total > 1:
        b3.slider("Window position (output cell, row by row)", 0, total - 1, key="win_pos")
    frames, fig = window_animation(key, name, stage, ss.win_pos, speed, view.show_values)
    st.plotly_chart(fig, key="window_fig", theme=None, config=figures.CONFIG)
    if len(frames.windows) < total - frames.first:
        st.caption(
            f"The animation covers {len(frames.windows)} positions from the one chosen; move "
            "the slider to see the rest."
        )


def render(view: view_state.ViewState) -> None:
    guarded("The sliding windows", draw_windows, view)
