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
from poolviz.core.pipeline import Layer, check_grid, run_pipeline, with_pooling, without_pooling

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

    @property
    def ok(self) -> bool:
        return self.error is None


def standard_pipelines(
    kernel,
    conv_stride=1,
    conv_padding=0,
    use_relu: bool = False,
    pool: str = "max",
    pool_size=2,
    pool_stride=2,
    next_stride=2,
    next_padding=0,
    blur_taps: int = 3,
) -> dict[str, tuple[Layer, ...]]:
    """The two pipelines of the question, sharing the first conv and the next layer.

    ``blur_taps`` (3 or 4) picks the blur of ``pool="blur"``.
    """
    front = dict(
        kernel=kernel, conv_stride=conv_stride, conv_padding=conv_padding, use_relu=use_relu
    )
    tail = dict(next_stride=next_stride, next_padding=next_padding)
    return {
        WITH_POOLING: with_pooling(
            **front,
            pool=pool,
            pool_size=pool_size,
            pool_stride=pool_stride,
            blur_taps=blur_taps,
            **tail,
        ),
        WITHOUT_POOLING: without_pooling(**front, **tail),
    }


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
                name, tuple(layer.label for layer in pipeline), (), (), str(error)
            )
            continue
        runs[name] = PipelineRun(
            name,
            tuple(s.label for s in stages),
            tuple(s.maps[0] for s in stages),
            tuple(s.maps[1] for s in stages),
        )
    return runs


def next_layer_index(labels: tuple[str, ...]) -> int:
    """Index of the stage that feeds the next layer (the one before the last conv).

    >>> next_layer_index(('input', 'conv 1×1', 'max-pool 2×2 /2', 'conv 2×2 /2', 'global max'))
    2
    """
    convs = [i for i, label in enumerate(labels) if label.startswith("conv")]
    if len(convs) < 2:
        raise PoolvizError(f"`labels` must hold two conv stages; got {labels!r}")
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


def book_example() -> BookExample:
    """Run A, B (A shifted one right) and C (two right) through "with pooling", 1×1 identity.

    >>> book = book_example()
    >>> [book.next_maps[name].tolist() for name in "ABC"]
    [[[2.0, 2.0], [2.0, 2.0]], [[2.0, 2.0], [2.0, 2.0]], [[0.0, 4.0], [0.0, 4.0]]]
    """
    inputs = book_inputs()
    names = list(inputs)
    stages = run_pipeline(with_pooling(((1.0,),)), np.stack([inputs[n] for n in names]))
    pool_stage, next_stage, global_stage = stages[2], stages[3], stages[4]
    return BookExample(
        inputs=dict(inputs),
        pooled={n: pool_stage.maps[i] for i, n in enumerate(names)},
        next_maps={n: next_stage.maps[i] for i, n in enumerate(names)},
        global_max={n: float(global_stage.maps[i]) for i, n in enumerate(names)},
        pool_label=pool_stage.label,
        next_label=next_stage.label,
    )
