"""Issue 13 on the real page: the Explore component is the page's one set of shift controls.

Maps are read from the component's ``data-values`` (``helpers.explorer_maps``) and checked
against ``python -m poolviz export`` of the same link, so the browser's numbers, the core's
and the CLI's are one. Painting, history and the no-message-while-scrubbing rule are
checked as a student triggers them: mouse, keyboard, Back.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest

from poolviz.core.patterns import make_preset
from poolviz.view import state as view_state

from .helpers import (
    EXPLORER,
    EXPLORER_MAPS_JS,
    PVX_JS,
    after,
    assert_no_exception,
    click_input_cell,
    explorer_dataset,
    explorer_maps,
    open_app,
    open_panel,
    query,
    record_sent_frames,
    share_link,
    shift_range,
    wait_for_app_run,
    wait_for_query,
)
from .server import REPO_ROOT

DEFAULT = view_state.DEFAULT
INPUT = f'{EXPLORER} .pvx-map[data-stage="input"][data-which="original"]'


def cli_export(query_string: str) -> dict:
    """The CLI's JSON export of a link (the same core, another process)."""
    out = subprocess.run(
        [sys.executable, "-m", "poolviz", "export", query_string, "--format", "json", "-o", "-"],
        cwd=REPO_ROOT, capture_output=True, check=True, timeout=120,
    )
    return json.loads(out.stdout)


def assert_maps_equal_export(maps: list[dict], export: dict) -> None:
    """Maps come in page order: per pipeline, per stage (after the input), original then
    shifted; labels can repeat (a 2×2 filter, then the 2×2 next layer), positions cannot."""
    checked = 0
    for pipeline in export["pipelines"]:
        drawn = [m for m in maps if m["pipeline"] == pipeline["name"]]
        wanted = [(s, which) for s in pipeline["stages"][1:] for which in ("original", "shifted")]
        assert len(drawn) == len(wanted), pipeline["name"]
        for m, (stage, which) in zip(drawn, wanted, strict=True):
            assert (m["stage"], m["which"]) == (stage["label"], which)
            np.testing.assert_allclose(
                np.array(m["values"], dtype=float), np.array(stage[which], dtype=float),
                rtol=0, atol=1e-6, err_msg=f"{m['pipeline']} / {m['stage']} / {which}",
            )
            checked += 1
    assert checked > 0


def press(page, axis: str, key: str, times: int = 1) -> None:
    shift_range(page, axis).focus()
    for _ in range(times):
        page.keyboard.press(key)


def input_values(page) -> np.ndarray:
    return np.array(json.loads(page.locator(INPUT).get_attribute("data-values")), dtype=float)


def test_the_page_has_one_set_of_shift_controls(app):
    assert app.locator('[data-testid="stSlider"]').filter(has_text="Shift").count() == 0
    assert app.get_by_label("Shift right (dx)").count() == 1
    assert app.get_by_label("Shift down (dy)").count() == 1
    assert app.locator(f"{EXPLORER} .pvx-mode input[type=radio]").count() == 2
    assert app.locator("iframe").count() == 0  # no instant-mode iframe any more
    assert explorer_dataset(app)["layout"] == "one-line"  # 1280 wide: everything on one line


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_client_drawn_maps_equal_the_cli_export_for_random_views(page, app_url, seed):
    rng = random.Random(seed)
    h, w = rng.randint(6, 12), rng.randint(6, 12)
    view = replace(
        DEFAULT.with_pattern(make_preset("random", h, w, seed=seed)),
        pool=rng.choice(view_state.POOLS),
        relu=rng.random() < 0.5,
        pipelines=rng.choice([("pool", "nopool"), ("strided", "pool"), ("nopool", "strided")]),
    ).with_kernel(np.array([[1.0, -0.5], [0.25, 2.0]]))
    qs = view_state.query_string(view)
    open_app(page, app_url + "?" + qs)
    for _ in range(3):
        dx, dy = rng.randint(-3, 3), rng.randint(-3, 3)
        mode = rng.choice(view_state.MODES)
        page.locator(f"{EXPLORER} .pvx-mode").get_by_text(
            "wrap around" if mode == "wrap" else "zero fill"
        ).click()
        for axis, target in (("dx", dx), ("dy", dy)):
            current = int(shift_range(page, axis).input_value())
            key = "ArrowRight" if target > current else "ArrowLeft"
            press(page, axis, key, abs(target - current))
        ds = explorer_dataset(page)
        assert (int(ds["dx"]), int(ds["dy"]), ds["mode"]) == (dx, dy, mode)
        moved = view_state.query_string(replace(view, dx=dx, dy=dy, mode=mode))
        assert_maps_equal_export(explorer_maps(page), cli_export(moved))
    assert_no_exception(page)


def test_twenty_clicks_60_ms_apart_paint_twenty_cells(page, app_url):
    # Off the lesson path: the strip above keeps its height while the claim is recomputed,
    # so nothing moves the grid between the clicks (on the path, see the closing note).
    open_app(page, app_url + "?step=0")
    app = page
    cells = [(r, c) for r in (0, 1, 6) for c in range(8)][:20]
    before = input_values(app)
    for row, col in cells:
        click_input_cell(app, row, col)
        app.wait_for_timeout(60)
    want = before.copy()
    for row, col in cells:
        want[row, col] = 1 - want[row, col]
    np.testing.assert_array_equal(input_values(app), want)  # all shown locally at once
    view = DEFAULT.with_pattern(want)
    wait_for_query(app, lambda q: q.get("p") == [view_state.encode(view)["p"]], timeout_s=20)
    app.wait_for_function(f"() => {{ const r = {PVX_JS}; return r && r.dataset.ack === '20'; }}")
    np.testing.assert_array_equal(input_values(app), want)
    assert_no_exception(app)


# Every draw of new data, as it happened: the ack, the payload's radius, whether it holds
# every shift, the controls' range and every map drawn (read in the same task).
_RECORD_DRAWS_JS = """
(root) => {
  const maps = (__MAPS__);
  window.__draws = [];
  new MutationObserver(() => {
    const ds = root.dataset;
    if (ds.lastDraw !== 'data') return;
    window.__draws.push({ack: ds.ack, radius: ds.radius, complete: ds.complete,
                         max: root.querySelector('input.pvx-dx').max, maps: maps()});
  }).observe(root, {attributes: true, attributeFilter: ['data-draws']});
}
""".replace("__MAPS__", EXPLORER_MAPS_JS)


# Each case paints a pattern no other test paints: a pattern whose whole payload the
# server already holds is drawn whole at once.
@pytest.mark.parametrize(("seed", "dx", "cell"), [(41, 2, (2, 4)), (42, 6, (5, 1))])
def test_a_click_shows_the_shifts_near_the_current_one_first_then_every_shift(
    page, app_url, seed, dx, cell
):
    view = replace(DEFAULT.with_pattern(make_preset("random", 9, 10, seed=seed)), dx=dx, dy=-3)
    link = "?step=0&" + view_state.query_string(view)
    open_app(page, app_url + link)
    page.locator(f"{EXPLORER} .pvx").evaluate(_RECORD_DRAWS_JS)
    click_input_cell(page, *cell)
    page.wait_for_function(
        "() => window.__draws.some((d) => d.ack === '1' && d.complete === 'true')",
        timeout=30_000,
    )
    draws = [d for d in page.evaluate("window.__draws") if d["ack"] == "1"]
    first, last = draws[0], draws[-1]
    # The first answer holds the 3×3 shifts around the current one; the controls keep ±8.
    assert (first["radius"], first["complete"], first["max"]) == ("1", "false", "8")
    assert (last["radius"], last["complete"], last["max"]) == ("8", "true", "8")
    wait_for_app_run(page)
    link = urlsplit(page.url).query
    assert "p=" in link and f"dx={dx}" in link
    export = cli_export(link)
    assert_maps_equal_export(first["maps"], export)  # both: the painted pattern's maps
    assert_maps_equal_export(last["maps"], export)
    press(page, "dx", "ArrowLeft", 3)  # beyond the first answer's window, now there
    assert explorer_dataset(page)["dx"] == str(dx - 3)
    moved = parse_qs(link)
    moved["dx"] = [str(dx - 3)]
    assert_maps_equal_export(explorer_maps(page), cli_export(urlencode(moved, doseq=True)))
    assert_no_exception(page)


def test_shift_keys_pressed_right_after_a_click_are_not_lost(page, app_url):
    open_app(page, app_url + "?step=0")
    click_input_cell(page, 2, 3)
    press(page, "dx", "ArrowRight", 3)  # at once: before or while the first answer is drawn
    page.wait_for_function(
        f"() => {{ const r = {PVX_JS}; return r && r.dataset.ack === '1' "
        "&& r.dataset.complete === 'true' && r.dataset.dx === '4'; }",
        timeout=30_000,
    )
    wait_for_query(page, lambda q: q.get("dx") == ["4"] and "p" in q, timeout_s=20)
    wait_for_app_run(page)
    assert explorer_dataset(page)["dx"] == "4"
    assert_maps_equal_export(explorer_maps(page), cli_export(urlsplit(page.url).query))
    assert_no_exception(page)


def test_a_drag_paints_a_stroke_and_makes_one_history_entry(app):
    length = app.evaluate("history.length")
    grid = app.locator(INPUT)
    box = grid.bounding_box()
    cell = box["width"] / 8
    y = box["y"] + 5.5 * cell
    app.mouse.move(box["x"] + 0.5 * cell, y)
    app.mouse.down()
    app.mouse.move(box["x"] + 7.5 * cell, y, steps=14)
    app.mouse.up()
    want = DEFAULT.pattern_array()
    want[5, :] = 1.0  # the stroke paints the opposite of the first cell: ink
    np.testing.assert_array_equal(input_values(app), want)
    view = DEFAULT.with_pattern(want)
    wait_for_query(app, lambda q: q.get("p") == [view_state.encode(view)["p"]])
    wait_for_app_run(app)
    app.wait_for_timeout(300)
    assert app.evaluate("history.length") == length + 1


def test_keyboard_drawing_on_the_page(app):
    app.locator(INPUT).focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Space"):
        app.keyboard.press(key)
    want = DEFAULT.pattern_array()
    want[1, 2] = 0.0  # the book inks column 2
    np.testing.assert_array_equal(input_values(app), want)
    wait_for_query(app, lambda q: q.get("p") == [view_state.encode(DEFAULT.with_pattern(want))["p"]])


def test_back_after_several_moves_restores_each_view(app):
    length = app.evaluate("history.length")
    for dx in (2, 3, 4):
        press(app, "dx", "ArrowRight")
        wait_for_query(app, lambda q, dx=dx: q.get("dx") == [str(dx)])
        wait_for_app_run(app)
    app.wait_for_timeout(300)
    assert app.evaluate("history.length") == length + 3  # one entry per change
    for dx in (3, 2, 1):
        app.go_back()
        want = {} if dx == 1 else {"dx": [str(dx)]}
        wait_for_query(app, lambda q, want=want: q == want)
        app.wait_for_function(
            f"() => {{ const r = {PVX_JS}; return r && r.dataset.dx === '{dx}'; }}", timeout=15_000
        )
        wait_for_app_run(app)
        assert query(app) == want  # the view and the address agree
        assert int(shift_range(app, "dx").input_value()) == dx
        assert f"dx={dx}" in share_link(app) or dx == 1
    assert_no_exception(app)


def test_the_url_share_link_and_downloads_follow_a_mouse_drag(app):
    knob = shift_range(app, "dx")
    box = knob.bounding_box()
    y = box["y"] + box["height"] / 2
    app.mouse.move(box["x"] + box["width"] / 2, y)
    app.mouse.down()
    app.mouse.move(box["x"] + box["width"] * 0.95, y, steps=10)
    app.mouse.up()
    dx = int(knob.input_value())
    assert dx > 1
    wait_for_query(app, lambda q: q.get("dx") == [str(dx)])
    wait_for_app_run(app)
    assert f"dx={dx}" in share_link(app)
    open_panel(app, "open_downloads")
    with app.expect_download() as info:
        app.locator(".st-key-dl_json button").click()
    data = json.loads(Path(info.value.path()).read_bytes())
    assert data["view"] == {"dx": str(dx)} or data["view"].get("dx") in (dx, str(dx))


def test_scrubbing_the_page_sends_no_message_until_release(page, app_url):
    frames = record_sent_frames(page)
    open_app(page, app_url)
    knob = shift_range(page, "dx")
    box = knob.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.wait_for_timeout(300)
    sent = frames.count
    page.mouse.down()
    draws = int(explorer_dataset(page)["draws"])
    for step in range(1, 9):
        page.mouse.move(box["x"] + box["width"] / 2 + step * box["width"] / 20, y)
    assert int(explorer_dataset(page)["draws"]) > draws  # redrawn in the browser
    page.wait_for_timeout(500)
    assert frames.count == sent, "a websocket message was sent while scrubbing"
    assert query(page) == {}
    page.mouse.up()
    moved = int(knob.input_value())
    wait_for_query(page, lambda q: q.get("dx") == [str(moved)])
    assert frames.count > sent


def test_a_lesson_step_moves_the_components_shift(app):
    after(app, lambda: app.locator(".st-key-lesson_back button").click())  # step 1
    after(app, lambda: app.locator(".st-key-lesson_next button").click())  # step 2
    press(app, "dx", "ArrowRight", 2)  # the student scrubs to dx=3
    wait_for_query(app, lambda q: q.get("dx") == ["3"])
    wait_for_app_run(app)
    after(app, lambda: app.locator(".st-key-lesson_back button").click())  # step 1: dx=1
    app.wait_for_function(f"() => {{ const r = {PVX_JS}; return r && r.dataset.dx === '1'; }}")
    assert int(shift_range(app, "dx").input_value()) == 1


def test_the_share_field_shows_the_views_link_and_copy_puts_it_on_the_clipboard(
    new_context, app_url
):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    open_app(page, app_url + "?dx=-2&mode=wrap")
    link = share_link(page)
    assert link.startswith(app_url.rstrip("/")) and "dx=-2" in link and "mode=wrap" in link
    page.locator(".st-key-share button.pvx-share-copy").click()
    page.wait_for_function(
        "() => navigator.clipboard.readText().then((t) => t.length > 0)", timeout=5_000
    )
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.locator(".st-key-share .pvx-share-said").inner_text() == "Copied"
    # No st.code on the first paint: its 1.5 MB syntax highlighter is not fetched.
    loaded = page.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
    assert not [name for name in loaded if "SyntaxHighlighter" in name]
    assert_no_exception(page)
