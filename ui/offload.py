"""Short CPU-bound builds in one helper process, off the server's GIL.

Streamlit runs every session's script as a thread of ONE Python process, so all sessions
share one interpreter lock: a 2-core server computes Python on one core. Under a class's
load (``benchmarks/load.py --realistic``: 100 sessions) the Explore payload builds held
58 % of the lock's busy time (py-spy ``--gil``), and every other session's rerun waited
behind them. :class:`Helper` runs such a build in a second process, on the other core;
the script thread that asked for it waits without holding the lock, so the other
sessions' reruns go on meanwhile.

The helper never changes what is computed: the function and its arguments are pickled,
run there, and the result (a string and a few ints for a payload) comes back. It is only
a place to run:

* before the helper process is ready (it is started on the first call and imports numpy
  and the library first, about a second), a build runs here at once, so the first page
  after a restart never waits for it;
* if the process dies or a build there takes longer than :data:`WAIT_S`, that build runs
  here and the process is replaced;
* an exception the function raises (a bad view's ``ValueError``) comes back as itself,
  exactly as if it had run here;
* :meth:`Helper.submit` starts a build there and returns at once, so that this process
  can do something else meanwhile (a paint's small first payload, :mod:`ui.explorer`);
* ``POOLVIZ_HELPER_PROCESS=0`` runs everything here (a platform that cannot start
  processes, or a debugger that must see the build).

A server killed with SIGKILL leaves no helper behind: the helper watches its parent
process and exits once the server is gone.

Examples
--------
>>> helper = Helper(enabled=False)
>>> helper.run(divmod, 17, 5), helper.counts
((3, 2), {'helper': 0, 'here': 1, 'restarts': 0})
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

__all__ = ["Helper", "Job", "helper", "no_other_script_runs", "ENV", "WAIT_S"]

ENV = "POOLVIZ_HELPER_PROCESS"  # "0": no helper process, every build here
WAIT_S = 30.0  # a build still running there after this is redone here, the helper replaced
# What the helper imports before its first build: the payload's whole stack.
PRELOAD = ("numpy", "poolviz.view.downloads")


def _warm(server: int) -> int:
    """Run once in a new helper: import what the builds need, watch the server, and
    report the helper's pid."""
    import importlib  # noqa: PLC0415 — only the helper needs it

    for name in PRELOAD:
        importlib.import_module(name)
    threading.Thread(target=_exit_with, args=(server,), daemon=True).start()
    return os.getpid()


def _exit_with(server: int, every_s: float = 0.5) -> None:
    # The helper waits for work on a pipe that a server killed with SIGKILL does not close
    # (measured: the helper lived on), so it watches its parent: a dead parent's children
    # are re-parented, and getppid() changes.
    while os.getppid() == server:
        time.sleep(every_s)
    os._exit(0)


def _context():
    # spawn: a fresh interpreter (fork from a server full of threads is unsafe), a direct
    # child of the server, so that _exit_with sees it go.
    return mp.get_context("spawn")


class Helper:
    """One helper process that runs functions for the server's threads (see the module).

    Parameters
    ----------
    enabled : bool, optional
        False: :meth:`run` always runs here. Default: unless ``POOLVIZ_HELPER_PROCESS=0``.
    wait_s : float
        How long :meth:`run` waits for the helper before running the call here.
    """

    def __init__(self, enabled: bool | None = None, wait_s: float = WAIT_S) -> None:
        self.enabled = os.environ.get(ENV, "1") != "0" if enabled is None else enabled
        self.wait_s = wait_s
        self._lock = threading.Lock()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._ready: cf.Future | None = None  # the warm-up: done once the helper can build
        self._at_exit = False
        self.counts = {"helper": 0, "here": 0, "restarts": 0}

    def start(self) -> None:
        """Start the helper process (and its warm-up) unless it runs; never waits."""
        with self._lock:
            if self.enabled and self._pool is None:
                self._pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=_context())
                self._ready = _submit_with_plain_main(self._pool, _warm, os.getpid())
                # Stopped while the interpreter is whole: left to the executor's own exit
                # hook, its clean-up ran after module teardown and printed a traceback.
                if not self._at_exit:
                    self._at_exit = atexit.register(self.shutdown) is not None

    def ready(self) -> bool:
        """Whether the helper is up and has imported what the builds need."""
        ready = self._ready
        return bool(ready is not None and ready.done() and not ready.cancelled()
                    and ready.exception() is None)

    def pid(self) -> int | None:
        """The helper's process id once it is ready (tests, benchmarks)."""
        return self._ready.result() if self.ready() else None

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``: in the helper when it is ready, else here.

        ``fn`` must be importable by name (a module-level function) and its arguments
        and result picklable. Exceptions ``fn`` raises propagate unchanged.
        """
        return self.submit(fn, *args).result()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job:
        """Start ``fn(*args)`` in the helper and return at once; :meth:`Job.result` waits.

        When the helper is not ready the job has not started (``job.started`` is False):
        its ``result()`` runs ``fn`` here, as :meth:`run` would.
        """
        self.start()
        pool = self._pool
        if pool is None or not self.ready():
            return Job(self, None, None, fn, args)
        try:
            future = pool.submit(fn, *args)
        except RuntimeError:  # broken or shut down between the check and the submit
            self._replace(pool)
            return Job(self, None, None, fn, args)
        return Job(self, pool, future, fn, args)

    def _count(self, where: str) -> None:
        with self._lock:
            self.counts[where] += 1

    def _here(self, fn: Callable[..., Any], args: tuple) -> Any:
        self._count("here")
        return fn(*args)

    def _replace(self, pool: cf.ProcessPoolExecutor) -> None:
        """Drop a dead or stuck helper; the next :meth:`run` starts a new one."""
        with self._lock:
            if self._pool is not pool:  # another thread replaced it already
                return
            self._pool, self._ready = None, None
            self.counts["restarts"] += 1
        _kill(pool)

    def shutdown(self) -> None:
        """Stop the helper process (tests; the interpreter's exit does it otherwise)."""
        with self._lock:
            pool, self._pool, self._ready = self._pool, None, None
        if pool is not None:
            _kill(pool)


class Job:
    """One call handed to :meth:`Helper.submit`: ``result()`` is its value, computed once.

    A job the helper could not take, or whose helper died or took longer than its
    ``wait_s``, runs here on ``result()``, and a dead or stuck helper is replaced.

    >>> job = Helper(enabled=False).submit(pow, 2, 10)
    >>> job.started, job.result(), job.result()
    (False, 1024, 1024)
    """

    def __init__(self, helper: Helper, pool, future: cf.Future | None, fn, args: tuple) -> None:
        self._helper, self._pool, self._future = helper, pool, future
        self._fn, self._args = fn, args
        self._lock = threading.Lock()  # two threads asking at once get one computation
        self._done = False
        self._value: Any = None

    @property
    def started(self) -> bool:
        """Whether the helper is computing (or has computed) it."""
        return self._future is not None

    def result(self) -> Any:
        """The value of the call; exceptions the function raised propagate unchanged."""
        with self._lock:
            if not self._done:
                self._value = self._compute()
                self._done = True
                self._fn = self._args = self._future = None  # nothing held but the value
            return self._value

    def _compute(self) -> Any:
        helper, future = self._helper, self._future
        if future is None:
            return helper._here(self._fn, self._args)
        try:
            value = future.result(timeout=helper.wait_s)
        except (cf.process.BrokenProcessPool, cf.TimeoutError):
            helper._replace(self._pool)
            return helper._here(self._fn, self._args)
        helper._count("helper")
        return value


def _submit_with_plain_main(pool: cf.ProcessPoolExecutor, fn: Callable[..., Any], *args: Any) -> cf.Future:
    """``pool.submit(fn, *args)``, which starts the pool's process, with an empty ``__main__``.

    A new multiprocessing process first re-runs its parent's ``__main__`` file, and while
    Streamlit runs the page, ``sys.modules["__main__"]`` IS the page script: the helper
    imported the whole page (Streamlit, pyarrow: measured +110 MB RSS) before its first
    build. Streamlit's own session threads overwrite that entry at the start of every run,
    so putting it back after the start is no different from one more session's run.
    """
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")  # no __file__, no __spec__
    try:
        return pool.submit(fn, *args)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    # A stuck build would make shutdown(wait=True) wait for it: end the process itself.
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


SCRIPT_THREAD = "ScriptRunner.scriptThread"  # Streamlit's name for a session's script run


def no_other_script_runs() -> bool:
    """Whether no session's script but the caller's is running in this process (a server
    with time to spare).

    >>> no_other_script_runs()  # no Streamlit script runs here at all
    True
    """
    me = threading.current_thread()
    return not any(t.name == SCRIPT_THREAD and t is not me for t in threading.enumerate())


helper = Helper()  # the server's one helper (started by its first run() call)
