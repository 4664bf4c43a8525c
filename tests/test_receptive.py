"""poolviz.core.receptive against loop references and perturbation brute force.

Two independent checks of the structural receptive fields:

* formula: windows enumerated by direct loops over kernel offsets (reflection and
  wrapping written out by hand), composed as Python sets;
* perturbation: perturb each cell of an earlier stage by a large amount of either sign
  and see whether the output cell changes. Every cell that ever changes it must be in
  the mask (strict), and over several random inputs and random nonzero weights the
  union of those cells is the whole mask.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import aps_choice
from poolviz.core.pipeline import Conv, GlobalPool, Pool, ReLU, run_pipeline, with_pooling
from poolviz.core.receptive import (
    Step,
    Window,
    cell_arithmetic,
    downstream_masks,
    input_window,
    mask_bbox,
    output_shape,
    upstream_masks,
    window_steps,
)
from poolviz.core.text import format_value

# ---------------------------------------------------------------- random pipelines


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _random_weights(rng, kh, kw, integer=False):
    if integer:
        w = rng.integers(1, 4, size=(kh, kw)) * rng.choice([-1, 1], size=(kh, kw))
    else:
        w = rng.uniform(0.5, 1.5, size=(kh, kw)) * rng.choice([-1.0, 1.0], size=(kh, kw))
    return tuple(tuple(float(v) for v in row) for row in w)


def _random_layer(rng, shape, kinds, integer=False):
    h, w = shape
    kind = rng.choice(kinds)
    if kind == "conv":
        kh, kw = rng.integers(1, 6, size=2)
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(v) for v in rng.integers(0, 3, size=2))
        return Conv(_random_weights(rng, int(kh), int(kw), integer), s, p)
    if kind == "relu":
        return ReLU()
    if kind in ("max", "avg"):
        k = tuple(int(v) for v in rng.integers(1, 4, size=2))
        s = tuple(int(v) for v in rng.integers(1, 4, size=2))
        p = tuple(int(rng.integers(0, k[i] // 2 + 1)) for i in range(2))
        return Pool(str(kind), k, s, p)
    if kind == "blur":
        return Pool("blur", 2, tuple(int(v) for v in rng.integers(1, 3, size=2)))
    if kind == "aps":
        s = int(rng.choice([d for d in (1, 2, 3) if h % d == 0 and w % d == 0]))
        k = int(rng.integers(1, min(3, h, w) + 1))
        return Pool("aps", k, s)
    return GlobalPool(str(rng.choice(["max", "avg"])))


def _fits(layer, shape):
    try:
        out = output_shape(layer, shape)
    except PoolvizError:
        return False
    if isinstance(layer, Pool) and layer.kind == "blur":
        return min(shape) >= 3
    return out == () or min(out) >= 1


def random_pipeline(rng, shape, kinds=("conv", "relu", "max", "avg"), n_layers=(2, 4), **kw):
    layers = []
    n = int(rng.integers(n_layers[0], n_layers[1] + 1))
    while len(layers) < n:
        for _ in range(50):
            layer = _random_layer(rng, shape, kinds, **kw)
            if _fits(layer, shape):
                break
        else:
            break
        layers.append(layer)
        shape = output_shape(layer, shape)
    if rng.random() < 0.3:
        layers.append(GlobalPool(str(rng.choice(["max", "avg"]))))
    return tuple(layers)


def reweighted(pipeline, rng):
    """The same geometry with fresh random nonzero weights."""
    out = []
    for layer in pipeline:
        if isinstance(layer, Conv):
            kh, kw = layer.size
            layer = Conv(_random_weights(rng, kh, kw), layer.stride, layer.padding, layer.bias)
        out.append(layer)
    return tuple(out)


# ---------------------------------------------------------------- formula reference


def _reflect(u, last):
    if u < 0:
        return -u
    if u > last:
        return 2 * last - u
    return u


def ref_window(layer, xin, i, j):
    """Input cells read by output (i, j), by direct loops over the offsets."""
    h, w = xin.shape
    cells = set()
    if isinstance(layer, ReLU):
        return {(i, j)}
    if isinstance(layer, GlobalPool):
        return {(r, c) for r in range(h) for c in range(w)}
    if isinstance(layer, Pool) and layer.kind == "blur":
        sh, sw = _pair(layer.stride)
        for a in range(layer.taps):  # the left/top reflect pad is 1 for 3 and 4 taps
            for b in range(layer.taps):
                u = _reflect(i * sh + a - 1, h - 2)
                v = _reflect(j * sw + b - 1, w - 2)
                for da in range(2):
                    for db in range(2):
                        cells.add((u + da, v + db))
        return cells
    if isinstance(layer, Pool) and layer.kind == "aps":
        (kh, kw), (sh, sw) = _pair(layer.size), _pair(layer.stride)
        index = int(aps_choice(xin, layer.size, layer.stride)[0])
        p, q = divmod(index, sw)
        for a in range(kh):
            for b in range(kw):
                cells.add(((i * sh + p + a) % h, (j * sw + q + b) % w))
        return cells
    if isinstance(layer, Conv):
        (kh, kw), (sh, sw), (ph, pw) = layer.size, _pair(layer.stride), _pair(layer.padding)
    else:
        (kh, kw), (sh, sw), (ph, pw) = _pair(layer.size), _pair(layer.stride), _pair(layer.padding)
    for a in range(kh):
        for b in range(kw):
            r, c = i * sh + a - ph, j * sw + b - pw
            if 0 <= r < h and 0 <= c < w:
                cells.add((r, c))
    return cells


def ref_upstream(stages, stage, row, col):
    cells = {(row, col)} if stages[stage].maps.ndim else {(0, 0)}
    out = [cells]
    for k in range(stage, 0, -1):
        xin = stages[k - 1].maps
        cells = set().union(*(ref_window(stages[k].layer, xin, i, j) for i, j in cells))
        out.append(cells)
    return out[::-1]


def _as_set(mask):
    mask = np.asarray(mask)
    if mask.ndim == 0:
        return {(0, 0)} if mask else set()
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)}


def _cells(shape):
    return [(0, 0)] if shape == () else [(r, c) for r in range(shape[0]) for c in range(shape[1])]


# ---------------------------------------------------------------- perturbation brute force


def influencing(pipeline, x, src, dst, cell, delta=1e4):
    """Cells of stage ``src`` whose perturbation by +-delta changes ``cell`` of stage ``dst``."""
    stages = run_pipeline(pipeline, x)
    base = stages[src].maps
    h, w = base.shape
    n = h * w
    batch = np.repeat(base[None], 2 * n, axis=0)
    idx = np.arange(n)
    batch[idx, idx // w, idx % w] += delta
    batch[n + idx, idx // w, idx % w] -= delta
    t = batch
    for layer in pipeline[src:dst]:
        t = layer(t)
    ref = stages[dst].maps
    if ref.ndim:
        t, ref = t[:, cell[0], cell[1]], ref[cell]
    changed = np.abs(t - ref) > 1e-9 * max(1.0, abs(float(ref)))
    hit = changed[:n] | changed[n:]
    return {(int(i) // w, int(i) % w) for i in np.flatnonzero(hit)}


# ---------------------------------------------------------------- tests: windows


def test_window_fields_conv_padded():
    w = input_window(Conv(((1.0,) * 3,) * 3, stride=2, padding=1), (5, 7), 2, 3)
    assert isinstance(w, Window)
    assert w.padded_rows == (4, 7) and w.padded_cols == (6, 9)
    assert w.rows == (3, 5) and w.cols == (5, 7)
    assert w.pad == (1, 1) and w.outside == 9 - 2 * 2
    assert w.bbox() == (3, 5, 5, 7)
    assert w.mask.sum() == 4


def test_window_entirely_on_padding_is_empty():
    # padding 3 with a 1x1 kernel: the first output cell reads only padding
    w = input_window(Conv(((1.0,),), padding=3), (4, 4), 0, 0)
    assert w.rows == (0, 0) and w.mask.sum() == 0 and w.bbox() is None and w.outside == 1


def test_relu_and_global_windows():
    w = input_window(ReLU(), (4, 6), 2, 5)
    assert _as_set(w.mask) == {(2, 5)} and w.outside == 0
    g = input_window(GlobalPool("max"), (4, 6), 0, 0)
    assert g.mask.all() and g.rows == (0, 4) and g.cols == (0, 6)
    with pytest.raises(PoolvizError, match="`row`, `col` must be 0, 0"):
        input_window(GlobalPool("max"), (4, 6), 1, 0)


def test_blur_reflect_maps_back_inside():
    layer = Pool("blur", 2, 2)
    w = input_window(layer, (7, 7), 0, 0)
    assert _as_set(w.mask) == ref_window(layer, np.zeros((7, 7)), 0, 0)
    assert w.padded_rows == (0, 4) and w.rows == (0, 3) and w.outside == 16 - 9
    last = input_window(layer, (7, 7), 2, 2)  # m has 6 rows; its padded row 7 reflects to 4
    assert last.bbox() == (3, 7, 3, 7)


def test_aps_window_wraps_and_needs_input():
    x = np.zeros((6, 6))
    x[5, 5] = 1.0  # with size 1 the kept component is the one holding (5, 5): (1, 1)
    layer = Pool("aps", 2, 2)
    with pytest.raises(PoolvizError, match="`layer_input` is required"):
        input_window(layer, (6, 6), 0, 0)
    assert int(aps_choice(x, 2, 2)[0]) == 0  # size 2 spreads the dot: a tie, first kept
    w = input_window(Pool("aps", 2, 2), (6, 6), 2, 2, layer_input=x)
    assert _as_set(w.mask) == {(4, 4), (4, 5), (5, 4), (5, 5)}
    x2 = np.zeros((6, 6))
    x2[0, 0] = x2[1, 1] = 2.0
    x2[5, 5] = 1.0
    index = int(aps_choice(x2, 2, 2)[0])
    w = input_window(layer, (6, 6), 2, 2, layer_input=x2)
    assert _as_set(w.mask) == ref_window(layer, x2, 2, 2)
    if index == 3:  # component (1, 1): the window at (5, 5) wraps to row/col 0
        assert w.outside == 3 and (0, 0) in _as_set(w.mask)


@pytest.mark.parametrize("seed", range(40))
def test_input_window_matches_loops(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(4, 13, size=2))
    if seed % 4 == 3:
        shape = (6, 6) if seed % 8 == 3 else (12, 6)
    xin = rng.normal(size=shape)
    for _ in range(50):
        layer = _random_layer(rng, shape, ["conv", "max", "avg", "blur", "aps", "relu"])
        if _fits(layer, shape):
            break
    out = output_shape(layer, shape)
    steps = window_steps(layer, shape, layer_input=xin)
    assert [(s.row, s.col) for s in steps] == _cells(out)
    assert [s.index for s in steps] == list(range(len(steps)))
    for s in steps:
        assert isinstance(s, Step)
        assert _as_set(s.mask) == ref_window(layer, xin, s.row, s.col)
        w = input_window(layer, shape, s.row, s.col, layer_input=xin)
        assert (w.padded_rows, w.rows, w.outside, w.mask.tolist()) == (
            s.padded_rows,
            s.rows,
            s.outside,
            s.mask.tolist(),
        )
        if isinstance(layer, (Conv, Pool)) and getattr(layer, "kind", "max") in ("max", "avg"):
            # padded window, its clipped part and the padding count, from the definition
            (kh, kw) = layer.size if isinstance(layer, Conv) else _pair(layer.size)
            (sh, sw), (ph, pw) = _pair(layer.stride), _pair(layer.padding)
            assert s.padded_rows == (s.row * sh, s.row * sh + kh)
            assert s.padded_cols == (s.col * sw, s.col * sw + kw)
            assert s.pad == (ph, pw)
            inside = ref_window(layer, xin, s.row, s.col)
            assert s.outside == kh * kw - len(inside)
            if inside:
                assert s.bbox() == (s.rows[0], s.rows[1], s.cols[0], s.cols[1])


def test_window_steps_64x64_is_fast():
    import time

    t0 = time.perf_counter()
    steps = window_steps(Conv(((1.0,) * 3,) * 3, padding=1), (64, 64))
    assert len(steps) == 64 * 64
    assert time.perf_counter() - t0 < 2.0


def test_mask_bbox():
    assert mask_bbox(np.zeros((3, 3), dtype=bool)) is None
    with pytest.raises(PoolvizError, match="`mask` must be 2-D"):
        mask_bbox(np.zeros(3, dtype=bool))


# ---------------------------------------------------------------- tests: composition


@pytest.mark.parametrize("seed", range(30))
def test_upstream_matches_formula(seed):
    rng = np.random.default_rng(100 + seed)
    h, w = (int(v) for v in rng.integers(6, 17, size=2))
    if seed % 3 == 0:
        h, w = 12, 12  # divisible, so APS fits
    kinds = ["conv", "relu", "max", "avg"] + (["blur", "aps"] if seed % 2 else [])
    pipeline = random_pipeline(rng, (h, w), kinds)
    x = rng.normal(size=(h, w))
    stages = run_pipeline(pipeline, x)
    for stage in range(len(stages)):
        shape = stages[stage].maps.shape
        for cell in [_cells(shape)[i] for i in rng.permutation(len(_cells(shape)))[:3]]:
            masks = upstream_masks(pipeline, x, stage, *cell)
            assert len(masks) == stage + 1
            ref = ref_upstream(stages, stage, *cell)
            for k, (m, r) in enumerate(zip(masks, ref, strict=True)):
                assert m.shape == stages[k].maps.shape and m.dtype == bool
                assert _as_set(m) == r, (pipeline, stage, cell, k)


@pytest.mark.parametrize("seed", range(25))
def test_upstream_matches_perturbation(seed):
    rng = np.random.default_rng(200 + seed)
    h, w = (int(v) for v in rng.integers(6, 13, size=2))
    pipeline = random_pipeline(rng, (h, w))
    stages = run_pipeline(pipeline, np.zeros((h, w)))
    trials = []
    for _ in range(8):
        trials.append((reweighted(pipeline, rng), rng.normal(size=(h, w))))
    for dst in range(1, len(stages)):
        shape = stages[dst].maps.shape
        cell = _cells(shape)[int(rng.integers(len(_cells(shape))))]
        masks = upstream_masks(pipeline, trials[0][1], dst, *cell)
        for src in range(dst):
            union = set()
            for pipe, x in trials:
                hits = influencing(pipe, x, src, dst, cell)
                assert hits <= _as_set(masks[src]), (pipeline, src, dst, cell)
                union |= hits
            assert union == _as_set(masks[src]), (pipeline, src, dst, cell)


@pytest.mark.parametrize("seed", range(12))
def test_downstream_is_the_converse_of_upstream(seed):
    rng = np.random.default_rng(300 + seed)
    h = w = 8 if seed % 2 else 9
    kinds = ["conv", "relu", "max", "avg"] + (["blur"] if seed % 3 == 0 else [])
    if h == 8 and seed % 4 == 1:
        kinds.append("aps")
    pipeline = random_pipeline(rng, (h, w), kinds)
    x = rng.normal(size=(h, w))
    stages = run_pipeline(pipeline, x)
    for r, c in [(0, 0), (h - 1, w - 1), (int(rng.integers(h)), int(rng.integers(w)))]:
        down = downstream_masks(pipeline, x, r, c)
        assert len(down) == len(stages)
        assert _as_set(down[0]) == {(r, c)}
        for k in range(1, len(stages)):
            assert down[k].shape == stages[k].maps.shape
            for cell in _cells(stages[k].maps.shape):
                feeds = bool(upstream_masks(pipeline, x, k, *cell)[0][r, c])
                assert bool(down[k][cell if down[k].ndim else ()]) == feeds


def test_book_view_links():
    # with pooling, identity 1x1 conv on 8x8: next-layer cell (1, 0) reads pooled rows 2-3,
    # cols 0-1, i.e. input rows 4-7, cols 0-3
    pipeline = with_pooling(((1.0,),))
    masks = upstream_masks(pipeline, np.zeros((8, 8)), 3, 1, 0)
    assert [mask_bbox(m) for m in masks[:3]] == [(4, 8, 0, 4), (4, 8, 0, 4), (2, 4, 0, 2)]
    top = upstream_masks(pipeline, np.zeros((8, 8)), 4, 0, 0)
    assert all(m.all() for m in top[:-1]) and top[-1].shape == ()


def test_upstream_errors():
    pipeline = with_pooling(((1.0,),))
    x = np.zeros((8, 8))
    with pytest.raises(PoolvizError, match="`stage` must be between 0 and 4"):
        upstream_masks(pipeline, x, 5, 0, 0)
    with pytest.raises(PoolvizError, match=r"`row` must be between 0 and 3 \(stage 2 is 4×4\)"):
        upstream_masks(pipeline, x, 2, 4, 0)
    with pytest.raises(PoolvizError, match="single"):
        upstream_masks(pipeline, np.zeros((2, 8, 8)), 1, 0, 0)
    with pytest.raises(PoolvizError, match="`col` must be between 0 and 7"):
        downstream_masks(pipeline, x, 0, 8)


# ---------------------------------------------------------------- tests: arithmetic


def _shown(v):
    return format_value(v).replace("-", "\u2212")


def _evaluate(text):
    """Evaluate an un-abbreviated arithmetic string (left of the last " = ")."""
    expr = text.rsplit(" = ", 1)[0]
    if ": " in expr:
        expr = expr.split(": ", 1)[1]
    expr = expr.replace("·", "*").replace("\u2212∞", "float('-inf')").replace("\u2212", "-")
    return eval(expr, {"__builtins__": {"max": lambda *a: max(a), "float": float}})


@pytest.mark.parametrize("seed", range(30))
def test_cell_arithmetic_ends_in_the_stage_value(seed):
    rng = np.random.default_rng(400 + seed)
    h = w = 12 if seed % 2 else int(rng.integers(6, 11))
    kinds = ["conv", "relu", "max", "avg"] + (["blur", "aps"] if h == 12 else [])
    pipeline = random_pipeline(rng, (h, w), kinds, integer=True)
    x = rng.integers(-3, 4, size=(h, w)).astype(float)
    stages = run_pipeline(pipeline, x)
    for stage in range(len(stages)):
        cells = _cells(stages[stage].maps.shape)
        for cell in [cells[i] for i in rng.permutation(len(cells))[:4]]:
            text = cell_arithmetic(pipeline, x, stage, *cell)
            value = float(stages[stage].maps[cell if stages[stage].maps.ndim else ()])
            assert text.endswith(f" = {_shown(value)}")
            xin = stages[stage - 1].maps if stage else None
            if stage and "…" not in text and np.all(xin == np.round(xin)):
                assert _evaluate(text) == pytest.approx(value, rel=1e-12, abs=1e-12), text


def test_cell_arithmetic_formats():
    x = np.zeros((6, 6))
    x[0, 0], x[0, 1], x[1, 0] = 2.0, -2.0, 1.0
    conv = (Conv(((1.0, 0.5), (-1.0, 2.0)), padding=1, bias=-0.25),)
    # output (1, 1) reads x[0:2, 0:2]; output (0, 0) is mostly padding
    assert cell_arithmetic(conv, x, 1, 1, 1) == "2·1 + (−2)·0.5 + 1·(−1) + 0·2 + (−0.25) = −0.25"
    assert cell_arithmetic(conv, x, 1, 0, 0).startswith("0·1 + 0·0.5 + 0·(−1) + 2·2")
    pool = (Pool("max", 3, 2, 1),)
    assert cell_arithmetic(pool, x, 1, 0, 0) == "max(−∞, −∞, −∞, −∞, 2, −2, −∞, 1, 0) = 2"
    avg = (Pool("avg", 2, 2),)
    assert cell_arithmetic(avg, x, 1, 0, 0) == "(2 + (−2) + 1 + 0) / 4 = 0.25"
    assert cell_arithmetic((ReLU(),), x, 1, 0, 1) == "max(−2, 0) = 0"
    assert cell_arithmetic((GlobalPool("max"),), x, 1, 0, 0).endswith("… (24 more)) = 2")
    big = (Conv(tuple(tuple(1.0 for _ in range(5)) for _ in range(5))),)
    text = cell_arithmetic(big, x, 1, 0, 0)
    assert "… (13 more)" in text and text.endswith(" = 1") and text.count("·") == 12
    blur = cell_arithmetic((Pool("blur", 2, 2),), x, 1, 0, 0)
    # m = 2x2 maxima [[2, 0], [1, 0], ...]; reflect pads m's row/col -1 with row/col 1
    assert blur == (
        "blur of the 2×2 maxima: (0·1 + 1·2 + 0·1 + 0·2 + 2·4 + 0·2 + 0·1 + 1·2 + 0·1) / 16 = 0.75"
    )
    aps = cell_arithmetic((Pool("aps", 1, 2),), x, 1, 0, 0)
    # components (0, 0) and (0, 1) both hold one cell of magnitude 2: a tie
    assert (
        aps == "APS keeps component (0, 0) (tied for the largest L2 norm, first kept): max(2) = 2"
    )
    x[1, 1] = 3.0
    aps = cell_arithmetic((Pool("aps", 2, 2),), x, 1, 0, 0)
    assert re.fullmatch(
        r"APS keeps component \(1, 1\) \(largest L2 norm\): max\(3, 0, 0, 0\) = 3", aps
    )
    assert cell_arithmetic((ReLU(),), x, 0, 0, 1) == "input = −2"


def test_cell_arithmetic_rounds_only_the_display():
    x = np.full((4, 4), 1.0 / 3.0)
    text = cell_arithmetic((Pool("avg", 2, 2),), x, 1, 1, 1)
    assert text == "(0.33 + 0.33 + 0.33 + 0.33) / 4 = 0.33"


@pytest.mark.parametrize("shape", [(4, 4), (5, 9), (7, 7), (12, 6)])
@pytest.mark.parametrize("stride", [1, 2, (1, 3), 3])
def test_blur_4_taps_windows_match_loops(shape, stride):
    layer = Pool("blur", 2, stride, taps=4)
    xin = np.random.default_rng(0).normal(size=shape)
    steps = window_steps(layer, shape)
    assert [(s.row, s.col) for s in steps] == _cells(output_shape(layer, shape))
    assert output_shape(layer, shape) == output_shape(Pool("blur", 2, stride), shape)
    for s in steps:
        assert _as_set(s.mask) == ref_window(layer, xin, s.row, s.col)
        assert s.padded_rows[1] - s.padded_rows[0] == 5  # 4 m rows, each 2 wide
        assert s.pad == (1, 1)


def test_blur_4_taps_arithmetic_and_size_check():
    x = np.arange(36.0).reshape(6, 6)
    text = cell_arithmetic((Pool("blur", 2, 2, taps=4),), x, 1, 1, 1)
    assert "/ 64" in text and "·9" in text and text.count("·") == 16
    terms, value = text.split(": ", 1)[1].rsplit(" = ", 1)
    assert eval(terms.replace("·", "*")) == float(value) == 24.5  # 16 terms, all shown
    with pytest.raises(PoolvizError, match="at least 4x4 for blur pooling"):
        output_shape(Pool("blur", 2, 2, taps=4), (3, 8))
    assert output_shape(Pool("blur", 2, 2), (3, 8)) == (1, 4)
