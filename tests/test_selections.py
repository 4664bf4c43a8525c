"""Browser selection events: anything the browser sends is checked, never trusted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from poolviz.view.selections import MAX_POINTS, clicked_cells, clicked_stage_cell

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["x", "y", "customdata", "selection", "points"]) | st.text(max_size=3), children, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_any_json_is_never_an_error_and_only_gives_cells_in_range(event):
    for row, col in clicked_cells(event, (4, 6)):
        assert 0 <= row < 4 and 0 <= col < 6
    picked = clicked_stage_cell(event, 5)
    assert picked is None or (0 <= picked[0] < 5 and picked[1] >= 0 and picked[2] >= 0)


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=10))
def test_valid_clicks_are_read_in_order(cells):
    event = {"selection": {"points": [{"x": c, "y": r} for r, c in cells]}}
    assert clicked_cells(event, (8, 8)) == cells


def test_malformed_points_are_dropped_and_floods_are_cut():
    bad = [{"x": 1.5, "y": 0}, {"x": float("nan"), "y": 1}, {"x": True, "y": 1}, {"x": "1", "y": 1}, 7]
    assert clicked_cells({"selection": {"points": bad}}, (8, 8)) == []
    flood = {"selection": {"points": [{"x": 0, "y": 0}] * 10_000}}
    assert len(clicked_cells(flood, (8, 8))) == MAX_POINTS
    assert clicked_stage_cell({"selection": {"points": [{"x": 1, "y": 1, "customdata": [99]}]}}, 5) is None
