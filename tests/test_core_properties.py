"""Property-based checks of the pipeline and the sweep (hypothesis): output shapes follow the
floor formula or the pipeline raises PoolvizError exactly when a layer cannot run; the
vectorized sweep equals a loop over shifts."""

from __future__ import annotations

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from poolviz.core.checks import PoolvizError
from poolviz.core.pipeline import Conv, GlobalPool, Pool, ReLU, run_pipeline, with_pooling

try:  # the loop reference lives beside the example tests
    from test_invariance import _assert_sweep_matches
except ImportError:  # tests/ imported as a package
    from tests.test_invariance import _assert_sweep_matches

SETTINGS = settings(max_examples=50, deadline=None)

pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@st.composite
def conv_layers(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    weights = draw(st.lists(st.integers(-3, 3), min_size=kh * kw, max_size=kh * kw))
    kernel = tuple(tuple(float(v) for v in weights[r * kw : (r + 1) * kw]) for r in range(kh))
    stride = draw(st.one_of(st.integers(1, 3), pairs))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))))
    return Conv(kernel, stride, padding, float(draw(st.integers(-2, 2))))


@st.composite
def pool_layers(draw):
    kind = draw(st.sampled_from(["max", "avg", "blur", "aps"]))
    size = draw(st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    stride = draw(st.one_of(st.integers(1, 3), pairs))
    padding = 0 if kind in ("blur", "aps") else draw(st.integers(0, 2))
    return Pool(kind, size, stride, padding)


layers = st.one_of(conv_layers(), pool_layers(), st.just(ReLU()))


@st.composite
def pipelines(draw):
    body = draw(st.lists(layers, min_size=0, max_size=4))
    tail = draw(st.sampled_from([(), (GlobalPool("max"),), (GlobalPool("avg"),)]))
    return tuple(body) + tail


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def expected_shape(layer, shape):
    """The (h, w) after ``layer`` from the floor formulas, or None if it cannot run."""
    if shape is None or shape == ():  # nothing runs on a global pool's number
        return None
    h, w = shape
    if isinstance(layer, ReLU):
        return shape
    if isinstance(layer, GlobalPool):
        return ()
    if isinstance(layer, Conv):
        (kh, kw), (sh, sw), (ph, pw) = layer.size, _pair(layer.stride), _pair(layer.padding)
        hp, wp = h + 2 * ph, w + 2 * pw
        if kh > hp or kw > wp:
            return None
        return ((hp - kh) // sh + 1, (wp - kw) // sw + 1)
    (kh, kw), (sh, sw), (ph, pw) = _pair(layer.size), _pair(layer.stride), _pair(layer.padding)
    if layer.kind in ("max", "avg"):
        hp, wp = h + 2 * ph, w + 2 * pw
        if ph > kh // 2 or pw > kw // 2 or kh > hp or kw > wp:
            return None
        return ((hp - kh) // sh + 1, (wp - kw) // sw + 1)
    if layer.kind == "blur":
        if h < 3 or w < 3:
            return None
        return ((h - 2) // sh + 1, (w - 2) // sw + 1)
    # aps: stride divides the input, circular window at most the input
    if h % sh or w % sw or kh > h or kw > w:
        return None
    return (h // sh, w // sw)


@SETTINGS
@given(
    pipeline=pipelines(),
    h=st.integers(4, 20),
    w=st.integers(4, 20),
    lead=st.sampled_from([(), (2,)]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_pipeline_shapes_follow_floor_formula_or_raise(pipeline, h, w, lead, seed):
    x = np.random.default_rng(seed).standard_normal(lead + (h, w))
    shapes = [(h, w)]
    failing = None
    for index, layer in enumerate(pipeline, start=1):
        shapes.append(expected_shape(layer, shapes[-1]))
        if shapes[-1] is None:
            failing = index
            break
    event("raises" if failing is not None else "runs")
    if failing is not None:
        try:
            run_pipeline(pipeline, x)
        except PoolvizError as error:
            assert str(error).startswith(f"layer {failing} ({pipeline[failing - 1].label})")
        else:
            raise AssertionError(f"expected layer {failing} to fail; shapes {shapes}")
        return
    stages = run_pipeline(pipeline, x)
    assert len(stages) == len(pipeline) + 1
    for stage, shape in zip(stages, shapes, strict=True):
        assert stage.maps.shape == lead + shape
        assert np.isfinite(stage.maps).all()


@st.composite
def sweep_cases(draw):
    h, w = draw(st.integers(6, 10)), draw(st.integers(6, 10))  # every case below fits
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        x = (rng.random((h, w)) < 0.3).astype(float)  # binary: ties and exact zeros
    else:
        x = np.round(rng.standard_normal((h, w)), 2)
    k = draw(st.integers(1, 3))
    kernel = tuple(
        tuple(float(v) for v in row) for row in rng.integers(-2, 3, size=(k, k)).tolist()
    )
    pool = draw(st.sampled_from(["max", "avg", "blur"]))
    pipeline = with_pooling(
        kernel,
        conv_padding=draw(st.integers(0, 1)),
        use_relu=draw(st.booleans()),
        pool=pool,
        next_stride=draw(st.integers(1, 2)),
        global_kind=draw(st.sampled_from(["max", "avg"])),
    )
    shifts = draw(
        st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=5)
    )
    mode = draw(st.sampled_from(["zero", "wrap"]))
    return x, pipeline, np.array(shifts, dtype=int), mode


@SETTINGS
@given(case=sweep_cases())
def test_sweep_equals_loop_reference(case):
    x, pipeline, shifts, mode = case
    _assert_sweep_matches(x, pipeline, shifts, mode)
