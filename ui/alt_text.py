"""Text alternatives for the Plotly figures: a name before each chart, its values as tables.

A Plotly chart is an SVG that a screen reader cannot read as data, so every map figure on
the tabs (Explore's maps are the component's own) is followed by an expander, "Values as
a table: <figure>", holding one real HTML ``<table>`` per map (``st.table``: a caption
row, column headers, row headers), each value written as the figure writes it
(:func:`poolviz.core.text.format_grid`) and each marked cell named in words ("2, changed"),
so the marks of :mod:`poolviz.render.marks` are readable too. An expander, not a
visually-hidden table: sighted students can open it as well, and it is an ordinary
disclosure button for keyboard and screen-reader users. Numbers come from the core, as
given; this module only lays them out.

The chart's name is a line of plain markdown right before it (:func:`chart_name`);
``st.caption`` is not used for it because Streamlit's caption grey has 3.9:1 contrast on
white, under the 4.5:1 WCAG asks of text (the axe audit reports it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.core.text import format_grid, markdown_escape
from poolviz.render.figures import Panel
from poolviz.render.marks import Mark

__all__ = [
    "MapTable",
    "table_frame",
    "panel_tables",
    "chart_name",
    "legend_line",
    "values_tables",
]

EXPANDER_LABEL = "Values as a table"


@dataclass(frozen=True)
class MapTable:
    """One map as a table.

    Attributes
    ----------
    values : 2-D array, as the figure draws it (NaN: an empty cell, written "")
    marks : ``(mark, mask)`` pairs; a True cell's text gets ", <mark name>"
    rows, cols : header labels (default "row 0", "col 0", ...)
    corner : the top-left header, naming what the rows and columns are (an empty header
        cell is an axe-core finding, and a screen reader reads it as nothing)
    """

    values: np.ndarray
    marks: tuple[tuple[Mark, np.ndarray], ...] = ()
    rows: Sequence[str] | None = None
    cols: Sequence[str] | None = None
    corner: str = "row / col"


def table_frame(table: MapTable) -> pd.DataFrame:
    """The map's cells as strings in a DataFrame with labelled rows and columns.

    >>> from poolviz.render.marks import CHANGED
    >>> mask = np.array([[False, True]])
    >>> table_frame(MapTable(np.array([[1.0, 0.5]]), ((CHANGED, mask),))).to_dict("split")
    {'index': ['row 0'], 'columns': ['col 0', 'col 1'], 'data': [['1', '0.5, changed']]}
    """
    values = np.atleast_2d(np.asarray(table.values, dtype=float))
    finite = np.where(np.isfinite(values), values, 0.0)
    text = np.where(np.isnan(values), "", format_grid(finite)).astype(object)
    text = np.where(np.isneginf(values), "−∞", text)
    for mark, mask in table.marks:
        if mask is None:
            continue
        mask = np.atleast_2d(np.asarray(mask, dtype=bool))
        text = np.where(mask, text + f", {mark.name}", text)
    h, w = values.shape
    rows = list(table.rows) if table.rows is not None else [f"row {r}" for r in range(h)]
    cols = list(table.cols) if table.cols is not None else [f"col {c}" for c in range(w)]
    frame = pd.DataFrame(text.tolist(), index=rows, columns=cols)
    frame.columns.name = table.corner  # shown in the top-left header cell
    return frame


def panel_tables(panels: Iterable[Panel | None]) -> dict[str, MapTable]:
    """A figure's panels (the ones :func:`~poolviz.render.figures.grid_figure` draws) as
    tables, named by their titles, with every mark the figure draws on them.

    >>> from poolviz.render.figures import Panel
    >>> list(panel_tables([Panel(np.zeros((1, 1)), "conv<br>3×3", 0.0, 1.0, "Blues")]))
    ['conv 3×3']
    """
    out: dict[str, MapTable] = {}
    for panel in panels:
        if panel is None:
            continue
        name = panel.title.replace("<br>", " ") or f"map {len(out) + 1}"
        out[name] = MapTable(np.atleast_2d(panel.z), tuple(panel.all_marks()))
    return out


def chart_name(text: str) -> None:
    """The chart's name, in words, right before it (screen readers meet it first)."""
    st.markdown(f"**Figure:** {markdown_escape(text)}")


def legend_line(text: str) -> None:
    """A legend sentence (:func:`poolviz.render.marks.legend`) under a figure."""
    st.markdown(markdown_escape(text))


def values_tables(figure: str, tables: Mapping[str, MapTable | np.ndarray]) -> None:
    """An expander "Values as a table: <figure>" with one ``st.table`` per map.

    Parameters
    ----------
    figure : the figure's name, as :func:`chart_name` gave it (tells expanders apart)
    tables : map name -> :class:`MapTable` (or a bare 2-D array), in the figure's order
    """
    with st.expander(f"{EXPANDER_LABEL}: {figure}"):
        for name, table in tables.items():
            if not isinstance(table, MapTable):
                table = MapTable(np.asarray(table))
            st.markdown(f"**{markdown_escape(name)}**")
            st.table(table_frame(table))
