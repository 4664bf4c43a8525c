"""The lesson path and the Digits lab in Chromium: step links, Next/Back, and the lab's table."""

from __future__ import annotations

from urllib.parse import urlencode

from poolviz.view import state as view_state
from poolviz.view.lesson_view import step_evidence, step_view

from .helpers import after, alerts, assert_no_exception, open_app, query, wait_for_query


def strip_text(page) -> str:
    return page.locator(".st-key-lesson").inner_text()


def test_next_and_back_walk_the_steps_and_the_url_follows(app):
    assert "Step 2 of 6" in strip_text(app)
    after(app, lambda: app.locator(".st-key-lesson_next button").click())
    wait_for_query(app, lambda q: q.get("step") == ["3"])
    assert "Step 3 of 6" in strip_text(app)
    assert query(app) == {"step": ["3"], "dx": ["2"], "tab": ["book"]}
    after(app, lambda: app.locator(".st-key-lesson_back button").click())
    wait_for_query(app, lambda q: q == {})
    assert "Step 2 of 6" in strip_text(app)
    assert alerts(app) == []
    assert_no_exception(app)


def test_every_step_link_opens_its_claim(page, app_url):
    for step in range(1, 7):
        view = step_view(step)
        qs = urlencode(sorted(view_state.encode(view).items()))
        open_app(page, app_url + ("?" + qs if qs else ""), figures=False)
        text = strip_text(page)
        assert f"Step {step} of 6" in text
        first = step_evidence(view).sentences[0]
        assert first[:60] in text.replace("\n", " ")
        assert "do not show the step's claim" not in text
        assert_no_exception(page)


def test_digits_lab_tab_shows_the_table_and_a_computed_verdict(page, app_url):
    open_app(page, app_url + "?tab=lab", timeout=180_000, figures=False)
    page.get_by_text("Verdict", exact=False).first.wait_for(timeout=180_000)
    body = page.locator('[data-testid="stMain"]').inner_text()
    for arch in ("nopool", "maxpool", "avgpool", "strided", "blurpool", "aps"):
        assert arch in body
    assert alerts(page) == []
    assert_no_exception(page)
