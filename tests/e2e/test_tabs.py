"""The page's newer parts, driven in headless Chromium: the sliding-windows tab (linked
receptive fields, the step-through animation), instant mode, the experiment tab and the
PyTorch panel.

Expected numbers come from ``poolviz`` (the core the page calls); what is checked is what
the browser holds: Plotly's ``_fullData``/``_fullLayout``, the DOM, the URL, and, for the
client-side parts, that the browser sent the server nothing at all.
"""

from __future__ import annotations

import re
import time

import numpy as np

from poolviz.core import receptive
from poolviz.core.pipeline import run_pipeline
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING, standard_pipelines
from poolviz.render.marks import FEEDS, SELECTED
from poolviz.view import state as view_state

from .helpers import (
    APP,
    MAIN,
    after,
    alerts,
    assert_no_exception,
    click_plot_cell,
    open_app,
    plot_traces,
    query,
    record_sent_frames,
    script_state,
    wait_for_app_run,
)

DEFAULT = view_state.DEFAULT
BOOK = DEFAULT.pattern_array()
PIPELINE = standard_pipelines(DEFAULT.layer_settings())[WITH_POOLING]
RECEPTIVE = '[class*="st-key-receptive_"]'  # a new chart key after each click
WINDOW_FIG = ".st-key-window_fig"
EXPERIMENT_FIG = ".st-key-experiment_fig"

# Records every change of the app's script state from the moment it is installed: a
# client-side action must leave it at "notRunning" the whole time.
_WATCH_STATE_JS = """
(app) => {
  const el = document.querySelector(app);
  window.__states = [];
  new MutationObserver(() => window.__states.push(el.getAttribute('data-test-script-state')))
    .observe(el, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""


def code_blocks(page) -> list[str]:
    """The text of every ``st.code`` block in the main area."""
    return page.locator(f'{MAIN} [data-testid="stCode"] code').evaluate_all(
        "els => els.map((e) => e.textContent)"
    )


def _boxes(xs: list, ys: list) -> list[tuple[int, int]]:
    """The (row, col) cells of the boxes (5 points and a gap each) that start a polyline;
    the SELECTED mark's ticks follow them (3 points each), pointing into the same cells."""
    cells = []
    start = 0
    while start + 5 < len(xs) and xs[start + 5] is None and ys[start + 4] == ys[start]:
        box_x, box_y = xs[start : start + 5], ys[start : start + 5]
        if len(set(box_x)) != 2 or len(set(box_y)) != 2:
            break  # a tick, not a box
        side = max(box_x) - min(box_x)
        assert 0.6 <= side < 1.0 and abs(max(box_y) - min(box_y) - side) < 1e-9
        cells.append((round(sum(box_y[:4]) / 4), round(sum(box_x[:4]) / 4)))
        start += 6
    return cells


def outlines(page, container: str, mark) -> dict[str, list[tuple[int, int]]]:
    """The cells ``mark`` outlines (its line traces, one per ink), by x axis id."""
    traces = plot_traces(page, container) or []
    out: dict[str, list] = {}
    for t in traces:
        if t["type"] == "scatter" and t["mode"] == "lines" and t["name"] == mark.name:
            assert t["color"] in ("#111111", "#ffffff"), t["color"]  # the cell's ink
            out.setdefault(t["xaxis"], []).extend(_boxes(t["x"], t["y"]))
    return {axis: sorted(cells) for axis, cells in out.items()}


def expected_outlines(masks) -> dict[str, list[tuple[int, int]]]:
    """The cells ``tab_figures.receptive_figure`` must mark as feeding, for these masks."""
    out = {}
    for k, mask in enumerate(masks):
        if mask is not None and np.any(mask):
            cells = np.argwhere(np.atleast_2d(mask)).tolist()
            out["x" if k == 0 else f"x{k + 1}"] = sorted(map(tuple, cells))
    return out


def wait_for_outlines(page, container: str, want: dict, mark=FEEDS, timeout_s=15.0):
    deadline = time.monotonic() + timeout_s
    while True:
        got = outlines(page, container, mark)
        if got == want:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{mark.name} outlines {got} never matched {want}")
        page.wait_for_timeout(30)


def test_receptive_fields_link_every_stage(page, app_url):
    open_app(page, app_url + "?tab=windows")
    # The first run can end before the browser has reported the open tab (the Explore
    # tab's maps then satisfy open_app); the tab's own run draws the receptive field.
    page.locator(".st-key-receptive_0 .js-plotly-plot").wait_for()
    wait_for_app_run(page)
    assert page.locator(".st-key-receptive_0 .js-plotly-plot").count() == 1
    assert outlines(page, RECEPTIVE, FEEDS) == {}, "nothing selected yet"
    labels = [s.label for s in run_pipeline(PIPELINE, BOOK)]
    assert len(labels) == 5  # input, conv, pool, conv 2×2 /2, global max

    # The next layer's cell (stage 3, row 0, col 1): every upstream map lights up.
    click_plot_cell(page, RECEPTIVE, 0, 1, axis="4")
    page.wait_for_selector(".st-key-receptive_1 .js-plotly-plot")
    wait_for_app_run(page)
    want = expected_outlines(receptive.upstream_masks(PIPELINE, BOOK, 3, 0, 1))
    assert {"x", "x2", "x3"} <= set(want)
    wait_for_outlines(page, ".st-key-receptive_1", want)
    chosen = outlines(page, ".st-key-receptive_1", SELECTED)
    assert chosen == {"x4": [(0, 1)]}, chosen
    arithmetic = receptive.cell_arithmetic(PIPELINE, BOOK, 3, 0, 1)
    assert arithmetic.endswith("= 2"), arithmetic
    text = f"{labels[3]}, row 0, col 1:\n{arithmetic}"
    assert text in [t.strip() for t in code_blocks(page)], code_blocks(page)

    # An input cell: every cell it reaches downstream, and no arithmetic.
    click_plot_cell(page, ".st-key-receptive_1", 2, 2, axis="")
    page.wait_for_selector(".st-key-receptive_2 .js-plotly-plot")
    wait_for_app_run(page)
    masks = receptive.downstream_masks(PIPELINE, BOOK, 2, 2)
    want = expected_outlines(masks)
    assert {"x2", "x3", "x4", "x5"} <= set(want)
    wait_for_outlines(page, ".st-key-receptive_2", want)
    assert set(outlines(page, ".st-key-receptive_2", SELECTED)) == {"x"}
    assert not any("row 2, col 2:" in t for t in code_blocks(page))
    assert page.get_by_text("Input cell (row 2, col 2) and every cell it reaches").count() == 1
    assert query(page) == {"tab": ["windows"]}
    assert_no_exception(page)


def _title(page) -> str:
    return page.evaluate(
        "(sel) => document.querySelector(sel + ' .js-plotly-plot')._fullLayout.title.text",
        WINDOW_FIG,
    )


def test_step_through_buttons_and_client_side_play(page, app_url):
    sent = record_sent_frames(page)
    open_app(page, app_url + "?tab=windows")
    stage = 2  # the default stage of the step-through: the with-pooling max-pool
    pool = np.atleast_2d(run_pipeline(PIPELINE, BOOK)[stage].maps)
    captions = [
        receptive.cell_arithmetic(PIPELINE, BOOK, stage, *divmod(i, pool.shape[1]))
        for i in range(pool.size)
    ]
    assert _title(page) == captions[0]
    for _ in range(2):
        after(page, lambda: page.locator(".st-key-win_next button").click())
    knob = page.locator('.st-key-win_pos [data-testid="stSlider"] input[type="range"]')
    assert knob.get_attribute("aria-valuetext") == "2"
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel + ' .js-plotly-plot')"
        "._fullLayout.title.text === want",
        arg=[WINDOW_FIG, captions[2]],
    )
    assert captions[2] != captions[3], "the next frame must read differently"

    # "▶ play" is a Plotly updatemenu button: the browser animates the frames by itself.
    url = page.url
    page.evaluate(_WATCH_STATE_JS, APP)
    before = sent.count
    page.locator(WINDOW_FIG).get_by_text("▶ play", exact=True).click()
    page.wait_for_function(
        "([sel, first]) => document.querySelector(sel + ' .js-plotly-plot')"
        "._fullLayout.title.text !== first",
        arg=[WINDOW_FIG, captions[2]],
        timeout=3_000,
    )
    shown = _title(page)
    assert shown in captions[3:], shown
    page.locator(WINDOW_FIG).get_by_text("❚❚ pause", exact=True).click()
    assert page.evaluate("window.__states") == [], "a rerun ran while the animation played"
    assert script_state(page) == "notRunning"
    assert sent.count == before, "the browser talked to the server while playing"
    assert page.url == url
    assert knob.get_attribute("aria-valuetext") == "2"
    assert_no_exception(page)


def _steps_shown(page) -> tuple[int, int]:
    text = " ".join(alerts(page))
    match = re.search(r"Stopped early, after (\d+) of (\d+) steps", text)
    assert match, {
        "alerts": text,
        "train button shown": page.locator(".st-key-ex_train button").count(),
        "info": page.locator('[role="status"]').all_inner_texts(),
        "captions": page.get_by_text("steps of full-batch gradient descent").all_inner_texts(),
    }
    return int(match.group(1)), int(match.group(2))


def _experiment_curves(page) -> dict[str, list[dict]]:
    traces = plot_traces(page, EXPERIMENT_FIG) or []
    by_pipeline: dict[str, list[dict]] = {}
    for t in traces:
        by_pipeline.setdefault(t["name"].split(":")[0], []).append(t)
    return by_pipeline


def _assert_verdict_and_curves(page) -> None:
    verdict = page.locator(f'{MAIN} [data-testid="stMarkdownContainer"] p').filter(
        has=page.locator("strong", has_text="Verdict:")
    )
    assert verdict.count() == 1
    text = verdict.inner_text()
    assert text.startswith("Verdict:") and len(text) > len("Verdict: ") + 10, text
    curves = _experiment_curves(page)
    assert set(curves) == {WITH_POOLING, WITHOUT_POOLING}, set(curves)
    for name, traces in curves.items():
        assert len(traces) == 4, (name, [t["name"] for t in traces])  # loss + 3 accuracies
        for t in traces:
            assert len(t["y"]) >= 2 and all(np.isfinite(t["y"])), t["name"]
    assert page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() == 1


def test_experiment_default_run_shows_verdict_table_and_curves(page, app_url):
    open_app(page, app_url + "?tab=experiment")
    assert alerts(page) == []
    _assert_verdict_and_curves(page)
    assert query(page) == {"tab": ["experiment"]}
    assert_no_exception(page)


# Training runs in a worker thread that the page polls; Stop sets the worker's flag, so the
# partial result (curves up to the step reached) is kept and shown.
def test_stopping_a_large_run_keeps_the_partial_result(page, app_url):
    open_app(page, app_url + "?tab=experiment&en=5000&es=5000", figures=False)
    page.locator(".st-key-ex_train button").wait_for()  # it can mount a moment after idle
    assert page.locator(EXPERIMENT_FIG).count() == 0
    page.locator(".st-key-ex_train button").click()
    page.wait_for_selector(f'{MAIN} [data-testid="stProgress"]')
    page.wait_for_function(
        "() => /Training… [1-9]/.test(document.querySelector("
        "'[data-testid=\"stProgress\"]').textContent)"
    )
    page.locator(".st-key-ex_stop button").click()
    # Settled: the run that draws the curves (partial ones, after a stop) is over.
    page.wait_for_function(
        "([app, fig]) => document.querySelector(app).getAttribute('data-test-script-state')"
        " === 'notRunning' && !!document.querySelector(fig + ' .js-plotly-plot')",
        arg=[APP, EXPERIMENT_FIG],
        timeout=15_000,
    )
    assert_no_exception(page)
    assert page.locator(f'{MAIN} [data-testid="stProgress"]').count() == 0
    done, total = _steps_shown(page)
    assert total == 5000 and 0 < done < 5000, (done, total)
    assert page.locator(".st-key-ex_retrain button").count() == 1
    _assert_verdict_and_curves(page)
    assert max(_experiment_curves(page)[WITH_POOLING][0]["x"]) == done


def test_pytorch_panel_code_compiles(app):
    app.get_by_text("PyTorch code for this view").click()
    block = app.locator('[data-testid="stExpander"] [data-testid="stCode"] code')
    block.wait_for()
    code = block.text_content()
    assert code.startswith("import torch"), code[:80]
    compile(code, "snippet", "exec")
    assert_no_exception(app)
