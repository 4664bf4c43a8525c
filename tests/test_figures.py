"""poolviz.render.figures: heatmaps per stage, shared colour scales, outlines of changed cells, text,
the clickable input, sweep and book figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from poolviz.core.invariance import changed_mask, sweep, sweep_shifts
from poolviz.core.kernels import make_kernel
from poolviz.core.patterns import make_preset
from poolviz.core.text import format_grid
from poolviz.lessons.comparison import WITH_POOLING, WITHOUT_POOLING, book_example, compare
from poolviz.lessons.comparison import standard_pipelines as pipelines_for
from poolviz.render.figures import (
    MAX_TEXT_CELLS,
    input_figure,
    outline_xy,
    pipeline_figure,
    shared_scale,
    sweep_figure,
)
from poolviz.render.marks import CHANGED
from poolviz.render.tab_figures import book_figure

IDENTITY = ((1.0,),)
RDBU_R = go.Heatmap(colorscale="RdBu_r").colorscale
BLUES = go.Heatmap(colorscale="Blues").colorscale


def _axis_index(trace) -> int:
    """Subplot number of a trace: 'x' is 1, 'x7' is 7."""
    name = trace.xaxis or "x"
    return int(name[1:] or 1)


def _by_subplot(fig, kind):
    out = {}
    for trace in fig.data:
        if trace.type == kind:
            out.setdefault(_axis_index(trace), []).append(trace)
    return out


def _cells_from_outline(xs, ys, inset=0.0):
    """The (row, col) cells whose boxes an outline polyline draws, ``inset`` inside (0 for
    boxes on the cell edges; None for any inset a mark may use: at most 0.2 of the cell)."""
    cells = []
    for start in range(0, len(xs), 6):
        box_x, box_y = xs[start : start + 5], ys[start : start + 5]
        assert xs[start + 5] is None and ys[start + 5] is None
        side_x, side_y = max(box_x) - min(box_x), max(box_y) - min(box_y)
        assert side_x == pytest.approx(side_y)
        if inset is None:
            assert 0.6 <= side_x < 1.0, side_x  # inside the cell, never beyond it
        else:
            assert side_x == 1.0 - 2 * inset
        centre_x, centre_y = (max(box_x) + min(box_x)) / 2, (max(box_y) + min(box_y)) / 2
        assert centre_x == pytest.approx(round(centre_x))
        assert centre_y == pytest.approx(round(centre_y))
        cells.append((int(round(centre_y)), int(round(centre_x))))
    return sorted(cells)


def _changed_cells(traces):
    """The cells the CHANGED mark's outline traces of one subplot draw (one trace per ink),
    each with its corner triangle in the same ink; None when the subplot has none."""
    outlines = [t for t in traces if t.name == CHANGED.name]
    corners = [t for t in traces if t.name == CHANGED.name + " corner"]
    if not outlines:
        return None
    assert {t.line.color for t in outlines} == {t.fillcolor for t in corners}
    assert all(t.line.dash == "solid" and t.mode == "lines" for t in outlines)
    cells = [c for t in outlines for c in _cells_from_outline(list(t.x), list(t.y), None)]
    assert len(cells) == len(set(cells))
    assert sum(len(t.x) for t in corners) == len(cells) * 5  # one triangle per cell
    return sorted(cells)


def _run(x, dx=1, dy=0, kernel=IDENTITY, name=WITH_POOLING, **options):
    return compare(x, pipelines_for(kernel, **options), dx=dx, dy=dy)[name]


# ---------------------------------------------------------------- pipeline_figure


@pytest.mark.parametrize("name", [WITH_POOLING, WITHOUT_POOLING])
def test_pipeline_figure_one_heatmap_per_stage_per_row(name):
    run = _run(make_preset("book"), name=name)
    fig = pipeline_figure(run)
    stages = len(run.labels) - 1  # the input is skipped
    heatmaps = _by_subplot(fig, "heatmap")
    assert sorted(heatmaps) == list(range(1, 2 * stages + 1))
    assert all(len(traces) == 1 for traces in heatmaps.values())
    for column in range(stages):
        top = heatmaps[column + 1][0]
        bottom = heatmaps[stages + column + 1][0]
        np.testing.assert_array_equal(top.z, np.atleast_2d(run.original[column + 1]))
        np.testing.assert_array_equal(bottom.z, np.atleast_2d(run.shifted[column + 1]))


def test_pipeline_figure_with_input_column():
    run = _run(make_preset("book"))
    fig = pipeline_figure(run, skip_input=False)
    heatmaps = _by_subplot(fig, "heatmap")
    assert len(heatmaps) == 2 * len(run.labels)
    np.testing.assert_array_equal(heatmaps[1][0].z, run.original[0])


def test_pipeline_figure_shared_scale_per_stage():
    run = _run(make_preset("L", 10, 10), dx=2, dy=1, kernel=make_kernel("Laplacian", 3, 3))
    fig = pipeline_figure(run)
    stages = len(run.labels) - 1
    heatmaps = _by_subplot(fig, "heatmap")
    for column in range(stages):
        top, bottom = heatmaps[column + 1][0], heatmaps[stages + column + 1][0]
        assert (top.zmin, top.zmax) == (bottom.zmin, bottom.zmax)
        assert top.colorscale == bottom.colorscale
        a, b = run.original[column + 1], run.shifted[column + 1]
        lo = min(a.min(), b.min())
        hi = max(a.max(), b.max())
        assert top.zmin <= lo and top.zmax >= hi


def test_pipeline_figure_diverging_scale_centred_when_negative():
    run = _run(make_preset("book"), kernel=make_kernel("vertical edge", 3, 3))
    fig = pipeline_figure(run)
    stages = len(run.labels) - 1
    heatmaps = _by_subplot(fig, "heatmap")
    saw_negative = saw_positive_only = False
    for column in range(stages):
        top = heatmaps[column + 1][0]
        a, b = run.original[column + 1], run.shifted[column + 1]
        if min(a.min(), b.min()) < 0:
            saw_negative = True
            assert top.colorscale == RDBU_R
            assert top.zmin == -top.zmax
            assert top.zmax == max(abs(a).max(), abs(b).max())
        else:
            saw_positive_only = True
            assert top.colorscale == BLUES
            assert top.zmin == 0.0
    assert saw_negative and saw_positive_only


@pytest.mark.parametrize(
    ("dx", "dy", "kernel"),
    [(1, 0, IDENTITY), (2, 0, IDENTITY), (-1, 1, IDENTITY), (1, 1, "edge"), (0, 0, IDENTITY)],
)
def test_pipeline_figure_outlines_exactly_the_changed_cells(dx, dy, kernel):
    kernel = make_kernel("vertical edge", 3, 3) if kernel == "edge" else kernel
    run = _run(make_preset("book"), dx=dx, dy=dy, kernel=kernel)
    fig = pipeline_figure(run)
    stages = len(run.labels) - 1
    outlines = _by_subplot(fig, "scatter")
    assert all(index > stages for index in outlines)  # never on the original row
    for column in range(stages):
        a, b = run.original[column + 1], run.shifted[column + 1]
        mask = np.atleast_2d(changed_mask(a, b))
        traces = outlines.get(stages + column + 1, [])
        if not mask.any():
            assert traces == []
            continue
        assert _changed_cells(traces) == sorted(map(tuple, np.argwhere(mask).tolist()))


def test_pipeline_figure_book_dx_one_outlines_conv_but_not_pool():
    run = _run(make_preset("book"), dx=1)
    outlines = _by_subplot(pipeline_figure(run), "scatter")
    # stages: conv 1×1 (5), max-pool (6), conv 2×2 /2 (7), global max (8)
    assert sorted(outlines) == [5]
    assert len(_changed_cells(outlines[5])) == 32


def test_pipeline_figure_text_only_with_show_values_and_small_maps():
    x = make_preset("bar", 17, 18)
    run = _run(x, dx=1)
    stages = len(run.labels) - 1
    fig = pipeline_figure(run, show_values=True)
    heatmaps = _by_subplot(fig, "heatmap")
    for column in range(stages):
        for row in range(2):
            trace = heatmaps[row * stages + column + 1][0]
            z = np.atleast_2d(run.original[column + 1])
            if max(z.shape) <= MAX_TEXT_CELLS:
                assert trace.text is not None
                source = run.original if row == 0 else run.shifted
                expected = format_grid(np.atleast_2d(source[column + 1]))
                np.testing.assert_array_equal(np.asarray(trace.text), expected)
            else:
                assert trace.text is None
    # the 17×18 conv map has no text; the 8×9 pooled map has
    assert heatmaps[1][0].text is None
    assert heatmaps[2][0].text is not None
    fig = pipeline_figure(run, show_values=False)
    assert all(t.text is None for t in fig.data if t.type == "heatmap")


def test_pipeline_figure_text_at_exactly_sixteen_cells():
    run = _run(make_preset("bar", 16, 16))
    heatmaps = _by_subplot(pipeline_figure(run), "heatmap")
    assert heatmaps[1][0].text is not None


# ---------------------------------------------------------------- shared_scale / outline_xy


def test_shared_scale_cases():
    assert shared_scale(np.array([[0.0, 2.0]]), np.array([[1.0]])) == (0.0, 2.0, "Blues")
    assert shared_scale(np.array([[-1.0, 3.0]])) == (-3.0, 3.0, "RdBu_r")
    assert shared_scale(np.array([[-5.0, 3.0]]), np.array(1.0)) == (-5.0, 5.0, "RdBu_r")
    lo, hi, scale = shared_scale(np.zeros((2, 2)))
    assert lo == 0.0 and 0 < hi <= 1e-12 and scale == "Blues"


def test_outline_xy_empty_and_two_cells():
    assert outline_xy(np.zeros((2, 2), dtype=bool)) == ([], [])
    mask = np.array([[True, False], [False, True]])
    xs, ys = outline_xy(mask)
    assert _cells_from_outline(xs, ys) == [(0, 0), (1, 1)]


# ---------------------------------------------------------------- input_figure


def test_input_figure_clickable_has_one_point_per_cell():
    grid = make_preset("L", 6, 9)
    fig = input_figure(grid, "input", show_values=False, clickable=True)
    scatters = [t for t in fig.data if t.type == "scatter"]
    assert len(scatters) == 1
    points = scatters[0]
    assert points.mode == "markers"
    assert len(points.x) == len(points.y) == 6 * 9
    assert sorted(zip(points.y, points.x, strict=True)) == [
        (r, c) for r in range(6) for c in range(9)
    ]
    assert fig.layout.clickmode == "event+select"


def test_input_figure_not_clickable_has_only_the_heatmap():
    grid = make_preset("book")
    fig = input_figure(grid, "input", show_values=True)
    assert [t.type for t in fig.data] == ["heatmap"]
    np.testing.assert_array_equal(fig.data[0].z, grid)
    assert fig.data[0].text is not None


def test_input_figure_outline_traces_mask():
    grid = make_preset("book")
    mask = np.zeros((8, 8), dtype=bool)
    mask[1, 2] = mask[3, 3] = True  # an ink cell and a blank one
    fig = input_figure(grid, "input", show_values=False, outline=mask)
    scatters = [t for t in fig.data if t.type == "scatter"]
    assert _changed_cells(scatters) == [(1, 2), (3, 3)]
    # The book's cells are 1 (#111: white ink) and 0 (white: black ink), one trace each.
    assert {t.line.color for t in scatters if t.name == CHANGED.name} == {"#111111", "#ffffff"}


# ---------------------------------------------------------------- sweep_figure


def _sweeps(axis, radius=3):
    x = make_preset("book")
    shifts = sweep_shifts(axis, 8, 8, radius=radius)
    return {name: sweep(x, p, shifts) for name, p in pipelines_for(IDENTITY).items()}


@pytest.mark.parametrize(("axis", "column"), [("dx", 1), ("dy", 0)])
def test_sweep_figure_lines(axis, column):
    sweeps = _sweeps(axis)
    fig = sweep_figure(sweeps, axis)
    lines = _by_subplot(fig, "scatter")
    assert sorted(lines) == [1, 2]
    for index, result in enumerate(sweeps.values(), start=1):
        traces = lines[index]
        labels = [label for label in result.labels if label != "input"]
        assert [t.name for t in traces] == labels
        for trace in traces:
            row = result.labels.index(trace.name)
            np.testing.assert_array_equal(trace.x, result.shifts[:, column])
            np.testing.assert_array_equal(trace.y, result.relative_change[row])
    # a label shared by both pipelines shows in the legend once, in one colour
    shared = [t for t in fig.data if t.name == "global max"]
    assert [t.showlegend for t in shared] == [True, False]
    assert shared[0].line.color == shared[1].line.color


def test_sweep_figure_other_measure():
    sweeps = _sweeps("dx")
    fig = sweep_figure(sweeps, "dx", measure="changed_fraction")
    first = next(t for t in fig.data if t.name == "max-pool 2×2 /2")
    row = sweeps[WITH_POOLING].labels.index("max-pool 2×2 /2")
    np.testing.assert_array_equal(first.y, sweeps[WITH_POOLING].changed_fraction[row])


def test_sweep_figure_grid_heatmaps():
    sweeps = _sweeps("grid", radius=2)
    fig = sweep_figure(sweeps, "grid")
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    expected = [
        (name, row)
        for name, result in sweeps.items()
        for row, label in enumerate(result.labels)
        if label != "input"
    ]
    assert len(heatmaps) == len(expected)
    for trace, (name, row) in zip(heatmaps, expected, strict=True):
        z = np.asarray(trace.z)
        assert z.shape == (5, 5)
        np.testing.assert_array_equal(z, sweeps[name].relative_change[row].reshape(5, 5))
        assert trace.text is None


# ---------------------------------------------------------------- book_figure


def _book_figure():
    book = book_example()
    fig = book_figure(book.inputs, book.pooled, book.next_maps, book.pool_label, book.next_label)
    return book, fig


def test_book_figure_three_rows_of_three_heatmaps():
    book, fig = _book_figure()
    heatmaps = _by_subplot(fig, "heatmap")
    assert sorted(heatmaps) == list(range(1, 10))
    for r, name in enumerate("ABC"):
        np.testing.assert_array_equal(heatmaps[3 * r + 1][0].z, book.inputs[name])
        np.testing.assert_array_equal(heatmaps[3 * r + 2][0].z, book.pooled[name])
        np.testing.assert_array_equal(heatmaps[3 * r + 3][0].z, book.next_maps[name])
    titles = [a.text for a in fig.layout.annotations]
    assert "A: input" in titles and "C: conv 2×2 /2" in titles and "B: max-pool 2×2 /2" in titles


def test_book_figure_shared_scales_per_column():
    _, fig = _book_figure()
    heatmaps = _by_subplot(fig, "heatmap")
    for column in (2, 3):
        scales = {
            (heatmaps[3 * r + column][0].zmin, heatmaps[3 * r + column][0].zmax) for r in range(3)
        }
        assert len(scales) == 1
    assert heatmaps[3][0].zmax == 4.0 and heatmaps[2][0].zmax == 1.0


def test_book_figure_outlines_only_where_c_differs_from_a():
    book, fig = _book_figure()
    outlines = _by_subplot(fig, "scatter")
    # B's maps equal A's: no outline; C differs in pooled and next maps
    assert sorted(outlines) == [8, 9]
    pooled_cells = _changed_cells(outlines[8])
    expected = np.argwhere(changed_mask(book.pooled["A"], book.pooled["C"])).tolist()
    assert pooled_cells == sorted(map(tuple, expected))
    assert len(pooled_cells) == 8
    next_cells = _changed_cells(outlines[9])
    assert next_cells == [(0, 0), (0, 1), (1, 0), (1, 1)]
