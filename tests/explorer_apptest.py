"""The Explore component under AppTest: read what it was given, send what a browser sends.

AppTest does not run the component's JavaScript, so these helpers stand in for it, through
Streamlit's own wire format: the component's ``data`` (the payload the JS would draw) is
read from its element, and a shift or a paint batch goes back as the widget states the
browser sends (``json_value`` for state, ``json_trigger_value`` on the component's trigger
aggregator for triggers), so the page's callbacks and validation run as they do live.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from poolviz.render.explorer import decode_maps, shift_index

KEY = "explorer"
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app(params: dict[str, str] | None = None, opened: Iterable[str] = ()) -> AppTest:
    """The page after its first run on the link ``params``, with the lazy expanders whose
    keys are in ``opened`` open (ui/panels.lazy_expander: a browser opens one by a click,
    which sets its state and reruns)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key in opened:
        at.session_state[key] = True
    return at.run()


def qp(at: AppTest) -> dict[str, str]:
    """The page's address as a plain dict."""
    return {key: at.query_params[key] for key in at.query_params}


def _walk(node) -> Iterator[Any]:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def element(at: AppTest, key: str = KEY):
    """The component's proto, or ``AssertionError`` when the page did not draw it."""
    for node in _walk(at._tree):
        if getattr(node, "type", "") == "bidi_component" and node.proto.id.endswith("-" + key):
            return node.proto
    raise AssertionError(f"no component with key {key!r} on the page")


def data(at: AppTest, key: str = KEY) -> dict:
    """The component's ``data``, with ``payload`` parsed."""
    out = json.loads(element(at, key).json)
    out["payload"] = json.loads(out["payload"])
    return out


def center(payload: dict) -> tuple[int, int]:
    """The (dx, dy) a payload's shifts are centred on."""
    return payload["center"]["dx"], payload["center"]["dy"]


def shown(at: AppTest, key: str = KEY) -> dict[str, dict[str, list[np.ndarray]]]:
    """What the browser draws for the shift it was told: per pipeline name (and "input"),
    ``{"labels": [...], "original": [maps], "shifted": [maps]}``."""
    d = data(at, key)
    p, shift = d["payload"], d["shift"]
    k = shift_index(shift["dx"], shift["dy"], p["radius"], center(p))
    mode = shift["mode"]

    maps = decode_maps(p)

    def arr(index: int, shape: list[int]) -> np.ndarray:
        values = maps[index]
        return values.reshape(shape) if shape else values.reshape(())

    out = {}
    for entry in [{"name": "input", "stages": [p["input"]]}, *p["pipelines"]]:
        stages = entry["stages"]
        out[entry["name"]] = {
            "labels": [s["label"] for s in stages],
            "original": [arr(s["original"], s["shape"]) for s in stages],
            "shifted": [arr(s["shifted"][mode][k], s["shape"]) for s in stages],
        }
    return out


def sentences(at: AppTest, key: str = KEY) -> list[str]:
    """The sentences the browser shows for the shift it was told."""
    d = data(at, key)
    p, shift = d["payload"], d["shift"]
    k = shift_index(shift["dx"], shift["dy"], p["radius"], center(p))
    return [p["texts"][i] for i in p["sentences"][shift["mode"]][k]]


def send(
    at: AppTest,
    *,
    shift: Any = None,
    edits: Any = None,
    key: str = KEY,
    raw: bool = False,
    trigger: tuple[str, Any] | None = None,
) -> AppTest:
    """Rerun ``at`` as if the browser's component had set ``shift`` (state) and/or sent the
    ``edits`` batch (trigger), or any other ``trigger`` ``(event, value)``. ``raw``: send
    the values exactly as given (hostile tests)."""
    base = element(at, key).id
    extra = []
    if shift is not None:
        value = shift if raw else dict(shift)
        extra.append(WidgetState(id=base, json_value=json.dumps({"shift": value})))
    if edits is not None:
        trigger = ("edits", edits)
    if trigger is not None:
        payload = [{"event": trigger[0], "value": trigger[1]}]
        extra.append(
            WidgetState(id=_make_trigger_id(base, "events"), json_trigger_value=json.dumps(payload))
        )
    tree = at._tree
    original = tree.get_widget_states

    def with_component():
        states = original()
        kept = [w for w in states.widgets if w.id not in {e.id for e in extra}]
        del states.widgets[:]
        states.widgets.extend(kept + extra)
        return states

    tree.get_widget_states = with_component
    return at.run()


def first_payload(at: AppTest, key: str = KEY) -> bool:
    """Whether the component was given a paint's first payload: fewer shifts than its
    controls' range (ui.explorer.page_explorer)."""
    d = data(at, key)
    return d["reach"] > d["payload"]["radius"]


def paint(at: AppTest, cells: list[tuple[int, int, int]], seq: int, more: bool = True) -> AppTest:
    """One paint batch: ``(row, col, value)`` edits, the last numbered ``seq``; then, as the
    browser does once it has drawn a first payload, the ``more`` trigger (unless ``more``
    is False)."""
    edits = [{"row": r, "col": c, "value": v} for r, c, v in cells]
    send(at, edits={"seq": seq, "edits": edits})
    if more and not at.exception and first_payload(at, KEY):
        send(at, trigger=("more", True))
    return at


def move(at: AppTest, dx: int, dy: int = 0, mode: str = "zero") -> AppTest:
    """The shift a student releases on the component's controls."""
    return send(at, shift={"dx": dx, "dy": dy, "mode": mode})
