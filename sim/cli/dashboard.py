"""``livskraft dashboard``: start the Solara app, on this machine only unless told otherwise
(the dashboard has no authentication)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import console, err_console, fail


def dashboard(
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1 = this machine "
                                           "only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="listen on a --host other machines can reach (the dashboard "
                               "has no authentication)")] = False,
) -> None:
    """Start the dashboard (a Solara app in dashboards/app.py) and print its address."""
    import os
    import sys

    app_file = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    if not app_file.exists():
        fail(f"the dashboard app is not here: {app_file} (install from a clone of the "
              "repository, e.g. pip install -e .)")
    host = host.strip().strip("[]")
    if not _is_loopback(host):
        if not allow_remote:
            fail(f"--host {host} lets other machines reach the dashboard, which has no "
                 "authentication; use 127.0.0.1 (this machine only), or add --allow-remote "
                 "if everyone who can reach that address may run simulations here")
        err_console.print(
            f"[bold red]WARNING:[/] the dashboard listens on {host}, with no authentication: "
            "anyone who can reach this address can run simulations on this machine (and use "
            "its CPU and memory) until you stop it with Ctrl+C.", highlight=False,
            soft_wrap=True, emoji=False)
    console.print(f"Livskraft dashboard: http://{host}:{port}/  (Ctrl+C stops it)",
                  highlight=False)
    cmd = [sys.executable, "-m", "solara", "run", str(app_file), "--host", host,
           "--port", str(port), "--production", "--no-open", "--no-check-version",
           "--log-level", "warning"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}   # works offline
    sys.stdout.flush()
    os.execve(sys.executable, cmd, env)   # the server replaces this process: signals reach it


def _is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only: ``localhost`` or a loopback address (any other
    name is not resolved here, and counts as reachable from the network)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
