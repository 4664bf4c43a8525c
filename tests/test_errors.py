"""ui/errors.py: only messages poolviz wrote for users reach the page."""

from __future__ import annotations

import numpy as np
import pytest

from poolviz.core.checks import PoolvizError
from poolviz.core.ops import max_pool2d
from ui.errors import MAX_MESSAGE_CHARS, is_user_safe, user_message


def _raised(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001
        return error
    raise AssertionError("no exception")


def test_our_validation_message_is_shown():
    error = _raised(lambda: max_pool2d(np.ones((4, 4)), size=0))
    assert isinstance(error, PoolvizError)
    assert user_message(error) == str(error).splitlines()[0]
    assert user_message(error, "Pooling").startswith("Pooling: ")


def test_plain_value_error_from_poolviz_is_safe_but_not_from_numpy():
    import poolviz.core.ops as ops

    numpy_error = _raised(lambda: np.ones(3) + np.ones(4))
    assert isinstance(numpy_error, ValueError) and not is_user_safe(numpy_error)
    assert "broadcast" not in user_message(numpy_error)
    assert user_message(numpy_error) == (
        "An unexpected error occurred (ValueError). The rest of the page still works."
    )
    # a ValueError whose innermost frame is inside poolviz/ counts as ours
    code = compile("raise ValueError('`x` must be 2-D')", ops.__file__, "exec")
    ours = _raised(lambda: exec(code))
    assert is_user_safe(ours) and user_message(ours) == "`x` must be 2-D"


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("Traceback (most recent call last): /srv/app/secret.py line 3"),
        KeyError("<script>alert(1)</script>"),
        OSError(2, "No such file", "/etc/passwd"),
        MemoryError(),
        ZeroDivisionError("division by zero"),
        type("ValueErrorSubclass", (ValueError,), {})("from a library"),
    ],
)
def test_other_errors_show_only_their_type(error):
    message = user_message(error, "Training failed")
    assert message == (
        f"Training failed: an unexpected error occurred ({type(error).__name__}). "
        "The rest of the page still works."
    )
    for leak in ("secret", "script", "passwd", "division", "library"):
        assert leak not in message


def test_safe_messages_are_one_short_line():
    error = PoolvizError("first line\nsecond line with\x1b[31m escapes")
    assert user_message(error) == "first line"
    long = user_message(PoolvizError("x" * 5000))
    assert len(long) == MAX_MESSAGE_CHARS and long.endswith("…")
    assert user_message(PoolvizError("a\tb\x00c")) == "a b c"
    assert user_message(PoolvizError("")) == "invalid input (PoolvizError)"
