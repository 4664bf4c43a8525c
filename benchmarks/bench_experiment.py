"""Time the default "does pooling spare the next layer?" experiment and print its numbers.

Run from the repository root::

    python benchmarks/bench_experiment.py

The default run (``ExperimentConfig()``) must finish in under 2 s on a 2-core machine;
the figure printed is the best of 5 runs, and the first run's wall time is shown too.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the package importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from poolviz.lessons.experiment import ExperimentConfig, run_experiment  # noqa: E402
from poolviz.lessons.experiment_verdict import verdict  # noqa: E402

TARGET_S = 2.0


def main() -> None:
    config = ExperimentConfig()
    times = []
    result = None
    for _ in range(5):
        t = time.perf_counter()
        result = run_experiment(config)
        times.append(time.perf_counter() - t)
    assert result is not None
    ok = "ok" if min(times) < TARGET_S else "ABOVE TARGET"
    print(
        f"default experiment: best {min(times):.3f} s, first {times[0]:.3f} s ({ok}, target < {TARGET_S:g} s)"
    )
    print(
        f"config: {config.n_samples} training images {config.grid}x{config.grid}, motif "
        f"{len(config.motif)}x{len(config.motif[0])}, {config.distractors} distractors, "
        f"{config.steps} steps at lr {config.learning_rate}, seed {config.seed}, "
        f"{config.pool} pool {config.pool_size}/{config.pool_stride}, mode {config.mode}; "
        f"{result.n_test} held-out and {result.n_test} fresh test images"
    )
    header = f"{'':16} {'reads':>14} {'train':>6} {'held-out':>9} {'fresh':>6} {'loss':>6} {'maps to fit':>12} {'held seen':>10} {'seconds':>8}"
    print(header)
    for run in result.runs.values():
        h, w = run.feature_shape
        print(
            f"{run.name:16} {run.feature_label + f' {h}x{w}':>14} {run.final_train:6.3f} "
            f"{run.final_held:9.3f} {run.final_fresh:6.3f} {run.final_loss:6.3f} "
            f"{f'{run.train_maps}/{run.n_train_positions}':>12} "
            f"{f'{run.held_seen}/{run.n_held_positions}':>10} {run.seconds:8.3f}"
        )
    for run in result.runs.values():
        counts = ", ".join(f"{label}: {n}" for label, n in run.shift_counts)
        print(f"distinct maps over the 5 one-pixel shifts ({run.name}): {counts}")
    print("verdict:", verdict(result))


if __name__ == "__main__":
    main()
