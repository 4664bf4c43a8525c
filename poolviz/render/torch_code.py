"""A short, copyable PyTorch script that reproduces the current view.

:func:`torch_snippet` writes a self-contained script (``import torch`` and
``torch.nn.functional`` only) that builds the pattern, the kernel and the shift, and
runs both pipelines of the question on the original and the shifted input with
``torch.nn.functional``, printing every stage. BlurPool and APS are written out from
``F`` primitives so students see what they do. The script leaves every stage's map in a
dict ``maps[(pipeline, "original" | "shifted", stage)]`` (stage 0 is the input), which
the tests compare with :func:`poolviz.lessons.comparison.compare`.

Generating the text needs no torch; this module imports numpy only.

Examples
--------
>>> import numpy as np
>>> src = torch_snippet(np.eye(4), [[1.0]], dx=1)
>>> compile(src, "snippet", "exec") is not None
True
>>> src.splitlines()[:2]
['import torch', 'import torch.nn.functional as F']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from poolviz.core.checks import PoolvizError, as_choice, as_int
from poolviz.core.ops import APS_TIE_RTOL, SHIFT_MODES
from poolviz.core.pipeline import Conv, GlobalPool, Pool, ReLU, check_grid
from poolviz.lessons.comparison import compare, standard_pipelines

__all__ = ["torch_snippet", "pattern_literal", "number_literal"]

_ROLES = ("original", "shifted")


def number_literal(v: float) -> str:
    """A float as a Python literal that round-trips exactly; integers without ``.0``.

    >>> [number_literal(v) for v in (1.0, -2.0, 0.5, 0.1 + 0.2)]
    ['1', '-2', '0.5', '0.30000000000000004']
    """
    v = float(v)
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def pattern_literal(x: Any, indent: str = "    ") -> str:
    """A 2-D grid as a nested list literal, one row per line.

    >>> print(pattern_literal(np.eye(2)))
    [
        [1, 0],
        [0, 1],
    ]
    """
    grid = np.asarray(x, dtype=float)
    rows = [indent + "[" + ", ".join(number_literal(v) for v in row) + "]," for row in grid]
    return "[\n" + "\n".join(rows) + "\n]"


def _quoted(text: str) -> str:
    """A string literal in double quotes (labels hold no quotes or backslashes)."""
    return f'"{text}"' if '"' not in text and "\\" not in text else repr(text)


def _arg(value: Any) -> str:
    """An int or (h, w) pair as torch wants it: ``2`` or ``(2, 3)``."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    a, b = (int(v) for v in value)
    return str(a) if a == b else f"({a}, {b})"


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def _shift_code(dx: int, dy: int, mode: str, h: int, w: int) -> list[str]:
    where = (
        f"{abs(dx)} {'right' if dx >= 0 else 'left'} and {abs(dy)} {'down' if dy >= 0 else 'up'}"
    )
    if dx == 0 and dy == 0:
        return ["shifted = x.clone()  # no shift in this view"]
    if mode == "wrap":
        return [
            f"# The shifted input: content moves {where}, wrapping around the edges",
            f"shifted = torch.roll(x, shifts=({dy}, {dx}), dims=(0, 1))",
        ]
    # A shift by the whole size or more leaves only zeros; clip so F.pad can crop it.
    dx, dy = max(-w, min(w, dx)), max(-h, min(h, dy))
    return [
        f"# The shifted input: content moves {where}; zeros come in, content falls off",
        "# (F.pad's negative padding crops the far side)",
        f"shifted = F.pad(x, ({dx}, {-dx}, {dy}, {-dy}))",
    ]


def _helpers(pool: Pool | None) -> list[str]:
    if pool is None or pool.kind not in ("blur", "aps"):
        return []
    (sh, sw), stride = _pair(pool.stride), _arg(pool.stride)
    if pool.kind == "blur":
        if pool.taps == 4:
            taps = [
                "binomial = torch.tensor([1.0, 3.0, 3.0, 1.0], dtype=torch.float64)",
                "blur = (binomial[:, None] * binomial[None, :] / 64)[None, None]"
                "  # 4×4, sums to 1 (antialiased-cnns' default)",
            ]
            pad = '    t = F.pad(t, (1, 2, 1, 2), mode="reflect")  # (left, right, top, bottom)'
        else:
            taps = [
                "binomial = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)",
                "blur = (binomial[:, None] * binomial[None, :] / 16)[None, None]  # 3×3, sums to 1",
            ]
            pad = '    t = F.pad(t, (1, 1, 1, 1), mode="reflect")'
        return taps + [
            "",
            "",
            "def blur_pool(t):  # MaxBlurPool: dense 2×2 max, reflect-pad, blur, then subsample",
            "    t = F.max_pool2d(t, 2, stride=1)",
            pad,
            f"    return F.conv2d(t, blur, stride={stride})",
            "",
            "",
        ]
    kh, kw = _pair(pool.size)
    return [
        "def aps_pool(t):  # APS: circular max, keep the polyphase part with the largest norm",
        f'    t = F.pad(t, (0, {kw - 1}, 0, {kh - 1}), mode="circular")',
        f"    t = F.max_pool2d(t, {_arg(pool.size)}, stride=1)",
        f"    parts = [t[..., p::{sh}, q::{sw}] for p in range({sh}) for q in range({sw})]",
        "    norms = torch.stack([part.square().sum() for part in parts])",
        f"    best = torch.nonzero(norms >= norms.max() * (1 - {APS_TIE_RTOL!r}))[0].item()",
        "    return parts[best]  # ties (within rounding) go to the first part",
        "",
        "",
    ]


def _layer_code(layer: Any, kernel_name: str) -> str:
    if isinstance(layer, Conv):
        name = "ones" if kernel_name == "ones" else "kernel"
        return (
            f"lambda t: F.conv2d(t, {name}, stride={_arg(layer.stride)}, "
            f"padding={_arg(layer.padding)})"
        )
    if isinstance(layer, ReLU):
        return "F.relu"
    if isinstance(layer, GlobalPool):
        return (
            "lambda t: t.amax(dim=(-2, -1))"
            if layer.kind == "max"
            else ("lambda t: t.mean(dim=(-2, -1))")
        )
    if layer.kind == "max":
        return f"lambda t: F.max_pool2d(t, {_arg(layer.size)}, stride={_arg(layer.stride)})"
    if layer.kind == "avg":
        return (
            f"lambda t: F.avg_pool2d(t, {_arg(layer.size)}, stride={_arg(layer.stride)}, "
            "count_include_pad=True)"
        )
    return "blur_pool" if layer.kind == "blur" else "aps_pool"


def torch_snippet(
    pattern: Any,
    settings: Any = None,
    dx: int = 0,
    dy: int = 0,
    mode: str = "zero",
    pipelines: Mapping[str, tuple] | None = None,
    **changes: Any,
) -> str:
    """The current view as a runnable PyTorch script (float64 throughout).

    Both pipelines of the question — "with pooling": conv → [ReLU] → pool → conv 2×2
    all-ones at ``next_stride`` / ``next_padding`` → global max; "without pooling": the
    same without the pool — on the pattern and on its shift by ``(dy, dx)``
    (``torch.roll`` for ``mode="wrap"``, ``F.pad`` with negative padding for zeros).
    Each stage is printed with its label and stored in ``maps[(name, which, stage)]``,
    ``name`` in ("with pooling", "without pooling"), ``which`` in ("original",
    "shifted"), ``stage`` as in :func:`poolviz.lessons.comparison.compare` (0 = the input).

    ``settings`` (a :class:`~poolviz.core.pipeline.LayerSettings` or a kernel) and
    ``changes`` are those of :func:`poolviz.lessons.comparison.standard_pipelines`;
    ``pipelines`` (name -> layers, all sharing the first conv) replaces those two.
    When a pipeline cannot run on the pattern, the script starts with a comment saying
    so (PyTorch then raises the matching error).
    """
    x = check_grid(pattern)
    if x.ndim != 2:
        raise PoolvizError(f"`pattern` must be a single (H, W) grid; got shape {x.shape}")
    dx, dy = as_int(dx, "dx"), as_int(dy, "dy")
    mode = as_choice(mode, "mode", SHIFT_MODES)
    if pipelines is None:
        pipelines = standard_pipelines(settings, **changes)
    runs = compare(x, pipelines, dx=dx, dy=dy, mode=mode)
    h, w = x.shape
    first = next(iter(pipelines.values()))[0]
    pool_layer = next(
        (layer for p in pipelines.values() for layer in p if isinstance(layer, Pool)), None
    )

    lines = ["import torch", "import torch.nn.functional as F", ""]
    for name, run in runs.items():
        if not run.ok:
            lines.insert(0, f"# Note: {name!r} cannot run here ({run.error}).")
    lines += [f"x = torch.tensor({pattern_literal(x)}, dtype=torch.float64)"]
    k_lit = (
        pattern_literal(first.kernel)
        if first.size[0] > 1
        else ("[[" + ", ".join(number_literal(v) for v in first.kernel[0]) + "]]")
    )
    lines += [f"kernel = torch.tensor({k_lit}, dtype=torch.float64)[None, None]  # (1, 1, kh, kw)"]
    lines += ["ones = torch.ones(1, 1, 2, 2, dtype=torch.float64)  # the next layer: 2×2 all-ones"]
    lines += [""] + _shift_code(dx, dy, mode, h, w) + [""]
    helpers = _helpers(pool_layer)
    if helpers:
        lines += [""] + helpers
    lines += ["layers = {"]
    for name, pipeline in pipelines.items():
        last_conv = max(i for i, layer in enumerate(pipeline) if isinstance(layer, Conv))
        lines.append(f"    {_quoted(name)}: [")
        for i, layer in enumerate(pipeline):
            code = _layer_code(layer, "ones" if i == last_conv else "kernel")
            lines.append(f"        ({_quoted(layer.label)}, {code}),")
        lines.append("    ],")
    lines += [
        "}",
        "",
        "maps = {}  # (pipeline, input, stage) -> map; stage 0 is the input",
        "for name, steps in layers.items():",
        '    for which, t in (("original", x), ("shifted", shifted)):',
        "        t = t[None, None]  # add batch and channel axes: (1, 1, H, W)",
        "        maps[name, which, 0] = t[0, 0]",
        "        for stage, (label, layer) in enumerate(steps, start=1):",
        "            t = layer(t)",
        "            maps[name, which, stage] = t[0, 0]",
        '            print(f"{name} | {which} | {label}:\\n{t[0, 0]}\\n")',
    ]
    return "\n".join(lines) + "\n"
