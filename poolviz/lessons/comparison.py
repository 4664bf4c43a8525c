"""Run the original and the shifted pattern through both pipelines, side by side.

This is what the explorer shows: for each named pipeline, every stage's map for the
original input (index 0) and the shifted input (index 1), computed in one call over a
stack of the two.

Examples
--------
>>> from poolviz.core.patterns import make_preset
>>> runs = compare(make_preset("book"), standard_pipelines(((1.0,),)), dx=1)
>>> runs[WITH_POOLING].labels
('input', 'conv 1×1', 'max-pool 2×2 /2', 'conv 2×2 /2', 'global max')
>>> runs[WITH_POOLING].original[2][0].tolist(), runs[WITH_POOLING].shifted[2][0].tolist()
([0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import shift
from poolviz.core.patterns import book_inputs
from poolviz.core.pipeline import (
    Conv,
    Layer,
    LayerSettings,
    check_grid,
    run_pipeline,
    with_pooling,
)
from poolviz.lessons.pipelines import NO_POOLING, POOLING, STRIDED, build

__all__ = [
    "WITH_POOLING",
    "WITHOUT_POOLING",
    "PipelineRun",
    "standard_pipelines",
    "compare",
    "next_layer_index",
    "BookExample",
    "book_example",
]

WITH_POOLING = "with pooling"
WITHOUT_POOLING = "without pooling"


@dataclass(frozen=True)
class PipelineRun:
    """One pipeline's stages for the original and the shifted input.

    ``original[i]`` and ``shifted[i]`` are stage ``i``'s maps (2-D, or 0-D after a global
    pool). When the pipeline cannot run on this input, ``error`` says why and the stage
    tuples are empty.
    """

    name: str
    labels: tuple[str, ...]
    original: tuple[np.ndarray, ...]
    shifted: tuple[np.ndarray, ...]
    error: str | None = None
    layers: tuple[Layer | None, ...] = ()  # each stage's layer, None for the input

    @property
    def ok(self) -> bool:
        return self.error is None


def standard_pipelines(settings=None, **changes) -> dict[str, tuple[Layer, ...]]:
    """The experiment's two pipelines: "with pooling" (the book's) and "without pooling"
    (the strided conv), sharing the first conv and the next layer.

    ``settings`` is a :class:`~poolviz.core.pipeline.LayerSettings` or a kernel, with
    ``changes`` to its fields. The page's three named pipelines are in
    :mod:`poolviz.lessons.pipelines`; these are two of them under the experiment's names.
    """
    s = LayerSettings.of(settings, **changes)
    return {WITH_POOLING: build(POOLING, s), WITHOUT_POOLING: build(STRIDED, s)}


def compare(
    x: np.ndarray,
    pipelines: dict[str, tuple[Layer, ...]],
    dx: int = 0,
    dy: int = 0,
    mode: str = "zero",
) -> dict[str, PipelineRun]:
    """Run ``x`` and ``shift(x, dy, dx, mode)`` through each pipeline.

    A pipeline that cannot run (say a kernel larger than its input) gets a
    ``PipelineRun`` with ``error`` set, so the others still show.
    """
    x = check_grid(x)
    if x.ndim != 2:
        raise PoolvizError(f"`x` must be a single (H, W) pattern; got shape {x.shape}")
    pair = np.stack([x, shift(x, dy, dx, mode)])
    runs = {}
    for name, pipeline in pipelines.items():
        try:
            stages = run_pipeline(pipeline, pair)
        except PoolvizError as error:
            runs[name] = PipelineRun(
                name,
                tuple(layer.label for layer in pipeline),
                (),
                (),
                str(error),
                (None, *pipeline),
            )
            continue
        runs[name] = PipelineRun(
            name,
            tuple(s.label for s in stages),
            tuple(s.maps[0] for s in stages),
            tuple(s.maps[1] for s in stages),
            layers=tuple(s.layer for s in stages),
        )
    return runs


def next_layer_index(layers: tuple[Layer | None, ...]) -> int:
    """Index of the stage that feeds the next layer (the one before the last conv).

    ``layers`` holds each stage's layer (``None`` for the input), as
    :attr:`PipelineRun.layers` does: stages are found by their layer's type, never by label.

    >>> from poolviz.core.pipeline import with_pooling
    >>> next_layer_index((None,) + with_pooling(((1.0,),)))
    2
    """
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, Conv)]
    if len(convs) < 2:
        raise PoolvizError(f"`layers` must hold two conv stages; got {layers!r}")
    return convs[-1] - 1


@dataclass(frozen=True)
class BookExample:
    """Géron's figure, computed: inputs A, B, C, their max-pool outputs and the next layer's."""

    inputs: dict[str, np.ndarray]
    pooled: dict[str, np.ndarray]
    next_maps: dict[str, np.ndarray]
    global_max: dict[str, float]
    pool_label: str
    next_label: str
    # The same inputs through "no pooling" (stride-1 convs): the question's proposal.
    plain_next: dict[str, np.ndarray]
    plain_global: dict[str, float]
    plain_label: str


def book_example() -> BookExample:
    """Run A, B (A shifted one right) and C (two right) through "with pooling", 1×1 identity.

    >>> book = book_example()
    >>> [book.next_maps[name].tolist() for name in "ABC"]
    [[[2.0, 2.0], [2.0, 2.0]], [[2.0, 2.0], [2.0, 2.0]], [[0.0, 4.0], [0.0, 4.0]]]
    """
    inputs = book_inputs()
    names = list(inputs)
    stack = np.stack([inputs[n] for n in names])
    stages = run_pipeline(with_pooling(((1.0,),)), stack)
    pool_stage, next_stage, global_stage = stages[2], stages[3], stages[4]
    plain = run_pipeline(build(NO_POOLING, LayerSettings(((1.0,),))), stack)
    return BookExample(
        plain_next={n: plain[2].maps[i] for i, n in enumerate(names)},
        plain_global={n: float(plain[3].maps[i]) for i, n in enumerate(names)},
        plain_label=plain[2].label,
        inputs=dict(inputs),
        pooled={n: pool_stage.maps[i] for i, n in enumerate(names)},
        next_maps={n: next_stage.maps[i] for i, n in enumerate(names)},
        global_max={n: float(global_stage.maps[i]) for i, n in enumerate(names)},
        pool_label=pool_stage.label,
        next_label=next_stage.label,
    )
