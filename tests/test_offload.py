"""ui.offload: builds run in one helper process, and anything wrong with it only moves the
build back into the server's own process."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from poolviz.core.checks import PoolvizError
from poolviz.view import downloads, state
from ui.offload import SCRIPT_THREAD, Helper, no_other_script_runs


def _pid() -> int:
    return os.getpid()


def _stuck_unless_in(parent: int) -> int:
    """Hangs in the helper; returns at once in the process that asked."""
    if os.getpid() != parent:
        time.sleep(60)
    return os.getpid()


def _bad_radius() -> None:
    downloads.explorer_payload_text(state.BOOK_PATTERN, ((1.0,),), wanted=99)


def _wait_gone(pid: int, message: str, timeout: float = 10.0) -> None:
    """Wait until process ``pid`` no longer exists; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def _ready(helper: Helper, timeout: float = 60.0) -> int:
    helper.start()
    deadline = time.monotonic() + timeout
    while not helper.ready():
        assert time.monotonic() < deadline, "the helper process never became ready"
        time.sleep(0.05)
    return helper.pid()


@pytest.fixture
def helper():
    h = Helper(enabled=True)
    yield h
    h.shutdown()


def test_before_the_helper_is_ready_a_call_runs_here_at_once(helper):
    assert helper.run(_pid) == os.getpid()  # the first call started it; it is not ready
    assert helper.counts["here"] == 1 and helper.counts["helper"] == 0


def test_once_ready_calls_run_in_the_helper_and_give_the_same_payload(helper):
    pid = _ready(helper)
    assert pid != os.getpid()
    assert helper.run(_pid) == pid
    args = (state.DEFAULT.pattern, state.DEFAULT.layer_settings(), state.DEFAULT.pipelines)
    assert helper.run(downloads.explorer_payload_text, *args) == downloads.explorer_payload_text(*args)
    assert helper.counts == {"helper": 2, "here": 0, "restarts": 0}


def test_an_exception_comes_back_as_itself(helper):
    _ready(helper)
    with pytest.raises(PoolvizError, match=r"`radius` must be from 0 to 8; got 99"):
        helper.run(_bad_radius)
    assert helper.counts["helper"] == 0 and helper.counts["restarts"] == 0
    assert helper.run(_pid) == helper.pid()  # and the helper still works


def test_a_killed_helper_is_replaced_and_its_build_runs_here(helper):
    pid = _ready(helper)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert helper.run(_pid) == os.getpid()  # the dead helper's call ran here
    assert helper.counts["restarts"] == 1
    new = _ready(helper)
    assert new != pid and helper.run(_pid) == new


def test_a_stuck_build_is_redone_here_and_the_helper_replaced():
    h = Helper(enabled=True, wait_s=0.5)
    try:
        pid = _ready(h)
        started = time.monotonic()
        assert h.run(_stuck_unless_in, os.getpid()) == os.getpid()
        assert time.monotonic() - started < 10.0  # waited 0.5 s, not the stuck call's 60
        assert h.counts["restarts"] == 1
        _wait_gone(pid, "the stuck helper is still alive")  # killed, not left running
    finally:
        h.shutdown()


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_a_submitted_job_runs_there_while_this_process_goes_on(helper):
    pid = _ready(helper)
    started = time.monotonic()
    job = helper.submit(_sleep_then_pid, 0.5)
    assert job.started and time.monotonic() - started < 0.4  # submit did not wait
    assert job.result() == pid and job.result() == pid  # computed once, kept
    assert helper.counts == {"helper": 1, "here": 0, "restarts": 0}


def test_a_job_the_helper_could_not_take_runs_here_when_asked(helper):
    job = helper.submit(_pid)  # the first call starts the helper; it is not ready yet
    assert not job.started and helper.counts["here"] == 0  # nothing ran yet
    assert job.result() == os.getpid() and helper.counts["here"] == 1


def test_a_jobs_exception_comes_back_and_a_killed_helpers_job_runs_here(helper):
    _ready(helper)
    with pytest.raises(PoolvizError, match=r"got 99"):
        helper.submit(_bad_radius).result()
    pid = helper.pid()
    job = helper.submit(_sleep_then_pid, 2.0)
    os.kill(pid, signal.SIGKILL)
    assert job.result() == os.getpid()  # the dead helper's job, redone here
    assert helper.counts["restarts"] == 1


def test_another_sessions_running_script_is_seen_and_the_callers_own_is_not():
    assert no_other_script_runs()
    release = threading.Event()
    other = threading.Thread(target=release.wait, name=SCRIPT_THREAD)
    other.start()
    try:
        assert not no_other_script_runs()  # another session's script is running
        seen = []
        mine = threading.Thread(
            target=lambda: seen.append(no_other_script_runs()), name=SCRIPT_THREAD
        )
        release.set()
        other.join()
        mine.start()
        mine.join()
        assert seen == [True]  # a script thread does not count itself
    finally:
        release.set()


def test_disabled_it_never_starts_a_process(monkeypatch):
    monkeypatch.setenv("POOLVIZ_HELPER_PROCESS", "0")
    h = Helper()
    assert h.run(_pid) == os.getpid() and h.run(_pid) == os.getpid()
    assert h.pid() is None and h.counts == {"helper": 0, "here": 2, "restarts": 0}


def test_shutdown_ends_the_helper_process(helper):
    pid = _ready(helper)
    helper.shutdown()
    _wait_gone(pid, "the helper outlived shutdown()")
    assert not helper.ready()


_PARENT = """
import sys, time
from ui.offload import Helper
h = Helper(enabled=True)
h.start()
while not h.ready():
    time.sleep(0.05)
print(h.pid(), flush=True)
time.sleep(120)
"""


def test_a_server_killed_with_sigkill_leaves_no_helper_behind():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], cwd=root, stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        pid = int(parent.stdout.readline())
        parent.kill()  # SIGKILL to the server alone, not to its process group
        parent.wait(10)
        _wait_gone(pid, "the helper outlived its killed server", timeout=15.0)
    finally:
        parent.kill()
