"""Drawing one panel so that its failure stays inside it, and bulleted sentences."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path

import streamlit as st

from poolviz.core.checks import PoolvizError
from poolviz.core.text import markdown_escape

_CSS = Path(__file__).with_name("assets") / "page.css"


def page_style() -> None:
    """The page's own CSS (a file in ui/assets; static, never user text)."""
    st.html(f"<style>{_CSS.read_text(encoding='utf-8')}</style>")


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
