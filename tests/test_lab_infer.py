"""The inference-only pass (poolviz.lab.infer) against the training pass (nets._run).

The torch tests pin ``nets.forward`` to PyTorch; these pin it to the layer-by-layer pass
that the gradients are checked on, for every net, padding, dtype and a ragged last batch.
"""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.lab import infer, nets
from poolviz.lab.data import load_digits, shift_images


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    x = load_digits().x_test[:13]
    noise = np.random.default_rng(1).uniform(size=(4, 16, 16))
    return np.concatenate([x, shift_images(x, -4, 3), noise])


def _params() -> dict[str, np.ndarray]:
    params = nets.init_params(3)
    rng = np.random.default_rng(2)
    for k in params:
        if k.endswith("bias"):
            params[k] = rng.normal(0, 0.1, size=params[k].shape)
    return params


@pytest.mark.parametrize("padding", nets.PADDINGS)
@pytest.mark.parametrize("arch", nets.ARCHS)
def test_inference_equals_training_pass(arch: str, padding: str, images: np.ndarray) -> None:
    params = _params()
    ref = nets._run(params, images, arch, padding, False)[0]
    for batch in (len(images), 7):  # one batch; then batches of 7 and a shorter last one
        ours = infer.forward_batched(params, images, arch, padding, np.float64, batch)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("arch", nets.ARCHS)
def test_float32_stays_float32(arch: str, images: np.ndarray) -> None:
    params = _params()
    z = nets.forward(params, images, arch, "zero", np.float32)
    assert z.dtype == np.float32
    ref = nets.forward(params, images, arch, "zero", np.float64)
    np.testing.assert_allclose(z, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_empty_and_single() -> None:
    params = _params()
    assert nets.forward(params, np.zeros((0, 16, 16)), "aps").shape == (0, 10)
    one = nets.forward(params, np.ones((1, 16, 16)), "blurpool", "circular")
    assert one.shape == (1, 10) and np.isfinite(one).all()


def test_odd_width_and_integer_input() -> None:
    params = _params()
    x = np.random.default_rng(4).integers(0, 2, size=(3, 16, 15))
    ref = nets._run(params, x.astype(np.float64), "nopool", "zero", False)[0]
    np.testing.assert_allclose(nets.forward(params, x, "nopool"), ref, rtol=1e-12)
    small = x[:, :12, :12]  # 12 -> 6 -> 3: still the inference pass
    for arch in nets.ARCHS:
        ref = nets._run(params, small.astype(np.float64), arch, "circular", False)[0]
        np.testing.assert_allclose(nets.forward(params, small, arch, "circular"), ref,
                                   rtol=1e-12, atol=1e-12 * np.abs(ref).max())
