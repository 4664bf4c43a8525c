"""The CLI's export of a link equals what the page's download buttons give for that link."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from poolviz.view.downloads import EXPORTS

from .helpers import open_app, open_panel

ROOT = Path(__file__).resolve().parents[2]
LINKS = ["", "dx=2&pool=avg", "dy=-1&mode=wrap&relu=1&k=1,0,-1_2,0,-2_1,0,-1"]


def page_download(page, key: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f".st-key-{key} button").click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize("query", LINKS)
def test_cli_export_is_byte_identical_to_the_page_downloads(page, app_url, query):
    open_app(page, app_url + ("?" + query if query else ""))
    open_panel(page, "open_downloads")
    # Every button the page offers: the 1920×1080 slide PNG too, byte for byte.
    for fmt in EXPORTS:
        cli = subprocess.run(
            [sys.executable, "-m", "poolviz", "export", query, "--format", fmt],
            cwd=ROOT,
            capture_output=True,
            timeout=120,
            check=True,
        )
        assert page_download(page, f"dl_{fmt}") == cli.stdout
