"""Tests for poolviz.lessons.experiment: distinct-map counts, the data set, the readout, the verdict."""

from __future__ import annotations

import time

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import shift
from poolviz.core.patterns import make_preset
from poolviz.core.pipeline import run_pipeline, with_pooling, without_pooling
from poolviz.lessons.experiment import (
    FRESH,
    HELD_OUT,
    TRAIN,
    ExperimentConfig,
    distinct_map_counts,
    make_dataset,
    one_pixel_shifts,
    radius_shifts,
    run_experiment,
)
from poolviz.lessons.experiment_verdict import verdict
from poolviz.lessons.readout import fit_logistic, logistic_loss_and_grad

SMALL = dict(n_samples=100, steps=40)


@pytest.fixture(scope="module")
def default_result():
    return run_experiment(ExperimentConfig())


# ---------------------------------------------------------------- distinct maps


def _brute_force_counts(x, pipeline, shifts, mode):
    seen = None
    for dy, dx in shifts:
        stages = run_pipeline(pipeline, shift(x, int(dy), int(dx), mode))
        if seen is None:
            seen = [(s.label, set()) for s in stages]
        for (_, keys), stage in zip(seen, stages, strict=True):
            keys.add(tuple(float(v) + 0.0 for v in np.round(np.ravel(stage.maps), 9)))
    return [(label, len(keys)) for label, keys in seen]


@pytest.mark.parametrize("preset", ["book", "blob", "random", "L"])
@pytest.mark.parametrize("mode", ["zero", "wrap"])
@pytest.mark.parametrize("shifts", [one_pixel_shifts(), radius_shifts(2)], ids=["one", "r2"])
def test_distinct_counts_match_brute_force(preset, mode, shifts):
    x = make_preset(preset, 12, 12, seed=3)
    for pipeline in (
        with_pooling(((1.0,),)),
        without_pooling(((1.0,),)),
        with_pooling(((1.0, -1.0),), pool="avg", pool_size=3),
    ):
        assert distinct_map_counts(x, pipeline, shifts, mode) == _brute_force_counts(
            x, pipeline, shifts, mode
        )


def test_shift_sets():
    assert one_pixel_shifts().tolist() == [[0, 0], [0, 1], [0, -1], [1, 0], [-1, 0]]
    r = radius_shifts(2)
    assert len(r) == 25 and {tuple(v) for v in r} == {
        (dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
    }
    with pytest.raises(PoolvizError, match="`radius` must be an integer between 0 and 64; got -1"):
        radius_shifts(-1)


def test_distinct_counts_reject_bad_input():
    with pytest.raises(PoolvizError, match="`shifts` must hold at least one"):
        distinct_map_counts(np.zeros((8, 8)), with_pooling(((1.0,),)), np.zeros((0, 2), int))
    with pytest.raises(PoolvizError, match="single"):
        distinct_map_counts(np.zeros((2, 8, 8)), with_pooling(((1.0,),)), one_pixel_shifts())


# ---------------------------------------------------------------- the readout


def test_gradient_matches_central_differences():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((30, 7))
    y = (rng.random(30) < 0.5).astype(float)
    w = rng.standard_normal(7) * 0.5
    b = 0.3
    _, gw, gb = logistic_loss_and_grad(z, y, w, b)
    h = 1e-6
    numeric = np.empty_like(w)
    for i in range(len(w)):
        e = np.zeros_like(w)
        e[i] = h
        numeric[i] = (
            logistic_loss_and_grad(z, y, w + e, b)[0] - logistic_loss_and_grad(z, y, w - e, b)[0]
        ) / (2 * h)
    numeric_b = (
        logistic_loss_and_grad(z, y, w, b + h)[0] - logistic_loss_and_grad(z, y, w, b - h)[0]
    ) / (2 * h)
    np.testing.assert_allclose(gw, numeric, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(gb, numeric_b, rtol=1e-5)


def test_trainer_drives_loss_down_on_separable_set():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 5))
    score = x @ np.array([1.0, -2.0, 0.5, 0.0, 1.0])
    x, score = x[np.abs(score) > 0.5], score[np.abs(score) > 0.5]  # keep a margin
    y = (score > 0).astype(float)
    readout, losses = fit_logistic(x, y, steps=200, learning_rate=0.5)
    assert losses[0] == pytest.approx(np.log(2))
    assert np.all(np.diff(losses) <= 1e-12)
    assert losses[-1] < 0.2 * losses[0]
    assert readout.accuracy(readout.standardize(x), y) == 1.0


# ---------------------------------------------------------------- the data set


def test_training_never_sees_a_held_out_position():
    cfg = ExperimentConfig(n_samples=300, seed=5)
    data = make_dataset(cfg)
    train_set = {tuple(p) for p in data.train_positions}
    held_set = {tuple(p) for p in data.held_positions}
    assert train_set and held_set and not train_set & held_set
    assert all(c % 2 == 0 for _, c in train_set) and all(c % 2 == 1 for _, c in held_set)
    pos = data.y == 1
    for which, allowed in ((TRAIN, train_set), (FRESH, train_set), (HELD_OUT, held_set)):
        where = {tuple(p) for p in data.positions[(data.split == which) & pos]}
        assert where and where <= allowed
    assert np.all(data.positions[~pos] == -1)
    # Fresh samples are new images, not copies of training ones.
    train_x, _ = data.part(TRAIN)
    fresh_x, _ = data.part(FRESH)
    train_rows = {r.tobytes() for r in train_x}
    assert sum(r.tobytes() in train_rows for r in fresh_x) < len(fresh_x) // 10


def test_dataset_is_honest_about_ink_and_balance():
    cfg = ExperimentConfig(n_samples=200, distractors=4)
    data = make_dataset(cfg)
    assert data.x.shape == (400, 16, 16)
    ink = data.x.reshape(len(data.x), -1).sum(axis=1)
    assert np.all(ink == data.motif.sum() + 4)  # counting ink cannot separate the classes
    for which in (TRAIN, HELD_OUT, FRESH):
        _, y = data.part(which)
        assert abs(y.mean() - 0.5) <= 0.01
    # Each positive really holds the motif at its recorded position.
    mh, mw = data.motif.shape
    for img, (r, c) in zip(data.x[data.y == 1], data.positions[data.y == 1], strict=True):
        assert np.all(img[r : r + mh, c : c + mw] >= data.motif)


# ---------------------------------------------------------------- the experiment


def test_deterministic_for_a_seed():
    cfg = ExperimentConfig(**SMALL, seed=7)
    a, b = run_experiment(cfg), run_experiment(cfg)
    np.testing.assert_array_equal(make_dataset(cfg).x, make_dataset(cfg).x)
    for name in a.runs:
        ra, rb = a.runs[name], b.runs[name]
        for attr in ("loss", "train_accuracy", "held_accuracy", "fresh_accuracy"):
            np.testing.assert_array_equal(getattr(ra, attr), getattr(rb, attr))
        assert (ra.train_maps, ra.held_seen, ra.shift_counts) == (
            rb.train_maps,
            rb.held_seen,
            rb.shift_counts,
        )
    assert verdict(a) == verdict(b)
    other = run_experiment(ExperimentConfig(**SMALL, seed=8))
    assert not np.array_equal(other.with_pooling.loss, a.with_pooling.loss)


def test_default_run_is_fast_and_learns(default_result):
    t = time.perf_counter()
    run_experiment(ExperimentConfig())
    assert time.perf_counter() - t < 2.0
    r = default_result
    assert r.steps_done == 300 and not r.stopped
    for run in r.runs.values():
        assert run.curve_steps[0] == 0 and run.curve_steps[-1] == 300
        assert run.loss[-1] < run.loss[0]
        assert run.final_train > 0.9
        assert run.n_train_positions == run.n_held_positions == 18
        assert 1 <= run.train_maps <= run.n_train_positions
        assert 0 <= run.held_seen <= run.n_held_positions
    assert r.with_pooling.feature_shape == (4, 4)
    assert r.without_pooling.feature_shape == (8, 8)
    # Without pooling, no odd-column map equals an even-column one.
    assert r.without_pooling.held_seen == 0
    assert r.with_pooling.held_seen > 0


def test_verdict_is_computed_from_the_numbers(default_result):
    text = verdict(default_result)
    p, q = default_result.with_pooling, default_result.without_pooling
    assert f"{100 * p.final_held:.0f}%" in text and f"{100 * q.final_held:.0f}%" in text
    assert f"{p.held_seen} of {p.n_held_positions}" in text
    no_window = run_experiment(ExperimentConfig(pool_size=1, pool_stride=1))
    text1 = verdict(no_window)
    assert text1 != text and "size 1" in text1
    # Identity pooling gives identical maps, so identical accuracies: no gap to report.
    assert no_window.with_pooling.final_held == no_window.without_pooling.final_held
    wrapped = run_experiment(ExperimentConfig(mode="wrap", span=16))
    assert verdict(wrapped) != text


def test_progress_and_stop():
    fractions = []
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 3

    r = run_experiment(
        ExperimentConfig(steps=100), progress=fractions.append, should_stop=should_stop
    )
    assert r.stopped and r.steps_done == 6  # recorded every 100 // 50 = 2 steps
    assert fractions == [0.02, 0.04, 0.06]
    assert all(run.curve_steps[-1] == 6 for run in r.runs.values())
    assert "stopped early" in verdict(r)
    full = []
    r = run_experiment(ExperimentConfig(steps=100), progress=full.append)
    assert not r.stopped and full[-1] == 1.0 and full == sorted(full) and len(full) == 50


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n_samples=49), r"`n_samples` must be an integer between 50 and 5000; got 49"),
        (dict(n_samples=1.5e3), r"`n_samples` must be an integer between 50 and 5000; got 1500.0"),
        (dict(grid=33), r"`grid` must be an integer between 8 and 32; got 33"),
        (dict(distractors=21), r"`distractors` must be an integer between 0 and 20; got 21"),
        (dict(steps=9), r"`steps` must be an integer between 10 and 5000; got 9"),
        (dict(steps=True), r"`steps` must be an integer between 10 and 5000; got True"),
        (dict(learning_rate=0.0), r"`learning_rate` must be a number in \(0, 10\].*got 0.0"),
        (dict(learning_rate=10.5), r"`learning_rate` must be a number in \(0, 10\].*got 10.5"),
        (dict(learning_rate=float("nan")), r"`learning_rate` must be a number"),
        (dict(seed=2**31), r"`seed` must be an integer between 0 and 2147483647; got 2147483648"),
        (dict(pool="min"), r"`pool` must be one of max, avg, blur, aps; got 'min'"),
        (dict(pool_size=5), r"`pool_size` must be an integer between 1 and 4; got 5"),
        (dict(mode="reflect"), r"`mode` must be one of zero, wrap; got 'reflect'"),
        (dict(span=1), r"`span` must be an integer between 2 and 32; got 1"),
        (dict(motif="star"), r"`motif` must be one of blob, square, ell or a 2-D grid"),
        (dict(motif=np.zeros((3, 3))), r"`motif` must have some ink"),
        (dict(motif=np.ones((16, 16))), r"`motif` must be at most 15×15.*got 16×16"),
        (dict(motif=[[2.0]]), r"`motif` values must be between 0 and 1"),
        (dict(kernel=np.ones((8, 8))), r"`kernel` must be at most 7×7"),
        (dict(kernel=[1.0, 2.0]), r"`kernel` must be a non-empty 2-D grid"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(PoolvizError, match=match):
        ExperimentConfig(**kwargs)


def test_config_accepts_a_cropped_pattern_as_motif():
    pattern = np.zeros((10, 10))
    pattern[3:5, 4:7] = 1.0
    cfg = ExperimentConfig(motif=pattern, **SMALL)
    assert cfg.motif == ((1.0, 1.0, 1.0), (1.0, 1.0, 1.0))
    assert hash(cfg) == hash(ExperimentConfig(motif=cfg.motif, **SMALL))
    r = run_experiment(cfg)
    assert set(r.runs) == {"with pooling", "without pooling"}
