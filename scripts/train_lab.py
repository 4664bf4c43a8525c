"""Train the Digits lab's 12 nets (six archs x zero / circular padding) with fixed seeds.

Run from the repository root::

    python scripts/train_lab.py [--jobs 2] [--epochs 60]

Writes ``assets/lab_weights.npz`` and prints each net's test accuracy and training time.
Every net starts from the same He init (seed 0) and sees the same batches, so the nets
differ only in their architecture. One BLAS thread per process: on a small shared machine,
several BLAS threads per process spin against each other and run ~10x slower.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poolviz.lab import nets  # noqa: E402
from poolviz.lab.train import TrainConfig, train  # noqa: E402
from poolviz.lab.weights import WEIGHTS_PATH, save_all  # noqa: E402

SEED = 0


def _one(config: TrainConfig) -> tuple[TrainConfig, dict, float, float]:
    t0 = time.perf_counter()
    result = train(config)
    return config, result.params, result.history[-1].test_accuracy, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = ap.parse_args(argv)
    configs = [
        TrainConfig(arch=a, padding=p, epochs=args.epochs, seed=SEED)
        for p in nets.PADDINGS
        for a in nets.ARCHS
    ]
    # The slow nopool nets first, so the pool is not left waiting on one of them at the end.
    configs.sort(key=lambda c: c.arch != "nopool")
    t0 = time.perf_counter()
    trained = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for config, params, acc, secs in pool.map(_one, configs):
            trained[(config.arch, config.padding)] = params
            print(f"{config.padding:8s} {config.arch:8s} test accuracy {acc:.4f}  {secs:6.1f} s",
                  flush=True)
    save_all(trained, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); "
          f"total {time.perf_counter() - t0:.1f} s wall with {args.jobs} jobs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
