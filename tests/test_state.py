"""Example-based tests of poolviz.view.state: defaults, round trips, encodings, rejections."""

from __future__ import annotations

import base64
import re
from dataclasses import fields, replace
from urllib.parse import parse_qs

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.limits import MAX_ABS_WEIGHT, PAGE_MAX_GRID
from poolviz.view.state import (
    BOOK_PATTERN,
    DEFAULT,
    MAX_QUERY_CHARS,
    MAX_SEED,
    MAX_UNKNOWN_REPORTED,
    MAX_VALUE_CHARS,
    TABS,
    Decoded,
    Rejection,
    ViewState,
    decode,
    encode,
    query_string,
    validate,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def only_rejection(params: dict) -> Rejection:
    """Decode ``params``, assert exactly one rejection and a default state; return it."""
    decoded = decode(params)
    assert decoded.state == DEFAULT
    assert len(decoded.rejections) == 1, decoded.rejections
    return decoded.rejections[0]


def rejected(params: dict, key: str, match: str) -> str:
    """Assert ``params`` are refused for ``key`` with a message matching ``match``."""
    rejection = only_rejection(params)
    assert rejection.key == key
    message = rejection.message()
    assert message.startswith(f"`{key}`: "), message
    assert re.search(match, message), message
    assert "using the default" in message
    return message


# --------------------------------------------------------------------------- defaults


def test_default_encodes_to_empty():
    assert encode(DEFAULT) == {}
    assert query_string(DEFAULT) == ""
    assert decode({}) == Decoded(DEFAULT, ())


def test_default_is_the_book_pattern_first_paint():
    assert DEFAULT == ViewState()
    assert DEFAULT.tab == TABS[0] == "explore"
    expected = np.zeros((8, 8))
    expected[:, [2, 4]] = 1.0
    np.testing.assert_array_equal(DEFAULT.pattern_array(), expected)
    assert DEFAULT.pattern == BOOK_PATTERN
    assert DEFAULT.pattern_array().dtype == np.float64
    assert (DEFAULT.height, DEFAULT.width) == (8, 8)
    np.testing.assert_array_equal(DEFAULT.kernel_array(), [[1.0]])
    assert (DEFAULT.dx, DEFAULT.dy, DEFAULT.mode, DEFAULT.pool) == (1, 0, "zero", "max")
    assert validate(DEFAULT) == []


def test_state_is_hashable_and_frozen():
    cache = {DEFAULT: 1, replace(DEFAULT, dx=2): 2}
    assert cache[ViewState()] == 1
    with pytest.raises(AttributeError):
        DEFAULT.dx = 3  # type: ignore[misc]


def test_every_field_has_a_default():
    for f in fields(ViewState):
        assert getattr(ViewState(), f.name) == f.default


# --------------------------------------------------------------------------- round trips

CHANGES = [
    ("tab", "invariance", "tab", "invariance"),
    ("tab", "book", "tab", "book"),
    ("dx", -8, "dx", "-8"),
    ("dx", 0, "dx", "0"),
    ("dy", 8, "dy", "8"),
    ("mode", "wrap", "mode", "wrap"),
    ("kernel", ((1.0, 0.0, -1.0), (2.0, 0.0, -2.0), (1.0, 0.0, -1.0)), "k", "1,0,-1_2,0,-2_1,0,-1"),
    ("kernel", ((0.25, -0.5), (1000.0, -0.0001)), "k", "0.25,-0.5_1000,-0.0001"),
    ("conv_stride", 4, "cs", "4"),
    ("conv_padding", 3, "cp", "3"),
    ("relu", True, "relu", "1"),
    ("pool", "aps", "pool", "aps"),
    ("pool", "blur", "pool", "blur"),
    ("pool_size", 3, "ps", "3"),
    ("pool_stride", 1, "pst", "1"),
    ("next_stride", 1, "ns", "1"),
    ("next_padding", 2, "np", "2"),
    ("show_values", False, "vals", "0"),
    ("sweep", "grid", "sweep", "grid"),
    ("seed", MAX_SEED, "seed", str(MAX_SEED)),
    ("threshold", 0.35, "th", "0.35"),
    ("threshold", 1.0, "th", "1"),
    ("threshold", 0.0, "th", "0"),
]


@pytest.mark.parametrize(("name", "value", "key", "text"), CHANGES)
def test_each_field_round_trips(name, value, key, text):
    state = replace(DEFAULT, **{name: value})
    assert validate(state) == []
    assert encode(state) == {key: text}
    decoded = decode({key: text})
    assert decoded.rejections == ()
    assert decoded.state == state
    # lists of one string (st.query_params.get_all) work the same
    assert decode({key: [text]}).state == state


def test_all_fields_at_once_round_trip_through_the_query_string():
    state = DEFAULT.with_pattern(np.eye(6)).with_kernel([[0.5, -2], [3, 0]])
    state = replace(state, tab="book", dx=-6, dy=6, relu=True, seed=7, threshold=0.01)
    qs = query_string(state)
    assert qs == "&".join(sorted(qs.split("&")))  # keys sorted
    params = parse_qs(qs, keep_blank_values=True)
    assert decode(params) == Decoded(state, ())


def test_numbers_are_printed_compactly():
    state = DEFAULT.with_kernel([[1.0, -0.5, 0.25, 10.0, -0.0]])
    assert encode(state)["k"] == "1,-0.5,0.25,10,0"
    assert "1.0" not in query_string(replace(state, threshold=1.0))


def test_encode_is_canonical():
    # non-canonical but valid spellings decode, then re-encode canonically
    params = {
        "dx": "-0",
        "th": "0.50",
        "k": "1.000,-0",
        "seed": "007",
        "p": "4x4.g." + b64(bytes(8)),
    }
    decoded = decode(params)
    assert decoded.rejections == ()
    assert encode(decoded.state) == {"seed": "7", "k": "1,0", "dx": "0", "p": "4x4.b.AAA"}
    again = encode(decoded.state)
    assert encode(decode(again).state) == again


def test_encode_refuses_an_invalid_state():
    with pytest.raises(PoolvizError, match=r"dx must be an integer from -8 to 8"):
        encode(replace(DEFAULT, dx=9))


# --------------------------------------------------------------------------- pattern encodings


def test_binary_pattern_encoding():
    assert encode(DEFAULT.with_pattern(np.ones((4, 4))))["p"] == "4x4.b.__8"
    state = DEFAULT.with_pattern([[1, 0, 0, 1]] * 4)
    assert encode(state)["p"] == "4x4.b." + b64(bytes([0b10011001, 0b10011001]))


def test_gray_pattern_encoding_packs_two_levels_per_byte():
    grid = np.zeros((5, 5))
    grid[0, 0], grid[0, 1], grid[4, 4] = 0.5, 1.0, 0.3
    text = encode(DEFAULT.with_pattern(grid))["p"]
    # 25 cells -> 13 bytes; first byte holds levels 5 and 10, last byte level 3 and a zero pad
    assert text == "5x5.g." + b64(bytes([0x5A] + [0] * 11 + [0x30]))
    assert decode({"p": text}).state.pattern_array().tolist() == grid.tolist()


def test_all_binary_values_choose_binary_kind():
    assert ".b." in encode(DEFAULT.with_pattern(np.eye(5)))["p"]
    assert ".g." in encode(DEFAULT.with_pattern(np.eye(5) * 0.9))["p"]


@pytest.mark.parametrize(("h", "w"), [(4, 4), (4, 32), (32, 4), (7, 9), (32, 32), (13, 5)])
@pytest.mark.parametrize("gray", [False, True])
def test_pattern_sizes_round_trip(h, w, gray):
    rng = np.random.default_rng(h * 100 + w)
    grid = rng.integers(0, 11, (h, w)) / 10 if gray else rng.integers(0, 2, (h, w)).astype(float)
    state = replace(DEFAULT.with_pattern(grid), dx=-w, dy=h)
    decoded = decode(encode(state))
    assert decoded.rejections == ()
    assert decoded.state == state
    np.testing.assert_array_equal(decoded.state.pattern_array(), grid)


def test_32x32_binary_pattern_is_about_175_chars():
    grid = np.random.default_rng(1).integers(0, 2, (32, 32))
    text = encode(DEFAULT.with_pattern(grid))["p"]
    assert text.startswith("32x32.b.")
    assert len(text) == 8 + 171  # 128 bytes -> 171 base64url chars
    assert "=" not in text


def test_worst_case_query_string_is_short():
    gray = (np.arange(32 * 32).reshape(32, 32) % 10 + 1) / 10  # never all-binary
    state = DEFAULT.with_pattern(gray).with_kernel(np.full((5, 5), -999.9999))
    state = replace(
        state,
        tab=max(TABS, key=len),
        step=0,
        present=True,
        pipelines=("strided", "nopool"),
        dx=-32,
        dy=-32,
        mode="wrap",
        conv_stride=4,
        conv_padding=3,
        relu=True,
        pool="blur",
        pool_size=4,
        pool_stride=4,
        blur_taps=4,
        next_stride=4,
        next_padding=3,
        show_values=False,
        sweep="grid",
        seed=MAX_SEED,
        threshold=0.99,
        ex_samples=4999,
        ex_motif="pattern",
        ex_distractors=19,
        ex_grid=31,
        ex_steps=4999,
        ex_rate=9.999,
        ex_seed=MAX_SEED,
    )
    qs = query_string(state)
    assert len(encode(state)) == len(fields(ViewState))  # every parameter written
    assert len(qs) < MAX_QUERY_CHARS
    assert decode(parse_qs(qs)) == Decoded(state, ())


# ----------------------------------------------------------------- with_pattern / with_kernel


def test_with_pattern_snaps_float_noise_and_clamps_shifts():
    state = replace(DEFAULT, dx=-8, dy=8).with_pattern(np.full((4, 6), 0.1 + 0.2))
    assert state.pattern[0][0] == 0.3
    assert (state.dx, state.dy) == (-6, 4)
    assert validate(state) == []


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (
            np.zeros((3, 8)),
            r"`array` must be 2-D with height and width from 4 to 32; got shape \(3, 8\)",
        ),
        (np.zeros((8, 33)), r"from 4 to 32; got shape \(8, 33\)"),
        (np.zeros((4, 4, 4)), r"`array` must be 2-D; got 3-D"),
        (
            np.full((4, 4), 0.55),
            r"`array` values must be 0 and 1 .* or tenths .*; got 0\.55 at row 0",
        ),
        (np.full((4, 4), 1.1), r"got 1\.1 at row 0, column 0"),
        (np.full((4, 4), -0.1), r"got -0\.1"),
        (np.full((4, 4), np.nan), r"`array` must be finite; got nan"),
        ([["a"] * 4] * 4, r"`array` must be a 2-D array of numbers"),
    ],
)
def test_with_pattern_rejects(array, match):
    with pytest.raises(PoolvizError, match=match):
        DEFAULT.with_pattern(array)


@pytest.mark.parametrize(
    ("array", "match"),
    [
        (np.zeros((6, 1)), r"`array` must be 2-D with 1 to 5 rows and columns; got shape \(6, 1\)"),
        (np.zeros((0, 3)), r"got shape \(0, 3\)"),
        ([1, 2], r"`array` must be 2-D; got 1-D"),
        ([[1001.0]], r"`array` weights must be within ±1000; got 1001\.0 at row 0, column 0"),
        ([[0, np.inf]], r"`array` must be finite; got inf at row 0, column 1"),
        ([[0.12345]], r"`array` weights must have at most 4 decimals; got 0\.12345"),
    ],
)
def test_with_kernel_rejects(array, match):
    with pytest.raises(PoolvizError, match=match):
        DEFAULT.with_kernel(array)


def test_with_kernel_accepts_rectangular_and_limits():
    state = DEFAULT.with_kernel(np.full((1, 5), MAX_ABS_WEIGHT))
    assert state.kernel == ((1000.0,) * 5,)
    assert DEFAULT.with_kernel([[0.1 + 0.2]]).kernel == ((0.3,),)


def test_validate_reports_bad_fields():
    bad = replace(DEFAULT, tab="nope", pattern=((0.5,) * 3,) * 4, seed=-1, threshold=0.333, relu=1)
    assert [r.key for r in validate(bad)] == ["p", "tab", "relu", "seed", "th"]
    assert [r.key for r in validate(replace(DEFAULT, kernel=((float("nan"),),)))] == ["k"]
    assert [r.key for r in validate(replace(DEFAULT, kernel=((1.0, 2.0), (3.0,))))] == ["k"]
    assert [r.key for r in validate(replace(DEFAULT, dx=True))] == ["dx"]


# --------------------------------------------------------------------------- rejections


def test_empty_value():
    rejected({"cs": ""}, "cs", r"is empty; got ''")
    rejected({"cs": []}, "cs", r"is empty")


def test_repeated_key():
    rejected({"dx": ["2", "3"]}, "dx", r"given 2 times")


def test_unknown_key_is_reported_and_value_dropped():
    decoded = decode({"zoom": "secret-value", "dx": "2"})
    assert decoded.state == replace(DEFAULT, dx=2)
    (rejection,) = decoded.rejections
    assert rejection == Rejection("zoom", "", "unknown parameter")
    assert rejection.message() == "'zoom': unknown parameter — ignored"
    assert "secret" not in rejection.message()


def test_many_unknown_keys_are_summed_up():
    decoded = decode({f"x{i}": "1" for i in range(1000)})
    assert decoded.state == DEFAULT
    assert len(decoded.rejections) == MAX_UNKNOWN_REPORTED + 1
    assert decoded.rejections[-1].message() == "995 more unknown parameters — ignored"


def test_too_long_value_is_refused_before_parsing():
    message = rejected({"p": "8x8.b." + "A" * MAX_VALUE_CHARS}, "p", r"is 3,006 characters long")
    assert len(message) < 250
    rejected({"seed": "1" * (MAX_VALUE_CHARS + 1)}, "seed", r"at most 3,000 are allowed")


@pytest.mark.parametrize(
    "text", ["1.5", "0x3", "1e3", "+1", " 1", "1 ", "1_0", "٣", "１", "--1", "-", "99"]
)
def test_bad_integers(text):
    rejected({"dx": text}, "dx", r"^`dx`: must be an integer from -8 to 8; got ")


def test_integer_message_format():
    message = rejected({"dx": "99"}, "dx", "")
    assert message == "`dx`: must be an integer from -8 to 8; got '99' — using the default 1"


def test_integer_with_more_than_ten_digits():
    rejected({"seed": "00000000001"}, "seed", r"integer from 0 to 2147483647")
    rejected({"seed": "2147483648"}, "seed", r"integer from 0 to 2147483647")


def test_dx_dy_are_judged_against_the_decoded_pattern():
    small = encode(DEFAULT.with_pattern(np.eye(4)))["p"]
    decoded = decode({"p": small, "dx": "5", "dy": "-4"})
    assert decoded.state.dy == -4
    assert decoded.state.dx == DEFAULT.dx
    assert [r.message() for r in decoded.rejections] == [
        "`dx`: must be an integer from -4 to 4; got '5' — using the default 1"
    ]
    # a rejected pattern leaves the default 8x8 to judge against
    decoded = decode({"p": "64x64.b.A", "dx": "8"})
    assert decoded.state.dx == 8
    assert [r.key for r in decoded.rejections] == ["p"]


@pytest.mark.parametrize(
    "text",
    ["nan", "inf", "-inf", "1e309", "1e-2", "0x1p-1", ".5", "5.", "0.5 ", "½", "0,5", "+0.5"],
)
def test_bad_floats(text):
    rejected({"th": text}, "th", r"must be a decimal from 0 to 1 with at most 2 decimals")


@pytest.mark.parametrize("text", ["1.01", "-0.01", "0.555", "2"])
def test_threshold_range_and_decimals(text):
    rejected({"th": text}, "th", r"from 0 to 1 with at most 2 decimals")


@pytest.mark.parametrize("text", ["true", "yes", "2", "01", "on", "True"])
def test_bad_bools(text):
    rejected({"relu": text}, "relu", r"must be 1 \(on\) or 0 \(off\)")


@pytest.mark.parametrize(
    ("key", "text"),
    [("tab", "Explore"), ("tab", "EXPLORE"), ("mode", "reflect"), ("pool", "MAX"), ("sweep", "x")],
)
def test_bad_choices(key, text):
    rejected({key: text}, key, r"must be one of '")


def test_choice_message_lists_all_tabs():
    rejected({"tab": "zzz"}, "tab", "must be one of " + ", ".join(repr(t) for t in TABS))


@pytest.mark.parametrize(
    ("key", "text"),
    [("cs", "0"), ("cs", "5"), ("cp", "-1"), ("cp", "4"), ("ps", "5"), ("pst", "0"),
     ("ns", "5"), ("np", "4"), ("seed", "-1")],
)  # fmt: skip
def test_int_ranges(key, text):
    rejected({key: text}, key, r"must be an integer from")


# --------------------------------------------------------------------------- pattern rejections


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "3x8.b." + b64(bytes(3)),
            r"size 3x8 is out of range; height and width must be from 4 to 32",
        ),
        ("8x33.b." + b64(bytes(33)), r"size 8x33 is out of range"),
        ("0x8.b.", r"must look like"),
        ("999999999x999999999.b.AA", r"must look like"),
        ("08x8.b." + b64(bytes(8)), r"must look like"),
        ("8X8.b." + b64(bytes(8)), r"must look like"),
        ("8x8.b", r"must look like"),
        ("8x8.b.AA.AA", r"must look like"),
        ("8x8.z." + b64(bytes(8)), r"unknown kind 'z'"),
        ("8x8.B." + b64(bytes(8)), r"unknown kind 'B'"),
    ],
)
def test_bad_pattern_header(text, match):
    rejected({"p": text}, "p", match)


def test_pattern_data_length_must_match():
    good = b64(bytes(8))  # 8x8 binary: 8 bytes, 11 chars
    assert len(good) == 11
    rejected(
        {"p": "8x8.b." + good[:-1]}, "p", r"data has 10 characters; a 8x8 binary pattern needs 11"
    )
    rejected({"p": "8x8.b." + good + "A"}, "p", r"data has 12 characters")
    rejected({"p": "8x8.b." + good + "="}, "p", r"base64url")
    rejected({"p": "8x8.b." + b64(bytes(9))}, "p", r"data has 12 characters")  # extra byte
    rejected({"p": "8x8.b." + b64(bytes(7))}, "p", r"data has 10 characters")  # missing byte
    rejected({"p": "8x8.g." + b64(bytes(8))}, "p", r"a 8x8 gray pattern needs 43")
    rejected({"p": "4x4.b."}, "p", r"data has 0 characters")


@pytest.mark.parametrize("bad", ["+", "/", "!", "é", " ", "%", "\x00"])
def test_pattern_data_must_be_base64url(bad):
    good = b64(bytes(8))
    rejected({"p": "8x8.b." + bad + good[1:]}, "p", r"(base64url|must look like)")


def test_pattern_nonzero_padding_bits_are_refused():
    # last base64 char carries unused bits: 8 bytes = 64 bits in 11 chars = 66 bits
    rejected({"p": "8x8.b.AAAAAAAAAAB"}, "p", r"non-zero padding bits in its last character")
    # 5x5 binary: 25 bits in 4 bytes; the last 7 bits of the last byte must be zero
    assert decode({"p": "5x5.b." + b64(bytes([0, 0, 0, 0x80]))}).rejections == ()
    rejected({"p": "5x5.b." + b64(bytes([0, 0, 0, 0x81]))}, "p", r"padding bits in its last byte")
    # 5x5 gray: 25 levels in 13 bytes; the low nibble of the last byte must be zero
    rejected({"p": "5x5.g." + b64(bytes(12) + b"\x01")}, "p", r"padding bits in its last byte")


def test_gray_levels_above_ten_are_refused():
    rejected({"p": "4x4.g." + b64(bytes([0xB0]) + bytes(7))}, "p", r"gray level 11 is above 10")
    rejected({"p": "4x4.g." + b64(bytes(7) + b"\x0f")}, "p", r"gray level 15 is above 10")
    assert decode({"p": "4x4.g." + b64(bytes([0xAA] * 8))}).state.pattern == ((1.0,) * 4,) * 4


# --------------------------------------------------------------------------- kernel rejections


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1,0_1", r"row 2 has 1 value but row 1 has 2"),
        ("1_1,0", r"row 2 has 2 values but row 1 has 1"),
        ("1_1_1_1_1_1", r"has more than 5 rows"),
        ("1,1,1,1,1,1", r"row 1 has more than 5 values"),
        ("1,,1", r"weight '' \(row 1, value 2\) is not a plain decimal number"),
        ("1_", r"weight '' \(row 2, value 1\)"),
        ("nan", r"weight 'nan' .* is not a plain decimal"),
        ("inf", r"is not a plain decimal"),
        ("1e3", r"is not a plain decimal"),
        ("1" * 400, r"is too large"),
        ("1000.0001", r"is outside ±1000"),
        ("-2000", r"is outside ±1000"),
        ("0.12345", r"weight '0\.12345' \(row 1, value 1\) has more than 4 decimals"),
        ("1, 2", r"not a plain decimal"),
    ],
)
def test_bad_kernels(text, match):
    rejected({"k": text}, "k", match)


def test_kernel_extremes_are_accepted():
    text = "_".join([",".join(["-999.9999"] * 5)] * 5)
    decoded = decode({"k": text})
    assert decoded.rejections == ()
    assert decoded.state.kernel_array().shape == (5, 5)
    assert encode(decoded.state)["k"] == text
    assert decode({"k": "1.00000000"}).rejections == ()  # trailing zeros are not decimals


# ----------------------------------------------------------------- independence and safety


def test_other_parameters_are_kept_when_one_is_bad():
    params = {"dx": "99", "mode": "wrap", "k": "1,-1", "relu": "maybe", "seed": "42", "th": "0.2"}
    decoded = decode(params)
    expected = replace(DEFAULT, mode="wrap", kernel=((1.0, -1.0),), seed=42, threshold=0.2)
    assert decoded.state == expected
    assert [r.key for r in decoded.rejections] == ["dx", "relu"]


def test_bad_pattern_keeps_the_rest():
    decoded = decode({"p": "garbage", "pool": "avg", "ps": "3"})
    assert decoded.state == replace(DEFAULT, pool="avg", pool_size=3)
    assert [r.key for r in decoded.rejections] == ["p"]
    assert decoded.messages()[0].endswith("— using the default 8x8 book pattern")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tab", "<script>alert(1)</script>"),
        ("k", "`rm -rf`*bold*_it_[x](http://e)"),
        ("<script>alert(1)</script>", "1"),
        ("``", "`"),
        ("p", "8x8.`.<b>"),
    ],
)
def test_messages_are_inert(key, value):
    for message in decode({key: value}).messages():
        user_part = message.split(": ", 1)[1] if message.startswith("`") else message
        for raw in ("<script>", "<", ">", "`", "*", "[", "]"):
            assert raw not in user_part, message
        if key.startswith("<"):
            assert "<" not in message and "`" not in message


def test_control_characters_are_shown_escaped():
    message = only_rejection({"mode": "wrap\n\x1b[31m\u202e"}).message()
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert r"\n" in message and r"\x1b" in message and r"\u202e" in message


def test_shown_value_is_cut_to_40_characters():
    message = only_rejection({"tab": "a" * 39 + "bcdef"}).message()
    assert "'" + "a" * 39 + "b'…" in message
    assert "c" not in message.split("got ", 1)[1].split(" — ")[0]


def test_non_string_values_are_refused():
    rejected({"dx": 3}, "dx", r"must be text, not int")
    rejected({"dx": [None]}, "dx", r"must be text, not NoneType")
    decoded = decode({3: "1"})
    assert decoded.state == DEFAULT and decoded.rejections[0].reason == "unknown parameter"


def test_page_style_params_with_lists():
    params = {"dx": ["2"], "mode": ["wrap"], "relu": ["1", "0"]}
    decoded = decode(params)
    assert decoded.state == replace(DEFAULT, dx=2, mode="wrap")
    assert [r.key for r in decoded.rejections] == ["relu"]


def test_pattern_grid_limit_is_page_limit():
    assert PAGE_MAX_GRID == 32
    rejected({"p": "33x33.b." + b64(bytes(137))}, "p", r"size 33x33 is out of range")
