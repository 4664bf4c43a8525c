"""What the Explore component sends back, validated before any use (no streamlit here).

The browser is not trusted: a value may be missing, of the wrong type, out of range, huge,
or replayed. :func:`validate_event` turns the raw state and trigger values into an
:class:`ExplorerEvent` holding only checked values (anything malformed is dropped, never
raised), and :func:`apply_edits` applies painted cells exactly once by their sequence
numbers, however often the component re-sends a batch.

The wire format (see ``render/assets/explorer.js``)::

    state   "shift": {"dx": int, "dy": int, "mode": "zero" | "wrap"}
    trigger "edits": {"seq": int, "edits": [{"row": int, "col": int, "value": 0 | 1}, ...]}

Edit ``i`` of a batch has sequence number ``seq - len(edits) + 1 + i``.

Examples
--------
>>> raw = {"shift": {"dx": 1, "dy": 0, "mode": "wrap"},
...        "edits": {"seq": 2, "edits": [{"row": 0, "col": 1, "value": 1},
...                                      {"row": 0, "col": 1, "value": 0}]}}
>>> event = validate_event(raw, height=4, width=4, radius=2)
>>> event.dx, event.mode, event.edits, event.seq
(1, 'wrap', ((0, 1, 1.0), (0, 1, 0.0)), 2)
>>> validate_event({"shift": {"dx": 9, "dy": 0, "mode": "wrap"}}, 4, 4, 2).dx is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from poolviz.core.ops import SHIFT_MODES

__all__ = [
    "MAX_EDITS",
    "MAX_SEQ",
    "PAINT_VALUES",
    "ExplorerEvent",
    "validate_shift",
    "validate_edits",
    "validate_event",
    "apply_edits",
]

MAX_EDITS = 512  # per batch; = MAX_BATCH in explorer.js (a 32×32 grid is 1024 cells)
MAX_SEQ = 2**53 - 1  # the largest integer a JS number holds exactly
PAINT_VALUES = (0.0, 1.0)  # a stroke paints ink or background, nothing else
_SHIFT_KEYS = frozenset({"dx", "dy", "mode"})
_BATCH_KEYS = frozenset({"seq", "edits"})
_EDIT_KEYS = frozenset({"row", "col", "value"})


@dataclass(frozen=True)
class ExplorerEvent:
    """The checked values of one run.

    ``dx``, ``dy``, ``mode`` are ``None`` when the browser reported no valid shift; ``edits``
    holds ``(row, col, value)`` in the order painted, ``seq`` the batch's sequence number
    (``None`` without a valid batch).
    """

    dx: int | None = None
    dy: int | None = None
    mode: str | None = None
    edits: tuple[tuple[int, int, float], ...] = ()
    seq: int | None = None

    @property
    def has_shift(self) -> bool:
        return self.dx is not None


def _int_in(value: Any, lo: int, hi: int) -> int | None:
    # bool is an int subclass, but True is not a row; floats (2.0) are not sent by the JS.
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        return None
    return value


def validate_shift(raw: Any, radius: int) -> tuple[int, int, str] | None:
    """``(dx, dy, mode)`` from the ``shift`` state value, or ``None`` if malformed.

    >>> validate_shift({"dx": -2, "dy": 1, "mode": "zero"}, 2)
    (-2, 1, 'zero')
    >>> [validate_shift(v, 2) for v in ({"dx": 3, "dy": 0, "mode": "zero"},
    ...  {"dx": 0, "dy": 0, "mode": "edge"}, {"dx": True, "dy": 0, "mode": "zero"}, "x", None)]
    [None, None, None, None, None]
    """
    if not isinstance(raw, Mapping) or set(raw) != _SHIFT_KEYS:
        return None
    dx, dy = _int_in(raw["dx"], -radius, radius), _int_in(raw["dy"], -radius, radius)
    mode = raw["mode"]
    if dx is None or dy is None or not isinstance(mode, str) or mode not in SHIFT_MODES:
        return None
    return dx, dy, mode


def _paint_value(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value in PAINT_VALUES else None  # NaN and inf fail here too


def validate_edits(
    raw: Any, height: int, width: int
) -> tuple[tuple[tuple[int, int, float], ...], int] | None:
    """``(edits, seq)`` from the ``edits`` trigger value, or ``None`` if any part is bad.

    A batch is all or nothing: one bad edit drops the batch (the component re-sends every
    unacknowledged edit, so a good edit is not lost with it).

    >>> validate_edits({"seq": 1, "edits": [{"row": 3, "col": 0, "value": 0}]}, 4, 4)
    (((3, 0, 0.0),), 1)
    >>> [validate_edits(v, 4, 4) for v in (
    ...     {"seq": 1, "edits": [{"row": 4, "col": 0, "value": 0}]},   # row out of range
    ...     {"seq": 1, "edits": [{"row": 0, "col": 0, "value": 0.5}]},  # not a paint value
    ...     {"seq": 1, "edits": []},                                    # empty
    ...     {"seq": 1, "edits": [{"row": 0, "col": 0, "value": 1}] * 2},  # seq < count
    ...     {"seq": "1", "edits": [{"row": 0, "col": 0, "value": 1}]})]
    [None, None, None, None, None]
    """
    if not isinstance(raw, Mapping) or set(raw) != _BATCH_KEYS:
        return None
    seq, items = _int_in(raw["seq"], 1, MAX_SEQ), raw["edits"]
    if seq is None or not isinstance(items, list) or not 1 <= len(items) <= MAX_EDITS:
        return None
    if len(items) > seq:  # the first edit's number would be below 1
        return None
    edits = []
    for item in items:
        if not isinstance(item, Mapping) or set(item) != _EDIT_KEYS:
            return None
        row, col = _int_in(item["row"], 0, height - 1), _int_in(item["col"], 0, width - 1)
        value = _paint_value(item["value"])
        if row is None or col is None or value is None:
            return None
        edits.append((row, col, value))
    return tuple(edits), seq


def validate_event(raw: Any, height: int, width: int, radius: int) -> ExplorerEvent | None:
    """Check everything the browser sent: ``raw`` maps ``shift`` and ``edits`` to the raw
    state and trigger values (either may be missing or ``None``).

    Returns ``None`` when ``raw`` is not a mapping; otherwise an event holding the valid
    parts (a bad shift leaves ``dx``/``dy``/``mode`` ``None``, a bad batch no edits).

    >>> validate_event("junk", 4, 4, 1) is None
    True
    >>> validate_event({"shift": None, "edits": {"seq": 0}}, 4, 4, 1)
    ExplorerEvent(dx=None, dy=None, mode=None, edits=(), seq=None)
    """
    if not isinstance(raw, Mapping):
        return None
    shift = validate_shift(raw.get("shift"), radius)
    batch = validate_edits(raw.get("edits"), height, width)
    dx, dy, mode = shift if shift is not None else (None, None, None)
    edits, seq = batch if batch is not None else ((), None)
    return ExplorerEvent(dx, dy, mode, edits, seq)


def apply_edits(
    pattern: np.ndarray, event: ExplorerEvent | None, applied: int
) -> tuple[np.ndarray, int, int]:
    """Apply the edits of ``event`` numbered above ``applied``, each exactly once.

    Returns ``(pattern, applied, count)``: a new array when anything changed (the input is
    never modified), the new last applied sequence number (the ``ack`` to send back) and
    how many edits were applied now. A re-sent batch applies only its new tail.

    >>> x = np.zeros((2, 2))
    >>> e = ExplorerEvent(edits=((0, 0, 1.0), (1, 1, 1.0)), seq=2)
    >>> y, applied, count = apply_edits(x, e, 0)
    >>> y.tolist(), applied, count
    ([[1.0, 0.0], [0.0, 1.0]], 2, 2)
    >>> apply_edits(y, e, applied)[1:]  # the same batch again: nothing new
    (2, 0)
    """
    if event is None or event.seq is None or event.seq <= applied:
        return pattern, applied, 0
    first = event.seq - len(event.edits) + 1
    fresh = event.edits[max(0, applied + 1 - first) :]
    out = np.array(pattern, dtype=float, copy=True)
    h, w = out.shape
    for row, col, value in fresh:
        if 0 <= row < h and 0 <= col < w:  # a batch checked against another grid size
            out[row, col] = value
    return out, event.seq, len(fresh)
