"""What the presentation-mode key listener sends back, checked before use (no streamlit).

The listener (``render/assets/presenter.js``) sends ``{"to": step}`` as a trigger when a
presentation clicker's key asks for the next or previous lesson step. The browser is not
trusted: anything but an integer step of the lesson is ignored.

>>> requested_step({"to": 3}, 6), requested_step({"to": 7}, 6), requested_step("3", 6)
(3, None, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["requested_step"]


def requested_step(raw: Any, steps: int) -> int | None:
    """The step ``raw`` asks for, if it is ``{"to": n}`` with ``1 <= n <= steps``.

    >>> [requested_step(v, 6) for v in ({"to": True}, {"to": 2.0}, {"to": 0}, {"to": 1, "x": 0}, None)]
    [None, None, None, None, None]
    """
    if not isinstance(raw, Mapping) or set(raw) != {"to"}:
        return None
    to = raw["to"]
    if isinstance(to, bool) or not isinstance(to, int) or not 1 <= to <= steps:
        return None
    return to
