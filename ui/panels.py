"""Drawing one panel so that its failure stays inside it, and bulleted sentences."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable
from pathlib import Path

import streamlit as st

from poolviz.core.checks import PoolvizError
from poolviz.core.text import markdown_escape
from ui.errors import user_message

_CSS = Path(__file__).with_name("assets") / "page.css"
_PRESENT_CSS = _CSS.with_name("present.css")


def page_style(present: bool = False) -> None:
    """The page's own CSS (files in ui/assets; static, never user text), and presentation
    mode's on top of it."""
    css = _css(_CSS) + (_css(_PRESENT_CSS) if present else "")
    st.html(f"<style>{css}</style>")


@functools.lru_cache(maxsize=4)
def _css(path: Path) -> str:
    # Read once per process, not on every full rerun: the files ship with the app.
    return path.read_text(encoding="utf-8")


def lazy_expander(label: str, key: str):
    """An expander whose body the caller draws only while it is open (``if box.open:``).

    Opening or closing it reruns the page (its fragment), so a closed one costs nothing on
    every other run (the cost tables, the map list, the PyTorch code were 25 % of a shift's
    rerun), and the browser loads the code that draws its body (Streamlit's 1.5 MB syntax
    highlighter for ``st.code``, its data grid) only when a student asks for it, not on the
    first paint.
    """
    return st.expander(label, key=key, on_change="rerun")


def bullets(lines: Iterable[str]) -> str:
    """Computed sentences as a Markdown list, each made inert first."""
    return "\n".join(f"- {markdown_escape(line)}" for line in lines)


def guarded(title: str, draw, *args) -> None:
    """Draw one panel; if it fails, say so briefly and keep the rest of the page usable."""
    try:
        draw(*args)
    except PoolvizError as error:
        st.error(f"{title}: {error}")
    except Exception as error:  # noqa: BLE001 — a bug in one panel must not take the page down
        st.error(
            f"{title} could not be drawn ({type(error).__name__}). The rest of the page "
            "still works; changing a setting may help."
        )
        print(traceback.format_exc())


def safe_callback(callback):
    """Wrap a widget callback: a failure becomes one line on the page, never a traceback.

    Callbacks run before the script body, outside every panel; the message is kept in
    ``st.session_state.messages["page"]`` and shown at the top of the next run.
    """

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 — reported on the page, the page keeps working
            messages = dict(st.session_state.get("messages", {}))
            messages["page"] = user_message(error, "That change could not be applied")
            st.session_state.messages = messages
            print(traceback.format_exc())
            return None

    return run


def page_message() -> None:
    """The one-line report of a failed callback, once."""
    messages = st.session_state.get("messages", {})
    if messages.get("page"):
        st.error(markdown_escape(messages["page"]))
        st.session_state.messages = {**messages, "page": None}
