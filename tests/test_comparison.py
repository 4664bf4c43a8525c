"""poolviz.lessons.comparison: compare equals separate runs, failing pipelines, next_layer_index."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.kernels import make_kernel
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import (
    Conv,
    GlobalPool,
    Pool,
    run_pipeline,
    with_pooling,
    without_pooling,
)
from poolviz.lessons.comparison import (
    WITH_POOLING,
    WITHOUT_POOLING,
    PipelineRun,
    compare,
    next_layer_index,
    standard_pipelines,
)

IDENTITY = ((1.0,),)


def _assert_run_matches(run, pipeline, x, dy, dx, mode):
    original = run_pipeline(pipeline, x)
    shifted = run_pipeline(pipeline, shift(x, dy, dx, mode))
    assert run.ok and run.error is None
    assert run.labels == tuple(s.label for s in original)
    assert len(run.original) == len(run.shifted) == len(original)
    for got, want in zip(run.original, original, strict=True):
        assert got.shape == want.maps.shape
        np.testing.assert_array_equal(got, want.maps)
    for got, want in zip(run.shifted, shifted, strict=True):
        assert got.shape == want.maps.shape
        np.testing.assert_array_equal(got, want.maps)


@pytest.mark.parametrize(
    ("dx", "dy", "mode"), [(0, 0, "zero"), (1, 0, "zero"), (-2, 3, "zero"), (3, -1, "wrap")]
)
@pytest.mark.parametrize("pool", ["max", "avg", "blur", "aps"])
def test_compare_equals_separate_runs(dx, dy, mode, pool):
    x = make_preset("L", 8, 8)
    kernel = make_kernel("vertical edge", 3, 3)
    pipelines = standard_pipelines(kernel, conv_padding=1, use_relu=True, pool=pool)
    runs = compare(x, pipelines, dx=dx, dy=dy, mode=mode)
    assert list(runs) == [WITH_POOLING, WITHOUT_POOLING]
    for name, pipeline in pipelines.items():
        assert runs[name].name == name
        _assert_run_matches(runs[name], pipeline, x, dy, dx, mode)


def test_compare_book_dx_one_pooled_map_unchanged():
    runs = compare(make_preset("book"), standard_pipelines(IDENTITY), dx=1)
    run = runs[WITH_POOLING]
    np.testing.assert_array_equal(run.original[2], run.shifted[2])
    np.testing.assert_array_equal(run.original[2], np.tile([0.0, 1.0, 1.0, 0.0], (4, 1)))
    assert not np.array_equal(runs[WITHOUT_POOLING].original[1], runs[WITHOUT_POOLING].shifted[1])


def test_compare_shifted_input_stage_is_the_shift():
    x = make_preset("cross", 9, 7)
    runs = compare(x, standard_pipelines(IDENTITY), dx=-1, dy=2, mode="wrap")
    np.testing.assert_array_equal(runs[WITH_POOLING].original[0], x)
    np.testing.assert_array_equal(runs[WITH_POOLING].shifted[0], np.roll(x, (2, -1), (0, 1)))


def test_compare_global_stage_is_zero_d():
    runs = compare(make_preset("book"), standard_pipelines(IDENTITY), dx=2)
    assert runs[WITH_POOLING].original[-1].shape == ()
    assert float(runs[WITH_POOLING].original[-1]) == 2.0
    assert float(runs[WITH_POOLING].shifted[-1]) == 4.0


def test_compare_failing_pipeline_sets_error_and_other_still_runs():
    x = make_preset("book", 4, 4)
    big = tuple(tuple(r) for r in np.ones((7, 7)).tolist())
    pipelines = {"too big": with_pooling(big), "fine": without_pooling(IDENTITY)}
    runs = compare(x, pipelines, dx=1)
    bad = runs["too big"]
    assert not bad.ok
    assert bad.error is not None
    assert bad.error.startswith("layer 1 (conv 7×7) on input shape (4, 4): `kernel`")
    assert bad.labels == ("conv 7×7", "max-pool 2×2 /2", "conv 2×2 /2", "global max")
    assert bad.original == () and bad.shifted == ()
    _assert_run_matches(runs["fine"], pipelines["fine"], x, 0, 1, "zero")


def test_compare_error_late_in_pipeline():
    # 5×5 -> conv 1×1 -> 5×5 -> conv 3×3 /2 -> 2×2, where a 3×3 conv cannot fit
    pipelines = {"late": (Conv(IDENTITY), Conv(((1.0,) * 3,) * 3, 2), Conv(((1.0,) * 3,) * 3))}
    runs = compare(np.ones((5, 5)), pipelines)
    assert runs["late"].error.startswith("layer 3 (conv 3×3) on input shape (2, 2)")


def test_compare_empty_pipelines():
    assert compare(make_preset("book"), {}) == {}


def test_compare_rejects_stack():
    with pytest.raises(PoolvizError, match=r"`x` must be a single \(H, W\) pattern"):
        compare(np.zeros((2, 8, 8)), standard_pipelines(IDENTITY))


def test_compare_rejects_small_grid():
    with pytest.raises(PoolvizError, match=r"`x` must be between 4×4 and 64×64 cells; got 3×3"):
        compare(np.zeros((3, 3)), standard_pipelines(IDENTITY))


def test_compare_rejects_bad_shift_arguments():
    with pytest.raises(PoolvizError, match=r"`dx` must be an int; got 1.5"):
        compare(make_preset("book"), standard_pipelines(IDENTITY), dx=1.5)
    with pytest.raises(PoolvizError, match=r"`mode` must be one of 'zero', 'wrap'"):
        compare(make_preset("book"), standard_pipelines(IDENTITY), mode="mirror")


def test_pipeline_run_ok_property():
    assert PipelineRun("a", (), (), ()).ok
    assert not PipelineRun("a", (), (), (), error="boom").ok


def test_standard_pipelines_share_front_and_tail():
    pipelines = standard_pipelines(
        IDENTITY, conv_stride=2, conv_padding=1, use_relu=True, pool="avg", next_stride=1
    )
    assert pipelines[WITH_POOLING] == with_pooling(
        IDENTITY, conv_stride=2, conv_padding=1, use_relu=True, pool="avg", next_stride=1
    )
    assert pipelines[WITHOUT_POOLING] == without_pooling(
        IDENTITY, conv_stride=2, conv_padding=1, use_relu=True, next_stride=1
    )
    assert pipelines[WITH_POOLING][:2] == pipelines[WITHOUT_POOLING][:2]
    assert pipelines[WITH_POOLING][-2:] == pipelines[WITHOUT_POOLING][-2:]


# ---------------------------------------------------------------- next_layer_index


def test_next_layer_index_standard_pipelines():
    runs = compare(make_preset("book"), standard_pipelines(IDENTITY, use_relu=True))
    assert next_layer_index(runs[WITH_POOLING].layers) == 3  # the max-pool after ReLU
    assert runs[WITH_POOLING].labels[3] == "max-pool 2×2 /2"
    assert next_layer_index(runs[WITHOUT_POOLING].layers) == 2  # the ReLU
    assert runs[WITHOUT_POOLING].labels[2] == "ReLU"


def test_next_layer_index_doctest_layers():
    layers = (None, Conv(((1.0,),)), Pool("max"), Conv(((1.0, 1.0), (1.0, 1.0)), 2), GlobalPool())
    assert next_layer_index(layers) == 2


def test_next_layer_index_uses_the_last_conv():
    k3 = ((1.0,) * 3,) * 3
    layers = (None, Conv(k3), Conv(k3), Pool("avg"), Conv(((1.0, 1.0),) * 2), GlobalPool("avg"))
    assert next_layer_index(layers) == 3


def test_next_layer_index_finds_stages_by_layer_not_by_label():
    # A stage whose label starts with "conv" but whose layer is a pool is not a conv.
    run = compare(make_preset("book"), standard_pipelines(IDENTITY))[WITH_POOLING]
    assert [type(layer).__name__ for layer in run.layers] == [
        "NoneType", "Conv", "Pool", "Conv", "GlobalPool"
    ]
    assert next_layer_index(run.layers) == 2


def test_next_layer_index_rejects_fewer_than_two_convs():
    with pytest.raises(PoolvizError, match=r"`layers` must hold two conv stages"):
        next_layer_index((None, Conv(((1.0,),)), GlobalPool()))
    with pytest.raises(PoolvizError, match=r"`layers` must hold two conv stages"):
        next_layer_index(tuple(s.layer for s in run_pipeline((GlobalPool(),), np.zeros((4, 4)))))
