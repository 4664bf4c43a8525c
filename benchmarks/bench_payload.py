"""Build time of the Explore payload: the sentences said for the whole shift stack at once
against the generic per-shift path, measured in the same run.

Run from the repository root::

    python benchmarks/bench_payload.py

``build_explorer_payload`` runs on every paint stroke of every student. Its sentences come
from :func:`poolviz.lessons.sentences.explain_shifts`, called once per edge mode on the
stacked maps. The reference is the generic path the payload used before: for each shift,
one-shift :class:`~poolviz.lessons.comparison.PipelineRun` objects built afresh and
:func:`~poolviz.lessons.sentences.explain` called on them (578 calls at radius 8). Both
go through the same :func:`~poolviz.render.explorer.fit_explorer_data`, so the ratio is
the sentences' share; the payloads are checked byte-identical before they are timed.
Every figure is the best of N repeats (``timeit``).
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from pathlib import Path

# A script's sys.path starts at benchmarks/; make the package importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from poolviz.core.ops import SHIFT_MODES  # noqa: E402
from poolviz.core.patterns import make_preset  # noqa: E402
from poolviz.core.pipeline import LayerSettings  # noqa: E402
from poolviz.lessons import pipelines, sentences  # noqa: E402
from poolviz.lessons.comparison import PipelineRun  # noqa: E402
from poolviz.render import explorer  # noqa: E402
from poolviz.view import downloads, state  # noqa: E402

TARGET = 3.0  # the stacked path must be at least this much faster on 16x16


def best_ms(fn: Callable[[], object], repeat: int = 15) -> float:
    """Best wall time of one call, in milliseconds."""
    return min(timeit.repeat(fn, repeat=repeat, number=1)) * 1e3


def per_shift_explain(runs, shifts, mode: str) -> list[list[str]]:
    """The generic path: ``explain`` on fresh one-shift runs, once per shift."""
    out = []
    for k, (dy, dx) in enumerate(np.asarray(shifts).tolist()):
        one = {
            name: PipelineRun(
                r.name, r.labels, r.original, tuple(m[k] for m in r.shifted), r.error, r.layers
            )
            for name, r in runs.items()
        }
        out.append(sentences.explain(one, dx, dy, mode))
    return out


def bench(label: str, pattern, settings, names, show_values: bool) -> float:
    x = np.array(pattern, dtype=np.float64)
    chosen = pipelines.selected(LayerSettings.of(settings), tuple(names))

    def new() -> dict:
        return downloads.build_explorer_payload(pattern, settings, names, SHIFT_MODES,
                                                explorer.MAX_RADIUS, show_values)

    def old() -> dict:
        return explorer.fit_explorer_data(x, chosen, SHIFT_MODES, explorer.MAX_RADIUS,
                                          per_shift_explain, show_values)

    data = new()
    if explorer.payload_json(data) != explorer.payload_json(old()):
        raise SystemExit(f"{label}: the two paths built different payloads")
    ours, ref = best_ms(new), best_ms(old, repeat=5)
    ratio = ref / ours
    print(
        f"{label:<14} radius {data['radius']}  stacked {ours:7.1f} ms | per-shift explain "
        f"{ref:7.1f} ms | speed-up {ratio:4.1f}x"
    )
    return ratio


def main() -> None:
    view = state.DEFAULT
    bench("8x8 default", view.pattern, view.layer_settings(), view.pipelines, view.show_values)
    kernel = ((1.0,),)
    ratio = bench("16x16 random", make_preset("random", 16, 16, seed=1).tolist(), kernel,
                  pipelines.DEFAULT_PAIR, True)
    bench("32x32 random", make_preset("random", 32, 32, seed=1).tolist(), kernel,
          pipelines.DEFAULT_PAIR, True)
    verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
    print(f"16x16 speed-up {ratio:.1f}x (target >= {TARGET:g}x: {verdict})")


if __name__ == "__main__":
    main()
