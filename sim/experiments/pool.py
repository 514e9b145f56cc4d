"""The engine that runs many independent jobs (one simulation each) in parallel.

``run_jobs(fn, jobs, engine=..., workers=..., address=...)`` applies a picklable, module-level
function to each job and returns the results in job order. Two engines:

* ``local``: a pool of ``workers`` processes on this machine (one worker runs the jobs in
  this process, without a pool); the processes are forked from this one when it has no other
  threads (instant, and they start with what it has loaded), else started from a fork server;
* ``dask``: a Dask distributed cluster, the one at ``address`` (``tcp://host:port``) or, when
  no address is given, a ``LocalCluster`` of ``workers`` single-threaded processes that lives
  as long as the call.

A job's result does not depend on the engine or the worker that ran it: every simulation
seeds its own random generator from its scenario. ``on_done(index, result)`` is called here,
in the calling process, as each job finishes (in the order they finish), e.g. to advance a
progress bar or to write a result while the others run. Scripts that use the local engine
with several workers need the ``if __name__ == "__main__":`` guard (a fork server's
processes import the script afresh).

Ctrl-C (SIGINT) is handled by the calling process only: pool workers ignore it, and the
calling process stops them and raises ``KeyboardInterrupt``. While a local pool runs, Ctrl-C
only sets a flag that the waiting loop checks (``_CtrlC``): an interrupt raised at an arbitrary
point could land in a finaliser, where Python prints it and carries on. Local pool workers also end
within a second when the process that started them is gone, even killed, so a killed run
leaves no simulation running (a Dask cluster's workers are Dask's to manage).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from sim.output.liveness import process_alive
from sim.world import threads

ENGINES = ("local", "dask")
FORK_WARNING = r".*is multi-threaded, use of fork\(\) may lead to deadlocks"
SAFE_START = "forkserver"     # a clean process to start workers from (safe with threads)
PRELOAD = ["sim.output.run_folder", "sim.output.plots", "sim.experiments.ensemble",
           "sim.experiments.compare", "sim.experiments.sensitivity"]
STOP_WAIT_S = 10.0            # how long to wait for a stopped worker to end
WATCH_INTERVAL_S = 0.5        # how often a pool worker checks that its owner still runs
CTRL_C_CHECK_S = 0.2          # how often the calling process looks for a Ctrl-C while it waits


def default_workers() -> int:
    """Processes to use when not told: the machine's cores."""
    return max(1, os.cpu_count() or 1)


def run_jobs(fn: Callable[[Any], Any], jobs: Sequence[Any], *, engine: str = "local",
             workers: int | None = None, address: str | None = None,
             on_done: Callable[[int, Any], None] | None = None, keep: bool = True) -> list:
    """``[fn(job) for job in jobs]``, computed by ``engine`` (see the module docstring).

    With ``keep=False`` the results are only handed to ``on_done`` and the list holds None
    (for large results that ``on_done`` writes or reduces)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if address is not None and engine != "dask":
        raise ValueError("an address is for the dask engine (--engine dask)")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    workers = min(workers or default_workers(), max(1, len(jobs)))
    results: list = [None] * len(jobs)

    def done(i: int, result: Any) -> None:
        if keep:
            results[i] = result
        if on_done is not None:
            on_done(i, result)

    if not jobs:
        return results
    if engine == "dask":
        _run_dask(fn, jobs, workers, address, done)
    elif workers == 1:
        for i, job in enumerate(jobs):
            done(i, fn(job))
    else:
        _run_pool(fn, jobs, workers, done)
    return results


# ----- local process pool --------------------------------------------------------------------
def _watch(owner: int) -> None:
    """End this worker as soon as the process that started the pool is gone."""
    while process_alive(owner):
        time.sleep(WATCH_INTERVAL_S)
    os._exit(1)


def worker_init(owner: int, workers: int = 1) -> None:
    """In each pool worker: leave Ctrl-C to the owner (the process that started the pool),
    end when the owner ends, even if it is killed, and share the cores with the pool's
    other ``workers - 1`` workers (``sim.world.threads``)."""
    threads.share_cores(workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(owner,), daemon=True, name="owner-watch").start()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: drop the queued jobs and end the running ones."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    terminate = getattr(pool, "terminate_workers", None)       # Python ≥ 3.14
    if terminate is not None:
        terminate()
    else:
        for process in processes:
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:          # gone before the caller removes what they wrote
        process.join(STOP_WAIT_S)


def _context():
    """How pool processes start: forked from this process when that is safe (Linux, and no
    other thread in this process that could hold a lock at the fork), which is instant and
    shares what this process has loaded; else from a fork server that imports the model
    once (safe with threads, about 3 s to start on the 2-core machine)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return safe_context()


def safe_context():
    """Processes started from a fork server that has imported the model (safe with threads)."""
    context = multiprocessing.get_context(SAFE_START)
    context.set_forkserver_preload(PRELOAD)
    return context


class _CtrlC:
    """While active (in the main thread only), Ctrl-C sets ``pressed`` instead of raising."""

    def __init__(self) -> None:
        self.pressed = False
        self.previous = None

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._press)
        return self

    def _press(self, signum, frame) -> None:
        self.pressed = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _run_pool(fn, jobs: Sequence[Any], workers: int, done: Callable[[int, Any], None]) -> None:
    with _CtrlC() as ctrl_c:
        _pool_jobs(fn, jobs, workers, done, ctrl_c)


def _pool_jobs(fn, jobs: Sequence[Any], workers: int, done: Callable[[int, Any], None],
               ctrl_c: _CtrlC) -> None:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=worker_init, initargs=(os.getpid(), workers))
    try:
        with warnings.catch_warnings():
            # Python warns about forking when the process has other threads, counting those
            # of C libraries too: here they are OpenBLAS's and jemalloc's (Arrow), which
            # prepare for a fork themselves; no Python thread runs (see _context)
            warnings.filterwarnings("ignore", FORK_WARNING, DeprecationWarning)
            # the first submit starts the pool's processes (all of them, when forked: before
            # the pool starts its own threads)
            pending = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
        while pending:
            finished, _ = wait(pending, timeout=CTRL_C_CHECK_S, return_when=FIRST_COMPLETED)
            if ctrl_c.pressed:
                raise KeyboardInterrupt
            for future in finished:
                done(pending.pop(future), future.result())
        if ctrl_c.pressed:                  # pressed while the last results were handled
            raise KeyboardInterrupt
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


# ----- Dask ----------------------------------------------------------------------------------
class SharingCores:
    """``fn`` run by one of ``workers`` Dask workers that share a machine's cores: it sets
    its threads first (``sim.world.threads.share_cores``; numba keeps the count per thread,
    and Dask runs jobs in threads of its own)."""

    def __init__(self, fn: Callable[[Any], Any], workers: int) -> None:
        self.fn, self.workers = fn, workers

    def __call__(self, job: Any) -> Any:
        threads.share_cores(self.workers)
        return self.fn(job)


def _run_dask(fn, jobs: Sequence[Any], workers: int, address: str | None,
              done: Callable[[int, Any], None]) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address is None:
        import dask

        # workers forked from the fork server that has imported the model start ready
        multiprocessing.set_forkserver_preload(PRELOAD)
        with dask.config.set({"distributed.worker.multiprocessing-method": SAFE_START}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, memory_limit=0,
                                   silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else address)
    futures: list = []
    try:
        # the workers share the cores: of a cluster elsewhere, count them all
        sharing = workers if cluster is not None else len(client.scheduler_info()["workers"])
        futures = client.map(SharingCores(fn, sharing), list(jobs), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            done(index[future.key], future.result())
            future.release()
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
