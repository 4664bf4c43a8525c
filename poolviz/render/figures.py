"""Plotly figures built from core results: annotated heatmaps, sweeps, the book's figure.

Only plotly here, no Streamlit: each function takes numbers from the core and returns a
``go.Figure``. Browser cost drives the choices: one figure per group of maps, cell text
only where it fits, changed cells outlined by one line trace per map rather than shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale
from plotly.subplots import make_subplots

from poolviz.core.invariance import Sweep, changed_mask
from poolviz.core.text import format_grid
from poolviz.lessons.comparison import PipelineRun

__all__ = [
    "Panel",
    "grid_figure",
    "pipeline_figure",
    "input_figure",
    "sweep_figure",
    "book_figure",
    "shared_scale",
    "outline_xy",
    "MAX_TEXT_CELLS",
]

OUTLINE = "#ff7f0e"
SEQUENTIAL = "Blues"
DIVERGING = "RdBu_r"
INK = [[0.0, "#ffffff"], [1.0, "#111111"]]
MAX_TEXT_CELLS = 16  # maps wider or taller than this get no cell text: it would not fit
CONFIG = {"displayModeBar": False, "responsive": True}
# One colour per stage label, shared by both pipelines' panels of the sweep.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Panel:
    """One heatmap: its values, title, colour range and optional outline mask."""

    z: np.ndarray
    title: str
    zmin: float
    zmax: float
    colorscale: object
    outline: np.ndarray | None = None
    show_text: bool = True


def shared_scale(*maps: np.ndarray) -> tuple[float, float, object]:
    """One colour range for maps shown together; diverging around 0 if any is negative.

    >>> shared_scale(np.array([[0.0, 2.0]]), np.array([[1.0]]))
    (0.0, 2.0, 'Blues')
    >>> shared_scale(np.array([[-1.0, 3.0]]))
    (-3.0, 3.0, 'RdBu_r')
    """
    values = np.concatenate([np.ravel(m) for m in maps]) if maps else np.zeros(1)
    low, high = float(values.min(initial=0.0)), float(values.max(initial=0.0))
    if low < 0:
        bound = max(abs(low), abs(high), 1e-12)
        return -bound, bound, DIVERGING
    return 0.0, max(high, 1e-12), SEQUENTIAL


def outline_xy(mask: np.ndarray) -> tuple[list, list]:
    """Polyline coordinates (None-separated) tracing a box around each True cell.

    >>> outline_xy(np.array([[False, True]]))
    ([0.5, 1.5, 1.5, 0.5, 0.5, None], [-0.5, -0.5, 0.5, 0.5, -0.5, None])
    """
    xs: list = []
    ys: list = []
    for r, c in zip(*np.nonzero(mask), strict=False):
        x0, x1, y0, y1 = c - 0.5, c + 0.5, r - 0.5, r + 0.5
        xs += [float(x0), float(x1), float(x1), float(x0), float(x0), None]
        ys += [float(y0), float(y0), float(y1), float(y1), float(y0), None]
    return xs, ys


def _font_size(shape: tuple[int, ...]) -> int:
    largest = max(shape) if shape else 1
    return 14 if largest <= 4 else 12 if largest <= 8 else 10 if largest <= 12 else 8


@lru_cache(maxsize=16)
def _named_scale(name: str) -> tuple[tuple[float, str], ...]:
    # Unvalidated figures reach plotly.js as they are, and plotly.js knows neither
    # plotly.py's "_r" names nor its ColorBrewer "Blues": resolve names here.
    return tuple((round(float(pos), 12), colour) for pos, colour in get_colorscale(name))


def _colorscale(scale: object) -> object:
    return _named_scale(scale) if isinstance(scale, str) else scale


def _heatmap(panel: Panel, show_values: bool) -> dict:
    z = np.atleast_2d(panel.z)
    trace = {
        "type": "heatmap",
        "z": z.tolist(),
        "zmin": panel.zmin,
        "zmax": panel.zmax,
        "colorscale": _colorscale(panel.colorscale),
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hovertemplate": "row %{y}, col %{x}: %{z}<extra></extra>",
    }
    if show_values and panel.show_text and max(z.shape) <= MAX_TEXT_CELLS:
        trace["text"] = format_grid(z).tolist()
        trace["texttemplate"] = "%{text}"
        trace["textfont"] = {"size": _font_size(z.shape)}
    return trace


def _outline_trace(mask: np.ndarray, colour: str = OUTLINE, width: int = 3) -> dict:
    xs, ys = outline_xy(np.atleast_2d(mask))
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "lines",
        "line": {"color": colour, "width": width},
        "hoverinfo": "skip",
        "showlegend": False,
    }


BARE_AXIS = {
    "showticklabels": False,
    "ticks": "",
    "showgrid": False,
    "zeroline": False,
    "showline": False,
    "fixedrange": True,
    "constrain": "domain",
}


def _axis_names(index: int) -> tuple[str, str]:
    """Trace references ("x3", "y3") of subplot ``index`` (1-based); the first is x, y."""
    suffix = "" if index == 1 else str(index)
    return "x" + suffix, "y" + suffix


def _domains(sizes: Sequence[float], spacing: float) -> list[tuple[float, float]]:
    """Split [0, 1] into consecutive domains in proportion to ``sizes``, ``spacing`` apart."""
    usable = 1.0 - spacing * (len(sizes) - 1)
    total = float(sum(sizes))
    out, start = [], 0.0
    for size in sizes:
        stop = start + usable * size / total
        out.append((start, min(stop, 1.0)))
        start = stop + spacing
    return out


def grid_figure(
    rows: Sequence[Sequence[Panel | None]],
    show_values: bool = True,
    row_titles: Sequence[str] | None = None,
    cell_px: int = 30,
    title: str | None = None,
    width_hint: int = 560,
) -> go.Figure:
    """Heatmaps on a grid of subplots, square cells, widths in proportion to the maps.

    The figure is assembled as plain dicts and wrapped without Plotly's per-property
    validation: that validation cost ~100 ms per figure, the bulk of a rerun.
    ``width_hint`` is the expected width in pixels; it only sizes the figure's height.
    """
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    widths = [
        max(
            (np.atleast_2d(r[c].z).shape[1] for r in rows if c < len(r) and r[c] is not None),
            default=1,
        )
        for c in range(n_cols)
    ]
    heights = [
        max((np.atleast_2d(p.z).shape[0] for p in r if p is not None), default=1) for r in rows
    ]
    h_space = 0.04 if n_cols > 1 else 0.0
    v_space = 0.12 if n_rows > 1 else 0.0
    x_domains = _domains([w + 0.8 for w in widths], h_space)
    # Rows run top to bottom, paper y runs bottom to top.
    y_domains = [(1 - b, 1 - a) for a, b in _domains([h + 1.2 for h in heights], v_space)]
    layout: dict = {}
    data: list[dict] = []
    annotations: list[dict] = []
    for r in range(n_rows):
        for c in range(n_cols):
            index = r * n_cols + c + 1
            xref, yref = _axis_names(index)
            panel = rows[r][c] if c < len(rows[r]) else None
            x_axis = {**BARE_AXIS, "domain": list(x_domains[c]), "anchor": yref}
            y_axis = {
                **BARE_AXIS,
                "domain": list(y_domains[r]),
                "anchor": xref,
                "scaleanchor": xref,
            }
            if panel is None:
                x_axis["visible"] = y_axis["visible"] = False
            else:
                z = np.atleast_2d(panel.z)
                x_axis["range"] = [-0.5, z.shape[1] - 0.5]
                y_axis["range"] = [z.shape[0] - 0.5, -0.5]
                data.append({**_heatmap(panel, show_values), "xaxis": xref, "yaxis": yref})
                if panel.outline is not None and np.any(panel.outline):
                    data.append({**_outline_trace(panel.outline), "xaxis": xref, "yaxis": yref})
                if panel.title:
                    annotations.append(
                        {
                            "text": panel.title,
                            "x": sum(x_domains[c]) / 2,
                            "y": y_domains[r][1],
                            "xref": "paper",
                            "yref": "paper",
                            "xanchor": "center",
                            "yanchor": "bottom",
                            "showarrow": False,
                            "font": {"size": 12},
                        }
                    )
            layout["xaxis" + xref[1:]] = x_axis
            layout["yaxis" + yref[1:]] = y_axis
    for r, text in enumerate(row_titles or []):
        annotations.append(
            {
                "text": text,
                "x": 1.0,
                "y": sum(y_domains[r]) / 2,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "middle",
                "xshift": 4,
                "textangle": 90,
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    # Cells are square, so the width available per cell caps the useful height.
    columns_total = sum(w + 0.8 for w in widths) * (1 + 0.04 * (n_cols - 1))
    cell_px = min(cell_px, max(6, int((width_hint - 70) / columns_total)))
    total_height = sum(heights) * cell_px + 64 * n_rows + (40 if title else 10)
    layout.update(
        height=int(min(max(total_height, 180), 900)),
        margin={
            "l": 30 if row_titles else 4,
            "r": 30 if row_titles else 4,
            "t": 60 if title else 40,
            "b": 4,
        },
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode=False,
        showlegend=False,
        annotations=annotations,
    )
    if title:
        layout["title"] = {"text": title, "font": {"size": 15}}
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def stage_panels(
    original: np.ndarray, shifted: np.ndarray, label: str, ink: bool = False
) -> tuple[Panel, Panel]:
    """The original and shifted maps of one stage, on one colour scale, changes outlined."""
    zmin, zmax, scale = shared_scale(original, shifted)
    if ink and zmin >= 0:
        scale, zmax = INK, max(zmax, 1.0)
    outline = changed_mask(original, shifted)
    return (
        Panel(np.atleast_2d(original), label, zmin, zmax, scale),
        Panel(np.atleast_2d(shifted), label, zmin, zmax, scale, outline=np.atleast_2d(outline)),
    )


def pipeline_figure(
    run: PipelineRun, show_values: bool = True, skip_input: bool = True
) -> go.Figure:
    """One pipeline: columns are stages, the original above the shifted input."""
    start = 1 if skip_input else 0
    top, bottom = [], []
    for label, a, b in zip(
        run.labels[start:], run.original[start:], run.shifted[start:], strict=False
    ):
        p, q = stage_panels(a, b, label.replace(" ", "<br>", 1), ink=label == "input")
        top.append(p)
        bottom.append(Panel(q.z, "", q.zmin, q.zmax, q.colorscale, q.outline))
    return grid_figure(
        [top, bottom], show_values, row_titles=["original", "shifted"], width_hint=420
    )


def input_figure(
    grid: np.ndarray,
    title: str,
    show_values: bool,
    clickable: bool = False,
    outline: np.ndarray | None = None,
    cell_px: int = 30,
) -> go.Figure:
    """The input pattern; with ``clickable`` an invisible marker per cell takes clicks."""
    panel = Panel(grid, title, 0.0, max(1.0, float(np.max(grid))), INK, outline=outline)
    fig = grid_figure([[panel]], show_values, cell_px=cell_px, width_hint=300)
    if clickable:
        h, w = grid.shape
        rows, cols = np.mgrid[0:h, 0:w]
        fig.add_trace(
            go.Scatter(
                x=cols.ravel(),
                y=rows.ravel(),
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": max(6, min(28, 240 // max(h, w))),
                    "color": "rgba(0,0,0,0.01)",
                },
                selected={"marker": {"opacity": 1.0}},
                unselected={"marker": {"opacity": 1.0}},
                hovertemplate="click to toggle row %{y}, col %{x}<extra></extra>",
                showlegend=False,
            )
        )
        fig.update_layout(clickmode="event+select")
    return fig


def sweep_figure(
    sweeps: Mapping[str, Sweep], axis: str, measure: str = "relative_change"
) -> go.Figure:
    """Each stage's change against the shift, one panel per pipeline.

    For ``axis`` "dx" or "dy" these are lines over the shift; for "grid" one small heatmap
    per stage over (dy, dx).
    """
    names = list(sweeps)
    if axis != "grid":
        fig = make_subplots(
            rows=1,
            cols=len(names),
            subplot_titles=names,
            shared_yaxes=True,
            horizontal_spacing=0.06,
        )
        colours: dict[str, str] = {}
        for c, name in enumerate(names, start=1):
            result = sweeps[name]
            column = 1 if axis == "dx" else 0
            steps = result.shifts[:, column]
            values = getattr(result, measure)
            for label, line in zip(result.labels, values, strict=False):
                if label == "input":
                    continue
                first = label not in colours
                colours.setdefault(label, PALETTE[len(colours) % len(PALETTE)])
                fig.add_trace(
                    go.Scatter(
                        x=steps,
                        y=line,
                        mode="lines+markers",
                        name=label,
                        legendgroup=label,
                        showlegend=first,
                        line={"color": colours[label]},
                        hovertemplate=f"{label}<br>{axis}=%{{x}}: %{{y:.3f}}<extra></extra>",
                    ),
                    row=1,
                    col=c,
                )
            fig.update_xaxes(
                title_text=f"shift {axis} (pixels)",
                row=1,
                col=c,
                dtick=1 if len(steps) <= 21 else None,
            )
        fig.update_yaxes(
            title_text="relative change" if measure == "relative_change" else measure, col=1
        )
        fig.update_layout(
            height=380,
            margin={"l": 50, "r": 10, "t": 40, "b": 40},
            legend={"orientation": "h", "y": -0.25},
        )
        return fig
    rows = []
    for name in names:
        result = sweeps[name]
        dys = np.unique(result.shifts[:, 0])
        dxs = np.unique(result.shifts[:, 1])
        values = getattr(result, measure)
        row = []
        for label, line in zip(result.labels, values, strict=False):
            if label == "input":
                continue
            z = line.reshape(len(dys), len(dxs))
            row.append(
                Panel(
                    z,
                    f"{name}: {label}",
                    0.0,
                    max(1.0, float(np.nanmax(z))),
                    SEQUENTIAL,
                    show_text=False,
                )
            )
        rows.append(row)
    return grid_figure(rows, show_values=False, cell_px=8)


def book_figure(
    inputs: Mapping[str, np.ndarray],
    pooled: Mapping[str, np.ndarray],
    next_maps: Mapping[str, np.ndarray],
    pool_label: str,
    next_label: str,
) -> go.Figure:
    """Rows A, B, C: the input, its max-pool output and the next layer's output."""
    rows = []
    all_pooled = list(pooled.values())
    all_next = list(next_maps.values())
    pmin, pmax, pscale = shared_scale(*all_pooled)
    nmin, nmax, nscale = shared_scale(*all_next)
    first = next(iter(inputs))
    for name in inputs:
        changed_p = None if name == first else changed_mask(pooled[first], pooled[name])
        changed_n = None if name == first else changed_mask(next_maps[first], next_maps[name])
        rows.append(
            [
                Panel(inputs[name], f"{name}: input", 0.0, 1.0, INK),
                Panel(pooled[name], f"{name}: {pool_label}", pmin, pmax, pscale, outline=changed_p),
                Panel(
                    next_maps[name], f"{name}: {next_label}", nmin, nmax, nscale, outline=changed_n
                ),
            ]
        )
    return grid_figure(rows, show_values=True, cell_px=26)


def experiment_figure(runs: Mapping[str, object]) -> go.Figure:
    """Learning curves of the trained next layer: loss, and accuracy on the three test sets.

    ``runs`` maps a pipeline name to an ``experiment.PipelineResult``.
    """
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("training loss", "accuracy"), horizontal_spacing=0.1
    )
    dashes = {"train": "dot", "held-out positions": "solid", "fresh, training positions": "dash"}
    for index, (name, run) in enumerate(runs.items()):
        colour = PALETTE[index % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=run.curve_steps,
                y=run.loss,
                name=f"{name}: loss",
                mode="lines",
                line={"color": colour},
                legendgroup=name,
            ),
            row=1,
            col=1,
        )
        curves = {
            "train": run.train_accuracy,
            "held-out positions": run.held_accuracy,
            "fresh, training positions": run.fresh_accuracy,
        }
        for label, values in curves.items():
            fig.add_trace(
                go.Scatter(
                    x=run.curve_steps,
                    y=values,
                    name=f"{name}: {label}",
                    mode="lines",
                    line={"color": colour, "dash": dashes[label]},
                    legendgroup=name,
                ),
                row=1,
                col=2,
            )
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    fig.update_layout(
        height=380,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.3, "font": {"size": 11}},
    )
    return fig


SELECTED = "#d62728"
FEEDS = "#2ca02c"


def receptive_figure(
    labels: Sequence[str],
    maps: Sequence[np.ndarray],
    masks: Sequence[np.ndarray | None],
    selected: tuple[int, int, int] | None,
    show_values: bool = True,
) -> go.Figure:
    """Every stage of one pipeline in a row; cells in ``masks`` outlined, one cell selected.

    Each subplot carries an invisible marker per cell (``customdata`` = stage index) so a
    click on any cell of any map selects it. ``masks[k]`` marks stage ``k``'s linked cells
    (upstream of the selection, or downstream of a selected input cell).
    """
    panels = []
    for k, (label, z) in enumerate(zip(labels, maps, strict=True)):
        z = np.atleast_2d(z)
        lo, hi, scale = shared_scale(z)
        if k == 0 and lo >= 0:
            scale, hi = INK, max(hi, 1.0)
        panels.append(Panel(z, label.replace(" ", "<br>", 1), lo, hi, scale))
    fig = grid_figure([panels], show_values, cell_px=26, width_hint=900)
    for k, z in enumerate(maps, start=0):
        z = np.atleast_2d(z)
        axis = "" if k == 0 else str(k + 1)
        mask = masks[k] if k < len(masks) else None
        axes = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        if mask is not None and np.any(mask):
            fig.add_trace({**_outline_trace(mask, FEEDS, 3), **axes})
        if selected is not None and selected[0] == k:
            cell = _one_cell(z.shape, selected[1], selected[2])
            fig.add_trace({**_outline_trace(cell, SELECTED, 4), **axes})
        rows, cols = np.mgrid[0 : z.shape[0], 0 : z.shape[1]]
        fig.add_trace(
            go.Scatter(
                x=cols.ravel(),
                y=rows.ravel(),
                mode="markers",
                marker={"symbol": "square", "size": 14, "color": "rgba(0,0,0,0.01)"},
                customdata=np.full(z.size, k),
                selected={"marker": {"opacity": 1.0}},
                unselected={"marker": {"opacity": 1.0}},
                hovertemplate="click: row %{y}, col %{x}<extra></extra>",
                showlegend=False,
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
            )
        )
    fig.update_layout(clickmode="event+select")
    return fig


def _one_cell(shape: tuple[int, ...], row: int, col: int) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[row, col] = True
    return mask


def window_figure(
    layer_input: np.ndarray,
    output: np.ndarray,
    windows: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    terms: Sequence[np.ndarray],
    captions: Sequence[str],
    start: int = 0,
    frame_ms: int = 400,
    show_values: bool = True,
    terms_title: str = "window × kernel",
    first: int = 0,
) -> go.Figure:
    """The sliding window as an animation the browser plays by itself.

    Three panels: the layer's input with the current window (padded coordinates may reach
    past the border), the window's terms (products with the kernel, or the pooled values),
    and the output filled up to the current cell. One Plotly frame per output cell, with
    a slider and play/pause buttons; ``frame_ms`` sets the speed. ``windows[i]`` is
    ``((r0, r1), (c0, c1))`` half-open in input coordinates, ``terms[i]`` a small 2-D
    array and ``captions[i]`` the arithmetic for output cell ``first + i`` (row-major).
    Built from plain dicts, like :func:`grid_figure`: frames multiply validation costs.
    """
    out = np.atleast_2d(output).astype(float)
    h_out, w_out = out.shape
    h_in, w_in = layer_input.shape
    n = len(windows)
    lo, hi, scale = shared_scale(layer_input)
    olo, ohi, oscale = shared_scale(out)
    all_terms = np.concatenate([np.ravel(t) for t in terms]) if n else np.zeros(1)
    tlo, thi, tscale = shared_scale(np.where(np.isfinite(all_terms), all_terms, 0.0))
    th, tw = np.atleast_2d(terms[0]).shape if n else (1, 1)

    def text_args(z: np.ndarray) -> dict:
        if not show_values or max(z.shape) > MAX_TEXT_CELLS:
            return {}
        finite = np.where(np.isfinite(z), z, 0.0)
        labels = np.where(np.isnan(z), "", format_grid(finite))
        labels = np.where(np.isneginf(z), "−∞", labels)
        return {"text": labels.tolist(), "texttemplate": "%{text}", "textfont": {"size": 11}}

    def heat(z: np.ndarray, zmin: float, zmax: float, colours: object, axis: int) -> dict:
        z = np.atleast_2d(z).astype(float)
        xref, yref = _axis_names(axis)
        shown = np.where(np.isneginf(z), zmin, z)  # −∞ padding drawn as the lowest colour
        return {
            "type": "heatmap",
            "z": shown.tolist(),
            "zmin": zmin,
            "zmax": zmax,
            "colorscale": _colorscale(colours),
            "showscale": False,
            "xgap": 1,
            "ygap": 1,
            "hoverinfo": "skip",
            "xaxis": xref,
            "yaxis": yref,
            **text_args(z),
        }

    def box(r0: float, r1: float, c0: float, c1: float, axis: int) -> dict:
        xref, yref = _axis_names(axis)
        return {
            "type": "scatter",
            "mode": "lines",
            "hoverinfo": "skip",
            "showlegend": False,
            "x": [c0 - 0.5, c1 - 0.5, c1 - 0.5, c0 - 0.5, c0 - 0.5],
            "y": [r0 - 0.5, r0 - 0.5, r1 - 0.5, r1 - 0.5, r0 - 0.5],
            "line": {"color": SELECTED, "width": 4},
            "xaxis": xref,
            "yaxis": yref,
        }

    def dynamic(i: int) -> list[dict]:
        (r0, r1), (c0, c1) = windows[i]
        r, c = divmod(first + i, w_out)
        filled = np.full(out.size, np.nan)
        filled[: first + i + 1] = out.ravel()[: first + i + 1]
        return [
            box(r0, r1, c0, c1, 1),
            heat(terms[i], tlo, thi, tscale, 2),
            heat(filled.reshape(h_out, w_out), olo, ohi, oscale, 3),
            box(r, r + 1, c, c + 1, 3),
        ]

    start = int(np.clip(start, 0, max(n - 1, 0)))
    data = [heat(layer_input, lo, hi, scale, 1)] + (dynamic(start) if n else [])
    frames = [
        {
            "name": str(i),
            "data": dynamic(i),
            "traces": [1, 2, 3, 4],
            "layout": {"title": {"text": captions[i]}},
        }
        for i in range(n)
    ]
    rows_reach = [min([w[0][0] for w in windows] + [0]), max([w[0][1] for w in windows] + [h_in])]
    cols_reach = [min([w[1][0] for w in windows] + [0]), max([w[1][1] for w in windows] + [w_in])]
    x_domains = _domains([cols_reach[1] - cols_reach[0] + 2, max(tw, 3) + 2, w_out + 2], 0.06)
    ranges = [
        ([cols_reach[0] - 0.5, cols_reach[1] - 0.5], [rows_reach[1] - 0.5, rows_reach[0] - 0.5]),
        ([-0.5, tw - 0.5], [th - 0.5, -0.5]),
        ([-0.5, w_out - 0.5], [h_out - 0.5, -0.5]),
    ]
    layout: dict = {}
    annotations = []
    for axis, (x_range, y_range) in enumerate(ranges, start=1):
        xref, yref = _axis_names(axis)
        layout["xaxis" + xref[1:]] = {
            **BARE_AXIS,
            "domain": list(x_domains[axis - 1]),
            "range": x_range,
            "anchor": yref,
        }
        layout["yaxis" + yref[1:]] = {
            **BARE_AXIS,
            "domain": [0.0, 0.9],
            "range": y_range,
            "anchor": xref,
            "scaleanchor": xref,
        }
    for axis, text in enumerate(("input, with the window", terms_title, "output so far")):
        annotations.append(
            {
                "text": text,
                "x": sum(x_domains[axis]) / 2,
                "y": 0.92,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
    steps = [
        {
            "method": "animate",
            "label": str(first + i),
            "args": [
                [str(i)],
                {
                    "mode": "immediate",
                    "frame": {"duration": 0, "redraw": True},
                    "transition": {"duration": 0},
                },
            ],
        }
        for i in range(n)
    ]
    layout.update(
        title={"text": captions[start] if n else "", "font": {"size": 14}},
        height=440,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=False,
        dragmode=False,
        annotations=annotations,
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.05,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "buttons": [
                    {
                        "label": "▶ play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": int(frame_ms), "redraw": True},
                                "fromcurrent": True,
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {
                        "label": "❚❚ pause",
                        "method": "animate",
                        "args": [
                            [None],
                            {
                                "mode": "immediate",
                                "frame": {"duration": 0},
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": start,
                "steps": steps,
                "x": 0.2,
                "len": 0.8,
                "y": -0.02,
                "currentvalue": {"prefix": "output cell #"},
                "pad": {"t": 10},
            }
        ],
    )
    return go.Figure({"data": data, "layout": layout, "frames": frames}, _validate=False)
