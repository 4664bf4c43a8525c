"""The ops and whole pipelines against ``torch.nn.functional`` in float64.

PyTorch is not a project dependency: these tests skip without it, and fail instead under
``POOLVIZ_REQUIRE_TORCH=1`` (``.ci/run`` sets it). To run them, install torch into the dev
environment (``pip install torch==2.13.0``). BlurPool and APS are checked against the
independent oracles of ``tests/torch_oracles.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import require_torch

torch = require_torch()
F = torch.nn.functional

import torch_oracles  # noqa: E402  (imports torch: only after require_torch)

from poolviz.core.kernels import make_kernel  # noqa: E402
from poolviz.core.ops import (  # noqa: E402
    aps_pool2d,
    avg_pool2d,
    blur_pool2d,
    conv2d,
    global_avg_pool,
    global_max_pool,
    max_pool2d,
)
from poolviz.core.patterns import book_inputs, make_preset  # noqa: E402
from poolviz.core.pipeline import (  # noqa: E402
    Conv,
    GlobalPool,
    Pool,
    ReLU,
    run_pipeline,
    with_pooling,
    without_pooling,
)

RNG_CASES = 60


def _t(x):
    """(..., H, W) numpy -> (N, 1, H, W) float64 tensor."""
    x = np.asarray(x, dtype=np.float64)
    return torch.from_numpy(x.reshape((-1, 1) + x.shape[-2:]).copy())


def _back(t, lead):
    out = t.detach().numpy()
    return out.reshape(lead + out.shape[-2:])


def _cases(seed):
    """Random (lead, H, W, kernel, stride, padding) cases, reproducible."""
    rng = np.random.default_rng(seed)
    for _ in range(RNG_CASES):
        lead = [(), (3,), (2, 2)][rng.integers(3)]
        h, w = int(rng.integers(1, 13)), int(rng.integers(1, 13))
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        yield rng, lead, h, w, (kh, kw), (sh, sw)


# ---------------------------------------------------------------- single ops


def test_conv2d_matches_torch():
    checked = 0
    for rng, lead, h, w, (kh, kw), stride in _cases(0):
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        if kh > h + 2 * padding[0] or kw > w + 2 * padding[1]:
            continue
        x = rng.standard_normal(lead + (h, w))
        k = rng.standard_normal((kh, kw))
        bias = float(rng.standard_normal())
        got = conv2d(x, k, stride, padding, bias)
        want = F.conv2d(
            _t(x),
            torch.from_numpy(k.reshape(1, 1, kh, kw)),
            torch.tensor([bias], dtype=torch.float64),
            stride=stride,
            padding=padding,
        )
        np.testing.assert_allclose(got, _back(want, lead), rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_matches_torch(kind):
    checked = 0
    for rng, lead, h, w, (kh, kw), stride in _cases(1 if kind == "max" else 2):
        padding = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
        if kh > h + 2 * padding[0] or kw > w + 2 * padding[1]:
            continue
        x = rng.standard_normal(lead + (h, w)) - 3.0  # mostly negative: -inf padding matters
        if kind == "max":
            got = max_pool2d(x, (kh, kw), stride, padding)
            want = F.max_pool2d(_t(x), (kh, kw), stride, padding)
        else:
            got = avg_pool2d(x, (kh, kw), stride, padding)
            want = F.avg_pool2d(_t(x), (kh, kw), stride, padding, count_include_pad=True)
        np.testing.assert_allclose(got, _back(want, lead), rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked >= 20


def test_max_pool2d_padding_acts_as_minus_infinity():
    x = -np.arange(1.0, 17.0).reshape(4, 4)
    got = max_pool2d(x, 3, 2, 1)
    want = F.max_pool2d(_t(x), 3, 2, 1)
    np.testing.assert_array_equal(got, _back(want, ()))
    assert (got < 0).all()  # zero padding would have given zeros in the corners


def test_avg_pool2d_padding_counts_as_zero_cells():
    x = np.ones((2, 2))
    got = avg_pool2d(x, 2, 2, 1)
    want = F.avg_pool2d(_t(x), 2, 2, 1, count_include_pad=True)
    np.testing.assert_array_equal(got, _back(want, ()))
    np.testing.assert_array_equal(got, np.full((2, 2), 0.25))


def test_global_pools_match_torch():
    x = np.random.default_rng(3).standard_normal((4, 5, 7))
    np.testing.assert_allclose(global_max_pool(x), torch.from_numpy(x).amax(dim=(-2, -1)))
    np.testing.assert_allclose(
        global_avg_pool(x), F.adaptive_avg_pool2d(_t(x), 1).numpy().ravel(), rtol=1e-13
    )


# ---------------------------------------------------------------- whole pipelines


def _torch_layer(layer, t):
    if isinstance(layer, Conv):
        k = torch.tensor(layer.kernel, dtype=torch.float64)[None, None]
        bias = torch.tensor([layer.bias], dtype=torch.float64)
        return F.conv2d(t, k, bias, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, ReLU):
        return F.relu(t)
    if isinstance(layer, Pool):
        if layer.kind == "max":
            return F.max_pool2d(t, layer.size, layer.stride, layer.padding)
        if layer.kind == "avg":
            return F.avg_pool2d(t, layer.size, layer.stride, layer.padding, count_include_pad=True)
        if layer.kind == "blur":
            return torch_oracles.blur_pool(t, layer.stride, layer.taps)
        return torch_oracles.aps_pool(t, layer.size, layer.stride)
    if layer.kind == "max":
        return t.amax(dim=(-2, -1), keepdim=True)
    return t.mean(dim=(-2, -1), keepdim=True)


def _torch_stages(pipeline, x):
    t = _t(x)
    maps = [t]
    for layer in pipeline:
        t = _torch_layer(layer, t)
        maps.append(t)
    return maps


def _assert_pipeline_matches(pipeline, x):
    lead = np.shape(x)[:-2]
    stages = run_pipeline(pipeline, x)
    expected = _torch_stages(pipeline, x)
    for stage, t, layer in zip(stages, expected, (None,) + tuple(pipeline), strict=True):
        want = t.detach().numpy()
        if isinstance(layer, GlobalPool):
            want = want.reshape(lead)
        else:
            want = want.reshape(lead + want.shape[-2:])
        assert stage.maps.shape == want.shape, stage.label
        np.testing.assert_allclose(stage.maps, want, rtol=1e-12, atol=1e-12, err_msg=stage.label)


KERNELS = ["identity", "vertical edge", "Laplacian", "Gaussian", "random"]


@pytest.mark.parametrize(
    ("kernel", "size"), list(itertools.product(KERNELS, [(1, 1), (2, 3), (3, 3), (5, 4)]))
)
def test_standard_pipelines_match_torch(kernel, size):
    k = make_kernel(kernel, *size, seed=5)
    x = np.random.default_rng(4).standard_normal((3, 16, 15))
    for pipeline in (
        with_pooling(k),
        with_pooling(k, conv_padding=1, use_relu=True, pool="avg", global_kind="avg"),
        with_pooling(k, conv_stride=2, pool_size=3, pool_stride=(1, 2), next_stride=1),
        without_pooling(k, conv_padding=(2, 1), use_relu=True, next_padding=1),
    ):
        _assert_pipeline_matches(pipeline, x)


def test_random_pipelines_match_torch():
    rng = np.random.default_rng(6)
    checked = 0
    for _ in range(40):
        layers = []
        for _ in range(int(rng.integers(1, 5))):
            choice = rng.integers(3)
            if choice == 0:
                kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
                kernel = tuple(map(tuple, rng.integers(-3, 4, size=(kh, kw)).astype(float)))
                stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
                padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
                layers.append(Conv(kernel, stride, padding, float(rng.integers(-2, 3))))
            elif choice == 1:
                layers.append(ReLU())
            else:
                kind = ["max", "avg"][rng.integers(2)]
                size = int(rng.integers(1, 4))
                layers.append(
                    Pool(kind, size, int(rng.integers(1, 4)), int(rng.integers(0, size // 2 + 1)))
                )
        layers.append(GlobalPool(["max", "avg"][rng.integers(2)]))
        x = rng.standard_normal((2, int(rng.integers(8, 17)), int(rng.integers(8, 17))))
        try:
            run_pipeline(tuple(layers), x)
        except ValueError:
            continue  # a layer does not fit; the shapes test covers that
        _assert_pipeline_matches(tuple(layers), x)
        checked += 1
    assert checked >= 15


def test_book_inputs_match_torch():
    inputs = book_inputs()
    x = np.stack([inputs[k] for k in "ABC"])
    _assert_pipeline_matches(with_pooling(((1.0,),)), x)
    _assert_pipeline_matches(without_pooling(((1.0,),)), x)
    _assert_pipeline_matches(with_pooling(((1.0,),)), make_preset("L", 16, 16))


# ---------------------------------------------------------------- BlurPool and APS oracles


def test_oracles_agree_with_torch_semantics():
    # argmax keeps the first of equal maxima (the APS tie rule relies on it)
    assert int(torch.argmax(torch.tensor([1.0, 3.0, 3.0, 2.0]))) == 1
    # the 4-tap oracle pads (1, 2) like antialiased-cnns' ReflectionPad2d([1, 2, 1, 2])
    t = torch.arange(25.0, dtype=torch.float64).reshape(1, 1, 5, 5)
    assert torch_oracles.blur_pool(t, 2, 4).shape == torch_oracles.blur_pool(t, 2, 3).shape


@pytest.mark.parametrize("taps", [3, 4])
def test_blur_pool_matches_the_oracle(taps):
    rng = np.random.default_rng(20 + taps)
    checked = 0
    for _ in range(60):
        n, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        h, w = int(rng.integers(taps, 14)), int(rng.integers(taps, 14))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        x = rng.standard_normal((n, c, h, w))
        if rng.random() < 0.3:
            x = (x > 0.5).astype(float)  # binary patterns, like the page's
        got = blur_pool2d(x, stride, taps=taps)
        want = torch_oracles.blur_pool(torch.from_numpy(x), stride, taps).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked == 60


def test_blur_pool_4_taps_needs_4x4_like_torch():
    with pytest.raises(ValueError, match="at least 4x4"):
        blur_pool2d(np.ones((3, 5)), taps=4)
    with pytest.raises(RuntimeError):  # torch refuses the same reflect padding
        torch_oracles.blur_pool(torch.ones(1, 1, 3, 5, dtype=torch.float64), 2, 4)
    blur_pool2d(np.ones((3, 5)), taps=3)  # 3 taps: 3x3 suffices, as before


@pytest.mark.parametrize("integer", [True, False])
def test_aps_pool_matches_the_oracle(integer):
    rng = np.random.default_rng(30 + integer)
    checked = 0
    for _ in range(80):
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = sh * int(rng.integers(1, 6)), sw * int(rng.integers(1, 6))
        kh, kw = int(rng.integers(1, min(3, h) + 1)), int(rng.integers(1, min(3, w) + 1))
        if integer:  # small integers: exact norms, so ties are exact and first wins
            x = rng.integers(0, 3, size=(2, h, w)).astype(float)
        else:
            x = rng.standard_normal((2, h, w))
        got = aps_pool2d(x, (kh, kw), (sh, sw))
        want = torch_oracles.aps_pool(_t(x), (kh, kw), (sh, sw))
        np.testing.assert_allclose(got, _back(want, (2,)), rtol=1e-12, atol=1e-12)
        checked += 1
    assert checked == 80


@pytest.mark.parametrize("taps", [3, 4])
@pytest.mark.parametrize("shape, stride", [((7, 7), 2), ((8, 6), (1, 2)), ((5, 9), 3)])
def test_blur_receptive_field_matches_torch_dependence(taps, shape, stride):
    """An input cell feeds an output cell iff raising it by 1000 changes that cell.

    All blur weights are positive and a big enough bump always wins its 2x2 maxima, so
    "changes the output" is exactly "lies in the footprint" (reflections included).
    """
    from poolviz.core.receptive import input_window, output_shape

    layer = Pool("blur", 2, stride, taps=taps)
    h, w = shape
    x = np.random.default_rng(1).standard_normal(shape)
    bumps = np.repeat(x[None], h * w, axis=0)
    bumps[np.arange(h * w), np.arange(h * w) // w, np.arange(h * w) % w] += 1000.0
    base = torch_oracles.blur_pool(_t(x), stride, taps)[0, 0].numpy()
    moved = torch_oracles.blur_pool(_t(bumps), stride, taps)[:, 0].numpy()
    depends = np.abs(moved - base[None]) > 1e-9  # (cells, out_h, out_w)
    assert output_shape(layer, shape) == base.shape
    for i in range(base.shape[0]):
        for j in range(base.shape[1]):
            window = input_window(layer, shape, i, j)
            np.testing.assert_array_equal(
                window.mask.ravel(), depends[:, i, j], err_msg=f"cell {(i, j)}"
            )


@pytest.mark.parametrize("taps", [3, 4])
def test_blur_pipelines_match_torch(taps):
    k = make_kernel("Laplacian", 3, 3, seed=0)
    x = np.random.default_rng(7).standard_normal((3, 16, 15))
    for stride in (2, (1, 2), 3):
        _assert_pipeline_matches(
            with_pooling(k, pool="blur", pool_stride=stride, blur_taps=taps), x
        )
    _assert_pipeline_matches(with_pooling(k, pool="aps", pool_size=3, pool_stride=1), x)
