"""Browser latency of the poolviz page: dx slider key press -> updated heatmaps.

Run from the repository root (needs Debian's /usr/bin/chromium; never `playwright install`)::

    python benchmarks/bench_page.py [--n 20] [--width 1280] [--height 800]

Starts ``streamlit run app.py`` like the e2e fixture (``tests/e2e/server.py``), opens the
default view and, N times, presses ArrowRight / ArrowLeft (alternating) on the focused dx
slider. Each sample is measured inside the page with ``performance.now()``: from the
``keydown`` event to the first moment when the with-pooling figure's shifted-row heatmaps
hold new data AND the script state is ``notRunning`` (checked on every DOM mutation and
every animation frame). Playwright's own round trips are outside the measured span.

The reference, measured in the same run on the same server and browser, is the same loop
with "Show values in cells" off (``?vals=0``): the ratio says what the cell numbers cost.

Instant mode (``--scrub-n`` moves per axis, default 40): a 16×16 pattern with
``?scrub=1&p=…`` draws the pipelines in an iframe (canvas + two range inputs) that redraws
in the browser. Each sample is measured *inside the iframe* with ``performance.now()``: from
the ``keydown`` (capture phase) of an ArrowRight/ArrowLeft on the focused ``#dx`` (then
``#dy``) to the first ``requestAnimationFrame`` callback after that key's ``input`` event
has run the page's draw (the frame that presents the new canvas); the page's own
``dataset.drawMs`` (the draw call alone) is reported next to it. Its reference is the server
round trip for the same 16×16 pattern without instant mode (the dx-slider loop above, on
``?p=…``), measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from poolviz.core import patterns  # noqa: E402
from poolviz.view import state as view_state  # noqa: E402
from tests.e2e.helpers import open_app, scrub_frame  # noqa: E402
from tests.e2e.server import CHROMIUM, INSTALL_HINT, launch_browser, start_app  # noqa: E402

WARMUP = 2
FIGURE = ".st-key-fig_with .js-plotly-plot"
SLIDER = '.st-key-dx [data-testid="stSlider"] input[type="range"]'
SCRUB_TARGET_MS = 50.0
# A 16×16 pattern (random preset, seed 0): instant mode on it, and its server round trip.
PATTERN_16 = view_state.encode(
    view_state.DEFAULT.with_pattern(patterns.make_preset("random", 16, 16, seed=0))
)["p"]

# Installed once inside the instant-mode iframe. A keydown (capture) starts a sample; the
# range input's "input" listener added here runs after the page's own (which draws), and
# asks for the next animation frame: that callback ends the sample.
_SCRUB_INSTALL_JS = """
() => {
  const m = (window.__scrub = {start: null, elapsed: null, drawMs: null, draws: 0});
  m.arm = () => { m.start = null; m.elapsed = null; m.drawMs = null; };
  window.addEventListener('keydown', () => {
    if (m.start === null) m.start = performance.now();
  }, true);
  for (const id of ['dx', 'dy']) {
    document.getElementById(id).addEventListener('input', () => {
      const start = m.start;
      requestAnimationFrame(() => {
        if (start === null || m.elapsed !== null) return;
        m.elapsed = performance.now() - start;
        m.drawMs = +document.body.dataset.drawMs;
        m.draws = +document.body.dataset.draws;
      });
    });
  }
}
"""

# Installed once per page. A keydown starts a measurement; the checker runs on every
# mutation and every frame until the shifted row (the second half of the heatmaps) differs
# from its snapshot and the run is over.
_INSTALL_JS = """
([figure]) => {
  const shiftedRow = () => {
    const gd = document.querySelector(figure);
    if (!gd || !gd._fullData) return null;
    const maps = gd._fullData.filter((t) => t.type === 'heatmap');
    return JSON.stringify(maps.slice(maps.length / 2).map((t) => Array.from(t.z, (r) => Array.from(r))));
  };
  const idle = () => document.querySelector('[data-testid="stApp"]')
      .getAttribute('data-test-script-state') === 'notRunning';
  const m = (window.__bench = {start: null, elapsed: null, before: null});
  const check = () => {
    if (m.start === null || m.elapsed !== null) return;
    if (idle() && shiftedRow() !== m.before) {
      m.elapsed = performance.now() - m.start;
      observer.disconnect();
    } else {
      requestAnimationFrame(check);
    }
  };
  const observer = new MutationObserver(check);
  m.arm = () => {
    m.start = null; m.elapsed = null; m.before = shiftedRow();
  };
  window.addEventListener('keydown', () => {
    if (m.start !== null) return;
    m.start = performance.now();
    observer.observe(document.body, {attributes: true, childList: true, subtree: true});
    requestAnimationFrame(check);
  }, true);
}
"""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(page, url: str, n: int) -> list[float]:
    """N key-press-to-heatmaps times in ms (after WARMUP presses that are not kept)."""
    open_app(page, url)
    page.evaluate(_INSTALL_JS, [FIGURE])
    page.locator(SLIDER).focus()
    samples = []
    for i in range(WARMUP + n):
        page.evaluate("window.__bench.arm()")
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function("window.__bench.elapsed !== null", timeout=30_000)
        elapsed = page.evaluate("window.__bench.elapsed")
        if i >= WARMUP:
            samples.append(elapsed)
    return samples


def measure_scrub(page, url: str, n: int) -> dict[str, list[float]]:
    """Per axis: N key-press-to-redrawn-canvas times in ms inside the iframe (after WARMUP
    moves that are not kept), and the page's own draw times."""
    open_app(page, url)
    frame = scrub_frame(page)
    frame.evaluate(_SCRUB_INSTALL_JS)
    out: dict[str, list[float]] = {}
    for axis in ("dx", "dy"):
        knob = frame.locator(f"#{axis}")
        knob.focus()
        elapsed, draws = [], []
        for i in range(WARMUP + n):
            frame.evaluate("window.__scrub.arm()")
            before = int(frame.evaluate("document.body.dataset.draws"))
            knob.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            frame.wait_for_function("window.__scrub.elapsed !== null", timeout=10_000)
            sample = frame.evaluate("window.__scrub")
            if sample["draws"] != before + 1:
                raise RuntimeError(f"{axis}: expected one redraw per key press, got {sample}")
            if i >= WARMUP:
                elapsed.append(sample["elapsed"])
                draws.append(sample["drawMs"])
        out[f"{axis} key -> redrawn canvas"] = elapsed
        out[f"{axis} draw() alone"] = draws
    return out


def summary(label: str, samples: list[float], digits: int = 0) -> str:
    f = f"6.{digits}f"
    return (
        f"{label:<34} median {statistics.median(samples):{f}} ms | "
        f"p90 {percentile(samples, 90):{f}} ms | max {max(samples):{f}} ms | n={len(samples)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="key presses measured per case")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in px")
    parser.add_argument("--height", type=int, default=800, help="viewport height in px")
    parser.add_argument(
        "--scrub-n", type=int, default=40, help="instant-mode moves measured per axis"
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(INSTALL_HINT, file=sys.stderr)
        return 2

    server = start_app()
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            try:
                viewport = {"width": args.width, "height": args.height}
                results = {}
                for label, query in (
                    ("values in cells (default view)", ""),
                    ("reference: values off (?vals=0)", "?vals=0"),
                ):
                    context = browser.new_context(viewport=viewport)
                    try:
                        results[label] = measure(context.new_page(), server.url + query, args.n)
                    finally:
                        context.close()
                context = browser.new_context(viewport=viewport)
                try:
                    round_trip_16 = measure(
                        context.new_page(), server.url + "?p=" + PATTERN_16, args.n
                    )
                finally:
                    context.close()
                context = browser.new_context(viewport=viewport)
                try:
                    scrub = measure_scrub(
                        context.new_page(), server.url + "?scrub=1&p=" + PATTERN_16, args.scrub_n
                    )
                finally:
                    context.close()
            finally:
                browser.close()
    finally:
        server.stop()
        server.log_path.unlink(missing_ok=True)

    print(
        f"dx key press -> updated heatmaps, {args.width}x{args.height}, "
        f"{args.n} presses (+{WARMUP} warm-up), headless Chromium"
    )
    for label, samples in results.items():
        print(summary(label, samples))
    main_samples, ref_samples = results.values()
    ratio = statistics.median(main_samples) / statistics.median(ref_samples)
    print(f"ratio of medians (values on / values off): {ratio:.2f}x")

    print()
    print(
        f"instant mode (?scrub=1), 16x16 pattern, {args.width}x{args.height}: key press on the "
        f"iframe's range input -> next animation frame after the redraw, {args.scrub_n} moves "
        f"per axis (+{WARMUP} warm-up), measured inside the iframe"
    )
    for label, samples in scrub.items():
        print(summary(label, samples, 1))
    moves = [v for k, v in scrub.items() if "redrawn" in k]
    both = moves[0] + moves[1]
    print(summary("both axes: key -> redrawn canvas", both, 1))
    print(summary("reference: server round trip 16x16", round_trip_16))
    speedup = statistics.median(round_trip_16) / statistics.median(both)
    print(f"ratio of medians (server round trip / instant mode): {speedup:.1f}x")
    verdict = "met" if percentile(both, 90) < SCRUB_TARGET_MS else "NOT met"
    print(f"target: p90 under {SCRUB_TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
