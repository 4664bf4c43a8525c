"""The Explore component's payload: every shift through the core, compact, one colour scale."""

import json

import numpy as np
import pytest

from poolviz.core.invariance import changed_mask
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.lessons.comparison import compare, standard_pipelines
from poolviz.lessons.sentences import explain as explain_comparison
from poolviz.render.explorer import (
    MAX_PAYLOAD_BYTES,
    PAYLOAD_KEYS,
    decode_mask,
    explorer_data,
    fit_explorer_data,
    offline_html,
    payload_bytes,
    payload_json,
    shift_index,
)


def _map(data, index, shape):
    return np.array(data["maps"][index], dtype=float).reshape(shape)


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


def test_sentences_come_from_the_callable_for_each_shift():
    x = make_preset("book")
    pipelines = standard_pipelines(((1.0,),))
    data = explorer_data(x, pipelines, ("zero", "wrap"), 1, explain_comparison)
    for mode in ("zero", "wrap"):
        for k, (dy, dx) in enumerate(data["shifts"]):
            got = [data["texts"][i] for i in data["sentences"][mode][k]]
            assert got == explain_comparison(compare(x, pipelines, dx, dy, mode), dx, dy, mode)


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
    data = explorer_data(x, standard_pipelines(np.ones((5, 5))), "zero", 1, explain_comparison)
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
    data = fit_explorer_data(x, pipelines, sentences=explain_comparison)
    assert payload_bytes(data) <= MAX_PAYLOAD_BYTES
    assert data["radius"] >= 3  # enough to cross a 2×2 window and a stride-4 cell
    bigger = explorer_data(x, pipelines, data["modes"], data["radius"] + 1, explain_comparison)
    assert payload_bytes(bigger) > MAX_PAYLOAD_BYTES * 0.8  # the fit is not wildly timid


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
