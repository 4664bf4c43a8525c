"""Downloads of a comparison as data: JSON and long-format CSV.

Everything here is pure: runs in, ``str`` out. The PNG download is drawn by
:mod:`poolviz.render.png`, which shares :data:`ROWS` (the two maps' labels) from here.

Examples
--------
>>> import numpy as np
>>> run = PipelineRun(
...     "demo", ("input", "global max"),
...     (np.array([[0.0, 1.0], [1.0, 0.5]]), np.array(1.0)),
...     (np.array([[1.0, 0.0], [0.5, 1.0]]), np.array(1.0)),
... )
>>> print(comparison_csv({"demo": run}).splitlines()[1])
demo,0,input,original,0,0,0.0
>>> import json
>>> json.loads(comparison_json({"demo": run}))["pipelines"][0]["stages"][0]["changed_cells"]
4
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from poolviz.core.checks import PoolvizError
from poolviz.core.invariance import changed_cells
from poolviz.lessons.comparison import PipelineRun

__all__ = [
    "CSV_HEADER",
    "ROWS",
    "comparison_json",
    "comparison_csv",
]

CSV_HEADER = ("pipeline", "stage_index", "stage", "input", "row", "col", "value")
ROWS = ("original", "shifted")


# --- JSON and CSV --------------------------------------------------------------------------


def _json_values(a: np.ndarray) -> Any:
    """Nested lists of floats; non-finite values (never produced by the core) become null."""
    a = np.asarray(a, dtype=np.float64)
    if np.all(np.isfinite(a)):
        return a.tolist()
    return np.where(np.isfinite(a), a, None).tolist()


def comparison_json(
    runs: Mapping[str, PipelineRun],
    view: Mapping[str, str] | None = None,
    sentences: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    stage_info: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> str:
    """The comparison as JSON text.

    Parameters
    ----------
    runs : Mapping[str, PipelineRun]
        What :func:`poolviz.lessons.comparison.compare` returned.
    view : Mapping[str, str], optional
        The settings that produced it (say the URL state), stored under ``"view"`` with
        its keys sorted.
    sentences : sequence of str, optional
        The sentences the page shows beside these maps, under ``"sentences"``.
    extra : mapping, optional
        More JSON-ready top-level entries (the page adds the lesson step); they cannot
        replace ``view``, ``pipelines`` or ``sentences``.
    stage_info : mapping, optional
        Per pipeline name, one JSON-ready mapping per stage merged into that stage's entry
        (the page adds each stage's size, multiply-adds and receptive field).

    Returns
    -------
    str
        ``{"view": {...}, "pipelines": [{"name", "error", "stages": [{"label",
        "original", "shifted", "changed_cells"}]}]}`` with ``indent=1``. Values are JSON
        numbers (``2.0`` for an integer value); a pipeline with an error has no stages.

    Examples
    --------
    >>> run = PipelineRun("p", ("input",), (np.array([[1.0, 0.0]]),), (np.array([[0.0, 1.0]]),))
    >>> data = json.loads(comparison_json({"p": run}, {"dx": "1"}))
    >>> data["view"], data["pipelines"][0]["stages"][0]["shifted"]
    ({'dx': '1'}, [[0.0, 1.0]])
    """
    pipelines = []
    for run in runs.values():
        info = list((stage_info or {}).get(run.name, ()))
        stages = [
            {
                "label": label,
                "original": _json_values(a),
                "shifted": _json_values(b),
                "changed_cells": changed_cells(a, b),
                **(info[i] if i < len(info) else {}),
            }
            for i, (label, a, b) in enumerate(zip(run.labels, run.original, run.shifted, strict=False))
        ]
        pipelines.append({"name": run.name, "error": run.error, "stages": stages})
    view_dict = {str(k): view[k] for k in sorted(view, key=str)} if view else {}
    data = {"view": view_dict, "pipelines": pipelines, "sentences": [str(s) for s in sentences]}
    clash = set(extra or {}) & set(data)
    if clash:
        raise PoolvizError(f"`extra` must not replace {', '.join(sorted(clash))}")
    data.update(extra or {})
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False)


def comparison_csv(runs: Mapping[str, PipelineRun]) -> str:
    """The comparison as long-format CSV text, one line per cell.

    The header is ``pipeline,stage_index,stage,input,row,col,value``; ``input`` is
    ``original`` or ``shifted``; ``row`` and ``col`` are empty for a 0-D (global pool)
    stage; ``value`` is ``repr(float)`` so ``float(value)`` gives back the exact number.
    A pipeline with an error has no lines. Lines end with ``\\n``.

    Examples
    --------
    >>> run = PipelineRun("p", ("input", "global max"), (np.array([[0.1]]), np.array(0.1)),
    ...                   (np.array([[0.0]]), np.array(0.0)))
    >>> print(comparison_csv({"p": run}), end="")
    pipeline,stage_index,stage,input,row,col,value
    p,0,input,original,0,0,0.1
    p,0,input,shifted,0,0,0.0
    p,1,global max,original,,,0.1
    p,1,global max,shifted,,,0.0
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for run in runs.values():
        for index, (label, a, b) in enumerate(
            zip(run.labels, run.original, run.shifted, strict=False)
        ):
            for which, m in zip(ROWS, (a, b), strict=True):
                m = np.asarray(m, dtype=np.float64)
                if m.ndim == 0:
                    writer.writerow([run.name, index, label, which, "", "", repr(float(m))])
                    continue
                m2 = m.reshape(m.shape[0], -1) if m.ndim != 2 else m
                for (r, c), v in np.ndenumerate(m2):
                    writer.writerow([run.name, index, label, which, r, c, repr(float(v))])
    return out.getvalue()
