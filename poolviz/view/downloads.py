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

from poolviz.lessons import comparison, narrative
from poolviz.lessons.comparison import WITH_POOLING, PipelineRun, standard_pipelines
from poolviz.render import export, png
from poolviz.view import state as view_state
from poolviz.view.choices import POOL_TITLES

__all__ = ["FORMATS", "ViewResult", "view_result", "title", "download"]

# Format -> (file name, MIME type) of the download.
FORMATS = {
    "png": ("poolviz.png", "image/png"),
    "json": ("poolviz.json", "application/json"),
    "csv": ("poolviz.csv", "text/csv"),
}


@dataclass(frozen=True)
class ViewResult:
    """A view's comparison and the sentences the page shows beside it."""

    runs: dict[str, PipelineRun]
    sentences: tuple[str, ...]
    aps: str | None


def view_result(view: view_state.ViewState) -> ViewResult:
    """Run the view's pipelines on its pattern and its shift, and say what the maps show.

    >>> r = view_result(view_state.DEFAULT)
    >>> sorted(r.runs), len(r.sentences) > 0
    (['with pooling', 'without pooling'], True)
    """
    # Looked up on the module each call, so a test can make the core fail (tests/test_app.py).
    runs = comparison.compare(
        np.array(view.pattern), standard_pipelines(view.layer_settings()), view.dx, view.dy,
        view.mode,
    )
    sentences = tuple(narrative.explain_comparison(runs, view.dx, view.dy, view.mode))
    aps = (
        narrative.describe_aps(runs[WITH_POOLING], view.pool_size, view.pool_stride)
        if view.pool == "aps"
        else None
    )
    return ViewResult(runs, sentences, aps)


def title(view: view_state.ViewState) -> str:
    """The PNG's title line: the shift and the pooling.

    >>> title(view_state.DEFAULT)
    'poolviz: shifted 1 pixel right, max-pool'
    """
    shift = narrative.describe_shift(view.dx, view.dy, view.mode)
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
        sentences = result.sentences + ((result.aps,) if result.aps else ())
        text = export.comparison_json(result.runs, view_state.encode(view), sentences)
    else:
        text = export.comparison_csv(result.runs)
    return text.encode("utf-8")
