"""The experiment's verdict: one sentence, computed from an ``ExperimentResult``.

:func:`verdict` reads the numbers of :func:`poolviz.lessons.experiment.run_experiment`
(held-out and fresh accuracies, how many held-out maps were already seen in training)
and says which pipeline generalizes to unseen positions, by how much, and why.  It only
reads a result, so it imports the result type for annotations alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from poolviz.lessons.experiment import ExperimentResult

__all__ = ["verdict"]


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def verdict(result: ExperimentResult) -> str:
    """One sentence, computed from ``result``: which pipeline generalizes to the held-out
    positions, by how much, and why the gap vanishes when it does.

    A difference counts when it exceeds twice its standard error on the held-out test
    (and at least 2 points).
    """
    cfg = result.config
    p, q = result.with_pooling, result.without_pooling
    n = max(1, result.n_test)
    gap = p.final_held - q.final_held
    se = np.sqrt((p.final_held * (1 - p.final_held) + q.final_held * (1 - q.final_held)) / n)
    threshold = max(0.02, 2.0 * float(se))
    prefix = (
        f"After only {result.steps_done} of {cfg.steps} steps (stopped early), "
        if result.stopped
        else ""
    )
    seen = (
        f"{p.held_seen} of {p.n_held_positions} held-out positions give a map the readout "
        f"already saw in training with pooling, {q.held_seen} without"
    )
    scores = (
        f"held-out positions {_pct(p.final_held)} with pooling vs {_pct(q.final_held)} "
        f"without; fresh samples at training positions {_pct(p.final_fresh)} vs "
        f"{_pct(q.final_fresh)}"
    )
    weak = [r for r in (p, q) if r.final_train < 0.75]
    if weak:
        names = " and ".join(r.name for r in weak)
        return (
            f"{prefix}The readout could not fit the training set {names} (train accuracy "
            + ", ".join(_pct(r.final_train) for r in weak)
            + f"), so its held-out score says what the features can express rather than "
            f"whether unseen shifts were learned ({scores})."
        )
    if cfg.pool_size == 1 and cfg.pool != "blur":
        why = (
            f"the pooling window (size 1) does not cover the one-pixel offset, so pooling "
            f"cannot merge neighbouring positions ({seen})"
        )
    else:
        why = seen
    if gap > threshold:
        return (
            f"{prefix}With pooling the next layer generalizes better to motif positions it "
            f"never saw, by {100 * gap:.0f} points ({scores}): {why}."
        )
    if gap < -threshold:
        return (
            f"{prefix}Here pooling does not help: without pooling the next layer "
            f"generalizes better to unseen positions, by {100 * -gap:.0f} points "
            f"({scores}); {why}."
        )
    if min(p.final_held, q.final_held) >= 0.9:
        outcome = "Both generalize to the unseen positions"
        if q.held_seen < q.n_held_positions:
            why += (
                "; the maps without pooling are new but overlap the trained ones enough "
                "for the readout to carry over"
            )
    elif max(p.final_held, q.final_held) < 0.65:
        outcome = "Neither generalizes to the unseen positions"
    else:
        outcome = "Pooling makes no clear difference on the unseen positions"
    return (
        f"{prefix}{outcome} (the {100 * abs(gap):.0f}-point difference is within "
        f"noise: {scores}); {why}."
    )
