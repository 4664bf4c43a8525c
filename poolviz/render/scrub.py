"""Instant scrubbing: every shift precomputed in one call, drawn in the browser on a canvas.

``scrub_data`` runs the stack of all shifted inputs through each pipeline once; ``scrub_html``
wraps the numbers in a small self-contained page (canvas + two range inputs, no library), so
dragging a shift slider redraws in the browser with no server round trip. The page embeds only
numbers and stage labels made by poolviz, JSON-encoded with ``<`` escaped.

Examples
--------
>>> from poolviz.lessons.comparison import standard_pipelines
>>> from poolviz.core.patterns import make_preset
>>> data = scrub_data(make_preset("book"), standard_pipelines(((1.0,),)), radius=2)
>>> data["dxs"], data["pipelines"][0]["labels"][2]
([-2, -1, 0, 1, 2], 'max-pool 2×2 /2')
>>> len(data["pipelines"][0]["stages"][2]["shifted"])  # one map per (dy, dx)
25
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_mask
from poolviz.core.ops import shift_stack
from poolviz.core.pipeline import Layer, check_grid, run_pipeline

__all__ = [
    "MAX_SCRUB_RADIUS",
    "MAX_SCRUB_VALUES",
    "scrub_data",
    "scrub_html",
    "largest_radius",
    "page_height",
]

_ASSETS = Path(__file__).with_name("assets")  # the page, its CSS and JS, as real files
MAX_SCRUB_RADIUS = 8  # (2*8+1)**2 = 289 shifted inputs at most
MAX_SCRUB_VALUES = 250_000  # numbers shipped to the browser at most (about 1.5 MB of JSON)


def largest_radius(height: int, width: int, stage_cells: int, wanted: int) -> int:
    """The largest radius <= ``wanted`` whose data stays within ``MAX_SCRUB_VALUES``.

    ``stage_cells`` is the number of cells of all stages of all pipelines for one input.

    >>> largest_radius(16, 16, 1500, 8)
    5
    """
    radius = min(int(wanted), MAX_SCRUB_RADIUS, max(height, width))
    while radius > 0 and (2 * radius + 1) ** 2 * stage_cells > MAX_SCRUB_VALUES:
        radius -= 1
    return radius


def _rounded(a: np.ndarray) -> list:
    # 6 significant decimals keep the page light; the cells print at most 2.
    return np.round(a, 6).tolist()


def scrub_data(
    x: np.ndarray,
    pipelines: Mapping[str, tuple[Layer, ...]],
    mode: str = "zero",
    radius: int = 4,
) -> dict:
    """All shifts (dy, dx) in ``[-radius, radius]²`` through every pipeline, as plain lists.

    Returns a JSON-ready dict: ``dys``, ``dxs``, and per pipeline its ``name``, stage
    ``labels``, and per stage the ``original`` map, the ``shifted`` maps (row-major over
    dy then dx) and one colour range ``[lo, hi]`` shared by every shift, so colours stay put
    while scrubbing. A pipeline that cannot run has an ``error`` instead. The page marks a
    cell changed where ``changed`` (by :func:`~poolviz.core.invariance.changed_mask`) says so.
    """
    x = check_grid(x)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)):
        raise PoolvizError(
            f"`radius` must be an integer from 0 to {MAX_SCRUB_RADIUS}; got {radius!r}"
        )
    if not 0 <= radius <= MAX_SCRUB_RADIUS:
        raise PoolvizError(f"`radius` must be from 0 to {MAX_SCRUB_RADIUS}; got {radius}")
    steps = np.arange(-radius, radius + 1)
    grid_y, grid_x = np.meshgrid(steps, steps, indexing="ij")
    shifts = np.stack([grid_y.ravel(), grid_x.ravel()], axis=1)
    stacked = np.concatenate([x[None], shift_stack(x, shifts, mode)], axis=0)
    out = {"dys": steps.tolist(), "dxs": steps.tolist(), "mode": mode, "pipelines": []}
    for name, pipeline in pipelines.items():
        try:
            stages = run_pipeline(pipeline, stacked)
        except PoolvizError as error:
            out["pipelines"].append({"name": name, "error": str(error)})
            continue
        entry = {"name": name, "labels": [s.label for s in stages], "stages": []}
        for stage in stages:
            maps = stage.maps.reshape(stage.maps.shape[0], *np.atleast_2d(stage.maps[0]).shape)
            base, moved = maps[0], maps[1:]
            lo, hi = float(maps.min(initial=0.0)), float(maps.max(initial=0.0))
            entry["stages"].append(
                {
                    "original": _rounded(base),
                    "shifted": _rounded(moved),
                    "changed": changed_mask(base, moved).astype(int).tolist(),
                    "range": [min(lo, 0.0), max(hi, 1e-12)],
                }
            )
        out["pipelines"].append(entry)
    return out





def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def scrub_html(data: dict, show_values: bool = True, dx: int = 0, dy: int = 0) -> str:
    """A self-contained HTML page that redraws ``scrub_data`` for the chosen shift instantly.

    The page, its CSS and its JS are real files in ``render/assets``; the data goes in as
    one JSON script element (``<`` escaped, so no value can close the element), which the
    script parses.

    >>> "<script>" in scrub_html({"dys": [0], "dxs": [0], "pipelines": []})
    True
    """
    config = {"data": data, "show_values": bool(show_values), "dx": int(dx), "dy": int(dy)}
    payload = json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")
    return (
        _asset("scrub.html")
        .replace("__CSS__", _asset("scrub.css"))
        .replace("__JS__", _asset("scrub.js"))
        .replace("__DATA__", payload)
    )


def page_height(data: dict, width: int = 900) -> int:
    """Pixel height the scrub page needs at ``width`` (its script sizes cells the same way)."""
    height = 40
    for entry in data["pipelines"]:
        if "error" in entry:
            height += 60
            continue
        shapes = [np.atleast_2d(np.asarray(s["original"])).shape for s in entry["stages"]]
        total_cols = sum(w for _, w in shapes) + len(shapes)
        cell = max(6, min(30, (max(300, width - 10)) // total_cols))
        tallest = max(h for h, _ in shapes)
        height += (2 * tallest + 3) * cell + 20 + 40
    return int(height)
