"""Exceptions as one-line messages that are safe to show on the page.

Raw exception text must never reach a student's page: it can carry file paths, library
internals, reprs of large arrays or user input echoed back unescaped. Only messages that
poolviz's own validation wrote for users are shown; anything else is reduced to its type
name and a generic sentence (the full traceback belongs in the server log).

No Streamlit import: the page and the job executor (:mod:`ui.jobs`) both use this module.

Examples
--------
>>> from poolviz.core.checks import PoolvizError
>>> user_message(PoolvizError("`dx` must be an int; got 0.5"))
'`dx` must be an int; got 0.5'
>>> user_message(KeyError("/srv/app/secret.py"), "Training failed")
'Training failed: an unexpected error occurred (KeyError). The rest of the page still works.'
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

from poolviz.core.checks import PoolvizError

__all__ = ["user_message", "is_user_safe", "MAX_MESSAGE_CHARS"]

MAX_MESSAGE_CHARS = 300
_POOLVIZ_DIR = Path(__file__).resolve().parents[1] / "poolviz"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _raised_in_poolviz(error: BaseException) -> bool:
    """True when the innermost frame of ``error``'s traceback lies in the poolviz package.

    A ``ValueError`` raised by our own validation is written for users; one raised deep in
    numpy or Pillow ("operands could not be broadcast ...") is not.
    """
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    if not frames:
        return False
    try:
        Path(frames[-1].filename).resolve().relative_to(_POOLVIZ_DIR)
    except ValueError:
        return False
    return True


def is_user_safe(error: BaseException) -> bool:
    """Whether ``error``'s own text was written for users.

    True for :class:`~poolviz.core.checks.PoolvizError` (poolviz's validation error) and
    for a plain ``ValueError`` raised inside the ``poolviz`` package; False otherwise.

    >>> is_user_safe(PoolvizError("bad"))
    True
    >>> is_user_safe(ValueError("no traceback, so not known to be ours"))
    False
    >>> is_user_safe(RuntimeError("x"))
    False
    """
    if isinstance(error, PoolvizError):
        return True
    return type(error) is ValueError and _raised_in_poolviz(error)


def _one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """First non-empty line, control characters replaced by spaces, at most ``limit`` chars.

    >>> _one_line("first\\nsecond")
    'first'
    >>> len(_one_line("x" * 1000))
    300
    """
    lines = [ln for ln in text.splitlines() if ln.strip()] or [""]
    line = _CONTROL.sub(" ", lines[0]).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def user_message(error: BaseException, context: str | None = None) -> str:
    """A one-line, user-safe message for ``error``, optionally prefixed by ``context``.

    Parameters
    ----------
    error
        Any exception.
    context
        What was being done, e.g. ``"Training failed"``; prefixed as ``"<context>: "``.

    Returns
    -------
    str
        Plain text (not escaped for Markdown: pass it through
        :func:`poolviz.core.text.markdown_escape` before ``st.markdown``/``st.error``).
        Safe errors (:func:`is_user_safe`) keep their own first line, capped at
        :data:`MAX_MESSAGE_CHARS`; any other error shows only its type name and a generic
        sentence.

    Examples
    --------
    >>> user_message(PoolvizError("`taps` must be one of 3, 4; got 5"), "Blur")
    'Blur: `taps` must be one of 3, 4; got 5'
    >>> user_message(MemoryError())
    'An unexpected error occurred (MemoryError). The rest of the page still works.'
    """
    if is_user_safe(error):
        text = _one_line(str(error)) or f"invalid input ({type(error).__name__})"
        return f"{context}: {text}" if context else text
    name = type(error).__name__
    if context:
        return (
            f"{context}: an unexpected error occurred ({name}). The rest of the page still works."
        )
    return f"An unexpected error occurred ({name}). The rest of the page still works."
