"""Sliding windows: linked receptive fields, and stepping a window through any stage."""

from __future__ import annotations

import numpy as np
import streamlit as st

from poolviz.render import figures, marks, tab_figures
from poolviz.view import choices
from poolviz.view import state as view_state
from ui import alt_text
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
    st.markdown(
        "Click any cell of any map: the cells of every earlier map that feed it get a dashed "
        "outline, and the arithmetic for that cell is shown. Click an input cell to mark "
        "every cell it influences downstream."
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
    figure_name = f"every stage of the {name} pipeline, left to right (click a cell)"
    alt_text.chart_name(figure_name)
    st.plotly_chart(
        tab_figures.receptive_figure(labels, maps, masks, selected, view.show_values),
        key=chart_key,
        on_select=lambda: on_receptive_click(chart_key),
        selection_mode="points",
        theme=None,
        config=figures.CONFIG,
    )
    alt_text.legend_line(marks.legend([marks.SELECTED, marks.FEEDS]))
    alt_text.values_tables(
        figure_name, alt_text.panel_tables(tab_figures.receptive_panels(labels, maps, masks, selected))
    )
    if selected is None:
        st.info("No cell selected yet.")
    elif arithmetic:
        st.code(
            f"{labels[selected[0]]}, row {selected[1]}, col {selected[2]}:\n{arithmetic}",
            language=None,
        )
    else:
        st.markdown(
            f"Input cell (row {selected[1]}, col {selected[2]}) and every cell it reaches."
        )

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
    window_name = f"the window over {labels[stage]}'s input, its terms and the output so far"
    alt_text.chart_name(window_name)
    st.plotly_chart(fig, key="window_fig", theme=None, config=figures.CONFIG)
    alt_text.legend_line(marks.legend([marks.WINDOW, marks.SELECTED]))
    alt_text.values_tables(window_name, window_tables(frames))
    if len(frames.windows) < total - frames.first:
        st.markdown(
            f"The animation covers {len(frames.windows)} positions from the one chosen; move "
            "the slider to see the rest."
        )


def window_tables(frames) -> dict[str, alt_text.MapTable]:
    """The step-through's input (window cells marked) and whole output (the current cell
    marked), at the position the page is on (the animation's first frame)."""
    (r0, r1), (c0, c1) = frames.windows[0]
    layer_input = np.atleast_2d(frames.layer_input)
    window = np.zeros(layer_input.shape, dtype=bool)
    window[max(r0, 0) : max(r1, 0), max(c0, 0) : max(c1, 0)] = True  # padding is not a cell
    output = np.atleast_2d(frames.output)
    current = np.zeros(output.size, dtype=bool)
    current[frames.first] = True
    return {
        f"input of {frames.label}": alt_text.MapTable(layer_input, ((marks.WINDOW, window),)),
        f"output of {frames.label}": alt_text.MapTable(
            output, ((marks.SELECTED, current.reshape(output.shape)),)
        ),
    }


def render(view: view_state.ViewState) -> None:
    guarded("The sliding windows", draw_windows, view)
