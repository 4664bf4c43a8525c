"""The view each lesson step opens, and what the page says about a step on any view.

:func:`step_view` builds the view of step ``n`` from the default view and the step's setup
(its pattern, shift, pipelines and tab), so ``?step=n`` opens the claim's own view.
:func:`step_evidence` computes the step's claim on whatever view is on screen.

>>> v = step_view(4)
>>> v.step, v.dx, v.tab, v.pipelines
(4, 2, 'invariance', ('pool', 'nopool'))
>>> step_evidence(v).holds
True
"""

from __future__ import annotations

from dataclasses import replace

from poolviz.core.patterns import make_preset
from poolviz.lessons.arrangement import find_arrangement_pair
from poolviz.lessons.lesson import STEPS, Evidence, evidence
from poolviz.lessons.pipelines import NO_POOLING, POOLING, build
from poolviz.view.model import DEFAULT, ViewState

__all__ = ["step_view", "step_evidence", "is_step_view"]


def _pattern(name: str, view: ViewState):
    if name == "arrangement":  # step 6: the T the finder picks for the default filter
        settings = view.layer_settings()
        pair = find_arrangement_pair(
            build(NO_POOLING, settings), build(POOLING, settings), (view.height, view.width)
        )
        return view.pattern if pair is None else pair.together
    return make_preset(name, view.height, view.width)


def step_view(number: int) -> ViewState:
    """The default view set up as step ``number`` shows its claim."""
    if not 1 <= number <= len(STEPS):
        raise ValueError(f"`number` must be a step from 1 to {len(STEPS)}; got {number!r}")
    setup = STEPS[number - 1].setup
    view = replace(
        DEFAULT,
        step=number,
        dx=int(setup["dx"]),
        dy=int(setup["dy"]),
        mode=str(setup["mode"]),
        pipelines=(str(setup["left"]), str(setup["right"])),
        tab=str(setup["tab"]),
        sweep=str(setup.get("sweep", DEFAULT.sweep)),
    )
    return view.with_pattern(_pattern(str(setup["preset"]), view))


def is_step_view(view: ViewState) -> bool:
    """Whether ``view`` still shows what its step opened: only looking elsewhere (another
    tab), the numbers on or off, or presentation mode do not count as a change.

    >>> is_step_view(step_view(2)), is_step_view(replace(step_view(2), dx=3))
    (True, False)
    >>> is_step_view(replace(step_view(2), tab="lab", show_values=False, present=True))
    True
    """
    if not 1 <= view.step <= len(STEPS):
        return False
    looks = {
        "tab": DEFAULT.tab, "show_values": DEFAULT.show_values, "sweep": DEFAULT.sweep,
        "present": DEFAULT.present,
    }
    return replace(view, **looks) == replace(step_view(view.step), **looks)


def step_evidence(view: ViewState) -> Evidence | None:
    """The claim of the view's step, computed on the view; ``None`` off the path."""
    if not 1 <= view.step <= len(STEPS):
        return None
    return evidence(
        view.step, view.pattern_array(), view.layer_settings(), view.dx, view.dy, view.mode,
        view.pipelines,
    )
