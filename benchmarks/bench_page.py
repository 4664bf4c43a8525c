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
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.helpers import open_app  # noqa: E402
from tests.e2e.server import CHROMIUM, INSTALL_HINT, launch_browser, start_app  # noqa: E402

WARMUP = 2
FIGURE = ".st-key-fig_with .js-plotly-plot"
SLIDER = '.st-key-dx [data-testid="stSlider"] input[type="range"]'

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


def summary(label: str, samples: list[float]) -> str:
    return (
        f"{label:<34} median {statistics.median(samples):6.0f} ms | "
        f"p90 {percentile(samples, 90):6.0f} ms | max {max(samples):6.0f} ms | n={len(samples)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="key presses measured per case")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in px")
    parser.add_argument("--height", type=int, default=800, help="viewport height in px")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
