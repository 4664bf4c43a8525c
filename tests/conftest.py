"""Shared test settings: the Hypothesis CI profile and the PyTorch requirement switch.

* ``CI=true`` (``.ci/run`` exports it) loads the Hypothesis profile ``"ci"``:
  derandomized (the examples are a function of the test alone, so a CI failure repeats
  on any machine with the same code), no example database, and the reproduction blob
  printed on failure. Elsewhere the default random profile keeps exploring.
  ``HYPOTHESIS_PROFILE=ci`` selects it explicitly.
* :func:`require_torch` imports PyTorch for the oracle tests. Without torch they skip,
  unless ``POOLVIZ_REQUIRE_TORCH=1`` (set by ``.ci/run``): then they fail, so the oracle
  is never silently skipped in CI.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_profile = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() == "true" else None
)
if _profile:
    settings.load_profile(_profile)

TORCH_REQUIRED = os.environ.get("POOLVIZ_REQUIRE_TORCH") == "1"


def require_torch() -> ModuleType:
    """``import torch``, or skip the calling test/module (fail under POOLVIZ_REQUIRE_TORCH=1).

    Use at module level (``torch = require_torch()``) or inside a test, in place of
    ``pytest.importorskip("torch")``.
    """
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        reason = f"PyTorch is not installed ({error}); pip install torch==2.13.0"
        if TORCH_REQUIRED:
            pytest.fail(f"{reason} and POOLVIZ_REQUIRE_TORCH=1", pytrace=False)
        pytest.skip(reason, allow_module_level=True)
