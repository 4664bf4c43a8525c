"""Training is deterministic, the shipped weights are good, configs are validated."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.lab import nets
from poolviz.lab.data import load_digits
from poolviz.lab.train import TrainConfig, accuracy, train
from poolviz.lab.weights import load_weights


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_data_split(digits) -> None:
    assert digits.x_train.shape == (1347, 16, 16) and digits.x_test.shape == (450, 16, 16)
    # Stratified: each class is split in the proportion 450 : 1347 (within one digit).
    total = np.bincount(digits.y_test) + np.bincount(digits.y_train)
    assert np.abs(np.bincount(digits.y_test) - total * 450 / 1797).max() <= 1
    # The digit occupies rows and columns 4..11 only.
    border = np.ones((16, 16), bool)
    border[4:12, 4:12] = False
    assert not digits.x_train[:, border].any()


def _steps(n: int):
    calls = iter(range(10**6))
    return lambda: next(calls) >= n


@pytest.mark.parametrize("config", [
    TrainConfig(arch="aps", padding="circular", batch_size=16, seed=3),
    TrainConfig(arch="blurpool", batch_size=16, seed=1, max_shift=2),
])
def test_training_is_deterministic(config: TrainConfig, digits) -> None:
    a = train(config, should_stop=_steps(3), data=digits)
    b = train(config, should_stop=_steps(3), data=digits)
    assert a.stopped and b.stopped
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k]), k
    assert not np.array_equal(a.params["fc.weight"], nets.init_params(config.seed)["fc.weight"])


def test_progress_is_reported_every_epoch(digits) -> None:
    seen = []
    r = train(TrainConfig(arch="strided", epochs=2, batch_size=512), progress=seen.append,
              data=digits)
    assert [p.epoch for p in seen] == [1, 2] and not r.stopped
    assert r.summary()["epochs_done"] == 2


@pytest.mark.parametrize("padding", nets.PADDINGS)
@pytest.mark.parametrize("arch", nets.ARCHS)
def test_shipped_weights_reach_95_percent(arch: str, padding: str, digits) -> None:
    acc = accuracy(load_weights(arch, padding), digits.x_test, digits.y_test, arch, padding)
    assert acc >= 0.95, f"{arch}/{padding}: {acc:.4f}"


@pytest.mark.parametrize("kwargs, match", [
    ({"arch": "vgg"}, r"`arch` must be one of .*; got 'vgg'"),
    ({"padding": "reflect"}, r"`padding` must be one of \('zero', 'circular'\); got 'reflect'"),
    ({"epochs": 0}, r"`epochs` must be an int in \[1, 1000\]; got 0"),
    ({"max_shift": 9}, r"`max_shift` must be an int in \[0, 8\]; got 9"),
    ({"lr": -1.0}, r"`lr` must be a number in \(0, 1\]; got -1.0"),
])
def test_config_messages_name_argument_value_and_range(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)
