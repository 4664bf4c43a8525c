"""Every sentence rule, on a view where its claim holds and on one where it does not."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import NEXT_KERNEL, Conv, GlobalPool, LayerSettings
from poolviz.lessons.comparison import compare
from poolviz.lessons.pipelines import selected
from poolviz.lessons.sentences import (
    aps_sentence,
    explain,
    global_sentence,
    pipeline_sentence,
    shift_sentence,
    unread_sentences,
    verdict_sentences,
)

BOOK = make_preset("book")
IDENTITY = LayerSettings(((1.0,),))


def runs_for(x, dx=1, dy=0, mode="zero", names=("pool", "nopool"), settings=IDENTITY):
    return compare(x, selected(settings, names), dx, dy, mode)


def test_all_zero_output_is_no_signal_never_unchanged():
    blank = runs_for(np.zeros((8, 8)))
    text = " ".join(explain(blank, 1, 0, "zero"))
    assert "no signal reaches" in text
    assert "unchanged" not in text and "invariant" not in text
    assert pipeline_sentence(blank["max-pool"]).endswith(
        "reads the max-pool 2×2 /2 map (4×4), which is all zero: no signal reaches the next layer."
    )
    # A map that has ink before the shift and none after is a change, not "no signal".
    lone = np.zeros((8, 8))
    lone[3, 7] = 1.0
    gone = runs_for(lone, dx=1)
    assert "no signal reaches the next layer" not in pipeline_sentence(gone["no pooling"])
    ink = runs_for(BOOK)
    assert "no signal" not in " ".join(explain(ink, 1, 0, "zero"))
    assert pipeline_sentence(ink["max-pool"]).endswith("Its output (2×2) is unchanged.")


def test_unread_rows_and_columns_are_named():
    odd = np.zeros((8, 7))
    odd[2:6, 2] = 1.0
    lines = unread_sentences(runs_for(odd, names=("pool", "strided"))["strided conv"])
    assert lines == [
        "strided conv: the conv 2×2 /2 does not read column 6 of its 8×7 input "
        "(the windows stop short of the edge)."
    ]
    assert unread_sentences(runs_for(BOOK, names=("pool", "strided"))["strided conv"]) == []


def test_a_stride_that_skips_cells_says_so():
    pipeline = {"p": (Conv(((1.0,),), stride=2), Conv(NEXT_KERNEL, 1), GlobalPool())}
    lines = unread_sentences(compare(BOOK, pipeline, 1)["p"])
    assert lines and "its stride skips them" in lines[0] and "rows 1, 3, 5, 7" in lines[0]


def test_ink_pushed_off_the_grid_is_named():
    edge = np.zeros((6, 6))
    edge[2, 5] = edge[3, 5] = 1.0
    text = shift_sentence(edge, np.zeros((6, 6)), 1, 0, "zero")
    assert "pushes 2 ink cells off the grid" in text
    from poolviz.core.ops import shift

    kept = shift_sentence(BOOK, shift(BOOK, 0, 1), 1, 0, "zero")
    assert "off the grid" not in kept
    wrapped = shift_sentence(edge, shift(edge, 0, 1, "wrap"), 1, 0, "wrap")
    assert "off the grid" not in wrapped


def test_global_sentence_reports_both_pipelines_with_their_change():
    assert global_sentence(runs_for(BOOK, dx=1)) == (
        "The global max is 2 → 2 with max-pool (unchanged); 2 → 2 with no pooling (unchanged)."
    )
    assert "2 → 4 with max-pool (changed)" in global_sentence(runs_for(BOOK, dx=2))


def test_aliasing_is_said_only_when_the_flat_pipeline_kept_its_output():
    said = verdict_sentences(runs_for(BOOK, dx=2), 2, 0, "zero")
    assert any("(aliasing)" in s for s in said)
    # The same change with no stride-1 pipeline beside it: no aliasing claim.
    strided = verdict_sentences(runs_for(BOOK, dx=2, names=("pool", "strided")), 2, 0, "zero")
    assert not any("aliasing" in s for s in strided)
    # A shift by a multiple of the whole stride changes nothing and claims nothing.
    assert not any("aliasing" in s for s in verdict_sentences(runs_for(BOOK, dx=4), 4, 0, "wrap"))


def test_next_layer_verdict_needs_both_the_stable_and_the_moved_input():
    said = verdict_sentences(runs_for(BOOK, dx=1), 1, 0, "zero")
    assert any("the next layer receives the same input" in s for s in said)
    none = verdict_sentences(runs_for(BOOK, dx=2), 2, 0, "zero")
    assert not any("receives the same input" in s for s in none)
    assert verdict_sentences(runs_for(BOOK, dx=0), 0, 0, "zero") == []


def test_aps_in_plain_words_and_honest_about_ties():
    gray = np.zeros((8, 8))
    gray[2, 1], gray[3, 1], gray[2, 2] = 1.0, 0.5, 0.3
    aps = IDENTITY.__class__.of(IDENTITY, pool="aps")
    moving = aps_sentence(runs_for(gray, dx=1, mode="wrap", settings=aps)["APS max-pool"])
    assert moving.startswith("APS keeps the sub-grid with the most energy, so the pick moves")
    tied = aps_sentence(runs_for(BOOK, dx=1, mode="wrap", settings=aps)["APS max-pool"])
    assert "tie" in tied and "need not follow the pattern" in tied
    assert aps_sentence(runs_for(BOOK)["max-pool"]) is None


def test_a_pipeline_that_cannot_run_is_reported_and_the_rest_still_speak():
    big = LayerSettings(np.ones((5, 5)).tolist())
    runs = runs_for(np.ones((4, 4)), settings=big)
    lines = explain(runs, 1, 0, "zero")
    assert all("cannot run on this input" in line for line in lines)


@pytest.mark.parametrize("dx", range(-3, 4))
@pytest.mark.parametrize("names", [("pool", "nopool"), ("pool", "strided"), ("strided", "nopool")])
def test_sentences_never_contradict_the_maps(dx, names):
    runs = runs_for(BOOK, dx=dx, names=names)
    lines = explain(runs, dx, 0, "zero")
    for run in runs.values():
        from poolviz.lessons.sentences import facts

        f = facts(run)
        line = next(line for line in lines if line.startswith(run.name + ": the next layer"))
        assert (f.feed_changed == 0) == (": unchanged." in line or "all zero" in line)
        assert ("no signal" in line) == f.no_signal_out
    glob = next(line for line in lines if line.startswith("The global max"))
    for run in runs.values():
        changed = float(run.original[-1]) != float(run.shifted[-1])
        assert (f"with {run.name} (changed)" in glob) == changed
