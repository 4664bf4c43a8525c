"""Issue 16 in Chromium: presentation mode and its keys, the keyboard-only lesson, the
maps' text alternatives, the dark theme, and the phone layout."""

from __future__ import annotations

import json

import pytest

from .helpers import (
    EXPLORER,
    PVX_JS,
    assert_no_exception,
    open_app,
    shift_range,
    wait_for_app_run,
    wait_for_query,
)


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768)])
def test_presentation_mode_is_clean_at_projector_sizes(new_context, app_url, size):
    page = new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    open_app(page, app_url + "?present=1")
    assert page.locator('[data-testid="stSidebar"]').is_visible() is False
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes  # nothing scrolls sideways
    ds = page.evaluate(f"() => ({{...{PVX_JS}.dataset}})")
    assert int(ds["fontPx"]) >= 14  # larger numbers than the page's 11-12 px
    if size[0] >= 1920:
        assert ds["layout"] == "one-line"
    assert_no_exception(page)


def test_the_clickers_keys_walk_the_lesson(page, app_url):
    open_app(page, app_url + "?present=1")
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no control
    page.keyboard.press("PageDown")
    wait_for_query(page, lambda q: q.get("step") == ["3"])
    wait_for_app_run(page)
    page.keyboard.press("ArrowRight")
    wait_for_query(page, lambda q: q.get("step") == ["4"])
    wait_for_app_run(page)
    page.keyboard.press("PageUp")
    wait_for_query(page, lambda q: q.get("step") == ["3"])
    wait_for_app_run(page)
    page.keyboard.press("ArrowLeft")
    params = wait_for_query(page, lambda q: "step" not in q or q["step"] == ["2"])
    assert params.get("present") == ["1"]  # presentation mode stays on across steps
    wait_for_app_run(page)
    # A key meant for a control stays with it: the shift moves, the step does not.
    shift_range(page, "dx").focus()
    page.keyboard.press("ArrowRight")
    wait_for_query(page, lambda q: q.get("dx") == ["2"])
    assert "step" not in wait_for_query(page, lambda q: True)
    assert_no_exception(page)


def test_the_whole_lesson_with_the_keyboard_alone(app):
    # Tab to "Next", Enter: step after step, from 2 to 6, no mouse.
    for step in range(3, 7):
        for _ in range(80):
            app.keyboard.press("Tab")
            if app.evaluate("document.activeElement && document.activeElement.innerText") \
                    .strip().startswith("Next"):
                break
        else:
            raise AssertionError("Tab never reached the Next button")
        app.keyboard.press("Enter")
        wait_for_query(app, lambda q, step=step: q.get("step") == [str(step)])
        wait_for_app_run(app)
    assert "Step 6 of 6" in app.locator(".st-key-lesson").inner_text()


def test_every_map_has_its_numbers_as_a_table(app):
    app.wait_for_timeout(400)  # the tables fill once drawing settles
    found = app.evaluate(
        f"""() => Array.from({PVX_JS}.querySelectorAll('.pvx-map'), (m) => {{
            const t = m.nextElementSibling && m.nextElementSibling.querySelector('table');
            return [m.getAttribute('aria-label'), m.dataset.values,
                    t && t.tagName === 'TABLE' ? Array.from(t.querySelectorAll('tr'),
                      (r) => Array.from(r.cells, (c) => c.textContent)) : null];
        }})"""
    )
    assert len(found) >= 10
    for label, values, table in found:
        assert label and "table" in label
        rows = json.loads(values)
        rows = rows if isinstance(rows, list) else [[rows]]
        assert table is not None and len(table) == len(rows)
        assert [[t.replace(" (changed)", "") for t in r] for r in table] == [
            [str(v) if float(v) != int(v) else str(int(v)) for v in r] for r in rows
        ]


def test_dark_theme_follows_the_system_and_stays_readable(new_context, app_url):
    page = new_context(color_scheme="dark").new_page()
    open_app(page, app_url)
    bg, fg = page.evaluate(
        f"""() => [getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor,
                   getComputedStyle({PVX_JS}).color]"""
    )

    def lum(css: str) -> float:
        r, g, b = (int(v) / 255 for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    assert lum(bg) < 0.1, bg  # the page is dark
    hi, lo = sorted((lum(bg), lum(fg)), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5, (bg, fg)  # the component's text reads on it
    assert_no_exception(page)


def test_phone_first_maps_tab_bar_and_tap_targets(new_context, app_url):
    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True).new_page()
    open_app(page, app_url)
    first = page.locator(f"{EXPLORER} .pvx-map").first.bounding_box()
    assert first["y"] < 900, first
    tabs = page.evaluate(
        "() => { const t = document.querySelector('[role=tablist]');"
        " return [t.scrollWidth, t.clientWidth]; }"
    )
    assert tabs[0] <= tabs[1], tabs  # the tab bar fits (it wraps), nothing scrolls sideways
    small = page.evaluate(
        f"""() => {{
          const root = {PVX_JS};
          const els = [...document.querySelectorAll('[data-testid="stMain"] button, [role=tab]'),
                       ...root.querySelectorAll('input[type=range], .pvx-mode label')];
          return els.filter((e) => e.offsetParent !== null).map((e) => {{
            const r = e.getBoundingClientRect();
            return [e.innerText || e.className, Math.round(r.width), Math.round(r.height)];
          }}).filter(([, w, h]) => w < 24 || h < 24);
        }}"""
    )
    assert small == [], small
    assert_no_exception(page)
