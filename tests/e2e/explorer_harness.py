"""A tiny Streamlit app that mounts the Explore component alone, for browser tests.

Run from the repository root: ``streamlit run tests/e2e/explorer_harness.py``. The query
string picks the pattern once per session: ``?preset=random&n=16&seed=0`` (default: the
book's 8×8 pattern). The pipelines are the default pair of ``poolviz.lessons.pipelines`` (max-pool, no pooling). It holds the
pattern in session state, applies painted cells exactly once (``apply_edits``), and writes
what Python saw as JSON into the ``harness_state`` box, which the tests read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# `streamlit run tests/e2e/explorer_harness.py` puts tests/e2e first on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st  # noqa: E402

from poolviz.core.patterns import PRESETS, make_preset  # noqa: E402
from poolviz.view.explorer_events import apply_edits  # noqa: E402
from ui.explorer import draw_explorer, explorer_view  # noqa: E402

st.set_page_config(page_title="explorer harness", layout="wide")
ss = st.session_state
KERNEL = ((1.0,),)


def _query_int(name: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(st.query_params.get(name, default))
    except ValueError:
        return default
    return value if lo <= value <= hi else default


if "pattern" not in ss:
    preset = st.query_params.get("preset", "book")
    n = _query_int("n", 8, 4, 32)
    ss.pattern = make_preset(preset if preset in PRESETS else "book", n, n, seed=0)
    ss.ack = 0
    ss.applied = 0  # edits applied in all
    ss.batches = 0  # valid batches seen (re-sent ones included)
    ss.shift = (0, 0, "zero")
    ss.shift_reports = 0
    ss.rev = 0
    ss.runs = 0
ss.runs += 1


def on_edits(event) -> None:
    ss.pattern, ss.ack, count = apply_edits(ss.pattern, event, ss.ack)
    ss.applied += count
    ss.batches += 1


def on_shift(event) -> None:
    ss.shift = (event.dx, event.dy, event.mode)
    ss.shift_reports += 1


def reset_shift() -> None:
    ss.shift = (0, 0, "zero")
    ss.rev += 1


st.button("Reset the shift", key="reset", on_click=reset_shift)
pattern = tuple(tuple(row) for row in ss.pattern.tolist())
view = explorer_view(pattern, KERNEL)
event = draw_explorer(
    view, "explorer", ack=ss.ack, shift=ss.shift, rev=ss.rev, on_edits=on_edits, on_shift=on_shift
)
with st.container(key="harness_state"):
    st.code(
        json.dumps(
            {
                "ack": ss.ack,
                "applied": ss.applied,
                "batches": ss.batches,
                "shift": list(ss.shift),
                "shift_reports": ss.shift_reports,
                "runs": ss.runs,
                "radius": view.radius,
                "bytes": view.nbytes,
                "pattern": ss.pattern.tolist(),
            }
        ),
        language="json",
    )
