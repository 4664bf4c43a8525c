"""Tests for poolviz.render.export: the JSON and CSV downloads, value formatting.

The PNG and SVG slide and figures are tested in tests/test_slides.py."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from poolviz.core.invariance import changed_cells, changed_mask
from poolviz.core.text import format_grid, format_value
from poolviz.lessons.comparison import PipelineRun
from poolviz.render.export import CSV_HEADER, comparison_csv, comparison_json

LABELS = ("input", "conv 1×1", "max-pool 2×2 /2", "global max")


def make_run(x: np.ndarray, y: np.ndarray | None = None, name: str = "with pooling") -> PipelineRun:
    """A hand-built run: input, an identity conv, a 2×2/2 max pool and a global max."""
    x = np.asarray(x, dtype=np.float64)
    y = x.copy() if y is None else np.asarray(y, dtype=np.float64)

    def stages(a: np.ndarray) -> tuple[np.ndarray, ...]:
        h, w = a.shape[0] // 2, a.shape[1] // 2
        pooled = a[: 2 * h, : 2 * w].reshape(h, 2, w, 2).max(axis=(1, 3))
        return (a, a.copy(), pooled, np.array(a.max()))

    return PipelineRun(name, LABELS, stages(x), stages(y))


def error_run(name: str = "without pooling") -> PipelineRun:
    return PipelineRun(name, LABELS, (), (), "kernel 9×9 is larger than the 4×4 input")


# --- JSON ----------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    x = np.arange(16.0).reshape(4, 4) / 3
    y = x.copy()
    y[1, :] = -1.25
    runs = {"a": make_run(x, y), "b": error_run()}
    text = comparison_json(runs, {"pattern": "book", "dx": "1"})
    data = json.loads(text)
    # The issue "Layers you can see" adds the page's sentences to the JSON.
    assert list(data) == ["view", "pipelines", "sentences"]
    assert data["sentences"] == []
    assert data["view"] == {"dx": "1", "pattern": "book"}
    assert list(data["view"]) == ["dx", "pattern"]
    a, b = data["pipelines"]
    assert (a["name"], a["error"]) == ("with pooling", None)
    assert [s["label"] for s in a["stages"]] == list(LABELS)
    for stage, orig, shifted in zip(
        a["stages"], runs["a"].original, runs["a"].shifted, strict=True
    ):
        assert np.array_equal(np.array(stage["original"]), orig)
        assert np.array_equal(np.array(stage["shifted"]), shifted)
        assert list(stage) == ["label", "original", "shifted", "changed_cells"]
    assert [s["changed_cells"] for s in a["stages"]] == [4, 4, 2, 0]
    assert isinstance(a["stages"][3]["original"], float)
    assert b == {"name": "without pooling", "error": runs["b"].error, "stages": []}
    assert '\n "view"' in text  # indent=1


def test_json_is_deterministic() -> None:
    runs = {"a": make_run(np.eye(4))}
    assert comparison_json(runs, {"b": "1", "a": "2"}) == comparison_json(
        runs, {"a": "2", "b": "1"}
    )
    assert json.loads(comparison_json(runs))["view"] == {}


# --- CSV -----------------------------------------------------------------------------------


def test_csv_round_trip() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 6))
    y = np.roll(x, 1, axis=1)
    runs = {"a": make_run(x, y), "b": error_run(), 'c,"q"': make_run(np.eye(4), name='c,"q"')}
    text = comparison_csv(runs)
    assert "\r" not in text
    assert text.endswith("\n")
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    rows = list(csv.DictReader(io.StringIO(text)))
    sizes = sum(np.size(m) for run in runs.values() for m in run.original + run.shifted)
    assert sizes == 2 * sum(np.size(m) for run in runs.values() for m in run.original)
    assert len(rows) == sizes
    assert {r["pipeline"] for r in rows} == {"with pooling", 'c,"q"'}
    for run in (runs["a"], runs['c,"q"']):
        for index, label in enumerate(run.labels):
            for which, maps in (("original", run.original), ("shifted", run.shifted)):
                m = maps[index]
                got = [
                    r
                    for r in rows
                    if r["pipeline"] == run.name
                    and r["stage_index"] == str(index)
                    and r["input"] == which
                ]
                assert {r["stage"] for r in got} == {label}
                if m.ndim == 0:
                    assert [(r["row"], r["col"]) for r in got] == [("", "")]
                    assert float(got[0]["value"]) == float(m)
                    continue
                back = np.full(m.shape, np.nan)
                for r in got:
                    back[int(r["row"]), int(r["col"])] = float(r["value"])
                assert np.array_equal(back, m)  # bit-exact round trip


# --- formatting and changed cells ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (-3, "-3"),
        (0, "0"),
        (-0.0, "0"),
        (0.5, "0.5"),
        (-1.25, "-1.25"),
        (0.333, "0.33"),
        (1 / 3, "0.33"),
        (2.675, "2.67"),  # binary 2.67499…
        (-0.004, "0"),
        (1.999, "2"),
        (99999.0, "99999"),
        (1e5, "1e+05"),
        (123456.0, "1.2e+05"),
        (1e6, "1e+06"),
        (-2.5e7, "-2.5e+07"),
        (np.float64(4.0), "4"),
        (np.int64(-7), "-7"),
    ],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


def test_format_grid() -> None:
    grid = format_grid(np.array([[1.0, -0.0], [0.125, 1e6]]))
    assert grid.shape == (2, 2)
    assert grid.tolist() == [["1", "0"], ["0.12", "1e+06"]]
    assert format_grid(np.array(2.5)).item() == "2.5"


def test_changed_cells_tolerance() -> None:
    a = np.array([[1000.0, 0.0]])
    assert changed_cells(a, a + 1e-8) == 0  # within 1e-9 * 1000
    assert changed_cells(a, a + np.array([[1e-3, 0.0]])) == 1
    assert changed_cells(np.zeros((2, 2)), np.zeros((2, 3))) == 6
    assert changed_mask(np.zeros(2), np.zeros(3)) is None


def test_json_carries_sentences_and_extras_but_never_replaces_its_own_keys() -> None:
    runs = {"a": make_run(np.eye(4))}
    data = json.loads(comparison_json(runs, {}, ["It moved."], {"lesson_step": 2}))
    assert data["sentences"] == ["It moved."] and data["lesson_step"] == 2
    with pytest.raises(ValueError, match="`extra` must not replace view"):
        comparison_json(runs, {}, [], {"view": {}})
