"""Browser latency of the real Explore page (issue 13's Performance section).

Run from the repository root (needs Debian's /usr/bin/chromium; never `playwright install`)::

    python benchmarks/bench_explorer.py [--n 40] [--ref-n 15] [--clicks 15] [--contexts 7]

Starts ``streamlit run app.py`` (``tests/e2e/server.py``: 127.0.0.1, a free port, stopped at
the end), opens links built with :func:`poolviz.view.state.query_string` in headless
Chromium at 1280×800 and prints, each with PASS/MISS against its target:

- shift key -> redrawn maps, on a 16×16 pattern with values: from the ``keydown`` on the
  focused ``input.pvx-dx`` / ``input.pvx-dy`` to the frame that shows the redrawn maps (a
  message posted from the next ``requestAnimationFrame`` arrives once that frame's style,
  layout and paint are done, so the wait for the frame is included), and the component's
  draw call alone (its ``data-draw-ms``);
- the reference, measured in the same run on the same link: the server round trip of the
  same key press, from ``keydown`` to the end of the rerun that the (debounced) report
  caused (script state back to ``notRunning`` with the address showing the new dx), printed
  with the 250 ms debounce included and with it subtracted, and the part after the report
  left the browser (its websocket send);
- a click on the input grid -> the frame that shows the painted cell, -> the frame in
  which every map shows the server's answer (``data-ack`` moved, no pending edit, a new
  payload whose input is the painted pattern; a paint's first payload holds only the shifts
  near the current one, ui/explorer.py), and -> the frame with every shift of the controls'
  range (``data-complete``); the last payload is checked against the one Python builds for
  that pattern;
- a fresh browser context (empty HTTP cache, new session) opening the default link, with the
  server warm -> the first frame with maps drawn (``data-draws`` >= 1 and every map's
  ``data-values`` set), from the navigation start;
- a 32×32 pattern at the radius the page fits: the component's JSON payload, the websocket
  bytes the page received for the view (page load, a shift report's rerun, a paint's rerun),
  and the shift key -> frame time on it.

Timings are taken inside the page with ``performance.now()``; Playwright's own round trips
are outside every measured span. On a shared 2-core machine, run it twice and compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from poolviz.core.ops import SHIFT_MODES  # noqa: E402
from poolviz.core.patterns import make_preset  # noqa: E402
from poolviz.render import explorer as render_explorer  # noqa: E402
from poolviz.view import downloads  # noqa: E402
from poolviz.view import state as view_state  # noqa: E402
from tests.e2e.helpers import PVX_JS, open_app  # noqa: E402
from tests.e2e.server import APP_IDLE, CHROMIUM, INSTALL_HINT, launch_browser, start_app  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
WARMUP = 2
FRAME_TARGET_MS = 16.0  # shift key -> frame, p90
CLICK_TARGET_MS = 250.0  # click -> all maps updated, median
FIRST_TARGET_MS = 2500.0  # fresh context -> first maps drawn, median
BYTES_TARGET = 1_000_000  # per view
DEBOUNCE_MS = 250.0  # explorer.js REPORT_DELAY_MS: the shift report waits this long
ROOT = ".st-key-explorer .pvx"  # Playwright's CSS locators pierce the open shadow root
INPUT = '.pvx-map[data-stage="input"][data-which="original"]'
PATTERN_16 = make_preset("random", 16, 16, seed=0)
PATTERN_32 = make_preset("random", 32, 32, seed=0)

# Before any page script: timestamp every websocket send (the shift report and the paint
# batches leave the browser this way), so a round trip can be split at the report.
_INIT_JS = """
(() => {
  window.__wsSent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.__wsSent.push(performance.now());
    return send.call(this, data);
  };
})();
"""

# Installed on the component's root (inside its shadow root). `after(cb)` runs cb after the
# next frame has been rendered: a message posted from requestAnimationFrame is handled once
# that frame's rendering steps are done.
_INSTALL_JS = """
(root, selector) => {
  const m = (window.__pvxBench = {start: null, keyMs: null, drawMs: null, draws: null,
                                  paintMs: null, allMs: null, wholeMs: null, ack: 0, before: null,
                                  payload: null, painted: null, target: null, tripMs: null,
                                  sentMs: null, sawRun: false});
  // cb(renderMs): renderMs is that frame's own rendering work (style, layout, paint), from
  // its animation-frame callback to the message.
  const after = (cb) => requestAnimationFrame(() => {
    const frame = performance.now(), ch = new MessageChannel();
    ch.port1.onmessage = () => cb(performance.now() - frame);
    ch.port2.postMessage(0);
  });
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = () => app.getAttribute('data-test-script-state') === 'notRunning';
  const urlDx = () => new URLSearchParams(location.search).get('dx') ?? String(m.defaultDx);
  m.arm = (target, defaultDx) => {
    m.start = null; m.keyMs = m.drawMs = m.draws = m.paintMs = m.allMs = m.wholeMs = null;
    m.firstRadius = null;
    m.tripMs = m.sentMs = m.urlSeen = null; m.sawRun = false; m.target = target; m.defaultDx = defaultDx;
    m.ack = +root.dataset.ack; m.payload = root.__pvx.payloadText; m.painted = null;
    m.sent0 = window.__wsSent.length;
  };
  // The round trip ends once the rerun the report caused is over and the address shows the
  // new dx: checked on every change of the script state and on every frame (pushState
  // fires no event). A short rerun can start and end between two frames of a busy page,
  // so the observer (which sees every change) notes that a run happened; and React may
  // batch "running" away altogether, so a new dx in the address (only the report's rerun
  // writes it) still idle one frame later also ends it, at the moment it was first seen.
  new MutationObserver((records) => {
    const sent = m.start !== null && m.target !== null && window.__wsSent.length > m.sent0;
    if (sent && records.some((r) => r.oldValue !== 'notRunning' || !idle())) {
      m.sawRun = true;
    }
    trip(true);
  }).observe(app, {attributes: true, attributeOldValue: true,
                   attributeFilter: ['data-test-script-state']});
  const trip = (observed = false) => {
    if (m.start === null || m.target === null || m.tripMs !== null) return;
    if (m.sentMs === null && window.__wsSent.length > m.sent0) {
      m.sentMs = window.__wsSent[m.sent0] - m.start;
    }
    if (m.sentMs !== null && !idle()) m.sawRun = true;
    const done = m.sentMs !== null && idle() && urlDx() === String(m.target);
    if (done && m.sawRun) {
      m.tripMs = performance.now() - m.start;
    } else if (done && m.urlSeen !== null && !observed) {
      m.tripMs = m.urlSeen - m.start;
    } else if (!observed) {
      if (done && m.urlSeen === null) m.urlSeen = performance.now();
      requestAnimationFrame(() => trip());
    }
  };
  for (const cls of ['.pvx-dx', '.pvx-dy']) {
    const input = root.querySelector(cls);
    input.addEventListener('keydown', () => {
      if (m.start !== null) return;
      m.start = performance.now();
      if (m.target !== null) requestAnimationFrame(() => trip());
    }, true);
    input.addEventListener('input', () => {  // added after the component's: runs after its draw
      const start = m.start, drawMs = +root.dataset.drawMs, draws = +root.dataset.draws;
      const why = root.dataset.lastDraw;
      after((renderMs) => { if (start !== null && m.keyMs === null) {
        m.keyMs = performance.now() - start; m.drawMs = drawMs; m.renderMs = renderMs;
        m.draws = draws; m.why = why; } });
    });
  }
  const grid = root.querySelector(selector);
  grid.addEventListener('pointerdown', () => { m.start = performance.now(); }, true);
  grid.addEventListener('pointerdown', () => {  // bubble: after the component's repaint
    const start = m.start;
    m.painted = grid.dataset.values;
    after(() => { if (grid.dataset.values !== m.before) m.paintMs = performance.now() - start; });
  });
  // Every map follows once the server acknowledged the edit and shipped the new pattern's
  // payload: its input equals what was painted, nothing is pending. That payload may be a
  // first one (the shifts near the current one, data-complete "false"); "whole" is the
  // frame once every shift in the controls' range is there.
  new MutationObserver(() => {
    const start = m.start, st = root.__pvx;
    if (start === null || m.wholeMs !== null || m.paintMs === null) return;
    if (+root.dataset.ack > m.ack && st.pending.length === 0 && st.payloadText !== m.payload
        && grid.dataset.values === m.painted) {
      const whole = root.dataset.complete === 'true';
      if (m.firstRadius === null) m.firstRadius = +root.dataset.radius;
      after(() => {
        const now = performance.now() - start;
        if (m.allMs === null) m.allMs = now;
        if (whole && m.wholeMs === null) m.wholeMs = now;
      });
    }
  }).observe(root, {attributes: true, attributeFilter: ['data-ack', 'data-draws']});
}
"""

# The measurement's numbers, without the texts it keeps for comparisons (a payload is large).
_SAMPLE_JS = "(({payload, painted, before, ...rest}) => rest)(window.__pvxBench)"

# The floor under key -> frame: from any moment to the end of the next frame's rendering,
# with nothing redrawn; and that frame's own rendering.
_IDLE_FRAME_JS = """
() => new Promise((resolve) => {
  const t0 = performance.now();
  requestAnimationFrame(() => {
    const frame = performance.now(), ch = new MessageChannel();
    ch.port1.onmessage = () => resolve([performance.now() - t0, performance.now() - frame]);
    ch.port2.postMessage(0);
  });
})
"""

# Polled on every frame from the navigation start of a fresh page: the first frame in which
# the component has drawn and every map holds its numbers.
_FIRST_JS = """
(() => {
  const pvx = () => __PVX__;
  const f = (window.__first = {idleMs: null, mountMs: null, drawnMs: null, longMs: 0});
  // Long tasks (>= 50 ms of main-thread work) before the maps show: what delays them.
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (f.drawnMs === null) f.longMs += e.duration;
    }).observe({type: 'longtask', buffered: true});
  } catch (e) { f.longMs = null; }
  const poll = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (f.idleMs === null && app && app.getAttribute('data-test-script-state') === 'notRunning') {
      f.idleMs = performance.now();
    }
    const root = pvx();
    if (root && f.mountMs === null) f.mountMs = performance.now();
    const maps = root ? root.querySelectorAll('.pvx-map') : [];
    if (root && +root.dataset.draws >= 1 && maps.length > 0
        && Array.from(maps).every((e) => !!e.dataset.values)) {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { f.drawnMs = performance.now(); };
      ch.port2.postMessage(0);
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
""".replace("__PVX__", PVX_JS)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(label: str, samples: list[float], digits: int = 1) -> str:
    """One line: median, p90, min and max of ``samples`` (ms)."""
    f = f"7.{digits}f"
    return (
        f"  {label:<44} median {statistics.median(samples):{f}} | p90 "
        f"{percentile(samples, 90):{f}} | min {min(samples):{f}} | max {max(samples):{f}} ms"
        f"  n={len(samples)}"
    )


def key_lines(keys: dict[str, list[float]]) -> str:
    """The five lines of a :func:`measure_keys` result: key -> frame, the draw, its frame's
    work, and the floor of a frame with nothing redrawn."""
    return "\n".join([
        summary("key -> frame showing the redrawn maps", keys["key"]),
        summary("the draw call alone (data-draw-ms)", keys["draw"], 2),
        summary("redraw work: draw call + frame rendering", keys["work"], 2),
        summary("floor: any moment -> next frame, no redraw", keys["idle"]),
        summary("  of which that frame's rendering", keys["idle_work"], 2),
    ])


def verdict(label: str, value: float, target: float, unit: str = "ms") -> str:
    """``PASS``/``MISS`` line for one figure against its target (lower is better)."""
    mark = "PASS" if value <= target else "MISS"
    return f"  {mark}  {label}: {value:,.1f} {unit} (target <= {target:,.0f} {unit})"


def link(pattern=None) -> str:
    """The query string of the default view, or of the default view on ``pattern``."""
    view = view_state.DEFAULT if pattern is None else view_state.DEFAULT.with_pattern(pattern)
    text = view_state.query_string(view)
    return "?" + text if text else ""


class Received:
    """Running total of the websocket bytes the page received (server -> browser).

    Parameters
    ----------
    page : playwright Page
        Attach before the page opens its websocket, so that every frame is counted.
    """

    def __init__(self, page) -> None:
        self.total = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        self.total += len(payload.encode() if isinstance(payload, str) else payload)


def install(page) -> None:
    """Put the measuring listeners on the component's root (``window.__pvxBench``)."""
    page.locator(ROOT).evaluate(_INSTALL_JS, INPUT)


def open_page(browser, url: str):
    """A fresh context and page on ``url``, its first run over and maps drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(_INIT_JS)
    page = context.new_page()
    received = Received(page)
    open_app(page, url)
    install(page)
    return context, page, received


def measure_keys(page, n: int) -> dict[str, list[float]]:
    """Key press -> frame on each axis: ``WARMUP + n`` presses back and forth.

    Alternating keys end where they started, so the debounced report coalesces them into
    none while presses come faster than the debounce (the count of websocket sends says
    whether they did).

    Returns
    -------
    dict
        ``key`` (ms to the frame), ``draw`` (the draw call), ``work`` (draw call + that
        frame's rendering), ``idle`` and ``idle_work`` (the same two spans, ``n`` times, for
        a frame with nothing redrawn: the floor), ``sent`` and ``others`` (one count each: websocket sends and
        redraws not caused by a key during the loop).
    """
    out: dict[str, list[float]] = {"key": [], "draw": [], "work": []}
    sent = page.evaluate("window.__wsSent.length")
    others = 0  # draws not caused by the key (a rerun's data, a resize)
    for axis in ("dx", "dy"):
        page.locator(f"{ROOT} .pvx-{axis}").focus()
        for i in range(WARMUP + n):
            page.evaluate("window.__pvxBench.arm(null, null)")
            draws = int(page.locator(ROOT).get_attribute("data-draws"))
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function("window.__pvxBench.keyMs !== null", timeout=10_000)
            sample = page.evaluate(_SAMPLE_JS)
            if sample["why"] != "shift":
                raise RuntimeError(f"{axis}: the key press did not redraw the shift: {sample}")
            others += sample["draws"] - draws - 1
            if i >= WARMUP:
                out["key"].append(sample["keyMs"])
                out["draw"].append(sample["drawMs"])
                out["work"].append(sample["drawMs"] + sample["renderMs"])
    page.wait_for_timeout(DEBOUNCE_MS + 200)
    out["idle"], out["idle_work"] = [], []
    for _ in range(n):
        page.wait_for_timeout(5)  # not aligned with the frames, like a key press
        idle, work = page.evaluate(_IDLE_FRAME_JS)
        out["idle"].append(idle)
        out["idle_work"].append(work)
    out["sent"] = [page.evaluate("window.__wsSent.length") - sent]
    out["others"] = [others]
    return out


def measure_round_trips(page, n: int, received: Received) -> dict[str, list[float]]:
    """The same dx key press, each left to its report's rerun: ``WARMUP + n`` of them.

    Returns
    -------
    dict
        ``trip`` (keydown -> rerun over with the new dx in the address, debounce
        included), ``sent`` (keydown -> the report's websocket send), ``bytes`` (websocket
        bytes received meanwhile), ``unseen`` (1 where the page never showed the script
        state "running": ended by the address alone).
    """
    out: dict[str, list[float]] = {"trip": [], "sent": [], "bytes": [], "unseen": []}
    knob = page.locator(f"{ROOT} .pvx-dx")
    knob.focus()
    for i in range(WARMUP + n):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        target = int(knob.input_value()) + (1 if key == "ArrowRight" else -1)
        page.evaluate(f"window.__pvxBench.arm({target}, {view_state.DEFAULT.dx})")
        before = received.total
        page.keyboard.press(key)
        try:
            page.wait_for_function("window.__pvxBench.tripMs !== null", timeout=30_000)
        except Exception:
            print("round trip stuck:", page.evaluate(_SAMPLE_JS), page.url, file=sys.stderr)
            raise
        sample = page.evaluate(_SAMPLE_JS)
        if i >= WARMUP:
            out["trip"].append(sample["tripMs"])
            out["sent"].append(sample["sentMs"])
            out["unseen"].append(0 if sample["sawRun"] else 1)
            out["bytes"].append(received.total - before)
    return out


def measure_clicks(page, n: int, received: Received) -> dict[str, list[float]]:
    """``WARMUP + n`` clicks on distinct cells of the input grid, each left to settle.

    Returns
    -------
    dict
        ``paint`` (click -> the frame showing the cell), ``all`` (click -> the frame after
        the server's first answer is drawn: every map on screen updated), ``whole`` (click
        -> every shift of the controls' range drawn; ``all`` when the first answer had
        them), ``radius`` (the first answer's), ``bytes`` (websocket bytes received until
        the whole payload's run is over: both runs when there was a first payload).
    """
    out: dict[str, list[float]] = {"paint": [], "all": [], "whole": [], "radius": [], "bytes": []}
    grid = page.locator(f"{ROOT} {INPUT}")
    size = len(json.loads(grid.get_attribute("data-values")))
    for i in range(WARMUP + n):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        row, col = (3 * i + 1) % size, (5 * i + 2) % size
        x = box["x"] + (col + 0.5) * box["width"] / size
        y = box["y"] + (row + 0.5) * box["height"] / size
        page.evaluate("window.__pvxBench.arm(null, null)")
        page.locator(ROOT).evaluate(
            "(root, sel) => { window.__pvxBench.before = root.querySelector(sel).dataset.values; }",
            INPUT,
        )
        before = received.total
        page.mouse.click(x, y)
        page.wait_for_function("window.__pvxBench.wholeMs !== null", timeout=30_000)
        page.wait_for_selector(APP_IDLE)
        sample = page.evaluate(_SAMPLE_JS)
        if i >= WARMUP:
            out["paint"].append(sample["paintMs"])
            out["all"].append(sample["allMs"])
            out["whole"].append(sample["wholeMs"])
            out["radius"].append(sample["firstRadius"])
            out["bytes"].append(received.total - before)
    return out


def check_payload(page) -> bool:
    """Whether the component's payload is, byte for byte, the one Python builds for the
    pattern now on the page (default view otherwise): the maps are the new pattern's."""
    shown = page.locator(ROOT).evaluate("(r) => r.__pvx.payloadText")
    grid = json.loads(page.locator(f"{ROOT} {INPUT}").get_attribute("data-values"))
    view = view_state.DEFAULT.with_pattern(np.array(grid, dtype=float))
    data = downloads.build_explorer_payload(
        view.pattern,
        view.layer_settings(),
        tuple(view.pipelines),
        SHIFT_MODES,
        render_explorer.MAX_RADIUS,
        view.show_values,
    )
    return render_explorer.payload_json(data) == shown


def measure_first_paint(browser, url: str, contexts: int) -> dict[str, list[float]]:
    """Fresh contexts (empty HTTP cache, new session) opening ``url``: navigation start ->
    the first frame with maps drawn, and -> the first run over."""
    out: dict[str, list[float]] = {"drawn": [], "idle": [], "mount": [], "long": [], "wall": []}
    for _ in range(contexts):
        context = browser.new_context(viewport=VIEWPORT)
        try:
            context.add_init_script(_FIRST_JS)
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_function(
                "window.__first && window.__first.drawnMs !== null", timeout=60_000
            )
            wall = (time.perf_counter() - t0) * 1000
            first = page.evaluate("window.__first")
            out["drawn"].append(first["drawnMs"])
            out["idle"].append(first["idleMs"] if first["idleMs"] is not None else first["drawnMs"])
            out["mount"].append(first["mountMs"])
            out["long"].append(first["longMs"] or 0.0)
            out["wall"].append(wall)
        finally:
            context.close()
    return out


def payload_bytes(page) -> int:
    """UTF-8 bytes of the JSON payload the component holds (what ``data.payload`` carried)."""
    return page.locator(ROOT).evaluate(
        "(r) => new TextEncoder().encode(r.__pvx.payloadText).length"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="key presses measured per axis")
    parser.add_argument("--ref-n", type=int, default=15, help="server round trips measured")
    parser.add_argument("--clicks", type=int, default=15, help="clicks measured")
    parser.add_argument("--contexts", type=int, default=7, help="fresh contexts for first paint")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(INSTALL_HINT, file=sys.stderr)
        return 2

    app = start_app()
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            try:
                # Warm the server: the component registered, the caches hold the views.
                for url in (
                    app.url + link(),
                    app.url + link(PATTERN_16),
                    app.url + link(PATTERN_32),
                ):
                    context, _, _ = open_page(browser, url)
                    context.close()
                first = measure_first_paint(browser, app.url + link(), args.contexts)

                context, page, received = open_page(browser, app.url + link(PATTERN_16))
                info_16 = page.locator(ROOT).evaluate(
                    "(r) => ({radius: r.__pvx.P.radius, numbers: "
                    "r.querySelectorAll('.pvx-map[data-numbers=\"1\"]').length, maps: "
                    "r.querySelectorAll('.pvx-map').length, layout: r.dataset.layout})"
                )
                bytes_16 = payload_bytes(page)
                keys_16 = measure_keys(page, args.n)
                trips_16 = measure_round_trips(page, args.ref_n, received)
                clicks_16 = measure_clicks(page, args.clicks, received)
                payload_ok = check_payload(page)
                context.close()

                context, page, received = open_page(browser, app.url + link(PATTERN_32))
                load_32 = received.total
                info_32 = page.locator(ROOT).evaluate(
                    "(r) => ({radius: r.__pvx.P.radius, hidden: "
                    "r.querySelectorAll('.pvx-map[data-numbers=\"0\"]').length, maps: "
                    "r.querySelectorAll('.pvx-map').length})"
                )
                bytes_32 = payload_bytes(page)
                keys_32 = measure_keys(page, args.n)
                trips_32 = measure_round_trips(page, 3, received)
                clicks_32 = measure_clicks(page, 3, received)
                context.close()
            finally:
                browser.close()
    finally:
        app.stop()
        app.log_path.unlink(missing_ok=True)

    trip = trips_16["trip"]
    ref_with = statistics.median(trip)
    print("Explore page benchmark: headless Chromium, 1280x800, real app (streamlit run app.py)")
    print()
    print(
        f"16x16 pattern ({link(PATTERN_16)[:24]}...), values on in "
        f"{info_16['numbers']}/{info_16['maps']} maps, layout {info_16['layout']}, "
        f"radius {info_16['radius']}, payload {bytes_16:,} JSON bytes"
    )
    print(
        f" shift key -> redrawn maps: {args.n} presses per axis (+{WARMUP} warm-up), "
        f"{keys_16['sent'][0]} websocket sends while scrubbing, "
        f"{keys_16['others'][0]} other redraws"
    )
    print(key_lines(keys_16))
    print(
        f" reference, same run, same link: the server round trip of a dx key ({args.ref_n} "
        f"presses, +{WARMUP} warm-up)"
    )
    print(summary("key -> rerun over, URL dx new (with debounce)", trip, 0))
    print(
        summary(
            f"the same minus the {DEBOUNCE_MS:.0f} ms debounce", [t - DEBOUNCE_MS for t in trip], 0
        )
    )
    print(summary("key -> report sent (websocket)", trips_16["sent"], 0))
    print(
        summary(
            "report sent -> rerun over",
            [t - s for t, s in zip(trip, trips_16["sent"], strict=True)],
            0,
        )
    )
    print(
        f"  websocket bytes received per shift rerun: median {statistics.median(trips_16['bytes']):,.0f}; "
        f"runs never shown as running: {sum(trips_16['unseen'])}/{len(trip)}"
    )
    p90 = percentile(keys_16["key"], 90)
    print(verdict("key -> frame p90", p90, FRAME_TARGET_MS))
    print(
        f"  ratio of medians, round trip (with debounce) / key -> frame: "
        f"{ref_with / statistics.median(keys_16['key']):.0f}x "
        f"(without debounce: {(ref_with - DEBOUNCE_MS) / statistics.median(keys_16['key']):.0f}x)"
    )
    print()
    print(
        f" click on the input grid: {args.clicks} clicks (+{WARMUP} warm-up), each left to settle"
    )
    print(summary("click -> frame showing the painted cell", clicks_16["paint"]))
    print(
        f"  every click showed its cell in the first frame after the pointerdown "
        f"({len(clicks_16['paint'])}/{len(clicks_16['paint'])})"
    )
    print(summary("click -> all maps updated (ack, new payload)", clicks_16["all"], 0))
    firsts = [r for r, w, a in zip(clicks_16["radius"], clicks_16["whole"], clicks_16["all"],
                                   strict=True) if w > a]
    print(
        f"  {len(firsts)}/{len(clicks_16['all'])} clicks answered first with the shifts near the "
        f"current one (radius {', '.join(sorted({str(int(r)) for r in firsts})) or '-'}), "
        "then with every shift"
    )
    print(summary("click -> every shift of the range drawn", clicks_16["whole"], 0))
    print(
        f"  websocket bytes received per paint (both runs): median "
        f"{statistics.median(clicks_16['bytes']):,.0f}, max {max(clicks_16['bytes']):,.0f}; "
        f"last payload equals Python's for the painted pattern: {payload_ok}"
    )
    print(
        verdict(
            "click -> all maps updated, median",
            statistics.median(clicks_16["all"]),
            CLICK_TARGET_MS,
        )
    )
    print(
        f"  reference: the server round trip above minus the debounce, median "
        f"{ref_with - DEBOUNCE_MS:.0f} ms"
    )
    print()
    print(f"fresh browser context opening the default link, server warm ({args.contexts} contexts)")
    print(summary("navigation start -> first maps drawn", first["drawn"], 0))
    print(summary("navigation start -> first run over", first["idle"], 0))
    print(summary("navigation start -> component mounted", first["mount"], 0))
    print(summary("main-thread long tasks before the maps (sum)", first["long"], 0))
    print(summary("goto() call -> first maps drawn (wall)", first["wall"], 0))
    print(verdict("first maps drawn, median", statistics.median(first["drawn"]), FIRST_TARGET_MS))
    print()
    print(
        f"32x32 pattern at the page's radius {info_32['radius']} (both edge modes), numbers "
        f"hidden in {info_32['hidden']}/{info_32['maps']} maps"
    )
    print(f"  component payload (data.payload):         {bytes_32:>11,} bytes")
    print(f"  websocket bytes received, page load:      {load_32:>11,} bytes")
    print(
        f"  websocket bytes received, shift rerun:    {statistics.median(trips_32['bytes']):>11,.0f} bytes (median of 3)"
    )
    print(
        f"  websocket bytes received, a paint:        {statistics.median(clicks_32['bytes']):>11,.0f} bytes (its runs together, median of 3)"
    )
    print(
        verdict(
            "websocket bytes of a new view (a paint, its runs together)",
            statistics.median(clicks_32["bytes"]),
            BYTES_TARGET,
            "bytes",
        )
    )
    print(
        f" shift key -> redrawn maps: {args.n} presses per axis (+{WARMUP} warm-up), "
        f"{keys_32['sent'][0]} websocket sends while scrubbing, {keys_32['others'][0]} other redraws"
    )
    print(key_lines(keys_32))
    print(summary("reference: server round trip (with debounce)", trips_32["trip"], 0))
    print(verdict("key -> frame p90", percentile(keys_32["key"], 90), FRAME_TARGET_MS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
