"""The figures of the other tabs: the book's figure, the experiment's curves, the windows.

Built from the shared primitives of :mod:`poolviz.render.figures` (its colours,
:class:`~poolviz.render.figures.Panel`, :func:`~poolviz.render.figures.grid_figure`
and the marks of :mod:`poolviz.render.marks`), one function per tab: :func:`book_figure` (book tab),
:func:`experiment_figure` (experiment tab), :func:`receptive_figure` and
:func:`window_figure` (windows tab).  Only plotly here, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from poolviz.core.invariance import changed_mask
from poolviz.core.text import format_grid
from poolviz.render.figures import (
    BARE_AXIS,
    INK,
    MAX_TEXT_CELLS,
    PALETTE,
    Panel,
    _axis_names,
    _colorscale,
    _domains,
    grid_figure,
    shared_scale,
)
from poolviz.render.marks import FEEDS, SELECTED, cell_colours, mark_traces, window_traces

__all__ = [
    "book_panels",
    "book_figure",
    "experiment_figure",
    "receptive_panels",
    "receptive_figure",
    "window_figure",
]


def book_panels(
    inputs: Mapping[str, np.ndarray],
    pooled: Mapping[str, np.ndarray],
    next_maps: Mapping[str, np.ndarray],
    pool_label: str,
    next_label: str,
    plain_next: Mapping[str, np.ndarray] | None = None,
    plain_label: str = "",
) -> list[list[Panel]]:
    """The book figure's panels, rows A, B, C (see :func:`book_figure`), changes marked:
    what the figure draws and what its table of values lists."""
    rows = []
    all_pooled = list(pooled.values())
    all_next = list(next_maps.values())
    pmin, pmax, pscale = shared_scale(*all_pooled)
    nmin, nmax, nscale = shared_scale(*all_next)
    if plain_next is not None:
        lo, hi, scale = shared_scale(*plain_next.values())
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
        if plain_next is not None:
            changed = None if name == first else changed_mask(plain_next[first], plain_next[name])
            rows[-1].append(
                Panel(plain_next[name], f"{name}: no pooling, {plain_label}", lo, hi, scale,
                      outline=changed)
            )
    return rows


def book_figure(
    inputs: Mapping[str, np.ndarray],
    pooled: Mapping[str, np.ndarray],
    next_maps: Mapping[str, np.ndarray],
    pool_label: str,
    next_label: str,
    plain_next: Mapping[str, np.ndarray] | None = None,
    plain_label: str = "",
) -> go.Figure:
    """Rows A, B, C: the input, its max-pool output and the next layer's output, and (with
    ``plain_next``) the next layer's output with no pooling, the question's proposal.

    Every panel is drawn at the same cell size, so an 8×8 input is larger than its pooled map.
    """
    rows = book_panels(
        inputs, pooled, next_maps, pool_label, next_label, plain_next, plain_label
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


def receptive_panels(
    labels: Sequence[str],
    maps: Sequence[np.ndarray],
    masks: Sequence[np.ndarray | None],
    selected: tuple[int, int, int] | None,
) -> list[Panel]:
    """One panel per stage, linked cells marked FEEDS and the selection SELECTED (see
    :func:`receptive_figure`): what the figure draws and what its table lists."""
    panels = []
    for k, (label, z) in enumerate(zip(labels, maps, strict=True)):
        z = np.atleast_2d(z)
        lo, hi, scale = shared_scale(z)
        if k == 0 and lo >= 0:
            scale, hi = INK, max(hi, 1.0)
        marks = []
        mask = masks[k] if k < len(masks) else None
        if mask is not None:
            marks.append((FEEDS, np.atleast_2d(mask)))
        if selected is not None and selected[0] == k:
            marks.append((SELECTED, _one_cell(z.shape, selected[1], selected[2])))
        panels.append(Panel(z, label.replace(" ", "<br>", 1), lo, hi, scale, marks=tuple(marks)))
    return panels


def receptive_figure(
    labels: Sequence[str],
    maps: Sequence[np.ndarray],
    masks: Sequence[np.ndarray | None],
    selected: tuple[int, int, int] | None,
    show_values: bool = True,
) -> go.Figure:
    """Every stage of one pipeline in a row; linked cells and the selected cell marked.

    Each subplot carries an invisible marker per cell (``customdata`` = stage index) so a
    click on any cell of any map selects it. ``masks[k]`` holds stage ``k``'s linked cells
    (upstream of the selection, or downstream of a selected input cell), drawn as
    :data:`~poolviz.render.marks.FEEDS`; the selection is drawn as
    :data:`~poolviz.render.marks.SELECTED`.
    """
    panels = receptive_panels(labels, maps, masks, selected)
    fig = grid_figure([panels], show_values, cell_px=26, width_hint=900)
    for k, z in enumerate(maps, start=0):
        z = np.atleast_2d(z)
        axis = "" if k == 0 else str(k + 1)
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

    out_colours = cell_colours(out, olo, ohi, _colorscale(oscale))

    def dynamic(i: int) -> list[dict]:
        # Always 5 traces, as the frames' "traces" list says: the window (its white border
        # and black line), the terms, the output so far and its current cell (SELECTED).
        (r0, r1), (c0, c1) = windows[i]
        filled = np.full(out.size, np.nan)
        filled[: first + i + 1] = out.ravel()[: first + i + 1]
        current = np.zeros(out.size, dtype=bool)
        current[first + i] = True
        x3, y3 = _axis_names(3)
        return [
            *window_traces((r0, r1), (c0, c1), *_axis_names(1)),
            heat(terms[i], tlo, thi, tscale, 2),
            heat(filled.reshape(h_out, w_out), olo, ohi, oscale, 3),
            *mark_traces(SELECTED, current.reshape(h_out, w_out), out_colours, out_px, x3, y3),
        ]

    rows_reach = [min([w[0][0] for w in windows] + [0]), max([w[0][1] for w in windows] + [h_in])]
    cols_reach = [min([w[1][0] for w in windows] + [0]), max([w[1][1] for w in windows] + [w_in])]
    x_domains = _domains([cols_reach[1] - cols_reach[0] + 2, max(tw, 3) + 2, w_out + 2], 0.06)
    # The output's cells in pixels, for the marks' width: square cells limited by the
    # plot's height (440 - 80 px margins, 0.9 of it) or by its width (about 680 px).
    out_px = min(324 / max(h_out, 1), 680 * (x_domains[2][1] - x_domains[2][0]) / max(w_out, 1))
    start = int(np.clip(start, 0, max(n - 1, 0)))
    data = [heat(layer_input, lo, hi, scale, 1)] + (dynamic(start) if n else [])
    frames = [
        {
            "name": str(i),
            "data": dynamic(i),
            "traces": [1, 2, 3, 4, 5],
            "layout": {"title": {"text": captions[i]}},
        }
        for i in range(n)
    ]
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
