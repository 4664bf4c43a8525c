"""Speed of poolviz.core.ops against straightforward references, measured in the same run.

Run from the repository root::

    python benchmarks/bench_core.py

Every figure is the best of N repeats (``timeit``), and every speed-up is a ratio of two
timings taken here, so the numbers compare across machines. Each pair is checked for
equal results before it is timed.

``OPENBLAS_CORETYPE`` may be set on this machine (it pins OpenBLAS's kernel choice); it
does not matter here, since none of these ops calls BLAS.
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the package importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from poolviz.core.ops import conv2d, global_max_pool, max_pool2d, shift, shift_stack  # noqa: E402

SWEEP_TARGET_MS = 20.0


def best_ms(fn: Callable[[], object], repeat: int = 30, number: int = 1) -> float:
    """Best wall time of one call, in milliseconds."""
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number * 1e3


def report(label: str, ours_ms: float, ref_label: str, ref_ms: float, target: float) -> None:
    ratio = ref_ms / ours_ms
    verdict = "ok" if ratio >= target else "BELOW TARGET"
    print(
        f"{label:<28} poolviz {ours_ms:8.3f} ms | {ref_label} {ref_ms:8.3f} ms | "
        f"speed-up {ratio:5.1f}x (target >= {target:g}x: {verdict})"
    )


def bench_conv(rng: np.random.Generator) -> None:
    x = rng.standard_normal((512, 512))
    k = rng.standard_normal((3, 3))
    np.testing.assert_allclose(
        conv2d(x, k), correlate2d(x, k, mode="valid"), rtol=1e-10, atol=1e-10
    )
    ours = best_ms(lambda: conv2d(x, k))
    ref = best_ms(lambda: correlate2d(x, k, mode="valid"))
    report("conv2d 3x3 on 512x512", ours, "scipy correlate2d", ref, 3.0)


def _swv_max_pool(x: np.ndarray) -> np.ndarray:
    return sliding_window_view(x, (2, 2))[::2, ::2].max(axis=(-1, -2))


def bench_max_pool(rng: np.random.Generator) -> None:
    x = rng.standard_normal((512, 512))
    assert np.array_equal(max_pool2d(x, 2), _swv_max_pool(x))
    ours = best_ms(lambda: max_pool2d(x, 2))
    ref = best_ms(lambda: _swv_max_pool(x))
    report("max_pool2d 2x2 on 512x512", ours, "sliding_window max", ref, 10.0)


def with_pooling(maps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """conv 3x3 -> max-pool 2 -> conv 2x2 ones /2 -> global max, on (..., H, W)."""
    y = conv2d(maps, kernel)
    y = max_pool2d(y, 2)
    y = conv2d(y, np.ones((2, 2)), stride=2)
    return global_max_pool(y)


def bench_sweep(rng: np.random.Generator) -> None:
    pattern = (rng.random((64, 64)) < 0.3).astype(float)
    kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    shifts = [(dy, dx) for dy in range(-4, 4) for dx in range(-4, 4)]

    def vectorized() -> np.ndarray:
        return with_pooling(shift_stack(pattern, shifts), kernel)

    def looped() -> np.ndarray:
        return np.array([with_pooling(shift(pattern, dy, dx), kernel) for dy, dx in shifts])

    assert np.array_equal(vectorized(), looped())
    ours = best_ms(vectorized, repeat=20)
    ref = best_ms(looped, repeat=10)
    verdict = "ok" if ours < SWEEP_TARGET_MS else "ABOVE TARGET"
    print(
        f"{'sweep 64 shifts of 64x64':<28} poolviz {ours:8.3f} ms "
        f"(target < {SWEEP_TARGET_MS:g} ms: {verdict}) | Python loop over shifts {ref:8.3f} ms | "
        f"speed-up {ref / ours:5.1f}x"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, best of N repeats")
    bench_conv(rng)
    bench_max_pool(rng)
    bench_sweep(rng)


if __name__ == "__main__":
    main()
