"""The page's view and its URL form, under one name: ``from poolviz.view import state``.

The view is split in three modules, which import one another in one direction
only, so there is no import cycle:

* :mod:`poolviz.view.formats` -- the text form of each value (plain decimals,
  base64url, the packed pattern ``'{H}x{W}.b|g.{data}'``, the kernel
  ``'1,0,-1_2,0,-2'``); it knows nothing of the view;
* :mod:`poolviz.view.model` -- :class:`ViewState` and :data:`DEFAULT`;
* :mod:`poolviz.view.codec` -- the table of URL parameters and
  :func:`validate`, :func:`encode`, :func:`decode`, :func:`query_string`.

This module only re-exports their public names (listed in ``__all__``), so
callers keep writing ``view_state.encode(...)`` and ``view_state.ViewState``.

>>> query_string(ViewState(dx=2, pool="avg"))
'dx=2&pool=avg'
>>> decode({"dx": "2", "pool": "avg"}).state == ViewState(dx=2, pool="avg")
True
"""

from __future__ import annotations

from poolviz.core.text import SHOWN_CHARS
from poolviz.view.codec import (
    _PARAMS,  # noqa: F401  (tests read every URL key from the table)
    MAX_QUERY_CHARS,
    MAX_SEED,
    MAX_UNKNOWN_REPORTED,
    MAX_VALUE_CHARS,
    MODES,
    MOTIF_CHOICES,
    PARAM_KEYS,
    POOLS,
    RATE_DECIMALS,
    SWEEPS,
    TABS,
    THRESHOLD_DECIMALS,
    Decoded,
    Rejection,
    decode,
    encode,
    query_string,
    validate,
)
from poolviz.view.formats import WEIGHT_DECIMALS, Grid
from poolviz.view.model import BOOK_PATTERN, DEFAULT, IDENTITY_KERNEL, ViewState

__all__ = [
    "TABS",
    "MOTIF_CHOICES",
    "RATE_DECIMALS",
    "PARAM_KEYS",
    "MODES",
    "POOLS",
    "SWEEPS",
    "MAX_SEED",
    "MAX_VALUE_CHARS",
    "MAX_QUERY_CHARS",
    "WEIGHT_DECIMALS",
    "THRESHOLD_DECIMALS",
    "SHOWN_CHARS",
    "MAX_UNKNOWN_REPORTED",
    "BOOK_PATTERN",
    "IDENTITY_KERNEL",
    "Grid",
    "ViewState",
    "DEFAULT",
    "Rejection",
    "Decoded",
    "validate",
    "encode",
    "decode",
    "query_string",
]
