"""What the browser says was clicked, checked before anything uses it.

Plotly selection events arrive as whatever JSON the browser sent: a page can be scripted,
so every field is checked for type and range here, and anything else counts as no click.

>>> clicked_stage_cell({"selection": {"points": [{"x": 0, "y": 1, "customdata": [3]}]}}, 5)
(3, 1, 0)
>>> clicked_stage_cell("nonsense", 5) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_POINTS", "clicked_stage_cell"]

MAX_POINTS = 64  # a click selects one point; a box selection never more than a grid row or so


def _points(event: Any) -> list[Mapping]:
    if not isinstance(event, Mapping):
        return []
    selection = event.get("selection")
    points = selection.get("points") if isinstance(selection, Mapping) else None
    if not isinstance(points, list):
        return []
    return [p for p in points[:MAX_POINTS] if isinstance(p, Mapping)]


def _index(value: Any, size: int) -> int | None:
    """A cell index from a coordinate: a finite number within 1e-6 of an int in range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value - round(value)) > 1e-6:
        return None
    index = int(round(value))
    return index if 0 <= index < size else None


def clicked_stage_cell(event: Any, n_stages: int) -> tuple[int, int, int] | None:
    """(stage, row, col) of the last valid point whose ``customdata`` names a stage.

    Rows and columns are only checked to be small non-negative integers here; the page
    checks them against the stage's shape, which it knows.
    """
    for point in reversed(_points(event)):
        stage = point.get("customdata")
        if isinstance(stage, list) and stage:
            stage = stage[0]
        stage = _index(stage, n_stages)
        row, col = _index(point.get("y"), 10_000), _index(point.get("x"), 10_000)
        if stage is not None and row is not None and col is not None:
            return stage, row, col
    return None
