"""Command-line contracts of the Digits lab, including bad input (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poolviz.lab import cli, nets
from poolviz.lab.weights import load_weights

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_data(tmp_path, capsys) -> None:
    out = tmp_path / "d.npz"
    assert run(capsys, "data", "--out", str(out))[0] == 0
    with np.load(out) as f:
        assert f["x_train"].shape == (1347, 16, 16) and f["x_train"].dtype == np.float64
        assert f["x_test"].shape == (450, 16, 16) and f["y_test"].dtype.kind == "i"
        assert f["y_train"].shape == (1347,) and float(f["x_test"].max()) == 1.0


def test_weights_are_a_state_dict(tmp_path, capsys) -> None:
    out = tmp_path / "w.npz"
    assert run(capsys, "weights", "--arch", "aps", "--out", str(out))[0] == 0
    with np.load(out) as f:
        assert {k: f[k].shape for k in f.files} == nets.PARAM_SHAPES


def test_predict_matches_the_library(tmp_path, capsys) -> None:
    x = np.random.default_rng(0).uniform(size=(7, 16, 16))
    np.savez(tmp_path / "x.npz", x=x)
    code, _, err = run(capsys, "predict", "--arch", "strided", "--input", str(tmp_path / "x.npz"),
                       "--out", str(tmp_path / "y.npz"), "--padding", "circular")
    assert code == 0, err
    with np.load(tmp_path / "y.npz") as f:
        expect = nets.forward(load_weights("strided", "circular"), x, "strided", "circular")
        np.testing.assert_array_equal(f["logits"], expect)


def test_evaluate_json(capsys) -> None:
    code, out, _ = run(capsys, "evaluate", "--arch", "maxpool", "--json", "--n-test", "40")
    assert code == 0
    m = json.loads(out)
    assert m["arch"] == "maxpool" and m["n_test"] == 40 and m["receptive_field"] == 18
    assert {"accuracy", "consistency_zero", "consistency_circular", "one_pixel_change",
            "macs", "params", "seconds_per_image", "accuracy_grid"} <= set(m)


def _bad_inputs(tmp: Path) -> list[list[str]]:
    np.savez(tmp / "shape.npz", x=np.zeros((2, 8, 8)))
    np.savez(tmp / "dtype.npz", x=np.zeros((2, 16, 16), dtype=complex))
    np.savez(tmp / "nan.npz", x=np.full((2, 16, 16), np.nan))
    np.savez(tmp / "nox.npz", y=np.zeros((2, 16, 16)))
    (tmp / "junk.npz").write_text("not a zip")
    pred = ["predict", "--arch", "maxpool", "--out", str(tmp / "o.npz"), "--input"]
    return [
        ["predict", "--arch", "lenet", "--input", str(tmp / "shape.npz"), "--out", "o.npz"],
        pred + [str(tmp / "shape.npz")],
        pred + [str(tmp / "dtype.npz")],
        pred + [str(tmp / "nan.npz")],
        pred + [str(tmp / "nox.npz")],
        pred + [str(tmp / "junk.npz")],
        pred + [str(tmp / "missing.npz")],
        ["evaluate", "--arch", "maxpool", "--padding", "reflect"],
        ["weights", "--arch", "aps", "--out", str(tmp / "no" / "dir.npz")],
        ["evaluate"],
        ["frobnicate"],
    ]


@pytest.mark.parametrize("case", range(11))
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys) -> None:
    code, out, err = run(capsys, *_bad_inputs(tmp_path)[case])
    assert code == 2
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err, err
    assert out == ""


def test_messages_say_what_is_wrong(tmp_path, capsys) -> None:
    cases = _bad_inputs(tmp_path)
    assert "got 'lenet'" in run(capsys, *cases[0])[2]
    assert "got shape (2, 8, 8)" in run(capsys, *cases[1])[2]
    assert "got dtype complex128" in run(capsys, *cases[2])[2]
    assert "must be finite" in run(capsys, *cases[3])[2]
    assert "missing.npz" in run(capsys, *cases[6])[2]


def test_module_entry_point(tmp_path) -> None:
    """The real process: exit status 2, one stderr line, no traceback."""
    p = subprocess.run(
        [sys.executable, "-m", "poolviz", "lab", "predict", "--arch", "x", "--input", "a.npz",
         "--out", "b.npz"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
