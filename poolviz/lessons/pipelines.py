"""The three pipelines the page compares, named once.

- ``nopool`` — **no pooling**, the question's proposal: conv → conv 2×2 all-ones at stride
  1 → global max. Nothing downsamples, so every stage is shift-equivariant and the global
  max is exactly shift-invariant under wrap-around shifts.
- ``pool`` — the book's **max-pool** pipeline: conv → pool 2×2 /2 → conv 2×2 all-ones at
  the next-layer stride (2 by default) → global max. Its pooling can be average, BlurPool
  or APS instead; its title then names that kind.
- ``strided`` — **strided conv**, the all-convolutional alternative: conv → conv 2×2
  all-ones at the next-layer stride → global max.

All three share the first conv (its filter, stride, padding and ReLU) from one
:class:`~poolviz.core.pipeline.LayerSettings`. The next-layer stride and padding apply to
``pool`` and ``strided``; ``nopool`` keeps stride 1 by definition (its padding applies).

>>> from poolviz.core.pipeline import LayerSettings
>>> s = LayerSettings(((1.0,),))
>>> [layer.label for layer in build("nopool", s)]
['conv 1×1', 'conv 2×2', 'global max']
>>> title("pool", LayerSettings(((1.0,),), pool="avg"))
'avg-pool'
>>> list(selected(s, ("pool", "nopool")))
['max-pool', 'no pooling']
"""

from __future__ import annotations

from collections.abc import Sequence

from poolviz.core.checks import PoolvizError
from poolviz.core.pipeline import (
    POOL_NAMES,
    Layer,
    LayerSettings,
    with_pooling,
    without_pooling,
)

__all__ = ["NO_POOLING", "POOLING", "STRIDED", "PIPELINES", "DEFAULT_PAIR", "build", "title", "selected"]

NO_POOLING, POOLING, STRIDED = "nopool", "pool", "strided"
# Key (the URL's value) -> what the pipeline is, in a few words (for choosing it).
PIPELINES = {
    NO_POOLING: "no pooling: stride-1 convs",
    POOLING: "pooling 2×2 /2, then conv",
    STRIDED: "strided conv, no pooling",
}
DEFAULT_PAIR = (POOLING, NO_POOLING)


def _check(name: str) -> str:
    if name not in PIPELINES:
        raise PoolvizError(f"`name` must be one of {', '.join(PIPELINES)}; got {name!r}")
    return name


def build(name: str, settings: LayerSettings) -> tuple[Layer, ...]:
    """The layers of pipeline ``name`` for these settings (built by the core's builders)."""
    if _check(name) == NO_POOLING:
        return without_pooling(settings, next_stride=1)
    if name == POOLING:
        return with_pooling(settings)
    return without_pooling(settings)


def title(name: str, settings: LayerSettings) -> str:
    """The pipeline's name on the page: ``no pooling``, ``max-pool`` (or its kind), ``strided conv``."""
    if _check(name) == NO_POOLING:
        return "no pooling"
    if name == POOLING:
        return POOL_NAMES[settings.pool]
    return "strided conv"


def selected(settings: LayerSettings, names: Sequence[str]) -> dict[str, tuple[Layer, ...]]:
    """Title -> layers for the chosen pipelines, in order (what ``compare`` takes)."""
    if len(set(names)) != len(names):
        raise PoolvizError(f"`names` must not repeat a pipeline; got {tuple(names)!r}")
    return {title(n, settings): build(n, settings) for n in names}
