"""The bounded job executor (ui/jobs.py): FIFO, the concurrency bound, the CPU cap,
cancellation, session cleanup, safe failure messages, and no thread left behind."""

from __future__ import annotations

import threading
import time

import pytest

from poolviz.lessons.experiment import ExperimentConfig, run_experiment
from ui.jobs import JobExecutor, JobStatus, QueueFull, SessionBusy

WAIT = 10.0  # generous bound on any single wait; the tests themselves take ~3 s


def _job_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "poolviz-job"]


@pytest.fixture
def executor_factory():
    """Executors made by a test; each is shut down and its threads checked after."""
    before = set(threading.enumerate())
    made: list[JobExecutor] = []

    def make(**options) -> JobExecutor:
        ex = JobExecutor(**options)
        made.append(ex)
        return ex

    yield make
    for ex in made:
        assert ex.shutdown(timeout=WAIT)
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not left, f"threads left behind: {left}"


class Recorder:
    """Jobs that wait on a gate (or until stopped) and record start order and concurrency."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: list[str] = []
        self.running = 0
        self.peak = 0
        self.gates: dict[str, threading.Event] = {}

    def job(self, name: str):
        gate = self.gates.setdefault(name, threading.Event())

        def fn(should_stop, progress):
            with self.lock:
                self.started.append(name)
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                while not gate.wait(0.01):
                    if should_stop():
                        return f"{name} stopped"
                    progress(0.5, {"who": name})
                return f"{name} done"
            finally:
                with self.lock:
                    self.running -= 1

        return fn


def _until(predicate, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def test_fifo_order_bound_and_queue_positions(executor_factory):
    ex = executor_factory(workers=2, cpu_cap_s=None)
    rec = Recorder()
    ids = {f"s{i}": ex.submit(f"s{i}", rec.job(f"s{i}"), name="training") for i in range(6)}
    assert ex.counts() == (2, 4)
    assert [ex.status(ids[s]).state for s in ("s0", "s1")] == ["running", "running"]
    assert [ex.position(ids[f"s{i}"]) for i in range(2, 6)] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert ex.status(ids["s5"]).describe() == "Queued: position 4 of 4"
    assert ex.position(ids["s0"]) is None
    for i in range(6):  # release one at a time: the next queued job starts, in order
        rec.gates[f"s{i}"].set()
        assert ex.wait(ids[f"s{i}"], WAIT).reason == "done"
        assert ex.status(ids[f"s{i}"]).result == f"s{i} done"
    assert rec.started == [f"s{i}" for i in range(6)]
    assert rec.peak == 2
    _until(lambda: not _job_threads())  # idle executor: no worker threads at all


def test_many_sessions_never_exceed_the_bound(executor_factory):
    ex = executor_factory(workers=3, cpu_cap_s=None)
    rec = Recorder()
    ids = [ex.submit(f"s{i}", rec.job(f"s{i}")) for i in range(12)]
    _until(lambda: len(rec.started) == 3)
    assert ex.counts() == (3, 9)
    for gate in rec.gates.values():
        gate.set()
    statuses = [ex.wait(j, WAIT) for j in ids]
    assert [s.reason for s in statuses] == ["done"] * 12
    assert rec.peak <= 3 and len(_job_threads()) <= 3


def test_default_workers_is_the_core_count():
    import os

    assert JobExecutor().workers == (os.cpu_count() or 1)
    with pytest.raises(ValueError, match="`workers`"):
        JobExecutor(workers=0)


def test_one_job_per_session_refused_or_replaced(executor_factory):
    ex = executor_factory(workers=1, cpu_cap_s=None)
    rec = Recorder()
    first = ex.submit("a", rec.job("a1"))
    with pytest.raises(SessionBusy, match="already queued or running"):
        ex.submit("a", rec.job("a2"))
    second = ex.submit("a", rec.job("a3"), replace=True)
    old = ex.wait(first, WAIT)
    assert old.reason == "cancelled" and old.result == "a1 stopped"
    rec.gates["a3"].set()
    assert ex.wait(second, WAIT).reason == "done"
    assert ex.poll("a").job_id == second
    third = ex.submit("a", lambda stop, progress: 3)  # finished jobs do not block
    assert ex.wait(third, WAIT).result == 3


def test_queue_limit(executor_factory):
    ex = executor_factory(workers=1, cpu_cap_s=None, max_queue=2)
    rec = Recorder()
    for s in ("a", "b", "c"):
        ex.submit(s, rec.job(s))
    with pytest.raises(QueueFull):
        ex.submit("d", rec.job("d"))


def _spin(should_stop, progress):
    """Pure CPU work that checks should_stop every ~1 ms of work."""
    n = 0
    while not should_stop():
        n += sum(range(2000))
        progress(0.1)
    return n


def test_cpu_cap_stops_a_busy_job(executor_factory):
    ex = executor_factory(workers=2, cpu_cap_s=0.3)
    t0 = time.monotonic()
    job = ex.submit("a", _spin, name="training")
    status = ex.wait(job, WAIT)
    assert status.reason == "cpu-cap"
    assert 0.3 <= status.cpu_seconds < 1.5
    assert "share of the server" in status.message
    assert time.monotonic() - t0 < 5


def test_cpu_cap_counts_cpu_not_waiting(executor_factory):
    # a job that mostly sleeps uses little CPU: a small cap does not stop it
    ex = executor_factory(workers=1, cpu_cap_s=0.2)

    def sleepy(should_stop, progress):
        for i in range(10):
            time.sleep(0.05)
            if should_stop():
                return "stopped"
            progress((i + 1) / 10)
        return "slept"

    status = ex.wait(ex.submit("a", sleepy), WAIT)
    assert status.reason == "done" and status.result == "slept" and status.fraction == 1.0


def test_cancel_running_and_queued(executor_factory):
    ex = executor_factory(workers=1, cpu_cap_s=None)
    rec = Recorder()
    running = ex.submit("a", rec.job("a"))
    queued = ex.submit("b", rec.job("b"))
    later = ex.submit("c", rec.job("c"))
    assert ex.cancel(queued)
    assert ex.status(queued).reason == "cancelled"
    assert ex.position(later) == (1, 1)
    assert ex.cancel(running)
    assert ex.wait(running, WAIT).reason == "cancelled"
    _until(lambda: ex.status(later).state == "running")
    assert not ex.cancel(queued)  # already finished
    assert rec.started == ["a", "c"]
    rec.gates["c"].set()
    assert ex.wait(later, WAIT).reason == "done"


def test_cancel_session_forgets_it(executor_factory):
    ex = executor_factory(workers=1, cpu_cap_s=None)
    rec = Recorder()
    a = ex.submit("a", rec.job("a"))
    b = ex.submit("b", rec.job("b"))
    assert ex.cancel_session("b") == 1  # queued: removed and forgotten at once
    with pytest.raises(KeyError):
        ex.status(b)
    assert ex.cancel_session("a") == 1  # running: told to stop, then forgotten
    _until(lambda: ex.counts() == (0, 0))
    _until(lambda: a not in ex._jobs)
    assert ex.poll("a") is None and ex.cancel_session("nobody") == 0


def test_sweep_cancels_jobs_of_sessions_that_stopped_polling(executor_factory):
    now = [0.0]
    ex = executor_factory(workers=1, cpu_cap_s=None, idle_timeout_s=30, clock=lambda: now[0])
    rec = Recorder()
    gone = ex.submit("gone", rec.job("gone"))
    waiting = ex.submit("waiting", rec.job("waiting"))
    alive = ex.submit("alive", rec.job("alive"))
    now[0] = 20.0
    ex.poll("alive")
    now[0] = 40.0  # "gone" and "waiting" last seen at 0 s, "alive" at 20 s
    assert sorted(ex.sweep()) == sorted([gone, waiting])
    assert ex.wait(gone, WAIT).reason == "cancelled"
    assert "page was closed" in ex.status(gone).message
    assert ex.status(waiting).reason == "cancelled"
    _until(lambda: ex.status(alive).state == "running")
    rec.gates["alive"].set()
    assert ex.wait(alive, WAIT).reason == "done"
    now[0] = 75.0
    ex.poll("alive")
    now[0] = 105.0  # twice the timeout after their last status call, gone sessions' records go
    ex.sweep()
    assert ex.poll("gone") is None and ex.poll("alive").job_id == alive


def test_sweep_uses_the_session_liveness_probe(executor_factory):
    live = {"a": True, "b": True}
    ex = executor_factory(workers=2, cpu_cap_s=None, is_alive=lambda s: live[s])
    rec = Recorder()
    a, b = ex.submit("a", rec.job("a")), ex.submit("b", rec.job("b"))
    live["b"] = False
    # nobody polls: the running jobs' own should_stop() sweeps, and notices "b" is gone
    assert ex.wait(b, WAIT).reason == "cancelled"
    assert ex.status(a).state == "running"
    rec.gates["a"].set()
    assert ex.wait(a, WAIT).reason == "done"


def test_failed_job_stores_a_safe_message(executor_factory):
    ex = executor_factory(workers=1)

    def broken(should_stop, progress):
        raise RuntimeError("/srv/secret/path.py: <script>alert(1)</script>")

    status = ex.wait(ex.submit("a", broken, name="training"), WAIT)
    assert status.reason == "failed"
    assert status.message.startswith("The training failed: an unexpected error occurred")
    assert "RuntimeError" in status.message
    assert "secret" not in status.message and "<script>" not in status.message
    assert status.describe().startswith("Failed: ")


def test_shutdown_cancels_everything_and_refuses(executor_factory):
    ex = executor_factory(workers=2, cpu_cap_s=None)
    rec = Recorder()
    ids = [ex.submit(f"s{i}", rec.job(f"s{i}")) for i in range(5)]
    assert ex.shutdown(timeout=WAIT)
    assert {ex.status(j).reason for j in ids} == {"cancelled"}
    assert not _job_threads()
    with pytest.raises(Exception, match="shutting down"):
        ex.submit("x", rec.job("x"))


def test_status_is_a_frozen_snapshot():
    s = JobStatus(1, "s", "job", "done")
    assert s.finished and s.reason == "done"
    with pytest.raises(AttributeError):
        s.state = "running"  # type: ignore[misc]


def test_run_experiment_fits_the_job_api(executor_factory):
    ex = executor_factory(workers=1, cpu_cap_s=None)
    config = ExperimentConfig(n_samples=100, grid=8, steps=100, span=3)

    def train(should_stop, progress):
        return run_experiment(config, progress=progress, should_stop=should_stop)

    status = ex.wait(ex.submit("a", train, name="training"), 60)
    assert status.reason == "done" and status.fraction == 1.0
    assert not status.result.stopped

    long_config = ExperimentConfig(n_samples=100, grid=8, steps=5000, span=3)
    cancelled = ex.submit(
        "b", lambda stop, prog: run_experiment(long_config, progress=prog, should_stop=stop)
    )
    _until(lambda: ex.status(cancelled).fraction > 0)
    ex.cancel(cancelled)
    status = ex.wait(cancelled, 60)
    assert status.reason == "cancelled" and status.result.stopped


def test_forget_drops_only_finished_jobs(executor_factory):
    ex = executor_factory(workers=1)
    rec = Recorder()
    job = ex.submit("s", rec.job("a"))
    _until(lambda: ex.status(job).state == "running")
    assert not ex.forget(job)  # running: kept
    rec.gates["a"].set()
    assert ex.wait(job, timeout=WAIT).state == "done"
    assert ex.poll("s").result == "a done"
    assert ex.forget(job) and ex.poll("s") is None
    assert not ex.forget(job)  # already gone
