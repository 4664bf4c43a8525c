"""What a view downloads as: the one definition the page's buttons and the CLI both call.

A view (:class:`~poolviz.view.state.ViewState`) is compared through its pipelines, its
sentences are computed, and the result is written as one of :data:`EXPORTS`: a 1920×1080
slide (PNG or SVG: every map, the sentences and the settings), a self-contained HTML page
with the view's explorer and every shift precomputed, or the maps as JSON or CSV. Each map
also downloads alone (:func:`figure_download`). The page's download buttons and
``python -m poolviz export`` call :func:`download` with the same view, so a link's export
is byte for byte what the page gives for that link.

>>> from poolviz.view.state import DEFAULT
>>> download(DEFAULT, "png")[:4] == b"\\x89PNG"
True
>>> download(DEFAULT, "json").startswith(b'{\\n "view": {},')
True
>>> download(DEFAULT, "svg").startswith(b"<?xml")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.costs import StageCost, stage_costs
from poolviz.core.ops import SHIFT_MODES, shift
from poolviz.core.pipeline import LayerSettings
from poolviz.core.text import format_value
from poolviz.lessons import comparison, pipelines, sentences
from poolviz.lessons.comparison import PipelineRun
from poolviz.render import asset_text, explorer, export, png, slides, svg
from poolviz.render.slides import INPUT, FigureKey
from poolviz.view import state as view_state
from poolviz.view.choices import BLUR_TITLES, MODE_TITLES, POOL_TITLES

__all__ = [
    "EXPORTS",
    "FIGURE_FORMATS",
    "INPUT",
    "FigureKey",
    "ViewResult",
    "view_result",
    "stage_info",
    "title",
    "settings_lines",
    "slide",
    "download",
    "figures",
    "figure_name",
    "figure",
    "figure_download",
    "build_explorer_payload",
    "explorer_payload",
    "explorer_payload_text",
]

# Format -> (file name, MIME type): every file a view downloads as, in the order to offer them.
EXPORTS = {
    "png": ("poolviz.png", "image/png"),  # the 1920×1080 slide
    "svg": ("poolviz.svg", "image/svg+xml"),  # the same slide as text
    "html": ("poolviz.html", "text/html"),  # the explorer, offline
    "json": ("poolviz.json", "application/json"),
    "csv": ("poolviz.csv", "text/csv"),
}
# The buttons the page's current download row shows (app_pages/explore.py lays them out in
# three columns); a page offering every export iterates EXPORTS instead.
# A single map downloads as a picture.
FIGURE_FORMATS = {fmt: EXPORTS[fmt] for fmt in ("png", "svg")}


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


def _signed(v: int) -> str:
    return f"+{v}" if v > 0 else str(v)


def _grid_text(grid: Sequence[Sequence[float]]) -> str:
    rows = ", ".join("[" + ", ".join(format_value(v) for v in row) + "]" for row in grid)
    return f"[{rows}]" if len(grid) > 1 else rows


def settings_lines(view: view_state.ViewState) -> list[str]:
    """The slide's settings, in words: the layers and the shift, then the share link's query.

    >>> settings_lines(view_state.DEFAULT)  # doctest: +NORMALIZE_WHITESPACE
    ['Settings: 8×8 pattern · filter 1×1 [1], stride 1, padding 0, no ReLU ·
      pooling: max-pool 2×2, stride 2 · next conv stride 2, padding 0 ·
      shift dx=+1, dy=0, zero fill · pipelines: max-pool and no pooling',
     'Share link query: (empty: the default view)']
    """
    settings = view.layer_settings()
    kernel = np.array(view.kernel)
    pool = f"{POOL_TITLES[view.pool]} {view.pool_size}×{view.pool_size}"
    if view.pool == "blur":
        pool += f" with {BLUR_TITLES[view.blur_taps]}"
    names = " and ".join(pipelines.title(name, settings) for name in view.pipelines)
    parts = [
        f"{view.height}×{view.width} pattern",
        f"filter {kernel.shape[0]}×{kernel.shape[1]} {_grid_text(view.kernel)}, stride "
        f"{view.conv_stride}, padding {view.conv_padding}, {'ReLU' if view.relu else 'no ReLU'}",
        f"pooling: {pool}, stride {view.pool_stride}",
        f"next conv stride {view.next_stride}, padding {view.next_padding}",
        f"shift dx={_signed(view.dx)}, dy={_signed(view.dy)}, {MODE_TITLES[view.mode]}",
        f"pipelines: {names}",
    ]
    query = view_state.query_string(view)
    return [
        "Settings: " + " · ".join(parts),
        f"Share link query: ?{query}" if query else "Share link query: (empty: the default view)",
    ]


def _inputs(view: view_state.ViewState) -> tuple[np.ndarray, np.ndarray]:
    """The pattern and its shift, by the function :func:`comparison.compare` shifts with."""
    x = view.pattern_array()
    return x, shift(x, view.dy, view.dx, view.mode)


def slide(view: view_state.ViewState, result: ViewResult | None = None) -> slides.Scene:
    """The view's 1920×1080 slide, laid out (what the PNG and SVG downloads draw).

    >>> [m.tag["stage"] for m in slide(view_state.DEFAULT).maps("stage")][:3]
    ['input', 'input', 'conv 1×1']
    """
    result = result or view_result(view)
    return slides.slide_scene(
        result.runs, _inputs(view), title(view), result.sentences, settings_lines(view),
        view.show_values,
    )


def build_explorer_payload(
    pattern: Sequence[Sequence[float]],
    settings,
    names: Sequence[str] = pipelines.DEFAULT_PAIR,
    modes: Sequence[str] = SHIFT_MODES,
    wanted: int = explorer.MAX_RADIUS,
    show_values: bool = True,
) -> dict:
    """The Explore component's payload: every shift within the largest radius (up to
    ``wanted``) that keeps it under :data:`~poolviz.render.explorer.MAX_PAYLOAD_BYTES`,
    with the page's sentences for each.

    The one definition the page's component (``ui/explorer.py``, which caches it by these
    arguments) and the offline HTML export share.

    Parameters
    ----------
    pattern : nested sequence, shape (H, W)
        The input pattern.
    settings : LayerSettings or kernel
        As :meth:`LayerSettings.of <poolviz.core.pipeline.LayerSettings.of>` takes it.
    names : sequence of str
        The pipelines compared (:data:`poolviz.lessons.pipelines.PIPELINES` keys).
    modes, wanted, show_values
        The edge modes, the largest radius, whether to print numbers.

    Examples
    --------
    >>> data = build_explorer_payload(view_state.BOOK_PATTERN, ((1.0,),), wanted=1)
    >>> data["radius"], [p["name"] for p in data["pipelines"]], bool(data["sentences"])
    (1, ['max-pool', 'no pooling'], True)
    """
    return explorer.fit_explorer_data(*_fit_args(pattern, settings, names, modes, wanted, show_values))


def _fit_args(pattern, settings, names, modes, wanted, show_values) -> tuple:
    """The arguments of :func:`~poolviz.render.explorer.fit_explorer_data` for a view's."""
    return (
        np.array(pattern, dtype=np.float64),
        pipelines.selected(LayerSettings.of(settings), tuple(names)),
        tuple(modes),
        wanted,
        sentences.explain_shifts,
        show_values,
    )


def explorer_payload_text(
    pattern: Sequence[Sequence[float]],
    settings,
    names: Sequence[str] = pipelines.DEFAULT_PAIR,
    modes: Sequence[str] = SHIFT_MODES,
    wanted: int = explorer.MAX_RADIUS,
    show_values: bool = True,
    center: tuple[int, int] = (0, 0),
) -> tuple[str, int, int, int, tuple[str, ...]]:
    """:func:`build_explorer_payload` as the page ships it: its JSON text
    (:func:`~poolviz.render.explorer.payload_json`), height, width, radius and modes.
    ``center`` (dx, dy): the shifts cover ``center ± wanted`` (a paint's first payload).

    Plain values only, so a helper process can build it and send it back pickled
    (``ui/offload.py``).

    >>> text, h, w, radius, modes = explorer_payload_text(view_state.BOOK_PATTERN, ((1.0,),), wanted=1)
    >>> text.startswith('{"version":3'), (h, w, radius), modes
    (True, (8, 8, 1), ('zero', 'wrap'))
    """
    data, text = explorer.fit_explorer_payload(
        *_fit_args(pattern, settings, names, modes, wanted, show_values), center=center
    )
    dims = (int(data["height"]), int(data["width"]), int(data["radius"]))
    return (text, *dims, tuple(data["modes"]))


def explorer_payload(view: view_state.ViewState, wanted: int = explorer.MAX_RADIUS) -> dict:
    """:func:`build_explorer_payload` for ``view``: its pattern, layers, pipelines and
    numbers switch, both edge modes (the shift itself is not part of the payload).

    >>> explorer_payload(view_state.DEFAULT, wanted=0)["shifts"]
    [[0, 0]]
    """
    return build_explorer_payload(
        view.pattern, view.layer_settings(), view.pipelines, SHIFT_MODES, wanted,
        view.show_values,
    )


def _offline_page(view: view_state.ViewState) -> str:
    js, css = asset_text("explorer.js"), asset_text("explorer.css")
    return explorer.offline_html(
        explorer_payload(view), js, css, title(view), (view.dx, view.dy, view.mode)
    )


def download(view: view_state.ViewState, fmt: str, result: ViewResult | None = None) -> bytes:
    """The view as ``fmt`` (a key of :data:`EXPORTS`), as the page's download buttons give it.

    ``png`` and ``svg`` are the 1920×1080 slide; ``html`` one self-contained page with the
    view's explorer, every shift precomputed, that runs with no server and no network;
    ``json`` and ``csv`` every map's numbers. ``result`` may pass a :func:`view_result`
    already computed for this view (the page's cache); it is computed otherwise.
    """
    if fmt not in EXPORTS:
        raise ValueError(f"`fmt` must be one of {', '.join(EXPORTS)}; got {fmt!r}")
    if fmt == "html":  # the explorer computes every shift itself
        return _offline_page(view).encode("utf-8")
    result = result or view_result(view)
    if fmt == "png":
        return png.to_png(slide(view, result))
    if fmt == "svg":
        return svg.to_svg(slide(view, result)).encode("utf-8")
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


def figures(view: view_state.ViewState, result: ViewResult | None = None) -> list[FigureKey]:
    """Every map of the view that downloads alone, in the slide's order: the input and its
    shift, then each pipeline's stages, original and shifted.

    >>> keys = figures(view_state.DEFAULT)
    >>> keys[0], len(keys)
    (FigureKey(pipeline='input', stage=0, which='original'), 16)
    """
    return slides.figure_keys((result or view_result(view)).runs)


def figure_name(key: FigureKey, fmt: str) -> str:
    """The file name of a figure download.

    >>> figure_name(FigureKey("max-pool", 2, "shifted"), "svg")
    'poolviz_max-pool_2_shifted.svg'
    """
    return f"poolviz_{key.slug()}.{_figure_format(fmt)}"


def _figure_format(fmt: str) -> str:
    if fmt not in FIGURE_FORMATS:
        raise PoolvizError(f"`fmt` must be one of {', '.join(FIGURE_FORMATS)}; got {fmt!r}")
    return fmt


def figure_download(
    view: view_state.ViewState,
    key: FigureKey,
    fmt: str,
    result: ViewResult | None = None,
) -> bytes:
    """One map of the view (a :func:`figures` key) alone, as PNG or SVG, on the slide's
    colour scale, with its caption and how many of its cells the shift changed.

    >>> key = FigureKey("max-pool", 2, "shifted")
    >>> figure_download(view_state.DEFAULT, key, "svg").count(b"class='changed'")
    0
    >>> figure_download(view_state.DEFAULT, FigureKey(INPUT, 0, "shifted"), "png")[:4]
    b'\\x89PNG'
    """
    _figure_format(fmt)
    scene = figure(view, key, result)
    return png.to_png(scene) if fmt == "png" else svg.to_svg(scene).encode("utf-8")


def figure(
    view: view_state.ViewState, key: FigureKey, result: ViewResult | None = None
) -> slides.Scene:
    """One map of the view laid out alone (what :func:`figure_download` draws), captioned
    with the view's title and settings.

    >>> figure(view_state.DEFAULT, FigureKey(INPUT, 0, "original")).maps()[0].values.shape
    (8, 8)
    """
    result = result or view_result(view)
    caption = f"{title(view)}. {settings_lines(view)[0]}"
    return slides.figure_scene(result.runs, _inputs(view), key, caption, view.show_values)
