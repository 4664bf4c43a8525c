"""Every list of choices the page offers, with the words it shows for each: one place.

The allowed values themselves are defined where they are enforced (pool kinds in
``core.pipeline``, shift modes in ``core.ops``, sweep axes in ``core.invariance``); this
module only gives them their titles, and fails at import if a title is missing or extra.
Tabs and experiment motifs exist only for the page, so they are defined here.

>>> list(TABS)[:2]
['explore', 'invariance']
>>> POOL_TITLES["blur"]
'BlurPool (anti-aliased)'
"""

from __future__ import annotations

from collections.abc import Mapping

from poolviz.core.invariance import SWEEP_AXES
from poolviz.core.ops import BLUR_TAPS, SHIFT_MODES
from poolviz.core.pipeline import POOL_KINDS

__all__ = ["TABS", "POOL_TITLES", "BLUR_TITLES", "MODE_TITLES", "SWEEP_TITLES", "MOTIF_TITLES", "GRID_SWEEP_RADIUS"]

GRID_SWEEP_RADIUS = 8  # the dx×dy sweep covers shifts up to ±8: (2·8+1)² runs at most

# Tab key (the URL's ``tab=`` value and the module in app_pages/) -> the tab's title.
TABS: Mapping[str, str] = {
    "explore": "Explore",
    "invariance": "Invariance over all shifts",
    "book": "The book's example",
    "windows": "Sliding windows",
    "experiment": "The experiment",
    "lab": "Digits lab",
}
POOL_TITLES: Mapping[str, str] = {
    "max": "max-pool",
    "avg": "average pool",
    "blur": "BlurPool (anti-aliased)",
    "aps": "APS (adaptive polyphase)",
}
BLUR_TITLES: Mapping[int, str] = {
    3: "[1,2,1]: 3 taps (Zhang 2019)",
    4: "[1,3,3,1]: 4 taps (antialiased-cnns' default)",
}
MODE_TITLES: Mapping[str, str] = {"zero": "zero fill", "wrap": "wrap around"}
SWEEP_TITLES: Mapping[str, str] = {
    "dx": "dx only",
    "dy": "dy only",
    "grid": f"dx × dy grid (±{GRID_SWEEP_RADIUS})",
}
# "pattern": the current pattern, cropped to its ink.
MOTIF_TITLES: Mapping[str, str] = {
    "blob": "small blob (plus)",
    "square": "3×3 square",
    "ell": "L shape",
    "pattern": "my pattern, cropped",
}


def _check(titles: Mapping[str, str], allowed: tuple[str, ...], name: str) -> None:
    if tuple(titles) != tuple(allowed):
        raise RuntimeError(f"{name} must title exactly {allowed}; has {tuple(titles)}")


_check(POOL_TITLES, POOL_KINDS, "POOL_TITLES")
_check(MODE_TITLES, SHIFT_MODES, "MODE_TITLES")
_check(BLUR_TITLES, tuple(BLUR_TAPS), "BLUR_TITLES")
_check(SWEEP_TITLES, SWEEP_AXES, "SWEEP_TITLES")
