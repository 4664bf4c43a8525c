"""poolviz.render.marks: the changed, selected, feeds and window marks differ in shape and meet
WCAG non-text contrast (3:1) against every colour of every scale they are drawn on.

Contrast is computed here from the WCAG 2 definition (relative luminance of sRGB), not with
the module's own helpers, so a wrong formula there cannot pass by agreeing with itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from plotly.colors import sample_colorscale

from poolviz.core import stepthrough
from poolviz.core.pipeline import run_pipeline
from poolviz.core.receptive import upstream_masks
from poolviz.lessons.comparison import WITH_POOLING, standard_pipelines
from poolviz.render import marks
from poolviz.render.figures import DIVERGING, INK, SEQUENTIAL, _colorscale, input_figure
from poolviz.render.marks import CHANGED, FEEDS, MARKS, SELECTED, WINDOW
from poolviz.render.tab_figures import receptive_figure, window_figure
from poolviz.view import state as view_state

NON_TEXT = 3.0  # WCAG 2.1 SC 1.4.11: graphical objects need 3:1 against adjacent colours
PAGE_BACKGROUNDS = {"light": (255, 255, 255), "dark": (14, 17, 23)}  # Streamlit's two themes
SCALES = {"sequential": SEQUENTIAL, "diverging": DIVERGING, "ink": INK}
SAMPLES = np.linspace(0.0, 1.0, 2001)


def _luminance(rgb) -> float:
    c = np.asarray(rgb, dtype=float) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def _hex(text: str) -> tuple[int, int, int]:
    return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))


def _scale_colours(name: str) -> np.ndarray:
    scale = _colorscale(SCALES[name])
    return marks.cell_colours(SAMPLES[None, :], 0.0, 1.0, scale)[0]


@pytest.mark.parametrize("name", list(SCALES))
def test_cell_colours_are_plotlys(name):
    """The colour a cell is painted is what plotly's own sampler gives for its value."""
    scale = [list(stop) for stop in _colorscale(SCALES[name])]
    want = sample_colorscale(scale, list(SAMPLES), colortype="tuple")
    got = _scale_colours(name)
    assert np.abs(got.astype(float) - np.array(want) * 255.0).max() <= 0.5 + 1e-9


@pytest.mark.parametrize("name", list(SCALES))
def test_cell_marks_contrast_three_to_one_with_every_colour_of_the_scale(name):
    colours = _scale_colours(name)
    inks = marks.ink(colours)
    ratios = [_contrast(c, i) for c, i in zip(colours, inks, strict=True)]
    worst = min(ratios)
    print(f"{name}: worst mark/cell contrast {worst:.2f}:1")
    assert worst >= 4.0 > NON_TEXT  # the rule's floor with #111 ink is 4.1:1
    # The ink is the Explore component's choice (white where white beats pure black).
    white = np.array([_contrast(c, (255, 255, 255)) > _contrast(c, (0, 0, 0)) for c in colours])
    assert np.array_equal(np.all(inks == 255, axis=-1), white)


def test_old_colours_failed_and_the_marks_no_longer_rely_on_hue():
    """The teacher's finding: the orange outline on white and red against green fail."""
    orange = _contrast(_hex("#ff7f0e"), (255, 255, 255))
    red_green = _contrast(_hex("#d62728"), _hex("#2ca02c"))
    print(f"old: orange on white {orange:.2f}:1, red vs green {red_green:.2f}:1")
    assert orange < NON_TEXT and red_green < 1.5
    assert {m.name for m in MARKS} == {"changed", "selected", "feeds", "window"}


@pytest.mark.parametrize("theme", list(PAGE_BACKGROUNDS))
def test_window_mark_contrasts_with_any_colour_and_either_page(theme):
    """The window spans cells of many colours and may reach past the map onto the figure's
    background: one of its two tones has 3:1 with each, and the two with each other."""
    core, border = marks.INK_DARK, marks.INK_LIGHT
    assert _contrast(core, border) >= 18.0
    everything = np.concatenate([_scale_colours(n) for n in SCALES])
    everything = np.vstack([everything, [PAGE_BACKGROUNDS[theme]]])
    worst = min(max(_contrast(core, c), _contrast(border, c)) for c in everything)
    print(f"window on {theme}: worst {worst:.2f}:1")
    assert worst >= 4.0 > NON_TEXT  # #111 or white: 4.35:1 at worst
    assert marks.WINDOW_CASING >= WINDOW.width + 4  # 2 px of border each side


@pytest.mark.parametrize("theme", list(PAGE_BACKGROUNDS))
def test_cell_marks_sit_inside_their_cell_whatever_the_page(theme):
    """Cell marks are inset by half their width, so they touch only their cell's colour:
    the page's theme (light or dark) is never adjacent to them."""
    for mark in (CHANGED, SELECTED, FEEDS):
        for cell_px in (8, 12, 20, 26, 30, 44):
            inset = marks._inset(mark, cell_px)
            assert inset * cell_px >= mark.width_px(cell_px) / 2 - 1e-9 or inset == 0.2
            assert inset <= 0.2


def test_the_marks_differ_in_shape():
    shapes = {m.name: (m.dash, m.corner > 0, m.ticks > 0) for m in MARKS}
    assert len(set(shapes.values())) == len(MARKS), shapes
    assert CHANGED.dash == SELECTED.dash == WINDOW.dash == "solid"
    assert FEEDS.dash != "solid" and "px" in FEEDS.dash
    assert CHANGED.corner > 0 and not SELECTED.corner and not FEEDS.corner
    assert SELECTED.ticks > 0 and not CHANGED.ticks and not FEEDS.ticks
    assert SELECTED.width > CHANGED.width  # thicker, as well as the ticks
    assert len({m.name for m in MARKS}) == len(MARKS)


def test_legend_names_every_mark_once():
    text = marks.legend([CHANGED, SELECTED, FEEDS])
    for mark in (CHANGED, SELECTED, FEEDS):
        assert text.count(mark.looks) == 1 and mark.meaning in text
    assert "black or white" in text
    assert "black or white" not in marks.legend([WINDOW])


def _named(fig, name):
    return [t for t in fig.data if t.type == "scatter" and t.name == name]


def test_changed_mark_ink_follows_the_cell():
    grid = np.array([[0.0, 1.0]])
    fig = input_figure(grid, "t", show_values=False, outline=np.array([[True, True]]))
    outlines = {t.line.color: t for t in _named(fig, CHANGED.name)}
    corners = {t.fillcolor: t for t in _named(fig, CHANGED.name + " corner")}
    assert set(outlines) == set(corners) == {"#111111", "#ffffff"}
    # the white cell (col 0) gets black ink, the #111 cell (col 1) white ink, inside it
    black_x = [v for v in outlines["#111111"].x if v is not None]
    white_x = [v for v in outlines["#ffffff"].x if v is not None]
    assert -0.5 < min(black_x) and max(black_x) < 0.5
    assert 0.5 < min(white_x) and max(white_x) < 1.5
    assert all(t.line.dash == "solid" for t in outlines.values())
    assert all(t.fill == "toself" for t in corners.values())


def test_receptive_figure_marks_selected_and_feeds_by_shape():
    view = view_state.DEFAULT
    pipeline = standard_pipelines(view.layer_settings())[WITH_POOLING]
    x = view.pattern_array()
    stages = run_pipeline(pipeline, x)
    masks = upstream_masks(pipeline, x, 3, 0, 1)
    fig = receptive_figure(
        [s.label for s in stages], [s.maps for s in stages], masks, (3, 0, 1)
    )
    feeds, selected = _named(fig, FEEDS.name), _named(fig, SELECTED.name)
    assert feeds and selected
    assert {t.line.dash for t in feeds} == {FEEDS.dash}
    assert {t.line.dash for t in selected} == {"solid"}
    assert {t.xaxis for t in selected} == {"x4"}
    assert min(t.line.width for t in selected) > max(t.line.width for t in feeds)
    # the selected cell: one box (5 points + gap) and four ticks (2 points + gap each)
    assert sum(len(t.x) for t in selected) == 6 + 4 * 3
    for t in feeds + selected:
        assert t.line.color in ("#111111", "#ffffff")
        assert t.hoverinfo == "skip"  # clicks go to the cells' markers underneath


def test_window_figure_keeps_five_dynamic_traces_per_frame():
    view = view_state.DEFAULT
    pipeline = standard_pipelines(view.layer_settings())[WITH_POOLING]
    frames = stepthrough.window_frames(pipeline, view.pattern_array(), 2, 0)
    fig = window_figure(
        frames.layer_input, frames.output, frames.windows, frames.terms, frames.captions,
        first=frames.first,
    )
    for frame in fig.frames:
        assert list(frame.traces) == [1, 2, 3, 4, 5]
        names = [t.name for t in frame.data]
        assert names[:2] == [WINDOW.name + " border", WINDOW.name]
        assert names[4] == SELECTED.name
    assert [t.name for t in fig.data[1:3]] == [WINDOW.name + " border", WINDOW.name]
