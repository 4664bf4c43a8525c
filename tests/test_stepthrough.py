"""The sliding-window frames and their animation figure."""

import numpy as np
import pytest

from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import Conv, GlobalPool, Pool, ReLU, with_pooling
from poolviz.core.stepthrough import MAX_FRAMES, window_frames
from poolviz.lessons.comparison import standard_pipelines
from poolviz.render import tab_figures as figures


def test_conv_frames_multiply_the_padded_window_by_the_kernel():
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, (5, 6)).astype(float)
    kernel = ((1.0, -1.0, 2.0), (0.5, 0.0, 1.0))
    pipeline = (Conv(kernel, stride=2, padding=1),)
    frames = window_frames(pipeline, x, stage=1)
    out = frames.output
    padded = np.pad(x, 1)
    for i, ((r0, r1), (c0, c1)) in enumerate(frames.windows):
        r, c = divmod(i, out.shape[1])
        assert (r0, c0) == (2 * r - 1, 2 * c - 1)
        window = padded[r0 + 1 : r1 + 1, c0 + 1 : c1 + 1]
        np.testing.assert_array_equal(frames.terms[i], window * np.array(kernel))
        assert frames.terms[i].sum() == pytest.approx(out[r, c])
        assert frames.captions[i].endswith(f"= {out[r, c]:g}".replace("-", "−"))


def test_max_pool_frames_show_minus_infinity_padding_and_the_max():
    x = make_preset("book")
    frames = window_frames((Pool("max", 3, 2, 1),), x, stage=1)
    assert np.isneginf(frames.terms[0][0, 0])
    for i, terms in enumerate(frames.terms):
        assert terms.max() == frames.output.ravel()[i]


@pytest.mark.parametrize(
    "layer", [ReLU(), GlobalPool("max"), Pool("blur", 2, 2), Pool("aps", 2, 2)]
)
def test_exact_cell_layers_read_cells_inside_the_input(layer):
    x = make_preset("blob", 8, 8)
    frames = window_frames((layer,), x, stage=1)
    for (r0, r1), (c0, c1) in frames.windows:
        assert 0 <= r0 < r1 <= 8 and 0 <= c0 < c1 <= 8
    assert len(frames.windows) == frames.output.size


def test_frames_start_at_the_chosen_cell_and_are_capped():
    x = make_preset("random", 32, 32)
    frames = window_frames((Conv(((1.0,),)),), x, stage=1, start=5)
    assert frames.first == 5 and len(frames.windows) == MAX_FRAMES
    assert frames.windows[0] == ((0, 1), (5, 6))


def test_window_frames_rejects_bad_stage_and_start():
    pipeline = with_pooling(((1.0,),))
    x = make_preset("book")
    with pytest.raises(ValueError, match="`stage` must be from 1 to 4; got 9"):
        window_frames(pipeline, x, stage=9)
    with pytest.raises(ValueError, match="`start` must be from 0 to 15; got 16"):
        window_frames(pipeline, x, stage=2, start=16)


def test_window_figure_has_one_frame_per_position_and_fills_the_output_in_order():
    pipeline = standard_pipelines(((1.0,),))["with pooling"]
    frames = window_frames(pipeline, make_preset("book"), stage=2, start=3)
    fig = figures.window_figure(
        frames.layer_input,
        frames.output,
        frames.windows,
        frames.terms,
        frames.captions,
        first=frames.first,
    )
    assert len(fig.frames) == 13
    filled = np.array(fig.frames[0].data[2].z, dtype=float)
    assert np.count_nonzero(~np.isnan(filled)) == 4  # cells 0..3 are done
    assert fig.layout.sliders[0].steps[0].label == "3"
    assert fig.frames[0].layout.title.text == frames.captions[0]
