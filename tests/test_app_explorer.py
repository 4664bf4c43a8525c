"""The Explore component on the page, under AppTest: the shift and the painting go through
the page's callbacks as a browser sends them (tests/explorer_apptest.py)."""

from __future__ import annotations

import dataclasses
import json
import os

import explorer_apptest as explorer
import numpy as np
import pytest
import streamlit as st
from explorer_apptest import qp, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from app_pages.explore import EXPORT_LABELS
from poolviz.core.patterns import make_preset
from poolviz.lessons.comparison import compare
from poolviz.lessons.pipelines import selected
from poolviz.render.explorer import DECIMALS, MAX_PAYLOAD_BYTES, decode_maps, shift_index
from poolviz.view import downloads
from poolviz.view import state as view_state
from ui.cached import clear_shared_caches


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    clear_shared_caches()
    yield
    st.cache_data.clear()
    clear_shared_caches()


def assert_shows(at: AppTest, state: view_state.ViewState) -> None:
    """Every map the component draws for its shift equals the core's for ``state``."""
    runs = compare(
        state.pattern_array(), selected(state.layer_settings(), state.pipelines),
        state.dx, state.dy, state.mode,
    )
    drawn = explorer.shown(at)
    assert list(drawn) == ["input", *runs]
    np.testing.assert_array_equal(drawn["input"]["shifted"][0], next(iter(runs.values())).shifted[0])
    for name, run in runs.items():
        for which in ("original", "shifted"):
            for got, want in zip(drawn[name][which], getattr(run, which)[1:], strict=True):
                np.testing.assert_allclose(got, want, rtol=0, atol=10.0**-DECIMALS)


def test_one_set_of_shift_controls_and_no_plotly_maps_on_explore():
    at = run_app()
    assert not at.exception and not at.error
    # dx, dy and the edge mode live in the component (its range inputs and radios)
    assert not [w for w in at.main.slider] and not at.radio
    assert not at.get("plotly_chart")
    d = explorer.data(at)
    assert d["shift"] == {"dx": 1, "dy": 0, "mode": "zero", "rev": d["shift"]["rev"]}
    assert d["payload"]["modes"] == ["zero", "wrap"]
    assert len(explorer.element(at).json) <= MAX_PAYLOAD_BYTES + 1000
    assert_shows(at, view_state.DEFAULT)


def test_a_released_shift_updates_the_address_the_claim_and_the_exports():
    at = run_app(opened=["open_torch_code"])
    rev = explorer.data(at)["shift"]["rev"]
    explorer.move(at, 2, -1, "wrap")
    assert not at.exception
    assert qp(at) == {"dx": "2", "dy": "-1", "mode": "wrap"}
    # The browser moved it: the server does not push it back (same rev).
    assert explorer.data(at)["shift"] == {"dx": 2, "dy": -1, "mode": "wrap", "rev": rev}
    assert_shows(at, view_state.ViewState(dx=2, dy=-1, mode="wrap"))
    code = next(c.value for c in at.code if "import torch" in c.value)
    assert "moves 2 right and 1 up, wrapping" in code
    assert "You changed the view" in " ".join(c.value for c in at.caption)


def test_a_lesson_step_moves_the_components_shift_with_a_new_rev():
    at = run_app({"dx": "3", "step": "0"})
    rev = explorer.data(at)["shift"]["rev"]
    assert explorer.data(at)["shift"]["dx"] == 3
    at.button(key="lesson_start").click().run()  # step 1: dx=1 on Explore
    assert not at.exception
    d = explorer.data(at)
    assert d["shift"]["dx"] == 1 and d["shift"]["rev"] > rev


def test_painted_cells_apply_once_and_reach_the_address():
    at = run_app()
    before = np.array(at.session_state.pattern)
    explorer.paint(at, [(0, 0, 1), (7, 7, 1)], seq=2)
    assert not at.exception
    after = np.array(at.session_state.pattern)
    assert after[0, 0] == 1 and after[7, 7] == 1
    assert np.count_nonzero(after != before) == 2
    assert explorer.data(at)["ack"] == 2
    assert view_state.decode({"p": qp(at)["p"]}).state.pattern == at.session_state.pattern
    assert_shows(at, view_state.DEFAULT.with_pattern(after))
    # The same batch again (a retry that crossed the ack) changes nothing.
    explorer.paint(at, [(0, 0, 1), (7, 7, 1)], seq=2)
    np.testing.assert_array_equal(np.array(at.session_state.pattern), after)
    # A batch re-sending an old edit with a new one applies only the new one.
    explorer.paint(at, [(7, 7, 1), (0, 1, 1)], seq=3)
    assert explorer.data(at)["ack"] == 3
    assert np.count_nonzero(np.array(at.session_state.pattern) != after) == 1


def _per_shift(payload: dict) -> dict[tuple, dict]:
    """Everything a payload draws at each (mode, dx, dy): every stage's map, the changed
    masks and the sentences, decoded."""
    maps, r, (cx, cy) = decode_maps(payload), payload["radius"], explorer.center(payload)
    stages = [payload["input"], *(s for p in payload["pipelines"] for s in p["stages"])]
    out = {}
    for mode in payload["modes"]:
        for dy in range(cy - r, cy + r + 1):
            for dx in range(cx - r, cx + r + 1):
                k = shift_index(dx, dy, r, (cx, cy))
                out[mode, dx, dy] = {
                    "maps": [maps[s["shifted"][mode][k]].tolist() for s in stages],
                    "originals": [maps[s["original"]].tolist() for s in stages],
                    "changed": [payload["masks"][s["changed"][mode][k]] for s in stages],
                    "sentences": [payload["texts"][i] for i in payload["sentences"][mode][k]],
                }
    return out


@pytest.mark.parametrize(("shift", "center"), [((1, 0), (1, 0)), ((5, -8), (5, -7)), ((-8, 8), (-7, 7))])
def test_a_paint_draws_the_shifts_near_the_current_one_first_then_all_of_them(shift, center):
    at = run_app()  # radius 8
    explorer.move(at, *shift)
    explorer.paint(at, [(2, 3, 1)], seq=1, more=False)
    assert not at.exception
    first = explorer.data(at)
    assert explorer.first_payload(at)
    assert (first["payload"]["radius"], first["reach"], first["ack"]) == (1, 8, 1)
    assert explorer.center(first["payload"]) == center  # within the range, around the shift
    painted = dataclasses.replace(
        view_state.DEFAULT.with_pattern(np.array(at.session_state.pattern)),
        dx=shift[0], dy=shift[1],
    )
    assert_shows(at, painted)  # the maps on screen are the new pattern's already
    assert view_state.decode({"p": qp(at)["p"]}).state.pattern == painted.pattern
    # The browser asks for the rest once it has drawn the first payload.
    explorer.send(at, trigger=("more", True))
    whole = explorer.data(at)
    assert not explorer.first_payload(at)
    assert (whole["payload"]["radius"], whole["reach"], whole["ack"]) == (8, 8, 1)
    assert_shows(at, painted)
    # Every shift of the first payload draws exactly what the whole payload draws there,
    # in the same colour scale.
    near, full = _per_shift(first["payload"]), _per_shift(whole["payload"])
    assert len(near) == 2 * 9 and all(near[k] == full[k] for k in near)
    assert first["payload"]["range"] == whole["payload"]["range"]


def test_a_paint_back_to_a_pattern_the_session_holds_draws_the_whole_payload_at_once():
    at = run_app()
    explorer.paint(at, [(2, 3, 1)], seq=1)
    explorer.paint(at, [(2, 3, 0)], seq=2, more=False)  # back to the default pattern: held
    assert not explorer.first_payload(at) and explorer.data(at)["payload"]["radius"] == 8


def test_a_paint_on_a_busy_server_draws_the_whole_payload_at_once(monkeypatch):
    import ui.offload

    at = run_app()
    monkeypatch.setattr(ui.offload, "no_other_script_runs", lambda: False)
    explorer.paint(at, [(0, 0, 1)], seq=1, more=False)
    assert not explorer.first_payload(at) and explorer.data(at)["payload"]["radius"] == 8
    assert explorer.data(at)["ack"] == 1


def test_a_paint_when_the_range_is_one_pixel_draws_the_whole_payload_at_once(monkeypatch):
    import ui.explorer

    at = run_app()
    monkeypatch.setattr(ui.explorer, "FIRST_RADIUS", 8)  # a "window" as large as the range
    explorer.paint(at, [(0, 0, 1)], seq=1, more=False)
    assert not explorer.first_payload(at) and explorer.data(at)["payload"]["radius"] == 8


@pytest.mark.parametrize("value", [True, None, "x" * 5000, {"radius": -1}, [1, 2]])
def test_the_more_trigger_only_reruns_whatever_it_carries(value):
    at = run_app()
    before = explorer.data(at)
    explorer.send(at, trigger=("more", value))
    assert not at.exception and not at.error
    assert explorer.data(at) == before and qp(at) == {}


def test_a_shift_beyond_the_radius_of_a_large_pattern_is_clamped_with_a_note():
    big = view_state.DEFAULT.with_pattern(make_preset("random", 32, 32, seed=0))
    at = run_app(view_state.encode(dataclasses.replace(big, dx=7, dy=-8)))
    assert not at.exception and not at.error
    d = explorer.data(at)
    radius = d["payload"]["radius"]
    assert radius < 7
    assert (d["shift"]["dx"], d["shift"]["dy"]) == (radius, -radius)
    assert (qp(at)["dx"], qp(at)["dy"]) == (str(radius), str(-radius))
    assert any(f"±{radius} pixels" in i.value for i in at.info)
    assert len(json.loads(explorer.element(at).json)["payload"]) <= MAX_PAYLOAD_BYTES


HOSTILE_SHIFTS = [
    {"dx": "2", "dy": 0, "mode": "zero"},
    {"dx": 99, "dy": 0, "mode": "zero"},
    {"dx": 1.5, "dy": 0, "mode": "zero"},
    {"dx": True, "dy": 0, "mode": "zero"},
    {"dx": 1, "dy": 0, "mode": "<script>"},
    {"dx": 1, "dy": 0, "mode": "zero", "extra": 1},
    [1, 0, "zero"],
    "dx=2",
    {"dx": 2**70, "dy": 0, "mode": "zero"},
]
HOSTILE_EDITS = [
    {"seq": 1, "edits": [{"row": 8, "col": 0, "value": 1}]},
    {"seq": 1, "edits": [{"row": 0, "col": 0, "value": 0.5}]},
    {"seq": -1, "edits": [{"row": 0, "col": 0, "value": 1}]},
    {"seq": 1, "edits": [{"row": 0, "col": 0, "value": 1}] * 600},
    {"seq": 2**60, "edits": "all"},
    {"edits": [{"row": 0, "col": 0, "value": 1}]},
    ["seq", 1],
    None,
]


@pytest.mark.parametrize("raw", HOSTILE_SHIFTS, ids=range(len(HOSTILE_SHIFTS)))
def test_a_malformed_shift_from_the_browser_is_ignored(raw):
    at = run_app()
    explorer.send(at, shift=raw, raw=True)
    assert not at.exception and not at.error
    assert (at.session_state.dx, at.session_state.mode) == (1, "zero")
    assert qp(at) == {}
    assert_shows(at, view_state.DEFAULT)


@pytest.mark.parametrize("raw", HOSTILE_EDITS, ids=range(len(HOSTILE_EDITS)))
def test_a_malformed_paint_batch_is_ignored(raw):
    at = run_app()
    explorer.send(at, edits=raw)
    assert not at.exception and not at.error
    assert at.session_state.pattern == view_state.DEFAULT.pattern
    assert explorer.data(at)["ack"] == 0
    # and a good batch afterwards still applies
    explorer.paint(at, [(0, 0, 1)], seq=1)
    assert at.session_state.pattern[0][0] == 1.0


JSONISH = hs.recursive(
    hs.none() | hs.booleans() | hs.integers(-(2**60), 2**60) | hs.floats() | hs.text(max_size=8),
    lambda inner: hs.lists(inner, max_size=4) | hs.dictionaries(hs.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=12 if os.environ.get("CI") else 8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shift=JSONISH, edits=JSONISH)
def test_fuzzed_component_messages_never_break_the_page(shift, edits):
    at = run_app()
    explorer.send(at, shift=shift, edits=edits, raw=True)
    assert not at.exception
    assert not [e.value for e in at.error]


# ---------------------------------------------------------------- presentation mode (16)


def test_presentation_mode_from_the_link_and_the_button():
    at = run_app({"present": "1"})
    assert not at.exception and not at.error
    assert explorer.data(at)["present"] is True
    assert explorer.element(at, "presenter") is not None
    assert "Step 2 of 6" in " ".join(m.value for m in at.markdown)
    assert "You changed the view" not in " ".join(c.value for c in at.caption)
    at.button(key="present_toggle").click().run()
    assert qp(at) == {}
    assert explorer.data(at)["present"] is False
    with pytest.raises(AssertionError):
        explorer.element(at, "presenter")


def test_presentation_keys_walk_the_steps_and_bad_requests_are_ignored():
    at = run_app({"present": "1"})
    explorer.send(at, key="presenter", trigger=("go", {"to": 3}))
    assert not at.exception
    assert qp(at) == {"present": "1", "step": "3", "dx": "2", "tab": "book"}
    for bad in ({"to": 9}, {"to": "4"}, {"to": True}, [4], None, {"to": 4, "x": 1}):
        explorer.send(at, key="presenter", trigger=("go", bad))
        assert not at.exception and not at.error
        assert at.session_state.step == 3


LAZY = ("open_costs", "open_downloads", "open_torch_code")  # app_pages/explore.py


def _buttons(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_the_closed_panels_draw_nothing_and_open_ones_draw_the_views_numbers():
    link = {"pool": "avg", "dx": "2"}
    at = run_app(link)
    assert not at.exception and not at.error
    # Closed: no table, no buttons, no code (and no data grid or highlighter to load).
    assert not at.main.dataframe and not at.code and not _buttons(at)
    at = run_app(link, opened=LAZY)
    assert not at.exception and not at.error
    view = dataclasses.replace(view_state.DEFAULT, pool="avg", dx=2)
    want = downloads.view_result(view).costs
    frames = [d.value for d in at.main.dataframe]
    assert len(frames) == len(want) == 2
    for frame, costs in zip(frames, want.values(), strict=True):
        assert list(frame["stage"]) == [c.label for c in costs]
        assert list(frame["multiply-adds"]) == [c.macs for c in costs]
    assert _buttons(at) == [
        *(EXPORT_LABELS[fmt] for fmt in downloads.EXPORTS),
        *(f"This map as {fmt.upper()}" for fmt in downloads.FIGURE_FORMATS),
    ]
    code = next(c.value for c in at.code if "import torch" in c.value)
    assert "2 right" in code


def test_a_session_keeps_its_own_payloads_when_the_shared_cache_has_moved_on(monkeypatch):
    import ui.explorer

    at = run_app()
    explorer.paint(at, [(0, 0, 1)], seq=1)
    before = explorer.data(at)["payload"]
    clear_shared_caches()  # a class's other views pushed this one out of the process cache
    built = []
    real = ui.explorer.explorer_view

    def counted(*a, **k):
        built.append(a)
        return real(*a, **k)

    counted.peek = real.peek
    monkeypatch.setattr(ui.explorer, "explorer_view", counted)
    explorer.move(at, 2, 0)
    assert not at.exception and built == []  # the released shift rebuilt nothing
    assert explorer.data(at)["payload"] == before
    explorer.paint(at, [(0, 1, 1)], seq=2)  # a new pattern is built once
    assert len(built) == 1 and explorer.data(at)["payload"] != before
