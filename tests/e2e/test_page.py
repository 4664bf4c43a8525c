"""What a student does on the poolviz page, driven in headless Chromium.

Expected numbers come from ``poolviz`` itself (the same core the page calls); what is
checked is that the page shows them: Plotly's decoded ``_fullData`` z arrays, the URL's
query string, role=alert boxes and downloaded files.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from poolviz.core.ops import shift
from poolviz.lessons.comparison import (
    book_example,
    compare,
)
from poolviz.lessons.pipelines import selected
from poolviz.view import state as view_state
from poolviz.view import uploads as images

from .helpers import (
    EXPLORER,
    INPUT_MAP,
    PIPE,
    SHIFTED_MAP,
    after,
    alerts,
    assert_no_exception,
    click_input_cell,
    explorer_dataset,
    explorer_maps,
    heatmaps,
    open_app,
    open_panel,
    query,
    share_link,
    shift_range,
    wait_for_app_run,
    wait_for_heatmaps,
    wait_for_query,
)

LEFT, RIGHT = "left", "right"  # Explore's two sides: by default max-pool and no pooling
FIG = {LEFT: PIPE[0], RIGHT: PIPE[1]}  # the component's maps of each pipeline
INPUT = INPUT_MAP
SHIFTED_INPUT = SHIFTED_MAP
BOOK_FIG = ".st-key-book_fig"
DEFAULT = view_state.DEFAULT
BOOK = DEFAULT.pattern_array()


# ------------------------------------------------------------------------ expectations


def pipeline_maps(view: view_state.ViewState, side: str = LEFT) -> list[np.ndarray]:
    """The heatmaps one side's pipeline figure must hold: stages after the input, original
    then shifted (the left side shows the view's first pipeline, by default max-pool)."""
    pipelines = selected(view.layer_settings(), view.pipelines)
    runs = compare(view.pattern_array(), pipelines, view.dx, view.dy, view.mode)
    run = list(runs.values())[(LEFT, RIGHT).index(side)]
    assert run.ok, run.error
    return [np.atleast_2d(m) for m in run.original[1:]] + [
        np.atleast_2d(m) for m in run.shifted[1:]
    ]


def shifted_row(view: view_state.ViewState, side: str = LEFT) -> list[np.ndarray]:
    maps = pipeline_maps(view, side)
    return maps[len(maps) // 2 :]


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with ``key`` and wait for the rerun."""
    box = page.locator(f'.st-key-{key} input[role="combobox"]')
    box.scroll_into_view_if_needed()
    # react-aria opens on a press; an instant mouse down/up is sometimes not one.
    box.click(delay=80)
    if box.get_attribute("aria-expanded") != "true":
        box.press("ArrowDown")
    after(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def edit_first_weight(page, text: str) -> None:
    """Edit the filter grid's first cell like a user: click it, Enter, type, Enter.

    The grid is a canvas; its hidden accessibility table tells when the click has
    selected the cell, and the overlay editor is a real ``input.gdg-input``.
    """
    editor = '[class*="st-key-kernel_editor_"]'
    canvas = page.locator(f'{editor} [data-testid="data-grid-canvas"]')
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    header = 36  # the grid's header row; body rows are 36 px high too
    page.mouse.click(box["x"] + 25, box["y"] + header + 18)
    page.wait_for_selector(
        f'{editor} [data-testid="glide-cell-0-0"][aria-selected="true"]', state="attached"
    )
    page.keyboard.press("Enter")
    field = page.locator("input.gdg-input")
    field.wait_for()
    field.fill(text)
    after(page, lambda: field.press("Enter"))


# ------------------------------------------------------------------------ tests


def test_first_paint_shows_the_books_matrices(app):
    assert_no_exception(app)
    assert alerts(app) == []
    assert query(app) == {}, "the default view has an empty query string"
    with_pooling = heatmaps(app, FIG[LEFT])
    assert len(with_pooling) == 8
    np.testing.assert_array_equal(with_pooling[1], [[0, 1, 1, 0]] * 4)  # pool stage, original
    np.testing.assert_array_equal(with_pooling[2], [[2, 2], [2, 2]])  # conv 2×2 /2, original
    np.testing.assert_array_equal(with_pooling[5], [[0, 1, 1, 0]] * 4)  # dx=1: pool unchanged
    np.testing.assert_array_equal(heatmaps(app, INPUT)[0], BOOK)
    wait_for_heatmaps(app, FIG[RIGHT], pipeline_maps(DEFAULT, RIGHT))
    assert app.js_errors == []


def test_dx_arrow_key_shifts_the_maps_at_once_and_the_url_on_release(app):
    knob = shift_range(app, "dx")
    knob.focus()
    draws = int(explorer_dataset(app)["draws"])
    app.keyboard.press("ArrowRight")
    # Drawn in the browser, no round trip: the maps already show dx=2.
    assert explorer_dataset(app)["dx"] == "2" and int(explorer_dataset(app)["draws"]) > draws
    view = replace(DEFAULT, dx=2)
    data = wait_for_heatmaps(app, FIG[LEFT], shifted_row(view), indices=[4, 5, 6, 7], timeout_s=0.5)
    assert not np.array_equal(data[5], pipeline_maps(DEFAULT)[5]), "dx=2 moves the pooled map"
    np.testing.assert_array_equal(data[1], pipeline_maps(view)[1])  # original row unchanged
    wait_for_heatmaps(app, SHIFTED_INPUT, [shift(BOOK, 0, 2, "zero")], timeout_s=0.5)
    # The address, the share link and the downloads follow on release.
    assert wait_for_query(app, lambda q: q.get("dx") == ["2"]) == {"dx": ["2"]}
    wait_for_app_run(app)
    assert "dx=2" in share_link(app)
    assert knob.input_value() == "2"
    assert_no_exception(app)


def test_clicking_an_input_cell_paints_it(app):
    before = query(app).get("p")
    click_input_cell(app, 5, 3)
    grid = BOOK.copy()
    grid[5, 3] = 1.0
    wait_for_heatmaps(app, INPUT, [grid], timeout_s=0.5)  # painted in this frame
    view = DEFAULT.with_pattern(grid)
    params = wait_for_query(app, lambda q: q.get("p") != before)
    assert params["p"] == [view_state.encode(view)["p"]]
    wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(view))
    # and back: a second click on the same cell restores the book pattern and the URL
    click_input_cell(app, 5, 3)
    wait_for_heatmaps(app, INPUT, [BOOK])
    wait_for_query(app, lambda q: "p" not in q)
    wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(DEFAULT))
    assert_no_exception(app)


def test_editing_a_filter_weight_doubles_the_conv_map(app):
    edit_first_weight(app, "2")
    view = replace(DEFAULT, kernel=((2.0,),))
    data = wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(view))
    np.testing.assert_array_equal(data[0], 2 * BOOK)  # the conv map, doubled
    assert wait_for_query(app, lambda q: "k" in q)["k"] == ["2"]
    assert_no_exception(app)


def test_switching_to_average_pool_changes_the_pool_stage(app):
    choose(app, "pool", "average pool")
    view = replace(DEFAULT, pool="avg")
    data = wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(view))
    np.testing.assert_array_equal(data[1], [[0, 0.5, 0.5, 0]] * 4)
    assert wait_for_query(app, lambda q: "pool" in q)["pool"] == ["avg"]
    # the pipeline without pooling has no pool stage: unchanged
    wait_for_heatmaps(app, FIG[RIGHT], pipeline_maps(DEFAULT, RIGHT))
    assert_no_exception(app)


def test_reopening_the_url_in_a_fresh_context_gives_the_same_maps(app, new_context):
    grid = BOOK.copy()
    grid[1, 6] = 1.0
    shift_range(app, "dy").focus()
    app.keyboard.press("ArrowRight")
    wait_for_query(app, lambda q: q.get("dy") == ["1"])
    wait_for_app_run(app)
    click_input_cell(app, 1, 6)
    wait_for_heatmaps(app, INPUT, [grid])
    wait_for_query(app, lambda q: "p" in q)
    wait_for_app_run(app)
    app.locator(f"{EXPLORER} .pvx-mode").get_by_text("wrap around").click()
    wait_for_query(app, lambda q: q.get("mode") == ["wrap"])
    wait_for_app_run(app)
    choose(app, "pool", "BlurPool (anti-aliased)")
    view = replace(DEFAULT.with_pattern(grid), dy=1, mode="wrap", pool="blur")
    wanted = {k: [v] for k, v in view_state.encode(view).items()}
    params = wait_for_query(app, lambda q: q == wanted)
    wait_for_heatmaps(app, INPUT, [grid])
    wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(view))
    link = share_link(app)  # what a student copies: the share field
    assert parse_qs(urlsplit(link).query) == params == query(app)
    shown = explorer_maps(app)
    assert [m["pipeline"] for m in shown][:2] == ["input", "input"]

    fresh = new_context()
    for url in (link, app.url):
        again = fresh.new_page()
        open_app(again, url)
        assert alerts(again) == []
        assert explorer_maps(again) == shown, url
        assert query(again) == params
        assert_no_exception(again)
        again.close()


# One malformed value per parameter the page writes. Keys come from poolviz.view.state's own
# table, so a parameter added later is covered too ("!!" fails every parser there).
EXAMPLES = {
    "tab": "settings",
    "p": "8x8.b.!!!",
    "dx": "abc",
    "dy": "1.5",
    "mode": "diagonal",
    "k": "1,,2",
    "cs": "0",
    "cp": "-1",
    "relu": "yes",
    "pool": "MAX",
    "ps": "9",
    "pst": "two",
    "ns": "99",
    "np": "nan",
    "vals": "true",
    "sweep": "diag",
    "seed": "-1",
    "th": "2",
}
PARAM_KEYS = list(view_state.PARAM_KEYS)
BAD_VALUES = {key: EXAMPLES.get(key, "!!") for key in PARAM_KEYS}


def test_bad_values_are_bad():
    assert set(EXAMPLES) <= set(PARAM_KEYS)
    for key, value in BAD_VALUES.items():
        rejected = [r.key for r in view_state.decode({key: value}).rejections]
        assert rejected == [key], (key, value)


@pytest.mark.parametrize("key", list(BAD_VALUES))
def test_malformed_parameter_warns_and_keeps_the_rest(page, app_url, key):
    # A valid companion (cheap book tab; a dy the page must keep) travels with the bad value.
    good = {"tab": "book", "dy": "2"}
    if key == "tab":
        good = {"dy": "2"}
    elif key == "dy":
        good = {"tab": "book", "dx": "2"}
    bad_url = (
        app_url + "?" + "&".join(f"{k}={v}" for k, v in {key: BAD_VALUES[key], **good}.items())
    )
    open_app(page, bad_url, figures=False)  # the warning comes with the run, not the figures
    assert_no_exception(page)
    boxes = alerts(page)
    assert len(boxes) == 1, boxes
    named = boxes[0].split("defaults:", 1)[1].strip().split(", ")
    assert named == [key], boxes[0]
    params = wait_for_query(page, lambda q: key not in q)  # fell back to the default
    assert params == {k: [v] for k, v in good.items()}
    moved = "dx" if key == "dy" else "dy"
    assert f"{moved}=2" in share_link(page)  # the page's view, not only the address


def test_uploading_a_png_sets_the_pattern(app, tmp_path: Path):
    picture = Image.new("L", (80, 80), 255)  # white paper with a black vertical bar
    picture.paste(0, (30, 0, 50, 80))
    path = tmp_path / "bar.png"
    picture.save(path)
    grid = images.image_to_grid(path.read_bytes(), 8, 8, threshold=0.5)
    expected = np.zeros((8, 8))
    expected[:, 3:5] = 1.0  # pixels 30..49 of 80 are columns 3 and 4 of 8
    np.testing.assert_array_equal(grid, expected)

    uploader = app.locator('[class*="st-key-upload_"] input[type="file"]')
    after(app, lambda: uploader.set_input_files(path))
    wait_for_heatmaps(app, INPUT, [expected])
    view = DEFAULT.with_pattern(expected)
    assert wait_for_query(app, lambda q: "p" in q)["p"] == [view_state.encode(view)["p"]]
    wait_for_heatmaps(app, FIG[LEFT], pipeline_maps(view))
    assert alerts(app) == []
    assert_no_exception(app)


def test_downloads_open_and_parse(app):
    files = {}
    open_panel(app, "open_downloads")
    for key in ("dl_png", "dl_json", "dl_csv"):
        with app.expect_download() as info:
            app.locator(f".st-key-{key} button").click()
        download = info.value
        files[download.suggested_filename] = Path(download.path()).read_bytes()
    assert set(files) == {"poolviz.png", "poolviz.json", "poolviz.csv"}

    with Image.open(io.BytesIO(files["poolviz.png"])) as png:
        assert png.format == "PNG"
        png.load()
        assert min(png.size) > 50

    data = json.loads(files["poolviz.json"])
    assert data["view"] == {}
    by_name = {p["name"]: p for p in data["pipelines"]}
    assert set(by_name) == {"max-pool", "no pooling"}
    stages = by_name["max-pool"]["stages"]
    assert stages[2]["original"] == [[0, 1, 1, 0]] * 4
    assert stages[3]["original"] == [[2, 2], [2, 2]]

    rows = list(csv.DictReader(io.StringIO(files["poolviz.csv"].decode("utf-8"))))
    pool = {
        (int(r["row"]), int(r["col"])): float(r["value"])
        for r in rows
        if r["pipeline"] == "max-pool" and r["stage_index"] == "2" and r["input"] == "shifted"
    }
    assert pool == {(r, c): float(c in (1, 2)) for r in range(4) for c in range(4)}
    assert_no_exception(app)


def test_phone_width_does_not_scroll_sideways(new_context, app_url):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    open_app(page, app_url)
    sizes = page.evaluate(
        """() => {
             const main = document.querySelector('[data-testid="stMainBlockContainer"]');
             return {doc: document.documentElement.scrollWidth, inner: window.innerWidth,
                     main: main.scrollWidth, mainClient: main.clientWidth};
           }"""
    )
    assert sizes["doc"] <= sizes["inner"], sizes
    assert sizes["main"] <= sizes["mainClient"], sizes
    assert_no_exception(page)


def test_book_tab_shows_the_next_layer_results(page, app_url):
    open_app(page, app_url + "?tab=book")
    assert alerts(page) == []
    data = heatmaps(page, BOOK_FIG)
    assert len(data) == 12  # rows A, B, C: input, max-pool, next layer, next layer with no pooling
    next_maps = [data[2].tolist(), data[6].tolist(), data[10].tolist()]
    assert next_maps == [[[2, 2], [2, 2]], [[2, 2], [2, 2]], [[0, 4], [0, 4]]]
    book = book_example()
    assert next_maps == [book.next_maps[n].tolist() for n in "ABC"]
    plain = [data[3].tolist(), data[7].tolist(), data[11].tolist()]
    assert plain == [book.plain_next[n].tolist() for n in "ABC"]
    assert page.locator(EXPLORER).count() == 0, "only the open tab is drawn"
    assert query(page) == {"tab": ["book"]}
    assert_no_exception(page)
