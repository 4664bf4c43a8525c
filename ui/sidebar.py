"""The sidebar: pattern, filter, pooling and display (the shift is on the Explore component)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.core import kernels, limits, patterns
from poolviz.render import figures
from poolviz.view.choices import BLUR_TITLES, POOL_TITLES
from ui.callbacks import (
    apply_upload,
    on_clear,
    on_grid_size,
    on_invert,
    on_kernel_edit,
    on_kernel_preset,
    on_kernel_size,
    on_preset,
    on_upload,
)
from ui.session import ss


def _row():
    """Widgets side by side: one horizontal block, not a block of columns (each block is
    an element the server sends on every run of the page)."""
    return st.container(horizontal=True, vertical_alignment="bottom", wrap=False)


def sidebar() -> None:
    with st.sidebar:
        st.header("Pattern")
        st.selectbox(
            "Load a preset",
            list(patterns.PRESETS),
            index=None,
            key="preset_choice",
            format_func=lambda name: patterns.PRESETS[name],
            placeholder="Choose a preset…",
            on_change=on_preset,
        )
        row = _row()
        ss.rows_widget, ss.cols_widget = ss.rows, ss.cols
        row.number_input(
            "Rows", limits.MIN_GRID, limits.PAGE_MAX_GRID, key="rows_widget", on_change=on_grid_size
        )
        row.number_input(
            "Columns",
            limits.MIN_GRID,
            limits.PAGE_MAX_GRID,
            key="cols_widget",
            on_change=on_grid_size,
        )
        row = _row()
        row.button("Clear", on_click=on_clear, width="content")
        row.button("Invert", on_click=on_invert, width="content")
        row.number_input("Seed", 0, 2**31 - 1, key="seed", help="for the random presets")
        st.file_uploader(
            "Upload an image",
            type=["png", "jpg", "jpeg", "gif", "webp"],
            key=f"upload_{ss.versions['upload']}",
            on_change=on_upload,
            help="Dark pixels become ink. Resized to the grid with Pillow.",
        )
        st.slider(
            "Threshold (0 keeps grayscale)",
            0.0,
            1.0,
            step=0.05,
            key="threshold",
            on_change=apply_upload,
        )
        if ss.messages.get("pattern"):
            st.error(ss.messages["pattern"])

        st.header("Filter (first conv)")
        row = _row()
        ss.k_rows_widget, ss.k_cols_widget = ss.k_rows, ss.k_cols
        row.number_input(
            "Kernel rows", 1, limits.PAGE_MAX_KERNEL, key="k_rows_widget", on_change=on_kernel_size
        )
        row.number_input(
            "Kernel columns",
            1,
            limits.PAGE_MAX_KERNEL,
            key="k_cols_widget",
            on_change=on_kernel_size,
        )
        st.selectbox(
            "Filter preset",
            kernels.KERNEL_PRESETS,
            index=None,
            key="kernel_choice",
            placeholder="Choose a filter…",
            on_change=on_kernel_preset,
        )
        editor_key = f"kernel_editor_{ss.versions['kernel']}"
        frame = pd.DataFrame(
            np.array(ss.kernel), columns=[f"w{c}" for c in range(len(ss.kernel[0]))]
        )
        st.data_editor(
            frame,
            key=editor_key,
            on_change=on_kernel_edit,
            args=(editor_key,),
            hide_index=True,
            num_rows="fixed",
            width="stretch",
            column_config={
                f"w{c}": st.column_config.NumberColumn(
                    str(c),
                    min_value=-limits.MAX_ABS_WEIGHT,
                    max_value=limits.MAX_ABS_WEIGHT,
                    step=0.0001,
                    format="%g",
                    required=True,
                )
                for c in range(len(ss.kernel[0]))
            },
        )
        if ss.messages.get("kernel"):
            st.error(ss.messages["kernel"])
        row = _row()
        row.number_input("Conv stride", 1, limits.MAX_STRIDE, key="conv_stride")
        row.number_input("Conv padding", 0, limits.MAX_PADDING, key="conv_padding")
        st.checkbox("ReLU after the conv", key="relu")

        st.header("Pooling and the next layer")
        st.selectbox("Pooling kind", list(POOL_TITLES), key="pool", format_func=POOL_TITLES.get)
        row = _row()
        row.number_input(
            "Pool size",
            1,
            limits.MAX_POOL,
            key="pool_size",
            help="BlurPool always max-pools 2×2; this size is for max-, average- and APS pooling",
        )
        row.number_input("Pool stride", 1, limits.MAX_POOL, key="pool_stride")
        st.selectbox(
            "BlurPool's blur filter",
            list(BLUR_TITLES),
            key="blur_taps",
            format_func=BLUR_TITLES.get,
            # Never disabled: a disabled label is too faint to read (2.3:1); the help and
            # the title say it is BlurPool's alone.
            help="the binomial low-pass applied before subsampling; used by BlurPool only",
        )
        st.caption(
            "The next-layer stride and padding apply to the pooling and strided-conv "
            "pipelines; no pooling keeps stride 1, which is what defines it."
        )
        row = _row()
        row.number_input(
            "Next-layer stride",
            1,
            limits.MAX_STRIDE,
            key="next_stride",
            help="stride of the 2×2 all-ones conv",
        )
        row.number_input("Next-layer padding", 0, limits.MAX_PADDING, key="next_padding")

        st.header("Display")
        st.toggle(
            "Show values in cells",
            key="show_values",
            help=f"maps larger than {figures.MAX_TEXT_CELLS} cells never show values",
        )
