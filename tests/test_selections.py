"""Browser selection events: anything the browser sends is checked, never trusted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from poolviz.view.selections import MAX_POINTS, clicked_stage_cell

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["x", "y", "customdata", "selection", "points"]) | st.text(max_size=3), children, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_any_json_is_never_an_error_and_only_gives_cells_in_range(event):
    picked = clicked_stage_cell(event, 5)
    assert picked is None or (0 <= picked[0] < 5 and picked[1] >= 0 and picked[2] >= 0)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=10))
def test_the_last_valid_stage_click_wins(cells):
    event = {"selection": {"points": [{"x": c, "y": r, "customdata": [k]} for k, r, c in cells]}}
    assert clicked_stage_cell(event, 5) == cells[-1]


def test_malformed_points_are_dropped_and_floods_are_cut():
    bad = [{"x": 1.5, "y": 0, "customdata": [1]}, {"x": float("nan"), "y": 1, "customdata": [1]},
           {"x": True, "y": 1, "customdata": [1]}, {"x": "1", "y": 1, "customdata": [1]}, 7]
    assert clicked_stage_cell({"selection": {"points": bad}}, 5) is None
    # only the first MAX_POINTS points are read: a valid point after a flood is ignored
    flood = [{"x": 0, "y": 0}] * MAX_POINTS + [{"x": 1, "y": 1, "customdata": [2]}]
    assert clicked_stage_cell({"selection": {"points": flood}}, 5) is None
    assert clicked_stage_cell({"selection": {"points": [{"x": 1, "y": 1, "customdata": [99]}]}}, 5) is None
