"""Training in numpy: mini-batch Adam on cross-entropy, He init from a seed, fixed epochs.

Streamlit-free: :func:`train` reports through a ``progress`` callback and polls a
``should_stop`` flag, so a page can run it in a background job and stop it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from poolviz.lab import nets
from poolviz.lab.data import Digits, load_digits

__all__ = ["TrainConfig", "TrainResult", "Progress", "train", "random_shifts", "accuracy"]


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how.

    The learning rate ``lr`` decays along a cosine to zero over the run.
    ``max_shift`` > 0 trains on digits moved by random (dy, dx) in
    [-max_shift, max_shift]^2 with zero fill (augmentation; off by default).
    """

    arch: str = "maxpool"
    padding: str = "zero"
    epochs: int = 60
    batch_size: int = 32
    lr: float = 1e-2
    seed: int = 0
    max_shift: int = 0

    def __post_init__(self) -> None:
        nets.check_arch(self.arch)
        nets.check_padding(self.padding)
        for name, lo, hi in (("epochs", 1, 1000), ("batch_size", 1, 4096), ("max_shift", 0, 8)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"`{name}` must be an int in [{lo}, {hi}]; got {v!r}")
        if not (isinstance(self.lr, (int, float)) and 0 < self.lr <= 1):
            raise ValueError(f"`lr` must be a number in (0, 1]; got {self.lr!r}")


@dataclass(frozen=True)
class Progress:
    """One report: epoch (1-based) of ``epochs``, mean training loss and test accuracy."""

    epoch: int
    epochs: int
    loss: float
    test_accuracy: float
    seconds: float


@dataclass
class TrainResult:
    """The trained state dict, the per-epoch history and whether it was stopped early."""

    params: dict[str, np.ndarray]
    config: TrainConfig
    history: list[Progress] = field(default_factory=list)
    stopped: bool = False

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        last = self.history[-1] if self.history else None
        return {
            "config": asdict(self.config),
            "epochs_done": len(self.history),
            "stopped": self.stopped,
            "test_accuracy": last.test_accuracy if last else None,
            "seconds": last.seconds if last else 0.0,
        }


def accuracy(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, arch: str,
             padding: str = "zero") -> float:
    """Fraction of ``x`` whose top-1 prediction is ``y``.

    >>> d = load_digits()
    >>> 0.0 <= accuracy(nets.init_params(0), d.x_test[:20], d.y_test[:20], "maxpool") <= 1.0
    True
    """
    return float(np.mean(nets.forward(params, x, arch, padding).argmax(axis=1) == y))


def random_shifts(x: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each image moved by its own random (dy, dx) in [-max_shift, max_shift]^2, zero fill.

    >>> x = np.ones((3, 16, 16))
    >>> random_shifts(x, 0, np.random.default_rng(0)).sum() == x.sum()
    np.True_
    """
    if max_shift == 0:
        return x
    n, h, w = x.shape
    s = rng.integers(-max_shift, max_shift + 1, size=(n, 2))
    xp = np.pad(x, [(0, 0), (max_shift, max_shift), (max_shift, max_shift)])
    win = np.lib.stride_tricks.sliding_window_view(xp, (h, w), axis=(1, 2))
    return win[np.arange(n), max_shift - s[:, 0], max_shift - s[:, 1]]


def train(
    config: TrainConfig,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    data: Digits | None = None,
) -> TrainResult:
    """Train one net; deterministic for a config (same seed, same weights, bit for bit).

    ``progress`` is called after every epoch; ``should_stop`` is polled before every batch
    and, when it returns True, training ends early with the weights so far.

    Examples
    --------
    >>> r = train(TrainConfig(arch="avgpool", epochs=1, batch_size=512), should_stop=lambda: True)
    >>> r.stopped, len(r.history)
    (True, 0)
    """
    data = data or load_digits()
    rng = np.random.default_rng(config.seed)
    params = nets.init_params(config.seed)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    step = 0
    result = TrainResult(params=params, config=config)
    t0 = time.perf_counter()
    n = len(data.x_train)
    total_steps = config.epochs * -(-n // config.batch_size)
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n)
        losses = []
        for i in range(0, n, config.batch_size):
            if should_stop is not None and should_stop():
                result.stopped = True
                return result
            idx = order[i : i + config.batch_size]
            xb = random_shifts(data.x_train[idx], config.max_shift, rng)
            loss, grads = nets.loss_and_grads(params, xb, data.y_train[idx], config.arch,
                                              config.padding)
            losses.append(loss * len(idx))
            # Cosine decay to zero over the run: the last epochs settle instead of jitter.
            decay = 0.5 * (1.0 + np.cos(np.pi * step / total_steps))
            step += 1
            lr_t = config.lr * decay * np.sqrt(1 - b2**step) / (1 - b1**step)
            for k, g in grads.items():
                m[k] = b1 * m[k] + (1 - b1) * g
                v[k] = b2 * v[k] + (1 - b2) * g * g
                params[k] -= lr_t * m[k] / (np.sqrt(v[k]) + eps)
        report = Progress(
            epoch=epoch,
            epochs=config.epochs,
            loss=float(sum(losses) / n),
            test_accuracy=accuracy(params, data.x_test, data.y_test, config.arch, config.padding),
            seconds=time.perf_counter() - t0,
        )
        result.history.append(report)
        if progress is not None:
            progress(report)
    return result
