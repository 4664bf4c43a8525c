"""Validation of what the Explore component sends back: never raise, never apply twice."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz.view.explorer_events import (
    MAX_EDITS,
    ExplorerEvent,
    apply_edits,
    validate_edits,
    validate_event,
    validate_shift,
)

H, W, R = 6, 5, 3

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["seq", "edits", "row", "col", "value", "dx", "dy", "mode", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

edit = st.fixed_dictionaries(
    {
        "row": st.one_of(st.integers(-2, H + 1), st.floats(), st.booleans(), st.text(max_size=2)),
        "col": st.one_of(st.integers(-2, W + 1), st.none()),
        "value": st.one_of(st.sampled_from([0, 1, 0.0, 1.0, 0.5, 2, -1]), st.floats()),
    }
)
batches = st.fixed_dictionaries(
    {
        "seq": st.one_of(st.integers(-3, 2**60), st.floats(), st.text(max_size=3)),
        "edits": st.lists(edit, max_size=6),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(
        json_values,
        st.fixed_dictionaries({"shift": json_values, "edits": json_values}),
        st.fixed_dictionaries({"edits": batches}),
    )
)
def test_validate_event_never_raises_and_keeps_only_checked_values(raw):
    event = validate_event(raw, H, W, R)
    if event is None:
        assert not isinstance(raw, dict)
        return
    if event.has_shift:
        assert -R <= event.dx <= R and -R <= event.dy <= R and event.mode in ("zero", "wrap")
        assert type(event.dx) is int and type(event.dy) is int
    if event.seq is not None:
        assert 1 <= len(event.edits) <= min(MAX_EDITS, event.seq)
        for row, col, value in event.edits:
            assert type(row) is int and type(col) is int
            assert 0 <= row < H and 0 <= col < W and value in (0.0, 1.0)
    else:
        assert event.edits == ()
    # And applying it never raises or touches the input.
    x = np.zeros((H, W))
    y, applied, count = apply_edits(x, event, 0)
    assert not x.any() and applied >= 0 and count == len(event.edits)
    json.dumps(event.__dict__)  # plain values only


@settings(max_examples=200, deadline=None)
@given(
    strokes=st.lists(
        st.lists(
            st.tuples(st.integers(0, H - 1), st.integers(0, W - 1), st.sampled_from([0, 1])),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=8,
    ),
    plan=st.lists(st.sampled_from(["send", "resend", "drop", "ack"]), min_size=1, max_size=30),
)
def test_edits_apply_exactly_once_however_batches_are_repeated_or_lost(strokes, plan):
    """Model the component: every batch holds all unacknowledged edits; the network may
    drop or repeat batches; the result equals applying every edit once, in order."""
    edits = [e for stroke in strokes for e in stroke]
    want = np.zeros((H, W))
    for row, col, value in edits:
        want[row, col] = value
    pattern, applied, sent, count = np.zeros((H, W)), 0, 0, 0
    steps = iter(plan)

    def batch(upto):
        items = edits[applied:upto]
        return {"seq": upto, "edits": [{"row": r, "col": c, "value": v} for r, c, v in items]}

    for step in steps:
        if step == "drop" and sent < len(edits):
            sent = min(len(edits), sent + 2)  # sent, but lost on the way
        elif step in ("send", "resend") and applied < len(edits):
            upto = min(len(edits), max(sent, applied + 1) + (step == "send"))
            sent = max(sent, upto)
            event = validate_event({"edits": batch(upto)}, H, W, R)
            pattern, applied, n = apply_edits(pattern, event, applied)
            count += n
            if step == "resend":  # the same batch arrives twice
                pattern, applied, n = apply_edits(pattern, event, applied)
                assert n == 0
    while applied < len(edits):  # the component retries until acknowledged
        event = validate_event({"edits": batch(len(edits))}, H, W, R)
        pattern, applied, n = apply_edits(pattern, event, applied)
        count += n
    np.testing.assert_array_equal(pattern, want)
    assert count == len(edits)


def test_overlapping_batch_applies_only_its_new_tail():
    e = validate_event(
        {"edits": {"seq": 5, "edits": [{"row": 0, "col": c, "value": 1} for c in range(3)]}},
        H,
        W,
        R,
    )
    y, applied, count = apply_edits(np.zeros((H, W)), e, 3)  # edits 3, 4, 5; 3 done
    assert (applied, count) == (5, 2) and y[0].tolist() == [0, 1, 1, 0, 0]


@pytest.mark.parametrize(
    "raw",
    [
        {"dx": 1, "dy": 0},
        {"dx": 1, "dy": 0, "mode": "zero", "extra": 1},
        {"dx": 1.0, "dy": 0, "mode": "zero"},
        {"dx": 4, "dy": 0, "mode": "zero"},
        {"dx": 0, "dy": -4, "mode": "zero"},
        {"dx": 0, "dy": 0, "mode": ["zero"]},
        [1, 0, "zero"],
    ],
)
def test_validate_shift_rejects_malformed(raw):
    assert validate_shift(raw, R) is None


def test_validate_edits_rejects_oversized_batches():
    one = {"row": 0, "col": 0, "value": 1}
    assert validate_edits({"seq": MAX_EDITS, "edits": [one] * MAX_EDITS}, H, W) is not None
    assert validate_edits({"seq": MAX_EDITS + 1, "edits": [one] * (MAX_EDITS + 1)}, H, W) is None
    assert validate_edits({"seq": 2**53, "edits": [one]}, H, W) is None


def test_an_event_without_a_batch_changes_nothing():
    x = np.ones((2, 2))
    assert apply_edits(x, ExplorerEvent(dx=1, dy=0, mode="zero"), 7) == (x, 7, 0)
    assert apply_edits(x, None, 7) == (x, 7, 0)


def test_the_library_modules_never_import_streamlit():
    import subprocess
    import sys

    code = (
        "import sys, poolviz.render.explorer, poolviz.view.explorer_events; "
        "assert 'streamlit' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
