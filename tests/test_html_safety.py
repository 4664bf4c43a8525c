"""Every raw-HTML sink in the code base is reviewed, and user text reaching one is inert.

A *sink* is a call that hands the browser HTML or script that Streamlit does not escape:
``st.html``, ``st.iframe``, ``st.components.v1.*`` / ``components.html`` /
``components.declare_component``, and any ``unsafe_allow_html=`` that is not literally
False, plus importing ``streamlit.components``. The test scans the page and the packages
(``app.py``, ``app_pages/``, ``ui/``, ``poolviz/``) with :mod:`ast`, so comments and
strings do not count, and fails on any sink not in :data:`REVIEWED`. A sink is keyed by
its call and its argument's source, not by file or line, so moving reviewed code (app.py
is being split into app_pages/ and ui/) keeps passing, while a new sink or a reviewed one
fed something else fails until someone reviews it and adds it here with a reason.

The sinks today: the page's own CSS (``st.html``) and the Explore component, the
presentation keys and the share link (``st.components.v2.component``), whose html/css/js are the repository's files and whose
data is :func:`poolviz.render.explorer.payload_json`; the tests below check that user
text in that data stays inert JSON (``<`` escaped), also in the offline page, and that the
script inserts text only with ``textContent`` (or draws it on a canvas), never as HTML.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from poolviz.core.patterns import make_preset
from poolviz.lessons.comparison import standard_pipelines
from poolviz.render import explorer

REPO = Path(__file__).resolve().parents[1]
SCANNED = ("app.py", "app_pages", "ui", "poolviz")

# (call, first argument's source) -> why it is safe. Count = how many such calls exist.
REVIEWED: dict[tuple[str, str], str] = {}
REVIEWED[("st.html", "f'<style>{css}</style>'")] = (
    "the page's own CSS, read from ui/assets/page.css (and present.css in presentation "
    "mode); no user data reaches it"
)
REVIEWED[("st.components.v2.component", "COMPONENT_NAME")] = (
    "the Explore component, the presentation-key listener and the share link: their "
    "html/css/js are the repository's files; data goes in only through `data` as JSON, "
    "explorer.js writes text with textContent or on canvases, presenter.js writes none, "
    "share.js puts the URL in an input's value (test_browser_scripts_insert_text_only)"
)
REVIEWED_COUNT = {key: 1 for key in REVIEWED} | {("st.components.v2.component", "COMPONENT_NAME"): 3}

_SINK_ATTRS = {"html", "iframe", "declare_component"}
_JS_HTML_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    'setAttribute("on',
    "srcdoc",
)


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 — unparse of odd nodes: report them raw
        return type(node).__name__


def find_sinks(source: str, filename: str = "<string>") -> list[tuple[str, str, int]]:
    """``(call, first-arg source, line)`` of every raw-HTML sink in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("streamlit.components") or (
                node.module == "streamlit" and any(a.name == "components" for a in node.names)
            ):
                found.append((f"import {node.module}", "", node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("streamlit.components"):
                    found.append((f"import {alias.name}", "", node.lineno))
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            arg = _dotted(node.args[0]) if node.args else ""
            attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            base = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else ""
            if attr in _SINK_ATTRS and (base in ("st", "streamlit") or "components" in base):
                found.append((name, arg, node.lineno))
            elif "components" in name.split("."):
                found.append((name, arg, node.lineno))
            for kw in node.keywords:
                if kw.arg == "unsafe_allow_html" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.append((f"{name}(unsafe_allow_html=...)", arg, node.lineno))
    return found


def _scanned_files() -> list[Path]:
    files = []
    for entry in SCANNED:
        path = REPO / entry
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(path.rglob("*.py"))
    return files


# ---------------------------------------------------------------- the scan


def test_the_scanner_finds_every_kind_of_sink():
    source = """
import streamlit as st
import streamlit.components.v1 as components
from streamlit.components.v1 import html as raw
from streamlit import components as comps
st.html("<b>x</b>")
st.iframe(page, height=3)
st.markdown(text, unsafe_allow_html=True)
st.markdown(text, unsafe_allow_html=flag)
st.markdown(text, unsafe_allow_html=False)
st.write("<b>", unsafe_allow_html=True)
components.html(page)
st.components.v1.html(page)
components.declare_component("x", path=".")
st.markdown(text)
# st.html("in a comment") is not code
"""
    calls = [(c, a) for c, a, _ in find_sinks(source)]
    assert calls == [
        ("import streamlit.components.v1", ""),
        ("import streamlit.components.v1", ""),
        ("import streamlit", ""),
        ("st.html", "'<b>x</b>'"),
        ("st.iframe", "page"),
        ("st.markdown(unsafe_allow_html=...)", "text"),
        ("st.markdown(unsafe_allow_html=...)", "text"),
        ("st.write(unsafe_allow_html=...)", "'<b>'"),
        ("components.html", "page"),
        ("st.components.v1.html", "page"),
        ("components.declare_component", "'x'"),
    ]


def test_every_raw_html_sink_is_reviewed():
    files = _scanned_files()
    assert REPO / "app.py" in files and len(files) > 10
    seen: Counter = Counter()
    where: dict[tuple[str, str], list[str]] = {}
    for path in files:
        for call, arg, line in find_sinks(path.read_text(encoding="utf-8"), str(path)):
            seen[call, arg] += 1
            where.setdefault((call, arg), []).append(f"{path.relative_to(REPO)}:{line}")
    unreviewed = {k: where[k] for k in seen if k not in REVIEWED}
    assert not unreviewed, (
        f"new raw-HTML sink(s) {unreviewed}: pass only escaped or JSON data, insert it with "
        "textContent, then add the sink to REVIEWED with the reason it is safe"
    )
    for key, count in seen.items():
        assert count == REVIEWED_COUNT[key], f"{key} used {count} times at {where[key]}"


# ---------------------------------------------------------------- the component's data

HOSTILE = [
    "</script><script>alert(1)</script>",
    "<!--<script>",
    "<img src=x onerror=alert(1)>",
    "\u2028\u2029 line separators",
    "\"'`${alert(1)}`",
]


def _hostile_data() -> dict:
    data = explorer.explorer_data(make_preset("book"), standard_pipelines(((1.0,),)), "zero", 1)
    for i, entry in enumerate(data["pipelines"]):
        entry["name"] = HOSTILE[i % len(HOSTILE)]
        for j, stage in enumerate(entry["stages"]):
            stage["label"] = HOSTILE[(i + j) % len(HOSTILE)]
    data["pipelines"].append({"name": HOSTILE[2], "error": HOSTILE[0] + HOSTILE[3], "stages": []})
    data["texts"] = list(HOSTILE)
    return data


def test_component_data_is_json_only_and_inert():
    data = _hostile_data()
    text = explorer.payload_json(data)
    assert "<" not in text  # nothing in it can open a tag, even inside a script element
    assert json.loads(text) == data  # and it round-trips exactly


def test_the_offline_page_holds_only_its_own_scripts():
    data = _hostile_data()
    js = (ASSETS / "explorer.js").read_text(encoding="utf-8")
    css = (ASSETS / "explorer.css").read_text(encoding="utf-8")
    page = explorer.offline_html(data, js, css, title=HOSTILE[0])
    assert page.count("<script") == js.count("<script") + 2  # the JSON element and the module
    assert "<img" not in page and "<!--<script>" not in page
    found = re.findall(r"<script type='application/json' id='poolviz-explorer-data'>(.*?)</script>",
                       page, re.S)
    assert len(found) == 1 and "<" not in found[0]
    config = json.loads(found[0])
    assert json.loads(config["payload"]) == data


ASSETS = REPO / "poolviz" / "render" / "assets"


@pytest.mark.parametrize("name", ["explorer.js", "presenter.js", "share.js"])
def test_browser_scripts_insert_text_only(name):
    script = (ASSETS / name).read_text(encoding="utf-8")
    for sink in _JS_HTML_SINKS:
        assert sink not in script, sink
    # every DOM write of a string is a textContent assignment
    writes = re.findall(r"\.(\w+)\s*=\s*(?!=)", script)
    dom_text_props = {w for w in writes if w in ("textContent", "innerText", "innerHTML", "src")}
    assert dom_text_props <= {"textContent"}


