"""Stage sizes, multiply-adds and receptive fields, checked against the receptive-field walks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz.core.checks import PoolvizError
from poolviz.core.costs import stage_costs, total_macs, unread
from poolviz.core.pipeline import (
    NEXT_KERNEL,
    Conv,
    GlobalPool,
    Pool,
    ReLU,
    run_pipeline,
    with_pooling,
)
from poolviz.core.receptive import upstream_masks


def _bbox_size(mask: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(mask)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def test_book_pipeline_numbers():
    costs = stage_costs(with_pooling(((1.0,),)), (8, 8))
    assert [c.cells for c in costs] == [64, 64, 16, 4, 1]
    assert [c.macs for c in costs] == [0, 64, 0, 16, 0]
    assert [c.field for c in costs] == [(1, 1), (1, 1), (2, 2), (4, 4), (8, 8)]
    assert [c.jump for c in costs] == [(1, 1), (1, 1), (2, 2), (4, 4), (4, 4)]


def test_pooling_cuts_the_next_layers_work_by_four():
    k3 = ((1.0,) * 3,) * 3
    pooled = stage_costs((Conv(k3, padding=1), Pool("max"), Conv(k3, padding=1)), (16, 16))
    plain = stage_costs((Conv(k3, padding=1), Conv(k3, padding=1)), (16, 16))
    assert plain[-1].macs == 4 * pooled[-1].macs
    assert pooled[-1].field == (8, 8) and plain[-1].field == (5, 5)


@pytest.mark.parametrize("kind", ["max", "avg", "blur", "aps"])
def test_field_equals_the_upstream_walk_for_an_interior_cell(kind):
    pipeline = (Conv(((1.0,) * 3,) * 3), Pool(kind, 2, 2), Conv(NEXT_KERNEL, 1))
    x = np.zeros((16, 16))
    x[5:9, 6] = 1.0  # APS's phase depends on the input; its width does not
    stages = run_pipeline(pipeline, x)
    costs = stage_costs(pipeline, x.shape)
    last = len(stages) - 1
    h, w = stages[last].maps.shape
    masks = upstream_masks(pipeline, x, last, h // 2, w // 2)
    assert _bbox_size(masks[0]) == costs[last].field


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(6, 14),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p=st.integers(0, 1),
    ps=st.integers(1, 3),
)
def test_unread_cells_are_those_no_window_reaches(n, k, s, p, ps):
    layer = Conv(((1.0,) * k,) * k, stride=s, padding=p) if ps == 1 else Pool("max", ps, s)
    try:
        stages = run_pipeline((layer,), np.zeros((n, n)))
    except PoolvizError:
        return
    h, w = stages[1].maps.shape
    read = np.zeros((n, n), bool)
    for r in range(h):
        for c in range(w):
            read |= upstream_masks((layer,), np.zeros((n, n)), 1, r, c)[0]
    rows, cols = unread(layer, (n, n))
    assert rows == tuple(i for i in range(n) if not read[i].any())
    assert cols == tuple(j for j in range(n) if not read[:, j].any())


def test_floor_output_size_leaves_the_last_column_unread():
    costs = stage_costs((Conv(((1.0,),)), Conv(NEXT_KERNEL, 2), GlobalPool()), (8, 7))
    assert costs[2].unread_cols == (6,) and costs[2].unread_rows == ()


def test_relu_and_totals():
    costs = stage_costs((Conv(((1.0, 1.0),)), ReLU(), GlobalPool("avg")), (4, 4))
    assert [c.macs for c in costs] == [0, 24, 0, 12]  # 4×3 cells × 2 weights; 12 adds
    assert total_macs(costs) == 36 and total_macs(costs, 2) == 12


def test_a_layer_after_the_global_pool_is_refused():
    with pytest.raises(PoolvizError, match="after its global pool"):
        stage_costs((GlobalPool(), ReLU()), (4, 4))


@pytest.mark.parametrize("n", range(4, 11))
@pytest.mark.parametrize("s", [1, 2, 3])
def test_blurpool_unread_cells_match_the_upstream_walk(n, s):
    layer = Pool("blur", stride=s)
    x = np.zeros((n, n))
    h, w = run_pipeline((layer,), x)[1].maps.shape
    read = np.zeros((n, n), bool)
    for r in range(h):
        for c in range(w):
            read |= upstream_masks((layer,), x, 1, r, c)[0]
    rows, cols = unread(layer, (n, n))
    assert rows == tuple(i for i in range(n) if not read[i].any())
    assert cols == tuple(j for j in range(n) if not read[:, j].any())
