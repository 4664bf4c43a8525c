"""Figures, slides, exports and the browser-side files (``assets/``) the page runs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

ASSETS = Path(__file__).with_name("assets")  # the JS and CSS of the page's components


@lru_cache(maxsize=16)
def asset_text(name: str) -> str:
    """The text of one file in :data:`ASSETS`, read once per process.

    >>> asset_text("share.js").startswith("// poolviz share link")
    True
    """
    return (ASSETS / name).read_text(encoding="utf-8")
