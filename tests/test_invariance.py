"""poolviz.core.invariance: sweep against a loop over shifts, the book's one-pixel shifts, exact
invariance of global pools under wrap-around shifts, count_distinct, shift lists, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import (
    RELATIVE_TOLERANCE,
    StageSummary,
    changed_mask,
    count_distinct,
    neighbour_shifts,
    one_pixel_summary,
    sweep,
    sweep_shifts,
)
from poolviz.core.kernels import make_kernel
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import (
    Conv,
    GlobalPool,
    Pool,
    ReLU,
    cumulative_strides,
    run_pipeline,
    with_pooling,
    without_pooling,
)

IDENTITY = ((1.0,),)
EDGE3 = tuple(tuple(row) for row in make_kernel("vertical edge", 3, 3).tolist())

# ---------------------------------------------------------------- loop reference


def _norm(a):
    return math.sqrt(sum(float(v) * float(v) for v in np.ravel(a)))


def _relative_ref(diff, base, moved):
    """||diff|| / ||base||; 0 when diff is 0, and against ||moved|| when base is zero."""
    d = _norm(diff)
    if d == 0:
        return 0.0
    b = _norm(base)
    return d / (b if b > 0 else _norm(moved))


def ref_sweep(x, pipeline, shifts, mode):
    """One pipeline run per shift, measures computed cell by cell in Python."""
    base_stages = run_pipeline(pipeline, x)
    strides = cumulative_strides(pipeline)
    n = len(base_stages)
    relative = np.zeros((n, len(shifts)))
    fraction = np.zeros((n, len(shifts)))
    equivariance = np.full((n, len(shifts)), np.nan)
    for j, (dy, dx) in enumerate(shifts):
        moved_stages = run_pipeline(pipeline, shift(x, int(dy), int(dx), mode))
        for i in range(n):
            base = base_stages[i].maps
            moved = moved_stages[i].maps
            changed = changed_mask(base, moved)
            fraction[i, j] = np.count_nonzero(changed) / max(1, base.size)
            relative[i, j] = _relative_ref(moved - base, base, moved)
            stride = strides[i]
            if stride is None:
                equivariance[i, j] = relative[i, j]
            elif dy % stride[0] == 0 and dx % stride[1] == 0:
                expected = shift(base, dy // stride[0], dx // stride[1], mode)
                equivariance[i, j] = _relative_ref(moved - expected, base, moved)
    return relative, fraction, equivariance


def _assert_sweep_matches(x, pipeline, shifts, mode):
    result = sweep(x, pipeline, shifts, mode)
    relative, fraction, equivariance = ref_sweep(x, pipeline, shifts, mode)
    assert result.labels == tuple(s.label for s in run_pipeline(pipeline, x))
    np.testing.assert_array_equal(result.shifts, np.asarray(shifts).reshape(-1, 2))
    np.testing.assert_allclose(result.relative_change, relative, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(result.changed_fraction, fraction)
    np.testing.assert_array_equal(np.isnan(result.equivariance_error), np.isnan(equivariance))
    np.testing.assert_allclose(result.equivariance_error, equivariance, rtol=1e-12, atol=1e-14)


PIPELINES = {
    "with max": with_pooling(EDGE3, use_relu=True),
    "with avg pad": with_pooling(EDGE3, conv_padding=1, pool="avg", global_kind="avg"),
    "with blur": with_pooling(IDENTITY, pool="blur"),
    "with aps": with_pooling(IDENTITY, pool="aps", next_stride=1),
    "without": without_pooling(EDGE3, conv_stride=(1, 2)),
}


@pytest.mark.parametrize("name", list(PIPELINES))
@pytest.mark.parametrize("mode", ["zero", "wrap"])
def test_sweep_equals_loop_reference_on_grid_shifts(name, mode):
    x = make_preset("L", 8, 8)
    _assert_sweep_matches(x, PIPELINES[name], sweep_shifts("grid", 8, 8, radius=3), mode)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
def test_sweep_equals_loop_reference_on_random_floats(mode):
    x = np.random.default_rng(5).standard_normal((8, 12))
    _assert_sweep_matches(x, PIPELINES["with max"], sweep_shifts("dx", 8, 12), mode)


def test_sweep_equals_loop_reference_on_empty_input():
    # Zero maps everywhere: relative change is 0 by convention, never NaN.
    x = np.zeros((8, 8))
    result = sweep(x, PIPELINES["with max"], neighbour_shifts(8))
    assert not np.isnan(result.relative_change).any()
    assert (result.relative_change == 0).all()
    _assert_sweep_matches(x, PIPELINES["with max"], neighbour_shifts(8), "zero")


def test_sweep_relative_change_is_one_when_only_the_original_is_zero():
    x = np.zeros((8, 8))
    x[0, 7] = 1.0
    pipeline = (Conv(((0.0, 0.0), (0.0, 1.0))),)  # out[i, j] = x[i + 1, j + 1]: row 0 unread
    result = sweep(x, pipeline, [(1, 0)])
    # the conv output of x is zero everywhere; moved down one row the ink is read
    assert run_pipeline(pipeline, x)[1].maps.max() == 0.0
    assert result.relative_change[1, 0] == 1.0


def test_sweep_equivariance_nan_off_the_stride_grid():
    x = make_preset("book")
    shifts = sweep_shifts("dx", 8, 8, radius=4)
    result = sweep(x, with_pooling(IDENTITY), shifts)
    dxs = shifts[:, 1]
    # stages: input (1), conv (1), pool (2), next conv (4), global (None)
    assert not np.isnan(result.equivariance_error[:2]).any()
    np.testing.assert_array_equal(np.isnan(result.equivariance_error[2]), dxs % 2 != 0)
    np.testing.assert_array_equal(np.isnan(result.equivariance_error[3]), dxs % 4 != 0)
    np.testing.assert_array_equal(result.equivariance_error[4], result.relative_change[4])
    # the input stage moves exactly with the shift
    assert (result.equivariance_error[0] == 0).all()


def test_sweep_unchanged_is_changed_fraction_zero():
    result = sweep(make_preset("book"), with_pooling(IDENTITY), neighbour_shifts(4))
    np.testing.assert_array_equal(result.unchanged(), result.changed_fraction == 0)


def test_sweep_with_no_shifts_has_empty_columns():
    result = sweep(make_preset("book"), with_pooling(IDENTITY), np.zeros((0, 2), dtype=int))
    assert result.relative_change.shape == (5, 0)


def test_sweep_rejects_stack_of_patterns():
    with pytest.raises(PoolvizError, match=r"`x` must be a single \(H, W\) pattern"):
        sweep(np.zeros((2, 8, 8)), with_pooling(IDENTITY), [(0, 1)])


def test_sweep_rejects_small_grid():
    with pytest.raises(PoolvizError, match=r"`x` must be between 4×4 and 64×64"):
        sweep(np.zeros((3, 8)), with_pooling(IDENTITY), [(0, 1)])


def test_sweep_rejects_bad_mode():
    with pytest.raises(PoolvizError, match=r"`mode` must be one of 'zero', 'wrap'"):
        sweep(np.zeros((8, 8)), with_pooling(IDENTITY), [(0, 1)], mode="reflect")


def test_sweep_reports_pipeline_error_with_context():
    with pytest.raises(PoolvizError, match=r"layer 1 \(conv 7×7\) on input shape \(4, 4\)"):
        sweep(np.zeros((4, 4)), with_pooling(np.ones((7, 7))), [(0, 1)])


# ---------------------------------------------------------------- the book's one-pixel shifts


def test_book_max_pool_unchanged_for_three_of_four_shifts():
    rows = one_pixel_summary(make_preset("book"), with_pooling(IDENTITY))
    by_label = {r.label: r for r in rows}
    pool = by_label["max-pool 2×2 /2"]
    assert (pool.unchanged, pool.total) == (3, 4)
    assert set(pool.unchanged_shifts) == {(0, 1), (1, 0), (-1, 0)}
    assert (0, -1) not in pool.unchanged_shifts


def test_book_sweep_pool_stage_dx_minus_one_changes():
    x = make_preset("book")
    result = sweep(x, with_pooling(IDENTITY), [(0, 1), (0, -1), (1, 0), (-1, 0)])
    np.testing.assert_array_equal(result.unchanged()[2], [True, False, True, True])
    # dx = -1 moves columns 2 and 4 to 1 and 3: pooled row [0,1,1,0] -> [1,1,0,0]
    np.testing.assert_array_equal(result.changed_fraction[2], [0.0, 0.5, 0.0, 0.0])


def test_one_pixel_summary_numbers_for_book():
    rows = one_pixel_summary(make_preset("book"), with_pooling(IDENTITY))
    assert [(r.label, r.unchanged, r.total) for r in rows] == [
        ("input", 0, 4),
        ("conv 1×1", 0, 4),
        ("max-pool 2×2 /2", 3, 4),
        ("conv 2×2 /2", 3, 4),
        ("global max", 3, 4),
    ]
    assert all(isinstance(r, StageSummary) for r in rows)


def test_one_pixel_summary_without_pooling_book():
    rows = one_pixel_summary(make_preset("book"), without_pooling(IDENTITY))
    by_label = {r.label: r for r in rows}
    # every stage's unchanged shifts, recomputed one shift at a time
    x = make_preset("book")
    pipeline = without_pooling(IDENTITY)
    base = run_pipeline(pipeline, x)
    for r in rows:
        expected = []
        for dy, dx in neighbour_shifts(4).tolist():
            moved = run_pipeline(pipeline, shift(x, dy, dx))
            index = [s.label for s in base].index(r.label)
            if not changed_mask(base[index].maps, moved[index].maps).any():
                expected.append((dy, dx))
        assert r.unchanged_shifts == tuple(expected)
    assert by_label["conv 1×1"].unchanged == 0


def test_one_pixel_summary_eight_neighbours():
    rows = one_pixel_summary(make_preset("book"), with_pooling(IDENTITY), neighbours=8)
    pool = rows[2]
    assert pool.total == 8
    # the diagonals right-down and right-up stay inside the windows; left ones do not
    assert set(pool.unchanged_shifts) == {(0, 1), (1, 0), (-1, 0), (1, 1), (-1, 1)}


def test_one_pixel_summary_rejects_bad_neighbours():
    with pytest.raises(PoolvizError, match=r"`count` must be 4 or 8; got 6"):
        one_pixel_summary(make_preset("book"), with_pooling(IDENTITY), neighbours=6)


# ---------------------------------------------------------------- exact invariance under wrap


def _wrap_shifts(h, w):
    return sweep_shifts("grid", h, w, radius=3)


@pytest.mark.parametrize(
    "pipeline",
    [
        (GlobalPool("max"),),
        (GlobalPool("avg"),),
        (ReLU(), GlobalPool("max")),
        (ReLU(), GlobalPool("avg")),
        (Pool("aps", 2, 1), GlobalPool("max")),
        (Pool("aps", 3, 1), GlobalPool("avg")),
    ],
    ids=["gmax", "gavg", "relu-gmax", "relu-gavg", "circmax-gmax", "circmax-gavg"],
)
def test_global_pool_after_stride_one_layers_exactly_invariant_under_wrap(pipeline):
    x = np.random.default_rng(7).standard_normal((8, 10))
    result = sweep(x, pipeline, _wrap_shifts(8, 10), mode="wrap")
    assert (result.relative_change[-1] == 0.0).all()
    assert (result.changed_fraction[-1] == 0.0).all()
    base = run_pipeline(pipeline, x)[-1].maps
    for dy, dx in _wrap_shifts(8, 10).tolist():
        assert run_pipeline(pipeline, shift(x, dy, dx, "wrap"))[-1].maps == base


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_global_pool_after_aps_exactly_invariant_under_wrap(kind, size):
    x = np.random.default_rng(8).standard_normal((8, 8))  # generic values: no APS ties
    pipeline = (Pool("aps", size, 2), GlobalPool(kind))
    result = sweep(x, pipeline, _wrap_shifts(8, 8), mode="wrap")
    assert (result.relative_change[-1] == 0.0).all()


def test_aps_output_is_circularly_equivariant_on_the_stride_grid():
    x = np.random.default_rng(9).standard_normal((8, 8))
    result = sweep(x, (Pool("aps", 2, 2),), _wrap_shifts(8, 8), mode="wrap")
    # without ties the APS output of a wrapped input is the wrapped output, for every shift,
    # not only multiples of the stride; the measure is defined (and zero) on the stride grid
    on_grid = ~np.isnan(result.equivariance_error[1])
    assert on_grid.sum() == 9  # dy, dx in {-2, 0, 2}
    assert (result.equivariance_error[1, on_grid] == 0.0).all()


def test_global_max_of_plain_max_pool_not_invariant_under_wrap():
    # Contrast: a strided ordinary max-pool drops rows/columns, so an odd wrap can change
    # its global max.
    x = np.zeros((8, 8))
    x[0, 0] = 1.0
    x[1, 1] = 5.0
    pipeline = (Pool("max", 1, 2), GlobalPool("max"))  # reads only even rows and columns
    result = sweep(x, pipeline, [(0, 0), (-1, -1)], mode="wrap")
    assert result.relative_change[-1, 0] == 0.0
    assert result.relative_change[-1, 1] > 0.0


# ---------------------------------------------------------------- count_distinct


def _ref_count_distinct(maps):
    return len({tuple(np.round(np.ravel(m), 9) + 0.0) for m in maps})


def test_count_distinct_matches_set_of_tuples_on_shifted_book():
    x = make_preset("book")
    shifts = sweep_shifts("grid", 8, 8, radius=3)
    stages = run_pipeline(with_pooling(IDENTITY), np.stack([shift(x, dy, dx) for dy, dx in shifts]))
    for stage in stages:
        assert count_distinct(stage.maps) == _ref_count_distinct(stage.maps)


def test_count_distinct_random_integer_stack():
    maps = np.random.default_rng(10).integers(0, 2, size=(40, 2, 2)).astype(float)
    assert count_distinct(maps) == _ref_count_distinct(maps)


def test_count_distinct_merges_negative_zero_and_rounding():
    maps = np.array([[0.0, 1.0], [-0.0, 1.0 + 1e-12], [0.0, 1.1]])
    assert count_distinct(maps) == 2


def test_count_distinct_scalars():
    assert count_distinct(np.array([2.0, 2.0, 4.0])) == 2


def test_count_distinct_rejects_empty_stack():
    with pytest.raises(PoolvizError, match=r"`maps` must be a non-empty stack"):
        count_distinct(np.zeros((0, 2, 2)))
    with pytest.raises(PoolvizError, match=r"`maps` must be a non-empty stack"):
        count_distinct(np.array(3.0))


# ---------------------------------------------------------------- shift lists


def test_neighbour_shifts_orders():
    assert neighbour_shifts(4).tolist() == [[0, 1], [0, -1], [1, 0], [-1, 0]]
    assert neighbour_shifts(8).tolist()[4:] == [[1, 1], [1, -1], [-1, 1], [-1, -1]]
    assert neighbour_shifts().shape == (4, 2)


def test_neighbour_shifts_rejects_other_counts():
    with pytest.raises(PoolvizError, match=r"`count` must be 4 or 8; got 3"):
        neighbour_shifts(3)


def test_sweep_shifts_dx_and_dy_shapes():
    dx = sweep_shifts("dx", 6, 9)
    assert dx.shape == (19, 2)
    assert (dx[:, 0] == 0).all() and dx[:, 1].tolist() == list(range(-9, 10))
    dy = sweep_shifts("dy", 6, 9)
    assert dy.shape == (13, 2)
    assert (dy[:, 1] == 0).all() and dy[:, 0].tolist() == list(range(-6, 7))


def test_sweep_shifts_grid_row_major():
    grid = sweep_shifts("grid", 4, 5, radius=2)
    expected = [[dy, dx] for dy in range(-2, 3) for dx in range(-2, 3)]
    assert grid.tolist() == expected


def test_sweep_shifts_radius_clipped_to_grid():
    assert sweep_shifts("dx", 4, 5, radius=9)[:, 1].tolist() == list(range(-5, 6))
    assert sweep_shifts("grid", 4, 5, radius=9).shape == (9 * 11, 2)
    assert sweep_shifts("dy", 4, 5, radius=0).tolist() == [[0, 0]]


def test_sweep_shifts_rejects_unknown_axis():
    with pytest.raises(PoolvizError, match=r"`axis` must be one of dx, dy, grid; got 'dz'"):
        sweep_shifts("dz", 4, 4)


def test_sweep_shifts_rejects_negative_radius():
    with pytest.raises(PoolvizError, match=r"`radius` must be at least 0; got -1"):
        sweep_shifts("dx", 4, 4, radius=-1)


# ---------------------------------------------------------------- changed_mask


def test_changed_mask_ignores_rounding_and_flags_real_changes():
    a = np.array([[1.0, 2.0, 0.0]])
    b = np.array([[1.0 + 1e-14, 2.5, 1e-12]])
    np.testing.assert_array_equal(changed_mask(a, b), [[False, True, False]])


def test_changed_mask_scales_tolerance_with_magnitude():
    a = np.array([1e6, 0.0])
    b = np.array([1e6 + 1e-4, 0.0])  # below 1e-9 * 1e6 = 1e-3
    assert not changed_mask(a, b).any()
    assert changed_mask(a, a + np.array([0.0, 2e-3])).tolist() == [False, True]
    assert RELATIVE_TOLERANCE == 1e-9


def test_changed_mask_zero_d():
    assert changed_mask(np.array(2.0), np.array(4.0)).item() is True
    assert changed_mask(np.array(2.0), np.array(2.0)).item() is False
