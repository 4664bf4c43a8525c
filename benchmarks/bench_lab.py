"""Speed of the Digits lab's numpy nets against PyTorch CPU (1 thread), measured in one run.

Run from the repository root (needs torch; never part of the test run)::

    python benchmarks/bench_lab.py

Every figure is the best of 3 runs, numpy and torch alternating.

1. Inference of the same images per net, ratio numpy / torch, target <= 1.5, in float32
   (both sides) on the 450 test digits x 81 shifts (36,450 images), then in float64 (both
   sides) on the first 150 digits x 81 shifts (12,150 images: torch is slow in float64).
   Numpy uses its own batch size (nets.auto_batch). Torch is timed at whichever of a few
   batch sizes (numpy's among them) is fastest for it on that net and dtype, so the ratio
   is never flattered by a batch size that suits numpy and not torch.
2. One training epoch of nopool (1,347 digits, batch 32, Adam, float64 in both):
   ratio numpy / torch (target <= 2).
3. The page's live view: 81 shifts x 6 nets for one digit (target < 50 ms).

NumPy's BLAS is pinned to one thread too, so both sides use one core. The last lines are a
summary: every target, PASS or MISS.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from test_lab_torch import torch_forward  # noqa: E402  (the independent torch reference)

from poolviz.lab import measures, nets  # noqa: E402
from poolviz.lab.data import load_digits, shift_grid  # noqa: E402
from poolviz.lab.train import TrainConfig, train  # noqa: E402
from poolviz.lab.weights import load_all  # noqa: E402


def seconds(fn, repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved(a, b, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` for each, alternating: the machine is shared, so the load changes
    during a run; alternating exposes both sides to the same load."""
    ta, tb = np.inf, np.inf
    for _ in range(repeat):
        ta = min(ta, seconds(a))
        tb = min(tb, seconds(b))
    return ta, tb


TORCH_BATCHES = (16, 32, 64, 128, 256)
RESULTS: list[tuple[str, str, bool]] = []  # (what, measured, passed) for the summary


def verdict(what: str, measured: str, passed: bool) -> str:
    RESULTS.append((what, measured, passed))
    return "PASS" if passed else "MISS"


def torch_batch(sd, x, arch: str, candidates) -> int:
    """The fastest batch for torch on this net and dtype, on the first sixth of the images."""
    part = x[: max(len(x) // 6, 1)]
    best, pick = np.inf, candidates[0]
    for batch in candidates:
        def run(batch=batch) -> None:
            with torch.no_grad():
                for i in range(0, len(part), batch):
                    torch_forward(sd, part[i : i + batch], arch, "zero")
        run()  # warm up (oneDNN picks and caches its kernels per shape)
        t = seconds(run, repeat=2)
        if t < best:
            best, pick = t, batch
    return pick


def bench_inference(weights, x: np.ndarray, dtype=np.float32, repeat: int = 3) -> None:
    name = np.dtype(dtype).name
    print(f"1. inference, {len(x)} images ({len(x) // 81} test digits x 81 shifts), {name} in "
          f"both, best of {repeat}, target ratio <= 1.5; numpy batch = nets.auto_batch, torch "
          f"batch = its fastest of {sorted(set(TORCH_BATCHES))} and numpy's")
    xt = torch.from_numpy(x.astype(dtype))
    for arch in nets.ARCHS:
        params = weights[(arch, "zero")]
        sd = {k: torch.from_numpy(v.astype(dtype)) for k, v in params.items()}
        batch = nets.auto_batch(arch, dtype)
        tbatch = torch_batch(sd, xt, arch, sorted({batch, *TORCH_BATCHES}))

        def ours(params=params, arch=arch, batch=batch) -> None:
            nets.forward(params, x, arch, "zero", dtype, batch)

        def ref(sd=sd, arch=arch, batch=tbatch) -> None:
            with torch.no_grad():
                for i in range(0, len(xt), batch):
                    torch_forward(sd, xt[i : i + batch], arch, "zero")

        nets.forward(params, x[:64], arch, "zero", dtype)  # warm up
        t_np, t_t = interleaved(ours, ref, repeat)
        ratio = t_np / t_t
        flag = verdict(f"inference {name} {arch}", f"ratio {ratio:.2f}", ratio <= 1.5)
        print(f"   {arch:8s} numpy {t_np:6.3f} s (batch {batch:3d})  torch {t_t:6.3f} s "
              f"(batch {tbatch:3d})  ratio {ratio:4.2f}  {flag}")


def torch_epoch(d, seed: int = 0) -> float:
    params = {k: torch.tensor(v, requires_grad=True) for k, v in nets.init_params(seed).items()}
    opt = torch.optim.Adam(params.values(), lr=1e-2)
    x = torch.from_numpy(d.x_train)
    y = torch.from_numpy(d.y_train)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
    t0 = time.perf_counter()
    for i in range(0, len(x), 32):
        idx = order[i : i + 32]
        opt.zero_grad()
        loss = F.cross_entropy(torch_forward(params, x[idx], "nopool", "zero"), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def bench_training(d) -> None:
    print("2. one training epoch of nopool, 1347 digits, batch 32, Adam, float64")
    # train() also measures test accuracy after the epoch; time only the epoch's batches.
    cfg = TrainConfig(arch="nopool", epochs=1, batch_size=32)

    def ours() -> float:
        r = train(cfg, data=d)
        # train() also measures test accuracy after the epoch; time only the batches.
        return r.history[-1].seconds - seconds(lambda: nets.forward(r.params, d.x_test, "nopool"))

    t_np, t_t = np.inf, np.inf
    for _ in range(3):  # best of 3, alternating, as for inference
        t_np = min(t_np, ours())
        t_t = min(t_t, torch_epoch(d))
    ratio = t_np / t_t
    flag = verdict("training epoch nopool", f"ratio {ratio:.2f}", ratio <= 2)
    print(f"   numpy {t_np:6.2f} s  torch {t_t:6.2f} s  ratio {ratio:4.2f}  target <= 2  {flag}")


def bench_live(weights, d) -> None:
    image = d.x_test[:1]

    def live() -> None:
        for arch in nets.ARCHS:
            measures.shift_sweep(weights[(arch, "zero")], image, arch, "zero")

    live()
    ms = 1e3 * seconds(live, repeat=20)
    flag = verdict("live view", f"{ms:.1f} ms", ms < 50)
    print(f"3. live view, 81 shifts x 6 nets for one digit: {ms:.1f} ms (best of 20), "
          f"target < 50 ms  {flag}")


def main() -> None:
    torch.set_num_threads(1)
    d = load_digits()
    weights = load_all()
    shifts = measures.grid_shifts()
    x = np.ascontiguousarray(shift_grid(d.x_test, shifts).reshape(-1, 16, 16))
    print(f"torch {torch.__version__}, numpy {np.__version__}, 1 thread each")
    bench_live(weights, d)
    bench_training(d)
    bench_inference(weights, x)
    # float64 (the exactness tests' dtype) on a third of the images: torch is slow here.
    bench_inference(weights, x[: 150 * 81], np.float64)
    missed = [r for r in RESULTS if not r[2]]
    print(f"summary: {len(RESULTS) - len(missed)} of {len(RESULTS)} targets PASS"
          + (": MISS " + "; ".join(f"{w} ({m})" for w, m, _ in missed) if missed else ""))


if __name__ == "__main__":
    main()
