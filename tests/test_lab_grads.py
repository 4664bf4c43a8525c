"""Every layer's backward pass against central finite differences (float64, small inputs)."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.lab import layers as L
from poolviz.lab import nets

EPS = 1e-6


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar f() with respect to every cell of x (in place)."""
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + EPS
        fp = f()
        flat[i] = old - EPS
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * EPS)
    return g


def check_layer(fwd, bwd, x: np.ndarray, seed: int = 0) -> None:
    """d/dx of sum(out * r) for a fixed random r must equal bwd(r)."""
    out, cache = fwd(x)
    r = np.random.default_rng(seed).normal(size=out.shape)
    analytic = bwd(r, cache)
    numeric = numeric_grad(lambda: float((fwd(x)[0] * r).sum()), x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("padding", ["zero", "circular"])
@pytest.mark.parametrize("stride", [1, 2])
def test_conv(padding: str, stride: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 6, 3))
    w = rng.normal(size=(4, 3, 3, 3))
    b = rng.normal(size=4)
    out, cache = L.conv_forward(x, w, b, stride, padding)
    r = rng.normal(size=out.shape)
    dx, dw, db = L.conv_backward(r, cache)

    def loss() -> float:
        return float((L.conv_forward(x, w, b, stride, padding)[0] * r).sum())

    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw, numeric_grad(loss, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numeric_grad(loss, b), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "kind",
    [
        (L.relu_forward, L.relu_backward),
        (L.maxpool_forward, L.maxpool_backward),
        (L.avgpool_forward, L.avgpool_backward),
        (L.blurpool_forward, L.blurpool_backward),
        (L.aps_forward, L.aps_backward),
        (L.gap_forward, L.gap_backward),
    ],
    ids=["relu", "maxpool", "avgpool", "blurpool", "aps", "gap"],
)
def test_pointwise_and_pools(kind) -> None:
    # Continuous random inputs: no ties in a max and no kink of ReLU within EPS.
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 3))
    check_layer(*kind, x)


def test_linear() -> None:
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=4)
    out, cache = L.linear_forward(x, w, b)
    r = rng.normal(size=out.shape)
    dx, dw, db = L.linear_backward(r, cache)

    def loss() -> float:
        return float((L.linear_forward(x, w, b)[0] * r).sum())

    for analytic, arr in ((dx, x), (dw, w), (db, b)):
        np.testing.assert_allclose(analytic, numeric_grad(loss, arr), rtol=1e-6, atol=1e-8)


def test_softmax_ce() -> None:
    rng = np.random.default_rng(4)
    z, y = rng.normal(size=(5, 10)), rng.integers(0, 10, size=5)
    _, g = L.softmax_ce(z, y)
    np.testing.assert_allclose(g, numeric_grad(lambda: L.softmax_ce(z, y)[0], z), atol=1e-8)


@pytest.mark.parametrize("padding", ["zero", "circular"])
@pytest.mark.parametrize("arch", nets.ARCHS)
def test_whole_net(arch: str, padding: str) -> None:
    """The composed backward pass, checked on a few weights of every parameter."""
    rng = np.random.default_rng(5)
    params = nets.init_params(7)
    x = rng.uniform(size=(2, 16, 16))
    y = np.array([3, 8])
    _, grads = nets.loss_and_grads(params, x, y, arch, padding)
    for name, arr in params.items():
        flat = arr.reshape(-1)
        for i in rng.choice(flat.size, size=min(3, flat.size), replace=False):
            old = flat[i]
            flat[i] = old + EPS
            fp = nets.loss_and_grads(params, x, y, arch, padding)[0]
            flat[i] = old - EPS
            fm = nets.loss_and_grads(params, x, y, arch, padding)[0]
            flat[i] = old
            num = (fp - fm) / (2 * EPS)
            assert grads[name].reshape(-1)[i] == pytest.approx(num, rel=1e-5, abs=1e-8), name
