"""Invariance over all shifts: each stage's change, what the next layer sees, the classic number."""

from __future__ import annotations

import numpy as np
import streamlit as st

from poolviz.core.checks import PoolvizError
from poolviz.core.text import markdown_escape
from poolviz.lessons import narrative
from poolviz.render import figures
from poolviz.view import choices
from poolviz.view import state as view_state
from ui import alt_text
from ui.cached import (
    classic_sentence,
    compute_key,
    distinct_counts,
    pipelines_for,
    sweep_results,
)
from ui.panels import bullets, guarded

KEY = "invariance"
TITLE = choices.TABS[KEY]
KEEP = ("sweep",)  # widget keys this tab owns, kept while another tab is open


def draw_invariance(view: view_state.ViewState) -> None:
    st.radio(
        "Shift along",
        list(choices.SWEEP_TITLES),
        key="sweep",
        horizontal=True,
        format_func=choices.SWEEP_TITLES.get,
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
            + bullets(lines)
        )
    figure_name = f"relative change of each stage against the shift ({choices.SWEEP_TITLES[view.sweep]})"
    alt_text.chart_name(figure_name)
    st.plotly_chart(
        figures.sweep_figure(sweeps, view.sweep), key="sweep_fig", theme=None, config=figures.CONFIG
    )
    st.markdown(
        "Relative change = ‖f(shifted input) − f(input)‖ / ‖f(input)‖ for each stage; "
        "0 means the stage's output did not change at all."
    )
    alt_text.values_tables(figure_name, sweep_tables(sweeps, view.sweep))
    draw_distinct_and_classic(view)


def draw_distinct_and_classic(view: view_state.ViewState) -> None:
    radius = min(2, view.height, view.width)
    st.markdown("**What the next layer sees:**")
    lines = []
    for what, (counts, n) in distinct_counts(compute_key(view), radius).items():
        lines += narrative.describe_distinct(counts, n, what, pipelines_for(compute_key(view)))
    st.markdown(f"'All' means every shift of at most {radius} pixels along each axis.")
    st.markdown(bullets(lines))
    st.markdown("**The classic number, computed:**")
    try:
        text = classic_sentence(
            view.height, view.width, view.pool_size, view.pool_stride, view.mode
        )
    except PoolvizError as error:
        text = f"Not available for these settings: {error}"
    st.markdown(markdown_escape(text))


def sweep_tables(sweeps: dict, axis: str) -> dict[str, alt_text.MapTable]:
    """The sweep figure's numbers: per pipeline a stage × shift table ("dx", "dy"), or per
    pipeline and stage a dy × dx map ("grid"), the input left out as the figure does."""
    out: dict[str, alt_text.MapTable] = {}
    for name, result in sweeps.items():
        keep = [k for k, label in enumerate(result.labels) if label != "input"]
        values = np.asarray(result.relative_change)
        if axis != "grid":
            steps = result.shifts[:, 1 if axis == "dx" else 0]
            out[name] = alt_text.MapTable(
                values[keep],
                rows=[result.labels[k] for k in keep],
                cols=[f"{axis} {int(v)}" for v in steps],
                corner=f"stage / {axis}",
            )
            continue
        dys, dxs = np.unique(result.shifts[:, 0]), np.unique(result.shifts[:, 1])
        for k in keep:
            out[f"{name}: {result.labels[k]}"] = alt_text.MapTable(
                values[k].reshape(len(dys), len(dxs)),
                rows=[f"dy {int(v)}" for v in dys],
                cols=[f"dx {int(v)}" for v in dxs],
                corner="dy / dx",
            )
    return out


def render(view: view_state.ViewState) -> None:
    guarded("The invariance sweep", draw_invariance, view)
