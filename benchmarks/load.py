"""Many students at once: N concurrent sessions against one poolviz server.

Usage::

    python benchmarks/load.py                          # 20 sessions, 60 s, websocket client
    python benchmarks/load.py --sessions 5 --seconds 30 --actions 40
    python benchmarks/load.py --client browser --sessions 3   # real Chromium pages
    python benchmarks/load.py --realistic    # a course: 100 sessions, one action per 2-5 s,
                                             # 120 s, then 135 s for sessions to expire

What it does (loopback only, bounded in count and time):

1. starts ``streamlit run app.py`` on 127.0.0.1 and a free port, in its own process group,
   waits for ``/_stcore/health``, samples the server's RSS (VmRSS of the streamlit process
   and its children) every 0.5 s in a thread, and warms the app up with one short
   Chromium session (the first run imports numpy/plotly/pandas: "cold" vs "start" RSS);
2. opens N sessions, each doing, until ``--seconds`` are over or it has done ``--actions``
   actions, a random action (seeded per session) on the Explore page: release a shift one
   step along dx or along dy (half the actions, as with the old sliders), paint a short
   stroke on the input (a quarter), or switch "Pooling kind" (a quarter); and waits for
   that rerun to finish before the next (plus a 0.05-0.3 s think time);
3. reports latency p50/p95/max per action type and overall, errors (timeouts, protocol or
   Playwright errors, and answers that fail their check), exception elements and error
   boxes seen, CPU seconds of the server (with its worker processes) and of the client,
   and the server's RSS before, at peak and ``--settle`` s after the sessions closed;
   then stops the server (the whole process group).

Two clients:

* ``--client browser``: Playwright pages in ONE headless Debian Chromium, each in its own
  context. The keyboard on the Explore component's range input
  (``.st-key-explorer input.pvx-dx``/``pvx-dy``; the component sends the shift once, on
  release), a mouse click on a cell of its input map (``.pvx-map[data-stage="input"]
  [data-which="original"]``: one paint batch), the "Pooling kind" combobox. Latency =
  action -> ``data-test-script-state`` leaves ``notRunning`` (bounded 1.5 s) ->
  ``notRunning`` again.
* ``--client ws`` (default): Streamlit's own protocol on ``ws://127.0.0.1:<port>/_stcore/
  stream``, sending what the browser sends: ``BackMsg.rerun_script`` with the address bar's
  query string, the widget states (the component's state as ``json_value`` =
  ``{"shift": {dx, dy, mode}}``, the selectbox's label as ``string_value``), a paint batch
  as the component's trigger (``json_trigger_value`` on its ``events`` id, in that run
  only, ``seq`` increasing), and the hashes of the cacheable messages it holds (so the
  server sends a reference for an element the client already has, as to a browser).
  Every answer is checked: after a shift the address the page writes carries the new
  dx/dy and the component's ``data.shift`` says it; after a paint ``data.ack`` equals the
  batch's ``seq`` and the address's pattern holds the painted cells; after a pool change
  the address names it. Latency = BackMsg sent -> ``script_finished`` received.

Why ws is the default (measured on this 2-core machine with the old page): with ONE
browser session Chromium used 13.7 CPU-s to the server's 3.4; with 20 Chromium pages the
machine's load average reached 31 and 7 pages timed out: the browser, not the server,
was measured. The ws client costs ~0.01 CPU-s per action, so what it measures is the
server. Its trade-off: it skips the browser's own work (drawing the component, the URL
rewrite) and sends only the widgets it changed where a browser sends all of them; the
page's keyed widgets keep their values in session state, so the view is the same (the
script prints one session's final URL query as a check). Use ``--sessions`` (1, 5, 10,
20) to find the knee.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a script's sys.path starts at benchmarks/
from poolviz.view.state import DEFAULT as DEFAULT_VIEW  # noqa: E402
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, start_app  # noqa: E402
from ui.session import GC_EVERY_S  # noqa: E402
from ui.sidebar import POOL_TITLES  # noqa: E402 — the selectbox's labels, by pool key

DEFAULT_POOL = DEFAULT_VIEW.pool

APP = '[data-testid="stApp"]'
IDLE = f'{APP}[data-test-script-state="notRunning"]'
START_WAIT_MS = 1_500  # the old notRunning lingers 30-85 ms after an action
RUN_WAIT_MS = 30_000
OPEN_WAIT_MS = 90_000
EXPLORER_KEY = "explorer"  # app_pages/explore.py's component key
EXPLORER = f".st-key-{EXPLORER_KEY}"
INPUT_MAP = f'{EXPLORER} .pvx-map[data-stage="input"][data-which="original"]'
ACTIONS = ("dx", "dy", "paint", "pool")  # a shift is half the actions, as it was with sliders
ERRORS_JS = """
() => ({
  exceptions: document.querySelectorAll('[data-testid="stException"]').length,
  errors: Array.from(document.querySelectorAll('[role="alert"]'))
    .filter((e) => e.querySelector('[data-testid="stAlertContentError"]')
                   || e.closest('[data-testid="stAlertContentError"]'))
    .map((e) => e.innerText.slice(0, 200)),
})
"""


# --------------------------------------------------------------------------- server


# --------------------------------------------------------------------------- /proc


def children(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc/*/stat ppid)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents[ppid].append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += parents.get(p, [])
    return out


def rss_kib(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields_ = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields_[11]) + int(fields_[12])  # utime, stime
    return total / ticks


class RssSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            value = rss_kib(children(self.pid))
            self.samples.append((time.monotonic(), value))
            self.peak = max(self.peak, value)
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


# --------------------------------------------------------------------------- sessions


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    exceptions: int = 0
    error_boxes: list[str] = field(default_factory=list)
    opened: list[float] = field(default_factory=list)
    no_rerun_seen: int = 0
    browser_cpu: float = 0.0
    queries: list[str] = field(default_factory=list)  # each ws session's last URL query
    by_reference: int = 0  # elements the server sent as a ref_hash (the client held them)


async def wait_for_rerun(page) -> bool:
    """Wait for the script to start (bounded), then to finish. Returns False if no start seen."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    started = True
    try:
        await page.wait_for_function(
            "(sel) => { const a = document.querySelector(sel);"
            " return a && a.getAttribute('data-test-script-state') !== 'notRunning'; }",
            arg=APP,
            timeout=START_WAIT_MS,
            polling="raf",
        )
    except PlaywrightTimeout:
        started = False
    await page.wait_for_selector(IDLE, timeout=RUN_WAIT_MS)
    return started


async def act(page, kind: str, rng: random.Random, state: dict) -> None:
    """One action in Chromium, as a student does it: the component's range input with the
    keyboard (released: one message), a mouse click on a cell of its input map (one paint
    batch), the "Pooling kind" combobox."""
    if kind in ("dx", "dy"):
        slider = page.locator(f"{EXPLORER} input.pvx-{kind}")
        await slider.focus(timeout=10_000)
        # stay inside ±3: wander but turn back at the edge
        pos = state.setdefault(kind, int(await slider.input_value()))
        step = rng.choice((-1, 1)) if abs(pos) < 3 else (-1 if pos > 0 else 1)
        state[kind] = pos + step
        await page.keyboard.press("ArrowRight" if step > 0 else "ArrowLeft")
    elif kind == "paint":
        grid = page.locator(INPUT_MAP)
        await grid.scroll_into_view_if_needed(timeout=10_000)
        box = await grid.bounding_box()
        rows = await grid.evaluate("(e) => JSON.parse(e.dataset.values)")
        row, col = rng.randrange(len(rows)), rng.randrange(len(rows[0]))
        await page.mouse.click(
            box["x"] + (col + 0.5) * box["width"] / len(rows[0]),
            box["y"] + (row + 0.5) * box["height"] / len(rows),
        )
    elif kind == "pool":
        current = state.get("pool", DEFAULT_POOL)
        choice = rng.choice([p for p in POOL_TITLES if p != current])
        combo = page.get_by_role("combobox", name="Pooling kind")
        option = page.get_by_role("option", name=POOL_TITLES[choice], exact=True)
        for attempt in range(3):  # the list re-renders while it opens; retry a detached option
            try:
                if not await option.is_visible():
                    await combo.click(timeout=10_000)
                await option.click(timeout=5_000)
                break
            except Exception:
                if attempt == 2:
                    raise
        state["pool"] = choice
    else:
        raise ValueError(kind)


async def session(
    browser, url: str, index: int, deadline: float, max_actions: int, stats: Stats
) -> None:
    rng = random.Random(index)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        t0 = time.monotonic()
        await page.goto(url, wait_until="domcontentloaded", timeout=OPEN_WAIT_MS)
        await page.wait_for_selector(IDLE, timeout=OPEN_WAIT_MS)
        await page.wait_for_selector(INPUT_MAP, timeout=OPEN_WAIT_MS)
        stats.opened.append(time.monotonic() - t0)
        state: dict = {}
        done = 0
        while done < max_actions and time.monotonic() < deadline:
            kind = rng.choice(ACTIONS)
            start = time.perf_counter()
            try:
                await act(page, kind, rng, state)
                if not await wait_for_rerun(page):
                    stats.no_rerun_seen += 1
                stats.latencies[kind].append(time.perf_counter() - start)
            except Exception as error:  # noqa: BLE001 — count every failure, keep going
                stats.errors.append(
                    f"session {index} {kind}: {type(error).__name__}: "
                    f"{str(error).splitlines()[0][:160]}"
                )
                await page.keyboard.press("Escape")
            done += 1
            seen = await page.evaluate(ERRORS_JS)
            if seen["exceptions"] or seen["errors"]:
                stats.exceptions += seen["exceptions"]
                stats.error_boxes += seen["errors"]
                await asyncio.sleep(0)
            await asyncio.sleep(rng.uniform(0.05, 0.3))  # a student's think time, short
    except Exception as error:  # noqa: BLE001
        stats.errors.append(
            f"session {index} open: {type(error).__name__}: {str(error).splitlines()[0][:160]}"
        )
    finally:
        await context.close()


def browser_cpu(server_pid: int) -> float:
    """CPU seconds of our descendants except the server: the driver and every Chromium."""
    server = set(children(server_pid))
    return cpu_seconds([p for p in children(os.getpid()) if p not in server and p != os.getpid()])


async def run_sessions(
    url: str, n: int, seconds: float, max_actions: int, server_pid: int = 0
) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # the clock starts when every session has begun to open: opening is bounded too
            deadline = time.monotonic() + seconds
            await asyncio.wait_for(
                asyncio.gather(
                    *(session(browser, url, i, deadline, max_actions, stats) for i in range(n))
                ),
                timeout=seconds + OPEN_WAIT_MS / 1000 + RUN_WAIT_MS / 1000 + 30,
            )
        finally:
            stats.browser_cpu = browser_cpu(server_pid) if server_pid else 0.0
            await browser.close()
    return stats


# --------------------------------------------------------------------------- websocket client


class WsPage:
    """One Streamlit session over ``/_stcore/stream``, speaking BackMsg/ForwardMsg.

    It keeps the widget ids the server sent (by key suffix), sends ``rerun_script`` with
    the widget states it has set (the server keeps keyed widgets' other values) plus the
    one-shot trigger values of this run only, counts exception elements and error boxes in
    the deltas of each run, and reads the Explore component's ``data`` (ack, shift, the
    payload's grid) back from its ``bidi_component`` element.

    Like Streamlit's frontend it keeps the messages the server marks ``cacheable`` and
    lists their hashes in every ``rerun_script``: the server then sends a ``ref_hash`` in
    place of an element the client already holds (the ~200 kB component among them), so
    the bytes on the wire are a browser's. An entry not referenced for
    ``maxCachedMessageAge`` runs (2, the server's default) is dropped, as the frontend does.
    """

    def __init__(self, ws, query_string: str = "") -> None:
        self.ws = ws
        self.ids: dict[str, str] = {}  # widget key -> id ("$$ID-...-pool" -> "pool")
        self.states: dict[str, object] = {}  # id -> WidgetState, resent every run
        self.triggers: list[object] = []  # WidgetStates for the next run only
        self.exceptions = 0
        self.error_boxes: list[str] = []
        # The address bar: the link opened, then whatever the page last wrote; every
        # rerun_script carries it, as a browser's does (the page compares it with the
        # address it wants, so a stale one would hide a change back to the default view)
        self.query = query_string
        # --fragments: a browser reruns only the fragment holding the changed widget
        # (the page's main area is an @st.fragment); the ids' fragments come from deltas
        self.fragments = False
        self.fragment_of: dict[str, str] = {}
        self.pending: set[str] = set()  # fragments of the widgets set since the last run
        self.explorer: dict = {}  # the component's data of the last run, payload aside
        self.payload_text = ""
        # (text, parsed, its input grid), parsed and decoded on demand, once per payload
        self._payload: tuple[str, dict, list] | None = None
        self.shift = {"dx": 0, "dy": 0, "mode": "zero"}  # what the component state says
        self.seq = 0  # the last paint batch's sequence number
        self.cache: dict[str, list] = {}  # hash -> [ForwardMsg, runs since last used]
        self.max_age = 2
        self.ref_hits = 0  # elements the server sent by reference
        self.resolved = None  # the message handle() last read, a ref_hash resolved

    async def run(self, timeout: float = RUN_WAIT_MS / 1000) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = ""
        if self.fragments and len(self.pending) == 1 and "" not in self.pending:
            msg.rerun_script.fragment_id = next(iter(self.pending))
        self.pending = set()
        for state in [*self.states.values(), *self.triggers]:
            msg.rerun_script.widget_states.widgets.append(state)
        self.triggers = []  # a trigger fires once; the browser does not resend it
        msg.rerun_script.cached_message_hashes.extend(self.cache)
        await self.ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), timeout)

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            if self.handle(msg):
                return

    def _resolve(self, msg):
        """The message itself, or the cached one a ``ref_hash`` points to (as the frontend
        does); cacheable messages are remembered."""
        if msg.WhichOneof("type") == "ref_hash":
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                raise RuntimeError(f"server referred to an uncached message {msg.ref_hash}")
            entry[1] = 0
            self.ref_hits += 1
            return entry[0]
        if msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = [msg, 0]
        return msg

    def handle(self, msg) -> bool:
        """Read one ForwardMsg; True once the run has finished (subclasses add to this)."""
        import json

        msg = self.resolved = self._resolve(msg)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.max_age = msg.new_session.config.max_cached_message_age or 2
        if kind == "script_finished":
            for entry in self.cache.values():
                entry[1] += 1
            self.cache = {h: e for h, e in self.cache.items() if e[1] <= self.max_age}
            return True
        if kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        if kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
            block = msg.delta.add_block
            if block.WhichOneof("type") == "expandable" and block.expandable.id:
                # a lazy expander (ui/panels.lazy_expander) is a widget: open it by key
                key = block.expandable.id.rsplit("-", 1)[-1]
                self.ids[key] = block.expandable.id
                self.fragment_of[block.expandable.id] = msg.delta.fragment_id
            return False
        if kind != "delta" or msg.delta.WhichOneof("type") != "new_element":
            return False
        element = msg.delta.new_element
        which = element.WhichOneof("type")
        if which == "exception":
            self.exceptions += 1
        elif which == "alert" and element.alert.format == 1:  # ERROR
            self.error_boxes.append(element.alert.body[:200])
        elif which in ("selectbox", "bidi_component"):
            widget = getattr(element, which)
            key = widget.id.rsplit("-", 1)[-1] if widget.id else ""
            if key:
                self.ids[key] = widget.id
                self.fragment_of[widget.id] = msg.delta.fragment_id
            if which == "bidi_component" and key == EXPLORER_KEY:
                data = json.loads(widget.json)
                self.payload_text = data.pop("payload", "")
                self.explorer = data
                self.seq = max(self.seq, int(data.get("ack", 0)))
                if widget.id not in self.states:  # no release yet: the controls show this
                    self.shift = {k: data["shift"][k] for k in ("dx", "dy", "mode")}
        return False

    def payload(self) -> dict:
        """The component's payload, parsed (once per distinct payload)."""
        import json

        if self._payload is None or self._payload[0] is not self.payload_text:
            self._payload = (self.payload_text, json.loads(self.payload_text), [])
        return self._payload[1]

    def input_pattern(self) -> list[list[float]]:
        """The input grid the component draws (its ``maps`` entry for the input)."""
        from poolviz.render.explorer import decode_maps

        p = self.payload()
        grid = self._payload[2]
        if not grid:  # once per payload: each paint decoded the whole bank again
            flat = decode_maps(p)[p["input"]["original"]].tolist()
            w = p["width"]
            grid.extend(flat[i : i + w] for i in range(0, len(flat), w))
        return grid

    def address_view(self):
        """The view the address the page last wrote encodes (poolviz.view.state.decode)."""
        from urllib.parse import parse_qs

        from poolviz.view import state as view_state

        return view_state.decode(parse_qs(self.query, keep_blank_values=True)).state

    def set(self, key: str, **value) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=self.ids[key])
        for name, v in value.items():
            setattr(state, name, v)
        self.states[self.ids[key]] = state
        self.pending.add(self.fragment_of.get(self.ids[key], ""))

    def release_shift(self, dx: int, dy: int, mode: str) -> None:
        """The component's state after a released shift: the whole state object as JSON,
        as the browser sends it (and resends on every later run)."""
        import json

        self.shift = {"dx": dx, "dy": dy, "mode": mode}
        self.set(EXPLORER_KEY, json_value=json.dumps({"shift": self.shift}))

    def send_edits(self, cells: list[tuple[int, int, int]]) -> int:
        """One paint batch on the component's trigger (this run only); its last edit is
        numbered ``seq``, which the next run's ``data.ack`` must equal."""
        self.seq += len(cells)
        batch = {"seq": self.seq, "edits": [{"row": r, "col": c, "value": v} for r, c, v in cells]}
        self.send_trigger("edits", batch)
        return self.seq

    def send_trigger(self, event: str, value) -> None:
        """One of the component's triggers (this run only), as its ``setTriggerValue``."""
        import json

        from streamlit.components.v2.bidi_component.main import _make_trigger_id
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        base = self.ids[EXPLORER_KEY]
        self.triggers.append(
            WidgetState(
                id=_make_trigger_id(base, "events"),
                json_trigger_value=json.dumps([{"event": event, "value": value}]),
            )
        )
        self.pending.add(self.fragment_of.get(base, ""))

    def first_payload(self) -> bool:
        """Whether the last run drew a paint's first payload (fewer shifts than the
        controls' range): the browser then asks for the rest (ui/explorer.py)."""
        return int(self.explorer.get("reach", 0)) > int(self.payload()["radius"])


class CheckFailed(RuntimeError):
    """The page answered, but not with what the action asked for."""


async def ws_act(page: WsPage, kind: str, rng: random.Random, state: dict) -> None:
    """One student action, sent as the browser sends it; the answer is checked.

    ``dx``/``dy``: a shift released one step away (wandering within ±3): the page's
    address must then carry it and the component's ``data.shift`` must say it. ``paint``:
    a stroke of 1-3 cells along a row, painted the opposite of its first cell (as a drag
    does): ``data.ack`` must reach the batch's ``seq`` and the address's pattern hold the
    cells; after a first payload, the ``more`` run (counted in the paint) must draw all. ``pool``: another "Pooling kind": the address must name it.
    """
    if kind in ("dx", "dy"):
        shift = dict(page.shift)
        pos = shift[kind]
        step = rng.choice((-1, 1)) if abs(pos) < 3 else (-1 if pos > 0 else 1)
        shift[kind] = pos + step
        page.release_shift(shift["dx"], shift["dy"], shift["mode"])
        await page.run()
        view, drawn = page.address_view(), page.explorer.get("shift", {})
        if (view.dx, view.dy) != (shift["dx"], shift["dy"]):
            raise CheckFailed(f"address says dx={view.dx} dy={view.dy}, sent {shift}")
        if (drawn.get("dx"), drawn.get("dy")) != (shift["dx"], shift["dy"]):
            raise CheckFailed(f"component data.shift {drawn}, sent {shift}")
    elif kind == "paint":
        grid = page.input_pattern()
        h, w = len(grid), len(grid[0])
        row, col = rng.randrange(h), rng.randrange(w)
        value = 0 if grid[row][col] else 1
        cells = [(row, c, value) for c in range(col, min(w, col + rng.randint(1, 3)))]
        seq = page.send_edits(cells)
        await page.run()
        if page.explorer.get("ack") != seq:
            raise CheckFailed(f"data.ack {page.explorer.get('ack')} after seq {seq}")
        if page.first_payload():  # drawn: the browser asks for every shift, as the JS does
            page.send_trigger("more", True)
            await page.run()
            if page.first_payload():
                raise CheckFailed("the run the component asked for drew a first payload again")
        pattern = page.address_view().pattern
        if any(pattern[r][c] != v for r, c, v in cells):
            raise CheckFailed(f"address pattern lacks the painted cells {cells}")
    elif kind == "pool":
        current = state.get("pool", DEFAULT_POOL)
        choice = rng.choice([p for p in POOL_TITLES if p != current])
        page.set("pool", string_value=POOL_TITLES[choice])  # a selectbox sends its label
        state["pool"] = choice
        await page.run()
        if page.address_view().pool != choice:
            raise CheckFailed(f"address says pool={page.address_view().pool}, chose {choice}")
    else:
        raise ValueError(kind)


async def ws_session(
    url: str,
    index: int,
    deadline: float,
    max_actions: int,
    stats: Stats,
    think: tuple[float, float] = (0.05, 0.3),
    delay: float = 0.0,
    fragments: bool = False,
    actions: tuple[str, ...] = ACTIONS,
) -> None:
    from websockets.asyncio.client import connect

    rng = random.Random(index)
    await asyncio.sleep(delay)  # --ramp: students arrive over a few seconds, not at once
    stream = url.replace("http://", "ws://") + "_stcore/stream"
    try:
        t0 = time.monotonic()
        async with connect(
            stream, subprotocols=["streamlit"], proxy=None, max_size=64 * 2**20,
            open_timeout=OPEN_WAIT_MS / 1000,
        ) as ws:  # fmt: skip
            page = WsPage(ws)
            page.fragments = fragments
            await page.run(OPEN_WAIT_MS / 1000)
            stats.opened.append(time.monotonic() - t0)
            state: dict = {}
            done = 0
            while done < max_actions and time.monotonic() < deadline:
                kind = rng.choice(actions)
                start = time.perf_counter()
                try:
                    await ws_act(page, kind, rng, state)
                    stats.latencies[kind].append(time.perf_counter() - start)
                except Exception as error:  # noqa: BLE001 — count every failure, keep going
                    stats.errors.append(
                        f"session {index} {kind}: {type(error).__name__}: {str(error)[:160]}"
                    )
                    if isinstance(error, (asyncio.TimeoutError, OSError)):
                        break
                done += 1
                await asyncio.sleep(rng.uniform(*think))  # a student's think time
            stats.exceptions += page.exceptions
            stats.error_boxes += page.error_boxes
            stats.queries.append(page.query)
            stats.by_reference += page.ref_hits
    except Exception as error:  # noqa: BLE001
        stats.errors.append(f"session {index} open: {type(error).__name__}: {str(error)[:160]}")


async def run_ws_sessions(
    url: str,
    n: int,
    seconds: float,
    max_actions: int,
    think: tuple[float, float] = (0.05, 0.3),
    ramp: float = 0.0,
    fragments: bool = False,
    actions: tuple[str, ...] = ACTIONS,
) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + ramp + seconds
    await asyncio.wait_for(
        asyncio.gather(
            *(
                ws_session(
                    url, i, deadline, max_actions, stats, think, ramp * i / n, fragments, actions
                )
                for i in range(n)
            )
        ),
        timeout=ramp + seconds + OPEN_WAIT_MS / 1000 + RUN_WAIT_MS / 1000 + 30,
    )
    return stats


# --------------------------------------------------------------------------- report


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<8} n=0"
    return (
        f"  {name:<8} n={len(values):<5} p50={pct(values, 0.5):6.3f} s  "
        f"p95={pct(values, 0.95):6.3f} s  max={max(values):6.3f} s  "
        f"mean={statistics.fmean(values):6.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--actions", type=int, default=1000, help="cap per session")
    parser.add_argument("--settle", type=float, default=10.0, help="wait after closing, s")
    parser.add_argument(
        "--client",
        choices=("ws", "browser"),
        default="ws",
        help="ws: Streamlit's websocket protocol (default); browser: Chromium pages",
    )
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="a course, not a stress test: 100 ws sessions arriving over --ramp s, each "
        "acting every 2-5 s, for 120 s; settle past Streamlit's 120 s disconnected-session "
        "TTL; targets p95 <= 1 s, 0 errors, RSS back within 15%%",
    )
    parser.add_argument("--think-min", type=float, default=None, help="think time, s")
    parser.add_argument("--think-max", type=float, default=None, help="think time, s")
    parser.add_argument("--ramp", type=float, default=None, help="spread session starts, s")
    parser.add_argument(
        "--waves", type=int, default=1, help="repeat the sessions (ws), RSS after each"
    )
    parser.add_argument(
        "--fragments",
        choices=("on", "off"),
        default=None,
        help="rerun only the fragment of the changed widget, as a browser does (default: "
        "on with --realistic, off otherwise: today's full reruns)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=ACTIONS,
        help="(ws) only these actions, e.g. --only paint with --sessions 1: the server's CPU "
        "per action of one kind",
    )
    args = parser.parse_args(argv)
    actions = tuple(args.only) if args.only else ACTIONS
    given = set(argv if argv is not None else sys.argv[1:])
    if args.realistic:  # explicit flags still win over the preset
        defaults = {"--sessions": ("sessions", 100), "--seconds": ("seconds", 120.0),
                    "--settle": ("settle", 135.0)}  # fmt: skip
        for flag, (name, value) in defaults.items():
            if flag not in given:
                setattr(args, name, value)
    think = (
        args.think_min if args.think_min is not None else (2.0 if args.realistic else 0.05),
        args.think_max if args.think_max is not None else (5.0 if args.realistic else 0.3),
    )
    ramp = args.ramp if args.ramp is not None else (10.0 if args.realistic else 0.0)
    fragments = args.fragments == "on" or (args.fragments is None and args.realistic)
    if not 1 <= args.waves <= 5 or (args.waves > 1 and args.client != "ws"):
        parser.error("--waves must be 1..5, with the ws client")
    if args.realistic and args.client != "ws":
        parser.error("--realistic uses the websocket client")
    if not 0 <= think[0] <= think[1] <= 60 or not 0 <= ramp <= 120:
        parser.error("think times must be 0 <= min <= max <= 60 s, --ramp 0..120 s")
    if not 1 <= args.sessions <= 100 or not 0 < args.seconds <= 600:
        parser.error("--sessions must be 1..100 and --seconds 0..600")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
        return 2

    load_before = Path("/proc/loadavg").read_text().split()[:3]
    server = start_app(log_dir=tempfile.mkdtemp(prefix="poolviz-load-"))
    proc, port, log_path, url = server.proc, server.port, server.log_path, server.url
    try:
        time.sleep(1.0)
        rss_cold = rss_kib(children(proc.pid))  # before the app's modules are even imported
        # one short warm-up session: the first run imports numpy, plotly, pandas, the app
        asyncio.run(run_sessions(url, 1, 3.0, 3))  # a real browser, also when --client ws
        time.sleep(2.0)
        rss_start = rss_kib(children(proc.pid))
        own_start = rss_kib([proc.pid])  # the server process alone, its helpers aside
        sampler = RssSampler(proc.pid)
        sampler.start()
        cpu_server0 = cpu_seconds(children(proc.pid))
        wall0 = time.monotonic()
        own0 = os.times()
        if args.client == "browser":
            stats = asyncio.run(
                run_sessions(url, args.sessions, args.seconds, args.actions, proc.pid)
            )
        else:
            stats = asyncio.run(
                run_ws_sessions(
                    url, args.sessions, args.seconds, args.actions, think, ramp, fragments,
                    actions,
                )
            )
            own = os.times()
            stats.browser_cpu = own.user + own.system - own0.user - own0.system
        wall = time.monotonic() - wall0
        cpu_server = cpu_seconds(children(proc.pid)) - cpu_server0
        cpu_browser = stats.browser_cpu  # read from /proc just before the browser closed
        rss_closed = rss_kib(children(proc.pid))
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        # sessions expire (Streamlit drops a disconnected session after its 120 s TTL),
        # caches stay (bounded by max_entries)
        time.sleep(min(10.0, args.settle))
        rss_10s = rss_kib(children(proc.pid))
        time.sleep(max(0.0, args.settle - 10.0))
        rss_after = rss_kib(children(proc.pid))
        # Streamlit reaps the disconnected sessions whose TTL has passed only when its
        # session storage is next written (a later session's disconnect), not on a timer:
        # until then 100 expired sessions stay in memory. So the next two students come
        # and go (one makes Streamlit drop the expired sessions, the next one's start
        # lets the page collect what they left), and RSS is read again.
        for _ in range(2):
            asyncio.run(run_ws_sessions(url, 1, 1.0, 1))
            time.sleep(GC_EVERY_S + 1.0)  # the page collects at most once per GC_EVERY_S
        rss_next = rss_kib(children(proc.pid))
        own_next = rss_kib([proc.pid])
        # --waves: the same sessions again on the same server. Memory that keeps growing
        # wave after wave is a leak; memory that stays put is bounded caches and the
        # allocator keeping freed pages.
        wave_rss = [rss_after]
        for _ in range(args.waves - 1):
            asyncio.run(
                run_ws_sessions(
                    url, args.sessions, args.seconds, args.actions, think, ramp, fragments
                )
            )
            time.sleep(args.settle)
            wave_rss.append(rss_kib(children(proc.pid)))
        sampler.stop()
        peak = max(sampler.peak, rss_after, rss_closed)
    finally:
        server.stop()

    allv = [v for values in stats.latencies.values() for v in values]
    print(f"load average before/after: {load_before} / {load_after}")
    print(
        f"poolviz load: {args.sessions} sessions, {args.seconds:g} s, "
        f"cap {args.actions} actions/session, think {think[0]:g}-{think[1]:g} s, "
        f"ramp {ramp:g} s, {'fragment' if fragments else 'full'} reruns, "
        f"client {'Chromium pages (Playwright)' if args.client == 'browser' else 'websocket'}"
        f", port {port}"
    )
    print(
        f"sessions opened: {len(stats.opened)}/{args.sessions}; "
        f"open time p50={pct(stats.opened, 0.5) if stats.opened else 0:.2f} s "
        f"max={max(stats.opened, default=0):.2f} s"
    )
    print("latency, action sent -> script state notRunning:")
    for kind in ACTIONS:
        print(line(kind, stats.latencies.get(kind, [])))
    print(line("all", allv))
    print(
        f"actions: {len(allv)} ok in {wall:.1f} s ({len(allv) / wall:.1f}/s); "
        f"no rerun seen within {START_WAIT_MS} ms: {stats.no_rerun_seen}"
    )
    if stats.queries:
        changed = sum(bool(q) for q in stats.queries)
        print(
            f"sessions whose URL query changed: {changed}/{len(stats.queries)}; e.g. "
            f"?{max(stats.queries, key=len)[:150]}"
        )
    if args.client == "ws":
        print(f"elements sent by reference (already cached by the client): {stats.by_reference}")
    print(
        f"errors: {len(stats.errors)}; exception elements: {stats.exceptions}; "
        f"error boxes: {len(stats.error_boxes)}"
    )
    for text in (stats.errors + stats.error_boxes)[:15]:
        print(f"  {text}")
    print(
        f"CPU seconds during the sessions: server {cpu_server:.1f}, "
        f"client {cpu_browser:.1f} (of {2 * wall:.0f} available on 2 cores); "
        f"server CPU per action {1000 * cpu_server / max(1, len(allv)):.0f} ms"
    )
    grown = (rss_after - rss_start) / rss_start * 100 if rss_start else float("nan")
    print(
        f"server RSS: cold (nothing imported yet) {rss_cold / 1024:.1f} MiB; "
        f"start (after a 1-session warm-up) {rss_start / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
        f"at close {rss_closed / 1024:.1f} MiB, {args.settle:g} s after close "
        f"{rss_after / 1024:.1f} MiB ({grown:+.1f}% vs start)"
    )
    print(
        f"server RSS after the next 2 sessions came and went (Streamlit then drops the "
        f"expired ones): {rss_next / 1024:.1f} MiB ({(rss_next - rss_start) / rss_start * 100:+.1f}%"
        " vs start)"
    )
    print(
        f"the server process alone (ui/offload.py's helper processes aside): start "
        f"{own_start / 1024:.1f} MiB, after the next 2 sessions {own_next / 1024:.1f} MiB "
        f"({(own_next - own_start) / own_start * 100 if own_start else float('nan'):+.1f}%)"
    )
    per_session = (peak - rss_start) / max(len(stats.opened), 1)
    print(
        f"RSS per session (peak - start) / sessions opened: {per_session / 1024:.2f} MiB; "
        f"10 s after close {rss_10s / 1024:.1f} MiB "
        f"({(rss_10s - rss_start) / rss_start * 100 if rss_start else float('nan'):+.1f}% vs start)"
    )
    if len(wave_rss) > 1:
        print(
            f"RSS {args.settle:g} s after each wave: "
            + ", ".join(f"{v / 1024:.1f} MiB" for v in wave_rss)
            + f" (start {rss_start / 1024:.1f} MiB)"
        )
    p95 = pct(allv, 0.95) if allv else float("inf")
    errors = len(stats.errors) + stats.exceptions + len(stats.error_boxes)
    if args.realistic:
        verdict = {
            "0 errors": errors == 0,
            "p95 <= 1 s": p95 <= 1.0,
            "RSS within 15% of start once the next sessions came": rss_next <= rss_start * 1.15,
        }
    else:
        verdict = {
            "0 errors": errors == 0,
            "p95 < 1.5 s": p95 < 1.5,
            "RSS after within 20% of start": rss_after <= rss_start * 1.2,
        }
    print("targets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in verdict.items()))
    warnings = [
        ln
        for ln in log_path.read_text(errors="replace").splitlines()
        if "Traceback" in ln or "Error" in ln or "WARNING" in ln
    ]
    print(f"server log: {log_path} ({len(warnings)} error/warning lines)")
    for ln in warnings[:10]:
        print(f"  {ln[:200]}")
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
