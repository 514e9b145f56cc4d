"""The dashboard's simulations run in a pool of worker processes, not in the server.

The Solara server is one Python process for every browser session. A simulation in one of its
threads competes with the server for the interpreter (measured: the classroom run took about
10 % longer there than alone, ``benchmarks/bench_dashboard.py``), and a long run of all of
Norway would slow every page. So each run's simulations go to a pool of warm processes, one
per core: they start with the server, load the model and build the default classroom world once
(which leaves its housing spin-up remembered, ``sim.processes.spinup``), and a run's seeds and its
baseline run side by side.

Each job holds a slot in two shared arrays while it runs: after every simulated year the worker
writes the year into its slot of one, and stops if the server has set its slot of the other
(cancel). The server reads the years as it waits. Plain shared memory without locks, so a worker
that is killed mid-run (out of memory, say) can leave nothing locked: its run fails with a
message, and new workers take the pool's place.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from sim.experiments import pool

SLOTS = 256                 # jobs that can be queued or running at once, over all sessions
POLL_S = 0.1                # how often a waiting run reads its jobs' years and its cancel event
READY_TIMEOUT_S = 300.0     # how long the server waits for its workers to warm up

# in each worker process: set by _init
_years = None
_flags = None


class Cancelled(Exception):
    """The user cancelled a run."""


class WorkerDied(RuntimeError):
    """A worker process ended during a run; the pool has started new ones."""


# ----- in the worker processes ---------------------------------------------------------------
def _init(owner: int, workers: int, years, flags, ready, warm_up: Callable[[], None]) -> None:
    """A worker's start: Ctrl-C left to the server, end with it, share the cores with the
    other workers; warm up; say it is ready."""
    global _years, _flags
    pool.worker_init(owner, workers)
    _years, _flags = years, flags
    warm_up()
    ready.release()


def _simulate(slot: int, spec):
    """One simulation; writes each simulated year to its slot and stops when the slot's cancel
    flag is set."""
    from sim.output.run_folder import simulate

    def on_year(model) -> None:
        if _flags[slot]:
            raise Cancelled()
        _years[slot] = model.year

    return simulate(spec, on_year=on_year)


# ----- in the server -------------------------------------------------------------------------
class WorkerPool:
    """Warm worker processes that run the dashboard's simulations (see the module docstring).
    ``warm_up`` is a module-level function each worker calls once when it starts."""

    def __init__(self, workers: int, warm_up: Callable[[], None]) -> None:
        self._context = pool.safe_context()   # the server has threads: no plain fork
        self._years = self._context.Array("i", SLOTS, lock=False)
        self._flags = self._context.Array("b", SLOTS, lock=False)
        self._ready = self._context.Semaphore(0)
        self._free = list(range(SLOTS))
        self._lock = threading.Lock()
        self.workers, self._warm_up = workers, warm_up
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=self._context, initializer=_init,
            initargs=(os.getpid(), self.workers, self._years, self._flags, self._ready,
                      self._warm_up))
        for _ in range(self.workers):      # a process per submitted job, up to ``workers``
            executor.submit(os.getpid)
        return executor

    def wait_ready(self) -> None:
        """Block until every worker has warmed up."""
        for _ in range(self.workers):
            if not self._ready.acquire(timeout=READY_TIMEOUT_S):
                raise RuntimeError("the dashboard's worker processes did not start")

    def run(self, specs: list, on_year: Callable[[int, int], None],
            cancel: threading.Event | None = None) -> list:
        """Simulate each scenario in ``specs`` (in parallel) and return their ``RunResult``s
        in order. ``on_year(job, year)`` is called in this thread once for each simulated
        year of job ``job``, in order, within ``POLL_S`` of the worker's report; a set
        ``cancel`` stops all of them with ``Cancelled``. A job's error (such as a
        ``ScenarioError``) is raised here.

        A run has at most one job per worker in the pool at a time and hands in the next as
        one ends, so runs of other sessions take turns with it instead of waiting for all
        its seeds."""
        reported = [spec.start_year for spec in specs]

        def report(job: int, year: int) -> None:
            while reported[job] < min(year, specs[job].end_year):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()          # no progress is reported after a cancel
                reported[job] += 1
                on_year(job, reported[job])

        executor = self._executor
        jobs: list[tuple[int, Future]] = []

        def hand_in() -> None:
            slot = self._take()
            future = executor.submit(_simulate, slot, specs[len(jobs)])
            future.add_done_callback(lambda _: self._release(slot))
            jobs.append((slot, future))

        try:
            self._wait(jobs, len(specs), hand_in, report, cancel)
        except BrokenProcessPool as err:   # a worker was killed (out of memory, or by hand)
            self._restart(executor)
            raise WorkerDied("a worker process running the simulation ended unexpectedly "
                             "(out of memory?); the workers were restarted: run again") from err
        for job, spec in enumerate(specs):
            report(job, spec.end_year)
        return [future.result() for _, future in jobs]

    def _wait(self, jobs: list[tuple[int, Future]], total: int, hand_in: Callable[[], None],
              report: Callable[[int, int], None], cancel: threading.Event | None) -> None:
        """Until all ``total`` jobs are done: keep one per worker handed in, pass on their
        years, stop them all on cancel or on the first error."""
        try:
            while len(jobs) < min(self.workers, total):
                hand_in()
            pending = {future for _, future in jobs}
            while pending:
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()            # an error stops the whole run at once
                    if len(jobs) < total:
                        hand_in()
                        pending.add(jobs[-1][1])
                for job, (slot, future) in enumerate(jobs):
                    if not future.done():
                        report(job, self._years[slot])
        except BaseException:
            for slot, future in jobs:          # queued jobs are dropped, running ones stop
                if not future.cancel():
                    self._flags[slot] = 1
            raise

    def _take(self) -> int:
        with self._lock:
            if not self._free:
                raise RuntimeError(f"more than {SLOTS} simulations queued at once")
            slot = self._free.pop()
        self._years[slot] = 0
        self._flags[slot] = 0
        return slot

    def _release(self, slot: int) -> None:
        with self._lock:
            self._free.append(slot)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """New workers in place of a broken pool (once, whichever run noticed first)."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()
