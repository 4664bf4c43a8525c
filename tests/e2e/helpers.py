"""Page helpers for the browser tests: wait for Streamlit reruns, read Plotly data, the URL.

Figure data comes from the DOM (``gd._fullData[i].z``: decoded arrays), never from pixels.
Waits are event-based; where the page offers no event, a bounded poll with a tiny step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

try:
    from playwright.sync_api import Page
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the fixtures skip (or fail) with a hint; importing must still work
    Page = Any  # type: ignore[misc,assignment]
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]

from .server import APP, APP_IDLE

__all__ = [
    "Page",
    "APP",
    "APP_IDLE",
    "MAIN",
    "RUN_TIMEOUT_MS",
    "open_app",
    "wait_for_app_run",
    "after",
    "script_state",
    "heatmaps",
    "all_figures",
    "wait_for_heatmaps",
    "query",
    "wait_for_query",
    "alerts",
    "assert_no_exception",
]

MAIN = '[data-testid="stMain"]'
RUN_TIMEOUT_MS = 30_000
START_TIMEOUT_MS = 1_500  # the old "notRunning" lingers 30-85 ms after an action
POLL_S = 0.03

_HEATMAPS_JS = """
(sel) => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  return gd._fullData
    .filter((t) => t.type === 'heatmap')
    .map((t) => Array.from(t.z, (row) => Array.from(row)));
}
"""

_ALL_FIGURES_JS = """
(main) => Array.from(document.querySelectorAll(main + ' .js-plotly-plot'), (gd) => {
  const box = gd.closest('[class*="st-key-"]');
  const key = box ? Array.from(box.classList).find((c) => c.startsWith('st-key-')) : null;
  const data = (gd._fullData || []).filter((t) => t.type === 'heatmap')
    .map((t) => Array.from(t.z, (row) => Array.from(row)));
  return [key, data];
})
"""

_FIGURES_READY_JS = """
(main) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const plots = document.querySelectorAll(main + ' .js-plotly-plot');
  return plots.length > 0 && Array.from(plots).every((gd) => gd._fullData && gd._fullLayout);
}
"""


def script_state(page: Page) -> str | None:
    return page.get_attribute(APP, "data-test-script-state")


def wait_for_app_run(page: Page, timeout: float = RUN_TIMEOUT_MS, started: bool = False) -> None:
    """Wait for a rerun to start (bounded: some actions trigger none) and then to end."""
    if not started:
        try:
            page.wait_for_function(
                """(sel) => {
                     const app = document.querySelector(sel);
                     return app && app.getAttribute('data-test-script-state') !== 'notRunning';
                   }""",
                arg=APP,
                timeout=START_TIMEOUT_MS,
                polling="raf",
            )
        except PlaywrightTimeout:
            pass  # the run was too quick to see, or the action caused none
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def after(page: Page, action: Callable[[], Any], timeout: float = RUN_TIMEOUT_MS) -> None:
    """Do ``action`` (a click, a key press) and wait for the rerun it causes to finish."""
    action()
    wait_for_app_run(page, timeout)


def open_app(page: Page, url: str, timeout: float = 60_000, figures: bool = True) -> None:
    """Load ``url``; return once the first run is over (and, by default, every figure drawn)."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(APP_IDLE, timeout=timeout)
    if figures:
        page.wait_for_function(_FIGURES_READY_JS, arg=MAIN, timeout=timeout)


def heatmaps(page: Page, container: str) -> list[np.ndarray] | None:
    """The heatmap z arrays of the figure inside ``container``, in trace order."""
    data = page.evaluate(_HEATMAPS_JS, container)
    if data is None:
        return None
    return [np.array(z, dtype=float) for z in data]


def all_figures(page: Page) -> list[tuple[str | None, list[list]]]:
    """Every main-area figure: (its ``st-key-*`` class, its heatmap z lists)."""
    return [(key, data) for key, data in page.evaluate(_ALL_FIGURES_JS, MAIN)]


def _same(a: list[np.ndarray] | None, b: list[np.ndarray]) -> bool:
    return (
        a is not None
        and len(a) == len(b)
        and all(x.shape == y.shape and np.allclose(x, y) for x, y in zip(a, b, strict=True))
    )


def wait_for_heatmaps(
    page: Page,
    container: str,
    expected: list[np.ndarray] | Callable[[list[np.ndarray] | None], bool],
    timeout_s: float = 15.0,
    indices: list[int] | None = None,
) -> list[np.ndarray]:
    """Poll the figure until its heatmaps (or those at ``indices``) match ``expected``.

    ``expected`` is a list of arrays, or a predicate on the whole list. Fails with the last
    data seen. Plotly redraws a moment after the run ends, hence the bounded poll.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        data = heatmaps(page, container)
        picked = data if data is None or indices is None else [data[i] for i in indices]
        ok = expected(data) if callable(expected) else _same(picked, expected)
        if ok:
            return data
        if time.monotonic() > deadline:
            shown = [] if picked is None else [z.tolist() for z in picked]
            want = "predicate" if callable(expected) else [np.asarray(z).tolist() for z in expected]
            raise AssertionError(f"{container}: heatmaps {shown} never matched {want}")
        time.sleep(POLL_S)


def query(page: Page) -> dict[str, list[str]]:
    """The page URL's query parameters, ``parse_qs`` style."""
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def wait_for_query(
    page: Page, predicate: Callable[[dict[str, list[str]]], bool], timeout_s: float = 10.0
) -> dict[str, list[str]]:
    """Poll ``location.href`` until ``predicate(query)`` holds; fail with the URL seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        params = parse_qs(urlsplit(page.evaluate("location.href")).query, keep_blank_values=True)
        if predicate(params):
            return params
        if time.monotonic() > deadline:
            raise AssertionError(f"URL query never matched: {params}")
        time.sleep(POLL_S)


def alerts(page: Page) -> list[str]:
    """Text of every role=alert box (``st.warning``/``st.error``)."""
    return page.locator('[role="alert"]').all_inner_texts()


def assert_no_exception(page: Page) -> None:
    count = page.locator('[data-testid="stException"]').count()
    assert count == 0, page.locator('[data-testid="stException"]').first.inner_text()


# ------------------------------------------------------------------------ appended helpers
# (tabs, instant mode, hostile input: used by test_tabs.py, test_hostile_browser.py and
# benchmarks/bench_page.py)

__all__ += [
    "plot_traces",
    "click_plot_cell",
    "SentFrames",
    "record_sent_frames",
    "record_dialogs",
    "scrub_frame",
]

_TRACES_JS = """
(sel) => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  return gd._fullData.map((t) => ({
    type: t.type, mode: t.mode || null, name: t.name || null,
    xaxis: t.xaxis || null, yaxis: t.yaxis || null,
    color: (t.line && t.line.color) || null,
    customdata: t.customdata ? t.customdata[0] : null,
    x: t.x ? Array.from(t.x, (v) => (v === null ? null : +v)) : null,
    y: t.y ? Array.from(t.y, (v) => (v === null ? null : +v)) : null,
  }));
}
"""


def plot_traces(page: Page, container: str) -> list[dict] | None:
    """Every trace of the figure inside ``container`` (from ``_fullData``): type, mode,
    name, x/y axis ids, line colour, first ``customdata`` and the x/y values."""
    return page.evaluate(_TRACES_JS, container)


def click_plot_cell(page: Page, container: str, row: int, col: int, axis: str = "") -> None:
    """Click cell (row, col) of the subplot on axes ``x{axis}``/``y{axis}`` of the figure in
    ``container``, at the centre Plotly's own axes give; first wait for Plotly to hover a
    point of that subplot at that cell (Plotly clicks the point it last hovered)."""
    x, y = page.evaluate(
        """([sel, row, col, axis]) => {
             const gd = document.querySelector(sel + ' .js-plotly-plot');
             gd.scrollIntoView({block: 'center'});
             const xa = gd._fullLayout['xaxis' + axis], ya = gd._fullLayout['yaxis' + axis];
             const box = gd.getBoundingClientRect();
             return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
           }""",
        [container, row, col, axis],
    )
    page.mouse.move(x, y)
    page.wait_for_function(
        """([sel, row, col, axis]) => {
             const gd = document.querySelector(sel + ' .js-plotly-plot');
             const hover = gd && gd._hoverdata;
             return !!hover && hover.some((p) => p.x === col && p.y === row
                 && (p.fullData.xaxis || 'x') === 'x' + axis);
           }""",
        arg=[container, row, col, axis],
    )
    page.mouse.click(x, y)


class SentFrames:
    """Websocket frames the page sent to the server (a rerun request is one)."""

    def __init__(self) -> None:
        self.count = 0

    def _on_socket(self, ws) -> None:
        ws.on("framesent", self._on_frame)

    def _on_frame(self, _payload) -> None:
        self.count += 1


def record_sent_frames(page: Page) -> SentFrames:
    """Count frames sent on every websocket the page opens; call before ``open_app``."""
    frames = SentFrames()
    page.on("websocket", frames._on_socket)
    return frames


def record_dialogs(page: Page) -> list[str]:
    """Record (and dismiss) every JS dialog (alert/confirm/prompt); call before loading."""
    seen: list[str] = []

    def on_dialog(dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def scrub_frame(page: Page, timeout_s: float = 20.0):
    """The instant-mode iframe's Frame, once its first draw is done (``dataset.draws``)."""
    page.wait_for_selector(f"{MAIN} iframe", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    while True:
        for frame in page.frames:
            if frame is page.main_frame:
                continue
            try:
                if frame.evaluate(
                    "!!document.getElementById('dx') && !!document.body.dataset.draws"
                ):
                    return frame
            except Exception:  # noqa: BLE001 — a frame still loading or detached
                pass
        if time.monotonic() > deadline:
            raise AssertionError("no instant-mode iframe with a drawn canvas")
        time.sleep(POLL_S)
