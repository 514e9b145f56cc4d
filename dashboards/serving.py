"""How the dashboard's server is made quick: everything a first page and a first run need is
prepared before the server answers (the worker processes that run the simulations among it,
``dashboards.workers``), and Solara's scripts are not compressed for a browser on this
machine. ``dashboards/app.py`` calls ``warm_up()`` when Solara loads it at start-up."""

from __future__ import annotations

import importlib
import sys

from dashboards import logic, maps
from dashboards.workers import WorkerPool
from sim.experiments.pool import default_workers
from sim.scenario.errors import ScenarioError

_POOL: WorkerPool | None = None      # the server's worker processes, started by warm_up


class _PlainToThisMachine:
    """ASGI layer around Starlette's GZip middleware: a browser on this machine (loopback)
    gets responses uncompressed, any other through gzip."""

    def __init__(self, gzip):
        self.gzip = gzip

    async def __call__(self, scope, receive, send):
        client = scope.get("client") or ("",)
        if scope["type"] == "http" and client[0] in ("127.0.0.1", "::1"):
            await self.gzip.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)


def light_compression() -> None:
    """Serve Solara's 3.5 MB of scripts and styles without compressing them for this
    machine, and at gzip level 1 instead of 9 for others: at level 9 they cost about 0.4 s
    of the server's CPU per page view on the 2-core machine, on the way to the first view."""
    module = sys.modules.get("solara.server.starlette")
    if module is None:             # not under Solara's Starlette server
        return
    from starlette.middleware.gzip import GZipMiddleware

    for m in module.app.user_middleware:
        if m.cls is GZipMiddleware:
            m.kwargs["compresslevel"] = 1
    layer = module.app.middleware_stack      # built already when the app script runs
    while layer is not None:
        inner = getattr(layer, "app", None)
        if isinstance(inner, GZipMiddleware):
            inner.compresslevel = 1
            layer.app = _PlainToThisMachine(inner)
            return
        layer = inner


def warm_worker() -> None:
    """In each worker process (``dashboards.workers``), once: import the model, fill the caches
    of the embedded data and the parameter tree with a one-year run of a small landscape, and
    build the default (classroom) run's world once, which leaves its housing spin-up
    remembered (``sim.processes.spinup``), so that the first run pays for none of them."""
    from sim.model import SettlementModel
    from sim.output.run_folder import simulate

    simulate(logic.build_scenario(logic.Settings(years="1", persons_per_agent="20")))
    SettlementModel(logic.build_scenario(logic.Settings()))


def pool() -> WorkerPool:
    """The server's worker processes (started by ``warm_up``)."""
    if _POOL is None:
        raise RuntimeError("the dashboard's workers are not started: call warm_up() first")
    return _POOL


def warm_up() -> None:
    """Before the server answers: start the worker processes (they warm up meanwhile), draw
    each scenario file's start map and prepare the start page's choices, so that neither
    the first page nor the first run pays for them; then wait for the workers."""
    global _POOL
    if _POOL is None:
        _POOL = WorkerPool(default_workers(), warm_worker)
    for name in logic.scenario_files():
        try:
            logic.kommune_options(logic.base_scenario(name))
            maps.area_chart(name)
        except ScenarioError:
            pass                     # a broken file shows its message when it is chosen
    logic.policy_fields()
    maps.norway_geojson()
    # the server unpickles each run's RunResult: load its module (and the model's) now, not
    # when the first result arrives
    importlib.import_module("sim.output.run_folder")
    _POOL.wait_ready()
    light_compression()
