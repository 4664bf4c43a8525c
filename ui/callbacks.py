"""What the widgets do when they change: each edits session state, never the URL directly."""

from __future__ import annotations

import numpy as np

from poolviz.core import kernels, limits, patterns
from poolviz.core.checks import PoolvizError
from poolviz.lessons.pipelines import PIPELINES
from poolviz.view import uploads as images
from poolviz.view.explorer_events import ExplorerEvent, apply_edits
from poolviz.view.selections import clicked_stage_cell
from ui import explorer
from ui.panels import safe_callback
from ui.session import bump, note, set_kernel, set_pattern, set_shift, ss


@safe_callback
def on_preset() -> None:
    name = ss.get("preset_choice")
    if not name:
        return
    set_pattern(patterns.make_preset(name, ss.rows, ss.cols, seed=ss.seed))
    ss.preset_choice = None
    note("pattern", None)


@safe_callback
def on_grid_size() -> None:
    set_pattern(patterns.resize_pattern(np.array(ss.pattern), ss.rows_widget, ss.cols_widget))


@safe_callback
def on_clear() -> None:
    set_pattern(patterns.clear(ss.rows, ss.cols))


@safe_callback
def on_invert() -> None:
    set_pattern(patterns.invert(np.array(ss.pattern)))


@safe_callback
def on_painted(event: ExplorerEvent) -> None:
    """Cells painted in the Explore component: each edit applied exactly once, by its
    sequence number, however often the browser re-sends a batch."""
    grid, ss.explorer_ack, count = apply_edits(np.array(ss.pattern), event, ss.explorer_ack)
    if count:
        set_pattern(grid)
        ss[explorer.PAINTED] = True  # this run may draw a first payload (ui.explorer)


@safe_callback
def on_shift(event: ExplorerEvent) -> None:
    """The shift the student released in the component (already on screen there)."""
    set_shift(event.dx, event.dy, event.mode, from_browser=True)


@safe_callback
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


@safe_callback
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


@safe_callback
def on_kernel_size() -> None:
    set_kernel(kernels.resize_kernel(np.array(ss.kernel), ss.k_rows_widget, ss.k_cols_widget))


@safe_callback
def on_kernel_preset() -> None:
    name = ss.get("kernel_choice")
    if not name:
        return
    set_kernel(kernels.make_kernel(name, ss.k_rows, ss.k_cols, seed=ss.seed))
    ss.kernel_choice = None
    note("kernel", None)


@safe_callback
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


@safe_callback
def on_receptive_click(chart_key: str) -> None:
    picked = clicked_stage_cell(ss.get(chart_key), n_stages=16)
    if picked is not None:
        ss.win_selected = picked  # the windows tab checks it against the stage's shape
    bump("receptive")


@safe_callback
def step_window(delta: int, total: int) -> None:
    ss.win_pos = int(np.clip(ss.get("win_pos", 0) + delta, 0, total - 1))


@safe_callback
def on_pipeline_change(changed: str) -> None:
    """Two sides must show different pipelines: picking the other side's swaps them."""
    other = "pipe_right" if changed == "pipe_left" else "pipe_left"
    if ss[changed] == ss[other]:
        ss[other] = ss.get("_pipes_before", {}).get(changed, ss[other])
        if ss[other] == ss[changed]:
            ss[other] = next(name for name in PIPELINES if name != ss[changed])
    ss["_pipes_before"] = {"pipe_left": ss.pipe_left, "pipe_right": ss.pipe_right}
