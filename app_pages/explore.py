"""Explore: the input, its shift, and both pipelines' maps side by side, with downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.core.text import markdown_escape
from poolviz.lessons.pipelines import PIPELINES
from poolviz.render.torch_code import torch_snippet
from poolviz.view import choices, downloads
from poolviz.view import state as view_state
from ui.cached import compute_key, explore_results, pipelines_for
from ui.callbacks import on_painted, on_pipeline_change, on_shift
from ui.explorer import draw_explorer, page_explorer
from ui.panels import guarded, lazy_expander
from ui.session import ss

KEY = "explore"
TITLE = choices.TABS[KEY]
KEEP = ("pipe_left", "pipe_right")  # widget keys this tab owns, kept while another tab is open
EXPLORER_KEY = "explorer"  # the component's key: its state is st.session_state["explorer"]
COSTS_KEY = "open_costs"  # the cost tables' expander (ui/panels.lazy_expander)
COSTS_LABEL = "Size, multiply-adds and receptive field of every stage"
DOWNLOADS_KEY = "open_downloads"
TORCH_KEY = "open_torch_code"


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
    explorer = page_explorer(view)
    # Every element costs the server ~0.4 ms on every rerun (a shift's rerun is ~50 of
    # them), so the two pickers share one horizontal row instead of two columns.
    with st.container(key="pickers", horizontal=True):
        for slot in range(2):
            pipeline_choice(slot)
    # One component draws the shift controls, the input (painted in place), its shift, both
    # pipelines' maps and the sentences, and redraws them in the browser for every shift;
    # Python hears of a shift on release, and of painted cells in batches.
    draw_explorer(
        explorer,
        key=EXPLORER_KEY,
        ack=ss.explorer_ack,
        shift=(view.dx, view.dy, view.mode),
        rev=ss.shift_rev,
        present=view.present,
        on_edits=on_painted,
        on_shift=on_shift,
    )
    with lazy_expander(COSTS_LABEL, COSTS_KEY) as box:
        if box.open:
            for name, costs in explore_results(compute_key(view)).costs.items():
                st.markdown(f"**{markdown_escape(name)}**")
                costs_table(costs)


# What each export button says; the formats themselves are poolviz.view.downloads.EXPORTS.
EXPORT_LABELS = {
    "png": "Slide PNG (1920×1080)",
    "svg": "Slide SVG",
    "html": "Interactive HTML (offline)",
    "json": "JSON (every map)",
    "csv": "CSV (every cell)",
}


def figure_title(key, result) -> str:
    """``max-pool: max-pool 2×2 /2 (shifted)`` for a downloads.figures key."""
    if key.pipeline not in result.runs:
        return f"input ({key.which})"
    return f"{key.pipeline}: {result.runs[key.pipeline].labels[key.stage]} ({key.which})"


def draw_exports(view: view_state.ViewState) -> None:
    """The downloads and the PyTorch code, each in an expander drawn only while open."""
    with lazy_expander(
        "Download this view: slide (PNG, SVG), offline page, JSON, CSV, one map", DOWNLOADS_KEY
    ) as box:
        if box.open:
            draw_downloads(view, explore_results(compute_key(view)))
    with lazy_expander("PyTorch code for this view", TORCH_KEY) as box:
        if box.open:
            draw_torch_code(view)


def draw_downloads(view: view_state.ViewState, result) -> None:
    """One button per format of :data:`poolviz.view.downloads.EXPORTS`, then one map's."""
    # One definition of each file (poolviz.view.downloads), shared with `python -m poolviz export`.
    st.caption(
        "A slide with this view's maps, sentences and settings; an offline page that scrubs "
        "every shift with no server (for slides or a course platform); the numbers."
    )
    with st.container(horizontal=True, key="exports"):
        for fmt, (name, mime) in downloads.EXPORTS.items():
            st.download_button(
                EXPORT_LABELS[fmt],
                lambda fmt=fmt: downloads.download(view, fmt, result),
                file_name=name,
                mime=mime,
                on_click="ignore",
                key=f"dl_{fmt}",
            )
    draw_one_map(view, result)


def draw_one_map(view: view_state.ViewState, result) -> None:
    """A picker of every map on the page and its buttons."""
    keys = downloads.figures(view, result)
    titles = [figure_title(k, result) for k in keys]
    index = st.selectbox(
        "One map", range(len(keys)), key="dl_figure_choice", format_func=titles.__getitem__
    )
    key = keys[index if index is not None and 0 <= index < len(keys) else 0]
    with st.container(horizontal=True):
        for fmt, (_, mime) in downloads.FIGURE_FORMATS.items():
            st.download_button(
                f"This map as {fmt.upper()}",
                lambda fmt=fmt, key=key: downloads.figure_download(view, key, fmt, result),
                file_name=downloads.figure_name(key, fmt),
                mime=mime,
                on_click="ignore",
                key=f"dl_figure_{fmt}",
            )


def draw_torch_code(view: view_state.ViewState) -> None:
    """The PyTorch snippet that prints this view's maps."""
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
