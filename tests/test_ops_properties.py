"""Property-based checks of poolviz.core.ops (hypothesis): references, shift algebra, invariance."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from poolviz.core.ops import (
    aps_choice,
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
    shift,
    shift_stack,
)

try:  # the loop references live beside the example tests
    from test_ops import ref_aps_pool2d, ref_blur_pool2d, ref_conv2d, ref_pool2d
except ImportError:  # tests/ imported as a package
    from tests.test_ops import ref_aps_pool2d, ref_blur_pool2d, ref_conv2d, ref_pool2d

SETTINGS = settings(max_examples=50, deadline=None)

leads = st.sampled_from([(), (2,), (2, 2)])
values = st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=64)
pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@st.composite
def maps(draw, min_side=1, max_side=7, multiple=(1, 1)):
    """Float maps shaped lead + (H, W), H and W multiples of ``multiple``."""
    lead = draw(leads)
    h = multiple[0] * draw(
        st.integers(max(1, -(-min_side // multiple[0])), max_side // multiple[0])
    )
    w = multiple[1] * draw(
        st.integers(max(1, -(-min_side // multiple[1])), max_side // multiple[1])
    )
    return draw(arrays(np.float64, lead + (h, w), elements=values))


@st.composite
def generic_maps(draw, multiple=(1, 1)):
    """Maps from a seeded normal generator: values never tie by accident."""
    lead = draw(leads)
    h = multiple[0] * draw(st.integers(1, 8 // multiple[0]))
    w = multiple[1] * draw(st.integers(1, 8 // multiple[1]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(lead + (h, w))


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-9)


# ---------------------------------------------------------------- references


@SETTINGS
@given(x=maps(), data=st.data())
def test_conv2d_matches_reference(x, data):
    p = data.draw(st.tuples(st.integers(0, 2), st.integers(0, 2)))
    hp, wp = x.shape[-2] + 2 * p[0], x.shape[-1] + 2 * p[1]
    kshape = data.draw(st.tuples(st.integers(1, min(hp, 4)), st.integers(1, min(wp, 4))))
    k = data.draw(arrays(np.float64, kshape, elements=values))
    s = data.draw(pairs)
    b = data.draw(values)
    _close(conv2d(x, k, s, p, b), ref_conv2d(x, k, s, p, b))


@SETTINGS
@given(x=maps(), kind=st.sampled_from(["max", "avg"]), data=st.data())
def test_pools_match_reference(x, kind, data):
    k = data.draw(pairs)
    p = data.draw(st.tuples(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2)))
    assume(k[0] <= x.shape[-2] + 2 * p[0] and k[1] <= x.shape[-1] + 2 * p[1])
    s = data.draw(st.none() | pairs)
    fn = max_pool2d if kind == "max" else avg_pool2d
    _close(fn(x, k, s, p), ref_pool2d(x, k, s, p, kind))


@SETTINGS
@given(x=maps(min_side=3), s=pairs)
def test_blur_pool2d_matches_reference(x, s):
    _close(blur_pool2d(x, s), ref_blur_pool2d(x, s))


@SETTINGS
@given(data=st.data(), s=pairs)
def test_aps_pool2d_matches_reference(data, s):
    x = data.draw(maps(max_side=6, multiple=s))
    k = data.draw(st.tuples(st.integers(1, x.shape[-2]), st.integers(1, x.shape[-1])))
    assert np.array_equal(aps_pool2d(x, k, s), ref_aps_pool2d(x, k, s))


# ---------------------------------------------------------------- shift algebra

offsets = st.integers(-9, 9)


@SETTINGS
@given(x=maps(), dy=offsets, dx=offsets)
def test_wrap_shift_round_trips(x, dy, dx):
    assert np.array_equal(shift(shift(x, dy, dx, "wrap"), -dy, -dx, "wrap"), x)


@SETTINGS
@given(x=maps(), dy=offsets, dx=offsets)
def test_zero_shift_agrees_with_wrap_where_nothing_wrapped_in(x, dy, dx):
    h, w = x.shape[-2:]
    i = np.arange(h)[:, None] - dy
    j = np.arange(w)[None, :] - dx
    inside = np.broadcast_to((0 <= i) & (i < h) & (0 <= j) & (j < w), x.shape)
    zero, wrap = shift(x, dy, dx, "zero"), shift(x, dy, dx, "wrap")
    assert np.array_equal(zero[inside], wrap[inside])
    assert not zero[~inside].any()


@SETTINGS
@given(
    x=maps(),
    shifts=st.lists(st.tuples(offsets, offsets), max_size=6),
    mode=st.sampled_from(["zero", "wrap"]),
)
def test_shift_stack_equals_each_shift(x, shifts, mode):
    got = shift_stack(x, shifts, mode) if shifts else shift_stack(x, np.zeros((0, 2), int), mode)
    assert got.shape == x.shape[:-2] + (len(shifts),) + x.shape[-2:]
    for k, (dy, dx) in enumerate(shifts):
        assert np.array_equal(got[..., k, :, :], shift(x, dy, dx, mode))


# ---------------------------------------------------------------- constants


@SETTINGS
@given(c=values, shape=st.tuples(st.integers(3, 8), st.integers(3, 8)), k=pairs, s=pairs)
def test_pooling_a_constant_gives_the_constant(c, shape, k, s):
    x = np.full(shape, c)
    assert np.all(max_pool2d(x, k, s) == c)
    _close(avg_pool2d(x, k, s), c)
    _close(blur_pool2d(x, s), c)


# ---------------------------------------------------------------- APS invariance


def _all_circular_shifts(h, w):
    return [(dy, dx) for dy in range(h) for dx in range(w)]


@SETTINGS
@given(data=st.data(), s=pairs, k=pairs)
def test_aps_then_global_pool_is_exactly_invariant_under_circular_shifts(data, s, k):
    x = data.draw(generic_maps(multiple=s))
    k = (min(k[0], x.shape[-2]), min(k[1], x.shape[-1]))
    _, tie = aps_choice(x, k, s)
    assume(not tie.any())  # a tie is broken by position, which a shift changes
    stack = shift_stack(x, _all_circular_shifts(*x.shape[-2:]), "wrap")
    pooled = aps_pool2d(stack, k, s)
    base = aps_pool2d(x, k, s)[..., None, :, :]
    assert np.all(global_max_pool(pooled) == global_max_pool(base))
    assert np.all(global_avg_pool(pooled) == global_avg_pool(base))


@SETTINGS
@given(data=st.data(), s=pairs, k=pairs)
def test_binary_maps_without_ties_are_exactly_invariant(data, s, k):
    lead = data.draw(leads)
    h = s[0] * data.draw(st.integers(1, 8 // s[0]))
    w = s[1] * data.draw(st.integers(1, 8 // s[1]))
    x = data.draw(arrays(np.float64, lead + (h, w), elements=st.sampled_from([0.0, 1.0])))
    k = (min(k[0], h), min(k[1], w))
    stack = shift_stack(x, _all_circular_shifts(h, w), "wrap")
    _, tie = aps_choice(x, k, s)
    untied = ~tie[..., None]
    diff = (
        global_max_pool(aps_pool2d(stack, k, s)) != global_max_pool(aps_pool2d(x, k, s))[..., None]
    )
    assert not (diff & untied).any()
    # The tie flag itself is shift-invariant: the norms are the same numbers, permuted.
    assert np.array_equal(
        aps_choice(stack, k, s)[1], np.broadcast_to(tie[..., None], stack.shape[:-2])
    )


@SETTINGS
@given(data=st.data(), dy=offsets, dx=offsets, s=pairs, k=pairs)
def test_aps_output_of_a_circular_shift_is_a_circular_shift(data, dy, dx, s, k):
    x = data.draw(generic_maps(multiple=s))
    h, w = x.shape[-2:]
    k = (min(k[0], h), min(k[1], w))
    x2 = x.reshape((-1, h, w))[0]  # one map: "some shift" is per map
    assume(not aps_choice(x2, k, s)[1])
    base = aps_pool2d(x2, k, s)
    moved = aps_pool2d(shift(x2, dy, dx, "wrap"), k, s)
    assert any(
        np.array_equal(moved, np.roll(base, (t, u), axis=(0, 1)))
        for t in range(base.shape[0])
        for u in range(base.shape[1])
    )
