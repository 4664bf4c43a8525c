"""The experiment's training: queued on the server's one bounded executor (ui/jobs.py), polled by a fragment."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from poolviz.core import patterns
from poolviz.lessons import experiment as exp
from poolviz.view import state as view_state
from ui.jobs import JobExecutor, JobRefused, JobStatus, get_executor
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


@st.cache_resource(show_spinner=False)
def executor() -> JobExecutor:
    """The server's one bounded job executor, shared by every session (ui/jobs.py)."""
    return get_executor()


def session_id() -> str:
    """This browser session's id, which the executor keys jobs by."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def submit(name: str, fn, slot: str) -> bool:
    """Queue ``fn(should_stop, progress)`` for this session; a refusal is noted in ``slot``."""
    try:
        executor().submit(session_id(), fn, name=name)
    except JobRefused as refused:
        note(slot, str(refused))
        return False
    note(slot, None)
    return True


def start_training(config: exp.ExperimentConfig) -> None:
    """Queue the experiment; it runs on the server's bounded executor, never on its own thread.

    The job only computes (no Streamlit calls); its progress and result come back through
    the executor's status, which :func:`training_progress` polls.
    """
    ss.ex_job_config = config
    submit(
        "training",
        lambda stop, progress: exp.run_experiment(config, progress=progress, should_stop=stop),
        "experiment",
    )


def job_panel(status: JobStatus, what: str, key: str) -> bool:
    """Queued / running: the line, a progress bar and Cancel or Stop (widget keys
    ``{key}_cancel`` / ``{key}_stop``). True while unfinished."""
    if status.state == "queued":
        st.info(f"{status.describe()}. It starts when a worker is free.")
        st.button("Cancel", key=f"{key}_cancel", on_click=executor().cancel, args=(status.job_id,))
        return True
    if status.state == "running":
        fraction = min(max(float(status.fraction), 0.0), 1.0)
        st.progress(fraction, text=f"{what.capitalize()}… {fraction:.0%}")
        st.button("Stop", key=f"{key}_stop", on_click=executor().cancel, args=(status.job_id,))
        return True
    return False


def session_job(name: str) -> JobStatus | None:
    """This session's job called ``name`` (the experiment's "training", the lab's
    "retraining"), or None: one session holds at most one job, of either kind."""
    status = executor().poll(session_id())
    return status if status is not None and status.name == name else None


def experiment_job() -> JobStatus | None:
    """This session's experiment job, or None."""
    return session_job("training")


@st.fragment(run_every=0.3)
def training_progress() -> None:
    """Poll the job: its place in the queue, or progress and Stop, then the results."""
    status = experiment_job()
    if status is None or job_panel(status, "training", "ex"):
        return
    if status.result is not None:
        remember_result(ss.ex_job_config, status.result)
    if status.state in ("failed", "cpu-cap"):  # a Stop the user pressed is not an error
        note("experiment", f"Training {status.describe().lower()}")
    executor().forget(status.job_id)
    st.rerun()
