"""Every number of the Digits lab, computed from weights: accuracy under shifts, consistency,
one-pixel flips, cost, and the verdict sentences generated from them.

Shifts use (dy, dx); positive moves the digit down / right. The 8x8 digit sits at rows and
columns 4..11, so zero-fill shifts up to 4 pixels keep all of it on the canvas.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from poolviz.lab import nets
from poolviz.lab.data import Digits, load_digits, shift_grid

__all__ = [
    "RADIUS",
    "CONSISTENCY_RADIUS",
    "CONSISTENCY_PAIRS",
    "grid_shifts",
    "shift_each",
    "shift_sweep",
    "accuracy_grid",
    "diagonal_correct_prob",
    "one_pixel_change",
    "consistency",
    "time_per_image",
    "evaluate",
    "verdict",
]

RADIUS = 4  # accuracy for every (dy, dx) in [-4, 4]^2
CONSISTENCY_RADIUS = 3  # two random shifts in [-3, 3]^2 (Zhang 2019)
CONSISTENCY_PAIRS = 5
MEASURE_DTYPE = np.float32  # 2x faster than float64; the exactness tests use float64


def grid_shifts(radius: int = RADIUS) -> np.ndarray:
    """All (dy, dx) in [-radius, radius]^2, row-major: shape ((2r+1)^2, 2).

    >>> grid_shifts(1)[:4].tolist()
    [[-1, -1], [-1, 0], [-1, 1], [0, -1]]
    """
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)) or not 0 <= radius <= 8:
        raise ValueError(f"`radius` must be an int in [0, 8]; got {radius!r}")
    r = np.arange(-radius, radius + 1)
    return np.stack(np.meshgrid(r, r, indexing="ij"), axis=-1).reshape(-1, 2)


def shift_each(x: np.ndarray, shifts: np.ndarray, mode: str = "zero") -> np.ndarray:
    """Image ``n`` moved by its own ``shifts[n] = (dy, dx)`` (|dy|, |dx| < 16).

    >>> x = np.zeros((2, 16, 16)); x[:, 5, 5] = 1
    >>> [np.argwhere(im).tolist() for im in shift_each(x, np.array([[1, 0], [0, -2]]))]
    [[[6, 5]], [[5, 3]]]
    """
    n, h, w = x.shape
    p = int(np.abs(shifts).max(initial=0))
    pad = [(0, 0), (p, p), (p, p)]
    xp = np.pad(x, pad, mode="wrap") if mode == "circular" else np.pad(x, pad)
    win = np.lib.stride_tricks.sliding_window_view(xp, (h, w), axis=(1, 2))
    return win[np.arange(n), p - shifts[:, 0], p - shifts[:, 1]]


def shift_sweep(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    arch: str,
    padding: str = "zero",
    mode: str = "zero",
    radius: int = RADIUS,
    dtype: Any = MEASURE_DTYPE,
) -> np.ndarray:
    """Softmax probabilities of every image under every shift: (N, 2r+1, 2r+1, 10) [dy, dx].

    >>> d = load_digits()
    >>> shift_sweep(nets.init_params(0), d.x_test[:2], "maxpool", radius=1).shape
    (2, 3, 3, 10)
    """
    k = 2 * radius + 1
    xs = shift_grid(np.asarray(x, dtype=np.float64), grid_shifts(radius), mode)
    z = nets.forward(params, xs.reshape(-1, *xs.shape[2:]), arch, padding, dtype)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).reshape(len(xs), k, k, 10)


def accuracy_grid(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Test accuracy for every shift: (2r+1, 2r+1), indexed [dy, dx].

    >>> p = np.zeros((2, 1, 1, 10)); p[0, 0, 0, 3] = p[1, 0, 0, 1] = 1
    >>> accuracy_grid(p, np.array([3, 2]))
    array([[0.5]])
    """
    return (probs.argmax(axis=-1) == y[:, None, None]).mean(axis=0)


def diagonal_correct_prob(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean probability of the correct class along the diagonal shift (d, d) (Zhang's Fig. 1).

    >>> diagonal_correct_prob(np.full((1, 3, 3, 10), 0.1), np.array([4]))
    array([0.1, 0.1, 0.1])
    """
    k = probs.shape[1]
    diag = probs[:, np.arange(k), np.arange(k)]  # (N, k, 10)
    return diag[np.arange(len(y)), :, y].mean(axis=0)


def one_pixel_change(probs: np.ndarray) -> float:
    """Probability that a one-pixel shift changes the top-1 prediction (4 neighbours, mean).

    >>> p = np.zeros((1, 3, 3, 10)); p[..., 0] = 1; p[0, 0, 1, :] = [0, 1] + [0] * 8
    >>> one_pixel_change(p)
    0.25
    """
    pred = probs.argmax(axis=-1)
    c = probs.shape[1] // 2
    centre = pred[:, c, c]
    moved = [pred[:, c - 1, c], pred[:, c + 1, c], pred[:, c, c - 1], pred[:, c, c + 1]]
    return float(np.mean([np.mean(m != centre) for m in moved]))


def consistency(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    arch: str,
    padding: str = "zero",
    mode: str = "zero",
    pairs: int = CONSISTENCY_PAIRS,
    radius: int = CONSISTENCY_RADIUS,
    seed: int = 0,
    dtype: Any = MEASURE_DTYPE,
) -> float:
    """Probability that the top-1 predictions agree for two random shifts of one image.

    ``pairs`` random pairs per image, each shift uniform in [-radius, radius]^2, from a fixed
    ``seed`` (every net sees the same pairs). ``mode`` is how the image is shifted.

    Examples
    --------
    >>> d = load_digits()
    >>> consistency(nets.init_params(0), d.x_test[:5], "nopool", "circular", "circular")
    1.0
    """
    n = len(x)
    rng = np.random.default_rng(seed)
    s = rng.integers(-radius, radius + 1, size=(2, n, pairs, 2))
    rep = np.repeat(np.asarray(x, dtype=np.float64), pairs, axis=0)
    a = shift_each(rep, s[0].reshape(-1, 2), mode)
    b = shift_each(rep, s[1].reshape(-1, 2), mode)
    z = nets.forward(params, np.concatenate([a, b]), arch, padding, dtype)
    pred = z.argmax(axis=1)
    return float(np.mean(pred[: n * pairs] == pred[n * pairs :]))


def time_per_image(
    params: dict[str, np.ndarray], x: np.ndarray, arch: str, padding: str = "zero",
    repeat: int = 3, dtype: Any = MEASURE_DTYPE,
) -> float:
    """Best-of-``repeat`` inference seconds per image, over the batch ``x``.

    >>> time_per_image(nets.init_params(0), np.zeros((4, 16, 16)), "avgpool") > 0
    True
    """
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        nets.forward(params, x, arch, padding, dtype)
        best = min(best, time.perf_counter() - t0)
    return float(best / len(x))


def evaluate(
    params: dict[str, np.ndarray],
    arch: str,
    padding: str = "zero",
    data: Digits | None = None,
    n_test: int | None = None,
) -> dict[str, Any]:
    """All measures of one net on the test set (or its first ``n_test`` digits).

    Returns a JSON-friendly dict: accuracy, accuracy_grid (9x9, [dy][dx]), diagonal
    probability of the correct class, consistency for zero-fill and circular shifts,
    one-pixel change probability, params, macs, receptive field and seconds per image.

    Examples
    --------
    >>> m = evaluate(nets.init_params(0), "maxpool", n_test=3)
    >>> len(m["accuracy_grid"]), m["params"], m["receptive_field"]
    (9, 6218, 18)
    """
    nets.check_arch(arch)
    nets.check_padding(padding)
    data = data or load_digits()
    x, y = data.x_test, data.y_test
    if n_test is not None:
        if isinstance(n_test, bool) or not isinstance(n_test, (int, np.integer)) or not (
            1 <= n_test <= len(x)
        ):
            raise ValueError(f"`n_test` must be an int in [1, {len(x)}]; got {n_test!r}")
        x, y = x[:n_test], y[:n_test]
    probs = shift_sweep(params, x, arch, padding)
    grid = accuracy_grid(probs, y)
    c = RADIUS
    return {
        "arch": arch,
        "padding": padding,
        "n_test": int(len(x)),
        "accuracy": float(grid[c, c]),
        "accuracy_grid": grid.tolist(),
        "mean_shift_accuracy": float(grid.mean()),
        "diagonal_shifts": list(range(-RADIUS, RADIUS + 1)),
        "diagonal_correct_prob": diagonal_correct_prob(probs, y).tolist(),
        "consistency_zero": consistency(params, x, arch, padding, "zero"),
        "consistency_circular": consistency(params, x, arch, padding, "circular"),
        "one_pixel_change": one_pixel_change(probs),
        "params": nets.n_params(params),
        "macs": nets.macs(arch),
        "receptive_field": nets.receptive_field(arch),
        "seconds_per_image": time_per_image(params, x, arch, padding),
    }


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def verdict(results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Sentences generated from the measures of several nets (keyed by arch) of one padding.

    Examples
    --------
    >>> r = {a: {"accuracy": acc, "consistency_zero": c, "consistency_circular": c,
    ...          "one_pixel_change": 1 - c, "macs": m, "receptive_field": 7,
    ...          "seconds_per_image": 1e-5, "padding": "zero"}
    ...      for a, acc, c, m in [("nopool", 0.9, 0.99, 10), ("maxpool", 0.95, 0.9, 1)]}
    >>> verdict(r)[0]
    'Most consistent under zero-fill shifts: nopool (99.0%); least: maxpool (90.0%).'
    """
    archs = list(results)
    if not archs:
        return []
    cz = {a: results[a]["consistency_zero"] for a in archs}
    cc = {a: results[a]["consistency_circular"] for a in archs}
    acc = {a: results[a]["accuracy"] for a in archs}
    flip = {a: results[a]["one_pixel_change"] for a in archs}
    best, worst = max(archs, key=cz.get), min(archs, key=cz.get)
    out = [
        f"Most consistent under zero-fill shifts: {best} ({_pct(cz[best])}); "
        f"least: {worst} ({_pct(cz[worst])})."
    ]
    top = max(archs, key=acc.get)
    if top == best:
        out.append(f"{top} is also the most accurate ({_pct(acc[top])} unshifted).")
    else:
        out.append(
            f"The most accurate is {top} ({_pct(acc[top])} unshifted, {_pct(cz[top])} "
            f"consistent); {best} reaches {_pct(acc[best])}: accuracy and consistency "
            "are not the same ranking."
        )
    exact = [a for a in archs if cc[a] == 1.0]
    if exact:
        out.append(
            f"Under circular shifts {', '.join(exact)} {'is' if len(exact) == 1 else 'are'} "
            "exactly consistent (100%)."
        )
    if all(cz[a] == cc[a] for a in archs):
        out.append(
            "Zero-fill and circular shifts of up to 3 pixels give the same test images (the "
            "digit stays on the canvas), so the two consistency columns agree; they differ "
            "only for digits near the edge."
        )
    hi, lo = max(archs, key=flip.get), min(archs, key=flip.get)
    out.append(
        f"A one-pixel shift changes the prediction of {_pct(flip[hi])} of test digits in "
        f"{hi} and {_pct(flip[lo])} in {lo}."
    )
    cheapest = min(archs, key=lambda a: results[a]["macs"])
    for a in archs:
        r = results[a]
        out.append(
            f"{a}: {_pct(acc[a])} accurate, {_pct(cz[a])} consistent, "
            f"{r['macs'] / 1e3:.0f}k multiply-adds ({r['macs'] / results[cheapest]['macs']:.1f}x "
            f"{cheapest}), receptive field {r['receptive_field']} px, "
            f"{1e6 * r['seconds_per_image']:.0f} µs per image."
        )
    if "nopool" in archs:
        rank = sorted(archs, key=cz.get, reverse=True).index("nopool") + 1
        others = max(cz[a] for a in archs if a != "nopool") if len(archs) > 1 else cz["nopool"]
        as_expected = cz["nopool"] >= others
        ref = "maxpool" if "maxpool" in archs else cheapest
        cost = results["nopool"]["macs"] / results[ref]["macs"]
        out.append(
            f"Without pooling nothing subsamples, so one might expect nopool to be the most "
            f"invariant: it is {'' if as_expected else 'not '}— {_pct(cz['nopool'])}, rank "
            f"{rank} of {len(archs)} — at {cost:.1f}x the multiply-adds of {ref} and a "
            f"receptive field of only {results['nopool']['receptive_field']} px."
        )
    return out
