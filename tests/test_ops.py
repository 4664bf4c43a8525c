"""poolviz.core.ops against direct loop references, hand-checked cases and every argument guard.

PyTorch is not installed, so the references below are written from the definitions
(one Python loop per output cell); the hand-checked values are what torch gives.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import (
    aps_choice,
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
    relu,
    shift,
    shift_stack,
)

LEADS = [(), (3,), (2, 3)]

# ---------------------------------------------------------------- loop references


def _pairs(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _padded(x2, ph, pw, fill):
    h, w = x2.shape
    out = np.full((h + 2 * ph, w + 2 * pw), fill, dtype=float)
    for i in range(h):
        for j in range(w):
            out[i + ph, j + pw] = x2[i, j]
    return out


def _per_map(fn, x, *args):
    """Apply a 2-D reference to every map of (..., H, W)."""
    x = np.asarray(x, dtype=float)
    lead = x.shape[:-2]
    maps = [np.asarray(fn(x[idx], *args)) for idx in np.ndindex(lead)]
    return np.stack(maps).reshape(lead + maps[0].shape)


def ref_conv2d(x, kernel, stride=1, padding=0, bias=0.0):
    def one(x2, k, s, p, b):
        kh, kw = k.shape
        xp = _padded(x2, p[0], p[1], 0.0)
        oh = (xp.shape[0] - kh) // s[0] + 1
        ow = (xp.shape[1] - kw) // s[1] + 1
        out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                total = b
                for a in range(kh):
                    for c in range(kw):
                        total += k[a, c] * xp[i * s[0] + a, j * s[1] + c]
                out[i, j] = total
        return out

    k = np.asarray(kernel, dtype=float)
    return _per_map(one, x, k, _pairs(stride), _pairs(padding), bias)


def ref_pool2d(x, size, stride, padding, kind):
    def one(x2, k, s, p):
        xp = _padded(x2, p[0], p[1], -np.inf if kind == "max" else 0.0)
        oh = (xp.shape[0] - k[0]) // s[0] + 1
        ow = (xp.shape[1] - k[1]) // s[1] + 1
        out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                cells = [xp[i * s[0] + a, j * s[1] + c] for a in range(k[0]) for c in range(k[1])]
                out[i, j] = max(cells) if kind == "max" else sum(cells) / len(cells)
        return out

    k = _pairs(size)
    s = k if stride is None else _pairs(stride)
    return _per_map(one, x, k, s, _pairs(padding))


def ref_shift(x, dy, dx, mode):
    def one(x2):
        h, w = x2.shape
        out = np.zeros((h, w))
        for i in range(h):
            for j in range(w):
                si, sj = i - dy, j - dx
                if mode == "wrap":
                    out[i, j] = x2[si % h, sj % w]
                elif 0 <= si < h and 0 <= sj < w:
                    out[i, j] = x2[si, sj]
        return out

    return _per_map(one, x)


def _reflect(i, n):
    return -i if i < 0 else (2 * n - 2 - i if i >= n else i)


def ref_blur_pool2d(x, stride=2):
    def one(x2, s):
        h, w = x2.shape
        m = np.zeros((h - 1, w - 1))
        for i in range(h - 1):
            for j in range(w - 1):
                m[i, j] = max(x2[i, j], x2[i + 1, j], x2[i, j + 1], x2[i + 1, j + 1])
        taps = (1.0, 2.0, 1.0)
        oh = (h - 1 + 2 - 3) // s[0] + 1
        ow = (w - 1 + 2 - 3) // s[1] + 1
        out = np.zeros((oh, ow))
        for i in range(oh):
            for j in range(ow):
                total = 0.0
                for a in range(3):
                    for c in range(3):
                        r = _reflect(i * s[0] + a - 1, h - 1)
                        q = _reflect(j * s[1] + c - 1, w - 1)
                        total += taps[a] * taps[c] * m[r, q]
                out[i, j] = total / 16.0
        return out

    return _per_map(one, x, _pairs(stride))


def ref_aps_2d(x2, size=2, stride=2):
    """(output, index, tie) for one map, from the definition."""
    k, s = _pairs(size), _pairs(stride)
    h, w = x2.shape
    y = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            y[i, j] = max(x2[(i + a) % h, (j + b) % w] for a in range(k[0]) for b in range(k[1]))
    comps = [y[p :: s[0], q :: s[1]] for p in range(s[0]) for q in range(s[1])]
    norms = [sum(float(v) ** 2 for v in c.ravel()) for c in comps]
    best = max(norms)
    close = [n >= best * (1 - 1e-12) for n in norms]
    index = close.index(True)
    return comps[index], index, sum(close) > 1


def ref_aps_pool2d(x, size=2, stride=2):
    return _per_map(lambda x2: ref_aps_2d(x2, size, stride)[0], x)


# ---------------------------------------------------------------- randomized vs references


def _random_case(rng, lead):
    h, w = rng.integers(1, 9, size=2)
    return rng.standard_normal(lead + (int(h), int(w)))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("lead", LEADS)
def test_conv2d_matches_loop_reference(seed, lead):
    rng = np.random.default_rng(seed)
    x = _random_case(rng, lead)
    h, w = x.shape[-2:]
    p = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
    k = rng.standard_normal(
        (
            int(rng.integers(1, min(h + 2 * p[0], 5) + 1)),
            int(rng.integers(1, min(w + 2 * p[1], 5) + 1)),
        )
    )
    k[rng.random(k.shape) < 0.2] = 0.0  # zero weights take the skip path
    k[rng.random(k.shape) < 0.2] = 1.0  # and +-1 the add/subtract paths
    k[rng.random(k.shape) < 0.1] = -1.0
    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    b = float(rng.standard_normal())
    got = conv2d(x, k, stride=s, padding=p, bias=b)
    np.testing.assert_allclose(got, ref_conv2d(x, k, s, p, b), rtol=1e-12, atol=1e-12)
    assert got.dtype == np.float64


def test_conv2d_blocks_match_reference_on_a_large_map():
    # Larger than one accumulation block, so the row blocking is exercised.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 300, 230))
    k = rng.standard_normal((3, 2))
    got = conv2d(x, k, stride=(2, 1), padding=1, bias=0.5)
    want = np.stack([ref_conv2d(x[0], k, (2, 1), 1, 0.5), ref_conv2d(x[1], k, (2, 1), 1, 0.5)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_conv2d_many_small_maps_match_per_map_calls():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((700, 9, 8))  # several blocks of whole maps
    k = rng.standard_normal((3, 3))
    got = conv2d(x, k, padding=1)
    assert np.array_equal(got[123], conv2d(x[123], k, padding=1))
    np.testing.assert_allclose(got[-1], ref_conv2d(x[-1], k, 1, 1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("lead", LEADS)
def test_pool2d_matches_loop_reference(kind, seed, lead):
    rng = np.random.default_rng(100 + seed)
    x = _random_case(rng, lead)
    h, w = x.shape[-2:]
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    p = (int(rng.integers(0, k[0] // 2 + 1)), int(rng.integers(0, k[1] // 2 + 1)))
    k = (min(k[0], h + 2 * p[0]), min(k[1], w + 2 * p[1]))
    p = (min(p[0], k[0] // 2), min(p[1], k[1] // 2))
    s = None if seed % 3 == 0 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    fn = max_pool2d if kind == "max" else avg_pool2d
    got = fn(x, k, s, p)
    np.testing.assert_allclose(got, ref_pool2d(x, k, s, p, kind), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("lead", LEADS)
def test_shift_matches_loop_reference(mode, lead):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(lead + (4, 5))
    for dy, dx in itertools.product(range(-6, 7), range(-6, 7)):
        assert np.array_equal(shift(x, dy, dx, mode), ref_shift(x, dy, dx, mode)), (dy, dx)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("lead", LEADS)
def test_shift_stack_equals_each_shift(mode, lead):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(lead + (5, 3))
    shifts = [(dy, dx) for dy in range(-7, 8) for dx in (-4, -1, 0, 2, 3, 9)]
    got = shift_stack(x, shifts, mode)
    assert got.shape == lead + (len(shifts), 5, 3)
    for k, (dy, dx) in enumerate(shifts):
        assert np.array_equal(got[..., k, :, :], ref_shift(x, dy, dx, mode)), (dy, dx)


def test_shift_stack_accepts_arrays_and_empty():
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(shift_stack(x, np.array([[1, 0]], dtype=np.int8))[0], shift(x, 1, 0))
    assert shift_stack(x, []).shape == (0, 2, 3)
    huge = shift_stack(x, [(10**12, 0), (0, -(10**12))])
    assert not huge.any()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("lead", LEADS)
def test_blur_pool2d_matches_loop_reference(seed, lead):
    rng = np.random.default_rng(200 + seed)
    x = rng.standard_normal(lead + (int(rng.integers(3, 10)), int(rng.integers(3, 10))))
    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    np.testing.assert_allclose(blur_pool2d(x, s), ref_blur_pool2d(x, s), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("lead", LEADS)
def test_aps_matches_loop_reference(seed, lead):
    rng = np.random.default_rng(300 + seed)
    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    x = rng.standard_normal(lead + (s[0] * int(rng.integers(1, 4)), s[1] * int(rng.integers(1, 4))))
    if seed % 2:
        x = (x > 0).astype(float)  # binary maps: plenty of ties
    k = (int(rng.integers(1, x.shape[-2] + 1)), int(rng.integers(1, x.shape[-1] + 1)))
    assert np.array_equal(aps_pool2d(x, k, s), ref_aps_pool2d(x, k, s))
    index, tie = aps_choice(x, k, s)
    assert index.shape == tie.shape == lead
    for idx in np.ndindex(lead):
        _, want_index, want_tie = ref_aps_2d(x[idx], k, s)
        assert (index[idx], tie[idx]) == (want_index, want_tie)


@pytest.mark.parametrize("lead", LEADS)
def test_global_pools_and_relu_match_numpy(lead):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(lead + (3, 4))
    assert global_max_pool(x).shape == lead
    assert np.array_equal(global_max_pool(x), _per_map(lambda m: m.max(), x).reshape(lead))
    np.testing.assert_allclose(global_avg_pool(x), _per_map(lambda m: m.mean(), x).reshape(lead))
    assert np.array_equal(relu(x), np.where(x > 0, x, 0.0))


# ---------------------------------------------------------------- hand-checked (torch values)


def test_max_pool2d_hand_checked():
    x = np.arange(16.0).reshape(4, 4)
    assert max_pool2d(x, 2).tolist() == [[5, 7], [13, 15]]
    # Padding is -inf: with zeros the top-right window would give 0, not -2.
    got = max_pool2d(-np.arange(1.0, 17.0).reshape(4, 4), 3, stride=2, padding=1)
    assert got.tolist() == [[-1, -2], [-5, -6]]
    assert max_pool2d(x, (1, 2), stride=(1, 2)).tolist() == [[1, 3], [5, 7], [9, 11], [13, 15]]
    assert max_pool2d(np.arange(15.0).reshape(3, 5), 2).tolist() == [[6, 8]]  # floor mode


def test_avg_pool2d_hand_checked():
    # count_include_pad=True: each window sees one 1 and three padded zeros.
    assert avg_pool2d(np.ones((2, 2)), 2, stride=2, padding=1).tolist() == [
        [0.25, 0.25],
        [0.25, 0.25],
    ]
    # 3x3 window, stride 1, padding 1 on a 3x3 of ones: corner 4/9, edge 6/9, centre 1.
    got = avg_pool2d(np.ones((3, 3)), 3, stride=1, padding=1)
    np.testing.assert_allclose(got, np.array([[4, 6, 4], [6, 9, 6], [4, 6, 4]]) / 9)
    assert avg_pool2d(np.arange(16.0).reshape(4, 4)).tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_conv2d_hand_checked():
    x = np.arange(9.0).reshape(3, 3)
    assert conv2d(x, np.ones((3, 3)), padding=1).tolist() == [
        [8, 15, 12],
        [21, 36, 27],
        [20, 33, 24],
    ]
    # Cross-correlation, not convolution: a flipped kernel would give +5.
    x4 = np.arange(16.0).reshape(4, 4)
    assert conv2d(x4, [[1.0, 0.0], [0.0, -1.0]]).tolist() == [[-5.0] * 3] * 3
    assert np.array_equal(conv2d(x4, [[0.0, 1.0]]), x4[:, 1:])
    x5 = np.arange(25.0).reshape(5, 5)
    assert conv2d(x5, np.ones((2, 2)), stride=2).tolist() == [[12, 20], [52, 60]]
    assert conv2d(x5, np.zeros((2, 2)), bias=1.5).tolist() == [[1.5] * 4] * 4
    assert conv2d(x5, [[2.0]], stride=(2, 3), bias=-1.0).tolist() == [
        [-1, 5],
        [19, 25],
        [39, 45],
    ]


def test_blur_pool2d_hand_checked():
    assert blur_pool2d(np.zeros((8, 8))).shape == (4, 4)
    assert blur_pool2d(np.zeros((2, 9, 8)), stride=(1, 3)).shape == (2, 8, 3)
    np.testing.assert_allclose(blur_pool2d(np.full((8, 8), 3.7)), np.full((4, 4), 3.7))
    # Reflect padding (not edge: that would give 0.75 in the first column).
    x = np.zeros((4, 4))
    x[:, 0] = 1.0
    assert blur_pool2d(x).tolist() == [[0.5, 0.0], [0.5, 0.0]]


def test_aps_pool2d_shapes_and_ties():
    x = np.zeros((4, 4))
    x[1, 0] = 1.0
    assert aps_pool2d(x, size=1).tolist() == [[1, 0], [0, 0]]
    assert [a.tolist() for a in aps_choice(x, size=1)] == [2, False]
    # The 2x2 circular max spreads the dot over all four phases: a tie, first one wins.
    assert [a.tolist() for a in aps_choice(x, size=2)] == [0, True]
    assert aps_pool2d(x, size=2).tolist() == [[1, 0], [0, 0]]
    assert aps_pool2d(np.zeros((3, 6, 9)), 2, (2, 3)).shape == (3, 3, 3)
    index, tie = aps_choice(np.zeros((3, 6, 9)), 2, (2, 3))
    assert index.dtype.kind == "i" and tie.dtype == bool
    assert index.tolist() == [0, 0, 0] and tie.all()  # all-zero maps tie everywhere
    index, tie = aps_choice(np.ones((4, 4)), 2, 1)
    assert (index.tolist(), tie.tolist()) == (0, False)  # one component: nothing to tie


def test_aps_circular_window_wraps_around():
    x = np.zeros((4, 4))
    x[0, 0] = 5.0
    x[3, 3] = 1.0
    # y[3, 3] = max(x[3,3], x[3,0], x[0,3], x[0,0]) = 5, in component (1, 1) with y[1,1]...
    y_ref = ref_aps_2d(x, 2, 2)
    assert np.array_equal(aps_pool2d(x), y_ref[0])
    assert aps_choice(x)[0] == y_ref[1]


# ---------------------------------------------------------------- contracts


def test_outputs_are_new_float64_arrays():
    x = np.arange(16.0).reshape(4, 4)
    for out in (
        max_pool2d(x, 1),
        avg_pool2d(x, 1),
        conv2d(x, [[1.0]]),
        relu(x),
        shift(x, 0, 0),
        shift(x, 0, 0, "wrap"),
        aps_pool2d(x, 1, 1),
    ):
        assert out.dtype == np.float64
        assert not np.shares_memory(out, x)
    ints = np.arange(16).reshape(4, 4)
    assert max_pool2d(ints).dtype == np.float64
    assert conv2d(ints.astype(bool), [[1]]).dtype == np.float64


def test_numpy_ints_are_accepted():
    x = np.arange(16.0).reshape(4, 4)
    assert np.array_equal(max_pool2d(x, np.int64(2), np.int32(2)), max_pool2d(x, 2))
    assert np.array_equal(
        conv2d(x, np.ones((2, 2)), (np.int8(2), 1)), conv2d(x, np.ones((2, 2)), (2, 1))
    )
    assert np.array_equal(shift(x, np.int64(1), np.uint8(2)), shift(x, 1, 2))
    assert np.array_equal(aps_pool2d(x, np.array([2, 2]), 2), aps_pool2d(x))


def test_empty_leading_axes_give_empty_results():
    z = np.zeros((0, 4, 4))
    assert conv2d(z, np.ones((2, 2))).shape == (0, 3, 3)
    assert max_pool2d(z).shape == avg_pool2d(z).shape == blur_pool2d(z).shape == (0, 2, 2)
    assert aps_pool2d(z).shape == (0, 2, 2)
    assert aps_choice(z)[0].shape == global_max_pool(z).shape == global_avg_pool(z).shape == (0,)
    assert shift_stack(z, [(1, 1)]).shape == shift_stack(z, [(1, 1)], "wrap").shape == (0, 1, 4, 4)


def test_global_pools_of_one_map_are_0d_arrays():
    out = global_max_pool(np.arange(4.0).reshape(2, 2))
    assert isinstance(out, np.ndarray) and out.shape == () and out == 3.0
    assert global_avg_pool(np.arange(4.0).reshape(2, 2)).shape == ()


def test_global_avg_pool_is_bit_exact_under_permutation():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((16, 16)) * 10.0 ** rng.integers(-8, 8, size=(16, 16))
    base = global_avg_pool(x)
    for dy, dx in [(1, 0), (3, 5), (7, 11)]:
        assert global_avg_pool(np.roll(x, (dy, dx), axis=(0, 1))) == base


# ---------------------------------------------------------------- guards (one per case)


def test_conv2d_rejects_stride_below_one():
    with pytest.raises(PoolvizError, match=r"`stride` must be at least 1; got 0"):
        conv2d(np.zeros((4, 4)), np.ones((2, 2)), stride=0)


def test_conv2d_rejects_negative_padding():
    with pytest.raises(PoolvizError, match=r"`padding` must be at least 0; got \(0, -1\)"):
        conv2d(np.zeros((4, 4)), np.ones((2, 2)), padding=(0, -1))


def test_conv2d_rejects_kernel_larger_than_padded_input():
    with pytest.raises(
        PoolvizError,
        match=r"`kernel` must be at most 6x6 \(input is 6x6 after padding\); got shape 7x3",
    ):
        conv2d(np.zeros((4, 4)), np.ones((7, 3)), padding=1)


def test_conv2d_rejects_kernel_not_2d():
    with pytest.raises(
        PoolvizError, match=r"`kernel` must be 2-D; got 3 dimension\(s\), shape \(1, 2, 2\)"
    ):
        conv2d(np.zeros((4, 4)), np.ones((1, 2, 2)))


def test_conv2d_rejects_empty_kernel():
    with pytest.raises(PoolvizError, match=r"`kernel` must not be empty; got shape \(0, 3\)"):
        conv2d(np.zeros((4, 4)), np.ones((0, 3)))


def test_conv2d_rejects_non_finite_kernel():
    with pytest.raises(PoolvizError, match=r"`kernel` weights must be finite; got 2 NaN/inf"):
        conv2d(np.zeros((4, 4)), [[np.nan, 1.0], [np.inf, 0.0]])


def test_conv2d_rejects_non_finite_input():
    x = np.zeros((2, 4, 4))
    x[1, 2, 3] = np.inf
    with pytest.raises(
        PoolvizError, match=r"`x` must be finite; got 1 NaN/inf value\(s\) in shape \(2, 4, 4\)"
    ):
        conv2d(x, np.ones((2, 2)))


def test_conv2d_rejects_non_finite_bias():
    with pytest.raises(PoolvizError, match=r"`bias` must be a finite number; got nan"):
        conv2d(np.zeros((4, 4)), np.ones((2, 2)), bias=float("nan"))


def test_conv2d_rejects_non_numeric_bias():
    with pytest.raises(PoolvizError, match=r"`bias` must be a finite number; got '1'"):
        conv2d(np.zeros((4, 4)), np.ones((2, 2)), bias="1")


def test_conv2d_rejects_1d_input():
    with pytest.raises(
        PoolvizError,
        match=r"`x` must have at least 2 dimensions \(\.\.\., H, W\); got shape \(5,\)",
    ):
        conv2d(np.zeros(5), np.ones((1, 1)))


def test_conv2d_rejects_float_stride():
    with pytest.raises(
        PoolvizError, match=r"`stride` must be an int or an \(h, w\) pair of ints; got 1.5"
    ):
        conv2d(np.zeros((4, 4)), np.ones((2, 2)), stride=1.5)


def test_conv2d_rejects_non_finite_input_even_when_sum_overflows():
    x = np.full((4, 4), 1e308)
    assert conv2d(x, [[1.0]]).max() == 1e308  # finite values whose sum overflows are fine
    x[0, 0] = -np.inf
    with pytest.raises(PoolvizError, match=r"`x` must be finite; got 1 NaN/inf"):
        conv2d(x, [[1.0]])


def test_max_pool2d_rejects_window_larger_than_input():
    with pytest.raises(
        PoolvizError, match=r"`size` must be between 1 and 4 \(input is 4x4 after padding\); got 5"
    ):
        max_pool2d(np.zeros((4, 4)), 5)


def test_max_pool2d_rejects_rectangular_window_larger_than_input():
    with pytest.raises(
        PoolvizError,
        match=r"`size` must be between 1x1 and 5x3 \(input is 5x3 after padding\); got \(2, 4\)",
    ):
        max_pool2d(np.zeros((5, 3)), (2, 4))


def test_max_pool2d_rejects_padding_over_half_window():
    with pytest.raises(
        PoolvizError,
        match=r"`padding` must be between 0 and 1 \(at most half the 2x2 window\); got 2",
    ):
        max_pool2d(np.zeros((4, 4)), 2, padding=2)


def test_max_pool2d_rejects_size_below_one():
    with pytest.raises(PoolvizError, match=r"`size` must be at least 1; got 0"):
        max_pool2d(np.zeros((4, 4)), 0)


def test_max_pool2d_rejects_stride_below_one():
    with pytest.raises(PoolvizError, match=r"`stride` must be at least 1; got \(1, 0\)"):
        max_pool2d(np.zeros((4, 4)), 2, stride=(1, 0))


def test_max_pool2d_rejects_float_size():
    with pytest.raises(
        PoolvizError, match=r"`size` must be an int or an \(h, w\) pair of ints; got 2.5"
    ):
        max_pool2d(np.zeros((4, 4)), 2.5)


def test_max_pool2d_rejects_bool_size():
    with pytest.raises(
        PoolvizError, match=r"`size` must be an int or an \(h, w\) pair of ints; got True"
    ):
        max_pool2d(np.zeros((4, 4)), True)


def test_max_pool2d_rejects_negative_padding():
    with pytest.raises(PoolvizError, match=r"`padding` must be at least 0; got -1"):
        max_pool2d(np.zeros((4, 4)), 2, padding=-1)


def test_max_pool2d_rejects_nan_input():
    with pytest.raises(PoolvizError, match=r"`x` must be finite; got 1 NaN/inf"):
        max_pool2d(np.array([[np.nan, 0.0], [0.0, 0.0]]))


def test_avg_pool2d_rejects_padding_over_half_window():
    with pytest.raises(
        PoolvizError,
        match=r"`padding` must be between 0x0 and 1x0 \(at most half the 3x1 window\); got 1",
    ):
        avg_pool2d(np.zeros((4, 4)), (3, 1), padding=1)


def test_avg_pool2d_rejects_window_larger_than_input():
    with pytest.raises(
        PoolvizError, match=r"`size` must be between 1 and 2 \(input is 2x2 after padding\); got 3"
    ):
        avg_pool2d(np.zeros((2, 2)), 3)


def test_avg_pool2d_rejects_stride_below_one():
    with pytest.raises(PoolvizError, match=r"`stride` must be at least 1; got -2"):
        avg_pool2d(np.zeros((4, 4)), 2, stride=-2)


def test_global_max_pool_rejects_1d_input():
    with pytest.raises(PoolvizError, match=r"`x` must have at least 2 dimensions"):
        global_max_pool([1.0, 2.0])


def test_global_avg_pool_rejects_empty_map():
    with pytest.raises(PoolvizError, match=r"`x` must have H, W >= 1; got shape \(0, 3\)"):
        global_avg_pool(np.zeros((0, 3)))


def test_relu_rejects_complex_input():
    with pytest.raises(PoolvizError, match=r"`x` must be real; got a complex array"):
        relu(np.zeros((2, 2), dtype=complex))


def test_relu_rejects_non_numeric_input():
    with pytest.raises(PoolvizError, match=r"`x` must be an array of numbers"):
        relu([["a", "b"]])


def test_shift_rejects_unknown_mode():
    with pytest.raises(PoolvizError, match=r"`mode` must be one of 'zero', 'wrap'; got 'reflect'"):
        shift(np.zeros((3, 3)), 1, 1, mode="reflect")


def test_shift_rejects_non_integer_shift():
    with pytest.raises(PoolvizError, match=r"`dx` must be an int; got 0.5"):
        shift(np.zeros((3, 3)), 1, 0.5)


def test_shift_rejects_bool_shift():
    with pytest.raises(PoolvizError, match=r"`dy` must be an int; got True"):
        shift(np.zeros((3, 3)), True, 0)


def test_shift_stack_rejects_non_integer_shifts():
    with pytest.raises(
        PoolvizError, match=r"`shifts` must be integer \(dy, dx\) pairs; got dtype float64"
    ):
        shift_stack(np.zeros((3, 3)), [(0, 1.5)])


def test_shift_stack_rejects_badly_shaped_shifts():
    with pytest.raises(
        PoolvizError, match=r"`shifts` must have shape \(S, 2\).*; got shape \(3,\)"
    ):
        shift_stack(np.zeros((3, 3)), [1, 2, 3])


def test_shift_stack_rejects_unknown_mode():
    with pytest.raises(PoolvizError, match=r"`mode` must be one of 'zero', 'wrap'; got 'circular'"):
        shift_stack(np.zeros((3, 3)), [(0, 1)], mode="circular")


def test_blur_pool2d_rejects_input_smaller_than_3x3():
    with pytest.raises(
        PoolvizError, match=r"`x` must be at least 3x3 for blur pooling.*; got shape \(2, 5\)"
    ):
        blur_pool2d(np.zeros((2, 5)))


def test_blur_pool2d_rejects_stride_below_one():
    with pytest.raises(PoolvizError, match=r"`stride` must be at least 1; got 0"):
        blur_pool2d(np.zeros((8, 8)), 0)


def test_aps_pool2d_rejects_sizes_not_multiple_of_stride():
    with pytest.raises(
        PoolvizError,
        match=r"`stride` must divide the input size 6x5 \(H and W must be multiples of it\); got 2",
    ):
        aps_pool2d(np.zeros((6, 5)), 2, 2)


def test_aps_pool2d_rejects_window_larger_than_input():
    with pytest.raises(
        PoolvizError,
        match=r"`size` must be between 1 and 4 \(input is 4x4, wrapped circularly\); got 5",
    ):
        aps_pool2d(np.zeros((4, 4)), 5, 2)


def test_aps_pool2d_rejects_stride_below_one():
    with pytest.raises(PoolvizError, match=r"`stride` must be at least 1; got 0"):
        aps_pool2d(np.zeros((4, 4)), 2, 0)


def test_aps_choice_rejects_sizes_not_multiple_of_stride():
    with pytest.raises(
        PoolvizError, match=r"`stride` must divide the input size 4x6.*; got \(4, 4\)"
    ):
        aps_choice(np.zeros((4, 6)), 2, (4, 4))


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        max_pool2d(np.zeros((4, 4)), 9)


# ---------------------------------------------------------------- blur taps


def test_blur_taps_argument():
    from poolviz.core.ops import BLUR_TAPS, blur_filter

    x = np.random.default_rng(0).random((2, 9, 7))
    np.testing.assert_array_equal(blur_pool2d(x), blur_pool2d(x, taps=3))  # default 3
    assert blur_pool2d(x, taps=4).shape == blur_pool2d(x).shape
    assert BLUR_TAPS == {3: (1, 2, 1), 4: (1, 3, 3, 1)}
    assert blur_filter(4).sum() == 1.0 and blur_filter(4)[0, 0] == 1 / 64
    for bad in (2, 5, 0, True, 3.0, "4", None):
        with pytest.raises(PoolvizError, match=r"`taps` must be one of 3, 4; got"):
            blur_pool2d(x, taps=bad)
    assert blur_pool2d(x, taps=np.int64(4)).shape == (2, 4, 3)


def test_blur_4_taps_by_hand():
    # m (the 2x2 max) of a single column of ones at column 0 is [1, 0, 0] per row;
    # reflect-padded (1, 2) it is [0, 1, 0, 0, 0, 1]; [1, 3, 3, 1] / 8 at stride 2 gives
    # 3/8 and 1/8 along the columns; along rows everything is 1
    x = np.zeros((4, 4))
    x[:, 0] = 1.0
    np.testing.assert_array_equal(blur_pool2d(x, taps=4), [[0.375, 0.125], [0.375, 0.125]])
    np.testing.assert_array_equal(blur_pool2d(np.ones((6, 5)), 1, taps=4), np.ones((5, 4)))
