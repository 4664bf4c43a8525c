"""Start and stop the poolviz Streamlit app for browser tests and the page benchmark.

Shared by ``tests/e2e/conftest.py`` and ``benchmarks/`` (bench_explorer, load, replicas). No pytest import
here, so the benchmark can use it as a plain module.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    f"Chromium not found at {CHROMIUM}; install it with `apt-get install chromium` "
    "(never `playwright install`)."
)
HEALTH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0

# The page's script state: "notRunning" once a run is over (it reads "initial" before the
# first run ends).
APP = '[data-testid="stApp"]'
APP_IDLE = f'{APP}[data-test-script-state="notRunning"]'


class ServerError(RuntimeError):
    """The app did not come up; the message holds the server log."""


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace").strip()
    except (urllib.error.URLError, OSError):
        return None


@dataclass
class AppServer:
    """A running ``streamlit run app.py`` in its own process group."""

    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers; idempotent."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=STOP_TIMEOUT_S)


def start_app(
    timeout: float = HEALTH_TIMEOUT_S, log_dir: str | None = None, script: str = "app.py"
) -> AppServer:
    """Start ``script`` (the app by default; a path relative to the repository root) on a
    free port and wait (bounded) until ``/_stcore/health`` says ok."""
    port = free_port()
    fd, log_name = tempfile.mkstemp(prefix="poolviz-streamlit-", suffix=".log", dir=log_dir)
    log_path = Path(log_name)
    with os.fdopen(fd, "wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                # No file watcher: others edit the tree while tests run (a reload mid-test
                # would be a flake), and watchdog otherwise watches all of .git/.hypothesis.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = AppServer(proc, port, log_path)
    health = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(
                f"streamlit exited with code {proc.returncode} before answering; "
                f"log {log_path}:\n{server.log()}"
            )
        if _health(health) == "ok":
            return server
        time.sleep(0.2)
    server.stop()
    raise ServerError(f"{health} did not answer 'ok' within {timeout:g} s; log:\n{server.log()}")


def launch_browser(playwright):
    """Debian's Chromium through Playwright's sync API (no downloaded browsers)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class StaticCache:
    """Serve Streamlit's static files (JS, CSS, fonts) to new browser contexts from memory.

    Each test gets a fresh context (fresh storage, a fresh Streamlit session), and a
    fresh context has an empty HTTP cache: about 140 requests per page load. The files
    under ``/static/`` are the same for the whole run, so the first answer is kept and
    replayed; everything else (the page, the websocket, health) goes to the server.
    """

    PATTERN = "**/static/**"

    def __init__(self) -> None:
        self._answers: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def handle(self, route) -> None:
        url = route.request.url
        cached = self._answers.get(url)
        if cached is not None:
            status, headers, body = cached
            route.fulfill(status=status, headers=headers, body=body)
            return
        response = route.fetch()
        body = response.body()
        if response.status == 200:
            self._answers[url] = (response.status, response.headers, body)
        route.fulfill(response=response, body=body)

    def attach(self, context) -> None:
        context.route(self.PATTERN, self.handle)
