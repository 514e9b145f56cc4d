"""How the dashboard's server is made quick: everything a first page and a first run need is
prepared before the server answers, and Solara's scripts are not compressed for a browser on
this machine. ``dashboards/app.py`` calls ``warm_up()`` when Solara loads it at start-up."""

from __future__ import annotations

import sys

from dashboards import logic, plots
from sim.scenario import ScenarioError


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


def warm_up() -> None:
    """Before the server answers: import the model, fill the caches of the embedded data and
    the parameter tree with a one-year run of a small landscape, draw each scenario file's
    start map, and build the default (classroom) run's world once, which leaves its housing
    spin-up remembered (sim.spinup), so that neither the first page nor the first run pays
    for them."""
    from sim.model import SettlementModel
    from sim.run import simulate

    for name in logic.scenario_files():
        try:
            logic.kommune_options(logic.base_scenario(name))
            plots.area_chart(name)
        except ScenarioError:
            pass                     # a broken file shows its message when it is chosen
    logic.policy_fields()
    simulate(logic.build_scenario(logic.Settings(years="1", persons_per_agent="20")))
    SettlementModel(logic.build_scenario(logic.Settings()))
    light_compression()
