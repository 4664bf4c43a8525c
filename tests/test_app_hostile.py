"""Hostile links: the page, driven by AppTest, with adversarial query strings.

Every case starts from a *valid* random view (``encode(state)``) and corrupts one or
more parameters: bad values for every key the page reads (empty, huge, negative,
``nan``/``inf``/``1e309``, non-ASCII, control characters, HTML/script text, markdown,
10,000-character values, truncated or padded base64 in ``p``, a pattern whose data does
not match its declared size), repeated keys and unknown keys. For every case:

* the page raises nothing (``not at.exception``);
* a warning names each rejected parameter (the page escapes keys with backslashes, so
  names are compared after removing them); at most 5 unknown keys are named, then "…";
* every other parameter is kept: it is in the URL the page writes back, unchanged;
* the URL the page writes back is valid (``decode(written).rejections == ()``);
* no markdown-rendered element (markdown, warning, error, info, caption) carries raw
  user HTML or markdown: after dropping backslash-escaped characters there is no tag
  opener ``<x``, no link ``](`` and no payload such as ``**x**``.

Repeated keys: ``AppTest.query_params[key] = [a, b]`` is sent as ``key=a&key=b``
(``urlencode(doseq=True)``), the page reads ``st.query_params.get_all(key) == [a, b]``;
after a run a repeated key reads back as a ``list``. So repeats are tested here, at
page level, not only at ``decode`` level.

Streamlit itself drops the *whole* query string when it has more than 1,000 fields
(``CLIENT_STATE_QUERY_STRING_MAX_FIELDS``) or more than 512 Ki characters; the page then
never sees the parameters (see ``test_more_than_1000_fields_*``); the page then clears
the address so the link says what the page shows.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import time
from pathlib import Path

import explorer_apptest as explorer
import numpy as np
import pytest
import streamlit as st
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

import ui.explorer as explorer_ui
from poolviz.core.limits import PAGE_MAX_GRID, PAGE_MAX_KERNEL
from poolviz.view import state as view_state
from ui.cached import clear_shared_caches
from ui.explorer import clamp_shift, page_explorer

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
# Every key the page reads, from the state module's own table (new keys are covered too).
KEYS = tuple(param.key for param in view_state._PARAMS)
BRIEF_KEYS = (
    "tab", "p", "dx", "dy", "mode", "k", "cs", "cp", "relu", "pool", "ps", "pst", "ns", "np",
    "vals", "sweep", "seed", "th",
)  # fmt: skip
WARNING_PREFIX = "Some parameters in this link were invalid and fell back to their defaults: "
MAX_NAMED_UNKNOWN = view_state.MAX_UNKNOWN_REPORTED
MORE = "…"

# --------------------------------------------------------------------------- payloads

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MD_BOLD = "**x**"
MD_LINK = "[a](javascript:x)"
HTML_PAYLOADS = (SCRIPT, IMG, "<a href=javascript:alert(1)>x</a>", "</div><b>x</b>", "<!--x-->")
MD_PAYLOADS = (MD_BOLD, MD_LINK, "![i](http://127.0.0.1/x.png)", "`code`", "# head", "> q")
LONG = "9" * 10_000

# Values no key accepts (checked against decode below, so a mistake here shows up).
ALWAYS_BAD = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "0x3",
    "٣",
    " 7 ",
    "+1",
    "9" * 50,
    "-" + "9" * 50,
    "é日本🙂",
    "\u202e1",
    "\x00",
    "1\x00",
    "\x1b[31m1",
    "\n\n# h",
    "\t1",
    "1\r\n",
    LONG,
    "a" * 10_000,
    *HTML_PAYLOADS,
    *MD_PAYLOADS,
)
# Values bad for some keys and possibly fine for others (decode is the oracle for these).
MAYBE_BAD = (
    "1_0",  # a 2x1 kernel
    "0",
    "1",
    "-1",
    "-0",
    "1.5",
    "0.5",
    "1e3",
    "99",
    "-99",
    "2147483648",
    "-2147483649",
    "18446744073709551616",
    "0.001",
    "0.12345",
    "1,,2",
    "1,0,-1_1",
    "1001",
    "max",
    "MAX",
    "wrap",
    "grid",
    "book",
    "1,1,1,1,1,1",
    "1_1_1_1_1_1",
)
PATTERN_BAD = (
    "8x8.b.",
    "8x8.b.mZk",
    "8x8.x.AAAAAAAAAAA",
    "8x8.g.AAAA",
    "4x4.b.mZk=",
    "4x4.b.mZk==",
    "4x4.b.mZ",
    "4x4.b.mZkA",
    "4x4.b.mZl",  # non-zero padding bits
    "3x3.b.AAA",
    "33x33.b.AAA",
    "0x0.b.",
    "999x999.b.A",
    "8x8.b.!!!!!!!!!!!",
    "8x8.b.AAAAAAAAAAA.x",
    "8X8.b.AAAAAAAAAAA",
    "٨x٨.b.AAAAAAAAAAA",
    "8x8.g." + "_" * 43,  # gray level 15 > 10
    "32x32.b." + "A" * 11,  # declared 32x32, data for 8x8
    "8x8.b." + "A" * 10_000,
)
KERNEL_BAD = (
    "1,,2",
    ",",
    "_",
    "1_",
    "1,0,-1_1,0",
    "1001",
    "-1000.5",
    "0.00001",
    "1e3",
    "1,2,3,4,5,6",
    "1_2_3_4_5_6",
    "nan,1",
    "1," * 3000,
)
UNKNOWN_KEYS = (
    "zoom",
    "DX",
    "Dx",
    "dx ",
    " dx",
    "p[]",
    "k[0]",
    "utm_source",
    "",
    " ",
    "é",
    "日本",
    "🙂",
    "a\x00b",
    "\x1b[31m",
    SCRIPT,
    IMG,
    MD_BOLD,
    MD_LINK,
    "x" * 30,
)


def _corrupted_pattern(valid: str, data) -> str:
    """A valid ``p`` with its base64 truncated, padded, or with bytes changed."""
    how = data.draw(hs.sampled_from(["cut", "pad", "equals", "insert", "size"]), label="p how")
    size, kind, payload = valid.split(".")
    if how == "cut":
        n = data.draw(hs.integers(1, max(1, len(payload))), label="cut")
        return f"{size}.{kind}.{payload[:-n]}"
    if how == "pad":
        return f"{size}.{kind}.{payload}{data.draw(hs.sampled_from(['A', 'AA', 'AAAA']))}"
    if how == "equals":
        return f"{size}.{kind}.{payload}{'=' * data.draw(hs.integers(1, 3))}"
    if how == "insert":
        pos = data.draw(hs.integers(0, len(payload)))
        junk = data.draw(hs.sampled_from(["+", "/", "=", "!", " ", "%", "\x00", "é"]))
        return f"{size}.{kind}.{payload[:pos]}{junk}{payload[pos:]}"
    h, w = (int(n) for n in size.split("x"))
    new = data.draw(hs.sampled_from([f"{h + 1}x{w}", f"{h}x{w + 1}", "32x32", f"{w}x{h}x1"]))
    return f"{new}.{kind}.{payload}"


# --------------------------------------------------------------------------- strategies


def _choices() -> tuple[str, ...]:
    """Every choice word the state module offers (tabs, modes, pools, ...)."""
    out: list[str] = []
    for name in dir(view_state):
        value = getattr(view_state, name)
        if name.isupper() and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            out += value
    return tuple(out)


# Candidates for the plain parameters; a candidate is used only if decode accepts it.
CANDIDATES = (
    *_choices(),
    *(str(n) for n in range(-40, 41)),
    *("50", "100", "400", "1000", "4999", "5000", "2147483647", "123456"),
    *("0.5", "0.25", "0.05", "0.37", "0.001", "9.999", "10", "0.1", "1.25"),
)


@hs.composite
def valid_states(draw) -> view_state.ViewState:
    """A random valid view, built key by key (so new parameters are covered too)."""
    h = draw(hs.integers(4, PAGE_MAX_GRID))
    w = draw(hs.integers(4, PAGE_MAX_GRID))
    top = draw(hs.sampled_from([1, 10]))
    rng = np.random.default_rng(draw(hs.integers(0, 2**32 - 1)))
    kr = draw(hs.integers(1, PAGE_MAX_KERNEL))
    kc = draw(hs.integers(1, PAGE_MAX_KERNEL))
    base = view_state.DEFAULT.with_pattern(rng.integers(0, top + 1, (h, w)) / top)
    base = base.with_kernel(rng.integers(-20_000, 20_000, (kr, kc)) / 10_000)
    params = {k: v for k, v in view_state.encode(base).items() if k in ("p", "k")}
    for key in KEYS:
        if key in ("p", "k"):
            continue
        candidate = draw(hs.sampled_from(CANDIDATES), label=key)
        if not view_state.decode({**params, key: candidate}).rejections:
            params[key] = candidate
    decoded = view_state.decode(params)
    assert not decoded.rejections
    return decoded.state


printable_junk = hs.text(
    hs.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40
)  # any code point but surrogates (a URL cannot carry those)


def hostile_value(key: str, valid: str | None, data) -> tuple[str | list[str], bool]:
    """A hostile value for ``key`` and whether it must be rejected whatever the key."""
    kinds = ["always", "maybe", "random", "repeat"]
    if key == "p":
        kinds += ["pattern", "pattern", "pattern_valid"] if valid else ["pattern", "pattern"]
    if key == "k":
        kinds += ["kernel", "kernel"]
    kind = data.draw(hs.sampled_from(kinds), label=f"{key} kind")
    if kind == "always":
        return data.draw(hs.sampled_from(ALWAYS_BAD), label=key), True
    if kind == "maybe":
        return data.draw(hs.sampled_from(MAYBE_BAD), label=key), False
    if kind == "random":
        return data.draw(printable_junk, label=key), False
    if kind == "pattern":
        return data.draw(hs.sampled_from(PATTERN_BAD), label=key), True
    if kind == "pattern_valid":
        return _corrupted_pattern(valid, data), False
    if kind == "kernel":
        return data.draw(hs.sampled_from(KERNEL_BAD), label=key), True
    # the same key twice or three times: always refused, even if both copies are valid
    first = valid if valid is not None else data.draw(hs.sampled_from(MAYBE_BAD))
    others = data.draw(
        hs.lists(hs.sampled_from((first, *MAYBE_BAD[:6], *ALWAYS_BAD[:4])), min_size=1, max_size=2),
        label=f"{key} repeats",
    )
    return [first, *others], True


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    clear_shared_caches()
    yield
    st.cache_data.clear()
    clear_shared_caches()


def run_app(params) -> AppTest:
    st.cache_data.clear()
    clear_shared_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def written(at: AppTest) -> dict[str, list[str]]:
    """The query string the page wrote back, ``get_all`` style (a repeat stays a list)."""
    out = {}
    for key in at.query_params:
        value = at.query_params[key]
        out[key] = list(value) if isinstance(value, list) else [value]
    return out


def unescape(text: str) -> str:
    """Undo the page's markdown escapes (a backslash before each special character)."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


def drop_escaped(text: str) -> str:
    r"""What markdown would still act on: remove every backslash-escaped character."""
    return re.sub(r"\\.", "", text, flags=re.S)


RAW_MARKUP = re.compile(r"<[A-Za-z!/?]|\]\(|\*\*x\*\*|javascript:")


def rendered_texts(at: AppTest) -> list[str]:
    """Every value that Streamlit renders as markdown."""
    texts = []
    for kind in ("markdown", "warning", "error", "info", "success", "caption", "title"):
        texts += [str(element.value) for element in getattr(at, kind)]
    texts += [str(e.label) for e in at.expander]
    return texts


def assert_no_raw_markup(at: AppTest) -> None:
    # The Explore component's html/css/js are the repository's files; what varies is its
    # data, JSON whose strings carry no raw "<" (payload_json escapes it), so no user text
    # can become markup there, and the JS inserts text with textContent only.
    try:
        component = explorer.element(at)
    except AssertionError:
        component = None
    if component is not None:
        assert "<" not in component.json, "raw '<' in the component's data"
        assert component.html_content == explorer_ui._HTML
    for text in rendered_texts(at):
        found = RAW_MARKUP.search(drop_escaped(text))
        assert found is None, f"raw markup {found.group()!r} in a rendered element: {text[:300]!r}"


def warning_tail(at: AppTest) -> str:
    texts = [w.value for w in at.warning if w.value.startswith(WARNING_PREFIX)]
    assert len(texts) == 1, (
        f"expected one invalid-link warning, got {[w.value for w in at.warning]}"
    )
    return unescape(texts[0][len(WARNING_PREFIX) :])


def check_page(params: dict, *, must_reject: set[str] = frozenset()) -> AppTest:
    """Run the page on ``params`` and check every invariant in the module docstring."""
    as_lists = {k: (v if isinstance(v, list) else [v]) for k, v in params.items()}
    expected = view_state.decode(as_lists)
    rejected = [r.key for r in expected.rejections]
    known_rejected = [k for k in rejected if k in KEYS]
    unknown = [k for k in params if k not in KEYS]
    assert must_reject <= set(rejected), "the test's own oracle disagrees with decode"
    assert not set(unknown) & set(KEYS)

    started = time.monotonic()
    at = run_app(params)
    elapsed = time.monotonic() - started
    assert not at.exception, [e.value for e in at.exception]
    assert elapsed < 30, f"the page took {elapsed:.1f} s"

    if expected.rejections:
        tail = warning_tail(at)
        items = [item.strip() for item in tail.split(",")]
        for key in known_rejected:
            assert key in items, f"warning does not name {key!r}: {tail!r}"
        for key in unknown[:MAX_NAMED_UNKNOWN]:
            # unknown keys are quoted, so blank, padded and multi-line keys stay visible
            shown = view_state.Rejection(key, "", "unknown parameter").shown_key
            assert shown in tail, f"warning misses unknown key {key!r} ({shown}): {tail!r}"
        if len(unknown) > MAX_NAMED_UNKNOWN:
            assert tail.endswith(MORE), tail
        # the details list one message per rejection, each cut to a bounded length
        details = [t.value for t in at.text]
        assert any(len(d.splitlines()) == len(rejected) for d in details), details
    else:
        assert not [w.value for w in at.warning if w.value.startswith(WARNING_PREFIX)]

    back = written(at)
    assert view_state.decode(back).rejections == (), f"the page wrote an invalid URL: {back}"
    assert all(len(v) == 1 for v in back.values()), f"a repeat survived: {back}"
    # A shift beyond what the component precomputes is clamped to its radius (with a note).
    radius = page_explorer(expected.state).radius
    dx, dy = clamp_shift(expected.state.dx, expected.state.dy, radius)
    want = view_state.encode(dataclasses.replace(expected.state, dx=dx, dy=dy))
    if (dx, dy) != (expected.state.dx, expected.state.dy):
        assert any(f"±{radius} pixels" in i.value for i in at.info)
    for key in KEYS:
        if key in params and key not in rejected:
            assert back.get(key) == ([want[key]] if key in want else None), (
                f"{key} was not kept: sent {params[key]!r}, wrote {back.get(key)!r}"
            )
    assert {k: v[0] for k, v in back.items()} == want
    assert_no_raw_markup(at)
    return at


# --------------------------------------------------------------------------- property


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a page run takes minutes
)
@given(valid_states(), hs.data())
def test_hostile_links_warn_keep_the_rest_and_write_a_valid_url(state, data):
    params: dict[str, str | list[str]] = dict(view_state.encode(state))
    valid = dict(params)
    must_reject: set[str] = set()
    n_bad = data.draw(hs.integers(1, 4), label="n corrupted")
    for key in data.draw(
        hs.lists(hs.sampled_from(KEYS), min_size=n_bad, max_size=n_bad, unique=True),
        label="corrupted keys",
    ):
        value, always = hostile_value(key, valid.get(key), data)
        params[key] = value
        if always:
            must_reject.add(key)
    for key in data.draw(
        hs.lists(hs.sampled_from(UNKNOWN_KEYS), max_size=8, unique=True), label="unknown"
    ):
        params[key] = data.draw(hs.sampled_from((*ALWAYS_BAD[:12], *HTML_PAYLOADS, "1")))
    check_page(params, must_reject=must_reject)


# --------------------------------------------------------------------------- focused


GOOD = {"dx": "-2", "pool": "avg", "mode": "wrap", "relu": "1", "k": "1,0,-1"}


def test_every_key_of_the_brief_is_read_by_the_page():
    assert set(BRIEF_KEYS) <= set(KEYS)


def test_always_bad_values_really_are_bad_for_every_key():
    """Guard for the property test's oracle: ALWAYS_BAD values are refused by every key."""
    for key in KEYS:
        for value in ALWAYS_BAD + PATTERN_BAD * (key == "p") + KERNEL_BAD * (key == "k"):
            assert [r.key for r in view_state.decode({key: [value]}).rejections] == [key], (
                key,
                value,
            )


@pytest.mark.parametrize("key", KEYS)
def test_a_10000_character_value_is_refused_with_a_short_warning(key):
    params = {**{k: v for k, v in GOOD.items() if k != key}, key: "1" * 10_000}
    at = check_page(params, must_reject={key})
    total = sum(len(t) for t in rendered_texts(at)) + sum(len(t.value) for t in at.text)
    assert total < 10_000, "a 10,000-character value must not be echoed in full"


def test_10000_character_values_in_every_key_at_once():
    # percent-encoded this stays below Streamlit's 512 Ki-character limit on the query string
    value = "<" * 3_000 + "9" * 7_000
    at = check_page({key: value for key in KEYS}, must_reject=set(KEYS))
    assert len(at.warning[0].value) < 500
    lines = [line for t in at.text for line in t.value.splitlines()]
    assert len(lines) == len(KEYS) and max(map(len, lines)) < 400


def test_1000_field_query_string_stays_fast_and_bounded():
    """1,000 fields is Streamlit's limit; 999 unknown keys plus a valid dx."""
    params = {f"junk{i}": "<b>x</b>" for i in range(999)}
    params["dx"] = "3"
    started = time.monotonic()
    at = run_app(params)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"the page took {elapsed:.1f} s"
    assert not at.exception
    assert len(at.warning) == 1 and len(at.warning[0].value) < 300, at.warning[0].value
    tail = warning_tail(at)
    assert tail.startswith("'junk0', 'junk1', 'junk2', 'junk3', 'junk4'") and tail.endswith(MORE)
    assert any("994 more unknown parameters" in t.value for t in at.text)
    assert written(at) == {"dx": ["3"]}
    assert explorer.data(at)["shift"]["dx"] == 3
    assert_no_raw_markup(at)


def test_more_than_1000_fields_are_ignored_by_streamlit_not_by_the_page():
    """Streamlit empties a query string with more than 1,000 fields before the page runs.

    The page then shows the default view with no warning. Documents the limit; see
    ``test_more_than_1000_fields_leave_a_url_that_disagrees_with_the_view`` for the bug.
    """
    params = {f"junk{i}": "1" for i in range(1000)}
    params["dx"] = "3"
    at = run_app(params)
    assert not at.exception
    assert explorer.data(at)["shift"]["dx"] == view_state.DEFAULT.dx  # dx=3 never reached it


def test_more_than_1000_fields_leave_a_url_that_disagrees_with_the_view():
    params = {f"junk{i}": "1" for i in range(1000)}
    params["dx"] = "3"
    at = run_app(params)
    assert view_state.decode(written(at)).rejections == ()


def test_pattern_declared_32x32_with_data_for_8x8():
    data = view_state.encode(view_state.DEFAULT.with_pattern(np.eye(8)))["p"].split(".")[2]
    params = {**GOOD, "p": f"32x32.b.{data}"}
    at = check_page(params, must_reject={"p"})
    assert "p" in warning_tail(at).split(", ")
    details = "\n".join(t.value for t in at.text)
    assert "data has 11 characters" in details and "32x32" in details
    assert at.session_state.pattern == view_state.DEFAULT.pattern
    assert "p" not in written(at)


def test_dx_beyond_the_default_width_falls_back_when_the_pattern_is_refused():
    """dx=12 is valid for a 16-wide pattern, not for the 8x8 default the page falls back to."""
    wide = view_state.encode(view_state.DEFAULT.with_pattern(np.zeros((8, 16))))["p"]
    params = {"p": wide[:-1], "dx": "12", "pool": "avg"}
    at = check_page(params, must_reject={"p", "dx"})
    assert explorer.data(at)["shift"]["dx"] == view_state.DEFAULT.dx


def test_repeated_keys_reach_the_page_and_are_refused():
    """AppTest sends a list as repeated keys; the page refuses each repeat, keeps the rest."""
    params = {"dx": ["2", "3"], "pool": ["avg", "avg"], "mode": "wrap", "k": ["1", SCRIPT]}
    at = check_page(params, must_reject={"dx", "pool", "k"})
    details = "\n".join(t.value for t in at.text)
    assert "given 2 times" in details
    assert written(at) == {"mode": ["wrap"]}


def test_html_and_markdown_payloads_everywhere_are_inert():
    params = {key: SCRIPT for key in KEYS}
    for i, payload in enumerate(HTML_PAYLOADS + MD_PAYLOADS):
        params[payload] = payload
        params[f"x{i}"] = payload
    at = check_page(params, must_reject=set(KEYS))
    assert_no_raw_markup(at)


def test_an_unknown_key_cannot_restructure_the_warning():
    at = run_app({"x\n===": "1"})
    assert not at.exception
    value = at.warning[0].value
    assert "\n" not in value and "\r" not in value, repr(value)


def test_a_10000_character_unknown_key_gives_a_bounded_warning():
    at = run_app({"x" * 10_000: "1", "dx": "2"})
    assert not at.exception
    assert len(at.warning[0].value) < 1_000, len(at.warning[0].value)


def test_no_unsafe_html_in_the_page_or_the_core():
    sources = [ROOT / "app.py", *sorted((ROOT / "poolviz").glob("*.py"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in text, path
        assert "st.html(" not in text and "components.html" not in text, path
    grep = subprocess.run(
        ["grep", "-rn", "--include=*.py", "unsafe_allow_html", "app.py", "poolviz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert grep.returncode == 1, grep.stdout  # 1: no match


def test_blank_or_padded_unknown_keys_are_visible_in_the_warning():
    padded = warning_tail(run_app({"dx ": "2"}))
    blank = warning_tail(run_app({"": "1"}))
    assert padded.strip() != "dx", padded
    assert blank.strip() != "", blank


def test_a_failing_callback_is_one_line_on_the_page_and_the_page_keeps_working(monkeypatch):
    import poolviz.core.patterns as patterns_module

    def broken(*args, **kwargs):
        raise RuntimeError("secret /etc/passwd detail")

    monkeypatch.setattr(patterns_module, "invert", broken)
    at = AppTest.from_file(APP, default_timeout=60).run()
    next(b for b in at.button if b.label == "Invert").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "That change could not be applied" in errors[0]
    assert "secret" not in errors[0] and "passwd" not in errors[0]
    explorer.move(at, 2)
    assert not at.exception and not at.error  # shown once; the page works on
    assert written(at)["dx"] == ["2"]


def test_a_failing_session_start_falls_back_to_the_default_view(monkeypatch):
    import poolviz.view.state as state_module

    def broken(params):
        raise RuntimeError("boom")

    monkeypatch.setattr(state_module, "decode", broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dx"] = "3"
    at.run()
    assert not at.exception
    assert any("Reading the link could not be drawn" in e.value for e in at.error)
    assert explorer.data(at)["shift"]["dx"] == 1  # the default view
