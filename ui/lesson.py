"""The lesson strip above the tabs: where the student is on the six-step path, and the claim.

Next and Back set up the next step's view (pattern, shift, pipelines, tab); the claim is
computed on the view on screen (:func:`poolviz.view.lesson_view.step_evidence`), so a
student who changes something mid-step reads what the new maps show. "Leave the lesson"
keeps the view and drops the step, and every step has its own link (``?step=N``).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from poolviz.lessons.lesson import STEPS
from poolviz.render import figures
from poolviz.view import state as view_state
from poolviz.view.lesson_view import is_step_view, step_view
from ui.cached import lesson_evidence
from ui.panels import bullets, safe_callback
from ui.session import apply_view, bump, ss


@safe_callback
def go_to_step(number: int) -> None:
    """Callback: open step ``number``'s own view (in presentation mode if it is on)."""
    apply_view(dataclasses.replace(step_view(number), present=bool(ss.get("present"))))
    bump("input")
    bump("kernel")


@safe_callback
def leave_lesson() -> None:
    """Callback: keep everything on screen, off the path."""
    ss.step = 0


def _progress(number: int) -> str:
    return " ".join("●" if n <= number else "○" for n in range(1, len(STEPS) + 1))


def _table(rows: tuple[tuple[str, ...], ...]) -> None:
    st.dataframe(pd.DataFrame(list(rows[1:]), columns=list(rows[0])), hide_index=True)


def draw_lesson(view: view_state.ViewState) -> None:
    """The strip: step k of 6, its title, Back / Next / Leave, and the computed claim."""
    with st.container(key="lesson", border=True):
        # One horizontal row, not columns: each block costs the server on every rerun.
        if not 1 <= view.step <= len(STEPS):
            with st.container(key="lesson_row", horizontal=True, vertical_alignment="center"):
                st.markdown(
                    "**Off the lesson path.** Everything below is yours to explore.",
                    width="stretch",
                )
                st.button("Start the lesson", key="lesson_start", on_click=go_to_step, args=(1,))
            return
        step = STEPS[view.step - 1]
        with st.container(
            key="lesson_row", horizontal=True, vertical_alignment="center", wrap=False
        ):
            st.markdown(
                f"**Step {step.number} of {len(STEPS)}** {_progress(step.number)} — "
                f"**{step.title}** · *{step.question}*",
                width="stretch",
            )
            st.button(
                "◀ Back", key="lesson_back", on_click=go_to_step, args=(step.number - 1,),
                disabled=step.number == 1,
            )
            if step.number < len(STEPS):
                st.button(
                    "Next ▶", key="lesson_next", on_click=go_to_step, args=(step.number + 1,),
                    type="primary",
                )
            st.button("Leave the lesson", key="lesson_leave", on_click=leave_lesson)
        evidence = lesson_evidence(view)
        if evidence is None:
            return
        if not is_step_view(view):
            st.caption("You changed the view: the claim below is computed for what is on screen now.")
        st.markdown(bullets(evidence.sentences))
        if not evidence.holds:
            st.caption(
                "On this view the numbers do not show the step's claim; Back and Next, or the "
                "step's link, reopen its own view."
            )
        if evidence.table:
            _table(evidence.table)
        if evidence.patterns:
            for column, (name, grid) in zip(
                st.columns(len(evidence.patterns) + 2), evidence.patterns.items(), strict=False
            ):
                with column:
                    fig = figures.input_figure(grid, name, view.show_values)
                    st.plotly_chart(fig, key=f"lesson_{name}", theme=None, config=figures.CONFIG)
        if step.number == len(STEPS):
            st.markdown(
                "**Does it make learning easier?** The *experiment* tab trains the next layer "
                "with and without pooling and tests it on positions it never saw."
            )
