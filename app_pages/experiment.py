"""The experiment: train the next layer with and without pooling, test it on unseen positions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.core.text import markdown_escape
from poolviz.lessons import experiment as exp
from poolviz.lessons.experiment_verdict import verdict
from poolviz.render import figures, tab_figures
from poolviz.view import choices
from poolviz.view import state as view_state
from ui import alt_text
from ui.panels import guarded
from ui.session import EXPERIMENT_FIELDS, ss
from ui.training import (
    AUTO_RUN_WORK,
    experiment_config,
    experiment_job,
    remember_result,
    start_training,
    training_progress,
)

KEY = "experiment"
TITLE = choices.TABS[KEY]
KEEP = EXPERIMENT_FIELDS  # widget keys this tab owns, kept while another tab is open


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
    if experiment_job() is not None:  # queued, running, or finished and not yet collected
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
    st.markdown("**Verdict:** " + markdown_escape(verdict(result)))
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
    figure_name = "learning curves: training loss, and accuracy on the three test sets"
    alt_text.chart_name(figure_name)
    st.plotly_chart(
        tab_figures.experiment_figure(result.runs),
        key="experiment_fig",
        theme=None,
        config=figures.CONFIG,
    )
    alt_text.values_tables(figure_name, curve_tables(result.runs))
    st.markdown(
        f"{result.steps_done} steps of full-batch gradient descent in {result.seconds:.2f} s; "
        f"{result.n_test} test images per test set."
    )


def curve_tables(runs: dict) -> dict[str, alt_text.MapTable]:
    """The learning curves as numbers: per pipeline, one row per recorded step."""
    out = {}
    for name, run in runs.items():
        curves = {
            "loss": run.loss,
            "train accuracy": run.train_accuracy,
            "held-out positions": run.held_accuracy,
            "fresh, training positions": run.fresh_accuracy,
        }
        out[name] = alt_text.MapTable(
            np.column_stack([np.asarray(v, dtype=float) for v in curves.values()]),
            rows=[f"step {int(s)}" for s in run.curve_steps],
            cols=list(curves),
            corner="step / curve",
        )
    return out


def render(view: view_state.ViewState) -> None:
    guarded("The experiment", draw_experiment, view)
