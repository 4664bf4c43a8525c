"""The experiment's training worker: a thread that only computes, polled by a fragment."""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from poolviz.core import patterns
from poolviz.lessons import experiment as exp
from poolviz.view import state as view_state
from ui.session import note, ss

AUTO_RUN_WORK = 1_000_000
EXPERIMENT_CACHE_ENTRIES = 4


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
