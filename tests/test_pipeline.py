"""poolviz.core.pipeline: layer labels, running pipelines, caps and error context, the book's example."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core import limits
from poolviz.core.checks import PoolvizError
from poolviz.core.kernels import make_kernel
from poolviz.core.ops import (
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
    relu,
)
from poolviz.core.patterns import book_inputs, make_preset
from poolviz.core.pipeline import (
    NEXT_KERNEL,
    Conv,
    GlobalPool,
    Pool,
    ReLU,
    check_grid,
    cumulative_strides,
    run_pipeline,
    with_pooling,
    without_pooling,
)
from poolviz.lessons.comparison import book_example

IDENTITY = ((1.0,),)
EDGE3 = tuple(tuple(row) for row in make_kernel("vertical edge", 3, 3).tolist())


def _labels(pipeline):
    return [layer.label for layer in pipeline]


def _rng_grid(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- labels


def test_conv_label_plain_sizes():
    assert Conv(EDGE3).label == "conv 3×3"
    assert Conv(((1.0, 2.0),)).label == "conv 1×2"
    assert Conv(NEXT_KERNEL, stride=2).label == "conv 2×2 /2"


def test_conv_label_stride_and_padding_suffix():
    assert Conv(EDGE3, stride=1, padding=1).label == "conv 3×3 pad 1"
    assert Conv(EDGE3, stride=2, padding=1).label == "conv 3×3 /2 pad 1"
    assert Conv(EDGE3, stride=(1, 2), padding=(0, 2)).label == "conv 3×3 /1×2 pad 0×2"
    assert Conv(EDGE3, stride=(2, 2), padding=(1, 1)).label == "conv 3×3 /2 pad 1"


def test_pool_labels_every_kind():
    assert Pool("max", 2, 2).label == "max-pool 2×2 /2"
    assert Pool("max", 3, 1, 1).label == "max-pool 3×3 pad 1"
    assert Pool("avg", 2, 2).label == "avg-pool 2×2 /2"
    assert Pool("avg", (2, 3), (1, 2)).label == "avg-pool 2×3 /1×2"
    assert Pool("aps", 2, 2).label == "APS max-pool 2×2 /2"
    assert Pool("aps", 3, 2).label == "APS max-pool 3×3 /2"


def test_pool_label_blur_always_reports_a_2x2_window():
    assert Pool("blur", 3, 2).label == "blur-pool 2×2 /2"
    assert Pool("blur", 2, 1).label == "blur-pool 2×2"


def test_relu_and_global_labels():
    assert ReLU().label == "ReLU"
    assert GlobalPool("max").label == "global max"
    assert GlobalPool("avg").label == "global avg"


def test_with_pooling_labels_default():
    assert _labels(with_pooling(EDGE3)) == [
        "conv 3×3",
        "max-pool 2×2 /2",
        "conv 2×2 /2",
        "global max",
    ]


def test_with_pooling_labels_relu_padding_avg():
    pipeline = with_pooling(
        EDGE3, conv_padding=1, use_relu=True, pool="avg", next_stride=1, global_kind="avg"
    )
    assert _labels(pipeline) == [
        "conv 3×3 pad 1",
        "ReLU",
        "avg-pool 2×2 /2",
        "conv 2×2",
        "global avg",
    ]


def test_without_pooling_labels():
    assert _labels(without_pooling(EDGE3, use_relu=True)) == [
        "conv 3×3",
        "ReLU",
        "conv 2×2 /2",
        "global max",
    ]


def test_run_pipeline_stage_labels_start_with_input():
    stages = run_pipeline(with_pooling(IDENTITY), make_preset("book"))
    assert [s.label for s in stages] == [
        "input",
        "conv 1×1",
        "max-pool 2×2 /2",
        "conv 2×2 /2",
        "global max",
    ]
    assert stages[0].layer is None
    assert [s.layer for s in stages[1:]] == list(with_pooling(IDENTITY))


# ---------------------------------------------------------------- maps equal the ops composed


def test_run_pipeline_with_pooling_equals_ops_by_hand():
    x = _rng_grid((9, 10))
    k = np.asarray(EDGE3)
    stages = run_pipeline(with_pooling(EDGE3, conv_padding=1, use_relu=True), x)
    a = conv2d(x, k, 1, 1)
    b = relu(a)
    c = max_pool2d(b, 2, 2)
    d = conv2d(c, np.ones((2, 2)), 2)
    e = global_max_pool(d)
    for stage, expected in zip(stages, [x, a, b, c, d, e], strict=True):
        np.testing.assert_array_equal(stage.maps, expected)


def test_run_pipeline_without_pooling_equals_ops_by_hand():
    x = _rng_grid((8, 8), seed=1)
    k = np.asarray(EDGE3)
    stages = run_pipeline(without_pooling(EDGE3, conv_stride=(1, 2), global_kind="avg"), x)
    a = conv2d(x, k, (1, 2), 0)
    b = conv2d(a, np.ones((2, 2)), 2)
    c = global_avg_pool(b)
    for stage, expected in zip(stages, [x, a, b, c], strict=True):
        np.testing.assert_array_equal(stage.maps, expected)


@pytest.mark.parametrize(
    ("layer", "op"),
    [
        (Pool("max", 3, 2, 1), lambda x: max_pool2d(x, 3, 2, 1)),
        (Pool("avg", 2, 1), lambda x: avg_pool2d(x, 2, 1)),
        (Pool("avg", 3, 2, 1), lambda x: avg_pool2d(x, 3, 2, 1)),
        (Pool("blur", 2, 2), lambda x: blur_pool2d(x, 2)),
        (Pool("aps", 2, 2), lambda x: aps_pool2d(x, 2, 2)),
        (Pool("aps", 3, 2), lambda x: aps_pool2d(x, 3, 2)),
        (Conv(EDGE3, 2, 1, bias=0.5), lambda x: conv2d(x, np.asarray(EDGE3), 2, 1, 0.5)),
        (ReLU(), relu),
        (GlobalPool("max"), global_max_pool),
        (GlobalPool("avg"), global_avg_pool),
    ],
)
def test_layer_call_equals_op(layer, op):
    x = _rng_grid((8, 8), seed=2)
    stages = run_pipeline((layer,), x)
    np.testing.assert_array_equal(stages[1].maps, op(x))


def test_run_pipeline_maps_are_float64_and_input_checked():
    stages = run_pipeline(with_pooling(IDENTITY), make_preset("book").astype(int))
    assert all(s.maps.dtype == np.float64 for s in stages)
    assert stages[-1].maps.shape == ()


# ---------------------------------------------------------------- vectorized over leading axes


@pytest.mark.parametrize("pool", ["max", "avg", "blur", "aps"])
def test_run_pipeline_stack_equals_loop_over_leading_axis(pool):
    xs = _rng_grid((5, 8, 8), seed=3)
    pipeline = with_pooling(EDGE3, conv_padding=1, use_relu=True, pool=pool)
    stacked = run_pipeline(pipeline, xs)
    for s in range(xs.shape[0]):
        single = run_pipeline(pipeline, xs[s])
        for a, b in zip(stacked, single, strict=True):
            assert a.maps.shape[1:] == b.maps.shape
            np.testing.assert_array_equal(a.maps[s], b.maps)


def test_run_pipeline_two_leading_axes():
    xs = _rng_grid((2, 3, 6, 7), seed=4)
    pipeline = without_pooling(EDGE3)
    stacked = run_pipeline(pipeline, xs)
    assert stacked[-1].maps.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            single = run_pipeline(pipeline, xs[i, j])
            for a, b in zip(stacked, single, strict=True):
                np.testing.assert_array_equal(a.maps[i, j], b.maps)


# ---------------------------------------------------------------- the book's example


def test_book_max_pool_rows_through_pipeline():
    inputs = book_inputs()
    stages = run_pipeline(with_pooling(IDENTITY), np.stack([inputs[k] for k in "ABC"]))
    pooled = stages[2].maps
    assert stages[2].label == "max-pool 2×2 /2"
    assert pooled.shape == (3, 4, 4)
    for index, row in zip(range(3), ([0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 1, 1]), strict=True):
        assert (pooled[index] == np.array(row, dtype=float)).all()


def test_book_next_layer_through_pipeline():
    inputs = book_inputs()
    stages = run_pipeline(with_pooling(IDENTITY), np.stack([inputs[k] for k in "ABC"]))
    assert stages[3].label == "conv 2×2 /2"
    np.testing.assert_array_equal(stages[3].maps[0], [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(stages[3].maps[1], [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(stages[3].maps[2], [[0.0, 4.0], [0.0, 4.0]])
    np.testing.assert_array_equal(stages[4].maps, [2.0, 2.0, 4.0])


def test_book_preset_single_run_matches_input_a():
    stages = run_pipeline(with_pooling(IDENTITY), make_preset("book"))
    np.testing.assert_array_equal(stages[2].maps, np.tile([0.0, 1.0, 1.0, 0.0], (4, 1)))
    np.testing.assert_array_equal(stages[3].maps, [[2.0, 2.0], [2.0, 2.0]])


def test_book_example_matches_pipeline():
    book = book_example()
    assert list(book.inputs) == ["A", "B", "C"]
    assert book.pool_label == "max-pool 2×2 /2"
    assert book.next_label == "conv 2×2 /2"
    for name, row in (("A", [0, 1, 1, 0]), ("B", [0, 1, 1, 0]), ("C", [0, 0, 1, 1])):
        np.testing.assert_array_equal(book.pooled[name], np.tile(np.array(row, float), (4, 1)))
    np.testing.assert_array_equal(book.next_maps["A"], [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(book.next_maps["B"], [[2.0, 2.0], [2.0, 2.0]])
    np.testing.assert_array_equal(book.next_maps["C"], [[0.0, 4.0], [0.0, 4.0]])
    assert book.global_max == {"A": 2.0, "B": 2.0, "C": 4.0}
    for name, x in book_inputs().items():
        np.testing.assert_array_equal(book.inputs[name], x)


def test_book_without_pooling_next_layer_input_differs_for_a_and_b():
    inputs = book_inputs()
    stages = run_pipeline(without_pooling(IDENTITY), np.stack([inputs["A"], inputs["B"]]))
    assert stages[2].label == "conv 2×2 /2"
    assert np.count_nonzero(stages[1].maps[0] != stages[1].maps[1]) == 32


# ---------------------------------------------------------------- errors carry context


def test_run_pipeline_error_names_layer_and_input_shape():
    pipeline = (Pool("max", 2, 2), Conv(tuple(tuple(r) for r in np.ones((5, 5)).tolist())))
    with pytest.raises(PoolvizError, match=r"^layer 2 \(conv 5×5\) on input shape \(4, 4\): "):
        run_pipeline(pipeline, np.zeros((8, 8)))


def test_run_pipeline_error_is_a_value_error_with_reason():
    with pytest.raises(ValueError, match=r"layer 1 \(conv 5×5\) on input shape \(4, 4\).*`kernel`"):
        run_pipeline(with_pooling(np.ones((5, 5))), np.zeros((4, 4)))


def test_run_pipeline_error_after_global_pool():
    with pytest.raises(PoolvizError, match=r"layer 2 \(ReLU\) on input shape \(\)"):
        run_pipeline((GlobalPool("max"), ReLU()), np.zeros((4, 4)))


def test_run_pipeline_error_for_aps_stride_not_dividing():
    with pytest.raises(
        PoolvizError, match=r"layer 1 \(APS max-pool 2×2 /2\) on input shape \(5, 5\)"
    ):
        run_pipeline((Pool("aps", 2, 2),), np.zeros((5, 5)))


def test_run_pipeline_error_for_pool_padding_too_large():
    with pytest.raises(PoolvizError, match=r"layer 1 \(max-pool 2×2 /2 pad 2\).*`padding`"):
        run_pipeline((Pool("max", 2, 2, 2),), np.zeros((6, 6)))


def test_run_pipeline_empty_pipeline_returns_input_only():
    x = _rng_grid((4, 4))
    stages = run_pipeline((), x)
    assert len(stages) == 1
    np.testing.assert_array_equal(stages[0].maps, x)


# ---------------------------------------------------------------- caps


@pytest.mark.parametrize("shape", [(3, 8), (8, 3), (65, 8), (8, 65), (2, 2), (3, 65, 4)])
def test_run_pipeline_rejects_grid_outside_caps(shape):
    with pytest.raises(ValueError, match=r"`x` must be between 4×4 and 64×64 cells"):
        run_pipeline(with_pooling(IDENTITY), np.zeros(shape))


@pytest.mark.parametrize("shape", [(4, 4), (64, 64), (4, 64), (2, 4, 5)])
def test_check_grid_accepts_edges_of_caps(shape):
    out = check_grid(np.zeros(shape, dtype=int))
    assert out.dtype == np.float64 and out.shape == shape


def test_check_grid_rejects_one_dimension():
    with pytest.raises(PoolvizError, match=r"`x` must have at least 2 dimensions"):
        check_grid(np.zeros(8))


def test_conv_rejects_kernel_larger_than_cap():
    kernel = tuple(tuple(r) for r in np.ones((8, 8)).tolist())
    with pytest.raises(ValueError, match=r"`kernel` must be at most 7×7; got 8×8"):
        Conv(kernel)
    with pytest.raises(ValueError, match=r"`kernel` must be at most 7×7; got 1×8"):
        Conv((tuple([1.0] * 8),))


def test_conv_accepts_kernel_at_cap():
    assert Conv(tuple(tuple(r) for r in np.ones((7, 7)).tolist())).size == (7, 7)


@pytest.mark.parametrize("weight", [np.nan, np.inf, -np.inf, 1000.5, -1e6])
def test_conv_rejects_bad_weights(weight):
    with pytest.raises(ValueError, match=r"`kernel` weights must be finite numbers between"):
        Conv(((1.0, weight),))


def test_conv_accepts_weights_at_cap():
    Conv(((limits.MAX_ABS_WEIGHT, -limits.MAX_ABS_WEIGHT),), bias=-limits.MAX_ABS_WEIGHT)


@pytest.mark.parametrize("bias", [np.nan, np.inf, 1001.0])
def test_conv_rejects_bad_bias(bias):
    with pytest.raises(ValueError, match=r"`bias` must be a finite number"):
        Conv(IDENTITY, bias=bias)


def test_with_pooling_rejects_nan_weight():
    with pytest.raises(PoolvizError, match=r"`kernel`"):
        with_pooling(((1.0, float("nan")),))


def test_conv_rejects_empty_kernel():
    with pytest.raises(PoolvizError, match=r"`kernel` must be a non-empty 2-D grid"):
        Conv(())


def test_pool_rejects_unknown_kind():
    with pytest.raises(PoolvizError, match=r"`kind` must be one of max, avg, blur, aps; got 'min'"):
        Pool("min")


@pytest.mark.parametrize("kind", ["blur", "aps"])
def test_pool_rejects_padding_for_blur_and_aps(kind):
    with pytest.raises(PoolvizError, match=rf"`padding` must be 0 for {kind} pooling"):
        Pool(kind, 2, 2, 1)


def test_global_pool_rejects_unknown_kind():
    with pytest.raises(PoolvizError, match=r"`kind` must be 'max' or 'avg'; got 'sum'"):
        GlobalPool("sum")


def test_with_pooling_rejects_unknown_pool():
    with pytest.raises(PoolvizError, match=r"`kind`"):
        with_pooling(IDENTITY, pool="median")


# ---------------------------------------------------------------- cumulative strides


def test_cumulative_strides_with_pooling():
    assert cumulative_strides(with_pooling(IDENTITY)) == [(1, 1), (1, 1), (2, 2), (4, 4), None]


def test_cumulative_strides_multiplies_each_axis():
    pipeline = with_pooling(
        EDGE3, conv_stride=(1, 2), use_relu=True, pool_stride=(3, 1), next_stride=(2, 1)
    )
    assert cumulative_strides(pipeline) == [(1, 1), (1, 2), (1, 2), (3, 2), (6, 2), None]


def test_cumulative_strides_without_pooling_and_empty():
    assert cumulative_strides(without_pooling(IDENTITY)) == [(1, 1), (1, 1), (2, 2), None]
    assert cumulative_strides(()) == [(1, 1)]


def test_cumulative_strides_length_matches_stages():
    pipeline = with_pooling(EDGE3, use_relu=True, pool="blur")
    assert len(cumulative_strides(pipeline)) == len(run_pipeline(pipeline, np.zeros((8, 8))))


def test_conv_rejects_a_bias_that_is_not_a_number():
    with pytest.raises(ValueError, match="`bias` must be a number"):
        Conv(((1.0,),), bias="1")


def test_pool_blur_taps_field():
    assert Pool("blur").taps == 3 and Pool("blur", stride=1).label == "blur-pool 2×2"
    four = Pool("blur", 2, 2, taps=4)
    assert four.label == "blur-pool 2×2 [1,3,3,1] /2" and four.taps == 4
    assert Pool("max", taps=4) == Pool("max") and Pool("max", taps=4).taps == 3
    with pytest.raises(PoolvizError, match="`taps` must be one of 3, 4; got 5"):
        Pool("blur", taps=5)
    x = np.random.default_rng(0).random((8, 8))
    np.testing.assert_array_equal(four(x), blur_pool2d(x, 2, taps=4))
    pipe = with_pooling(((1.0,),), pool="blur", blur_taps=4)
    assert pipe[1] == four
