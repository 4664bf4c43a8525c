// poolviz Explore view: one bidirectional Streamlit component (st.components.v2) that draws
// the input, the shifted input, every pipeline's maps and the sentences, and redraws them in
// the browser while the shift moves. Data: poolviz/render/explorer.py (the payload, as a JSON
// string) wrapped by ui/explorer.py ({payload, editable, ack, shift}). Everything from the
// server is data: text goes in with textContent only, never as HTML. data.reach is the
// range of the shift controls (±reach): the payload's radius, or more for a paint's first
// payload, a window of shifts around the current one (P.center ± P.radius) that holds the
// view until the whole payload arrives.
//
// Streamlit calls the default export on every rerun with new data: the DOM is built once
// (found again inside parentElement) and redrawn from the data. The same module runs with no
// server (render/explorer.py: offline_html) when called with a shim
// {data, parentElement, setStateValue() {}, setTriggerValue() {}}; data.editable is false
// there, so the input is read-only (painting would need the server to recompute the maps).
//
// Talks back to Python:
//   setStateValue("shift", {dx, dy, mode})  on release of a control (debounced), for the URL;
//   setTriggerValue("edits", {seq, edits: [{row, col, value}, ...]})  painted cells, batched.
//   setTriggerValue("more", true)  once a paint's first payload is drawn: send the rest.
//     Edit i of a batch has sequence number seq - edits.length + 1 + i; a batch holds every
//     edit the server has not acknowledged yet (data.ack = last applied seq), oldest first, at
//     most MAX_BATCH, so a lost or repeated batch loses nothing and applies nothing twice.

const MAX_BATCH = 512; // = poolviz/view/explorer_events.py MAX_EDITS
const REPORT_DELAY_MS = 250; // shift report after the last change (key repeat, drags)
// A click's batch leaves at the next task (a drag's on release): waiting longer only
// delayed every painted cell's maps (the batch carries every unacknowledged edit anyway).
const FLUSH_DELAY_MS = 0;
// Resend unacknowledged edits after this long without an ack: longer than a busy server's
// rerun for a new pattern (measured 0.5-1.5 s), so a retry never doubles its work.
const RETRY_MS = 4000;
const MAX_RETRIES = 8;
const FONT_PX = 12; // cell numbers; 11px on small cells, never smaller
const MIN_FONT_PX = 11;
const PAD_PX = 3; // per side, so neighbouring numbers never touch
const MIN_CELL_PX = 8;
const MAX_CELL_PX = 44;
const GAP_PX = 10; // between maps in a row
const CAPTION_PX = 13; // stage captions (explorer.css)
const PIPE_GAP_PX = 20; // between pipelines side by side
const MIN_SIDE_CELL_PX = 14; // everything on one line only if every number still fits
// Presentation mode (data.present): a projector's back row needs larger numbers and cells.
const SIZES = { font: FONT_PX, minFont: MIN_FONT_PX, maxCell: MAX_CELL_PX, minSide: MIN_SIDE_CELL_PX, caption: CAPTION_PX };
const PRESENT_SIZES = { font: 18, minFont: 14, maxCell: 64, minSide: 17, caption: 16 };
const MARK_PX = 3; // changed-cell outline
const GRID_COLOUR = "#8c959f";
const FOCUS_COLOUR = "#c24e00";
const TITLES = { zero: "zero fill", wrap: "wrap around" };

// ------------------------------------------------------------------ numbers and colours

// The server's poolviz.core.text.format_value: integers as integers, otherwise at most 2
// decimals with trailing zeros dropped (ties to even, as Python's format), -0 as 0,
// magnitudes from 1e5 in short exponent form ("1.2e+05").
export function formatValue(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (Math.abs(v) >= 1e5) {
    let [m, e] = v.toExponential(1).split("e");
    if (m.endsWith(".0")) m = m.slice(0, -2);
    const sign = e[0] === "-" ? "-" : "+";
    const digits = e.replace(/^[+-]/, "");
    return `${m}e${sign}${digits.padStart(2, "0")}`;
  }
  if (Number.isInteger(v)) return String(v === 0 ? 0 : v);
  // toFixed rounds the exact binary value, as Python does, except on an exact tie (the
  // exact decimal expansion ends in a 5 at the third decimal): Python rounds half to even.
  let text = v.toFixed(2);
  const near = Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6; // cheap test first
  const exact = near ? Math.abs(v).toFixed(100) : "";
  const dot = exact.indexOf(".");
  if (near && exact[dot + 3] === "5" && /^0*$/.test(exact.slice(dot + 4))) {
    const n = Math.floor(Math.abs(v) * 100); // exact: |v| * 100 = n + 0.5 here
    const even = n % 2 === 0 ? n : n + 1;
    text = (v < 0 ? "-" : "") + (even / 100).toFixed(2);
  }
  text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" || text === "" ? "0" : text;
}

function luminance([r, g, b]) {
  const lin = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

// ONE scale for the whole view: sequential white -> dark blue from 0 to hi, or diverging
// blue <- white (at 0) -> red, symmetric, when any value is negative.
function makeScale(range) {
  const cache = new Map();
  const lo = Math.min(0, range.lo), hi = Math.max(0, range.hi);
  const m = Math.max(-lo, hi) || 1;
  const mix = (from, to, t) => from.map((c, i) => Math.round(c + (to[i] - c) * t));
  return (v) => {
    let hit = cache.get(v);
    if (hit) return hit;
    let rgb;
    if (range.diverging) {
      const t = Math.max(-1, Math.min(1, v / m));
      rgb = mix([255, 255, 255], t < 0 ? [33, 102, 172] : [178, 24, 43], Math.abs(t));
    } else {
      const t = hi > 0 ? Math.max(0, Math.min(1, v / hi)) : 0;
      rgb = mix([255, 255, 255], [8, 48, 107], t);
    }
    // Ink (numbers, changed marks) in black or white, whichever contrasts more (>= 4.5:1).
    const L = luminance(rgb);
    const dark = (1.05) / (L + 0.05) > (L + 0.05) / 0.05;
    hit = { bg: `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`, dark };
    cache.set(v, hit);
    return hit;
  };
}

function decodeMask(text, cells) {
  const bytes = base64Bytes(text);
  const out = new Uint8Array(cells);
  for (let i = 0; i < cells; i++) out[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}

// The maps bank's blocks (poolviz/render/explorer.py MAP_BLOCK_KEYS): little-endian ints
// (or raw float64) in base64; a value is the stored number divided by 10**decimals, the
// same IEEE division Python checked when it chose the decimals, so the numbers are exact.
const MAP_TYPES = { i1: Int8Array, i2: Int16Array, i4: Int32Array, f8: Float64Array };
const SCALES = [1, 10, 100, 1e3, 1e4, 1e5, 1e6]; // = explorer.py _SCALES

function base64Bytes(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// The bank as one Float64Array per map, by bank index. A malformed block throws: the
// payload is the server's own data, so that is a bug to see, not an input to tolerate.
export function decodeMaps(blocks) {
  const out = [];
  for (const b of blocks) {
    const Type = MAP_TYPES[b.type], scale = SCALES[b.decimals];
    if (!Type || scale === undefined) throw new Error(`bad maps block ${b.type}/${b.decimals}`);
    const bytes = base64Bytes(b.data);
    if (bytes.length % Type.BYTES_PER_ELEMENT) throw new Error("bad maps block length");
    const values = new Type(bytes.buffer, bytes.byteOffset, bytes.length / Type.BYTES_PER_ELEMENT);
    let at = 0;
    b.ids.forEach((id, j) => {
      const n = b.sizes[j], map = new Float64Array(n);
      if (scale === 1) map.set(values.subarray(at, at + n));
      else for (let k = 0; k < n; k++) map[k] = values[at + k] / scale;
      out[id] = map;
      at += n;
    });
    if (at !== values.length) throw new Error("maps block sizes disagree with its data");
  }
  return out;
}

// ------------------------------------------------------------------ DOM

function el(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function makeRange(parent, label, name) {
  const box = el("label", "pvx-range", parent);
  el("span", "", box).textContent = label;
  const input = el("input", "pvx-" + name, box);
  input.type = "range";
  input.step = "1";
  input.setAttribute("aria-label", label);
  const out = el("output", "", box);
  return { input, out };
}

function build(parentElement) {
  const root = el("div", "pvx", parentElement);
  const st = { root, pending: [], nextSeq: 1, ack: 0, dx: 0, dy: 0, mode: "zero" };
  root.__pvx = st;
  const controls = el("div", "pvx-controls", root);
  st.dxCtl = makeRange(controls, "Shift right (dx)", "dx");
  st.dyCtl = makeRange(controls, "Shift down (dy)", "dy");
  const modes = el("fieldset", "pvx-mode", controls);
  el("legend", "", modes).textContent = "Edges";
  st.modeInputs = {};
  const group = "pvx-mode-" + Math.random().toString(36).slice(2);
  for (const mode of Object.keys(TITLES)) {
    const label = el("label", "", modes);
    const input = el("input", "", label);
    input.type = "radio";
    input.name = group;
    input.value = mode;
    label.appendChild(document.createTextNode(" " + TITLES[mode]));
    st.modeInputs[mode] = input;
  }
  st.note = el("p", "pvx-note", root);
  st.note.setAttribute("role", "status");
  st.hint = el("p", "pvx-hint", root);
  // The input is the first column, like a stage: its original above its shift, so at
  // 1280x800 the input and both pipelines' maps, original and shifted, share one line.
  st.pipes = el("div", "pvx-pipes", root);
  st.inputSection = el("section", "pvx-pipe pvx-input", st.pipes);
  el("h4", "", st.inputSection).textContent = "input";
  const inFig = el("figure", "pvx-fig pvx-stage", el("div", "pvx-stages", st.inputSection));
  st.inputCaption = el("figcaption", "", inFig);
  el("div", "pvx-which", inFig).textContent = "original";
  st.inputMap = makeMap(inFig, "input", "input", "original");
  st.shiftWhich = el("div", "pvx-which", inFig);
  st.shiftMap = makeMap(inFig, "input", "input", "shifted");
  // Below the maps: a line appearing while edits travel must not move the cells under
  // the pointer.
  st.status = el("p", "pvx-status", root);
  st.sentences = el("ul", "pvx-sentences", root);
  st.sentences.setAttribute("aria-live", "polite");
  st.maps = [];
  wireControls(st);
  wirePainting(st);
  if (typeof ResizeObserver === "function") {
    let lastWidth = 0;
    new ResizeObserver(() => {
      const w = root.clientWidth;
      if (st.P && Math.abs(w - lastWidth) > 8) {
        lastWidth = w;
        layout(st);
        drawAll(st, "resize");
      }
    }).observe(root);
  }
  return root;
}

// A map is one canvas (measured: CSS-grid divs cost 19 ms of style, layout and paint per
// redraw on a 16×16 pattern, 55 ms on 32×32; canvases a fraction of that). Its numbers are
// in data-values (JSON rows), its changed cells in data-changed, for tests and tools.
function makeMap(parent, pipeline, stage, which) {
  const node = el("canvas", "pvx-map", parent);
  node.dataset.pipeline = pipeline;
  node.dataset.stage = stage;
  node.dataset.which = which;
  node.setAttribute("role", "img");
  // The text alternative: the same numbers as a table that screen readers read and the
  // screen does not show (explorer.css .pvx-sr), filled a moment after drawing settles.
  // In a clipped box: a table's own width follows its cells, whatever CSS says.
  const table = el("table", "", el("div", "pvx-sr", parent));
  const caption = el("caption", "", table);
  const name = `${pipeline === "input" ? "input" : pipeline + ", " + stage}, ${which}`;
  caption.textContent = name;
  node.setAttribute("aria-label", `${name}: its numbers are in the table that follows`);
  return { el: node, ctx: node.getContext("2d"), n: 0, h: 0, w: 0, shape: [], last: null,
           numbers: true, table, tableJson: null };
}

const TABLE_DELAY_MS = 150; // after the last redraw: scrubbing never waits for the tables

function fillTable(map) {
  const json = map.el.dataset.values;
  if (!json || json === map.tableJson) return;
  map.tableJson = json;
  const parsed = JSON.parse(json);
  const rows = Array.isArray(parsed) ? parsed : [[parsed]];
  const changed = map.el.dataset.changed ? JSON.parse(map.el.dataset.changed) : null;
  const marks = Array.isArray(changed) ? changed : changed === null ? null : [[changed]];
  for (const body of map.table.querySelectorAll("tbody")) body.remove();
  const body = el("tbody", "", map.table);
  rows.forEach((row, r) => {
    const tr = el("tr", "", body);
    row.forEach((v, c) => {
      const changedHere = marks && marks[r] && marks[r][c];
      el("td", "", tr).textContent = formatValue(v) + (changedHere ? " (changed)" : "");
    });
  });
}

function scheduleTables(st) {
  clearTimeout(st.tableTimer);
  st.tableTimer = setTimeout(() => {
    for (const m of [st.inputMap, st.shiftMap, ...st.maps]) fillTable(m);
  }, TABLE_DELAY_MS);
}

function sizeMap(map, shape) {
  const [h, w] = shape.length ? shape : [1, 1];
  Object.assign(map, { shape, h, w, n: h * w, last: null });
}

// Canvas size for the current cell size: 1px grid lines around every cell.
function fitCanvas(map, cell) {
  const ratio = window.devicePixelRatio || 1;
  const cw = map.w * (cell + 1) + 1, ch = map.h * (cell + 1) + 1;
  map.el.width = Math.round(cw * ratio);
  map.el.height = Math.round(ch * ratio);
  map.el.style.width = cw + "px";
  map.el.style.height = ch + "px";
  map.ratio = ratio;
  map.cell = cell;
  map.last = null;
}

// ------------------------------------------------------------------ the payload

function prepare(st) {
  const P = st.P;
  st.scale = makeScale(P.range);
  const texts = new Map();
  st.format = (v) => {
    let t = texts.get(v);
    if (t === undefined) texts.set(v, (t = formatValue(v)));
    return t;
  };
  st.maskCache = new Map();
  st.jsonCache = new Map();
  const signature = JSON.stringify([
    P.height, P.width,
    P.pipelines.map((p) => [p.name, p.error, p.stages.map((s) => [s.label, s.shape])]),
  ]);
  if (signature !== st.signature) {
    st.signature = signature;
    buildPipes(st);
  }
  // Same layout, new numbers: point every map at this payload's stage (bank indices).
  for (const m of st.maps) m.stage = P.pipelines[m.pipe].stages[m.index];
  // The widest number each map can show, over every shift and mode: decides, once per
  // payload, whether its cells can print numbers (no flicker while scrubbing).
  const widths = new Map();
  const ctx = (st.measure ||= document.createElement("canvas").getContext("2d"));
  st.fontFamily = getComputedStyle(st.root).fontFamily || "sans-serif";
  ctx.font = `${FONT_PX}px ${st.fontFamily}`;
  const textWidth = (v) => {
    let w = widths.get(v);
    if (w === undefined) widths.set(v, (w = ctx.measureText(formatValue(v)).width));
    return w;
  };
  const bankWidth = new Map();
  const widest = (ids) => {
    let best = 0;
    for (const id of ids) {
      let w = bankWidth.get(id);
      if (w === undefined) {
        w = 0;
        for (const v of P.maps[id]) w = Math.max(w, textWidth(v));
        bankWidth.set(id, w);
      }
      best = Math.max(best, w);
    }
    return best;
  };
  const stageWidest = (s) => widest([s.original, ...Object.values(s.shifted).flat()]);
  st.inputWidest = Math.max(stageWidest(P.input), textWidth(0), textWidth(1));
  for (const m of st.maps) m.widest = stageWidest(m.stage);
  sizeMap(st.inputMap, [P.height, P.width]);
  sizeMap(st.shiftMap, [P.height, P.width]);
  st.inputMap.stage = st.shiftMap.stage = P.input; // its caption width counts in layout
  setRange(st);
  layout(st);
}

// The controls show the page's range; a paint's first payload covers a window of it, and
// the controls stop at its edge until the rest arrives, so no two views ever disagree.
function setRange(st) {
  for (const ctl of [st.dxCtl, st.dyCtl]) {
    ctl.input.min = String(-st.reach);
    ctl.input.max = String(st.reach);
  }
}

// data.reach checked: an integer from what the payload's window needs to the pattern's size.
function checkedReach(data, P) {
  const c = center(P);
  const least = P.radius + Math.max(Math.abs(c.dx), Math.abs(c.dy));
  const r = data.reach;
  return Number.isSafeInteger(r) && r > least ? Math.min(r, Math.max(P.width, P.height, least)) : least;
}

// The shift a payload's window is centred on (P.center; (0, 0) for a whole payload).
function center(P) {
  const c = P.center || {};
  return { dx: c.dx | 0, dy: c.dy | 0 };
}

// The shifts a payload holds on each axis: [lo, hi] (its window within the controls' range).
function span(st, axis) {
  const c = center(st.P)[axis], r = st.P.radius;
  return [Math.max(c - r, -st.reach), Math.min(c + r, st.reach)];
}

function holds(st, dx, dy) {
  const [x0, x1] = span(st, "dx"), [y0, y1] = span(st, "dy");
  return dx >= x0 && dx <= x1 && dy >= y0 && dy <= y1;
}

// Whether the payload holds every shift of the controls' range.
function complete(st) {
  return !st.P || (holds(st, -st.reach, -st.reach) && holds(st, st.reach, st.reach));
}

function buildPipes(st) {
  const P = st.P;
  for (const node of [...st.pipes.children]) if (node !== st.inputSection) node.remove();
  st.maps = [];
  st.rows = [];
  for (const [pipe, p] of P.pipelines.entries()) {
    const section = el("section", "pvx-pipe", st.pipes);
    el("h4", "", section).textContent = p.name;
    if (p.error) {
      const err = el("p", "pvx-error", section);
      err.setAttribute("role", "alert");
      err.textContent = "This pipeline cannot run on this input: " + p.error;
      continue;
    }
    const row = el("div", "pvx-stages", section);
    const rowMaps = [];
    for (const [index, stage] of p.stages.entries()) {
      const fig = el("figure", "pvx-fig pvx-stage", row);
      el("figcaption", "", fig).textContent = stage.label;
      for (const which of ["original", "shifted"]) {
        el("div", "pvx-which", fig).textContent = which;
        const map = makeMap(fig, p.name, stage.label, which);
        Object.assign(map, { stage, pipe, index });
        sizeMap(map, stage.shape);
        st.maps.push(map);
        rowMaps.push(map);
      }
    }
    st.rows.push(rowMaps);
  }
}

// One cell size for every map (a cell is a cell): the pipelines side by side when their
// numbers still fit that way, else one pipeline per line; numbers show in a map only where
// its widest number fits inside its cells.
function layout(st) {
  const P = st.P;
  const sz = st.present ? PRESENT_SIZES : SIZES;
  const avail = Math.max(320, (st.root.clientWidth || 1000) - 8);
  const ctx = st.measure;
  ctx.font = `${sz.caption}px ${st.fontFamily}`;
  // Width of one pipeline's line at cell size c: each stage is as wide as its map or its
  // caption, whichever is wider.
  const lineWidth = (rowMaps, c) => {
    let total = PIPE_GAP_PX;
    for (const m of rowMaps) {
      if (m.el.dataset.which !== "original") continue;
      // Captions wrap between words (explorer.css: min-content stages), so a stage is as
      // wide as its map or its caption's longest word.
      m.captionWidth = m.captionAt === sz.caption ? m.captionWidth : undefined;
      m.captionAt = sz.caption;
      m.captionWidth ??= Math.max(...m.stage.label.split(/\s+/).map((w) => ctx.measureText(w).width)) + 4;
      total += Math.max(m.w * (c + 1) + 1, m.captionWidth) + GAP_PX;
    }
    return total;
  };
  const largest = (rows) => {
    for (let c = sz.maxCell; c > MIN_CELL_PX; c--) {
      if (rows.reduce((n, r) => n + lineWidth(r, c), 0) <= avail) return c;
    }
    return MIN_CELL_PX;
  };
  // Numbers at 12px, or 11px (never less) on cells too small for 12px ones; widths were
  // measured at FONT_PX.
  const font = (c) => (c >= sz.font + 6 ? sz.font : sz.minFont);
  const fits = (widest, c) =>
    c >= font(c) + 3 && c - 2 * PAD_PX >= Math.ceil((widest * font(c)) / FONT_PX);
  const lines = [[st.inputMap], ...st.rows];
  let cell = largest(lines);
  const side = cell >= sz.minSide &&
    (!P.show_values || [st.inputWidest, ...st.maps.map((m) => m.widest)].every((w) => fits(w, cell)));
  if (!side) cell = Math.min(sz.maxCell, ...lines.map((r) => largest([r])));
  st.pipes.classList.toggle("pvx-side", side);
  cell = Math.max(MIN_CELL_PX, Math.min(sz.maxCell, cell));
  Object.assign(st.root.dataset, { layout: side ? "one-line" : "stacked", avail: String(avail), cell: String(cell), need: lines.map((r) => lineWidth(r, sz.minSide).toFixed(0)).join(",") });
  st.cell = cell;
  st.fontPx = font(cell);
  for (const m of [st.inputMap, st.shiftMap, ...st.maps]) fitCanvas(m, cell);
  let hidden = 0, total = 0;
  for (const m of [st.inputMap, st.shiftMap, ...st.maps]) {
    m.numbers = P.show_values && fits(m === st.inputMap || m === st.shiftMap ? st.inputWidest : m.widest, cell);
    m.el.classList.toggle("pvx-novals", !m.numbers);
    m.el.dataset.numbers = m.numbers ? "1" : "0";
    m.last = null;
    total += 1;
    if (P.show_values && !m.numbers) hidden += 1;
  }
  st.hiddenNote = hidden
    ? `Numbers hidden in ${hidden} of ${total} maps: their ${cell}px cells are too small to ` +
      `print every number at ${sz.minFont}px or more. Widen the window or use a smaller pattern to read them.`
    : "";
}

// ------------------------------------------------------------------ drawing

function rowsJson(values, shape) {
  if (!shape.length) return JSON.stringify(values[0]);
  const [h, w] = shape, rows = [];
  for (let r = 0; r < h; r++) rows.push(Array.from(values.slice(r * w, (r + 1) * w)));
  return JSON.stringify(rows);
}

function mask(st, id, cells) {
  let m = st.maskCache.get(id);
  if (!m) st.maskCache.set(id, (m = decodeMask(st.P.masks[id], cells)));
  return m;
}

// Repaint one map; only cells whose value or mark changed are drawn again.
function paint(st, map, values, changed, json, changedJson) {
  const { ctx, n, w, cell } = map;
  let last = map.last;
  if (!last) {
    last = map.last = { v: new Array(n).fill(NaN), c: new Uint8Array(n).fill(2), f: -1 };
    ctx.setTransform(map.ratio, 0, 0, map.ratio, 0, 0);
    ctx.fillStyle = GRID_COLOUR;
    ctx.fillRect(0, 0, map.w * (cell + 1) + 1, map.h * (cell + 1) + 1);
  }
  ctx.font = `${st.fontPx}px ${st.fontFamily}`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const focus = map === st.inputMap && st.focused ? st.focus ?? -1 : -1;
  for (let i = 0; i < n; i++) {
    const v = values[i], c = changed ? changed[i] : 0;
    const f = i === focus || i === last.f;
    if (last.v[i] === v && last.c[i] === c && !f) continue;
    const x = (i % w) * (cell + 1) + 1, y = Math.floor(i / w) * (cell + 1) + 1;
    const look = st.scale(v), ink = look.dark ? "#fff" : "#111";
    ctx.fillStyle = look.bg;
    ctx.fillRect(x, y, cell, cell);
    if (c) {
      // Changed: a thick outline and a corner triangle in the cell's ink (black or white,
      // whichever contrasts more: >= 4.5:1), so colour is never the only cue.
      // Thinner on small cells, so the mark stays inside the padding and off the number.
      const mark = cell < 24 ? 2 : MARK_PX;
      ctx.strokeStyle = ink;
      ctx.lineWidth = mark;
      ctx.strokeRect(x + mark / 2, y + mark / 2, cell - mark, cell - mark);
      const t = Math.max(4, Math.round(cell * 0.25));
      ctx.fillStyle = ink;
      ctx.beginPath();
      ctx.moveTo(x + cell - t, y);
      ctx.lineTo(x + cell, y);
      ctx.lineTo(x + cell, y + t);
      ctx.fill();
    }
    if (i === focus) {
      ctx.strokeStyle = FOCUS_COLOUR;
      ctx.lineWidth = 3;
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(x + 1.5, y + 1.5, cell - 3, cell - 3);
      ctx.setLineDash([]);
    }
    if (map.numbers) {
      ctx.fillStyle = ink;
      ctx.fillText(st.format(v), x + cell / 2, y + cell / 2 + 0.5);
    }
    last.v[i] = v;
    last.c[i] = c;
  }
  last.f = focus;
  map.el.dataset.values = json;
  if (changedJson !== undefined) map.el.dataset.changed = changedJson;
}

function bankJson(st, id, shape) {
  let text = st.jsonCache.get(id);
  if (text === undefined) st.jsonCache.set(id, (text = rowsJson(st.P.maps[id], shape)));
  return text;
}

function drawStage(st, map, stage, which, mode, k) {
  const id = which === "original" ? stage.original : stage.shifted[mode][k];
  if (which === "original") {
    paint(st, map, st.P.maps[id], null, bankJson(st, id, stage.shape));
    return;
  }
  const maskId = stage.changed[mode][k];
  const changed = mask(st, maskId, map.n);
  let text = st.jsonCache.get("m" + maskId);
  if (text === undefined) st.jsonCache.set("m" + maskId, (text = rowsJson(changed, stage.shape)));
  paint(st, map, st.P.maps[id], changed, bankJson(st, id, stage.shape), text);
}

function localInput(st) {
  const values = st.P.maps[st.P.input.original].slice();
  for (const e of st.pending) values[e.row * st.P.width + e.col] = e.value;
  return values;
}

function drawInput(st) {
  const values = localInput(st);
  paint(st, st.inputMap, values, null, rowsJson(values, [st.P.height, st.P.width]));
  st.inputMap.el.dataset.pending = String(st.pending.length);
  st.status.textContent = st.pending.length
    ? `Updating the maps for ${st.pending.length} painted cell${st.pending.length === 1 ? "" : "s"}…`
    : "";
}

function drawShift(st) {
  const P = st.P, r = P.radius, c = center(P);
  const mode = P.modes.includes(st.mode) ? st.mode : P.modes[0];
  const k = (st.dy - c.dy + r) * (2 * r + 1) + (st.dx - c.dx + r); // = shift_index
  drawStage(st, st.shiftMap, P.input, "shifted", mode, k);
  for (const map of st.maps) {
    if (map.el.dataset.which === "shifted") drawStage(st, map, map.stage, "shifted", mode, k);
  }
  st.sentences.textContent = "";
  if (P.sentences) {
    for (const id of P.sentences[mode][k]) el("li", "", st.sentences).textContent = P.texts[id];
  }
  const stale = !P.modes.includes(st.mode);
  st.root.classList.toggle("pvx-stale", stale);
  st.note.textContent = [
    stale ? `Computing the maps for “${TITLES[st.mode] || st.mode}”…` : "",
    st.wanted ? "Computing the other shifts…" : "",
    st.hiddenNote,
  ].filter(Boolean).join(" ");
  st.shiftWhich.textContent = `shifted (${st.dx >= 0 ? "+" : ""}${st.dx}, ` +
    `${st.dy >= 0 ? "+" : ""}${st.dy})`;
  st.dxCtl.out.textContent = (st.dx > 0 ? "+" : "") + st.dx;
  st.dyCtl.out.textContent = (st.dy > 0 ? "+" : "") + st.dy;
  Object.assign(st.root.dataset, { dx: String(st.dx), dy: String(st.dy), mode: st.mode });
}

function drawAll(st, why) {
  const t0 = performance.now();
  for (const map of st.maps) {
    if (map.el.dataset.which === "original") drawStage(st, map, map.stage, "original");
  }
  drawInput(st);
  drawShift(st);
  finish(st, t0, why);
}

function finish(st, t0, why) {
  scheduleTables(st);
  const ds = st.root.dataset;
  ds.drawMs = (performance.now() - t0).toFixed(2);
  ds.draws = String((+ds.draws || 0) + 1);
  ds.lastDraw = why;
  ds.fontPx = String(st.fontPx);
  ds.ack = String(st.ack);
}

// ------------------------------------------------------------------ controls

function clampShift(st) {
  const [x0, x1] = st.P ? span(st, "dx") : [0, 0], [y0, y1] = st.P ? span(st, "dy") : [0, 0];
  st.dx = Math.max(x0, Math.min(x1, st.dx | 0));
  st.dy = Math.max(y0, Math.min(y1, st.dy | 0));
  // A shift asked for beyond a first payload's window stays on the controls (so further
  // key presses go on from it) while the maps show the window's nearest shift.
  const shown = st.wanted || st;
  st.dxCtl.input.value = String(shown.dx);
  st.dyCtl.input.value = String(shown.dy);
  for (const [mode, input] of Object.entries(st.modeInputs)) input.checked = mode === st.mode;
}

function report(st, now) {
  clearTimeout(st.reportTimer);
  const send = () => {
    const value = { dx: st.dx, dy: st.dy, mode: st.mode };
    const text = JSON.stringify(value);
    if (text === st.reported) return;
    st.reported = text;
    st.setStateValue("shift", value);
  };
  if (now) send();
  else st.reportTimer = setTimeout(send, REPORT_DELAY_MS);
}

function wireControls(st) {
  for (const [ctl, axis] of [[st.dxCtl, "dx"], [st.dyCtl, "dy"]]) {
    // "input" (every step of a drag or key) redraws in this frame; "change" (release, or
    // each key press) schedules the one report to Python.
    ctl.input.addEventListener("input", () => {
      if (!st.P) return;
      const t0 = performance.now();
      // Beyond a first payload's edge: the maps show the edge, and the shift asked for is
      // taken once the rest is here. (Only then are the controls written to: a write costs
      // the frame a style pass.)
      const want = { ...(st.wanted || { dx: st.dx, dy: st.dy }), [axis]: +ctl.input.value };
      st.dx = want.dx;
      st.dy = want.dy;
      st.wanted = holds(st, want.dx, want.dy) ? null : want;
      if (st.wanted) clampShift(st);
      drawShift(st);
      finish(st, t0, "shift");
    });
    ctl.input.addEventListener("change", () => report(st, false));
  }
  for (const input of Object.values(st.modeInputs)) {
    input.addEventListener("change", () => {
      if (!st.P || !input.checked) return;
      const t0 = performance.now();
      st.mode = input.value;
      drawShift(st);
      finish(st, t0, "shift");
      report(st, !st.P.modes.includes(st.mode)); // no data for it yet: ask at once
    });
  }
}

// ------------------------------------------------------------------ painting

function cellAt(st, event) {
  const box = st.inputMap.el.getBoundingClientRect();
  const col = Math.floor(((event.clientX - box.left) / box.width) * st.P.width);
  const row = Math.floor(((event.clientY - box.top) / box.height) * st.P.height);
  if (row < 0 || col < 0 || row >= st.P.height || col >= st.P.width) return -1;
  return row * st.P.width + col;
}

function setCell(st, index, value) {
  const values = localInput(st);
  if (values[index] === value) return;
  const row = Math.floor(index / st.P.width), col = index % st.P.width;
  st.pending.push({ seq: st.nextSeq++, row, col, value });
  const t0 = performance.now();
  drawInput(st); // the painted cell shows in this frame
  finish(st, t0, "paint");
}

function flush(st) {
  clearTimeout(st.flushTimer);
  clearTimeout(st.retryTimer);
  if (!st.pending.length) return;
  // A shift not reported yet goes first: the server centres a paint's first payload on the
  // shift it knows, and the shift on screen must be in it.
  report(st, true);
  const batch = st.pending.slice(0, MAX_BATCH);
  const seq = batch[batch.length - 1].seq;
  st.sentSeq = Math.max(st.sentSeq || 0, seq);
  st.setTriggerValue("edits", {
    seq,
    edits: batch.map(({ row, col, value }) => ({ row, col, value })),
  });
  st.retryTimer = setTimeout(() => {
    if (st.pending.length && (st.retries = (st.retries || 0) + 1) <= MAX_RETRIES) flush(st);
  }, RETRY_MS);
}

function flushSoon(st) {
  clearTimeout(st.flushTimer);
  st.flushTimer = setTimeout(() => flush(st), FLUSH_DELAY_MS);
}

// Fill the cells on the straight line between two cells, so a fast drag leaves no gaps.
function line(st, from, to, value) {
  const w = st.P.width;
  let [r0, c0] = [Math.floor(from / w), from % w];
  const [r1, c1] = [Math.floor(to / w), to % w];
  const steps = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0));
  for (let s = 1; s <= steps; s++) {
    const r = Math.round(r0 + ((r1 - r0) * s) / steps), c = Math.round(c0 + ((c1 - c0) * s) / steps);
    setCell(st, r * w + c, value);
  }
}

function wirePainting(st) {
  const grid = st.inputMap.el;
  grid.addEventListener("pointerdown", (event) => {
    if (!st.P || !st.editable || event.button !== 0) return;
    const index = cellAt(st, event);
    if (index < 0) return;
    event.preventDefault();
    grid.focus({ preventScroll: true });
    // Like a paint program: the stroke paints the opposite of the first cell's value.
    const value = localInput(st)[index] !== 0 ? 0 : 1;
    st.stroke = { value, last: index };
    grid.setPointerCapture?.(event.pointerId);
    st.focus = index;
    setCell(st, index, value);
  });
  grid.addEventListener("pointermove", (event) => {
    if (!st.stroke) return;
    const index = cellAt(st, event);
    if (index < 0 || index === st.stroke.last) return;
    line(st, st.stroke.last, index, st.stroke.value);
    st.stroke.last = index;
  });
  const end = () => {
    if (!st.stroke) return;
    st.stroke = null;
    flushSoon(st);
  };
  // The focus cell shows only while the grid has the keyboard focus.
  const refocus = (on) => () => {
    st.focused = on;
    if (st.P) drawInput(st);
  };
  grid.addEventListener("focus", refocus(true));
  grid.addEventListener("blur", refocus(false));
  grid.addEventListener("pointerup", end);
  grid.addEventListener("pointercancel", end);
  grid.addEventListener("keydown", (event) => {
    if (!st.P || !st.editable) return;
    const w = st.P.width, h = st.P.height;
    let r = Math.floor((st.focus ?? 0) / w), c = (st.focus ?? 0) % w;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (event.key in moves) {
      const [dr, dc] = moves[event.key];
      r = Math.max(0, Math.min(h - 1, r + dr));
      c = Math.max(0, Math.min(w - 1, c + dc));
      st.focus = r * w + c;
        drawInput(st);
    } else if (event.key === " " || event.key === "Enter") {
      const index = st.focus ?? 0;
      st.focus = index;
        setCell(st, index, localInput(st)[index] !== 0 ? 0 : 1);
      flushSoon(st);
    } else {
      return;
    }
    event.preventDefault();
    grid.dataset.focus = `${r},${c}`;
  });
}

// ------------------------------------------------------------------ entry point

export default function mount(component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".pvx") || build(parentElement);
  const st = root.__pvx;
  st.setStateValue = component.setStateValue || (() => {});
  st.setTriggerValue = component.setTriggerValue || (() => {});
  if (!data || typeof data.payload !== "string") return;
  const t0 = performance.now();
  if (data.payload !== st.payloadText) {
    const P = JSON.parse(data.payload);
    P.maps = decodeMaps(P.maps);
    st.P = P;
    st.payloadText = data.payload;
    st.reach = checkedReach(data, P);
    prepare(st);
  }
  st.editable = data.editable !== false;
  const present = data.present === true;
  if (present !== !!st.present) {
    st.present = present;
    st.root.classList.toggle("pvx-present", present);
    if (st.P) layout(st);
  }
  st.inputMap.el.classList.toggle("paint", st.editable);
  st.inputMap.el.tabIndex = st.editable ? 0 : -1;
  // An application: its keys (arrows, Space) are the component's, not the reader's.
  st.inputMap.el.setAttribute("role", "application");
  st.inputMap.el.setAttribute(
    "aria-label",
    st.editable
      ? "Input pattern: click or drag to paint; arrow keys move, Space toggles a cell; " +
        "its numbers are in the table that follows"
      : "Input pattern: its numbers are in the table that follows"
  );
  st.inputCaption.textContent = "pattern";
  st.hint.textContent = (st.editable
    ? "Click or drag on the input's original to paint it (keyboard: Tab to it, arrows move, " +
      "Space toggles). "
    : "") + "In every shifted map, a thick outline and a corner triangle mark the cells that " +
    "differ from the original.";
  // Acknowledged edits are in the payload now; keep only the newer local ones.
  const ack = Number.isSafeInteger(data.ack) && data.ack >= 0 ? data.ack : 0;
  st.ack = ack;
  st.pending = st.pending.filter((e) => e.seq > ack);
  st.nextSeq = Math.max(st.nextSeq, ack + 1);
  if (!st.pending.length) st.retries = 0;
  if (st.pending.length && !st.stroke && (st.sentSeq || 0) < st.pending[st.pending.length - 1].seq) {
    flushSoon(st);
  }
  // The server moves the shift only when it says so (a new rev: a link, Back, a reset);
  // otherwise the user's local shift wins over a rerun that raced with it.
  if (data.shift && data.shift.rev !== st.shiftRev) {
    st.shiftRev = data.shift.rev;
    st.dx = data.shift.dx;
    st.dy = data.shift.dy;
    if (data.shift.mode in TITLES) st.mode = data.shift.mode;
    st.reported = JSON.stringify({ dx: st.dx, dy: st.dy, mode: st.mode });
    st.wanted = null;
  } else if (!st.P.modes.includes(st.mode)) {
    st.mode = st.P.modes[0];
  }
  // A first payload smaller than the shift on screen (moved after the paint was sent):
  // shown at its edge meanwhile, as a move beyond it would be.
  if (!st.wanted && !complete(st) && !holds(st, st.dx, st.dy)) {
    st.wanted = { dx: st.dx, dy: st.dy };
  }
  const w = st.wanted; // asked for beyond a first payload's edge
  const taken = w && (holds(st, w.dx, w.dy) || complete(st));
  if (taken) {
    st.dx = w.dx;
    st.dy = w.dy;
    st.wanted = null;
  }
  clampShift(st);
  if (taken) report(st, false);
  Object.assign(st.root.dataset, { radius: String(st.P.radius), complete: String(complete(st)) });
  drawAll(st, "data");
  finish(st, t0, "data");
  // Drawn, so the server's next run can send the whole payload without holding this up;
  // asked again after RETRY_MS if that run never came (any later run sends it too).
  clearTimeout(st.moreTimer);
  if (!complete(st)) {
    if (st.askedMore !== st.payloadText) st.setTriggerValue("more", true);
    st.askedMore = st.payloadText;
    st.moreTimer = setTimeout(() => {
      if (!complete(st)) st.setTriggerValue("more", true);
    }, RETRY_MS);
  }
}
