"""Plotly figures of the Digits lab, Streamlit-free: each takes numbers, returns a go.Figure.

The figures are small (one trace per net, one heatmap per map), so the live view can redraw
all of them on every shift without a visible wait.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "CONFIG",
    "digit_figure",
    "curves_figure",
    "shift_maps_figure",
    "feature_pair_figure",
    "training_figure",
]

CONFIG = {"displayModeBar": False, "responsive": True}
INK = [[0.0, "#ffffff"], [1.0, "#111111"]]
_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def digit_figure(image: np.ndarray, title: str = "") -> go.Figure:
    """A 16x16 image as a grid of square markers that can be clicked (a point per cell).

    Point ``k`` is cell ``(row, col) = divmod(k, 16)``; ``x`` is the column and ``y`` the
    row, with row 0 at the top.

    Examples
    --------
    >>> fig = digit_figure(np.eye(16))
    >>> len(fig.data[0].x), fig.layout.yaxis.autorange
    (256, 'reversed')
    """
    img = np.asarray(image, dtype=float)
    h, w = img.shape
    rows, cols = np.divmod(np.arange(h * w), w)
    fig = go.Figure(
        go.Scatter(
            x=cols,
            y=rows,
            mode="markers",
            marker={
                "symbol": "square",
                "size": 17,
                "color": img.reshape(-1),
                "colorscale": INK,
                "cmin": 0.0,
                "cmax": 1.0,
                "line": {"width": 1, "color": "#cccccc"},
            },
            hovertemplate="row %{y}, col %{x}: %{marker.color:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, width=380, height=390, margin={**_MARGIN, "l": 36, "b": 30},
        clickmode="event+select",
        dragmode=False, plot_bgcolor="white",
    )
    fig.update_xaxes(range=[-0.6, w - 0.4], showgrid=False, zeroline=False, dtick=4)
    fig.update_yaxes(
        autorange="reversed", showgrid=False, zeroline=False, dtick=4, scaleanchor="x"
    )
    return fig


def curves_figure(
    xs: Sequence[int], curves: Mapping[str, Sequence[float]], title: str, xlabel: str,
    ylabel: str = "probability",
) -> go.Figure:
    """One line per net on shared axes (probability of a class along a shift).

    >>> len(curves_figure([-1, 0, 1], {"a": [0.1, 0.9, 0.2], "b": [1, 1, 1]}, "t", "dx").data)
    2
    """
    fig = go.Figure(
        [go.Scatter(x=list(xs), y=list(map(float, ys)), mode="lines+markers", name=name)
         for name, ys in curves.items()]
    )
    fig.update_layout(title=title, height=360, margin={**_MARGIN, "l": 60, "b": 50},
                      legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(title=xlabel, dtick=1)
    fig.update_yaxes(title=ylabel, range=[0, 1.02])
    return fig


def shift_maps_figure(
    maps: Mapping[str, np.ndarray], radius: int, title: str, zmax: float = 1.0, cols: int = 3
) -> go.Figure:
    """One heatmap per net over dx (columns) x dy (rows), on one colour scale [0, zmax].

    >>> fig = shift_maps_figure({"a": np.ones((9, 9)), "b": np.zeros((9, 9))}, 4, "t")
    >>> len(fig.data), list(fig.data[0].x[:2])
    (2, [-4, -3])
    """
    names = list(maps)
    rows = -(-len(names) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.04,
                        vertical_spacing=0.12)
    axis = list(range(-radius, radius + 1))
    for i, name in enumerate(names):
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(maps[name], dtype=float), x=axis, y=axis, zmin=0.0, zmax=zmax,
                colorscale="Viridis", showscale=i == 0,
                hovertemplate="dx %{x}, dy %{y}: %{z:.3f}<extra>" + name + "</extra>",
            ),
            row=i // cols + 1, col=i % cols + 1,
        )
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    fig.update_layout(title=title, height=260 * rows + 60, margin=_MARGIN)
    return fig


def feature_pair_figure(original: np.ndarray, shifted: np.ndarray, title: str) -> go.Figure:
    """A feature map of the original and of the shifted input side by side, one scale.

    >>> len(feature_pair_figure(np.zeros((4, 4)), np.ones((4, 4)), "t").data)
    2
    """
    lo = float(min(original.min(), shifted.min()))
    hi = float(max(original.max(), shifted.max()))
    hi = hi if hi > lo else lo + 1.0
    fig = make_subplots(rows=1, cols=2, subplot_titles=["original", "shifted"],
                        horizontal_spacing=0.06)
    for i, m in enumerate((original, shifted)):
        fig.add_trace(
            go.Heatmap(z=np.asarray(m, dtype=float), zmin=lo, zmax=hi, colorscale="Blues",
                       showscale=i == 1, hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>"),
            row=1, col=i + 1,
        )
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    fig.update_layout(title=title, height=320, margin=_MARGIN)
    return fig


def training_figure(epochs: Sequence[int], losses: Sequence[float],
                    accuracies: Sequence[float]) -> go.Figure:
    """Training loss and test accuracy per epoch.

    >>> len(training_figure([1, 2], [1.0, 0.5], [0.8, 0.9]).data)
    2
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=list(epochs), y=list(losses), name="training loss"))
    fig.add_trace(go.Scatter(x=list(epochs), y=list(accuracies), name="test accuracy"),
                  secondary_y=True)
    fig.update_layout(height=280, margin=_MARGIN, legend={"orientation": "h"})
    fig.update_xaxes(title="epoch")
    return fig
