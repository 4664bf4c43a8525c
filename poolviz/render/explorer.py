"""Everything the Explore view's browser component draws, for every shift, as one JSON payload.

The component (``render/assets/explorer.js``) redraws the maps, the shifted input and the
sentences in the browser while the user scrubs the shift, so the server computes them all
at once: every shift ``(dy, dx)`` in ``[-radius, radius]²`` and every edge mode, through
ONE :func:`~poolviz.core.ops.shift_stack` and ONE :func:`~poolviz.core.pipeline.run_pipeline`
call per pipeline, with the changed cells marked by the one rule,
:func:`~poolviz.core.invariance.changed_mask`.

The payload is compact: every distinct map is stored once in a bank (``maps``; a max-pool
map that the shift leaves unchanged is one entry, not hundreds), every distinct changed
mask once (``masks``, packed bits in base64), every distinct sentence once (``texts``);
stages refer to them by index. See :data:`PAYLOAD_KEYS` and :func:`explorer_data`. The
maps travel as little-endian integers in base64 (:func:`decode_maps` reads them back):
each map as ``round(v, 6) * 10**d`` in the narrowest integer type that holds it exactly,
``d`` the fewest decimals it needs; a 0/1 map is one byte per cell, where its JSON list
was two characters and cost the server a Python int per cell to build and to encode.

The build runs on every paint stroke, so it works per stack, not per map: the sentences
come from one call per mode (:func:`~poolviz.lessons.sentences.explain_shifts`), and the
banks take a stack of maps at a time. The module is one piece on purpose: the payload's
format, its banks, its size and the page that embeds it change together.

Examples
--------
>>> from poolviz.core.patterns import make_preset
>>> from poolviz.lessons.comparison import standard_pipelines
>>> data = explorer_data(make_preset("book"), standard_pipelines(((1.0,),)), "zero", 1)
>>> data["radius"], data["modes"], len(data["shifts"])
(1, ['zero'], 9)
>>> stage = data["pipelines"][0]["stages"][1]
>>> stage["label"], stage["shape"]
('max-pool 2×2 /2', [4, 4])
>>> k = data["shifts"].index([0, 1])  # one pixel right
>>> maps = decode_maps(data)
>>> bool((maps[stage["shifted"]["zero"][k]] == maps[stage["original"]]).all())
True
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_mask
from poolviz.core.ops import SHIFT_MODES, shift_stack
from poolviz.core.pipeline import Layer, check_grid, run_pipeline

__all__ = [
    "MAX_RADIUS",
    "MAX_PAYLOAD_BYTES",
    "MAX_VIEW_BYTES",
    "PAYLOAD_VERSION",
    "PAYLOAD_KEYS",
    "explorer_data",
    "fit_explorer_data",
    "fit_explorer_payload",
    "payload_json",
    "payload_bytes",
    "shift_index",
    "decode_mask",
    "decode_maps",
    "offline_html",
]

MAX_RADIUS = 8  # the URL's dx, dy range (view.state): -8..8
MAX_VIEW_BYTES = 1_000_000  # what a new view may ship to the browser in all (a paint's rerun)
# The payload's share of it. The rest of a paint's rerun is the page's other elements and
# the payload's second JSON escaping inside the component's data: measured 58.5 kB (6.3 %)
# on a 32×32 view whose payload was 932,566 bytes (benchmarks/bench_explorer.py).
MAX_PAYLOAD_BYTES = MAX_VIEW_BYTES - 75_000
PAYLOAD_VERSION = 3  # 2: the maps bank is typed blocks in base64 (was JSON lists); 3: center
GROWTH_MARGIN = 1.25  # see fit_explorer_data
DECIMALS = 6  # the cells print at most 2 decimals; 6 keep sums and tests exact enough

# The top-level keys of explorer_data's result, the component's data contract.
PAYLOAD_KEYS = (
    "version",  # PAYLOAD_VERSION
    "height",  # pattern rows
    "width",  # pattern columns
    "radius",  # shifts cover center ± radius for dx and dy
    "center",  # {"dx", "dy"}: (0, 0), except for a window around one shift (a first payload)
    "modes",  # the edge modes computed, e.g. ["zero", "wrap"]
    "shifts",  # [[dy, dx], ...] row-major over dy then dx: index k of every per-shift list
    "range",  # {"lo", "hi", "diverging"}: ONE colour scale for every map, shift and mode
    "show_values",  # draw the numbers in the cells
    "maps",  # bank: every distinct map once, flat row-major, in blocks (see MAP_BLOCK_KEYS)
    "masks",  # bank: every distinct changed mask once, packed bits (np.packbits) in base64
    "input",  # the pattern: a stage (see below), label "input"
    "pipelines",  # [{"name", "error", "stages": [stage, ...]}], the input stage left out
    "texts",  # bank: every distinct sentence once
    "sentences",  # {mode: [[text index, ...] per shift]}, or None
)
# A block of the maps bank: maps that share one integer type and one number of decimals.
# Map ids[j] is the j-th run of sizes[j] values in the block's data; a value is the stored
# integer divided by 10**decimals (IEEE division, exact: see _map_codes).
MAP_BLOCK_KEYS = (
    "type",  # a key of MAP_TYPES: "i1", "i2", "i4" (signed ints) or "f8" (raw float64)
    "decimals",  # 0..DECIMALS ("f8": 0)
    "ids",  # bank indices of the block's maps, in data order
    "sizes",  # each map's number of cells
    "data",  # base64 of the little-endian values, maps back to back
)
# The block types, narrowest first, as numpy dtypes; explorer.js has the same table.
MAP_TYPES = {"i1": np.dtype("<i1"), "i2": np.dtype("<i2"), "i4": np.dtype("<i4"),
             "f8": np.dtype("<f8")}
# A stage: {"label", "shape": [h, w] or [] after a global pool, "original": map index,
#           "shifted": {mode: [map index per shift]}, "changed": {mode: [mask index per shift]}}

# sentences(runs, shifts, mode) -> each shift's sentences; see explorer_data.
Sentences = Callable[[Mapping[str, Any], np.ndarray, str], list[list[str]]]


class _Bank:
    """Distinct items in first-seen order; ``add`` returns an item's index."""

    def __init__(self) -> None:
        self.items: list = []
        self._index: dict = {}

    def add(self, key, make: Callable[[], Any]) -> int:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.items)
            self.items.append(make())
        return index

    def add_many(self, keys: Sequence, make: Callable[[list[int]], list]) -> list[int]:
        """Indices of ``keys``, as ``add`` would give them one by one; ``make(positions)``
        makes the new items at once, from the positions in ``keys`` where each first
        appears (one vectorized call for a stack of maps, not one per map)."""
        index, ids, new = self._index, [], []
        start = len(self.items)
        for p, key in enumerate(keys):
            i = index.get(key)
            if i is None:
                i = index[key] = start + len(new)
                new.append(p)
            ids.append(i)
        if new:
            self.items.extend(make(new))
        return ids


def _check_args(x, mode, radius) -> tuple[np.ndarray, tuple[str, ...], int]:
    x = check_grid(x)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    if not modes or any(m not in SHIFT_MODES for m in modes) or len(set(modes)) != len(modes):
        raise PoolvizError(
            f"`mode` must be one of {', '.join(SHIFT_MODES)} or a sequence of distinct ones; "
            f"got {mode!r}"
        )
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)):
        raise PoolvizError(f"`radius` must be an integer from 0 to {MAX_RADIUS}; got {radius!r}")
    if not 0 <= radius <= MAX_RADIUS:
        raise PoolvizError(f"`radius` must be from 0 to {MAX_RADIUS}; got {radius}")
    return x, modes, int(radius)


def _grid_shifts(radius: int, center: tuple[int, int] = (0, 0)) -> np.ndarray:
    steps = np.arange(-radius, radius + 1)
    grid_y, grid_x = np.meshgrid(steps + center[1], steps + center[0], indexing="ij")
    return np.stack([grid_y.ravel(), grid_x.ravel()], axis=1)


def shift_index(dx: int, dy: int, radius: int, center: tuple[int, int] = (0, 0)) -> int:
    """Index of shift ``(dx, dy)`` in the payload's per-shift lists: its shifts cover
    ``center ± radius`` (``center`` is ``(dx, dy)``), row-major over dy then dx.

    >>> shift_index(0, 0, 1), shift_index(1, -1, 1), shift_index(5, 0, 1, center=(5, 0))
    (4, 2, 4)
    """
    return (dy - center[1] + radius) * (2 * radius + 1) + (dx - center[0] + radius)


def _check_center(center) -> tuple[int, int]:
    ok = (
        isinstance(center, (tuple, list)) and len(center) == 2
        and all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in center)
    )
    if not ok or not all(abs(int(c)) <= MAX_RADIUS for c in center):
        raise PoolvizError(
            f"`center` must be a (dx, dy) pair of integers from -{MAX_RADIUS} to {MAX_RADIUS}; "
            f"got {center!r}"
        )
    return int(center[0]), int(center[1])


_SCALES = 10.0 ** np.arange(DECIMALS + 1)  # 1, 10, ..., 1e6: exact doubles
_INT_LIMIT = 2**31 - 1  # the widest integer block type, "i4"


def _map_codes(rows: np.ndarray) -> tuple[list[tuple[str, int]], np.ndarray]:
    """How each map of ``rows`` (S maps, flat, already rounded) ships: its block's
    ``(type, decimals)`` and its values as stored (the integers, or the raw floats).

    A map takes the fewest decimals ``d`` for which ``rint(v * 10**d) / 10**d == v`` for
    every value (the division the browser does, IEEE in both), then the narrowest
    integer type that holds those integers; a map that fits none (huge values, inf, nan)
    ships as raw float64. One vectorized pass per number of decimals, over the maps not
    yet placed: usually one pass, every map integral.

    >>> codes, stored = _map_codes(np.array([[1.0, -20.0], [0.5, 0.25], [300.0, 0.0]]))
    >>> codes, stored.tolist()
    ([('i1', 0), ('i1', 2), ('i2', 0)], [[1.0, -20.0], [50.0, 25.0], [300.0, 0.0]])
    """
    n = len(rows)
    decimals = np.zeros(n, dtype=np.int64)
    stored = rows.copy()
    todo = np.arange(n)
    for d, scale in enumerate(_SCALES.tolist()):
        if not len(todo):
            break
        part = rows[todo]
        q = np.rint(part * scale)
        ok = np.all(q / scale == part, axis=1) & np.all(np.abs(q) <= _INT_LIMIT, axis=1)
        decimals[todo[ok]] = d
        stored[todo[ok]] = q[ok]
        todo = todo[~ok]
    lo = stored.min(axis=1, initial=0.0)
    hi = stored.max(axis=1, initial=0.0)
    kinds = np.where((lo >= -128) & (hi <= 127), 0, np.where((lo >= -32768) & (hi <= 32767), 1, 2))
    kinds[todo] = 3
    names = list(MAP_TYPES)
    pairs = zip(kinds.tolist(), decimals.tolist(), strict=True)
    codes = [(names[k], d if k < 3 else 0) for k, d in pairs]
    return codes, stored


def _map_blocks(items: Sequence[tuple[tuple[str, int], np.ndarray]]) -> list[dict]:
    """The ``maps`` bank as it ships: the bank's items (``(code, stored values)`` per map,
    in bank order) grouped by code into blocks (keys :data:`MAP_BLOCK_KEYS`), one
    base64 text each, narrowest type first.

    >>> blocks = _map_blocks([(("i1", 0), np.array([1.0, -2.0])), (("i2", 1), np.array([900.0]))])
    >>> [(b["type"], b["decimals"], b["ids"], b["sizes"], b["data"]) for b in blocks]
    [('i1', 0, [0], [2], 'Af4='), ('i2', 1, [1], [1], 'hAM=')]
    """
    groups: dict[tuple[str, int], list[int]] = {}
    for i, (code, _) in enumerate(items):
        groups.setdefault(code, []).append(i)
    order = list(MAP_TYPES)
    blocks = []
    for (kind, d), ids in sorted(groups.items(), key=lambda g: (order.index(g[0][0]), g[0][1])):
        values = [items[i][1] for i in ids]
        data = np.concatenate(values).astype(MAP_TYPES[kind]).tobytes()
        blocks.append({
            "type": kind, "decimals": d, "ids": ids, "sizes": [len(v) for v in values],
            "data": base64.b64encode(data).decode("ascii"),
        })  # fmt: skip
    return blocks


def decode_maps(data: Mapping[str, Any]) -> list[np.ndarray]:
    """The payload's ``maps`` bank back as numbers: flat float64 maps, by bank index (what
    explorer.js decodes for drawing).

    >>> from poolviz.lessons.comparison import standard_pipelines
    >>> data = explorer_data(np.eye(4) * 0.5, standard_pipelines(((1.0,),)), "zero", 0)
    >>> decode_maps(data)[data["input"]["original"]].reshape(4, 4)[0].tolist()
    [0.5, 0.0, 0.0, 0.0]
    """
    blocks = data["maps"]
    out: list[Any] = [None] * sum(len(b["ids"]) for b in blocks)
    for block in blocks:
        raw = np.frombuffer(base64.b64decode(block["data"]), dtype=MAP_TYPES[block["type"]])
        values = raw.astype(np.float64) / _SCALES[block["decimals"]]
        if sum(block["sizes"]) != len(values):
            raise PoolvizError(
                f"a `maps` block holds {len(values)} values; its sizes add up to "
                f"{sum(block['sizes'])}"
            )
        cuts = np.cumsum(block["sizes"])[:-1]
        for i, piece in zip(block["ids"], np.split(values, cuts), strict=True):
            out[i] = piece
    return out


def decode_mask(text: str, cells: int) -> np.ndarray:
    """Unpack a mask of the ``masks`` bank back to a flat bool array of ``cells`` cells.

    >>> text = base64.b64encode(np.packbits([True, False, True]).tobytes()).decode("ascii")
    >>> decode_mask(text, 3).tolist()
    [True, False, True]
    """
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), dtype=np.uint8))
    return bits[:cells].astype(bool)


def _row_bytes(stack: np.ndarray) -> list[bytes]:
    """Each map's bytes (what ``m.tobytes()`` gives for each ``m`` in ``stack``), cut
    from one copy of the stack: thousands of maps per payload.

    >>> _row_bytes(np.arange(4, dtype=np.uint8).reshape(2, 2))
    [b'\\x00\\x01', b'\\x02\\x03']
    """
    data = np.ascontiguousarray(stack).tobytes()
    if not data:  # no maps, or maps of no cells
        return [b""] * len(stack)
    step = len(data) // len(stack)
    return [data[i : i + step] for i in range(0, len(data), step)]


class _Encoder:
    """Fills the map and mask banks; keys are exact bytes after rounding (+0.0 turns -0.0
    into 0), so equal maps (to the shipped precision) share one entry."""

    def __init__(self) -> None:
        self.maps = _Bank()  # items: ((type, decimals), stored values) per map, see _map_codes
        self.masks = _Bank()

    def map_ids(self, stack: np.ndarray) -> list[int]:
        rounded = np.round(stack, DECIMALS) + 0.0
        shape = rounded.shape[1:]

        def make(new: list[int]) -> list[tuple[tuple[str, int], np.ndarray]]:
            codes, stored = _map_codes(rounded[new].reshape(len(new), -1))
            return list(zip(codes, stored, strict=True))

        return self.maps.add_many([(shape, b) for b in _row_bytes(rounded)], make)

    def mask_ids(self, masks: np.ndarray) -> list[int]:
        """Ids of a stack of bool masks (S masks), packed in one call."""
        packed = np.packbits(masks.reshape(len(masks), -1), axis=1)
        keys = [(masks.shape[1:], b) for b in _row_bytes(packed)]
        return self.masks.add_many(
            keys, lambda new: [base64.b64encode(keys[p][1]).decode("ascii") for p in new]
        )

    def stage(self, label: str, maps: Mapping[str, np.ndarray], original: np.ndarray) -> dict:
        """One stage: ``maps[mode]`` stacks the shifted maps, shape ``(S, *original.shape)``."""
        entry = {
            "label": label,
            "shape": list(original.shape),
            "original": self.map_ids(original[None])[0],
            "shifted": {},
            "changed": {},
        }
        for mode, stack in maps.items():
            entry["shifted"][mode] = self.map_ids(stack)
            entry["changed"][mode] = self.mask_ids(changed_mask(original, stack))
        return entry


def _run_stacked(pipelines, stacked):
    """Each pipeline's stages on the whole stack, or its error (as ``compare`` reports it)."""
    out = {}
    for name, pipeline in pipelines.items():
        try:
            out[name] = run_pipeline(pipeline, stacked)
        except PoolvizError as error:
            out[name] = str(error)
    return out


def _stacked_runs(results, pipelines, rows: slice):
    """Stacked PipelineRun objects for one mode's block of shifts: ``original`` is stack
    row 0, ``shifted[i]`` stage ``i``'s maps at ``rows`` (views, not copies)."""
    from poolviz.lessons.comparison import PipelineRun  # noqa: PLC0415 — see below

    # render sits above lessons, so this import is allowed; it is local only because the
    # payload without sentences needs no lessons at all.
    runs = {}
    for name, stages in results.items():
        pipeline = pipelines[name]
        if isinstance(stages, str):
            labels = tuple(layer.label for layer in pipeline)
            runs[name] = PipelineRun(name, labels, (), (), stages, (None, *pipeline))
            continue
        runs[name] = PipelineRun(
            name,
            tuple(s.label for s in stages),
            tuple(s.maps[0] for s in stages),
            tuple(s.maps[rows] for s in stages),
            layers=tuple(s.layer for s in stages),
        )
    return runs


def explorer_data(
    x: np.ndarray,
    pipelines: Mapping[str, tuple[Layer, ...]],
    mode: str | Sequence[str] = SHIFT_MODES,
    radius: int = 4,
    sentences: Sentences | None = None,
    show_values: bool = True,
    center: tuple[int, int] = (0, 0),
) -> dict:
    """All shifts of ``x`` in ``[-radius, radius]²`` through every pipeline, JSON-ready.

    Parameters
    ----------
    x : array_like, shape (H, W), 4 <= H, W <= 64
        The pattern.
    pipelines : mapping of name -> tuple of layers
        As :func:`poolviz.lessons.comparison.standard_pipelines` returns them.
    mode : {"zero", "wrap"} or a sequence of them, default both
        The edge modes to compute; the component switches between them with no round trip.
    radius : int, 0 <= radius <= MAX_RADIUS
        Shifts ``dx`` and ``dy`` each cover ``-radius .. radius``.
    sentences : callable, optional
        ``sentences(runs, shifts, mode) -> list[list[str]]``, called once per mode (what
        :func:`~poolviz.lessons.sentences.explain_shifts` is): ``runs`` maps each pipeline
        name to a :class:`~poolviz.lessons.comparison.PipelineRun` whose ``shifted[i]``
        stacks stage ``i``'s maps for every shift, shape ``(S, *original[i].shape)``;
        ``shifts`` is the ``(S, 2)`` array of ``(dy, dx)`` (``data["shifts"]``). It returns
        each shift's sentences in that order. ``None``: no sentences.
    show_values : bool
        Whether the component prints the numbers in the cells.
    center : (dx, dy), each -MAX_RADIUS..MAX_RADIUS
        The shifts cover ``center ± radius`` instead: a window around one shift (the
        page's first answer to a paint, ``ui/explorer.py``).

    Returns
    -------
    dict
        Keys :data:`PAYLOAD_KEYS`. Every per-shift list has ``(2 radius + 1)²`` entries in
        the order of ``shifts``. A pipeline that cannot run on ``x`` has ``error`` set and
        no stages.

    Raises
    ------
    ValueError
        (:class:`~poolviz.core.checks.PoolvizError`) naming the bad argument, its value and
        the allowed range.

    Notes
    -----
    One stack of ``1 + M S`` inputs (the original, then every shift for each of the ``M``
    modes) goes through each pipeline once: cost and memory grow with ``M S`` times the
    cells of all stages. Use :func:`fit_explorer_data` to pick the radius that stays within
    :data:`MAX_PAYLOAD_BYTES`.

    Examples
    --------
    >>> from poolviz.core.patterns import make_preset
    >>> from poolviz.lessons.comparison import standard_pipelines
    >>> data = explorer_data(make_preset("book", 4, 4), standard_pipelines(((1.0,),)),
    ...                      ("zero", "wrap"), radius=2)
    >>> data["range"], len(data["input"]["shifted"]["wrap"])
    ({'lo': 0, 'hi': 2, 'diverging': False}, 25)
    >>> explorer_data(make_preset("book"), {}, "edge", 1)
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `mode` must be one of zero, wrap or a sequence of distinct ones; got 'edge'
    >>> explorer_data(make_preset("book"), {}, "zero", 9)
    Traceback (most recent call last):
    ...
    poolviz.core.checks.PoolvizError: `radius` must be from 0 to 8; got 9
    >>> explorer_data(make_preset("book"), {}, "zero", 1, center=(5, 0))["shifts"][:2]
    [[-1, 4], [-1, 5]]
    """
    return _explorer_data(x, pipelines, mode, radius, sentences, show_values, center)


def _explorer_data(x, pipelines, mode, radius, sentences, show_values, center=(0, 0)) -> dict:
    """:func:`explorer_data` (its checks and its work)."""
    # -- checks
    x, modes, radius = _check_args(x, mode, radius)
    center = _check_center(center)
    if sentences is not None and not callable(sentences):
        raise PoolvizError(f"`sentences` must be a callable or None; got {sentences!r}")

    # -- one stack: the original, then every shift of every mode; one run per pipeline
    shifts = _grid_shifts(radius, center)
    n = len(shifts)
    stacked = np.concatenate([x[None]] + [shift_stack(x, shifts, m) for m in modes], axis=0)
    results = _run_stacked(pipelines, stacked)

    def blocks(maps: np.ndarray) -> dict[str, np.ndarray]:
        return {m: maps[1 + i * n : 1 + (i + 1) * n] for i, m in enumerate(modes)}

    # -- encode: banks of distinct maps, masks and sentences
    enc = _Encoder()
    out_pipelines = []
    lo = hi = 0.0
    lo, hi = min(lo, float(stacked.min())), max(hi, float(stacked.max()))
    for name, stages in results.items():
        if isinstance(stages, str):
            out_pipelines.append({"name": name, "error": stages, "stages": []})
            continue
        entry = {"name": name, "error": None, "stages": []}
        for stage in stages[1:]:  # the input is shared: shipped once as "input"
            lo = min(lo, float(np.min(stage.maps)))
            hi = max(hi, float(np.max(stage.maps)))
            entry["stages"].append(enc.stage(stage.label, blocks(stage.maps), stage.maps[0]))
        out_pipelines.append(entry)
    input_stage = enc.stage("input", blocks(stacked), x)

    texts = _Bank()
    said = None
    if sentences is not None:
        said = {}
        for i, m in enumerate(modes):
            # One call per mode on the whole block: the sentences are measured vectorized.
            runs = _stacked_runs(results, pipelines, slice(1 + i * n, 1 + (i + 1) * n))
            per_shift = sentences(runs, shifts, m)
            if len(per_shift) != n:
                raise PoolvizError(
                    f"`sentences` must return one list per shift ({n}); got {len(per_shift)}"
                )
            said[m] = [texts.add_many(lines, lambda new, t=lines: [str(t[p]) for p in new])
                      for lines in per_shift]

    lo, hi = _nice(lo), _nice(hi)
    data = {
        "version": PAYLOAD_VERSION,
        "height": int(x.shape[0]),
        "width": int(x.shape[1]),
        "radius": radius,
        "center": {"dx": center[0], "dy": center[1]},
        "modes": list(modes),
        "shifts": shifts.tolist(),
        "range": {"lo": lo, "hi": hi, "diverging": lo < 0},
        "show_values": bool(show_values),
        "maps": _map_blocks(enc.maps.items),
        "masks": enc.masks.items,
        "input": input_stage,
        "pipelines": out_pipelines,
        "texts": texts.items,
        "sentences": said,
    }
    return data


def _nice(v: float) -> int | float:
    v = round(v, DECIMALS) + 0.0
    return int(v) if v.is_integer() else v


def payload_json(data: dict) -> str:
    """The compact JSON the component receives (no spaces; ``<`` escaped so the text is
    inert even inside an HTML script element).

    >>> payload_json({"a": [1, 2], "b": "</script>"})
    '{"a":[1,2],"b":"\\\\u003c/script>"}'
    """
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


def payload_bytes(data: dict) -> int:
    """Bytes of :func:`payload_json` as UTF-8: what one view ships."""
    return len(payload_json(data).encode("utf-8"))


def fit_explorer_data(
    x: np.ndarray,
    pipelines: Mapping[str, tuple[Layer, ...]],
    mode: str | Sequence[str] = SHIFT_MODES,
    wanted: int = MAX_RADIUS,
    sentences: Sentences | None = None,
    show_values: bool = True,
    max_bytes: int = MAX_PAYLOAD_BYTES,
    center: tuple[int, int] = (0, 0),
) -> dict:
    """:func:`explorer_data` at the largest radius <= ``wanted`` that ships <= ``max_bytes``.

    :func:`fit_explorer_payload` also returns its JSON text, encoded once.

    The size depends on how many maps are distinct, which only running tells, so a probe
    at radius 2 gives bytes per shift; the guess from it is checked by measuring and
    lowered until it fits (usually two runs in all). Radius 0 is returned even if larger.

    >>> from poolviz.core.patterns import make_preset
    >>> from poolviz.lessons.comparison import standard_pipelines
    >>> x = make_preset("random", 32, 32, seed=0)
    >>> data = fit_explorer_data(x, standard_pipelines(((1.0,),)))
    >>> payload_bytes(data) <= MAX_PAYLOAD_BYTES, data["radius"] >= 3
    (True, True)
    """
    return fit_explorer_payload(
        x, pipelines, mode, wanted, sentences, show_values, max_bytes, center
    )[0]


def fit_explorer_payload(
    x: np.ndarray,
    pipelines: Mapping[str, tuple[Layer, ...]],
    mode: str | Sequence[str] = SHIFT_MODES,
    wanted: int = MAX_RADIUS,
    sentences: Sentences | None = None,
    show_values: bool = True,
    max_bytes: int = MAX_PAYLOAD_BYTES,
    center: tuple[int, int] = (0, 0),
) -> tuple[dict, str]:
    """:func:`fit_explorer_data` and its :func:`payload_json` text: the fit measures each
    candidate by encoding it, so the one it keeps is not encoded again.

    >>> from poolviz.core.patterns import make_preset
    >>> from poolviz.lessons.comparison import standard_pipelines
    >>> data, text = fit_explorer_payload(make_preset("book"), standard_pipelines(((1.0,),)), wanted=1)
    >>> text == payload_json(data), data["radius"]
    (True, 1)
    """
    x, modes, wanted = _check_args(x, mode, wanted)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise PoolvizError(f"`max_bytes` must be a positive integer; got {max_bytes!r}")

    def build(r: int, said: Sentences | None = sentences) -> tuple[tuple[dict, str], int]:
        data = _explorer_data(x, pipelines, modes, r, said, show_values, center)
        text = payload_json(data)
        return (data, text), len(text.encode("utf-8"))

    # Bytes per shift grow with the radius (far shifts make more maps distinct), so the
    # guess from a probe at radius 2 gets a 25 % margin, then is checked by measuring. The
    # probe skips the sentences (a few % of the bytes). Up to radius 2 there is no guess to
    # make: it is built and measured.
    probe_radius = 2
    radius = wanted
    if wanted > probe_radius:
        _, probe_bytes = build(probe_radius, None)
        per_shift = probe_bytes / (2 * probe_radius + 1) ** 2 * GROWTH_MARGIN
        while radius > probe_radius and per_shift * (2 * radius + 1) ** 2 > max_bytes:
            radius -= 1
        while radius > probe_radius:
            built, size = build(radius)
            if size <= max_bytes:
                return built
            radius -= 1
    probe, size = build(radius)
    while radius > 0 and size > max_bytes:
        radius -= 1
        probe, size = build(radius)
    return probe


def offline_html(
    data: dict,
    js: str,
    css: str,
    title: str = "poolviz",
    shift: tuple[int, int, str] | None = None,
) -> str:
    """A self-contained page that runs the component with no server (an offline export).

    The module text ``js`` (``render/assets/explorer.js``) is inlined as a module script
    and its default export is called with a shim ``{data, parentElement, setStateValue,
    setTriggerValue}`` whose setters do nothing; ``data["editable"]`` is false, so the
    input grid is read-only (painting would need the server to recompute the maps). The
    payload goes in as a JSON script element (``<`` escaped), never as HTML. ``shift``
    ``(dx, dy, mode)`` is where the page opens (clamped to the payload's radius, as the
    page's component does; a mode the payload lacks opens its first one); None opens at
    no shift.

    >>> page = offline_html({"a": "</script>"}, "export default function mount(c) {}", "")
    >>> "</script><" in page.split("application/json")[1].split("</script>")[0]
    False
    """
    start = None
    if shift is not None:
        dx, dy, mode = shift
        r = int(data.get("radius", 0))
        start = {
            "dx": max(-r, min(r, int(dx))),
            "dy": max(-r, min(r, int(dy))),
            "mode": mode if mode in data.get("modes", ()) else (data.get("modes") or ["zero"])[0],
            "rev": 0,
        }
    config = {"payload": payload_json(data), "editable": False, "ack": 0, "shift": start}
    text = json.dumps(config, separators=(",", ":")).replace("<", "\\u003c")
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    boot = (
        "\nconst __cfg = JSON.parse(document.getElementById('poolviz-explorer-data')"
        ".textContent);\n"
        "mount({data: __cfg, parentElement: document.getElementById('poolviz-explorer'),"
        " setStateValue() {}, setTriggerValue() {}});\n"
    )
    if "function mount(" not in js:
        raise PoolvizError("`js` must define `export default function mount(component)`")
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{safe_title}</title><style>{css}</style></head><body>"
        "<div id='poolviz-explorer'></div>"
        f"<script type='application/json' id='poolviz-explorer-data'>{text}</script>"
        f"<script type='module'>{js}{boot}</script></body></html>\n"
    )
