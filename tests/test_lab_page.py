"""The Digits lab tab under Streamlit's AppTest: renders, shows table and verdict, reacts."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def _page() -> None:
    from app_pages import lab as digits_lab

    digits_lab.render()


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.setenv("POOLVIZ_LAB_N_TEST", "20")  # a short table: the page logic is the same
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _predictions(at: AppTest) -> list[tuple[str, str, str]]:
    return [(m.label, m.value, m.delta) for m in at.metric]


def test_renders_table_and_verdict(app: AppTest) -> None:
    assert len(app.dataframe) == 1
    table = app.dataframe[0].value
    assert len(table) == 12 and set(table["padding"]) == {"zero", "circular"}
    text = " ".join(m.value for m in app.markdown)
    assert "Verdict, zero padding" in text and "Most consistent under zero-fill shifts" in text
    assert [m[0] for m in _predictions(app)] == list(
        ("nopool", "maxpool", "avgpool", "strided", "blurpool", "aps")
    )


def test_changing_the_digit_changes_the_prediction(app: AppTest) -> None:
    before = _predictions(app)
    app.number_input(key="lab_index").set_value(1).run()
    assert not app.exception
    after = _predictions(app)
    assert after != before
    # Test digit 0 of the split is a 2 and digit 1 a 0: every shipped net gets both right.
    assert {v for _, v, _ in before} == {"2"} and {v for _, v, _ in after} == {"0"}
    # The followed class moves with the digit (its label) unless chosen by hand.
    specs = " ".join(c.proto.spec for c in app.get("plotly_chart"))
    assert "p(class 0) along dx" in specs and "p(class 2) along dx" not in specs


def test_drawing_mode_and_feature_maps(app: AppTest) -> None:
    app.radio(key="lab_source").set_value("draw").run()
    assert not app.exception
    app.button(key="lab_copy").click().run()
    assert not app.exception
    app.selectbox(key="lab_fm_arch").set_value("aps").run()
    app.radio(key="lab_padding").set_value("circular").run()
    assert not app.exception and len(app.metric) == 6


def test_train_again_runs_in_the_background_and_reports(app: AppTest) -> None:
    app.selectbox(key="lab_tr_arch").set_value("avgpool")
    app.number_input(key="lab_tr_epochs").set_value(2)
    app.button(key="lab_train").click().run()
    assert not app.exception
    deadline = time.monotonic() + 60
    while not app.success and time.monotonic() < deadline:
        time.sleep(0.3)
        app.run()
    assert not app.exception
    assert app.success and "avgpool (zero) done after 2 epochs" in app.success[0].value
    app.button(key="lab_use").click().run()
    assert not app.exception
    assert any("retrained weights for: avgpool (zero)" in m.value for m in app.markdown)


def test_bad_selection_from_the_browser_is_ignored() -> None:
    sys.path.insert(0, str(ROOT))
    from app_pages import lab as digits_lab

    class FakeState(dict):
        __getattr__ = dict.__getitem__

        def __setattr__(self, k, v):
            self[k] = v

    import numpy as np

    fake = FakeState(lab_canvas=np.zeros((16, 16)), lab_draw_version=0)
    fake["k"] = {"selection": {"points": [{"x": 3, "y": 2}, {"x": "a", "y": 1},
                                          {"x": 99, "y": 0}, {"x": float("nan"), "y": 1}]}}
    old = digits_lab.ss
    digits_lab.ss = fake
    try:
        digits_lab._on_draw("k")
    finally:
        digits_lab.ss = old
    assert fake.lab_canvas.sum() == 1.0 and fake.lab_canvas[2, 3] == 1.0
    assert fake.lab_draw_version == 1
