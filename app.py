"""poolviz: why max-pool between convolutions, when a global pool already gives invariance?

A thin Streamlit page: widgets in, figures out. Every number comes from ``poolviz``.
The whole view lives in the URL query string (``poolviz.view.state``), so a copied link
reopens exactly the same view.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.core import invariance, kernels, limits, patterns, receptive, stepthrough
from poolviz.core.checks import PoolvizError
from poolviz.core.pipeline import run_pipeline
from poolviz.core.text import markdown_escape
from poolviz.lessons import classic, narrative
from poolviz.lessons import experiment as exp
from poolviz.lessons.comparison import (
    WITH_POOLING,
    WITHOUT_POOLING,
    book_example,
    compare,
    standard_pipelines,
)
from poolviz.render import export, figures, scrub
from poolviz.render.torch_code import torch_snippet
from poolviz.view import state as view_state
from poolviz.view import uploads as images

st.set_page_config(
    page_title="poolviz: why pool between convolutions?", page_icon="🔲", layout="wide"
)

TAB_LABELS = {
    "explore": "Explore",
    "invariance": "Invariance over all shifts",
    "book": "The book's example",
    "windows": "Sliding windows",
    "experiment": "The experiment",
}
TAB_KEYS = {label: key for key, label in TAB_LABELS.items()}
SIMPLE_FIELDS = (
    "dx",
    "dy",
    "mode",
    "conv_stride",
    "conv_padding",
    "relu",
    "pool",
    "pool_size",
    "pool_stride",
    "next_stride",
    "next_padding",
    "show_values",
    "sweep",
    "seed",
    "threshold",
    "scrub",
    "ex_samples",
    "ex_motif",
    "ex_distractors",
    "ex_grid",
    "ex_steps",
    "ex_rate",
    "ex_seed",
)
EXPERIMENT_FIELDS = SIMPLE_FIELDS[-7:]
# Runs up to this many sample-steps start on their own (the default, 400 x 300, takes
# about 0.05 s here); larger ones wait for the Train button and show progress.
AUTO_RUN_WORK = 1_000_000
EXPERIMENT_CACHE_ENTRIES = 4
POOL_LABELS = {
    "max": "max-pool",
    "avg": "average pool",
    "blur": "BlurPool (anti-aliased)",
    "aps": "APS (adaptive polyphase)",
}
GRID_SWEEP_RADIUS = 8  # the dx×dy heatmap covers shifts up to ±8: (2·8+1)² runs at most
ss = st.session_state


# ---------------------------------------------------------------- session state ----------


def start_session() -> None:
    """Read the URL once per session into session state (widgets are keyed by field)."""
    if "view_ready" in ss:
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    decoded = view_state.decode(params)
    state = decoded.state
    for field in SIMPLE_FIELDS:
        ss[field] = getattr(state, field)
    ss.pattern = state.pattern
    ss.kernel = state.kernel
    ss.rows, ss.cols = state.height, state.width
    ss.k_rows, ss.k_cols = len(state.kernel), len(state.kernel[0])
    ss.rejections = [r.message() for r in decoded.rejections]
    ss.rejected_keys = [r.shown_key for r in decoded.rejections]
    if not params:
        # Streamlit hands the page no parameters at all when a link has more than 1,000;
        # rewrite the address so that it says what the page shows: the default view.
        st.query_params.clear()
    ss.initial_tab = TAB_LABELS[state.tab]
    ss.versions = {"input": 0, "kernel": 0, "upload": 0, "receptive": 0}
    ss.upload_bytes = None
    ss.messages = {}
    ss.view_ready = True


def keep_alive(*keys: str) -> None:
    """Widgets drawn only in some tabs would lose their value on runs that skip them."""
    for key in keys:
        if key in ss:
            ss[key] = ss[key]


def bump(name: str) -> None:
    ss.versions = {**ss.versions, name: ss.versions[name] + 1}


def set_pattern(grid: np.ndarray) -> None:
    ss.pattern = tuple(tuple(float(v) for v in row) for row in np.asarray(grid))
    ss.rows, ss.cols = len(ss.pattern), len(ss.pattern[0])
    ss.dx = int(np.clip(ss.dx, -ss.cols, ss.cols))
    ss.dy = int(np.clip(ss.dy, -ss.rows, ss.rows))
    bump("input")


def set_kernel(kernel: np.ndarray) -> None:
    ss.kernel = tuple(tuple(float(v) for v in row) for row in np.asarray(kernel))
    ss.k_rows, ss.k_cols = len(ss.kernel), len(ss.kernel[0])
    bump("kernel")


def note(slot: str, text: str | None) -> None:
    ss.messages = {**ss.messages, slot: text}


def current_view() -> view_state.ViewState:
    tab = TAB_KEYS.get(ss.get("tab_label") or ss.initial_tab, "explore")
    fields = {field: ss[field] for field in SIMPLE_FIELDS}
    # Browser sliders and number inputs can hand back 0.35000000000000003 for 0.35; a
    # link carries exact decimals, so round to the places the URL allows.
    fields["threshold"] = round(float(fields["threshold"]), view_state.THRESHOLD_DECIMALS)
    fields["ex_rate"] = round(float(fields["ex_rate"]), view_state.RATE_DECIMALS)
    return view_state.ViewState(tab=tab, pattern=ss.pattern, kernel=ss.kernel, **fields)


def sync_url(view: view_state.ViewState) -> None:
    """Write only the parameters whose value changed (rewriting all of them races)."""
    try:
        wanted = view_state.encode(view)
    except PoolvizError as error:  # a state no link can carry: keep the last good address
        st.warning(f"The address could not be updated for this view: {error}")
        return
    for key in list(st.query_params):
        if key not in wanted:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get_all(key) != [value]:
            st.query_params[key] = value


# ---------------------------------------------------------------- callbacks ---------------


def on_preset() -> None:
    name = ss.get("preset_choice")
    if not name:
        return
    set_pattern(patterns.make_preset(name, ss.rows, ss.cols, seed=ss.seed))
    ss.preset_choice = None
    note("pattern", None)


def on_grid_size() -> None:
    set_pattern(patterns.resize_pattern(np.array(ss.pattern), ss.rows_widget, ss.cols_widget))


def on_clear() -> None:
    set_pattern(patterns.clear(ss.rows, ss.cols))


def on_invert() -> None:
    set_pattern(patterns.invert(np.array(ss.pattern)))


def on_cell_click(chart_key: str) -> None:
    event = ss.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", [])
    grid = np.array(ss.pattern)
    for point in points:
        row, col = int(round(point.get("y", -1))), int(round(point.get("x", -1)))
        if 0 <= row < grid.shape[0] and 0 <= col < grid.shape[1]:
            grid = patterns.toggle(grid, row, col)
    set_pattern(grid)


def apply_upload() -> None:
    if ss.upload_bytes is None:
        return
    threshold = ss.threshold if ss.threshold > 0 else None
    try:
        grid = images.image_to_grid(ss.upload_bytes, ss.rows, ss.cols, threshold=threshold)
    except PoolvizError as error:
        note("pattern", f"Upload refused: {error}")
        ss.upload_bytes = None
        return
    set_pattern(grid)
    note("pattern", None)


def on_upload() -> None:
    uploaded = ss.get(f"upload_{ss.versions['upload']}")
    if uploaded is None:
        ss.upload_bytes = None
        return
    if uploaded.size > limits.MAX_UPLOAD_BYTES:
        note(
            "pattern",
            f"Upload refused: the file has {uploaded.size:,} bytes; the limit is "
            f"{limits.MAX_UPLOAD_BYTES:,}.",
        )
        return
    ss.upload_bytes = uploaded.getvalue()
    apply_upload()


def on_kernel_size() -> None:
    set_kernel(kernels.resize_kernel(np.array(ss.kernel), ss.k_rows_widget, ss.k_cols_widget))


def on_kernel_preset() -> None:
    name = ss.get("kernel_choice")
    if not name:
        return
    set_kernel(kernels.make_kernel(name, ss.k_rows, ss.k_cols, seed=ss.seed))
    ss.kernel_choice = None
    note("kernel", None)


def on_kernel_edit(editor_key: str) -> None:
    edits = (ss.get(editor_key) or {}).get("edited_rows", {})
    kernel, refused = kernels.apply_weight_edits(np.array(ss.kernel), edits)
    set_kernel(kernel)
    cells = "; ".join(f"row {r}, column {c}" for r, c in refused)
    note(
        "kernel",
        None
        if not refused
        else f"Weights must be finite numbers between -{limits.MAX_ABS_WEIGHT:g} and "
        f"{limits.MAX_ABS_WEIGHT:g}; kept the old value at {cells}.",
    )


# ---------------------------------------------------------------- cached compute ----------


def pipelines_for(view: view_state.ViewState) -> dict:
    return standard_pipelines(view.layer_settings())


def compute_key(view: view_state.ViewState) -> view_state.ViewState:
    """The fields the maps depend on (the tab, sweep axis and display do not)."""
    return dataclasses.replace(
        view, tab="explore", sweep="dx", show_values=True, seed=0, threshold=0.5
    )


# Results are small (numpy maps); figures are rebuilt per run from dicts (a few ms), which
# is cheaper than unpickling a cached plotly figure.
@st.cache_data(max_entries=128, ttl=3600, show_spinner=False)
def explore_results(key: view_state.ViewState):
    runs = compare(np.array(key.pattern), pipelines_for(key), key.dx, key.dy, key.mode)
    sentences = narrative.explain_comparison(runs, key.dx, key.dy, key.mode)
    aps = (
        narrative.describe_aps(runs[WITH_POOLING], key.pool_size, key.pool_stride)
        if key.pool == "aps"
        else None
    )
    return runs, sentences, aps


def explore_figures(key: view_state.ViewState, show_values: bool):
    runs, _, _ = explore_results(key)
    grid = np.array(key.pattern)
    out = {
        name: figures.pipeline_figure(run, show_values) if run.ok else None
        for name, run in runs.items()
    }
    out["input"] = figures.input_figure(
        grid, "input: click cells to toggle", show_values, clickable=True
    )
    shifted = next((r.shifted[0] for r in runs.values() if r.ok), None)
    out["shifted"] = (
        None
        if shifted is None
        else figures.input_figure(
            shifted,
            f"shifted {narrative.describe_shift(key.dx, key.dy, key.mode)}",
            show_values,
            outline=invariance.changed_mask(grid, shifted),
        )
    )
    return out


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def scrub_page(key: view_state.ViewState, show_values: bool) -> tuple[str, int, int]:
    runs, _, _ = explore_results(key)
    cells = sum(int(np.size(m)) for run in runs.values() for m in run.original)
    radius = scrub.largest_radius(key.height, key.width, max(cells, 1), scrub.MAX_SCRUB_RADIUS)
    data = scrub.scrub_data(np.array(key.pattern), pipelines_for(key), key.mode, radius)
    dx = int(np.clip(key.dx, -radius, radius))
    dy = int(np.clip(key.dy, -radius, radius))
    return scrub.scrub_html(data, show_values, dx, dy), scrub.page_height(data), radius


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def sweep_results(key: view_state.ViewState, axis: str):
    x = np.array(key.pattern)
    radius = GRID_SWEEP_RADIUS if axis == "grid" else None
    shifts = invariance.sweep_shifts(axis, x.shape[0], x.shape[1], radius)
    sweeps, summaries, problems = {}, {}, {}
    for name, pipeline in pipelines_for(key).items():
        try:
            sweeps[name] = invariance.sweep(x, pipeline, shifts, key.mode)
            summaries[name] = {
                n: invariance.one_pixel_summary(x, pipeline, key.mode, neighbours=n) for n in (4, 8)
            }
        except PoolvizError as error:
            problems[name] = str(error)
    return sweeps, summaries, problems


@st.cache_data(max_entries=1, show_spinner=False)
def book_data():
    return book_example()


def book_results():
    book = book_data()
    fig = figures.book_figure(
        book.inputs, book.pooled, book.next_maps, book.pool_label, book.next_label
    )
    return book, fig, narrative.explain_book(book)


def guarded(title: str, draw, *args) -> None:
    """Draw one panel; if it fails, say so briefly and keep the rest of the page usable."""
    try:
        draw(*args)
    except PoolvizError as error:
        st.error(f"{title}: {error}")
    except Exception as error:  # noqa: BLE001 — a bug in one panel must not take the page down
        st.error(
            f"{title} could not be drawn ({type(error).__name__}). The rest of the page "
            "still works; changing a setting may help."
        )
        print(traceback.format_exc())


# ---------------------------------------------------------------- layout -----------------


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
        c1, c2 = st.columns(2)
        ss.rows_widget, ss.cols_widget = ss.rows, ss.cols
        c1.number_input(
            "Rows", limits.MIN_GRID, limits.PAGE_MAX_GRID, key="rows_widget", on_change=on_grid_size
        )
        c2.number_input(
            "Columns",
            limits.MIN_GRID,
            limits.PAGE_MAX_GRID,
            key="cols_widget",
            on_change=on_grid_size,
        )
        c1, c2, c3 = st.columns(3)
        c1.button("Clear", on_click=on_clear, width="stretch")
        c2.button("Invert", on_click=on_invert, width="stretch")
        c3.number_input("Seed", 0, 2**31 - 1, key="seed", help="for the random presets")
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
        c1, c2 = st.columns(2)
        ss.k_rows_widget, ss.k_cols_widget = ss.k_rows, ss.k_cols
        c1.number_input(
            "Kernel rows", 1, limits.PAGE_MAX_KERNEL, key="k_rows_widget", on_change=on_kernel_size
        )
        c2.number_input(
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
        c1, c2 = st.columns(2)
        c1.number_input("Conv stride", 1, limits.MAX_STRIDE, key="conv_stride")
        c2.number_input("Conv padding", 0, limits.MAX_PADDING, key="conv_padding")
        st.checkbox("ReLU after the conv", key="relu")

        st.header("Pooling and the next layer")
        st.selectbox("Pooling kind", list(POOL_LABELS), key="pool", format_func=POOL_LABELS.get)
        c1, c2 = st.columns(2)
        c1.number_input(
            "Pool size",
            1,
            limits.MAX_POOL,
            key="pool_size",
            disabled=ss.pool == "blur",
            help="BlurPool always max-pools 2×2",
        )
        c2.number_input("Pool stride", 1, limits.MAX_POOL, key="pool_stride")
        c1, c2 = st.columns(2)
        c1.number_input(
            "Next-layer stride",
            1,
            limits.MAX_STRIDE,
            key="next_stride",
            help="stride of the 2×2 all-ones conv",
        )
        c2.number_input("Next-layer padding", 0, limits.MAX_PADDING, key="next_padding")

        st.header("Display")
        st.toggle(
            "Show values in cells",
            key="show_values",
            help=f"maps larger than {figures.MAX_TEXT_CELLS} cells never show values",
        )


def shift_controls() -> None:
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    c4.toggle(
        "Instant mode",
        key="scrub",
        help="Precompute every shift within a radius and scrub them in the browser, with no "
        "round trip to the server",
    )
    c1.slider("Shift right (dx)", -ss.cols, ss.cols, key="dx")
    c2.slider("Shift down (dy)", -ss.rows, ss.rows, key="dy")
    c3.radio(
        "At the edge",
        ["zero", "wrap"],
        key="mode",
        horizontal=True,
        format_func={"zero": "zero fill", "wrap": "wrap around"}.get,
    )


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
        st.markdown("\n".join(f"- {markdown_escape(s)}" for s in sentences))
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
        f"{POOL_LABELS[view.pool]}"
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Download PNG",
        lambda: export.comparison_png(runs, title, view.show_values),
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


def draw_share(view: view_state.ViewState) -> None:
    base = (st.context.url or "").split("?")[0].rstrip("/") or "http://localhost:8501"
    qs = view_state.query_string(view)
    with st.container(key="share"):
        st.caption("Share this exact view (copy button on the right):")
        st.code(base + "/" + ("?" + qs if qs else ""), language=None)


def draw_invariance(view: view_state.ViewState) -> None:
    st.radio(
        "Shift along",
        list(invariance.SWEEP_AXES),
        key="sweep",
        horizontal=True,
        format_func={
            "dx": "dx only",
            "dy": "dy only",
            "grid": f"dx × dy grid (±{GRID_SWEEP_RADIUS})",
        }.get,
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
            + "\n".join(f"- {markdown_escape(line)}" for line in lines)
        )
    st.plotly_chart(
        figures.sweep_figure(sweeps, view.sweep), key="sweep_fig", theme=None, config=figures.CONFIG
    )
    st.caption(
        "Relative change = ‖f(shifted input) − f(input)‖ / ‖f(input)‖ for each stage; "
        "0 means the stage's output did not change at all."
    )
    draw_distinct_and_classic(view)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def distinct_counts(key: view_state.ViewState, radius: int):
    x = np.array(key.pattern)
    out = {}
    for label, shifts in (
        ("these", invariance.neighbour_shifts(4)),
        ("all", exp.radius_shifts(radius)),
    ):
        counts = {}
        for name, pipeline in pipelines_for(key).items():
            try:
                counts[name] = exp.distinct_map_counts(x, pipeline, shifts, key.mode)
            except PoolvizError:
                continue
        out[label] = (counts, len(shifts))
    return out


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def classic_sentence(height: int, width: int, size: int, stride: int, mode: str) -> str:
    common = dict(
        height=height, width=width, pool_size=size, pool_stride=stride, neighbours=8, mode=mode
    )
    whole = classic.unchanged_fraction_estimate(n_patterns=2000, density=0.5, **common)
    cell = classic.unchanged_fraction_estimate(n_patterns=2000, density=0.5, per="cell", **common)
    dot = classic.single_dot_unchanged_fraction(**common)
    label = f"max-pool {size}×{size} /{stride}"
    return narrative.describe_classic(
        whole.mean, cell.mean, dot, 8, height, width, 0.5, label, mode
    )


def draw_distinct_and_classic(view: view_state.ViewState) -> None:
    radius = min(2, view.height, view.width)
    st.markdown("**What the next layer sees:**")
    lines = []
    for what, (counts, n) in distinct_counts(compute_key(view), radius).items():
        lines += narrative.describe_distinct(counts, n, what, pipelines_for(compute_key(view)))
    st.caption(f"'All' means every shift of at most {radius} pixels along each axis.")
    st.markdown("\n".join(f"- {markdown_escape(line)}" for line in lines))
    st.markdown("**The classic number, computed:**")
    try:
        text = classic_sentence(
            view.height, view.width, view.pool_size, view.pool_stride, view.mode
        )
    except PoolvizError as error:
        text = f"Not available for these settings: {error}"
    st.markdown(markdown_escape(text))


def draw_book() -> None:
    book, fig, lines = book_results()
    st.markdown(
        "Géron's *Hands-On Machine Learning* shows three 8×8 inputs: **A**, **B** = A shifted "
        "one pixel right, **C** = A shifted two. Max-pooling 2×2 with stride 2 gives the same "
        "map for A and B; C's is shifted one cell. Then the 2×2 all-ones filter with stride 2 "
        "is applied to each pooled map. Everything below is computed live by `poolviz`."
    )
    st.plotly_chart(fig, key="book_fig", theme=None, config=figures.CONFIG)
    st.markdown("\n".join(f"- {markdown_escape(line)}" for line in lines))


WINDOW_SPEEDS = {"slow": 900, "medium": 400, "fast": 120}  # ms per window position
WINDOW_KEYS = ("win_pipeline", "win_stage", "win_pos", "win_speed")


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def linked_cells(key: view_state.ViewState, name: str, selected: tuple[int, int, int] | None):
    pipeline = pipelines_for(key)[name]
    x = np.array(key.pattern)
    stages = run_pipeline(pipeline, x)
    labels = [s.label for s in stages]
    maps = [s.maps for s in stages]
    masks: list = [None] * len(stages)
    arithmetic = None
    if selected is not None:
        stage, row, col = selected
        if stage == 0:
            masks = receptive.downstream_masks(pipeline, x, row, col)
        else:
            masks = receptive.upstream_masks(pipeline, x, stage, row, col) + [None] * (
                len(stages) - stage - 1
            )
            arithmetic = receptive.cell_arithmetic(pipeline, x, stage, row, col)
    return labels, maps, masks, arithmetic


# A figure with frames is costly to build and to unpickle (plotly validates it again), so
# it is kept as an object shared by sessions (never mutated) rather than copied per hit.
@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def window_animation(
    key: view_state.ViewState, name: str, stage: int, start: int, speed: str, show_values: bool
):
    frames = stepthrough.window_frames(
        pipelines_for(key)[name], np.array(key.pattern), stage, start
    )
    fig = figures.window_figure(
        frames.layer_input,
        frames.output,
        frames.windows,
        frames.terms,
        frames.captions,
        start=0,
        first=frames.first,
        frame_ms=WINDOW_SPEEDS[speed],
        show_values=show_values,
        terms_title=frames.terms_title,
    )
    return frames, fig


def on_receptive_click(chart_key: str) -> None:
    event = ss.get(chart_key) or {}
    points = event.get("selection", {}).get("points", [])
    if points:
        point = points[-1]
        stage = point.get("customdata")
        if isinstance(stage, list):
            stage = stage[0]
        if stage is not None:
            ss.win_selected = (int(stage), int(round(point["y"])), int(round(point["x"])))
    bump("receptive")


def step_window(delta: int, total: int) -> None:
    ss.win_pos = int(np.clip(ss.get("win_pos", 0) + delta, 0, total - 1))


def draw_windows(view: view_state.ViewState) -> None:
    key = compute_key(view)
    name = st.radio(
        "Pipeline",
        [WITH_POOLING, WITHOUT_POOLING],
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
        figures.receptive_figure(labels, maps, masks, selected, view.show_values),
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


def experiment_config(view: view_state.ViewState) -> exp.ExperimentConfig:
    motif = view.ex_motif
    if motif == "pattern":
        motif = patterns.crop_to_ink(np.array(view.pattern))
    return exp.ExperimentConfig(
        n_samples=view.ex_samples,
        grid=view.ex_grid,
        motif=motif,
        distractors=view.ex_distractors,
        steps=view.ex_steps,
        learning_rate=view.ex_rate,
        seed=view.ex_seed,
        kernel=view.kernel,
        pool=view.pool,
        pool_size=view.pool_size,
        pool_stride=view.pool_stride,
        mode=view.mode,
    )


def experiment_controls() -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.number_input("Training images", 50, 5000, step=50, key="ex_samples")
    c2.selectbox(
        "Motif",
        view_state.MOTIF_CHOICES,
        key="ex_motif",
        format_func={
            "blob": "small blob (plus)",
            "square": "3×3 square",
            "ell": "L shape",
            "pattern": "my pattern, cropped",
        }.get,
    )
    c3.number_input("Distractor pixels", 0, 20, key="ex_distractors")
    c4.number_input("Grid size", 8, 32, key="ex_grid")
    c1, c2, c3, _ = st.columns(4)
    c1.number_input("Training steps", 10, 5000, step=50, key="ex_steps")
    c2.number_input("Learning rate", 0.001, 10.0, step=0.1, format="%.3f", key="ex_rate")
    c3.number_input("Seed", 0, 2**31 - 1, key="ex_seed")


def remember_result(config: exp.ExperimentConfig, result: exp.ExperimentResult) -> None:
    cache = dict(ss.get("ex_cache", {}))
    cache[config] = result
    ss.ex_cache = dict(list(cache.items())[-EXPERIMENT_CACHE_ENTRIES:])


def start_training(config: exp.ExperimentConfig) -> None:
    """Train in a worker thread, so the page stays live and Stop is seen between steps.

    The worker only computes (no Streamlit calls); the job dict is its whole interface:
    it writes ``progress`` and ``result``, the page sets ``stop``.
    """
    job = {
        "config": config,
        "stop": threading.Event(),
        "progress": 0.0,
        "result": None,
        "error": None,
    }

    def work() -> None:
        try:
            job["result"] = exp.run_experiment(
                config,
                progress=lambda fraction: job.__setitem__("progress", fraction),
                should_stop=job["stop"].is_set,
            )
        except Exception as error:  # noqa: BLE001 — reported on the page, not lost
            job["error"] = f"{type(error).__name__}: {error}"

    job["thread"] = threading.Thread(target=work, name="poolviz-experiment", daemon=True)
    job["thread"].start()
    ss.ex_job = job


@st.fragment(run_every=0.3)
def training_progress() -> None:
    """Poll the worker: a progress bar and Stop while it runs, the results once it is done."""
    job = ss.get("ex_job")
    if job is None:
        return
    if job["thread"].is_alive():
        fraction = min(max(float(job["progress"]), 0.0), 1.0)
        st.progress(fraction, text=f"Training… {fraction:.0%} (both pipelines)")
        st.button("Stop", key="ex_stop", on_click=job["stop"].set)
        return
    del ss.ex_job
    if job["result"] is not None:
        remember_result(job["config"], job["result"])
    else:
        note("experiment", f"Training failed: {job['error']}")
    st.rerun()


def draw_experiment(view: view_state.ViewState) -> None:
    st.markdown(
        "Does pooling make the next layer's job easier? Images that do or do not contain a "
        "motif are run through both pipelines with the current filter and pooling; a "
        "logistic readout, one weight per cell of each pipeline's map just before its global "
        "pool, learns to spot the motif. It "
        "trains with the motif only at **even** column offsets and is tested on the **odd** "
        "ones it never saw, and on fresh images at the training positions."
    )
    experiment_controls()
    config = experiment_config(view)
    if ss.messages.get("experiment"):
        st.error(ss.messages["experiment"])
    if ss.get("ex_job") is not None:
        training_progress()
        return
    result = ss.get("ex_cache", {}).get(config)
    if result is None:
        if config.n_samples * config.steps > AUTO_RUN_WORK:
            st.button(
                "Train both pipelines",
                key="ex_train",
                type="primary",
                on_click=start_training,
                args=(config,),
            )
            st.info(
                f"This run trains on {config.n_samples} images for {config.steps} steps; "
                "press Train to start it (you can stop it early)."
            )
            return
        result = exp.run_experiment(config)  # small: about 0.05 s for the default
        remember_result(config, result)
    if result.stopped:
        st.warning(f"Stopped early, after {result.steps_done} of {config.steps} steps.")
        if st.button("Train again", key="ex_retrain"):
            ss.ex_cache = {k: v for k, v in ss.ex_cache.items() if k != config}
            st.rerun()
    st.markdown("**Verdict:** " + markdown_escape(exp.verdict(result)))
    rows = []
    for name, run in result.runs.items():
        rows.append(
            {
                "pipeline": name,
                "readout reads": f"{run.feature_label} ({run.feature_shape[0]}×{run.feature_shape[1]})",
                "train accuracy": run.final_train,
                "held-out positions": run.final_held,
                "fresh, training positions": run.final_fresh,
                "distinct maps to fit": f"{run.train_maps} for {run.n_train_positions} positions",
                "held-out maps already seen": f"{run.held_seen} of {run.n_held_positions}",
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(c, format="percent")
            for c in ("train accuracy", "held-out positions", "fresh, training positions")
        },
    )
    st.plotly_chart(
        figures.experiment_figure(result.runs),
        key="experiment_fig",
        theme=None,
        config=figures.CONFIG,
    )
    st.caption(
        f"{result.steps_done} steps of full-batch gradient descent in {result.seconds:.2f} s; "
        f"{result.n_test} test images per test set."
    )


def main() -> None:
    start_session()
    st.title("Why max-pool between convolutions?")
    st.caption(
        "A global pool at the end already makes the output invariant. Shift the pattern "
        "and watch what the *next layer* receives with and without local pooling."
    )
    if ss.rejections:
        st.warning(
            "Some parameters in this link were invalid and fell back to their defaults: "
            + ", ".join(markdown_escape(k) for k in ss.rejected_keys)
        )
        with st.expander("Details"):
            st.text("\n".join(ss.rejections))
    sidebar()
    main_area()


# A fragment: moving a shift slider, clicking a cell or switching a tab reruns only this
# part, not the sidebar's two dozen widgets and the filter grid (sidebar changes still
# rerun the whole page, which runs this too).
@st.fragment
def main_area() -> None:
    keep_alive("sweep", *EXPERIMENT_FIELDS, *WINDOW_KEYS, "win_selected")
    shift_controls()
    view = current_view()
    tabs = st.tabs(
        list(TAB_LABELS.values()), key="tab_label", default=ss.initial_tab, on_change="rerun"
    )
    explore_tab, invariance_tab, book_tab, windows_tab, experiment_tab = tabs
    if explore_tab.open is not False:
        with explore_tab:
            guarded("The side-by-side maps", draw_explore, view)
            guarded("The downloads", draw_exports, view)
    if invariance_tab.open:
        with invariance_tab:
            guarded("The invariance sweep", draw_invariance, view)
    if book_tab.open:
        with book_tab:
            guarded("The book's example", draw_book)
    if windows_tab.open:
        with windows_tab:
            guarded("The sliding windows", draw_windows, view)
    if experiment_tab.open:
        with experiment_tab:
            guarded("The experiment", draw_experiment, view)
    view = current_view()
    draw_share(view)
    sync_url(view)


main()
