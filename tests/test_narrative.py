"""poolviz.lessons.narrative: the sentences follow the numbers, escaping, APS ties, summaries."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core.invariance import StageSummary, one_pixel_summary
from poolviz.core.ops import aps_choice
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import LayerSettings
from poolviz.core.text import _MARKDOWN_SPECIAL, markdown_escape
from poolviz.lessons.comparison import WITHOUT_POOLING, book_example, compare, standard_pipelines
from poolviz.lessons.narrative import changed_count, describe_summary, explain_book
from poolviz.lessons.pipelines import selected
from poolviz.lessons.sentences import aps_sentence, describe_shift, explain

IDENTITY = LayerSettings(((1.0,),))


def _explain(dx=0, dy=0, mode="zero", x=None, names=("pool", "strided"), **options):
    """The page's sentences (poolviz.lessons.sentences) for the book's pattern."""
    x = make_preset("book") if x is None else x
    settings = LayerSettings.of(IDENTITY, **options)
    runs = compare(x, selected(settings, names), dx=dx, dy=dy, mode=mode)
    return runs, explain(runs, dx=dx, dy=dy, mode=mode)


# ------------------------------------------- the comparison's sentences (ported to sentences)


def test_explain_book_dx_one_with_pooling_unchanged():
    _, lines = _explain(dx=1)
    assert lines[0] == "The pattern is shifted 1 pixel right: 32 of 64 input cells changed."
    assert lines[1] == (
        "max-pool: the next layer (conv 2×2 /2) reads the max-pool 2×2 /2 map (4×4): "
        "unchanged. Its output (2×2) is unchanged."
    )
    assert lines[2].startswith(
        "strided conv: the next layer (conv 2×2 /2) reads the conv 1×1 map (8×8): "
        "32 of 64 cells changed."
    )
    assert "with max-pool the next layer receives the same input" in lines[-1]


def test_explain_book_dx_two_pooled_map_changes():
    runs, lines = _explain(dx=2)
    run = runs["max-pool"]
    changed, total = changed_count(run.original[2], run.shifted[2])
    assert (changed, total) == (8, 16)
    assert "reads the max-pool 2×2 /2 map (4×4): 8 of 16 cells changed." in lines[1]
    assert "Its output (2×2) is 4 of 4 cells changed." in lines[1]
    assert "unchanged" not in lines[1]
    assert lines[3] == (
        "The global max is 2 → 4 with max-pool (changed); 2 → 2 with strided conv (unchanged)."
    )


def test_explain_book_dx_zero_nothing_changed():
    _, lines = _explain()
    assert lines[0] == "The pattern is not shifted: every map below is the original's."
    assert lines[1].endswith(": unchanged. Its output (2×2) is unchanged.")
    assert lines[2].endswith(": unchanged. Its output (4×4) is unchanged.")
    assert "cells changed" not in " ".join(lines[1:3])
    assert "invariant" not in " ".join(lines)


def test_explain_counts_follow_changed_count():
    x = make_preset("L", 10, 10)
    runs, lines = _explain(dx=-1, dy=1, x=x, use_relu=True)
    for name, line in (("max-pool", lines[1]), ("strided conv", lines[2])):
        run = runs[name]
        feed = 2 if name == "strided conv" else 3
        changed, total = changed_count(run.original[feed], run.shifted[feed])
        expected = "unchanged" if changed == 0 else f"{changed} of {total} cells changed"
        assert f": {expected}. Its output" in line
    changed, total = changed_count(x, runs["max-pool"].shifted[0])
    assert f"{changed} of {total} input cells changed" in lines[0]


def test_explain_wrap_shift_mentions_wrapping():
    _, lines = _explain(dx=-2, dy=-1, mode="wrap")
    assert lines[0].startswith("The pattern is shifted 2 pixels left and 1 up, wrapping around:")


def test_explain_failing_pipeline_says_why():
    x = make_preset("book", 4, 4)
    runs = compare(x, selected(LayerSettings(np.ones((5, 5))), ("pool", "strided")), dx=1)
    lines = explain(runs, dx=1, dy=0, mode="zero")
    assert len(lines) == 2
    assert lines[0].startswith("max-pool: the pipeline cannot run on this input: layer 1")
    assert "`kernel`" in lines[0]
    assert lines[1].startswith("strided conv: the pipeline cannot run on this input")


def test_explain_one_failing_pipeline_still_describes_the_other():
    runs, _ = _explain(dx=1)
    broken = dict(runs)
    good = runs["strided conv"]
    broken["max-pool"] = type(good)("max-pool", (), (), (), "boom")
    lines = explain(broken, dx=1, dy=0, mode="zero")
    assert lines[0] == "The pattern is shifted 1 pixel right: 32 of 64 input cells changed."
    assert lines[1] == "max-pool: the pipeline cannot run on this input: boom"
    assert lines[2].startswith("strided conv: the next layer")
    assert "max-pool" not in lines[3]  # the global line speaks only of pipelines that ran


def test_changed_count_zero_d_and_maps():
    assert changed_count(np.array(2.0), np.array(2.0)) == (0, 1)
    assert changed_count(np.zeros((2, 3)), np.eye(2, 3)) == (2, 6)


# ---------------------------------------------------------------- describe_shift


@pytest.mark.parametrize(
    ("dx", "dy", "mode", "text"),
    [
        (0, 0, "zero", "not at all"),
        (0, 0, "wrap", "not at all"),
        (1, 0, "zero", "1 pixel right"),
        (-1, 0, "zero", "1 pixel left"),
        (3, 0, "zero", "3 pixels right"),
        (0, 1, "zero", "1 pixel down"),
        (0, -2, "zero", "2 pixels up"),
        (0, -1, "wrap", "1 pixel up, wrapping around"),
        (2, 1, "zero", "2 pixels right and 1 down"),
        (-2, 3, "wrap", "2 pixels left and 3 down, wrapping around"),
        (1, -1, "zero", "1 pixel right and 1 up"),
    ],
)
def test_describe_shift_cases(dx, dy, mode, text):
    assert describe_shift(dx, dy, mode) == text


# ---------------------------------------------------------------- markdown_escape


def _is_inert(escaped: str) -> bool:
    """Every Markdown special character is preceded by its own backslash."""
    i = 0
    while i < len(escaped):
        ch = escaped[i]
        if ch == "\\":
            if i + 1 >= len(escaped) or escaped[i + 1] not in _MARKDOWN_SPECIAL:
                return False
            i += 2
            continue
        if ch in _MARKDOWN_SPECIAL:
            return False
        i += 1
    return True


def _unescape(escaped: str) -> str:
    out, i = [], 0
    while i < len(escaped):
        if escaped[i] == "\\":
            i += 1
        out.append(escaped[i])
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "**bold** and __under__",
        "`code` and ```fence```",
        "[link](javascript:alert(1))",
        "$x^2$ # heading | table ~strike~ !img & 1.5 - 2 + 3",
        "back\\slash \\*",
        "plain text stays",
        "",
    ],
)
def test_markdown_escape_makes_specials_inert(text):
    escaped = markdown_escape(text)
    assert _is_inert(escaped)
    assert _unescape(escaped) == text


def test_markdown_escape_exact_outputs():
    assert markdown_escape("<script>") == "\\<script\\>"
    assert markdown_escape("**a**") == "\\*\\*a\\*\\*"
    assert markdown_escape("`x`") == "\\`x\\`"
    assert markdown_escape("abc 123") == "abc 123"
    assert "<script>" not in markdown_escape("<script>alert(1)</script>")


# ---------------------------------------------------------------- APS (ported to aps_sentence)


def test_describe_aps_reports_ties_on_binary_pattern():
    runs, _ = _explain(dx=1, pool="aps")
    run = runs["APS max-pool"]
    index, tie = aps_choice(np.stack([run.original[1], run.shifted[1]]), 2, 2)
    assert tie.tolist() == [True, True]
    text = aps_sentence(run)
    assert text.startswith("APS keeps the sub-grid with the most energy; here sub-grids tie")
    assert f"{divmod(int(index[0]), 2)} for the original" in text


def test_describe_aps_without_ties_names_components():
    x = np.random.default_rng(0).standard_normal((8, 8))
    runs, _ = _explain(dx=1, mode="wrap", x=x, pool="aps")
    run = runs["APS max-pool"]
    index, tie = aps_choice(np.stack([run.original[1], run.shifted[1]]), 2, 2)
    assert not tie.any()
    text = aps_sentence(run)
    assert "tie" not in text
    (r0, c0), (r1, c1) = divmod(int(index[0]), 2), divmod(int(index[1]), 2)
    assert f"sub-grid ({r0}, {c0}) for the original, ({r1}, {c1}) for the shifted." in text
    # a one-pixel wrap to the right moves the chosen column phase by one
    assert r1 == r0 and c1 == (c0 + 1) % 2


def test_describe_aps_none_without_aps_or_on_error():
    runs, _ = _explain(dx=1)
    assert aps_sentence(runs["max-pool"]) is None
    assert aps_sentence(runs["strided conv"]) is None
    failed = type(runs["max-pool"])("APS max-pool", ("input", "APS max-pool 2×2 /2"), (), (), "x")
    assert aps_sentence(failed) is None


# ---------------------------------------------------------------- describe_summary


def test_describe_summary_format():
    rows = [
        StageSummary("input", 0, 4, ()),
        StageSummary("max-pool 2×2 /2", 3, 4, ()),
        StageSummary("global max", 4, 4, ()),
    ]
    assert describe_summary({"with pooling": rows}) == [
        "With pooling: the max-pool 2×2 /2 output is unchanged for 3 of 4 one-pixel shifts; "
        "the global max for 4 of 4."
    ]


def test_describe_summary_book_numbers():
    x = make_preset("book")
    summaries = {
        name: one_pixel_summary(x, pipeline)
        for name, pipeline in standard_pipelines(IDENTITY).items()
    }
    lines = describe_summary(summaries)
    assert lines[0] == (
        "With pooling: the conv 1×1 output is unchanged for 0 of 4 one-pixel shifts; "
        "the max-pool 2×2 /2 for 3 of 4; the conv 2×2 /2 for 3 of 4; the global max for 3 of 4."
    )
    without = {r.label: r for r in summaries[WITHOUT_POOLING]}
    assert lines[1] == (
        "Without pooling: the conv 1×1 output is unchanged for 0 of 4 one-pixel shifts; "
        f"the conv 2×2 /2 for {without['conv 2×2 /2'].unchanged} of 4; "
        f"the global max for {without['global max'].unchanged} of 4."
    )


def test_describe_summary_skips_input_only_and_empty():
    assert describe_summary({"a": [StageSummary("input", 0, 4, ())], "b": []}) == []


# ---------------------------------------------------------------- explain_book


def test_explain_book_reads_the_maps():
    lines = explain_book(book_example())
    assert lines[0] == (
        "B vs A: the max-pool 2×2 /2 outputs are identical, so the next layer (conv 2×2 /2) "
        "gives [[2, 2], [2, 2]], the same as for A."
    )
    assert lines[1] == (
        "C vs A: the max-pool 2×2 /2 outputs are different, so the next layer (conv 2×2 /2) "
        "gives [[0, 4], [0, 4]], instead of [[2, 2], [2, 2]]."
    )
    assert lines[2] == "With max-pool, the global max after the next layer is A: 2, B: 2, C: 4."
    # The question's proposal, side by side (issue "The answer, told truly").
    assert lines[3].startswith(
        "With no pooling (stride-1 convs), the next layer (conv 2×2) gives a 7×7 map that "
        "changes for B and C; its global max is A: 2, B: 2, C: 2: the same for all three"
    )


def test_explain_book_without_pooling_is_computed():
    book = book_example()
    assert [book.plain_next[n].shape for n in "ABC"] == [(7, 7)] * 3
    assert book.plain_global == {"A": 2.0, "B": 2.0, "C": 2.0}
