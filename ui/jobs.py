"""One bounded executor per server process for every long job (training, retraining).

A course opens many sessions on one server; each "Train" click used to start its own
thread, so 40 students could start 40 CPU-bound trainings on 2 cores. :class:`JobExecutor`
runs at most ``workers`` jobs at once (default: the number of cores), keeps the rest in a
FIFO queue whose position a session can ask for, and holds **at most one job per
session**: a second :meth:`JobExecutor.submit` from a session whose job is still queued or
running is refused with :class:`SessionBusy`, unless ``replace=True``, which cancels the
old job first (a "Train" click with new settings replaces; a double click is refused).

Jobs are cooperative. A job is a function ``fn(should_stop, progress)``:

* ``should_stop()`` returns True once the job is cancelled, its session is gone, or it
  has used more CPU time than ``cpu_cap_s`` (measured with :func:`time.thread_time` in
  the job's own thread, so waiting in the queue or for the GIL does not count);
* ``progress(fraction, payload=None)`` records how far it is (0..1) and an optional
  payload (e.g. a partial curve); it also checks the CPU cap.

The job's return value becomes :attr:`JobStatus.result`. Every job ends with a reason:
``"done"``, ``"cancelled"``, ``"cpu-cap"`` or ``"failed"``; a failed job stores only a
short user-safe message (:func:`ui.errors.user_message`), never raw exception text.

Sessions end without a reliable callback in Streamlit, so jobs are also cancelled when
their session stops polling: every :meth:`status`/:meth:`poll` call records the session
as alive, and :meth:`sweep` (run on every submit and poll, and from inside running jobs'
``should_stop``) cancels jobs whose session has not polled for ``idle_timeout_s`` or
for which the optional ``is_alive(session_id)`` predicate says False (the page passes
``streamlit.runtime.get_instance().is_active_session``, documented thread-safe).

No thread outlives its work: a worker thread is started only for a job to run, takes the
next queued job when it finishes, and exits when the queue is empty. No Streamlit import
here, so this module is tested alone.

Examples
--------
>>> ex = JobExecutor(workers=1)
>>> job = ex.submit("session-a", lambda should_stop, progress: 6 * 7)
>>> ex.wait(job, timeout=5).reason, ex.status(job).result
('done', 42)
>>> ex.shutdown()
True
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ui.errors import user_message

__all__ = [
    "JobExecutor",
    "JobStatus",
    "JobRefused",
    "SessionBusy",
    "QueueFull",
    "ShouldStop",
    "Progress",
    "REASONS",
    "get_executor",
]

ShouldStop = Callable[[], bool]
Progress = Callable[..., None]
JobFn = Callable[[ShouldStop, Progress], Any]

QUEUED, RUNNING = "queued", "running"
REASONS = ("done", "cancelled", "cpu-cap", "failed")


class JobRefused(Exception):
    """A submit that was not accepted; ``str()`` is a sentence for the page."""


class SessionBusy(JobRefused):
    """The session already has a queued or running job (and ``replace`` was False)."""


class QueueFull(JobRefused):
    """The queue holds ``max_queue`` jobs already."""


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one job, safe to read from the page thread.

    ``state`` is "queued", "running" or one of :data:`REASONS` once finished;
    ``position``/``queued`` give "Queued: position k of n" (1-based; 0 when not queued);
    ``message`` is user-safe text for a failed or stopped job.
    """

    job_id: int
    session_id: str
    name: str
    state: str
    position: int = 0
    queued: int = 0
    fraction: float = 0.0
    payload: Any = None
    result: Any = None
    message: str = ""
    cpu_seconds: float = 0.0

    @property
    def finished(self) -> bool:
        """True once the job has a reason (done, cancelled, cpu-cap, failed)."""
        return self.state in REASONS

    @property
    def reason(self) -> str | None:
        """The finishing reason, or None while queued or running."""
        return self.state if self.finished else None

    def describe(self) -> str:
        """One line for the page.

        >>> JobStatus(1, "s", "training", "queued", position=2, queued=3).describe()
        'Queued: position 2 of 3'
        >>> JobStatus(1, "s", "training", "running", fraction=0.25).describe()
        'Running: 25%'
        >>> JobStatus(1, "s", "training", "cpu-cap", message="x").describe()
        'Stopped: x'
        """
        if self.state == QUEUED:
            return f"Queued: position {self.position} of {self.queued}"
        if self.state == RUNNING:
            return f"Running: {self.fraction:.0%}"
        if self.state == "done":
            return "Done"
        return f"{'Failed' if self.state == 'failed' else 'Stopped'}: {self.message}"


class _Job:
    """Mutable job record; only touched under the executor's lock (or by its own thread)."""

    __slots__ = (
        "job_id", "session_id", "name", "fn", "state", "fraction", "payload", "result",
        "message", "cancel", "stop_reason", "cpu_start", "cpu_seconds", "done",
    )  # fmt: skip

    def __init__(self, job_id: int, session_id: str, name: str, fn: JobFn) -> None:
        self.job_id, self.session_id, self.name, self.fn = job_id, session_id, name, fn
        self.state = QUEUED
        self.fraction = 0.0
        self.payload: Any = None
        self.result: Any = None
        self.message = ""
        self.cancel = threading.Event()
        self.stop_reason = ""  # "cancelled" or "cpu-cap", set once
        self.cpu_start = 0.0
        self.cpu_seconds = 0.0
        self.done = threading.Event()


_STOP_MESSAGES = {
    "cancelled": "stopped before the end.",
    "session": "stopped because its page was closed.",
    "cpu-cap": "stopped: it used its share of the server's time. Try fewer steps.",
}


class JobExecutor:
    """A bounded FIFO executor for long, cooperative jobs, one job per session.

    Parameters
    ----------
    workers
        Jobs running at once; default ``os.cpu_count()``.
    cpu_cap_s
        CPU seconds (of the job's own thread) after which ``should_stop()`` turns True
        and the job ends as ``"cpu-cap"``; None for no cap.
    idle_timeout_s
        A session that has not polled for this long is treated as gone: its job is
        cancelled by :meth:`sweep`. None disables the check.
    max_queue
        Queued (not yet running) jobs accepted before :class:`QueueFull`.
    is_alive
        Optional ``is_alive(session_id) -> bool``; False cancels the session's job.
    clock
        Monotonic clock for the idle timeout (tests pass a fake one).

    Examples
    --------
    >>> ex = JobExecutor(workers=1)
    >>> gate = threading.Event()
    >>> first = ex.submit("a", lambda stop, progress: gate.wait(5))
    >>> second = ex.submit("b", lambda stop, progress: "b done")
    >>> ex.status(second).describe()
    'Queued: position 1 of 1'
    >>> gate.set()
    >>> ex.wait(second, timeout=5).result
    'b done'
    >>> ex.shutdown()
    True
    """

    def __init__(
        self,
        workers: int | None = None,
        cpu_cap_s: float | None = 120.0,
        idle_timeout_s: float | None = 120.0,
        max_queue: int = 200,
        is_alive: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        workers = (os.cpu_count() or 1) if workers is None else workers
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"`workers` must be an int >= 1; got {workers!r}")
        if cpu_cap_s is not None and cpu_cap_s <= 0:
            raise ValueError(f"`cpu_cap_s` must be > 0 or None; got {cpu_cap_s!r}")
        self.workers = workers
        self.cpu_cap_s = cpu_cap_s
        self.idle_timeout_s = idle_timeout_s
        self.max_queue = max_queue
        self.is_alive = is_alive
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._queue: deque[_Job] = deque()
        self._running: dict[int, _Job] = {}
        self._jobs: dict[int, _Job] = {}  # every job still known (finished ones until replaced)
        self._by_session: dict[str, int] = {}  # session -> its latest job id
        self._last_seen: dict[str, float] = {}
        self._threads: set[threading.Thread] = set()
        self._closed = False

    # ------------------------------------------------------------------ page API

    def submit(
        self, session_id: str, fn: JobFn, *, name: str = "job", replace: bool = False
    ) -> int:
        """Queue ``fn`` for ``session_id``; returns the job id.

        Raises :class:`SessionBusy` if the session's previous job is still queued or
        running and ``replace`` is False (with ``replace=True`` that job is cancelled and
        the new one queued at the back), :class:`QueueFull` when the queue is full.
        """
        self.sweep()
        with self._lock:
            if self._closed:
                raise JobRefused("The server is shutting down; try again in a moment.")
            self._last_seen[session_id] = self._clock()
            old = self._jobs.get(self._by_session.get(session_id, -1))
            if old is not None and old.state in (QUEUED, RUNNING):
                if not replace:
                    raise SessionBusy("A job of this page is already queued or running.")
                self._cancel_locked(old, "cancelled")
            if len(self._queue) >= self.max_queue:
                raise QueueFull("The server is busy: too many jobs are waiting. Try again soon.")
            if old is not None and old.state in REASONS:
                del self._jobs[old.job_id]  # one record per session: the old result goes
            job = _Job(next(self._ids), session_id, name, fn)
            self._jobs[job.job_id] = job
            self._by_session[session_id] = job.job_id
            self._queue.append(job)
            self._start_workers_locked()
            return job.job_id

    def status(self, job_id: int) -> JobStatus:
        """A snapshot of the job; also records its session as alive. KeyError if unknown."""
        with self._lock:
            job = self._jobs[job_id]
            self._last_seen[job.session_id] = self._clock()
            return self._snapshot_locked(job)

    def poll(self, session_id: str) -> JobStatus | None:
        """The session's latest job (or None), recording the session as alive; sweeps."""
        with self._lock:
            self._last_seen[session_id] = self._clock()
            job = self._jobs.get(self._by_session.get(session_id, -1))
            snapshot = None if job is None else self._snapshot_locked(job)
        self.sweep()
        return snapshot

    def position(self, job_id: int) -> tuple[int, int] | None:
        """``(k, n)``: the job is k-th (1-based) of n queued jobs; None when not queued."""
        status = self.status(job_id)
        return (status.position, status.queued) if status.state == QUEUED else None

    def cancel(self, job_id: int) -> bool:
        """Cancel one job (queued: removed at once; running: ``should_stop()`` turns True).

        Returns True if the job was queued or running.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            return job is not None and self._cancel_locked(job, "cancelled")

    def forget(self, job_id: int) -> bool:
        """Drop a finished job's record once the page has taken its result.

        Returns True if it was finished and is now gone; a queued or running job stays.
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state not in REASONS:
                return False
            del self._jobs[job_id]
            if self._by_session.get(job.session_id) == job_id:
                del self._by_session[job.session_id]
            return True

    def cancel_session(self, session_id: str) -> int:
        """Cancel the session's job and forget the session (its page has ended).

        Returns the number of jobs cancelled (0 or 1). Call it from a session-end hook.
        """
        with self._lock:
            job = self._jobs.get(self._by_session.pop(session_id, -1))
            self._last_seen.pop(session_id, None)
            if job is None:
                return 0
            cancelled = self._cancel_locked(job, "session")
            if job.state in REASONS:
                del self._jobs[job.job_id]
            return int(cancelled)

    def sweep(self, now: float | None = None) -> list[int]:
        """Cancel jobs whose session stopped polling or is no longer alive; their ids."""
        now = self._clock() if now is None else now
        with self._lock:
            live = [j for j in self._jobs.values() if j.state in (QUEUED, RUNNING)]
            seen = {j.session_id: self._last_seen.get(j.session_id, now) for j in live}
        gone = []
        for job in live:
            idle = (
                self.idle_timeout_s is not None and now - seen[job.session_id] > self.idle_timeout_s
            )
            dead = False
            if not idle and self.is_alive is not None:
                try:
                    dead = not self.is_alive(job.session_id)
                except Exception:  # noqa: BLE001 — a failing probe must not cancel anything
                    dead = False
            if idle or dead:
                gone.append(job)
        with self._lock:
            cancelled = [j.job_id for j in gone if self._cancel_locked(j, "session")]
            self._forget_idle_locked(now)
            return cancelled

    def _forget_idle_locked(self, now: float) -> None:
        # sessions that went away without cancel_session: drop their finished records after
        # twice the idle timeout (a page that comes back soon still sees why its job
        # stopped), so a long-running server does not keep one entry per visitor forever
        if self.idle_timeout_s is None:
            return
        for session_id, seen in list(self._last_seen.items()):
            job = self._jobs.get(self._by_session.get(session_id, -1))
            if now - seen > 2 * self.idle_timeout_s and (job is None or job.state in REASONS):
                del self._last_seen[session_id]
                self._by_session.pop(session_id, None)
                if job is not None:
                    del self._jobs[job.job_id]

    def wait(self, job_id: int, timeout: float | None = None) -> JobStatus:
        """Block until the job has finished (or ``timeout``); returns its status."""
        with self._lock:
            job = self._jobs[job_id]
        job.done.wait(timeout)
        with self._lock:
            return self._snapshot_locked(job)

    def counts(self) -> tuple[int, int]:
        """``(running, queued)`` right now."""
        with self._lock:
            return len(self._running), len(self._queue)

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Refuse new jobs, cancel all, join the worker threads; True if all have ended."""
        with self._lock:
            self._closed = True
            for job in list(self._queue) + list(self._running.values()):
                self._cancel_locked(job, "cancelled")
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)

    # ------------------------------------------------------------------ internals

    def _snapshot_locked(self, job: _Job) -> JobStatus:
        position = queued = 0
        if job.state == QUEUED:
            queued = len(self._queue)
            position = next(i for i, j in enumerate(self._queue, start=1) if j is job)
        return JobStatus(
            job.job_id, job.session_id, job.name, job.state, position, queued,
            job.fraction, job.payload, job.result, job.message, job.cpu_seconds,
        )  # fmt: skip

    def _cancel_locked(self, job: _Job, why: str) -> bool:
        if job.state == QUEUED:
            self._queue.remove(job)
            self._finish_locked(job, "cancelled", f"The {job.name} {_STOP_MESSAGES[why]}")
            return True
        if job.state == RUNNING:
            if not job.stop_reason:
                job.stop_reason = why
            job.cancel.set()
            return True
        return False

    def _finish_locked(self, job: _Job, state: str, message: str = "") -> None:
        job.state, job.message = state, message
        job.done.set()

    def _start_workers_locked(self) -> None:
        # hand the job to its thread here, so a free slot makes it "running" at once
        while self._queue and len(self._threads) < self.workers and not self._closed:
            job = self._take_locked()
            thread = threading.Thread(
                target=self._worker, args=(job,), name="poolviz-job", daemon=True
            )
            self._threads.add(thread)
            thread.start()

    def _take_locked(self) -> _Job:
        job = self._queue.popleft()
        job.state = RUNNING
        self._running[job.job_id] = job
        return job

    def _worker(self, job: _Job) -> None:
        while True:
            self._run(job)
            with self._lock:
                if self._closed or not self._queue:
                    self._threads.discard(threading.current_thread())
                    return
                job = self._take_locked()

    def _over_cap(self, job: _Job) -> bool:
        job.cpu_seconds = time.thread_time() - job.cpu_start
        if self.cpu_cap_s is not None and job.cpu_seconds > self.cpu_cap_s:
            if not job.stop_reason:
                job.stop_reason = "cpu-cap"
            job.cancel.set()
        return job.cancel.is_set()

    def _run(self, job: _Job) -> None:
        job.cpu_start = time.thread_time()
        checks = itertools.count()

        def should_stop() -> bool:
            # a sweep every 64 checks: dead sessions are noticed even if no page polls
            if next(checks) % 64 == 63:
                self.sweep()
            return self._over_cap(job)

        def progress(fraction: float, payload: Any = None) -> None:
            job.fraction = min(max(float(fraction), 0.0), 1.0)
            if payload is not None:
                job.payload = payload
            self._over_cap(job)

        state, message, result = "done", "", None
        try:
            result = job.fn(should_stop, progress)
        except Exception as error:  # noqa: BLE001 — stored as a safe sentence, not re-raised
            state, message = "failed", user_message(error, f"The {job.name} failed")
        # record the CPU used, but do not turn a finished job into "cpu-cap" afterwards
        job.cpu_seconds = time.thread_time() - job.cpu_start
        if state == "done" and job.stop_reason:
            state = "cpu-cap" if job.stop_reason == "cpu-cap" else "cancelled"
            message = f"The {job.name} {_STOP_MESSAGES[job.stop_reason]}"
        with self._lock:
            job.result = result
            self._running.pop(job.job_id, None)
            self._finish_locked(job, state, message)
            if job.stop_reason == "session" and self._by_session.get(job.session_id) != job.job_id:
                self._jobs.pop(job.job_id, None)


_EXECUTOR: JobExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def get_executor(**options: Any) -> JobExecutor:
    """The process-wide executor, created on first use with ``options``.

    The page should call it through ``st.cache_resource`` or at module level, so every
    session of this server process shares one bound. ``POOLVIZ_JOB_WORKERS`` and
    ``POOLVIZ_JOB_CPU_CAP_S`` in the environment override the defaults.
    """
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            env_workers = os.environ.get("POOLVIZ_JOB_WORKERS")
            env_cap = os.environ.get("POOLVIZ_JOB_CPU_CAP_S")
            if env_workers and "workers" not in options:
                options["workers"] = int(env_workers)
            if env_cap and "cpu_cap_s" not in options:
                options["cpu_cap_s"] = float(env_cap)
            _EXECUTOR = JobExecutor(**options)
        return _EXECUTOR
