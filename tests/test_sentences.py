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


def test_explain_says_every_pipelines_unread_rows_and_columns():
    odd = make_preset("cross", 9, 9)
    runs = runs_for(odd, names=("pool", "strided", "nopool"))
    lines = explain(runs, 1, 0, "zero")
    said = [unread_sentences(run) for run in runs.values()]
    assert said[0] and said[1]  # both pipelines leave row and column 8 unread
    for sentences in said:
        assert all(line in lines for line in sentences)


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


# ------------------------------------------- the stacked facts against the per-map rules


def _stacked_runs(x, pipelines, shifts, mode):
    """Each pipeline run once on the original and every shift; stacked runs (shifted[i]
    holds every shift's map of stage i), or the error."""
    from poolviz.core.checks import PoolvizError
    from poolviz.core.ops import shift
    from poolviz.core.pipeline import run_pipeline
    from poolviz.lessons.comparison import PipelineRun

    stack = np.stack([x] + [shift(x, dy, dx, mode) for dy, dx in shifts])
    runs = {}
    for name, pipeline in pipelines.items():
        try:
            stages = run_pipeline(pipeline, stack)
        except PoolvizError as error:
            runs[name] = PipelineRun(name, (), (), (), str(error), (None, *pipeline))
            continue
        runs[name] = PipelineRun(
            name, tuple(s.label for s in stages), tuple(s.maps[0] for s in stages),
            tuple(s.maps[1:] for s in stages), layers=tuple(s.layer for s in stages),
        )
    return runs


def _per_map_facts(run, k):
    """Shift k's facts by the scalar rules, one map at a time (changed_cells, np.any)."""
    from poolviz.core.invariance import changed_cells
    from poolviz.lessons.comparison import next_layer_index

    o, s = run.original, [m[k] for m in run.shifted]
    feed = next_layer_index(run.layers)
    nxt = feed + 1
    return (
        changed_cells(o[feed], s[feed]),
        changed_cells(o[nxt], s[nxt]),
        not np.any(o[feed]) and not np.any(s[feed]),
        not np.any(o[nxt]) and not np.any(s[nxt]),
        not np.any(o[-2]) and not np.any(s[-2]),
        float(s[-1]),
        changed_cells(np.array(float(o[-1])), np.array(float(s[-1]))) > 0,
    )


def _per_map_aps(run, k):
    from poolviz.core.ops import aps_choice
    from poolviz.core.pipeline import Pool

    index = next((i for i, la in enumerate(run.layers) if isinstance(la, Pool) and la.kind == "aps"),
                 None)
    if index is None:
        return None
    layer = run.layers[index]
    picks, ties = aps_choice(np.stack([run.original[index - 1], run.shifted[index - 1][k]]),
                             layer.size, layer.stride)
    (r0, c0), (r1, c1) = (divmod(int(p), layer.stride) for p in picks.tolist())
    return (r0, c0), (r1, c1), bool(ties.any())


def _two_dots():
    # Two equal dots on different APS phases: the original ties; shifted 1 right with zero
    # fill, one dot leaves the grid and the shifted input does not tie.
    x = np.zeros((8, 8))
    x[2, 2] = x[2, 7] = 1.0
    return x


def _signed_checker():
    # +1/-1 checkerboard: every 2x2 all-ones window sums to 0, so the next layer's output
    # is all zero although the map it reads is not.
    return np.where(np.add.outer(np.arange(8), np.arange(8)) % 2 == 0, 1.0, -1.0)


_FACT_VIEWS = [
    (BOOK, IDENTITY, "zero"),
    (_two_dots(), LayerSettings.of(IDENTITY, pool="aps", pool_size=1), "zero"),
    (_signed_checker(), IDENTITY, "wrap"),
    (BOOK, LayerSettings.of(IDENTITY, pool="aps"), "wrap"),
    (np.random.default_rng(5).standard_normal((8, 8)), LayerSettings.of(IDENTITY, pool="aps"),
     "wrap"),
    (np.random.default_rng(6).standard_normal((12, 12)),
     LayerSettings.of(IDENTITY, pool="aps", pool_size=1, pool_stride=3), "zero"),
    (make_preset("blob", 9, 7), LayerSettings(((1.0, -1.0),), pool="blur", use_relu=True), "zero"),
    (np.zeros((8, 8)), IDENTITY, "wrap"),
    (make_preset("random", 10, 10, seed=2), LayerSettings(((0.5, -0.25), (1.0, 0.333))), "zero"),
]


@pytest.mark.parametrize(("x", "settings", "mode"), _FACT_VIEWS)
def test_stacked_facts_and_aps_picks_equal_the_per_map_rules(x, settings, mode):
    from poolviz.lessons.sentences import _input_change, aps_picks, stacked_facts

    shifts = [(dy, dx) for dy in range(-3, 4) for dx in range(-3, 4)]
    runs = _stacked_runs(x, selected(settings, ("pool", "nopool", "strided")), shifts, mode)
    for run in runs.values():
        fs, picks = stacked_facts(run), aps_picks(run)
        assert len(fs) == len(shifts) and (picks is None or len(picks) == len(shifts))
        for k, f in enumerate(fs):
            assert (f.feed_changed, f.out_changed, f.no_signal_feed, f.no_signal_out,
                    f.no_signal_global, f.global_after, f.global_changed) == _per_map_facts(run, k)
            assert f.global_before == float(run.original[-1])
            want = _per_map_aps(run, k)
            assert (None if picks is None else tuple(picks[k])) == want
    change = _input_change(x, next(iter(runs.values())).shifted[0])
    from poolviz.core.invariance import changed_cells
    from poolviz.core.ops import shift

    for k, (dy, dx) in enumerate(shifts):
        moved = shift(x, dy, dx, mode)
        assert change.changed[k] == changed_cells(x, moved)
        assert change.lost[k] == np.count_nonzero(x) - np.count_nonzero(moved)
