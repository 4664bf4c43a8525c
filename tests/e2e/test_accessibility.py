"""An axe-core audit of every tab, in a light and a dark colour scheme.

``axe-playwright-python`` bundles axe-core and runs it in the page; every tab is opened
by its address (``?tab=...``), its figures drawn, and the whole document audited (the
Explore component's open shadow root included: axe-core descends into open shadow roots).
The issue asks for 0 violations of impact "serious" or "critical"; the others are printed
(run with ``-s``) so they can be read, never silently dropped.
"""

from __future__ import annotations

import pytest

from ui.alt_text import EXPANDER_LABEL

from .helpers import MAIN, assert_no_exception, open_app

axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")

TABS = ("explore", "invariance", "book", "windows", "experiment", "lab")
# The page follows the viewer's system setting (.streamlit/config.toml sets no theme
# base), so "dark" audits the dark theme.
SCHEMES = ("light", "dark")
BLOCKING = ("serious", "critical")  # the impacts the issue allows none of
# The lab measures six nets on every test digit at the server's first visit: over three
# minutes on two busy cores; its test gets a longer pytest timeout to match.
LAB_OPEN_MS = 420_000
MAX_HEIGHT_PX = 12_000  # a tall enough viewport for the longest tab (the lab's)



_RESULTS: dict[tuple[str, str], list[dict]] = {}  # (tab, scheme) -> blocking violations


def _target(target) -> str:
    """axe's target: a list of selectors, a nested list crossing into a shadow root."""
    if isinstance(target, list):
        return " >> ".join(_target(t) for t in target)
    return str(target)


_WHERE_JS = """
(sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const keyed = el.closest('[class*="st-key-"]');
  const key = keyed ? Array.from(keyed.classList).find((c) => c.startsWith('st-key-')) : '';
  const area = el.closest('[data-testid="stSidebar"]') ? 'sidebar'
    : el.closest('[role="tabpanel"]') ? 'tab panel' : 'page';
  return `${area} ${key} "${(el.textContent || '').trim().slice(0, 50)}"`;
}
"""


def _where(page, node: dict) -> str:
    """Where a node is (sidebar, tab panel or page; its st-key; its text), for the report;
    nodes in the Explore component's shadow root are named by their selector alone."""
    target = node["target"]
    if len(target) == 1 and isinstance(target[0], str):
        return page.evaluate(_WHERE_JS, target[0]) or "?"
    return "Explore component (shadow root)"


def _describe(violation: dict) -> str:
    targets = "; ".join(
        f"{_target(node['target'])} [{node.get('where', '')}]" for node in violation["nodes"]
    )
    message = violation["nodes"][0].get("failureSummary", "").replace("\n", " ")
    return (
        f"[{violation['impact']}] {violation['id']} ({len(violation['nodes'])} nodes): "
        f"{violation['help']} | targets: {targets} | {message}"
    )


def _show_everything(page) -> None:
    """Open every "Values as a table" expander (so the tables are audited too), then make
    the viewport as tall as the page: axe-core measures colour contrast only for what it
    can see (``elementsFromPoint``), so content below the fold would go unchecked."""
    summaries = page.locator(f'{MAIN} [data-testid="stExpander"] summary').filter(
        has_text=EXPANDER_LABEL
    )
    for i in range(summaries.count()):
        summaries.nth(i).click()
    if summaries.count():
        page.locator(f'{MAIN} [data-testid="stTable"]').first.wait_for()
    height = page.evaluate(
        "(main) => Math.max(document.documentElement.scrollHeight,"
        " document.querySelector(main).scrollHeight)",
        MAIN,
    )
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 100, MAX_HEIGHT_PX)})
    page.wait_for_function(
        "(main) => Array.from(document.querySelectorAll(main + ' .js-plotly-plot'))"
        ".every((gd) => gd._fullLayout)",
        arg=MAIN,
    )
    page.wait_for_timeout(300)  # Plotly's responsive relayout after the resize


def audit(page) -> tuple[list[dict], list[dict]]:
    """Run axe-core on the whole page: (blocking violations, the other violations)."""
    _show_everything(page)
    results = axe_sync.Axe().run(page)
    violations = results.response["violations"]
    for violation in violations:
        for node in violation["nodes"]:
            node["where"] = _where(page, node)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    rest = [v for v in violations if v["impact"] not in BLOCKING]
    return blocking, rest


CASES = [(tab, scheme) for tab in TABS for scheme in SCHEMES]


def _blocking(new_context, app_url, tab: str, scheme: str) -> list[dict]:
    """The blocking violations of one tab in one scheme (audited once, then remembered)."""
    if (tab, scheme) in _RESULTS:
        return _RESULTS[(tab, scheme)]
    page = new_context(color_scheme=scheme).new_page()
    open_app(page, app_url + f"?tab={tab}", timeout=LAB_OPEN_MS if tab == "lab" else 60_000)
    assert page.locator(MAIN).count() == 1
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark"
    )
    assert_no_exception(page)
    blocking, rest = audit(page)
    print(f"\n{tab}/{scheme}: {len(blocking)} serious or critical, {len(rest)} other")
    for violation in blocking + rest:
        print("  " + _describe(violation))
    _RESULTS[(tab, scheme)] = blocking
    page.close()
    return blocking


def _described(blocking: list[dict]) -> list[str]:
    """One line per offending node: impact, rule, where, and what axe says to do."""
    return [
        f"[{v['impact']}] {v['id']} {_target(node['target'])} [{node['where']}]: {v['help']}"
        for v in blocking
        for node in v["nodes"]
    ]


def _case(tab: str, scheme: str):
    marks = [pytest.mark.timeout(600)] if tab == "lab" else []
    return pytest.param(tab, scheme, id=f"{tab}-{scheme}", marks=marks)


@pytest.mark.parametrize(("tab", "scheme"), [_case(t, s) for t, s in CASES])
def test_no_serious_or_critical_violations(new_context, app_server, app_url, tab, scheme):
    """No serious or critical violation on the tab, in either colour scheme."""
    found = _described(_blocking(new_context, app_url, tab, scheme))
    assert found == [], "\n".join(found)
