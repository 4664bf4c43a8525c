"""The "Digits lab" tab: does pooling matter in a trained network? Six small CNNs on digits.

Streamlit lives here only; every number comes from :mod:`poolviz.lab`. The app's tab loop
calls :func:`render`. ``POOLVIZ_LAB_N_TEST`` (tests only) limits the measures table to the
first N test digits, to keep AppTest runs short.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from poolviz.lab import figures, measures, nets
from poolviz.lab.data import check_images, load_digits, shift_images
from poolviz.lab.train import TrainConfig, train
from poolviz.lab.weights import load_all
from poolviz.view import choices
from ui import alt_text
from ui.training import executor, job_panel, session_job, submit

KEY = "lab"
TITLE = choices.TABS[KEY]
ss = st.session_state
R = measures.RADIUS


@st.cache_resource
def _weights() -> dict[tuple[str, str], dict[str, np.ndarray]]:
    return load_all()


@st.cache_resource
def _digits():
    return load_digits()


def _n_test() -> int | None:
    raw = os.environ.get("POOLVIZ_LAB_N_TEST")
    return int(raw) if raw else None


@st.cache_data(show_spinner="Measuring six nets on every test digit under 81 shifts…")
def _measures(padding: str, n_test: int | None) -> dict[str, dict[str, Any]]:
    w = _weights()
    return {
        arch: measures.evaluate(w[(arch, padding)], arch, padding, _digits(), n_test)
        for arch in nets.ARCHS
    }


def _init_state() -> None:
    ss.setdefault("lab_canvas", np.zeros((16, 16)))
    ss.setdefault("lab_draw_version", 0)
    ss.setdefault("lab_retrained", {})


def _on_draw(key: str) -> None:
    """Toggle the clicked cells; ignore anything the browser sends that is not a cell."""
    event = ss.get(key) or {}
    points = (event.get("selection") or {}).get("points") or []
    canvas = np.array(ss.lab_canvas, dtype=float)
    for p in points:
        x, y = p.get("x"), p.get("y")
        if not all(isinstance(v, (int, float)) and np.isfinite(v) for v in (x, y)):
            continue
        row, col = int(round(y)), int(round(x))
        if 0 <= row < 16 and 0 <= col < 16:
            canvas[row, col] = 0.0 if canvas[row, col] >= 0.5 else 1.0
    ss.lab_canvas = check_images(canvas)[0]
    ss.lab_draw_version += 1  # a fresh chart key clears the selection for the next click


def _pick_image() -> tuple[np.ndarray, int | None, str]:
    """The digit to study, its label (None for a drawing) and its figure's title."""
    d = _digits()
    source = st.radio("Digit", ["test digit", "draw"], horizontal=True, key="lab_source")
    if source == "test digit":
        idx = st.number_input("Test digit index", 0, len(d.x_test) - 1, 0, key="lab_index")
        image = d.x_test[int(idx)]
        title = f"test digit {idx}: a {d.y_test[idx]}"
        alt_text.chart_name(f"{title}, 16×16 ink values")
        st.plotly_chart(figures.digit_figure(image, title),
                        key="lab_test_digit", theme=None, config=figures.CONFIG)
        return image, int(d.y_test[int(idx)]), title
    c1, c2 = st.columns(2)
    if c1.button("Clear", key="lab_clear"):
        ss.lab_canvas = np.zeros((16, 16))
    if c2.button("Start from the test digit", key="lab_copy"):
        ss.lab_canvas = d.x_test[int(ss.get("lab_index", 0))].copy()
    key = f"lab_draw_{ss.lab_draw_version}"
    alt_text.chart_name("your drawing, 16×16 ink values (click cells to ink / erase)")
    st.plotly_chart(figures.digit_figure(ss.lab_canvas, "click cells to ink / erase"), key=key,
                    on_select=lambda: _on_draw(key), selection_mode="points", theme=None,
                    config=figures.CONFIG)
    return np.asarray(ss.lab_canvas, dtype=float), None, "your drawing"


def _shift_tables(maps: dict[str, np.ndarray]) -> dict[str, alt_text.MapTable]:
    """Per net, its dy × dx map of the shift figures, rows and columns named by the shift."""
    shifts = range(-R, R + 1)
    return {
        a: alt_text.MapTable(m, rows=[f"dy {v}" for v in shifts], cols=[f"dx {v}" for v in shifts],
                             corner="dy / dx")
        for a, m in maps.items()
    }


def _curve_table(curves: dict, axis: str) -> alt_text.MapTable:
    """The curves figure's lines as one table: a row per net, a column per shift."""
    return alt_text.MapTable(
        np.array([np.asarray(v, dtype=float) for v in curves.values()]),
        rows=list(curves),
        cols=[f"{axis} {v}" for v in range(-R, R + 1)],
        corner=f"net / {axis}",
    )


def _params(arch: str, padding: str) -> dict[str, np.ndarray]:
    return ss.lab_retrained.get((arch, padding)) or _weights()[(arch, padding)]


def _live_view(image: np.ndarray, label: int | None, padding: str, mode: str) -> None:
    t0 = time.perf_counter()
    probs = {
        a: measures.shift_sweep(_params(a, padding), image[None], a, padding, mode)[0]
        for a in nets.ARCHS
    }
    ms = 1e3 * (time.perf_counter() - t0)
    st.subheader("Prediction of every net")
    cols = st.columns(len(nets.ARCHS))
    for col, a in zip(cols, nets.ARCHS, strict=True):
        p = probs[a][R, R]
        col.metric(a, f"{int(p.argmax())}", f"p = {p.max():.2f}", delta_color="off",
                   delta_arrow="off")
    votes = np.bincount([int(probs[a][R, R].argmax()) for a in nets.ARCHS], minlength=10)
    auto = label if label is not None else int(votes.argmax())
    # "auto" follows the digit (its label, or the nets' majority for a drawing), so a new
    # digit does not keep the class chosen for the previous one.
    # The labels stay fixed (the browser keeps a keyed widget's labels); the chosen class
    # is named in the caption and the chart titles.
    choice = st.selectbox("Class to follow", ["auto", *range(10)], key="lab_class",
                          format_func=lambda c: "auto: the label, or the nets' vote"
                          if c == "auto" else str(c))
    cls = auto if choice == "auto" else int(choice)
    dy = st.slider("Row shift dy for the curve", -R, R, 0, key="lab_curve_dy")
    st.markdown(f"Following class {cls}. 6 nets × 81 shifts computed in {ms:.0f} ms "
                f"(shift mode: {mode}).")
    curves = {a: probs[a][dy + R, :, cls] for a in nets.ARCHS}
    title = f"p(class {cls}) along dx, dy = {dy}"
    alt_text.chart_name(f"{title}, one line per net")
    st.plotly_chart(
        figures.curves_figure(range(-R, R + 1), curves, title, "dx (pixels right)"),
        key="lab_curves", theme=None, config=figures.CONFIG,
    )
    alt_text.values_tables(title, {title: _curve_table(curves, "dx")})
    maps = {a: probs[a][:, :, cls] for a in nets.ARCHS}
    title = f"p(class {cls}) over dx × dy"
    alt_text.chart_name(f"{title}, one map per net")
    st.plotly_chart(figures.shift_maps_figure(maps, R, title),
                    key="lab_maps", theme=None, config=figures.CONFIG)
    alt_text.values_tables(title, _shift_tables(maps))


def _feature_view(image: np.ndarray, padding: str, mode: str) -> None:
    st.subheader("Feature maps, original and shifted")
    c1, c2, c3, c4 = st.columns(4)
    arch = c1.selectbox("Net", nets.ARCHS, index=1, key="lab_fm_arch")
    dx = c2.slider("dx", -R, R, 1, key="lab_fm_dx")
    dy = c3.slider("dy", -R, R, 0, key="lab_fm_dy")
    pair = np.stack([image, shift_images(image[None], dy, dx, mode)[0]])
    layers = nets.feature_maps(_params(arch, padding), pair, arch, padding)
    names = [n for n, _ in layers]
    layer = c4.selectbox("Layer", names, key=f"lab_fm_layer_{arch}")  # names differ per net
    maps = dict(layers)[layer]
    channel = st.slider("Channel", 0, maps.shape[1] - 1, 0, key=f"lab_fm_ch_{maps.shape[1]}")
    title = f"{arch} · {layer} · channel {channel} · shift ({dy}, {dx})"
    alt_text.chart_name(f"feature map {title}: original and shifted")
    st.plotly_chart(
        figures.feature_pair_figure(maps[0, channel], maps[1, channel], title),
        key="lab_fm", theme=None, config=figures.CONFIG,
    )
    alt_text.values_tables(title, {"original": maps[0, channel], "shifted": maps[1, channel]})


def _table(results: dict[str, dict[str, dict[str, Any]]]) -> pd.DataFrame:
    rows = []
    for padding, by_arch in results.items():
        for arch, m in by_arch.items():
            rows.append({
                "net": arch, "padding": padding, "accuracy": m["accuracy"],
                "mean accuracy, 81 shifts": m["mean_shift_accuracy"],
                "consistency (zero-fill)": m["consistency_zero"],
                "consistency (circular)": m["consistency_circular"],
                "1-px change": m["one_pixel_change"], "params": m["params"],
                "MACs": m["macs"], "RF": m["receptive_field"],
                "µs / image": 1e6 * m["seconds_per_image"],
            })
    return pd.DataFrame(rows)


def _measures_view() -> None:
    st.subheader("Measures on the test set (shipped weights)")
    n = _n_test()
    results = {p: _measures(p, n) for p in nets.PADDINGS}
    count = next(iter(results["zero"].values()))["n_test"]
    st.markdown(
        f"{count} test digits; accuracy for every shift in [−4, 4]², consistency over 5 random "
        "pairs of shifts in [−3, 3]² per digit (seed 0), one-pixel change averaged over the 4 "
        "neighbours; MACs count convs, blur and fc. Computed here, on this machine."
    )
    st.dataframe(_table(results), key="lab_table", hide_index=True)
    for padding, by_arch in results.items():
        st.markdown(f"**Verdict, {padding} padding**")
        st.markdown("\n".join(f"- {s}" for s in measures.verdict(by_arch)))
        grids = {a: np.array(m["accuracy_grid"]) for a, m in by_arch.items()}
        title = f"test accuracy for every shift ({padding} padding)"
        alt_text.chart_name(f"{title}, one map per net")
        st.plotly_chart(
            figures.shift_maps_figure(grids, R, title),
            key=f"lab_accgrid_{padding}", theme=None, config=figures.CONFIG,
        )
        alt_text.values_tables(title, _shift_tables(grids))
        curves = {a: m["diagonal_correct_prob"] for a, m in by_arch.items()}
        title = f"p(correct class) along the diagonal shift ({padding} padding)"
        alt_text.chart_name(f"{title}, one line per net")
        st.plotly_chart(
            figures.curves_figure(range(-R, R + 1), curves, title,
                                  "diagonal shift d: (dy, dx) = (d, d)"),
            key=f"lab_diag_{padding}", theme=None, config=figures.CONFIG,
        )
        alt_text.values_tables(title, {title: _curve_table(curves, "d")})


def _start_job(config: TrainConfig) -> None:
    """Queue a retraining on the server's bounded executor (one job per session)."""
    ss.lab_job_config = config

    def work(stop, progress):
        history: list = []

        def record(h) -> None:
            history.append(h)
            progress(h.epoch / config.epochs, list(history))

        return train(config, progress=record, should_stop=stop, data=_digits())

    submit("retraining", work, "lab")


def _lab_job():
    return session_job("retraining")


def _job_status() -> None:
    status = _lab_job()
    if ss.get("messages", {}).get("lab"):
        st.error(ss.messages["lab"])
    if status is None:
        return
    cfg, hist = ss.lab_job_config, list(status.payload or [])
    if hist:
        st.markdown(f"epoch {hist[-1].epoch}/{cfg.epochs}: test accuracy {hist[-1].test_accuracy:.1%}")
        alt_text.chart_name("training loss and test accuracy per epoch")
        st.plotly_chart(figures.training_figure([h.epoch for h in hist], [h.loss for h in hist],
                                                [h.test_accuracy for h in hist]),
                        key="lab_train_fig", theme=None, config=figures.CONFIG)
    if job_panel(status, "retraining", "lab"):
        return
    if status.state in ("failed", "cpu-cap"):
        st.error(f"Retraining {status.describe().lower()}")
    elif status.result is not None:
        r = status.result
        st.success(f"{cfg.arch} ({cfg.padding}) {'stopped' if r.stopped else 'done'} after "
                   f"{len(r.history)} epochs.")
        if st.button("Use these weights in the live view", key="lab_use"):
            ss.lab_retrained[(cfg.arch, cfg.padding)] = r.params
            executor().forget(status.job_id)
            st.rerun()  # the live view is outside this fragment


def _train_view() -> None:
    with st.expander("Train again"):
        c1, c2, c3, c4, c5 = st.columns(5)
        arch = c1.selectbox("Net", nets.ARCHS, key="lab_tr_arch")
        padding = c2.selectbox("Padding", nets.PADDINGS, key="lab_tr_padding")
        epochs = c3.number_input("Epochs", 1, 200, 20, key="lab_tr_epochs")
        shift = c4.number_input("Random shifts ±", 0, 4, 0, key="lab_tr_shift",
                                help="augmentation: train on randomly shifted digits")
        seed = c5.number_input("Seed", 0, 10**6, 0, key="lab_tr_seed")
        status = _lab_job()
        running = status is not None and not status.finished
        if st.button("Train again", key="lab_train", disabled=running):
            _start_job(TrainConfig(arch=arch, padding=padding, epochs=int(epochs),
                                   max_shift=int(shift), seed=int(seed)))
            running = True
        st.fragment(run_every=1.0 if running else None)(_job_status)()
        if ss.lab_retrained:
            st.markdown("Live view uses retrained weights for: "
                       + ", ".join(f"{a} ({p})" for a, p in ss.lab_retrained))


def render(view=None) -> None:
    """Draw the tab. It has its own digits, nets and settings: the sidebar's pattern,
    filter and pooling do not apply here (the caption says so)."""
    _init_state()
    st.header("Digits lab: does pooling matter in a trained network?")
    st.markdown(
        "Six small CNNs (three 3×3 convs, 8/16/32 channels, global average pool, linear) "
        "differ only in the downsampling after conv1 and conv2: none, max-pool, average-pool, "
        "stride-2 convs, BlurPool (Zhang 2019) or APS (Chaman & Dokmanić 2021). Trained in "
        "numpy on 1,347 UCI handwritten digits; tested on 450 others."
    )
    st.markdown("This tab has its own digits, nets and shifts: the sidebar's settings do not "
                "apply.")
    left, right = st.columns([1, 2])
    with left:
        image, label, title = _pick_image()
        padding = st.radio("Conv padding (and its weights)", nets.PADDINGS, horizontal=True,
                           key="lab_padding")
        mode = st.radio("Shift", ["zero", "circular"], horizontal=True, key="lab_mode",
                        format_func={"zero": "zero fill", "circular": "wrap around"}.get)
    with right:
        _live_view(image, label, padding, mode)
    # Full width: 16 columns of values in the narrow left column would scroll sideways, a
    # region the keyboard cannot reach (axe-core: scrollable-region-focusable).
    alt_text.values_tables(title, {title: image})
    _feature_view(image, padding, mode)
    _measures_view()
    _train_view()
