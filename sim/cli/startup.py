"""Ctrl-C while the ``livskraft`` command is still loading (its imports take about half a
second): the command ends quietly with status 130, as Ctrl-C does at any later moment, and
nothing has been written yet. Installed only when this process is the command (``python -m
sim.cli`` or the ``livskraft`` script), never when a program or a test imports the package."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

INTERRUPTED = 130       # the shell's status for a command stopped by Ctrl-C (every command)
COMMAND = "livskraft"


def _stop(signum, frame) -> None:
    raise SystemExit(INTERRUPTED)


def is_the_command() -> bool:
    """Whether this process runs the command: ``python -m`` sets ``sys.argv[0]`` to ``-m``
    while it imports the package, the console script is called ``livskraft``."""
    first = sys.argv[0] if sys.argv else ""
    return first == "-m" or Path(first).name == COMMAND


if is_the_command():
    signal.signal(signal.SIGINT, _stop)
