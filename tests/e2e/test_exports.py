"""The offline HTML export in Chromium: opened from a file, with every network request aborted.

The page must draw and scrub with no server: moving the dx range input (inside the
component's root, which the offline page does not put in a shadow root) redraws the shifted
maps from the precomputed payload, and each map's ``data-values`` equals what poolviz
computes for that shift. No request other than the file itself may even be attempted.
The slide's colour rule is checked against explorer.js's own ``makeScale``, run here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from poolviz.core.invariance import changed_mask
from poolviz.lessons import pipelines, sentences
from poolviz.lessons.comparison import compare
from poolviz.render.scene import Scale
from poolviz.view import downloads
from poolviz.view import state as view_state

ASSETS = Path(__file__).resolve().parents[2] / "poolviz" / "render" / "assets"
VIEW = replace(view_state.DEFAULT, dx=1, pool="blur")

_MAPS_JS = """(els) => els.map((e) => ({pipeline: e.dataset.pipeline, stage: e.dataset.stage,
    which: e.dataset.which, values: JSON.parse(e.dataset.values),
    changed: e.dataset.changed ? JSON.parse(e.dataset.changed) : null}))"""


@pytest.fixture
def offline(browser, tmp_path):
    """A fresh context that lets file:// through and aborts (and records) anything else."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    attempted: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
            return
        attempted.append(url)
        route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else attempted.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page, attempted, errors, tmp_path
    finally:
        context.close()


def open_export(page, tmp_path: Path, view: view_state.ViewState) -> None:
    path = tmp_path / "poolviz.html"
    path.write_bytes(downloads.download(view, "html"))
    page.goto(path.as_uri())
    page.wait_for_selector("#poolviz-explorer .pvx[data-draws]")


def drawn(page) -> dict[tuple[str, str, str], dict]:
    maps = page.locator("#poolviz-explorer .pvx-map").evaluate_all(_MAPS_JS)
    return {(m["pipeline"], m["stage"], m["which"]): m for m in maps}


def root_data(page) -> dict:
    return page.locator("#poolviz-explorer .pvx").evaluate("(root) => ({...root.dataset})")


def move_range(page, axis: str, target: int) -> None:
    """Drive the native range input with the keyboard, as a user would."""
    knob = page.locator(f"#poolviz-explorer .pvx .pvx-{axis}")
    knob.focus()
    current = int(knob.input_value())
    key = "ArrowRight" if target > current else "ArrowLeft"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    assert int(knob.input_value()) == target


def check_against_poolviz(page, view: view_state.ViewState, dx: int, dy: int, mode: str) -> dict:
    x = view.pattern_array()
    runs = compare(x, pipelines.selected(view.layer_settings(), view.pipelines), dx, dy, mode)
    maps = drawn(page)
    any_run = next(iter(runs.values()))
    np.testing.assert_array_equal(
        np.array(maps[("input", "input", "shifted")]["values"], dtype=float), any_run.shifted[0]
    )
    for run in runs.values():
        for i in range(1, len(run.labels)):
            got = maps[(run.name, run.labels[i], "shifted")]
            np.testing.assert_allclose(
                np.array(got["values"], dtype=float), run.shifted[i], atol=1e-6,
                err_msg=f"{run.name} {run.labels[i]} at dx={dx}",
            )
            rule = changed_mask(run.original[i], run.shifted[i])
            np.testing.assert_array_equal(np.array(got["changed"], dtype=bool), rule)
    said = page.locator("#poolviz-explorer .pvx-sentences li").all_inner_texts()
    assert said == sentences.explain(runs, dx, dy, mode)
    return maps


def test_the_offline_page_scrubs_with_no_server_and_no_request(offline):
    page, attempted, errors, tmp_path = offline
    open_export(page, tmp_path, VIEW)
    assert page.locator("#poolviz-explorer .pvx").count() == 1
    assert page.evaluate("() => !!document.querySelector('#poolviz-explorer .pvx')")  # no shadow root
    data = root_data(page)
    assert (data["dx"], data["dy"], data["mode"]) == ("1", "0", "zero")  # opens at the view's shift
    before = check_against_poolviz(page, VIEW, 1, 0, "zero")

    move_range(page, "dx", 2)
    page.wait_for_function("() => document.querySelector('#poolviz-explorer .pvx').dataset.dx === '2'")
    after = check_against_poolviz(page, VIEW, 2, 0, "zero")
    changed = [k for k in after if k[2] == "shifted" and after[k]["values"] != before[k]["values"]]
    assert ("input", "input", "shifted") in changed and len(changed) > 2

    page.locator('#poolviz-explorer .pvx-mode input[value="wrap"]').check()
    move_range(page, "dx", -3)
    move_range(page, "dy", 1)
    page.wait_for_function("() => document.querySelector('#poolviz-explorer .pvx').dataset.dy === '1'")
    check_against_poolviz(page, VIEW, -3, 1, "wrap")

    assert attempted == []
    assert errors == []


def test_the_slide_colours_are_explorer_js_make_scale(offline):
    page, _, errors, _ = offline
    js = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    source = js[js.index("function luminance(") : js.index("function decodeMask(")]
    values = [-3.0, -1.5, -0.25, 0.0, 0.1, 1 / 3, 0.5, 1.0, 1.75, 2.0, 2.5, 4.0]
    for lo, hi, diverging in ((0.0, 4.0, False), (-3.0, 2.5, True), (0.0, 0.0, False), (-1.0, 0.0, True)):
        got = page.evaluate(
            f"(a) => {{ {source}\n const s = makeScale(a.range);"
            " return a.values.map((v) => { const c = s(v); return [c.bg, c.dark]; }); }",
            {"range": {"lo": lo, "hi": hi, "diverging": diverging}, "values": values},
        )
        scale = Scale(lo, hi)
        assert scale.diverging == diverging
        rgb = scale.rgb(np.array(values))
        want = [f"rgb({r},{g},{b})" for r, g, b in rgb.tolist()]
        assert [bg for bg, _ in got] == want, (lo, hi)
        assert [dark for _, dark in got] == scale.white_ink(rgb).tolist()
    assert errors == []
