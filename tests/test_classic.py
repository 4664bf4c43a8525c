"""poolviz.lessons.classic: the vectorized estimate against loops, exact enumeration, closed forms."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import neighbour_shifts, one_pixel_summary
from poolviz.core.ops import max_pool2d, shift
from poolviz.core.pipeline import Pool
from poolviz.lessons.classic import (
    cell_unchanged_probability,
    expected_unchanged_fraction,
    random_binary_patterns,
    single_dot_unchanged_fraction,
    unchanged_fraction_estimate,
    unchanged_fraction_exact,
    unchanged_matrix,
)


def loop_unchanged(patterns, size, stride, neighbours, mode, per):
    """One pattern and one shift at a time."""
    out = np.zeros((len(patterns), neighbours))
    for i, x in enumerate(patterns):
        base = max_pool2d(x, size, stride)
        for s, (dy, dx) in enumerate(neighbour_shifts(neighbours)):
            same = max_pool2d(shift(x, int(dy), int(dx), mode), size, stride) == base
            out[i, s] = same.all() if per == "map" else same.mean()
    return out


@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("neighbours", [4, 8])
@pytest.mark.parametrize("per", ["map", "cell"])
@pytest.mark.parametrize("pool", [(2, 2), (3, 2), ((2, 3), (1, 2))])
def test_vectorized_equals_loop(mode, neighbours, per, pool):
    size, stride = pool
    x = random_binary_patterns(40, 6, 7, density=0.3, seed=5)
    got = unchanged_matrix(x, size, stride, neighbours, mode, per)
    np.testing.assert_array_equal(got, loop_unchanged(x, size, stride, neighbours, mode, per))
    est = unchanged_fraction_estimate(
        40, 6, 7, 0.3, size, stride, neighbours, mode, seed=5, per=per
    )
    assert est.mean == pytest.approx(got.mean(axis=1).mean(), abs=1e-15)
    assert est.stderr == pytest.approx(got.mean(axis=1).std(ddof=1) / np.sqrt(40), abs=1e-15)
    np.testing.assert_allclose(est.per_shift, got.mean(axis=0))


def test_blocks_give_the_same_answer(monkeypatch):
    import poolviz.lessons.classic as classic

    x = random_binary_patterns(300, 8, 8, seed=2)
    whole = unchanged_matrix(x)
    monkeypatch.setattr(classic, "_BLOCK_ELEMENTS", 1000)  # 1 pattern per block
    np.testing.assert_array_equal(unchanged_matrix(x), whole)


def test_agrees_with_one_pixel_summary():
    x = random_binary_patterns(10, 8, 8, density=0.4, seed=3)
    shifts = [tuple(s) for s in neighbour_shifts(8).tolist()]
    for mode in ("zero", "wrap"):
        same = unchanged_matrix(x, mode=mode)
        for i in range(len(x)):
            rows = one_pixel_summary(x[i], (Pool("max", 2, 2),), mode, neighbours=8)
            kept = {s for s, ok in zip(shifts, same[i], strict=True) if ok}
            assert set(rows[1].unchanged_shifts) == kept


def test_deterministic_for_a_seed():
    a = unchanged_fraction_estimate(500, seed=7)
    b = unchanged_fraction_estimate(500, seed=7)
    c = unchanged_fraction_estimate(500, seed=8)
    assert (a.mean, a.stderr) == (b.mean, b.stderr)
    assert a.mean != c.mean
    assert expected_unchanged_fraction(500, seed=7) == a.mean


def test_default_is_fast():
    import time

    t0 = time.perf_counter()
    e = unchanged_fraction_estimate()
    assert time.perf_counter() - t0 < 1.0
    assert e.n_patterns == 2000 and e.shifts.shape == (8, 2) and 0 < e.stderr < 0.02


# ---------------------------------------------------------------- exact enumeration


def test_exact_matches_a_loop_over_every_pattern():
    # 3x4: all 4096 patterns one by one, weighted by their probability at density 0.3
    p, h, w = 0.3, 3, 4
    table = unchanged_fraction_exact(h, w, neighbours=8, mode="zero")
    total = 0.0
    for bits in itertools.product([0.0, 1.0], repeat=h * w):
        x = np.array(bits).reshape(h, w)
        k = int(x.sum())
        prob = p**k * (1 - p) ** (h * w - k)
        total += prob * loop_unchanged([x], 2, 2, 8, "zero", "map").mean()
    assert table.fraction(p) == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("density", [0.2, 0.5])
def test_exact_4x4_matches_monte_carlo(mode, density):
    table = unchanged_fraction_exact(4, 4, mode=mode)
    assert table.patterns.sum() == 2**16
    est = unchanged_fraction_estimate(40_000, 4, 4, density, mode=mode, seed=11)
    assert abs(est.mean - table.fraction(density)) < 5 * est.stderr
    ne = unchanged_fraction_estimate(40_000, 4, 4, density, mode=mode, seed=12, exclude_empty=True)
    assert abs(ne.mean - table.fraction(density, exclude_empty=True)) < 5 * ne.stderr


def test_exact_at_one_half_is_a_plain_count():
    table = unchanged_fraction_exact(4, 4, mode="wrap")
    assert table.fraction(0.5) == pytest.approx(table.counts.sum() / (2**16 * 8), rel=1e-14)
    assert table.fraction(0.0) == 1.0 and table.fraction(1.0) == 1.0  # all-0 / all-1 grids


def test_single_dot_is_three_of_eight():
    for mode in ("zero", "wrap"):
        assert single_dot_unchanged_fraction(8, 8, mode=mode) == 3 / 8
        assert single_dot_unchanged_fraction(6, 10, mode=mode, neighbours=4) == 1 / 2


@pytest.mark.parametrize("density", [0.05, 0.3, 0.5, 0.9])
def test_closed_form_per_cell(density):
    table = unchanged_fraction_exact(4, 4, mode="wrap", per="cell")
    assert cell_unchanged_probability(density) == pytest.approx(table.fraction(density), rel=1e-12)
    table4 = unchanged_fraction_exact(4, 4, neighbours=4, mode="wrap", per="cell")
    assert cell_unchanged_probability(density, 4) == pytest.approx(
        table4.fraction(density), rel=1e-12
    )


def test_argument_errors():
    with pytest.raises(PoolvizError, match="`density` must be a number between 0 and 1"):
        expected_unchanged_fraction(10, density=1.5)
    with pytest.raises(PoolvizError, match="`n_patterns` must be between 1 and"):
        expected_unchanged_fraction(0)
    with pytest.raises(PoolvizError, match="`mode` must be one of"):
        expected_unchanged_fraction(10, mode="reflect")
    with pytest.raises(PoolvizError, match="`count` must be 4 or 8"):
        expected_unchanged_fraction(10, neighbours=6)
    with pytest.raises(PoolvizError, match="at most 20 cells"):
        unchanged_fraction_exact(5, 5)
    with pytest.raises(PoolvizError, match="`pool_size` must be between 1 and the grid"):
        expected_unchanged_fraction(10, 4, 4, pool_size=5)
    with pytest.raises(PoolvizError, match="`per` must be one of"):
        expected_unchanged_fraction(10, per="pixel")
    with pytest.raises(PoolvizError, match="too low"):
        expected_unchanged_fraction(10, density=0.0, exclude_empty=True)
