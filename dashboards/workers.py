"""The dashboard's simulations run in a pool of worker processes, not in the server.

The Solara server is one Python process for every browser session. A simulation in one of its
threads competes with the server for the interpreter (measured: the classroom run took about
10 % longer there than alone, ``benchmarks/bench_dashboard.py``), and a long run of all of
Norway would slow every page. So each run's simulations go to a pool of warm processes, one
per core: they start with the server, load the model and build the default classroom world once
(which leaves its housing spin-up remembered, ``sim.spinup``), and a run's seeds and its
baseline run side by side.

Each job holds a slot in a shared flag array while it runs: the server sets the flag to cancel
the job, and the worker checks it after every simulated year, when it also reports the year on
a shared queue. A thread in the server hands those reports to the run that asked for them.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sim import engine

SLOTS = 256                 # jobs that can be queued or running at once, over all sessions
POLL_S = 0.1                # how often a waiting run looks at its cancel event
READY_TIMEOUT_S = 300.0     # how long the server waits for its workers to warm up
READY = -1                  # the slot of a worker's "warmed up" report

# in each worker process: set by _init
_reports = None
_flags = None


class Cancelled(Exception):
    """The user cancelled a run."""


class WorkerDied(RuntimeError):
    """A worker process ended during a run; the pool has started new ones."""


# ----- in the worker processes ---------------------------------------------------------------
def _init(owner: int, reports, flags, warm_up: Callable[[], None]) -> None:
    """A worker's start: Ctrl-C left to the server, end with it; warm up; report ready."""
    global _reports, _flags
    engine.worker_init(owner)
    _reports, _flags = reports, flags
    warm_up()
    reports.put((READY, os.getpid()))


def _simulate(slot: int, spec):
    """One simulation; reports each simulated year and stops when its slot's flag is set."""
    from sim.run import simulate

    def on_year(model) -> None:
        if _flags[slot]:
            raise Cancelled()
        _reports.put((slot, model.year))

    return simulate(spec, on_year=on_year)


# ----- in the server -------------------------------------------------------------------------
class WorkerPool:
    """Warm worker processes that run the dashboard's simulations (see the module docstring).
    ``warm_up`` is a module-level function each worker calls once when it starts."""

    def __init__(self, workers: int, warm_up: Callable[[], None]) -> None:
        self._context = engine.safe_context()   # the server has threads: no plain fork
        self._reports = self._context.Queue()
        self._flags = self._context.Array("b", SLOTS, lock=False)
        self._free = list(range(SLOTS))
        self._listeners: dict[int, Callable[[int], None]] = {}
        self._lock = threading.Lock()
        self._ready = threading.Semaphore(0)
        self.workers, self._warm_up = workers, warm_up
        self._executor = self._start()
        threading.Thread(target=self._relay, daemon=True, name="worker-reports").start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self._context, initializer=_init,
            initargs=(os.getpid(), self._reports, self._flags, self._warm_up))
        for _ in range(self.workers):      # a process per submitted job, up to ``workers``
            executor.submit(os.getpid)
        return executor

    def wait_ready(self) -> None:
        """Block until every worker has warmed up."""
        for _ in range(self.workers):
            if not self._ready.acquire(timeout=READY_TIMEOUT_S):
                raise RuntimeError("the dashboard's worker processes did not start")

    def _relay(self) -> None:
        while True:
            slot, value = self._reports.get()
            if slot == READY:
                self._ready.release()
                continue
            listener = self._listeners.get(slot)
            if listener is not None:
                listener(value)

    def _take(self) -> int:
        with self._lock:
            if not self._free:
                raise RuntimeError(f"more than {SLOTS} simulations queued at once")
            slot = self._free.pop(0)           # the longest free: late reports of its
                                               # last job are long gone
        self._flags[slot] = 0
        return slot

    def _release(self, slot: int) -> None:
        self._listeners.pop(slot, None)
        with self._lock:
            self._free.append(slot)

    def run(self, specs: list, on_year: Callable[[int, int], None],
            cancel: threading.Event | None = None) -> list:
        """Simulate each scenario in ``specs`` (in parallel) and return their ``RunResult``s
        in order. ``on_year(job, year)`` is called in this thread once for each simulated
        year of job ``job``, in order (a year whose report is still on its way when the job's
        result is in is reported then); a set ``cancel`` stops all of them with
        ``Cancelled``. A job's error (such as a ``ScenarioError``) is raised here."""
        events: queue.Queue = queue.Queue()      # (job, year) reports; None: a job ended
        reported = [spec.start_year for spec in specs]

        def report(job: int, year: int) -> None:
            while reported[job] < min(year, specs[job].end_year):
                reported[job] += 1
                on_year(job, reported[job])

        executor = self._executor
        try:
            futures = [self._submit(executor, job, spec, events)
                       for job, spec in enumerate(specs)]
            return self._wait(specs, futures, events, report, cancel)
        except BrokenProcessPool as err:   # a worker was killed (out of memory, or by hand)
            self._restart(executor)
            raise WorkerDied("a worker process running the simulation ended unexpectedly "
                             "(out of memory?); the workers were restarted: run again") from err

    def _wait(self, specs: list, futures: list, events: queue.Queue,
              report: Callable[[int, int], None], cancel: threading.Event | None) -> list:
        try:
            while not all(f.done() for _, f in futures):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                try:
                    event = events.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if event is not None:
                    report(*event)
                for _, f in futures:
                    if f.done():
                        f.result()             # an error stops the whole run at once
        except BaseException:
            for slot, future in futures:       # queued jobs are dropped, running ones stop
                if not future.cancel():
                    self._flags[slot] = 1
            raise
        for job, spec in enumerate(specs):
            report(job, spec.end_year)
        return [f.result() for _, f in futures]

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """New workers in place of a broken pool (once, whichever run noticed first)."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()

    def _submit(self, executor: ProcessPoolExecutor, job: int, spec, events: queue.Queue
                ) -> tuple[int, Future]:
        slot = self._take()
        self._listeners[slot] = lambda year: events.put((job, year))
        future = executor.submit(_simulate, slot, spec)
        future.add_done_callback(lambda _: self._release(slot))
        future.add_done_callback(lambda _: events.put(None))
        return slot, future
