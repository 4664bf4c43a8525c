"""The numpy forward pass against independently written PyTorch modules (float64).

Skips without torch unless POOLVIZ_REQUIRE_TORCH=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from poolviz.lab import nets
from poolviz.lab.data import load_digits, shift_images

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("POOLVIZ_REQUIRE_TORCH") == "1":
        raise
    pytest.skip("torch is not installed", allow_module_level=True)

RTOL = 1e-9
APS_TIE_RTOL = 1e-12


def t_conv(x, w, b, stride: int, padding: str):
    if padding == "circular":
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), w, b, stride=stride)
    return F.conv2d(x, w, b, stride=stride, padding=1)


def t_blurpool(x):
    c = x.shape[1]
    m = F.max_pool2d(x, 2, stride=1)
    k1 = torch.tensor([1.0, 2.0, 1.0], dtype=x.dtype)
    k = (k1[:, None] * k1[None, :] / 16.0).expand(c, 1, 3, 3).contiguous()
    return F.conv2d(F.pad(m, (1, 1, 1, 1), mode="reflect"), k, stride=2, groups=c)


def t_aps(x):
    n, c, h, w = x.shape
    y = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode="circular"), 2, stride=1)
    comps = torch.stack([y[:, :, p::2, q::2] for p in (0, 1) for q in (0, 1)], dim=1)
    sq = (comps**2).reshape(n, 4, -1)
    norms = torch.sort(sq, dim=-1).values.sum(dim=-1)
    best = norms.max(dim=1, keepdim=True).values
    close = norms >= best - APS_TIE_RTOL * best
    pick = torch.argmax(close.to(torch.int64) * (4 - torch.arange(4)), dim=1)  # first True
    return comps[torch.arange(n), pick]


def torch_forward(sd: dict, x, arch: str, padding: str):
    strides = (1, 2, 2) if arch == "strided" else (1, 1, 1)
    down = {
        "maxpool": lambda t: F.max_pool2d(t, 2),
        "avgpool": lambda t: F.avg_pool2d(t, 2),
        "blurpool": t_blurpool,
        "aps": t_aps,
    }.get(arch)
    h = x[:, None]
    for i, s in enumerate(strides, start=1):
        h = F.relu(t_conv(h, sd[f"conv{i}.weight"], sd[f"conv{i}.bias"], s, padding))
        if i < 3 and down is not None:
            h = down(h)
    return F.linear(h.mean(dim=(2, 3)), sd["fc.weight"], sd["fc.bias"])


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    d = load_digits()
    x = d.x_test[:40]
    # Shifted digits too, so borders and every polyphase choice get exercised.
    return np.concatenate([x, shift_images(x, 3, -2), shift_images(x, -1, 4, "circular")])


@pytest.mark.parametrize("padding", nets.PADDINGS)
@pytest.mark.parametrize("arch", nets.ARCHS)
def test_forward_matches_torch(arch: str, padding: str, images: np.ndarray) -> None:
    params = nets.init_params(11)
    # Nonzero biases, so the padding's effect on the bias is exercised as well.
    rng = np.random.default_rng(0)
    for k in params:
        if k.endswith("bias"):
            params[k] = rng.normal(0, 0.1, size=params[k].shape)
    sd = {k: torch.from_numpy(v) for k, v in params.items()}
    ours = nets.forward(params, images, arch, padding)
    with torch.no_grad():
        ref = torch_forward(sd, torch.from_numpy(images), arch, padding).numpy()
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * np.abs(ref).max())


def test_blurpool_and_aps_equal_the_core_per_channel() -> None:
    try:
        from poolviz.core import ops
    except ImportError:
        from poolviz import ops
    from poolviz.lab import layers

    x = np.random.default_rng(3).uniform(size=(3, 16, 16, 5))
    blur, _ = layers.blurpool_forward(x)
    core = ops.blur_pool2d(x.transpose(0, 3, 1, 2), stride=2).transpose(0, 2, 3, 1)
    assert np.array_equal(blur, core)
    # One channel: the lab's all-channel norm is the core's single-map norm.
    one = x[..., :1]
    aps, _ = layers.aps_forward(one)
    assert np.array_equal(aps[..., 0], ops.aps_pool2d(one[..., 0], size=2, stride=2))
