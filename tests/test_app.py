"""The page, driven headlessly with Streamlit's AppTest: widgets by key, figures by data."""

from __future__ import annotations

import base64
import dataclasses
import json
import os

import explorer_apptest as explorer
import numpy as np
import pytest
import streamlit as st
from explorer_apptest import APP, qp, run_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_h
from streamlit.testing.v1 import AppTest

from poolviz.core.kernels import KERNEL_PRESETS, make_kernel
from poolviz.core.patterns import PRESETS, make_preset
from poolviz.lessons.comparison import compare
from poolviz.lessons.pipelines import selected
from poolviz.render.explorer import DECIMALS
from poolviz.view import state as view_state
from ui.cached import clear_shared_caches


@pytest.fixture(autouse=True, scope="module")
def short_lab_table():
    # The Digits lab measures 12 nets over every test digit and 81 shifts (seconds, once per
    # server); here 20 digits exercise the same page logic (tests/test_lab_page.py does too).
    old = os.environ.get("POOLVIZ_LAB_N_TEST")
    os.environ["POOLVIZ_LAB_N_TEST"] = "20"
    yield
    if old is None:
        del os.environ["POOLVIZ_LAB_N_TEST"]
    else:
        os.environ["POOLVIZ_LAB_N_TEST"] = old


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    clear_shared_caches()
    yield
    st.cache_data.clear()
    clear_shared_caches()


def decode_z(z) -> np.ndarray:
    """Plotly JSON carries arrays as base64 typed arrays; plain lists are fine too."""
    if isinstance(z, dict) and "bdata" in z:
        shape = tuple(int(n) for n in str(z["shape"]).split(","))
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.array(z, dtype=float)


def chart_spec(at: AppTest, key: str) -> dict:
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith("-" + key):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def heatmaps(at: AppTest, key: str) -> list[np.ndarray]:
    return [decode_z(t["z"]) for t in chart_spec(at, key)["data"] if t["type"] == "heatmap"]


LEFT, RIGHT = 0, 1  # the two sides of Explore; by default max-pool and no pooling


def pipeline_maps(at: AppTest, side: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(original row, shifted row) of one side's pipeline as the component draws it for
    the shift it was told, stages after the input."""
    drawn = list(explorer.shown(at).values())[1 + side]  # "input" comes first
    return drawn["original"], drawn["shifted"]


def expected_runs(state: view_state.ViewState):
    pipelines = selected(state.layer_settings(), state.pipelines)
    return compare(state.pattern_array(), pipelines, state.dx, state.dy, state.mode)


def assert_matches(at: AppTest, state: view_state.ViewState) -> None:
    runs = expected_runs(state)
    for side, run in zip((LEFT, RIGHT), runs.values(), strict=True):
        top, bottom = pipeline_maps(at, side)
        assert len(top) == len(run.labels) - 1
        # The payload carries DECIMALS places (the cells print at most 2).
        for shown, want in zip(top, run.original[1:], strict=True):
            np.testing.assert_allclose(shown, want, rtol=0, atol=10.0**-DECIMALS)
        for shown, want in zip(bottom, run.shifted[1:], strict=True):
            np.testing.assert_allclose(shown, want, rtol=0, atol=10.0**-DECIMALS)


def test_default_render_shows_the_books_matrices():
    at = run_app()
    assert not at.exception
    assert not at.error
    assert not at.warning
    top, bottom = pipeline_maps(at, LEFT)
    # conv 1x1 (identity), max-pool 2x2 /2, conv 2x2 all-ones /2, global max
    np.testing.assert_array_equal(top[1], [[0, 1, 1, 0]] * 4)
    np.testing.assert_array_equal(bottom[1], [[0, 1, 1, 0]] * 4)
    np.testing.assert_array_equal(top[2], [[2, 2], [2, 2]])
    np.testing.assert_array_equal(bottom[2], [[2, 2], [2, 2]])
    np.testing.assert_array_equal(top[3], [[2]])
    assert_matches(at, view_state.DEFAULT)
    assert qp(at) == {}
    text = " ".join(explorer.sentences(at))  # what the browser shows beside the maps
    assert "unchanged" in text and "32 of 64" in text


def test_moving_dx_changes_the_shifted_row_and_the_url():
    at = run_app()
    explorer.move(at, 2)
    assert not at.exception
    _, bottom = pipeline_maps(at, LEFT)
    np.testing.assert_array_equal(bottom[1], [[0, 0, 1, 1]] * 4)
    np.testing.assert_array_equal(bottom[2], [[0, 4], [0, 4]])
    assert qp(at)["dx"] == "2"
    assert_matches(at, view_state.ViewState(dx=2))


def test_moving_dy_and_wrap_mode():
    at = run_app()
    explorer.move(at, 1, -3, "wrap")
    assert not at.exception
    assert qp(at)["dy"] == "-3" and qp(at)["mode"] == "wrap"
    assert_matches(at, view_state.ViewState(dy=-3, mode="wrap"))


def test_a_filter_from_the_url_changes_the_conv_map():
    at = run_app({"k": "2"})
    assert not at.exception
    top, _ = pipeline_maps(at, LEFT)
    np.testing.assert_array_equal(top[0], 2 * make_preset("book"))


@pytest.mark.parametrize("name", KERNEL_PRESETS)
def test_every_filter_preset_renders(name):
    at = run_app()
    at.number_input(key="k_rows_widget").set_value(3).run()
    at.number_input(key="k_cols_widget").set_value(3).run()
    at.selectbox(key="kernel_choice").set_value(name).run()
    assert not at.exception
    kernel = make_kernel(name, 3, 3, seed=0)
    state = view_state.ViewState().with_kernel(kernel)
    assert_matches(at, state)
    assert qp(at)["k"] == view_state.encode(state)["k"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_pattern_preset_renders(name):
    at = run_app()
    at.selectbox(key="preset_choice").set_value(name).run()
    assert not at.exception
    assert at.selectbox(key="preset_choice").value is None
    state = view_state.ViewState().with_pattern(make_preset(name, 8, 8, seed=0))
    assert_matches(at, state)


def test_grid_size_clear_and_invert():
    at = run_app()
    at.number_input(key="cols_widget").set_value(12).run()
    at.number_input(key="rows_widget").set_value(6).run()
    assert not at.exception
    assert explorer.shown(at)["input"]["original"][0].shape == (6, 12)
    next(b for b in at.button if b.label == "Clear").click().run()
    assert not at.exception
    assert not np.any(np.array(at.session_state.pattern))
    next(b for b in at.button if b.label == "Invert").click().run()
    assert np.all(np.array(at.session_state.pattern) == 1)


@pytest.mark.parametrize("pool", ["max", "avg", "blur", "aps"])
def test_pooling_kinds(pool):
    at = run_app()
    at.selectbox(key="pool").set_value(pool).run()
    assert not at.exception
    assert_matches(at, view_state.ViewState(pool=pool))
    text = " ".join(explorer.sentences(at))
    # APS is said in plain words beside the maps (and only when APS is on screen).
    assert ("APS keeps the sub-grid with the most energy" in text) == (pool == "aps")


def test_a_query_string_reproduces_a_state():
    rng = np.random.default_rng(3)
    state = view_state.ViewState(
        pattern=tuple(tuple(float(v) for v in row) for row in rng.integers(0, 2, (10, 12))),
        dx=-2,
        dy=1,
        mode="wrap",
        kernel=((1.0, -0.5), (0.25, 2.0)),
        conv_stride=1,
        conv_padding=1,
        relu=True,
        pool="avg",
        pool_size=3,
        pool_stride=2,
        next_stride=1,
        next_padding=1,
        show_values=False,
    )
    params = view_state.encode(state)
    at = run_app(params)
    assert not at.exception
    assert not at.warning
    assert_matches(at, state)
    assert qp(at) == params


BAD_VALUES = {
    "tab": "nope",
    "p": "8x8.b.!!!!",
    "dx": "abc",
    "dy": "1e3",
    "mode": "diagonal",
    "k": "1,,2",
    "cs": "0",
    "cp": "-1",
    "relu": "yes",
    "pool": "min",
    "ps": "9",
    "pst": "x",
    "ns": "1.5",
    "np": "99",
    "vals": "2",
    "sweep": "z",
    "seed": "-5",
    "th": "nan",
}


@pytest.mark.parametrize("key", sorted(BAD_VALUES))
def test_each_bad_parameter_warns_and_falls_back_keeping_the_others(key):
    good = {"dx": "2", "pool": "avg", "mode": "wrap"}
    params = {**good, key: BAD_VALUES[key]}
    at = run_app(params)
    assert not at.exception
    assert at.warning, "a visible warning is expected"
    assert key in at.warning[0].value.replace("\\", "")
    kept = {k: v for k, v in good.items() if k != key}
    written = qp(at)
    for k, v in kept.items():
        assert written.get(k) == v, f"{k} should be kept"
    assert key not in written, "the rejected parameter falls back to its default (omitted)"


def test_the_book_tab_computes_the_three_results():
    at = run_app({"tab": "book"})
    assert not at.exception
    assert not at.error
    maps = heatmaps(at, "book_fig")
    nexts = [m for m in maps if m.shape == (2, 2)]
    assert [m.tolist() for m in nexts] == [[[2, 2], [2, 2]], [[2, 2], [2, 2]], [[0, 4], [0, 4]]]
    assert qp(at)["tab"] == "book"


@pytest.mark.parametrize("axis", ["dx", "dy", "grid"])
def test_the_invariance_tab_reads_its_sweep(axis):
    at = run_app({"tab": "invariance", "sweep": axis})
    assert not at.exception
    assert not at.error
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "unchanged for" in text
    assert "max-pool 2×2 /2 for 3 of 4" in text
    chart_spec(at, "sweep_fig")


def test_a_failing_core_function_shows_a_panel_error_and_keeps_the_rest(monkeypatch):
    import poolviz.lessons.comparison

    def broken(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(poolviz.lessons.comparison, "compare", broken)
    # The cost tables' panel runs the comparison (the maps come from the explorer payload).
    at = run_app({"dx": "3"}, opened=["open_costs"])
    assert not at.exception
    assert any("could not be drawn" in e.value for e in at.error)
    assert at.session_state.dx == 3
    assert qp(at)["dx"] == "3"
    at.selectbox(key="pool").set_value("avg").run()
    assert not at.exception
    assert qp(at)["pool"] == "avg" and qp(at)["dx"] == "3"


def test_the_windows_tab_links_a_cell_to_its_inputs_and_steps_through():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["tab"] = "windows"
    at.session_state["win_selected"] = (3, 0, 1)  # with pooling: conv 2×2 /2, row 0, col 1
    at.run()
    assert not at.exception
    assert not at.error
    code = next(c.value for c in at.code if "row 0, col 1" in c.value)
    assert code.startswith("conv 2×2 /2, row 0, col 1") and code.rstrip().endswith("= 2")
    spec = chart_spec(at, "receptive_0")
    outlined = [t for t in spec["data"] if t["type"] == "scatter" and t.get("mode") == "lines"]
    assert outlined, "the cells feeding the selection are outlined"
    window = chart_spec(at, "window_fig")
    assert len(window["frames"]) == 16  # max-pool 2×2 /2 on 8×8: 16 positions
    next_button = next(b for b in at.button if b.key == "win_next")
    next_button.click().run()
    assert not at.exception
    assert not at.error
    assert at.session_state.win_pos == 1
    assert len(chart_spec(at, "window_fig")["frames"]) == 15


def test_the_experiment_tab_trains_and_gives_a_computed_verdict():
    at = run_app({"tab": "experiment"})
    assert not at.exception
    assert not at.error
    verdict = next(m.value for m in at.markdown if m.value.startswith("**Verdict:**"))
    assert "held-out positions" in verdict.replace("\\", "")
    chart_spec(at, "experiment_fig")
    at.number_input(key="ex_seed").set_value(3).run()
    assert not at.exception
    assert qp(at)["eseed"] == "3"


def test_a_large_experiment_waits_for_the_train_button():
    at = run_app({"tab": "experiment", "en": "5000", "es": "5000"})
    assert not at.exception
    assert any("press Train" in i.value for i in at.info)
    assert not any(m.value.startswith("**Verdict:**") for m in at.markdown)


def test_an_old_instant_mode_link_opens_the_same_view_without_a_warning():
    at = run_app({"scrub": "1", "dx": "2"})
    assert not at.exception and not at.error and not at.warning
    assert qp(at) == {"dx": "2"}  # the retired parameter leaves the address
    assert_matches(at, view_state.ViewState(dx=2))


def test_the_pytorch_panel_holds_code_for_the_current_view():
    at = run_app({"k": "1,-1"})
    assert not at.exception
    assert not [c for c in at.code if "import torch" in c.value]  # closed: not drawn
    at = run_app({"k": "1,-1"}, opened=["open_torch_code"])
    assert not at.exception
    code = next(c.value for c in at.code if "import torch" in c.value)
    compile(code, "snippet", "exec")
    assert "[[1, -1]]" in code.replace(".0", "")


def test_float_noise_from_browser_widgets_still_gives_a_valid_link():
    at = run_app()
    at.slider(key="threshold").set_value(0.35000000000000003).run()
    assert not at.exception
    assert qp(at)["th"] == "0.35"
    assert not at.warning


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st_h.data(),
    tab=st_h.sampled_from(view_state.TABS),
    pool=st_h.sampled_from(view_state.POOLS),
    mode=st_h.sampled_from(view_state.MODES),
)
def test_random_valid_views_render_without_a_crash(data, tab, pool, mode):
    h, w = data.draw(st_h.integers(4, 12)), data.draw(st_h.integers(4, 12))
    seed = data.draw(st_h.integers(0, 1000))
    rng = np.random.default_rng(seed)
    kh, kw = data.draw(st_h.integers(1, 5)), data.draw(st_h.integers(1, 5))
    state = (
        view_state.ViewState(
            tab=tab,
            dx=data.draw(st_h.integers(-w, w)),
            dy=data.draw(st_h.integers(-h, h)),
            mode=mode,
            pool=pool,
            relu=data.draw(st_h.booleans()),
            conv_stride=data.draw(st_h.integers(1, 3)),
            conv_padding=data.draw(st_h.integers(0, 2)),
            pool_size=data.draw(st_h.integers(1, 3)),
            pool_stride=data.draw(st_h.integers(1, 3)),
            next_stride=data.draw(st_h.integers(1, 3)),
            next_padding=data.draw(st_h.integers(0, 2)),
        )
        .with_pattern(rng.integers(0, 2, (h, w)))
        .with_kernel(rng.integers(-2, 3, (kh, kw)))
    )
    st.cache_data.clear()
    clear_shared_caches()
    at = run_app(view_state.encode(state))
    assert not at.exception
    # A pipeline may be impossible for these sizes (it then says why); no panel may crash.
    assert not [e.value for e in at.error if "could not be drawn" in e.value]
    # The link keeps its view, except a shift beyond what the component precomputes: that
    # is clamped to its radius, with a note, and the address says so.
    from ui.explorer import page_explorer  # the page's own payload (cached, no browser)

    radius = page_explorer(state).radius
    if max(abs(state.dx), abs(state.dy)) <= radius:
        assert qp(at) == view_state.encode(state)
    else:
        clamped = dataclasses.replace(
            state, dx=max(-radius, min(radius, state.dx)), dy=max(-radius, min(radius, state.dy))
        )
        assert qp(at) == view_state.encode(clamped)
        assert any("this view precomputes" in i.value for i in at.info)


def test_train_runs_on_the_shared_executor_and_shows_the_verdict():
    import time

    at = run_app({"tab": "experiment", "en": "1000", "es": "1010"})
    assert not any(m.value.startswith("**Verdict:**") for m in at.markdown)
    at.button(key="ex_train").click().run()
    assert not at.exception
    for _ in range(100):
        if any(m.value.startswith("**Verdict:**") for m in at.markdown):
            break
        time.sleep(0.1)
        at.run()
    assert any(m.value.startswith("**Verdict:**") for m in at.markdown)
    assert not at.exception and not at.error


# ---------------------------------------------------------------- the lesson (issue 12)


def test_the_first_paint_is_step_two_and_next_back_walk_the_path():
    at = run_app()
    strip = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Step 2 of 6" in strip and "What the next layer receives" in strip
    assert "0 of 16 cells changed" in strip  # the claim, computed on the view
    at.button(key="lesson_next").click().run()
    assert not at.exception
    assert qp(at) == {"step": "3", "dx": "2", "tab": "book"}
    at.button(key="lesson_back").click().run()
    at.button(key="lesson_back").click().run()
    assert not at.exception
    assert qp(at) == {"step": "1", "pipes": "nopool,pool"}
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "invariance alone is not why we pool" in text


@pytest.mark.parametrize("step", range(1, 7))
def test_each_step_link_opens_its_view_and_its_claim_holds(step):
    from poolviz.view.lesson_view import step_evidence, step_view

    view = step_view(step)
    at = run_app(view_state.encode(view))
    assert not at.exception and not at.error
    assert at.session_state["step"] == step
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert f"Step {step} of 6" in text
    evidence = step_evidence(view)
    assert evidence.holds
    assert evidence.sentences[0].replace("\\", "") in text
    assert "do not show the step's claim" not in text


def test_leaving_the_lesson_keeps_the_view():
    at = run_app({"dx": "3"})
    at.button(key="lesson_leave").click().run()
    assert not at.exception
    assert qp(at) == {"dx": "3", "step": "0"}
    assert explorer.data(at)["shift"]["dx"] == 3
    assert any(b.key == "lesson_start" for b in at.button)


def test_changing_the_view_mid_step_recomputes_the_claim():
    at = run_app()
    explorer.move(at, 2)
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "You changed the view" in " ".join(c.value for c in at.caption)
    assert "8 of 16 cells changed" in text  # pooling no longer absorbs the shift
    assert "do not show the step's claim" in " ".join(c.value for c in at.caption)


def test_the_four_tap_blur_is_a_choice_in_the_link_and_the_maps():
    at = run_app({"pool": "blur", "bt": "4"})
    assert not at.exception and not at.error
    assert at.selectbox(key="blur_taps").value == 4
    assert_matches(at, view_state.ViewState(pool="blur", blur_taps=4))
    labels = " ".join(" ".join(p["labels"]) for p in explorer.shown(at).values())
    assert "[1,3,3,1]" in labels
