"""Property tests of poolviz.view.state: valid states round-trip, junk never breaks decode."""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import parse_qs

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from poolviz.core.limits import MAX_PADDING, MAX_POOL, MAX_STRIDE, PAGE_MAX_GRID, PAGE_MAX_KERNEL
from poolviz.lessons.lesson import STEPS
from poolviz.lessons.pipelines import PIPELINES
from poolviz.view.state import (
    DEFAULT,
    MAX_QUERY_CHARS,
    MAX_SEED,
    MODES,
    MOTIF_CHOICES,
    POOLS,
    SWEEPS,
    TABS,
    Decoded,
    ViewState,
    decode,
    encode,
    query_string,
    validate,
)

SETTINGS = settings(max_examples=100, deadline=None)
KEY_TO_FIELD = {
    "tab": "tab", "p": "pattern", "dx": "dx", "dy": "dy", "mode": "mode", "k": "kernel",
    "cs": "conv_stride", "cp": "conv_padding", "relu": "relu", "pool": "pool", "ps": "pool_size",
    "pst": "pool_stride", "ns": "next_stride", "np": "next_padding", "vals": "show_values",
    "sweep": "sweep", "seed": "seed", "th": "threshold",
    "en": "ex_samples", "em": "ex_motif", "ed": "ex_distractors", "eg": "ex_grid",
    "es": "ex_steps", "elr": "ex_rate", "eseed": "ex_seed", "step": "step", "pipes": "pipelines", "bt": "blur_taps", "present": "present",
}  # fmt: skip
KEYS = sorted(KEY_TO_FIELD)


def test_key_table_covers_every_field():
    assert sorted(KEY_TO_FIELD.values()) == sorted(f.name for f in fields(ViewState))


@st.composite
def patterns(draw) -> np.ndarray:
    h = draw(st.integers(4, PAGE_MAX_GRID))
    w = draw(st.integers(4, PAGE_MAX_GRID))
    top = draw(st.sampled_from([1, 10]))  # binary or gray
    seed = draw(st.integers(0, 2**32 - 1))
    levels = np.random.default_rng(seed).integers(0, top + 1, (h, w))
    return levels / top


@st.composite
def kernels(draw) -> np.ndarray:
    rows = draw(st.integers(1, PAGE_MAX_KERNEL))
    cols = draw(st.integers(1, PAGE_MAX_KERNEL))
    weights = st.integers(-10_000_000, 10_000_000).map(lambda n: n / 10_000)  # 4 decimals
    values = draw(st.lists(weights, min_size=rows * cols, max_size=rows * cols))
    return np.array(values).reshape(rows, cols)


@st.composite
def states(draw) -> ViewState:
    base = DEFAULT.with_pattern(draw(patterns())).with_kernel(draw(kernels()))
    h, w = base.height, base.width
    return ViewState(
        tab=draw(st.sampled_from(TABS)),
        step=draw(st.integers(0, len(STEPS))),
        pipelines=tuple(draw(st.permutations(list(PIPELINES)))[:2]),
        pattern=base.pattern,
        dx=draw(st.integers(-w, w)),
        dy=draw(st.integers(-h, h)),
        mode=draw(st.sampled_from(MODES)),
        kernel=base.kernel,
        conv_stride=draw(st.integers(1, MAX_STRIDE)),
        conv_padding=draw(st.integers(0, MAX_PADDING)),
        relu=draw(st.booleans()),
        pool=draw(st.sampled_from(POOLS)),
        pool_size=draw(st.integers(1, MAX_POOL)),
        pool_stride=draw(st.integers(1, MAX_POOL)),
        blur_taps=draw(st.sampled_from([3, 4])),
        next_stride=draw(st.integers(1, MAX_STRIDE)),
        next_padding=draw(st.integers(0, MAX_PADDING)),
        show_values=draw(st.booleans()),
        present=draw(st.booleans()),
        sweep=draw(st.sampled_from(SWEEPS)),
        seed=draw(st.integers(0, MAX_SEED)),
        threshold=draw(st.integers(0, 100)) / 100,
        ex_samples=draw(st.integers(50, 5000)),
        ex_motif=draw(st.sampled_from(MOTIF_CHOICES)),
        ex_distractors=draw(st.integers(0, 20)),
        ex_grid=draw(st.integers(8, 32)),
        ex_steps=draw(st.integers(10, 5000)),
        ex_rate=draw(st.integers(1, 10000)) / 1000,
        ex_seed=draw(st.integers(0, MAX_SEED)),
    )


@SETTINGS
@given(states())
def test_valid_states_round_trip(state):
    assert validate(state) == []
    params = encode(state)
    assert decode(params) == Decoded(state, ())
    assert encode(decode(params).state) == params
    qs = query_string(state)
    assert len(qs) < MAX_QUERY_CHARS
    assert decode(parse_qs(qs)) == Decoded(state, ())


# --------------------------------------------------------------------------- junk

# strings that look almost right, to get past the first checks
near_misses = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"\A-?[0-9]{1,3}(\.[0-9]{0,6})?\Z"),
    st.from_regex(r"\A[0-9]{1,2}x[0-9]{1,2}\.[bgx]\.[A-Za-z0-9_=+/-]{0,200}\Z"),
    st.from_regex(r"\A(-?[0-9]{1,4}(\.[0-9]{1,5})?[,_]){0,8}-?[0-9]{1,4}\Z"),
    st.sampled_from(TABS + MODES + POOLS + SWEEPS + ("0", "1", "", "٣", "1_0", " 1")),
)
junk_text = st.one_of(st.text(), st.text(st.characters(codec="utf-8"), max_size=50), near_misses)
junk_value = st.one_of(
    junk_text,
    st.lists(junk_text, max_size=3),
    st.none(),
    st.integers(),
    st.text(max_size=1).map(lambda c: c * 3001),
)
junk_key = st.one_of(st.sampled_from(KEYS), st.text(max_size=10))


@SETTINGS
@given(st.dictionaries(junk_key, junk_value, max_size=12))
def test_junk_params_give_a_valid_state(params):
    decoded = decode(params)  # never raises
    assert isinstance(decoded.state, ViewState)
    assert validate(decoded.state) == []
    again = encode(decoded.state)
    assert decode(again) == Decoded(decoded.state, ())
    for message in decoded.messages():
        assert isinstance(message, str)
        assert not any(ch in message for ch in "\n\r\x00\x1b<>")


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), near_misses, min_size=1, max_size=len(KEYS)))
def test_near_misses_keep_or_reject_each_parameter(params):
    decoded = decode(params)
    rejected = {r.key for r in decoded.rejections}
    assert rejected <= set(params)
    kept = encode(decoded.state)
    # every parameter is either rejected or used (used values may equal the default)
    for key in params:
        assert key in rejected or key in kept or decode({key: params[key]}).rejections == ()
    assert validate(decoded.state) == []


@SETTINGS
@given(states(), st.data())
def test_corrupted_links_never_raise(state, data):
    params = encode(state)
    if not params:
        return
    key = data.draw(st.sampled_from(sorted(params)))
    text = params[key]
    pos = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.text(max_size=3))
    cut = data.draw(st.integers(0, 2))
    params[key] = text[:pos] + insert + text[pos + cut :]
    decoded = decode(params)
    assert validate(decoded.state) == []
    # every other parameter survived (dx and dy are judged against the pattern's size)
    others = set(params) - {key} - ({"dx", "dy"} if key == "p" else set())
    for other in others:
        name = KEY_TO_FIELD[other]
        assert getattr(decoded.state, name) == getattr(state, name)
