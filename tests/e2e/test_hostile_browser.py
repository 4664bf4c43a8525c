"""Hostile links and hostile uploads, in a real browser.

Each link carries script tags, markdown, control characters, overlong or repeated values,
a broken base64 pattern or non-finite numbers, in known and unknown keys. The page must run
no script (no JS dialog, no extra ``<script>`` element, no ``javascript:`` link, the raw
payload nowhere in the DOM), show one warning naming each refused key (as text, not as
markdown), keep the good parameters and rewrite the URL without the bad ones.

Each upload (a text file named ``.png``, a truncated PNG, a decompression bomb, an empty
file) must be refused in the sidebar ("Upload refused: …") while the page keeps working.
"""

from __future__ import annotations

import io
import struct
import zlib
from urllib.parse import quote

import numpy as np
import pytest
from PIL import Image

from poolviz.lessons.comparison import compare
from poolviz.lessons.pipelines import selected
from poolviz.view import state as view_state

from .helpers import (
    INPUT_MAP,
    PIPE,
    after,
    alerts,
    assert_no_exception,
    explorer_maps,
    heatmaps,
    open_app,
    query,
    record_dialogs,
    share_link,
    shift_range,
    wait_for_heatmaps,
    wait_for_query,
)

SCRIPT = "<script>alert(1)</script>"
JS_LINK = "[x](javascript:alert(1))"
BOOK = view_state.DEFAULT.pattern_array()
FIG_WITH = PIPE[0]  # the left side: max-pool by default
INPUT = INPUT_MAP
WARNING = "fell back to their defaults:"


def _pattern_value() -> str:
    grid = BOOK.copy()
    grid[5, 3] = 1.0
    return view_state.encode(view_state.DEFAULT.with_pattern(grid))["p"]


P = _pattern_value()
BOOK_TAB = [("tab", "book"), ("dy", "2")]

# (id, query pairs in URL order, the keys the warning must name, the good pairs kept)
CASES = [
    (
        "script-in-values",
        [("dx", SCRIPT), ("mode", SCRIPT), ("p", SCRIPT), ("seed", SCRIPT), *BOOK_TAB],
        ["dx", "mode", "p", "seed"],
        BOOK_TAB,
    ),
    (
        "script-in-tab-and-as-unknown-key",
        [("tab", SCRIPT), (SCRIPT, "1"), ("dy", "2")],
        ["tab", SCRIPT],
        [("dy", "2")],
    ),
    (
        "markdown-values-and-key",
        [("mode", "**bold**"), ("pool", JS_LINK), (JS_LINK, "1"), ("**k**", "_x_"), *BOOK_TAB],
        ["mode", "pool", JS_LINK, "**k**"],
        BOOK_TAB,
    ),
    ("10000-characters", [("k", "1," * 5000), *BOOK_TAB], ["k"], BOOK_TAB),
    (
        "control-characters",
        [("dx", "\x00"), ("mode", "zero\n"), ("sweep", "dx\r\n"), *BOOK_TAB],
        ["dx", "mode", "sweep"],
        BOOK_TAB,
    ),
    ("repeated-key", [("dx", "1"), ("dx", "2"), *BOOK_TAB], ["dx"], BOOK_TAB),
    ("pattern-truncated", [("p", P[:-1]), *BOOK_TAB], ["p"], BOOK_TAB),
    ("pattern-padded", [("p", P + "=="), *BOOK_TAB], ["p"], BOOK_TAB),
    (
        "overflow-1e309",
        [("dy", "1e309"), ("elr", "1e309"), ("tab", "book"), ("dx", "2")],
        ["dy", "elr"],
        [("tab", "book"), ("dx", "2")],
    ),
    ("nan", [("np", "NaN"), ("th", "nan"), *BOOK_TAB], ["np", "th"], BOOK_TAB),
]

_DOM_JS = """
(payloads) => ({
  scripts: Array.from(document.querySelectorAll('script'),
                      (s) => s.src ? new URL(s.src).pathname : 'inline:' + s.textContent.length),
  scriptWithAlert: Array.from(document.querySelectorAll('script'))
                      .some((s) => s.textContent.includes('alert(1)')),
  jsLinks: document.querySelectorAll('a[href^="javascript:" i], [href*="javascript:" i]').length,
  rawPayloads: payloads.filter((p) => document.documentElement.outerHTML.includes(p)),
})
"""


def url_for(app_url: str, pairs) -> str:
    return app_url + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


@pytest.fixture(scope="module")
def clean_scripts(browser, static_cache, app_url):
    """The ``<script>`` elements of a clean load of the book tab (Streamlit's own)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    static_cache.attach(ctx)
    try:
        page = ctx.new_page()
        open_app(page, app_url + "?tab=book")
        return sorted(page.evaluate(_DOM_JS, [])["scripts"])
    finally:
        ctx.close()


@pytest.mark.parametrize(
    ("pairs", "bad", "kept"),
    [pytest.param(p, b, k, id=i) for i, p, b, k in CASES],
)
def test_hostile_link(page, app_url, clean_scripts, pairs, bad, kept):
    dialogs = record_dialogs(page)
    open_app(page, url_for(app_url, pairs), figures=False)
    assert_no_exception(page)

    boxes = alerts(page)
    assert len(boxes) == 1 and WARNING in boxes[0], boxes
    named = boxes[0].split(WARNING, 1)[1].strip().split(", ")
    # known keys as they are, unknown ones quoted with repr (poolviz.view.state's shown_key)
    shown = [view_state.Rejection(key, "", "unknown parameter").shown_key for key in bad]
    assert sorted(n.replace("\\", "") for n in named) == sorted(shown), boxes[0]
    box = page.locator('[role="alert"]').first
    assert box.locator("strong, em, a, script, img, iframe").count() == 0, box.inner_html()

    # The URL loses every bad parameter and keeps the good ones (in the page's own spelling).
    wanted = {k: [v] for k, v in kept}
    wait_for_query(page, lambda q: q == wanted)
    if ("dy", "2") in kept:
        # the page's view, not only its address (the share link is written from the view)
        assert "dy=2" in share_link(page)

    page.wait_for_timeout(200)  # a dialog from a late-running script would show by now
    dom = page.evaluate(_DOM_JS, [SCRIPT])  # as text it would read &lt;script&gt;
    assert dialogs == [], dialogs
    assert sorted(dom["scripts"]) == clean_scripts, dom["scripts"]
    assert not dom["scriptWithAlert"]
    assert dom["jsLinks"] == 0
    assert dom["rawPayloads"] == [], dom["rawPayloads"]
    assert page.js_errors == [], page.js_errors


# ------------------------------------------------------------------------ uploads


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """An 8-bit gray PNG whose IHDR declares ``width``×``height`` but holds one tiny row
    (as ``tests/test_images.py`` builds it)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"\x00" + b"\x00" * 16
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def real_png() -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


UPLOADS = {
    "text-named-png": ("notes.png", b"just some text, not an image\n" * 4),
    "truncated-png": ("cut.png", real_png()[:300]),
    "decompression-bomb": ("bomb.png", bomb_png()),
    "zero-bytes": ("empty.png", b""),
}


def with_pooling_maps(dx: int) -> list[np.ndarray]:
    view = view_state.DEFAULT
    settings = view.layer_settings()
    run = compare(BOOK, selected(settings, view.pipelines), dx, view.dy, view.mode)["max-pool"]
    return [np.atleast_2d(m) for m in run.original[1:]] + [
        np.atleast_2d(m) for m in run.shifted[1:]
    ]


@pytest.mark.parametrize("name", list(UPLOADS))
def test_hostile_upload_is_refused_and_the_page_keeps_working(app, name):
    file_name, data = UPLOADS[name]
    uploader = app.locator('[class*="st-key-upload_"] input[type="file"]')
    after(
        app,
        lambda: uploader.set_input_files(
            files=[{"name": file_name, "mimeType": "image/png", "buffer": data}]
        ),
    )
    sidebar_alerts = app.locator('[data-testid="stSidebar"] [role="alert"]')
    sidebar_alerts.first.wait_for()
    messages = sidebar_alerts.all_inner_texts()
    assert len(messages) == 1 and messages[0].startswith("Upload refused:"), messages
    assert_no_exception(app)
    assert alerts(app) == messages, "nothing else warns"

    # The pattern and the maps are unchanged, and the page still answers the shift.
    assert query(app) == {}
    np.testing.assert_array_equal(heatmaps(app, INPUT)[0], BOOK)
    assert len(heatmaps(app, FIG_WITH)) == 8
    shift_range(app, "dx").focus()
    app.keyboard.press("ArrowRight")
    wait_for_heatmaps(app, FIG_WITH, with_pooling_maps(2))
    assert wait_for_query(app, lambda q: q == {"dx": ["2"]})
    np.testing.assert_array_equal(heatmaps(app, INPUT)[0], BOOK)
    assert len(explorer_maps(app)) == 2 + len(heatmaps(app, FIG_WITH)) + len(heatmaps(app, PIPE[1]))
