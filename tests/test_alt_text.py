"""ui.alt_text: every map figure off the Explore tab has its values as tables, marks in words.

The tables are checked against the core's numbers (the book example, the pipeline), in the
page itself through Streamlit's AppTest, and the helper on its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from poolviz.core.invariance import changed_mask
from poolviz.core.text import format_grid
from poolviz.lessons.comparison import book_example
from poolviz.render.marks import CHANGED, FEEDS, SELECTED
from poolviz.render.tab_figures import book_panels
from ui.alt_text import EXPANDER_LABEL, MapTable, panel_tables, table_frame
from ui.cached import clear_shared_caches

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches():
    old = os.environ.get("POOLVIZ_LAB_N_TEST")
    os.environ["POOLVIZ_LAB_N_TEST"] = "20"  # as tests/test_app.py: 20 digits, same logic
    st.cache_data.clear()
    clear_shared_caches()
    yield
    st.cache_data.clear()
    clear_shared_caches()
    if old is None:
        del os.environ["POOLVIZ_LAB_N_TEST"]
    else:
        os.environ["POOLVIZ_LAB_N_TEST"] = old


def run_tab(tab: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["tab"] = tab
    return at.run()


def test_table_frame_writes_values_as_the_figure_and_names_marks():
    values = np.array([[0.0, 1.25], [np.nan, -np.inf]])
    mask = np.array([[True, False], [False, False]])
    frame = table_frame(MapTable(values, ((FEEDS, mask), (SELECTED, mask))))
    assert frame.index.tolist() == ["row 0", "row 1"]
    assert frame.columns.tolist() == ["col 0", "col 1"]
    assert frame.values.tolist() == [["0, feeds, selected", "1.25"], ["", "−∞"]]
    named = table_frame(MapTable(np.ones((1, 2)), rows=["dy 0"], cols=["dx -1", "dx 0"]))
    assert named.to_dict("split") == {
        "index": ["dy 0"], "columns": ["dx -1", "dx 0"], "data": [["1", "1"]]
    }


def test_book_tables_mark_exactly_the_changed_cells():
    book = book_example()
    panels = book_panels(
        book.inputs, book.pooled, book.next_maps, book.pool_label, book.next_label,
        book.plain_next, book.plain_label,
    )
    tables = panel_tables(p for row in panels for p in row)
    assert len(tables) == sum(len(row) for row in panels)
    name = f"C: {book.pool_label}"
    frame = table_frame(tables[name])
    want = np.where(
        changed_mask(book.pooled["A"], book.pooled["C"]),
        np.char.add(format_grid(book.pooled["C"]).astype(str), f", {CHANGED.name}"),
        format_grid(book.pooled["C"]),
    )
    assert frame.values.tolist() == want.tolist()
    assert not any(CHANGED.name in v for v in table_frame(tables["A: input"]).values.ravel())


def _expanders(at: AppTest) -> list[str]:
    return [str(e.label) for e in at.expander if str(e.label).startswith(EXPANDER_LABEL)]


def test_the_book_tab_has_its_figure_as_tables():
    at = run_tab("book")
    assert not at.exception
    assert len(_expanders(at)) == 1
    book = book_example()
    frames = [t.value for t in at.table]
    assert len(frames) == 12  # rows A, B, C × input, pooled, next, no pooling
    pooled = [f for f in frames if f.shape == book.pooled["A"].shape]
    assert pooled[0].values.tolist() == format_grid(book.pooled["A"]).tolist()
    assert any("Figure:" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("tab", "figures"), [("windows", 2), ("invariance", 1), ("experiment", 1), ("lab", 8)]
)
def test_each_tab_has_a_table_expander_per_map_figure(tab, figures):
    at = run_tab(tab)
    assert not at.exception
    labels = _expanders(at)
    assert len(labels) == figures, labels
    assert len(set(labels)) == len(labels)  # each names its figure
    assert len(at.table) >= figures
    names = [m.value for m in at.markdown if m.value.startswith("**Figure:**")]
    assert len(names) >= figures
