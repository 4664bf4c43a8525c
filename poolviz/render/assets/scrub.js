// Instant mode: redraws precomputed maps for the chosen shift (poolviz/render/scrub.py).
// Everything below comes from the server as one JSON object (never as HTML).
const CONFIG = JSON.parse(document.getElementById("poolviz-data").textContent);
const DATA = CONFIG.data, SHOW_VALUES = CONFIG.show_values;
const pipesEl = document.getElementById("pipes");
const dxEl = document.getElementById("dx"), dyEl = document.getElementById("dy");
const nx = DATA.dxs.length, ny = DATA.dys.length;
dxEl.max = nx - 1; dyEl.max = ny - 1;
dxEl.value = DATA.dxs.indexOf(CONFIG.dx); dyEl.value = DATA.dys.indexOf(CONFIG.dy);
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
function drawMap(ctx, map, changed, x0, y0, cell, lo, hi) {
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
  if (changed) {  // the server's changed-cell masks (invariance.changed_mask), never recomputed here
    ctx.strokeStyle = "#ff7f0e"; ctx.lineWidth = 2;
    for (let r = 0; r < map.length; r++) for (let c = 0; c < map[r].length; c++)
      if (changed[r][c]) ctx.strokeRect(x0 + c * cell + 1, y0 + r * cell + 1, cell - 3, cell - 3);
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
      drawMap(ctx, s.shifted[k], s.changed[k], x0, 18 + (v.tallest + 1) * v.cell, v.cell, s.range[0], s.range[1]);
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
