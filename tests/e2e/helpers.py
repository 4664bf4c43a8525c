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
    "EXPLORER",
    "PVX_JS",
    "PIPE",
    "INPUT_MAP",
    "SHIFTED_MAP",
    "explorer_maps",
    "explorer_dataset",
    "shift_range",
    "click_input_cell",
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

# The Explore component lives in an open shadow root (st.components.v2, isolated styles):
# page scripts reach it through its host; Playwright's CSS locators pierce it by themselves.
EXPLORER = ".st-key-explorer"
PVX_JS = (
    "document.querySelector('.st-key-explorer [data-testid=\"stBidiComponentIsolated\"]')"
    "?.shadowRoot?.querySelector('.pvx')"
)

_FIGURES_READY_JS = """
(main) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const plots = document.querySelectorAll(main + ' .js-plotly-plot');
  const host = document.querySelector('.st-key-explorer');
  const pvx = __PVX__;
  if (host && !(pvx && pvx.dataset.draws)) return false;
  return (plots.length > 0 || !!pvx) &&
    Array.from(plots).every((gd) => gd._fullData && gd._fullLayout);
}
""".replace("__PVX__", PVX_JS)

EXPLORER_MAPS_JS = """
() => {
  const root = __PVX__;
  if (!root) return null;
  return Array.from(root.querySelectorAll('.pvx-map'), (e) => ({
    pipeline: e.dataset.pipeline, stage: e.dataset.stage, which: e.dataset.which,
    values: e.dataset.values ? JSON.parse(e.dataset.values) : null,
    changed: e.dataset.changed ? JSON.parse(e.dataset.changed) : null,
  }));
}
""".replace("__PVX__", PVX_JS)


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


# Names for the Explore component's maps, used where a Plotly container selector would
# go: the i-th pipeline's stages (originals, then the shifted row), the input, its shift.
PIPE = ("pipe:0", "pipe:1")
INPUT_MAP, SHIFTED_MAP = "input:original", "input:shifted"


def explorer_maps(page: Page) -> list[dict] | None:
    """Every map the component drew, in page order: pipeline, stage, which, values, changed."""
    return page.evaluate(EXPLORER_MAPS_JS)


def explorer_dataset(page: Page) -> dict:
    """The component root's data attributes (dx, dy, mode, draws, drawMs, ack, layout...)."""
    return page.evaluate(f"() => {{ const r = {PVX_JS}; return r ? {{...r.dataset}} : {{}}; }}")


def _component_heatmaps(page: Page, name: str) -> list[np.ndarray] | None:
    maps = explorer_maps(page)
    if maps is None or any(m["values"] is None for m in maps):
        return None
    arrays = [(m, np.atleast_2d(np.array(m["values"], dtype=float))) for m in maps]
    if name.startswith("input:"):
        which = name.split(":")[1]
        return [a for m, a in arrays if m["stage"] == "input" and m["which"] == which]
    names = list(dict.fromkeys(m["pipeline"] for m, _ in arrays if m["stage"] != "input"))
    index = int(name.split(":")[1])
    if index >= len(names):
        return None
    mine = [(m, a) for m, a in arrays if m["pipeline"] == names[index] and m["stage"] != "input"]
    return [a for m, a in mine if m["which"] == "original"] + [
        a for m, a in mine if m["which"] == "shifted"
    ]


def heatmaps(page: Page, container: str) -> list[np.ndarray] | None:
    """The heatmap z arrays of the figure inside ``container``, in trace order; for the
    Explore component's names (:data:`PIPE`, :data:`INPUT_MAP`, :data:`SHIFTED_MAP`) its
    maps' ``data-values``, originals first (what the Plotly figures used to hold)."""
    if container.startswith(("pipe:", "input:")):
        return _component_heatmaps(page, container)
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


def open_panel(page: Page, key: str) -> None:
    """Open a lazy expander (ui/panels.lazy_expander, e.g. "open_downloads") and wait for
    the rerun that draws its body."""
    after(page, lambda: page.locator(f".st-key-{key} summary").click())
    page.locator(f".st-key-{key} [data-testid='stExpanderDetails']").wait_for()


SHARE_FIELD = ".st-key-share input.pvx-share-url"  # ui/share.py: the share link's field


def share_link(page: Page) -> str:
    """The link the share field shows (what a student copies)."""
    return page.locator(SHARE_FIELD).input_value().strip()


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
# (tabs, the Explore component, hostile input: used by test_tabs.py, test_hostile_browser.py,
# test_explore_page.py and benchmarks/bench_explorer.py)

__all__ += [
    "plot_traces",
    "click_plot_cell",
    "SentFrames",
    "record_sent_frames",
    "record_dialogs",
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


def shift_range(page: Page, axis: str):
    """The component's native range input for ``axis`` ("dx" or "dy")."""
    return page.locator(f"{EXPLORER} input.pvx-{axis}")


def click_input_cell(page: Page, row: int, col: int, delay_ms: float = 0) -> None:
    """Click the centre of cell (row, col) of the component's input (painting)."""
    grid = page.locator(f'{EXPLORER} .pvx-map[data-stage="input"][data-which="original"]')
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    rows = grid.evaluate("(e) => JSON.parse(e.dataset.values)")
    x = box["x"] + (col + 0.5) * box["width"] / len(rows[0])
    y = box["y"] + (row + 0.5) * box["height"] / len(rows)
    page.mouse.click(x, y, delay=delay_ms)
