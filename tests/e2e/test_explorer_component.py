"""The Explore component in Chromium, mounted alone by ``explorer_harness.py``.

What the browser draws (each map's ``data-values``) is compared with the core's numbers;
painting is checked end to end (local repaint in the same frame, every edit applied once by
Python); scrubbing must not talk to the server until release.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import pytest

from poolviz.core.invariance import changed_mask
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import LayerSettings
from poolviz.core.text import format_value
from poolviz.lessons.comparison import compare
from poolviz.lessons.pipelines import DEFAULT_PAIR, selected

from . import server
from .helpers import APP_IDLE, assert_no_exception, record_sent_frames

HARNESS = "tests/e2e/explorer_harness.py"
PIPELINES = selected(LayerSettings(((1.0,),)), DEFAULT_PAIR)  # what explorer_view builds
ASSETS = Path(__file__).resolve().parents[2] / "poolviz" / "render" / "assets"
INPUT = '.pvx-map[data-stage="input"][data-which="original"]'

_MAPS_JS = """(els) => els.map((e) => ({pipeline: e.dataset.pipeline, stage: e.dataset.stage,
    which: e.dataset.which, values: JSON.parse(e.dataset.values),
    changed: e.dataset.changed ? JSON.parse(e.dataset.changed) : null}))"""


@pytest.fixture(scope="module")
def harness(chromium_path):
    try:
        running = server.start_app(script=HARNESS)
    except server.ServerError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield running
    finally:
        running.stop()
        running.log_path.unlink(missing_ok=True)


@pytest.fixture
def hpage(context, harness):
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def open_harness(page, harness, query: str = "") -> None:
    page.goto(harness.url + query, wait_until="domcontentloaded")
    page.wait_for_selector(APP_IDLE, timeout=60_000)
    page.wait_for_selector(".pvx[data-draws]", timeout=30_000)


def harness_state(page) -> dict:
    return json.loads(page.locator(".st-key-harness_state code").inner_text())


def wait_for_state(page, predicate, timeout_s: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            state = harness_state(page)
        except (json.JSONDecodeError, Exception):  # noqa: BLE001 — mid-rerun
            state = None
        if state is not None and predicate(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"harness state never matched: {state}")
        time.sleep(0.03)


def on_root(page, body: str, arg=None):
    """Evaluate ``(root, arg) => body`` on the component's root (inside its shadow root,
    which ``document.querySelector`` cannot see; Playwright's locators pierce it)."""
    return page.locator(".pvx").evaluate(f"(root, arg) => {body}", arg)


def wait_on_root(page, body: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not on_root(page, body):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true on the component: {body}")
        time.sleep(0.03)


def drawn_maps(page) -> list[dict]:
    return page.locator(".pvx-map").evaluate_all(_MAPS_JS)


def move_range(page, axis: str, target: int) -> None:
    """Drive the native range input with the keyboard to ``target``."""
    knob = page.locator(f".pvx-{axis}")
    knob.focus()
    current = int(knob.input_value())
    key = "ArrowRight" if target > current else "ArrowLeft"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    assert int(knob.input_value()) == target


def cell_centre(page, row: int, col: int, selector: str = INPUT) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    n = len(json.loads(page.locator(selector).get_attribute("data-values")))
    return box["x"] + (col + 0.5) * box["width"] / n, box["y"] + (row + 0.5) * box["height"] / n


def input_values(page) -> np.ndarray:
    return np.array(json.loads(page.locator(INPUT).get_attribute("data-values")), dtype=float)


def check_maps(maps: list[dict], x: np.ndarray, dx: int, dy: int, mode: str) -> None:
    runs = compare(x, PIPELINES, dx, dy, mode)
    seen = set()
    for m in maps:
        if m["pipeline"] == "input":
            want = runs[next(iter(runs))].original[0 if m["which"] == "original" else 0]
            if m["which"] == "shifted":
                want = runs[next(iter(runs))].shifted[0]
            np.testing.assert_array_equal(np.array(m["values"], dtype=float), want)
            continue
        run = runs[m["pipeline"]]
        i = run.labels.index(m["stage"])
        want = (run.original if m["which"] == "original" else run.shifted)[i]
        got = np.array(m["values"], dtype=float)
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=f"{m['pipeline']} {m['stage']}")
        if m["which"] == "shifted":  # the marks are the one changed-cell rule's
            rule = changed_mask(run.original[i], run.shifted[i])
            np.testing.assert_array_equal(np.array(m["changed"], dtype=bool), rule)
        seen.add((m["pipeline"], m["stage"], m["which"]))
    # Every stage of every pipeline is drawn, original and shifted.
    assert len(seen) == sum(2 * (len(r.labels) - 1) for r in runs.values())


# ------------------------------------------------------------------ tests


def test_client_drawn_maps_equal_the_core_for_random_shifts(hpage, harness):
    open_harness(hpage, harness)
    x = make_preset("book")
    state = harness_state(hpage)
    rng = random.Random(7)
    for trial in range(6):
        mode = "wrap" if trial % 2 else "zero"
        hpage.locator(f'.pvx-mode input[value="{mode}"]').check()
        dx, dy = rng.randint(-4, 4), rng.randint(-4, 4)
        move_range(hpage, "dx", dx)
        move_range(hpage, "dy", dy)
        check_maps(drawn_maps(hpage), x, dx, dy, mode)
        # The sentences follow in the same frame.
        said = hpage.locator(".pvx-sentences li").all_inner_texts()
        assert said and said[0].startswith("The pattern is shifted")
    # On release the shift reaches Python (debounced: one report for the last position).
    final = wait_for_state(hpage, lambda s: s["shift"] == [dx, dy, mode])
    assert final["shift_reports"] >= 1 and state["radius"] >= 4
    assert_no_exception(hpage)
    assert hpage.js_errors == []


_MARK_PIXELS_JS = """(canvas) => {
  let rows = JSON.parse(canvas.dataset.changed);
  if (!Array.isArray(rows)) rows = [[rows]];  // a global pool's one number
  const h = rows.length, w = rows[0].length;
  const ratio = canvas.width / canvas.getBoundingClientRect().width;
  const cell = (canvas.getBoundingClientRect().width - 1) / w - 1;
  const ctx = canvas.getContext('2d');
  const px = (x, y) => Array.from(ctx.getImageData(Math.floor(x * ratio), Math.floor(y * ratio), 1, 1).data).slice(0, 3);
  const out = [];
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
    if (!rows[r][c]) continue;
    const x0 = c * (cell + 1) + 1, y0 = r * (cell + 1) + 1;
    out.push({cell, mark: px(x0 + 0.5, y0 + cell / 2), bg: px(x0 + cell / 2, y0 + cell - 5)});
  }
  return out;
}"""


def _luminance(rgb) -> float:
    c = [v / 255 for v in rgb]
    c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def test_numbers_are_legible_and_changed_marks_contrast(hpage, harness):
    open_harness(hpage, harness)
    move_range(hpage, "dx", 1)
    assert int(hpage.locator(".pvx").get_attribute("data-font-px")) >= 11
    maps = hpage.locator('.pvx-map[data-which="shifted"]')
    assert maps.count() > 0
    samples = []
    for i in range(maps.count()):
        assert maps.nth(i).get_attribute("data-numbers") == "1"
        samples += maps.nth(i).evaluate(_MARK_PIXELS_JS)
    assert samples, "a one-pixel shift of the book's pattern changes cells"
    for s in samples:
        assert s["cell"] >= 16
        a, b = _luminance(s["mark"]), _luminance(s["bg"])
        assert (max(a, b) + 0.05) / (min(a, b) + 0.05) >= 3, s


def test_numbers_hide_with_a_note_when_cells_are_too_small(new_context, harness):
    page = new_context(viewport={"width": 700, "height": 800}).new_page()
    open_harness(page, harness, "?preset=random&n=32")
    assert "Numbers hidden" in page.locator(".pvx-note").inner_text()
    assert page.locator('.pvx-map[data-numbers="0"]').count() > 0


def test_twenty_clicks_60_ms_apart_toggle_twenty_times(hpage, harness):
    open_harness(hpage, harness)
    before = input_values(hpage)
    x, y = cell_centre(hpage, 0, 0)
    for i in range(20):
        hpage.mouse.click(x, y)
        # The painted cell shows at once, before any server round trip.
        assert input_values(hpage)[0, 0] == (1 - before[0, 0] if i % 2 == 0 else before[0, 0])
        hpage.wait_for_timeout(60)
    state = wait_for_state(hpage, lambda s: s["applied"] == 20 and s["ack"] == 20)
    assert state["pattern"][0][0] == before[0, 0]  # an even number of toggles
    wait_on_root(hpage, "root.__pvx.pending.length === 0")
    np.testing.assert_array_equal(input_values(hpage), np.array(state["pattern"]))
    time.sleep(0.3)
    assert harness_state(hpage)["applied"] == 20  # and nothing more arrives later
    assert_no_exception(hpage)


def test_drag_paints_the_opposite_of_the_first_cell(hpage, harness):
    open_harness(hpage, harness)
    x = make_preset("book")
    assert x[5, 0] == 0 and x[5, 2] == 1
    start = cell_centre(hpage, 5, 0)
    end = cell_centre(hpage, 5, 7)
    hpage.mouse.move(*start)
    hpage.mouse.down()
    hpage.mouse.move(*end, steps=12)
    assert input_values(hpage)[5].tolist() == [1] * 8  # local, before release
    hpage.mouse.up()
    state = wait_for_state(hpage, lambda s: s["pattern"][5] == [1.0] * 8)
    assert state["pattern"][4] == x[4].tolist()
    # A stroke that starts on ink erases.
    hpage.mouse.move(*cell_centre(hpage, 5, 7))
    hpage.mouse.down()
    hpage.mouse.move(*cell_centre(hpage, 5, 5), steps=6)
    hpage.mouse.up()
    wait_for_state(hpage, lambda s: s["pattern"][5] == [1.0] * 5 + [0.0] * 3)
    # The maps follow the painted input (within one round trip).
    wait_on_root(hpage, "root.__pvx.pending.length === 0")
    painted = np.array(harness_state(hpage)["pattern"])
    check_maps(drawn_maps(hpage), painted, 0, 0, "zero")


def test_keyboard_moves_a_focus_cell_and_space_toggles_it(hpage, harness):
    open_harness(hpage, harness)
    grid = hpage.locator(INPUT)
    grid.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Space"):
        hpage.keyboard.press(key)
    assert input_values(hpage)[1, 2] == 0  # the book inks column 2
    state = wait_for_state(hpage, lambda s: s["ack"] == 1)
    assert state["pattern"][1][2] == 0 and state["applied"] == 1
    hpage.keyboard.press("Enter")
    wait_for_state(hpage, lambda s: s["pattern"][1][2] == 1 and s["ack"] == 2)


def test_scrubbing_sends_nothing_until_release(hpage, harness):
    frames = record_sent_frames(hpage)
    open_harness(hpage, harness)
    knob = hpage.locator(".pvx-dx")
    box = knob.bounding_box()
    y = box["y"] + box["height"] / 2
    hpage.mouse.move(box["x"] + box["width"] / 2, y)
    hpage.wait_for_timeout(300)  # let the first run's own messages settle
    sent = frames.count
    hpage.mouse.down()
    draws = int(hpage.locator(".pvx").get_attribute("data-draws"))
    for step in range(1, 11):
        hpage.mouse.move(box["x"] + box["width"] / 2 + step * box["width"] / 25, y)
    moved = int(knob.input_value())
    assert moved > 0
    assert int(hpage.locator(".pvx").get_attribute("data-draws")) > draws  # redrawn locally
    hpage.wait_for_timeout(400)  # longer than the report delay, still holding the knob
    assert frames.count == sent, "a websocket message was sent while scrubbing"
    assert harness_state(hpage)["shift_reports"] == 0
    hpage.mouse.up()
    state = wait_for_state(hpage, lambda s: s["shift_reports"] == 1)
    assert state["shift"] == [moved, 0, "zero"]
    assert frames.count > sent


def test_the_server_moves_the_shift_only_with_a_new_rev(hpage, harness):
    open_harness(hpage, harness)
    move_range(hpage, "dx", 3)
    wait_for_state(hpage, lambda s: s["shift"][0] == 3)
    assert hpage.locator(".pvx").get_attribute("data-dx") == "3"  # the rerun kept it
    hpage.get_by_role("button", name="Reset the shift").click()
    wait_on_root(hpage, "root.dataset.dx === '0'")
    assert hpage.locator(".pvx-dx").input_value() == "0"


def test_malformed_messages_are_ignored(hpage, harness):
    open_harness(hpage, harness)
    before = harness_state(hpage)
    bad = [
        ["setTriggerValue", "edits", {"seq": "1", "edits": []}],
        ["setTriggerValue", "edits", {"seq": 1, "edits": [{"row": 99, "col": 0, "value": 1}]}],
        ["setTriggerValue", "edits", {"seq": 3, "edits": [{"row": 0, "col": 0, "value": 7}]}],
        ["setTriggerValue", "edits", [1, 2, 3]],
        ["setStateValue", "shift", {"dx": 99, "dy": 0, "mode": "zero"}],
        ["setStateValue", "shift", {"dx": 1, "dy": 0, "mode": "<b>x</b>"}],
        ["setStateValue", "shift", "junk"],
    ]
    for method, name, value in bad:
        on_root(hpage, "root.__pvx[arg[0]](arg[1], arg[2])", [method, name, value])
        hpage.wait_for_selector(APP_IDLE)
    time.sleep(0.5)
    after = harness_state(hpage)
    assert after["pattern"] == before["pattern"] and after["ack"] == 0
    assert after["shift"] == [0, 0, "zero"] and after["shift_reports"] == 0
    assert_no_exception(hpage)
    # A good edit after all that still goes through.
    hpage.mouse.click(*cell_centre(hpage, 0, 0))
    wait_for_state(hpage, lambda s: s["ack"] == 1 and s["pattern"][0][0] == 1)


def test_the_offline_page_draws_with_no_server_and_is_read_only(context, tmp_path):
    from poolviz.render.explorer import explorer_data, offline_html

    x = make_preset("book")
    data = explorer_data(x, PIPELINES, ("zero", "wrap"), 2)
    css = (ASSETS / "explorer.css").read_text(encoding="utf-8")
    html = offline_html(data, (ASSETS / "explorer.js").read_text(encoding="utf-8"), css)
    path = tmp_path / "explorer.html"
    path.write_text(html, encoding="utf-8")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector(".pvx[data-draws]")
    page.locator('.pvx-mode input[value="wrap"]').check()
    move_range(page, "dx", 2)
    check_maps(drawn_maps(page), x, 2, 0, "wrap")
    before = input_values(page)
    page.mouse.click(*cell_centre(page, 0, 0))
    np.testing.assert_array_equal(input_values(page), before)  # painting is off offline
    assert errors == []


def test_js_format_matches_the_servers_format_value(context):
    page = context.new_page()
    js = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    values = [
        0,
        -0.0,
        2,
        -3,
        0.5,
        -1.25,
        1 / 3,
        0.333,
        1.999,
        -0.001,
        0.125,
        0.375,
        2.675,
        123456.0,
        1e6,
        -98765.4,
        99999.99,
        1e-7,
        12.3456,
    ]
    got = page.evaluate(
        """async ([js, values]) => {
             const url = URL.createObjectURL(new Blob([js], {type: 'text/javascript'}));
             const mod = await import(url);
             return values.map(mod.formatValue);
           }""",
        [js, values],
    )
    assert got == [format_value(v) for v in values]


@pytest.mark.parametrize("native", [True, False], ids=["fromBase64", "atob"])
def test_js_decode_maps_equals_pythons_for_every_block_type(context, native):
    from poolviz.render.explorer import decode_maps, explorer_data, payload_json

    # One input map per block type: 0/1 (i1), tenths (i1, 1 decimal), wide ints (i2),
    # sixths rounded to 6 decimals (i4), and values beyond i4 (raw f8).
    rows = [[0, 1, 1, 0], [0.9, -0.1, 0, 1], [-300, 2, 0, 1], [1 / 6, -5 / 6, 0, 0],
            [3e9, -1e300, 0.5, 0]]
    datas = [explorer_data(np.tile(np.array(r, dtype=float), (4, 1)), {}, "zero", 0)
             for r in rows]
    assert sorted(b["type"] for d in datas for b in d["maps"]) == ["f8", "i1", "i1", "i2", "i4"]
    page = context.new_page()
    js = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    got = page.evaluate(
        """async ([js, texts, native]) => {
             if (!native) delete Uint8Array.fromBase64;
             const url = URL.createObjectURL(new Blob([js], {type: 'text/javascript'}));
             const mod = await import(url);
             return texts.map((t) => mod.decodeMaps(JSON.parse(t).maps).map((m) => Array.from(m)));
           }""",
        [js, [payload_json(d) for d in datas], native],
    )
    for data, maps in zip(datas, got, strict=True):
        want = [m.tolist() for m in decode_maps(data)]
        assert maps == want  # exact numbers, not approximately
