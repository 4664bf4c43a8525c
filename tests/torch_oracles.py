"""Independent PyTorch oracles for MaxBlurPool and APS (used by the torch tests only).

Written from the papers' definitions with ``torch.nn.functional`` primitives, sharing no
code or constants with poolviz (not even its filter table), so that poolviz's numpy ops
*and* the PyTorch snippet it generates are both checked against something else:

* BlurPool (Zhang 2019; antialiased-cnns' ``BlurPool``): ``max_pool2d(kernel 2,
  stride 1)``, then ``F.pad(mode="reflect")`` by ``(floor((k-1)/2), ceil((k-1)/2))`` per
  axis, then a grouped (depthwise) ``conv2d`` with the normalized binomial filter at the
  stride. k = 3: [1, 2, 1]; k = 4: [1, 3, 3, 1].
* APS (Chaman & Dokmanic 2021), per map: circular pad, ``max_pool2d(size, stride 1)``,
  the ``sh * sw`` polyphase components, their L2 norms, ``argmax`` (PyTorch returns the
  first maximal index: first wins ties), that component kept.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported inside the functions: pytest's --doctest-modules
    import torch  # imports this file too, and must not fail where torch is missing

BINOMIAL = {3: [1.0, 2.0, 1.0], 4: [1.0, 3.0, 3.0, 1.0]}


def blur_pool(t: torch.Tensor, stride: int | tuple[int, int] = 2, taps: int = 3) -> torch.Tensor:
    """MaxBlurPool of an (N, C, H, W) tensor, each channel blurred on its own."""
    import torch
    import torch.nn.functional as F

    a = torch.tensor(BINOMIAL[taps], dtype=t.dtype)
    filt = a[:, None] * a[None, :]
    filt = filt / filt.sum()
    before, after = int((taps - 1) / 2), int(math.ceil((taps - 1) / 2))
    channels = t.shape[1]
    t = F.max_pool2d(t, kernel_size=2, stride=1)
    t = F.pad(t, (before, after, before, after), mode="reflect")
    weight = filt[None, None].repeat(channels, 1, 1, 1)
    return F.conv2d(t, weight, stride=stride, groups=channels)


def aps_pool(
    t: torch.Tensor, size: int | tuple[int, int] = 2, stride: int | tuple[int, int] = 2
) -> torch.Tensor:
    """APS of an (N, C, H, W) tensor, choosing the component per (n, c) map."""
    import torch
    import torch.nn.functional as F

    kh, kw = (size, size) if isinstance(size, int) else size
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    t = F.pad(t, (0, kw - 1, 0, kh - 1), mode="circular")
    t = F.max_pool2d(t, (kh, kw), stride=1)
    comps = torch.stack([t[..., p::sh, q::sw] for p in range(sh) for q in range(sw)], dim=2)
    norms = torch.linalg.vector_norm(comps.flatten(-2), dim=-1)  # (N, C, K)
    best = torch.argmax(norms, dim=-1)  # first maximal index on ties
    index = best[..., None, None, None].expand(-1, -1, 1, *comps.shape[-2:])
    return torch.gather(comps, 2, index)[:, :, 0]
