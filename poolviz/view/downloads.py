"""What a view downloads as: the one definition the page's buttons and the CLI both call.

A view (:class:`~poolviz.view.state.ViewState`) is compared through its pipelines, its
sentences are computed, and the result is written as PNG, JSON or CSV. The page's download
buttons and ``python -m poolviz export`` call :func:`download` with the same view, so a
link's export is byte for byte what the page gives for that link.

>>> from poolviz.view.state import DEFAULT
>>> download(DEFAULT, "png")[:4] == b"\\x89PNG"
True
>>> download(DEFAULT, "json").startswith(b'{\\n "view": {},')
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.costs import StageCost, stage_costs
from poolviz.lessons import comparison, pipelines, sentences
from poolviz.lessons.comparison import PipelineRun
from poolviz.render import export, png
from poolviz.view import state as view_state
from poolviz.view.choices import POOL_TITLES

__all__ = ["FORMATS", "ViewResult", "view_result", "stage_info", "title", "download"]

# Format -> (file name, MIME type) of the download.
FORMATS = {
    "png": ("poolviz.png", "image/png"),
    "json": ("poolviz.json", "application/json"),
    "csv": ("poolviz.csv", "text/csv"),
}


@dataclass(frozen=True)
class ViewResult:
    """A view's comparison, the sentences the page shows beside it, and each stage's costs."""

    runs: dict[str, PipelineRun]
    sentences: tuple[str, ...]
    costs: dict[str, list[StageCost]]


def view_result(view: view_state.ViewState) -> ViewResult:
    """Run the view's two pipelines on its pattern and its shift, and say what the maps show.

    >>> r = view_result(view_state.DEFAULT)
    >>> list(r.runs), len(r.sentences) > 0
    (['max-pool', 'no pooling'], True)
    """
    settings = view.layer_settings()
    # Looked up on the module each call, so a test can make the core fail (tests/test_app.py).
    runs = comparison.compare(
        np.array(view.pattern), pipelines.selected(settings, view.pipelines), view.dx, view.dy,
        view.mode,
    )
    shape = (view.height, view.width)
    costs = {
        pipelines.title(name, settings): stage_costs(pipelines.build(name, settings), shape)
        for name in view.pipelines
        if runs[pipelines.title(name, settings)].ok
    }
    return ViewResult(runs, tuple(sentences.explain(runs, view.dx, view.dy, view.mode)), costs)


def stage_info(result: ViewResult) -> dict[str, list[dict]]:
    """Per pipeline and stage: size, multiply-adds and receptive field, JSON-ready.

    >>> stage_info(view_result(view_state.DEFAULT))["max-pool"][2]
    {'size': [4, 4], 'multiply_adds': 0, 'receptive_field': [2, 2]}
    """
    return {
        name: [
            {"size": list(c.shape), "multiply_adds": c.macs, "receptive_field": list(c.field)}
            for c in costs
        ]
        for name, costs in result.costs.items()
    }


def title(view: view_state.ViewState) -> str:
    """The PNG's title line: the shift and the pooling.

    >>> title(view_state.DEFAULT)
    'poolviz: shifted 1 pixel right, max-pool'
    """
    shift = sentences.describe_shift(view.dx, view.dy, view.mode)
    return f"poolviz: shifted {shift}, {POOL_TITLES[view.pool]}"


def download(view: view_state.ViewState, fmt: str, result: ViewResult | None = None) -> bytes:
    """The view as ``fmt`` ("png", "json" or "csv"), as the page's download buttons give it.

    ``result`` may pass a :func:`view_result` already computed for this view (the page's
    cache); it is computed otherwise.
    """
    if fmt not in FORMATS:
        raise ValueError(f"`fmt` must be one of {', '.join(FORMATS)}; got {fmt!r}")
    result = result or view_result(view)
    if fmt == "png":
        return png.comparison_png(result.runs, title(view), view.show_values)
    if fmt == "json":
        text = export.comparison_json(
            result.runs,
            view_state.encode(view),
            result.sentences,
            {"lesson_step": view.step},
            stage_info(result),
        )
    else:
        text = export.comparison_csv(result.runs)
    return text.encode("utf-8")
