"""The Explore component's payload: every shift through the core, compact, one colour scale."""

import base64
import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolviz.core.invariance import changed_mask
from poolviz.core.ops import shift
from poolviz.core.patterns import PRESETS, make_preset
from poolviz.core.pipeline import LayerSettings
from poolviz.lessons.comparison import compare, standard_pipelines
from poolviz.lessons.pipelines import PIPELINES, selected
from poolviz.lessons.sentences import explain as explain_comparison
from poolviz.lessons.sentences import explain_shifts
from poolviz.render.explorer import (
    MAP_BLOCK_KEYS,
    MAP_TYPES,
    MAX_PAYLOAD_BYTES,
    PAYLOAD_KEYS,
    decode_maps,
    decode_mask,
    explorer_data,
    fit_explorer_data,
    offline_html,
    payload_bytes,
    payload_json,
    shift_index,
)


def _map(data, index, shape):
    return decode_maps(data)[index].reshape(shape)


@pytest.mark.parametrize("mode", ["zero", "wrap"])
def test_maps_equal_running_each_shift_through_compare(mode):
    x = make_preset("blob", 10, 9)
    pipelines = standard_pipelines(((1.0, -0.5),), pool="avg", use_relu=True)
    data = explorer_data(x, pipelines, ("zero", "wrap"), radius=2)
    assert list(data) == list(PAYLOAD_KEYS)
    for k, (dy, dx) in enumerate(data["shifts"]):
        assert shift_index(dx, dy, 2) == k
        runs = compare(x, pipelines, dx, dy, mode)
        inp = data["input"]
        np.testing.assert_array_equal(
            _map(data, inp["shifted"][mode][k], x.shape), shift(x, dy, dx, mode)
        )
        for entry in data["pipelines"]:
            run = runs[entry["name"]]
            assert [s["label"] for s in entry["stages"]] == list(run.labels[1:])
            for i, stage in enumerate(entry["stages"], start=1):
                shape = tuple(stage["shape"])
                got = _map(data, stage["shifted"][mode][k], shape)
                np.testing.assert_allclose(got, run.shifted[i], atol=1e-6)
                np.testing.assert_allclose(
                    _map(data, stage["original"], shape), run.original[i], atol=1e-6
                )


@pytest.mark.parametrize("center", [(0, 0), (3, -2), (-8, 8)])
def test_a_window_of_shifts_holds_what_the_whole_range_holds_there(center):
    x = make_preset("random", 9, 8, seed=5)
    pipelines = standard_pipelines(((1.0, -1.0), (0.5, 2.0)), use_relu=True)
    window = explorer_data(x, pipelines, ("zero", "wrap"), radius=1, center=center,
                           sentences=explain_shifts)
    whole = explorer_data(x, pipelines, ("zero", "wrap"), radius=8, sentences=explain_shifts)
    assert window["center"] == {"dx": center[0], "dy": center[1]} and len(window["shifts"]) == 9
    wm, fm = decode_maps(window), decode_maps(whole)
    stages = lambda d: [d["input"], *(s for p in d["pipelines"] for s in p["stages"])]  # noqa: E731
    for k, (dy, dx) in enumerate(window["shifts"]):
        assert shift_index(dx, dy, 1, center) == k and max(abs(dx - center[0]), abs(dy - center[1])) <= 1
        if max(abs(dx), abs(dy)) > 8:  # beyond the whole range (the page moves its window in)
            continue
        j = shift_index(dx, dy, 8)
        for mode in ("zero", "wrap"):
            for a, b in zip(stages(window), stages(whole), strict=True):
                np.testing.assert_array_equal(wm[a["shifted"][mode][k]], fm[b["shifted"][mode][j]])
                assert window["masks"][a["changed"][mode][k]] == whole["masks"][b["changed"][mode][j]]
            said = [window["texts"][i] for i in window["sentences"][mode][k]]
            assert said == [whole["texts"][i] for i in whole["sentences"][mode][j]]


@pytest.mark.parametrize("center", [(9, 0), (0, -9), (1,), (1.0, 0), (True, 0), "00", None])
def test_a_bad_center_is_refused_with_its_range(center):
    with pytest.raises(ValueError, match=r"`center` must be a \(dx, dy\) pair of integers from -8 to 8"):
        explorer_data(make_preset("book"), {}, "zero", 1, center=center)


def test_masks_equal_the_one_changed_cell_rule():
    x = make_preset("random", 8, 8, seed=3)
    pipelines = standard_pipelines(((1.0, 1.0), (0.0, 1.0)))
    data = explorer_data(x, pipelines, "wrap", radius=2)
    for entry in data["pipelines"]:
        run = compare(x, pipelines, 1, -2, "wrap")[entry["name"]]
        k = shift_index(1, -2, 2)
        for i, stage in enumerate(entry["stages"], start=1):
            cells = int(np.prod(stage["shape"], dtype=int))
            got = decode_mask(data["masks"][stage["changed"]["wrap"][k]], cells)
            want = changed_mask(run.original[i], run.shifted[i]).ravel()
            np.testing.assert_array_equal(got, want)


def _stack_blind(lines):
    # A few core errors print the whole input's shape, stack axis included ("got shape
    # (3, 5, 2)"): the payload runs a stack of 1 + S inputs, compare one of 2. Only that
    # leading count may differ.
    return [re.sub(r"got shape \(\d+, ", "got shape (..., ", line) for line in lines]


def _assert_sentences_equal_explain_per_shift(x, pipelines, modes, radius):
    """The payload's sentences (explain_shifts, once per mode on the stacked run) are, for
    every shift, what explain says for that one shift run through compare."""
    data = explorer_data(x, pipelines, modes, radius, explain_shifts)
    assert list(data["sentences"]) == list(modes)
    for mode in modes:
        assert len(data["sentences"][mode]) == len(data["shifts"])
        for k, (dy, dx) in enumerate(data["shifts"]):
            got = [data["texts"][i] for i in data["sentences"][mode][k]]
            want = explain_comparison(compare(x, pipelines, dx, dy, mode), dx, dy, mode)
            assert _stack_blind(got) == _stack_blind(want), (mode, dx, dy)


def test_sentences_come_from_the_callable_for_each_shift():
    x = make_preset("book")
    _assert_sentences_equal_explain_per_shift(x, standard_pipelines(((1.0,),)), ("zero", "wrap"), 1)


_ALL_SELECTIONS = [p for r in (1, 2, 3) for p in itertools.permutations(PIPELINES, r)]
_SPOKEN = [  # views whose sentences take every branch: APS ties and not, blur, errors, ...
    (make_preset("book"), LayerSettings(((1.0,),), pool="aps"), ("pool", "nopool")),
    (np.random.default_rng(0).standard_normal((8, 8)), LayerSettings(((1.0,),), pool="aps"),
     ("strided", "pool")),
    (make_preset("random", 12, 12, seed=4), LayerSettings(((1.0,),), pool="aps", pool_size=1,
                                                           pool_stride=3), ("pool", "nopool")),
    (make_preset("blob", 9, 7), LayerSettings(((1.0, -1.0),), pool="blur", blur_taps=4),
     ("pool", "strided", "nopool")),
    (make_preset("L", 4, 4), LayerSettings(np.ones((3, 3))), ("pool", "nopool", "strided")),
    (make_preset("book", 4, 4), LayerSettings(np.ones((5, 5))), ("pool", "nopool")),
    (make_preset("empty"), LayerSettings(((1.0,),)), ("pool", "nopool")),
    (make_preset("cross", 7, 9), LayerSettings(((-1.0, 0.5), (0.25, 1.0)), use_relu=True),
     ("nopool", "pool")),
    (make_preset("diagonal", 10, 10), LayerSettings(((1.0,),), conv_stride=2, next_padding=1,
                                                    global_kind="avg"), ("strided", "nopool")),
]


@pytest.mark.parametrize(("x", "settings", "names"), _SPOKEN)
def test_sentences_equal_explain_per_shift_on_views_that_take_every_branch(x, settings, names):
    _assert_sentences_equal_explain_per_shift(x, selected(settings, names), ("zero", "wrap"), 2)


@st.composite
def _views(draw):
    h, w = draw(st.integers(4, 12)), draw(st.integers(4, 12))
    source = draw(st.sampled_from(["preset", "values", "empty"]))
    if source == "preset":
        x = make_preset(draw(st.sampled_from(list(PRESETS))), h, w, seed=draw(st.integers(0, 9)))
    elif source == "values":
        cells = draw(st.lists(st.sampled_from([-1.0, 0.0, 0.0, 0.5, 1.0, 2.0]),
                              min_size=h * w, max_size=h * w))
        x = np.array(cells).reshape(h, w)
    else:
        x = np.zeros((h, w))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    weights = draw(st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.25, 1.0, 0.333]),
                            min_size=kh * kw, max_size=kh * kw))
    settings = LayerSettings(
        np.array(weights).reshape(kh, kw),
        conv_stride=draw(st.integers(1, 2)),
        conv_padding=draw(st.integers(0, 2)),
        use_relu=draw(st.booleans()),
        pool=draw(st.sampled_from(["max", "avg", "blur", "aps"])),
        pool_size=draw(st.integers(1, 3)),
        pool_stride=draw(st.integers(1, 3)),
        next_stride=draw(st.integers(1, 3)),
        next_padding=draw(st.integers(0, 1)),
        global_kind=draw(st.sampled_from(["max", "avg"])),
        blur_taps=draw(st.sampled_from([3, 4])),
    )
    names = draw(st.sampled_from(_ALL_SELECTIONS))
    modes = draw(st.sampled_from([("zero", "wrap"), ("wrap",), ("zero",)]))
    return x, selected(settings, names), modes, draw(st.integers(0, 2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_views())
def test_sentences_equal_explain_per_shift_for_random_views(view):
    _assert_sentences_equal_explain_per_shift(*view)


def test_a_sentences_callable_must_say_every_shift():
    with pytest.raises(ValueError, match=r"`sentences` must return one list per shift \(9\); got 1"):
        explorer_data(make_preset("book"), standard_pipelines(((1.0,),)), "zero", 1,
                      lambda runs, shifts, mode: [[]])


def test_one_colour_range_diverges_when_any_value_is_negative():
    x = make_preset("book")
    plain = explorer_data(x, standard_pipelines(((1.0,),)), "zero", 1)
    assert plain["range"] == {"lo": 0, "hi": 4, "diverging": False}
    signed = explorer_data(x, standard_pipelines(((1.0, -1.0),)), "zero", 1)
    assert signed["range"]["lo"] < 0 and signed["range"]["diverging"] is True


def test_payload_is_compact_ints_and_deduplicated():
    x = make_preset("book")
    data = explorer_data(x, standard_pipelines(((1.0,),)), "zero", 2)
    text = payload_json(data)
    assert ", " not in text and "1.0," not in text
    # The max-pool map is the same for many shifts: stored once.
    pool = data["pipelines"][0]["stages"][1]
    assert len(set(pool["shifted"]["zero"])) < len(pool["shifted"]["zero"])
    assert json.loads(text) == data


def test_a_pipeline_that_cannot_run_reports_its_error_and_sentences_still_run():
    x = make_preset("book", 4, 4)
    data = explorer_data(x, standard_pipelines(np.ones((5, 5))), "zero", 1, explain_shifts)
    assert all(p["error"] and p["stages"] == [] for p in data["pipelines"])
    assert "cannot run" in data["texts"][data["sentences"]["zero"][0][0]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"radius": -1}, r"`radius` must be from 0 to 8; got -1"),
        ({"radius": 2.0}, r"`radius` must be an integer from 0 to 8; got 2.0"),
        ({"radius": True}, r"`radius` must be an integer"),
        ({"mode": ("zero", "zero")}, r"`mode` must be one of zero, wrap"),
        ({"mode": ()}, r"`mode` must be one of"),
        ({"sentences": "yes"}, r"`sentences` must be a callable or None; got 'yes'"),
    ],
)
def test_explorer_data_rejects_bad_arguments(kwargs, message):
    args = {"mode": "zero", "radius": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        explorer_data(make_preset("book"), standard_pipelines(((1.0,),)), **args)


def test_explorer_data_rejects_a_stack():
    with pytest.raises(ValueError, match=r"`x` must be a single \(H, W\) pattern; got shape"):
        explorer_data(np.zeros((2, 8, 8)), {}, "zero", 1)


@pytest.mark.parametrize(
    "kernel", [((1.0,),), ((0.5, -1.0, 0.25), (1.0, 0.333, 0.0), (0.0, 1.0, -0.5))]
)
def test_a_32x32_view_at_the_fitted_radius_ships_at_most_1_mb(kernel):
    x = make_preset("random", 32, 32, seed=0)
    pipelines = standard_pipelines(kernel)
    data = fit_explorer_data(x, pipelines, sentences=explain_shifts)
    assert payload_bytes(data) <= MAX_PAYLOAD_BYTES
    assert data["radius"] >= 3  # enough to cross a 2×2 window and a stride-4 cell
    bigger = explorer_data(x, pipelines, data["modes"], data["radius"] + 1, explain_shifts)
    assert payload_bytes(bigger) > MAX_PAYLOAD_BYTES * 0.8  # the fit is not wildly timid


def _one_map_payload(values) -> dict:
    """A payload whose input is ``values`` (1 x n) and nothing else: its map bank holds
    exactly that map, encoded as any map would be."""
    x = np.atleast_2d(np.asarray(values, dtype=float))
    return explorer_data(np.tile(x, (4, 1)) if x.shape[1] >= 4 else np.zeros((4, 4)), {},
                         "zero", 0)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ([0.0, 1.0, 1.0, 0.0], ("i1", 0)),
        ([-128.0, 127.0, 3.0, 0.0], ("i1", 0)),
        ([-129.0, 1.0, 0.0, 0.0], ("i2", 0)),
        ([0.9, 0.1, 0.0, 1.0], ("i1", 1)),
        ([0.333, -1.5, 0.25, 0.0], ("i2", 3)),
        ([123456.0, -1000.0, 0.0, 1.0], ("i4", 0)),
        ([1 / 3, 0.0, 0.0, 0.0], ("i4", 6)),  # rounded to 333333 millionths
        ([3e9, 0.0, 0.0, 0.0], ("f8", 0)),  # beyond i4
        ([1e300, -2.5, 0.0, 0.0], ("f8", 0)),
    ],
)
def test_each_map_ships_in_the_narrowest_exact_block(values, code):
    data = _one_map_payload(values)
    (block,) = data["maps"]
    assert tuple(block) == MAP_BLOCK_KEYS
    assert (block["type"], block["decimals"]) == code
    want = np.round(np.tile(np.array(values, dtype=float), 4), 6) + 0.0
    got = decode_maps(data)[data["input"]["original"]]
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)  # exact: not allclose


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64,
                          min_value=-1e12, max_value=1e12), min_size=4, max_size=4))
def test_every_float_map_round_trips_exactly_to_its_rounded_values(values):
    data = _one_map_payload(values)
    want = np.round(np.tile(np.array(values), 4), 6) + 0.0
    np.testing.assert_array_equal(decode_maps(data)[data["input"]["original"]], want)
    # and the JSON text carries it unchanged
    again = json.loads(payload_json(data))
    np.testing.assert_array_equal(decode_maps(again)[again["input"]["original"]], want)


def test_the_bank_groups_maps_by_block_and_keeps_every_index():
    # Integral 0/1 input and conv maps next to the average pool's quarters: two blocks.
    x = make_preset("random", 8, 8, seed=2)
    data = explorer_data(x, standard_pipelines(((1.0,),), pool="avg"), ("zero", "wrap"), 2)
    blocks = data["maps"]
    assert [b["type"] for b in blocks] == sorted((b["type"] for b in blocks), key=list(MAP_TYPES).index)
    assert len({(b["type"], b["decimals"]) for b in blocks}) == len(blocks) >= 2
    ids = sorted(i for b in blocks for i in b["ids"])
    assert ids == list(range(len(ids)))
    for b in blocks:
        itemsize = MAP_TYPES[b["type"]].itemsize
        assert len(base64.b64decode(b["data"])) == sum(b["sizes"]) * itemsize


def test_decode_maps_refuses_a_block_whose_sizes_disagree():
    data = explorer_data(make_preset("book"), {}, "zero", 0)
    data["maps"][0]["sizes"] = [1]
    with pytest.raises(ValueError, match=r"a `maps` block holds 64 values; its sizes add up to 1"):
        decode_maps(data)


def test_fit_respects_wanted_and_rejects_bad_budget():
    x = make_preset("book")
    assert fit_explorer_data(x, standard_pipelines(((1.0,),)), wanted=2)["radius"] == 2
    assert fit_explorer_data(x, standard_pipelines(((1.0,),)), max_bytes=10)["radius"] == 0
    with pytest.raises(ValueError, match=r"`max_bytes` must be a positive integer; got 0"):
        fit_explorer_data(x, standard_pipelines(((1.0,),)), max_bytes=0)


def test_offline_page_embeds_data_inertly():
    data = explorer_data(make_preset("book"), standard_pipelines(((1.0,),)), "zero", 1)
    data["pipelines"][0]["name"] = "</script><script>alert(1)</script>"
    page = offline_html(data, "export default function mount(component) {}", "", "<b>")
    assert "</script><script>alert(1)" not in page
    assert "<title>&lt;b&gt;</title>" in page
    with pytest.raises(ValueError, match="export default function mount"):
        offline_html(data, "export default function(c) {}", "")
