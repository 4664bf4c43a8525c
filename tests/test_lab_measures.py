"""Measures: exact circular invariance, shift grids, verdict, validation messages."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.lab import measures, nets
from poolviz.lab.data import check_images, load_digits, shift_grid
from poolviz.lab.weights import load_weights


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.mark.parametrize("arch", ["nopool", "aps"])
def test_circular_nets_are_exactly_consistent_under_circular_shifts(arch, digits) -> None:
    params = load_weights(arch, "circular")
    c = measures.consistency(params, digits.x_test, arch, "circular", "circular")
    assert c == 1.0
    # Also in float64 and over far shifts that wrap the digit around the edge.
    x = digits.x_test[:60]
    shifted = shift_grid(x, [(0, 0), (7, -5), (-3, 11), (1, 1)], "circular")
    z = nets.forward(params, shifted.reshape(-1, 16, 16), arch, "circular").reshape(60, 4, 10)
    assert (z.argmax(-1) == z[:, :1].argmax(-1)).all()
    np.testing.assert_allclose(z, np.broadcast_to(z[:, :1], z.shape), rtol=1e-12, atol=1e-12)


def test_maxpool_is_not_exactly_consistent(digits) -> None:
    """The measure can tell: subsampling without anti-aliasing flips some predictions."""
    c = measures.consistency(load_weights("maxpool"), digits.x_test, "maxpool")
    assert c < 1.0


@pytest.mark.parametrize("arch", ["maxpool", "avgpool", "strided"])
def test_circular_shifts_by_the_total_stride_are_exact(arch, digits) -> None:
    """Two stride-2 stages: a circular shift by a multiple of 4 shifts the last map by whole
    cells, so with circular padding the logits cannot change (a check of the whole pipeline)."""
    params = load_weights(arch, "circular")
    x = digits.x_test[:50]
    shifted = shift_grid(x, [(0, 0), (4, -4), (0, 8), (-4, 0)], "circular")
    z = nets.forward(params, shifted.reshape(-1, 16, 16), arch, "circular").reshape(50, 4, 10)
    np.testing.assert_allclose(z, np.broadcast_to(z[:, :1], z.shape), rtol=1e-12, atol=1e-12)
    one = nets.forward(params, shift_grid(x, [(0, 1)], "circular")[:, 0], arch, "circular")
    assert not np.allclose(one, z[:, 0], rtol=1e-6)  # ... but an odd shift does change them


def test_evaluate_small(digits) -> None:
    m = measures.evaluate(load_weights("blurpool"), "blurpool", n_test=30)
    assert np.array(m["accuracy_grid"]).shape == (9, 9)
    assert m["accuracy"] == m["accuracy_grid"][4][4]
    assert len(m["diagonal_correct_prob"]) == 9
    assert 0 <= m["one_pixel_change"] <= 1
    assert (m["params"], m["macs"], m["receptive_field"]) == (6218, 173120, 24)


def test_sweep_centre_is_the_unshifted_prediction(digits) -> None:
    params = load_weights("avgpool")
    probs = measures.shift_sweep(params, digits.x_test[:5], "avgpool", dtype=np.float64)
    direct = nets.predict_proba(params, digits.x_test[:5], "avgpool")
    np.testing.assert_allclose(probs[:, 4, 4], direct, rtol=1e-12)


def test_verdict_is_generated_from_the_numbers() -> None:
    base = {"macs": 1000, "receptive_field": 18, "seconds_per_image": 2e-5}
    r = {
        "nopool": {**base, "accuracy": 0.97, "consistency_zero": 0.99,
                   "consistency_circular": 1.0, "one_pixel_change": 0.01, "macs": 9000},
        "maxpool": {**base, "accuracy": 0.98, "consistency_zero": 0.9,
                    "consistency_circular": 0.9, "one_pixel_change": 0.05},
    }
    text = " ".join(measures.verdict(r))
    assert "nopool (99.0%)" in text and "maxpool (90.0%)" in text
    assert "exactly consistent" in text and "9.0x the multiply-adds of maxpool" in text
    r["nopool"]["consistency_zero"] = 0.5
    assert "it is not" in " ".join(measures.verdict(r))


@pytest.mark.parametrize("call, match", [
    (lambda: check_images(np.zeros((2, 3))), r"`x` must have shape \(N, 16, 16\).*got shape \(2, 3\)"),
    (lambda: check_images(np.full((16, 16), np.nan)), r"`x` must be finite.*got 256 non-finite"),
    (lambda: check_images(np.array(["a"])), r"`x` must hold real numbers.*got dtype <U1"),
    (lambda: measures.grid_shifts(9), r"`radius` must be an int in \[0, 8\]; got 9"),
    (lambda: nets.forward(nets.init_params(0), np.zeros((1, 16, 16)), "le"), r"`arch` must be one of .*; got 'le'"),
    (lambda: nets.check_params({**nets.init_params(0), "fc.bias": np.zeros(3)}), r"`params\['fc.bias'\]` must have shape \(10,\); got \(3,\)"),
    (lambda: measures.evaluate(nets.init_params(0), "aps", n_test=0), r"`n_test` must be an int in \[1, 450\]; got 0"),
])
def test_messages_name_argument_value_and_range(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()
