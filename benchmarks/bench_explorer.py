"""Browser latency of the Explore component (``ui/explorer.py``) against the old round trip.

Run from the repository root (needs Debian's /usr/bin/chromium; never `playwright install`)::

    python benchmarks/bench_explorer.py [--n 40] [--clicks 15]

Measured in one run, at 1280×800 in headless Chromium:

- reference: the real app's server round trip, dx key press -> updated heatmaps, on the
  default view and on a 16×16 pattern (``bench_page.measure``, the same code);
- the component in ``tests/e2e/explorer_harness.py`` on a 16×16 pattern with values:
  a key press on the focused dx / dy range input -> the frame that shows the redrawn maps
  (from ``keydown`` to a message posted from the next ``requestAnimationFrame``, which runs
  after that frame's style, layout and paint: this includes the wait for the next frame),
  and the redraw work alone: the component's draw call plus that frame's rendering;
- a click on the input grid -> the frame that shows the painted cell, and -> the frame in
  which every map shows the server's answer (``ack`` moved, pending edits drained);
- a 32×32 pattern at the fitted radius: JSON bytes shipped and the same key -> frame time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_page  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.server import (  # noqa: E402
    APP_IDLE,
    CHROMIUM,
    INSTALL_HINT,
    launch_browser,
    start_app,
)

HARNESS = "tests/e2e/explorer_harness.py"
WARMUP = 2
TARGET_MS = 16.0
INPUT = '.pvx-map[data-stage="input"][data-which="original"]'

# Installed on the component's root (inside its shadow root). `after(cb)` runs cb after the
# next frame has been rendered: a message posted from requestAnimationFrame is handled once
# that frame's rendering steps are done.
_INSTALL_JS = """
(root, selector) => {
  const m = (window.__pvxBench = {start: null, keyMs: null, drawMs: null, renderMs: null,
                                  paintMs: null, allMs: null, ack: 0, before: null});
  // cb(renderMs): runs once the next frame is rendered; renderMs is that frame's own
  // rendering work (style, layout, paint), from its animation-frame callback to the message.
  const after = (cb) => requestAnimationFrame(() => {
    const frame = performance.now(), ch = new MessageChannel();
    ch.port1.onmessage = () => cb(performance.now() - frame);
    ch.port2.postMessage(0);
  });
  m.arm = () => { m.start = null; m.keyMs = m.drawMs = m.renderMs = m.paintMs = m.allMs = null;
                  m.ack = +root.dataset.ack; };
  for (const cls of ['.pvx-dx', '.pvx-dy']) {
    const input = root.querySelector(cls);
    input.addEventListener('keydown', () => { if (m.start === null) m.start = performance.now(); }, true);
    input.addEventListener('input', () => {  // added after the component's: runs after its draw
      const start = m.start, drawMs = +root.dataset.drawMs;
      after((renderMs) => { if (start !== null && m.keyMs === null) {
        m.keyMs = performance.now() - start; m.drawMs = drawMs; m.renderMs = renderMs; } });
    });
  }
  const grid = root.querySelector(selector);
  grid.addEventListener('pointerdown', () => { m.start = performance.now(); }, true);
  grid.addEventListener('pointerdown', () => {  // bubble: after the component's repaint
    const start = m.start, before = m.before;
    after(() => { if (grid.dataset.values !== before) m.paintMs = performance.now() - start; });
  });
  new MutationObserver(() => {
    const start = m.start;
    if (start === null || m.allMs !== null || m.paintMs === null) return;
    if (+root.dataset.ack > m.ack && root.__pvx.pending.length === 0) {
      after(() => { if (m.allMs === null) m.allMs = performance.now() - start; });
    }
  }).observe(root, {attributes: true, attributeFilter: ['data-ack', 'data-draws']});
}
"""


def percentile(values: list[float], q: float) -> float:
    return bench_page.percentile(values, q)


def summary(label: str, samples: list[float], digits: int = 1) -> str:
    return bench_page.summary(label, samples, digits)


def open_harness(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(APP_IDLE, timeout=60_000)
    page.wait_for_selector(".pvx[data-draws]", timeout=60_000)
    page.locator(".pvx").evaluate(_INSTALL_JS, INPUT)


def measure_keys(page, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"key": [], "draw": [], "work": []}
    for axis in ("dx", "dy"):
        knob = page.locator(f".pvx-{axis}")
        knob.focus()
        for i in range(WARMUP + n):
            page.evaluate("window.__pvxBench.arm()")
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function("window.__pvxBench.keyMs !== null", timeout=10_000)
            sample = page.evaluate("window.__pvxBench")
            if i >= WARMUP:
                out["key"].append(sample["keyMs"])
                out["draw"].append(sample["drawMs"])
                out["work"].append(sample["drawMs"] + sample["renderMs"])
    return out


def measure_clicks(page, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"paint": [], "all": []}
    grid = page.locator(INPUT)
    size = len(json.loads(grid.get_attribute("data-values")))
    for i in range(WARMUP + n):
        box = grid.bounding_box()
        row, col = (3 * i + 1) % size, (5 * i + 2) % size
        x = box["x"] + (col + 0.5) * box["width"] / size
        y = box["y"] + (row + 0.5) * box["height"] / size
        page.evaluate("window.__pvxBench.arm()")
        page.locator(".pvx").evaluate(
            "(root, sel) => { window.__pvxBench.before = root.querySelector(sel).dataset.values; }",
            INPUT,
        )
        page.mouse.click(x, y)
        page.wait_for_function("window.__pvxBench.allMs !== null", timeout=30_000)
        sample = page.evaluate("window.__pvxBench")
        if i >= WARMUP:
            out["paint"].append(sample["paintMs"])
            out["all"].append(sample["allMs"])
        page.wait_for_selector(APP_IDLE)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="key presses measured per axis")
    parser.add_argument("--clicks", type=int, default=15, help="clicks measured")
    parser.add_argument("--ref-n", type=int, default=20, help="round trips measured (reference)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    viewport = {"width": 1280, "height": 800}
    app = start_app()
    harness = start_app(script=HARNESS)
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)

            def fresh_page():
                return browser.new_context(viewport=viewport).new_page()

            try:
                reference = bench_page.measure(fresh_page(), app.url, args.ref_n)
                reference_16 = bench_page.measure(
                    fresh_page(), app.url + "?p=" + bench_page.PATTERN_16, args.ref_n
                )
                page = fresh_page()
                open_harness(page, harness.url + "?preset=random&n=16")
                keys_16 = measure_keys(page, args.n)
                clicks_16 = measure_clicks(page, args.clicks)
                state_16 = json.loads(page.locator(".st-key-harness_state code").inner_text())
                page = fresh_page()
                open_harness(page, harness.url + "?preset=random&n=32")
                state_32 = json.loads(page.locator(".st-key-harness_state code").inner_text())
                keys_32 = measure_keys(page, args.n)
                numbers_hidden = page.locator(".pvx-map.pvx-novals").count()
            finally:
                browser.close()
    finally:
        for server in (app, harness):
            server.stop()
            server.log_path.unlink(missing_ok=True)

    print("Explore component benchmark, 1280x800, headless Chromium, 2 cores")
    print()
    print(f"reference: the real app's server round trip (dx key -> heatmaps), n={args.ref_n}")
    print(summary("default view (8x8)", reference, 0))
    print(summary("16x16 pattern", reference_16, 0))
    print()
    print(
        f"component, 16x16 random pattern, values on, radius {state_16['radius']}, "
        f"{state_16['bytes']:,} JSON bytes; {args.n} presses per axis (+{WARMUP} warm-up)"
    )
    print(summary("shift key -> redrawn maps (frame)", keys_16["key"]))
    print(summary("redraw work: draw + render", keys_16["work"]))
    print(summary("  of which the draw() call", keys_16["draw"], 2))
    for label, samples in (("redraw work", keys_16["work"]), ("key -> frame", keys_16["key"])):
        verdict = "met" if percentile(samples, 90) <= TARGET_MS else "NOT met"
        print(f"target: {label} p90 <= {TARGET_MS:.0f} ms: {verdict}")
    ratio = statistics.median(reference_16) / statistics.median(keys_16["key"])
    print(f"ratio of medians (server round trip 16x16 / component): {ratio:.0f}x")
    print()
    print(f"click on the input grid, {args.clicks} clicks (+{WARMUP} warm-up)")
    print(summary("click -> painted cell (frame)", clicks_16["paint"]))
    print(summary("click -> all maps updated (frame)", clicks_16["all"], 0))
    print()
    print(
        f"32x32 random pattern: radius {state_32['radius']} (both edge modes), "
        f"{state_32['bytes']:,} JSON bytes shipped; maps with numbers hidden: {numbers_hidden}"
    )
    print(summary("shift key -> redrawn maps (frame)", keys_32["key"]))
    print(summary("redraw work: draw + render", keys_32["work"]))
    print(summary("  of which the draw() call", keys_32["draw"], 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
