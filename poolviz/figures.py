"""Plotly figures built from core results: annotated heatmaps, sweeps, the book's figure.

Only plotly here, no Streamlit: each function takes numbers from the core and returns a
``go.Figure``. Browser cost drives the choices: one figure per group of maps, cell text
only where it fits, changed cells outlined by one line trace per map rather than shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from poolviz.comparison import PipelineRun
from poolviz.export import format_grid
from poolviz.invariance import Sweep, changed_mask

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


def _heatmap(panel: Panel, show_values: bool) -> go.Heatmap:
    z = np.atleast_2d(panel.z)
    text_fits = show_values and panel.show_text and max(z.shape) <= MAX_TEXT_CELLS
    extra = {}
    if text_fits:
        extra = dict(
            text=format_grid(z), texttemplate="%{text}", textfont={"size": _font_size(z.shape)}
        )
    return go.Heatmap(
        z=z,
        zmin=panel.zmin,
        zmax=panel.zmax,
        colorscale=panel.colorscale,
        showscale=False,
        xgap=1,
        ygap=1,
        hovertemplate="row %{y}, col %{x}: %{z}<extra></extra>",
        **extra,
    )


def _outline_trace(mask: np.ndarray) -> go.Scatter:
    xs, ys = outline_xy(np.atleast_2d(mask))
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": OUTLINE, "width": 3},
        hoverinfo="skip",
        showlegend=False,
    )


def grid_figure(
    rows: Sequence[Sequence[Panel | None]],
    show_values: bool = True,
    row_titles: Sequence[str] | None = None,
    cell_px: int = 30,
    title: str | None = None,
    width_hint: int = 560,
) -> go.Figure:
    """Heatmaps on a grid of subplots, square cells, widths in proportion to the maps.

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
    titles = [
        (rows[r][c].title if c < len(rows[r]) and rows[r][c] is not None else "")
        for r in range(n_rows)
        for c in range(n_cols)
    ]
    fig = make_subplots(
        rows=n_rows,
        cols=n_cols,
        column_widths=[w + 0.8 for w in widths],
        row_heights=[h + 1.2 for h in heights],
        subplot_titles=titles,
        horizontal_spacing=0.04 if n_cols > 1 else 0.0,
        vertical_spacing=0.12 if n_rows > 1 else 0.0,
        row_titles=list(row_titles) if row_titles else None,
    )
    for r, row in enumerate(rows, start=1):
        for c, panel in enumerate(row, start=1):
            if panel is None:
                fig.update_xaxes(visible=False, row=r, col=c)
                fig.update_yaxes(visible=False, row=r, col=c)
                continue
            z = np.atleast_2d(panel.z)
            fig.add_trace(_heatmap(panel, show_values), row=r, col=c)
            if panel.outline is not None and np.any(panel.outline):
                fig.add_trace(_outline_trace(panel.outline), row=r, col=c)
            fig.update_xaxes(range=[-0.5, z.shape[1] - 0.5], row=r, col=c)
            fig.update_yaxes(range=[z.shape[0] - 0.5, -0.5], row=r, col=c)
    axis_style = dict(
        showticklabels=False,
        ticks="",
        showgrid=False,
        zeroline=False,
        showline=False,
        fixedrange=True,
        constrain="domain",
    )
    fig.update_xaxes(**axis_style)
    fig.update_yaxes(**axis_style)
    # Square cells: tie each y axis to its own x axis.
    for index in range(1, n_rows * n_cols + 1):
        suffix = "" if index == 1 else str(index)
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    fig.update_annotations(font_size=12)
    # Cells are square, so the width available per cell caps the useful height.
    columns_total = sum(w + 0.8 for w in widths) * (1 + 0.04 * (n_cols - 1))
    cell_px = min(cell_px, max(6, int((width_hint - 70) / columns_total)))
    total_height = sum(heights) * cell_px + 64 * n_rows + (40 if title else 10)
    fig.update_layout(
        height=int(min(max(total_height, 180), 900)),
        margin={
            "l": 30 if row_titles else 4,
            "r": 30 if row_titles else 4,
            "t": 60 if title else 40,
            "b": 4,
        },
        title={"text": title, "font": {"size": 15}} if title else None,
        plot_bgcolor="white",
        paper_bgcolor="white",
        dragmode=False,
        showlegend=False,
    )
    return fig


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
