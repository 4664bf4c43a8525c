"""One module per tab, in the order of ``poolviz.view.choices.TABS`` (a module is named by
its tab's key). Each has ``TITLE``, ``render(view)``, and ``KEEP``: the widget keys it owns,
which the frame keeps alive while another tab is open.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from poolviz.view.choices import TABS

PAGES: dict[str, ModuleType] = {key: import_module(f"app_pages.{key}") for key in TABS}
