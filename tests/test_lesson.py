"""Each step's claim holds on that step's own view, and says so honestly where it does not."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import LayerSettings
from poolviz.lessons.arrangement import apart_pattern, find_arrangement_pair, t_pattern
from poolviz.lessons.lesson import FIRST_STEP, STEPS, evidence
from poolviz.lessons.pipelines import build

IDENTITY = LayerSettings(((1.0,),))
BOOK = make_preset("book")


def on_step_view(number: int, **changes):
    setup = {**STEPS[number - 1].setup, **changes}
    settings = changes.pop("settings", IDENTITY) if "settings" in changes else IDENTITY
    names = (setup["left"], setup["right"])
    return evidence(number, BOOK, settings, setup["dx"], setup["dy"], setup["mode"], names)


@pytest.mark.parametrize("number", [s.number for s in STEPS])
def test_every_step_claim_holds_on_its_view(number):
    e = on_step_view(number)
    assert e.holds, e.sentences
    assert e.sentences and all(isinstance(s, str) and s for s in e.sentences)


def test_steps_are_six_numbered_in_order_and_the_first_paint_is_step_two():
    assert [s.number for s in STEPS] == [1, 2, 3, 4, 5, 6]
    assert FIRST_STEP == 2 and STEPS[1].setup["left"] == "pool" and STEPS[1].setup["dx"] == 1


def test_step1_numbers_and_where_it_fails():
    e = on_step_view(1)
    assert "global max is the same: 2 → 2" in e.sentences[0]
    edge = np.zeros((8, 8))
    edge[2:6, 7] = 1.0
    off = evidence(1, edge, IDENTITY, 1, 0, "zero", ("nopool", "pool"))
    assert not off.holds and "does not show" in off.sentences[-1]


def test_step2_marks_and_where_it_fails():
    e = on_step_view(2)
    assert "0 of 16 cells changed" in e.sentences[0]
    assert "32 of 64 cells changed" in e.sentences[1] and "14 of 49" in e.sentences[1]
    assert e.marks["no pooling"] == (1, 2)
    assert not on_step_view(2, dx=2).holds  # a shift of 2 crosses the pooling windows


def test_step3_is_the_books_figure():
    e = on_step_view(3)
    assert "[[2, 2], [2, 2]], [[2, 2], [2, 2]] and [[0, 4], [0, 4]]" in e.sentences[1]


def test_step4_aliasing_numbers_and_where_it_fails():
    e = on_step_view(4)
    assert "2 → 4 with max-pool and 2 → 2 with no pooling" in e.sentences[0]
    assert e.table[0][0] == "pooling" and e.table[-1][1].startswith("0 of ")
    assert not on_step_view(4, dx=1).holds  # inside the window: the global max does not change


def test_step5_costs_and_where_it_fails():
    e = on_step_view(5)
    assert "16 cells after pooling against 64 without (4× fewer)" in e.sentences[0]
    no_stride = evidence(5, BOOK, LayerSettings.of(IDENTITY, pool_stride=1), 1, 0, "zero", ("pool", "nopool"))
    assert not no_stride.holds


def test_step6_pair_is_found_not_hard_coded():
    e = on_step_view(6)
    assert set(e.patterns) == {"T", "apart"}
    assert e.patterns["T"].sum() == e.patterns["apart"].sum() == 6
    blank = evidence(6, BOOK, LayerSettings(((0.0,),)), 0, 0, "zero", ("pool", "nopool"))
    assert not blank.holds


def test_finder_checks_its_pair_against_the_pipelines():
    small, large = build("nopool", IDENTITY), build("pool", IDENTITY)
    pair = find_arrangement_pair(small, large, (8, 8))
    from poolviz.core.pipeline import run_pipeline

    def glob(p, x):
        return float(run_pipeline(p, x)[-1].maps)

    assert glob(small, pair.together) == glob(small, pair.apart)
    assert glob(large, pair.together) != glob(large, pair.apart)
    assert np.array_equal(pair.apart, apart_pattern((8, 8)))
    assert t_pattern((8, 8), 0, 0, pair.gap).sum() == 6


def test_unknown_step_is_refused():
    with pytest.raises(ValueError, match="`number` must be a step from 1 to 6; got 7"):
        evidence(7, BOOK, IDENTITY, 0, 0, "zero", ("pool", "nopool"))


@pytest.mark.parametrize("number", [s.number for s in STEPS])
def test_a_view_the_steps_pipelines_cannot_run_gives_a_reason_not_a_crash(number):
    big = LayerSettings(np.ones((5, 5)).tolist(), conv_stride=4)
    e = evidence(number, np.ones((4, 5)), big, 1, 0, "zero", ("pool", "nopool"))
    assert e.sentences and (not e.holds or number == 3)


def test_step_two_off_its_view_says_which_global_output_changed():
    # dx=2: max-pool's global max goes 2 -> 4, no pooling's stays 2 -> 2; the strip must not
    # say "the global outputs differ" as if both did.
    from dataclasses import replace

    from poolviz.view.lesson_view import step_evidence, step_view

    evidence = step_evidence(replace(step_view(2), dx=2))
    assert not evidence.holds
    assert evidence.sentences[-1] == (
        "The global output changes with max-pool (2 → 4) and stays with no pooling (2 → 2)."
    )
