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

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import RELATIVE_TOLERANCE
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
    cell changed where it differs from the original by more than ``TOLERANCE`` times the
    stage's scale, as ``invariance.changed_mask`` does.
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
                    "range": [min(lo, 0.0), max(hi, 1e-12)],
                }
            )
        out["pipelines"].append(entry)
    return out


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
body{font-family:"Source Sans Pro",sans-serif;margin:0;color:#31333f;background:#fff}
.bar{display:flex;flex-wrap:wrap;gap:12px 24px;align-items:center;margin:4px 0 8px}
.bar label{font-size:14px;white-space:nowrap}
.bar input{width:180px;vertical-align:middle}
.pipe{margin:4px 0 10px}
.pipe h4{margin:4px 0;font-size:15px}
canvas{display:block;max-width:100%}
#status{font-size:12px;color:#808495}
</style></head><body>
<div class="bar">
<label>dx <input id="dx" type="range" min="0" max="0" step="1"> <b id="dxv"></b></label>
<label>dy <input id="dy" type="range" min="0" max="0" step="1"> <b id="dyv"></b></label>
<span id="status"></span>
</div>
<div id="pipes"></div>
<script>
const DATA = __DATA__;
const SHOW_VALUES = __SHOW__;
const TOLERANCE = __TOL__;
const pipesEl = document.getElementById("pipes");
const dxEl = document.getElementById("dx"), dyEl = document.getElementById("dy");
const nx = DATA.dxs.length, ny = DATA.dys.length;
dxEl.max = nx - 1; dyEl.max = ny - 1;
dxEl.value = DATA.dxs.indexOf(__DX__); dyEl.value = DATA.dys.indexOf(__DY__);
if (dxEl.value < 0) dxEl.value = Math.floor(nx / 2);
if (dyEl.value < 0) dyEl.value = Math.floor(ny / 2);
function colour(v, lo, hi) {
  if (lo < 0) {  // diverging, zero in the middle
    const m = Math.max(-lo, hi) || 1, t = Math.max(-1, Math.min(1, v / m));
    const a = Math.abs(t), base = t < 0 ? [33, 102, 172] : [178, 24, 43];
    return [255 + (base[0] - 255) * a, 255 + (base[1] - 255) * a, 255 + (base[2] - 255) * a];
  }
  const t = hi > 0 ? Math.max(0, Math.min(1, v / hi)) : 0;
  return [247 + (8 - 247) * t, 251 + (48 - 251) * t, 255 + (107 - 255) * t];
}
function fmt(v) {
  if (Math.abs(v - Math.round(v)) < 1e-9) return String(Math.round(v) === 0 ? 0 : Math.round(v));
  return String(Math.round(v * 100) / 100);
}
const views = [];
for (const p of DATA.pipelines) {
  const box = document.createElement("div"); box.className = "pipe";
  const h = document.createElement("h4"); h.textContent = p.name; box.appendChild(h);
  if (p.error) { const e = document.createElement("div"); e.textContent = p.error; box.appendChild(e); pipesEl.appendChild(box); continue; }
  const stages = p.stages.map((s, i) => ({...s, label: p.labels[i], h: s.original.length, w: s.original[0].length}));
  const widest = Math.max(...stages.map(s => s.w)), tallest = Math.max(...stages.map(s => s.h));
  const avail = Math.max(300, (document.body.clientWidth || 600) - 10);
  const totalCols = stages.reduce((n, s) => n + s.w, 0) + stages.length;
  const cell = Math.max(6, Math.min(30, Math.floor(avail / totalCols)));
  const canvas = document.createElement("canvas");
  const width = totalCols * cell, height = (2 * tallest + 3) * cell + 20;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio; canvas.height = height * ratio;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  box.appendChild(canvas); pipesEl.appendChild(box);
  views.push({p, stages, cell, tallest, canvas, ctx: canvas.getContext("2d"), ratio, width, height});
}
function drawMap(ctx, map, base, x0, y0, cell, lo, hi) {
  for (let r = 0; r < map.length; r++) for (let c = 0; c < map[r].length; c++) {
    const [R, G, B] = colour(map[r][c], lo, hi);
    ctx.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`;
    ctx.fillRect(x0 + c * cell, y0 + r * cell, cell - 1, cell - 1);
    if (SHOW_VALUES && cell >= 14) {
      const lum = 0.299 * R + 0.587 * G + 0.114 * B;
      ctx.fillStyle = lum < 140 ? "#fff" : "#111";
      ctx.fillText(fmt(map[r][c]), x0 + c * cell + cell / 2, y0 + r * cell + cell / 2);
    }
  }
  if (base) {
    const tol = TOLERANCE * Math.max(1, Math.abs(lo), Math.abs(hi));
    ctx.strokeStyle = "#ff7f0e"; ctx.lineWidth = 2;
    for (let r = 0; r < map.length; r++) for (let c = 0; c < map[r].length; c++)
      if (Math.abs(map[r][c] - base[r][c]) > tol) ctx.strokeRect(x0 + c * cell + 1, y0 + r * cell + 1, cell - 3, cell - 3);
  }
}
function draw() {
  const t0 = performance.now();
  const ix = +dxEl.value, iy = +dyEl.value, k = iy * nx + ix;
  document.getElementById("dxv").textContent = DATA.dxs[ix];
  document.getElementById("dyv").textContent = DATA.dys[iy];
  for (const v of views) {
    const ctx = v.ctx;
    ctx.setTransform(v.ratio, 0, 0, v.ratio, 0, 0);
    ctx.clearRect(0, 0, v.width, v.height);
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    let x0 = 0;
    for (const s of v.stages) {
      ctx.fillStyle = "#31333f"; ctx.font = "12px sans-serif";
      let label = s.label;
      while (label.length > 3 && ctx.measureText(label).width > (s.w + 0.8) * v.cell) label = label.slice(0, -2) + "…";
      ctx.fillText(label, x0 + s.w * v.cell / 2, 8);
      ctx.font = Math.max(8, Math.min(13, Math.floor(v.cell * 0.45))) + "px sans-serif";
      drawMap(ctx, s.original, null, x0, 18, v.cell, s.range[0], s.range[1]);
      drawMap(ctx, s.shifted[k], s.original, x0, 18 + (v.tallest + 1) * v.cell, v.cell, s.range[0], s.range[1]);
      x0 += (s.w + 1) * v.cell;
    }
  }
  const ms = performance.now() - t0;
  document.body.dataset.drawMs = ms.toFixed(2);
  document.body.dataset.draws = String((+document.body.dataset.draws || 0) + 1);
  document.getElementById("status").textContent = "top: original, bottom: shifted; drawn in " + ms.toFixed(1) + " ms";
}
dxEl.addEventListener("input", draw); dyEl.addEventListener("input", draw);
draw();
</script></body></html>"""


def scrub_html(data: dict, show_values: bool = True, dx: int = 0, dy: int = 0) -> str:
    """A self-contained HTML page that redraws ``scrub_data`` for the chosen shift instantly.

    >>> "<script>" in scrub_html({"dys": [0], "dxs": [0], "pipelines": []})
    True
    """
    # JSON is valid JavaScript; escaping "<" keeps "</script>" and "<!--" in any string
    # (pipeline names, labels, error messages) from ending the script. The page's script
    # puts every string into the DOM with textContent or onto a canvas, never as HTML.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    # The data goes in last, so placeholder-like text inside it ("__DX__") is not replaced.
    return (
        _PAGE.replace("__SHOW__", "true" if show_values else "false")
        .replace("__DX__", str(int(dx)))
        .replace("__DY__", str(int(dy)))
        .replace("__TOL__", repr(max(RELATIVE_TOLERANCE, 1e-6)))
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
