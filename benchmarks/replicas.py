"""Three replicas behind nginx, one killed mid-run: no view lost, uploads and downloads work.

Usage::

    python benchmarks/replicas.py                      # 12 sessions, 45 s, kill at 15 s
    python benchmarks/replicas.py --sessions 24 --seconds 60 --fault-at 20

What it does (loopback only, bounded in count and time; everything stops in a finally):

1. starts 3 replicas (``streamlit run app.py``, headless, each on a free 127.0.0.1 port,
   in its own process group) and Debian's nginx as a child process
   (``nginx -p TMP -c TMP/nginx.conf -g 'daemon off;'``) with the config rendered from
   ``deploy/nginx.conf`` (pid, logs and temp files in TMP), listening on a free port;
2. opens N websocket sessions THROUGH NGINX, each with its own cookie jar like a browser:
   ``GET /`` (nginx sets ``poolviz_replica``, Streamlit ``_streamlit_xsrf``), then the
   websocket with those cookies (``benchmarks/load.py``'s protocol client and checked
   actions: a released shift, a paint batch, the "Pooling kind" selectbox),
   each acting every 0.3-1.2 s;
3. at ``--fault-at`` s SIGKILLs the replica holding the most sessions (a crash, not a
   clean stop). Its sessions see their websocket drop, reconnect through nginx with the
   same cookie jar (nginx fails over to the ring's backup and re-sets the cookie), open a
   new session with the URL query they last had (as a browser's reconnect does) and
   compare the view the new replica draws with the one they had: the Explore
   component's payload (the input pattern, both pipelines' maps: the pool, the filter)
   and the shift it is told (dx, dy, edge mode), and the address: "views restored /
   views open";
4. after the run, for every session that moved (at most 3): an UPLOAD (the page's own
   ``st.file_uploader``: file URL request over the websocket, ``PUT
   /_stcore/upload_file/...`` through nginx with the XSRF header, then the widget state
   and a rerun: the pattern must change to the image, no error) and a DOWNLOAD (the
   page's "Slide PNG" export: deferred-file request over the websocket, ``GET /media/...``
   through nginx: a PNG). As controls, the same PUT and GET sent straight to another
   replica must fail (400 / 404): stickiness is what made them work;
5. prints latency percentiles before / during (``--fault-window`` s after the kill) /
   after the fault, errors, reconnect times, views restored against views open, the
   upload and download results, and the replicas' share of sessions.

Latency = BackMsg sent -> ``script_finished``, as in ``benchmarks/load.py``. Not part of
the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a script's sys.path starts at benchmarks/
sys.path.insert(0, str(REPO / "benchmarks"))
from load import ACTIONS, EXPLORER_KEY, RUN_WAIT_MS, WsPage, pct, ws_act  # noqa: E402

from deploy.render_nginx import render  # noqa: E402
from tests.e2e.server import AppServer, free_port, start_app  # noqa: E402

NGINX = "/usr/sbin/nginx"
REPLICAS = 3
CONTROL_DROP_URL = False  # --control-drop-url: reconnect WITHOUT the URL (the check must fail)


# --------------------------------------------------------------------------- nginx


@dataclass
class Nginx:
    proc: subprocess.Popen
    port: int
    prefix: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: finish, then exit
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)


def start_nginx(replicas: list[AppServer], prefix: Path) -> Nginx:
    port = free_port()
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    addresses = [f"127.0.0.1:{r.port}" for r in replicas]
    conf.write_text(render(addresses, f"127.0.0.1:{port}", str(prefix)), encoding="utf-8")
    check = subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    if check.returncode:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    proc = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=open(prefix / "stderr.log", "wb"),  # noqa: SIM115 — closed with the process
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    server = Nginx(proc, port, prefix)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {(prefix / 'error.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("nginx did not listen within 15 s")


# --------------------------------------------------------------------------- http


class Jar:
    """One browser's cookies for one host (enough for nginx's and Streamlit's cookies)."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def take(self, headers) -> None:
        for value in headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            parsed.load(value)
            for name, morsel in parsed.items():
                self.cookies[name] = morsel.value

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def http(
    url: str, jar: Jar | None, method: str = "GET", body: bytes | None = None, headers=None
) -> tuple[int, bytes, dict]:
    """A blocking HTTP request without proxies; returns (status, body, headers)."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if jar is not None and jar.cookies:
        request.add_header("Cookie", jar.header())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=15) as response:
            if jar is not None:
                jar.take(response.headers)
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        if jar is not None:
            jar.take(error.headers)
        return error.code, error.read(), dict(error.headers)


def multipart(name: str, filename: str, data: bytes, mime: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def dot_png() -> bytes:
    """A 64x64 white PNG with a black square: the page turns dark pixels into ink."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).rectangle((8, 40, 30, 60), fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- sessions


class Page(WsPage):
    """WsPage plus what this benchmark needs: the session id, a signature of the view
    drawn, the uploader's id, the PNG download's deferred file id, and replies to
    file-URL and backend-operation requests."""

    def __init__(self, ws, query_string: str = "") -> None:
        super().__init__(ws, query_string)
        self.session_id = ""
        self.view: dict[str, object] = {}
        self.done_view: dict[str, object] = {}
        self.done_query = ""
        self.uploader_id = ""
        self.png_file_id = ""
        self.replies: dict[str, object] = {}

    def handle(self, msg) -> bool:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id
        elif kind == "file_urls_response":
            self.replies[msg.file_urls_response.response_id] = msg.file_urls_response
        elif kind == "backend_operation_response":
            self.replies[msg.backend_operation_response.request_id] = msg.backend_operation_response
        finished = super().handle(msg)  # resolves ref_hash messages and reads the component
        msg = self.resolved
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            widget = getattr(element, which) if which else None
            key = widget.id.rsplit("-", 1)[-1] if getattr(widget, "id", "") else ""
            if which == "bidi_component" and key == EXPLORER_KEY:
                # The view the component draws: its payload (the input pattern, both
                # pipelines' maps with the pool and the filter) and the shift it is told
                # (dx, dy, edge mode). Not ack and rev: they count this session's events.
                shift = self.explorer.get("shift", {})
                self.view["explorer"] = _digest(self.payload_text)
                self.view["shift"] = (shift.get("dx"), shift.get("dy"), shift.get("mode"))
                self.view["pattern"] = _digest(json.dumps(self.input_pattern()))
            elif which == "plotly_chart":  # any other chart the open tab draws, by key
                self.view[re.sub(r"_\d+$", "", key)] = _digest(widget.spec)
            elif which == "file_uploader" and key.startswith("upload_"):
                self.uploader_id = widget.id
            elif which == "download_button" and key == "dl_png":
                self.png_file_id = widget.deferred_file_id
        if finished:
            self.done_view, self.done_query = dict(self.view), self.query or self.done_query
        return finished

    async def request(self, build, reply_id: str, timeout: float = 30.0):
        """Send a BackMsg built by ``build(msg)``; read until the reply ``reply_id``."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        build(msg)
        await self.ws.send(msg.SerializeToString())
        deadline = time.monotonic() + timeout
        while reply_id not in self.replies:
            forward = ForwardMsg()
            forward.ParseFromString(
                await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.monotonic()))
            )
            self.handle(forward)
        return self.replies.pop(reply_id)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass
class Session:
    index: int
    jar: Jar = field(default_factory=Jar)
    page: Page | None = None
    ws: object = None
    replica: str = ""  # the cookie's value
    moved_from: str = ""
    lost_at: float = 0.0
    reconnect_s: float = 0.0
    restored: bool | None = None
    mismatch: str = ""


@dataclass
class Run:
    t0: float = 0.0
    fault_t: float = float("inf")
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (done at, seconds)
    errors: list[str] = field(default_factory=list)
    disconnects: int = 0


async def open_session(base: str, s: Session, query: str = "") -> Page:
    from websockets.asyncio.client import connect

    if not s.jar.cookies:  # a browser's first request: the page itself
        status, _, _ = await asyncio.to_thread(http, base + ("?" + query if query else ""), s.jar)
        if status != 200:
            raise RuntimeError(f"GET / answered {status}")
    # the frontend asks for health before (re)connecting; it also sets the XSRF cookie
    status, _, _ = await asyncio.to_thread(http, base + "_stcore/health", s.jar)
    if status != 200:
        raise RuntimeError(f"GET /_stcore/health answered {status}")
    ws = await connect(
        base.replace("http://", "ws://") + "_stcore/stream",
        subprotocols=["streamlit"],
        proxy=None,
        max_size=64 * 2**20,
        open_timeout=30,
        additional_headers={"Cookie": s.jar.header()},
    )
    s.jar.take(ws.response.headers)  # nginx re-sets poolviz_replica on the handshake
    s.replica = s.jar.cookies.get("poolviz_replica", "?")
    s.ws, s.page = ws, Page(ws, query)
    await s.page.run(RUN_WAIT_MS / 1000)
    return s.page


async def drive(base: str, s: Session, run: Run, deadline: float) -> None:
    from websockets.exceptions import ConnectionClosed

    rng = random.Random(s.index)
    state: dict = {}
    try:
        await open_session(base, s)
    except Exception as error:  # noqa: BLE001
        run.errors.append(f"session {s.index} open: {type(error).__name__}: {error}"[:200])
        return
    while time.monotonic() < deadline:
        kind = rng.choice(ACTIONS)
        start = time.perf_counter()
        try:
            await ws_act(s.page, kind, rng, state)
            run.latencies.append((time.monotonic(), time.perf_counter() - start))
        except (ConnectionClosed, OSError) as error:
            if time.monotonic() < run.fault_t or s.moved_from:
                run.errors.append(f"session {s.index} {kind}: {type(error).__name__}")
                return
            run.disconnects += 1
            await reconnect(base, s, run, deadline)
            if s.page is None:
                return
        except Exception as error:  # noqa: BLE001 — count every failure, keep going
            run.errors.append(f"session {s.index} {kind}: {type(error).__name__}: {error}"[:200])
        await asyncio.sleep(rng.uniform(0.3, 1.2))


async def reconnect(base: str, s: Session, run: Run, deadline: float) -> None:
    """As Streamlit's frontend does: retry the websocket, then rerun with the URL's query."""
    old = s.page
    s.moved_from, s.lost_at = s.replica, time.monotonic()
    s.page = None
    query = "" if CONTROL_DROP_URL else old.done_query
    for _attempt in range(20):
        try:
            page = await open_session(base, s, query)
        except Exception:  # noqa: BLE001 — the replica is down; nginx fails over
            await asyncio.sleep(0.5)
            continue
        s.reconnect_s = time.monotonic() - s.lost_at
        same_url = page.done_query == old.done_query
        s.restored = page.done_view == old.done_view and bool(page.done_view) and same_url
        if not s.restored:
            s.mismatch = (
                f"had ?{old.done_query} {old.done_view}, got ?{page.done_query} {page.done_view}"
            )
        return
    run.errors.append(f"session {s.index}: no reconnect in 20 tries")


# --------------------------------------------------------------------------- upload/download


async def upload_and_download(base: str, s: Session, other: str) -> dict[str, object]:
    """The page's uploader and PNG download through nginx; the same requests to ``other``
    (a replica that does not hold the session) as controls."""
    from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    page = s.page
    out: dict[str, object] = {"session": s.index, "replica": s.replica, "from": s.moved_from}
    data = dot_png()
    request_id = uuid.uuid4().hex

    def ask_urls(msg) -> None:
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.session_id = page.session_id
        msg.file_urls_request.file_names.append("dot.png")

    reply = await page.request(ask_urls, request_id)
    urls = reply.file_urls[0]
    body, content_type = multipart("file", "dot.png", data, "image/png")
    headers = {"Content-Type": content_type, "X-Xsrftoken": s.jar.cookies["_streamlit_xsrf"]}
    put = await asyncio.to_thread(
        http, base.rstrip("/") + urls.upload_url, s.jar, "PUT", body, headers
    )
    control = await asyncio.to_thread(
        http, other.rstrip("/") + urls.upload_url, s.jar, "PUT", body, headers
    )
    out["upload PUT via nginx"] = put[0]
    out["same PUT to another replica"] = control[0]
    before = page.view.get("pattern")
    info = UploadedFileInfo(
        name="dot.png", size=len(data), file_id=urls.file_id,
        file_urls=FileURLs(file_id=urls.file_id, upload_url=urls.upload_url,
                           delete_url=urls.delete_url),
    )  # fmt: skip
    state = WidgetState(id=page.uploader_id)
    state.file_uploader_state_value.uploaded_file_info.append(info)
    page.states[page.uploader_id] = state
    exceptions, boxes = page.exceptions, len(page.error_boxes)
    await page.run()
    del page.states[page.uploader_id]
    out["pattern changed by the upload"] = page.view.get("pattern") != before
    out["errors on that run"] = page.exceptions - exceptions + len(page.error_boxes) - boxes

    # The downloads sit in an expander drawn only while open: open it, as a click does.
    page.set("open_downloads", bool_value=True)
    await page.run()
    request_id = uuid.uuid4().hex

    def ask_file(msg) -> None:
        msg.backend_operation_request.request_id = request_id
        msg.backend_operation_request.session_id = page.session_id
        msg.backend_operation_request.deferred_file.file_id = page.png_file_id

    reply = await page.request(ask_file, request_id)
    url = reply.deferred_file.url
    got = await asyncio.to_thread(http, base.rstrip("/") + url, s.jar)
    control = await asyncio.to_thread(http, other.rstrip("/") + url, None)
    out["download GET via nginx"] = got[0]
    out["download is a PNG"] = got[1][:8] == b"\x89PNG\r\n\x1a\n"
    out["download bytes"] = len(got[1])
    out["same GET to another replica"] = control[0]
    return out


# --------------------------------------------------------------------------- report


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<7} n=0"
    return (
        f"  {name:<7} n={len(values):<5} p50={pct(values, 0.5):6.3f} s  "
        f"p95={pct(values, 0.95):6.3f} s  p99={pct(values, 0.99):6.3f} s  "
        f"max={max(values):6.3f} s"
    )


async def scenario(args, replicas: list[AppServer], proxy: Nginx) -> int:
    base = proxy.url
    run = Run(t0=time.monotonic())
    deadline = run.t0 + args.seconds
    sessions = [Session(i) for i in range(args.sessions)]
    tasks = [asyncio.create_task(drive(base, s, run, deadline)) for s in sessions]
    await asyncio.sleep(args.fault_at)
    by_port = {str(k): r for k, r in enumerate(replicas)}
    counts = {k: sum(s.replica == k for s in sessions) for k in by_port}
    victim = max(counts, key=lambda k: counts[k])
    run.fault_t = time.monotonic()
    os.killpg(by_port[victim].proc.pid, signal.SIGKILL)  # a crash: no goodbye to anyone
    print(f"t={run.fault_t - run.t0:.1f} s: SIGKILL replica {victim} "
          f"(port {by_port[victim].port}) holding {counts[victim]} of {len(sessions)} sessions")  # fmt: skip
    await asyncio.gather(*tasks)

    moved = [s for s in sessions if s.moved_from]
    transfers = []
    for s in moved[:3]:
        if s.page is None:
            continue
        other = next(r for k, r in by_port.items() if k not in (victim, s.replica))
        try:
            transfers.append(await upload_and_download(base, s, other.url))
        except Exception as error:  # noqa: BLE001
            run.errors.append(
                f"session {s.index} upload/download: {type(error).__name__}: {error}"[:200]
            )
    for s in sessions:
        if s.ws is not None:
            await s.ws.close()

    fault = run.fault_t
    phases = {
        "before": [v for t, v in run.latencies if t < fault],
        "during": [v for t, v in run.latencies if fault <= t < fault + args.fault_window],
        "after": [v for t, v in run.latencies if t >= fault + args.fault_window],
    }
    exceptions = sum(s.page.exceptions for s in sessions if s.page)
    boxes = [b for s in sessions if s.page for b in s.page.error_boxes]
    print(f"replicas: {len(replicas)} on ports {[r.port for r in replicas]}, nginx on "
          f"{proxy.port}; sessions per replica at the fault (cookie): {counts}")  # fmt: skip
    print(
        f"latency, BackMsg -> script_finished (during = the {args.fault_window:g} s after the kill):"
    )
    for name, values in phases.items():
        print(line(name, values))
    print(line("all", [v for _, v in run.latencies]))
    restored = sum(bool(s.restored) for s in moved)
    print(f"sessions on the killed replica: {counts[victim]}; disconnected and reconnected "
          f"through nginx: {sum(s.page is not None for s in moved)}/{len(moved)}; "
          f"now on replica(s) {sorted({s.replica for s in moved})}")  # fmt: skip
    if moved:
        times = [s.reconnect_s for s in moved if s.restored is not None]
        print(f"reconnect (drop -> first run on the new replica): "
              f"p50={pct(times, 0.5):.2f} s max={max(times):.2f} s")  # fmt: skip
    print(f"views restored from the URL: {restored}/{len(moved)} views open on the killed replica")
    for s in moved:
        if s.restored is False:
            print(f"  session {s.index} view LOST: {s.mismatch}")
    unmoved_changed = [s.index for s in sessions if not s.moved_from and s.replica == victim]
    print(f"sessions still pinned to the dead replica: {len(unmoved_changed)}")
    print(f"errors: {len(run.errors)}; exception elements: {exceptions}; error boxes: "
          f"{len(boxes)}; expected websocket drops at the kill: {run.disconnects}")  # fmt: skip
    for text in (run.errors + boxes)[:12]:
        print(f"  {text}")
    print("upload and download on a failed-over session (controls: straight to a replica "
          "that does not hold the session):")  # fmt: skip
    for t in transfers:
        print("  " + json.dumps(t))
    ok = (
        not run.errors and not exceptions and not boxes and moved
        and restored == len(moved) and transfers
        and all(t["upload PUT via nginx"] in (200, 204) and t["pattern changed by the upload"]
                and t["download GET via nginx"] == 200 and t["download is a PNG"]
                and t["same PUT to another replica"] >= 400
                and t["same GET to another replica"] >= 400 for t in transfers)
    )  # fmt: skip
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--fault-at", type=float, default=15.0, help="kill a replica at, s")
    parser.add_argument("--fault-window", type=float, default=10.0, help="'during', s")
    parser.add_argument(
        "--control-drop-url",
        action="store_true",
        help="control run: reconnect without the URL query; views must then be reported lost",
    )
    args = parser.parse_args(argv)
    global CONTROL_DROP_URL
    CONTROL_DROP_URL = args.control_drop_url
    if not 1 <= args.sessions <= 60 or not 10 <= args.seconds <= 300:
        parser.error("--sessions must be 1..60 and --seconds 10..300")
    if not 0 < args.fault_at < args.seconds:
        parser.error("--fault-at must fall inside the run")
    if not Path(NGINX).exists():
        print(f"{NGINX} is missing: apt-get install nginx")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="poolviz-replicas-"))
    replicas: list[AppServer] = []
    proxy = None
    try:
        for _ in range(REPLICAS):
            replicas.append(start_app(log_dir=str(tmp)))
        proxy = start_nginx(replicas, tmp / "nginx")
        for r in replicas:  # warm each replica (first run imports numpy/plotly/the app)
            asyncio.run(_warm(r.url))
        return asyncio.run(scenario(args, replicas, proxy))
    finally:
        if proxy is not None:
            proxy.stop()
        for r in replicas:
            r.stop()
        print(f"stopped nginx and {len(replicas)} replicas; logs in {tmp}")


async def _warm(url: str) -> None:
    from websockets.asyncio.client import connect

    async with connect(url.replace("http://", "ws://") + "_stcore/stream",
                       subprotocols=["streamlit"], proxy=None, max_size=64 * 2**20) as ws:  # fmt: skip
        await WsPage(ws).run(RUN_WAIT_MS / 1000)


if __name__ == "__main__":
    sys.exit(main())
