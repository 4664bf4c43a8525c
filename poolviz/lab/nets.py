"""The six architectures on one skeleton, their parameters, forward and backward passes.

conv1 (1->8) -> ReLU -> down -> conv2 (8->16) -> ReLU -> down -> conv3 (16->32) -> ReLU
-> global average pool -> fc (32->10). Convs are 3x3 with padding 1 (zero or circular).
Parameters are a dict laid out as a PyTorch ``state_dict`` of the equivalent module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from poolviz.lab import infer
from poolviz.lab import layers as L

__all__ = [
    "ARCHS",
    "PADDINGS",
    "DOWN",
    "PARAM_SHAPES",
    "check_arch",
    "check_padding",
    "check_params",
    "init_params",
    "forward",
    "auto_batch",
    "feature_maps",
    "loss_and_grads",
    "predict_proba",
    "n_params",
    "macs",
    "receptive_field",
]

ARCHS = ("nopool", "maxpool", "avgpool", "strided", "blurpool", "aps")
PADDINGS = L.PAD_MODES
DOWN = {
    "nopool": "none: every map stays 16x16",
    "maxpool": "max-pool 2x2 stride 2",
    "avgpool": "average-pool 2x2 stride 2",
    "strided": "no pool; conv2 and conv3 have stride 2",
    "blurpool": "max 2x2 stride 1, binomial blur at stride 2 (Zhang 2019)",
    "aps": "circular max 2x2 stride 1, adaptive polyphase sampling (Chaman & Dokmanic 2021)",
}
PARAM_SHAPES = {
    "conv1.weight": (8, 1, 3, 3),
    "conv1.bias": (8,),
    "conv2.weight": (16, 8, 3, 3),
    "conv2.bias": (16,),
    "conv3.weight": (32, 16, 3, 3),
    "conv3.bias": (32,),
    "fc.weight": (10, 32),
    "fc.bias": (10,),
}
_POOLS = {
    "maxpool": (L.maxpool_forward, L.maxpool_backward),
    "avgpool": (L.avgpool_forward, L.avgpool_backward),
    "blurpool": (L.blurpool_forward, L.blurpool_backward),
    "aps": (L.aps_forward, L.aps_backward),
}


def check_arch(arch: Any) -> str:
    """Return ``arch`` if it is one of :data:`ARCHS`, else raise ValueError.

    >>> check_arch("lenet")
    Traceback (most recent call last):
    ...
    ValueError: `arch` must be one of ('nopool', 'maxpool', 'avgpool', 'strided', 'blurpool', 'aps'); got 'lenet'
    """
    if arch not in ARCHS:
        raise ValueError(f"`arch` must be one of {ARCHS}; got {arch!r}")
    return arch


def check_padding(padding: Any) -> str:
    """Return ``padding`` if it is "zero" or "circular", else raise ValueError."""
    if padding not in PADDINGS:
        raise ValueError(f"`padding` must be one of {PADDINGS}; got {padding!r}")
    return padding


def check_params(params: Any) -> dict[str, np.ndarray]:
    """Validate a state dict: every name of :data:`PARAM_SHAPES`, right shape, finite.

    >>> check_params({"conv1.weight": np.zeros((8, 1, 3, 3))})
    Traceback (most recent call last):
    ...
    ValueError: `params` must hold conv1.bias with shape (8,); it is missing
    """
    out = {}
    for name, shape in PARAM_SHAPES.items():
        if name not in params:
            raise ValueError(f"`params` must hold {name} with shape {shape}; it is missing")
        arr = np.asarray(params[name], dtype=np.float64)
        if arr.shape != shape:
            raise ValueError(f"`params[{name!r}]` must have shape {shape}; got {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"`params[{name!r}]` must be finite; got NaN or inf")
        out[name] = arr
    return out


def init_params(seed: int) -> dict[str, np.ndarray]:
    """He-normal weights (std sqrt(2 / fan_in)) and zero biases from ``seed``.

    >>> p = init_params(0)
    >>> p["conv2.weight"].shape, float(p["fc.bias"].sum())
    ((16, 8, 3, 3), 0.0)
    """
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in PARAM_SHAPES.items():
        if name.endswith("bias"):
            out[name] = np.zeros(shape)
        else:
            fan_in = int(np.prod(shape[1:]))
            out[name] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    return out


def _strides(arch: str) -> tuple[int, int, int]:
    return (1, 2, 2) if arch == "strided" else (1, 1, 1)


def _run(
    params: dict[str, np.ndarray], x: np.ndarray, arch: str, padding: str, keep: bool,
    grad: bool = True,
) -> tuple[np.ndarray, list, list]:
    """Forward through all layers; return logits, caches (for backward) and feature maps.

    ``grad=False`` skips what only the backward pass needs (ReLU masks, argmax cells).
    """
    dtype = x.dtype
    h = x[..., None]  # (N, H, W, 1): channels last
    caches: list = []
    maps: list = []
    for i, s in enumerate(_strides(arch), start=1):
        w = params[f"conv{i}.weight"].astype(dtype, copy=False)
        b = params[f"conv{i}.bias"].astype(dtype, copy=False)
        h, c = L.conv_forward(h, w, b, s, padding)
        caches.append(c)
        h, c = L.relu_forward(h, grad)
        caches.append(c)
        if keep:
            maps.append((f"conv{i}+relu", h))
        if i < 3 and arch in _POOLS:
            h, c = _POOLS[arch][0](h, grad)
            caches.append(c)
            if keep:
                maps.append((f"{arch}{i}", h))
    g, c = L.gap_forward(h)
    caches.append(c)
    w, b = (params[k].astype(dtype, copy=False) for k in ("fc.weight", "fc.bias"))
    logits, c = L.linear_forward(g, w, b)
    caches.append(c)
    return logits, caches, maps


def _prepare(x: Any, dtype: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"`x` must have shape (N, H, W); got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=dtype)


# Largest im2col matrix per batch: the L2 cache of one core (1 MiB here). The inference
# pass (poolviz.lab.infer) reuses its buffers for every batch, so a batch whose matrices
# stay near the cache beats a bigger one even though it costs more python calls.
_COLS_BUDGET = 1 << 20


def auto_batch(arch: str, dtype: Any = np.float64, size: int = 16) -> int:
    """Images per batch such that the largest im2col matrix stays within 1 MiB (16 to 1024).

    >>> auto_batch("nopool", np.float32), auto_batch("maxpool", np.float32)
    (16, 56)
    """
    check_arch(arch)
    item = np.dtype(dtype).itemsize
    biggest, hw, c = 0, size, 1
    chans = iter((8, 16, 32))
    for kind, _k, s in _layer_list(arch):
        if kind == "conv":
            hw = (hw - 1) // s + 1
            biggest = max(biggest, hw * hw * 9 * c * item)
            c = next(chans)
        elif s == 2:
            hw //= 2
    return int(np.clip(_COLS_BUDGET // biggest, 16, 1024))


def forward(
    params: dict[str, np.ndarray],
    x: Any,
    arch: str,
    padding: str = "zero",
    dtype: Any = np.float64,
    batch: int | None = None,
) -> np.ndarray:
    """Logits (N, 10) for images ``x`` (N, H, W), in batches of ``batch`` images
    (default :func:`auto_batch`).

    Examples
    --------
    >>> forward(init_params(0), np.zeros((2, 16, 16)), "maxpool").shape
    (2, 10)
    """
    check_arch(arch)
    check_padding(padding)
    # No cast of the whole array here: each batch is cast on its copy into the first buffer.
    x = _prepare(x, None)
    batch = batch or auto_batch(arch, dtype)
    if x.shape[0] == 0:
        return np.zeros((0, 10), dtype=dtype)
    if x.shape[1] != x.shape[2] or x.shape[2] % 4:
        # The inference pass is built for square images whose side halves twice into even
        # sizes (conv1 computes pixel pairs, pools split even sizes); the canvas is 16. Any
        # other shape takes the layer-by-layer pass.
        x = x.astype(dtype, copy=False)
        outs = [_run(params, x[i : i + batch], arch, padding, False, False)[0]
                for i in range(0, len(x), batch)]
        return np.concatenate(outs)
    return infer.forward_batched(params, x, arch, padding, dtype, batch)


def predict_proba(params: dict[str, np.ndarray], x: Any, arch: str, padding: str = "zero",
                  dtype: Any = np.float64) -> np.ndarray:
    """Softmax probabilities (N, 10).

    >>> p = predict_proba(init_params(0), np.zeros((1, 16, 16)), "aps")
    >>> round(float(p.sum()), 12)
    1.0
    """
    z = forward(params, x, arch, padding, dtype)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def feature_maps(
    params: dict[str, np.ndarray], x: Any, arch: str, padding: str = "zero"
) -> list[tuple[str, np.ndarray]]:
    """Every layer's output as ``(name, array (N, C, H, W))``, in order.

    >>> [(n, m.shape) for n, m in feature_maps(init_params(0), np.zeros((1, 16, 16)), "strided")]
    [('conv1+relu', (1, 8, 16, 16)), ('conv2+relu', (1, 16, 8, 8)), ('conv3+relu', (1, 32, 4, 4))]
    """
    check_arch(arch)
    check_padding(padding)
    _, _, maps = _run(params, _prepare(x, np.float64), arch, padding, True, False)
    return [(name, m.transpose(0, 3, 1, 2)) for name, m in maps]


def loss_and_grads(
    params: dict[str, np.ndarray], x: Any, y: np.ndarray, arch: str, padding: str = "zero"
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy on a batch and its gradient for every parameter.

    >>> loss, g = loss_and_grads(init_params(0), np.zeros((2, 16, 16)), np.array([1, 2]), "aps")
    >>> sorted(g) == sorted(PARAM_SHAPES)
    True
    """
    check_arch(arch)
    check_padding(padding)
    logits, caches, _ = _run(params, _prepare(x, np.float64), arch, padding, False)
    loss, d = L.softmax_ce(logits, np.asarray(y))
    grads: dict[str, np.ndarray] = {}
    caches = list(caches)
    d, grads["fc.weight"], grads["fc.bias"] = L.linear_backward(d, caches.pop())
    d = L.gap_backward(d, caches.pop())
    for i in (3, 2, 1):
        if i < 3 and arch in _POOLS:
            d = _POOLS[arch][1](d, caches.pop())
        d = L.relu_backward(d, caches.pop())
        d, grads[f"conv{i}.weight"], grads[f"conv{i}.bias"] = L.conv_backward(
            d, caches.pop(), need_dx=i > 1
        )
    return loss, grads


# ---------------------------------------------------------------- cost


def n_params(params: dict[str, np.ndarray] | None = None) -> int:
    """Number of parameters (the same for every arch).

    >>> n_params()
    6218
    """
    return int(sum(np.prod(s) for s in PARAM_SHAPES.values()))


def _layer_list(arch: str) -> list[tuple[str, int, int]]:
    """``(kind, kernel, stride)`` of every spatial layer, input to last conv."""
    s = _strides(arch)
    down = {
        "maxpool": [("max", 2, 2)],
        "avgpool": [("avg", 2, 2)],
        "blurpool": [("max", 2, 1), ("blur", 3, 2)],
        "aps": [("max", 2, 1), ("select", 1, 2)],
    }.get(arch, [])
    out: list[tuple[str, int, int]] = []
    for i in range(3):
        out.append(("conv", 3, s[i]))
        if i < 2:
            out.extend(down)
    return out


def receptive_field(arch: str) -> int:
    """Receptive field of the last conv, r = 1 + sum_l (k_l - 1) * prod_{i<l} s_i.

    >>> [receptive_field(a) for a in ARCHS]
    [7, 18, 18, 9, 24, 18]
    """
    check_arch(arch)
    r, jump = 1, 1
    for _, k, s in _layer_list(arch):
        r += (k - 1) * jump
        jump *= s
    return r


def macs(arch: str, size: int = 16) -> int:
    """Multiply-adds per image: convs, the blur of BlurPool, and fc (max/compare ops excluded).

    >>> [macs(a) for a in ARCHS]
    [1493312, 166208, 166208, 166208, 173120, 166208]
    """
    check_arch(arch)
    total, hw, c = 0, size, 1
    chans = iter((8, 16, 32))
    for kind, k, s in _layer_list(arch):
        if kind == "conv":
            o = next(chans)
            hw = (hw - 1) // s + 1
            total += hw * hw * o * c * k * k
            c = o
        elif kind == "max" and s == 1 and arch == "blurpool":
            hw -= 1  # no padding: (H-1)x(W-1), then reflect-padded back to (H+1)
        elif kind == "blur":
            hw = (hw + 2 - 3) // 2 + 1
            total += hw * hw * c * 9
        elif kind == "select" or (kind in ("max", "avg") and s == 2):
            hw //= 2
    return total + 32 * 10
