"""Tests for poolviz.core.patterns: presets, the book inputs and pure pattern edits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz.core import limits
from poolviz.core.checks import PoolvizError
from poolviz.core.patterns import (
    BOOK_SHIFTS,
    PRESETS,
    book_inputs,
    clear,
    crop_to_ink,
    ink_bbox,
    invert,
    is_binary,
    make_preset,
    quantize_gray,
    resize_pattern,
    toggle,
)

sizes = st.integers(limits.MIN_GRID, limits.MAX_GRID)
EXPECTED_NAMES = [
    "book",
    "bar",
    "hbar",
    "L",
    "cross",
    "diagonal",
    "blob",
    "random",
    "checker",
    "empty",
]


def max_pool_2x2(x: np.ndarray) -> np.ndarray:
    """Local reference: max-pool 2×2 stride 2 (no dependency on other modules)."""
    h, w = x.shape
    return x[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


# --------------------------------------------------------------------------- presets


def test_presets_order_and_labels():
    assert list(PRESETS) == EXPECTED_NAMES
    assert PRESETS["book"] == "Géron's figure: columns 2 and 4"
    assert all(isinstance(label, str) and label for label in PRESETS.values())
    with pytest.raises(TypeError):
        PRESETS["new"] = "x"  # read-only mapping


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(EXPECTED_NAMES), height=sizes, width=sizes, seed=st.integers(0, 99))
def test_every_preset_every_size(name, height, width, seed):
    g = make_preset(name, height, width, seed)
    assert g.shape == (height, width)
    assert g.dtype == np.float64
    assert is_binary(g)
    if name == "empty":
        assert g.sum() == 0
        return
    assert g.sum() > 0
    if name != "book":  # shapes keep off the exact border
        assert g[0].sum() == g[-1].sum() == g[:, 0].sum() == g[:, -1].sum() == 0


def test_random_is_never_empty():
    # seed 49 drew no dot on 4x4 (its 2x2 inside); about a quarter of the seeds do
    empties = [s for s in range(200) if (np.random.default_rng(s).random((2, 2)) >= 0.3).all()]
    assert 49 in empties and len(empties) > 20
    for seed in empties:
        g = make_preset("random", 4, 4, seed)
        assert g.sum() == 1 and g[1:-1, 1:-1].sum() == 1
        np.testing.assert_array_equal(g, make_preset("random", 4, 4, seed))  # still seeded
    for seed in range(200):
        for h, w in ((4, 4), (4, 5), (5, 4), (4, 64)):
            assert make_preset("random", h, w, seed).sum() > 0


def test_random_unchanged_when_it_had_dots():
    rng = np.random.default_rng(7)
    expected = np.zeros((16, 16))
    expected[1:-1, 1:-1] = rng.random((14, 14)) < 0.3
    np.testing.assert_array_equal(make_preset("random", 16, 16, seed=7), expected)


@pytest.mark.parametrize("height, width", [(4, 4), (8, 8), (5, 9), (64, 64), (64, 4), (4, 64)])
@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_presets_at_corner_sizes(name, height, width):
    g = make_preset(name, height, width)
    assert g.shape == (height, width)
    assert is_binary(g)


def test_book_is_columns_2_and_4():
    g = make_preset("book")
    assert g.shape == (8, 8)
    expected = np.zeros((8, 8))
    expected[:, [2, 4]] = 1.0
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("height, width", [(4, 5), (16, 16), (6, 30), (64, 64)])
def test_book_other_sizes_keep_columns_2_and_4(height, width):
    g = make_preset("book", height, width)
    for col in range(width):
        assert g[:, col].all() if col in (2, 4) else not g[:, col].any()


def test_book_width_4_has_only_column_2():
    g = make_preset("book", 4, 4)
    assert np.flatnonzero(g.any(axis=0)).tolist() == [2]


def test_book_inputs_shifts_and_pooling():
    assert BOOK_SHIFTS == (0, 1, 2)
    x = book_inputs()
    assert list(x) == ["A", "B", "C"]
    np.testing.assert_array_equal(x["A"], make_preset("book"))
    for key, cols in zip("ABC", ([2, 4], [3, 5], [4, 6]), strict=True):
        assert x[key].shape == (8, 8)
        for row in x[key]:
            assert np.flatnonzero(row).tolist() == cols
    pooled = {k: max_pool_2x2(v) for k, v in x.items()}
    for row in pooled["A"]:
        assert row.tolist() == [0, 1, 1, 0]
    for row in pooled["B"]:
        assert row.tolist() == [0, 1, 1, 0]
    for row in pooled["C"]:
        assert row.tolist() == [0, 0, 1, 1]


def test_book_inputs_are_fresh_arrays():
    x = book_inputs()
    x["A"][:] = 0
    assert book_inputs()["A"].sum() == 16


def test_shapes_look_right_at_8x8():
    bar = make_preset("bar")
    assert bar.sum(axis=0).max() == 6 and np.count_nonzero(bar.sum(axis=0)) == 1
    hbar = make_preset("hbar")
    np.testing.assert_array_equal(hbar, bar.T)
    assert np.count_nonzero(hbar.sum(axis=1)) == 1
    ell = make_preset("L")
    assert ell[1:7, 1].all() and ell[6, 1:7].all() and ell.sum() == 11
    cross = make_preset("cross")
    np.testing.assert_array_equal(cross, np.maximum(bar, hbar))
    diag = make_preset("diagonal")
    np.testing.assert_array_equal(diag, np.diag(np.r_[0, np.ones(6), 0]))
    checker = make_preset("checker")
    assert checker[1, 1] == 1 and checker[1, 2] == 0 and checker[2, 2] == 1


@pytest.mark.parametrize("size", [8, 20, 32, 64])
def test_blob_is_a_centred_disk(size):
    g = make_preset("blob", size, size)
    np.testing.assert_array_equal(g, g[::-1, :])
    np.testing.assert_array_equal(g, g[:, ::-1])
    np.testing.assert_array_equal(g, g.T)
    radius = size / 5
    assert abs(g.sum() - math.pi * radius**2) < 0.2 * math.pi * radius**2 + 4  # pixel disk
    top, left, bottom, right = ink_bbox(g)
    assert top > 0 and left > 0 and bottom < size and right < size


def test_random_is_seeded_and_about_30_percent():
    a = make_preset("random", 64, 64, seed=7)
    np.testing.assert_array_equal(a, make_preset("random", 64, 64, seed=7))
    assert not np.array_equal(a, make_preset("random", 64, 64, seed=8))
    assert 0.25 < a[1:-1, 1:-1].mean() < 0.35
    np.testing.assert_array_equal(make_preset("random", seed=2**32 - 1).shape, (8, 8))
    np.testing.assert_array_equal(make_preset("random", seed=np.uint32(5)).shape, (8, 8))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "star"}, r"`name` must be one of book, bar, .*; got 'star'"),
        ({"name": 3}, r"`name` must be one of .*; got 3"),
        ({"name": "book", "height": 3}, r"`height` must be between 4 and 64; got 3"),
        ({"name": "book", "width": 65}, r"`width` must be between 4 and 64; got 65"),
        ({"name": "book", "height": 100}, r"`height` must be between 4 and 64; got 100"),
        ({"name": "book", "height": 8.0}, r"`height` must be an integer between 4 and 64; got 8.0"),
        ({"name": "book", "width": True}, r"`width` must be an integer .*; got True"),
        ({"name": "book", "width": "8"}, r"`width` must be an integer .*; got '8'"),
        ({"name": "random", "seed": -1}, r"`seed` must be between 0 and 4294967295; got -1"),
        ({"name": "random", "seed": 2**32}, r"`seed` must be between 0 and 4294967295; got 4294"),
        ({"name": "random", "seed": 1.5}, r"`seed` must be an integer between 0 and 4294967295"),
        ({"name": "random", "seed": None}, r"`seed` must be an integer .*; got None"),
    ],
)
def test_make_preset_refusals(kwargs, message):
    with pytest.raises(PoolvizError, match=message):
        make_preset(**kwargs)


def test_error_is_a_value_error():
    with pytest.raises(ValueError):
        make_preset("book", 2, 2)


# --------------------------------------------------------------------------- quantize_gray


def test_quantize_gray_rounds_half_up_to_tenths():
    halves = np.array([[k / 10 + 0.05 for k in range(10)]])
    expected = np.array([[(k + 1) / 10 for k in range(10)]])
    np.testing.assert_array_equal(quantize_gray(halves), expected)
    out = quantize_gray([[0.0, 0.049, 0.051, 0.5, 0.949, 1.0]])
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.1, 0.5, 0.9, 1.0]])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=16, max_size=16))
def test_quantize_gray_lattice_and_idempotent(values):
    g = np.array(values).reshape(4, 4)
    q = quantize_gray(g)
    allowed = {k / 10 for k in range(11)}
    assert set(q.ravel().tolist()) <= allowed  # exactly the floats k / 10
    assert np.all(np.abs(q - g) <= 0.05 + 1e-9)
    np.testing.assert_array_equal(quantize_gray(q), q)
    assert quantize_gray(g) is not g


@pytest.mark.parametrize(
    "grid, message",
    [
        ([[0.0, 1.5]], r"`grid` values must be between 0 and 1; got values from 0 to 1.5"),
        ([[-0.1, 0.5]], r"`grid` values must be between 0 and 1"),
        ([[np.nan, 0.5]], r"`grid` must contain only finite numbers; got NaN or infinity"),
        ([[np.inf]], r"finite"),
        ([0.5, 0.5], r"`grid` must be a non-empty 2-D grid; got shape \(2,\)"),
        (np.zeros((2, 2, 2)), r"non-empty 2-D grid; got shape \(2, 2, 2\)"),
        (np.zeros((0, 3)), r"non-empty 2-D grid"),
        (np.zeros((65, 4)), r"`grid` must be at most 64×64 cells; got 65×4"),
        ([[0.0, 1.0], [0.0]], r"`grid` must be a 2-D grid of numbers; got list"),
        ("abc", r"`grid` must be a 2-D grid of numbers; got str"),
    ],
)
def test_grid_validation(grid, message):
    with pytest.raises(PoolvizError, match=message):
        quantize_gray(grid)


# --------------------------------------------------------------------------- edits


def test_toggle_binary_and_gray():
    g = make_preset("book")
    t = toggle(g, 0, 2)
    assert t[0, 2] == 0.0 and g[0, 2] == 1.0  # input untouched
    assert toggle(t, 0, 2)[0, 2] == 1.0
    assert np.count_nonzero(t != g) == 1
    gray = np.array([[0.4, 0.5], [0.6, 0.0]])
    assert toggle(gray, 0, 0)[0, 0] == 1.0
    assert toggle(gray, 0, 1)[0, 1] == 0.0
    assert toggle(gray, 1, 0)[1, 0] == 0.0
    assert toggle([[0, 1]], np.int64(0), 0)[0, 0] == 1.0


@pytest.mark.parametrize(
    "row, col, message",
    [
        (8, 0, r"`row` must be between 0 and 7; got 8"),
        (-1, 0, r"`row` must be between 0 and 7; got -1"),
        (0, 8, r"`col` must be between 0 and 7; got 8"),
        (0, 1.0, r"`col` must be an integer between 0 and 7; got 1.0"),
        (False, 0, r"`row` must be an integer"),
    ],
)
def test_toggle_refusals(row, col, message):
    with pytest.raises(PoolvizError, match=message):
        toggle(make_preset("book"), row, col)


def test_invert():
    g = make_preset("L")
    np.testing.assert_array_equal(invert(invert(g)), g)
    np.testing.assert_array_equal(invert(g), 1.0 - g)
    assert is_binary(invert(g))
    q = np.array([[k / 10 for k in range(11)] + [0.0] * 5] * 4)
    np.testing.assert_array_equal(invert(q), quantize_gray(1.0 - q))
    assert set(invert(q).ravel().tolist()) <= {k / 10 for k in range(11)}
    odd = np.array([[0.123, 0.0]])
    np.testing.assert_allclose(invert(odd), [[0.877, 1.0]])


def test_clear():
    g = clear(5, 7)
    assert g.shape == (5, 7) and g.dtype == np.float64 and not g.any()
    with pytest.raises(PoolvizError, match=r"`width` must be between 4 and 64; got 65"):
        clear(8, 65)


def test_resize_pattern_keeps_top_left():
    g = make_preset("L", 8, 8)
    bigger = resize_pattern(g, 10, 12)
    assert bigger.shape == (10, 12)
    np.testing.assert_array_equal(bigger[:8, :8], g)
    assert not bigger[8:].any() and not bigger[:, 8:].any()
    smaller = resize_pattern(g, 4, 6)
    np.testing.assert_array_equal(smaller, g[:4, :6])
    mixed = resize_pattern(g, 12, 5)
    np.testing.assert_array_equal(mixed[:8], g[:, :5])
    with pytest.raises(PoolvizError, match=r"`height` must be between 4 and 64; got 0"):
        resize_pattern(g, 0, 8)


def test_is_binary():
    assert is_binary(make_preset("checker"))
    assert is_binary(clear(4, 4))
    assert not is_binary([[0.0, 0.1]])
    with pytest.raises(PoolvizError):
        is_binary([[2.0]])


def test_ink_bbox_and_crop():
    g = clear(8, 8)
    g[2, 3] = 1.0
    g[5, 6] = 0.3
    assert ink_bbox(g) == (2, 3, 6, 7)
    np.testing.assert_array_equal(crop_to_ink(g), g[2:6, 3:7])
    assert crop_to_ink(make_preset("blob")).shape == (4, 4)
    with pytest.raises(PoolvizError, match=r"`grid` must have some ink .*; got an all-zero 8×8"):
        ink_bbox(clear(8, 8))
    with pytest.raises(PoolvizError, match=r"all-zero 4×5 grid"):
        crop_to_ink(clear(4, 5))


@settings(max_examples=50, deadline=None)
@given(st.integers(4, 16), st.integers(4, 16), st.integers(0, 2**32 - 1))
def test_crop_to_ink_holds_all_ink(height, width, seed):
    g = make_preset("random", height, width, seed)
    if not g.any():
        return
    top, left, bottom, right = ink_bbox(g)
    c = crop_to_ink(g)
    assert c.sum() == g.sum()
    assert c[0].any() and c[-1].any() and c[:, 0].any() and c[:, -1].any()
    assert c.shape == (bottom - top, right - left)
    # cropping the crop is a no-op (small crops may be below MIN_GRID and still valid)
    np.testing.assert_array_equal(crop_to_ink(c), c)
