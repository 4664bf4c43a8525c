"""The shipped weights: 12 nets (six archs x zero / circular padding) in one npz file.

``assets/lab_weights.npz`` is written by ``scripts/train_lab.py``; array names are
``"<padding>/<arch>/<state-dict name>"``, e.g. ``"zero/maxpool/conv1.weight"``. Nets with
circular padding were trained with circular padding; ``--padding circular`` uses those.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from poolviz.lab import nets

__all__ = ["WEIGHTS_PATH", "load_weights", "load_all", "save_all", "key"]

WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "assets" / "lab_weights.npz"


def key(padding: str, arch: str, name: str) -> str:
    """Array name inside the npz file.

    >>> key("zero", "aps", "fc.bias")
    'zero/aps/fc.bias'
    """
    return f"{padding}/{arch}/{name}"


@lru_cache(maxsize=4)
def _load_file(path: str) -> dict[str, np.ndarray]:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def load_weights(arch: str, padding: str = "zero", path: str | Path = WEIGHTS_PATH
                 ) -> dict[str, np.ndarray]:
    """The shipped state dict of one net (a fresh copy, float64).

    Examples
    --------
    >>> p = load_weights("maxpool")
    >>> p["conv3.weight"].shape
    (32, 16, 3, 3)
    """
    nets.check_arch(arch)
    nets.check_padding(padding)
    arrays = _load_file(str(path))
    return nets.check_params(
        {name: arrays[key(padding, arch, name)].copy() for name in nets.PARAM_SHAPES}
    )


def load_all(path: str | Path = WEIGHTS_PATH) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """All 12 shipped nets, keyed by ``(arch, padding)``.

    >>> len(load_all())
    12
    """
    return {(a, p): load_weights(a, p, path) for p in nets.PADDINGS for a in nets.ARCHS}


def save_all(nets_by_key: dict[tuple[str, str], dict[str, np.ndarray]], path: str | Path) -> None:
    """Write state dicts keyed by ``(arch, padding)`` into one compressed npz file."""
    arrays = {
        key(padding, arch, name): np.asarray(arr, dtype=np.float64)
        for (arch, padding), params in nets_by_key.items()
        for name, arr in params.items()
    }
    np.savez_compressed(path, **arrays)
