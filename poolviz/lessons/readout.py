"""The experiment's "next layer": a logistic readout trained by full-batch gradient descent.

:class:`LogisticReadout` has one weight per map position (features standardized with
the training mean and spread) and a bias, starting from zero weights, so a run is
deterministic; :func:`logistic_loss_and_grad` is its loss and exact gradient and
:func:`fit_logistic` trains one for a fixed number of steps.  Plain numpy, no pipeline:
:mod:`poolviz.lessons.experiment` feeds it the maps and says why this readout.

>>> readout, losses = fit_logistic(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]), 20, 1.0)
>>> bool(losses[-1] < losses[0]), readout.accuracy(readout.z, readout.y)
(True, 1.0)
"""

from __future__ import annotations

import numpy as np

__all__ = ["LogisticReadout", "logistic_loss_and_grad", "fit_logistic"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def logistic_loss_and_grad(
    z: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
) -> tuple[float, np.ndarray, float]:
    """Mean binary cross-entropy of ``sigmoid(z @ w + b)`` against ``y``, and its gradient.

    ``loss = mean(log(1 + exp(s)) - y * s)`` with ``s = z @ w + b``;
    ``d loss / d w = z.T @ (sigmoid(s) - y) / n`` and ``d loss / d b = mean(sigmoid(s) - y)``.

    >>> loss, gw, gb = logistic_loss_and_grad(np.ones((2, 1)), np.array([1.0, 0.0]), np.zeros(1), 0.0)
    >>> round(loss, 6), gw.tolist(), gb
    (0.693147, [0.0], 0.0)
    """
    s = z @ w + b
    loss = float(np.mean(np.logaddexp(0.0, s) - y * s))
    r = (_sigmoid(s) - y) / len(y)
    return loss, z.T @ r, float(r.sum())


class LogisticReadout:
    """One weight per feature (map position) and a bias, trained by full-batch descent.

    Features are flattened and standardized with the training set's per-position mean and
    standard deviation (1 where a position never varies); weights start at zero.
    """

    def __init__(self, features: np.ndarray, y: np.ndarray) -> None:
        f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
        self.mean = f.mean(axis=0)
        std = f.std(axis=0)
        self.scale = np.where(std > 1e-12, std, 1.0)
        self.z = (f - self.mean) / self.scale
        self.y = np.asarray(y, dtype=np.float64)
        self.w = np.zeros(f.shape[1])
        self.b = 0.0

    def standardize(self, features: np.ndarray) -> np.ndarray:
        f = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
        return (f - self.mean) / self.scale

    def step(self, learning_rate: float) -> float:
        """One gradient step; returns the training loss before it."""
        loss, gw, gb = logistic_loss_and_grad(self.z, self.y, self.w, self.b)
        self.w -= learning_rate * gw
        self.b -= learning_rate * gb
        return loss

    def loss(self) -> float:
        return logistic_loss_and_grad(self.z, self.y, self.w, self.b)[0]

    def accuracy(self, z: np.ndarray, y: np.ndarray) -> float:
        """Accuracy on already standardized features ``z``."""
        return float(np.mean((z @ self.w + self.b > 0.0) == (y > 0.5)))


def fit_logistic(
    features: np.ndarray, y: np.ndarray, steps: int, learning_rate: float
) -> tuple[LogisticReadout, np.ndarray]:
    """Train a :class:`LogisticReadout` for ``steps`` steps; return it and the loss per step."""
    readout = LogisticReadout(features, y)
    losses = np.array([readout.step(learning_rate) for _ in range(steps)] + [readout.loss()])
    return readout, losses
