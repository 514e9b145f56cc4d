"""How many threads the compiled kernels use, decided in one place, and the threaded kernels.

A run alone uses every core: numba's default thread count (``NUMBA_NUM_THREADS``, the
machine's cores unless that variable says otherwise). Runs side by side share the cores: a
pool worker (``sim.experiments.pool``: the local process pool and the Dask workers; the
dashboard's workers) calls ``share_cores(workers)`` when it starts, and then uses
``cores // workers`` threads (at least 1), so an ensemble of one run per core does not start
more threads than there are cores.

Results never depend on the thread count: a threaded kernel splits its rows into blocks of
a fixed size (``BLOCK``), whatever the number of threads; counts are exact integer sums, and
sums of floating-point numbers are added in a fixed order (or left to NumPy). Random numbers
are drawn by NumPy from the model's one generator, never in a thread.

``threaded(fn)`` compiles a kernel twice, with threads (``numba.prange`` spread over the
threads) and without (``prange`` is then ``range``). The threaded twin runs when this process
allows more than one thread and no other Python thread is inside a threaded kernel (the
dashboard runs simulations in threads; numba's ``workqueue`` layer must not be entered by two
at once), and not in a process forked after its parent started numba's threads (numba's GNU
OpenMP layer, its default here, kills such a child when it starts threads: a pool worker
forked from a process that ran a model). Otherwise the serial twin runs, with the same
result. So does a call on fewer than ``MIN_ROWS`` rows (``threaded(rows=...)`` names the
argument that counts them), where waking the threads costs more than they save.

Kernels allocate nothing inside their threaded loops (measured: an array made per block
slowed a count fourfold under the workqueue layer), and write no array expression outside
them (numba makes each a threaded loop of its own: ``out += part[b]`` per block woke the
threads 170 times a call and made a count seven times slower than on one thread).
"""

from __future__ import annotations

import os
import threading
import types

import numba

BLOCK = 1 << 15          # rows per block of a threaded kernel (fixed: results do not vary)
MIN_ROWS = 1 << 16       # calls on fewer rows run on one thread
_threads: int | None = None     # set by set_threads / share_cores; None = numba's default
# OpenMP's threads wait for work asleep, not spinning: spinning ones stalled kernels for up to
# a second when another process held a core (measured on the 2-core machine)
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
_in_threads = threading.Lock()  # held while a threaded kernel runs
_forked_after_start = False     # this process was forked after its parent started threads


def _note_fork() -> None:
    """In a forked child: no threads if the parent had started numba's (its internal flag;
    if it cannot be read, assume it had)."""
    global _forked_after_start
    from numba.np.ufunc import parallel

    _forked_after_start = _forked_after_start or bool(getattr(parallel, "_is_initialized",
                                                              True))


os.register_at_fork(after_in_child=_note_fork)


def cores() -> int:
    """Threads numba may start in this process (the machine's cores by default)."""
    return int(numba.config.NUMBA_NUM_THREADS)


def count() -> int:
    """Threads a kernel uses in this process."""
    return cores() if _threads is None else _threads


def set_threads(n: int | None) -> None:
    """Use ``n`` threads (at most ``cores()``; None: all of them)."""
    global _threads
    _threads = None if n is None else max(1, min(int(n), cores()))


def share_cores(workers: int) -> None:
    """In one of ``workers`` processes running side by side: use cores // workers threads."""
    set_threads(max(1, cores() // max(1, workers)))


def blocks(n: int) -> int:
    """Number of blocks of ``BLOCK`` rows that cover ``n`` rows."""
    return (n + BLOCK - 1) // BLOCK


def threaded(fn=None, *, rows: int | None = 0):
    """Compile ``fn`` with and without threads; calls run the threaded twin when allowed
    (see the module docstring). ``fn`` must give the same result either way. ``rows`` is
    the position of the argument whose length is the call's number of rows (None: always
    enough rows to share)."""
    if fn is None:
        return lambda f: threaded(f, rows=rows)
    serial = numba.njit(cache=True, nogil=True)(fn)
    # numba's on-disk cache keys a function by its name and line, not by ``parallel``: the
    # twin needs a name of its own, or each would load the other's code
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_threads",
                              fn.__defaults__, fn.__closure__)
    twin.__qualname__, twin.__module__ = fn.__qualname__ + "_threads", fn.__module__
    parallel = numba.njit(cache=True, nogil=True, parallel=True)(twin)

    def call(*args):
        n = count()
        # a small call is quicker without waking threads
        if (n > 1 and (rows is None or len(args[rows]) >= MIN_ROWS) and not _forked_after_start
                and _in_threads.acquire(blocking=False)):
            try:
                if numba.get_num_threads() != n:
                    numba.set_num_threads(n)       # numba keeps it per Python thread
                return parallel(*args)
            finally:
                _in_threads.release()
        return serial(*args)

    call.__doc__, call.__name__, call.__wrapped__ = fn.__doc__, fn.__name__, fn
    call.serial, call.parallel = serial, parallel
    return call
