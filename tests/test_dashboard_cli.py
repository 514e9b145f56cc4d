"""`livskraft dashboard` serves this machine only unless told otherwise: a host that is not a
loopback address is refused without --allow-remote, and served with a loud warning with it.

No server is started here: the command's last step (replacing itself with the Solara server,
``os.execve``) is replaced by a recorder, so nothing binds or sends to any address."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from sim.cli import app

REMOTE = ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "dashboard.example.org", "[::]"]
LOCAL = ["127.0.0.1", "127.0.0.2", "::1", "localhost", "[::1]"]


class Started(Exception):
    """The recorder's way to stop the command where it would start the server."""


@pytest.fixture
def started(monkeypatch):
    """The argument lists the command would have started the server with."""
    calls = []

    def record(path, argv, env):
        calls.append(argv)
        raise Started()

    monkeypatch.setattr(os, "execve", record)
    return calls


@pytest.mark.parametrize("host", REMOTE)
def test_a_network_address_is_refused_without_allow_remote(host, started):
    result = CliRunner().invoke(app, ["dashboard", "--host", host])
    assert result.exit_code == 2, result.output
    assert "--allow-remote" in result.output and host.strip("[]") in result.output
    assert "Traceback" not in result.output
    assert started == []


@pytest.mark.parametrize("host", REMOTE[:3])
def test_allow_remote_serves_it_with_a_loud_warning(host, started):
    result = CliRunner().invoke(app, ["dashboard", "--host", host, "--allow-remote"])
    assert isinstance(result.exception, Started)
    assert "WARNING" in result.output
    assert "anyone who can reach" in result.output and "run simulations" in result.output
    assert started and started[0][started[0].index("--host") + 1] == host


@pytest.mark.parametrize("host", LOCAL)
def test_loopback_is_served_without_a_warning(host, started):
    result = CliRunner().invoke(app, ["dashboard", "--host", host])
    assert isinstance(result.exception, Started), result.output
    assert "WARNING" not in result.output
    assert started[0][started[0].index("--host") + 1] == host.strip("[]")
