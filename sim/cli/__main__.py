"""``python -m sim.cli``: the same as the ``livskraft`` command."""

from sim.cli import main

main()
