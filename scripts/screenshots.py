"""Take the README's screenshots from the real page in headless Chromium.

    python scripts/screenshots.py [--out assets]

Starts the app on a free loopback port (the same helper as the browser tests), opens each
view by its share link, and saves full-height PNGs. Never downloads a browser: it drives
Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.helpers import after, open_app  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_app  # noqa: E402


def _step_query(step: int) -> str:
    from urllib.parse import urlencode

    from poolviz.view import state as view_state
    from poolviz.view.lesson_view import step_view

    qs = urlencode(sorted(view_state.encode(step_view(step)).items()))
    return "?" + qs if qs else ""


VIEWS = {
    "first_paint.png": ("", 1280, 800),
    "explore.png": ("", 1280, 1250),
    **{f"step{n}.png": (_step_query(n), 1280, 1100) for n in range(1, 7)},
    "lab.png": ("?tab=lab", 1280, 1600),
    "invariance.png": ("?tab=invariance", 1280, 1500),
    "book.png": ("?tab=book", 1280, 1350),
    "windows.png": ("?tab=windows", 1280, 1500),
    "experiment.png": ("?tab=experiment", 1280, 1350),
    "present.png": ("?present=1", 1920, 1080),
    "present_1024.png": ("?present=1", 1024, 768),
    "dark.png": ("?dx=2", 1280, 1100),
    "phone.png": ("", 390, 2200),
}

DARK = {"dark.png"}  # the page follows the viewer's system setting

CLICK_CELL = """([selector, axis, col, row]) => {
  const gd = document.querySelector(selector + ' .js-plotly-plot');
  const xa = gd._fullLayout['xaxis' + axis], ya = gd._fullLayout['yaxis' + axis];
  const box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "assets"))
    parser.add_argument("--only", nargs="*", choices=list(VIEWS), help="retake just these")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, (query, width, height) in VIEWS.items():
                if args.only and name not in args.only:
                    continue
                page = browser.new_page(
                    viewport={"width": width, "height": height},
                    color_scheme="dark" if name in DARK else "light",
                )
                open_app(page, server.url + query, timeout=180_000, figures=name != "lab.png")
                if name == "windows.png":
                    # Select the next layer's top-right cell: its inputs light up upstream.
                    x, y = page.evaluate(CLICK_CELL, [".st-key-receptive_0", "4", 1, 0])
                    after(page, lambda page=page, x=x, y=y: page.mouse.click(x, y))
                page.wait_for_timeout(1500)
                page.screenshot(path=str(out / name))
                print("wrote", out / name)
                page.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
