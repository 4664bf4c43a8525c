"""poolviz.core.kernels: every preset at every size, the named filters, resizing, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.kernels import KERNEL_PRESETS, apply_weight_edits, make_kernel, resize_kernel
from poolviz.core.pipeline import Conv

SIZES = list(itertools.product(range(1, 6), range(1, 6)))


@pytest.mark.parametrize("name", KERNEL_PRESETS)
def test_make_kernel_every_preset_every_size_finite(name):
    for h, w in SIZES:
        k = make_kernel(name, h, w)
        assert k.shape == (h, w)
        assert k.dtype == np.float64
        assert np.isfinite(k).all()
        Conv(tuple(tuple(r) for r in k.tolist()))  # within the pipeline's caps


@pytest.mark.parametrize("name", KERNEL_PRESETS)
def test_make_kernel_seven_by_seven_and_defaults(name):
    assert make_kernel(name, 7, 7).shape == (7, 7)
    assert make_kernel(name).shape == (3, 3)


def test_make_kernel_gaussian_sums_to_one():
    for h, w in SIZES:
        k = make_kernel("Gaussian", h, w)
        assert k.sum() == pytest.approx(1.0, abs=1e-15)
        assert (k > 0).all()
        np.testing.assert_array_equal(k, k[::-1, ::-1])  # symmetric


def test_make_kernel_gaussian_three_is_binomial():
    np.testing.assert_array_equal(
        make_kernel("Gaussian", 3, 3) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    )


def test_make_kernel_vertical_edge_three_is_sobel():
    np.testing.assert_array_equal(
        make_kernel("vertical edge", 3, 3), [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    )


def test_make_kernel_horizontal_edge_is_transpose_of_vertical():
    for h, w in SIZES:
        np.testing.assert_array_equal(
            make_kernel("horizontal edge", h, w), make_kernel("vertical edge", w, h).T
        )


def test_make_kernel_edges_respond_to_edges_only():
    # a derivative across: zero sum along the derivative axis for width >= 2
    for h, w in SIZES:
        if w >= 2:
            assert make_kernel("vertical edge", h, w).sum() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(make_kernel("vertical edge", 1, 2), [[1.0, -1.0]])


def test_make_kernel_identity_has_one_centre_weight():
    for h, w in SIZES:
        k = make_kernel("identity", h, w)
        assert k.sum() == 1.0 and np.count_nonzero(k) == 1
        assert k[(h - 1) // 2, (w - 1) // 2] == 1.0


def test_make_kernel_laplacian_sums_to_zero():
    for h, w in SIZES:
        k = make_kernel("Laplacian", h, w)
        assert k.sum() == 0.0
    np.testing.assert_array_equal(
        make_kernel("Laplacian", 3, 3), [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]
    )


def test_make_kernel_all_ones():
    np.testing.assert_array_equal(make_kernel("all ones", 2, 4), np.ones((2, 4)))


def test_make_kernel_random_is_seeded_small_integers():
    a = make_kernel("random", 5, 5, seed=3)
    np.testing.assert_array_equal(a, make_kernel("random", 5, 5, seed=3))
    assert not np.array_equal(a, make_kernel("random", 5, 5, seed=4))
    assert set(np.unique(a)) <= {-2.0, -1.0, 0.0, 1.0, 2.0}
    make_kernel("random", 2, 2, seed=2**32 - 1)


@pytest.mark.parametrize("size", [0, 8, -1])
def test_make_kernel_rejects_size_out_of_range(size):
    with pytest.raises(ValueError, match=r"`height` must be from 1 to 7; got"):
        make_kernel("identity", size, 3)
    with pytest.raises(ValueError, match=r"`width` must be from 1 to 7; got"):
        make_kernel("identity", 3, size)


@pytest.mark.parametrize("size", [2.0, True, "3", None])
def test_make_kernel_rejects_non_integer_size(size):
    with pytest.raises(PoolvizError, match=r"`height` must be an integer from 1 to 7"):
        make_kernel("identity", size, 3)


def test_make_kernel_accepts_numpy_integer_size():
    assert make_kernel("identity", np.int64(2), np.int32(3)).shape == (2, 3)


def test_make_kernel_rejects_unknown_name():
    with pytest.raises(PoolvizError, match=r"`name` must be one of identity, .*; got 'sharpen'"):
        make_kernel("sharpen")


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True])
def test_make_kernel_rejects_bad_seed(seed):
    with pytest.raises(PoolvizError, match=r"`seed` must be an integer from 0 to 2\*\*32-1"):
        make_kernel("random", 3, 3, seed=seed)


def test_resize_kernel_crops_top_left():
    k = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(resize_kernel(k, 2, 2), [[0, 1], [3, 4]])


def test_resize_kernel_pads_with_zeros():
    out = resize_kernel(np.ones((2, 2)), 3, 4)
    np.testing.assert_array_equal(out, [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]])


def test_resize_kernel_mixed_and_same():
    np.testing.assert_array_equal(resize_kernel(np.ones((2, 2)), 1, 3), [[1, 1, 0]])
    k = make_kernel("Gaussian", 3, 3)
    out = resize_kernel(k, 3, 3)
    np.testing.assert_array_equal(out, k)
    assert out is not k


def test_resize_kernel_rejects_bad_size():
    with pytest.raises(PoolvizError, match=r"`height` must be from 1 to 7; got 0"):
        resize_kernel(np.ones((2, 2)), 0, 2)
    with pytest.raises(PoolvizError, match=r"`width` must be from 1 to 7; got 9"):
        resize_kernel(np.ones((2, 2)), 2, 9)


# ---------------------------------------------------------------- apply_weight_edits


def test_apply_weight_edits_applies_and_rounds():
    k = np.zeros((2, 3))
    new, refused = apply_weight_edits(k, {0: {"w2": 1.23456789}, "1": {"w0": "-2"}, 1: {1: 3}})
    np.testing.assert_array_equal(new, [[0, 0, 1.2346], [-2, 3, 0]])
    assert refused == []
    assert (k == 0).all()  # the input is not modified


@pytest.mark.parametrize("value", [None, "abc", float("nan"), float("inf"), 1000.001, -5000])
def test_apply_weight_edits_refuses_bad_values(value):
    new, refused = apply_weight_edits(np.ones((2, 2)), {1: {"w0": value}})
    np.testing.assert_array_equal(new, np.ones((2, 2)))
    assert refused == [(1, 0)]


def test_apply_weight_edits_refuses_cells_outside_kernel():
    new, refused = apply_weight_edits(np.ones((2, 2)), {2: {"w0": 5.0}, 0: {"w2": 5.0}})
    np.testing.assert_array_equal(new, np.ones((2, 2)))
    assert refused == [(2, 0), (0, 2)]


def test_apply_weight_edits_accepts_cap():
    new, refused = apply_weight_edits(np.ones((1, 2)), {0: {"w0": 1000, "w1": -1000.0}})
    np.testing.assert_array_equal(new, [[1000.0, -1000.0]])
    assert refused == []


def test_resize_kernel_rejects_a_kernel_that_is_not_2d():
    with pytest.raises(ValueError, match="`kernel` must be a non-empty 2-D grid"):
        resize_kernel(np.ones(3), 2, 2)
