"""How numbers and user text are written for people: one definition for every layer.

Cell values (:func:`format_value`) print the same in figures, sentences, the arithmetic of a
window, the PNG and the CSV. User-supplied text is made inert for Streamlit Markdown in two
encodings of one idea: :func:`markdown_escape` backslash-escapes free text that we render as
Markdown, and :func:`show_user_text` quotes a value the user sent with ``repr`` (so control
characters show as escapes) and writes the active characters as ``\\xNN`` in the same style,
because a backslash inside a ``repr`` would read as part of the value.
"""

from __future__ import annotations

import math

import numpy as np

_LARGE = 1e5  # format_value switches to compact exponent notation at this magnitude
SHOWN_CHARS = 40  # how much of a user's value a message quotes


def format_value(v: float) -> str:
    """Short text for one cell value.

    Integers print as integers, other values rounded to 2 decimals with trailing zeros
    dropped, negative zero as ``0``, magnitudes of at least 1e5 in compact exponent form.

    Parameters
    ----------
    v : float
        The value (a Python or NumPy number).

    Returns
    -------
    str
        The text.

    Examples
    --------
    >>> [format_value(v) for v in (2.0, -3, 0, -0.0, 0.5, -1.25, 1 / 3, 0.333)]
    ['2', '-3', '0', '0', '0.5', '-1.25', '0.33', '0.33']
    >>> format_value(1.999), format_value(-0.001), format_value(123456.0), format_value(1e6)
    ('2', '0', '1.2e+05', '1e+06')
    >>> format_value(float("nan")), format_value(float("-inf"))
    ('nan', '-inf')
    """
    v = float(v)
    if not math.isfinite(v):
        return repr(v)
    if abs(v) >= _LARGE:
        return f"{v:.2g}"
    if v.is_integer():
        return str(int(v))  # int(-0.0) == 0
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def shape_text(a: np.ndarray) -> str:
    """A map's size as the page writes it: ``8×8``, or ``1 number`` after a global pool.

    >>> shape_text(np.zeros((4, 7))), shape_text(np.array(2.0))
    ('4×7', '1 number')
    """
    return "×".join(str(n) for n in np.shape(a)) if np.ndim(a) else "1 number"


def format_grid(a: np.ndarray) -> np.ndarray:
    """:func:`format_value` applied to every cell of a map.

    Parameters
    ----------
    a : numpy.ndarray
        A map of any shape (2-D in practice, or 0-D after a global pool).

    Returns
    -------
    numpy.ndarray
        A string array of the same shape.

    Examples
    --------
    >>> format_grid(np.array([[1.0, 0.5], [-0.0, 2.25]])).tolist()
    [['1', '0.5'], ['0', '2.25']]
    >>> format_grid(np.array(3.0)).shape
    ()
    """
    a = np.asarray(a)
    texts = [format_value(v) for v in a.ravel()]
    return np.array(texts, dtype=str).reshape(a.shape)


_MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~$:&"


def markdown_escape(text: str) -> str:
    r"""Make ``text`` inert in Streamlit Markdown: backslash-escape every special character.

    >>> markdown_escape("<b>**hi**</b>")
    '\\<b\\>\\*\\*hi\\*\\*\\</b\\>'
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


_MD_ACTIVE = "`*_<>[]()!#$&|~{}"
_MD_ESCAPES = str.maketrans({ch: f"\\x{ord(ch):02x}" for ch in _MD_ACTIVE})


def show_user_text(text: str) -> str:
    r"""Render a user's string for a message: cut, ``repr``-escaped, markdown-inert.

    >>> show_user_text("<b>`x`</b>\n")
    "'\\x3cb\\x3e\\x60x\\x60\\x3c/b\\x3e\\n'"
    >>> show_user_text("a" * 50)
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'…"
    """
    return quote_user_text(text).translate(_MD_ESCAPES)


def quote_user_text(text: str) -> str:
    """``repr`` of the first ``SHOWN_CHARS`` characters, "…" if cut: one visible line."""
    shown = repr(text[:SHOWN_CHARS])
    return shown + "…" if len(text) > SHOWN_CHARS else shown
