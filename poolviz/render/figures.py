"""Plotly figures built from core results: annotated heatmaps, sweeps, shared primitives.

Only plotly here, no Streamlit: each function takes numbers from the core and returns a
``go.Figure``. Browser cost drives the choices: one figure per group of maps, cell text
only where it fits, marked cells drawn by a few line traces per map rather than shapes.
The marks (changed, selected, feeds, the window) are defined once, in
:mod:`poolviz.render.marks`.

This module holds the shared primitives (:data:`CONFIG`, the colours, :class:`Panel`,
:func:`grid_figure` and the heatmap and outline traces) and the Explore and Invariance
tabs' figures; the other tabs' figures are in :mod:`poolviz.render.tab_figures`.
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
from poolviz.render.marks import CHANGED, Mark, cell_colours, mark_traces, outline_xy

__all__ = [
    "Panel",
    "grid_figure",
    "pipeline_figure",
    "input_figure",
    "sweep_figure",
    "shared_scale",
    "outline_xy",
    "MAX_TEXT_CELLS",
]

SEQUENTIAL = "Blues"
DIVERGING = "RdBu_r"
INK = [[0.0, "#ffffff"], [1.0, "#111111"]]
MAX_TEXT_CELLS = 16  # maps wider or taller than this get no cell text: it would not fit
CONFIG = {"displayModeBar": False, "responsive": True}
# One colour per stage label, shared by both pipelines' panels of the sweep.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class Panel:
    """One heatmap: its values, title, colour range and the cells to mark.

    ``outline`` marks changed cells (:data:`~poolviz.render.marks.CHANGED`); ``marks``
    holds any other ``(mark, mask)`` pairs, drawn after it in that order.
    """

    z: np.ndarray
    title: str
    zmin: float
    zmax: float
    colorscale: object
    outline: np.ndarray | None = None
    show_text: bool = True
    marks: tuple[tuple[Mark, np.ndarray], ...] = ()

    def all_marks(self) -> list[tuple[Mark, np.ndarray]]:
        """Every ``(mark, mask)`` of the panel, changed cells first."""
        changed = [] if self.outline is None else [(CHANGED, self.outline)]
        return changed + list(self.marks)


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


def panel_mark_traces(panel: Panel, cell_px: float, xref: str, yref: str) -> list[dict]:
    """The traces of every mark of ``panel``, each in the ink of the cells it sits on."""
    pending = [(m, mask) for m, mask in panel.all_marks() if mask is not None and np.any(mask)]
    if not pending:
        return []
    z = np.atleast_2d(panel.z)
    colours = cell_colours(z, panel.zmin, panel.zmax, _colorscale(panel.colorscale))
    traces: list[dict] = []
    for mark, mask in pending:
        traces += mark_traces(mark, mask, colours, cell_px, xref, yref)
    return traces


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
    # Cells are square, so the width available per cell caps the useful height.
    columns_total = sum(w + 0.8 for w in widths) * (1 + 0.04 * (n_cols - 1))
    cell_px = min(cell_px, max(6, int((width_hint - 70) / columns_total)))
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
                data += panel_mark_traces(panel, cell_px, xref, yref)
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

